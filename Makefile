# SPDX-License-Identifier: GPL-2.0-only
# Top level of the KVM dirty-ring test project.
#
#   make          build the KVM selftests and the unit tests
#   make check    every test of the project: everything built with gcc and
#                 with clang (LLVM=1), failing on any warning; the
#                 framework's own tests, unit tests (plain and sanitized),
#                 the KVM suite through the kselftest runner, then the KVM
#                 suite again from the clang build, which must give the
#                 same verdicts; fails on any failure not listed in
#                 tools/testing/selftests/kvm/known-issues.txt
#   make vm-check the KVM suite on kvm_amd in QEMU guests (TCG), on the
#                 newest Debian 6.1 and 6.12 kernels or on KERNEL=...;
#                 judged by the same gate (vm/vm-check.sh -h for options)
#   make bugs     build the standalone KVM bug reproducers (bugs/repro)
#   make bench    the benchmarks (a few minutes); make bench-scale the long
#                 ones, ring against bitmap as the VM grows
#   make clean
#
# make -jN is passed on to every step; the steps themselves run in order.

SHELL := /bin/bash
SELFTESTS := tools/testing/selftests
KVM := $(SELFTESTS)/kvm
CHECK_LOG ?= $(CURDIR)/check-run_tests.log
FRAMEWORK_LOG ?= $(CURDIR)/check-framework.log
# The clang build, out of tree so that the gcc build stays where it is.
CLANG_OUT ?= $(CURDIR)/build-clang
CLANG_CHECK_LOG ?= $(CURDIR)/check-clang-run_tests.log
HAVE_CLANG := $(shell command -v clang 2>/dev/null)

.PHONY: all check check-build check-framework check-unit check-kvm check-clang clean
.NOTPARALLEL:

all:
	$(MAKE) -C $(SELFTESTS) TARGETS=kvm all

check: check-build check-framework check-unit check-kvm check-clang

# $(call build_all,LOG,make arguments,kvm OUTPUT): build every target and
# the unit programs; any warning (compiler, linker or make) fails.  Its
# callers start with "+" to hand the jobserver down through the call.
define build_all
	set -o pipefail; { $(MAKE) -C $(SELFTESTS) TARGETS="kselftest_framework kvm" $(2) all && \
		$(MAKE) -C $(KVM) $(2) $(if $(3),OUTPUT=$(3)) unit-build; } 2>&1 | tee $(1)
	@if grep -n 'warning' $(1); then echo "check-build: warnings in $(1)"; exit 1; fi
endef

check-build:
	+$(call build_all,$(CURDIR)/check-build-gcc.log)
ifneq ($(HAVE_CLANG),)
	+$(call build_all,$(CURDIR)/check-build-clang.log,LLVM=1 O=$(CLANG_OUT),$(CLANG_OUT)/kselftest/kvm)
else
	@echo "check-build: SKIP the clang build: clang is not installed"
endif

# The framework's tests are a selftest target of their own; no failure is
# known there, so the gate gets an empty list.
check-framework:
	set -o pipefail; $(MAKE) -C $(SELFTESTS) TARGETS=kselftest_framework run_tests 2>&1 | \
		tee $(FRAMEWORK_LOG)
	$(KVM)/ktap_check.sh /dev/null $(FRAMEWORK_LOG)

check-unit:
	$(MAKE) -C $(KVM) unit

# The suite exactly as the README runs it, then the known-issues gate; the
# log starts with the kvm-host line that tells the gate which host it was.
check-kvm:
	set -o pipefail; { $(KVM)/host_info.sh; $(MAKE) -C $(SELFTESTS) TARGETS=kvm run_tests; } 2>&1 | tee $(CHECK_LOG)
	$(KVM)/ktap_check.sh $(KVM)/known-issues.txt $(CHECK_LOG)

