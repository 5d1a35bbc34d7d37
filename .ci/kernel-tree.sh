#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# .ci/kernel-tree.sh: our KVM suite inside a real kernel tree, built and run
# by the kernel's own kselftest framework (its Makefile, lib.mk, kselftest.h,
# runner), as a target of its own beside upstream's kvm.
#
# Takes Debian's linux-source-6.12 (.ci/packages.sh installs it), extracts only what
# the selftests need (tools/, include/, arch/x86/, scripts/, usr/, the top
# Makefile and the Kconfig files), copies tools/testing/selftests/kvm in as
# tools/testing/selftests/$KSFT_TARGET, then from the kernel's top level,
# out of tree (O=), as a kernel CI bot does:
#   make defconfig                                 (kselftest-* want a .config)
#   make kselftest-install TARGETS=$KSFT_TARGET    (make headers, build, install)
# and runs one test through the installed run_kselftest.sh; the KTAP goes
# through ktap_check.sh.  Any warning in the build fails (and the suite
# builds with -Werror).
#
# Environment: KERNEL_TREE_DIR (default: a temporary directory, removed at
# the end; an existing extracted tree there is reused), KSFT_TARGET
# (default kvm_dirty_ring), KERNEL_TREE_TEST (default dirty_ring_abi_test).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
target=${KSFT_TARGET:-kvm_dirty_ring}
test=${KERNEL_TREE_TEST:-dirty_ring_abi_test}
src=/usr/src/linux-source-6.12.tar.xz
top=linux-source-6.12
start=$(date +%s)

step() { echo "kernel-tree: $* ($(( $(date +%s) - start )) s)"; }

"$repo/.ci/packages.sh"

if [ -n "${KERNEL_TREE_DIR:-}" ]; then
	work=$KERNEL_TREE_DIR
	mkdir -p "$work"
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/kernel-tree.XXXXXX")
	trap 'rm -rf "$work"' EXIT
fi
tree=$work/$top
out=$work/out

if [ ! -f "$tree/Makefile" ]; then
	step "extracting the parts of $src that selftests need"
	tar -xJf "$src" -C "$work" --wildcards \
		"$top/Makefile" "$top/*Kconfig*" \
		"$top/tools" "$top/include" "$top/arch/x86" "$top/scripts" "$top/usr"
fi

# Only what git has or would add (no build products of this checkout).
rm -rf "$tree/tools/testing/selftests/$target"
mkdir -p "$tree/tools/testing/selftests/$target"
(cd "$repo/tools/testing/selftests/kvm" &&
	git ls-files -z -co --exclude-standard . |
	tar --null -T - -cf -) | tar -xf - -C "$tree/tools/testing/selftests/$target"

step "make O=$out defconfig"
rm -rf "$out"
make -s -C "$tree" O="$out" defconfig > "$work/config.log" 2>&1 ||
	{ cat "$work/config.log"; exit 1; }

step "make O=$out TARGETS=$target kselftest-install"
make -C "$tree" O="$out" TARGETS="$target" -j"$(nproc)" kselftest-install \
	> "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
if grep -n 'warning:' "$work/build.log"; then
	echo "kernel-tree: warnings in the build"
	exit 1
fi

inst=$out/kselftest/kselftest_install
grep -q "^$target:$test\$" "$inst/kselftest-list.txt" || {
	echo "kernel-tree: $target:$test not in $inst/kselftest-list.txt"
	exit 1
}

step "run_kselftest.sh -t $target:$test"
{ "$repo/tools/testing/selftests/kvm/host_info.sh"
  cd "$inst" && ./run_kselftest.sh -t "$target:$test"; } 2>&1 | tee "$work/run.log"
"$repo/tools/testing/selftests/kvm/ktap_check.sh" \
	"$repo/tools/testing/selftests/kvm/known-issues.txt" "$work/run.log"
grep -q "^ok 1 selftests: $target: $test\$" "$work/run.log" || {
	echo "kernel-tree: $test did not pass through the kernel's runner"
	exit 1
}
step "passed"
