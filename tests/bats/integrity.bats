#!/usr/bin/env bats
# integrity.bats - nothing lost, nothing changed: random data through every
# stream path with sha256 compared at both ends, and numbered messages
# through every message path, counted and checked in order at the
# receiver. 32 MiB and 20,000 messages in make check; 1 GiB and 100,000
# with STRESS=1 (make stress). TLS: 1 GiB each way in make check (256 MiB
# in the ASan build, where it would take too long).

load helpers.bash
load stress.bash
load tls-helpers.bash

setup_file() {
	figures_reset
	export DATA="$BATS_FILE_TMPDIR/data"
	head -c "$DATA_BYTES" /dev/urandom >"$DATA"
	DATA_SHA=$(sha256sum <"$DATA")
	export DATA_SHA=${DATA_SHA%% *}
	# the same bytes as two streams of tagged text lines, for --fan-in
	export LINES_A="$BATS_FILE_TMPDIR/lines.A" LINES_B="$BATS_FILE_TMPDIR/lines.B"
	head -c $((DATA_BYTES / 4)) "$DATA" | base64 -w 120 | sed 's/^/A/' >"$LINES_A"
	tail -c $((DATA_BYTES / 4)) "$DATA" | base64 -w 120 | sed 's/^/B/' >"$LINES_B"
}

setup() {
	T=$BATS_TEST_TMPDIR
}

# sha FILE: the sha256 of FILE, digits only
sha() {
	local s
	s=$(sha256sum <"$1")
	echo "${s%% *}"
}

@test "pipe chain, kernel pipes only: sha256 equal at both ends" {
	run -0 --separate-stderr ipctool pipe cat "$DATA" :: cat :: sha256sum
	assert_equal "$output" "$DATA_SHA  -"
	assert_equal "$stderr" ""
	figure "pipe chain: $(mib "$DATA_BYTES") verified"
}

@test "pipe chain through the splice relays (--stats): sha256 and byte counts equal" {
	run -0 --separate-stderr ipctool pipe --stats cat "$DATA" :: cat :: sha256sum
	assert_equal "$output" "$DATA_SHA  -"
	assert_equal "$(grep -c "^ipctool pipe: pipe [12] -> [23]: $DATA_BYTES bytes," <<<"$stderr")" 2
	figure "pipe --stats chain (splice): $(mib "$DATA_BYTES") verified"
}

@test "pipe --fan-out: every consumer gets the same bytes" {
	run -0 --separate-stderr ipctool pipe --fan-out cat "$DATA" :: \
		sh -c 'exec sha256sum >"$1"' sh "$T/1" :: \
		sh -c 'exec sha256sum >"$1"' sh "$T/2" :: \
		sha256sum
	assert_equal "$output" "$DATA_SHA  -"
	assert_equal "$(cat "$T/1")" "$DATA_SHA  -"
	assert_equal "$(cat "$T/2")" "$DATA_SHA  -"
	figure "pipe --fan-out (tee) to 3: $(mib "$DATA_BYTES") verified 3 times"
}

@test "pipe --fan-in: two line streams merged, each comes out whole and in order" {
	run -0 --separate-stderr ipctool pipe --fan-in cat "$LINES_A" :: cat "$LINES_B" :: \
		awk -v a="$T/A" -v b="$T/B" '/^A/ { print >a; next } { print >b }'
	assert_equal "$(sha "$T/A")" "$(sha "$LINES_A")"
	assert_equal "$(sha "$T/B")" "$(sha "$LINES_B")"
	figure "pipe --fan-in of 2: $(mib $(($(stat -c %s "$LINES_A") + $(stat -c %s "$LINES_B")))) of lines verified"
}

# COUNT_AB: an awk program reading "A n" / "B n" lines: how many of each
# came, and how many were out of order, duplicated or changed
COUNT_AB='{ if ($2 != ++n[$1] || NF != 2) bad++ }
    END { printf "A %d B %d bad %d\n", n["A"], n["B"], bad }'

