#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Unit test of ktap_check.sh: a known host issue passes only with its host,
# test, case and signature; anything else, a timeout or a short report fails.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
check=$here/ktap_check.sh
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
fails=0 n=0

# A module that is always loaded where this runs: pick any from /sys/module.
module=$(ls /sys/module | head -n 1)

cat > "$tmp/issues.txt" <<KNOWN
id: fake-overflow
host-module: $module
match: full_test cpl0 *
signature: RING OVERFLOW
signature: OVERSHOOT
evidence: unit test

id: other-host
host-module: no_such_module_here
match: full_test cpl3 *
signature: RING OVERFLOW
KNOWN

# log NAME CASE-OUTPUT CASE-LINE TOP-DIRECTIVE: a one-test report
log() {
	cat > "$tmp/$1" <<LOG
TAP version 13
1..2
# selftests: kvm: abi_test
# ok 1 something
ok 1 selftests: kvm: abi_test
# selftests: kvm: full_test
# TAP version 13
# 1..2
$2
$3
# ok 2 cpl3 tight
not ok 2 selftests: kvm: full_test $4
LOG
}

expect() {	# expect RC NAME
	n=$((n + 1))
	"$check" "$tmp/issues.txt" "$tmp/$2" > "$tmp/out" 2>&1
	local rc=$?
	if [ "$rc" -eq "$1" ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2 (rc $rc, wanted $1)"
		sed 's/^/# /' "$tmp/out"
		fails=$((fails + 1))
	fi
}

echo "TAP version 13"
echo "1..9"
log known "# # FAIL RING OVERFLOW: ring 256" "# not ok 1 cpl0 tight" "# exit=1"
expect 0 known
log second_signature "# # FAIL SOFT LIMIT OVERSHOOT: 200 used" "# not ok 1 cpl0 tight" "# exit=1"
expect 0 second_signature
log no_signature "# # FAIL ORDER MISMATCH at 3" "# not ok 1 cpl0 tight" "# exit=1"
expect 1 no_signature
log wrong_case "# # FAIL RING OVERFLOW" "# not ok 1 cpl3 tight" "# exit=1"
expect 1 wrong_case
log timeout "# # FAIL RING OVERFLOW" "# not ok 1 cpl0 tight" "# TIMEOUT 45 seconds"
expect 1 timeout
log unexplained "# # nothing" "# ok 1 cpl0 tight" "# exit=1"
expect 1 unexplained
log passing "# # nothing" "# ok 1 cpl0 tight" ""
sed -i 's/^not ok 2 selftests: kvm: full_test $/ok 2 selftests: kvm: full_test/' "$tmp/passing"
expect 0 passing
head -n 5 "$tmp/passing" > "$tmp/short"
expect 1 short
expect 2 missing_file
[ "$fails" -eq 0 ] && echo "# ktap_check_test: all $n passed"
exit $((fails ? 1 : 0))
