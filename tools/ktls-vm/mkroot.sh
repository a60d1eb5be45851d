#!/bin/bash
# tools/ktls-vm/mkroot.sh OUT KVER IPCTOOL [BSTREAM]: the initramfs (newc cpio)
# of the kernel TLS VM: busybox, bash, socat, the ipctool binary and the
# stream source/sink with the libraries each links (and OpenSSL, which
# ipctool loads when it needs it), the VM's /init and its measurement
# (inner.sh), a throwaway certificate, and the kernel modules of the TLS
# ULP and of AES-GCM for kernel KVER, in load order.
set -euo pipefail
out=$1 kver=$2 ipctool=$3 bstream=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,proc,sys,dev,tmp,etc,mods}
bins=(/usr/bin/busybox /bin/bash /usr/bin/socat)
libs=(/lib/x86_64-linux-gnu/libssl.so.3 /lib/x86_64-linux-gnu/libcrypto.so.3)
[ -z "$bstream" ] || bins+=("$bstream")
for b in "${bins[@]}" "$ipctool"; do
	mapfile -t -O "${#libs[@]}" libs < <(ldd "$b" |
	    awk '/=>/ && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }')
done
for f in "${bins[@]}" $(printf '%s\n' "${libs[@]}" | sort -u) /etc/ld.so.cache; do
	mkdir -p "$root$(dirname "$f")"
	cp -L "$f" "$root$f"
done
cp "$ipctool" "$root/bin/ipctool"
[ -z "$bstream" ] || cp "$bstream" "$root/bin/bstream"
cp "$here/init" "$root/init"
cp "$here/inner.sh" "$root/bin/inner.sh"
chmod 0755 "$root/init"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$root/etc/key.pem" -out "$root/etc/cert.pem" -days 2 \
    -subj /CN=localhost 2>/dev/null
# --show-depends takes one module at a time; the kernel cannot load the
# algorithms gcm(aes) needs by itself here (no modprobe in the VM)
for m in gf128mul ctr ghash_generic ghash_clmulni_intel gcm aesni_intel tls; do
	modprobe -S "$kver" --show-depends "$m"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$root/mods/list"
while read -r m; do
	cp "$m" "$root/mods/"
	basename "$m" >>"$root/mods/order"
done <"$root/mods/list"
rm "$root/mods/list"
(cd "$root" && find . | cpio -o -H newc --quiet) >"$out"
