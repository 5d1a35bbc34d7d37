#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unit test of kselftest/runner.sh on a fake collection: a passing, a
# failing, a skipping, a hanging (settings timeout=1) and an argument-taking
# test, a nested KTAP producer and a test that checks that its output
# reaches the report while it still runs.  Checks the KTAP lines, the "# "
# prefix, KSELFTEST_<NAME>_ARGS, per-test logs (-L) and the watchdog used
# without timeout(1).
. "$(dirname "$0")/unit_lib.sh"

runner="$KSFT_DIR/kselftest/runner.sh"
coll="$unit_tmp/fake"
mkdir -p "$coll/sub"

write_test()
{
	printf '#!/bin/sh\n%s\n' "$2" > "$coll/$1"
	chmod +x "$coll/$1"
}

write_test pass_test 'echo out line; echo err line >&2'
write_test fail_test 'echo failing; exit 3'
write_test skip_test 'echo no kvm; exit 4'
write_test hang_test 'echo before hang; sleep 30; echo never'
write_test args_test.sh 'echo "args: $*"'
write_test sub/nested_test 'printf "TAP version 13\n1..1\nok 1 inner\n"; printf "no newline"'
# Passes only if its first line is in the report before it exits.
write_test stream_test 'echo streamed marker
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	case "$(cat "$REPORT")" in *"# streamed marker"*) exit 0 ;; esac
	sleep 0.1
done
exit 1'
echo "timeout=1" > "$coll/settings"

report="$unit_tmp/report"
REPORT="$report" KSELFTEST_ARGS_TEST_SH_ARGS="-x 1" \
	"$runner" -c fake -d "$coll" -s "$coll/settings" -- pass_test fail_test \
	skip_test hang_test args_test.sh sub/nested_test stream_test > "$report" 2>&1
expect_eq "runner exit code" 0 "$?"

expect_eq "result lines" "ok 1 selftests: fake: pass_test
not ok 2 selftests: fake: fail_test # exit=3
ok 3 selftests: fake: skip_test # SKIP
not ok 4 selftests: fake: hang_test # TIMEOUT 1 seconds
ok 5 selftests: fake: args_test.sh
ok 6 selftests: fake: sub/nested_test
ok 7 selftests: fake: stream_test" "$(results "$report")"
expect_line "$report" "TAP version 13"
expect_line "$report" "1..7"
expect_line "$report" "# selftests: fake: pass_test"
expect_line "$report" "# out line"
expect_line "$report" "# err line"
expect_line "$report" "# before hang"
expect_no_text "$report" "never"
expect_line "$report" "# args: -x 1"
expect_line "$report" "# TAP version 13"
expect_line "$report" "# ok 1 inner"
expect_line "$report" "# no newline"
expect_line "$report" "# Totals: pass:4 fail:2 xfail:0 xpass:0 skip:1 error:0"

# -L: test output in per-test logs, only results on stdout.
logs="$unit_tmp/logs"
"$runner" -c fake -d "$coll" -L "$logs" pass_test sub/nested_test > "$report" 2>&1
expect_no_text "$report" "out line"
expect_line "$report" "ok 2 selftests: fake: sub/nested_test"
expect_line "$logs/pass_test.log" "# out line"
expect_line "$logs/sub/nested_test.log" "# ok 1 inner"

# Without timeout(1), the shell watchdog (under bash: the process group).
KSFT_TIMEOUT_CMD="" bash "$runner" -c fake -d "$coll" -o 1 hang_test pass_test \
	> "$report" 2>&1
expect_eq "watchdog result lines" "not ok 1 selftests: fake: hang_test # TIMEOUT 1 seconds
ok 2 selftests: fake: pass_test" "$(results "$report")"

"$runner" -x > "$report" 2>&1
expect_eq "bad option exit code" 2 "$?"

unit_done
