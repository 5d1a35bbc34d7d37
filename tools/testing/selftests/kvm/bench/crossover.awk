# SPDX-License-Identifier: GPL-2.0-only
#
# Where the ring and the bitmap cross, for each ring series against each
# bitmap series, from the summary CSV of summarize.awk.  At each fraction
# measured for both, one of them is cheaper per dirty page.  Going up in
# fraction, the winner at the smallest fraction keeps winning up to a
# fraction `low`; the winner at the largest fraction wins from a fraction
# `high` on.  When they are neighbours the crossing is interpolated between
# them (linearly in log(fraction)); when noise makes the winner alternate in
# between, [low, high] is the band of the crossing and the estimate is its
# geometric middle.  Output, CSV:
#   ring_series,bitmap_series,fraction,low,high,ns_per_page,below,above
# with fraction "none" when one of them is cheaper at every fraction.
#
#   awk -f lib.awk -f crossover.awk collection_summary.csv

BEGIN {
	print "ring_series,bitmap_series,fraction,low,high,ns_per_page,below,above"
}

{
	s = $col["series"]
	n = group(s)
	fx[s, n] = $col["fraction"] + 0
	cost[s, n] = $col["collect_ns_per_page"] + 0
}

# Points measured for both series, in order of fraction: f[], d[] (ring
# minus bitmap), rc[] (ring cost); returns how many.
function common_points(r, b,    i, j, k, n, t) {
	n = 0
	for (i = 1; i <= group_rows[r]; i++)
		for (j = 1; j <= group_rows[b]; j++)
			if (fx[b, j] == fx[r, i]) {
				n++
				f[n] = fx[r, i]; d[n] = cost[r, i] - cost[b, j]; rc[n] = cost[r, i]
			}
	for (i = 2; i <= n; i++)
		for (k = i; k > 1 && f[k - 1] > f[k]; k--) {
			t = f[k]; f[k] = f[k - 1]; f[k - 1] = t
			t = d[k]; d[k] = d[k - 1]; d[k - 1] = t
			t = rc[k]; rc[k] = rc[k - 1]; rc[k - 1] = t
		}
	return n
}

function winner(v, r, b) {
	return v < 0 ? r : b
}

function cross(r, b,    n, lo, hi, t, x, y) {
	n = common_points(r, b)
	if (!n)
		return
	for (lo = 1; lo < n && (d[lo + 1] < 0) == (d[1] < 0); lo++)
		;
	for (hi = n; hi > 1 && (d[hi - 1] < 0) == (d[n] < 0); hi--)
		;
	if ((d[1] < 0) == (d[n] < 0) && lo == n) {
		print r, b, "none", "", "", "", winner(d[1], r, b), winner(d[1], r, b)
		return
	}
	if ((d[1] < 0) == (d[n] < 0)) {
		# the same one wins at both ends: report the band where it does not
		print r, b, "none", f[lo + 1], f[hi - 1], "", winner(d[1], r, b), winner(d[n], r, b)
		return
	}
	if (hi == lo + 1) {
		t = d[lo] / (d[lo] - d[hi])
		x = exp(log(f[lo]) + (log(f[hi]) - log(f[lo])) * t)
		y = rc[lo] + (rc[hi] - rc[lo]) * t
	} else {
		x = exp((log(f[lo]) + log(f[hi])) / 2)
		y = ""
	}
	print r, b, sprintf("%.3g", x), f[lo], f[hi], y == "" ? "" : sprintf("%.1f", y),
	      winner(d[1], r, b), winner(d[n], r, b)
}

END {
	for (i = 1; i <= ngroups; i++) {
		if (group_order[i] !~ /^ring/)
			continue
		for (j = 1; j <= ngroups; j++)
			if (group_order[j] !~ /^ring/)
				cross(group_order[i], group_order[j])
	}
}
