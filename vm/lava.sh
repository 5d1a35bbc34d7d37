#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vm/lava.sh: the KVM suite as a LAVA job, the way KernelCI and LKFT labs
# run kselftests.  `make lava-job` runs "lava.sh job", `make lava-check`
# "lava.sh check"; -h lists the options.
#
#   job    writes OUT/job.yaml (a QEMU job with a test shell: every case
#          a LAVA test case named <test>_<case>, SKIP as skip), the device
#          dictionary OUT/device.jinja2 (qemu.jinja2 with nested SVM under
#          TCG), and the images: the kernel as vm-check resolves it and an
#          initramfs with busybox, the suite, kvm_amd and the modules of
#          LAVA's overlay disk (virtio_blk, ext4).  Image URLs are file://
#          paths, or IMAGE_URL/<name> for a lab's HTTP server (-u).
#   check  job, then runs it here with lava-run (no lava-server): Debian's
#          bookworm lava-dispatcher unpacked into OUT/dispatcher with its
#          Python modules (the host's packages untouched), the device
#          dictionary rendered with lava-server's qemu.jinja2; the KTAP
#          report is taken back out of the job log and judged by
#          ktap_check.sh with known-issues.txt, as make check does.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
selftests=$top/tools/testing/selftests
kvmdir=$selftests/kvm
prog=lava
# shellcheck source=vm/lib.sh
. "$here/lib.sh"
# shellcheck source=vm/guard.sh
. "$here/guard.sh"

runner_defaults
runner_own_opts=u:
default_kernels=6.12
image_url=""
out=$top/lava-out
mem=2048M

# The dispatcher: bookworm's, with the Python modules it imports that
# bookworm's python3 lacks (none is installed on the host).
lava_version=2023.01-2
lava_packages=(lava-dispatcher="$lava_version" lava-common="$lava_version"
	lava-dispatcher-host="$lava_version" lava-server="$lava_version"
	python3-aiohttp/bookworm python3-multidict/bookworm python3-yarl/bookworm
	python3-frozenlist/bookworm python3-aiosignal/bookworm python3-async-timeout/bookworm
	python3-configobj/bookworm python3-magic/bookworm python3-netifaces/bookworm
	python3-pyudev/bookworm python3-setproctitle/bookworm python3-tz/bookworm
	python3-voluptuous/bookworm)
# What it imports that the host must have (Debian packages, installed).
lava_host_modules="yaml jinja2 requests pexpect"
lava_host_packages="python3-yaml python3-jinja2 python3-requests python3-pexpect"

usage()
{
	cat <<EOF
Usage: $0 [OPTIONS] job|check
  job          write the LAVA job, its device dictionary and its images
  check        job, then run it offline with lava-run and judge its KTAP
               with ktap_check.sh and known-issues.txt
  -k KERNEL    the guest kernel, as vm-check's -k (one); default $default_kernels
EOF
	usage_modules
	usage_runner "lava-run (check)" "its log" "build, images, job, dispatcher, logs"
	cat <<EOF
  -u URL       images at URL/<name> (a lab's HTTP server) instead of file://
  -h           this help
Exit status: 0 when the job ran and its report has no failure beyond the
known host issues; 1 otherwise; 2 for bad usage.
EOF
}

while getopts "$runner_optstring$runner_own_opts" opt; do
	case "$opt" in
	u) image_url=${OPTARG%/} ;;
	*) runner_option "$opt" "${OPTARG-}" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || die_usage "one command: job or check"
cmd=$1
[ "$cmd" = job ] || [ "$cmd" = check ] || die_usage "unknown command '$cmd'"
check_runner_options
[ ${#kernels[@]} -eq 1 ] || die_usage "-k: one kernel"
[ -z "$image_url" ] || [[ "$image_url" =~ ^[a-z]+:// ]] ||
	die_usage "bad -u '$image_url': a URL (http://host/path)"
case "$mem" in
*G) mem_mib=$((${mem%G} * 1024)) ;;
*M) mem_mib=${mem%M} ;;
*) mem_mib=$mem ;;
esac

require_tools cpio modinfo make strip gzip
# Debian's python3 (whose packages the unpacked modules are built for and
# apt installs), not another one first on PATH.
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)
mkdir -p "$out"
out=$(cd "$out" && pwd)

