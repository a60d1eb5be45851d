#!/bin/bash
# bench/peers/mqttbench.sh - the mosquitto side of the bus benchmark, with
# the clients mosquitto ships: SUBS mosquitto_sub, then one mosquitto_pub
# -l sends N messages of 32 bytes (QoS 0); ends when every subscriber has
# all N. A retained message on the topic tells when each subscriber is in.
# Usage: mqttbench.sh PORT N SUBS DIR
set -euo pipefail
port=$1 n=$2 subs=$3 dir=$4
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

mosquitto_pub -h 127.0.0.1 -p "$port" -r -t bench/pubsub -m ready
for ((i = 1; i <= subs; i++)); do
	mosquitto_sub -h 127.0.0.1 -p "$port" -t bench/pubsub \
	    -C $((n + 1)) >"$dir/sub.$i" &
	pids+=($!)
done
# every subscriber got the retained message: subscribed (at most 10 s)
for ((i = 1; i <= subs; i++)); do
	for ((t = 0; t < 1000; t++)); do
		[ -s "$dir/sub.$i" ] && break
		sleep 0.01
	done
	[ -s "$dir/sub.$i" ] || { echo "mqttbench: subscriber $i not in" >&2; exit 1; }
done
seq -f %032g 1 "$n" |
    mosquitto_pub -h 127.0.0.1 -p "$port" -t bench/pubsub -l
for pid in "${pids[@]}"; do
	wait "$pid"
done
pids=()
