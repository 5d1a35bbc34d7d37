#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the vm-check guest (busybox sh, PID 1).  Loads the vendor module
# with the MMU /vm-check.conf asks for, checks that /dev/kvm is there and
# that the module took the MMU, prints the kvm-host line and the KTAP
# report of the installed suite (or of VM_MAIN's command: vmm-check) on
# the second serial port (the first one
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

# module_params MODULE: the PARAM=VALUE words of VM_MODULE_PARAMS
# ("MODULE.PARAM=VALUE ...", - and _ alike in MODULE) for MODULE.
module_params()
{
	for p in $VM_MODULE_PARAMS; do
		[ "$(echo "${p%%.*}" | tr - _)" = "$1" ] && printf ' %s' "${p#*.}"
	done
}

for m in $VM_MODULE_ORDER; do
	params=""
	[ "$m" = "$VM_VENDOR_FILE" ] && params="$VM_VENDOR_PARAMS"
	params="$params$(module_params "$m")"
	# shellcheck disable=SC2086
	out=$(insmod "/modules/$m.ko" $params 2>&1) ||
		die "insmod $m.ko $params: $out; kernel: $(dmesg | tail -n 3 | tr '\n' ' ')"
done

vendor=/sys/module/$VM_VENDOR
[ -d "$vendor" ] || die "$VM_VENDOR is neither loaded nor built in"
[ -c /dev/kvm ] || die "no /dev/kvm after loading $VM_VENDOR"
if [ -n "$VM_NPT" ]; then
	case "$(cat "$vendor/parameters/npt" 2>/dev/null)" in
	Y|1) npt=1 ;;
	N|0) npt=0 ;;
	*) npt=unknown ;;
	esac
	[ "$npt" = "$VM_NPT" ] || die "$VM_VENDOR has npt=$npt, wanted npt=$VM_NPT"
fi
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
