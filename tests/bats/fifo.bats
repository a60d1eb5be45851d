#!/usr/bin/env bats
# fifo.bats - ipctool fifo: make and rm (FIFOs only, no symlinks followed),
# send and recv (lines, NUL, raw bytes, JSON), --sync acknowledgements,
# --nonblock, --timeout, --count, --follow, concurrent senders

load helpers.bash

setup() {
	F="$BATS_TEST_TMPDIR/f"
	export TMPDIR="$BATS_TEST_TMPDIR"
	unset XDG_RUNTIME_DIR
}

# mode PATH: the octal permission bits of PATH
mode() {
	stat -c %a "$1"
}

# acks: the reply FIFOs of --sync senders left in $TMPDIR
acks() {
	find "$BATS_TEST_TMPDIR" -maxdepth 1 -name 'ipctool-fifo-ack.*' | wc -l
}

# one_ack: true when exactly one reply FIFO exists
one_ack() {
	[ "$(acks)" -eq 1 ]
}

@test "make creates a FIFO 0600 by default, --mode sets it exactly" {
	run -0 --separate-stderr ipctool fifo make "$F" "$F.2"
	assert_equal "$output$stderr" ""
	[ -p "$F" ] && [ -p "$F.2" ]
	assert_equal "$(mode "$F")" 600
	umask 077
	run -0 ipctool fifo make --mode 0664 "$F.3"
	assert_equal "$(mode "$F.3")" 664
	run -0 ipctool fifo make -m 640 "$F.4"
	assert_equal "$(mode "$F.4")" 640
}

@test "make: an existing FIFO is an error as with mkfifo(1); --exist-ok takes ours of that mode" {
	mkfifo -m 0644 "$F"
	run -1 --separate-stderr ipctool fifo make -m 0644 "$F"
	assert_equal "$stderr" "ipctool fifo: make $F: File exists (a FIFO of yours: --exist-ok accepts it)"
	run -0 --separate-stderr ipctool fifo make --exist-ok -m 0644 "$F"
	assert_equal "$stderr" ""
	run -1 --separate-stderr ipctool fifo make --exist-ok "$F"
	assert_equal "$stderr" "ipctool fifo: make $F: File exists (a FIFO of uid $(id -u), mode 0644)"
	assert_equal "$(mode "$F")" 644
}

@test "make refuses a regular file, a directory and a symlink, following none" {
	echo data >"$F.reg"
	mkdir "$F.dir"
	ln -s "$F.target" "$F.link"
	run -1 --separate-stderr ipctool fifo make "$F.reg"
	assert_equal "$stderr" "ipctool fifo: make $F.reg: exists and is a regular file, not a FIFO"
	assert_equal "$(cat "$F.reg")" data
	run -1 --separate-stderr ipctool fifo make "$F.dir"
	assert_equal "$stderr" "ipctool fifo: make $F.dir: exists and is a directory, not a FIFO"
	run -1 --separate-stderr ipctool fifo make "$F.link"
	assert_equal "$stderr" "ipctool fifo: make $F.link: exists and is a symbolic link, not a FIFO"
	[ ! -e "$F.target" ]
	run -1 --separate-stderr ipctool fifo make "$F.none/f"
	assert_equal "$stderr" "ipctool fifo: make $F.none/f: No such file or directory"
}

@test "make: a bad --mode is a usage error" {
	run -64 --separate-stderr ipctool fifo make --mode 0999 "$F"
	assert_equal "$stderr" "ipctool fifo: invalid mode '0999' for --mode: not octal (see 'ipctool fifo --help')"
	run -64 ipctool fifo make --mode 01777 "$F"
	[ ! -e "$F" ]
}

@test "make -v shows the mkfifo call and the kernel's answer" {
	run -0 --separate-stderr ipctool fifo make -v "$F"
	assert_regex "$stderr" "^ipctool fifo\[[0-9]+\]: mkfifo\(\"$F\", 0600\) = 0$"
}

@test "rm removes FIFOs and nothing else" {
	mkfifo "$F"
	echo keep >"$F.reg"
	ln -s "$F.reg" "$F.link"
	run -0 --separate-stderr ipctool fifo rm "$F"
	assert_equal "$stderr" ""
	[ ! -e "$F" ]
	run -1 --separate-stderr ipctool fifo rm "$F.reg"
	assert_equal "$stderr" "ipctool fifo: rm $F.reg: is a regular file, not a FIFO (left in place)"
	run -1 --separate-stderr ipctool fifo rm "$F.link"
	assert_equal "$stderr" "ipctool fifo: rm $F.link: is a symbolic link, not a FIFO (left in place)"
	assert_equal "$(cat "$F.reg")" keep
	run -1 --separate-stderr ipctool fifo rm "$F"
	assert_equal "$stderr" "ipctool fifo: rm $F: No such file or directory"
}

