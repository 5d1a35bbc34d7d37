#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the negative-control kvm.ko (and the kvm-amd.ko that goes with it)
# for Debian's 6.12 kernel: bugs/build-kvm-modules.sh with this
# directory's patch, then check that the module has the fault's
# parameters.  Load it with kvm.dirty_ring_drop_one_in=N to drop one dirty
# ring push in N; 0 (the default) is the stock behaviour.
#
#   vmm/negative/build.sh OUTDIR
#
# OUTDIR then holds kvm.ko, kvm-amd.ko (and .ko.xz), build.log and
# modinfo.txt: give it to `vm/vm-check.sh -M OUTDIR` or
# `vmm/vmm-check.sh -M OUTDIR`.  A build that is already there and was
# made from the same patch and Debian source is reused.  Exit status as
# build-kvm-modules.sh: 0 built, 1 failed, 4 a prerequisite is missing
# (it prints the apt-get line).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
patch=$here/0001-KVM-negative-control-drop-one-dirty-ring-push-in-N.patch

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 1; }
out=$(realpath -m "$1")

# What the build is made from: the patch and the source package's version.
stamp()
{
	sha256sum "$patch" | cut -d' ' -f1
	dpkg-query -W -f '${Version}\n' linux-source-6.12 2>/dev/null || echo none
}

# has_params KO: the fault's two parameters are in the module.
has_params()
{
	local parms
	parms=$(/sbin/modinfo -F parm "$1") || return 1
	grep -q '^dirty_ring_drop_one_in:' <<< "$parms" &&
		grep -q '^dirty_ring_dropped:' <<< "$parms"
}

if [ -f "$out/kvm.ko" ] && [ -f "$out/kvm-amd.ko" ] && [ -f "$out/.stamp" ] &&
   [ "$(stamp)" = "$(cat "$out/.stamp")" ] && has_params "$out/kvm.ko"; then
	echo "negative: reusing $out/kvm.ko (same patch and source)"
	exit 0
fi
rm -f "$out/.stamp"
start=$SECONDS
"$top/bugs/build-kvm-modules.sh" -p "$patch" "$out"
has_params "$out/kvm.ko" ||
	{ echo "FAIL: $out/kvm.ko lacks dirty_ring_drop_one_in/dirty_ring_dropped" >&2; exit 1; }
stamp > "$out/.stamp"
echo "negative: built $out/kvm.ko with kvm.dirty_ring_drop_one_in in $((SECONDS - start)) s"
