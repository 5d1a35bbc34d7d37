# SPDX-License-Identifier: GPL-2.0-only
#
# vm/lava/guestfs.py: a stand-in for libguestfs's Python binding, for
# lava-run on a host without libguestfs.  lava-dispatcher imports guestfs
# everywhere but a QEMU job with a test shell uses it for one thing
# (lava_dispatcher/utils/filesystem.py, prepare_guestfs): a qcow2 disk with
# one ext2 file system, label LAVA, holding the test shell's overlay,
# found by the guest through /dev/disk/by-uuid.  This module makes that
# same disk with mke2fs -d and qemu-img, as root and without an appliance.
# Any other use (an image modified in place, another file system) raises
# RuntimeError, which lava-dispatcher reports as an infrastructure error.
#
# Why not the real one: bookworm's python3-guestfs pulls about 140
# packages and upgrades systemd and udev on the host, and its appliance
# needs a kernel in /boot (a lab's dispatcher has both; vm/lava.sh uses
# the real module when it is installed and LAVA_GUESTFS=system).

import os
import shutil
import subprocess
import tarfile
import tempfile
import uuid


class GuestFS:
    def __init__(self, python_return_dict=False, **_):
        self._disk = None
        self._size = 0
        self._staging = None
        self._label = None
        self._uuid = None
        self._mounted = False

    @staticmethod
    def _unsupported(what):
        raise RuntimeError("vm/lava/guestfs.py stand-in: %s is not supported" % what)

    def disk_create(self, filename, fmt, size, **_):
        if fmt != "qcow2":
            self._unsupported("a %s disk" % fmt)
        self._disk = filename
        self._size = size

    def add_drive_opts(self, filename, format=None, readonly=False, **_):
        if filename != self._disk or readonly:
            self._unsupported("a drive it did not create")

    def add_drive(self, filename, **opts):
        self.add_drive_opts(filename, **opts)

    def launch(self):
        for tool in ("mke2fs", "qemu-img"):
            if not shutil.which(tool):
                raise RuntimeError("%s is missing (Debian: e2fsprogs, qemu-utils)" % tool)
        self._staging = tempfile.mkdtemp(prefix="lava-guestfs-")

    def list_devices(self):
        return ["/dev/sda"]

    def mke2fs(self, device, label=None, **_):
        self._label = label
        self._uuid = str(uuid.uuid4())

    def mkfs(self, fstype, device, label=None, **_):
        if fstype != "ext2":
            self._unsupported("mkfs %s" % fstype)
        self.mke2fs(device, label=label)

    def mount(self, device, mountpoint):
        if self._uuid is None or mountpoint != "/":
            self._unsupported("mounting %s on %s" % (device, mountpoint))
        self._mounted = True

    def mkdir_p(self, path):
        os.makedirs(os.path.join(self._staging, path.lstrip("/")), exist_ok=True)

    def tar_in(self, tarball, directory, compress=None, **_):
        if not self._mounted:
            self._unsupported("tar_in before mount")
        dest = os.path.join(self._staging, directory.lstrip("/"))
        mode = "r:gz" if compress == "gzip" else "r:*"
        with tarfile.open(tarball, mode) as tar:
            tar.extractall(dest)

    def umount(self, device):
        """Write the file system: the staged tree into an ext2 image."""
        if not self._mounted:
            return
        raw = self._disk + ".raw"
        cmds = [
            ["mke2fs", "-q", "-F", "-t", "ext2", "-L", self._label or "", "-U", self._uuid,
             "-d", self._staging, raw, "%dk" % (self._size // 1024)],
            ["qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw, self._disk],
        ]
        try:
            for cmd in cmds:
                res = subprocess.run(cmd, capture_output=True, text=True)
                if res.returncode:
                    raise RuntimeError("%s failed: %s" % (" ".join(cmd), res.stderr.strip()))
        finally:
            if os.path.exists(raw):
                os.unlink(raw)
            shutil.rmtree(self._staging, ignore_errors=True)
        self._mounted = False

    def umount_all(self):
        self.umount(None)

    def blkid(self, device):
        return {"UUID": self._uuid, "TYPE": "ext2", "LABEL": self._label or ""}

    def shutdown(self):
        self.umount_all()

    def close(self):
        pass

    def __getattr__(self, name):
        self._unsupported("GuestFS.%s" % name)
