#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Unit test of the ARCH handling of the kvm Makefile: x86 and x86_64 build
# the suite with the x86-only tests, arm64 and aarch64 the portable tests
# without them (dry runs), any other ARCH builds, runs and installs nothing
# and succeeds, as upstream's per-arch lists do.
set -u
kvm=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
unset MAKEFLAGS MFLAGS MAKELEVEL O KBUILD_OUTPUT OUTPUT ARCH
fails=0 n=0

check() {
	n=$((n + 1))
	if [ "$2" = 0 ]; then echo "ok: $1"; else echo "FAIL: $1"; fails=$((fails + 1)); fi
}

km() { make --no-print-directory -C "$kvm" OUTPUT="$tmp/out" "$@" > "$tmp/log" 2>&1; }

# dry_run ARCH: make -n all for ARCH into $tmp/log, which must succeed.
dry_run() {
	km -n ARCH="$1" all
	check "ARCH=$1: make -n all exit code" $?
}

# builds ARCH WHAT RE: the dry run of ARCH has a line matching RE.
builds() {
	grep -q -- "$3" "$tmp/log"
	check "ARCH=$1 builds $2" $?
}

for arch in x86 x86_64; do
	dry_run $arch
	builds $arch "the suite with the guest flags" "-mno-red-zone.*dirty_ring_abi_test.c"
	builds $arch "the x86-only tests" "x86_64/dirty_ring_emulated_test.c"
done

for arch in arm64 aarch64; do
	dry_run $arch
	builds $arch "the portable tests with the arm64 flags" \
		"-mno-outline-atomics.*dirty_ring_abi_test.c"
	builds $arch "the arm64 library" "lib/aarch64/processor.c"
	! grep -q -- "x86_64/" "$tmp/log"
	check "ARCH=$arch builds nothing of x86" $?
done

km -n all
grep -q "dirty_ring_abi_test.c" "$tmp/log"
check "the host's ARCH by default" $?

for arch in riscv mips; do
	rm -rf "$tmp/out"
	km ARCH=$arch all
	check "ARCH=$arch: make all succeeds" $?
	[ -z "$(find "$tmp/out" -type f 2>/dev/null)" ]
	check "ARCH=$arch: nothing built" $?
	km ARCH=$arch run_tests
	check "ARCH=$arch: run_tests succeeds" $?
	grep -qx "1..0" "$tmp/log"
	check "ARCH=$arch: run_tests runs nothing" $?
	km ARCH=$arch INSTALL_PATH="$tmp/inst" install
	check "ARCH=$arch: install succeeds" $?
	km ARCH=$arch COLLECTION=kvm emit_tests
	[ ! -s "$tmp/log" ]
	check "ARCH=$arch: no test listed" $?
done

echo "$n checks, $fails failed"
[ $fails -eq 0 ]
