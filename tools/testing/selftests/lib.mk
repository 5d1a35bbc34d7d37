# SPDX-License-Identifier: GPL-2.0
#
# lib.mk: build, run, install and clean the tests of one target directory.
#
# A target's Makefile sets some of the variables below, then includes this
# file, then may add its own rules and prerequisites:
#
#	TEST_GEN_PROGS := dirty_ring_test x86_64/foo_test
#	CFLAGS += -Wall $(KHDR_INCLUDES) -I$(top_srcdir)/...
#	include ../lib.mk
#	$(TEST_GEN_PROGS): $(LIBKVM_OBJS)
#	$(OUTPUT)/%.o: %.c
#		$(CC) $(CFLAGS) -c $< -o $@
#
# Inputs (all optional):
#   TEST_GEN_PROGS          programs built here from NAME.c and run; after
#                           this file they are prefixed with $(OUTPUT)/
#   TEST_GEN_PROGS_EXTENDED programs built (and prefixed) but not run
#   TEST_GEN_FILES          other generated files (prefixed), installed
#   TEST_CUSTOM_PROGS       programs with their own rules, full paths, run
#   TEST_PROGS              scripts in the source directory, run
#   TEST_PROGS_EXTENDED     scripts in the source directory, installed only
#   TEST_FILES              data files in the source directory, installed
#   settings                a file of this name, with "timeout=SECONDS",
#                           is passed to the runner and installed
#   OUTPUT                  build directory (default: the current directory)
#   LOCAL_HDRS              headers every program depends on
#   EXTRA_CLEAN             more files for "make clean" to remove
#   COLLECTION              report name (default: the directory's name)
#   INSTALL_PATH            destination of "make install"
#   KHDR_INCLUDES           how to find the kernel's uapi headers; defaults
#                           to "-isystem $(top_srcdir)/usr/include" when that
#                           directory exists, else nothing (system headers)
#   CC, CFLAGS, LDFLAGS, LDLIBS are used, never reset; LLVM=1 picks clang,
#   CROSS_COMPILE a cross toolchain (see below).  As the kernel's lib.mk
#   (6.12), this adds -D_GNU_SOURCE= to CFLAGS: define it the same way, or
#   not at all.
#
# Targets: all (the default goal), run_tests, install, emit_tests, clean.
# Each may get more prerequisites from the target's Makefile.

# Where this file is: read before anything else is included.
selfdir := $(realpath $(dir $(lastword $(MAKEFILE_LIST))))
top_srcdir ?= $(selfdir)/../../..

.DEFAULT_GOAL := all

# The compiler, picked as the kernel's lib.mk picks it, unless CC is given
# (command line or environment): LLVM=1 (also LLVM=<dir>/ for a prefix,
# LLVM=-<version> for a suffix) is clang for the target that CROSS_COMPILE
# names, else for ARCH, else for the host; without LLVM it is
# $(CROSS_COMPILE)gcc.
ifeq ($(origin CC),default)
ifneq ($(LLVM),)
CLANG_TARGET_arm64 := aarch64-linux-gnu
CLANG_TARGET_i386 := i386-linux-gnu
CLANG_TARGET_powerpc := powerpc64le-linux-gnu
CLANG_TARGET_riscv := riscv64-linux-gnu
CLANG_TARGET_s390 := s390x-linux-gnu
CLANG_TARGET_x86 := x86_64-linux-gnu
CLANG_TARGET_x86_64 := x86_64-linux-gnu
ifneq ($(CROSS_COMPILE),)
CLANG_TARGET := $(notdir $(CROSS_COMPILE:%-=%))
else
CLANG_TARGET := $(CLANG_TARGET_$(ARCH))
endif
CC := $(strip $(filter %/,$(LLVM))clang$(filter -%,$(LLVM)) \
	$(if $(CLANG_TARGET),--target=$(CLANG_TARGET)) -fintegrated-as)
else
CC := $(CROSS_COMPILE)gcc
endif
endif

ifeq ($(OUTPUT),)
OUTPUT := $(CURDIR)
endif

ifeq ($(KHDR_INCLUDES),)
KHDR_INCLUDES := $(if $(wildcard $(top_srcdir)/usr/include),-isystem $(top_srcdir)/usr/include)
endif

COLLECTION ?= $(notdir $(CURDIR))

LOCAL_HDRS += $(selfdir)/kselftest.h $(selfdir)/kselftest_harness.h

