#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# kselftest-lava.sh RUNNER-ARGS...: in the LAVA job's guest, run the
# installed suite (/kselftest/run_kselftest.sh RUNNER-ARGS) after the
# kvm-host line, print its KTAP report between two marker lines (the host
# takes it back out of the job log for ktap_check.sh), then report every
# case as a LAVA test case the way Linaro's kselftest test definition
# names them: <test>_<case>, characters other than [A-Za-z0-9_.-] as "_";
# "ok" is pass, "not ok" fail, "# SKIP" skip; each test's own line too.
# Without lava-test-case on PATH (outside LAVA) only the report is printed.
# kselftest-lava.sh --report KTAP: only the test cases of a saved report
# (vm/lava/kselftest-lava_test.sh).

if [ "$1" = --report ]; then
	ktap=$2
else
	ktap=/tmp/kselftest-lava.ktap
	echo "vm-lava: ktap begin"
	{
		/kvm/host_info.sh
		cd /kselftest && ./run_kselftest.sh "$@"
	} 2>&1 | tee "$ktap"
	echo "vm-lava: ktap end"
fi

command -v lava-test-case > /dev/null || exit 0

# The awk script prints "NAME RESULT" per case: top-level lines name the
# test, "# ok N case" lines (one level down) its cases.
awk '
function clean(s) { gsub(/[^A-Za-z0-9_.-]/, "_", s); return s }
function result(line,    r) {
	r = (line ~ /^not ok /) ? "fail" : "pass"
	if (line ~ /# *[Ss][Kk][Ii][Pp]/)
		r = "skip"
	return r
}
/^# selftests: [^:]*: / { test = $0; sub(/^# selftests: [^:]*: /, "", test); next }
/^# (not )?ok [0-9]+ / && test != "" {
	line = substr($0, 3); name = line
	sub(/^(not )?ok [0-9]+ /, "", name); sub(/ *#.*$/, "", name)
	print clean(test "_" name), result(line)
	next
}
/^(not )?ok [0-9]+ selftests: [^:]*: / {
	name = $0; sub(/^(not )?ok [0-9]+ selftests: [^:]*: /, "", name); sub(/ .*$/, "", name)
	print clean(name), result($0)
	test = ""
}' "$ktap" | while read -r name res; do
	lava-test-case "$name" --result "$res"
done
