# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2154,SC2034 # globals shared with the sourcing script
#
# vm/guard.sh: one command run in the background with its output streamed
# line by line to a hook and killed when it stalls or at a deadline; what
# vm/lava.sh (lava-run) and vm/vng-check.sh (vng) share, sourced after
# vm/lib.sh (now_ms).  vm-check's QEMU has its own loop in lib.sh
# (run_outer), which streams a serial port file rather than a pipe.

# run_guarded OUTPUT HOOK CMD...: run CMD in a process group of its own
# with stdout and stderr to the file OUTPUT and call HOOK LINE for each line
# as it comes; kill the group (TERM, then KILL 30 s later) after $stall s
# without a line or $deadline s in all.  Sets guard_rc (CMD's exit status), why
# (empty, or why CMD was killed) and guard_secs.
run_guarded()
{
	local output=$1 hook=$2 fd start now last line rc gpid
	shift 2
	: > "$output"
	setsid "$@" > "$output" 2>&1 &
	gpid=$!
	# If we are stopped ourselves (^C, a CI timeout), so is the group.
	trap 'kill -TERM -- "-$gpid" 2>/dev/null' EXIT
	trap 'exit 130' INT TERM
	exec {fd}< <(tail -n +1 -F --pid="$gpid" "$output" 2>/dev/null)
	start=$(now_ms)
	last=$start
	why=""
	while :; do
		rc=0
		line=""
		IFS= read -r -t 1 -u "$fd" line || rc=$?
		if [ "$rc" -eq 0 ]; then
			last=$(now_ms)
			"$hook" "${line//$'\r'/}"
			continue
		fi
		if [ "$rc" -le 128 ]; then	# EOF: the command is gone
			[ -z "$line" ] || "$hook" "${line//$'\r'/}"
			break
		fi
		now=$(now_ms)
		if [ -z "$why" ] && [ $((now - last)) -ge $((stall * 1000)) ]; then
			why="no output for $stall s"
		elif [ -z "$why" ] && [ $((now - start)) -ge $((deadline * 1000)) ]; then
			why="deadline of $deadline s reached"
		fi
		[ -z "$why" ] || guard_kill "$gpid"
	done
	exec {fd}<&-
	guard_rc=0
	wait "$gpid" 2>/dev/null || guard_rc=$?
	trap - EXIT INT TERM
	guard_secs=$(( ($(now_ms) - start) / 1000 ))
}

# guard_kill PID: SIGTERM to the process group PID leads (lava-run cancels
# its job, vng and the virtme-run and QEMU under it stop), SIGKILL to what
# is left of it after 30 s.
guard_kill()
{
	local pid=$1 _
	kill -TERM -- "-$pid" 2>/dev/null || return 0
	for _ in $(seq 30); do
		kill -0 -- "-$pid" 2>/dev/null || return 0
		sleep 1
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
}
