#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# .ci/packages.sh: install the Debian packages CI needs that a machine may
# lack: clang (make check builds everything with gcc and with clang, and
# runs the suite from both builds), and for .ci/kernel-tree.sh the kernel's
# source (linux-source-6.12) and what its kconfig and selftests builds run;
# QEMU, so that make check's guest test runs instead of skipping.
# Nothing is fetched when everything is there already.
set -euo pipefail

need=()
command -v gcc >/dev/null || need+=(gcc)
command -v clang >/dev/null || need+=(clang)
[ -r /usr/src/linux-source-6.12.tar.xz ] || need+=(linux-source-6.12)
# make check boots the dirty guest of vmm/ under QEMU TCG (a SKIP without it).
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
# make lint: shellcheck (checkpatch comes from linux-source-6.12).
for tool in flex bison rsync xz shellcheck; do
	command -v "$tool" >/dev/null || need+=("$tool")
done
[ ${#need[@]} -eq 0 ] && exit 0
# xz's package is xz-utils.
need=("${need[@]/#xz/xz-utils}")
echo "packages: installing ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
