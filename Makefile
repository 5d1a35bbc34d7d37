# SPDX-License-Identifier: GPL-2.0-only
# Top level of the KVM dirty-ring test project.
#
#   make          build the KVM selftests and the unit tests
#   make check    every test of the project: everything built with gcc and
#                 with clang (LLVM=1), failing on any warning; the
#                 framework's own tests, unit tests (plain and sanitized),
#                 the dirty guest of vmm/ booted under QEMU TCG,
#                 the KVM suite through the kselftest runner, then the KVM
#                 suite again from the clang build, which must give the
#                 same verdicts; fails on any failure not listed in
#                 tools/testing/selftests/kvm/known-issues.txt
#   make vm-check the KVM suite on kvm_amd in QEMU guests (TCG), on the
#                 newest Debian 6.1, 6.12 and 7.x kernels or on KERNEL=...;
#                 judged by the same gate (vm/vm-check.sh -h for options)
#   make lava-job / make lava-check
#                 the suite as a LAVA job for kernel CI labs; lava-check
#                 runs it here offline with lava-run, judged by the gate
#   make vng-check
#                 the suite through virtme-ng on a kernel you built (or a
#                 Debian one), with your host's root; judged by the gate
#   make vmm-check
#                 QEMU's live migration with the dirty ring (and with the
#                 bitmap) checked byte for byte in a kvm_amd VM (TCG), on
#                 Debian 6.12 or KERNEL=...; judged by the same gate
#                 (vmm/vmm-check.sh -h for options)
#   make vmm-check-negative
#                 the negative control: vmm-check with a kvm.ko that loses
#                 dirty pages must fail in ring mode, naming the pages
#   make check-hang-proof
#                 proof that make check ends, red, in bounded time when the
#                 ring walk loops for ever: make check on a scratch copy of
#                 the tree with that bug (scripts/hang-proof.sh; at most
#                 HANG_PROOF_LIMIT seconds, default 600)
#   make mutation-lib
#                 the project's own code under its own mutants, judged by
#                 make check's commands (scripts/mutation-lib.sh; long)
#   make bugs     build the standalone KVM bug reproducers (bugs/repro)
#   make lint     checkpatch --strict and shellcheck, clean but for the
#                 allowance list of scripts/lint.sh
#   make bench    the benchmarks (a few minutes); make bench-scale the long
#                 ones, ring against bitmap as the VM grows
#   make clean
#
# make -jN is passed on to every step; the steps themselves run in order.

SHELL := /bin/bash
SELFTESTS := tools/testing/selftests
KVM := $(SELFTESTS)/kvm
GUEST := vmm/guest
CHECK_LOG ?= $(CURDIR)/check-run_tests.log
FRAMEWORK_LOG ?= $(CURDIR)/check-framework.log
# The clang build, out of tree so that the gcc build stays where it is.
CLANG_OUT ?= $(CURDIR)/build-clang
CLANG_CHECK_LOG ?= $(CURDIR)/check-clang-run_tests.log
HAVE_CLANG := $(shell command -v clang 2>/dev/null)

.PHONY: all check check-build check-framework check-unit check-guest check-kvm check-clang clean
.NOTPARALLEL:

all:
	$(MAKE) -C $(SELFTESTS) TARGETS=kvm all

check: check-build check-framework check-unit check-guest check-kvm check-clang

# $(call build_all,LOG,make arguments,kvm OUTPUT): build every target and
# the unit programs; any warning (compiler, linker or make) fails.  Its
# callers start with "+" to hand the jobserver down through the call.
define build_all
	set -o pipefail; { $(MAKE) -C $(SELFTESTS) TARGETS="kselftest_framework kvm" $(2) all && \
		$(MAKE) -C $(KVM) $(2) $(if $(3),OUTPUT=$(3)) unit-build; } 2>&1 | tee $(1)
	@if grep -n 'warning' $(1); then echo "check-build: warnings in $(1)"; exit 1; fi
endef

