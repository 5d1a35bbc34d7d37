#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ktap_compare.sh [-k GATE_OUTPUT] KTAP_LOG_A KTAP_LOG_B
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
#
# -k GATE_OUTPUT: what ktap_check.sh printed for the two reports.  A case
# that failed in one report with a known host issue the gate accepted there
# ("known host issue ID: TEST: CASE"), and passed in the other, is a host
# bug that does not show in every run (kvm_pvm's CPL0 overshoot depends on
# where an emulation batch ends): it is listed, not compared; so is a
# test's top-level result when the gate accepted its failures as known
# host issues only.  Any other difference still fails.
set -u

known=/dev/null
if [ "${1:-}" = -k ]; then
	known=${2:-}
	shift 2 || true
	[ -r "$known" ] || { echo "$0: -k: cannot read '$known'" >&2; exit 2; }
fi
[ $# -eq 2 ] && [ -r "$1" ] && [ -r "$2" ] || {
	echo "usage: $0 [-k GATE_OUTPUT] KTAP_LOG_A KTAP_LOG_B" >&2
	exit 2
}

# One "level<TAB>number<TAB>name<TAB>verdict<TAB>test" line per result
# (test: the selftest a case belongs to, or the test itself at level 0).
verdicts() {
	awk '/^# selftests: [^:]+: / { test = $0; sub(/^# selftests: [^:]+: /, "", test) }
	{
		level = 0
		while (substr($0, 1, 2) == "# ") { $0 = substr($0, 3); level++ }
		if ($0 !~ /^(not )?ok [0-9]+( |$)/) next
		verdict = "ok"
		if ($1 == "not") { verdict = "not ok"; $0 = substr($0, 8) } else $0 = substr($0, 4)
		split($0, f, " # ")
		n = f[1]; sub(/ .*/, "", n)
		name = substr(f[1], length(n) + 2)
		if (verdict == "ok" && f[2] ~ /^(SKIP|XFAIL)/) { verdict = f[2]; sub(/ .*/, "", verdict) }
		t = test
		if (level == 0) { t = name; sub(/^selftests: [^:]+: /, "", t); sub(/ .*/, "", t) }
		print level "\t" n "\t" name "\t" verdict "\t" t
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
# Case names never hold a tab; the gate's lines give "TEST: CASE" or TEST.
excused=$(sed -n 's/^known host issue [^:]*: \([^:]*\): \(.*\)$/1\t\1\t\2/p
		  s/^known host issues only: \([^ ]*\) (.*$/0\t\1/p' "$known")
paste <(printf '%s\n' "$a") <(printf '%s\n' "$b") |
awk -F'\t' -v A="$1" -v B="$2" -v EXCUSED="$excused" '
	BEGIN {
		n = split(EXCUSED, lines, "\n")
		for (i = 1; i <= n; i++) {
			split(lines[i], f, "\t")
			if (f[1] == "1") ok_known[f[2] "\t" f[3]] = 1
			else if (f[1] == "0") ok_known["top\t" f[2]] = 1
		}
	}
	function excused(level, test, name) {
		if (level == 0) return ("top\t" test) in ok_known
		return level == 1 && ((test "\t" name) in ok_known)
	}
	NF != 10 || $1 != $6 || $2 != $7 || $3 != $8 {
		printf "ktap_compare: DIFFERENT results: %s has \"%s %s %s\", %s has \"%s %s %s\"\n",
		       A, $2, $3, $4, B, $7, $8, $9
		bad++; next
	}
	$4 == $9 { same++; next }
	$4 == "SKIP" || $9 == "SKIP" {
		printf "ktap_compare: skipped in %s only, not compared: %s %s (%s there)\n",
		       $4 == "SKIP" ? A : B, $2, $3, $4 == "SKIP" ? $9 : $4
		skipped++; next
	}
	(($4 == "not ok" && $9 == "ok") || ($4 == "ok" && $9 == "not ok")) &&
	excused($1, $5, $3) {
		printf "ktap_compare: a known host issue in %s only, not compared: %s: %s %s\n",
		       $4 == "not ok" ? A : B, $5, $2, $3
		hostbug++; next
	}
	{
		printf "ktap_compare: DIFFERENT verdicts: %s %s: %s in %s, %s in %s\n",
		       $2, $3, $4, A, $9, B
		bad++
	}
	END {
		printf "ktap_compare: %d same, %d skipped on one side, %d known host issues on one side, %d different\n",
		       same, skipped, hostbug, bad
		exit bad != 0
	}'
