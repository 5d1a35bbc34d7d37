#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# kselftest-lava_test.sh: the LAVA test cases kselftest-lava.sh reports for
# a canned KTAP report (pass, fail, skip, a timeout, case names with
# spaces and other characters, a test's own line, comment lines that look
# like results), compared line by line with the expected lava-test-case
# calls.  No KVM, no LAVA: a stand-in lava-test-case prints its arguments.
# In make check (make lava-unit).

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
printf '#!/bin/sh\necho "$*"\n' > "$tmp/bin/lava-test-case"
chmod +x "$tmp/bin/lava-test-case"

cat > "$tmp/report.ktap" <<'KTAP'
# kvm-host: kernel=6.12.118+deb12-amd64 module=kvm_amd npt=1
TAP version 13
1..3
# selftests: kvm: dirty_ring_abi_test
# TAP version 13
# 1..3
# # ok 9 is a comment, not a result
# ok 1 cap_reports_power_of_two_max
# ok 2 cpl0 harvest_known_pages acq_rel
# not ok 3 mmap_shared_only_not_exec # exec mapping accepted
# # Totals: pass:2 fail:1 xfail:0 xpass:0 skip:0 error:0
not ok 1 selftests: kvm: dirty_ring_abi_test # exit=1
# selftests: kvm: dirty_ring_forged_test
# TAP version 13
# 1..2
# ok 1 cpl3 slot_id_0xffff # SKIP harm check blind: kernel already tainted
# ok 2 cpl3 reset/beyond+push
ok 2 selftests: kvm: dirty_ring_forged_test
# selftests: kvm: dirty_ring_full_test
# TAP version 13
# 1..1
not ok 3 selftests: kvm: dirty_ring_full_test # TIMEOUT 480 seconds
KTAP

cat > "$tmp/expected" <<'EXPECTED'
dirty_ring_abi_test_cap_reports_power_of_two_max --result pass
dirty_ring_abi_test_cpl0_harvest_known_pages_acq_rel --result pass
dirty_ring_abi_test_mmap_shared_only_not_exec --result fail
dirty_ring_abi_test --result fail
dirty_ring_forged_test_cpl3_slot_id_0xffff --result skip
dirty_ring_forged_test_cpl3_reset_beyond_push --result pass
dirty_ring_forged_test --result pass
dirty_ring_full_test --result fail
EXPECTED

PATH=$tmp/bin:$PATH sh "$here/kselftest-lava.sh" --report "$tmp/report.ktap" > "$tmp/got"
if ! diff -u "$tmp/expected" "$tmp/got"; then
	echo "kselftest-lava_test: FAILED: the LAVA test cases differ from the expected ones (above)"
	exit 1
fi
echo "kselftest-lava_test: ok: $(wc -l < "$tmp/got") LAVA test cases as expected"
