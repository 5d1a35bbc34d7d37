# SPDX-License-Identifier: GPL-2.0-only
# ring/ring.mk: the ring verification library and its unit tests.  It needs
# no KVM: the ring walk and bitmaps, write scripts, the record of a run, the
# reference model of KVM's side of the ring, the checker, the mutant
# catalogue, the scenario driver and the scenarios.  Included by the kvm
# Makefile after ../lib.mk, whose CFLAGS and OUTPUT it uses:
#
#   $(RING_LIB)          the library, an archive: a program gets only the
#                        members it uses
#   make mutation        build and run the mutant x scenario matrix
#   make unit-model      build and run the unit programs
#   make unit-sanitize   the same under ASan+UBSan, the threaded ones under TSan
#   make unit-fuzz       bounded random run of the fuzz target, then libFuzzer
#                        for FUZZ_SECONDS when clang is installed
#
# Programs land in $(OUTPUT)/unit-model, unit-asan, unit-tsan and unit-fuzz.
# Its one dependency outside ring/ is the assertion base, lib/test_util.c.

OUTPUT ?= $(CURDIR)

RING_C := ring/dirty_ring_walk.c ring/dirty_bitmap.c ring/write_script.c \
	  ring/ring_record.c ring/ring_check.c ring/ring_model.c ring/ring_model_target.c \
	  ring/ring_mutants.c ring/ring_scenario.c ring/ring_scenarios.c
RING_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(RING_C))
RING_LIB := $(OUTPUT)/ring/libring.a

$(RING_LIB): $(RING_OBJS)
	$(AR) crs $@ $^

EXTRA_CLEAN += $(RING_OBJS) $(RING_LIB)

MODEL_LIB_C := $(RING_C) lib/test_util.c
MODEL_PROGS := model_test mutation_test harvester_test fuzz_ring
MODEL_THREADED := harvester_test model_test
MODEL_HDRS := $(wildcard include/*.h ring/include/*.h ../kselftest.h)

FUZZ_SECONDS ?= 10
FUZZ_RUN_SECONDS ?= 5
MODEL_CLANG := $(shell command -v clang 2>/dev/null)

MODEL_CFLAGS = $(filter-out -fno-PIE,$(CFLAGS))
MODEL_LDFLAGS = -pthread
SAN_FLAGS := -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_FLAGS := -fsanitize=address,undefined $(SAN_FLAGS)
# ... where the mutation matrix stops each mutant at its first kill
ASAN_FLAGS += -DMUTATION_FIRST_KILL
TSAN_FLAGS := -fsanitize=thread $(SAN_FLAGS)
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined $(SAN_FLAGS) -DRING_FUZZ_LIBFUZZER

export ASAN_OPTIONS := halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS := halt_on_error=1:print_stacktrace=1
export TSAN_OPTIONS := halt_on_error=1:second_deadlock_stack=1

# $(call model_variant,DIR,COMPILER,FLAGS_VARIABLE,PROGRAMS)
define model_variant
$(patsubst %.c,$(1)/%.o,$(MODEL_LIB_C)) $(patsubst %,$(1)/ring/test/%.o,$(4)): $(1)/%.o: %.c $(MODEL_HDRS)
	@mkdir -p $$(dir $$@)
	$(2) $$(MODEL_CFLAGS) $$($(3)) -c $$< -o $$@

$(patsubst %,$(1)/%,$(4)): $(1)/%: $(1)/ring/test/%.o $(patsubst %.c,$(1)/%.o,$(MODEL_LIB_C))
	$(2) $$(MODEL_CFLAGS) $$($(3)) $$^ $$(MODEL_LDFLAGS) -o $$@
endef

NO_FLAGS :=
$(eval $(call model_variant,$(OUTPUT)/unit-model,$(CC),NO_FLAGS,$(MODEL_PROGS)))
$(eval $(call model_variant,$(OUTPUT)/unit-asan,$(CC),ASAN_FLAGS,$(MODEL_PROGS)))
$(eval $(call model_variant,$(OUTPUT)/unit-tsan,$(CC),TSAN_FLAGS,$(MODEL_THREADED)))
ifneq ($(MODEL_CLANG),)
$(eval $(call model_variant,$(OUTPUT)/unit-fuzz,$(MODEL_CLANG),FUZZ_FLAGS,fuzz_ring))
endif

# Run every program given, report each, fail if any failed.
define model_run
	@rc=0; for t in $(1); do \
		echo "# === $$t"; \
		$$t || { echo "# FAILED: $$t (exit $$?)"; rc=1; }; \
	done; exit $$rc
endef

.PHONY: mutation unit-model unit-model-build unit-sanitize unit-fuzz

unit-model-build: $(patsubst %,$(OUTPUT)/unit-model/%,$(MODEL_PROGS))

mutation: $(OUTPUT)/unit-model/mutation_test
	$(call model_run,$<)

unit-model: unit-model-build
	$(call model_run,$(patsubst %,$(OUTPUT)/unit-model/%,$(MODEL_PROGS)))

unit-sanitize: $(patsubst %,$(OUTPUT)/unit-asan/%,$(MODEL_PROGS)) \
	       $(patsubst %,$(OUTPUT)/unit-tsan/%,$(MODEL_THREADED))
	$(call model_run,$^)

ifneq ($(MODEL_CLANG),)
unit-fuzz: $(OUTPUT)/unit-model/fuzz_ring $(OUTPUT)/unit-fuzz/fuzz_ring
	$(OUTPUT)/unit-model/fuzz_ring -r -t $(FUZZ_RUN_SECONDS)
	@mkdir -p $(OUTPUT)/unit-fuzz/corpus
	$(OUTPUT)/unit-fuzz/fuzz_ring -max_total_time=$(FUZZ_SECONDS) -max_len=1024 \
		-artifact_prefix=$(OUTPUT)/unit-fuzz/ $(OUTPUT)/unit-fuzz/corpus
else
unit-fuzz: $(OUTPUT)/unit-model/fuzz_ring
	$(OUTPUT)/unit-model/fuzz_ring -r -t $(FUZZ_RUN_SECONDS)
endif

# "make unit" (unit/unit.mk) runs them too: plain,
# then under ASan+UBSan, then the threaded ones under TSan.
MODEL_UNIT_PROGS := $(patsubst %,$(OUTPUT)/unit-model/%,$(MODEL_PROGS)) \
		    $(patsubst %,$(OUTPUT)/unit-asan/%,$(MODEL_PROGS)) \
		    $(patsubst %,$(OUTPUT)/unit-tsan/%,$(MODEL_THREADED))
UNIT_PROGS += $(MODEL_UNIT_PROGS)
UNIT_RUN += $(MODEL_UNIT_PROGS)

EXTRA_CLEAN += $(OUTPUT)/unit-model $(OUTPUT)/unit-asan $(OUTPUT)/unit-tsan $(OUTPUT)/unit-fuzz
