#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the vm-check and vmm-check guests (busybox sh, PID 1).  Loads
# the vendor module with the MMU /vm-check.conf asks for, checks that
# /dev/kvm is there and that the module took the MMU (vm/guest-modules.sh,
# which lib.sh's pack_modules packs as /kvm/guest-modules.sh), prints the
# kvm-host line and the KTAP report of the installed suite (or of
# VM_MAIN's command: vmm-check) on the second serial port (the first one
# is the kernel console), then powers off.  Every line of its own starts
# with "vm-check: "; a failure before the suite ran is "vm-check: FAILED:"
# and the host side fails on it.

/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
# The report port: the second serial port, or vm_report= from the kernel
# command line (arm64's virt board has one UART: a virtio console, hvc0).
exec </dev/null >"/dev/${vm_report:-ttyS1}" 2>&1

say()
{
	echo "vm-check: $*"
}

finish()
{
	say "end"
	sync
	poweroff -f
	sleep 10
}

die()
{
	say "FAILED: $*"
	finish
}

. /vm-check.conf
say "guest up after $(cut -d' ' -f1 /proc/uptime) s: $VM_LABEL"

. /kvm/guest-modules.sh
# shellcheck disable=SC2154 # load_error: set by guest-modules.sh
load_modules /modules || die "$load_error; kernel: $(dmesg | tail -n 3 | tr '\n' ' ')"
say "$VM_VENDOR ready after $(cut -d' ' -f1 /proc/uptime) s"

[ -z "$VM_MODULE_PARAMS" ] || say "module parameters: $VM_MODULE_PARAMS"

host=$(/kvm/host_info.sh)
echo "$host"
if [ -n "$VM_ARM_MODE" ] &&
	{ [ "${host#* mode=}" = "$host" ] || [ "${host##* mode=}" != "$VM_ARM_MODE" ]; }; then
	die "KVM runs in another mode than kvm-arm.mode=$VM_ARM_MODE: $host"
fi
if [ -n "$VM_MAIN" ]; then
	# shellcheck disable=SC2086
	$VM_MAIN
	finish
fi
cd /kselftest || die "no /kselftest"
# shellcheck disable=SC2086
./run_kselftest.sh $VM_RUN_ARGS
finish