@test "pipe --fan-in: $MSGS messages from each of two writers, none lost, duplicated or reordered" {
	run -0 --separate-stderr ipctool pipe --fan-in \
		seq -f 'A %.0f' "$MSGS" :: seq -f 'B %.0f' "$MSGS" :: awk "$COUNT_AB"
	assert_equal "$output" "A $MSGS B $MSGS bad 0"
	run -0 --separate-stderr ipctool pipe -0 --fan-in --sh \
		"seq -f 'A %.0f' $MSGS | tr '\\n' '\\0'" :: \
		"seq -f 'B %.0f' $MSGS | tr '\\n' '\\0'" :: \
		"tr '\\0' '\\n' | awk '$COUNT_AB'"
	assert_equal "$output" "A $MSGS B $MSGS bad 0"
	figure "pipe --fan-in: $((4 * MSGS)) messages verified (newline and NUL)"
}

@test "pipe --fan-in: messages far beyond PIPE_BUF and the merge buffer are never split" {
	# 3 writers x 60 lines of 200 KiB: each line must come out whole
	gen='BEGIN { s = t; while (length(s) < 204800) s = s s; s = substr(s, 1, 204800); for (i = 1; i <= 60; i++) print t, i, s }'
	run -0 --separate-stderr ipctool pipe --fan-in \
		awk -v t=A "$gen" :: awk -v t=B "$gen" :: awk -v t=C "$gen" :: \
		awk '{ if (NF != 3 || $2 != ++n[$1] || length($3) != 204800 || $3 !~ "^" $1 "+$") bad++ }
		    END { printf "%d %d %d bad %d\n", n["A"], n["B"], n["C"], bad }'
	assert_equal "$output" "60 60 60 bad 0"
}

@test "broker over UNIX: $MSGS messages to a subscriber and a queue group of 3" {
	broker "unix:$T/bus.sock"
	run -0 --separate-stderr peers nats-count "$BROKER_ADDR" "$MSGS" --queue 3
	assert_equal "$output" "plain: $MSGS of $MSGS in order; queue group of 3: $MSGS delivered, 0 lost, 0 duplicated"
	figure "broker unix: $((2 * MSGS)) messages verified ($stderr)"
}

@test "broker over TCP with a token: $MSGS messages to a subscriber and a queue group of 3" {
	broker --token s3cret tcp:0
	run -0 --separate-stderr peers nats-count "$BROKER_ADDR" "$MSGS" --queue 3 --token s3cret
	assert_equal "$output" "plain: $MSGS of $MSGS in order; queue group of 3: $MSGS delivered, 0 lost, 0 duplicated"
	figure "broker tcp: $((2 * MSGS)) messages verified ($stderr)"
}

@test "fifo --raw: sha256 equal, file to file (splice) and pipe to pipe" {
	ipctool fifo make "$T/f"
	start_bg "$IPCTOOL" fifo recv --raw "$T/f"
	local r=$BG_PID out=$BG_OUT
	run -0 --separate-stderr ipctool fifo send --raw "$T/f" <"$DATA"
	wait_exit "$r" 60
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(sha "$out")" "$DATA_SHA"
	start_bg bash -c '"$IPCTOOL" fifo recv --raw "$1" | sha256sum' bash "$T/f"
	r=$BG_PID out=$BG_OUT
	run -0 --separate-stderr bash -c 'cat "$1" | "$IPCTOOL" fifo send --raw "$2"' bash "$DATA" "$T/f"
	wait_exit "$r" 60
	assert_equal "$(cat "$out")" "$DATA_SHA  -"
	figure "fifo --raw: $(mib "$DATA_BYTES") verified twice (file to file, pipe to pipe)"
}

# fifo_count ARGS...: a receiver (fifo recv --follow ARGS) that takes
# 2 x MSGS messages and counts them with COUNT_AB; sets R_PID, R_OUT
fifo_count() {
	start_bg bash -c '"$IPCTOOL" fifo recv -F -c "$1" "${@:3}" "$2" | tr "\0" "\n" | awk "$COUNT_AB"' \
		bash $((2 * MSGS)) "$T/f" "$@"
	R_PID=$BG_PID
	R_OUT=$BG_OUT
}

