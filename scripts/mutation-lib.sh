#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# scripts/mutation-lib.sh (make mutation-lib): the project's own code under
# its own mutants.  The mutation matrix (ring/test/mutation_test.c) proves
# the checker and the scenarios against bugs of the model; this proves the
# rest (the KVM library, the forked-case framework, the ring library's real
# code, the gate, ramdiff) against bugs of that code, judged as make check
# judges it.
#
# The tree (what git has or would add, as it is in the working tree) is
# copied to a scratch directory once.  Each mutant of the catalogue
# (scripts/mutation-lib/catalogue: one line of one file replaced) is applied
# to that copy alone, and the copy is judged by make check's own commands,
# cheapest first, up to the first that fails:
#   build      the kselftest framework, the KVM suite, the unit programs and
#              ramdiff with gcc; any error or warning
#   unit       ramdiff's test, check.sh's and vm-check's verdicts, then
#              make -C kvm unit (the library's checks against a fake KVM
#              first)
#   framework  the framework's selftests through ktap_check.sh
#   suite      the KVM suite with its guests at CPL3 (-g cpl3), through
#              host_info.sh and ktap_check.sh with known-issues.txt
# then the line is restored.  A mutant is killed by the first judge that
# fails; a judge that only ran out of time (timeout) is no kill.  The
# unmutated copy must pass every judge first, or nothing is judged.
#
# Output: one line per mutant while it runs, then a table (mutant, file,
# promise, what killed it, the first failure line) on stdout and in
# OUT/table.md, each judge's log in OUT/<mutant>/.  Exit 0 only if every
# mutant was killed.
#
# Options: -o DIR     where the logs and the table go (default a new
#                     directory under ${TMPDIR:-/tmp}, kept)
#          -m ID,...  only these mutants (the baseline still runs)
#          -c FILE    the catalogue (default scripts/mutation-lib/catalogue)
#          -j N       make -jN (default 2)
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
catalogue=$repo/scripts/mutation-lib/catalogue
out=
only=
jobs=2
KVM=tools/testing/selftests/kvm
# Each judge's limit (seconds); a judge still running then is killed.
BUILD_LIMIT=900
UNIT_LIMIT=900
FRAMEWORK_LIMIT=600
SUITE_LIMIT=1800

usage() {	# usage STATUS: the header; to stderr unless STATUS is 0
	if [ "$1" -eq 0 ]; then
		sed -n '3,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
	else
		sed -n '3,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	fi
	exit "$1"
}

die() {
	echo "mutation-lib: $*" >&2
	exit 2
}

while getopts "o:m:c:j:h" opt; do
	case $opt in
	o) out=$OPTARG ;;
	m) only=",$OPTARG," ;;
	c) catalogue=$OPTARG ;;
	j) [[ $OPTARG =~ ^[1-9][0-9]*$ ]] || usage 2; jobs=$OPTARG ;;
	h) usage 0 ;;
	*) usage 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage 2
[ -r "$catalogue" ] || die "cannot read the catalogue $catalogue"

[ -n "$out" ] || out=$(mktemp -d "${TMPDIR:-/tmp}/mutation-lib.XXXXXX") ||
	die "cannot make an output directory"
mkdir -p "$out" || die "cannot make $out"
out=$(cd "$out" && pwd)
copy=$out/src

# The catalogue, parsed into parallel arrays.
ids=() files=() promises=() olds=() news=() hasnew=() occ=()
parse_catalogue() {
	local line n=-1
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		'mutant '*) n=$((n + 1)); ids[n]=${line#mutant }; hasnew[n]=0; occ[n]=0 ;;
		'file '*) files[n]=${line#file } ;;
		'promise '*) promises[n]=${line#promise } ;;
		'occurrence '*) occ[n]=${line#occurrence } ;;
		'- '*) olds[n]=${line#- } ;;
		'+ '*) news[n]=${line#+ }; hasnew[n]=1 ;;
		'#'* | '') ;;
		*) die "catalogue: cannot read the line '$line'" ;;
		esac
	done < "$catalogue"
	[ $n -ge 0 ] || die "catalogue: no mutant"
	for n in "${!ids[@]}"; do
		[ -n "${files[n]:-}" ] && [ -n "${olds[n]:-}" ] && [ -n "${promises[n]:-}" ] ||
			die "catalogue: mutant ${ids[n]} lacks its file, promise or - line"
	done
}

