#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh: the negative control of the VMM migration check (`make
# vmm-check-negative`).  Builds the kvm.ko that drops one dirty ring push
# in N (build.sh), runs vmm/vmm-check.sh -N with it, and passes only if
#   - vmm-check -N passed: every ring mode lost pages that ramdiff names
#     and the destination's guest saw stale (lost_pages_named and
#     destination_sees_stale ok, not skipped), every bitmap mode passed as
#     usual (migrate.sh judges that);
#   - the kernel logged the fault firing (its "dropping one dirty ring push
#     in N" line), so that a lost page cannot come from anything else;
#   - at least one page the kernel says it dropped is among the pages
#     ramdiff named: the check names the very pages KVM lost.
# -h lists the options.  Exit 0 the control failed the check as it must,
# 1 otherwise, 2 bad usage, 4 a prerequisite is missing (build.sh says
# which package).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

default_drop_one_in=1000
default_modes="ring4096 dirtylimit autoconverge bitmap"
drop_one_in=$default_drop_one_in
modes=$default_modes
kernel=""
npt=1
out=$top/vmm-check-out/negative
extra=()

usage()
{
	cat <<EOF
Usage: $0 [OPTIONS]
Build the kvm.ko that loses dirty pages and show that the VMM migration
check fails with it in ring mode, naming the lost pages, and passes in
bitmap mode.

  -N N        drop one dirty ring push in N (kvm.dirty_ring_drop_one_in);
              default $default_drop_one_in
  -t MODES    vmm-check's modes, at least one ring mode (ringN,
              dirtylimit or autoconverge, migrations with a ring) and one
              bitmap mode; default "$default_modes" (dirtylimit needs
              QEMU 8.1 or later: drop it from -t with -Q 7.2)
  -Q QEMU     the QEMU under test (vmm-check -Q: 7.2, 10.0, 11.1 or system)
  -k KERNEL   the outer VM's kernel; default 6.12.N+deb12, N from the
              installed linux-source-6.12 (the modules are built for that
              one Debian kernel)
  -n 0|1      kvm_amd npt; default 1
  -O DIR      output: the modules in DIR/modules, vmm-check's in DIR/vmm;
              default vmm-check-out/negative
  -G ELF      the guest (vmm-check -G)
  -h          this help
EOF
}

die_usage()
{
	echo "$0: $1" >&2
	usage >&2
	exit 2
}

while getopts N:t:k:n:O:G:Q:h opt; do
	case "$opt" in
	N) drop_one_in=$OPTARG ;;
	t) modes=$OPTARG ;;
	k) kernel=$OPTARG ;;
	n) npt=$OPTARG ;;
	O) out=$OPTARG ;;
	G) extra+=(-G "$OPTARG") ;;
	Q) extra+=(-Q "$OPTARG") ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || die_usage "unexpected argument '$1'"
[[ "$drop_one_in" =~ ^[1-9][0-9]*$ ]] || die_usage "bad -N '$drop_one_in': a positive number"
[[ "$npt" =~ ^[01]$ ]] || die_usage "bad -n '$npt': 0 or 1"
[[ " $modes " =~ \ (ring[0-9]|dirtylimit|autoconverge) ]] || die_usage "-t '$modes': no ring mode, nothing to lose"
[[ " $modes " =~ \ bitmap ]] || die_usage "-t '$modes': no bitmap mode, nothing to compare with"

[ -x "$top/vmm/vmm-check.sh" ] ||
	{ echo "SKIP: no $top/vmm/vmm-check.sh in this tree" >&2; exit 4; }
if [ -z "$kernel" ]; then
	src_ver=$(dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null || true)
	[[ "$src_ver" =~ ^6\.12\.([0-9]+)- ]] ||
		{ echo "SKIP: no linux-source-6.12 (apt-get install linux-source-6.12)" >&2; exit 4; }
	kernel=6.12.${BASH_REMATCH[1]}+deb12
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
log=$out/vmm-check.log

say()
{
	echo "vmm-check-negative: $*"
}

fail()
{
	say "FAILED: $*"
	exit 1
}

