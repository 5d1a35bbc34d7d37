#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vm_lib_test.sh: vm-check's verdict on a guest's report (judge_report() of
# vm/lib.sh) without QEMU: a green report passes; a report whose gate says
# NEW FAILURE fails, the gate's status reaching the caller through the
# printing; a report with no kvm-host line fails, even where this machine's
# known issues would excuse it.  KTAP, exit 1 on any failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
prog=vm_lib_test
# shellcheck source=vm/lib.sh
. "$here/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 fails=0

# report NAME HOST-LINE CASE-LINE: a one-test report of full_test
report() {
	{
		[ -z "$2" ] || echo "$2"
		printf '%s\n' "TAP version 13" "1..1" "# selftests: kvm: full_test" \
			"# TAP version 13" "# 1..1" "# # FAIL MADE-UP BUG 21" "$3"
		if [[ "$3" == "# not ok"* ]]; then
			echo "not ok 1 selftests: kvm: full_test # exit=1"
		else
			echo "ok 1 selftests: kvm: full_test"
		fi
	} > "$tmp/$1"
}

expect() {	# expect RC NAME TEXT: judge_report's status and a line it printed
	local rc
	n=$((n + 1))
	judge_report "$tmp/known.txt" "$tmp/$2" "$tmp/$2.verdict" > "$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -eq "$1" ] && grep -qF -- "$3" "$tmp/out" && cmp -s "$tmp/out" "$tmp/$2.verdict"; then
		echo "ok $n $2"
	else
		echo "not ok $n $2 (status $rc, wanted $1, printing \"$3\" and saving it)"
		sed 's/^/# /' "$tmp/out"
		fails=$((fails + 1))
	fi
}

# A known issue of this very machine: it must not excuse a guest's report.
local_line=$("$top/tools/testing/selftests/kvm/host_info.sh")
module=$(sed -n 's/.* module=\([^ ,]*\).*/\1/p' <<< "$local_line")
version=$(sed -n 's/.* kernel=\([0-9.]*[0-9]\).*/\1/p' <<< "$local_line")
printf '%s\n' "id: made-up-21" "host-module: ${module:-none}" "kernel: ${version:-0}" \
	"match: full_test cpl0 *" "signature: MADE-UP BUG 21" > "$tmp/known.txt"
AMD="# kvm-host: kernel=6.12.117+deb12-amd64 module=kvm_amd npt=1"

echo "TAP version 13"
echo "1..4"
report green "$AMD" "# ok 1 cpl0 tight"
expect 0 green "ktap_check: no failures beyond known host issues"
report new_failure "$AMD" "# not ok 1 cpl0 tight"
expect 1 new_failure "NEW FAILURE: full_test: cpl0 tight"
report no_host_line "" "# not ok 1 cpl0 tight"
expect 1 no_host_line "has no kvm-host line"
report no_host_line_green "" "# ok 1 cpl0 tight"
expect 1 no_host_line_green "has no kvm-host line"
exit $((fails ? 1 : 0))
