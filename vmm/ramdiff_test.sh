#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ramdiff_test.sh RAMDIFF: ramdiff on dumps made here: identical dumps,
# pages one and three passes behind inside the working set, a page outside
# it (with them and alone), the list limit, and bad input.  KTAP, exit 1 on
# any failure.
set -u
ramdiff=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0

check()	# check NAME WANT-STATUS WANT-GREP ARGS...
{
	local name=$1 want=$2 pattern=$3 rc=0
	shift 3
	n=$((n + 1))
	"$ramdiff" "$@" > "$tmp/out" 2>&1 || rc=$?
	if [ "$rc" -eq "$want" ] && grep -q -- "$pattern" "$tmp/out"; then
		echo "ok $n $name"
	else
		echo "# exit $rc (want $want), output:"
		sed 's/^/# /' "$tmp/out"
		echo "not ok $n $name"
		fail=1
	fi
}

# page_value FILE PAGE PASS CPU: store (PASS << 8) | CPU in PAGE's first u64.
page_value()
{
	local v=$(( ($3 << 8) | $4 )) i hex=""
	for i in 0 1 2 3 4 5 6 7; do
		hex+=$(printf '\\x%02x' $(( (v >> (8 * i)) & 0xff )))
	done
	printf "$hex" | dd of="$1" bs=4096 seek="$2" conv=notrunc status=none
}

# 64 pages; the working set is pages 16..47 (base 0x10000, 32 pages) at pass 9.
dd if=/dev/zero of="$tmp/src" bs=4096 count=64 status=none
for p in $(seq 16 47); do
	page_value "$tmp/src" "$p" 9 $((p >= 32))
done
cp "$tmp/src" "$tmp/dst"
ws=(-b 0x10000 -n 32)

echo "TAP version 13"
echo "1..10"
check identical 0 "^ramdiff: 0 of 64 pages differ (0 in the working set)$" "${ws[@]}" "$tmp/src" "$tmp/dst"
page_value "$tmp/dst" 20 8 0
page_value "$tmp/dst" 40 6 1
check pages_behind_named 1 "^ramdiff: page 4 gpa 0x14000: src pass 9 cpu 0, dst pass 8 cpu 0 (1 behind), 1 bytes differ$" \
	"${ws[@]}" "$tmp/src" "$tmp/dst"
check second_cpu_page_named 1 "^ramdiff: page 24 gpa 0x28000: src pass 9 cpu 1, dst pass 6 cpu 1 (3 behind)" \
	"${ws[@]}" "$tmp/src" "$tmp/dst"
check summary_by_lag 1 "^ramdiff: 2 of 64 pages differ (2 in the working set, destination behind by 1 pass: 1, 3 passes: 1)$" \
	"${ws[@]}" "$tmp/src" "$tmp/dst"
printf 'x' | dd of="$tmp/dst" bs=1 seek=$((3 * 4096 + 100)) conv=notrunc status=none
check outside_working_set 1 "^ramdiff: gpa 0x3000 (outside the working set): 1 bytes differ$" \
	"${ws[@]}" "$tmp/src" "$tmp/dst"
# The page outside alone (the first after the working set): a difference,
# though the working set is identical.
cp "$tmp/src" "$tmp/dst_out"
printf 'x' | dd of="$tmp/dst_out" bs=1 seek=$((48 * 4096 + 4095)) conv=notrunc status=none
check only_outside_working_set 1 "^ramdiff: 1 of 64 pages differ (0 in the working set)$" \
	"${ws[@]}" "$tmp/src" "$tmp/dst_out"
check list_limit 1 "^ramdiff: 3 of 64 pages differ (2 not listed)" -l 1 "${ws[@]}" "$tmp/src" "$tmp/dst"
# ... and it lists that many pages, no more.
n=$((n + 1))
listed=$(grep -cE '^ramdiff: (page|gpa) ' "$tmp/out")
if [ "$listed" -eq 1 ]; then
	echo "ok $n list_limit_lists_that_many"
else
	echo "# -l 1 listed $listed pages, output:"
	sed 's/^/# /' "$tmp/out"
	echo "not ok $n list_limit_lists_that_many"
	fail=1
fi
head -c 4096 "$tmp/src" > "$tmp/short"
check size_mismatch 2 "differ in size" "$tmp/src" "$tmp/short"
check bad_usage 2 "^Usage:" -b 0x10000 "$tmp/src" "$tmp/dst"
exit "$fail"
