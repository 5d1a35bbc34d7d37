#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run_kselftest.sh: run the tests of an installed kselftest tree.
#
# Lives at the root of the install ("make install" puts it there), next to
# kselftest-list.txt ("collection:test" lines) and kselftest/runner.sh,
# which prints one KTAP report per collection.

BASE_DIR=$(cd "$(dirname "$0")" && pwd)
TEST_LIST="$BASE_DIR/kselftest-list.txt"
RUNNER="$BASE_DIR/kselftest/runner.sh"

usage()
{
	cat <<EOF
Usage: $0 [OPTIONS]
  -t | --test COLLECTION:TEST     run TEST of COLLECTION (repeatable)
  -c | --collection COLLECTION    run all tests of COLLECTION (repeatable)
  -l | --list                     list the selected collection:test entries
  -s | --summary                  print only the result lines and the totals;
                                  full logs go to a directory in \${TMPDIR:-/tmp}
  -o | --override-timeout SECONDS timeout for every test (0: none)
  -d | --dry-run                  print the tests that would run
  -h | --help                     show this help
Without -t or -c, every test runs.
EOF
}

die_usage()
{
	echo "$0: $1" >&2
	usage >&2
	exit 1
}

TESTS=""
COLLECTIONS=""
LIST=""
SUMMARY=""
DRYRUN=""
OVERRIDE=""
while [ $# -gt 0 ]; do
	case "$1" in
	-t|--test)
		[ $# -ge 2 ] || die_usage "$1 needs COLLECTION:TEST"
		TESTS="$TESTS $2"
		shift
		;;
	-c|--collection)
		[ $# -ge 2 ] || die_usage "$1 needs COLLECTION"
		COLLECTIONS="$COLLECTIONS $2"
		shift
		;;
	-l|--list)
		LIST=1
		;;
	-s|--summary)
		SUMMARY=1
		;;
	-o|--override-timeout)
		[ $# -ge 2 ] || die_usage "$1 needs SECONDS"
		case "$2" in
		''|*[!0-9]*)
			die_usage "bad timeout '$2'"
			;;
		esac
		OVERRIDE="$2"
		shift
		;;
	-d|--dry-run)
		DRYRUN=1
		;;
	-h|--help)
		usage
		exit 0
		;;
	*)
		die_usage "unknown option '$1'"
		;;
	esac
	shift
done

# Names are split on white space below, never globbed.
set -f

if [ ! -r "$TEST_LIST" ]; then
	echo "$0: $TEST_LIST is missing: is this an installed tree?" >&2
	exit 1
fi

# A requested test or collection that is not installed is an error, not
# an empty run.
for t in $TESTS; do
	found=""
	while IFS= read -r line; do
		[ "$line" = "$t" ] && found=1
	done < "$TEST_LIST"
	[ -n "$found" ] || { echo "$0: no test '$t' in $TEST_LIST" >&2; exit 1; }
done
for c in $COLLECTIONS; do
	found=""
	while IFS= read -r line; do
		[ "${line%%:*}" = "$c" ] && found=1
	done < "$TEST_LIST"
	[ -n "$found" ] || { echo "$0: no collection '$c' in $TEST_LIST" >&2; exit 1; }
done

# The selected "collection:test" lines, in list order.
selected()
{
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		if [ -z "$TESTS$COLLECTIONS" ]; then
			echo "$line"
			continue
		fi
		for t in $TESTS; do
			[ "$line" = "$t" ] && { echo "$line"; continue 2; }
		done
		for c in $COLLECTIONS; do
			[ "${line%%:*}" = "$c" ] && { echo "$line"; continue 2; }
		done
	done < "$TEST_LIST"
}

if [ -n "$LIST" ]; then
	selected
	exit 0
fi
SELECTED=$(selected)

# Collections in order of first appearance.
collections=""
for line in $SELECTED; do
	c="${line%%:*}"
	case " $collections " in
	*" $c "*) ;;
	*) collections="$collections $c" ;;
	esac
done

if [ -n "$DRYRUN" ]; then
	for line in $SELECTED; do
		echo "would run $line"
	done
	exit 0
fi

if [ -n "$SUMMARY" ]; then
	LOG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kselftest-logs.XXXXXX") || exit 1
fi

# Run one collection: its tests are the selected lines of that collection.
run_collection()
{
	c="$1"
	set --
	for line in $SELECTED; do
		[ "${line%%:*}" = "$c" ] && set -- "$@" "${line#*:}"
	done
	set -- -c "$c" -d "$BASE_DIR/$c" ${OVERRIDE:+-o "$OVERRIDE"} \
		${LOG_DIR:+-L "$LOG_DIR/$c"} -- "$@"
	if [ -r "$BASE_DIR/$c/settings" ]; then
		set -- -s "$BASE_DIR/$c/settings" "$@"
	fi
	"$RUNNER" "$@"
}

# Summary mode: keep each report in $LOG_DIR, print only the result lines.
summarize()
{
	while IFS= read -r line; do
		printf '%s\n' "$line" >> "$LOG_DIR/$1.ktap"
		case "$line" in
		"ok "*|"not ok "*)
			printf '%s\n' "$line"
			;;
		esac
	done
}

print_totals()
{
	pass=0 fail=0 skip=0
	for c in $collections; do
		while IFS= read -r line; do
			case "$line" in
			"not ok "*) fail=$((fail + 1)) ;;
			"ok "*"# SKIP"*) skip=$((skip + 1)) ;;
			"ok "*) pass=$((pass + 1)) ;;
			esac
		done < "$LOG_DIR/$c.ktap"
	done
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
	echo "# Logs in $LOG_DIR"
}

for c in $collections; do
	if [ -n "$SUMMARY" ]; then
		run_collection "$c" | summarize "$c"
	else
		run_collection "$c"
	fi
done
[ -n "$SUMMARY" ] && print_totals
exit 0
