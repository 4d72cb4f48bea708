#!/bin/sh
# The consortium benchmarks of docs/BENCHMARKS.md: the state a large
# consortium holds after ten years (vetbench --seed consortium), then the
# consortium mix and the realistic mix on it at 1 x 1, 50 x 1 and 50 x 16,
# cold starts, and the p99 of commands while a snapshot is taken.
#
#   cmake --workflow --preset release && sh docs/run-consortium.sh
#
# DAEMONS names the daemons to compare, "label=path" each, interleaved run
# by run (default: this build's).  SECTIONS picks what to run (default
# "mixes cold snapshots"); MIXES and CONFIGS narrow the mixes (default
# "consortium realistic" at "1x1 50x1 50x16", clients x in flight).  RUNS runs each (default 3, the median is
# printed), DURATION seconds each (default 5).  The seeded state is kept in
# SEED_DIR (default /tmp/vetalliance-consortium) and made only once; every
# run starts from a fresh copy of it, on the real clock (the seed ends on
# 1 December 2026).
set -eu

B=${B:-build/release/bin}
DAEMONS=${DAEMONS:-"this=$B/vetallianced"}
RUNS=${RUNS:-3}
DURATION=${DURATION:-5}
SCALE=${SCALE:-1}
SEED_DIR=${SEED_DIR:-/tmp/vetalliance-consortium}
SECTIONS=${SECTIONS:-"mixes cold snapshots"}
want() { case " $SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }
D=$(mktemp -d)
VPID=
cleanup() {
	[ -n "$VPID" ] && kill "$VPID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$D"
}
trap cleanup EXIT INT TERM

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# start DAEMON STATE [ARGS...]: the daemon on ipc:// endpoints in $D, once
# it answers (the reply to `vetctl status`).
start() {
	daemon=$1
	state=$2
	shift 2
	"$daemon" --cmd-endpoint "ipc://$D/cmd" --pub-endpoint "ipc://$D/pub" \
		--state-dir "$state" --log-level notice "$@" 2>>"$D/daemon.log" &
	VPID=$!
	until "$B/vetctl" --endpoint "ipc://$D/cmd" --timeout 1000 --attempts 1 status \
		>/dev/null 2>&1; do
		kill -0 "$VPID" || { tail "$D/daemon.log"; exit 1; }
		sleep 0.05
	done
}

stop() {
	kill "$VPID"
	wait "$VPID" 2>/dev/null || true
	VPID=
}

# The seeded state, once.
if [ ! -f "$SEED_DIR/done" ]; then
	rm -rf "$SEED_DIR"
	mkdir -p "$SEED_DIR"
	echo 1483315200000 >"$SEED_DIR/clock"
	first=${DAEMONS%% *}
	VETALLIANCE_FAKE_NOW_FILE="$SEED_DIR/clock" start "${first#*=}" "$SEED_DIR/state" \
		--snapshot-every 400000
	"$B/vetbench" --seed consortium --scale "$SCALE" --clock-file "$SEED_DIR/clock" \
		--endpoint "ipc://$D/cmd" --progress | tee "$SEED_DIR/seed.txt"
	stop
	touch "$SEED_DIR/done"
else
	cat "$SEED_DIR/seed.txt"
fi
du -sh "$SEED_DIR/state"

# run LABEL DAEMON MIX CLIENTS WINDOW: one run on a fresh copy; appends
# replies/s, p50 and p99 to $D/<label>-<mix>-<c>x<w>.{rps,p50,p99}.
run() {
	rm -rf "$D/state"
	cp -r "$SEED_DIR/state" "$D/state"
	start "$2" "$D/state"
	"$B/vetbench" --endpoint "ipc://$D/cmd" --mix "$3" --scale "$SCALE" --clients "$4" \
		--window "$5" --duration "$DURATION" --warmup 1 --json >"$D/out.json"
	stop
	/usr/bin/python3 - "$D/out.json" "$D/$1-$3-$4x$5" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for key, val in (("rps", r["throughput_rps"]), ("p50", r["latency_us"]["p50"]),
                 ("p99", r["latency_us"]["p99"])):
    open(sys.argv[2] + "." + key, "a").write("%.1f\n" % val)
PY
}

want mixes && for mix in ${MIXES:-consortium realistic}; do
	for cw in ${CONFIGS:-1x1 50x1 50x16}; do
		set -- ${cw%x*} ${cw#*x}
		i=0
		while [ "$i" -lt "$RUNS" ]; do
			for d in $DAEMONS; do
				run "${d%%=*}" "${d#*=}" "$mix" "$1" "$2"
			done
			i=$((i + 1))
		done
		for d in $DAEMONS; do
			f="$D/${d%%=*}-$mix-$1x$2"
			printf '%-8s %-10s %2s x %2s: %9s replies/s  p50 %9s us  p99 %9s us  (runs: %s)\n' \
				"${d%%=*}" "$mix" "$1" "$2" "$(median <"$f.rps")" "$(median <"$f.p50")" \
				"$(median <"$f.p99")" "$(tr '\n' ' ' <"$f.rps")"
		done
	done
done

# Cold start: the daemon's own account of loading a copy of the seeded
# state (its newest snapshot and the journal's tail after it), and the
# time from spawn until `vetctl status` is answered.
want cold && for d in $DAEMONS; do
	: >"$D/cold"
	: >"$D/answered"
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		rm -rf "$D/state"
		cp -r "$SEED_DIR/state" "$D/state"
		: >"$D/daemon.log"
		t0=$(date +%s%N)
		start "${d#*=}" "$D/state"
		t1=$(date +%s%N)
		stop
		sed -n 's/.*journal events in \([0-9.]*\) s.*/\1/p' "$D/daemon.log" | head -n 1 |
			awk '{print $1 * 1000}' >>"$D/cold"
		echo $(((t1 - t0) / 1000000)) >>"$D/answered"
		i=$((i + 1))
	done
	printf '%-8s cold start of the seeded state: loaded in %s ms, answering after %s ms  (runs: %s)\n' \
		"${d%%=*}" "$(median <"$D/cold")" "$(median <"$D/answered")" "$(tr '\n' ' ' <"$D/cold")"
done
want cold && grep "recovered to seq" "$D/daemon.log" | tail -n 1

# Commands while snapshots are taken: the realistic mix at 50 x 1 with a
# snapshot every 50 000 events, and the consortium mix with one every
# 2 000, so that several fall in each run.
want snapshots && for d in $DAEMONS; do
	for ms in "realistic 50000" "consortium 2000"; do
		set -- $ms
		rm -rf "$D/state"
		cp -r "$SEED_DIR/state" "$D/state"
		: >"$D/daemon.log"
		start "${d#*=}" "$D/state" --snapshot-every "$2" --log-level info
		"$B/vetbench" --endpoint "ipc://$D/cmd" --mix "$1" --scale "$SCALE" --clients 50 \
			--window 1 --duration "$DURATION" --warmup 1 --json >"$D/out.json"
		stop
		snaps=$(grep -c "wrote a snapshot" "$D/daemon.log" || true)
		/usr/bin/python3 - "$D/out.json" "${d%%=*}" "$snaps" "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("%-8s %-10s 50 x 1, %s snapshots in the run: %.0f replies/s, p50 %.0f us, "
      "p99 %.0f us" % (sys.argv[2], sys.argv[4], sys.argv[3], r["throughput_rps"],
                       r["latency_us"]["p50"], r["latency_us"]["p99"]))
PY
		grep "wrote a snapshot" "$D/daemon.log" | tail -n 1 || true
	done
done
