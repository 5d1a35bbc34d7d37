#!/bin/sh
# shellcheck shell=dash # busybox sh, which has local, as dash does
# SPDX-License-Identifier: GPL-2.0-only
#
# migrate.sh: QEMU's live migration of the dirty guest, checked byte for
# byte, one KTAP test per mode; runs inside vmm-check's outer VM (busybox
# sh, root, kvm_amd loaded) and prints the report on stdout.  -h: usage.
#
# Per mode: a source QEMU (-accel kvm with the mode's dirty-ring-size, or
# the bitmap) runs vmm/guest's dirty_guest.elf; a destination QEMU waits
# with -S -incoming on a unix socket.  On QEMU 7.x the destination runs
# without a ring: it logs no dirty page, and a ring there hits QEMU 7.2's
# start-up race (known-issues.txt, qemu-7.2-dirty-ring-reap-vcpu-creation)
# for nothing.  QEMU 8.0 fixed that race: from 8.0 on the destination runs
# with the source's ring, as users run it.  Once the guest has passed over its
# pages a few times, HMP `migrate -d` starts the precopy and `info migrate`
# is polled until it ends.  Cases:
#   migration_completed   status "completed", with the source running until
#                         QEMU stopped it itself (postmigrate), in time
#   ram_identical         pmemsave of both RAMs, compared by ramdiff (which
#                         names the differing pages and their passes)
#   cpu_state_identical   `info registers -a` of both the same
#   destination_runs_on   after `cont` the destination's guest passes over
#                         all its pages -P more times, no DG STALE/DG FAIL
#   ring_used             kernel tracepoints kvm_dirty_ring_push and
#   (bitmap: ring_unused) kvm_dirty_ring_reset were hit during the run
#                         (bitmap mode: none of push/reset/exit were)
#   no_qemu_errors        nothing on either QEMU's stderr
# With -N (the negative control: a kvm.ko that drops pushes) the ring modes
# expect lost pages: their ram_identical and destination_runs_on cases are
# replaced by lost_pages_named (ramdiff names pages of the working set that
# differ) and destination_sees_stale (the destination's guest reports
# DG STALE for one of those pages); every other case is unchanged, and the
# bitmap mode is judged as without -N.  When that kvm.ko's counter
# kvm.dirty_ring_dropped did not grow during a mode, the fault never
# fired: those two cases are a SKIP, not a pass.
#
# The modes of QEMU's features built on the ring (QEMU 8.1 and later for
# dirtylimit; every rate within tol_pct % + tol_mbs MB/s, see below):
#   dirtylimit        a migration as above that the guest outpaces on
#   autoconverge      purpose, throttled by QEMU: dirtylimit with the
#                     dirty-limit capability (vcpu-dirty-limit dl_limit
#                     MB/s), autoconverge with auto-converge (QEMU's CPU
#                     throttle) for comparison; both with a ring of tl_ring
#                     entries, a working set of tl_mib MiB, max-bandwidth
#                     tl_bw MB/s and throttle-trigger-threshold dl_trigger %.
#                     While the throttle is measured, downtime-limit is
#                     tl_hold_ms: the switchover threshold (bandwidth x
#                     downtime-limit) is a few pages, so the migration cannot
#                     converge while the guest dirties; tl_settle s after the
#                     throttle engaged the dirty rate is taken over tl_window
#                     s, by KVM's pushes (kvm_dirty_ring_push) and by the
#                     guest's passes; then downtime-limit becomes
#                     tl_release_ms, above the time the link needs for the
#                     whole working set, and the migration completes at the
#                     next sync.  So every run measures a throttled phase of
#                     the same length and ends, whatever the host's speed.
#                     More cases: dirty_limit_engaged (info vcpu_dirty_limit
#                     showed the limit on the vCPU) or cpu_throttle_engaged
#                     (info migrate showed a CPU throttle); dirtylimit also
#                     dirty_rate_held (KVM's pushes in the window, and the
#                     guest's whole passes inside it when they span half of
#                     it, at most the limit plus QEMU's dead band of dl_tol
#                     MB/s) and
#                     throttle_exits (KVM_EXIT_DIRTY_RING_FULL exits in the
#                     window: QEMU throttles a vCPU there; a SKIP when the
#                     guest dirtied at most limit + dl_tol before the
#                     throttle, which then has nothing to do)
#   dirtyrate         two vCPUs paced at dr_rate0 and dr_rate1 pages/s:
#                     calc_dirty_rate -r (dirty-ring mode) reports a rate
#                     per vCPU (ring_measured) that matches KVM's pushes
#                     from that vCPU's thread over the sample, counted as
#                     QEMU counts, within dr_tol_mbs (ring_rate_per_vcpu;
#                     dirty logging is on only while QEMU samples, so both
#                     count the same pages whatever the guest's pace), and
#                     the total (ring_rate_total); the same guest in a QEMU
#                     without a ring, -b (dirty-bitmap mode): its total
#                     near the guest's pace (bitmap_rate; a SKIP when the
#                     guest fell behind its pace around the sample, as a
#                     nested guest on a loaded host can); ring_used,
#                     no_qemu_errors
#   vcpu-dirty-limit  two unpaced vCPUs under dirty logging (a limit on
#                     vCPU 0 it never reaches): set_vcpu_dirty_limit on
#                     vCPU 1 shows in info vcpu_dirty_limit
#                     (limit_queried) with vCPU 1's current rate as the
#                     guest measures it (current_rate_reported); vCPU 1 is
#                     held at the limit plus dl_tol (limited_vcpu_held),
#                     slowed when it ran faster than that
#                     (limited_vcpu_slowed, else a SKIP), vCPU 0 is not
#                     (other_vcpu_unaffected); cancelling it
#                     (limit_cancelled) gives vCPU 1 its rate back
#                     (limited_vcpu_recovers); throttle_exits,
#                     no_qemu_errors
#
# Each mode also prints one "# vmm-result:" line with what it measured:
# migration time, downtime, transferred bytes, dirty syncs, tracepoint
# counts, and the guest's passes per second before and during migration.

here=$(dirname "$0")
guest=$here/dirty_guest.elf
ramdiff=$here/ramdiff
mib=64
rate=0
smp2_rate=1000
downtime_ms=""
warm_passes=2
window=3
dest_passes=2
mig_timeout=180
cpu_model=qemu64
negative=""
tracing=/sys/kernel/tracing
# The modes of QEMU's features built on the ring (see the header).  The
# tolerance of every rate compared: tol_pct % of the expected one plus
# tol_mbs MB/s (QEMU reports whole MB/s).  The guest's rate is taken over
# its whole passes around QEMU's one-second sample, and under nested KVM
# in a loaded TCG its pace stalls (the pacer restarts after 10 ms late):
# one second's rate was seen 1.6 times the passes' average.
tol_pct=50
tol_mbs=1
# QEMU's dirty limit leaves a vCPU alone within 25 MB/s of its limit
# (DIRTYLIMIT_TOLERANCE_RANGE in QEMU's dirtylimit.c, also the tolerance of
# QEMU's own test): a limited vCPU is held at limit + dl_tol MB/s at most.
dl_tol=25
dl_limit=1		# vcpu-dirty-limit, MB/s (QEMU's default)
dl_period=500		# x-vcpu-dirty-limit-period, ms: QEMU harvests the
			# rings and adjusts the throttle once per period
dl_trigger=1		# throttle-trigger-threshold, %: throttle at once
# dirtylimit and autoconverge (see the header)
tl_ring=1024		# entries (4 MiB): a vCPU dirtying more than 8 MB/s
			# fills it within a dl_period, so QEMU, which throttles
			# a vCPU only at its full exits, can hold it
tl_mib=4		# working set, 1024 pages: more than the ring holds
			# before its soft limit, and held near the limit (1-2
			# MB/s seen) a pass takes 2-4 s: whole passes inside
			# the window
tl_bw=8			# max-bandwidth, MB/s: below what the guest dirties
			# under logging (30-140 MB/s seen)
tl_hold_ms=1		# downtime-limit while the throttle is measured
tl_release_ms=10000	# then: the working set fits at 1 MB/s or more
tl_settle=3		# seconds after the throttle engaged (6 periods)
tl_window=8		# seconds the throttled rate is measured over
tl_engage_max=60	# seconds of migration without a throttle: released
ac_initial=20		# cpu-throttle-initial, % (QEMU's default)
ac_increment=10		# cpu-throttle-increment, % (QEMU's default)
dr_ring=4096
dr_mib=32		# 4096 pages a CPU
dr_rate0=1024		# pages/s: CPU 0 at 4 MB/s, a pass in 4 s
dr_rate1=512		# CPU 1 at 2 MB/s, a pass in 8 s
dr_secs=2		# calc_dirty_rate period: shorter than either pass
# QEMU's rates against KVM's pushes over the same sample, turned into MB/s
# as QEMU does (pages down to whole MiB, then the rate down to whole MB/s):
# each vCPU's within dr_tol_mbs, as KVM may push a page or two between
# QEMU's last harvest and the end of logging, which can cross a MiB.
dr_tol_mbs=1
dr_pace_pct=93		# of its pace the guest must keep over its passes
			# around the bitmap's sample (about 16 s: a stall of
			# at most 1.1 s, so at least 44 % of its pace within
			# the 2 s sample, inside tol_pct; CPU 1's pacer keeps
			# 96 %) for its pace to be the known rate
