# SPDX-License-Identifier: GPL-2.0-only
# Every consistency check of the KVM test library fires (lib_checks_test.c):
# the library's objects, as the KVM tests link them, against a fake KVM.
# The seam is the link: --wrap sends the library's ioctl() and open() to the
# fake; nothing in the library knows.  Included by unit/unit.mk.

# It runs first: it takes seconds, and the library it tests (the ring walk
# included) is what every other program is built on.
UNIT_PROGS += $(UNIT_OUTPUT)/lib_checks_test
UNIT_RUN_FIRST += $(UNIT_OUTPUT)/lib_checks_test

$(UNIT_OUTPUT)/lib_checks_test: UNIT_CFLAGS = $(CFLAGS) $(LDFLAGS) -Wl,--wrap=ioctl,--wrap=open
$(UNIT_OUTPUT)/lib_checks_test: $(LIBKVM_OBJS) $(LIBKVM_BRIDGE_OBJS) $(RING_LIB) $(LIBKVM_HDRS)
