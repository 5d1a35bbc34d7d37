#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vng-check.sh: the KVM selftests on kvm_amd in virtme-ng guests (vng):
# your kernel (or a Debian one) booted under QEMU TCG with your host's root
# file system over 9p, the suite built static and run from where it was
# built, the KTAP report printed as it arrives and judged by ktap_check.sh
# as vm-check judges it.  `make vng-check` runs this; -h lists the options.
#
# virtme-ng is Debian's package (sid's 1.41, pure Python) unpacked with
# vm/debian-apt.sh into OUT/virtme-ng, with the Python module it needs
# that bookworm's python3 lacks; VNG=/path/to/vng uses yours instead.
# Not trixie's 1.35: its init powers off when the host's root has no udev
# (no /dev/virtio-ports links) where 1.41 falls back to the console.  One
# vng call per boot: the tests in one boot, those named by -f in boots of
# their own (one per guest level), as vm-check does.  The script's output
# comes back on vng's stdout: over virtio-serial when the host's root has
# udev, else over the console (vng -v), where virtme-ng's init falls back
# to when it finds no virtio-serial ports.
# vng is killed when the console stalls and at a deadline.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
selftests=$top/tools/testing/selftests
kvmdir=$selftests/kvm
prog="vng-check"
# shellcheck source=vm/lib.sh
. "$here/lib.sh"
# shellcheck source=vm/guard.sh
. "$here/guard.sh"

runner_defaults
runner_own_opts=f:
default_kernels=6.12
out=$top/vng-out
vng_version=${VNG_DEBIAN_VERSION:-1.41-1}
vng_packages=(virtme-ng="$vng_version" python3-argcomplete/bookworm)

usage()
{
	cat <<EOF
Usage: $0 [OPTIONS]
Run the KVM selftests on kvm_amd in virtme-ng guests (QEMU TCG, the host's
root over 9p) and judge the KTAP report with ktap_check.sh and
known-issues.txt.

  -k KERNEL    the guest kernel (repeatable, or a space-separated list);
               default 6.12: as vm-check's -k (a Debian series, major,
               version or newest; a bzImage or an unpacked kernel)
EOF
	usage_modules
	usage_runner vng "the console" "build, virtme-ng, kernels, logs"
	cat <<EOF
  -h           this help
Environment: VNG=/path/to/vng (default: Debian's virtme-ng $vng_version,
unpacked; VNG_DEBIAN_VERSION=V another Debian version); KSELFTEST_<TEST>_ARGS
as for the runner.
Exit status: 0 when every report is complete and has no failure beyond the
known host issues; 1 otherwise; 2 for bad usage.
EOF
}

while getopts "$runner_optstring$runner_own_opts" opt; do
	runner_option "$opt" "${OPTARG-}"
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || die_usage "unexpected argument '$1'"
check_runner_options

require_tools qemu-system-x86_64 cpio modinfo make strip python3
# Debian's python3 (whose packages the unpacked modules are built for and
# apt installs), not another one first on PATH.
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)
mkdir -p "$out"
out=$(cd "$out" && pwd)

# ---- virtme-ng ----

# install_vng: sets vng (the command, an array); Debian's virtme-ng
# unpacked once into $out/virtme-ng unless $VNG names one.
install_vng()
{
	if [ -n "${VNG:-}" ]; then
		command -v "$VNG" > /dev/null || die "VNG=$VNG: no such command"
		vng=("$VNG")
		return 0
	fi
	local root=$out/virtme-ng/root
	"$python" -c 'import requests' 2> /dev/null ||
		die "$python cannot import requests (Debian: apt-get install python3-requests)"
	unpack_once "$out/virtme-ng" "${vng_packages[@]}"
	# vng calls virtme-run by name.
	vng=(env PATH="$root/usr/bin:$PATH" PYTHONPATH="$root/usr/lib/python3/dist-packages"
		"$python" "$root/usr/bin/vng")
	"${vng[@]}" --version > /dev/null 2>&1 ||
		die "the unpacked vng does not run: ${vng[*]} --version"
}

# ---- one boot ----

# write_conf NAME RUNNER-ARGS...: this boot's configuration for guest.sh.
write_conf()
{
	local name=$1 var
	shift
	{
		echo "VM_LABEL=$(conf_quote "$boot_label")"
		conf_modules
		echo "VM_MODDIR=$(conf_quote "$kdir/root/modules")"
		echo "VM_LIB=$(conf_quote "$here")"
		echo "VM_HOST_INFO=$(conf_quote "$kvmdir/host_info.sh")"
		echo "VM_INSTALL=$(conf_quote "$install_dir")"
		echo "VM_RUN_ARGS=$(conf_quote "$*")"
		for var in "${!boot_args[@]}"; do
			echo "export $var=$(conf_quote "${boot_args[$var]}")"
		done
	} > "$kdir/$name.conf"
}

# vng_line LINE: one line of vng's output: printed; between the guest's
# "ktap begin" and "end" lines, those not its own go to $ktap.
vng_line()
{
	printf '%s\n' "$1"
	case "$1" in
	"vng-check: ktap begin") in_report=1 ;;
	"vng-check: end") ended=1 in_report="" ;;
	"vng-check: "*) ;;
	*) [ -z "$in_report" ] || printf '%s\n' "$1" >> "$ktap" ;;
	esac
}

# boot NAME RUNNER-ARGS...: one vng call; sets boot_ok.
boot()
{
	local name=$1 ktap=$kdir/$1.ktap in_report="" ended="" append=""
	shift
	write_conf "$name" "$@"
	: > "$ktap"
	[ -z "$builtin_kvm" ] || append="kvm_amd.npt=$npt${module_params:+ $module_params}"
	echo "vng-check: $kname, kvm_amd npt=$npt, $boot_label"
	# vng through a pipe: virtme-run hands QEMU /proc/self/fd/1 as the file
	# of the script's virtio-serial output, and QEMU opening a regular
	# file there truncates it and writes from its start.
	run_guarded "$kdir/$name.out" vng_line sh -c '"$@" 2>&1 | cat' vng \
		"${vng[@]}" -v --run "$bzimage" --user root \
		--disable-kvm --force-9p -m "$mem" -p "$cpus" \
		--qemu-opts="-cpu $cpu_model -accel tcg,thread=single" \
		${append:+--append "$append"} -- "sh $here/vng/guest.sh $kdir/$name.conf"
	boot_outcome vng "vng: status $guard_rc, $kdir/$name.out" "$kdir/$name.out"
	echo "vng-check: boot $name: $guard_secs s; report $ktap"
	judge_boot "$name" "$guard_secs"
}

# ---- the runs ----

build_suite
select_tests
install_vng

all_ok=1
summary=()
for k in "${kernels[@]}"; do
	resolve_kernel "$k"
	kdir=$out/runs/$kname-npt$npt
	initrd_root=$kdir/root
	rm -rf "$initrd_root" && mkdir -p "$initrd_root"
	echo "vng-check: kernel $kname ($bzimage)"
	pack_modules
	boot_tests
done

runner_end