vl_ring=4096		# fewer entries than a CPU's pages: full exits
vl_mib=128		# 16384 pages a CPU: a pass takes more than the
			# second QEMU measures a rate over, so that the
			# pages written per second are the dirty rate
vl_rate=0		# unpaced: as fast as the vCPU dirties under logging
vl_limit=1		# set_vcpu_dirty_limit on vCPU 1, MB/s
vl_free=200		# vCPU 0's limit, never reached: dirty logging on
vl_window=6		# seconds a rate is measured over (twice that limited)
vl_settle=3		# seconds after a set or cancel before measuring
# The negative control's kvm.ko counts the pushes it dropped here.
dropped_file=/sys/module/kvm/parameters/dirty_ring_dropped

usage()
{
	cat <<EOF
Usage: $0 [OPTIONS] MODE...
Migrate the dirty guest with QEMU once per MODE and print one KTAP test
per mode.  MODE: ringN (dirty-ring-size=N entries, e.g. ring4096,
ring65536) or bitmap, optionally followed by -smp2 (two guest vCPUs:
cpus=2, each dirtying half the working set), e.g. ring4096-smp2; or one of
the modes of QEMU's features built on the ring (see the header):
dirtylimit, autoconverge, dirtyrate, vcpu-dirty-limit.
  -g GUEST     the guest ELF (default $guest)
  -m MIB       guest working set in MiB (default $mib)
  -r RATE      guest pages per second per CPU, 0 = unpaced (default $rate)
  -s RATE      the same for the -smp2 modes (default $smp2_rate: two
               unpaced CPUs dirty faster than nested QEMU migrates)
  -D MS        migrate_set_parameter downtime-limit (default: QEMU's, 300)
  -w SECONDS   how long the guest runs before migration (default $window);
               its passes per second are taken over all its passes so
               far, by its TSC (DG PASS tsc=, DG INFO tsc_khz=)
  -P PASSES    the destination must reach the source's last pass + PASSES
               (default $dest_passes: the pass the source was in, then one
               whole pass checking every page on the destination)
  -t SECONDS   migration timeout (default $mig_timeout)
  -c CPU       QEMU's -cpu for the guest (default $cpu_model)
  -T DIR       tracefs (default $tracing; the counts are the whole host's)
  -N           negative control: ring modes must lose pages (see the
               header of this script); bitmap modes must pass
  -h           this help
EOF
}

die_usage()
{
	echo "$0: $1" >&2
	usage >&2
	exit 2
}

is_count()
{
	case "$1" in
	''|*[!0-9]*) return 1 ;;
	esac
}

while getopts g:m:r:s:D:w:P:t:T:c:Nh opt; do
	case "$opt" in
	g) guest=$OPTARG ;;
	m) mib=$OPTARG ;;
	r) rate=$OPTARG ;;
	s) smp2_rate=$OPTARG ;;
	D) downtime_ms=$OPTARG ;;
	w) window=$OPTARG ;;
	P) dest_passes=$OPTARG ;;
	t) mig_timeout=$OPTARG ;;
	T) tracing=$OPTARG ;;
	c) cpu_model=$OPTARG ;;
	N) negative=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || die_usage "no MODE"
for v in "$mib" "$window" "$dest_passes" "$mig_timeout"; do
	is_count "$v" && [ "$v" -gt 0 ] || die_usage "bad value '$v': a positive number"
done
is_count "$rate" || die_usage "bad -r '$rate': pages per second, 0 for unpaced"
is_count "$smp2_rate" || die_usage "bad -s '$smp2_rate': pages per second, 0 for unpaced"
[ -z "$downtime_ms" ] || is_count "$downtime_ms" || die_usage "bad -D '$downtime_ms': milliseconds"
for mode in "$@"; do
	case "$mode" in
	dirtylimit|autoconverge|dirtyrate|vcpu-dirty-limit) continue ;;
	esac
	case "${mode%-smp2}" in
	bitmap) ;;
	ring*) n=${mode%-smp2}
		n=${n#ring}
		is_count "$n" && [ "$n" -gt 0 ] || die_usage "bad MODE '$mode'" ;;
	*) die_usage "bad MODE '$mode': ringN or bitmap, optionally -smp2, dirtylimit, autoconverge, dirtyrate or vcpu-dirty-limit" ;;
	esac
done

# ---- helpers ----

now_cs()	# centiseconds since boot
{
	local up
	read -r up _ < /proc/uptime
	echo $(( ${up%.*} * 100 + 1${up#*.} - 100 ))
}

diag()
{
	echo "# # $*"
}

# hmp SIDE COMMAND: run COMMAND on SIDE's monitor, print its output.
# Returns 1 if no prompt came back within 120 s or the QEMU is gone.
hmp()
{
	local log=$dir/$1.mon.log prompts i=0 pid
	eval "pid=\$${1}_pid"
	prompts=$(grep -c '(qemu)' "$log")
	echo "$2" 1<> "$dir/$1.mon.in"
	while [ "$(grep -c '(qemu)' "$log")" -le "$prompts" ]; do
		i=$((i + 1))
		[ $i -le 1200 ] || { echo "hmp: no answer to '$2' from $1"; return 1; }
		kill -0 "$pid" 2>/dev/null || { echo "hmp: the $1 QEMU is gone"; return 1; }
		sleep 0.1
	done
	sed 's/\x1b\[[0-9]*[A-Z]//g; s/\r//g' "$log" |
		awk -v n="$prompts" '/\(qemu\)/ { p++; next } p == n { print }'
}

# hmp_wait_prompt SIDE: wait (30 s at most) for the monitor's first prompt.
hmp_wait_prompt()
{
	local i=0
	until grep -q '(qemu)' "$dir/$1.mon.log" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le 300 ] || return 1
		sleep 0.1
	done
}

# start_qemu SIDE ACCEL ARGS...: one QEMU of the mode, its monitor on a
# pipe.
start_qemu()
{
	local side=$1 accel=$2
	shift 2
	mkfifo "$dir/$side.mon.in" "$dir/$side.mon.out"
	: > "$dir/$side.serial"
	qemu-system-x86_64 $accel -cpu "$cpu_model" -m "${ram_mib}M" -smp "$cpus" \
		-global kvm-apic.vapic=false \
		-nodefaults -display none -no-reboot \
		-kernel "$guest" -append "mib=$mode_mib cpus=$cpus rate=$mode_rate${mode_rate1:+ rate1=$mode_rate1}" \
		-serial "file:$dir/$side.serial" \
		-chardev "pipe,id=mon,path=$dir/$side.mon" -monitor chardev:mon \
		"$@" > "$dir/$side.out" 2> "$dir/$side.err" &
	eval "${side}_pid=$!"
	cat 0<> "$dir/$side.mon.out" > "$dir/$side.mon.log" &
	eval "${side}_cat=$!"
}

stop_qemu()
{
	local side=$1 pid cat i=0
	eval "pid=\$${side}_pid cat=\$${side}_cat"
	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		echo quit 1<> "$dir/$side.mon.in"
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
			i=$((i + 1))
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	kill "$cat" 2>/dev/null
	wait "$cat" 2>/dev/null
	eval "${side}_pid="
}

# last_pass SERIAL: the lowest, over the guest's CPUs, of the highest
# pass each printed (0 before every CPU printed one).  Only whole PASS
# lines count: a destination's serial port has been seen to print lines
# with bytes missing after a migration (malformed_lines).
last_pass()
{
	awk -v cpus="$cpus" '
	/^DG PASS cpu=[0-9]+ n=[0-9]+ tsc=[0-9]+$/ {
		c = $3; sub(/cpu=/, "", c); n = $4; sub(/n=/, "", n)
		if (!(c in last) || n + 0 > last[c]) last[c] = n + 0
	}
	END {
		low = -1
		for (c = 0; c < cpus; c++) {
			if (!(c in last)) { low = 0; break }
			if (low < 0 || last[c] + 0 < low) low = last[c] + 0
		}
		print low < 0 ? 0 : low
	}' "$1"
}

# malformed_lines SERIAL: how many lines of SERIAL (but the last, which
# may be still being written) are not whole lines of the guest's
# contract, and the first of them.
malformed_lines()
{
	sed '$d' "$1" | awk '/^DG / && !/^DG (BOOT|INFO|READY|SELFTEST|STALE|FAIL)( |$)/ &&
	     !/^DG PASS cpu=[0-9]+ n=[0-9]+ tsc=[0-9]+$/ { if (!n++) first = $0 }
	     /^[^D]/ || /^D[^G]/ { if (!n++) first = $0 }
	     END { if (n) printf "%d malformed lines, the first: '\''%s'\''\n", n, first }'
}

# wait_pass SIDE N SECONDS: until every CPU printed pass N; 1 on timeout,
# on DG FAIL or when QEMU is gone, with wait_why set.
wait_pass()
{
	local side=$1 want=$2 limit=$(($(now_cs) + $3 * 100)) pid
	eval "pid=\$${side}_pid"
	wait_why=""
	while [ "$(last_pass "$dir/$side.serial")" -lt "$want" ]; do
		if grep -q '^DG FAIL' "$dir/$side.serial"; then
			wait_why="$side guest: $(grep -m 1 '^DG FAIL' "$dir/$side.serial")"
		elif ! kill -0 "$pid" 2>/dev/null; then
			wait_why="$side QEMU exited: $(head -n 2 "$dir/$side.err" | tr '\n' ' ')"
		elif [ "$(now_cs)" -ge "$limit" ]; then
			wait_why="$side guest at pass $(last_pass "$dir/$side.serial") after $3 s, not $want (serial: $(wc -l < "$dir/$side.serial") lines, the last: '$(tail -n 1 "$dir/$side.serial")'; QEMU: $(head -n 2 "$dir/$side.err" | tr '\n' ' '))"
		fi
		[ -z "$wait_why" ] || return 1
		sleep 0.2
	done
}

# pass_rate SERIAL FROM TO [CPU]: CPU's (default 0) passes per second (two
# decimals) over its PASS lines FROM to TO of SERIAL (from the last one
# before line FROM), by the TSC of the PASS lines and the guest's "DG INFO
# tsc_khz="; empty without two such lines or without tsc_khz.
pass_rate()
{
	awk -v from="$2" -v to="$3" -v cpu="${4:-0}" '
	/^DG INFO / && match($0, /tsc_khz=[0-9]+/) { khz = substr($0, RSTART + 8, RLENGTH - 8) }
	$0 ~ "^DG PASS cpu=" cpu " n=[0-9]+ tsc=[0-9]+$" && NR <= to {
		n = $4; sub(/n=/, "", n); t = $5; sub(/tsc=/, "", t)
		n += 0; t += 0	# numbers, not strings, in the comparisons below
		if (NR < from || !have) { n0 = n; t0 = t; have = 1 }
		else { n1 = n; t1 = t; more = 1 }
	}
	END {
		if (khz && more && t1 > t0)
			printf "%.2f\n", (n1 - n0) * khz * 1000 / (t1 - t0)
	}' "$1"
}

# qemu_state SIDE: where SIDE's guest is, for a diagnosis: VM status and
# the instruction pointer twice, a second apart.
qemu_state()
{
	local eip0 eip1
	eip0=$(hmp "$1" "info registers" | grep -o '[ER]IP=[0-9a-f]*' | head -n 1)
	sleep 1
	eip1=$(hmp "$1" "info registers" | grep -o '[ER]IP=[0-9a-f]*' | head -n 1)
	echo "$(hmp "$1" "info status" | tr '\n' ' ')$eip0 then $eip1, serial $(wc -l < "$dir/$1.serial") lines, the last '$(tail -n 1 "$dir/$1.serial")'"
}

# ---- tracepoints ----

trace_events="kvm_dirty_ring_push kvm_dirty_ring_reset kvm_dirty_ring_exit"

# trace_arm: fresh hit counters (hist triggers) on the dirty ring events;
# sets trace_ok or trace_why.
trace_arm()
{
	local ev f
	trace_ok="" trace_why=""
	[ -d "$tracing/events" ] || mount -t tracefs nodev "$tracing" 2>/dev/null
	for ev in $trace_events; do
		f=$tracing/events/kvm/$ev/trigger
		[ -w "$f" ] || { trace_why="no $f (tracefs or the kvm events missing)"; return; }
		echo "!hist:keys=common_pid" > "$f" 2>/dev/null
		echo "hist:keys=common_pid" > "$f" 2>/dev/null ||
			{ trace_why="cannot set a hist trigger on $ev (CONFIG_HIST_TRIGGERS?)"; return; }
	done
	trace_ok=1
}

# hits_case CASE HITS WHY: CASE ok when a tracepoint counted HITS > 0, a
# SKIP without the tracepoints, a failure when the mode measured nothing
# ($why), else a failure saying WHY.
hits_case()
{
	if [ -z "$trace_ok" ]; then
		report skip "$1" "cannot count the dirty ring tracepoints: $trace_why"
	elif [ -n "$why" ]; then
		report fail "$1" "nothing measured: $why"
	elif [ "${2:-0}" -gt 0 ]; then
		report ok "$1"
	else
		report fail "$1" "$3"
	fi
}

# trace_count EVENT: the hits since trace_arm.
trace_count()
{
	sed -n 's/^ *Hits: *\([0-9]*\).*/\1/p' "$tracing/events/kvm/$1/hist" | tail -n 1
}

# ---- KTAP ----

case_n=0
case_failed=0

# report RESULT NAME [WHY]: RESULT ok, fail or skip.
report()
{
	case_n=$((case_n + 1))
	case "$1" in
	ok) echo "# ok $case_n $2" ;;
	skip) echo "# ok $case_n $2 # SKIP $3" ;;
	*) echo "# # FAIL [$mode $2] $3"
	   echo "# not ok $case_n $2"
	   case_failed=1 ;;
	esac
}

