# SPDX-License-Identifier: GPL-2.0-only
#
# A cost model of each collection method from scale_summary.awk's rows,
# fitted by least squares of the relative error (each point weighted by
# 1/cost^2: the costs span three orders of magnitude, and the crossings lie
# among the small ones) over every memory size and dirty count measured:
#
#   collect_us = fixed + per_gib * G + (per_page + per_page_gib * G) * P / 1000
#
# with G the guest memory in GiB and P the dirty pages per collection: a
# fixed part, a part that grows with memory (the bitmap's scan), and a cost
# per dirty page that may grow with memory too (the pages are spread over
# more page tables and cache lines).  Then, for each bitmap method, the
# dirty pages per collection at which the ring costs the same, at each
# memory size measured and at EXTRA GiB (default 24: the original
# comparison's guest).  Output, CSV:
#   model,series,fixed_us,per_gib_us,per_page_ns,per_page_gib_ns,points,r2
#   crossing,bitmap_series,mem_gib,pages
# ("never" when one of them is cheaper at every count in the model).
#
#   awk -f lib.awk -f scale_model.awk memory_summary.csv

BEGIN {
	if (extra == "")
		extra = 24
	K = 4		# parameters
}

{
	s = $col["series"]
	group(s)
	g = $col["mem_gib"] + 0
	p = $col["pages"] / 1000
	y = $col["collect_us"] + 0
	x[1] = 1; x[2] = g; x[3] = p; x[4] = g * p
	w = y > 0 ? 1 / (y * y) : 0
	for (i = 1; i <= K; i++) {
		for (j = 1; j <= K; j++)
			A[s, i, j] += w * x[i] * x[j]
		B[s, i] += w * x[i] * y
	}
	Sw[s] += w; Sy[s] += w * y; Syy[s] += w * y * y
	if (!(g in mem_seen)) {
		mem_seen[g] = 1
		mems[++nmems] = g
	}
}

# Solve the normal equations of series s by Gaussian elimination with
# partial pivoting into c[s, 1..K]; 0 if singular.
function fit(s,    M, i, j, k, piv, t, f, sse, sst) {
	if (group_rows[s] <= K)
		return 0
	for (i = 1; i <= K; i++) {
		for (j = 1; j <= K; j++)
			M[i, j] = A[s, i, j]
		M[i, K + 1] = B[s, i]
	}
	for (i = 1; i <= K; i++) {
		piv = i
		for (k = i + 1; k <= K; k++)
			if ((M[k, i] < 0 ? -M[k, i] : M[k, i]) > (M[piv, i] < 0 ? -M[piv, i] : M[piv, i]))
				piv = k
		if (M[piv, i] == 0)
			return 0
		for (j = 1; j <= K + 1; j++) {
			t = M[i, j]; M[i, j] = M[piv, j]; M[piv, j] = t
		}
		for (k = 1; k <= K; k++) {
			if (k == i)
				continue
			f = M[k, i] / M[i, i]
			for (j = i; j <= K + 1; j++)
				M[k, j] -= f * M[i, j]
		}
	}
	for (i = 1; i <= K; i++)
		c[s, i] = M[i, K + 1] / M[i, i]
	# weighted 1 - SSE/SST from the sums: SSE = yy - c.B at the optimum
	sse = Syy[s]
	for (i = 1; i <= K; i++)
		sse -= c[s, i] * B[s, i]
	sst = Syy[s] - Sy[s] * Sy[s] / Sw[s]
	r2[s] = sst > 0 ? 1 - sse / sst : 1
	fitted[s] = 1
	return 1
}

END {
	print "kind,series,fixed_us,per_gib_us,per_page_ns,per_page_gib_ns,points,r2"
	for (k = 1; k <= ngroups; k++) {
		s = group_order[k]
		if (fit(s))
			printf "model,%s,%.2f,%.3f,%.1f,%.2f,%d,%.3f\n", s, c[s, 1], c[s, 2], c[s, 3],
			       c[s, 4], group_rows[s], r2[s]
	}
	mems[++nmems] = extra
	sort_numbers(mems, nmems)
	if (!("ring" in fitted))
		exit
	for (k = 1; k <= ngroups; k++) {
		b = group_order[k]
		if (b == "ring" || !(b in fitted))
			continue
		for (i = 1; i <= nmems; i++) {
			g = mems[i]
			gap = c[b, 1] + c[b, 2] * g - c["ring", 1] - c["ring", 2] * g
			slope = c["ring", 3] + c["ring", 4] * g - c[b, 3] - c[b, 4] * g
			if (slope * gap <= 0)
				printf "crossing,%s,%s,never\n", b, g
			else
				printf "crossing,%s,%s,%.0f\n", b, g, gap / slope * 1000
		}
	}
}
