#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the LAVA job's initramfs (busybox sh, PID 1): what vm/init.sh
# does before the suite (the modules of /vm-check.conf loaded, /dev/kvm
# checked), then what LAVA's test shell needs: the /dev/disk/by-uuid link
# of its overlay disk (busybox has no blkid: the ext2 superblock is read
# here) and a root shell on the console with the prompt "/ # ".  The suite
# is run by the job's test definition (/kvm/kselftest-lava.sh).  Every
# line of its own starts with "vm-lava: ".

/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1

say()
{
	echo "vm-lava: $*"
}

# A failure here is no shell: LAVA's boot then times out waiting for the
# prompt and the job fails as an infrastructure error, with this line.
die()
{
	say "FAILED: $*"
	poweroff -f
	sleep 10
}

. /vm-check.conf

for m in $VM_MODULE_ORDER; do
	params=""
	[ "$m" = "$VM_VENDOR_FILE" ] && params="$VM_VENDOR_PARAMS"
	for p in $VM_MODULE_PARAMS; do
		[ "$(echo "${p%%.*}" | tr - _)" = "$m" ] && params="$params ${p#*.}"
	done
	# shellcheck disable=SC2086
	out=$(insmod "/modules/$m.ko" $params 2>&1) || die "insmod $m.ko $params: $out"
done
[ -d "/sys/module/$VM_VENDOR" ] || die "$VM_VENDOR is neither loaded nor built in"
[ -c /dev/kvm ] || die "no /dev/kvm after loading $VM_VENDOR"
say "$VM_VENDOR ready after $(cut -d' ' -f1 /proc/uptime) s"

# fs_uuid DEV: the UUID of an ext2/3/4 file system on DEV (magic 0xef53 at
# 1024 + 0x38, the UUID at 1024 + 0x68), nothing for anything else.
fs_uuid()
{
	[ "$(od -An -tx2 -j 1080 -N 2 "$1" 2>/dev/null | tr -d ' ')" = ef53 ] || return 0
	od -An -tx1 -j 1128 -N 16 "$1" | tr -d ' \n' |
		sed 's/^\(.\{8\}\)\(.\{4\}\)\(.\{4\}\)\(.\{4\}\)/\1-\2-\3-\4-/'
}

mkdir -p /dev/disk/by-uuid
for b in /sys/block/vd* /sys/block/sd*; do
	[ -e "$b" ] || continue
	dev=/dev/${b##*/}
	u=$(fs_uuid "$dev")
	[ -z "$u" ] || { ln -sf "$dev" "/dev/disk/by-uuid/$u"; say "disk $dev: UUID $u"; }
done

# The KTAP report goes to the console: keep the kernel's messages off it
# (the tests read the kernel log themselves).
dmesg -n 1
export PS1='/ # '
cd /
while :; do
	setsid cttyhack sh -i
done
