#!/bin/sh
# tools/deps.sh - install the Debian packages the build, the tests and the
# benchmarks need (qemu and Debian's cloud kernel, which has kernel TLS,
# for the kernel TLS VM of tools/ktls-vm): only the missing ones, with one apt-get update first;
# nothing at all when every package is present (Go and nats.go's sources
# among them: the conformance suite builds its nats.go client offline
# from them). Then nats.js for the
# conformance suite: npm ci in tests/interop (node_modules, git-ignored)
# from the committed package-lock.json, unless it is there already.
set -eu

packages="
	gcc make pkg-config meson ninja-build libbsd-dev libssl-dev scdoc
	bats bats-assert bats-support bats-file
	jq python3 zsh fish procps psmisc iproute2 coreutils
	socat netcat-openbsd ncat nats-server libnats-dev openssl
	golang-go golang-github-nats-io-go-nats-dev
	clang libclang-rt-14-dev valgrind
	pv hyperfine busybox mosquitto mosquitto-clients parallel
	qemu-system-x86 linux-image-cloud-amd64 cpio kmod
"

missing=
for p in $packages; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
# node and npm: Debian's, unless some node with npm is installed already
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi

if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	sudo=
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			sudo=sudo
		else
			echo "deps: need root (or sudo) to install:$missing" >&2
			exit 1
		fi
	fi
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -q
	# shellcheck disable=SC2086
	$sudo apt-get install -y -q --no-install-recommends $missing
fi

interop="$(cd "$(dirname "$0")/.." && pwd)/tests/interop"
want=$(sed -n 's/.*"nats": *"\([^"]*\)".*/\1/p' "$interop/package.json")
have=$(cd "$interop" && node -p 'require("./node_modules/nats/package.json").version' 2>/dev/null || true)
if [ "$have" != "$want" ]; then
	echo "deps: npm ci in tests/interop (nats $want)"
	(cd "$interop" && npm ci --no-audit --no-fund --loglevel=error) ||
		echo "deps: npm ci failed: the conformance suite skips nats.js" >&2
fi