@test "fifo: $MSGS messages from each of two concurrent senders (async, sync, NUL), none lost or duplicated" {
	ipctool fifo make "$T/f"
	export COUNT_AB
	fifo_count
	seq -f 'A %.0f' "$MSGS" | ipctool fifo send "$T/f" &
	seq -f 'B %.0f' "$MSGS" | ipctool fifo send "$T/f"
	wait $!
	wait_exit "$R_PID" 60
	assert_equal "$(cat "$R_OUT")" "A $MSGS B $MSGS bad 0"
	fifo_count
	seq -f 'A %.0f' "$MSGS" | ipctool fifo send --sync -t 10s "$T/f" &
	seq -f 'B %.0f' "$MSGS" | ipctool fifo send "$T/f"
	wait $!
	wait_exit "$R_PID" 60
	assert_equal "$(cat "$R_OUT")" "A $MSGS B $MSGS bad 0"
	fifo_count -0
	seq -f 'A %.0f' "$MSGS" | tr '\n' '\0' | ipctool fifo send -0 "$T/f" &
	seq -f 'B %.0f' "$MSGS" | tr '\n' '\0' | ipctool fifo send -0 --sync "$T/f"
	wait $!
	wait_exit "$R_PID" 60
	assert_equal "$(cat "$R_OUT")" "A $MSGS B $MSGS bad 0"
	figure "fifo: $((6 * MSGS)) messages verified (async, sync, NUL; two senders at once)"
}

@test "fifo: messages far beyond PIPE_BUF from three senders at once are never interleaved" {
	ipctool fifo make "$T/f"
	start_bg bash -c '"$IPCTOOL" fifo recv -F -c 60 "$1" | awk "$2"' bash "$T/f" \
		'{ if (NF != 3 || $2 != ++n[$1] || length($3) != 204800 || $3 !~ "^" $1 "+$") bad++ }
		    END { printf "%d %d %d bad %d\n", n["A"], n["B"], n["C"], bad }'
	local r=$BG_PID out=$BG_OUT
	gen='BEGIN { s = t; while (length(s) < 204800) s = s s; s = substr(s, 1, 204800); for (i = 1; i <= 20; i++) print t, i, s }'
	awk -v t=A "$gen" | ipctool fifo send "$T/f" &
	a=$!
	awk -v t=B "$gen" | ipctool fifo send "$T/f" &
	b=$!
	awk -v t=C "$gen" | ipctool fifo send "$T/f"
	wait "$a" "$b"
	wait_exit "$r" 60
	assert_equal "$(cat "$out")" "20 20 20 bad 0"
}

@test "sockets (unix, tcp): sha256 equal both ways through sock-server and sock-client" {
	need_applet sock-server
	for a in "unix:$T/s.sock" tcp:0; do
		# client to server
		sock_server "$a" </dev/null
		run -0 --separate-stderr ipctool sock-client "$SRV_ADDR" <"$DATA"
		wait_exit "$SRV_PID" 60
		assert_equal "$WAIT_STATUS" 0
		assert_equal "$(sha "$SRV_OUT")" "$DATA_SHA"
		# server to client
		start_bg_in "$DATA" "$IPCTOOL" sock-server --quiet --addr-file "$T/af" "$a"
		local s=$BG_PID
		wait_for_path "$T/af" 20
		ipctool sock-client "$(cat "$T/af")" </dev/null >"$T/got"
		rm -f "$T/af"	# removed by the server at exit
		wait_exit "$s" 60
		assert_equal "$WAIT_STATUS" 0
		assert_equal "$(sha "$T/got")" "$DATA_SHA"
	done
	figure "sockets: $(mib "$DATA_BYTES") verified 4 times (unix and tcp, both ways)"
}

@test "sockets: $MSGS acknowledged messages from each of two clients, none lost or duplicated" {
	need_applet sock-server
	sock_server -k --ack "unix:$T/s.sock"
	seq -f 'A %.0f' "$MSGS" | ipctool sock-client --sync -t 10s "$SRV_ADDR" >"$T/acks.A" &
	a=$!
	seq -f 'B %.0f' "$MSGS" | ipctool sock-client --sync -t 10s "$SRV_ADDR" >"$T/acks.B"
	wait "$a"
	# every message was acknowledged after the server wrote it out
	assert_equal "$(awk "$COUNT_AB" "$SRV_OUT")" "A $MSGS B $MSGS bad 0"
	figure "sockets: $((2 * MSGS)) acknowledged messages verified"
}

