#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unit test of the top-level Makefile and lib.mk on a copy of the framework
# with a made-up target: out-of-tree builds (O=, KBUILD_OUTPUT=) with a
# subdirectory program and an object added after lib.mk, run_tests (test
# failures do not fail make, build failures do), install with its test list,
# gen_tar, emit_tests, an extra target of the target's Makefile, clean.
. "$(dirname "$0")/unit_lib.sh"

# Our make runs are not part of the caller's make: no inherited -j or
# jobserver (a recipe that runs this script does not hand its jobserver on),
# and none of the caller's output directories (CC and LLVM stay).
unset MAKEFLAGS MFLAGS MAKELEVEL O KBUILD_OUTPUT OUTPUT TARGETS INSTALL_PATH \
	KSFT_INSTALL_PATH COLLECTION

sel="$unit_tmp/tools/testing/selftests"
mkdir -p "$sel/demo/x86_64" "$sel/demo/lib" "$sel/broken"
cp -R "$KSFT_DIR/Makefile" "$KSFT_DIR/lib.mk" "$KSFT_DIR/kselftest.h" \
	"$KSFT_DIR/kselftest_harness.h" "$KSFT_DIR/kselftest" \
	"$KSFT_DIR/run_kselftest.sh" "$sel/"

cat > "$sel/demo/Makefile" <<'MAKE'
TEST_GEN_PROGS := hello_test x86_64/sub_test fail_test
TEST_PROGS := script_test.sh
TEST_FILES := data.txt
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -I.. $(KHDR_INCLUDES)
include ../lib.mk
LIB_OBJS := $(OUTPUT)/lib/answer.o
$(TEST_GEN_PROGS): $(LIB_OBJS)
$(OUTPUT)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@
EXTRA_CLEAN += $(LIB_OBJS)
hello:
	@echo hello from demo
.PHONY: hello
MAKE
echo 'int answer(void) { return 42; }' > "$sel/demo/lib/answer.c"
cat > "$sel/demo/hello_test.c" <<'C'
#include "kselftest.h"
int answer(void);
int main(void)
{
	ksft_print_header();
	ksft_set_plan(1);
	ksft_test_result(answer() == 42, "answer\n");
	ksft_finished();
}
C
cat > "$sel/demo/x86_64/sub_test.c" <<'C'
#include "kselftest.h"
int main(void)
{
	ksft_print_header();
	ksft_exit_skip("not here\n");
}
C
cat > "$sel/demo/fail_test.c" <<'C'
int main(void) { return 1; }
C
printf '#!/bin/sh\necho "data: $(cat data.txt)"\n' > "$sel/demo/script_test.sh"
chmod +x "$sel/demo/script_test.sh"
echo "ring" > "$sel/demo/data.txt"
echo "timeout=7" > "$sel/demo/settings"

printf 'TEST_GEN_PROGS := bad\ninclude ../lib.mk\n' > "$sel/broken/Makefile"
echo 'int main(void) { return undeclared; }' > "$sel/broken/bad.c"

out="$unit_tmp/out"
log="$unit_tmp/log"
build="$out/kselftest/demo"
m()
{
	make -s --no-print-directory -C "$sel" TARGETS=demo O="$out" "$@" > "$log" 2>&1
}

m all
expect_eq "make all exit code" 0 "$?"
for f in hello_test x86_64/sub_test lib/answer.o; do
	[ -f "$build/$f" ]
	expect_eq "built $f in O=" 0 "$?"
done
[ ! -e "$sel/demo/hello_test" ]
expect_eq "nothing built in the source tree" 0 "$?"

m run_tests
expect_eq "make run_tests exit code with a failing test" 0 "$?"
expect_eq "run_tests results" "ok 1 selftests: demo: hello_test
ok 2 selftests: demo: x86_64/sub_test # SKIP
not ok 3 selftests: demo: fail_test # exit=1
ok 4 selftests: demo: script_test.sh" "$(results "$log")"
expect_line "$log" "# data: ring"

m install
expect_eq "make install exit code" 0 "$?"
inst="$out/kselftest/kselftest_install"
expect_eq "kselftest-list.txt" "demo:hello_test
demo:x86_64/sub_test
demo:fail_test
demo:script_test.sh" "$(cat "$inst/kselftest-list.txt")"
for f in run_kselftest.sh kselftest/runner.sh demo/hello_test \
	 demo/x86_64/sub_test demo/script_test.sh demo/data.txt demo/settings; do
	[ -f "$inst/$f" ]
	expect_eq "installed $f" 0 "$?"
done
"$inst/run_kselftest.sh" -t demo:hello_test > "$log" 2>&1
expect_eq "installed tree runs" "ok 1 selftests: demo: hello_test" "$(results "$log")"

m gen_tar
expect_eq "make gen_tar exit code" 0 "$?"
tar tzf "$out/kselftest/kselftest-packages/kselftest.tar.gz" > "$log"
expect_line "$log" "./demo/x86_64/sub_test"
expect_line "$log" "./kselftest-list.txt"

make -s --no-print-directory -C "$sel/demo" OUTPUT="$build" COLLECTION=demo emit_tests > "$log" 2>&1
expect_eq "emit_tests" "$(cat "$inst/kselftest-list.txt")" "$(cat "$log")"

make -s --no-print-directory -C "$sel/demo" hello > "$log" 2>&1
expect_eq "extra target after lib.mk" "hello from demo" "$(cat "$log")"

make -s --no-print-directory -C "$sel" TARGETS="broken demo" \
	KBUILD_OUTPUT="$unit_tmp/kbuild" all > "$log" 2>&1
[ $? -ne 0 ]
expect_eq "a failed target fails make all" 0 "$?"
[ -f "$unit_tmp/kbuild/kselftest/demo/hello_test" ]
expect_eq "the other targets still build (KBUILD_OUTPUT=)" 0 "$?"
expect_text "$log" "selftests: broken: make all failed"

m clean
[ ! -e "$build/hello_test" ] && [ ! -e "$build/lib/answer.o" ] && [ ! -e "$inst" ]
expect_eq "make clean" 0 "$?"

# The compiler lib.mk picks, from a dry run: CC_CHECK WHAT "ARGS" TEXT.
cc_check()
{
	make -n --no-print-directory -C "$sel/demo" OUTPUT="$unit_tmp/dry" $2 all \
		> "$log" 2>&1
	expect_text "$log" "$3"
}
cc_check "default" "" "gcc -std=gnu11"
cc_check "_GNU_SOURCE as the kernel defines it" "" "-D_GNU_SOURCE= "
cc_check "LLVM=1" "LLVM=1" "clang -fintegrated-as -std=gnu11"
cc_check "LLVM=1 ARCH=x86" "LLVM=1 ARCH=x86" "clang --target=x86_64-linux-gnu -fintegrated-as"
cc_check "LLVM=-14 (suffix)" "LLVM=-14" "clang-14 -fintegrated-as"
cc_check "LLVM=/opt/llvm/bin/ (prefix)" "LLVM=/opt/llvm/bin/" "/opt/llvm/bin/clang -fintegrated-as"
cc_check "LLVM=1 CROSS_COMPILE" "LLVM=1 CROSS_COMPILE=aarch64-linux-gnu-" \
	"clang --target=aarch64-linux-gnu -fintegrated-as"
cc_check "CROSS_COMPILE" "CROSS_COMPILE=aarch64-linux-gnu-" "aarch64-linux-gnu-gcc -std=gnu11"
cc_check "CC= wins" "CC=tcc LLVM=1" "tcc -std=gnu11"

unit_done