TEST_GEN_PROGS := $(patsubst %,$(OUTPUT)/%,$(TEST_GEN_PROGS))
TEST_GEN_PROGS_EXTENDED := $(patsubst %,$(OUTPUT)/%,$(TEST_GEN_PROGS_EXTENDED))
TEST_GEN_FILES := $(patsubst %,$(OUTPUT)/%,$(TEST_GEN_FILES))

# Tests to run, relative to $(OUTPUT) (the runner's directory).
KSFT_RUN_LIST = $(patsubst $(OUTPUT)/%,%,$(TEST_GEN_PROGS) $(TEST_CUSTOM_PROGS)) \
		$(TEST_PROGS)
KSFT_SETTINGS = $(wildcard $(CURDIR)/settings)

# Output directories of the programs, such as $(OUTPUT)/x86_64/.
ifneq ($(filter-out clean emit_tests,$(or $(MAKECMDGOALS),all)),)
$(shell mkdir -p $(sort $(OUTPUT)/ $(dir $(TEST_GEN_PROGS) \
	$(TEST_GEN_PROGS_EXTENDED) $(TEST_GEN_FILES))))
endif

all: $(TEST_GEN_PROGS) $(TEST_GEN_PROGS_EXTENDED) $(TEST_GEN_FILES)

# Scripts and data live in the source directory; the runner runs
# everything from $(OUTPUT), so an out-of-tree build gets copies.
run_tests: all
ifneq ($(realpath $(OUTPUT)),$(CURDIR))
	@if [ -n "$(strip $(TEST_PROGS) $(TEST_PROGS_EXTENDED) $(TEST_FILES))" ]; then \
		cp -pR --parents $(TEST_PROGS) $(TEST_PROGS_EXTENDED) $(TEST_FILES) $(OUTPUT)/; \
	fi
endif
	@$(selfdir)/kselftest/runner.sh -c $(COLLECTION) -d $(OUTPUT) \
		$(if $(KSFT_SETTINGS),-s $(KSFT_SETTINGS)) -- $(KSFT_RUN_LIST)

install: all
ifneq ($(INSTALL_PATH),)
	@mkdir -p $(INSTALL_PATH)
	@set -e; files="$(strip $(patsubst $(OUTPUT)/%,%,$(TEST_GEN_PROGS) \
		$(TEST_GEN_PROGS_EXTENDED) $(TEST_GEN_FILES) $(TEST_CUSTOM_PROGS)))"; \
	if [ -n "$$files" ]; then \
		cd $(OUTPUT) && cp -pR --parents $$files $(abspath $(INSTALL_PATH))/; \
	fi
	@set -e; files="$(strip $(TEST_PROGS) $(TEST_PROGS_EXTENDED) $(TEST_FILES) \
		$(notdir $(KSFT_SETTINGS)))"; \
	if [ -n "$$files" ]; then \
		cp -pR --parents $$files $(abspath $(INSTALL_PATH))/; \
	fi
else
	$(error Error: set INSTALL_PATH to use install)
endif

# "collection:test" lines for kselftest-list.txt.
emit_tests:
	@for t in $(KSFT_RUN_LIST); do echo "$(COLLECTION):$$t"; done

# The copies run_tests made in an out-of-tree $(OUTPUT), never the sources.
KSFT_OOT_COPIES = $(if $(filter-out $(CURDIR),$(realpath $(OUTPUT))), \
	$(addprefix $(OUTPUT)/,$(TEST_PROGS) $(TEST_PROGS_EXTENDED) $(TEST_FILES)))

clean:
	$(RM) -r $(TEST_GEN_PROGS) $(TEST_GEN_PROGS_EXTENDED) $(TEST_GEN_FILES) \
		$(KSFT_OOT_COPIES) $(EXTRA_CLEAN)

# _GNU_SOURCE for every program, defined as the kernel's lib.mk defines it.
CFLAGS += -D_GNU_SOURCE=

# Programs are linked from their source plus any prerequisite the target's
# Makefile adds (objects, libraries); headers are only dependencies.
$(OUTPUT)/%: %.c $(LOCAL_HDRS)
	@mkdir -p $(@D)
	$(LINK.c) $(filter-out $(LOCAL_HDRS),$^) $(LDLIBS) -o $@

.PHONY: all run_tests install emit_tests clean
