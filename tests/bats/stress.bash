# tests/bats/stress.bash - shared by faults.bats, load.bats and
# integrity.bats, loaded after helpers.bash: the sizes (small for make
# check, full size with STRESS=1, as `make stress` runs
# them), measured figures for the report, the broker and its peers, and
# checks for processes left behind

if [ "${STRESS:-0}" != 0 ]; then
	DATA_BYTES=$((1024 * 1024 * 1024))	# through every stream path
	MSGS=100000				# through every message path
	CLIENTS=1000				# held at once by each server
	CLIENT_MSGS=100				# exchanged by each of them
	export BATS_TEST_TIMEOUT=900
else
	DATA_BYTES=$((32 * 1024 * 1024))
	MSGS=20000
	CLIENTS=200
	CLIENT_MSGS=20
fi

BIN="${IPCTOOL_BUILDDIR:-$IPCTOOL_SRCDIR/build}/tests"
BROKERD="$BIN/brokerd"
PEERS="$IPCTOOL_SRCDIR/tests/stress/peers.py"
FIGURES_DIR="${IPCTOOL_BUILDDIR:-$IPCTOOL_SRCDIR/build}/figures"

# peers ARGS...: the many-peer driver (tests/stress/peers.py)
peers() {
	python3 "$PEERS" "$@"
}

# figures_reset: start this file's figures afresh (from setup_file)
figures_reset() {
	mkdir -p "$FIGURES_DIR"
	: >"$FIGURES_DIR/$(basename "$BATS_TEST_FILENAME" .bats).txt"
}

# figure TEXT: record one measured figure in build/figures/FILE.txt and
# show it as a "# " line of the TAP output
figure() {
	printf '%s\n' "$*" >>"$FIGURES_DIR/$(basename "$BATS_TEST_FILENAME" .bats).txt"
	printf '# %s\n' "$*" >&3
}

# vmhwm PID: the peak resident memory of PID in kB (VmHWM, proc(5))
vmhwm() {
	awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status"
}

# mib BYTES: BYTES in MiB, for figures
mib() {
	echo "$(($1 / 1024 / 1024)) MiB"
}

# sanitized: the binaries are built with AddressSanitizer (whose
# quarantine keeps freed memory: peak memory figures mean little)
sanitized() {
	ldd "$BROKERD" | grep -q libasan
}

# broker ARGS...: start the broker's test driver, wait until it listens;
# sets BROKER_PID, BROKER_LOG and BROKER_ADDR (its first address)
broker() {
	local af="$BATS_TEST_TMPDIR/broker.$((BG_N + 1)).addr"
	start_bg "$BROKERD" --addr-file "$af" "$@"
	BROKER_PID=$BG_PID
	BROKER_LOG=$BG_ERR
	wait_for_path "$af" 20
	BROKER_ADDR=$(cat "$af")
}

# no_zombies PID: PID has no child that ended without being reaped
no_zombies() {
	! ps -o stat= --ppid "$1" | grep -q '^Z'
}

# gone PID...: none of PIDs exists any more, not even as a zombie
gone() {
	local p
	for p; do
		[ ! -e "/proc/$p" ] || return 1
	done
}

# pid_of FILE: the pid a stage wrote into FILE (sh -c 'echo $$ >FILE;
# exec ...'), once it is there
pid_of() {
	wait_until 20 test -s "$1"
	cat "$1"
}

# need_applet NAME: skip unless this build has the applet NAME
need_applet() {
	"$IPCTOOL" --list | grep -qx "$1" || skip "no $1 applet in this build"
}

# sock_server ARGS...: start sock-server --quiet with ARGS (its address last),
# wait for its address; sets SRV_PID, SRV_OUT, SRV_ERR, SRV_ADDR
sock_server() {
	local af="$BATS_TEST_TMPDIR/srv.$((BG_N + 1)).addr"
	start_bg "$IPCTOOL" sock-server --quiet --addr-file "$af" "$@"
	SRV_PID=$BG_PID
	SRV_OUT=$BG_OUT
	SRV_ERR=$BG_ERR
	wait_for_path "$af" 20
	SRV_ADDR=$(cat "$af")
}
