#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench-scale: the dirty ring against the dirty bitmap as the VM grows.
#
#   memory     dirty_ring_perf_test with guest memory from 256 MiB to 16 GiB
#              (2 vCPUs) and fixed numbers of pages dirtied per collection:
#              collection cost of the ring, KVM_GET_DIRTY_LOG and
#              KVM_CLEAR_DIRTY_LOG per collection and per dirty page, the
#              slope of each over memory, and where the ring and the bitmap
#              cross at each memory size;
#   vcpus      dirty_ring_perf_test in ring mode from 1 vCPU to KVM's maximum
#              (1 GiB in all, divided among them): harvesting every ring and
#              one KVM_RESET_DIRTY_RINGS, with pages to collect and idle, per
#              vCPU and per entry;
#   stall      dirty_ring_migration_test at a range of dirty rates with 4096
#              and 65536-entry rings: the share of the vCPUs' time spent
#              stopped in full exits;
#   migration  bench/migration_table.sh at 8 GiB: heavy and light random
#              dirtying, rings of 4096 and 65536 entries and both bitmap
#              modes, SCALE_REPS runs each.
#
# Every comparison is made within one run, the methods taking turns (A/B/C,
# then again) so that a change in the machine's load falls on all of them;
# the load is recorded before and after each part (environment.txt).  Runs
# with more than 4 GiB of guest memory take /tmp/bigmem.lock (flock) so that
# two such never overlap on a shared machine.  Guests run at CPL3.
#
# Output in bench-results/scale/: CSV of every iteration and summaries,
# SVG charts, the commands (commands.txt).  Settings (environment):
#
#   BENCH_OUT          output directory (default bench-results in the top
#                      directory of the tree; this script writes scale/ in it)
#   SCALE_PARTS        which parts (default "memory vcpus stall migration")
#   SCALE_MEM          total guest memory sizes (default 256M 512M 1G 2G 4G 8G 16G)
#   SCALE_DIRTY        pages per vCPU per collection in the memory part
#                      (default 32,256,2048,16384)
#   SCALE_VCPUS        vCPU counts (default 1 2 4 ... up to KVM_CAP_MAX_VCPUS)
#   SCALE_VCPU_DIRTY   pages per vCPU per collection in the vCPU part (default 16,128)
#   SCALE_RATES        dirty rates in MiB/s of the stall part, 0 = unpaced
#                      (default 20 40 80 160 320 640 0)
#   SCALE_ITERS        iterations per point (default 4)
#   SCALE_REPS         repetitions of each comparison (default 2)
#   SCALE_STALL_MEM    memory migrated in the stall part (default 512M)
#   SCALE_STALL_REPS   its repetitions (default SCALE_REPS)
#   SCALE_MIGRATION_MEM   memory of the migration table (default 8G)
#   SCALE_MIGRATION_REPS  its repetitions (default 3)
#   KVM_SELFTEST_TIMEOUT_SCALE  the programs' case timeouts and watchdogs
#                      (default 20 here: a loaded machine dirties pages 10-50x
#                      slower than an idle one, and a benchmark must not be
#                      cut short for it)
#   SCALE_RESUME=1     keep the runs of the memory and vCPU parts that an
#                      interrupted run_scale.sh finished, with the same settings
#   SCALE_REPORT_ONLY=1  measure nothing: the summaries and charts again from
#                      the CSVs of an earlier run

set -eu

KVM_DIR=$(cd "$(dirname "$0")/.." && pwd)
TOP=$(cd "$KVM_DIR/../../../.." && pwd)
OUT=${BENCH_OUT:-$TOP/bench-results}/scale
PARTS=${SCALE_PARTS:-"memory vcpus stall migration"}
MEMS=${SCALE_MEM:-"256M 512M 1G 2G 4G 8G 16G"}
DIRTY=${SCALE_DIRTY:-32,256,2048,16384}
VCPU_DIRTY=${SCALE_VCPU_DIRTY:-16,128}
RATES=${SCALE_RATES:-"20 40 80 160 320 640 0"}
ITERS=${SCALE_ITERS:-4}
REPS=${SCALE_REPS:-2}
STALL_MEM=${SCALE_STALL_MEM:-512M}
STALL_REPS=${SCALE_STALL_REPS:-$REPS}
MIG_MEM=${SCALE_MIGRATION_MEM:-8G}
MIG_REPS=${SCALE_MIGRATION_REPS:-3}
BIGMEM_LOCK=/tmp/bigmem.lock
for setting in "SCALE_ITERS=$ITERS" "SCALE_REPS=$REPS" "SCALE_STALL_REPS=$STALL_REPS" \
	"SCALE_MIGRATION_REPS=$MIG_REPS"; do
	case ${setting#*=} in
	''|*[!0-9]*|0) echo "run_scale: bad $setting: a positive number" >&2; exit 2 ;;
	esac
