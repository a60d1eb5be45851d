#!/bin/sh
# tools/install-links.sh BINDIR APPLET... - meson install script: one
# relative symlink per applet next to the installed ipctool binary
set -eu
bindir=$1
shift
case $bindir in
/*) dir=${DESTDIR:-}$bindir ;;
*) dir=${DESTDIR:-}${MESON_INSTALL_PREFIX}/$bindir ;;
esac
for a in "$@"; do
	ln -sfn ipctool "$dir/$a"
done