@test "send arguments, recv prints them and ends when the writer closes; the FIFO stays" {
	ipctool fifo make "$F"
	start_bg ipctool fifo recv "$F"
	run -0 --separate-stderr ipctool fifo send "$F" hello "two words" ""
	assert_equal "$stderr" ""
	wait_exit "$BG_PID"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$BG_OUT")" "$(printf 'hello\ntwo words\n')"
	assert_equal "$(wc -l <"$BG_OUT")" 3
	[ -p "$F" ]
}

@test "receive is another name for recv" {
	ipctool fifo make "$F"
	start_bg ipctool fifo receive "$F"
	ipctool fifo send "$F" hi
	wait_exit "$BG_PID"
	assert_equal "$(cat "$BG_OUT")" hi
}

@test "send reads stdin lines; a last line without newline counts" {
	ipctool fifo make "$F"
	start_bg ipctool fifo recv "$F"
	printf 'a\n\nb\nlast' | ipctool fifo send "$F"
	wait_exit "$BG_PID"
	assert_equal "$(od -An -c "$BG_OUT" | tr -s ' ')" " a \n \n b \n l a s t \n"
}

@test "short messages are batched whole into one write(2) of at most PIPE_BUF" {
	ipctool fifo make "$F"
	start_bg ipctool fifo recv "$F"
	run -0 --separate-stderr bash -c 'printf "a\nbb\nccc\n" | "$IPCTOOL" fifo send -v "$1"' _ "$F"
	assert_equal "$(grep -c 'write(' <<<"$stderr")" 1
	assert_regex "$stderr" 'write\([0-9]+, 9 bytes\) = 9'
	wait_exit "$BG_PID"
	assert_equal "$(cat "$BG_OUT")" "$(printf 'a\nbb\nccc')"
	# 4095 bytes and a newline: still one write; 4096 and a newline: the
	# exclusive lock is taken for it
	start_bg ipctool fifo recv "$F"
	run -0 --separate-stderr ipctool fifo send -v "$F" "$(printf '%4095s' '')" "$(printf '%4096s' '')"
	assert_regex "$stderr" 'write\([0-9]+, 4096 bytes\) = 4096'
	assert_regex "$stderr" 'write\([0-9]+, 4097 bytes\) = 4097'
	wait_exit "$BG_PID"
	assert_equal "$(wc -c <"$BG_OUT")" 8193
}

@test "plays with the shell's own tools: echo into it, cat out of it" {
	mkfifo "$BATS_TEST_TMPDIR/m"
	start_bg ipctool fifo recv "$BATS_TEST_TMPDIR/m"
	echo "from echo" >"$BATS_TEST_TMPDIR/m"
	wait_exit "$BG_PID"
	assert_equal "$(cat "$BG_OUT")" "from echo"
	start_bg cat "$BATS_TEST_TMPDIR/m"
	ipctool fifo send "$BATS_TEST_TMPDIR/m" "to cat"
	wait_exit "$BG_PID"
	assert_equal "$(cat "$BG_OUT")" "to cat"
}

@test "-0: NUL-terminated messages may hold newlines" {
	ipctool fifo make "$F"
	start_bg ipctool fifo recv -0 --json "$F"
	printf 'one\nline\0two\0' | ipctool fifo send -0 "$F"
	wait_exit "$BG_PID"
	assert_equal "$(cat "$BG_OUT")" '{"msg":"one\nline","bytes":8,"sync":false}
{"msg":"two","bytes":3,"sync":false}'
}

@test "send: a newline in an argument is refused without -0" {
	ipctool fifo make "$F"
	run -64 --separate-stderr ipctool fifo send "$F" ok "$(printf 'a\nb')"
	assert_equal "$stderr" "ipctool fifo: message 2 contains a newline (use -0) (see 'ipctool fifo --help')"
}

