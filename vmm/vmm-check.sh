#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vmm-check.sh: the VMM conformance check.  QEMU (Debian's
# qemu-system-x86_64, with -accel kvm,dirty-ring-size=N or the bitmap)
# live-migrates our dirty guest (vmm/guest) inside a kvm_amd outer VM, and
# vmm/migrate.sh judges each mode: migration completed, source and
# destination RAM identical page by page (vmm/ramdiff), the destination
# runs on with no stale page, the kernel's dirty ring tracepoints show the
# ring used (or, for the bitmap, unused), QEMU printed no error.  The
# report is KTAP, one test per mode, judged by kvm/ktap_check.sh as the
# suite's are.  `make vmm-check` runs this; -h lists the options.
#
# The outer VM is booted as vm/vm-check.sh boots its guests (vm/lib.sh:
# Debian kernel, kvm_amd and its modules, -M replacement modules, -p
# module parameters, vm/init.sh as /init); its initramfs also holds QEMU,
# the shared libraries it links, SeaBIOS and the option ROMs it loads,
# the guest, ramdiff and migrate.sh.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
kvmdir=$top/tools/testing/selftests/kvm
prog=vmm-check
# shellcheck source=vm/lib.sh
. "$top/vm/lib.sh"

kernel=6.12
modules_dir=""
kvm_modules=""
module_params=""
npt=1
modes="ring4096 ring65536 bitmap ring4096-smp2"
negative=""
guest=""
guest_mib=64
guest_rate=0
migrate_args=""
stall=300
deadline=1200
out=$top/vmm-check-out
cpus=2
mem=""

usage()
{
	cat <<EOF
Usage: $0 [OPTIONS]
Live-migrate the dirty guest with QEMU inside a kvm_amd VM (QEMU TCG), once
per mode, and judge the KTAP report with ktap_check.sh.

  -k KERNEL    the outer VM's kernel: a Debian series or version, a bzImage
               or an unpacked kernel package, as vm-check's -k; default $kernel
EOF
	usage_modules
	cat <<EOF
  -t MODES     the modes, in order; default "$modes":
                 ringN      -accel kvm,dirty-ring-size=N (N entries)
                 bitmap     -accel kvm (KVM_GET_DIRTY_LOG)
                 MODE-smp2  two guest vCPUs (cpus=2)
  -N           negative control (with a kvm.ko that loses dirty pages):
               every ring mode must lose pages, named by ramdiff
               (lost_pages_named) and seen stale by the destination's guest
               (destination_sees_stale) instead of ram_identical and
               destination_runs_on; the bitmap modes must pass as usual
  -G ELF       the guest (default: vmm/guest/dirty_guest.elf, built with
               make -C vmm/guest)
  -g MIB       the guest's working set in MiB; default $guest_mib
  -R RATE      the guest's pages per second per CPU, 0: unpaced; default $guest_rate
  -a ARGS      more arguments of vmm/migrate.sh (its -h: pacing of the
               -smp2 modes, downtime limit, timeouts)
  -s SECONDS   kill QEMU when the report prints nothing for this long;
               default $stall
  -d SECONDS   kill QEMU after this long; default $deadline
  -O DIR       output: kernels, initramfs, logs; default $out
  -c CPUS      outer VM vCPUs; default $cpus
  -r MEM       outer VM memory; default 1G, or 3 x (MIB + 32) + 512 MiB
               when that is more: two guests of MIB + 32 MiB, two RAM dumps
               of that size, QEMU and the initramfs
  -h           this help
Exit status: 0 when the report is complete and every case passed; 1
otherwise; 2 for bad usage.
EOF
}

die_usage()
{
	echo "$0: $1" >&2
	usage >&2
	exit 2
}

