# SPDX-License-Identifier: GPL-2.0-only
# Top level of the KVM dirty-ring test project.
#
#   make          build the KVM selftests and the unit tests
#   make check    every test of the project: unit tests (plain and
#                 sanitized), then the KVM suite through the kselftest
#                 runner; fails on any failure not listed in
#                 tools/testing/selftests/kvm/known-issues.txt
#   make vm-check the KVM suite on kvm_amd in QEMU guests (TCG), on the
#                 newest Debian 6.1 and 6.12 kernels or on KERNEL=...;
#                 judged by the same gate (vm/vm-check.sh -h for options)
#   make clean

SHELL := /bin/bash
SELFTESTS := tools/testing/selftests
KVM := $(SELFTESTS)/kvm
CHECK_LOG ?= $(CURDIR)/check-run_tests.log

.PHONY: all check check-unit check-kvm clean

all:
	$(MAKE) -C $(SELFTESTS) TARGETS=kvm all

check: check-unit check-kvm

check-unit:
	$(MAKE) -C $(KVM) unit

# The suite exactly as the README runs it, then the known-issues gate; the
# log starts with the kvm-host line that tells the gate which host it was.
check-kvm:
	set -o pipefail; { $(KVM)/host_info.sh; $(MAKE) -C $(SELFTESTS) TARGETS=kvm run_tests; } 2>&1 | tee $(CHECK_LOG)
	$(KVM)/ktap_check.sh $(KVM)/known-issues.txt $(CHECK_LOG)

clean:
	$(MAKE) -C $(SELFTESTS) TARGETS=kvm clean
	rm -f $(CHECK_LOG)

# Benchmarks (CPL3 guests): CSV, an SVG chart and the crossings in
# bench-results/.  Settings and overrides: $(KVM)/bench/run_bench.sh.
.PHONY: bench
bench:
	$(KVM)/bench/run_bench.sh

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
