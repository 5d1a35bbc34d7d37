#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench: the dirty ring benchmarks with their documented settings.
#
#   1. dirty_ring_harvest_bench: the library harvester against a plain loop
#      and a sequential read of the ring (model and KVM rings, 4096 and
#      65536 entries);
#   2. dirty_ring_perf_test swept over the fraction of memory dirtied per
#      iteration, collecting with the ring (4096 entries, as in the original
#      comparison, and a ring large enough that an iteration never fills it),
#      KVM_GET_DIRTY_LOG and KVM_CLEAR_DIRTY_LOG;
#   3. collection cost per dirty page vs fraction dirtied, as CSV and as an
#      SVG chart, with the fractions where the ring and the bitmap cross.
#
# Guests run at CPL3, natively on kvm_pvm (CPL0 guest code is emulated
# there and would measure the emulator).  Only the toolchain and POSIX
# tools are needed.  Settings can be overridden from the environment:
#
#   BENCH_OUT        output directory (default: bench-results in the top
#                    directory of the tree)
#   BENCH_VCPUS      vCPUs (default 2: this machine's cores)
#   BENCH_MEM        memory per vCPU (default 1G)
#   BENCH_FRACTIONS  fractions of memory written per iteration
#   BENCH_ITERS      iterations per point (default 5; more below a fraction
#                    of 0.05, up to 10x)
#   BENCH_RING       ring entries of the first ring series (default 4096)
#   BENCH_ACCESS     random or sequential (default random)
#   BENCH_HARVEST_ROUNDS  rounds of the harvester benchmark (default 9)
#   KSELFTEST_TIMEOUT, KVM_SELFTEST_TIMEOUT_SCALE  the deadline policy below
#
# Deadlines: a benchmark ends by itself, but slow is a figure, not a
# failure.  The programs get the time of a slow machine (a program deadline
# below KSELFTEST_TIMEOUT, default 1800 s; case timeouts and vCPU watchdogs
# times KVM_SELFTEST_TIMEOUT_SCALE, default 10), and a case cut short by its
# deadline anyway is reported as slow, its figures missing, without failing
# make bench.  Any other failure fails it.

set -eu

KVM_DIR=$(cd "$(dirname "$0")/.." && pwd)
TOP=$(cd "$KVM_DIR/../../../.." && pwd)
OUT=${BENCH_OUT:-$TOP/bench-results}
VCPUS=${BENCH_VCPUS:-2}
MEM=${BENCH_MEM:-1G}
FRACTIONS=${BENCH_FRACTIONS:-"0.0001 0.0002 0.0005 0.001 0.002 0.005 0.01 0.02 0.05 0.1 0.2 0.5 1"}
ITERS=${BENCH_ITERS:-5}
RING=${BENCH_RING:-4096}
ACCESS=${BENCH_ACCESS:-random}
ROUNDS=${BENCH_HARVEST_ROUNDS:-9}

export KSELFTEST_TIMEOUT=${KSELFTEST_TIMEOUT:-1800}
export KVM_SELFTEST_TIMEOUT_SCALE=${KVM_SELFTEST_TIMEOUT_SCALE:-10}

PERF=$KVM_DIR/dirty_ring_perf_test
HARVEST=$KVM_DIR/dirty_ring_harvest_bench

make -s -C "$KVM_DIR" "$PERF" "$HARVEST"
mkdir -p "$OUT"
rm -f "$OUT"/perf-*.csv

{
	echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "host: $(uname -srm), $(getconf _NPROCESSORS_ONLN) CPUs"
	echo "commit: $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "load before: $(uptime)"
	echo "settings: cpl3, $VCPUS vCPUs x $MEM, $ACCESS access, $ITERS+ iterations, fractions $FRACTIONS, ring $RING entries and auto"
	echo "deadlines: KSELFTEST_TIMEOUT=$KSELFTEST_TIMEOUT KVM_SELFTEST_TIMEOUT_SCALE=$KVM_SELFTEST_TIMEOUT_SCALE"
} > "$OUT/environment.txt"
cat "$OUT/environment.txt"

# run PROGRAM ARGS...: its failures are judged from its KTAP afterwards.
run() {
	echo "+ $*" | sed -e "s|$KVM_DIR/||g" -e "s|$TOP/||g" >> "$OUT/commands.txt"
	"$@" || echo "# run_bench: ${1##*/} exited $?"
}
: > "$OUT/commands.txt"

