#!/usr/bin/env bats
# pipe.bats - ipctool pipe: chain, --fan-out, --fan-in, --cycle, --sh,
# close-on-exec hygiene, pipefail status, --size, --stats, --progress,
# --info, -0, --timeout and bad input

load helpers.bash

# big_lines CHAR N SIZE: N lines of SIZE times CHAR; awk writes them in
# blocks that do not match lines, so long messages arrive in pieces
big_lines() {
	awk -v c="$1" -v n="$2" -v size="$3" 'BEGIN {
		for (s = c; length(s) < size; s = s s) ;
		s = substr(s, 1, size)
		for (i = 0; i < n; i++) print s }'
}
export -f big_lines

# fds FILE: "N TARGET" for each descriptor in the ls -l /proc/self/fd
# listing FILE (ls itself holds one more, the lowest free number, for the
# directory: the same in the baseline)
fds() {
	awk '/ -> / { print $9, $11 }' "$1"
}

@test "--info prints PIPE_BUF, the default capacity and the system maximum" {
	run -0 --separate-stderr ipctool pipe --info
	assert_equal "$stderr" ""
	assert_line --index 0 "PIPE_BUF          $(getconf PIPE_BUF /) bytes (a write of at most this is atomic)"
	assert_line --index 1 "default capacity  $((16 * $(getconf PAGESIZE))) bytes"
	assert_line --index 2 "maximum capacity  $(cat /proc/sys/fs/pipe-max-size) bytes (/proc/sys/fs/pipe-max-size)"
	assert_equal "${#lines[@]}" 3
}

@test "a chain of three commands, stdin to the first, stdout from the last" {
	run -0 --separate-stderr bash -c 'printf "b\na\nc\n" | "$IPCTOOL" pipe sort :: tac :: head -n2'
	assert_equal "$stderr" ""
	assert_output "c
b"
}

@test "-- ends the options: the command may start with a dash-free word after it" {
	run -0 ipctool pipe -- seq 2 :: cat
	assert_output "1
2"
}

@test "EOF reaches the last stage when the writers exit (chain and relay)" {
	run -0 ipctool pipe seq 1000 :: cat :: wc -l
	assert_output "1000"
	run -0 ipctool pipe --stats seq 1000 :: cat :: wc -l
	assert_output --partial "1000"
}

@test "pipefail: the first failing stage gives the status and is named" {
	run -3 --separate-stderr ipctool pipe sh -c 'exit 3' :: cat :: sh -c 'cat >/dev/null; exit 5'
	assert_equal "$stderr" "ipctool pipe: stage 1 (sh) failed with exit status 3
ipctool pipe: stage 3 (sh) failed with exit status 5"
	run -5 --separate-stderr ipctool pipe true :: sh -c 'exit 5'
	assert_equal "$stderr" "ipctool pipe: stage 2 (sh) failed with exit status 5"
}

@test "a command that cannot be executed: 127 (126 when not executable), named" {
	run -127 --separate-stderr ipctool pipe seq 3 :: no-such-command-xyz :: cat
	assert_equal "$stderr" "ipctool pipe: stage 2: exec no-such-command-xyz: No such file or directory"
	touch "$BATS_TEST_TMPDIR/noexec"
	run -126 --separate-stderr ipctool pipe "$BATS_TEST_TMPDIR/noexec"
	assert_equal "$stderr" "ipctool pipe: stage 1: exec $BATS_TEST_TMPDIR/noexec: Permission denied"
}

@test "a stage killed by a signal: 128+N, named; SIGPIPE from an early reader is no failure" {
	run -143 --separate-stderr ipctool pipe sh -c 'kill -TERM $$' :: cat
	assert_equal "$stderr" "ipctool pipe: stage 1 (sh) killed by signal TERM"
	run -0 --separate-stderr ipctool pipe yes :: head -n1
	assert_output "y"
	assert_equal "$stderr" ""
}

@test "--sh runs each command with sh -c" {
	run -0 ipctool pipe --sh 'printf "%s\n" b a | cat' :: sort :: 'tr a-z A-Z'
	assert_output "A
B"
}