done

PERF=$KVM_DIR/dirty_ring_perf_test
MIGRATION=$KVM_DIR/dirty_ring_migration_test
BENCH=$KVM_DIR/bench
# Benchmarks run longer than the runner's timeout the tests keep to.
export KSELFTEST_TIMEOUT=${KSELFTEST_TIMEOUT:-3600}
export KVM_SELFTEST_TIMEOUT_SCALE=${KVM_SELFTEST_TIMEOUT_SCALE:-20}

make -s -C "$KVM_DIR" "$PERF" "$MIGRATION"
mkdir -p "$OUT"

note() {
	echo "$*" | tee -a "$OUT/environment.txt"
}

# run CMD...: logged to commands.txt with the paths made relative; a
# command with more than 4 GiB of guest memory (BIG=1) takes the lock.
run() {
	echo "+ $*" | sed -e "s|$KVM_DIR/||g" -e "s|$TOP/||g" >> "$OUT/commands.txt"
	if [ "${BIG:-0}" = 1 ]; then
		flock "$BIGMEM_LOCK" "$@"
	else
		"$@"
	fi
}

# bytes SIZE: a size with a K/M/G suffix in bytes
bytes() {
	awk -v s="$1" 'BEGIN {
		n = s + 0; u = toupper(substr(s, length(s)))
		printf "%.0f\n", n * (u == "G" ? 2^30 : u == "M" ? 2^20 : u == "K" ? 2^10 : 1)
	}'
}

# perf CSV ARGS...: one dirty_ring_perf_test run at CPL3 into CSV, which
# must pass
perf() {
	csv=$1
	shift
	if [ "${SCALE_RESUME:-0}" = 1 ] && [ -s "$csv" ] && grep -q '^ok 1 ' "$csv.log" 2>/dev/null; then
		return
	fi
	if ! run "$PERF" -g cpl3 "$@" --csv "$csv" > "$csv.log" 2>&1 ||
	    grep -q '^not ok' "$csv.log"; then
		cat "$csv.log" >&2
		echo "run_scale: failed: $PERF $*" >&2
		exit 1
	fi
}

# chart SVG INPUT AWK-ARGS...: svg_chart.awk with those variables on INPUT
# (- for stdin) into SVG; with no data points, no chart and a note
chart() {
	svg=$1
	input=$2
	shift 2
	if ! awk "$@" -f "$BENCH/svg_chart.awk" "$input" > "$svg" 2>/dev/null; then
		rm -f "$svg"
		echo "run_scale: nothing to draw in $(basename "$svg")"
	fi
}

# bench_awk PROGRAM AWK-ARGS...: bench/PROGRAM.awk, after lib.awk (the
# CSV reading, grouping and sorting the programs share)
bench_awk() {
	awk_program=$1
	shift
	awk -f "$BENCH/lib.awk" -f "$BENCH/$awk_program.awk" "$@"
}

# join OUT FILES...: the per-run CSVs into one, with a leading run column
join_csv() {
	dst=$1
	shift
	awk -F, -v OFS=, 'FNR == 1 { if (NR == 1) print "run", $0; next } { print FILENAME, $0 }' \
		"$@" | sed -e "s|$OUT/||" > "$dst"
	rm -f "$@"
}

# measure_begin PART PREFIX: the load before PART noted; unless resuming,
# no per-run CSV (PREFIX-*.csv) of an earlier run_scale.sh left
measure_begin() {
	note "== $1: load before $(uptime)"
	[ "${SCALE_RESUME:-0}" = 1 ] || rm -f "$OUT/$2"-*.csv*
}

# measure_end PART PREFIX: PART's per-run CSVs joined into PART.csv, the
# load after it noted
measure_end() {
	join_csv "$OUT/$1.csv" "$OUT/$2"-*.csv
	rm -f "$OUT/$2"-*.csv.log
	note "== $1: load after $(uptime)"
}

memory_measure() {
	measure_begin memory mem
	for mem in $MEMS; do
		total=$(bytes "$mem")
		big=$(awk -v t="$total" 'BEGIN { print (t > 4 * 2^30) }')
		for rep in $(seq "$REPS"); do
			for mode in ring get clear; do
				BIG=$big perf "$OUT/mem-$mem-$mode-$rep.csv" -m "$mode" -v 2 \
					-b $((total / 2)) -u -a random -p "$DIRTY" -i "$ITERS"
			done
		done
		echo "  $mem done"
	done
	measure_end memory mem
}

