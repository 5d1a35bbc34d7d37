#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# guest_test.sh: boots the dirty guest under QEMU TCG and checks the lines
# of its contract (dirty_guest.h): READY and consecutive PASS lines, the
# stale detector firing on the page selftest=stale corrupts, two CPUs each
# on its half, pacing by rate=, and a FAIL for bad arguments, a missing AP
# and a working set larger than RAM.  KTAP output; exit 4 (skip) without
# qemu-system-x86_64.
#
# Usage: guest_test.sh [DIRTY_GUEST_ELF]   (default: beside this script)
# Each boot waits for the lines it needs, at most BOOT_TIMEOUT seconds.
set -u

here=$(cd "$(dirname "$0")" && pwd)
elf=${1:-$here/dirty_guest.elf}
qemu=${QEMU:-qemu-system-x86_64}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-20}

echo "TAP version 13"
if ! command -v "$qemu" > /dev/null; then
	echo "1..0 # SKIP $qemu is not installed"
	exit 4
fi
if [ ! -r "$elf" ]; then
	echo "1..0 # FAIL no guest at $elf (make -C vmm/guest)"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/guest_test.XXXXXX") || exit 1
qemu_pid=""
cleanup()
{
	[ -z "$qemu_pid" ] || kill "$qemu_pid" 2> /dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

n=0
fails=0
result()	# result NAME STATUS [why]
{
	n=$((n + 1))
	if [ "$2" = 0 ]; then
		echo "ok $n $1"
	else
		echo "# $1: $3"
		echo "# its serial output (first 20 lines):"
		head -n 20 "$log" | sed 's/^/#   /'
		echo "not ok $n $1"
		fails=$((fails + 1))
	fi
}

# The complete lines of the serial log (QEMU writes as the guest prints).
lines()
{
	head -n "$(wc -l < "$log")" "$log"
}

# boot NAME PATTERN COUNT QEMU-ARGS...: boot the guest until COUNT complete
# lines match the extended regex PATTERN, or one is DG FAIL, or the
# deadline; the serial log is then in $log.
boot()
{
	local name=$1 pattern=$2 count=$3
	local deadline=$((SECONDS + BOOT_TIMEOUT))

	shift 3
	log=$tmp/$name.log
	: > "$log"
	"$qemu" -accel tcg -m 128 -nodefaults -display none -no-reboot -monitor none \
		-serial "file:$log" -kernel "$elf" "$@" > "$tmp/$name.qemu" 2>&1 &
	qemu_pid=$!
	while kill -0 "$qemu_pid" 2> /dev/null; do
		[ "$(lines | grep -cE "$pattern")" -ge "$count" ] && break
		lines | grep -q '^DG FAIL' && break
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "# $name: waited ${BOOT_TIMEOUT} s for $count lines matching '$pattern'"
			break
		fi
		sleep 0.1
	done
	kill "$qemu_pid" 2> /dev/null
	wait "$qemu_pid" 2> /dev/null
	qemu_pid=""
}

# passes_ok CPU MIN: CPU's PASS lines count n = 1, 2, ... (at least MIN of
# them) with the TSC increasing.
passes_ok()
{
	lines | awk -v cpu="$1" -v min="$2" '
		$1 == "DG" && $2 == "PASS" && $3 == "cpu=" cpu {
			split($4, a, "="); split($5, b, "=")
			if (a[2] != seen + 1 || (seen && b[2] <= tsc)) bad = 1
			seen = a[2]; tsc = b[2]
		}
		END { exit bad || seen < min }'
}

# Every line is one of the contract's.
lines_parse()
{
	! lines | grep -vqE '^DG (BOOT|INFO tsc_khz=[0-9]+ every=[0-9]+ selftest=(none|stale)|READY cpus=[0-9]+ mib=[0-9]+ pages=[0-9]+ base=0x[0-9a-f]+ rate=[0-9]+ rate1=[0-9]+|PASS cpu=[0-9]+ n=[0-9]+ tsc=[0-9]+|SELFTEST stale cpu=[0-9]+ page=[0-9]+ gpa=0x[0-9a-f]+ n=[0-9]+|STALE cpu=[0-9]+ page=[0-9]+ gpa=0x[0-9a-f]+ want=0x[0-9a-f]+ got=0x[0-9a-f]+|FAIL .*)$'
}

echo "1..9"

# running NAME CPUS: the READY of CPUS with mib=8, PASS lines 1, 2, 3, ...
# from each CPU, nothing stale, every line of the contract.
running()
{
	local cpu

	if ! lines | grep -qxE "DG READY cpus=$2 mib=8 pages=2048 base=0x[0-9a-f]+ rate=0 rate1=0"; then
		result "$1" 1 "no READY line for cpus=$2 mib=8 pages=2048 rate=0"
		return
	fi
	for cpu in $(seq 0 $(($2 - 1))); do
		if ! passes_ok "$cpu" 3; then
			result "$1" 1 "CPU $cpu: PASS lines not n=1,2,3,... with a rising TSC"
			return
		fi
	done
	if lines | grep -qE '^DG (STALE|FAIL)'; then
		result "$1" 1 "STALE or FAIL without a cause"
	elif ! lines_parse; then
		result "$1" 1 "a line outside the contract"
	else
		result "$1" 0
	fi
}

boot one_cpu '^DG PASS cpu=0 ' 5 -append "mib=8"
running one_cpu_passes 1

boot selftest_stale '^DG FAIL' 1 -append "mib=8 selftest=stale"
corrupt=$(lines | sed -nE 's/^DG SELFTEST stale cpu=0 page=([0-9]+) gpa=(0x[0-9a-f]+) n=2$/\1 \2/p')
if [ -z "$corrupt" ]; then
	result selftest_stale_detected 1 "no SELFTEST line for pass 2"
elif ! lines | grep -qx "DG STALE cpu=0 page=${corrupt% *} gpa=${corrupt#* } want=0x200 got=0x100"; then
	result selftest_stale_detected 1 "no STALE line naming page ${corrupt% *} (pass 1's value where pass 2's belongs)"
elif [ "$(lines | grep -c '^DG STALE')" != 1 ]; then
	result selftest_stale_detected 1 "other pages reported stale too"
elif [ "$(lines | tail -n 1)" != "DG FAIL stale cpu=0 n=3 pages=1" ]; then
	result selftest_stale_detected 1 "the last line is not the FAIL of one stale page in pass 3"
elif ! lines_parse; then
	result selftest_stale_detected 1 "a line outside the contract"
else
	result selftest_stale_detected 0
fi

# Both CPUs at pass 3 (their vCPU threads need not run in step).
boot two_cpus '^DG PASS cpu=[01] n=3 ' 2 -smp 2 -append "mib=8 cpus=2"
running two_cpus_passes 2

# With two CPUs, the page corrupted is the middle of CPU 0's half: 512.
boot two_cpus_stale '^DG FAIL' 1 -smp 2 -append "mib=8 cpus=2 selftest=stale"
if ! lines | grep -qxE 'DG STALE cpu=0 page=512 gpa=0x[0-9a-f]+ want=0x200 got=0x100'; then
	result two_cpus_selftest_stale 1 "no STALE line for CPU 0's page 512 (the middle of its half)"
elif ! lines | grep -qx 'DG FAIL stale cpu=0 n=3 pages=1'; then
	result two_cpus_selftest_stale 1 "no FAIL of one stale page on CPU 0"
else
	result two_cpus_selftest_stale 0
fi

# rate=2560 over 256 pages: 100 ms a pass.  The fastest of passes 2-6
# under 85 ms is broken pacing (a CPU catches up 10 ms at most, and 5 ms
# of margin); a slow pass is the host's load, so only the fastest one is
# held to an upper bound (2.5 s: gross errors only).
boot rate '^DG PASS cpu=0 ' 6 -append "mib=1 rate=2560"
khz=$(lines | sed -nE 's/^DG INFO tsc_khz=([0-9]+) .*/\1/p')
ms=$(lines | awk -v khz="${khz:-0}" '$2 == "PASS" && $3 == "cpu=0" {
		split($4, n, "="); split($5, t, "=")
		if (n[2] >= 2 && n[2] <= 6 && prev) {
			d = (t[2] - prev) / khz
			if (!cnt++ || d < min) min = d
			if (d > max) max = d
		}
		prev = t[2]
	}
	END { if (khz > 0 && cnt == 5) printf "%d %d", min, max }')
if [ -z "$ms" ]; then
	result rate_paces_passes 1 "no TSC frequency or not PASS lines 1-6"
elif [ "${ms% *}" -lt 85 ] || [ "${ms% *}" -gt 2500 ]; then
	result rate_paces_passes 1 "the fastest of passes 2-6 took ${ms% *} ms by the TSC, 100 ms wanted"
else
	echo "# rate=2560 over 256 pages: passes 2-6 took ${ms% *}-${ms#* } ms each (100 ms wanted)"
	result rate_paces_passes 0
fi

boot no_ap '^DG FAIL' 1 -append "mib=8 cpus=2"
if lines | grep -q '^DG FAIL smp: no AP started' && ! lines | grep -q '^DG READY'; then
	result missing_ap_fails 0
else
	result missing_ap_fails 1 "cpus=2 on a one-CPU VM did not fail before READY"
fi

boot too_big '^DG FAIL' 1 -append "mib=200"
if lines | grep -q '^DG FAIL mem: mib=200 ' && ! lines | grep -q '^DG READY'; then
	result working_set_beyond_ram_fails 0
else
	result working_set_beyond_ram_fails 1 "mib=200 on a 128 MiB VM did not fail before READY"
fi

bad=0
for arg in foo=1 verbose mib=8x cpus=3 rate=99999999999; do
	boot bad_arg '^DG FAIL' 1 -append "$arg"
	if ! lines | grep -q "^DG FAIL args: '$arg': " || lines | grep -q '^DG READY'; then
		echo "# argument '$arg': no DG FAIL args naming it before READY"
		bad=1
	fi
done
result bad_arguments_fail "$bad" "a bad argument was taken"

# The default working set, as the vmm check boots it.
boot default_mib '^DG PASS cpu=0 n=2 ' 1 -m 256
if lines | grep -qxE 'DG READY cpus=1 mib=64 pages=16384 base=0x[0-9a-f]+ rate=0 rate1=0' && passes_ok 0 2; then
	result default_64_mib 0
else
	result default_64_mib 1 "no READY for mib=64 or no PASS lines 1 and 2"
fi

echo "# guest_test: $((n - fails)) passed, $fails failed"
[ "$fails" = 0 ]
