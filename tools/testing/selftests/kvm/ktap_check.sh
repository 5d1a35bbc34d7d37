#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ktap_check.sh KNOWN_ISSUES KTAP_LOG
#
# Reads the KTAP output of `make -C tools/testing/selftests TARGETS=kvm
# run_tests` and exits 1 if any failure is not a known host issue (see
# known-issues.txt for the matching rules), if the report is malformed, or
# if fewer tests reported than planned.  Prints one line per failure with
# its verdict.  Exit 2 on bad usage.
set -u

usage() {
	echo "usage: $0 KNOWN_ISSUES KTAP_LOG" >&2
	exit 2
}
[ $# -eq 2 ] && [ -r "$1" ] && [ -r "$2" ] || usage

ids=() modules=() tests=() globs=() sigs=()
SEP=$'\x1f'	# between the signatures of one entry

# Flatten each entry's match lines into parallel arrays.
load_issues() {
	local id="" module="" sig="" line key val
	local -a matches=()
	flush() {
		local m
		for m in "${matches[@]}"; do
			ids+=("$id") modules+=("$module") sigs+=("$sig")
			tests+=("${m%% *}") globs+=("${m#* }")
		done
		id="" module="" sig="" matches=()
	}
	while IFS= read -r line || [ -n "$line" ]; do
		case "$line" in
		"#"*) continue ;;
		"") flush; continue ;;
		" "*|"	"*) continue ;;	# continuation of a long value
		esac
		key=${line%%:*}
		val=${line#*: }
		case "$key" in
		id) id=$val ;;
		host-module) module=$val ;;
		match) matches+=("$val") ;;
		signature) sig+=${sig:+$SEP}$val ;;
		esac
	done < "$1"
	flush
}

# covering_issue TEST CASE OUTPUT: print the id of an entry covering it.
covering_issue() {
	local i sig sig_list
	for i in "${!ids[@]}"; do
		[ "${tests[$i]}" = "$1" ] || continue
		# shellcheck disable=SC2053
		[[ "$2" == ${globs[$i]} ]] || continue
		[ -d "/sys/module/${modules[$i]}" ] || continue
		IFS=$SEP read -r -a sig_list <<< "${sigs[$i]}"
		for sig in "${sig_list[@]}"; do
			if [[ "$3" == *"$sig"* ]]; then
				echo "${ids[$i]}"
				return 0
			fi
		done
	done
	return 1
}

load_issues "$1"

fail=0 planned="" reported=0 test="" case_out="" known=0 unknown=0
while IFS= read -r line || [ -n "$line" ]; do
	if [[ "$line" =~ ^1\.\.([0-9]+) ]]; then
		planned=${BASH_REMATCH[1]}
	elif [[ "$line" =~ ^#\ selftests:\ [^:]+:\ (.+)$ ]]; then
		test=${BASH_REMATCH[1]} case_out="" known=0 unknown=0
	elif [[ "$line" =~ ^#\ not\ ok\ [0-9]+\ (.*)$ ]]; then
		name=${BASH_REMATCH[1]%% # *}
		if id=$(covering_issue "$test" "$name" "$case_out$line"); then
			echo "known host issue $id: $test: $name"
			known=$((known + 1))
		else
			echo "NEW FAILURE: $test: $name"
			unknown=$((unknown + 1))
			fail=1
		fi
		case_out=""
	elif [[ "$line" =~ ^#\ ok\ [0-9]+ ]]; then
		case_out=""
	elif [[ "$line" =~ ^# ]]; then
		case_out+="$line"$'\n'
	elif [[ "$line" =~ ^not\ ok\ [0-9]+\ selftests:\ [^:]+:\ ([^ ]+)(.*)$ ]]; then
		reported=$((reported + 1))
		name=${BASH_REMATCH[1]} directive=${BASH_REMATCH[2]}
		if [[ "$directive" == *TIMEOUT* ]]; then
			echo "NEW FAILURE: $name: killed by the runner's timeout ($directive)"
			fail=1
		elif [ "$known" -gt 0 ] && [ "$unknown" -eq 0 ]; then
			echo "known host issues only: $name ($known case(s))"
		elif [ "$unknown" -eq 0 ]; then
			echo "NEW FAILURE: $name failed ($directive) with no failed case to explain it"
			fail=1
		fi
	elif [[ "$line" =~ ^ok\ [0-9]+\ selftests: ]]; then
		reported=$((reported + 1))
	fi
done < "$2"

if [ -z "$planned" ]; then
	echo "NEW FAILURE: no KTAP plan in $2"
	fail=1
elif [ "$reported" -ne "$planned" ]; then
	echo "NEW FAILURE: $reported of $planned planned tests reported"
	fail=1
fi
[ "$fail" -eq 0 ] && echo "ktap_check: no failures beyond known host issues ($reported tests)"
exit "$fail"