# info_field TEXT-FILE FIELD: the value of "FIELD: value" in HMP output.
info_field()
{
	sed -n "s/^$2: *//p" "$1" | head -n 1
}

# mig_field INFO-MIGRATE NAME: status, total_ms, downtime_ms,
# transferred_kb or dirty_syncs from `info migrate`, in either of its
# formats: "Migration status: ..." lines up to QEMU 10.0, "Status:",
# "Time (ms): total=..., down=..." and "key=value" lists from 10.1 on.
mig_field()
{
	if grep -q '^Migration status:' "$1"; then
		case "$2" in
		status) info_field "$1" "Migration status" ;;
		total_ms) info_field "$1" 'total time' | cut -d' ' -f1 ;;
		downtime_ms) info_field "$1" downtime | cut -d' ' -f1 ;;
		transferred_kb) info_field "$1" 'transferred ram' | cut -d' ' -f1 ;;
		dirty_syncs) info_field "$1" 'dirty sync count' ;;
		esac
		return
	fi
	tr -d '\t' < "$1" | awk -v want="$2" '
	function kv(key,   m) {
		if (match($0, key "=[0-9.]+( [KMG]?i?B)?")) {
			m = substr($0, RSTART + length(key) + 1, RLENGTH - length(key) - 1)
			return m
		}
		return ""
	}
	/^Status:/ && want == "status" { sub(/^Status: */, ""); print; exit }
	/^Time \(ms\):/ && want == "total_ms" { print kv("total"); exit }
	/^Time \(ms\):/ && want == "downtime_ms" { print kv("down"); exit }
	/transferred=/ && want == "transferred_kb" {
		v = kv("transferred"); n = v + 0
		if (v ~ / B$/) n /= 1024; else if (v ~ /MiB$/) n *= 1024; else if (v ~ /GiB$/) n *= 1048576
		printf "%d\n", n; exit
	}
	/dirty_syncs=/ && want == "dirty_syncs" { print kv("dirty_syncs"); exit }'
}

# ---- one mode ----

# test_result NAME: the mode's KTAP result line, from its cases.
test_result()
{
	test_n=$((test_n + 1))
	if [ "$case_failed" -eq 0 ]; then
		echo "ok $test_n selftests: vmm: $1"
	else
		echo "not ok $test_n selftests: vmm: $1 # exit=1"
		all_failed=1
	fi
}

# mode_files: the mode's RAM size, a fresh $dir and its empty logs.
mode_files()
{
	ram_mib=$((mode_mib + 32))
	dir=/tmp/vmm-$mode
	rm -rf "$dir" && mkdir -p "$dir"
	src_pid=""
	: > "$dir/src.serial"
	: > "$dir/dst.serial"
	: > "$dir/src.err"
	: > "$dir/dst.err"
}