@test "--json escapes what it must" {
	ipctool fifo make "$F"
	start_bg ipctool fifo recv --json "$F"
	printf 'tab\there "q" \\ \001\n' | ipctool fifo send "$F"
	wait_exit "$BG_PID"
	assert_equal "$(cat "$BG_OUT")" '{"msg":"tab\there \"q\" \\ \u0001","bytes":16,"sync":false}'
}

@test "--nonblock: no reader is exit 69 at once" {
	ipctool fifo make "$F"
	run -69 --separate-stderr ipctool fifo send --nonblock "$F" x
	assert_equal "$stderr" "ipctool fifo: open $F: no reader has the FIFO open"
}

@test "--timeout: no reader for send, no message for recv, exit 75" {
	ipctool fifo make "$F"
	run -75 --separate-stderr ipctool fifo send --timeout 200ms "$F" x
	assert_equal "$stderr" "ipctool fifo: open $F: no reader within 200ms"
	run -75 --separate-stderr ipctool fifo recv -t 0.2s "$F"
	assert_equal "$stderr" "ipctool fifo: receive from $F: nothing within 0.2s"
}

@test "--count stops after N messages and leaves the rest in the FIFO (tee)" {
	ipctool fifo make "$F"
	exec 5<>"$F"	# keeps the FIFO's data alive between readers
	printf '1\n2\n3\n4\n5\n' | ipctool fifo send "$F"
	run -0 ipctool fifo recv --count 2 "$F"
	assert_output "$(printf '1\n2')"
	run -0 ipctool fifo recv -c 1 "$F"
	assert_output 3
	run -0 ipctool fifo recv -c 2 "$F"
	assert_output "$(printf '4\n5')"
	exec 5>&-
}

@test "--count: many short messages read in plain reads never take one too many" {
	ipctool fifo make "$F"
	exec 5<>"$F"	# keeps the FIFO's data alive between readers
	# short lines, then one longer than what is still wanted
	{ seq 1 99; printf '%0300d\n' 0; seq 101 300; } >"$BATS_TEST_TMPDIR/in"
	ipctool fifo send "$F" <"$BATS_TEST_TMPDIR/in"
	run -0 ipctool fifo recv --count 100 "$F"
	assert_equal "$output" "$(head -n 100 "$BATS_TEST_TMPDIR/in")"
	run -0 ipctool fifo recv --count 150 "$F"
	assert_equal "$output" "$(sed -n 101,250p "$BATS_TEST_TMPDIR/in")"
	run -0 ipctool fifo recv -c 50 "$F"
	assert_equal "$output" "$(seq 251 300)"
	exec 5>&-
}

# syscall_of PID: the name of the system call PID sleeps in (read, poll)
syscall_of() {
	local nr
	read -r nr _ <"/proc/$1/syscall"
	case $(uname -m):$nr in
	x86_64:0 | aarch64:63) echo read ;;
	x86_64:7 | x86_64:271 | aarch64:73) echo poll ;;
	*) echo "$nr" ;;
	esac
}

@test "recv waits for the first writer in poll(2), then blocks in read(2) unless --timeout" {
	case $(uname -m) in x86_64 | aarch64) ;; *) skip "syscall numbers" ;; esac
	ipctool fifo make "$F"
	# no writer yet: a read(2) would see end of file, recv must wait
	start_bg ipctool fifo recv --count 100 "$F"
	recv=$BG_PID out=$BG_OUT
	wait_until 5 grep -q '^State:.*S' "/proc/$recv/status"
	assert_equal "$(syscall_of "$recv")" poll
	exec 5>"$F"
	echo 1 >&5
	wait_for_line "$out" '^1$'
	wait_until 5 [ "$(syscall_of "$recv")" = read ]
	echo 2 >&5
	wait_for_line "$out" '^2$'
	exec 5>&-	# end of file ends it, as before
	wait_exit "$recv"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$out")" "$(printf '1\n2')"
	# with --timeout every wait is a poll(2) with a deadline
	start_bg ipctool fifo recv --count 100 --timeout 10s "$F"
	exec 5>"$F"
	echo 3 >&5
	wait_for_line "$BG_OUT" '^3$'
	wait_until 5 grep -q '^State:.*S' "/proc/$BG_PID/status"
	assert_equal "$(syscall_of "$BG_PID")" poll
	exec 5>&-
	wait_exit "$BG_PID"
	assert_equal "$WAIT_STATUS" 0
}