while getopts k:m:M:p:n:t:NG:g:R:a:s:d:O:c:r:h opt; do
	case "$opt" in
	k) kernel=$OPTARG ;;
	m) modules_dir=$OPTARG ;;
	M) kvm_modules=$OPTARG ;;
	p) module_params+=${module_params:+ }$OPTARG ;;
	n) npt=$OPTARG ;;
	t) modes=$OPTARG ;;
	N) negative=1 ;;
	G) guest=$OPTARG ;;
	g) guest_mib=$OPTARG ;;
	R) guest_rate=$OPTARG ;;
	a) migrate_args+=${migrate_args:+ }$OPTARG ;;
	s) stall=$OPTARG ;;
	d) deadline=$OPTARG ;;
	O) out=$OPTARG ;;
	c) cpus=$OPTARG ;;
	r) mem=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || die_usage "unexpected argument '$1'"
for m in $modes; do
	[[ "$m" =~ ^(ring[1-9][0-9]*|bitmap)(-smp2)?$ ]] ||
		die_usage "bad mode '$m': ringN or bitmap, optionally -smp2"
done
[ -n "$modes" ] || die_usage "-t: no mode"
is_number "$guest_mib" || die_usage "bad -g '$guest_mib': MiB"
[[ "$guest_rate" =~ ^[0-9]+$ ]] || die_usage "bad -R '$guest_rate': pages per second"
[ -z "$guest" ] || [ -r "$guest" ] || die_usage "-G $guest: no such file"
[ -n "$mem" ] || mem=$(( 3 * (guest_mib + 32) + 512 > 1024 ? 3 * (guest_mib + 32) + 512 : 1024 ))M
check_outer_options
check_kernel_spec "$kernel"

require_tools qemu-system-x86_64 cpio modinfo make ldd
mkdir -p "$out"
out=$(cd "$out" && pwd)

# ---- what goes into the outer VM ----

build_tools()
{
	local log=$out/vmm-build.log
	: > "$log"
	if [ -z "$guest" ]; then
		echo "vmm-check: building the guest (make -C vmm/guest; log: $log)"
		make -C "$here/guest" >> "$log" 2>&1 || { tail -n 20 "$log" >&2; die "building the guest failed"; }
		guest=$here/guest/dirty_guest.elf
		[ -r "$guest" ] || die "make -C vmm/guest made no $guest"
	fi
	echo "vmm-check: building ramdiff static (log: $log)"
	mkdir -p "$out/vmm-build"
	make -C "$here" OUTPUT="$out/vmm-build" LDFLAGS=-static >> "$log" 2>&1 ||
		{ tail -n 20 "$log" >&2; die "building ramdiff failed"; }
}

# copy_file FILE: FILE into the initramfs at the same path, symlinks
# resolved.
copy_file()
{
	local dst=$initrd_root$1
	mkdir -p "$(dirname "$dst")"
	cp -L "$1" "$dst"
}

