# tools/demo.d/20-pipe.sh - the pipe applet: a chain with pipefail, a tee
# with an early reader, a merge by message, a coprocess, what the kernel
# offers (sourced by tools/demo.sh)

say "pipe: what the kernel offers for anonymous pipes"
show pipe --info

say "pipe: a chain; the status names the stage that failed"
show pipe seq 1000 :: grep -x 4242 :: wc -l || echo "(exit status $?)"

say "pipe: one producer, many consumers (tee(2)); head stops early, the others go on"
show pipe --stats --fan-out seq 100000 :: head -n1 :: wc -l :: tail -n1

say "pipe: two writers merged by message, lines of 100 KB never torn"
cat >"$DEMO_DIR/lines.sh" <<'SH'
# three lines of 100000 times $1, each written in 4 KiB pieces by tr
for i in 1 2 3; do head -c 100000 /dev/zero | tr '\0' "$1"; echo; done
SH
show pipe --fan-in sh "$DEMO_DIR/lines.sh" a :: sh "$DEMO_DIR/lines.sh" b :: \
    awk '{ print length($0), substr($0, 1, 1) }'

say "pipe: a coprocess, which a shell pipeline cannot build"
show pipe --cycle --sh 'echo 21; read r; echo "the other one says $r" >&2' :: \
    'while read n; do echo $((n * 2)); done'

say "pipe: 1 GiB relayed with splice(2), capacity 1 MiB per pipe"
show pipe --size 1M --progress head -c 1G /dev/zero :: cat :: wc -c