@test "--follow goes on as writers come and go, without spinning" {
	ipctool fifo make "$F"
	start_bg ipctool fifo recv --follow --count 3 "$F"
	ipctool fifo send "$F" one
	ipctool fifo send "$F" two
	ipctool fifo send "$F" three
	wait_exit "$BG_PID"
	assert_equal "$(cat "$BG_OUT")" "$(printf 'one\ntwo\nthree')"
}

@test "--follow between writers sleeps in poll(2)" {
	ipctool fifo make "$F"
	start_bg ipctool fifo recv --follow "$F"
	ipctool fifo send "$F" one
	wait_for_line "$BG_OUT" '^one$'
	t0=$(awk '{print $14 + $15}' "/proc/$BG_PID/stat")
	wait_until 5 grep -q '^State:.*S' "/proc/$BG_PID/status"
	sleep 0.3
	t1=$(awk '{print $14 + $15}' "/proc/$BG_PID/stat")
	[ $((t1 - t0)) -le 2 ]
}

@test "8 concurrent senders x 1000 lines: none lost, none interleaved" {
	ipctool fifo make "$F"
	for s in 1 2 3 4 5 6 7 8; do
		# lines of 50 to 400 bytes, different per sender
		pad=$(printf "%$((s * 50))s" "" | tr ' ' "$s")
		seq -f "s$s-%04g-$pad" 1 1000 >"$BATS_TEST_TMPDIR/in$s"
	done
	start_bg ipctool fifo recv --follow --count 8000 "$F"
	recv=$BG_PID recv_out=$BG_OUT
	pids=()
	for s in 1 2 3 4 5 6 7 8; do
		start_bg_in "$BATS_TEST_TMPDIR/in$s" ipctool fifo send "$F"
		pids+=("$BG_PID")
	done
	for p in "${pids[@]}"; do
		wait_exit "$p" 20
		assert_equal "$WAIT_STATUS" 0
	done
	wait_exit "$recv" 20
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(wc -l <"$recv_out")" 8000
	for s in 1 2 3 4 5 6 7 8; do
		grep "^s$s-" "$recv_out" | cmp - "$BATS_TEST_TMPDIR/in$s"
	done
}

@test "messages longer than PIPE_BUF from 4 senders are not interleaved (flock)" {
	ipctool fifo make "$F"
	for s in 1 2 3 4; do
		head -c 20000 /dev/zero | tr '\0' "$s" >"$BATS_TEST_TMPDIR/big$s"
		for i in 1 2 3 4 5; do cat "$BATS_TEST_TMPDIR/big$s"; echo; done >"$BATS_TEST_TMPDIR/in$s"
	done
	start_bg ipctool fifo recv --follow --count 20 "$F"
	recv=$BG_PID recv_out=$BG_OUT
	pids=()
	for s in 1 2 3 4; do
		start_bg_in "$BATS_TEST_TMPDIR/in$s" ipctool fifo send "$F"
		pids+=("$BG_PID")
	done
	for p in "${pids[@]}"; do
		wait_exit "$p" 20
		assert_equal "$WAIT_STATUS" 0
	done
	wait_exit "$recv" 20
	assert_equal "$(wc -l <"$recv_out")" 20
	# exactly the 4 messages, 5 times each: no piece of one inside another
	for s in 1 2 3 4; do cat "$BATS_TEST_TMPDIR/big$s"; echo; done >"$BATS_TEST_TMPDIR/want"
	sort -u "$recv_out" | cmp - "$BATS_TEST_TMPDIR/want"
	assert_equal "$(sort "$recv_out" | uniq -c | awk '{print $1}' | sort -u)" 5
}

@test "--sync: each message is acknowledged; the reply FIFO is gone after" {
	ipctool fifo make "$F"
	start_bg ipctool fifo recv --json --follow --count 2 "$F"
	run -0 --separate-stderr ipctool fifo send --sync "$F" one two
	assert_equal "$stderr" ""
	wait_exit "$BG_PID"
	run cat "$BG_OUT"
	assert_line --index 0 --regexp '^\{"msg":"one","bytes":3,"sync":true,"pid":[0-9]+,"seq":1\}$'
	assert_line --index 1 --regexp '^\{"msg":"two","bytes":3,"sync":true,"pid":[0-9]+,"seq":2\}$'
	assert_equal "$(acks)" 0
}

