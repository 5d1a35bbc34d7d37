#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ktap_check.sh KNOWN_ISSUES KTAP_LOG
#
# Reads the KTAP output of `make -C tools/testing/selftests TARGETS=kvm
# run_tests` and exits 1 if any failure is not a known host issue (see
# known-issues.txt for the matching rules), if the report is malformed, or
# if fewer tests reported than planned.  Prints one line per failure with
# its verdict.  Exit 2 on bad usage or a malformed KNOWN_ISSUES.
#
# The host a report comes from is its "# kvm-host: kernel=... module=..."
# line (host_info.sh prints it; vm-check's guests and `make check` put it
# in front of the report).  A report without one is judged as made on this
# machine, with what host_info.sh prints here.
set -u

usage() {
	echo "usage: $0 KNOWN_ISSUES KTAP_LOG" >&2
	exit 2
}
[ $# -eq 2 ] && [ -r "$1" ] && [ -r "$2" ] || usage

ids=() modules=() kernels=() tests=() globs=() sigs=()
SEP=$'\x1f'	# between the signatures of one entry

bad_issues() {
	echo "$0: $1: $2" >&2
	exit 2
}

VERSION_RE='^[0-9]+(\.[0-9]+)*$'

# Flatten each entry's match lines into parallel arrays.  Every entry names
# its host module, its kernel range, what it matches and its signatures.
load_issues() {
	local id="" module="" kernel="" sig="" line key val lo hi
	local -a matches=()
	issues_file=$1
	flush() {
		local m
		if [ -n "$id$module$kernel$sig${matches[*]}" ]; then
			[ -n "$id" ] || bad_issues "$issues_file" "an entry without id"
			[ -n "$module" ] || bad_issues "$issues_file" "$id: no host-module"
			[ -n "$kernel" ] || bad_issues "$issues_file" "$id: no kernel (the range of uname -r it was seen on)"
			[ ${#matches[@]} -gt 0 ] || bad_issues "$issues_file" "$id: no match"
			[ -n "$sig" ] || bad_issues "$issues_file" "$id: no signature"
		fi
		for m in "${matches[@]}"; do
			ids+=("$id") modules+=("$module") kernels+=("$kernel") sigs+=("$sig")
			tests+=("${m%% *}") globs+=("${m#* }")
		done
		id="" module="" kernel="" sig="" matches=()
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
		kernel)
			lo=${val%% - *} hi=${val##* - }
			[[ "$lo" =~ $VERSION_RE && "$hi" =~ $VERSION_RE ]] ||
				bad_issues "$issues_file" "${id:-?}: kernel '$val': VERSION or VERSION - VERSION"
			kernel="$lo $hi" ;;
		match) matches+=("$val") ;;
		signature) sig+=${sig:+$SEP}$val ;;
		esac
	done < "$1"
	flush
}

# version_cmp VERSION BOUND: -1, 0 or 1 as VERSION is below, within or
# above BOUND, comparing only as many numbers as BOUND has (6.12 holds
# every 6.12.x).
version_cmp() {
	local -a v b
	local i
	IFS=. read -r -a v <<< "$1"
	IFS=. read -r -a b <<< "$2"
	for i in "${!b[@]}"; do
		if [ "${v[$i]:-0}" -lt "${b[$i]}" ]; then
			echo -1; return
		elif [ "${v[$i]:-0}" -gt "${b[$i]}" ]; then
			echo 1; return
		fi
	done
	echo 0
}

# kernel_in RANGE: is the report's kernel in "LOW HIGH"?
kernel_in() {
	[ -n "$host_version" ] || return 1
	[ "$(version_cmp "$host_version" "${1% *}")" -ge 0 ] &&
		[ "$(version_cmp "$host_version" "${1#* }")" -le 0 ]
}

# The report's host: its kvm-host line, else this machine's.
load_host() {
	local line word
	line=$(grep -m 1 '^# kvm-host: ' "$1")
	if [ -z "$line" ]; then
		line=$("$(dirname "$0")/host_info.sh")
		echo "ktap_check: no kvm-host line in $1: judged as made on this machine"
	fi
	host_kernel="" host_modules=""
	for word in ${line#\# kvm-host: }; do
		case "$word" in
		kernel=*) host_kernel=${word#kernel=} ;;
		module=*) host_modules=${word#module=} ;;
		esac
	done
	host_version=""
	[[ "$host_kernel" =~ ^([0-9]+(\.[0-9]+)*) ]] && host_version=${BASH_REMATCH[1]}
	echo "ktap_check: host: ${line#\# kvm-host: }"
}

# A ring case's ACQ_REL variant: the case run with the other ring cap.
ACQ_REL_SUFFIX=" acq_rel"

# covering_issue TEST CASE OUTPUT: print the id of an entry covering it.
# The ACQ_REL variant of a case is matched as the case too: KVM handles both
# ring caps alike, and the variant must still print the entry's signature.
covering_issue() {
	local i sig sig_list base=${2%"$ACQ_REL_SUFFIX"}
	for i in "${!ids[@]}"; do
		[ "${tests[$i]}" = "$1" ] || continue
		# shellcheck disable=SC2053
		[[ "$2" == ${globs[$i]} || "$base" == ${globs[$i]} ]] || continue
		[[ ",$host_modules," == *",${modules[$i]},"* ]] || continue
		kernel_in "${kernels[$i]}" || continue
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
load_host "$2"

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
