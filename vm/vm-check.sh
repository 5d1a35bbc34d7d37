#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vm-check.sh: run the KVM selftests on kvm_amd in a QEMU guest (TCG, an
# SVM CPU model) on a Debian kernel or on a kernel you built, print the
# KTAP report as it arrives and judge it with ktap_check.sh as `make check`
# does.  `make vm-check` runs this; -h lists the options.
#
# Per kernel: the suite is built static (its own O= directory), packed with
# busybox, the vendor module and its dependencies into an initramfs, and
# booted with -accel tcg,thread=single (thread=multi hangs kvm_amd guests).
# Tests named by -f get boots of their own (one per guest level unless
# their arguments pick one), so that a once-per-boot kernel WARN seen by an
# earlier case cannot blind their harm checks.  Every boot is one KTAP
# report, judged on its own.  QEMU is killed when the report stalls and at
# a deadline; the report then names the test that was running.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
selftests=$top/tools/testing/selftests
kvmdir=$selftests/kvm
prog=vm-check
# shellcheck source=vm/lib.sh
. "$here/lib.sh"

runner_defaults
runner_own_opts=f:x:
out=$top/vm-check-out
# What vm/arm64.sh changes for VM_ARCH=arm64.
default_kernels="6.1 6.12 newest"
outer_desc()
{
	echo "kvm_amd npt=$npt"
}
case "${VM_ARCH:-${ARCH:-x86_64}}" in
x86|x86_64) ;;
arm64|aarch64)
	# shellcheck source=vm/arm64.sh
	. "$here/arm64.sh" ;;
*) echo "$0: VM_ARCH '${VM_ARCH:-$ARCH}': x86_64 or arm64" >&2; exit 2 ;;
esac

