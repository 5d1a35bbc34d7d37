#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# host_info.sh: print the one line that tells ktap_check.sh which KVM host
# a KTAP report was made on, to be put in front of the report:
#
#   # kvm-host: kernel=<uname -r> module=<vendor module>[,<more>] [npt=0|1] [ept=0|1]
#   # kvm-host: kernel=<uname -r> module=kvm_arm arch=aarch64 mode=vhe|nvhe|hvhe|protected
#
# The vendor modules are those of kvm_amd, kvm_intel and kvm_pvm that are
# in /sys/module (loaded or built in), "none" if none is; npt and ept are
# kvm_amd's and kvm_intel's MMU parameter (1: two-dimensional paging, 0:
# shadow paging).  On arm64 KVM is built in, one for every CPU: the module
# is named kvm_arm (for known-issues.txt), and the line names the arch and
# the mode KVM initialised in, from its boot message ("unknown" if the
# kernel log no longer has it).  POSIX sh and coreutils only: it also runs
# in the busybox guest of vm-check.

if [ "$(uname -m)" = aarch64 ]; then
	msg=$(dmesg 2>/dev/null | grep -m 1 'kvm \[[0-9]*\]: .*initialized successfully')
	case "$msg" in
	*Protected*) mode=protected ;;
	*hVHE*) mode=hvhe ;;
	*nVHE*) mode=nvhe ;;		# 6.12: "Hyp nVHE mode initialized"
	*"VHE mode"*) mode=vhe ;;
	*"Hyp mode"*) mode=nvhe ;;	# older kernels
	*) mode=unknown ;;
	esac
	echo "# kvm-host: kernel=$(uname -r) module=kvm_arm arch=aarch64 mode=$mode"
	exit 0
fi

modules=""
mmu=""
for m in kvm_amd kvm_intel kvm_pvm; do
	[ -d "/sys/module/$m" ] || continue
	modules="${modules:+$modules,}$m"
	for p in npt ept; do
		f="/sys/module/$m/parameters/$p"
		[ -r "$f" ] || continue
		case "$(cat "$f")" in
		Y|y|1) mmu="$mmu $p=1" ;;
		N|n|0) mmu="$mmu $p=0" ;;
		esac
	done
done
echo "# kvm-host: kernel=$(uname -r) module=${modules:-none}$mmu"
