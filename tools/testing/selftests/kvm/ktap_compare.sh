#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ktap_compare.sh KTAP_LOG_A KTAP_LOG_B
#
# Compares the verdicts of two KTAP reports of the same suite, such as
# `make run_tests` of a gcc build and of a clang build: every result line
# at every nesting level, as (level, number, name, verdict), the verdict
# being ok, not ok, SKIP or XFAIL.  Why a failure failed (exit=, TIMEOUT,
# a message) and every other line are left out.
#
# A case that SKIPped in one report (its precondition did not happen in that
# run, such as a race) has no verdict there to compare: it matches whatever
# the other report says, and is listed.  Every other difference, and a
# result that one report has and the other lacks, is printed and makes the
# exit status 1, as does a report without results; 2 on bad usage.
set -u

[ $# -eq 2 ] && [ -r "$1" ] && [ -r "$2" ] || {
	echo "usage: $0 KTAP_LOG_A KTAP_LOG_B" >&2
	exit 2
}

# One "level<TAB>number<TAB>name<TAB>verdict" line per result.
verdicts() {
	awk '{
		level = 0
		while (substr($0, 1, 2) == "# ") { $0 = substr($0, 3); level++ }
		if ($0 !~ /^(not )?ok [0-9]+( |$)/) next
		verdict = "ok"
		if ($1 == "not") { verdict = "not ok"; $0 = substr($0, 8) } else $0 = substr($0, 4)
		split($0, f, " # ")
		n = f[1]; sub(/ .*/, "", n)
		name = substr(f[1], length(n) + 2)
		if (verdict == "ok" && f[2] ~ /^(SKIP|XFAIL)/) { verdict = f[2]; sub(/ .*/, "", verdict) }
		print level "\t" n "\t" name "\t" verdict
	}' "$1"
}

a=$(verdicts "$1") b=$(verdicts "$2")
for side in "$1:$a" "$2:$b"; do
	if [ -z "${side#*:}" ]; then
		echo "ktap_compare: no result lines in ${side%%:*}"
		exit 1
	fi
done

# Walk both lists in order; they must name the same results.
paste <(printf '%s\n' "$a") <(printf '%s\n' "$b") | awk -F'\t' -v A="$1" -v B="$2" '
	NF != 8 || $1 != $5 || $2 != $6 || $3 != $7 {
		printf "ktap_compare: DIFFERENT results: %s has \"%s %s %s\", %s has \"%s %s %s\"\n",
		       A, $2, $3, $4, B, $6, $7, $8
		bad++; next
	}
	$4 == $8 { same++; next }
	$4 == "SKIP" || $8 == "SKIP" {
		printf "ktap_compare: skipped in %s only, not compared: %s %s (%s there)\n",
		       $4 == "SKIP" ? A : B, $2, $3, $4 == "SKIP" ? $8 : $4
		skipped++; next
	}
	{
		printf "ktap_compare: DIFFERENT verdicts: %s %s: %s in %s, %s in %s\n",
		       $2, $3, $4, A, $8, B
		bad++
	}
	END {
		printf "ktap_compare: %d same, %d skipped on one side, %d different\n",
		       same, skipped, bad
		exit bad != 0
	}'
