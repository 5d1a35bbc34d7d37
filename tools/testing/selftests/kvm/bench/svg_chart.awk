# SPDX-License-Identifier: GPL-2.0-only
#
# An SVG line chart of collection cost per dirty page (log y) against the
# fraction of memory dirtied per iteration (log x), one line per series,
# with the crossings of crossover.awk marked.  POSIX awk, no dependencies:
#
#   awk -v title=TEXT -f svg_chart.awk collection_summary.csv crossover.csv
#
# Other charts name their columns and axes (the crossings file is optional):
#   -v x=COLUMN -v y=COLUMN -v series=COLUMN   (default fraction,
#                                   collect_ns_per_page, series)
#   -v xlabel=TEXT -v ylabel=TEXT
#   -v ylog=0                       linear y from 0 (default log); a log axis
#                                   leaves out points that are not above 0

BEGIN {
	FS = ","
	W = 1060; H = 600
	L = 90; R = 400; T = 60; B = 70	# margins; the legend sits on the right
	PW = W - L - R; PH = H - T - B
	ncolors = split("#d62728 #ff7f0e #1f77b4 #2ca02c #9467bd #8c564b", color, " ")
	label["ring-4096"] = "ring, 4096 entries"
	label["ring-auto"] = "ring, sized not to fill (up to 65536)"
	label["ring"] = "dirty ring, sized not to fill"
	label["get_log"] = "KVM_GET_DIRTY_LOG"
	label["clear_log"] = "KVM_GET_DIRTY_LOG + KVM_CLEAR_DIRTY_LOG"
	if (x == "") x = "fraction"
	if (y == "") y = "collect_ns_per_page"
	if (series == "") series = "series"
	if (xlabel == "") xlabel = "fraction of memory dirtied per iteration"
	if (ylabel == "") ylabel = "collection cost per dirty page, ns"
	if (ylog == "") ylog = 1
}

FNR == 1 {
	file++
	for (i = 1; i <= NF; i++)
		col[file, $i] = i
	next
}

file == 1 && (!ylog || $col[1, y] + 0 > 0) && $col[1, x] + 0 > 0 {
	s = $col[1, series]
	if (!(s in npts))
		names[++nseries] = s
	n = ++npts[s]
	px[s, n] = $col[1, x] + 0
	py[s, n] = $col[1, y] + 0
	track(px[s, n], py[s, n])
}

file == 2 && $col[2, "fraction"] != "none" {
	ncross++
	cx[ncross] = $col[2, "fraction"] + 0
	cy[ncross] = $col[2, "ns_per_page"]
	clo[ncross] = $col[2, "low"] + 0
	chi[ncross] = $col[2, "high"] + 0
	cname[ncross] = $col[2, "ring_series"] " = " $col[2, "bitmap_series"]
}

function track(x, y) {
	if (!seen || x < xmin) xmin = x
	if (!seen || x > xmax) xmax = x
	if (!seen || y < ymin) ymin = y
	if (!seen || y > ymax) ymax = y
	seen = 1
}

function lg(v) {
	return log(v) / log(10)
}

function floor10(v) {
	return exp(log(10) * int(lg(v) - (lg(v) < 0 && lg(v) != int(lg(v)))))
}

function sx(x) {
	return L + PW * (lg(x) - lx0) / (lx1 - lx0)
}

function sy(v) {
	if (!ylog)
		return T + PH * (1 - v / ytop)
	return T + PH * (1 - (lg(v) - ly0) / (ly1 - ly0))
}

# A linear axis from 0: the top and the step of its grid (1, 2 or 5 times a power of ten).
function linear_step(top,    d) {
	d = floor10(top / 5)
	if (top / d > 25) return d * 5
	if (top / d > 10) return d * 2
	return d
}

function esc(t) {
	gsub(/&/, "\\&amp;", t)
	gsub(/</, "\\&lt;", t)
	gsub(/>/, "\\&gt;", t)
	return t
}

# Grid lines and labels at 1, 2 and 5 times the powers of ten in [lo, hi].
function ticks(lo, hi, is_x,    d, m, v, p, i) {
	split("1 2 5", m, " ")
	for (d = floor10(lo); d <= hi * 1.0001; d *= 10) {
		for (i = 1; i <= 3; i++) {
			v = d * m[i]
			if (v < lo * 0.9999 || v > hi * 1.0001)
				continue
			if (is_x) {
				p = sx(v)
				printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"grid\"/>\n", p, T, p, T + PH
				# 1 and 5 only: the 2s would run into their neighbours
				if (i != 2)
					printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n", p, T + PH + 18, v
			} else {
				p = sy(v)
				printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"grid\"/>\n", L, p, L + PW, p
				printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", L - 6, p + 4, v
			}
		}
	}
}

