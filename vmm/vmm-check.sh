#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vmm-check.sh: the VMM conformance check.  QEMU (Debian's
# qemu-system-x86_64 of a chosen version, -Q, unpacked from Debian's
# archive through vm/debian-apt.sh, never installed; with -accel
# kvm,dirty-ring-size=N or the bitmap)
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
# the guest, ramdiff and migrate.sh.  The outer VM itself runs under the
# machine's qemu-system-x86_64 (TCG), whatever -Q says.
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
modes=""
old_modes="ring4096 ring65536 bitmap ring4096-smp2"
new_modes="dirtylimit autoconverge vcpu-dirty-limit dirtyrate"
qemu_spec=10.0
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
  -t MODES     the modes, in order; default "$old_modes $new_modes":
                 ringN      -accel kvm,dirty-ring-size=N (N entries)
                 bitmap     -accel kvm (KVM_GET_DIRTY_LOG)
                 MODE-smp2  two guest vCPUs (cpus=2)
                 $new_modes
                            QEMU's features built on the ring: its throttles
                            and its dirty rate (vmm/migrate.sh -h; not in 7.2's
                            default modes)
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

while getopts k:m:M:p:n:Q:t:NG:g:R:a:s:d:O:c:r:h opt; do
	case "$opt" in
	k) kernel=$OPTARG ;;
	m) modules_dir=$OPTARG ;;
	M) kvm_modules=$OPTARG ;;
	p) module_params+=${module_params:+ }$OPTARG ;;
	n) npt=$OPTARG ;;
	Q) qemu_spec=$OPTARG ;;
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
[[ "$qemu_spec" =~ ^(7\.2|10\.0|11\.1|system)$ ]] ||
	die_usage "bad -Q '$qemu_spec': 7.2, 10.0, 11.1 or system"
if [ -z "$modes" ]; then
	modes="$old_modes $new_modes"
	[ "$qemu_spec" != 7.2 ] || modes=$old_modes
fi
for m in $modes; do
	[[ "$m" =~ ^(ring[1-9][0-9]*|bitmap)(-smp2)?$ ]] || [[ " $new_modes " == *" $m "* ]] ||
		die_usage "bad mode '$m': ringN or bitmap, optionally -smp2, or one of: $new_modes"
done
[ -n "${modes// }" ] || die_usage "-t: no mode"
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

# ---- the QEMU under test ----

# qemu_suite VERSION: the Debian suite that has QEMU VERSION.
qemu_suite()
{
	case "$1" in
	7.2) echo bookworm ;;
	10.0) echo bookworm-backports ;;
	11.1) echo trixie-backports ;;
	esac
}

# suite_version PKG SUITE: PKG's amd64 version in SUITE (apt-cache madison
# over the private lists), empty if SUITE has none.
suite_version()
{
	debian_apt_cache madison "$1" |
		awk -F' *[|] *' -v s="$2/main amd64" 'index($3, " " s " ") { print $2; exit }'
}

