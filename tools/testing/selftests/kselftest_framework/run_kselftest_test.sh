#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unit test of run_kselftest.sh on a hand-made install: listing (-l), test
# and collection selection (-t, -c), summary mode (-s) with its totals and
# logs under TMPDIR, and usage errors.
. "$(dirname "$0")/unit_lib.sh"

inst="$unit_tmp/install"
mkdir -p "$inst/kselftest" "$inst/kvm/x86_64" "$inst/other"
cp "$KSFT_DIR/kselftest/runner.sh" "$inst/kselftest/"
cp "$KSFT_DIR/run_kselftest.sh" "$inst/"

write_test()
{
	printf '#!/bin/sh\n%s\n' "$2" > "$inst/$1"
	chmod +x "$inst/$1"
}

write_test kvm/pass_test 'echo pass output'
write_test kvm/fail_test 'echo fail output; exit 1'
write_test kvm/x86_64/skip_test 'echo no vmx; exit 4'
write_test other/hello 'echo hello'
cat > "$inst/kselftest-list.txt" <<LIST
kvm:pass_test
kvm:fail_test
kvm:x86_64/skip_test
other:hello
LIST

run="$inst/run_kselftest.sh"
out="$unit_tmp/out"
cd /

"$run" -l > "$out" 2>&1
expect_eq "-l" "$(cat "$inst/kselftest-list.txt")" "$(cat "$out")"

"$run" -l -c other > "$out" 2>&1
expect_eq "-l -c other" "other:hello" "$(cat "$out")"

"$run" -t kvm:x86_64/skip_test > "$out" 2>&1
expect_eq "-t exit code" 0 "$?"
expect_line "$out" "1..1"
expect_line "$out" "# no vmx"
expect_eq "-t results" "ok 1 selftests: kvm: x86_64/skip_test # SKIP" "$(results "$out")"

"$run" -t other:hello -t kvm:fail_test > "$out" 2>&1
expect_eq "-t twice: one report per collection" "not ok 1 selftests: kvm: fail_test # exit=1
ok 1 selftests: other: hello" "$(results "$out")"

"$run" -c kvm > "$out" 2>&1
expect_eq "-c results" "ok 1 selftests: kvm: pass_test
not ok 2 selftests: kvm: fail_test # exit=1
ok 3 selftests: kvm: x86_64/skip_test # SKIP" "$(results "$out")"

mkdir "$unit_tmp/tmpdir"
TMPDIR="$unit_tmp/tmpdir" "$run" -s > "$out" 2>&1
expect_eq "-s exit code" 0 "$?"
expect_no_text "$out" "pass output"
expect_no_text "$out" "TAP version"
expect_line "$out" "# Totals: pass:2 fail:1 xfail:0 xpass:0 skip:1 error:0"
expect_text "$out" "# Logs in $unit_tmp/tmpdir/kselftest-logs."
expect_eq "-s results" "ok 1 selftests: kvm: pass_test
not ok 2 selftests: kvm: fail_test # exit=1
ok 3 selftests: kvm: x86_64/skip_test # SKIP
ok 1 selftests: other: hello" "$(results "$out")"
for log in "$unit_tmp"/tmpdir/kselftest-logs.*/kvm/fail_test.log; do
	expect_line "$log" "# fail output"
done

"$run" -h > "$out" 2>&1
expect_eq "-h exit code" 0 "$?"
expect_text "$out" "Usage:"

"$run" -z > "$out" 2>&1
expect_eq "bad option exit code" 1 "$?"
expect_text "$out" "Usage:"

"$run" -t kvm:no_such_test > "$out" 2>&1
expect_eq "unknown test exit code" 1 "$?"

"$run" -c nothing > "$out" 2>&1
expect_eq "unknown collection exit code" 1 "$?"

unit_done
