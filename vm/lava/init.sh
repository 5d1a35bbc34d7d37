#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the LAVA job's initramfs (busybox sh, PID 1): what vm/init.sh
# does before the suite (the modules of /vm-check.conf loaded by
# vm/guest-modules.sh, /dev/kvm and the MMU checked), then what LAVA's
# test shell needs: the /dev/disk/by-uuid link of its overlay disk
# (busybox has no blkid: the ext2 superblock is read here) and a root
# shell on the console with the prompt "/ # ".  The suite
# is run by the job's test definition (/kvm/kselftest-lava.sh).  Every
# line of its own starts with "vm-lava: ".

# PID 1's file systems, as vm/init.sh mounts them (each /init is whole in
# itself: what follows differs, the report port there, the console here).
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

# A failure here is no shell: the guest powers off before LAVA sees its
# prompt, and the boot action fails with this line in the job log.
die()
{
	say "FAILED: $*"
	poweroff -f
	sleep 10
}

. /vm-check.conf

. /kvm/guest-modules.sh
# shellcheck disable=SC2154 # load_error: set by guest-modules.sh
load_modules /modules || die "$load_error"
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
