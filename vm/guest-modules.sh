# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh disable=SC2034 # load_error is the sourcing script's
#
# vm/guest-modules.sh: sourced in every guest of vm/ and vmm/ (vm/init.sh
# and vm/lava/init.sh as /kvm/guest-modules.sh, which lib.sh's pack_modules
# packs; vm/vng/guest.sh from the host's tree): the modules /vm-check.conf's
# lines name (lib.sh's conf_modules: VM_MODULE_ORDER, VM_VENDOR*,
# VM_MODULE_PARAMS, VM_NPT) loaded, and the vendor module checked.

# module_params MODULE: the PARAM=VALUE words of VM_MODULE_PARAMS
# ("MODULE.PARAM=VALUE ...", - and _ alike in MODULE) for MODULE.
module_params()
{
	for p in $VM_MODULE_PARAMS; do
		[ "$(echo "${p%%.*}" | tr - _)" = "$1" ] && printf ' %s' "${p#*.}"
	done
}

# load_modules DIR: insmod DIR/NAME.ko for each of VM_MODULE_ORDER with its
# parameters, then check that the vendor module is there with the MMU
# asked for and that /dev/kvm exists; on failure sets load_error, returns 1.
load_modules()
{
	for m in $VM_MODULE_ORDER; do
		params=""
		[ "$m" = "$VM_VENDOR_FILE" ] && params="$VM_VENDOR_PARAMS"
		params="$params$(module_params "$m")"
		# shellcheck disable=SC2086
		if ! out=$(insmod "$1/$m.ko" $params 2>&1); then
			load_error="insmod $m.ko $params: $out"
			return 1
		fi
	done
	if [ ! -d "/sys/module/$VM_VENDOR" ]; then
		load_error="$VM_VENDOR is neither loaded nor built in"
		return 1
	fi
	if [ ! -c /dev/kvm ]; then
		load_error="no /dev/kvm after loading $VM_VENDOR"
		return 1
	fi
	[ -n "$VM_NPT" ] || return 0
	case "$(cat "/sys/module/$VM_VENDOR/parameters/npt" 2>/dev/null)" in
	Y|1) npt=1 ;;
	N|0) npt=0 ;;
	*) npt=unknown ;;
	esac
	[ "$npt" = "$VM_NPT" ] && return 0
	load_error="$VM_VENDOR has npt=$npt, wanted npt=$VM_NPT"
	return 1
}