memory_report() {
	bench_awk scale_summary -v by=memory "$OUT/memory.csv" > "$OUT/memory_summary.csv"
	bench_awk scale_fit "$OUT/memory_summary.csv" > "$OUT/memory_slopes.csv"
	memory_crossings > "$OUT/memory_crossover.csv"
	bench_awk scale_model "$OUT/memory_summary.csv" > "$OUT/memory_model.csv"
	for t in memory slopes crossover; do
		f=$OUT/memory_summary.csv
		[ "$t" = slopes ] && f=$OUT/memory_slopes.csv
		[ "$t" = crossover ] && f=$OUT/memory_crossover.csv
		bench_awk scale_tables -v table=$t "$f"
		echo
	done > "$OUT/memory_tables.md"
	for d in $(echo "$DIRTY" | tr , ' '); do
		pages=$((2 * d))
		awk -F, -v OFS=, -v p="$pages" 'NR == 1 || $3 == p' "$OUT/memory_summary.csv" |
			chart "$OUT/memory_$pages.svg" - -v title="Collection cost per collection, $pages dirty pages (2 vCPUs, random writes, CPL3)" \
			    -v x=mem_gib -v y=collect_us -v xlabel="guest memory, GiB" \
			    -v ylabel="collection cost, us per collection"
	done
	chart "$OUT/memory_crossover.svg" "$OUT/memory_crossover.csv" \
	    -v title="Where the ring stops being cheaper: dirty pages per collection at the crossing" \
	    -v x=mem_gib -v y=pages -v series=bitmap_series -v xlabel="guest memory, GiB" \
	    -v ylabel="dirty pages per collection at the crossing"
}

# At each memory size, the ring against each bitmap mode over the dirty
# counts measured (crossover.awk on that size's rows): one CSV.
memory_crossings() {
	echo "mem_gib,ring_series,bitmap_series,fraction,low,high,ns_per_page,below,above,pages"
	for g in $(awk -F, 'NR > 1 { print $2 }' "$OUT/memory_summary.csv" | sort -gu); do
		awk -F, -v OFS=, -v g="$g" 'NR == 1 || $2 == g' "$OUT/memory_summary.csv" |
			bench_awk crossover |
			awk -F, -v OFS=, -v g="$g" 'NR > 1 {
				print g, $0, ($3 == "none" ? "" : sprintf("%.0f", $3 * g * 2^18))
			}'
	done
}

vcpus_measure() {
	measure_begin vcpus vcpus
	# the perf test names KVM's limit when asked for more
	max=$("$PERF" -v 4294967295 2>&1 | sed -n 's/.*takes at most \([0-9]*\) vCPUs.*/\1/p')
	[ -n "$max" ] || { echo "run_scale: no KVM_CAP_MAX_VCPUS from $PERF" >&2; exit 1; }
	counts=${SCALE_VCPUS:-}
	if [ -z "$counts" ]; then
		n=1
		while [ "$n" -le "$max" ]; do
			counts="$counts $n"
			n=$((n * 2))
		done
		[ $((n / 2)) -eq "$max" ] || counts="$counts $max"
	fi
	note "vCPU counts: $counts (KVM_CAP_MAX_VCPUS $max)"
	for n in $counts; do
		per=$(( (1 << 30) / n / 262144 * 262144 ))
		for rep in $(seq "$REPS"); do
			perf "$OUT/vcpus-$n-$rep.csv" -m ring -v "$n" -b "$per" -u -a random \
				-p "$VCPU_DIRTY" -i "$ITERS"
		done
		echo "  $n vCPUs done"
	done
	measure_end vcpus vcpus
}

vcpus_report() {
	bench_awk scale_summary -v by=vcpus "$OUT/vcpus.csv" > "$OUT/vcpus_summary.csv"
	bench_awk scale_tables -v table=vcpus "$OUT/vcpus_summary.csv" > "$OUT/vcpus_table.md"
	awk -F, -v OFS=, '
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print "series,vcpus,us"; next }
		$c["pages_per_vcpu_iteration"] == max {
			print "harvest of " $c["pages_per_vcpu_iteration"] " entries per vCPU", $c["vcpus"], $c["harvest_us"]
			print "KVM_RESET_DIRTY_RINGS of " $c["pages_per_vcpu_iteration"] " entries per vCPU", $c["vcpus"], $c["reset_us"]
			print "harvest (rings empty)", $c["vcpus"], $c["idle_harvest_us"]
			print "KVM_RESET_DIRTY_RINGS (nothing to reset)", $c["vcpus"], $c["idle_reset_us"]
		}' max="$(echo "$VCPU_DIRTY" | tr , '\n' | sort -n | tail -1)" "$OUT/vcpus_summary.csv" |
		chart "$OUT/vcpus.svg" - -v title="Ring collection cost against vCPUs (1 GiB in all, random writes, CPL3)" \
		    -v x=vcpus -v y=us -v xlabel="vCPUs" -v ylabel="time per collection, us"
}

