#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ktap_compare.sh KTAP_LOG_A KTAP_LOG_B
#
# Compares the verdicts of two KTAP reports of the same suite, such as
# `make run_tests` of a gcc build and of a clang build: every result line
# at every nesting level, as (level, number, name, verdict), the verdict
# being ok, not ok, SKIP or XFAIL.  Why a failure failed (exit=, TIMEOUT,
# a message) and every other line are left out.  Prints the differing
# verdicts and exits 1 if there are any, or if either report has no result;
# exit 2 on bad usage.
set -u

[ $# -eq 2 ] && [ -r "$1" ] && [ -r "$2" ] || {
	echo "usage: $0 KTAP_LOG_A KTAP_LOG_B" >&2
	exit 2
}

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
if [ -z "$a" ] || [ -z "$b" ]; then
	echo "ktap_compare: no result lines in ${a:+$2}${a:-$1}"
	exit 1
fi
if ! diff=$(diff <(printf '%s\n' "$a") <(printf '%s\n' "$b")); then
	echo "ktap_compare: verdicts differ (< $1, > $2):"
	printf '%s\n' "$diff" | grep '^[<>]'
	exit 1
fi
echo "ktap_compare: same verdicts ($(printf '%s\n' "$a" | wc -l) results)"