run_mode()
{
	local ring size lm0 tm0 tm1 status side pid bad
	local ready base pages why got dsrc rc stale_page
	mode=$1
	cpus=1 mode_rate=$rate mode_mib=$mib mode_rate1="" tl_result=""
	tl_why="" tl_t0="" tl_ws="" tl_we="" tl_released=""
	throttled="" ring=${mode%-smp2}
	case "$mode" in
	*-smp2) cpus=2 mode_rate=$smp2_rate ;;
	dirtylimit|autoconverge) throttled=$mode ring=ring$tl_ring mode_mib=$tl_mib ;;
	esac
	if [ "$ring" = bitmap ]; then
		accel="-accel kvm"
		size=""
	else
		size=${ring#ring}
		accel="-accel kvm,dirty-ring-size=$size"
	fi
	mode_files
	: > "$dir/info.migrate"
	: > "$dir/migrate.out"
	case_n=0 case_failed=0
	echo "# selftests: vmm: migrate_$mode"
	echo "# TAP version 13"
	plan=6
	case "$mode" in
	dirtylimit) plan=9 ;;
	autoconverge) plan=7 ;;
	esac
	echo "# 1..$plan"
	dst_accel="-accel kvm"
	[ "$qemu_major" -lt 8 ] || dst_accel=$accel
	diag "$mode: QEMU $qemu_version, source $accel, destination $dst_accel, -m ${ram_mib}M -smp $cpus, guest mib=$mode_mib cpus=$cpus rate=$mode_rate${downtime_ms:+, downtime-limit $downtime_ms ms}${negative:+ (negative control: ring modes must lose pages)}"

	trace_arm
	drop0=$(cat "$dropped_file" 2>/dev/null)
	# One QEMU after the other: the source starts faster (see
	# known-issues.txt, qemu-7.2-dirty-ring-reap-vcpu-creation).
	why=""
	start_qemu src "$accel"
	hmp_wait_prompt src || why="the source's monitor never answered"
	if [ -z "$why" ] && ! wait_pass src "$warm_passes" 120; then
		why="before migration: $wait_why; source $(qemu_state src)"
	fi
	if [ -z "$why" ]; then
		start_qemu dst "$dst_accel" -S -incoming "unix:$dir/mig.sock"
		hmp_wait_prompt dst || why="the destination's monitor never answered"
	fi
	ready=$(grep -m 1 '^DG READY' "$dir/src.serial")
	base=$(echo "$ready" | sed -n 's/.* base=\(0x[0-9a-fA-F]*\).*/\1/p')
	pages=$(echo "$ready" | sed -n 's/.* pages=\([0-9]*\).*/\1/p')
	[ -n "$why" ] || { [ -n "$base" ] && [ -n "$pages" ]; } || why="no DG READY line with base= and pages= from the guest: '$ready'"

	before="" during=""
	if [ -z "$why" ]; then
		sleep "$window"
		before=$(pass_rate "$dir/src.serial" 1 "$(wc -l < "$dir/src.serial")")
		hmp src "info status" > "$dir/src.status0"
		grep -q 'VM status: running' "$dir/src.status0" ||
			why="the source is not running before migration: $(tr '\n' ' ' < "$dir/src.status0")"
	fi
	for side in src dst; do
		eval "pid=\$${side}_pid"
		[ -n "$why" ] || kill -0 "$pid" 2>/dev/null ||
			why="the $side QEMU exited before the migration: $(head -n 3 "$dir/$side.err" | tr '\n' ' ')"
	done

	status=""
	if [ -z "$why" ]; then
		[ -z "$downtime_ms" ] ||
			hmp src "migrate_set_parameter downtime-limit $downtime_ms" > "$dir/migrate.out"
		[ -z "$throttled" ] || throttle_setup
		lm0=$(wc -l < "$dir/src.serial") tm0=$(now_cs)
		[ -z "$throttled" ] || tl_push0=$(trace_count kvm_dirty_ring_push 2>/dev/null)
		hmp src "migrate -d unix:$dir/mig.sock" >> "$dir/migrate.out"
		while kill -0 "$src_pid" 2>/dev/null; do
			hmp src "$info_migrate" > "$dir/info.migrate"
			[ -z "$throttled" ] || throttle_poll
			status=$(mig_field "$dir/info.migrate" status)
			case "$status" in
			completed|failed|cancelled) break ;;
			esac
			[ $(( $(now_cs) - tm0 )) -lt $((mig_timeout * 100)) ] || break
			sleep 0.5
		done
		tm1=$(now_cs) lm1=$(wc -l < "$dir/src.serial")
		[ -z "$throttled" ] || throttle_window_end
		during=$(pass_rate "$dir/src.serial" "$lm0" "$lm1")
		# no pass ended during the migration: less than one in its time
		[ -n "$during" ] || ! grep -q "^DG INFO .*tsc_khz=" "$dir/src.serial" ||
			during=$(awk -v cs=$((tm1 - tm0 + 1)) 'BEGIN { printf "<%.2f\n", 100 / cs }')
	fi

	# migration_completed
	if [ -n "$why" ]; then
		report fail migration_completed "$why"
	elif [ "$status" != completed ]; then
		report fail migration_completed "status '$status' after $(( (tm1 - tm0) / 100 )) s (timeout ${mig_timeout} s), $(grep -E 'dirty sync count|remaining ram|expected downtime|dirty_syncs|remain=' "$dir/info.migrate" | tr '\n\t' '  ')$(tr '\n' ' ' < "$dir/migrate.out")"
		hmp src "migrate_cancel" > /dev/null
	else
		hmp src "info status" > "$dir/src.status"
		if grep -q 'paused (postmigrate)' "$dir/src.status"; then
			report ok migration_completed
		else
			report fail migration_completed "completed, but the source is $(tr '\n' ' ' < "$dir/src.status")"
		fi
	fi

	# ram_identical / lost_pages_named, cpu_state_identical
	dropped=""
	[ -z "$drop0" ] || dropped=$(( $(cat "$dropped_file") - drop0 ))
	rc=""
	if [ "$status" = completed ]; then
		hmp src "pmemsave 0 $(printf 0x%x $((ram_mib << 20))) \"$dir/src.ram\"" > "$dir/pmemsave.out"
		hmp dst "pmemsave 0 $(printf 0x%x $((ram_mib << 20))) \"$dir/dst.ram\"" >> "$dir/pmemsave.out"
		rc=0
		# every differing page named (destination_sees_stale looks its
		# page up there), the first 32 in the report
		"$ramdiff" -b "$base" -n "$pages" -l "$pages" "$dir/src.ram" "$dir/dst.ram" \
			> "$dir/ramdiff.out" 2>&1 || rc=$?
		awk '/^ramdiff: page / && ++n > 32 { more++; next } { print "# # " $0 }
		     END { if (more) printf "# # ramdiff: %d more pages named, not printed\n", more }' \
			"$dir/ramdiff.out"
		rm -f "$dir/src.ram" "$dir/dst.ram"
	fi
	if [ -z "$rc" ]; then
		report fail "$ram_case" "no migration to compare${why:+: $why}"
	elif [ "$rc" -eq 2 ]; then
		report fail "$ram_case" "ramdiff could not compare the dumps: $(tail -n 1 "$dir/ramdiff.out") $(tr '\n' ' ' < "$dir/pmemsave.out")"
	elif [ "$ram_case" = lost_pages_named ]; then
		if [ "$dropped" = 0 ]; then
			report skip lost_pages_named "the fault never fired: kvm.dirty_ring_dropped did not grow"
		elif grep -q '^ramdiff: page [0-9]* gpa' "$dir/ramdiff.out"; then
			report ok lost_pages_named
		else
			report fail lost_pages_named "the negative control lost no page: $(tail -n 1 "$dir/ramdiff.out")"
		fi
	elif [ "$rc" -eq 0 ]; then
		report ok ram_identical
	else
		report fail ram_identical "PAGES LOST: source and destination RAM differ: $(tail -n 1 "$dir/ramdiff.out")"
	fi

	if [ "$status" = completed ]; then
		hmp src "info registers -a" > "$dir/src.regs"
		hmp dst "info registers -a" > "$dir/dst.regs"
		if ! grep -q 'EIP=\|RIP=' "$dir/src.regs"; then
			report fail cpu_state_identical "no registers from the source: $(head -n 2 "$dir/src.regs")"
		elif cmp -s "$dir/src.regs" "$dir/dst.regs"; then
			report ok cpu_state_identical
		else
			report fail cpu_state_identical "registers differ: $(diff "$dir/src.regs" "$dir/dst.regs" | grep '^[-+][^-+]' | head -n 4 | tr '\n' ' ')"
		fi
	else
		report fail cpu_state_identical "no migration to compare${why:+: $why}"
	fi

	# destination_runs_on / destination_sees_stale
	got=""
	if [ "$status" = completed ]; then
		dsrc=$(last_pass "$dir/src.serial")
		hmp dst cont > /dev/null
		dst_state=""
		if ! wait_pass dst $((dsrc + dest_passes)) 120; then
			diag "$wait_why"
			dst_state="; destination $(qemu_state dst)"
		fi
		got=$(last_pass "$dir/dst.serial")
	fi
	stale_page=$(sed -n 's/^DG STALE .*page=\([0-9]*\).*/\1/p' "$dir/dst.serial" | head -n 1)
	for side in src dst; do
		bad=$(malformed_lines "$dir/$side.serial")
		[ -z "$bad" ] || diag "$side serial port: $bad"
	done
	if [ -z "$got" ]; then
		report fail "$dest_case" "no migration to run on${why:+: $why}"
	elif [ "$dest_case" = destination_sees_stale ]; then
		if [ "$dropped" = 0 ] && [ -z "$stale_page" ]; then
			report skip destination_sees_stale "the fault never fired: kvm.dirty_ring_dropped did not grow"
		elif [ -z "$stale_page" ]; then
			report fail destination_sees_stale "the destination's guest reached pass $got with no DG STALE"
		elif grep -q "^ramdiff: page $stale_page gpa" "$dir/ramdiff.out"; then
			diag "$(grep -m 1 '^DG STALE' "$dir/dst.serial")"
			report ok destination_sees_stale
		else
			report fail destination_sees_stale "DG STALE names page $stale_page, which ramdiff did not list: $(grep -m 1 '^DG STALE' "$dir/dst.serial")"
		fi
	elif grep -q '^DG STALE\|^DG FAIL' "$dir/dst.serial"; then
		report fail destination_runs_on "PAGES LOST: $(grep -m 2 '^DG STALE\|^DG FAIL' "$dir/dst.serial" | tr '\n' ' ')"
	elif [ "$got" -lt $((dsrc + dest_passes)) ]; then
		report fail destination_runs_on "the destination's guest reached pass $got, not $((dsrc + dest_passes)), in 120 s (source ended at $dsrc)$dst_state"
	else
		report ok destination_runs_on
	fi

	case "$throttled" in
	dirtylimit) dirtylimit_cases ;;
	autoconverge) autoconverge_cases ;;
	esac

	stop_qemu src
	stop_qemu dst

	# ring_used / ring_unused
	pushes=$(trace_count kvm_dirty_ring_push 2>/dev/null)
	resets=$(trace_count kvm_dirty_ring_reset 2>/dev/null)
	exits=$(trace_count kvm_dirty_ring_exit 2>/dev/null)
	if [ -z "$trace_ok" ]; then
		report skip "$trace_case" "cannot count the dirty ring tracepoints: $trace_why"
	elif [ -n "$why" ]; then
		report fail "$trace_case" "no migration ran: $why"
	elif [ -z "$pushes" ] || [ -z "$resets" ] || [ -z "$exits" ]; then
		report fail "$trace_case" "no hit counts in $tracing/events/kvm/*/hist"
	elif [ -z "$size" ]; then
		if [ "$((pushes + resets + exits))" -eq 0 ]; then
			report ok ring_unused
		else
			report fail ring_unused "bitmap mode, yet the ring was used: $pushes pushes, $resets resets, $exits full exits"
		fi
	elif [ "$pushes" -gt 0 ] && [ "$resets" -gt 0 ]; then
		report ok ring_used
	else
		report fail ring_used "dirty-ring-size=$size, yet $pushes pushes, $resets resets, $exits full exits: the ring was not used"
	fi

	# no_qemu_errors
	if [ -s "$dir/src.err" ] || [ -s "$dir/dst.err" ]; then
		report fail no_qemu_errors "QEMU stderr: $(cat "$dir/src.err" "$dir/dst.err" | head -n 4 | tr '\n' ' ')"
	else
		report ok no_qemu_errors
	fi

	result_line
	test_result "migrate_$mode"
}

