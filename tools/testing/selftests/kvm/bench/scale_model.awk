# SPDX-License-Identifier: GPL-2.0-only
#
# A cost model of each collection method from scale_summary.awk's rows,
# fitted by least squares over every memory size and dirty count measured:
#
#   collect_us = fixed + per_gib * mem_gib + per_page * pages / 1000
#
# then, for each bitmap method, the dirty pages per collection at which the
# ring costs the same, at each memory size measured and at EXTRA (GiB,
# default 24: the original comparison's guest).  Output, CSV:
#   model,series,fixed_us,per_gib_us,per_page_ns,points,r2
#   crossing,bitmap_series,mem_gib,pages
# ("never" when the ring costs more per page and less in fixed cost, or
# the other way round, so that one of them is cheaper at every count).
#
#   awk -f scale_model.awk memory_summary.csv

BEGIN {
	FS = OFS = ","
	if (extra == "")
		extra = 24
}

NR == 1 {
	for (i = 1; i <= NF; i++)
		col[$i] = i
	next
}

{
	s = $col["series"]
	if (!(s in n))
		names[++nnames] = s
	x1 = $col["mem_gib"] + 0
	x2 = $col["pages"] / 1000
	y = $col["collect_us"] + 0
	n[s]++
	S1[s] += x1; S2[s] += x2; Sy[s] += y
	S11[s] += x1 * x1; S12[s] += x1 * x2; S22[s] += x2 * x2
	S1y[s] += x1 * y; S2y[s] += x2 * y; Syy[s] += y * y
	if (!(x1 in mem_seen)) {
		mem_seen[x1] = 1
		mems[++nmems] = x1
	}
}

function det3(a, b, c, d, e, f, g, h, i) {
	return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
}

# Solve the normal equations of series s by Cramer's rule: fx[s], fg[s], fp[s].
function fit(s,    m, d, sse, sst) {
	m = n[s]
	d = det3(m, S1[s], S2[s], S1[s], S11[s], S12[s], S2[s], S12[s], S22[s])
	if (m < 3 || d == 0)
		return 0
	fx[s] = det3(Sy[s], S1[s], S2[s], S1y[s], S11[s], S12[s], S2y[s], S12[s], S22[s]) / d
	fg[s] = det3(m, Sy[s], S2[s], S1[s], S1y[s], S12[s], S2[s], S2y[s], S22[s]) / d
	fp[s] = det3(m, S1[s], Sy[s], S1[s], S11[s], S1y[s], S2[s], S12[s], S2y[s]) / d
	# residual sum of squares from the sums, as 1 - SSE/SST
	sse = Syy[s] - fx[s] * Sy[s] - fg[s] * S1y[s] - fp[s] * S2y[s]
	sst = Syy[s] - Sy[s] * Sy[s] / m
	r2[s] = sst > 0 ? 1 - sse / sst : 1
	return 1
}

END {
	print "kind,series,fixed_us,per_gib_us,per_page_ns,points,r2"
	for (k = 1; k <= nnames; k++) {
		s = names[k]
		if (fit(s))
			printf "model,%s,%.2f,%.3f,%.1f,%d,%.3f\n", s, fx[s], fg[s], fp[s], n[s], r2[s]
	}
	mems[++nmems] = extra
	for (i = 2; i <= nmems; i++)
		for (j = i; j > 1 && mems[j - 1] > mems[j]; j--) {
			t = mems[j]; mems[j] = mems[j - 1]; mems[j - 1] = t
		}
	for (k = 1; k <= nnames; k++) {
		b = names[k]
		if (b == "ring" || !(b in fx) || !("ring" in fx))
			continue
		for (i = 1; i <= nmems; i++) {
			g = mems[i]
			gap = fx[b] + fg[b] * g - fx["ring"] - fg["ring"] * g
			slope = fp["ring"] - fp[b]
			if (slope * gap <= 0)
				printf "crossing,%s,%s,never\n", b, g
			else
				printf "crossing,%s,%s,%.0f\n", b, g, gap / slope * 1000
		}
	}
}