@test "every child holds only its own pipe ends (close-on-exec), in every topology" {
	f=$BATS_TEST_TMPDIR/fds
	# what any child of this shell holds: 0 1 2, the inherited ones and
	# ls's directory
	ls -l /proc/self/fd </dev/null | cat >"$f.base"
	base=$(fds "$f.base" | cut -d' ' -f1 | tr '\n' ' ')
	check() {
		assert_equal "$(fds "$1" | cut -d' ' -f1 | tr '\n' ' ')" "$base"
		run -0 fds "$1"
		assert_line --index 0 --regexp "^0 $2"
		assert_line --index 1 --regexp "^1 $3"
	}
	ipctool pipe true :: ls -l /proc/self/fd :: cat </dev/null >"$f.1"
	check "$f.1" 'pipe:' 'pipe:'
	ipctool pipe --stats true :: ls -l /proc/self/fd :: cat </dev/null >"$f.2" 2>/dev/null
	check "$f.2" 'pipe:' 'pipe:'
	ipctool pipe --fan-out true :: ls -l /proc/self/fd :: cat </dev/null >"$f.3"
	check "$f.3" 'pipe:' "$f.3"
	ipctool pipe --fan-in true :: ls -l /proc/self/fd :: cat </dev/null >"$f.4"
	check "$f.4" '/dev/null' 'pipe:'
	ipctool pipe --cycle ls -l /proc/self/fd :: sh -c "cat >$f.5" </dev/null
	check "$f.5" 'pipe:' 'pipe:'
}

@test "with stdin closed no pipe lands on descriptor 0: the first stage reads /dev/null" {
	run -0 bash -c '"$IPCTOOL" pipe sh -c "readlink /proc/\$\$/fd/0" :: cat <&-'
	assert_output "/dev/null"
}

@test "--fan-out copies the first command's output to every other" {
	d=$BATS_TEST_TMPDIR
	run -0 --separate-stderr ipctool pipe --fan-out seq 20000 :: sh -c "cat >$d/a" :: sh -c "cat >$d/b" :: sh -c "wc -l >$d/c"
	assert_equal "$stderr" ""
	seq 20000 >"$d/want"
	cmp "$d/want" "$d/a"
	cmp "$d/want" "$d/b"
	assert_equal "$(cat "$d/c")" "20000"
}

@test "--fan-out: a consumer that exits early is reported, the others go on" {
	d=$BATS_TEST_TMPDIR
	run -0 --separate-stderr ipctool pipe --fan-out seq 100000 :: head -n1 :: sh -c "wc -l >$d/c"
	assert_output "1"
	assert_equal "$stderr" "ipctool pipe: stage 2 (head) stopped reading; the others go on"
	assert_equal "$(cat "$d/c")" "100000"
}

@test "--fan-out applies backpressure: a stalled consumer stops the producer, no buffering" {
	d=$BATS_TEST_TMPDIR
	mkfifo "$d/gate"
	start_bg ipctool pipe --fan-out head -c 128M /dev/zero :: sh -c "read go <$d/gate; wc -c >$d/slow" :: sh -c "wc -c >$d/fast"
	pid=$BG_PID
	wait_until 10 pgrep -P "$pid" -x head
	head_pid=$(pgrep -P "$pid" -x head)
	# the producer blocks in the kernel on a full pipe
	wait_until 20 grep -q pipe_write "/proc/$head_pid/wchan"
	# ipctool holds at most a chunk, far from the 128 MiB (ASan included)
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
	[ "$rss" -lt 49152 ] || fail "ipctool holds $rss KiB while a consumer stalls"
	[ ! -s "$d/fast" ] || fail "the fast consumer finished while the slow one stalled"
	echo go >"$d/gate"
	wait_exit "$pid" 30
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$d/slow")" "134217728"
	assert_equal "$(cat "$d/fast")" "134217728"
}

@test "--fan-in merges by message: big lines are never split nor interleaved" {
	d=$BATS_TEST_TMPDIR
	run -0 --separate-stderr ipctool pipe --fan-in \
	    bash -c 'big_lines a 20 100000' :: bash -c 'big_lines b 20 100000' :: \
	    bash -c 'big_lines c 2000 5' :: sh -c "cat >$d/out"
	assert_equal "$stderr" ""
	run -0 sort "$d/out"
	run -0 bash -c "sort $d/out | uniq -c | awk '{ print \$1, length(\$2) }'"
	assert_output "20 100000
20 100000
2000 5"
}