@test "bus: $MSGS messages from each of two publishers reach a subscriber, none lost or duplicated" {
	need_applet bus
	start_bg "$IPCTOOL" bus daemon -l "unix:$T/bus.sock" --addr-file "$T/af"
	wait_for_path "$T/af" 20
	start_bg bash -c '"$IPCTOOL" bus sub -b "$1" -c "$2" --ready-file "$3" t | awk "$4"' bash \
		"$(cat "$T/af")" $((2 * MSGS)) "$T/ready" "$COUNT_AB"
	local s=$BG_PID out=$BG_OUT
	wait_for_path "$T/ready" 20
	seq -f 'A %.0f' "$MSGS" | ipctool bus pub -b "$(cat "$T/af")" t &
	a=$!
	seq -f 'B %.0f' "$MSGS" | ipctool bus pub -b "$(cat "$T/af")" t
	wait "$a"
	wait_exit "$s" 60
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$out")" "A $MSGS B $MSGS bad 0"
	figure "bus: $((2 * MSGS)) messages verified (bus pub to bus sub through bus daemon)"
}

# tls_gen BYTES: a deterministic stream of numbered lines (a lost, doubled
# or misplaced block changes its sum), faster than reading random bytes
tls_gen() {
	seq 1 200000000 | head -c "$1"
}

# ms: milliseconds since the epoch
ms() {
	echo $(($(date +%s%N) / 1000000))
}

@test "tls: 1 GiB sha256-equal client to server and server to client" {
	local n=$((1024 * 1024 * 1024)) t0 t1 sent got
	# ASan instruments the relays: a quarter of the size there
	sanitized && n=$((256 * 1024 * 1024))
	tls_setup
	local cert=(--tls-cert "$D/server.pem" --tls-key "$D/server.key")
	export -f tls_gen
	# client to server: sha256sum behind the server, tee's before the client
	start_bg bash -c '"$IPCTOOL" sock-server --quiet --once --addr-file "$1" \
	    "${@:2}" tls:0 </dev/null | sha256sum' bash "$T/af1" "${cert[@]}"
	local srv=$BG_PID srv_out=$BG_OUT
	wait_for_path "$T/af1"
	t0=$(ms)
	run -0 --separate-stderr bash -c 'tls_gen "$1" | tee >(sha256sum >"$2") |
	    "$IPCTOOL" sock-client --tls-ca "$3" "tls:localhost:${4##*:}"' bash \
	    "$n" "$T/sent1" "$D/ca.pem" "$(cat "$T/af1")"
	wait_exit "$srv" 60
	t1=$(ms)
	assert_equal "$WAIT_STATUS" 0
	wait_until 20 test -s "$T/sent1"
	sent=$(cat "$T/sent1") got=$(cat "$srv_out")
	assert_equal "$got" "$sent"
	figure "tls: $(mib "$n") client to server in $((t1 - t0)) ms, sha256 equal"
	# server to client
	start_bg bash -c 'tls_gen "$1" | tee >(sha256sum >"$2") |
	    "$IPCTOOL" sock-server --quiet --once --addr-file "$3" "${@:4}" tls:0' \
	    bash "$n" "$T/sent2" "$T/af2" "${cert[@]}"
	srv=$BG_PID
	wait_for_path "$T/af2"
	t0=$(ms)
	got=$("$IPCTOOL" sock-client --tls-ca "$D/ca.pem" \
	    "tls:localhost:$(sed 's/.*://' "$T/af2")" </dev/null | sha256sum)
	t1=$(ms)
	wait_exit "$srv" 60
	assert_equal "$WAIT_STATUS" 0
	wait_until 20 test -s "$T/sent2"
	assert_equal "$got" "$(cat "$T/sent2")"
	figure "tls: $(mib "$n") server to client in $((t1 - t0)) ms, sha256 equal"
}