echo "== harvester: dirty_ring_harvest_bench"
run "$HARVEST" -g cpl3 -e 4096 -e 65536 -r "$ROUNDS" --csv "$OUT/harvest.csv" \
	> "$OUT/harvest.log"
grep -E 'library_ns|plain_ns|plain_over|floor_ns|over_floor|reset_ns|fault_us|not ok' \
	"$OUT/harvest.log" || true

echo "== collection: dirty_ring_perf_test"
: > "$OUT/perf.log"
for f in $FRACTIONS; do
	# small fractions are cheap and noisy: more iterations, up to 10x
	iters=$(awk -v f="$f" -v i="$ITERS" 'BEGIN { n = int(i * 0.05 / f); print (n < i ? i : (n > 10 * i ? 10 * i : n)) }')
	common="-g cpl3 -v $VCPUS -b $MEM -f $f -a $ACCESS -i $iters"
	# shellcheck disable=SC2086
	run "$PERF" $common -m ring -r "$RING" --csv "$OUT/perf-ring$RING-$f.csv" >> "$OUT/perf.log"
	# shellcheck disable=SC2086
	run "$PERF" $common -m all --csv "$OUT/perf-all-$f.csv" >> "$OUT/perf.log"
	grep 'summary:' "$OUT/perf.log" | tail -4 | sed 's/^# summary: /  /'
done
# Cut short by a deadline: slow, reported.  Any other case not ok, a Bail
# out, or a program that failed with no case cut short: a failure.
deadline='# TIMEOUT|program deadline'
logs="$OUT/perf.log $OUT/harvest.log"
# shellcheck disable=SC2086
failed=$(grep -hE '^not ok|^Bail out' $logs | grep -vE "$deadline" || true)
# shellcheck disable=SC2086
slow=$(grep -hE '^not ok' $logs | grep -E "$deadline" || true)
# shellcheck disable=SC2086
if [ -n "$failed" ] || { [ -z "$slow" ] && grep -q '^# run_bench: .* exited' $logs; }; then
	echo "run_bench: a benchmark failed, see $OUT/perf.log and $OUT/harvest.log" >&2
	exit 1
fi
if [ -n "$slow" ]; then
	echo "$slow" | sed 's/^/run_bench: slow, no figures: /' | tee "$OUT/slow.txt" >&2
fi

# Every iteration of every run, with its series: ring-$RING, ring-auto (the
# ring of the "all" runs, sized not to fill), get_log, clear_log.
awk -F, -v OFS=, -v ring="ring-$RING" '
	FNR == 1 { if (NR == 1) print "series", $0; next }
	{ print (FILENAME ~ /perf-ring/ ? ring : $1 == "ring" ? "ring-auto" : $1), $0 }
' "$OUT"/perf-*.csv > "$OUT/collection.csv"
rm -f "$OUT"/perf-*.csv
awk -f "$KVM_DIR/bench/lib.awk" -f "$KVM_DIR/bench/summarize.awk" "$OUT/collection.csv" \
	> "$OUT/collection_summary.csv"
awk -f "$KVM_DIR/bench/lib.awk" -f "$KVM_DIR/bench/crossover.awk" "$OUT/collection_summary.csv" \
	> "$OUT/crossover.csv"
awk -v title="Dirty page collection cost: $VCPUS vCPUs x $MEM, $ACCESS writes, CPL3 guests" \
	-f "$KVM_DIR/bench/svg_chart.awk" "$OUT/collection_summary.csv" "$OUT/crossover.csv" \
	> "$OUT/collection.svg"
echo "load after: $(uptime)" >> "$OUT/environment.txt"

echo "== collection cost per dirty page, by fraction of memory dirtied per iteration"
column -t -s, "$OUT/collection_summary.csv" 2>/dev/null || cat "$OUT/collection_summary.csv"
echo "== crossings"
awk -F, '
	NR == 1 { next }
	$3 == "none" && $4 == "" { printf "%s vs %s: no crossing, %s is cheaper at every fraction measured\n", $1, $2, $7; next }
	$3 == "none" { printf "%s vs %s: no crossing, %s is cheaper at both ends, %s in places between %s and %s\n", $1, $2, $7, $1 == $7 ? $2 : $1, $4, $5; next }
	{ printf "%s vs %s: cross at fraction %s (%s cheaper at every fraction up to %s, %s from %s on)\n", $1, $2, $3, $7, $4, $8, $5 }
' "$OUT/crossover.csv" | tee "$OUT/crossover.txt"
echo "results in $OUT: harvest.csv collection.csv collection_summary.csv crossover.csv collection.svg"
