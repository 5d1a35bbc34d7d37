#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# runner.sh: run the tests of one collection and print one KTAP report.
#
#   runner.sh [-c COLLECTION] [-d DIR] [-s SETTINGS] [-o SECONDS] [-L LOGDIR]
#             [--] TEST...
#
# TEST is a path relative to DIR (default: the current directory), such as
# "dirty_ring_test" or "x86_64/foo_test"; each runs from its own directory
# with stdin from /dev/null.  The report is
#
#   TAP version 13
#   1..N
#   # selftests: COLLECTION: TEST
#   # <each line of the test's stdout and stderr, as it comes>
#   ok 1 selftests: COLLECTION: TEST
#   ok 2 selftests: COLLECTION: TEST # SKIP                     (exit 4)
#   not ok 3 selftests: COLLECTION: TEST # TIMEOUT 45 seconds
#   not ok 4 selftests: COLLECTION: TEST # exit=1
#   # Totals: pass:1 fail:2 xfail:0 xpass:0 skip:1 error:0
#
# A test that prints KTAP itself is nested by the "# " prefix.
#
# Timeout: "timeout=SECONDS" in the SETTINGS file, else 45; -o or the
# environment variable KSELFTEST_TIMEOUT override both; 0 means none.  On
# expiry the test's process group gets SIGTERM, then SIGKILL 2 seconds
# later.  Processes a test leaves behind in its group are killed when it
# ends, so they cannot hold the report open.
#
# Arguments: KSELFTEST_<NAME>_ARGS, NAME being the test's file name upper-
# cased with every other character than letters, digits and "_" made "_"
# (dirty_ring_test -> KSELFTEST_DIRTY_RING_TEST_ARGS), is split into words
# and passed to the test.
#
# With -L, each test's output goes to LOGDIR/TEST.log instead of stdout,
# which then carries only the plan, the result lines and the totals.
#
# Exit status: 0 once the tests have run, whatever their results, as for
# the kernel's runner; the report says what failed.  2 for a usage error.
#
# Needs only a POSIX shell and coreutils; uses timeout(1) when present and
# a shell watchdog when not (setting KSFT_TIMEOUT_CMD="" forces it).  The
# watchdog signals the test's process group under bash, only the test
# process under other shells.

ksft_default_timeout=45
ksft_kill_grace=2
ksft_skip_rc=4

ksft_usage()
{
	echo "Usage: $0 [-c COLLECTION] [-d DIR] [-s SETTINGS] [-o SECONDS] [-L LOGDIR] [--] TEST..." >&2
	exit 2
}

# Print stdin with "# " in front of every line, line by line as it comes.
ksft_prefix()
{
	while IFS= read -r ksft_line || [ -n "$ksft_line" ]; do
		printf '# %s\n' "$ksft_line"
	done
}

# The timeout from a settings file, or nothing.
ksft_settings_timeout()
{
	[ -r "$1" ] || return 0
	while IFS= read -r ksft_line || [ -n "$ksft_line" ]; do
		case "$ksft_line" in
		timeout=*)
			echo "${ksft_line#timeout=}"
			;;
		esac
	done < "$1"
}

ksft_is_number()
{
	case "$1" in
	''|*[!0-9]*)
		return 1
		;;
	esac
	return 0
}

# KSELFTEST_<NAME>_ARGS for a test path.
ksft_args_var()
{
	printf 'KSELFTEST_%s_ARGS' "$(basename "$1" | tr -d '[:blank:][:cntrl:]' |
		tr -c '[:alnum:]_' '_' | tr '[:lower:]' '[:upper:]')"
}

# Run "$@" with timeout $ksft_timeout and return its status.  Runs in a
# subshell of the pipeline, so its traps and variables stay there.
ksft_exec()
{
	if [ -n "$ksft_timeout_cmd" ]; then
		# timeout(1) makes its own process group: the test's group.
		"$ksft_timeout_cmd" -k "$ksft_kill_grace" "$ksft_timeout" "$@" &
		ksft_pid=$!
		trap 'kill -TERM -$ksft_pid $ksft_pid 2>/dev/null; exit 130' INT TERM HUP
		wait $ksft_pid
		ksft_rc=$?
		kill -KILL -$ksft_pid 2>/dev/null
		return $ksft_rc
	fi

	# Without timeout(1): bash can give the test its own process group
	# (set -m works without a terminal there); other shells cannot, and
	# then only the test process itself is signalled.
	if [ -n "$BASH_VERSION" ]; then
		set -m
		"$@" &
		ksft_pid=$!
		set +m
		ksft_victims="-$ksft_pid $ksft_pid"
	else
		"$@" &
		ksft_pid=$!
		ksft_victims="$ksft_pid"
	fi
	trap 'kill -TERM $ksft_victims 2>/dev/null; exit 130' INT TERM HUP
	if [ "$ksft_timeout" != 0 ]; then
		(
			sleep "$ksft_timeout"
			kill -TERM $ksft_victims || exit 0
			sleep "$ksft_kill_grace"
			kill -KILL $ksft_victims
		) >/dev/null 2>&1 &
		ksft_watchdog=$!
	fi
	wait $ksft_pid
	ksft_rc=$?
	[ -n "$ksft_watchdog" ] && kill $ksft_watchdog 2>/dev/null
	[ -n "$BASH_VERSION" ] && kill -KILL -$ksft_pid 2>/dev/null
	return $ksft_rc
}