# The dirty guest of vmm/ (a 32-bit freestanding image, gcc only).
define build_guest
	set -o pipefail; $(MAKE) -C $(GUEST) 2>&1 | tee $(1)
	@if grep -n 'warning' $(1); then echo "check-build: warnings in $(1)"; exit 1; fi
endef

check-build:
	+$(call build_all,$(CURDIR)/check-build-gcc.log)
ifneq ($(HAVE_CLANG),)
	+$(call build_all,$(CURDIR)/check-build-clang.log,LLVM=1 O=$(CLANG_OUT),$(CLANG_OUT)/kselftest/kvm)
else
	@echo "check-build: SKIP the clang build: clang is not installed"
endif
	+$(call build_guest,$(CURDIR)/check-build-guest.log)

# The framework's tests are a selftest target of their own; no failure is
# known there, so the gate gets an empty list.
check-framework:
	set -o pipefail; $(MAKE) -C $(SELFTESTS) TARGETS=kselftest_framework run_tests 2>&1 | \
		tee $(FRAMEWORK_LOG)
	$(KVM)/ktap_check.sh /dev/null $(FRAMEWORK_LOG)

check-unit:
	$(MAKE) -C $(KVM) unit

# The dirty guest's contract under QEMU TCG; a skip (no QEMU) is no failure.
check-guest:
	$(MAKE) -C $(GUEST)
	$(GUEST)/guest_test.sh; rc=$$?; [ $$rc = 0 ] || [ $$rc = 4 ]

# The suite exactly as the README runs it, then the known-issues gate; the
# log starts with the kvm-host line that tells the gate which host it was.
check-kvm:
	set -o pipefail; { $(KVM)/host_info.sh; $(MAKE) -C $(SELFTESTS) TARGETS=kvm run_tests; } 2>&1 | tee $(CHECK_LOG)
	set -o pipefail; $(KVM)/ktap_check.sh $(KVM)/known-issues.txt $(CHECK_LOG) | tee $(CHECK_LOG).gate

# The suite once more from the clang build: the same gate, and the same
# verdicts, case by case, as the gcc build's run just before (a known host
# bug that showed in one run only is listed, not compared: -k).
check-clang:
ifneq ($(HAVE_CLANG),)
	set -o pipefail; { $(KVM)/host_info.sh; \
		$(MAKE) -C $(SELFTESTS) TARGETS=kvm LLVM=1 O=$(CLANG_OUT) run_tests; } 2>&1 | \
		tee $(CLANG_CHECK_LOG)
	set -o pipefail; $(KVM)/ktap_check.sh $(KVM)/known-issues.txt $(CLANG_CHECK_LOG) | \
		tee $(CLANG_CHECK_LOG).gate
	cat $(CHECK_LOG).gate $(CLANG_CHECK_LOG).gate > $(CLANG_CHECK_LOG).gates
	$(KVM)/ktap_compare.sh -k $(CLANG_CHECK_LOG).gates $(CHECK_LOG) $(CLANG_CHECK_LOG)
else
	@echo "check-clang: SKIP: clang is not installed"
endif

clean:
	$(MAKE) -C $(SELFTESTS) TARGETS="kselftest_framework kvm" clean
	$(MAKE) -C bugs/repro clean
	$(MAKE) -C $(GUEST) clean
	$(MAKE) -C vmm clean
	rm -rf $(CLANG_OUT) lint-out
	rm -f $(CHECK_LOG) $(FRAMEWORK_LOG) $(CLANG_CHECK_LOG) check-build-*.log
	rm -f $(CHECK_LOG).gate $(CLANG_CHECK_LOG).gate $(CLANG_CHECK_LOG).gates

# Benchmarks (CPL3 guests): CSV, an SVG chart and the crossings in
# bench-results/.  Settings and overrides: $(KVM)/bench/run_bench.sh.
.PHONY: bench
bench:
	$(KVM)/bench/run_bench.sh