# result_line: what the mode measured, one line.
result_line()
{
	local f=$dir/info.migrate
	echo "# vmm-result: mode=$mode cpus=$cpus status=${status:-none}" \
		"total_ms=$(mig_field "$f" total_ms)" \
		"downtime_ms=$(mig_field "$f" downtime_ms)" \
		"transferred_kb=$(mig_field "$f" transferred_kb)" \
		"dirty_syncs=$(mig_field "$f" dirty_syncs)" \
		"pushes=${pushes:-?} resets=${resets:-?} full_exits=${exits:-?}" \
		${dropped:+"dropped=$dropped"} ${tl_result:+$tl_result} \
		"passes_per_s_before=${before:-?} passes_per_s_during=${during:-?}"
}

# ---- QEMU's features built on the ring ----

# qemu_at_least MAJOR MINOR: is the QEMU under test that version or newer?
qemu_at_least()
{
	local minor=${qemu_version#*.}
	minor=${minor%%.*}
	[ "$qemu_major" -gt "$1" ] || { [ "$qemu_major" -eq "$1" ] && [ "$minor" -ge "$2" ]; }
}

# to_mbs PASSES_PER_S PAGES_PER_PASS: MB/s (MiB, as QEMU counts them), two
# decimals; "<X" (no whole pass in the window) stays an upper bound.
to_mbs()
{
	awk -v r="$1" -v p="$2" 'BEGIN {
		lt = sub(/^</, "", r)
		printf "%s%.2f\n", lt ? "<" : "", r * p / 256 }'
}

# within KNOWN GOT PCT MBS: GOT within PCT % of KNOWN plus MBS MB/s.
within()
{
	awk -v k="$1" -v g="$2" -v p="$3" -v m="$4" 'BEGIN {
		d = g - k; if (d < 0) d = -d
		exit !(k != "" && g != "" && d <= k * p / 100 + m) }'
}

# near KNOWN GOT: GOT within tol_pct % of KNOWN plus tol_mbs MB/s.
near()
{
	within "$1" "$2" "$tol_pct" "$tol_mbs"
}

# qemu_mbs PAGES: a vCPU's dirty rate as QEMU reports it for PAGES over
# its dr_secs sample: whole MiB, then whole MB/s.
qemu_mbs()
{
	awk -v p="$1" -v s="$dr_secs" 'BEGIN { printf "%d\n", int(int(p / 256) / s) }'
}

# on_pace GOT PACE: GOT is at least dr_pace_pct % of PACE.
on_pace()
{
	awk -v g="$1" -v p="$2" -v pct="$dr_pace_pct" 'BEGIN {
		sub(/^</, "", g); exit !(g != "" && g * 100 >= p * pct) }'
}

# vcpu_threads SIDE: the thread id of each of SIDE's vCPUs, in order.
vcpu_threads()
{
	hmp "$1" "info cpus" | sed -n 's/.*CPU #[0-9]*:.*thread_id=\([0-9]*\).*/\1/p'
}

# pushes_of TID: kvm_dirty_ring_push hits of thread TID since trace_arm.
pushes_of()
{
	[ -r "$tracing/events/kvm/kvm_dirty_ring_push/hist" ] || { echo 0; return; }
	awk -v t="$1" '/common_pid:/ && /hitcount:/ {
		k = $0; sub(/.*common_pid: */, "", k); sub(/ *}.*/, "", k)
		sub(/.*\[/, "", k); sub(/\]$/, "", k)
		if (k == t) { v = $0; sub(/.*hitcount: */, "", v); n += v + 0 }
	} END { print n + 0 }' "$tracing/events/kvm/kvm_dirty_ring_push/hist"
}

# at_most GOT LIMIT: GOT (maybe "<X") is at most LIMIT.
at_most()
{
	awk -v g="$1" -v l="$2" 'BEGIN { sub(/^</, "", g); exit !(g != "" && g + 0 <= l + 0) }'
}

# window_rates SIDE SECONDS PAGES: each guest CPU's dirty rate in MB/s over
# the next SECONDS, by its PASS lines ("<X" when none ended), in rate0 and
# rate1.
window_rates()
{
	local from to c r
	from=$(wc -l < "$dir/$1.serial")
	sleep "$2"
	to=$(wc -l < "$dir/$1.serial")
	for c in 0 1; do
		r=$(pass_rate "$dir/$1.serial" "$from" "$to" "$c")
		[ -n "$r" ] || r=$(awk -v s="$2" 'BEGIN { printf "<%.2f\n", 1 / s }')
		eval "rate$c=\$(to_mbs \"\$r\" \"\$3\")"
	done
}

# cpu_pass_wait SIDE CPU SECONDS: until CPU ends one more pass; 1 after
# SECONDS without.
cpu_pass_wait()
{
	local n0 i=0
	n0=$(grep -c "^DG PASS cpu=$2 " "$dir/$1.serial")
	while [ "$(grep -c "^DG PASS cpu=$2 " "$dir/$1.serial")" -le "$n0" ]; do
		i=$((i + 1))
		[ $i -le $(($3 * 5)) ] || return 1
		sleep 0.2
	done
}

# mode_start MODE CPUS MIB RATE [RATE1]: a fresh directory and KTAP
# header for a mode that is not one migration.
mode_start()
{
	mode=$1 cpus=$2 mode_mib=$3 mode_rate=$4 mode_rate1=${5:-}
	mode_files
	case_n=0 case_failed=0
	echo "# selftests: vmm: $mode"
	echo "# TAP version 13"
}

mode_end()
{
	stop_qemu src
	stop_qemu dst
	test_result "$mode"
}

# guest_start SIDE ACCEL PASSES: start SIDE and wait until each CPU ended
# PASSES passes; sets why and the guest's pages per CPU (pages_cpu).
guest_start()
{
	local ready pages
	start_qemu "$1" "$2"
	hmp_wait_prompt "$1" || { why="the $1 QEMU's monitor never answered"; return; }
	wait_pass "$1" "$3" 120 || { why="$wait_why; $1 $(qemu_state "$1")"; return; }
	ready=$(grep -m 1 '^DG READY' "$dir/$1.serial")
	pages=$(echo "$ready" | sed -n 's/.* pages=\([0-9]*\).*/\1/p')
	[ -n "$pages" ] || { why="no DG READY line with pages= from the guest: '$ready'"; return; }
	pages_cpu=$((pages / cpus))
}

# no_qemu_errors_case: the last case of every mode.
no_qemu_errors_case()
{
	if [ -s "$dir/src.err" ] || [ -s "$dir/dst.err" ]; then
		report fail no_qemu_errors "QEMU stderr: $(cat "$dir/src.err" "$dir/dst.err" | head -n 4 | tr '\n' ' ')"
	else
		report ok no_qemu_errors
	fi
}

# calc_rate SIDE -r|-b: HMP calc_dirty_rate over dr_secs seconds, then
# info dirty_rate until it says "measured" (30 s more at most), printed.
calc_rate()
{
	local i=0
	hmp "$1" "calc_dirty_rate $2 $dr_secs"
	sleep "$dr_secs"
	while :; do
		hmp "$1" "info dirty_rate" > "$dir/$1.dirty_rate"
		grep -q '^Status: measured' "$dir/$1.dirty_rate" && break
		i=$((i + 1))
		[ $i -le 60 ] || break
		sleep 0.5
	done
	cat "$dir/$1.dirty_rate"
}

# rate_of FILE [VCPU]: the total (or VCPU's) "Dirty rate: N (MB/s)".
rate_of()
{
	if [ -n "${2:-}" ]; then
		sed -n "s/^vcpu\[$2\], Dirty rate: \([0-9]*\) .*/\1/p" "$1" | head -n 1
	else
		sed -n 's/^Dirty rate: \([0-9]*\) .*/\1/p' "$1" | head -n 1
	fi
}

