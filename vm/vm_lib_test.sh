#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vm_lib_test.sh: what vm/lib.sh gives vm-check.sh, vng-check.sh and
# lava.sh, without QEMU.  The verdict on a guest's report (judge_report()):
# a green report passes; a report whose gate says NEW FAILURE fails, the
# gate's status reaching the caller through the printing; a report with no
# kvm-host line fails, even where this machine's known issues would excuse
# it.  The shared options (runner_option, check_runner_options): lists and
# repeats, defaults, usage errors.  The choice of tests and boots
# (select_tests, boot_tests): one boot for the tests, one per -x
# collection, one per guest level for a -f test unless its arguments pick
# one; the programs of -x (add_extra_tests).  How a boot ended
# (boot_outcome: killed, stopped early, a FAILED line of the guest's), its
# verdict and the end (judge_boot, runner_end), the module loader packed
# with the modules, a kernel located from a directory or a file
# (locate_kernel), and Debian packages unpacked once (unpack_once: a failed
# unpacking is tried again).  KTAP, exit 1 on any failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
prog=vm_lib_test
# shellcheck source=vm/lib.sh
. "$here/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kvmdir=$tmp/kvm
mkdir -p "$kvmdir"
n=0 fails=0

# report NAME HOST-LINE CASE-LINE: a one-test report of full_test
report() {
	{
		[ -z "$2" ] || echo "$2"
		printf '%s\n' "TAP version 13" "1..1" "# selftests: kvm: full_test" \
			"# TAP version 13" "# 1..1" "# # FAIL MADE-UP BUG 21" "$3"
		if [[ "$3" == "# not ok"* ]]; then
			echo "not ok 1 selftests: kvm: full_test # exit=1"
		else
			echo "ok 1 selftests: kvm: full_test"
		fi
	} > "$tmp/$1"
}

expect() {	# expect RC NAME TEXT: judge_report's status and a line it printed
	local rc
	n=$((n + 1))
	judge_report "$tmp/known.txt" "$tmp/$2" "$tmp/$2.verdict" > "$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -eq "$1" ] && grep -qF -- "$3" "$tmp/out" && cmp -s "$tmp/out" "$tmp/$2.verdict"; then
		echo "ok $n $2"
	else
		echo "not ok $n $2 (status $rc, wanted $1, printing \"$3\" and saving it)"
		sed 's/^/# /' "$tmp/out"
		fails=$((fails + 1))
	fi
}

# A known issue of this very machine: it must not excuse a guest's report.
local_line=$("$top/tools/testing/selftests/kvm/host_info.sh")
module=$(sed -n 's/.* module=\([^ ,]*\).*/\1/p' <<< "$local_line")
version=$(sed -n 's/.* kernel=\([0-9.]*[0-9]\).*/\1/p' <<< "$local_line")
printf '%s\n' "id: made-up-21" "host-module: ${module:-none}" "kernel: ${version:-0}" \
	"match: full_test cpl0 *" "signature: MADE-UP BUG 21" > "$tmp/known.txt"
AMD="# kvm-host: kernel=6.12.117+deb12-amd64 module=kvm_amd npt=1"

# check NAME RC WANT FUNC: FUNC run in a subshell (an exit ends only it)
# exits with RC and prints the line WANT (stdout and stderr).
check() {
	local rc
	n=$((n + 1))
	("$4") > "$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -eq "$2" ] && grep -qxF -- "$3" "$tmp/out"; then
		echo "ok $n $1"
	else
		echo "not ok $n $1 (status $rc, wanted $2 and the line \"$3\")"
		sed 's/^/# /' "$tmp/out"
		fails=$((fails + 1))
	fi
}

usage() {
	echo "usage of the runner"
}

# parse ARGS...: the runner's getopts loop with -f taken, as vng-check's.
parse() {
	local opt OPTIND=1
	runner_defaults
	default_kernels="6.1 6.12"
	while getopts "${runner_optstring}f:" opt; do
		runner_option "$opt" "${OPTARG-}"
	done
	check_runner_options
}