# The ring against the bitmap as the VM grows (memory to 16 GiB, vCPUs to
# KVM_CAP_MAX_VCPUS, full-exit stalls by dirty rate, migration at 8 GiB):
# long (see kvm/bench/README.md); writes bench-results/scale/.
# Settings: $(KVM)/bench/run_scale.sh.
.PHONY: bench-scale
bench-scale:
	$(KVM)/bench/run_scale.sh

# The KVM suite on kvm_amd in QEMU guests, judged as check-kvm is.  Make
# variables (all optional; vm/vm-check.sh -h tells more):
#   KERNEL="6.1 6.12 newest"  Debian series (6.12, 7.3), majors (7), versions
#                      (6.12.118+deb12) or newest, from any Debian suite; or a
#                      bzImage or an unpacked kernel package (a directory)
#   MODULES=dir        modules of a bzImage kernel (none: KVM built in)
#   KVM_MODULES=dir    replacement modules (e.g. a patched kvm.ko, kvm-amd.ko)
#   KVM_PARAMS="kvm.p=v ..."  module parameters at load (MODULE.PARAM=VALUE)
#   NPT=1|0            kvm_amd nested or shadow paging
#   TESTS="a b"        which tests (default all)
#   VM_FRESH="a b"     tests that get boots of their own
#                      (default dirty_ring_forged_test)
#   VM_TIMEOUT_SCALE=4 VM_TIMEOUT=s VM_STALL=s VM_DEADLINE=s
#   VM_OUT=dir VM_CPUS=n VM_MEM=2G
#   VM_EXTRA=NAME=DIR  also run DIR's static programs as collection NAME
#                      (e.g. bugs=bugs/repro, built static; TESTS=bugs:PROG)
#   KSELFTEST_<TEST>_ARGS="..."  extra arguments of a test
#   ARCH=arm64 (or VM_ARCH=arm64)  the suite on arm64 KVM: cross-built, on
#                      Debian's arm64 kernels (default "6.12 7") under
#                      qemu-system-aarch64; KVM_ARM_MODE=vhe|nvhe|protected
#                      (vm/arm64.sh, vm/README.md)
# The options vm-check, vng-check and lava take alike (vm/lib.sh's
# runner_option), and -f of the first two.
RUNNER_OPTS = $(if $(KERNEL),-k "$(KERNEL)") $(if $(MODULES),-m "$(MODULES)") \
	$(if $(KVM_MODULES),-M "$(KVM_MODULES)") $(if $(KVM_PARAMS),-p "$(KVM_PARAMS)") \
	$(if $(NPT),-n "$(NPT)") $(if $(TESTS),-t "$(TESTS)") \
	$(if $(VM_TIMEOUT_SCALE),-T "$(VM_TIMEOUT_SCALE)") $(if $(VM_TIMEOUT),-o "$(VM_TIMEOUT)") \
	$(if $(VM_STALL),-s "$(VM_STALL)") $(if $(VM_DEADLINE),-d "$(VM_DEADLINE)") \
	$(if $(VM_CPUS),-c "$(VM_CPUS)") $(if $(VM_MEM),-r "$(VM_MEM)")
FRESH_OPT = $(if $(filter undefined,$(origin VM_FRESH)),,-f "$(VM_FRESH)")
.PHONY: vm-check
vm-check:
	vm/vm-check.sh $(RUNNER_OPTS) $(FRESH_OPT) $(if $(VM_OUT),-O "$(VM_OUT)") \
		$(if $(VM_EXTRA),-x "$(VM_EXTRA)")