# The points of series s in order of fraction (insertion sort of indices).
function sort_series(s,    i, j, t) {
	for (i = 1; i <= npts[s]; i++)
		idx[i] = i
	for (i = 2; i <= npts[s]; i++)
		for (j = i; j > 1 && px[s, idx[j - 1]] > px[s, idx[j]]; j--) {
			t = idx[j]; idx[j] = idx[j - 1]; idx[j - 1] = t
		}
}

END {
	if (!seen) {
		print "svg_chart.awk: no data" > "/dev/stderr"
		exit 1
	}
	lx0 = lg(floor10(xmin)); lx1 = lg(xmax) + 0.02
	ly0 = lg(floor10(ymin)); ly1 = lg(ymax) + 0.1
	if (!ylog) {
		if (ymax <= 0)
			ymax = 1
		ystep = linear_step(ymax * 1.1)
		ytop = ystep * (int(ymax * 1.1 / ystep) + 1)
	}
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H, W, H
	print "<style>.grid{stroke:#ddd;stroke-width:1}.axis{stroke:#333;stroke-width:1.5}.cross{stroke:#555;stroke-dasharray:4 3}</style>"
	printf "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H
	printf "<text x=\"%d\" y=\"28\" font-size=\"15\" font-weight=\"bold\">%s</text>\n", L, esc(title)
	ticks(exp(log(10) * lx0), xmax, 1)
	if (ylog) {
		ticks(exp(log(10) * ly0), exp(log(10) * ly1), 0)
	} else {
		for (v = 0; v <= ytop * 1.0001; v += ystep) {
			printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"grid\"/>\n", L, sy(v), L + PW, sy(v)
			printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", L - 6, sy(v) + 4, v
		}
	}
	printf "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" class=\"axis\"/>\n", L, T, PW, PH
	printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s (log)</text>\n", L + PW / 2, H - 22, esc(xlabel)
	printf "<text transform=\"translate(24 %d) rotate(-90)\" text-anchor=\"middle\">%s%s</text>\n", T + PH / 2, esc(ylabel), (ylog ? " (log)" : "")

	for (k = 1; k <= nseries; k++) {
		s = names[k]
		c = color[(k - 1) % ncolors + 1]
		sort_series(s)
		printf "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", c
		for (i = 1; i <= npts[s]; i++)
			printf "%s%.1f,%.1f", (i > 1 ? " " : ""), sx(px[s, idx[i]]), sy(py[s, idx[i]])
		print "\"/>"
		for (i = 1; i <= npts[s]; i++)
			printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>%s: %g, %g</title></circle>\n", sx(px[s, idx[i]]), sy(py[s, idx[i]]), c, esc(s), px[s, idx[i]], py[s, idx[i]]
		ly = T + 10 + 22 * (k - 1)
		printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>\n", L + PW + 16, ly, L + PW + 40, ly, c
		printf "<text x=\"%d\" y=\"%d\">%s</text>\n", L + PW + 46, ly + 4, esc(s in label ? label[s] : s)
	}

	# Each crossing: the band between the last point one side wins outright
	# and the first the other does (shaded), and the estimate (dashed).
	for (i = 1; i <= ncross; i++) {
		printf "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#888\" fill-opacity=\"0.08\"/>\n", sx(clo[i]), T, sx(chi[i]) - sx(clo[i]), PH
		printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"cross\"/>\n", sx(cx[i]), T, sx(cx[i]), T + PH
		printf "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%d</text>\n", sx(cx[i]) + 3, T + 12 + 12 * (i - 1), i
		if (cy[i] != "")
			printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.5\"/>\n", sx(cx[i]), sy(cy[i] + 0)
		ly = T + 30 + 22 * (nseries + 2 * i - 2)
		printf "<text x=\"%d\" y=\"%d\">%d: %s at %.3g</text>\n", L + PW + 16, ly, i, esc(cname[i]), cx[i]
		printf "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#555\">(between %g and %g)</text>\n", L + PW + 30, ly + 15, clo[i], chi[i]
	}
	print "</svg>"
}
