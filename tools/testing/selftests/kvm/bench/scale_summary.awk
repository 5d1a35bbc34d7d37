# SPDX-License-Identifier: GPL-2.0-only
#
# One row per method, size and dirty count from the per-iteration CSV of
# dirty_ring_perf_test runs (run_scale.sh adds a leading run column):
# medians over every iteration of every run at that point, so that a slow
# moment of a shared machine moves a point less than a mean would.  Times
# per collection in us; per dirty page in ns.  Ring rows also give the idle
# collection (rings empty) per vCPU, and what the pages add per entry.
#
# The times are the collecting thread's CPU time (kernel time included),
# which a loaded machine leaves alone: a wall-clock time of milliseconds
# there includes the time the thread waited for a CPU.  Full-exit handling
# (in the vCPU threads) has wall-clock time only.  collect_wall_us is the
# wall-clock time of the whole collection.
#
#   awk -f lib.awk -f scale_summary.awk memory.csv

BEGIN {
	print "series,mem_gib,pages,vcpus,pages_per_vcpu_iteration,fraction,iterations," \
	      "collect_us,collect_ns_per_page,harvest_us,reset_us,full_exit_us,collect_wall_us," \
	      "idle_harvest_us,idle_reset_us,idle_harvest_ns_per_vcpu,idle_reset_ns_per_vcpu," \
	      "harvest_ns_per_entry,reset_ns_per_entry,dirty_us_per_page"
}

function v(name) {
	return $col[name] + 0
}

{
	key = $col["mode"] SUBSEP v("vcpus") SUBSEP v("pages_per_vcpu") SUBSEP v("pages_per_vcpu_iteration")
	i = group(key)
	collect[key, i] = v("harvest_or_get_cpu_ns") + v("reset_or_clear_cpu_ns") + v("full_exit_ns")
	wall[key, i] = v("harvest_or_get_ns") + v("reset_or_clear_ns") + v("full_exit_ns")
	harvest[key, i] = v("harvest_or_get_cpu_ns")
	reset[key, i] = v("reset_or_clear_cpu_ns")
	full[key, i] = v("full_exit_ns")
	ih[key, i] = v("idle_harvest_cpu_ns")
	ir[key, i] = v("idle_reset_cpu_ns")
	dirty[key, i] = v("dirty_ns") * v("vcpus") / v("pages")
	pages[key] = v("pages")
}

# The median of a[key, 1..m].
function median(a, key, m,    i, s) {
	for (i = 1; i <= m; i++)
		s[i] = a[key, i]
	sort_numbers(s, m)
	return m % 2 ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
}

END {
	for (k = 1; k <= ngroups; k++) {
		key = group_order[k]
		split(key, p, SUBSEP)
		m = group_rows[key]
		c = median(collect, key, m); h = median(harvest, key, m); r = median(reset, key, m)
		f = median(full, key, m); a = median(ih, key, m); b = median(ir, key, m)
		np = pages[key]
		printf "%s,%.4g,%d,%d,%d,%.6g,%d,%.2f,%.1f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.1f,%.1f,%.2f,%.2f,%.3f\n",
		       p[1], p[2] * p[3] / 262144, np, p[2], p[4], p[4] / p[3], m,
		       c / 1000, c / np, h / 1000, r / 1000, f / 1000, median(wall, key, m) / 1000,
		       a / 1000, b / 1000,
		       a / p[2], b / p[2], p[1] == "ring" ? (h - a) / np : 0,
		       p[1] == "ring" ? (r - b) / np : 0, median(dirty, key, m) / 1000
	}
}
