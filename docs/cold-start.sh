#!/bin/sh
# Cold start: fill a fresh state directory with EVENTS centre registrations
# (one event each) through vetbench, stop the daemon with SIGTERM, then
# time REPEAT restarts from spawn until `vetctl status` is answered, and
# check that each one came back to the same last seq.  Prints the median
# and each run, the daemon's own load time (its "recovered" log line),
# events per second and its peak RSS.
#
#   cmake --workflow --preset release && sh docs/cold-start.sh
#
# EVENTS (default 1000000), REPEAT (default 3), B (the binaries, default
# build/release/bin), STATE (a state directory to fill and keep; default
# a temporary one), DAEMON_ARGS (more daemon arguments, e.g.
# "--snapshot-every 400000").  Exit 1 when a restart lost the state.
set -eu

B=${B:-build/release/bin}
EVENTS=${EVENTS:-1000000}
REPEAT=${REPEAT:-3}
DAEMON_ARGS=${DAEMON_ARGS:-}
D=$(mktemp -d)
STATE=${STATE:-$D/state}
VPID=
cleanup() {
	[ -n "$VPID" ] && kill -9 "$VPID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$D"
}
trap cleanup EXIT INT TERM

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
last_seq() {
	"$B/vetctl" --endpoint "ipc://$D/cmd" --timeout 5000 --attempts 1 status |
		awk '$1 == "last_seq:" {print $2}'
}

# start: the daemon in the background, once it answers.
start() {
	# shellcheck disable=SC2086
	"$B/vetallianced" --cmd-endpoint "ipc://$D/cmd" --pub-endpoint "ipc://$D/pub" \
		--state-dir "$STATE" --log-level notice $DAEMON_ARGS 2>>"$D/daemon.log" &
	VPID=$!
	until "$B/vetctl" --endpoint "ipc://$D/cmd" --timeout 20 --attempts 1 status \
		>/dev/null 2>&1; do
		if ! kill -0 "$VPID" 2>/dev/null; then
			echo "cold-start: the daemon exited:" >&2
			tail -n 5 "$D/daemon.log" >&2
			exit 69
		fi
	done
}

stop() {
	kill "$VPID"
	wait "$VPID" || true
	VPID=
}

if [ -n "$(ls -A "$STATE" 2>/dev/null)" ]; then
	echo "cold-start: the state directory '$STATE' is not empty" >&2
	exit 64
fi
mkdir -p "$STATE"
start
"$B/vetbench" --endpoint "ipc://$D/cmd" --mix register --clients 4 --window 256 \
	--requests "$EVENTS" --json >"$D/fill.json"
want=$(last_seq)
stop
echo "filled: $EVENTS registrations, last seq $want, $(du -sh "$STATE" | cut -f1) on disk"

: >"$D/ms"
: >"$D/rss"
i=0
while [ "$i" -lt "$REPEAT" ]; do
	t0=$(now_ms)
	start
	t1=$(now_ms)
	awk '$1 == "VmHWM:" {print $2}' "/proc/$VPID/status" >>"$D/rss"
	got=$(last_seq)
	stop
	echo $((t1 - t0)) >>"$D/ms"
	if [ "$got" != "$want" ]; then
		echo "cold-start: restart $((i + 1)) came back at seq $got, not $want" >&2
		exit 1
	fi
	i=$((i + 1))
done
ms=$(median <"$D/ms")
printf 'cold start: %s ms median (runs: %s), %s events/s, peak RSS %s kB; the state came back each time\n' \
	"$ms" "$(tr '\n' ' ' <"$D/ms" | sed 's/ $//')" "$((want * 1000 / (ms + 1)))" \
	"$(median <"$D/rss")"
grep "recovered to seq" "$D/daemon.log" | tail -n 1
