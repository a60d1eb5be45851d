#!/usr/bin/env bats
# completion.bats - the bash, zsh and fish completions, driven through the
# real shells: the options of each subcommand only, signal names without
# KILL and STOP where they cannot be caught, a command after "--" and
# "::", subcommands before files, and what an install gives a fresh shell

load helpers.bash

setup() {
	T=$BATS_TEST_TMPDIR
	# the applet links, as "make install" makes them
	mkdir -p "$T/bin" "$T/home"
	for a in ipctool $(ipctool --list); do
		ln -s "$IPCTOOL" "$T/bin/$a"
	done
	# a fish and a zsh of nobody's configuration
	export HOME=$T/home XDG_CONFIG_HOME=$T/home/.config
	export XDG_DATA_HOME=$T/home/.local/share
}

# complete_zsh WORD...: what completions/_ipctool offers for the command
# line WORD... in zsh: compadd prints its words, _files and _normal what
# they were asked for (the rest is the real zsh running the real script)
complete_zsh() {
	zsh -f -c '
		compadd() {
			while [[ $1 == -* && $1 != -- ]]; do shift; done
			[[ $1 == -- ]] && shift
			(( $# )) && print -rl -- "$@"
		}
		_files() { print -r -- "(files)"; }
		_normal() { print -r -- "(command ${words[1]} at $CURRENT)"; }
		words=("$@"); CURRENT=$#; PREFIX=${words[-1]}
		source "$IPCTOOL_SRCDIR/completions/_ipctool"
		:
	' zsh "$@"
}

# complete_fish LINE: what fish offers for LINE (the words only; fish
# sorts them)
complete_fish() {
	PATH="$T/bin:$PATH" fish -c "source '$IPCTOOL_SRCDIR/completions/ipctool.fish'; complete -C '$1'" | cut -f1
}

@test "bash: the options of the subcommand only" {
	run -0 complete_bash "$IPCTOOL" sig send --
	assert_line -- --signal
	assert_line -- --sync
	assert_line -- --stats
	refute_line -- --ack
	refute_line -- --follow
	run -0 complete_bash "$T/bin/sig" wait --
	assert_line -- --ack
	refute_line -- --signal
	run -0 complete_bash "$IPCTOOL" bus daemon --max-p
	assert_output -- "--max-payload
--max-pending
--max-pings-out"
	run -0 complete_bash "$IPCTOOL" bus daemon -m
	assert_output -- "-m"
	run -0 complete_bash "$IPCTOOL" bus pub --
	refute_line -- --listen
	refute_line -- --queue
}

@test "bash: signals for wait and trap without KILL and STOP; all for -s" {
	run -0 complete_bash "$IPCTOOL" sig wait ""
	assert_line USR1
	assert_line RTMAX
	refute_line KILL
	refute_line STOP
	run -0 complete_bash "$IPCTOOL" sig trap -c 1 s
	assert_output "SEGV
STKFLT
SYS"
	run -0 complete_bash "$IPCTOOL" sig send -s s
	assert_output "SEGV
STKFLT
STOP
SYS"
}

@test "bash: a command after '--' and '::', subcommands before files" {
	cd "$T"
	touch fifo-file
	run -0 complete_bash "$IPCTOOL" sig trap HUP -- ech
	assert_line echo
	run -0 complete_bash "$IPCTOOL" req serve up -- ech
	assert_line echo
	run -0 complete_bash "$IPCTOOL" sock-server tcp:0 -- ech
	assert_line echo
	run -0 complete_bash "$IPCTOOL" pipe ech
	assert_line echo
	run -0 complete_bash "$IPCTOOL" pipe -t 2s cat :: ech
	assert_line echo
	# the arguments of the command are its own (files here)
	run -0 complete_bash "$IPCTOOL" pipe cat fifo-f
	assert_output fifo-file
	# the subcommand comes first, then files
	run -0 complete_bash "$IPCTOOL" fifo ""
	assert_output "make
rm
send
recv"
	run -0 complete_bash "$IPCTOOL" fifo rm fifo-
	assert_output fifo-file
	# after "--" where no command runs: operands, never options
	run -0 complete_bash "$IPCTOOL" sig wait -- --
	assert_output ""
}

@test "zsh: the options of the subcommand, signals, commands, files" {
	run -0 complete_zsh "$IPCTOOL" sig send --s
	assert_output -- "--signal
--stats
--sync"
	run -0 complete_zsh "$T/bin/sig" wait --
	assert_line -- --ack
	refute_line -- --signal
	run -0 complete_zsh "$IPCTOOL" sig wait STO
	assert_output ""
	run -0 complete_zsh "$IPCTOOL" sig wait ki
	assert_output ""
	run -0 complete_zsh "$IPCTOOL" sig wait us
	assert_output "USR1
USR2"
	run -0 complete_zsh "$IPCTOOL" sig trap HUP -- ls ""
	assert_output "(command ls at 2)"
	run -0 complete_zsh "$T/bin/pipe" cat :: wc ""
	assert_output "(command wc at 2)"
	run -0 complete_zsh "$IPCTOOL" fifo ""
	assert_output "make
rm
send
recv"
	run -0 complete_zsh "$IPCTOOL" fifo make ""
	assert_output "(files)"
}

@test "fish: the options of the subcommand, signals, commands, files" {
	run -0 complete_fish "sig send --s"
	assert_output -- "--signal
--stats
--sync"
	run -0 complete_fish "ipctool sig wait --a"
	assert_output -- "--ack"
	run -0 complete_fish "sig wait STO"
	assert_output ""
	run -0 complete_fish "sig trap KI"
	assert_output ""
	run -0 complete_fish "ipctool sig trap us"
	assert_output "USR1
USR2"
	run -0 complete_fish "sig trap HUP -- ech"
	assert_line echo
	run -0 complete_fish "pipe cat :: ech"
	assert_line echo
	run -0 complete_fish "fifo "
	assert_output "make
recv
rm
send"
	cd "$T"
	touch fifo-file
	run -0 complete_fish "fifo make fifo-"
	assert_output fifo-file
}

@test "an install completes the applet links in a fresh zsh and fish" {
	[ -n "${IPCTOOL_BUILDDIR:-}" ] || skip "needs the meson build directory"
	dest="$T/dest"
	run -0 meson install -C "$IPCTOOL_BUILDDIR" --no-rebuild --quiet --destdir "$dest"
	prefix=$(meson introspect "$IPCTOOL_BUILDDIR" --buildoptions |
	    python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
	root="$dest$prefix"
	# zsh: the directory is one zsh searches by default for /usr/local
	# and /usr, and compinit there ties every applet name to _ipctool
	if [ "$prefix" = /usr/local ] || [ "$prefix" = /usr ]; then
		run -0 zsh -f -c 'print -l $fpath'
		assert_line "$prefix/share/zsh/site-functions"
	fi
	run -0 zsh -f -c "fpath=('$root/share/zsh/site-functions' \$fpath)
		autoload -U compinit && compinit -u -d '$T/zcompdump'
		for a in ipctool $(ipctool --list | tr '\n' ' '); do print \$a \$_comps[\$a]; done"
	for a in ipctool $(ipctool --list); do
		assert_line "$a _ipctool"
	done
	# fish: a fresh shell finds the completion of a link by its name
	run -0 env PATH="$root/bin:$PATH" XDG_DATA_DIRS="$root/share" \
	    fish -c 'complete -C "sig se"; complete -C "fifo re"'
	assert_output "send
recv"
}