# The suite as a LAVA job (vm/README.md, "In kernel CI"): make lava-job
# writes the job, its device dictionary and its images into LAVA_OUT
# (default lava-out); make lava-check also runs it offline with lava-run
# (bookworm's lava-dispatcher unpacked there, as root) and judges its KTAP
# with the same gate.  Make variables (all optional; vm/lava.sh -h):
#   KERNEL=6.12        one kernel, as for vm-check
#   MODULES=dir KVM_MODULES=dir KVM_PARAMS="..." NPT=1|0 TESTS="a b"
#   IMAGE_URL=http://lab/path   the images' URLs (default file://)
#   VM_TIMEOUT_SCALE=4 VM_TIMEOUT=s VM_STALL=s VM_DEADLINE=s VM_CPUS=n VM_MEM=2G
LAVA_OPTS = $(RUNNER_OPTS) $(if $(IMAGE_URL),-u "$(IMAGE_URL)") $(if $(LAVA_OUT),-O "$(LAVA_OUT)")
.PHONY: lava-job lava-check
lava-job:
	vm/lava.sh $(LAVA_OPTS) job
lava-check:
	vm/lava.sh $(LAVA_OPTS) check

# kselftest-lava.sh's LAVA test case names and results on a canned report
# (no KVM, no LAVA), in make check.
.PHONY: lava-unit
lava-unit:
	vm/lava/kselftest-lava_test.sh

check-unit: lava-unit

# The suite through virtme-ng (vm/README.md, "In kernel CI"): your kernel
# (or a Debian one) with your host's root over 9p, judged by the same gate.
# Make variables (all optional; vm/vng-check.sh -h tells more):
#   KERNEL=6.12        Debian kernels or a bzImage / unpacked kernel, as for vm-check
#   MODULES=dir KVM_MODULES=dir KVM_PARAMS="..." NPT=1|0 TESTS="a b" VM_FRESH="a b"
#   VM_TIMEOUT_SCALE=4 VM_TIMEOUT=s VM_STALL=s VM_DEADLINE=s VM_CPUS=n VM_MEM=2G
#   VNG_OUT=dir        default vng-out; VNG=/path/to/vng to use your own vng
.PHONY: vng-check
vng-check:
	vm/vng-check.sh $(RUNNER_OPTS) $(FRESH_OPT) $(if $(VNG_OUT),-O "$(VNG_OUT)")

# QEMU's live migration with the dirty ring, checked byte for byte (vmm/).
# Make variables (all optional; vmm/vmm-check.sh -h tells more):
#   KERNEL=6.12        the outer VM's kernel, as for vm-check (one)
#   QEMU=7.2|10.0|11.1|system  the QEMU under test (default 10.0), from Debian
#   MODULES=dir KVM_MODULES=dir NPT=1|0   as for vm-check
#   KVM_PARAMS="kvm.p=v ..."  module parameters at load
#   VMM_MODES="ring4096 ring65536 bitmap ring4096-smp2 dirtylimit autoconverge vcpu-dirty-limit dirtyrate"
#   VMM_NEGATIVE=1     negative control: ring modes must lose pages
#   VMM_GUEST=elf VMM_MIB=64 VMM_RATE=0   the guest, its working set and pace
#   VMM_ARGS="..."     more arguments of vmm/migrate.sh (-smp2 pacing, downtime)
#   VM_STALL=s VM_DEADLINE=s VMM_OUT=dir VM_CPUS=n VMM_MEM=1G
.PHONY: vmm-check vmm-unit
vmm-check:
	vmm/vmm-check.sh $(if $(KERNEL),-k "$(KERNEL)") $(if $(MODULES),-m "$(MODULES)") \
		$(if $(KVM_MODULES),-M "$(KVM_MODULES)") $(if $(KVM_PARAMS),-p "$(KVM_PARAMS)") \
		$(if $(NPT),-n "$(NPT)") $(if $(QEMU),-Q "$(QEMU)") \
		$(if $(VMM_MODES),-t "$(VMM_MODES)") $(if $(VMM_NEGATIVE),-N) \
		$(if $(VMM_GUEST),-G "$(VMM_GUEST)") $(if $(VMM_MIB),-g "$(VMM_MIB)") \
		$(if $(VMM_RATE),-R "$(VMM_RATE)") $(if $(VMM_ARGS),-a "$(VMM_ARGS)") \
		$(if $(VM_STALL),-s "$(VM_STALL)") \
		$(if $(VM_DEADLINE),-d "$(VM_DEADLINE)") $(if $(VMM_OUT),-O "$(VMM_OUT)") \
		$(if $(VM_CPUS),-c "$(VM_CPUS)") $(if $(VMM_MEM),-r "$(VMM_MEM)")