# ---- the images ----

# add_optional_module NAME: NAME and its dependencies when the kernel has
# it as a module (built in otherwise).
add_optional_module()
{
	find_module "$1" > /dev/null || return 0
	add_module "$1"
}

# pack_initramfs: busybox, the suite, the LAVA /init, kvm_amd and the
# overlay disk's modules (virtio_blk, ext4 and the crc32c it asks the
# crypto API for), /vm-check.conf; gzip'ed into images/.
pack_initramfs()
{
	local m
	initrd_root=$out/initramfs
	pack_guest_base "$here/lava/init.sh"
	install -m 755 "$here/lava/kselftest-lava.sh" "$initrd_root/kvm/kselftest-lava.sh"
	pack_suite
	pack_modules
	if [ -z "$builtin_kvm" ]; then
		for m in virtio_pci virtio_blk crc32c_generic ext4; do
			add_optional_module "$m"
		done
	fi
	conf_modules > "$initrd_root/vm-check.conf"
	mkdir -p "$out/images"
	(cd "$initrd_root" && find . | cpio -o -H newc --quiet) | gzip -6 > \
		"$out/images/initramfs.cpio.gz"
	cp "$bzimage" "$out/images/vmlinuz"
}

image_url_of()
{
	if [ -n "$image_url" ]; then
		echo "$image_url/$1"
	else
		echo "file://$out/images/$1"
	fi
}

# ---- the job ----

