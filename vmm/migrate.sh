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
# with -S -incoming on a unix socket.  The destination logs no dirty page,
# so it runs without a ring: a ring there checks nothing and hits QEMU
# 7.2's start-up race (known-issues.txt, qemu-7.2-dirty-ring-reap-vcpu-
# creation) for nothing.  Once the guest has passed over its
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
# The negative control's kvm.ko counts the pushes it dropped here.
dropped_file=/sys/module/kvm/parameters/dirty_ring_dropped

usage()
{
	cat <<EOF
Usage: $0 [OPTIONS] MODE...
Migrate the dirty guest with QEMU once per MODE and print one KTAP test
per mode.  MODE: ringN (dirty-ring-size=N entries, e.g. ring4096,
ring65536) or bitmap, optionally followed by -smp2 (two guest vCPUs:
cpus=2, each dirtying half the working set), e.g. ring4096-smp2.
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
	case "${mode%-smp2}" in
	bitmap) ;;
	ring*) n=${mode%-smp2}
		n=${n#ring}
		is_count "$n" && [ "$n" -gt 0 ] || die_usage "bad MODE '$mode'" ;;
	*) die_usage "bad MODE '$mode': ringN or bitmap, optionally -smp2" ;;
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
		-kernel "$guest" -append "mib=$mib cpus=$cpus rate=$mode_rate" \
		-serial "file:$dir/$side.serial" \
		-chardev "pipe,id=mon,path=$dir/$side.mon" -mon chardev=mon,mode=readline \
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

# pass_rate SERIAL FROM TO: CPU 0's passes per second (two decimals) over
# its PASS lines FROM to TO of SERIAL (from the last one before line FROM),
# by the TSC of the PASS lines and the guest's "DG INFO tsc_khz="; empty
# without two such lines or without tsc_khz.
pass_rate()
{
	awk -v from="$2" -v to="$3" '
	/^DG INFO / && match($0, /tsc_khz=[0-9]+/) { khz = substr($0, RSTART + 8, RLENGTH - 8) }
	/^DG PASS cpu=0 n=[0-9]+ tsc=[0-9]+$/ && NR <= to {
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

# ---- one mode ----

run_mode()
{
	local ring size lm0 tm0 tm1 status side pid bad
	local ready base pages why got dsrc rc stale_page
	mode=$1
	cpus=1 mode_rate=$rate
	case "$mode" in
	*-smp2) cpus=2 mode_rate=$smp2_rate ;;
	esac
	ring=${mode%-smp2}
	if [ "$ring" = bitmap ]; then
		accel="-accel kvm"
		size=""
	else
		size=${ring#ring}
		accel="-accel kvm,dirty-ring-size=$size"
	fi
	ram_mib=$((mib + 32))
	dir=/tmp/vmm-$mode
	rm -rf "$dir" && mkdir -p "$dir"
	src_pid=""
	: > "$dir/info.migrate"
	: > "$dir/migrate.out"
	: > "$dir/src.serial"
	: > "$dir/dst.serial"
	: > "$dir/src.err"
	: > "$dir/dst.err"
	case_n=0 case_failed=0
	echo "# selftests: vmm: migrate_$mode"
	echo "# TAP version 13"
	echo "# 1..6"
	diag "$mode: source qemu-system-x86_64 $accel (destination -accel kvm) -m ${ram_mib}M -smp $cpus, guest mib=$mib cpus=$cpus rate=$mode_rate${downtime_ms:+, downtime-limit $downtime_ms ms}${negative:+ (negative control: ring modes must lose pages)}"

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
		start_qemu dst "-accel kvm" -S -incoming "unix:$dir/mig.sock"
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
		lm0=$(wc -l < "$dir/src.serial") tm0=$(now_cs)
		hmp src "migrate -d unix:$dir/mig.sock" >> "$dir/migrate.out"
		while kill -0 "$src_pid" 2>/dev/null; do
			hmp src "info migrate" > "$dir/info.migrate"
			status=$(info_field "$dir/info.migrate" "Migration status")
			case "$status" in
			completed|failed|cancelled) break ;;
			esac
			[ $(( $(now_cs) - tm0 )) -lt $((mig_timeout * 100)) ] || break
			sleep 0.5
		done
		tm1=$(now_cs)
		during=$(pass_rate "$dir/src.serial" "$lm0" "$(wc -l < "$dir/src.serial")")
		# no pass ended during the migration: less than one in its time
		[ -n "$during" ] || ! grep -q "^DG INFO .*tsc_khz=" "$dir/src.serial" ||
			during=$(awk -v cs=$((tm1 - tm0 + 1)) 'BEGIN { printf "<%.2f\n", 100 / cs }')
	fi

	# migration_completed
	if [ -n "$why" ]; then
		report fail migration_completed "$why"
	elif [ "$status" != completed ]; then
		report fail migration_completed "status '$status' after $(( (tm1 - tm0) / 100 )) s (timeout ${mig_timeout} s), $(grep -E 'dirty sync count|remaining ram|expected downtime' "$dir/info.migrate" | tr '\n' ' ')$(tr '\n' ' ' < "$dir/migrate.out")"
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
		"$ramdiff" -b "$base" -n "$pages" "$dir/src.ram" "$dir/dst.ram" > "$dir/ramdiff.out" 2>&1 || rc=$?
		sed 's/^/# # /' "$dir/ramdiff.out"
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
	test_n=$((test_n + 1))
	if [ "$case_failed" -eq 0 ]; then
		echo "ok $test_n selftests: vmm: migrate_$mode"
	else
		echo "not ok $test_n selftests: vmm: migrate_$mode # exit=1"
		all_failed=1
	fi
}

# result_line: what the mode measured, one line.
result_line()
{
	local f=$dir/info.migrate
	echo "# vmm-result: mode=$mode cpus=$cpus status=${status:-none}" \
		"total_ms=$(info_field "$f" 'total time' | cut -d' ' -f1)" \
		"downtime_ms=$(info_field "$f" downtime | cut -d' ' -f1)" \
		"transferred_kb=$(info_field "$f" 'transferred ram' | cut -d' ' -f1)" \
		"dirty_syncs=$(info_field "$f" 'dirty sync count')" \
		"pushes=${pushes:-?} resets=${resets:-?} full_exits=${exits:-?}" \
		${dropped:+"dropped=$dropped"} \
		"passes_per_s_before=${before:-?} passes_per_s_during=${during:-?}"
}

[ -r "$guest" ] || { echo "1..0 # SKIP no guest $guest"; exit 4; }
[ -c /dev/kvm ] || { echo "1..0 # SKIP no /dev/kvm"; exit 4; }
command -v qemu-system-x86_64 > /dev/null || { echo "1..0 # SKIP no qemu-system-x86_64"; exit 4; }

echo "TAP version 13"
echo "1..$#"
test_n=0
all_failed=0
for mode in "$@"; do
	ram_case=ram_identical dest_case=destination_runs_on trace_case=ring_used
	[ "${mode%-smp2}" = bitmap ] && trace_case=ring_unused
	if [ -n "$negative" ] && [ "${mode%-smp2}" != bitmap ]; then
		ram_case=lost_pages_named dest_case=destination_sees_stale
	fi
	run_mode "$mode"
done
exit "$all_failed"
