# SPDX-License-Identifier: GPL-2.0-only
#
# Collection cost per dirty page, one row per series and fraction, from the
# per-iteration CSV of dirty_ring_perf_test with a leading series column
# (run_bench.sh adds it).  Sums over the iterations, then divides: an
# average weighted by the pages of each iteration.
#
#   awk -f lib.awk -f summarize.awk collection.csv

BEGIN {
	print "series,fraction,pages_per_iteration,ring_entries,collect_ns_per_page," \
	      "harvest_or_get_ns_per_page,reset_or_clear_ns_per_page," \
	      "full_exit_ns_per_page,full_exits_per_iteration,dirty_us_per_page"
}

{
	key = $col["series"] SUBSEP $col["fraction"]
	group(key)
	pages[key] += $col["pages"]
	harvest[key] += $col["harvest_or_get_ns"]
	reset[key] += $col["reset_or_clear_ns"]
	full[key] += $col["full_exit_ns"]
	exits[key] += $col["full_exits"]
	dirty[key] += $col["dirty_ns"] * $col["vcpus"]
	entries[key] = $col["ring_entries"]
}

END {
	for (k = 1; k <= ngroups; k++) {
		key = group_order[k]
		split(key, part, SUBSEP)
		p = pages[key]
		printf "%s,%s,%d,%s,%.2f,%.2f,%.2f,%.2f,%.1f,%.3f\n", part[1], part[2],
		       p / group_rows[key], entries[key], (harvest[key] + reset[key] + full[key]) / p,
		       harvest[key] / p, reset[key] / p, full[key] / p, exits[key] / group_rows[key],
		       dirty[key] / p / 1000
	}
}
