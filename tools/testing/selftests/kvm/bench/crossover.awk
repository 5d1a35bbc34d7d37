# SPDX-License-Identifier: GPL-2.0-only
#
# Where the ring and the bitmap cross: for each ring series and each bitmap
# series, the fractions (in order) at which their collection cost per dirty
# page changes sign, interpolated linearly in log(fraction).  Input: the
# summary CSV of summarize.awk.  Output, CSV:
#   ring_series,bitmap_series,fraction,ns_per_page,below
# where below says which is cheaper at fractions below the crossing; a pair
# that never crosses gets one row with fraction "none" and which is cheaper.

BEGIN {
	FS = OFS = ","
	print "ring_series,bitmap_series,fraction,ns_per_page,below"
}

NR == 1 {
	for (i = 1; i <= NF; i++)
		col[$i] = i
	next
}

{
	s = $col["series"]
	if (!(s in npts))
		series[++nseries] = s
	n = ++npts[s]
	fx[s, n] = $col["fraction"] + 0
	cost[s, n] = $col["collect_ns_per_page"] + 0
}

# The cost of series s at fraction f, or -1 if it was not measured there.
function cost_at(s, f,    i) {
	for (i = 1; i <= npts[s]; i++)
		if (fx[s, i] == f)
			return cost[s, i]
	return -1
}

function name_cheaper(d, r, b) {
	return d < 0 ? r : b
}

function cross(r, b,    i, f, c, n, pf, pd, pc, d, t, x, found) {
	n = 0
	for (i = 1; i <= npts[r]; i++) {
		c = cost_at(b, fx[r, i])
		if (c < 0)
			continue
		f = fx[r, i]
		d = cost[r, i] - c
		if (n && pd * d < 0) {
			t = pd / (pd - d)
			x = exp(log(pf) + (log(f) - log(pf)) * t)
			print r, b, sprintf("%.4g", x), sprintf("%.1f", pc + (cost[r, i] - pc) * t),
			      name_cheaper(pd, r, b)
			found = 1
		}
		n++
		pf = f
		pd = d
		pc = cost[r, i]
	}
	if (n && !found)
		print r, b, "none", "", name_cheaper(pd, r, b)
}

END {
	for (i = 1; i <= nseries; i++) {
		if (series[i] !~ /^ring/)
			continue
		for (j = 1; j <= nseries; j++)
			if (series[j] !~ /^ring/)
				cross(series[i], series[j])
	}
}
