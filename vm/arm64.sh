# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2034,SC2154
#
# vm/arm64.sh: vm-check on arm64, sourced by vm-check.sh after lib.sh when
# VM_ARCH (or ARCH) is arm64.  It replaces what differs from x86:
#   - the suite is cross-built static (ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-);
#   - busybox is Debian's arm64 busybox-static, downloaded and unpacked
#     through vm/debian-apt.sh (never installed: an arm64 busybox-static
#     would replace the host's);
#   - Debian's arm64 kernels, named as for x86 (7, 6.12, newest, versions:
#     lib.sh's debian_version with the arm64 flavour), the image package
#     only: 6.x's linux-image-V-arm64-unsigned, 7.x's
#     linux-binary-unsigned-V-arm64; KVM is built into them, so no module
#     is packed;
#   - QEMU: -M virt,virtualization=on,gic-version=3 (the kernel boots at
#     EL2, so KVM initialises) -cpu max,pauth-impdef=on (about 3 times
#     faster than max's architected pointer authentication under TCG),
#     TCG single-threaded; the kernel console on the board's one UART, the
#     report on a virtio console (hvc0: virtio-pci and virtio-console are
#     built into Debian's arm64 kernels);
#   - KVM_ARM_MODE=vhe|nvhe|protected: kvm-arm.mode= on the command line,
#     and /init fails unless KVM came up in that mode; the kvm-host line of
#     every report names the arch and the mode (host_info.sh).
# The caller's variables it sets (after lib.sh's runner_defaults):
# default_kernels, fresh_spec, guest_levels, suite_make_args, strip_tool;
# functions it replaces: require_tools, debian_kernel_packages,
# resolve_kernel, pack_modules (no module, the loader only), conf_modules,
# outer_qemu, outer_desc.

arm_mode=${KVM_ARM_MODE:-}
case "$arm_mode" in
""|vhe|nvhe|protected) ;;
*) echo "vm-check: bad KVM_ARM_MODE '$arm_mode': vhe, nvhe or protected" >&2; exit 2 ;;
esac

# 6.12: bookworm's; 7: the newest 7.x of any suite (trixie-backports, sid).
default_kernels="6.12 7"
fresh_spec="dirty_ring_forged_test"
guest_levels="el1 el0"
arm64_cross=${CROSS_COMPILE:-aarch64-linux-gnu-}
suite_make_args=(ARCH=arm64 "CROSS_COMPILE=$arm64_cross")
strip_tool=${arm64_cross}strip

# lib.sh's Debian kernel lookup (debian_version), for arm64's packages.
debian_flavour=arm64

require_tools()
{
	local tool
	for tool in qemu-system-aarch64 "${arm64_cross}gcc" "$strip_tool" cpio make; do
		command -v "$tool" > /dev/null ||
			die "$tool is missing (Debian: apt-get install qemu-system-arm gcc-aarch64-linux-gnu cpio make)"
	done
	mkdir -p "$out"
	busybox_bin=$out/arm64/busybox/root/bin/busybox
	unpack_once "$out/arm64/busybox" busybox-static:arm64/bookworm
	[ -x "$busybox_bin" ] || die "busybox-static:arm64 has no bin/busybox"
}

# debian_kernel_packages VERSION: for lib.sh's fetch_debian, the package of
# the arm64 kernel's image only (KVM is built in, no module is needed),
# with its architecture: 6.x's linux-image-V-arm64-unsigned, 7.x's
# linux-binary-unsigned-V-arm64.
debian_kernel_packages()
{
	local p
	for p in "linux-image-$1-arm64-unsigned" "linux-binary-unsigned-$1-arm64"; do
		debian_has "$p" && { echo "$p:arm64"; return 0; }
	done
	die "no Debian arm64 kernel package for $1 (linux-image-$1-arm64-unsigned or linux-binary-unsigned-$1-arm64)"
}

# resolve_kernel SPEC: sets bzimage (the arm64 Image), kmods (empty: KVM is
# built in) and kname.
resolve_kernel()
{
	local root config="" f opt
	locate_kernel "$1"
	if [ -n "$root" ]; then
		for f in "$root"/boot/config-* "$root"/usr/lib/modules/*/config; do
			[ -f "$f" ] && { config=$f; break; }
		done
	fi
	[ "$(dd if="$bzimage" bs=1 skip=56 count=4 2>/dev/null)" = $'ARM\x64' ] ||
		die "$bzimage is not an arm64 Image (no ARMd magic at 0x38)"
	case "$bzimage" in
	*/boot/vmlinuz-*) kname=${bzimage##*/vmlinuz-} ;;
	*/modules/*/vmlinuz*) kname=$(basename "$(dirname "$bzimage")") ;;
	*) kname=$(basename "$bzimage") ;;
	esac
	kmods=""
	if [ -n "$config" ]; then
		for opt in CONFIG_KVM CONFIG_VIRTIO_PCI CONFIG_VIRTIO_CONSOLE CONFIG_SERIAL_AMBA_PL011; do
			grep -qx "$opt=y" "$config" ||
				die "$kname: $opt is not built in ($config): the arm64 boot needs it"
		done
	fi
}

pack_modules()
{
	pack_module_loader
	mkdir -p "$initrd_root/modules"
	order=()
	builtin_kvm=1
}

conf_modules()
{
	echo "VM_MODULE_ORDER=''"
	echo "VM_VENDOR=kvm"
	echo "VM_VENDOR_FILE=''"
	echo "VM_VENDOR_PARAMS=''"
	echo "VM_MODULE_PARAMS=$(conf_quote "$module_params")"
	echo "VM_NPT=''"
	echo "VM_ARM_MODE=$(conf_quote "$arm_mode")"
}

outer_desc()
{
	echo "arm64 kvm-arm.mode=${arm_mode:-default}"
}

outer_qemu()
{
	local append="console=ttyAMA0 panic=-1 rdinit=/init vm_report=hvc0"
	[ -z "$arm_mode" ] || append+=" kvm-arm.mode=$arm_mode"
	[ -z "$module_params" ] || append+=" $module_params"
	exec qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 \
		-cpu max,pauth-impdef=on -accel tcg,thread=single \
		-smp "$cpus" -m "$mem" -nodefaults -display none -no-reboot \
		-kernel "$bzimage" -initrd "$1" -append "$append" \
		-chardev file,id=con,path="$3" -serial chardev:con \
		-device virtio-serial-pci -chardev file,id=rep,path="$2" \
		-device virtconsole,chardev=rep
}
