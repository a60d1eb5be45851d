# tools/demo.d/30-fifo.sh - named pipes: a receiver that stays, senders
# that come and go, a synchronous send, a counted read, a raw stream.
# Sourced by tools/demo.sh (say, show, bg, wait_for, $DEMO_DIR).

say "fifo: named pipes in the file system (mkfifo(3), open(2), PIPE_BUF)"
q="$DEMO_DIR/q"
show fifo make "$q"
show ls -l "$q"
bg fifo recv --follow --count 6 --json "$q"
fifo_recv=${demo_pids[-1]}
show fifo send "$q" hello "two words"
printf '$ seq 3 | fifo send %s\n' "$q"
seq 3 | fifo send "$q"
say "fifo: --sync returns once the receiver has acknowledged"
show fifo send --sync --timeout 5s -v "$q" "job done"
wait "$fifo_recv" || true
say "fifo: no reader, --nonblock: exit 69 at once"
show fifo send --nonblock "$q" ping || echo "exit status $?"
say "fifo: --raw moves a stream with splice(2)"
head -c 4000000 /dev/urandom >"$DEMO_DIR/blob"
bg fifo recv --raw "$q" >"$DEMO_DIR/blob.copy"
fifo_recv=${demo_pids[-1]}
show fifo send --raw "$q" <"$DEMO_DIR/blob"
wait "$fifo_recv" || true
show cmp "$DEMO_DIR/blob" "$DEMO_DIR/blob.copy"
echo "4000000 bytes, identical"
show fifo rm "$q"
