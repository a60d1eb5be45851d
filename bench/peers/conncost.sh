#!/bin/bash
# bench/peers/conncost.sh - what clients cost a server listening on
# 127.0.0.1:PORT, with bench/peers/conns.c as the clients and
# bench/peers/rss.sh as the measure (Pss of the server's process tree):
#   conncost.sh nats PORT N      N idle NATS clients: prints the growth of
#                                the broker's memory per client, in kB
#   conncost.sh echo PORT N TOTAL SIZE NAME FILE
#                                N echo clients, TOTAL round trips of SIZE
#                                bytes: prints round trips per second, and
#                                appends "NAME KB" (the memory per client,
#                                all still connected) to FILE
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=$1 port=$2 n=$3
base=$("$here/rss.sh" "$port")
# per_client: the growth since base, per client, never below 0
export CONNS_HOLD="now=\$('$here/rss.sh' '$port') &&
    awk -v a=\"\$now\" -v b='$base' -v n='$n' \
        'BEGIN { d = (a - b) / n; printf \"%.2f\\n\", d < 0 ? 0 : d }'"
case $mode in
nats)
	"$here/conns" nats "$port" "$n"
	;;
echo)
	total=$4 size=$5 name=$6 file=$7
	CONNS_HOLD="echo $name \$($CONNS_HOLD) >>'$file'" \
	    "$here/conns" echo "$port" "$n" "$total" "$size"
	;;
*)
	echo "conncost: unknown mode $mode" >&2
	exit 64
	;;
esac
