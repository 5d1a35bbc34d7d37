# SPDX-License-Identifier: GPL-2.0
#
# unit/unit.mk: unit tests of the test library, run by "make unit" (the
# framework's own tests are in ../../kselftest_framework).  The kvm
# Makefile includes this after ../lib.mk.  "make unit" builds
# $(UNIT_PROGS), runs the entries of $(UNIT_RUN) in order, prints one
# PASS/FAIL line per entry (and the output of a failed one) and a summary,
# and fails if any entry failed.  As make does, it stops at the first entry
# that fails and names those it did not run; "make -k unit" runs them all.
# An entry still running after UNIT_TIMEOUT_S seconds (every program has a
# deadline well below it) is killed and fails: "make unit" always ends.
# unit_loop_test.sh tests all this.
#
# To add a unit test, append to the variables, here or in a fragment
# unit/<name>.mk (included below), or in the kvm Makefile after this file:
#
#	UNIT_PROGS += $(OUTPUT)/unit/ring_model_test	(from unit/ring_model_test.c)
#	UNIT_RUN += $(OUTPUT)/unit/ring_model_test
#	UNIT_RUN += $(UNIT_SRC)/mutants_test.sh
#	UNIT_CFLAGS += -Iinclude
#	$(OUTPUT)/unit/ring_model_test: $(OUTPUT)/lib/dirty_ring.o
#
# UNIT_RUN_FIRST runs before UNIT_RUN: programs of a few seconds that test
# what the others are built on, so that a broken library stops "make unit"
# early.
#
# An entry of UNIT_RUN is one program or script, without arguments; exit 0
# means pass.  It runs with these variables in its environment:
#	KSFT_DIR	tools/testing/selftests (kselftest.h, runner.sh, ...)
#	UNIT_OUTPUT	$(OUTPUT)/unit, where UNIT_PROGS are built
#	UNIT_SRC	this directory
# Extra prerequisites of a program (objects) are linked into it.

UNIT_SRC := $(realpath $(dir $(lastword $(MAKEFILE_LIST))))
UNIT_KSFT_DIR := $(realpath $(UNIT_SRC)/../..)
UNIT_OUTPUT = $(OUTPUT)/unit

UNIT_CFLAGS += -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE \
	       -I$(UNIT_KSFT_DIR)
UNIT_LDLIBS +=
UNIT_HDRS += $(UNIT_KSFT_DIR)/kselftest.h $(UNIT_KSFT_DIR)/kselftest_harness.h

-include $(filter-out $(UNIT_SRC)/unit.mk,$(wildcard $(UNIT_SRC)/*.mk))

$(UNIT_OUTPUT)/%: $(UNIT_SRC)/%.c $(UNIT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) $(filter-out %.h,$^) $(UNIT_LDLIBS) -o $@

EXTRA_CLEAN += $(UNIT_PROGS)

# Second expansion: programs appended after this file are built too.
# "make unit-build" only builds them (the other compiler's build in
# "make check").
.SECONDEXPANSION:
unit-build: $$(UNIT_PROGS)

# Above the runner timeout (kvm/settings) that the programs' deadlines are derived from.
UNIT_TIMEOUT_S ?= 150
UNIT_KEEP_GOING := $(findstring k,$(firstword -$(MAKEFLAGS)))

unit: unit-build
	@pass=0; fail=0; failed=""; notrun=""; \
	log=$$(mktemp "$${TMPDIR:-/tmp}/unit.XXXXXX") || exit 1; \
	for t in $(UNIT_RUN_FIRST) $(UNIT_RUN); do \
		if [ $$fail -gt 0 ] && [ -z "$(UNIT_KEEP_GOING)" ]; then \
			notrun="$$notrun $${t##*/}"; continue; \
		fi; \
		KSFT_DIR=$(UNIT_KSFT_DIR) UNIT_OUTPUT=$(UNIT_OUTPUT) UNIT_SRC=$(UNIT_SRC) \
			timeout -k 10 $(UNIT_TIMEOUT_S) $$t > $$log 2>&1 < /dev/null; \
		rc=$$?; \
		if [ $$rc -eq 0 ]; then \
			echo "PASS: unit: $${t##*/}"; pass=$$((pass + 1)); \
		else \
			case $$rc in \
			124|137) why="killed: still running after $(UNIT_TIMEOUT_S) s";; \
			*) why="exit $$rc";; \
			esac; \
			echo "FAIL: unit: $${t##*/} ($$why), its output:"; \
			while IFS= read -r line; do echo "    $$line"; done < $$log; \
			fail=$$((fail + 1)); failed="$$failed $${t##*/}"; \
		fi; \
	done; \
	rm -f $$log; \
	echo "unit: $$pass passed, $$fail failed$${failed:+:$$failed}$${notrun:+; not run after the failure (make -k unit runs them):$$notrun}"; \
	[ $$fail -eq 0 ]

.PHONY: unit unit-build

# "make unit" itself, on stand-in programs.
UNIT_RUN += $(UNIT_SRC)/unit_loop_test.sh
