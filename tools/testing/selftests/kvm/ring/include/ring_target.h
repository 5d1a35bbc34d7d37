/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the scenarios (ring_scenario.h) run on: a target.
 *
 * THE TARGET CONTRACT
 *
 * A target factory creates a fresh target (a VM with nr_vcpus vCPUs, each
 * with a dirty ring of ring_size entries, and no memslots) per scenario run:
 *
 *	struct ring_target *t = factory->create(factory, &params);
 *
 * create() returns NULL when the target cannot provide what is asked (ring
 * size out of range, too many vCPUs...); the scenario then skips, with
 * factory->why naming the reason.  The created target fills in:
 *
 *  name            for messages ("model", "kvm cpl3"...)
 *  nr_vcpus, ring_size   as asked
 *  reserve_min, reserve_max   bounds of size - soft limit that the target
 *                  may use (model: its reserve twice; KVM: 64 and 64 + 512,
 *                  Intel PML may take the larger, unless the smallest ring
 *                  KVM accepts rules 64 + 512 out)
 *  batch           entries the target may push between two soft-full
 *                  checks (1: it checks after every push), so a full exit
 *                  may come up to batch - 1 entries past the soft limit,
 *                  never past the ring size (model: its batch mode; KVM: 1,
 *                  a PML flush is inside KVM's larger reserve)
 *  store_dups      true when stores can log more than once per page per
 *                  reset cycle (writes emulated by KVM: CPL0 on kvm_pvm)
 *  reversed_flush  0 when entries come in store order; N when the target
 *                  flushes up to N logged stores at once, newest first
 *                  (Intel PML on Linux before 6.14: 512)
 *  max_slot_id     the highest memslot id a scenario may use
 *  reaped          false; the caller sets it while one of its threads
 *                  harvests during run() (the model's torn-push mutant waits
 *                  for that harvester; KVM has no use for it)
 *
 * and implements these ops (t is always the target itself):
 *
 *  slot_add(t, id, npages, flags)   KVM_SET_USER_MEMORY_REGION creating
 *                  slot id (address space 0) of npages 4 KiB pages with
 *                  flags (KVM_MEM_LOG_DIRTY_PAGES...); returns 0 or -errno
 *  slot_set_flags(t, id, flags)     change the flags of a slot
 *  slot_delete(t, id)               delete a slot
 *  load(t, vcpu, script, layout)    give vCPU `vcpu` the script (it stays
 *                  valid until destroy) and restart it at op 0; layout lists
 *                  the slots added so far (gva left for the target to use)
 *  run(t, vcpu, &progress)          KVM_RUN until the script reaches a
 *                  SCRIPT_SYNC (RING_EXIT_SYNC), SCRIPT_END (RING_EXIT_DONE), or
 *                  KVM exits KVM_EXIT_DIRTY_RING_FULL (RING_EXIT_FULL);
 *                  anything else is RING_EXIT_ERROR, explained by the target
 *                  on stderr.  progress = stores the guest has retired since
 *                  the script started (a store counted after it retires) and
 *                  the next op.  run() may be called from a thread while the
 *                  caller harvests that vCPU's ring
 *  ring(t, vcpu)   the consumer view of the vCPU's mapped ring (fetch
 *                  owned by the caller: only the scenario driver moves it)
 *  reset(t)        KVM_RESET_DIRTY_RINGS; returns the count
 *  destroy(t)      free everything
 *
 * Slot changes, load() and reset() are only called while no vCPU runs.
 */
#ifndef SELFTEST_KVM_RING_TARGET_H
#define SELFTEST_KVM_RING_TARGET_H

#include "ring_record.h"
#include "write_script.h"

struct ring_target_params {
	u32 nr_vcpus;
	u32 ring_size;		/* entries */
};

struct ring_target {
	const char *name;
	u32 nr_vcpus;
	u32 ring_size;
	u32 reserve_min;
	u32 reserve_max;
	u32 batch;
	bool store_dups;
	u32 reversed_flush;
	u16 max_slot_id;
	bool reaped;		/* set by the caller while it harvests during run() */

	int (*slot_add)(struct ring_target *t, u16 id, u64 npages, u32 flags);
	int (*slot_set_flags)(struct ring_target *t, u16 id, u32 flags);
	int (*slot_delete)(struct ring_target *t, u16 id);
	void (*load)(struct ring_target *t, u32 vcpu, const struct script_op *script,
		     const struct script_layout *layout);
	enum ring_exit (*run)(struct ring_target *t, u32 vcpu, struct ring_progress *progress);
	struct dirty_ring *(*ring)(struct ring_target *t, u32 vcpu);
	u32 (*reset)(struct ring_target *t);
	void (*destroy)(struct ring_target *t);

	void *priv;		/* the target's own state */
};

struct ring_target_factory {
	const char *name;
	struct ring_target *(*create)(struct ring_target_factory *f,
				      const struct ring_target_params *params);
	char why[128];		/* why create() returned NULL */
	void *opaque;		/* the factory's configuration */
};

#endif /* SELFTEST_KVM_RING_TARGET_H */
