#!/bin/sh
# tools/install-links.sh BINDIR BASHCOMPDIR FISHCOMPDIR APPLET... - meson
# install script: one relative symlink per applet next to the installed
# ipctool binary, and one per applet beside the bash and the fish
# completion (both load completions by command name)
set -eu
abs() {
	case $1 in
	/*) printf '%s\n' "${DESTDIR:-}$1" ;;
	*) printf '%s\n' "${DESTDIR:-}${MESON_INSTALL_PREFIX}/$1" ;;
	esac
}
bindir=$(abs "$1")
compdir=$(abs "$2")
fishdir=$(abs "$3")
shift 3
for a in "$@"; do
	ln -sfn ipctool "$bindir/$a"
	if [ -d "$compdir" ]; then
		ln -sfn ipctool "$compdir/$a"
	fi
	if [ -d "$fishdir" ]; then
		ln -sfn ipctool.fish "$fishdir/$a.fish"
	fi
done
