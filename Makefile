# SPDX-License-Identifier: GPL-2.0-only
# Top level of the KVM dirty-ring test project.
#
#   make          build the KVM selftests and the unit tests
#   make check    every test of the project: the framework's own tests,
#                 unit tests (plain and sanitized), then the KVM suite
#                 through the kselftest runner; fails on any failure not
#                 listed in tools/testing/selftests/kvm/known-issues.txt
#   make clean

SHELL := /bin/bash
SELFTESTS := tools/testing/selftests
KVM := $(SELFTESTS)/kvm
CHECK_LOG ?= $(CURDIR)/check-run_tests.log
FRAMEWORK_LOG ?= $(CURDIR)/check-framework.log

.PHONY: all check check-framework check-unit check-kvm clean

all:
	$(MAKE) -C $(SELFTESTS) TARGETS=kvm all

check: check-framework check-unit check-kvm

# The framework's tests are a selftest target of their own; no failure is
# known there, so the gate gets an empty list.
check-framework:
	set -o pipefail; $(MAKE) -C $(SELFTESTS) TARGETS=kselftest_framework run_tests 2>&1 | \
		tee $(FRAMEWORK_LOG)
	$(KVM)/ktap_check.sh /dev/null $(FRAMEWORK_LOG)

check-unit:
	$(MAKE) -C $(KVM) unit

# The suite exactly as the README runs it, then the known-issues gate.
check-kvm:
	set -o pipefail; $(MAKE) -C $(SELFTESTS) TARGETS=kvm run_tests 2>&1 | tee $(CHECK_LOG)
	$(KVM)/ktap_check.sh $(KVM)/known-issues.txt $(CHECK_LOG)

clean:
	$(MAKE) -C $(SELFTESTS) TARGETS="kselftest_framework kvm" clean
	rm -f $(CHECK_LOG) $(FRAMEWORK_LOG)

# Benchmarks (CPL3 guests): CSV, an SVG chart and the crossings in
# bench-results/.  Settings and overrides: $(KVM)/bench/run_bench.sh.
.PHONY: bench
bench:
	$(KVM)/bench/run_bench.sh