# How often the line occurs in the file, whole and exact.
count_line() {	# count_line FILE LINE
	OLD=$2 awk '$0 == ENVIRON["OLD"] { n++ } END { print n + 0 }' "$1"
}

# Replace (or delete) the line in the copy (its occurrence-th, if given).
apply() {	# apply N
	local f=$copy/${files[$1]}
	OLD=${olds[$1]} NEW=${news[$1]:-} DEL=$((1 - hasnew[$1])) AT=${occ[$1]} awk '
		$0 == ENVIRON["OLD"] && (!ENVIRON["AT"] || ++seen == ENVIRON["AT"]) {
			if (!ENVIRON["DEL"]) print ENVIRON["NEW"]
			next
		}
		{ print }' "$f" > "$f.mut" && cat "$f.mut" > "$f" && rm -f "$f.mut"
}

# The file as copied: the working tree may change while this runs.
restore() {	# restore N
	cat "$out/pristine/${files[$1]}" > "$copy/${files[$1]}"
}

# Run make check's commands there without the caller's make flags, under
# timeout, which is a process group of its own: killed as a group if this
# script is stopped.
judge_pid=
stop_judge() {
	[ -z "$judge_pid" ] || kill -- "-$judge_pid" 2> /dev/null
}
trap stop_judge EXIT
trap 'exit 130' INT TERM
in_copy() {	# in_copy LIMIT LOG COMMAND...
	local limit=$1 log=$2 rc
	shift 2
	(cd "$copy" && exec env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		timeout -k 20 "$limit" "$@") > "$log" 2>&1 &
	judge_pid=$!
	wait "$judge_pid"
	rc=$?
	judge_pid=
	return "$rc"
}

judge_build() {	# judge_build DIR
	local log=$1/build.log
	in_copy "$BUILD_LIMIT" "$log" bash -c "
		make -j$jobs -C tools/testing/selftests TARGETS='kselftest_framework kvm' all &&
		make -j$jobs -C $KVM unit-build && make -C vmm"
	local rc=$?
	[ $rc -eq 0 ] || return $rc
	! grep -q 'warning' "$log" || return 1
}

judge_unit() {	# judge_unit DIR
	in_copy "$UNIT_LIMIT" "$1/unit.log" bash -c "
		make -C vmm check && vmm/negative/check_test.sh && vm/vm_lib_test.sh &&
		make -C $KVM unit"
}

judge_framework() {	# judge_framework DIR
	in_copy "$FRAMEWORK_LIMIT" "$1/framework.log" bash -c "
		set -o pipefail
		make -C tools/testing/selftests TARGETS=kselftest_framework run_tests 2>&1 |
			tee framework-run.log > /dev/null
		$KVM/ktap_check.sh /dev/null framework-run.log"
}

