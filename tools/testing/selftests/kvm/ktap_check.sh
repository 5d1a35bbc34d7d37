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
OPEN=open	# the upper bound of an open range

# parse_kernel VALUE: "LOW HIGH" of `kernel: LOW - HIGH`, `kernel: VERSION`
# or the open `kernel: LOW -` (HIGH is $OPEN); a malformed value fails.
parse_kernel() {
	local lo hi
	case "$1" in
	*" -") lo=${1% -} hi=$OPEN ;;
	*" - "*) lo=${1%% - *} hi=${1##* - } ;;
	*) lo=$1 hi=$1 ;;
	esac
	[[ "$lo" =~ $VERSION_RE ]] && [[ "$hi" =~ $VERSION_RE || "$hi" == "$OPEN" ]] ||
		bad_issues "$issues_file" "${id:-?}: kernel '$1': VERSION, VERSION - VERSION or VERSION -"
	echo "$lo $hi"
}

# Flatten each entry's match lines into parallel arrays.  Every entry names
# its host module(s), its kernel range, what it matches and its signatures;
# an open range is an upstream bug not fixed yet: it names the commit that
# introduced it, and no fix.
load_issues() {
	local id="" module="" kernel="" sig="" intro="" fix="" line key val
	local -a matches=()
	issues_file=$1
	flush() {
		local m
		if [ -n "$id$module$kernel$sig$intro$fix${matches[*]}" ]; then
			[ -n "$id" ] || bad_issues "$issues_file" "an entry without id"
			[ -n "$module" ] || bad_issues "$issues_file" "$id: no host-module"
			[ -n "$kernel" ] || bad_issues "$issues_file" "$id: no kernel (the range of uname -r it was seen on)"
			[ ${#matches[@]} -gt 0 ] || bad_issues "$issues_file" "$id: no match"
			[ -n "$sig" ] || bad_issues "$issues_file" "$id: no signature"
			if [ "${kernel#* }" = "$OPEN" ]; then
				[ -n "$intro" ] ||
					bad_issues "$issues_file" "$id: an open kernel range needs introduced-by: (the commit that introduced the bug)"
				[ -z "$fix" ] ||
					bad_issues "$issues_file" "$id: fixed-by: closes the range at the fixing release (kernel: LOW - HIGH)"
			fi
		fi
		for m in "${matches[@]}"; do
			ids+=("$id") modules+=("$module") kernels+=("$kernel") sigs+=("$sig")
			tests+=("${m%% *}") globs+=("${m#* }")
		done
		id="" module="" kernel="" sig="" intro="" fix="" matches=()
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
		host-module) module=",${val//[ ,]/,}," ;;
		kernel) kernel=$(parse_kernel "$val") || exit 2 ;;
		match) matches+=("$val") ;;
		signature) sig+=${sig:+$SEP}$val ;;
		introduced-by) intro=$val ;;
		fixed-by) fix=$val ;;
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

# kernel_in RANGE: is the report's kernel in "LOW HIGH" (HIGH may be open)?
kernel_in() {
	[ -n "$host_version" ] || return 1
	[ "$(version_cmp "$host_version" "${1% *}")" -ge 0 ] || return 1
	[ "${1#* }" = "$OPEN" ] || [ "$(version_cmp "$host_version" "${1#* }")" -le 0 ]
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

# host_has MODULES: does the report's host run one of ",a,b," (an entry's
# host-module list)?
host_has() {
	local m
	for m in ${host_modules//,/ }; do
		[[ "$1" == *",$m,"* ]] && return 0
	done
	return 1
}

# entry_applies I TEST CASE: does entry I name this test and case (its
# ACQ_REL variant as the case), and the report's host and kernel?
entry_applies() {
	local base=${3%"$ACQ_REL_SUFFIX"}
	[ "${tests[$1]}" = "$2" ] || return 1
	# shellcheck disable=SC2053
	[[ "$3" == ${globs[$1]} || "$base" == ${globs[$1]} ]] || return 1
	host_has "${modules[$1]}" && kernel_in "${kernels[$1]}"
}

# signature_in SIGNATURE OUTPUT: does a line of OUTPUT hold SIGNATURE, a
# fixed string in which only "*" stands for any text (within the line)?
signature_in() {
	local part pat="" line
	local -a parts
	if [[ "$1" != *"*"* ]]; then
		[[ "$2" == *"$1"* ]]
		return
	fi
	IFS='*' read -r -a parts <<< "$1*"
	for part in "${parts[@]}"; do
		pat+="*$(printf '%q' "$part")"
	done
	pat+="*"
	while IFS= read -r line; do
		# shellcheck disable=SC2053
		[[ "$line" == $pat ]] && return 0
	done <<< "$2"
	return 1
}

# covering_issue TEST CASE OUTPUT: print the id of an entry covering it.
# The ACQ_REL variant of a case is matched as the case too: KVM handles both
# ring caps alike, and the variant must still print the entry's signature.
covering_issue() {
	local i sig sig_list
	for i in "${!ids[@]}"; do
		entry_applies "$i" "$1" "$2" || continue
		IFS=$SEP read -r -a sig_list <<< "${sigs[$i]}"
		for sig in "${sig_list[@]}"; do
			if signature_in "$sig" "$3"; then
				echo "${ids[$i]}"
				return 0
			fi
		done
	done
	return 1
}

# A case that passed where a known issue's entry applies: noted (the entry
# may be out of date, e.g. a fix landed), never a failure.
declare -A passed_known=() passed_example=()
note_passed() {
	local i id seen=" "
	for i in "${!ids[@]}"; do
		id=${ids[$i]}
		[[ "$seen" != *" $id "* ]] || continue
		entry_applies "$i" "$1" "$2" || continue
		seen+="$id "
		passed_known[$id]=$(( ${passed_known[$id]:-0} + 1 ))
		[ -n "${passed_example[$id]:-}" ] || passed_example[$id]="$1: $2"
	done
}

print_notes() {
	local id
	for id in "${!passed_known[@]}"; do
		echo "note: known issue $id: ${passed_known[$id]} case(s) it covers passed on $host_kernel, inside its kernel range (first: ${passed_example[$id]}): a fix may have landed or the bug did not show in this run; worth a look"
	done
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
	elif [[ "$line" =~ ^#\ ok\ [0-9]+\ (.*)$ ]]; then
		name=${BASH_REMATCH[1]%% # *}
		[[ "${BASH_REMATCH[1]}" == *"# SKIP"* ]] || note_passed "$test" "$name"
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
print_notes
[ "$fail" -eq 0 ] && echo "ktap_check: no failures beyond known host issues ($reported tests)"
exit "$fail"