# yaml_str S: S as a double-quoted YAML scalar.
yaml_str()
{
	local s=${1//\\/\\\\}
	printf '"%s"' "${s//\"/\\\"}"
}

# The QEMU options of the device: the LAVA job's context and the device
# dictionary say the same (a lab's server renders its own qemu device
# with the job's context; lava-run here reads the dictionary rendered).
qemu_extra()
{
	echo "['-accel tcg,thread=single', '-cpu $cpu_model', '-smp $cpus', '-no-reboot']"
}

write_device_dictionary()
{
	cat > "$out/device.jinja2" <<EOF
{# The QEMU device of the kvm dirty-ring LAVA job: kvm_amd in an x86-64
   guest under TCG (an SVM CPU; thread=single: thread=multi hangs kvm_amd
   guests); the test overlay on a virtio disk. #}
{% extends 'qemu.jinja2' %}
{% set arch = 'amd64' %}
{% set no_kvm = True %}
{% set memory = $mem_mib %}
{% set guestfs_interface = 'virtio' %}
{% set extra_options = $(qemu_extra) %}
EOF
}

write_job()
{
	local append="console=ttyS0 panic=-1 rdinit=/init no_timer_check"
	local t runner=(-o "$test_timeout") minutes
	[ -z "$builtin_kvm" ] || append+=" kvm_amd.npt=$npt${module_params:+ $module_params}"
	for t in "${tests[@]}"; do
		runner+=(-t "kvm:$t")
	done
	# The test action's timeout: every test at most its timeout, plus a margin.
	minutes=$(( (${#tests[@]} * test_timeout + 59) / 60 + 5 ))
	cat > "$out/job.yaml" <<EOF
# The kvm dirty-ring selftests on kvm_amd ($kname, npt=$npt) in a QEMU
# guest under TCG; written by vm/lava.sh.  A lab changes the image URLs
# (vm/lava.sh -u) and keeps the context: its qemu device type renders it.
device_type: qemu
job_name: kvm-dirty-ring selftests on $kname kvm_amd npt=$npt
priority: medium
visibility: public
timeouts:
  job:
    minutes: $((minutes + 15))
  action:
    minutes: 10
  connection:
    minutes: 2
context:
  arch: amd64
  no_kvm: true
  memory: $mem_mib
  guestfs_interface: virtio
  extra_options: $(qemu_extra)
actions:
- deploy:
    timeout:
      minutes: 5
    to: tmpfs
    os: oe
    images:
      kernel:
        image_arg: $(yaml_str "-kernel {kernel} -append \"$append\"")
        url: $(yaml_str "$(image_url_of vmlinuz)")
      ramdisk:
        image_arg: -initrd {ramdisk}
        url: $(yaml_str "$(image_url_of initramfs.cpio.gz)")
- boot:
    timeout:
      minutes: 5
    method: qemu
    media: tmpfs
    prompts:
    - '/ # '
- test:
    timeout:
      minutes: $minutes
    definitions:
    - from: inline
      name: kvm-dirty-ring
      path: inline/kvm-dirty-ring.yaml
      repository:
        metadata:
          format: Lava-Test Test Definition 1.0
          name: kvm-dirty-ring
          description: the kvm dirty-ring selftests, every case a test case
        run:
          steps:
EOF
	# The runner's environment (select_tests), as vm-check passes it on.
	local var
	for var in $(printf '%s\n' "${!guest_env[@]}" | sort); do
		echo "          - $(yaml_str "export $var=$(conf_quote "${guest_env[$var]}")")" \
			>> "$out/job.yaml"
	done
	echo "          - /kvm/kselftest-lava.sh ${runner[*]}" >> "$out/job.yaml"
}

# ---- the dispatcher ----

# install_dispatcher: lava-run and its Python modules unpacked (once) into
# $out/dispatcher with vm/debian-apt.sh ($DEBIAN_APT_DIR, else OUT/apt);
# sets lava_root.
install_dispatcher()
{
	lava_root=$out/dispatcher/root
	unpack_once "$out/dispatcher" "${lava_packages[@]}"
	lava_python=$lava_root/usr/lib/python3/dist-packages
	lava_pythonpath=$lava_python
	local m
	for m in $lava_host_modules; do
		"$python" -c "import $m" 2> /dev/null ||
			die "$python cannot import $m (Debian: apt-get install $lava_host_packages)"
	done
	if [ "${LAVA_GUESTFS:-}" != system ] || ! "$python" -c 'import guestfs' 2> /dev/null; then
		lava_pythonpath=$here/lava:$lava_pythonpath
		echo "lava: libguestfs: the stand-in vm/lava/guestfs.py (mke2fs -d, qemu-img)"
	fi
}

# render_device: the device dictionary rendered with lava-server's
# device-type templates, as a lab's server renders it.
render_device()
{
	"$python" - "$out/device.jinja2" "$lava_root/usr/share/lava-server/device-types" \
		> "$out/device.yaml" <<'EOF' || die "rendering $out/device.jinja2 failed"
import os
import sys

import jinja2

dictionary, types = sys.argv[1:]
env = jinja2.Environment(loader=jinja2.FileSystemLoader([os.path.dirname(dictionary), types]),
			 trim_blocks=True, autoescape=False)
print(env.get_template(os.path.basename(dictionary)).render())
EOF
}

# ---- the run ----

# lava_line LINE: one line of lava-run's log (a YAML flow mapping per
# line): appended to $job_log; the guest's console lines and LAVA's
# errors printed.
lava_line()
{
	local re='^\{"dt": "[^"]*", "lvl": "([a-z]+)", "msg": (.*)\}$'
	printf '%s\n' "$1" >> "$job_log"
	[[ "${1#- }" =~ $re ]] || return 0
	case "${BASH_REMATCH[1]}" in
	target) printf '%s\n' "${BASH_REMATCH[2]}" | sed 's/^"\(.*\)"$/\1/' ;;
	error) echo "lava: error: ${BASH_REMATCH[2]}" ;;
	esac
}

# run_lava: lava-run on the job, its log streamed to $job_log, killed when
# silent for $stall s or after $deadline s; sets lava_rc, run_secs and why.
run_lava()
{
	job_log=$out/job.log
	: > "$job_log"
	rm -rf "$out/run"
	run_guarded "$out/lava-run.out" lava_line env PYTHONPATH="$lava_pythonpath" \
		"$python" "$lava_root/usr/bin/lava-run" --job-id "$$" --output-dir "$out/run" \
		--device "$out/device.yaml" "$out/job.yaml"
	lava_rc=$guard_rc
	run_secs=$guard_secs
}

# extract_job_log: from the job log, the KTAP report (the guest's lines
# between the markers), the LAVA results and the job's end.
extract_job_log()
{
	"$python" - "$job_log" "$out/report.ktap" "$out/lava-results.tsv" <<'EOF'
import sys

import yaml

log, ktap, results = sys.argv[1:]
inside = False
with open(log) as f, open(ktap, "w") as k, open(results, "w") as r:
	for line in f:
		line = line[2:] if line.startswith("- {") else line
		if not line.startswith("{"):
			continue
		try:
			entry = yaml.load(line, Loader=yaml.CSafeLoader)
		except yaml.YAMLError:
			continue
		lvl, msg = entry.get("lvl"), entry.get("msg")
		if lvl == "target" and isinstance(msg, str):
			msg = msg.rstrip("\r")
			if msg == "vm-lava: ktap begin":
				inside = True
			elif msg == "vm-lava: ktap end":
				inside = False
			elif inside:
				k.write(msg + "\n")
		elif lvl == "results" and isinstance(msg, dict):
			r.write("%s\t%s\t%s\n" % (msg.get("definition"), msg.get("case"),
						  msg.get("result")))
EOF
}

check_job()
{
	local ok=1 n_lava n_ktap
	install_dispatcher
	render_device
	echo "lava: lava-run, job $out/job.yaml on $out/device.yaml (log: $out/job.log)"
	run_lava
	extract_job_log || die "reading the job log $job_log failed"
	if [ -n "$why" ]; then
		echo "lava: lava-run killed: $why"
		ok=""
	fi
	echo "lava: lava-run ended after $run_secs s with status $lava_rc"
	if [ "$lava_rc" -ne 0 ]; then
		ok=""
		echo "lava: the end of lava-run's output ($out/lava-run.out):"
		tail -n 15 "$out/lava-run.out" | cut -c1-300 | sed 's/^/lava:   /'
	fi
	n_lava=$(grep -vc '^lava	' "$out/lava-results.tsv" || true)
	n_ktap=$(grep -c '^# \(not \)\{0,1\}ok \|^\(not \)\{0,1\}ok ' "$out/report.ktap" || true)
	echo "lava: $n_lava LAVA test cases ($out/lava-results.tsv), $n_ktap KTAP results"
	awk -F'\t' '$1 != "lava" { n[$3]++ } END { for (r in n) printf "lava:   %s %d\n", r, n[r] }' \
		"$out/lava-results.tsv" | sort
	grep '^lava	job	' "$out/lava-results.tsv" | sed 's/^/lava: LAVA /' || true
	if [ "$n_lava" -eq 0 ] || [ "$n_lava" -ne "$n_ktap" ]; then
		echo "lava: the LAVA test cases ($n_lava) are not the KTAP results ($n_ktap)"
		ok=""
	fi
	judge_report "$kvmdir/known-issues.txt" "$out/report.ktap" "$out/report.verdict" || ok=""
	[ -n "$ok" ] || { echo "lava: FAILED"; exit 1; }
	echo "lava: green"
}

build_suite
select_tests
resolve_kernel "${kernels[0]}"
echo "lava: kernel $kname ($bzimage)"
pack_initramfs
write_device_dictionary
write_job
echo "lava: job $out/job.yaml, device dictionary $out/device.jinja2, images $out/images"
[ "$cmd" = check ] || exit 0
require_tools qemu-system-x86_64 qemu-img mke2fs python3
[ "$(id -u)" = 0 ] || die "lava-run runs as root only (it says so itself)"
check_job
