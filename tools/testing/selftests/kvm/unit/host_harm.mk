# SPDX-License-Identifier: GPL-2.0-only
# The host kernel harm watch (lib/host_harm.c) against a fake taint file and
# a fake kernel log.  Included by unit/unit.mk.

UNIT_PROGS += $(UNIT_OUTPUT)/host_harm_test
UNIT_RUN += $(UNIT_OUTPUT)/host_harm_test

$(UNIT_OUTPUT)/host_harm_test: UNIT_CFLAGS += -I$(UNIT_SRC)/../include
$(UNIT_OUTPUT)/host_harm_test: $(UNIT_SRC)/../lib/host_harm.c $(UNIT_SRC)/../include/host_harm.h \
			       $(UNIT_SRC)/../include/test_util.h