@test "--sync: 4 senders x 200 lines, each returns after its acks, none lost" {
	ipctool fifo make "$F"
	seq 1 200 >"$BATS_TEST_TMPDIR/in"
	start_bg ipctool fifo recv --follow --count 800 "$F"
	recv=$BG_PID recv_out=$BG_OUT
	pids=()
	for s in 1 2 3 4; do
		sed "s/^/$s-/" "$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/in$s"
		start_bg_in "$BATS_TEST_TMPDIR/in$s" ipctool fifo send --sync -t 10s "$F"
		pids+=("$BG_PID")
	done
	for p in "${pids[@]}"; do
		wait_exit "$p" 20
		assert_equal "$WAIT_STATUS" 0
	done
	# every sender is back: each of its messages has been printed already
	assert_equal "$(grep -c . "$recv_out")" 800
	wait_exit "$recv"
	for s in 1 2 3 4; do
		grep "^$s-" "$recv_out" | sed "s/^$s-//" | cmp - "$BATS_TEST_TMPDIR/in"
	done
	assert_equal "$(acks)" 0
}

@test "--sync: longer than PIPE_BUF from 3 senders at once: whole, each acked to its sender" {
	ipctool fifo make "$F"
	for s in 1 2 3; do
		for i in 1 2 3 4 5 6; do
			printf "$s-$i-"
			head -c $((6000 + s * 1000)) /dev/zero | tr '\0' "$s"
			echo
		done >"$BATS_TEST_TMPDIR/in$s"
	done
	start_bg ipctool fifo recv --follow --count 18 "$F"
	recv=$BG_PID recv_out=$BG_OUT
	pids=()
	for s in 1 2 3; do
		start_bg_in "$BATS_TEST_TMPDIR/in$s" ipctool fifo send --sync --stats --json -t 10s "$F"
		pids+=("$BG_PID")
		errs[s]=$BG_ERR
	done
	for p in "${pids[@]}"; do
		wait_exit "$p" 20
		assert_equal "$WAIT_STATUS" 0
	done
	wait_exit "$recv" 20
	assert_equal "$WAIT_STATUS" 0
	for s in 1 2 3; do
		# in order and whole: no piece of another sender's inside
		grep "^$s-" "$recv_out" | cmp - "$BATS_TEST_TMPDIR/in$s"
		# each sender counted its own 6 acks, none lost
		grep -q '"sent":6,"acknowledged":6,"lost":0' "${errs[s]}"
	done
	assert_equal "$(wc -l <"$recv_out")" 18
	assert_equal "$(acks)" 0
}

@test "--sync: no acknowledgement within --timeout is exit 75" {
	ipctool fifo make "$F"
	exec 5<>"$F"	# a reader that never reads
	run -75 --separate-stderr ipctool fifo send --sync --timeout 300ms "$F" hi
	assert_equal "$stderr" "ipctool fifo: send to $F: no acknowledgement of message 1 within 300ms"
	exec 5>&-
	assert_equal "$(acks)" 0
}

@test "--sync: a receiver that leaves without acknowledging is exit 69" {
	ipctool fifo make "$F"
	start_bg dd if="$F" of=/dev/null bs=1 count=1 status=none
	run -69 --separate-stderr ipctool fifo send --sync --timeout 10s "$F" hi
	assert_equal "$stderr" "ipctool fifo: send to $F: the receiver closed the FIFO before acknowledging message 1"
	assert_equal "$(acks)" 0
}

@test "--sync: SIGTERM and SIGINT while waiting remove the reply FIFO" {
	ipctool fifo make "$F"
	exec 5<>"$F"
	for sig in TERM INT; do
		# a background job starts with INT ignored, and keeps it so
		start_bg env --default-signal=INT "$IPCTOOL" fifo send --sync "$F" hi
		wait_until 10 one_ack
		kill -"$sig" "$BG_PID"
		wait_exit "$BG_PID"
		[ "$WAIT_STATUS" -gt 128 ]
		assert_equal "$(acks)" 0
	done
	exec 5>&-
}

@test "async send: a receiver that leaves is exit 69" {
	ipctool fifo make "$F"
	start_bg ipctool fifo recv --count 1 "$F"
	run -69 --separate-stderr bash -c 'seq 1 1000000 | "$IPCTOOL" fifo send "$1"' _ "$F"
	assert_regex "$stderr" "^ipctool fifo: write to $F: the receiver closed the FIFO \([0-9]+ messages sent\)$"
	wait_exit "$BG_PID"
	assert_equal "$(cat "$BG_OUT")" 1
}