@test "--fan-in: 8 writers x 10,000 lines, every line whole and in its writer's order" {
	d=$BATS_TEST_TMPDIR
	cmd=()
	for w in 1 2 3 4 5 6 7 8; do
		cmd+=(awk -v w=$w 'BEGIN { for (i = 1; i <= 10000; i++) printf "%d %d %0*d\n", w, i, (i * w) % 500, 0 }' ::)
	done
	run -0 ipctool pipe --fan-in "${cmd[@]}" sh -c "cat >$d/out"
	assert_equal "$(wc -l <"$d/out")" 80000
	for w in 1 2 3 4 5 6 7 8; do
		awk -v w=$w 'BEGIN { for (i = 1; i <= 10000; i++) printf "%d %d %0*d\n", w, i, (i * w) % 500, 0 }' >"$d/want"
		grep "^$w " "$d/out" | cmp - "$d/want"
	done
}

@test "--fan-in with -0: NUL-delimited messages, a last one without delimiter gets one" {
	run -0 bash -c '"$IPCTOOL" pipe -0 --fan-in printf "a1\0a2\0" :: printf "b1" :: sort -z | tr "\0" "\n"'
	assert_output "a1
a2
b1"
	run -0 bash -c '"$IPCTOOL" pipe --fan-in printf x :: printf y :: sort'
	assert_output "x
y"
}

@test "--cycle: each command reads the other's output (a coprocess)" {
	f=$BATS_TEST_TMPDIR/last
	run -0 --separate-stderr ipctool pipe --cycle \
	    sh -c 'echo 0; while read n; do if [ "$n" -ge 10 ]; then echo "$n" >"$0"; exit 0; fi; echo $((n + 1)); done' "$f" :: \
	    sh -c 'while read n; do echo $((n + 1)); done'
	assert_equal "$stderr" ""
	assert_equal "$(cat "$f")" "11"
}

@test "--size sets the capacity of every pipe; -v reports what the kernel granted" {
	run -0 --separate-stderr ipctool pipe --size 10000 seq 1 :: python3 -c 'import fcntl; print(fcntl.fcntl(0, 1032))'
	assert_equal "$stderr" ""
	assert_output "16384"
	run -0 --separate-stderr ipctool pipe -v --size 10000 seq 1 :: python3 -c 'import fcntl; print(fcntl.fcntl(0, 1032))'
	assert_line --index 0 "16384"
	grep -qx "ipctool pipe: --size 10000: the kernel granted 16384 bytes per pipe" <<<"$stderr"
	run -0 --separate-stderr ipctool pipe -B 1M --fan-out seq 1 :: python3 -c 'import fcntl, sys; print(fcntl.fcntl(0, 1032)); sys.stdin.read()'
	assert_equal "$stderr" ""
	assert_output "1048576"
}

@test "--size beyond the system maximum, zero or bad: exit 64" {
	max=$(cat /proc/sys/fs/pipe-max-size)
	run -64 --separate-stderr ipctool pipe --size $((max + 1)) cat
	assert_equal "$stderr" "ipctool pipe: --size $((max + 1)): beyond the system maximum of $max bytes (/proc/sys/fs/pipe-max-size)"
	run -64 --separate-stderr ipctool pipe --size 0 cat
	assert_equal "$stderr" "ipctool pipe: --size must be at least 1 byte (see 'ipctool pipe --help')"
	run -64 --separate-stderr ipctool pipe --size lots cat
	assert_regex "$stderr" "^ipctool pipe: invalid size 'lots' for --size: .+ \(see 'ipctool pipe --help'\)$"
}

@test "--stats prints bytes, messages and throughput per pipe" {
	run -0 --separate-stderr ipctool pipe --stats seq 100 :: cat :: wc -l
	assert_output "100"
	assert_equal "$(wc -l <<<"$stderr")" 2
	assert_regex "$stderr" "^ipctool pipe: pipe 1 -> 2: 292 bytes, 100 messages, [0-9.]+ s, [0-9.]+ [KMG]?i?B/s
ipctool pipe: pipe 2 -> 3: 292 bytes, 100 messages, [0-9.]+ s, [0-9.]+ [KMG]?i?B/s$"
	run -0 --separate-stderr ipctool pipe --stats --fan-in printf 'a\nb\n' :: printf 'c\n' :: cat
	assert_equal "${#stderr_lines[@]}" 3
	assert_regex "${stderr_lines[0]}" '^ipctool pipe: pipe 1 -> merge: 4 bytes, 2 messages, '
	assert_regex "${stderr_lines[1]}" '^ipctool pipe: pipe 2 -> merge: 2 bytes, 1 messages, '
	assert_regex "${stderr_lines[2]}" '^ipctool pipe: pipe merge -> 3: 6 bytes, 3 messages, '
}

