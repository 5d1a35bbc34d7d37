#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The ring-versus-bitmap migration comparison at this machine's scale.
#
# The original comparison migrated a 24 GiB, 8-vCPU guest dirtying 800 MB/s
# at random over 20 GiB across a 10 Gbit link with a 4096-entry ring.  Here
# (2 cores, 24 GiB) a 2-vCPU CPL3 guest dirties MEM at random, under a heavy
# rate (HEAVY, about 0.6 of the link's bandwidth, as 800 MB/s was of 10 Gbit)
# and a light one (LIGHT), across a LINK MiB/s link with QEMU's default
# 300 ms downtime budget; each mode (the ring once per size in RINGS) runs
# REPS times per rate, the modes taking turns within each repetition (and
# the rates within each repetition) so that a change in the machine's load
# falls on all of them.  Prints a markdown table of averages and the exact
# commands; with CSV=file also writes every run's MIGRATION line as a CSV
# row.  LINES=file keeps the MIGRATION lines as they come (appended); FROM=
# file makes the table from such lines without running anything.  LOCK=
# file runs each migration under flock(1) of that file (run_scale.sh gives
# /tmp/bigmem.lock for guests above 4 GiB, so that two never overlap).
#
# usage: bench/migration_table.sh   (environment: BIN MEM LINK HEAVY LIGHT
#        DOWNTIME RINGS VCPUS REPS MODES SEED CSV LINES FROM LOCK RATES)
#        RATES: the rates run (default "$HEAVY $LIGHT")
set -eu

here=$(cd "$(dirname "$0")" && pwd)
BIN=${BIN:-$here/../dirty_ring_migration_test}
MEM=${MEM:-2G}
LINK=${LINK:-512}
HEAVY=${HEAVY:-320}
LIGHT=${LIGHT:-40}
DOWNTIME=${DOWNTIME:-300}
RINGS=${RINGS:-${RING:-4096}}
VCPUS=${VCPUS:-2}
REPS=${REPS:-3}
MODES=${MODES:-"ring clear get"}
SEED=${SEED:-1}
CSV=${CSV:-}
LINES=${LINES:-}
FROM=${FROM:-}
LOCK=${LOCK:-}
RATES=${RATES:-"$HEAVY $LIGHT"}

[ -n "$FROM" ] || [ -x "$BIN" ] || { echo "$0: $BIN not built (make -C $here/..)" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT

[ -z "$FROM" ] && echo "load before: $(uptime)"
# every mode to run, the ring once per size: mode:ring
runs=
for mode in $MODES; do
	if [ "$mode" = ring ]; then
		for ring in $RINGS; do
			runs="$runs ring:$ring"
		done
	else
		runs="$runs $mode:$(echo "$RINGS" | cut -d' ' -f1)"
	fi
done

rep=1
while [ -z "$FROM" ] && [ "$rep" -le "$REPS" ]; do
	for rate in $RATES; do
		for run in $runs; do
			mode=${run%:*}
			cmd="$BIN -g cpl3 -m $mode -a random -v $VCPUS -M $MEM -R $rate -B $LINK -D $DOWNTIME -c ${run#*:} -s $((SEED + rep))"
			echo "run: $cmd" >&2
			# shellcheck disable=SC2086
			if ! ${LOCK:+flock "$LOCK"} $cmd > "$out.run" 2>&1 || ! grep -q '^ok 1 ' "$out.run"; then
				cat "$out.run" >&2
				rm -f "$out.run"
				echo "$0: a migration failed: $cmd" >&2
				exit 1
			fi
			grep '^# MIGRATION ' "$out.run" >> "$out"
			[ -z "$LINES" ] || grep '^# MIGRATION ' "$out.run" >> "$LINES"
		done
	done
	rep=$((rep + 1))
done
rm -f "$out.run"
if [ -n "$FROM" ]; then
	cp "$FROM" "$out"
else
	echo "load after: $(uptime)"
fi
echo

if [ -n "$CSV" ]; then
	awk '{
		line = ""; head = ""
		for (i = 3; i <= NF; i++) {
			split($i, kv, "=")
			head = head (i > 3 ? "," : "") kv[1]; line = line (i > 3 ? "," : "") kv[2]
		}
		if (NR == 1)
			print head
		print line
	}' "$out" > "$CSV"
fi

echo "| mode | dirty rate (set) | dirty rate (achieved) | runs | total time | each run | rounds | pages sent | downtime | full exits | vCPU time stopped full |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
awk '
function val(key,   i, kv) {
	for (i = 3; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] == key)
			return kv[2]
	}
	return ""
}
{
	k = (val("mode") == "ring" ? "ring " val("ring") : val("mode")) SUBSEP val("rate_mib_s")
	if (!(k in n))
		order[nk++] = k
	n[k]++
	total[k] += val("total_ms"); each[k] = each[k] sprintf(" %.1f", val("total_ms") / 1000)
	rounds[k] += val("rounds"); sent[k] += val("pages_sent")
	down[k] += val("downtime_ms"); rate[k] += val("dirty_mib_s"); full[k] += val("full_exits")
	stall[k] += val("stall_share")
}
END {
	for (i = 0; i < nk; i++) {
		k = order[i]
		split(k, p, SUBSEP)
		printf "| %s | %s MiB/s | %.0f MiB/s | %d | %.2f s |%s s | %.1f | %.0f | %.0f ms | %.0f | %.2f%% |\n",
		       p[1], p[2], rate[k] / n[k], n[k], total[k] / n[k] / 1000, each[k], rounds[k] / n[k],
		       sent[k] / n[k], down[k] / n[k], full[k] / n[k], 100 * stall[k] / n[k]
	}
}' "$out"
echo
echo "Each row averages its runs of"
echo "    dirty_ring_migration_test -g cpl3 -m MODE -a random -v $VCPUS -M $MEM -R RATE -B $LINK -D $DOWNTIME -c RING -s SEED"
echo "with RATE = $HEAVY (heavy) or $LIGHT (light) MiB/s, RING = $RINGS and SEED = $((SEED + 1))..$((SEED + REPS)); pages are 4 KiB."
