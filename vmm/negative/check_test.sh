#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check_test.sh: the verdicts of check.sh (make vmm-check-negative) on
# canned runs, so that each of its rules is seen to fail: check.sh runs in
# a scratch tree where build.sh and vmm/vmm-check.sh are stubs that print
# a given report and kernel log.  KTAP on stdout; exit 0 when every case
# gets the verdict it must.

set -u

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tree=$tmp/tree
mkdir -p "$tree/vmm/negative"
cp "$here/check.sh" "$tree/vmm/negative/check.sh"
cat > "$tree/vmm/negative/build.sh" <<'EOF'
#!/bin/sh
mkdir -p "$1"
EOF
# The stub vmm-check: the report and kernel log of $STUB_CASE, and its
# exit status; it prints where they are as vmm-check does.
cat > "$tree/vmm/vmm-check.sh" <<'EOF'
#!/bin/sh
run=$STUB_DIR/run
mkdir -p "$run"
cp "$STUB_DIR/$STUB_CASE.ktap" "$run/report.ktap"
cp "$STUB_DIR/$STUB_CASE.console" "$run/console.log"
echo "vmm-check: outer VM: 1 s; report $run/report.ktap; kernel log $run/console.log"
exit "$(cat "$STUB_DIR/$STUB_CASE.rc")"
EOF
chmod +x "$tree/vmm/negative/"*.sh "$tree/vmm/vmm-check.sh"

fired='[   64.8] kvm: dirty_ring_drop_one_in=1000: dropping one dirty ring push in 1000 (negative control)'
drop()
{
	echo "[   64.9] kvm: dirty ring push dropped: drop $1 push ${1}000 vcpu 0 as_id 0 slot 5 gfn 0x${2#0x} gpa ${2}000"
}
named()
{
	echo "# # ramdiff: page $1 gpa ${2}000: src pass 50 cpu 0, dst pass 49 cpu 0 (1 behind), 8 bytes differ"
}

# The cases of a ring mode that showed the loss, and of one that skipped.
shown='# ok 2 lost_pages_named
# ok 4 destination_sees_stale'
skipped='# ok 2 lost_pages_named # SKIP the fault never fired
# ok 4 destination_sees_stale # SKIP the fault never fired'

# stub NAME RC KTAP-LINES CONSOLE-LINES
stub()
{
	echo "$2" > "$tmp/$1.rc"
	printf '%s\n' "$3" > "$tmp/$1.ktap"
	printf '%s\n' "$4" > "$tmp/$1.console"
}

stub green 0 "$(named 3 0x12eb; named 4 0x16c2; echo "$shown")" "$(echo "$fired"; drop 1 0x12eb; drop 2 0x99)"
stub vmm_failed 1 "$(named 3 0x12eb; echo "$shown")" "$(echo "$fired"; drop 1 0x12eb)"
stub skipped 0 "$(named 3 0x12eb; echo "$skipped")" "$(echo "$fired"; drop 1 0x12eb)"
stub never_fired 0 "$(named 3 0x12eb; echo "$shown")" ""
stub other_pages 0 "$(named 3 0x12eb; echo "$shown")" "$(echo "$fired"; drop 1 0x99)"
stub not_listed 0 "$(named 3 0x12eb; echo "$shown"; echo '# # ramdiff: 40 of 24576 pages differ (8 not listed) (40 in the working set)')" \
	"$(echo "$fired"; drop 1 0x99)"
stub outside_ws 0 "$(echo '# # ramdiff: gpa 0x99000 (outside the working set): 8 bytes differ'; echo "$shown")" \
	"$(echo "$fired"; drop 1 0x99)"

n=0
failed=0
# expect NAME EXIT TEXT: check.sh on NAME exits EXIT and prints TEXT.
expect()
{
	local out rc=0
	n=$((n + 1))
	out=$(STUB_DIR=$tmp STUB_CASE=$1 "$tree/vmm/negative/check.sh" -k 6.12.1+deb12 -t "ring4096 bitmap" \
		-O "$tmp/out-$1" 2>&1) || rc=$?
	if [ "$rc" -eq "$2" ] && grep -qF -- "$3" <<< "$out"; then
		echo "ok $n $1"
	else
		echo "# $1: exit $rc (want $2), output:"
		while IFS= read -r line; do
			echo "#   $line"
		done <<< "$out"
		echo "not ok $n $1"
		failed=1
	fi
}

echo "TAP version 13"
echo "1..9"
expect green 0 "dropped by the kernel and named by ramdiff: 1: 0x12eb000"
expect vmm_failed 1 "FAILED: vmm-check -N failed"
expect skipped 1 "FAILED: not every ring mode passed lost_pages_named"
expect never_fired 1 "FAILED: the kernel never logged a drop"
expect other_pages 1 "FAILED: no page the kernel dropped is among the pages ramdiff named"
expect not_listed 1 "did not list them all: try a larger -N"
expect outside_ws 0 "named by ramdiff: 1: 0x99000"
n=$((n + 1))
if "$tree/vmm/negative/check.sh" -N 0 > /dev/null 2>&1; [ $? -eq 2 ]; then
	echo "ok $n bad_drop_one_in_is_usage"
else
	echo "not ok $n bad_drop_one_in_is_usage"
	failed=1
fi
n=$((n + 1))
if "$tree/vmm/negative/check.sh" -t ring4096 > /dev/null 2>&1; [ $? -eq 2 ]; then
	echo "ok $n no_bitmap_mode_is_usage"
else
	echo "not ok $n no_bitmap_mode_is_usage"
	failed=1
fi
exit "$failed"