@test "--stats with --fan-out: the tee and what each consumer got" {
	run -0 --separate-stderr ipctool pipe --stats -0 --fan-out printf 'a\0b\0' :: wc -c :: wc -c
	assert_output "4
4"
	assert_equal "${#stderr_lines[@]}" 3
	assert_regex "${stderr_lines[0]}" '^ipctool pipe: pipe 1 -> tee: 4 bytes, 2 messages, '
	assert_regex "${stderr_lines[1]}" '^ipctool pipe: pipe tee -> 2: 4 bytes, 2 messages, '
	assert_regex "${stderr_lines[2]}" '^ipctool pipe: pipe tee -> 3: 4 bytes, 2 messages, '
}

@test "--progress shows a live line on stderr and ends it" {
	run -0 --separate-stderr ipctool pipe --progress head -c 1M /dev/zero :: cat :: wc -c
	assert_output "1048576"
	assert_regex "$stderr" $'^(.*\r)?\r +1\\.0 MiB +[0-9.]+ [KMG]?i?B/s +0:00:[0-9][0-9]$'
}

@test "data passes intact: 64 MiB through a chain, the relay and --cycle-free tee" {
	d=$BATS_TEST_TMPDIR
	head -c 64M /dev/urandom >"$d/in"
	want=$(sha256sum <"$d/in")
	run -0 ipctool pipe cat "$d/in" :: cat :: sha256sum
	assert_output "$want"
	run -0 ipctool pipe --progress cat "$d/in" :: cat :: sha256sum
	assert_output --partial "$want"
	run -0 ipctool pipe --fan-out cat "$d/in" :: sha256sum :: sha256sum
	assert_output "$want
$want"
}

@test "--timeout stops the stages and exits 75; a stage ignoring SIGTERM is killed" {
	run -75 --separate-stderr ipctool pipe --timeout 200ms sleep 30 :: cat
	assert_equal "$stderr" "ipctool pipe: timed out after 200ms: stopping the stages"
	run -75 --separate-stderr ipctool pipe -t 100ms sh -c 'trap "" TERM; exec sleep 30'
	assert_equal "$stderr" "ipctool pipe: timed out after 100ms: stopping the stages"
	run -64 --separate-stderr ipctool pipe -t soon cat
	assert_regex "$stderr" "^ipctool pipe: invalid duration 'soon' for --timeout: "
}

@test "SIGTERM to ipctool pipe is passed on to the stages" {
	# two stages that do not end at end of input, so each one can only
	# have died of the TERM passed on (cat could exit 0 first)
	start_bg ipctool pipe sleep 30 :: sleep 31
	pid=$BG_PID
	two_sleeps() { [ "$(pgrep -P "$pid" -x sleep | wc -l)" -eq 2 ]; }
	wait_until 10 two_sleeps
	kill -TERM "$pid"
	wait_exit "$pid" 10
	assert_equal "$WAIT_STATUS" 143
	assert_equal "$(cat "$BG_ERR")" "ipctool pipe: stage 1 (sleep) killed by signal TERM
ipctool pipe: stage 2 (sleep) killed by signal TERM"
}

@test "-v traces pipe2, fork, execve and the relay's splice" {
	run -0 --separate-stderr ipctool pipe -v --progress -B 8K echo hi :: cat
	assert_regex "$stderr" "ipctool pipe\[[0-9]+\]: fcntl\([0-9]+, F_SETPIPE_SZ, 8192\) = 8192"
	assert_output "hi"
	assert_regex "$stderr" "ipctool pipe\[[0-9]+\]: pipe2\(O_CLOEXEC\) = 0"
	assert_regex "$stderr" "ipctool pipe\[[0-9]+\]: fork\(\) for stage 1 \(echo\) = [0-9]+"
	assert_regex "$stderr" "ipctool pipe\[[0-9]+\]: execvp\(\"cat\", \.\.\.\)"
	assert_regex "$stderr" "ipctool pipe\[[0-9]+\]: splice\([0-9]+, NULL, [0-9]+, NULL, [0-9]+, SPLICE_F_MOVE\|SPLICE_F_NONBLOCK\) = 3"
	assert_regex "$stderr" "waitpid\([0-9]+\) -> stage 2 \(cat\) exited 0"
	run -0 --separate-stderr ipctool pipe -v --fan-in printf 'a\nb\n' :: printf c :: cat
	assert_regex "$stderr" "merge done: 3 messages, 6 bytes; [0-9]+ read and [0-9]+ write calls"
}

