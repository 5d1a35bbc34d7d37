#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# vm/vng/guest.sh CONF: the command vm/vng-check.sh gives vng, run as root
# in the virtme-ng guest (the host's root file system read-only over 9p).
# Reads CONF (lib.sh's module lines, VM_MODDIR, VM_LIB, VM_INSTALL,
# VM_RUN_ARGS and the runner's environment), keeps the kernel's messages
# off the console the report shares, loads the modules as vm-check's /init
# does (after unloading those udev may have loaded with other parameters),
# then prints the kvm-host line and the KTAP report of the installed suite
# between "vng-check: ktap begin" and "vng-check: end".  Every line of its
# own starts with "vng-check: "; a failure before the suite ran is
# "vng-check: FAILED: ...".

say()
{
	echo "vng-check: $*"
}

[ -r "$1" ] || { say "FAILED: no configuration '$1'"; say end; exit 1; }
# shellcheck source=/dev/null # the configuration vng-check.sh wrote
. "$1"
dmesg -n 1
say "guest up after $(cut -d' ' -f1 /proc/uptime) s: $VM_LABEL"

# Loadable modules of ours that are already loaded (udev's coldplug on a
# host with udev) go first, last loaded first, so that ours load with the
# parameters asked for; built-in ones have no initstate.
order=""
for m in $VM_MODULE_ORDER; do
	order="$m $order"
done
for m in $order; do
	[ ! -e "/sys/module/$m/initstate" ] || rmmod "$m" 2>/dev/null ||
		say "$m was loaded and cannot be removed"
done

. "$VM_LIB/guest-modules.sh"
if ! load_modules "$VM_MODDIR"; then
	# shellcheck disable=SC2154 # load_error: set by guest-modules.sh
	say "FAILED: $load_error; kernel: $(dmesg | tail -n 3 | tr '\n' ' ')"
	say end
	exit 1
fi
say "$VM_VENDOR ready after $(cut -d' ' -f1 /proc/uptime) s"
[ -z "$VM_MODULE_PARAMS" ] || say "module parameters: $VM_MODULE_PARAMS"

say "ktap begin"
"$VM_HOST_INFO"
cd "$VM_INSTALL" || { say "FAILED: no $VM_INSTALL"; say end; exit 1; }
# shellcheck disable=SC2086
./run_kselftest.sh $VM_RUN_ARGS
say "end"