# dirtyrate: calc-dirty-rate against the guest's own rate.  Two vCPUs
# dirty at two known paces (rate, rate1), each page at most once per
# measurement (a pass takes longer than the measurement), so that the
# dirty ring's count (each page once per reset) and the bitmap's (each page
# once per measurement) both equal the pages written.  The guest's rate is
# its own: passes by its TSC over the whole run.  QEMU measures
# dirty-ring mode with a ring; dirty-bitmap mode only without one (QEMU
# refuses it with a ring), so a second QEMU runs the same guest without.
run_dirtyrate()
{
	local k0 k1 r0 r1 rt bk0 bk1 bt why="" out c c0 p pushes
	local t0 t1 q0 q1 m0 m1 mt pace0 pace1
	mode_start dirtyrate 2 "$dr_mib" "$dr_rate0" "$dr_rate1"
	echo "# 1..6"
	diag "$mode: QEMU $qemu_version, -accel kvm,dirty-ring-size=$dr_ring then -accel kvm, -m ${ram_mib}M -smp 2, guest mib=$mode_mib rate=$dr_rate0 rate1=$dr_rate1 (pages/s), calc_dirty_rate over $dr_secs s; QEMU against KVM's pushes within $dr_tol_mbs MB/s a vCPU, against the guest's pace within $tol_pct % + $tol_mbs MB/s"
	trace_arm
	guest_start src "-accel kvm,dirty-ring-size=$dr_ring" 2
	if [ -z "$why" ]; then
		# KVM's pushes of each vCPU thread over QEMU's sample: dirty
		# logging is on only while QEMU measures
		vcpu_threads src > "$dir/threads"
		t0=$(sed -n 1p "$dir/threads") t1=$(sed -n 2p "$dir/threads")
		[ -n "$t1" ] || why="no thread ids of two vCPUs in info cpus: $(hmp src "info cpus" | tr '\n' ' ')"
	fi
	if [ -z "$why" ]; then
		c0=$(wc -l < "$dir/src.serial") p=$(last_pass "$dir/src.serial")
		q0=$(pushes_of "$t0") q1=$(pushes_of "$t1")
		calc_rate src -r > "$dir/ring.out"
		q0=$(($(pushes_of "$t0") - q0)) q1=$(($(pushes_of "$t1") - q1))
		m0=$(qemu_mbs "$q0") m1=$(qemu_mbs "$q1") mt=$((m0 + m1))
		wait_pass src $((p + 2)) 90 || diag "$wait_why"
		c=$(wc -l < "$dir/src.serial")
		k0=$(to_mbs "$(pass_rate "$dir/src.serial" "$c0" "$c" 0)" "$pages_cpu")
		k1=$(to_mbs "$(pass_rate "$dir/src.serial" "$c0" "$c" 1)" "$pages_cpu")
		r0=$(rate_of "$dir/ring.out" 0) r1=$(rate_of "$dir/ring.out" 1) rt=$(rate_of "$dir/ring.out")
		diag "dirty-ring: QEMU vcpu[0] $r0, vcpu[1] $r1, total $rt MB/s; KVM's pushes over the sample: vCPU 0 (thread $t0) $q0, vCPU 1 (thread $t1) $q1, as QEMU counts them $m0 and $m1 MB/s; the guest's passes around it: CPU 0 $k0, CPU 1 $k1 MB/s"
	fi
	stop_qemu src
	pushes=$(trace_count kvm_dirty_ring_push 2>/dev/null)

	if [ -z "$why" ]; then
		grep -q '^Mode: dirty-ring' "$dir/ring.out" && grep -q '^vcpu\[1\], Dirty rate:' "$dir/ring.out" ||
			why="calc_dirty_rate -r: no per-vCPU dirty-ring result: $(tr '\n' ' ' < "$dir/ring.out")"
	fi
	if [ -n "$why" ]; then
		report fail ring_measured "$why"
		report fail ring_rate_per_vcpu "no measurement"
		report fail ring_rate_total "no measurement"
	else
		report ok ring_measured
		if [ -z "$trace_ok" ]; then
			report skip ring_rate_per_vcpu "cannot count KVM's pushes: $trace_why"
			report skip ring_rate_total "cannot count KVM's pushes: $trace_why"
		else
			if within "$m0" "$r0" 0 "$dr_tol_mbs" && within "$m1" "$r1" 0 "$dr_tol_mbs"; then
				report ok ring_rate_per_vcpu
			else
				report fail ring_rate_per_vcpu "QEMU vcpu[0] $r0, vcpu[1] $r1 MB/s; KVM pushed $q0 and $q1 pages from those vCPUs' threads in its sample, $m0 and $m1 MB/s as QEMU counts"
			fi
			if within "$mt" "$rt" 0 $((2 * dr_tol_mbs)); then
				report ok ring_rate_total
			else
				report fail ring_rate_total "QEMU $rt MB/s; KVM pushed $((q0 + q1)) pages, $mt MB/s as QEMU counts"
			fi
		fi
	fi

	# the same guest, no ring: dirty-bitmap mode
	# shellcheck disable=SC2034 # out: reset for the bitmap run
	out=""
	if [ -z "$why" ]; then
		guest_start dst "-accel kvm" 2
	fi
	if [ -z "$why" ]; then
		c0=$(wc -l < "$dir/dst.serial") p=$(last_pass "$dir/dst.serial")
		calc_rate dst -b > "$dir/bitmap.out"
		wait_pass dst $((p + 2)) 90 || diag "$wait_why"
		c=$(wc -l < "$dir/dst.serial")
		bk0=$(to_mbs "$(pass_rate "$dir/dst.serial" "$c0" "$c" 0)" "$pages_cpu")
		bk1=$(to_mbs "$(pass_rate "$dir/dst.serial" "$c0" "$c" 1)" "$pages_cpu")
		bt=$(rate_of "$dir/bitmap.out")
		pace0=$(to_mbs "$dr_rate0" 1) pace1=$(to_mbs "$dr_rate1" 1)
		diag "dirty-bitmap: QEMU $bt MB/s; the guest's passes around the sample: CPU 0 $bk0, CPU 1 $bk1 MB/s (paced at $pace0 and $pace1)"
		if ! grep -q '^Mode: dirty-bitmap' "$dir/bitmap.out" || [ -z "$bt" ]; then
			report fail bitmap_rate "calc_dirty_rate -b: no dirty-bitmap result: $(tr '\n' ' ' < "$dir/bitmap.out")"
		elif ! on_pace "$bk0" "$pace0" || ! on_pace "$bk1" "$pace1"; then
			report skip bitmap_rate "the guest fell behind its pace around the sample (CPU 0 $bk0 of $pace0, CPU 1 $bk1 of $pace1 MB/s; at least $dr_pace_pct % kept): no known rate to compare QEMU's $bt MB/s with"
		elif ! near "$(awk -v a="$pace0" -v b="$pace1" 'BEGIN { print a + b }')" "$bt"; then
			report fail bitmap_rate "QEMU $bt MB/s; the guest dirtied at its pace, $pace0 + $pace1 MB/s"
		else
			report ok bitmap_rate
		fi
	else
		report fail bitmap_rate "${why:-no measurement}"
	fi

	hits_case ring_used "$pushes" "dirty-ring mode measured, yet ${pushes:-no} kvm_dirty_ring_push hits"
	no_qemu_errors_case
	echo "# vmm-result: mode=$mode cpus=2 status=$([ -n "$why" ] && echo failed || echo measured) ring_vcpu0_mbs=${r0:-?} ring_vcpu1_mbs=${r1:-?} ring_mbs=${rt:-?} kvm_vcpu0_mbs=${m0:-?} kvm_vcpu1_mbs=${m1:-?} bitmap_mbs=${bt:-?} guest_cpu0_mbs=${k0:-?} guest_cpu1_mbs=${k1:-?} pushes=${pushes:-?}"
	mode_end
}

