#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Unit test of ktap_compare.sh: equal verdicts pass whatever the failure
# reasons and comments; a different verdict at any level, a missing result
# or an empty report fail; a SKIP on one side is listed, not compared; so
# is a failure on one side that the gate accepted there as a known host
# issue (-k), and nothing else.
set -u
compare=$(cd "$(dirname "$0")/.." && pwd)/ktap_compare.sh
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
fails=0 n=0

# expect WHAT EXIT_CODE TEXT: the last comparison exited so and printed TEXT.
expect() {
	n=$((n + 1))
	if [ "$rc" = "$2" ] && grep -qF -- "$3" "$tmp/out"; then
		echo "ok: $1"
	else
		echo "FAIL: $1 (exit $rc):"; cat "$tmp/out"; fails=$((fails + 1))
	fi
}
run() { "$compare" "$tmp/$1" "$tmp/$2" > "$tmp/out" 2>&1; rc=$?; }

cat > "$tmp/a" <<'KTAP'
TAP version 13
1..2
# selftests: kvm: one_test
# 1..3
# ok 1 cpl0 first
# not ok 2 cpl0 second
# # FAIL [cpl0 second] RING OVERFLOW at 256
# ok 3 cpl3 third # SKIP no race
not ok 1 selftests: kvm: one_test # exit=1
ok 2 selftests: kvm: two_test
KTAP
sed -e 's/at 256/at 512/' -e 's/# exit=1/# TIMEOUT 120 seconds/' "$tmp/a" > "$tmp/same"
sed -e 's/^# ok 3 cpl3 third # SKIP no race/# ok 3 cpl3 third/' "$tmp/a" > "$tmp/ran"
sed -e 's/^# not ok 2 cpl0 second/# ok 2 cpl0 second/' "$tmp/a" > "$tmp/passed"
sed -e 's/^ok 2 selftests: kvm: two_test/not ok 2 selftests: kvm: two_test/' "$tmp/a" > "$tmp/top"
grep -v "third" "$tmp/a" > "$tmp/missing"
: > "$tmp/empty"

run a same;    expect "same verdicts, other reasons" 0 "5 same, 0 skipped on one side, 0 known host issues on one side, 0 different"
run a ran;     expect "a SKIP on one side is not compared" 0 "skipped in $tmp/a only, not compared: 3 cpl3 third (ok there)"
run a passed;  expect "a case verdict differs" 1 "DIFFERENT verdicts: 2 cpl0 second: not ok in"
run a top;     expect "a test verdict differs" 1 "DIFFERENT verdicts: 2 selftests: kvm: two_test: ok in"
run a missing; expect "a result is missing" 1 "DIFFERENT results"
run a empty;   expect "an empty report" 1 "no result lines in $tmp/empty"
"$compare" "$tmp/a" > "$tmp/out" 2>&1; rc=$?
expect "usage" 2 "usage:"

# -k: what the gate printed for the two reports.
printf '%s\n' "known host issue some-bug: one_test: cpl0 second" \
	"known host issues only: one_test (1 case(s))" > "$tmp/gate"
runk() { "$compare" -k "$tmp/gate" "$tmp/$1" "$tmp/$2" > "$tmp/out" 2>&1; rc=$?; }
sed -e 's/^not ok 1 selftests: kvm: one_test # exit=1/ok 1 selftests: kvm: one_test/' \
	"$tmp/passed" > "$tmp/passed_top"
runk a passed_top
expect "a known host issue on one side is listed" 0 "a known host issue in $tmp/a only, not compared: one_test: 2 cpl0 second"
runk a passed_top
expect "its test's top-level result too" 0 "one_test: 1 selftests: kvm: one_test"
runk passed_top a
expect "either side" 0 "a known host issue in $tmp/a only"
runk a top
expect "a failure the gate did not excuse still differs" 1 "DIFFERENT verdicts: 2 selftests: kvm: two_test"
printf '%s\n' "known host issue some-bug: other_test: cpl0 second" > "$tmp/gate"
runk a passed
expect "an excuse for another test does not count" 1 "DIFFERENT verdicts: 2 cpl0 second"
"$compare" -k "$tmp/nonexistent" "$tmp/a" "$tmp/a" > "$tmp/out" 2>&1; rc=$?
expect "-k without a readable file" 2 "cannot read"

echo "$n checks, $fails failed"
[ $fails -eq 0 ]