start=$SECONDS
rc=0
"$here/build.sh" "$out/modules" || rc=$?
[ "$rc" -eq 0 ] || { say "building the modules failed (exit $rc)"; exit "$rc"; }
build_secs=$((SECONDS - start))

start=$SECONDS
rc=0
"$top/vmm/vmm-check.sh" -N -M "$out/modules" -p "kvm.dirty_ring_drop_one_in=$drop_one_in" \
	-k "$kernel" -n "$npt" -t "$modes" -O "$out/vmm" "${extra[@]}" 2>&1 | tee "$log" || rc=$?
vmm_secs=$((SECONDS - start))

# The report and the outer VM's kernel log, as vmm-check names them.
where=$(grep '^vmm-check: outer VM: .* report .* kernel log ' "$log" | tail -n 1 || true)
[ -n "$where" ] || fail "vmm-check ran no outer VM (exit $rc; log $log)"
ktap=$(sed -n 's/.* report \([^;]*\); kernel log .*/\1/p' <<< "$where")
console=$(sed -n 's/.* kernel log \(.*\)$/\1/p' <<< "$where")
{ [ -r "$ktap" ] && [ -r "$console" ]; } || fail "no report or kernel log: '$where'"

# What the kernel says it dropped, and what ramdiff named.
fired=$(tr -d '\r' < "$console" | grep -m 1 'kvm: dirty_ring_drop_one_in=.*negative control' || true)
mapfile -t dropped < <(tr -d '\r' < "$console" |
	sed -n 's/.*kvm: dirty ring push dropped: .* gpa \(0x[0-9a-f]*\)$/\1/p' | sort -u)
mapfile -t named < <(sed -n -e 's/^# # ramdiff: page [0-9]* gpa \(0x[0-9a-f]*\):.*/\1/p' \
	-e 's/^# # ramdiff: gpa \(0x[0-9a-f]*\) (outside the working set).*/\1/p' "$ktap" | sort -u)
# Each ring mode must have shown the loss, not skipped it.
rings=0
for m in $modes; do
	[[ "$m" != ring* && "$m" != dirtylimit && "$m" != autoconverge ]] || rings=$((rings + 1))
done
shown=$(grep -cE '^# ok [0-9]+ (lost_pages_named|destination_sees_stale)$' "$ktap" || true)
counts=$(sed -n 's/^# vmm-result: mode=\([^ ]*\) .*dropped=\([0-9]*\).*/\1: \2/p' "$ktap" | tr '\n' ' ')
common=()
for g in "${dropped[@]}"; do
	[[ " ${named[*]} " == *" $g "* ]] && common+=("$g")
done

say "kvm.dirty_ring_drop_one_in=$drop_one_in, modes $modes, npt=$npt"
say "modules: $build_secs s (build or reuse), vmm-check: $vmm_secs s, exit $rc"
say "kernel: ${fired:-no line says the fault fired}"
say "pushes dropped per mode (kvm.dirty_ring_dropped): ${counts:-not reported}"
say "ring modes that lost pages and saw them stale: $((shown / 2)) of $rings"
say "kernel: ${#dropped[@]} dropped pages logged (the first 16 drops): ${dropped[*]:0:8}"
say "ramdiff: ${#named[@]} differing pages named: ${named[*]:0:8}"
say "dropped by the kernel and named by ramdiff: ${#common[@]}: ${common[*]:0:8}"
[ "$rc" -eq 0 ] ||
	fail "vmm-check -N failed: the ring modes must lose named pages and the bitmap modes pass (report $ktap)"
[ "$shown" -eq $((2 * rings)) ] ||
	fail "not every ring mode passed lost_pages_named and destination_sees_stale (a SKIP: the fault did not fire there)"
[ -n "$fired" ] || fail "the kernel never logged a drop: the pages lost did not come from the fault ($console)"
if [ ${#common[@]} -eq 0 ]; then
	grep -q '^# # ramdiff: .* pages differ (.* not listed)' "$ktap" &&
		fail "no page the kernel dropped is among the pages ramdiff listed, but ramdiff did not list them all: try a larger -N"
	fail "no page the kernel dropped is among the pages ramdiff named"
fi
say "green: the check caught the lost pages in ring mode and passed in bitmap mode"