# vcpu-dirty-limit: two unpaced vCPUs; a limit on vCPU 1 alone must hold it
# at the limit (within QEMU's dl_tol MB/s) and not slow vCPU 0, and
# cancelling it must give vCPU 1 its rate back.  A limit QEMU never
# reaches on vCPU 0 keeps dirty logging on throughout, so that every rate
# compared is one under logging.  QEMU throttles a limited vCPU at its
# ring's full exits.
run_vcpu_dirty_limit()
{
	local b0 b1 l0 l1 c0 c1 cur why="" exits c held
	mode_start vcpu-dirty-limit 2 "$vl_mib" "$vl_rate"
	echo "# 1..9"
	diag "$mode: QEMU $qemu_version, -accel kvm,dirty-ring-size=$vl_ring, -m ${ram_mib}M -smp 2, guest mib=$mode_mib rate=$vl_rate, set_vcpu_dirty_limit $vl_free 0 then $vl_limit 1; windows of $vl_window s"
	trace_arm
	guest_start src "-accel kvm,dirty-ring-size=$vl_ring" 2
	if [ -z "$why" ]; then
		hmp src "set_vcpu_dirty_limit $vl_free 0" > "$dir/set0.out"
		sleep "$vl_settle"
		window_rates src "$vl_window" "$pages_cpu"
		# shellcheck disable=SC2154 # rate0, rate1: set by window_rates' eval
		b0=$rate0 b1=$rate1
		diag "before the limit on vCPU 1: vCPU 0 $b0, vCPU 1 $b1 MB/s; $(hmp src "info vcpu_dirty_limit" | tr '\n' ' ')"
		case "$b0$b1" in
		*"<"*) why="a vCPU ended no pass in the $vl_window s before the limit: $b0 / $b1 MB/s" ;;
		esac
	fi
	if [ -z "$why" ]; then
		hmp src "set_vcpu_dirty_limit $vl_limit 1" > "$dir/set.out"
		hmp src "info vcpu_dirty_limit" > "$dir/query.out"
		sleep "$vl_settle"
		window_rates src "$((2 * vl_window))" "$pages_cpu"
		l0=$rate0 l1=$rate1
		hmp src "info vcpu_dirty_limit" > "$dir/query1.out"
		hmp src "cancel_vcpu_dirty_limit 1" > "$dir/cancel.out"
		hmp src "info vcpu_dirty_limit" > "$dir/query2.out"
		# from the second pass vCPU 1 ends after the cancel (the
		# first began under the limit)
		cpu_pass_wait src 1 30 && cpu_pass_wait src 1 30 ||
			diag "vCPU 1 ended fewer than two passes in 60 s after the cancel"
		window_rates src "$((2 * vl_window))" "$pages_cpu"
		c0=$rate0 c1=$rate1
		diag "MB/s of vCPU 0 / vCPU 1: before $b0 / $b1, vCPU 1 limited $l0 / $l1, after the cancel $c0 / $c1"
		diag "info vcpu_dirty_limit while limited: $(tr '\n' ' ' < "$dir/query1.out")"
	fi
	stop_qemu src
	exits=$(trace_count kvm_dirty_ring_exit 2>/dev/null)

	if [ -n "$why" ]; then
		for c in limit_queried current_rate_reported limited_vcpu_held limited_vcpu_slowed \
			 other_vcpu_unaffected limit_cancelled limited_vcpu_recovers; do
			report fail "$c" "$why"
		done
	else
		if grep -q "^vcpu\[1\], limit rate $vl_limit (MB/s)" "$dir/query.out" &&
		   grep -q "^vcpu\[0\], limit rate $vl_free (MB/s)" "$dir/query.out"; then
			report ok limit_queried
		else
			report fail limit_queried "info vcpu_dirty_limit after set_vcpu_dirty_limit $vl_limit 1: $(cat "$dir/set.out" "$dir/query.out" | tr '\n' ' ')"
		fi
		cur=$(sed -n 's/^vcpu\[1\], limit rate .*current rate \([0-9]*\) .*/\1/p' "$dir/query1.out")
		# QEMU's current rate is its last one-second sample of a vCPU it
		# throttles in steps: compared within its own dead band
		if [ -n "$cur" ] && awk -v g="${l1#<}" -v c="$cur" -v t="$dl_tol" -v lt="${l1%%[0-9]*}" \
			'BEGIN { exit !(lt == "<" ? c <= g + t : (c - g <= t && g - c <= t)) }'; then
			report ok current_rate_reported
		else
			report fail current_rate_reported "QEMU's current rate of vCPU 1 '$cur' MB/s, the guest's $l1 MB/s (QEMU's tolerance $dl_tol MB/s)"
		fi
		held=$((vl_limit + dl_tol))
		if at_most "$l1" "$held"; then
			report ok limited_vcpu_held
		else
			report fail limited_vcpu_held "vCPU 1 at $l1 MB/s under a limit of $vl_limit MB/s (QEMU's tolerance $dl_tol MB/s)"
		fi
		if ! at_most "$(awk -v h="$held" 'BEGIN { print h * 1.5 }')" "$b1"; then
			report skip limited_vcpu_slowed "vCPU 1 dirties $b1 MB/s under logging here, too close to the $held MB/s QEMU holds it at to see it slowed"
		elif at_most "$l1" "$(awk -v b="$b1" 'BEGIN { print b * 0.75 }')"; then
			report ok limited_vcpu_slowed
		else
			report fail limited_vcpu_slowed "vCPU 1 at $l1 MB/s limited, $b1 before"
		fi
		if at_most "$(awk -v b="$b0" -v p="$tol_pct" 'BEGIN { print b * (100 - p) / 100 }')" "${l0#<}" &&
		   [ "${l0#<}" = "$l0" ]; then
			report ok other_vcpu_unaffected
		else
			report fail other_vcpu_unaffected "vCPU 0 at $l0 MB/s while vCPU 1 was limited, $b0 before"
		fi
		if grep -q '^vcpu\[1\], limit rate' "$dir/query2.out"; then
			report fail limit_cancelled "info vcpu_dirty_limit after cancel_vcpu_dirty_limit 1: $(cat "$dir/cancel.out" "$dir/query2.out" | tr '\n' ' ')"
		else
			report ok limit_cancelled
		fi
		if at_most "$(awk -v b="$b1" -v p="$tol_pct" 'BEGIN { print b * (100 - p) / 100 }')" "${c1#<}" &&
		   [ "${c1#<}" = "$c1" ]; then
			report ok limited_vcpu_recovers
		else
			report fail limited_vcpu_recovers "vCPU 1 at $c1 MB/s after the cancel, $b1 before the limit"
		fi
	fi
	hits_case throttle_exits "$exits" "a vCPU was limited, yet ${exits:-no} kvm_dirty_ring_exit hits"
	no_qemu_errors_case
	echo "# vmm-result: mode=$mode cpus=2 status=$([ -n "$why" ] && echo failed || echo measured) full_exits=${exits:-?} before_mbs=$b0/$b1 limited_mbs=$l0/$l1 qemu_current_mbs=${cur:-?} cancelled_mbs=$c0/$c1"
	mode_end
}

# ---- dirtylimit and autoconverge: a migration throttled by QEMU ----

# throttle_setup: the mode's capability and parameters on the source.
throttle_setup()
{
	local c cap
	: > "$dir/throttle.seen"
	: > "$dir/throttle.end"
	case "$throttled" in
	dirtylimit)
		cap=dirty-limit
		set -- "migrate_set_parameter x-vcpu-dirty-limit-period $dl_period" \
		       "migrate_set_parameter vcpu-dirty-limit $dl_limit" ;;
	*)
		cap=auto-converge
		set -- "migrate_set_parameter cpu-throttle-initial $ac_initial" \
		       "migrate_set_parameter cpu-throttle-increment $ac_increment" ;;
	esac
	for c in "migrate_set_capability $cap on" "$@" \
		 "migrate_set_parameter throttle-trigger-threshold $dl_trigger" \
		 "migrate_set_parameter max-bandwidth ${tl_bw}M" \
		 "migrate_set_parameter downtime-limit $tl_hold_ms"; do
		hmp src "$c" >> "$dir/migrate.out"
	done
	hmp src "info migrate_capabilities" > "$dir/caps"
	hmp src "info migrate_parameters" > "$dir/params"
	if ! grep -q "^$cap: on" "$dir/caps"; then
		tl_why="the $cap capability did not turn on: $(tr '\n' ' ' < "$dir/migrate.out")"
	elif ! grep -qE "^downtime-limit: $tl_hold_ms( ms)?\$" "$dir/params" ||
	     ! grep -qE "^max-bandwidth: $((tl_bw << 20))( bytes/second)?\$" "$dir/params"; then
		tl_why="QEMU did not take downtime-limit $tl_hold_ms and max-bandwidth ${tl_bw}M: $(grep -E '^(downtime-limit|max-bandwidth):' "$dir/params" | tr '\n' ' ')$(tr '\n' ' ' < "$dir/migrate.out")"
	fi
}

# throttle_pct INFO-MIGRATE: QEMU's CPU throttle percentage, empty when it
# shows none (QEMU 10.1 renamed the line and shows it with -a only).
throttle_pct()
{
	tr -d '\t' < "$1" | sed -n 's/^cpu throttle percentage: *\([0-9][0-9]*\).*/\1/p
		s/^CPU Throttle (%): *\([0-9][0-9]*\).*/\1/p' | head -n 1
}

# throttle_engaged: has QEMU started to throttle the guest?  Its view in
# $dir/throttle.
throttle_engaged()
{
	if [ "$throttled" = dirtylimit ]; then
		hmp src "info vcpu_dirty_limit" > "$dir/throttle"
		grep -q 'limit rate' "$dir/throttle"
	else
		throttle_pct "$dir/info.migrate" > "$dir/throttle"
		[ -s "$dir/throttle" ]
	fi
}

# throttle_poll: after each `info migrate`: note when the throttle
# engaged, open the measurement window tl_settle s later, close it after
# tl_window s and release the switchover; release it also when no
# throttle came in tl_engage_max s, so that the migration ends.
throttle_poll()
{
	local now
	now=$(now_cs)
	if [ -z "$tl_t0" ]; then
		if throttle_engaged; then
			tl_t0=$now
			tl_push1=$(trace_count kvm_dirty_ring_push 2>/dev/null)
			cp "$dir/throttle" "$dir/throttle.seen"
		elif [ $((now - tm0)) -ge $((tl_engage_max * 100)) ]; then
			throttle_release
		fi
	elif [ -z "$tl_ws" ]; then
		if [ $((now - tl_t0)) -ge $((tl_settle * 100)) ]; then
			tl_ws=$now tl_wl0=$(wc -l < "$dir/src.serial")
			tl_wp0=$(trace_count kvm_dirty_ring_push 2>/dev/null)
			tl_wx0=$(trace_count kvm_dirty_ring_exit 2>/dev/null)
		fi
	elif [ -z "$tl_we" ] && [ $((now - tl_ws)) -ge $((tl_window * 100)) ]; then
		throttle_window_end
		throttle_release
	fi
}

# throttle_window_end: close the window (also when the migration ended
# inside it).
throttle_window_end()
{
	[ -n "$tl_ws" ] && [ -z "$tl_we" ] || return 0
	tl_we=$(now_cs) tl_wl1=$(wc -l < "$dir/src.serial")
	tl_wp1=$(trace_count kvm_dirty_ring_push 2>/dev/null)
	tl_wx1=$(trace_count kvm_dirty_ring_exit 2>/dev/null)
	if [ "$throttled" = dirtylimit ]; then
		hmp src "info vcpu_dirty_limit" > "$dir/throttle.end"
	else
		throttle_pct "$dir/info.migrate" > "$dir/throttle.end"
	fi
}

throttle_release()
{
	[ -z "$tl_released" ] || return 0
	tl_released=$(now_cs)
	hmp src "migrate_set_parameter downtime-limit $tl_release_ms" >> "$dir/migrate.out"
}