# pack_qemu: qemu-system-x86_64, its shared libraries and loader, and the
# firmware it loads for -kernel with a multiboot ELF (SeaBIOS, the
# multiboot option ROM; kvmvapic.bin is loaded even with vapic=false).
pack_qemu()
{
	local qemu lib f data
	qemu=$(command -v qemu-system-x86_64)
	copy_file "$qemu"
	while read -r lib; do
		copy_file "$lib"
	done < <(ldd "$qemu" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p')
	data=$(dirname "$qemu")/../share
	for f in seabios/bios-256k.bin qemu/kvmvapic.bin qemu/multiboot_dma.bin qemu/linuxboot_dma.bin; do
		[ -r "$data/$f" ] || die "no $data/$f (Debian: qemu-system-x86, seabios)"
		mkdir -p "$initrd_root/usr/share/${f%/*}"
		cp -L "$data/$f" "$initrd_root/usr/share/$f"
	done
	echo "vmm-check: QEMU $(qemu-system-x86_64 --version | head -n 1 | cut -d' ' -f4) with" \
		"$(ldd "$qemu" | grep -c '=>') libraries"
}

pack_initramfs()
{
	initrd_root=$run/root
	rm -rf "$initrd_root" && mkdir -p "$initrd_root"/{bin,kvm,vmm}
	cp "$busybox_bin" "$initrd_root/bin/busybox"
	ln -s busybox "$initrd_root/bin/sh"
	install -m 755 "$top/vm/init.sh" "$initrd_root/init"
	install -m 755 "$kvmdir/host_info.sh" "$initrd_root/kvm/host_info.sh"
	install -m 755 "$here/migrate.sh" "$initrd_root/vmm/migrate.sh"
	install -m 755 "$out/vmm-build/ramdiff" "$initrd_root/vmm/ramdiff"
	install -m 644 "$guest" "$initrd_root/vmm/dirty_guest.elf"
	pack_qemu
	pack_modules
	{
		echo "VM_LABEL=$(conf_quote "vmm-check: $modes${negative:+ (negative control)}")"
		conf_modules
		echo "VM_MAIN=$(conf_quote "/vmm/migrate.sh -m $guest_mib -r $guest_rate${migrate_args:+ $migrate_args}${negative:+ -N} $modes")"
	} > "$initrd_root/vm-check.conf"
	(cd "$initrd_root" && find . | cpio -o -H newc --quiet) > "$run/initramfs.cpio"
	echo "vmm-check: initramfs $run/initramfs.cpio: $(( $(stat -c %s "$run/initramfs.cpio") >> 20 )) MiB"
}

# ---- the boot ----

# results_table: the "# vmm-result:" lines as a table, and results.tsv.
results_table()
{
	local line key val
	local -a cols=(mode cpus status total_ms downtime_ms transferred_kb dirty_syncs
		pushes resets full_exits dropped passes_per_s_before passes_per_s_during)
	(IFS=$'\t'; echo "kernel	npt	${cols[*]}") > "$out/vmm-results.tsv"
	while read -r line; do
		declare -A r=()
		for kv in ${line#\# vmm-result: }; do
			key=${kv%%=*} val=${kv#*=}
			r[$key]=$val
		done
		local row="$kname	$npt"
		for key in "${cols[@]}"; do
			row+="	${r[$key]:-?}"
		done
		echo "$row" >> "$out/vmm-results.tsv"
		unset r
	done < <(grep '^# vmm-result: ' "$ktap")
	echo "vmm-check: results ($out/vmm-results.tsv):"
	awk -F'\t' '{ for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
		END { for (r = 1; r <= NR; r++) { s = "vmm-check:  "
			for (i = 1; i <= NF; i++) s = s sprintf(" %-*s", w[i], c[r, i]); print s } }' "$out/vmm-results.tsv"
}

[ -z "$guest" ] || guest=$(cd "$(dirname "$guest")" && pwd)/$(basename "$guest")
build_tools
resolve_kernel "$kernel"
run=$out/runs/vmm-$kname-npt$npt${negative:+-negative}
mkdir -p "$run"
echo "vmm-check: kernel $kname ($bzimage), kvm_amd npt=$npt, modes: $modes${negative:+ (negative control)}"
pack_initramfs

serial=$run/report.serial console=$run/console.log ktap=$run/report.ktap
: > "$ktap"
ended="" why=""
run_outer "$run/initramfs.cpio" "$serial" "$console" "$run/qemu.log" report_line

ok=1
if [ -n "$why" ]; then
	ok=""
	echo "vmm-check: QEMU killed: $why; the report's last lines:"
	tail -n 15 "$ktap" | sed 's/^/vmm-check:   /'
elif [ -z "$ended" ]; then
	ok=""
	echo "vmm-check: the outer VM stopped before the end of its run (QEMU: $(tail -n 2 "$run/qemu.log" | tr '\n' ' '))"
fi
if grep -q '^vm-check: FAILED' "$serial"; then
	ok=""
fi
if [ -z "$ok" ]; then
	echo "vmm-check: last kernel console lines ($console):"
	tail -n 25 "$console" | tr -d '\r' | sed 's/^/vmm-check:   /'
fi
echo "vmm-check: outer VM: $boot_secs s; report $ktap; kernel log $console"
"$kvmdir/ktap_check.sh" "$kvmdir/known-issues.txt" "$ktap" || ok=""
results_table
[ -n "$ok" ] || { echo "vmm-check: FAILED"; exit 1; }
echo "vmm-check: green"