@test "--raw moves bytes unchanged both ways (splice)" {
	ipctool fifo make "$F"
	head -c 3000000 /dev/urandom >"$BATS_TEST_TMPDIR/data"
	start_bg ipctool fifo recv --raw "$F"
	run -0 --separate-stderr ipctool fifo send --raw -v "$F" <"$BATS_TEST_TMPDIR/data"
	assert_regex "$stderr" 'splice\(0, [0-9]+, 1 MiB\) = 65536'
	wait_exit "$BG_PID"
	cmp "$BATS_TEST_TMPDIR/data" "$BG_OUT"
	# from a pipe into the FIFO, out to a pipe
	start_bg bash -c '"$IPCTOOL" fifo recv --raw "$1" | sha256sum' _ "$F"
	cat "$BATS_TEST_TMPDIR/data" | ipctool fifo send --raw "$F"
	wait_exit "$BG_PID"
	assert_equal "$(cat "$BG_OUT")" "$(sha256sum <"$BATS_TEST_TMPDIR/data")"
}

@test "--raw falls back to read/write where splice cannot go (O_APPEND)" {
	ipctool fifo make "$F"
	echo first >"$BATS_TEST_TMPDIR/log"
	start_bg bash -c '"$IPCTOOL" fifo recv --raw -v "$1" >>"$2"' _ "$F" "$BATS_TEST_TMPDIR/log"
	seq 1 3 | ipctool fifo send --raw "$F"
	wait_exit "$BG_PID"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/log")" "$(printf 'first\n1\n2\n3')"
	grep -q 'splice cannot write stdout: read(2)/write(2)' "$BG_ERR"
}

@test "--raw arguments go as they are, without delimiters" {
	ipctool fifo make "$F"
	start_bg ipctool fifo recv --raw "$F"
	ipctool fifo send --raw "$F" ab cd
	wait_exit "$BG_PID"
	assert_equal "$(cat "$BG_OUT")" abcd
}

@test "--max-size: a longer message is refused with exit 1" {
	ipctool fifo make "$F"
	run -1 --separate-stderr ipctool fifo send --max-size 4 "$F" 12345
	assert_equal "$stderr" "ipctool fifo: send to $F: message 1 is 5 bytes, longer than --max-size 4"
	# what came before a message that is too long still goes out
	start_bg ipctool fifo recv "$F"
	run -1 --separate-stderr bash -c 'printf "ok\n12345\nnot sent\n" | "$IPCTOOL" fifo send --max-size 4 "$1"' _ "$F"
	assert_equal "$stderr" "ipctool fifo: read stdin: message 2 is longer than --max-size 4"
	wait_exit "$BG_PID"
	assert_equal "$(cat "$BG_OUT")" ok
	start_bg ipctool fifo recv --max-size 4 "$F"
	ipctool fifo send "$F" 1234 123456
	wait_exit "$BG_PID"
	assert_equal "$WAIT_STATUS" 1
	assert_equal "$(cat "$BG_OUT")" 1234
	assert_equal "$(cat "$BG_ERR")" "ipctool fifo: receive from $F: message 2 is longer than --max-size 4"
}

@test "send and recv refuse what is not a FIFO" {
	echo x >"$F.reg"
	mkdir "$F.dir"
	run -1 --separate-stderr ipctool fifo send "$F.reg" x
	assert_equal "$stderr" "ipctool fifo: open $F.reg: is a regular file, not a FIFO"
	assert_equal "$(cat "$F.reg")" x
	run -1 --separate-stderr ipctool fifo recv "$F.dir"
	assert_equal "$stderr" "ipctool fifo: open $F.dir: is a directory, not a FIFO"
	run -1 --separate-stderr ipctool fifo recv "$F.none"
	assert_equal "$stderr" "ipctool fifo: open $F.none: No such file or directory"
}

@test "permission denied is one line and exit 1" {
	command -v setpriv >/dev/null || skip "setpriv not installed"
	[ "$(id -u)" -eq 0 ] || skip "needs root to switch users"
	d=$(mktemp -d /tmp/ipctool-fifo-perm.XXXXXX)
	chmod 755 "$d"
	mkfifo -m 0600 "$d/f"
	run -1 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$IPCTOOL" fifo send --nonblock "$d/f" x
	rm -rf "$d"
	assert_equal "$stderr" "ipctool fifo: open $d/f: Permission denied"
}

