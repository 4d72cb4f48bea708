#!/bin/sh
# fuzz.sh SOURCE_DIR WORKDIR [SECONDS] - build the libFuzzer targets with
# clang in a scratch build directory (-DVA_FUZZ=ON), write the seed corpus
# of valid requests, and run fuzz_request for SECONDS (default 60).  A
# finding (crash, leak, sanitizer report) fails the run and leaves the
# reproducer in WORKDIR/artifacts.  UBSan stops at the first report; the
# one known protobuf-c site is suppressed in tests/fuzz/ubsan.supp.
set -eu

src=$1
work=$2
seconds=${3:-60}

if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz: clang not found (Debian package 'clang')" >&2
	exit 1
fi
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cmake -S "$src" -B "$work/build" -DCMAKE_C_COMPILER=clang -DVA_FUZZ=ON -DBUILD_TESTING=OFF \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >"$work/configure.log" 2>&1 || {
	cat "$work/configure.log" >&2
	exit 1
}
cmake --build "$work/build" --target fuzz_request fuzz_seeds -j 2 >"$work/build.log" 2>&1 || {
	tail -n 50 "$work/build.log" >&2
	exit 1
}
"$work/build/bin/fuzz_seeds" "$work/corpus"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$src/tests/fuzz/ubsan.supp"
"$work/build/bin/fuzz_request" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus" \
	>"$work/fuzz.log" 2>&1 || {
	tail -n 80 "$work/fuzz.log" >&2
	echo "fuzz: finding; reproducer in $work/artifacts" >&2
	exit 1
}
tail -n 15 "$work/fuzz.log"
echo "fuzz: ok, no finding in ${seconds} s"
