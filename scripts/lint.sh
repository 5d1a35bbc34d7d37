#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# scripts/lint.sh (make lint): the kernel's checkpatch.pl (--strict
# --no-tree -f) over every C file and header git tracks, and shellcheck
# (errors and warnings) over every shell script; fails on any finding
# beyond the allowance list below.
#
# checkpatch.pl comes from Debian's linux-source-6.12 (the source
# .ci/kernel-tree.sh builds in), extracted once into $LINT_OUT (default
# lint-out/), or from $CHECKPATCH.  Prints each finding and a count per tool.
#
# The allowance: checkpatch types that upstream's own 6.12
# tools/testing/selftests/kvm also carries (counts there, --strict, in
# brackets), each for the same reason:
#   LONG_LINE_STRING (24)     a message a user greps for stays on one line
#                             (also when it closes a call: "...")," )
#   PARENTHESIS_ALIGNMENT (192), MACRO_ARG_REUSE (128)
#                             continuation layout; assertion macros print
#                             the values of their arguments
#   BIT_MACRO (169)           uapi-style (1ull << n) constants, as <linux/kvm.h>
#   CAMELCASE (69)            PRIx64 and friends, uapi and ABI names
#   VOLATILE (44)             memory a guest and the host share
#   PREFER_DEFINED_ATTRIBUTE_MACRO (17), AVOID_EXTERNS (17)
#                             userspace without <linux/compiler.h>; symbols
#                             of guest code and assembly
#   PREFER_KERNEL_TYPES (0 in kvm/, common in selftests/x86 and mm)
#                             uint64_t in the standalone programs (bugs/repro,
#                             vmm/guest, vmm/ramdiff.c) that build without
#                             the kernel's headers
# And one file's findings of a type, as upstream's x86_64/processor.h has them:
#   vmm/guest/guest.h EMBEDDED_FUNCTION_NAME: outb() and inb() wrap the
#                             instructions of their name
#   kselftest_harness.h MACRO_WITH_FLOW_CONTROL: TEST_HARNESS_MAIN defines
#                             main(), as upstream's harness does;
#                       TRAILING_STATEMENTS, INDENTED_LABEL: a _Generic
#                             association list, whose "type: value" pairs
#                             checkpatch reads as labels;
#                       OPEN_BRACE: a function with a function-pointer
#                             parameter, read as a statement (upstream: 3)
# And, as upstream's kvm/ has them (CHECK and ERROR:SPACING 130, MACRO_ARG_PRECEDENCE
# 33, MULTIPLE_ASSIGNMENTS 14):
#   SPACING                   checkpatch misreads types that macros build
#                             (FIXTURE_DATA(f) *self) and _Generic labels
#   MACRO_ARG_PRECEDENCE, MULTIPLE_ASSIGNMENTS
#                             token-pasting macro arguments; a = b = 0
#   STATIC_CONST (0 there)    checkpatch 6.12 reads "static inline const char
#                             *f(void)" as "static <type> const"
# ShellCheck: -S warning; its info and style notes (quoting where words are
# meant to split, single-quoted eval strings) are allowed, as upstream's
# kselftest/runner.sh and run_kselftest.sh carry them too.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=${LINT_OUT:-$repo/lint-out}
src=/usr/src/linux-source-6.12.tar.xz
allow=LONG_LINE_STRING,PARENTHESIS_ALIGNMENT,MACRO_ARG_REUSE,BIT_MACRO,CAMELCASE
allow+=,VOLATILE,PREFER_DEFINED_ATTRIBUTE_MACRO,AVOID_EXTERNS,PREFER_KERNEL_TYPES
allow+=,SPACING,MACRO_ARG_PRECEDENCE,MULTIPLE_ASSIGNMENTS,STATIC_CONST

help() {
	cat <<EOF
Usage: $0 [-h]
checkpatch (--strict --no-tree) and shellcheck over the tree; fails on a finding
beyond the allowance list at the top of this script.
Environment: CHECKPATCH (a checkpatch.pl; default: extracted from $src
into \$LINT_OUT/), LINT_OUT (default lint-out/).
EOF
}

while getopts h opt; do
	case $opt in
	h)
		help
		exit 0
		;;
	*)
		help >&2
		exit 2
		;;
	esac
done

checkpatch=${CHECKPATCH:-$out/linux-source-6.12/scripts/checkpatch.pl}
if [ ! -f "$checkpatch" ]; then
	if [ -n "${CHECKPATCH:-}" ]; then
		echo "lint: CHECKPATCH=$CHECKPATCH is not a file" >&2
		exit 1
	fi
	if [ ! -r "$src" ]; then
		echo "lint: no checkpatch.pl: $src is missing (apt-get install linux-source-6.12)" >&2
		exit 1
	fi
	mkdir -p "$out"
	tar -xJf "$src" -C "$out" linux-source-6.12/scripts/checkpatch.pl \
		linux-source-6.12/scripts/spelling.txt \
		linux-source-6.12/scripts/const_structs.checkpatch
fi
if ! command -v shellcheck >/dev/null; then
	echo "lint: shellcheck is not installed (apt-get install shellcheck)" >&2
	exit 1
fi

cd "$repo"
mapfile -t c_files < <(git ls-files '*.c' '*.h')
mapfile -t sh_files < <(git ls-files | while read -r f; do
	case ${f##*/} in
	*.sh) echo "$f" ;;
	*.*) ;;
	*) head -c 64 "$f" 2>/dev/null | grep -qE '^#!.*(sh|bash)' && echo "$f" ;;
	esac
done)

allow_lines='^vmm/guest/guest\.h:[0-9]+: WARNING:EMBEDDED_FUNCTION_NAME:'
allow_lines+='|^tools/testing/selftests/kselftest_harness\.h:[0-9]+: '
allow_lines+='(WARNING:MACRO_WITH_FLOW_CONTROL|ERROR:TRAILING_STATEMENTS|'
allow_lines+='WARNING:INDENTED_LABEL|ERROR:OPEN_BRACE):'

# A long line that is one string literal closing a call or an initializer
# ("...")," or "...");) is a message a user greps for, as LONG_LINE_STRING.
string_line() {
	perl -ne 'my $finding = $_;
		if ($finding =~ /^(.+?):(\d+): CHECK:LONG_LINE:/) {
			my ($file, $n) = ($1, $2);
			open(my $fh, "<", $file) or die "$file: $!";
			my @lines = <$fh>;
			next if $lines[$n - 1] =~ /^\s*"(?:[^"\\]|\\.)*"[),;\s]*$/;
		}
		print $finding'
}

cp_out=$(perl "$checkpatch" --strict --no-tree --terse --show-types --no-summary \
	--ignore "$allow" -f "${c_files[@]}" | grep -Ev "$allow_lines" | string_line || true)
cp_count=$(grep -c ': \(ERROR\|WARNING\|CHECK\):' <<< "$cp_out" || true)
sc_out=$(shellcheck -S warning -f gcc "${sh_files[@]}" || true)
sc_count=$(grep -c ': \(error\|warning\):' <<< "$sc_out" || true)

[ -n "$cp_out" ] && printf '%s\n' "$cp_out"
[ -n "$sc_out" ] && printf '%s\n' "$sc_out"
echo "lint: checkpatch: $cp_count findings in ${#c_files[@]} C files;" \
	"shellcheck: $sc_count findings in ${#sh_files[@]} scripts"
[ "$cp_count" -eq 0 ] && [ "$sc_count" -eq 0 ]
