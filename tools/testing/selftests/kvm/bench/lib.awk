# SPDX-License-Identifier: GPL-2.0-only
#
# What the bench/ awk programs that read one CSV share, loaded before each
# of them:
#
#   awk -f lib.awk -f summarize.awk collection.csv
#
# Fields and output separated by commas; the header line read into col[]
# (col[NAME] is the column of NAME) and not passed on; rows grouped by a
# key in the order the keys first come (group()); numbers sorted.

BEGIN {
	FS = OFS = ","
}

NR == 1 {
	for (i = 1; i <= NF; i++)
		col[$i] = i
	next
}

# group(key): how many rows of key have come, this one included
# (group_rows[key]); a key that comes for the first time is appended to
# group_order[1..ngroups].
function group(key) {
	if (!(key in group_rows))
		group_order[++ngroups] = key
	return ++group_rows[key]
}

# sort_numbers(a, m): a[1..m] in ascending numeric order (insertion sort:
# the arrays are small).
function sort_numbers(a, m,    i, j, t) {
	for (i = 2; i <= m; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
}