# Run test $1, its output prefixed to fd 4; print its exit status.
ksft_run_captured()
{
	ksft_dir=$(dirname "$1")
	ksft_base=$(basename "$1")
	ksft_args=
	eval "ksft_args=\${$(ksft_args_var "$1"):-}"

	set -- "./$ksft_base"
	if [ ! -x "$ksft_dir/$ksft_base" ]; then
		ksft_shebang=$(head -n 1 "$ksft_dir/$ksft_base")
		case "$ksft_shebang" in
		'#!'*)
			echo "# Warning: $ksft_dir/$ksft_base is not executable, running it with its interpreter" >&4
			# The interpreter line may carry one argument: split it.
			# shellcheck disable=SC2086
			set -- ${ksft_shebang#??} "./$ksft_base"
			;;
		*)
			echo "# Warning: $ksft_dir/$ksft_base is not executable" >&4
			echo 126
			return
			;;
		esac
	fi

	# Words of the _ARGS variable are meant to split.
	# shellcheck disable=SC2086
	{ { (cd "$ksft_dir" && ksft_exec "$@" $ksft_args) </dev/null 2>&1 3>&- 4>&-
	    echo $? >&3
	  } | ksft_prefix >&4
	} 3>&1
}

# Run one test and print its result line.
ksft_run_one()
{
	ksft_test="$1"
	ksft_num="$2"
	ksft_hdr="selftests: $ksft_collection: $ksft_test"

	# fd 4: where the test's output goes; fd 5 is the report's stdout.
	if [ -n "$ksft_logdir" ]; then
		ksft_log="$ksft_logdir/$ksft_test.log"
		mkdir -p "$(dirname "$ksft_log")"
		exec 4>"$ksft_log"
	else
		exec 4>&5
	fi

	echo "# $ksft_hdr" >&4
	if [ ! -e "$ksft_test" ]; then
		echo "# Warning: $ksft_test is missing" >&4
		echo "not ok $ksft_num $ksft_hdr # missing"
		ksft_fail=$((ksft_fail + 1))
		exec 4>&-
		return
	fi

	ksft_start=$(date +%s)
	ksft_rc=$(ksft_run_captured "$ksft_test" 5>&-)
	ksft_elapsed=$(( $(date +%s) - ksft_start ))
	exec 4>&-

	if [ "$ksft_rc" = 0 ]; then
		echo "ok $ksft_num $ksft_hdr"
		ksft_pass=$((ksft_pass + 1))
	elif [ "$ksft_rc" = "$ksft_skip_rc" ]; then
		echo "ok $ksft_num $ksft_hdr # SKIP"
		ksft_skip=$((ksft_skip + 1))
	elif [ "$ksft_timeout" != 0 ] && [ "$ksft_elapsed" -ge "$ksft_timeout" ] &&
	     { [ "$ksft_rc" = 124 ] || [ "$ksft_rc" = 137 ] || [ "$ksft_rc" = 143 ]; }; then
		echo "not ok $ksft_num $ksft_hdr # TIMEOUT $ksft_timeout seconds"
		ksft_fail=$((ksft_fail + 1))
	else
		echo "not ok $ksft_num $ksft_hdr # exit=$ksft_rc"
		ksft_fail=$((ksft_fail + 1))
	fi
}

ksft_collection=$(basename "$PWD")
ksft_dir=.
ksft_settings=
ksft_override=${KSELFTEST_TIMEOUT:-}
ksft_logdir=
while getopts c:d:s:o:L: ksft_opt; do
	case "$ksft_opt" in
	c) ksft_collection="$OPTARG" ;;
	d) ksft_dir="$OPTARG" ;;
	s) ksft_settings="$OPTARG" ;;
	o) ksft_override="$OPTARG" ;;
	L) ksft_logdir="$OPTARG" ;;
	*) ksft_usage ;;
	esac
done
shift $((OPTIND - 1))

ksft_timeout=$(ksft_settings_timeout "$ksft_settings" | tail -n 1)
[ -n "$ksft_override" ] && ksft_timeout="$ksft_override"
[ -n "$ksft_timeout" ] || ksft_timeout=$ksft_default_timeout
if ! ksft_is_number "$ksft_timeout"; then
	echo "$0: bad timeout '$ksft_timeout'" >&2
	exit 2
fi

if [ -n "$ksft_logdir" ]; then
	mkdir -p "$ksft_logdir" || exit 2
	ksft_logdir=$(cd "$ksft_logdir" && pwd)
fi
cd "$ksft_dir" || exit 2

if [ "${KSFT_TIMEOUT_CMD+set}" = set ]; then
	ksft_timeout_cmd="$KSFT_TIMEOUT_CMD"
else
	ksft_timeout_cmd=$(command -v timeout)
fi

trap 'exit 130' INT TERM HUP
exec 5>&1

ksft_pass=0
ksft_fail=0
ksft_skip=0
echo "TAP version 13"
echo "1..$#"
ksft_n=0
for ksft_t in "$@"; do
	ksft_n=$((ksft_n + 1))
	ksft_run_one "${ksft_t#./}" "$ksft_n"
done
echo "# Totals: pass:$ksft_pass fail:$ksft_fail xfail:0 xpass:0 skip:$ksft_skip error:0"
exit 0