# fetch_qemu VERSION: unpack QEMU VERSION's four packages once (binary,
# its common and data files, SeaBIOS) from its Debian suite into
# $out/qemu; sets qemu_root.  QEMU 11.1 is built for trixie: its shared
# libraries come along, see fetch_libraries.
fetch_qemu()
{
	local suite pkg ver dir
	local -a pkgs=()
	suite=$(qemu_suite "$1")
	debian_apt_ready
	for pkg in qemu-system-x86 qemu-system-common qemu-system-data seabios; do
		ver=$(suite_version "$pkg" "$suite")
		[ -n "$ver" ] || die "no $pkg in Debian $suite (QEMU $1): apt-cache madison $pkg over $debian_apt_dir"
		pkgs+=("$pkg=$ver")
	done
	ver=${pkgs[0]#*=}
	dir=$out/qemu/${ver//[:~]/_}
	if [ ! -e "$dir/.unpacked" ]; then
		echo "vmm-check: fetching QEMU $ver from $suite: ${pkgs[*]}"
		rm -rf "$dir"
		debian_unpack "$dir/root" "${pkgs[@]}"
		[ "$suite" = "${suite#trixie}" ] || fetch_libraries "$dir/root" trixie
		touch "$dir/.unpacked"
	fi
	qemu_root=$dir/root
}

# fetch_libraries ROOT SUITE: unpack into ROOT the shared library
# packages (lib* and zlib1g, amd64) that ROOT's QEMU packages depend on, from SUITE:
# a QEMU built for a newer Debian than this machine's runs on those, in
# the outer VM, with their own C library and loader.
fetch_libraries()
{
	local root=$1 suite=$2
	local -a libs
	mapfile -t libs < <(debian_apt_cache -o "APT::Default-Release=$suite" depends --recurse \
		--no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances \
		"${pkgs[@]:0:2}" 2>/dev/null | grep -E '^(lib[^:<> ]*|zlib1g)$' |
		grep -vE -- '-(data|common|bin)$|^libpam-modules' | sort -u | sed "s|\$|/$suite|")
	[ ${#libs[@]} -gt 0 ] || die "apt-cache depends listed no library of ${pkgs[*]:0:2} in $suite"
	echo "vmm-check: fetching ${#libs[@]} shared library packages from $suite for QEMU"
	debian_unpack "$root" "${libs[@]}"
}

# qemu_libraries QEMU: the shared libraries QEMU links (with the loader),
# one path a line: the host's ldd, or for a root that carries its own C
# library (11.1) that root's loader over that root's libraries.
qemu_libraries()
{
	local root=${qemu_root:-} loader
	loader=${root:+$root/usr/lib64/ld-linux-x86-64.so.2}
	if [ -n "$loader" ] && [ -x "$loader" ]; then
		"$loader" --library-path "$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu" \
			--list "$1"
	else
		ldd "$1"
	fi | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'
}

# pack_qemu: qemu-system-x86_64 as /usr/bin/qemu-system-x86_64, its shared
# libraries and loader, and the firmware it loads for -kernel with a
# multiboot ELF (SeaBIOS, the multiboot option ROM; kvmvapic.bin is loaded
# even with vapic=false) where Debian's QEMU looks for it, /usr/share/qemu
# and /usr/share/seabios: in the outer VM there is no other QEMU whose
# firmware it could pick up.
pack_qemu()
{
	local qemu lib f data missing libs dst
	if [ -n "${qemu_root:-}" ]; then
		qemu=$qemu_root/usr/bin/qemu-system-x86_64
		data=$qemu_root/usr/share
	else
		qemu=$(command -v qemu-system-x86_64)
		data=$(dirname "$qemu")/../share
	fi
	missing=$(ldd "$qemu" 2>/dev/null | awk '/not found/ { printf "%s ", $1 }' || true)
	libs=$(qemu_libraries "$qemu")
	[ -n "$libs" ] || die "cannot list the libraries of $qemu (libraries this machine lacks: ${missing:-?})"
	mkdir -p "$initrd_root/usr/bin"
	cp -L "$qemu" "$initrd_root/usr/bin/qemu-system-x86_64"
	while read -r lib; do
		dst=$lib
		[ -z "${qemu_root:-}" ] || dst=${lib#"$qemu_root"}
		mkdir -p "$initrd_root$(dirname "$dst")"
		cp -L "$lib" "$initrd_root$dst"
	done <<< "$libs"
	# the loader where the binary's PT_INTERP names it
	if [ -n "${qemu_root:-}" ] && [ -e "$qemu_root/usr/lib64/ld-linux-x86-64.so.2" ]; then
		mkdir -p "$initrd_root/lib64"
		cp -L "$qemu_root/usr/lib64/ld-linux-x86-64.so.2" "$initrd_root/lib64/"
	elif [ -z "${qemu_root:-}" ] || [ -z "$missing" ]; then
		:
	else
		die "$qemu needs libraries this machine lacks: $missing"
	fi
	for f in seabios/bios-256k.bin qemu/kvmvapic.bin qemu/multiboot_dma.bin qemu/linuxboot_dma.bin; do
		[ -r "$data/$f" ] || die "no $data/$f (Debian: qemu-system-x86, seabios)"
		mkdir -p "$initrd_root/usr/share/${f%/*}"
		cp -L "$data/$f" "$initrd_root/usr/share/$f"
	done
	echo "vmm-check: QEMU $qemu_version ($qemu) with $(wc -l <<< "$libs") libraries"
}

# qemu_version_of: the version of the QEMU under test (x.y.z), run on
# this machine (through its own loader when it brings one).
qemu_version_of()
{
	local loader=${qemu_root:+$qemu_root/usr/lib64/ld-linux-x86-64.so.2}
	if [ -z "$qemu_root" ]; then
		qemu-system-x86_64 --version
	elif [ -x "$loader" ]; then
		"$loader" --library-path "$qemu_root/usr/lib/x86_64-linux-gnu:$qemu_root/lib/x86_64-linux-gnu" \
			"$qemu_root/usr/bin/qemu-system-x86_64" --version
	else
		"$qemu_root/usr/bin/qemu-system-x86_64" --version
	fi 2>/dev/null | sed -n '1s/^QEMU emulator version \([0-9][0-9.]*\).*/\1/p'
}

pack_initramfs()
{
	initrd_root=$run/root
	pack_guest_base "$top/vm/init.sh"
	mkdir -p "$initrd_root/vmm"
	install -m 755 "$here/migrate.sh" "$initrd_root/vmm/migrate.sh"
	install -m 755 "$out/vmm-build/ramdiff" "$initrd_root/vmm/ramdiff"
	install -m 644 "$guest" "$initrd_root/vmm/dirty_guest.elf"
	pack_qemu
	pack_modules
	{
		echo "VM_LABEL=$(conf_quote "vmm-check: QEMU $qemu_version: $modes${negative:+ (negative control)}")"
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
	(IFS=$'\t'; echo "kernel	npt	qemu	${cols[*]}") > "$out/vmm-results.tsv"
	while read -r line; do
		declare -A r=()
		for kv in ${line#\# vmm-result: }; do
			key=${kv%%=*} val=${kv#*=}
			r[$key]=$val
		done
		local row="$kname	$npt	$qemu_version"
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
qemu_root=""
[ "$qemu_spec" = system ] || fetch_qemu "$qemu_spec"
qemu_version=$(qemu_version_of)
[ -n "$qemu_version" ] || die "cannot tell the version of QEMU $qemu_spec${qemu_root:+ ($qemu_root)}"
resolve_kernel "$kernel"
run=$out/runs/vmm-$kname-npt$npt-qemu$qemu_version${negative:+-negative}
mkdir -p "$run"
echo "vmm-check: kernel $kname ($bzimage), kvm_amd npt=$npt, QEMU $qemu_version, modes: $modes${negative:+ (negative control)}"
pack_initramfs

serial=$run/report.serial console=$run/console.log ktap=$run/report.ktap
: > "$ktap"
ended="" why=""
# vmm_line LINE: report_line, with the QEMU under test added to the
# kvm-host line (ktap_check.sh reads its kernel= and module= words only).
vmm_line()
{
	case "$1" in
	"# kvm-host: "*) report_line "$1 qemu=$qemu_version" ;;
	*) report_line "$1" ;;
	esac
}

run_outer "$run/initramfs.cpio" "$serial" "$console" "$run/qemu.log" vmm_line

boot_outcome QEMU "QEMU: $(tail -n 2 "$run/qemu.log" | tr '\n' ' ')" "$serial" vm-check
ok=$boot_ok
if [ -z "$ok" ]; then
	echo "vmm-check: last kernel console lines ($console):"
	tail -n 25 "$console" | tr -d '\r' | sed 's/^/vmm-check:   /'
fi
echo "vmm-check: outer VM: $boot_secs s; report $ktap; kernel log $console"
judge_report "$kvmdir/known-issues.txt" "$ktap" "$run/ktap_check.out" || ok=""
# QEMU fixed its reaper's race with vCPU creation in 8.0: from there on,
# the known-issues entry for 7.2 must not be needed.
if [ "${qemu_version%%.*}" -ge 8 ] && grep -q 'known host issue qemu-7\.2-' "$run/ktap_check.out"; then
	echo "vmm-check: QEMU $qemu_version needed the QEMU 7.2 entry of known-issues.txt: $(grep -m 1 'known host issue qemu-7\.2-' "$run/ktap_check.out")"
	ok=""
fi
results_table
[ -n "$ok" ] || { echo "vmm-check: FAILED"; exit 1; }
echo "vmm-check: green"