# The suite as check-kvm runs it, each test that takes -g at CPL3 only.
judge_suite() {	# judge_suite DIR
	local t var args=()
	for t in $(cd "$copy/$KVM" && make -s --no-print-directory -f Makefile \
		   -f <(printf 'print-tests:\n\t@echo $(TEST_GEN_PROGS) $(TEST_PROGS)\n') \
		   print-tests 2>/dev/null); do
		t=${t##*/}
		[ -x "$copy/$KVM/$t" ] && "$copy/$KVM/$t" -h 2>&1 | grep -q -- '-g cpl0|cpl3' ||
			continue
		var=KSELFTEST_$(echo "$t" | tr '[:lower:].-' '[:upper:]__')_ARGS
		args+=("$var=-g cpl3")
	done
	in_copy "$SUITE_LIMIT" "$1/suite.log" env "${args[@]}" bash -c "
		set -o pipefail
		{ $KVM/host_info.sh; make -C tools/testing/selftests TARGETS=kvm run_tests; } 2>&1 |
			tee suite-run.log > /dev/null
		$KVM/ktap_check.sh $KVM/known-issues.txt suite-run.log"
}

JUDGES=(build unit framework suite)

# The first line of a judge's log that says why it failed: a failed case
# or check if there is one (a case's own, not the output of a program it
# ran and judged).
why() {	# why LOG
	{ grep -m1 -E '^ *not ok|NEW FAILURE' "$1" || grep -m1 -E '^ *# not ok' "$1" ||
	  grep -m1 -E 'error|warning|FAIL|Bail out' "$1"; } |
		sed 's/^ *//' | cut -c1-140 | tr '|' '/'
}

# Judge the copy; prints "JUDGE" of the first that fails (TIMEOUT:JUDGE if
# it only ran out of time), or "survived".
judge() {	# judge DIR
	local j rc
	mkdir -p "$1"
	for j in "${JUDGES[@]}"; do
		"judge_$j" "$1"
		rc=$?
		if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
			echo "TIMEOUT:$j"
			return
		fi
		if [ $rc -ne 0 ]; then
			echo "$j"
			return
		fi
	done
	echo survived
}

parse_catalogue
for n in "${!ids[@]}"; do
	[ -r "$repo/${files[n]}" ] || die "mutant ${ids[n]}: no file ${files[n]}"
	c=$(count_line "$repo/${files[n]}" "${olds[n]}")
	if [ "${occ[n]}" -gt 0 ]; then
		[ "$c" -ge "${occ[n]}" ] ||
			die "mutant ${ids[n]}: its line occurs $c times in ${files[n]}, not ${occ[n]}: update the catalogue"
	else
		[ "$c" = 1 ] ||
			die "mutant ${ids[n]}: its line occurs $c times in ${files[n]}, not once: update the catalogue"
	fi
done

start=$(date +%s)
mkdir -p "$copy"
(cd "$repo" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) |
	tar -xf - -C "$copy" || die "cannot copy the tree to $copy"
for n in "${!ids[@]}"; do
	mkdir -p "$out/pristine/$(dirname "${files[n]}")" &&
		cp -p "$copy/${files[n]}" "$out/pristine/${files[n]}" ||
		die "cannot keep a copy of ${files[n]}"
done
echo "mutation-lib: ${#ids[@]} mutants, judged in $copy; logs in $out"

verdict=$(judge "$out/baseline")
[ "$verdict" = survived ] ||
	die "the unmutated tree fails its $verdict judge ($(why "$out/baseline/${verdict#TIMEOUT:}.log")): nothing can be judged"
echo "mutation-lib: the unmutated tree passes every judge ($(( $(date +%s) - start )) s)"

table=$out/table.md
{
	echo "| mutant | file | promise | killed by | first failure |"
	echo "|---|---|---|---|---|"
} > "$table"
killed=0 judged=0 survivors=()
for n in "${!ids[@]}"; do
	[ -z "$only" ] || [[ $only == *",${ids[n]},"* ]] || continue
	t0=$(date +%s)
	apply "$n"
	verdict=$(judge "$out/${ids[n]}")
	restore "$n"
	judged=$((judged + 1))
	first=
	case $verdict in
	survived | TIMEOUT:*) survivors+=("${ids[n]}") ;;
	*) killed=$((killed + 1)); first=$(why "$out/${ids[n]}/$verdict.log") ;;
	esac
	[[ $verdict != TIMEOUT:* ]] || first="only a timeout, no kill"
	printf 'mutation-lib: %-36s %-10s %4d s  %s\n' "${ids[n]}" "$verdict" \
		$(( $(date +%s) - t0 )) "$first"
	echo "| ${ids[n]} | ${files[n]#$KVM/} | ${promises[n]} | $verdict | \`$first\` |" >> "$table"
done
cat "$table"
echo "mutation-lib: $killed/$judged mutants killed in $(( $(date +%s) - start )) s${survivors[*]:+; not killed: ${survivors[*]}}"
[ "$killed" -eq "$judged" ]
