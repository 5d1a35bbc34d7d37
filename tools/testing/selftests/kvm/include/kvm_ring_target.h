/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shared scenarios (ring/include/ring_scenario.h) on real KVM: a VM
 * whose vCPUs execute the write scripts with the guest interpreter
 * (ws_guest.h), at CPL0 or CPL3, as a ring_target; and one KTAP case per
 * scenario and guest privilege level, judged by the one checker, the same
 * scenarios the model and its mutants run.
 */
#ifndef SELFTEST_KVM_KVM_RING_TARGET_H
#define SELFTEST_KVM_KVM_RING_TARGET_H

#include "ring_scenario.h"
#include "test_case.h"

struct kvm_ring_target_config {
	enum guest_cpl cpl;
};

void kvm_ring_factory_init(struct ring_target_factory *f, struct kvm_ring_target_config *cfg);

/* What a scenario case runs; the caller owns the storage. */
struct kvm_scenario_arg {
	const struct ring_scenario *s;
	u32 ring_size;		/* 0: the scenario's choice */
	char name[48];		/* the scenario's name, "_r<size>" appended if sized */
};

/*
 * Fill cases[] (and args[]) with one guest ring case (both ring caps, see
 * test_case.h) per scenario in ids[], with rings of ring_size entries (0:
 * each scenario's own); returns how many.
 */
unsigned int kvm_scenario_cases(const enum ring_scenario_id *ids, unsigned int nr_ids,
				u32 ring_size, struct kvm_scenario_arg *args,
				struct test_case *cases);

#endif /* SELFTEST_KVM_KVM_RING_TARGET_H */