options_lists() {
	parse -k "6.1 newest" -k 7 -t "a b" -t c -p kvm.a=1 -p kvm_amd.b=2 -f "x y" -r 4G
	echo "kernels=${kernels[*]} tests=${tests[*]} p=$module_params fresh=${fresh[*]} mem=$mem"
}
options_defaults() {
	parse
	echo "kernels=${kernels[*]} tests=${#tests[@]} scale=$scale npt=$npt fresh=${fresh[*]}"
}
options_bad_scale() { parse -T 0; }
options_bad_npt() { parse -n 2; }
options_m_two_kernels() { parse -m "$tmp" -k "6.1 6.12"; }
options_unknown() { parse -x y; }
options_help() { parse -h; }
options_unknown_kernel() { parse -k "six"; }

# plan TESTS...: boot_tests over TESTS (fresh: f1; -x collection x) with a
# boot() that prints what it was given.
plan() {
	tests=("$@") fresh=(f1) extras=("x=$tmp") guest_levels="cpl0 cpl3" test_timeout=10
	boot() {
		local var env=""
		for var in $(printf '%s\n' "${!boot_args[@]}" | sort); do
			env+=" $var=${boot_args[$var]}"
		done
		echo "$1 [$boot_label] ${*:2}${env}"
	}
	boot_tests
}
plan_all() {
	declare -A guest_env=([KVM_SELFTEST_TIMEOUT_SCALE]=4)
	plan a f1 b x:p1
}
plan_fresh_level_given() {
	declare -A guest_env=([KVM_SELFTEST_TIMEOUT_SCALE]=4 [KSELFTEST_F1_ARGS]="-g cpl3 -q")
	plan f1
}

# select: select_tests against a suite of a b f1 (settings: timeout=30).
select_with() {
	all_tests=(a b f1) fresh=(f1) scale=3 test_timeout=""
	echo timeout=30 > "$kvmdir/settings"
	tests=("$@")
	select_tests
	echo "tests=${tests[*]} timeout=$test_timeout env=${guest_env[KVM_SELFTEST_TIMEOUT_SCALE]}"
}
select_default() { select_with; }
select_unknown() { select_with a nope; }
# The runners run under set -e: a function must not end on a false test.
select_errexit() {
	set -e
	export KSELFTEST_A_ARGS="-g cpl0"
	select_with a > /dev/null
	echo survived
}
select_env() {
	export KSELFTEST_A_ARGS="-g cpl0"
	select_with a
	echo "a=${guest_env[KSELFTEST_A_ARGS]}"
}

# judge GREEN-OR-NOT: judge_boot on the report green (or new_failure),
# then runner_end.
judge_then_end() {
	kdir=$tmp kname=6.12.117+deb12-amd64 npt=1 all_ok=1 summary=()
	cp "$tmp/known.txt" "$kvmdir/known-issues.txt"
	cp "$tmp/green" "$tmp/boot1.ktap"
	cp "$tmp/$1" "$tmp/boot2.ktap"
	boot_ok=1 boot_label="1 test(s)"
	judge_boot boot1 12 > /dev/null
	boot_ok=1 boot_label="full_test -g cpl0"
	judge_boot boot2 34 > /dev/null
	runner_end
}
judge_green() { judge_then_end green; }
judge_failed() { judge_then_end new_failure; }

# outcome WHY ENDED GUEST-LINE: boot_outcome of a boot whose report ran
# abi_test, then started full_test; boot_ok printed.
outcome() {
	local why=$1 ended=$2 ktap=$tmp/outcome.ktap
	printf '%s\n' "# selftests: kvm: abi_test" "ok 1 selftests: kvm: abi_test" \
		"# selftests: kvm: full_test" "# ok 1 cpl0 tight" > "$ktap"
	echo "$3" > "$tmp/outcome.serial"
	boot_outcome QEMU "QEMU: gone" "$tmp/outcome.serial"
	echo "boot_ok=$boot_ok"
}
outcome_clean() { outcome "" 1 "vm_lib_test: kvm_amd ready"; }
outcome_killed() { outcome "no output for 300 s" "" ""; }
outcome_stopped() { outcome "" "" ""; }
outcome_failed() { outcome "" 1 "vm_lib_test: FAILED: no /dev/kvm"; }