stall_measure() {
	note "== stall: load before $(uptime)"
	: > "$OUT/stall.lines"
	for rep in $(seq "$STALL_REPS"); do
		for rate in $RATES; do
			for ring in 4096 65536; do
				log=$OUT/stall-$rate-$ring-$rep.log
				if ! run "$MIGRATION" -g cpl3 -m ring -a random -v 2 -M "$STALL_MEM" -R "$rate" \
				    -B 512 -D 300 -r 4 -c "$ring" -s "$rep" > "$log" 2>&1 ||
				    ! grep -q '^ok 1 ' "$log"; then
					cat "$log" >&2
					echo "run_scale: a migration failed, see $log" >&2
					exit 1
				fi
				grep '^# MIGRATION ' "$log" >> "$OUT/stall.lines"
				rm -f "$log"
			done
		done
	done
	# MIGRATION key=value lines as CSV, the ring size as the series, the stall in %
	awk '{
		line = ""; head = ""
		for (i = 3; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "ring")
				ring = kv[2]
			if (kv[1] == "stall_share")
				kv[2] *= 100
			head = head "," kv[1]; line = line "," kv[2]
		}
		if (NR == 1)
			print "series" head
		print "ring " ring line
	}' "$OUT/stall.lines" > "$OUT/stall.csv"
	rm -f "$OUT/stall.lines"
	note "== stall: load after $(uptime)"
}

stall_report() {
	bench_awk scale_tables -v table=stall "$OUT/stall.csv" > "$OUT/stall_table.md"
	chart "$OUT/stall.svg" "$OUT/stall.csv" \
	    -v title="Share of vCPU time stopped in full exits (2 vCPUs, $STALL_MEM migration, CPL3)" \
	    -v x=dirty_mib_s -v y=stall_share -v ylog=0 -v xlabel="dirty rate achieved, MiB/s" \
	    -v ylabel="vCPU time stopped full, %"
}

migration_part() {
	[ "${SCALE_REPORT_ONLY:-0}" = 1 ] && return
	note "== migration: load before $(uptime)"
	echo "+ MEM=$MIG_MEM RINGS=\"4096 65536\" REPS=$MIG_REPS bench/migration_table.sh" >> "$OUT/commands.txt"
	MEM=$MIG_MEM RINGS="4096 65536" REPS=$MIG_REPS BIN=$MIGRATION \
		CSV="$OUT/migration.csv" LOCK=$BIGMEM_LOCK "$BENCH/migration_table.sh" \
		> "$OUT/migration_table.md"
	cat "$OUT/migration_table.md"
	note "== migration: load after $(uptime)"
}

[ "${SCALE_RESUME:-0}" = 1 ] || [ "${SCALE_REPORT_ONLY:-0}" = 1 ] || : > "$OUT/commands.txt"
[ "${SCALE_REPORT_ONLY:-0}" = 1 ] || {
	echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "host: $(uname -srm), $(getconf _NPROCESSORS_ONLN) CPUs, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 2^20 }' /proc/meminfo)"
	echo "commit: $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "parts: $PARTS"
} > "$OUT/environment.txt.new"
if [ "${SCALE_RESUME:-0}" = 1 ]; then
	cat "$OUT/environment.txt.new" >> "$OUT/environment.txt"
	rm -f "$OUT/environment.txt.new"
elif [ "${SCALE_REPORT_ONLY:-0}" != 1 ]; then
	mv "$OUT/environment.txt.new" "$OUT/environment.txt"
fi
start=$(date +%s)
for part in $PARTS; do
	case $part in
	memory|vcpus|stall)
		[ "${SCALE_REPORT_ONLY:-0}" = 1 ] || "${part}_measure"
		"${part}_report" ;;
	migration) migration_part ;;
	*) echo "run_scale: unknown part '$part'" >&2; exit 1 ;;
	esac
done
[ "${SCALE_REPORT_ONLY:-0}" = 1 ] || note "took $(( $(date +%s) - start )) s"
echo "results in $OUT"