# The suite once more from the clang build: the same gate, and the same
# verdicts, case by case, as the gcc build's run just before.
check-clang:
ifneq ($(HAVE_CLANG),)
	set -o pipefail; { $(KVM)/host_info.sh; \
		$(MAKE) -C $(SELFTESTS) TARGETS=kvm LLVM=1 O=$(CLANG_OUT) run_tests; } 2>&1 | \
		tee $(CLANG_CHECK_LOG)
	$(KVM)/ktap_check.sh $(KVM)/known-issues.txt $(CLANG_CHECK_LOG)
	$(KVM)/ktap_compare.sh $(CHECK_LOG) $(CLANG_CHECK_LOG)
else
	@echo "check-clang: SKIP: clang is not installed"
endif

clean:
	$(MAKE) -C $(SELFTESTS) TARGETS="kselftest_framework kvm" clean
	$(MAKE) -C bugs/repro clean
	rm -rf $(CLANG_OUT)
	rm -f $(CHECK_LOG) $(FRAMEWORK_LOG) $(CLANG_CHECK_LOG) check-build-*.log

# Benchmarks (CPL3 guests): CSV, an SVG chart and the crossings in
# bench-results/.  Settings and overrides: $(KVM)/bench/run_bench.sh.
.PHONY: bench
bench:
	$(KVM)/bench/run_bench.sh

# The ring against the bitmap as the VM grows (memory to 16 GiB, vCPUs to
# KVM_CAP_MAX_VCPUS, full-exit stalls by dirty rate, migration at 8 GiB):
# long (see the README's Scale section); writes bench-results/scale/.
# Settings: $(KVM)/bench/run_scale.sh.
.PHONY: bench-scale
bench-scale:
	$(KVM)/bench/run_scale.sh

# The KVM suite on kvm_amd in QEMU guests, judged as check-kvm is.  Make
# variables (all optional; vm/vm-check.sh -h tells more):
#   KERNEL="6.1 6.12"  Debian series or versions, or a bzImage path
#   MODULES=dir        modules of a bzImage kernel (none: KVM built in)
#   KVM_MODULES=dir    replacement modules (e.g. a patched kvm.ko, kvm-amd.ko)
#   NPT=1|0            kvm_amd nested or shadow paging
#   TESTS="a b"        which tests (default all)
#   VM_FRESH="a b"     tests that get boots of their own
#                      (default dirty_ring_forged_test)
#   VM_TIMEOUT_SCALE=4 VM_TIMEOUT=s VM_STALL=s VM_DEADLINE=s
#   VM_OUT=dir VM_CPUS=n VM_MEM=2G
#   KSELFTEST_<TEST>_ARGS="..."  extra arguments of a test
.PHONY: vm-check
vm-check:
	vm/vm-check.sh $(if $(KERNEL),-k "$(KERNEL)") $(if $(MODULES),-m "$(MODULES)") \
		$(if $(KVM_MODULES),-M "$(KVM_MODULES)") $(if $(NPT),-n "$(NPT)") \
		$(if $(TESTS),-t "$(TESTS)") \
		$(if $(filter undefined,$(origin VM_FRESH)),,-f "$(VM_FRESH)") \
		$(if $(VM_TIMEOUT_SCALE),-T "$(VM_TIMEOUT_SCALE)") $(if $(VM_TIMEOUT),-o "$(VM_TIMEOUT)") $(if $(VM_STALL),-s "$(VM_STALL)") \
		$(if $(VM_DEADLINE),-d "$(VM_DEADLINE)") $(if $(VM_OUT),-O "$(VM_OUT)") \
		$(if $(VM_CPUS),-c "$(VM_CPUS)") $(if $(VM_MEM),-r "$(VM_MEM)")

# Standalone reproducers of the KVM bugs reported in bugs/: built (not run)
# by make check so that they stay warning-free; run them by hand.
.PHONY: bugs
bugs:
	$(MAKE) -C bugs/repro

check-unit: bugs
