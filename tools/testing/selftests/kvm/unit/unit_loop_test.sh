#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# unit_loop_test.sh: "make unit" itself (unit/unit.mk), on stand-in
# programs: it stops at the first program that fails and names the ones it
# did not run, "make -k unit" runs them all, UNIT_RUN_FIRST runs first, and
# a program still running after UNIT_TIMEOUT_S is killed and fails, so that
# "make unit" ends.  Run by "make unit" (UNIT_SRC is set), or by hand.

kvm=$(cd "${UNIT_SRC:-$(dirname "$0")}/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/unit_loop_test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
checks=0
failed=0

printf '#!/bin/sh\nexit 0\n' > "$tmp/pass"
printf '#!/bin/sh\nexit 0\n' > "$tmp/later"
printf '#!/bin/sh\nexit 3\n' > "$tmp/fail"
printf '#!/bin/sh\nexec sleep 60\n' > "$tmp/sleeper"
chmod +x "$tmp"/*

# unit ARGS...: "make unit" on the stand-ins only (nothing to build), with
# none of the caller's make flags; sets $out and $rc.
unit() {
	out=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -s -C "$kvm" UNIT_PROGS= UNIT_RUN_FIRST= "$@" unit 2>&1)
	# shellcheck disable=SC2034 # read by the conditions check evaluates
	rc=$?
}

check() {	# check NAME CONDITION...
	local name=$1

	shift
	checks=$((checks + 1))
	if "$@"; then
		echo "ok $checks $name"
	else
		echo "not ok $checks $name"
		echo "$out" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
}

has() {
	grep -qF -- "$1" <<< "$out"
}

echo "TAP version 13"
echo "1..6"

unit UNIT_RUN="$tmp/pass $tmp/later"
check all_pass eval '[ $rc -eq 0 ] && has "unit: 2 passed, 0 failed"'

unit UNIT_RUN="$tmp/pass $tmp/fail $tmp/later"
check stops_at_first_failure eval '[ $rc -ne 0 ] && has "FAIL: unit: fail (exit 3)" &&
	has "unit: 1 passed, 1 failed: fail; not run after the failure (make -k unit runs them): later"'

unit -k UNIT_RUN="$tmp/pass $tmp/fail $tmp/later"
check keep_going_runs_all eval '[ $rc -ne 0 ] && has "PASS: unit: later" &&
	has "unit: 2 passed, 1 failed: fail" && ! has "not run"'

unit UNIT_RUN="$tmp/fail" UNIT_RUN_FIRST="$tmp/later"
check first_runs_first eval '[ $rc -ne 0 ] && [ "$(head -1 <<< "$out")" = "PASS: unit: later" ]'

start=$(date +%s)
unit UNIT_TIMEOUT_S=1 UNIT_RUN="$tmp/sleeper $tmp/later"
# shellcheck disable=SC2034 # read by the condition below
took=$(( $(date +%s) - start ))
check hung_program_killed eval '[ $rc -ne 0 ] &&
	has "FAIL: unit: sleeper (killed: still running after 1 s)" && [ $took -lt 30 ]'

unit UNIT_RUN="$tmp/missing"
check missing_program_fails eval '[ $rc -ne 0 ] && has "FAIL: unit: missing"'

echo "# Totals: pass:$((checks - failed)) fail:$failed"
[ $failed -eq 0 ]
