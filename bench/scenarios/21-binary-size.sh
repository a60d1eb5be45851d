# bench/scenarios/21-binary-size.sh - the size of the stripped binary next
# to the tools it stands in for (as Debian ships them, stripped).
scenario binary-size startup KiB lower "binary size, stripped" \
    "(no target: for orientation)"
ROUNDS=1
contender ipctool "ipctool" \
    "strip -o \$RUN_DIR/ipctool \$IPCTOOL &&
     echo \$((\$(stat -c %s \$RUN_DIR/ipctool) / 1024)) >\$OUT"
for tool in busybox socat nc ncat; do
	contender peer "$tool" \
	    "echo \$((\$(stat -L -c %s \$(command -v $tool)) / 1024)) >\$OUT"
done
note "ipctool is built with meson's debugoptimized defaults (-O2 -g)," \
    "measured after strip; all five link libc dynamically."
run_rounds printed