usage()
{
	cat <<EOF
Usage: $0 [OPTIONS]
Run the KVM selftests on kvm_amd inside QEMU (TCG) and judge the KTAP
report with ktap_check.sh and known-issues.txt.

  -k KERNEL    the guest kernel (repeatable, or a space-separated list);
               default "6.1 6.12 newest":
                 6.1, 6.12, 7.3    the newest Debian kernel of that series in
                                   any suite (bookworm, its updates, security
                                   and backports, trixie, trixie-backports, sid)
                 7                 the newest of that major
                 newest            the newest Debian kernel of all
                 6.1.0-57, 6.12.117+deb12, 7.3.4+deb13
                                   that Debian kernel
               Debian kernels are fetched with a private apt configuration
               (\$DEBIAN_APT_DIR, default OUT/apt: its own sources list, lists
               and cache; the machine's apt is not touched), downloaded and
               unpacked (linux-image-V-amd64-unsigned, or from 7.x
               linux-binary-unsigned-V-amd64 and linux-modules-V-amd64)
                 PATH              a bzImage (e.g. arch/x86/boot/bzImage), or a
                                   directory: an unpacked kernel package (its
                                   boot/vmlinuz-* and lib/modules/*, or
                                   usr/lib/modules/REL/vmlinuz and its modules)
                                   or a modules directory holding vmlinuz
EOF
	usage_modules
	usage_runner QEMU "the report" "build, kernels, initramfs, logs"
	cat <<EOF
  -x NAME=DIR  also pack the executables of DIR (static programs: e.g.
               upstream's KVM selftests, bugs/repro) as the kselftest
               collection NAME, each a test NAME:PROGRAM for -t (the
               default runs them too); repeatable
  -h           this help
Extra test arguments: KSELFTEST_<TEST>_ARGS in the environment, as for the
runner (e.g. KSELFTEST_DIRTY_RING_FULL_TEST_ARGS="-g cpl3").
VM_ARCH=arm64 (or ARCH=arm64, as make vm-check ARCH=arm64 passes it): the
suite cross-built for arm64 on Debian's arm64 kernels (default "6.12 7")
under qemu-system-aarch64, guest levels el1 and el0; KVM_ARM_MODE=vhe|nvhe|
protected sets kvm-arm.mode (vm/arm64.sh).
Exit status: 0 when every report is complete and has no failure beyond the
known host issues; 1 otherwise; 2 for bad usage.
EOF
}

while getopts "$runner_optstring$runner_own_opts" opt; do
	case "$opt" in
	x) extras+=("$OPTARG") ;;
	*) runner_option "$opt" "${OPTARG-}" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || die_usage "unexpected argument '$1'"
check_runner_options

require_tools qemu-system-x86_64 cpio modinfo make strip

mkdir -p "$out"
out=$(cd "$out" && pwd)

# ---- the initramfs ----

# pack_extras: the -x programs as collections of the installed suite.
pack_extras()
{
	local x name dir f
	for x in "${extras[@]}"; do
		name=${x%%=*} dir=${x#*=}
		mkdir -p "$initrd_root/kselftest/$name"
		while IFS= read -r f; do
			install -m 755 "$f" "$initrd_root/kselftest/$name/"
			"$strip_tool" --strip-debug "$initrd_root/kselftest/$name/${f##*/}" 2>/dev/null || true
			echo "$name:${f##*/}" >> "$initrd_root/kselftest/kselftest-list.txt"
		done < <(extra_programs "$dir")
	done
}

# pack_base: busybox, /init, the suite with the -x programs and the
# modules, as base.cpio.
pack_base()
{
	initrd_root=$kdir/root
	pack_guest_base "$here/init.sh"
	pack_suite
	pack_extras
	pack_modules
	(cd "$initrd_root" && find . | cpio -o -H newc --quiet) > "$kdir/base.cpio"
}

# pack_boot NAME ARGS...: base.cpio plus this boot's /vm-check.conf.
pack_boot()
{
	local name=$1 conf_root=$kdir/conf-$1 var
	shift
	rm -rf "$conf_root" && mkdir -p "$conf_root"
	{
		echo "VM_LABEL=$(conf_quote "$boot_label")"
		conf_modules
		echo "VM_RUN_ARGS=$(conf_quote "$*")"
		for var in "${!boot_args[@]}"; do
			echo "export $var=$(conf_quote "${boot_args[$var]}")"
		done
	} > "$conf_root/vm-check.conf"
	(cd "$conf_root" && echo vm-check.conf | cpio -o -H newc --quiet) |
		cat "$kdir/base.cpio" - > "$kdir/$name.cpio"
}

# ---- one boot ----

# boot_line LINE: one line of the report port, during boot(): the
# report, and the time each test took.
boot_line()
{
	report_line "$1"
	if [[ "$1" =~ ^#\ selftests:\ [^:]+:\ (.+)$ ]]; then
		cur=${BASH_REMATCH[1]} t_start=$now
	elif [[ "$1" =~ ^(not\ )?ok\ [0-9]+\ selftests:\ [^:]+:\ ([^ ]+) ]] &&
	     [ "${BASH_REMATCH[2]}" = "$cur" ]; then
		printf '%s\t%d.%d\n' "$cur" $(((now - t_start) / 1000)) \
			$(((now - t_start) % 1000 / 100)) >> "$times"
		cur=""
	fi
}

# boot NAME RUNNER-ARGS...: boot once, stream the report; sets boot_ok.
boot()
{
	local name=$1 serial=$kdir/$1.serial console=$kdir/$1.console
	local ktap=$kdir/$1.ktap times=$kdir/$1.times
	local now why="" ended="" t_start=0 cur=""
	shift
	pack_boot "$name" "$@"
	: > "$ktap"; : > "$times"
	echo "vm-check: $kname, $(outer_desc), $boot_label"
	run_outer "$kdir/$name.cpio" "$serial" "$console" "$kdir/$name.qemu" boot_line
	boot_outcome QEMU "QEMU: $(tail -n 2 "$kdir/$name.qemu" | tr '\n' ' ')" "$serial"
	if [ -z "$boot_ok" ]; then
		echo "vm-check: last kernel console lines ($console):"
		tail -n 25 "$console" | tr -d '\r' | sed 's/^/vm-check:   /'
	fi
	echo "vm-check: boot $name: $boot_secs s; report $ktap; kernel log $console"
	judge_boot "$name" "$boot_secs"
	record_results "$name"
}

# record_results NAME: one results.tsv line per test of the boot:
# kernel, npt, boot, test, verdict, seconds.
record_results()
{
	local name=$1 t tre verdict secs
	while IFS=$'\t' read -r t secs; do
		tre=${t//\//\\/}	# arch tests are DIR/NAME
		verdict=$(sed -n "s/^\(not \)\{0,1\}ok [0-9]* selftests: [^:]*: $tre\(.*\)$/\1ok\2/p" \
			"$kdir/$name.ktap" | head -n 1)
		if grep -q "^known host issues only: $t " "$kdir/$name.verdict"; then
			verdict="known issue ($(sed -n "s/^known host issue \([^:]*\): $tre: .*/\1/p" \
				"$kdir/$name.verdict" | sort -u | tr '\n' ' ' | sed 's/ $//'))"
		fi
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$kname" "$npt" "$name" "$t" "$verdict" "$secs" \
			>> "$out/results.tsv"
	done < "$kdir/$name.times"
}

# ---- the runs ----

build_suite
select_tests

all_ok=1
summary=()
: > "$out/results.tsv"
for k in "${kernels[@]}"; do
	resolve_kernel "$k"
	kdir=$out/runs/$kname-npt$npt
	mkdir -p "$kdir"
	echo "vm-check: kernel $kname ($bzimage)"
	pack_base
	boot_tests
done

echo "vm-check: per-test results: $out/results.tsv"
runner_end