# unpack_twice [FAIL]: unpack_once twice into the same directory, with a
# debian_unpack that counts its calls (and exits like debian-apt.sh's on
# a failed download with FAIL); the calls printed.
unpack_twice() {
	debian_apt_ready() { :; }
	debian_unpack() {
		echo "unpack $*" >> "$tmp/unpacks"
		[ -z "$fail" ] || exit 1
		mkdir -p "$1" && touch "$1/file"
	}
	local fail=${1:-}
	rm -rf "$tmp/unpacked" "$tmp/unpacks"
	(unpack_once "$tmp/unpacked" pkg-a pkg-b) 2> /dev/null
	(unpack_once "$tmp/unpacked" pkg-a pkg-b) 2> /dev/null
	echo "calls: $(wc -l < "$tmp/unpacks"); marker: $([ -e "$tmp/unpacked/.unpacked" ] && echo yes)"
	[ -z "$fail" ] || return 0
	cat "$tmp/unpacks"
}
unpack_failed() { unpack_twice fail; }

# locate SPEC: locate_kernel on SPEC in a tree of two kernels.
locate() {
	mkdir -p "$tmp/k/boot" "$tmp/k/usr/lib/modules/7.3.4/kernel"
	touch "$tmp/k/boot/vmlinuz-6.1.0" "$tmp/k/usr/lib/modules/7.3.4/vmlinuz"
	locate_kernel "$1"
	echo "root=$root bzimage=${bzimage#"$tmp"/}"
}
locate_boot() { locate "$tmp/k"; }
locate_modules() { locate "$tmp/k/usr/lib/modules/7.3.4"; }
locate_file() { locate "$tmp/k/boot/vmlinuz-6.1.0"; }
locate_missing() { locate "$tmp/nothing/here"; }

# extra_tests -x...: add_extra_tests after a suite of a and b, with $tmp/x
# holding the programs p1 and p2, a file that is no program and a directory.
extra_tests() {
	mkdir -p "$tmp/x/dir" "$tmp/empty"
	touch "$tmp/x/p1" "$tmp/x/p2" "$tmp/x/data" && chmod +x "$tmp/x/p1" "$tmp/x/p2"
	all_tests=(a b) extras=("$@")
	add_extra_tests
	echo "tests: ${all_tests[*]}"
}
extra_programs_only() { extra_tests "up=$tmp/x"; }
extra_bad_name() { extra_tests "kvm=$tmp/x"; }
extra_no_program() { extra_tests "up=$tmp/empty"; }

loader_packed() {
	initrd_root=$tmp/root
	pack_module_loader
	cmp "$here/guest-modules.sh" "$initrd_root/kvm/guest-modules.sh" && echo same
}

echo "TAP version 13"
echo "1..42"
report green "$AMD" "# ok 1 cpl0 tight"
expect 0 green "ktap_check: no failures beyond known host issues"
report new_failure "$AMD" "# not ok 1 cpl0 tight"
expect 1 new_failure "NEW FAILURE: full_test: cpl0 tight"
report no_host_line "" "# not ok 1 cpl0 tight"
expect 1 no_host_line "has no kvm-host line"
report no_host_line_green "" "# ok 1 cpl0 tight"
expect 1 no_host_line_green "has no kvm-host line"

check options_lists 0 "kernels=6.1 newest 7 tests=a b c p=kvm.a=1 kvm_amd.b=2 fresh=x y mem=4G" \
	options_lists
check options_defaults 0 \
	"kernels=6.1 6.12 tests=0 scale=4 npt=1 fresh=dirty_ring_forged_test x86_64/dirty_ring_address_space_test" \
	options_defaults
check options_bad_scale 2 "$0: bad -T '0': 1 to 100" options_bad_scale
check options_bad_npt 2 "$0: bad -n '2': 0 or 1" options_bad_npt
check options_m_two_kernels 2 "$0: -m goes with exactly one -k PATH kernel" options_m_two_kernels
check options_unknown 2 "usage of the runner" options_unknown
check options_help 0 "usage of the runner" options_help
check options_unknown_kernel 2 \
	"$0: kernel 'six': newest, a Debian major, series or version (7, 6.12, 6.12.117+deb12, 6.1.0-57) or a path" \
	options_unknown_kernel

