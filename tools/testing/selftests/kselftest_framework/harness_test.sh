#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unit test of kselftest_harness.h: runs harness_sample_test and checks its
# KTAP line by line.  Proves that failed EXPECTs and ASSERTs fail their
# case, that a crash and a hang fail one case while the later cases still
# run, that SKIP, expected signals, variants and a failed setup are
# reported right, that check failures print both values, and that the
# command-line filters and the exit code work.
. "$(dirname "$0")/unit_lib.sh"

prog="$UNIT_OUTPUT/harness_sample_test"
out="$unit_tmp/out"

"$prog" > "$out" 2>&1
expect_eq "exit code with failed cases" 1 "$?"

expected="$unit_tmp/expected"
cat > "$expected" <<'KTAP'
ok 1 global.passes
not ok 2 global.expect_fails
not ok 3 global.assert_fails
not ok 4 global.crashes # killed by signal SIGSEGV
not ok 5 global.hangs # TIMEOUT 1 seconds
ok 6 global.skips # SKIP no dirty ring here
ok 7 global.aborts
ok 8 ring.small.uses_variant
ok 9 ring.small.only_small
ok 10 ring.large.uses_variant
not ok 11 ring.large.only_small
not ok 12 broken.never_runs
KTAP
expect_eq "result lines, in order" "$(cat "$expected")" "$(results "$out")"
expect_line "$out" "TAP version 13"
expect_line "$out" "1..12"
expect_line "$out" "# Totals: pass:5 fail:6 xfail:0 xpass:0 skip:1 error:0"
expect_line "$out" "# FAILED: 6 / 12 tests passed."

# Failed checks print file, line, case, both expressions and values.
expect_text "$out" "harness_sample_test.c:50:global.expect_fails:Expected 1 (1) == seen (2)"
expect_text "$out" ":global.assert_fails:Expected -3 (-3) == seen (7)"
expect_text "$out" ":ring.large.only_small:Expected 16 (16) == self->entries (4096)"
expect_text "$out" "global.assert_fails:context of the failed ASSERT"

# EXPECT goes on, ASSERT and SKIP stop, a failed setup skips body and teardown.
expect_text "$out" "reached after EXPECT"
expect_no_text "$out" "reached after ASSERT"
expect_no_text "$out" "reached after SKIP"
expect_no_text "$out" "reached body of a failed setup"
expect_no_text "$out" "reached teardown of a failed setup"
expect_text "$out" "ring.small.only_small:teardown of 16 entries"
expect_text "$out" "ring.large.only_small:teardown of 4096 entries"

# Listing and filters.
"$prog" -l > "$out" 2>&1
expect_eq "-l exit code" 0 "$?"
expect_eq "-l lists every case" 12 "$(wc -l < "$out" | tr -d ' ')"
expect_line "$out" "ring.large.uses_variant"

"$prog" -f ring -v large > "$out" 2>&1
expect_eq "-f ring -v large exit code" 1 "$?"
expect_eq "-f ring -v large results" "ok 1 ring.large.uses_variant
not ok 2 ring.large.only_small" "$(results "$out")"

"$prog" -t passes -t aborts > "$out" 2>&1
expect_eq "-t twice exit code" 0 "$?"
expect_eq "-t twice results" "ok 1 global.passes
ok 2 global.aborts" "$(results "$out")"

"$prog" -r ring.small.only_small > "$out" 2>&1
expect_eq "-r exit code" 0 "$?"
expect_eq "-r results" "ok 1 ring.small.only_small" "$(results "$out")"

"$prog" -t skips > "$out" 2>&1
expect_eq "all cases skipped: exit code" 4 "$?"

"$prog" -t no_such_test > "$out" 2>&1
expect_eq "no case selected: exit code" 4 "$?"
expect_line "$out" "1..0 # SKIP no test case matches the options"

"$prog" -h > "$out" 2>&1
expect_eq "-h exit code" 0 "$?"
expect_text "$out" "Usage:"

"$prog" -x > "$out" 2>&1
expect_eq "unknown option exit code" 1 "$?"
expect_text "$out" "Usage:"

"$prog" extra_argument > "$out" 2>&1
expect_eq "stray argument exit code" 1 "$?"

unit_done