@test "usage errors: subcommand, PATH, options that do not apply or clash" {
	run -64 --separate-stderr ipctool fifo
	assert_equal "$stderr" "ipctool fifo: missing subcommand (make, rm, send or recv) (see 'ipctool fifo --help')"
	run -64 --separate-stderr ipctool fifo push "$F"
	assert_equal "$stderr" "ipctool fifo: unknown subcommand 'push' (make, rm, send or recv) (see 'ipctool fifo --help')"
	run -64 --separate-stderr ipctool fifo send
	assert_equal "$stderr" "ipctool fifo: fifo send needs a PATH (see 'ipctool fifo --help')"
	run -64 --separate-stderr ipctool fifo make --sync "$F"
	assert_equal "$stderr" "ipctool fifo: 'fifo make' takes no --sync option (see 'ipctool fifo --help')"
	run -64 --separate-stderr ipctool fifo recv --nonblock "$F"
	assert_equal "$stderr" "ipctool fifo: 'fifo recv' takes no --nonblock option (see 'ipctool fifo --help')"
	run -64 --separate-stderr ipctool fifo send -0 --raw "$F"
	assert_equal "$stderr" "ipctool fifo: -0 and --raw exclude each other (see 'ipctool fifo --help')"
	run -64 --separate-stderr ipctool fifo send --sync --async "$F"
	assert_equal "$stderr" "ipctool fifo: --sync and --async exclude each other (see 'ipctool fifo --help')"
	run -64 --separate-stderr ipctool fifo recv --raw --json "$F"
	assert_equal "$stderr" "ipctool fifo: --raw moves bytes, not messages: no --sync, --json, --count or --max-size (see 'ipctool fifo --help')"
	run -64 --separate-stderr ipctool fifo recv "$F" "$F"
	assert_equal "$stderr" "ipctool fifo: fifo recv takes one PATH (see 'ipctool fifo --help')"
	[ ! -e "$F" ]
}

@test "--help lists the subcommands; --complete-words offers them" {
	run -0 ipctool fifo --help
	assert_line --index 0 "usage: ipctool fifo make [-m MODE] PATH..."
	run -0 ipctool fifo --complete-words
	assert_line --index 0 make
	assert_line --index 3 recv
}

@test "README: the --nonblock example runs as written" {
	# the lines from 'fifo make /tmp/nobody-reads' to the exit status,
	# run with /tmp/ as the test's directory: output as shown
	run -0 sed -n '\|^\$ ipctool fifo make /tmp/nobody-reads$|,/^69$/p' \
	    "$IPCTOOL_SRCDIR/README.md"
	want=$output
	[ -n "$want" ]
	script=$(grep '^\$ ' <<<"$want" | sed -e 's/^\$ //' \
	    -e "s|/tmp/|$BATS_TEST_TMPDIR/|g" -e 's|^ipctool |"$IPCTOOL" |')
	run bash -c "$script" 2>&1
	got=$(sed "s|$BATS_TEST_TMPDIR/|/tmp/|g" <<<"$output")
	assert_equal "$got" "$(grep -v '^\$ ' <<<"$want")"
}

@test "recv --ready-file: the pid in the file once the FIFO is open; --nonblock finds it" {
	ipctool fifo make "$F"
	start_bg ipctool fifo recv --ready-file "$BATS_TEST_TMPDIR/ready" "$F"
	wait_for_path "$BATS_TEST_TMPDIR/ready"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/ready")" "$BG_PID"
	run -0 --separate-stderr ipctool fifo send --nonblock "$F" hello
	wait_exit "$BG_PID"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$BG_OUT")" "hello"
	run -1 --separate-stderr ipctool fifo recv --ready-file /nonexistent/r "$F"
	assert_equal "$stderr" "ipctool fifo: write /nonexistent/r: No such file or directory"
	run -64 --separate-stderr ipctool fifo send --ready-file "$BATS_TEST_TMPDIR/r" "$F" x
	assert_equal "$stderr" "ipctool fifo: 'fifo send' takes no --ready-file option (see 'ipctool fifo --help')"
}

@test "recv: SIGTERM removes the --ready-file, exit 143" {
	ipctool fifo make "$F"
	start_bg ipctool fifo recv --ready-file "$BATS_TEST_TMPDIR/ready" "$F"
	wait_for_path "$BATS_TEST_TMPDIR/ready"
	kill -TERM "$BG_PID"
	wait_exit "$BG_PID"
	assert_equal "$WAIT_STATUS" 143
	assert_file_not_exists "$BATS_TEST_TMPDIR/ready"
}