check plan_shared 0 "boot1 [2 test(s)] -o 10 -t kvm:a -t kvm:b KVM_SELFTEST_TIMEOUT_SCALE=4" plan_all
check plan_extra 0 "boot2 [x: 1 program(s)] -o 10 -t x:p1 KVM_SELFTEST_TIMEOUT_SCALE=4" plan_all
check plan_fresh_cpl0 0 \
	"boot3 [f1 -g cpl0 (a boot of its own)] -o 10 -t kvm:f1 KSELFTEST_F1_ARGS=-g cpl0 KVM_SELFTEST_TIMEOUT_SCALE=4" \
	plan_all
check plan_fresh_cpl3 0 \
	"boot4 [f1 -g cpl3 (a boot of its own)] -o 10 -t kvm:f1 KSELFTEST_F1_ARGS=-g cpl3 KVM_SELFTEST_TIMEOUT_SCALE=4" \
	plan_all
check plan_fresh_level_given 0 \
	"boot1 [f1 (a boot of its own)] -o 10 -t kvm:f1 KSELFTEST_F1_ARGS=-g cpl3 -q KVM_SELFTEST_TIMEOUT_SCALE=4" \
	plan_fresh_level_given

check select_default 0 "tests=a b f1 timeout=90 env=3" select_default
check select_unknown 2 "$0: no test 'nope' (tests: a b f1)" select_unknown
check select_env 0 "a=-g cpl0" select_env
check select_errexit 0 survived select_errexit

check judge_boot_green 0 "vm_lib_test: all reports green" judge_green
check judge_boot_line 0 \
	"vm_lib_test:   6.12.117+deb12-amd64     npt=1  full_test -g cpl0                                      34 s  green" \
	judge_green
check judge_boot_failed 1 "vm_lib_test: FAILED" judge_failed
check judge_boot_failed_line 1 \
	"vm_lib_test:   6.12.117+deb12-amd64     npt=1  full_test -g cpl0                                      34 s  FAILED" \
	judge_failed
check module_loader 0 same loader_packed
check locate_kernel_boot 0 "root=$tmp/k bzimage=k/boot/vmlinuz-6.1.0" locate_boot
check locate_kernel_modules 0 \
	"root=$tmp/k/usr/lib/modules/7.3.4 bzimage=k/usr/lib/modules/7.3.4/vmlinuz" locate_modules
check locate_kernel_file 0 "root= bzimage=k/boot/vmlinuz-6.1.0" locate_file
check locate_kernel_missing 2 \
	"$0: kernel '$tmp/nothing/here': neither a file, a directory nor a Debian kernel" locate_missing
check extra_programs_only 0 "tests: a b up:p1 up:p2" extra_programs_only
check extra_bad_name 2 "$0: bad -x 'kvm=$tmp/x': NAME=DIR, NAME of a-z 0-9 _ and not kvm" \
	extra_bad_name
check extra_no_program 2 "$0: -x up=$tmp/empty: no executable in $tmp/empty" extra_no_program
check unpack_once 0 "calls: 1; marker: yes" unpack_twice
check unpack_once_root 0 "unpack $tmp/unpacked/root pkg-a pkg-b" unpack_twice
check unpack_once_failed 0 "calls: 2; marker: " unpack_failed
check outcome_clean 0 "boot_ok=1" outcome_clean
check outcome_killed 0 "boot_ok=" outcome_killed
check outcome_killed_test 0 "vm_lib_test: test running: full_test; its last lines:" outcome_killed
check outcome_stopped 0 "boot_ok=" outcome_stopped
check outcome_stopped_why 0 "vm_lib_test: the guest stopped before the end of its run (QEMU: gone)" \
	outcome_stopped
check outcome_failed 0 "boot_ok=" outcome_failed
exit $((fails ? 1 : 0))
