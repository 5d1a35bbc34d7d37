# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# unit_lib.sh: helpers for the framework's shell unit tests; sourced.
#
# Every check prints "ok"/"FAIL" with what it checked; unit_done exits 1
# if any check failed.  Paths: KSFT_DIR (tools/testing/selftests, from
# this directory's Makefile, else this directory's parent) and UNIT_OUTPUT
# (the built programs, else the directory of the sourcing script, where the
# runner runs it).

unit_here=$(cd "$(dirname "$0")" && pwd)
: "${KSFT_DIR:=$(cd "$unit_here/.." && pwd)}"
: "${UNIT_OUTPUT:=$unit_here}"
unit_failures=0
unit_checks=0

unit_tmp=$(mktemp -d "${TMPDIR:-/tmp}/ksft-unit.XXXXXX") || exit 1
trap '[ -n "${KEEP:-}" ] || rm -rf "$unit_tmp"' EXIT

unit_result()
{
	unit_checks=$((unit_checks + 1))
	if [ "$1" = 0 ]; then
		echo "ok: $2"
	else
		echo "FAIL: $2"
		unit_failures=$((unit_failures + 1))
	fi
}

# expect_eq WHAT EXPECTED SEEN
expect_eq()
{
	if [ "$2" = "$3" ]; then
		unit_result 0 "$1"
	else
		unit_result 1 "$1: expected '$2', seen '$3'"
	fi
}

# expect_line FILE LINE: LINE is one of FILE's lines, exactly.
expect_line()
{
	while IFS= read -r unit_l; do
		if [ "$unit_l" = "$2" ]; then
			unit_result 0 "has line '$2'"
			return
		fi
	done < "$1"
	unit_result 1 "no line '$2' in $(basename "$1")"
}

# expect_text FILE TEXT / expect_no_text FILE TEXT: substring of FILE.
expect_text()
{
	case "$(cat "$1")" in
	*"$2"*) unit_result 0 "has '$2'" ;;
	*) unit_result 1 "no '$2' in $(basename "$1")" ;;
	esac
}

expect_no_text()
{
	case "$(cat "$1")" in
	*"$2"*) unit_result 1 "unexpected '$2' in $(basename "$1")" ;;
	*) unit_result 0 "no '$2'" ;;
	esac
}

# results FILE: the KTAP result lines of the top level of FILE, in order.
results()
{
	while IFS= read -r unit_l; do
		case "$unit_l" in
		"ok "*|"not ok "*) printf '%s\n' "$unit_l" ;;
		esac
	done < "$1"
}

unit_done()
{
	echo "$unit_checks checks, $unit_failures failed"
	[ "$unit_failures" -eq 0 ]
	exit $?
}
