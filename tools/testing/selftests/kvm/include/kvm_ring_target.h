/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Real KVM as a ring_target (ring_scenario.h): the shared scenarios run on a
 * VM whose vCPUs execute the write scripts with the guest interpreter
 * (ws_guest.h), at CPL0 or CPL3.
 */
#ifndef SELFTEST_KVM_KVM_RING_TARGET_H
#define SELFTEST_KVM_KVM_RING_TARGET_H

#include "kvm_util.h"
#include "ring_scenario.h"

/* KVM reserves 64 entries; Intel PML adds 512 more. */
#define KVM_RING_RESERVE_MIN	64
#define KVM_RING_RESERVE_MAX	(64 + 512)

struct kvm_ring_target_config {
	enum guest_priv priv;
};

void kvm_ring_factory_init(struct ring_target_factory *f, struct kvm_ring_target_config *cfg);

#endif /* SELFTEST_KVM_KVM_RING_TARGET_H */