# push_mbs PUSHES CENTISECONDS: KVM's pushes (4 KiB pages) as MB/s (MiB).
push_mbs()
{
	awk -v p="$1" -v cs="$2" 'BEGIN { if (p != "" && cs > 0) printf "%.2f\n", p * 100 / 256 / cs }'
}

# throttle_rates: the dirty rates of the throttled migration, in MB/s:
# tl_pre (KVM's pushes from the start to the throttle), tl_held (pushes in
# the window), tl_guest (the guest's whole passes ending in the window,
# empty when none did), tl_exits (full exits in the window); one diag line.
throttle_rates()
{
	local r cs
	tl_pre="" tl_held="" tl_guest="" tl_exits=""
	[ -n "$tl_t0" ] && [ -n "$trace_ok" ] || return 0
	tl_pre=$(push_mbs $((tl_push1 - tl_push0)) $((tl_t0 - tm0)))
	if [ -n "$tl_we" ]; then
		cs=$((tl_we - tl_ws))
		tl_held=$(push_mbs $((tl_wp1 - tl_wp0)) "$cs")
		tl_exits=$((tl_wx1 - tl_wx0))
		# whole passes inside the window, from its first PASS line to
		# its last, when they span half the window: QEMU throttles a
		# ring at a time, so one pass alone can fall between two sleeps
		r=$(awk -v s="$tl_wl0" -v e="$tl_wl1" -v min_ms=$((tl_window * 500)) '
			/^DG INFO / && match($0, /tsc_khz=[0-9]+/) { khz = substr($0, RSTART + 8, RLENGTH - 8) }
			NR > s && NR <= e && /^DG PASS cpu=0 n=[0-9]+ tsc=[0-9]+$/ {
				n = $4; sub(/n=/, "", n); t = $5; sub(/tsc=/, "", t)
				if (!have++) { n0 = n + 0; t0 = t + 0 }
				n1 = n + 0; t1 = t + 0
			}
			END { if (khz && t1 > t0 && (t1 - t0) / khz >= min_ms)
				printf "%.4f\n", (n1 - n0) * khz * 1000 / (t1 - t0) }' "$dir/src.serial")
		[ -z "$r" ] || tl_guest=$(to_mbs "$r" "$pages")
		diag "$throttled: the guest's PASS lines in the window (n, ms since the previous): $(awk -v s="$tl_wl0" -v e="$tl_wl1" '
			/^DG INFO / && match($0, /tsc_khz=[0-9]+/) { khz = substr($0, RSTART + 8, RLENGTH - 8) }
			/^DG PASS cpu=0 n=[0-9]+ tsc=[0-9]+$/ {
				n = $4; sub(/n=/, "", n); t = $5; sub(/tsc=/, "", t)
				if (NR > s && NR <= e && khz) printf "%d %.0f, ", n, (t - t0) / khz
				t0 = t
			}' "$dir/src.serial")"
	fi
	diag "$throttled: throttle engaged $(( (tl_t0 - tm0) / 100 )) s into the migration (link $tl_bw MB/s); KVM's pushes: $tl_pre MB/s before it, ${tl_held:-?} MB/s in the window of $(( ${cs:-0} / 100 )) s from $tl_settle s after it, ${tl_exits:-?} full exits there; the guest's passes there: ${tl_guest:+$tl_guest MB/s}${tl_guest:-none spanning half of it}; QEMU at the window's end: $(tr '\n' ' ' < "$dir/throttle.end")${tl_released:+; switchover released $(( (tl_released - tm0) / 100 )) s in}"
	tl_result="engaged_s=$(( (tl_t0 - tm0) / 100 )) pre_mbs=$tl_pre window_mbs=${tl_held:-?} guest_window_mbs=${tl_guest:-?} window_exits=${tl_exits:-?}"
}

# engaged_case CASE WHAT: the rates measured (throttle_rates); CASE
# reported failed when no migration ran or QEMU never did WHAT, and 1
# returned; else 0, CASE to be judged.
engaged_case()
{
	throttle_rates
	[ -z "$why" ] || tl_why="no migration ran: $why"
	if [ -n "$tl_why" ]; then
		report fail "$1" "$tl_why"
	elif [ -z "$tl_t0" ]; then
		report fail "$1" "QEMU never $2 in $tl_engage_max s of migration (status '$status', $(grep -iE 'dirty sync count|dirty_syncs|dirty-limit' "$dir/info.migrate" | tr '\n\t' '  '))"
	else
		return 0
	fi
	return 1
}

# throttle_measured CASE: was there a window to judge CASE by?  If not,
# CASE is reported (a failure without a throttle, else a SKIP) and 1
# returned.
throttle_measured()
{
	if [ -z "$tl_t0" ]; then
		report fail "$1" "no throttled migration to measure"
	elif [ -z "$trace_ok" ]; then
		report skip "$1" "cannot count KVM's pushes and full exits: $trace_why"
	elif [ -z "$tl_held" ]; then
		report skip "$1" "the migration completed $(( (tm1 - tl_t0) / 100 )) s after the throttle engaged, before the ${tl_settle} s settling time: nothing measured"
	else
		return 0
	fi
	return 1
}

# dirtylimit_cases: dirty_limit_engaged, dirty_rate_held, throttle_exits.
dirtylimit_cases()
{
	local lim=$((dl_limit + dl_tol))
	if ! engaged_case dirty_limit_engaged "limited the vCPU"; then
		:
	elif grep -q "^vcpu\[0\], limit rate $dl_limit (MB/s)" "$dir/throttle.seen"; then
		report ok dirty_limit_engaged
	else
		report fail dirty_limit_engaged "vcpu-dirty-limit $dl_limit, QEMU shows $(tr '\n' ' ' < "$dir/throttle.seen")"
	fi

	if ! throttle_measured dirty_rate_held; then
		:
	elif ! at_most "$tl_held" "$lim"; then
		report fail dirty_rate_held "KVM pushed $tl_held MB/s in the throttled window under a limit of $dl_limit MB/s (QEMU's tolerance: $dl_tol MB/s)"
	elif [ -n "$tl_guest" ] && ! at_most "$tl_guest" "$lim"; then
		report fail dirty_rate_held "the guest dirtied $tl_guest MB/s in the throttled window under a limit of $dl_limit MB/s (QEMU's tolerance: $dl_tol MB/s)"
	else
		report ok dirty_rate_held
	fi

	if ! throttle_measured throttle_exits; then
		:
	elif at_most "$tl_pre" "$lim"; then
		report skip throttle_exits "the guest dirtied $tl_pre MB/s before the throttle, within QEMU's dead band ($dl_limit + $dl_tol MB/s): nothing to throttle"
	elif [ "$tl_exits" -gt 0 ]; then
		report ok throttle_exits
	else
		report fail throttle_exits "the guest dirtied $tl_pre MB/s before the throttle and $tl_held MB/s in the window, yet no kvm_dirty_ring_exit there: QEMU throttles only at full exits"
	fi
}

# autoconverge_cases: cpu_throttle_engaged (the comparison's rates are
# figures, in the vmm-result line).
autoconverge_cases()
{
	if ! engaged_case cpu_throttle_engaged "throttled the CPU"; then
		:
	elif [ "$(cat "$dir/throttle.seen")" -ge "$ac_initial" ]; then
		report ok cpu_throttle_engaged
	else
		report fail cpu_throttle_engaged "cpu-throttle-initial $ac_initial, QEMU shows $(cat "$dir/throttle.seen") %"
	fi
	tl_result="$tl_result cpu_throttle_pct=$(cat "$dir/throttle.end" 2>/dev/null)"
}

[ -r "$guest" ] || { echo "1..0 # SKIP no guest $guest"; exit 4; }
[ -c /dev/kvm ] || { echo "1..0 # SKIP no /dev/kvm"; exit 4; }
command -v qemu-system-x86_64 > /dev/null || { echo "1..0 # SKIP no qemu-system-x86_64"; exit 4; }

qemu_version=$(qemu-system-x86_64 --version | sed -n '1s/^QEMU emulator version \([0-9][0-9.]*\).*/\1/p')
qemu_major=${qemu_version%%.*}
is_count "$qemu_major" || { echo "1..0 # SKIP cannot tell qemu-system-x86_64's version: $(qemu-system-x86_64 --version 2>&1 | head -n 1)"; exit 4; }

echo "TAP version 13"
echo "1..$#"
test_n=0
all_failed=0
for mode in "$@"; do
	ram_case=ram_identical dest_case=destination_runs_on trace_case=ring_used
	info_migrate="info migrate"
	[ "$mode" != autoconverge ] || ! qemu_at_least 10 1 || info_migrate="info migrate -a"
	[ "${mode%-smp2}" = bitmap ] && trace_case=ring_unused
	case "$mode" in
	dirtyrate) run_dirtyrate; continue ;;
	vcpu-dirty-limit) run_vcpu_dirty_limit; continue ;;
	esac
	if [ "$mode" = dirtylimit ] && ! qemu_at_least 8 1; then
		test_n=$((test_n + 1))
		echo "ok $test_n selftests: vmm: migrate_$mode # SKIP QEMU $qemu_version has no dirty-limit migration capability (QEMU 8.1)"
		continue
	fi
	if [ -n "$negative" ] && [ "${mode%-smp2}" != bitmap ]; then
		ram_case=lost_pages_named dest_case=destination_sees_stale
	fi
	run_mode "$mode"
done
exit "$all_failed"
