/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shared scenarios (ring/include/ring_scenario.h) on real KVM: a VM
 * whose vCPUs execute the write scripts with the guest interpreter
 * (guest_script.h), at CPL0 or CPL3, as a ring_target; and one KTAP case per
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

/*
 * What the host's KVM guarantees beyond the ABI, from its vendor module and
 * kernel version (not from a guess at the guest's privilege level):
 *  cpl0_emulated   CPL0 guest code is emulated (kvm_pvm; also assumed for
 *                  a vendor module we do not know), so a store may log on
 *                  every execution: the checker allows duplicates at CPL0.
 *                  kvm_intel and kvm_amd run CPL0 natively: none allowed.
 *  reversed_flush  kvm_intel with pml=Y on Linux before 6.14 pushes each
 *                  PML flush (up to 512 entries) newest first; 37c3ddfe5238
 *                  ("KVM: VMX: read the PML log in the same order as it was
 *                  written", Linux 6.14) made it store order.  0 elsewhere.
 * sys_module is /sys/module, osrelease /proc/sys/kernel/osrelease (the unit
 * test passes files of its own).
 */
struct kvm_host_facts {
	const char *vendor;	/* kvm_intel, kvm_amd, kvm_pvm or "unknown" */
	bool cpl0_emulated;
	u32 reversed_flush;
	unsigned int major, minor;	/* kernel version, 0.0 if unreadable */
};

#define KVM_PML_ENTRIES		512

void kvm_host_facts_read(const char *sys_module, const char *osrelease,
			 struct kvm_host_facts *facts);

/* What a KVM target at guest level cpl on that host tells the checker. */
void kvm_host_guarantees(const struct kvm_host_facts *facts, enum guest_cpl cpl,
			 bool *store_dups, u32 *reversed_flush);

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
