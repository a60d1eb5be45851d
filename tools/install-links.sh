#!/bin/sh
# tools/install-links.sh BINDIR BASHCOMPDIR APPLET... - meson install
# script: one relative symlink per applet next to the installed ipctool
# binary, and one per applet beside the bash completion (bash-completion
# loads completions by command name)
set -eu
abs() {
	case $1 in
	/*) printf '%s\n' "${DESTDIR:-}$1" ;;
	*) printf '%s\n' "${DESTDIR:-}${MESON_INSTALL_PREFIX}/$1" ;;
	esac
}
bindir=$(abs "$1")
compdir=$(abs "$2")
shift 2
for a in "$@"; do
	ln -sfn ipctool "$bindir/$a"
	if [ -d "$compdir" ]; then
		ln -sfn ipctool "$compdir/$a"
	fi
done
