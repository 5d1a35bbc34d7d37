# SPDX-License-Identifier: GPL-2.0-only
#
# Markdown tables of run_scale.sh's CSVs, the ones bench/README.md shows:
#
#   awk -v table=memory -f lib.awk -f scale_tables.awk memory_summary.csv
#   awk -v table=slopes -f lib.awk -f scale_tables.awk memory_slopes.csv
#   awk -v table=crossover -f lib.awk -f scale_tables.awk memory_crossover.csv
#   awk -v table=vcpus -f lib.awk -f scale_tables.awk vcpus_summary.csv
#   awk -v table=stall -f lib.awk -f scale_tables.awk stall.csv
#
# The rows of a table are group_order[1..ngroups] (lib.awk's group()).

function v(name) {
	return $col[name]
}

# memory: one row per size and dirty count, the three methods side by side
table == "memory" {
	key = v("mem_gib") SUBSEP v("pages")
	group(key)
	us[key, v("series")] = v("collect_us")
	ns[key, v("series")] = v("collect_ns_per_page")
}

table == "slopes" {
	if (!header++) {
		print "| method | dirty pages per collection | cost at 0 GiB, us | per GiB, us | per GiB and dirty page, ns | r² |"
		print "|---|---|---|---|---|---|"
	}
	printf "| %s | %s | %.1f | %.2f | %.3f | %.2f |\n", v("series"), v("pages"), v("us_at_0_gib"),
	       v("us_per_gib"), v("ns_per_dirty_page_per_gib"), v("r2")
}

table == "crossover" {
	key = v("mem_gib")
	group(key)
	if (v("fraction") == "none")
		cell[key, v("bitmap_series")] = v("below") " cheaper at every count"
	else
		cell[key, v("bitmap_series")] = sprintf("%s (between %.0f and %.0f)", v("pages"),
						 v("low") * key * 262144, v("high") * key * 262144)
}

table == "vcpus" {
	key = v("vcpus") SUBSEP v("pages")
	group(key)
	cell[key] = sprintf("| %s | %s | %.1f | %.1f | %.2f | %.2f | %.0f | %.0f | %.0f | %.1f |",
			    v("vcpus"), v("pages"), v("harvest_us"), v("reset_us"),
			    v("idle_harvest_us"), v("idle_reset_us"), v("idle_harvest_ns_per_vcpu"),
			    v("idle_reset_ns_per_vcpu"), v("reset_ns_per_entry"),
			    v("harvest_ns_per_entry"))
}

table == "stall" {
	key = v("rate_mib_s")
	group(key)
	s = v("series")
	runs[key, s]++
	rate[key, s] += v("dirty_mib_s")
	share[key, s] += v("stall_share")
	exits[key, s] += v("full_exits")
	stall_ms[key, s] += v("stall_ms")
}

# The three stall cells of ring series s at rate k, averaged over its runs.
function stall_cells(k, s,    n) {
	n = runs[k, s]
	if (!n)
		return "- | - | -"
	return sprintf("%.0f | %.0f | %.2f%%", rate[k, s] / n, exits[k, s] / n, share[k, s] / n)
}

function cell_or_dash(key, s) {
	return (key, s) in cell ? cell[key, s] : "-"
}

# A row key as a number to sort by: the unpaced stall rate (0) goes last.
function order_of(k) {
	return table == "stall" && k + 0 == 0 ? 1e18 : k + 0
}

# The rows (group_order[]) in numeric order of their first key, then of
# their second.
function sort_rows(    i, j, t, a, b) {
	for (i = 2; i <= ngroups; i++)
		for (j = i; j > 1; j--) {
			split(group_order[j - 1], a, SUBSEP)
			split(group_order[j], b, SUBSEP)
			if (order_of(a[1]) < order_of(b[1]) ||
			    (order_of(a[1]) == order_of(b[1]) && a[2] + 0 <= b[2] + 0))
				break
			t = group_order[j]; group_order[j] = group_order[j - 1]; group_order[j - 1] = t
		}
}

END {
	sort_rows()
	if (table == "memory") {
		print "| memory, GiB | dirty pages per collection | ring, us | get_log, us | clear_log, us | ring, ns/page | get_log, ns/page | clear_log, ns/page |"
		print "|---|---|---|---|---|---|---|---|"
		for (i = 1; i <= ngroups; i++) {
			k = group_order[i]
			split(k, p, SUBSEP)
			printf "| %s | %s | %.1f | %.1f | %.1f | %.0f | %.0f | %.0f |\n", p[1], p[2],
			       us[k, "ring"], us[k, "get_log"], us[k, "clear_log"],
			       ns[k, "ring"], ns[k, "get_log"], ns[k, "clear_log"]
		}
	} else if (table == "vcpus") {
		print "| vCPUs | entries per collection | harvest, us | reset, us | harvest, rings empty, us | reset, nothing to reset, us | empty harvest per vCPU, ns | empty reset per vCPU, ns | reset per entry, ns | harvest per entry, ns |"
		print "|---|---|---|---|---|---|---|---|---|---|"
		for (i = 1; i <= ngroups; i++)
			print cell[group_order[i]]
	} else if (table == "crossover") {
		print "| memory, GiB | ring = get_log at, dirty pages | ring = clear_log at, dirty pages |"
		print "|---|---|---|"
		for (i = 1; i <= ngroups; i++) {
			k = group_order[i]
			printf "| %s | %s | %s |\n", k, cell_or_dash(k, "get_log"),
			       cell_or_dash(k, "clear_log")
		}
	} else if (table == "stall") {
		print "| dirty rate set, MiB/s | ring 4096: achieved, MiB/s | full exits | stopped full | ring 65536: achieved, MiB/s | full exits | stopped full |"
		print "|---|---|---|---|---|---|---|"
		for (i = 1; i <= ngroups; i++) {
			k = group_order[i]
			a = "ring 4096"; b = "ring 65536"
			printf "| %s | %s | %s |\n", k == 0 ? "unpaced" : k, stall_cells(k, a),
			       stall_cells(k, b)
		}
	}
}