@test "bad command lines: one line, exit 64" {
	run -64 --separate-stderr ipctool pipe
	assert_equal "$stderr" "ipctool pipe: missing command (see 'ipctool pipe --help')"
	run -64 --separate-stderr ipctool pipe seq 3 ::
	assert_equal "$stderr" "ipctool pipe: missing command after '::' (see 'ipctool pipe --help')"
	run -64 --separate-stderr ipctool pipe :: cat
	assert_equal "$stderr" "ipctool pipe: missing command before '::' (see 'ipctool pipe --help')"
	run -64 --separate-stderr ipctool pipe seq 3 :: :: cat
	assert_equal "$stderr" "ipctool pipe: missing command after '::' (see 'ipctool pipe --help')"
	run -64 --separate-stderr ipctool pipe --cycle cat :: cat :: cat
	assert_equal "$stderr" "ipctool pipe: --cycle needs exactly two commands, not 3 (see 'ipctool pipe --help')"
	run -64 --separate-stderr ipctool pipe --fan-out cat
	assert_equal "$stderr" "ipctool pipe: --fan-out needs at least two commands (see 'ipctool pipe --help')"
	run -64 --separate-stderr ipctool pipe --fan-in --fan-out a :: b
	assert_equal "$stderr" "ipctool pipe: --fan-out, --fan-in and --cycle exclude each other (see 'ipctool pipe --help')"
	run -64 --separate-stderr ipctool pipe --info cat
	assert_equal "$stderr" "ipctool pipe: --info takes no command (see 'ipctool pipe --help')"
}

@test "options stop at the first command: its own options are its own" {
	run -0 ipctool pipe printf '%s\n' --stats :: cat
	assert_output "--stats"
}

@test "--rate-limit RATE paces each pipe (pv -L); --total gives % and ETA (pv -s)" {
	local t0 t1
	t0=$(date +%s%N)
	run -0 --separate-stderr ipctool pipe --rate-limit 200K head -c 100K /dev/zero :: wc -c
	t1=$(date +%s%N)
	assert_output 102400
	# 100 KiB at 200 KiB/s: half a second (less the 50 ms burst)
	[ $(( (t1 - t0) / 1000000 )) -ge 400 ]
	[ $(( (t1 - t0) / 1000000 )) -lt 5000 ]
	run -0 --separate-stderr ipctool pipe --progress --total 300K --rate-limit 200K \
	    head -c 300K /dev/zero :: wc -c
	assert_output 307200
	# a live line on the way, the final one at 100% with nothing left
	lines=$(tr '\r' '\n' <<<"$stderr" | grep .)
	grep -Eq '^ +[0-9.]+ KiB +[0-9.]+ KiB/s +0:00:0[0-9] +[1-9][0-9]%  ETA 0:00:0[0-9]$' <<<"$lines"
	assert_regex "$(tail -n1 <<<"$lines")" '^ +300\.0 KiB +[0-9.]+ KiB/s +0:00:0[0-9]  100%  ETA 0:00:00$'
	run -64 --separate-stderr ipctool pipe --rate-limit 1M cat
	assert_equal "$stderr" "ipctool pipe: --rate-limit paces the pipes between commands: give two or more (see 'ipctool pipe --help')"
	run -64 --separate-stderr ipctool pipe --total 1M seq 1 :: cat
	assert_equal "$stderr" "ipctool pipe: --total is what --progress counts toward: give --progress (see 'ipctool pipe --help')"
	run -64 --separate-stderr ipctool pipe --rate-limit 0 seq 1 :: cat
	assert_equal "$stderr" "ipctool pipe: --rate-limit 0 would move nothing (see 'ipctool pipe --help')"
}
