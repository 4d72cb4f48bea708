#!/bin/sh
# Reproduces the throughput tables of docs/BENCHMARKS.md: vetallianced and
# Redis 7 with appendfsync always, side by side, on Unix sockets, with the
# same client counts and pipeline depths.  Prints one line per run and the
# median of three.
#
#   cmake --workflow --preset release && sh docs/run-benchmarks.sh
#
# Needs redis-server and redis-benchmark (Debian: redis-server, redis-tools)
# for the Redis half; skips it when they are missing.
set -eu

B=${B:-build/release/bin}
DURATION=${DURATION:-5}
D=$(mktemp -d)
cleanup() {
	[ -n "${VPID:-}" ] && kill "$VPID" 2>/dev/null || true
	[ -n "${RPID:-}" ] && kill "$RPID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$D"
}
trap cleanup EXIT INT TERM

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

"$B/vetallianced" --cmd-endpoint "ipc://$D/cmd" --pub-endpoint "ipc://$D/pub" \
	--state-dir "$D/state" --log-level warning &
VPID=$!
sleep 1

echo "vetallianced (durable: every reply after fdatasync), vetbench --mix realistic"
for cw in "1 1" "1 16" "50 1" "50 16" "50 64"; do
	set -- $cw
	: > "$D/rps"
	: > "$D/p50"
	: > "$D/p99"
	for run in 1 2 3; do
		"$B/vetbench" --endpoint "ipc://$D/cmd" --clients "$1" --window "$2" \
			--duration "$DURATION" --warmup 1 --json > "$D/out.json"
		/usr/bin/python3 - "$D" <<'PY'
import json, sys
d = sys.argv[1]
r = json.load(open(d + "/out.json"))
for key, val in (("rps", r["throughput_rps"]), ("p50", r["latency_us"]["p50"]),
                 ("p99", r["latency_us"]["p99"])):
    open(d + "/" + key, "a").write("%.1f\n" % val)
PY
	done
	printf '  %2s clients x %2s in flight: %9s replies/s  p50 %8s us  p99 %8s us  (median of 3)\n' \
		"$1" "$2" "$(median < "$D/rps")" "$(median < "$D/p50")" "$(median < "$D/p99")"
done
kill "$VPID"
wait "$VPID" 2>/dev/null || true
VPID=

if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
	echo "redis-server / redis-benchmark not installed: Redis comparison skipped"
	exit 0
fi
mkdir -p "$D/redis"
redis-server --port 0 --unixsocket "$D/redis.sock" --dir "$D/redis" --save "" \
	--appendonly yes --appendfsync always --daemonize no --loglevel warning &
RPID=$!
sleep 1
echo "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') (appendonly yes, appendfsync always), redis-benchmark SET 200 B"
for cw in "1 1" "1 16" "50 1" "50 16" "50 64"; do
	set -- $cw
	: > "$D/rps"
	: > "$D/p50"
	for run in 1 2 3; do
		n=$(( $1 * $2 * 4000 ))
		[ "$n" -gt 800000 ] && n=800000
		[ "$n" -lt 20000 ] && n=20000
		redis-benchmark -s "$D/redis.sock" -c "$1" -P "$2" -n "$n" -t set -d 200 -r 1000000 \
			--csv > "$D/redis.csv"
		# "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",...
		tail -n 1 "$D/redis.csv" | tr -d '"' | awk -F, '{print $2}' >> "$D/rps"
		tail -n 1 "$D/redis.csv" | tr -d '"' | awk -F, '{print $5 * 1000}' >> "$D/p50"
	done
	printf '  %2s clients x %2s pipelined: %9s SET/s      p50 %8s us  (median of 3)\n' \
		"$1" "$2" "$(median < "$D/rps")" "$(median < "$D/p50")"
done
