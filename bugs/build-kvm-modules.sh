#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build kvm.ko and kvm-amd.ko out of tree from Debian's linux-source-6.12,
# against the matching Debian linux-headers-6.12.N+deb12-amd64, optionally
# with a patch applied, and check that the modules will load into the
# matching Debian kernel (linux-image-6.12.N+deb12-amd64[-unsigned]):
# same vermagic, and the same modversions CRC for every symbol they import.
#
#   bugs/build-kvm-modules.sh [-p PATCH] OUTDIR
#
# Needs (Debian 12): apt-get install linux-source-6.12 \
#   linux-headers-6.12.N+deb12-amd64, where N is the source's SUBLEVEL (the
# script says which N).  Writes OUTDIR/kvm.ko, OUTDIR/kvm-amd.ko, their .xz
# twins (Debian ships .ko.xz), OUTDIR/build.log and OUTDIR/modinfo.txt.
# Takes 5-10 minutes on 2 cores.  Exit 0 on success, 1 on a failure, 4 when
# a prerequisite is missing (with the apt-get line to fix it).

set -euo pipefail

SRC_TAR=/usr/src/linux-source-6.12.tar.xz
patch_file=

usage() {
	echo "usage: $0 [-p PATCH] OUTDIR" >&2
	exit 1
}

skip() {
	echo "SKIP: $*" >&2
	exit 4
}

die() {
	echo "FAIL: $*" >&2
	exit 1
}

while getopts "p:h" opt; do
	case $opt in
	p) patch_file=$(realpath "$OPTARG") || die "no patch $OPTARG" ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
[ -z "$patch_file" ] || [ -f "$patch_file" ] || die "no patch $patch_file"

[ -f "$SRC_TAR" ] || skip "$SRC_TAR missing: apt-get install linux-source-6.12"
src_ver=$(dpkg-query -W -f '${Version}' linux-source-6.12)	# e.g. 6.12.117-1~deb12u1
sublevel=$(echo "$src_ver" | sed -n 's/^6\.12\.\([0-9]*\)-.*/\1/p')
[ -n "$sublevel" ] || die "cannot parse linux-source-6.12 version $src_ver"
krel=6.12.$sublevel+deb12-amd64
hdr=/usr/src/linux-headers-$krel
[ -f "$hdr/Module.symvers" ] ||
	skip "$hdr missing: apt-get install linux-headers-$krel (must match linux-source-6.12 $src_ver)"
hdr_ver=$(dpkg-query -W -f '${Version}' "linux-headers-$krel")
[ "$hdr_ver" = "$src_ver" ] ||
	die "linux-headers-$krel is $hdr_ver, linux-source-6.12 is $src_ver: install matching versions"

out=$(realpath -m "$1")
tree=$out/tree
rm -rf "$tree"
mkdir -p "$tree"
log=$out/build.log
: >"$log"

echo "source: linux-source-6.12 $src_ver; headers: $hdr ($hdr_ver)" | tee -a "$log"
tar -xJf "$SRC_TAR" -C "$tree" --strip-components=1 \
	linux-source-6.12/arch/x86/kvm linux-source-6.12/virt/kvm
if [ -n "$patch_file" ]; then
	echo "patch: $patch_file" | tee -a "$log"
	patch -d "$tree" -p1 --no-backup-if-mismatch <"$patch_file" | tee -a "$log"
fi

# Out of tree, $(srctree) is the headers package, which has neither
# virt/kvm nor arch/x86/kvm: point the Makefile at the extracted copies.
# trace.h includes itself as "../../arch/x86/kvm/trace.h" relative to an
# include directory; tree/include/trace is one that resolves to our copy.
kmake=$tree/arch/x86/kvm/Makefile
sed -i -e 's|\$(srctree)/virt/kvm/Makefile.kvm|$(src)/../../../virt/kvm/Makefile.kvm|' \
	-e 's|-I \$(srctree)/arch/x86/kvm|-I $(src) -I $(src)/../../../include/trace|' "$kmake"
grep -q 'src)/../../../virt/kvm/Makefile.kvm' "$kmake" || die "Makefile layout changed: $kmake"
mkdir -p "$tree/include/trace"

# kvm-intel is not needed: CONFIG_KVM_INTEL= drops it from obj-m only.
echo "make -C $hdr M=$tree/arch/x86/kvm CONFIG_KVM_INTEL= modules" | tee -a "$log"
if ! make -C "$hdr" M="$tree/arch/x86/kvm" CONFIG_KVM_INTEL= -j"$(nproc)" modules >>"$log" 2>&1; then
	tail -30 "$log" >&2
	die "module build failed (log: $log)"
fi
if grep -n 'warning:' "$log" >&2; then
	die "the build printed warnings (log: $log)"
fi

ref=/lib/modules/$krel/kernel/arch/x86/kvm
: >"$out/modinfo.txt"
for m in kvm kvm-amd; do
	ko=$tree/arch/x86/kvm/$m.ko
	[ -f "$ko" ] || die "$ko was not built"
	cp "$ko" "$out/$m.ko"
	xz -f -k --check=crc32 "$out/$m.ko"
	vm=$(modinfo -F vermagic "$ko")
	echo "$m.ko: vermagic '$vm'" | tee -a "$out/modinfo.txt"
	case "$vm" in
	"$krel "*) ;;
	*) die "$m.ko vermagic '$vm' does not start with $krel" ;;
	esac
	# Every symbol the module imports must carry the CRC that the Debian
	# kernel (Module.symvers of the headers) exports it with.
	/sbin/modprobe --dump-modversions "$ko" | while read -r crc sym; do
		want=$(awk -v s="$sym" '$2 == s { print $1; exit }' "$hdr/Module.symvers")
		[ -z "$want" ] && continue	# exported by kvm.ko itself
		[ "$((crc))" -eq "$((want))" ] ||
			die "$m.ko imports $sym with CRC $crc, the kernel exports $want"
	done
	echo "$m.ko: $(/sbin/modprobe --dump-modversions "$ko" | wc -l) imported symbols, CRCs match Module.symvers" |
		tee -a "$out/modinfo.txt"
	if [ -f "$ref/$m.ko.xz" ]; then
		rv=$(modinfo -F vermagic "$ref/$m.ko.xz")
		[ "$rv" = "$vm" ] || die "$m.ko vermagic '$vm', Debian's $ref/$m.ko.xz has '$rv'"
		echo "$m.ko: vermagic equals Debian's $ref/$m.ko.xz" | tee -a "$out/modinfo.txt"
	fi
done
echo "built: $out/kvm.ko $out/kvm-amd.ko (and .ko.xz)"
