# SPDX-License-Identifier: GPL-2.0-only
#
# The slope of collection cost over guest memory, from scale_summary.awk's
# rows: for each method and dirty count, the least-squares line
# collect_us = at_0 + per_gib * mem_gib over the memory sizes measured.
#
#   awk -f lib.awk -f scale_fit.awk memory_summary.csv

BEGIN {
	print "series,pages,points,us_at_0_gib,us_per_gib,ns_per_dirty_page_per_gib,r2"
}

{
	key = $col["series"] SUBSEP $col["pages"]
	group(key)
	x = $col["mem_gib"] + 0
	y = $col["collect_us"] + 0
	sx[key] += x; sy[key] += y; sxx[key] += x * x; sxy[key] += x * y; syy[key] += y * y
}

END {
	for (k = 1; k <= ngroups; k++) {
		key = group_order[k]
		split(key, p, SUBSEP)
		m = group_rows[key]
		d = m * sxx[key] - sx[key] * sx[key]
		if (m < 2 || d == 0)
			continue
		b = (m * sxy[key] - sx[key] * sy[key]) / d
		a = (sy[key] - b * sx[key]) / m
		vy = m * syy[key] - sy[key] * sy[key]
		r2 = vy > 0 ? (m * sxy[key] - sx[key] * sy[key]) ^ 2 / (d * vy) : 1
		printf "%s,%d,%d,%.2f,%.3f,%.4f,%.3f\n", p[1], p[2], m, a, b, b * 1000 / p[2], r2
	}
}