# ramdiff (vmm/) and its unit test, in make check.
vmm-unit:
	$(MAKE) -C vmm check

check-unit: vmm-unit

# The negative control of vmm-check (vmm/negative/README.md): a kvm.ko that
# drops one dirty ring push in N must make the ring mode fail with the
# lost pages named, and the bitmap mode pass.  Builds the modules first
# (apt-get install linux-source-6.12 linux-headers-6.12.N+deb12-amd64;
# minutes).  Make variables (all optional; vmm/negative/check.sh -h):
#   NEG_DROP_ONE_IN=1000  kvm.dirty_ring_drop_one_in
#   VMM_MODES="ring4096 bitmap" KERNEL=6.12.N+deb12 NPT=1 VMM_GUEST=elf
#   NEG_OUT=dir           default vmm-check-out/negative
.PHONY: vmm-check-negative
vmm-check-negative:
	vmm/negative/check.sh $(if $(NEG_DROP_ONE_IN),-N "$(NEG_DROP_ONE_IN)") \
		$(if $(VMM_MODES),-t "$(VMM_MODES)") $(if $(KERNEL),-k "$(KERNEL)") \
		$(if $(NPT),-n "$(NPT)") $(if $(VMM_GUEST),-G "$(VMM_GUEST)") \
		$(if $(QEMU),-Q "$(QEMU)") $(if $(NEG_OUT),-O "$(NEG_OUT)")

# vm-check's verdict on a guest's report (judge_report() of vm/lib.sh),
# without QEMU: make check.
.PHONY: vm-unit
vm-unit:
	vm/vm_lib_test.sh

check-unit: vm-unit

# check.sh's verdicts on canned runs (no KVM, no module build): make check.
.PHONY: vmm-negative-unit
vmm-negative-unit:
	vmm/negative/check_test.sh

check-unit: vmm-negative-unit

# The project's own code under its own mutants (scripts/mutation-lib.sh,
# the catalogue in scripts/mutation-lib/): each mutant applied alone to a
# scratch copy and judged by make check's commands; fails unless every
# mutant is killed.  Long (see kvm/ring/README.md); not in CI.
# MUTATION_LIB_ARGS="-m id,... -o dir" passes options.
.PHONY: mutation-lib
mutation-lib:
	scripts/mutation-lib.sh $(MUTATION_LIB_ARGS)

.PHONY: check-hang-proof
check-hang-proof:
	scripts/hang-proof.sh $(if $(HANG_PROOF_LIMIT),-l "$(HANG_PROOF_LIMIT)")

# checkpatch (the kernel's, --strict) and shellcheck over the tree, clean
# but for the allowance list at the top of scripts/lint.sh.
.PHONY: lint
lint:
	scripts/lint.sh

# Standalone reproducers of the KVM bugs reported in bugs/: built (not run)
# by make check so that they stay warning-free; run them by hand.
.PHONY: bugs
bugs:
	$(MAKE) -C bugs/repro

check-unit: bugs

# The upstream patch series for bugs 02 and 03 (upstream/README.md), checked
# against Debian's linux-source-7.3: apply, checkpatch --strict, upstream's
# KVM selftests with the new test for x86_64 and arm64 (quick), then kvm.ko
# and kvm-amd.ko for Debian's 7.3.4, stock and patched, booted in vm-check:
# stock fails the new test, patched passes it and the whole suite.
#   UPSTREAM_WORK=dir (default upstream/work)  UPSTREAM_SUITE_NPT="1 0"
.PHONY: upstream-check upstream-check-quick
upstream-check:
	upstream/upstream-check.sh full

upstream-check-quick:
	upstream/upstream-check.sh quick
