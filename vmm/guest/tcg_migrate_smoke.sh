#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tcg_migrate_smoke.sh: one live migration of the dirty guest between two
# QEMU TCG processes on this host: the destination waits with -incoming
# and -S, the source migrates over a unix socket (HMP migrate -d) once the
# guest has done a few passes; then both RAMs are saved (pmemsave) and
# compared, and the destination resumes and must pass on without a STALE
# or FAIL line.  A smoke test of the guest, not of KVM (TCG tracks dirty
# pages itself); not run by make check.  HMP goes through pipe chardevs
# (PATH.in/PATH.out FIFOs), so nothing but QEMU and the shell is needed.
#
# Usage: tcg_migrate_smoke.sh [-s CPUS] [-b BYTES_PER_S] [-a ACCEL] [GUEST ARGS]
#   default guest arguments "mib=16 rate=4096", accel "tcg", 1 CPU, QEMU's
#   default bandwidth.  Exit 0 pass, 1 fail, 4 skip (no QEMU).
set -u

here=$(cd "$(dirname "$0")" && pwd)
elf=$here/dirty_guest.elf
qemu=${QEMU:-qemu-system-x86_64}
cpus=1
bandwidth=""
accel=tcg
mem_mib=256
passes_before=3
timeout=90

usage()
{
	cat <<EOF
Usage: $0 [-s CPUS] [-b BYTES_PER_S] [-a ACCEL] [GUEST ARGS]
One live migration of the dirty guest between two QEMUs on this host.
  -s CPUS         1 or 2 guest CPUs (default 1)
  -b BYTES_PER_S  the migration's max-bandwidth (default QEMU's)
  -a ACCEL        QEMU -accel (default tcg)
  GUEST ARGS      default "mib=16 rate=4096"
Exit 0 pass, 1 fail, 4 skip (no QEMU).
EOF
	exit "$1"
}

while getopts "s:b:a:h" opt; do
	case $opt in
	s) cpus=$OPTARG ;;
	b) bandwidth=$OPTARG ;;
	a) accel=$OPTARG ;;
	h) usage 0 ;;
	*) usage 1 ;;
	esac
done
shift $((OPTIND - 1))
args=${*:-mib=16 rate=4096}
case $cpus in 1|2) ;; *) usage 1 ;; esac
[ "$cpus" = 1 ] || args="$args cpus=$cpus"

command -v "$qemu" > /dev/null || { echo "SKIP: $qemu is not installed"; exit 4; }
[ -r "$elf" ] || { echo "FAIL: no guest at $elf (make -C vmm/guest)"; exit 1; }

d=$(mktemp -d "${TMPDIR:-/tmp}/tcg_migrate.XXXXXX") || exit 1
pids=()
cleanup()
{
	[ ${#pids[@]} = 0 ] || kill "${pids[@]}" 2> /dev/null
	wait 2> /dev/null
	[ -n "${KEEP:-}" ] && echo "kept $d" || rm -rf "$d"
}
trap cleanup EXIT
deadline=$((SECONDS + timeout))

fail()
{
	echo "FAIL: $*"
	exit 1
}

# start SIDE QEMU-ARGS...: a QEMU with its serial in SIDE.log and its HMP
# on the FIFOs SIDE.mon.in (commands, fd 3 or 4) and SIDE.mon.out.
start()
{
	local side=$1

	shift
	mkfifo "$d/$side.mon.in" "$d/$side.mon.out"
	"$qemu" -accel "$accel" -m "$mem_mib" -smp "$cpus" -nodefaults -display none \
		-no-reboot -kernel "$elf" -append "$args" -serial "file:$d/$side.log" \
		-chardev "pipe,id=mon,path=$d/$side.mon" -mon chardev=mon,mode=readline \
		"$@" 2> "$d/$side.err" &
	pids+=($!)
	cat "$d/$side.mon.out" > "$d/$side.hmp" &
	pids+=($!)
}

# wait_for FILE REGEX WHAT
wait_for()
{
	until grep -qaE "$2" "$1" 2> /dev/null; do
		[ "$SECONDS" -lt "$deadline" ] || fail "timed out waiting for $3"
		sleep 0.2
	done
}

last_pass()	# last_pass LOG CPU: the n of CPU's last PASS line
{
	sed -nE "s/^DG PASS cpu=$2 n=([0-9]+) .*/\1/p" "$1" | tail -n 1
}

start dst -incoming "unix:$d/migrate.sock" -S
start src
exec 3> "$d/src.mon.in" 4> "$d/dst.mon.in"

wait_for "$d/src.log" "^DG PASS cpu=0 n=$passes_before " "pass $passes_before on the source"
[ -z "$bandwidth" ] || echo "migrate_set_parameter max-bandwidth $bandwidth" >&3
echo "migrate -d unix:$d/migrate.sock" >&3
until grep -qaE '^Migration status: (completed|failed|cancelled)' "$d/src.hmp"; do
	[ "$SECONDS" -lt "$deadline" ] || fail "the migration did not end in $timeout s"
	echo "info migrate" >&3
	sleep 0.5
done
tr -d '\r' < "$d/src.hmp" | awk '/^Migration status: /{ s = $0 } END { print s }'
grep -qa '^Migration status: completed' "$d/src.hmp" || fail "the migration did not complete"
tr -d '\r' < "$d/src.hmp" | awk '/^Migration status: completed/ { p = 1 } p' |
	grep -aE '^(total time|downtime|transferred ram|dirty sync count):' | sort -u

# Both stopped: the source after completion, the destination by -S.
size=$((mem_mib << 20))
for side in src dst; do
	fd=3
	[ "$side" = src ] || fd=4
	echo "pmemsave 0 $size \"$d/$side.ram\"" >&$fd
done
for side in src dst; do
	until [ "$(stat -c %s "$d/$side.ram" 2> /dev/null)" = "$size" ]; do
		[ "$SECONDS" -lt "$deadline" ] || fail "pmemsave of $side did not finish"
		sleep 0.2
	done
done
ram_ok=1
if ! cmp -s "$d/src.ram" "$d/dst.ram"; then
	ram_ok=0
	echo "RAM differs in pages: $(cmp -l "$d/src.ram" "$d/dst.ram" |
		awk '{ printf "0x%x\n", int(($1 - 1) / 4096) * 4096 }' | uniq -c |
		awk '{ printf "%s (%d bytes) ", $2, $1 }')"
fi

echo "cont" >&4
for cpu in $(seq 0 $((cpus - 1))); do
	n=$(last_pass "$d/src.log" "$cpu")
	wait_for "$d/dst.log" "^DG (PASS cpu=$cpu n=$((n + 3)) |FAIL)" \
		"3 more passes of CPU $cpu on the destination"
done
grep -a '^DG \(STALE\|FAIL\)' "$d/dst.log" | head -n 5
for cpu in $(seq 0 $((cpus - 1))); do
	echo "CPU $cpu: source ended at pass $(last_pass "$d/src.log" "$cpu"), destination at $(last_pass "$d/dst.log" "$cpu")"
done
grep -qa '^DG \(STALE\|FAIL\)' "$d/dst.log" && fail "the destination reported a stale page"
[ "$ram_ok" = 1 ] || fail "source and destination RAM differ"
echo "PASS: RAM identical ($mem_mib MiB), the destination passes on"
