/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A userspace reference model of KVM's side of the dirty ring.
 *
 * The model owns, per vCPU, a real array of struct kvm_dirty_gfn and runs a
 * write script (write_script.h) on it as a vCPU would:
 *
 *  - a store to a write-protected page of a slot with KVM_MEM_LOG_DIRTY_PAGES
 *    pushes (slot, offset) at the dirty index: slot and offset first, then
 *    flags = DIRTY with release semantics; the page stays writable (no more
 *    entries) until an entry naming it is reset.  In emulated-write mode
 *    every store pushes, as KVM's instruction emulator does;
 *  - the soft limit is size - reserve.  When a push brings the used count
 *    (dirty index - reset index) to the soft limit, the vCPU exits
 *    RING_EXIT_FULL before the store retires; with replay_full_store the
 *    store runs again on the next run, as on KVM, and logs again if the
 *    reset re-protected its page.  A vCPU refuses to run (exits FULL with no
 *    progress) while used >= soft limit;
 *  - in batch mode (batch > 1) the soft limit is checked only after every
 *    batch-th push of a run and on entry, as hardware that logs into a
 *    buffer does (Intel PML: up to 512 entries flushed at a VM exit), so a
 *    full exit comes with up to batch - 1 entries past the soft limit;
 *  - with reversed (batch mode only) the pushes of a batch are buffered and
 *    flushed into the ring at the soft-full check and at every exit, newest
 *    first, as Linux before 6.14 flushed Intel's PML buffer;
 *  - ring_model_reset() is KVM_RESET_DIRTY_RINGS: for each ring, from the
 *    reset index while entries are RESET (harvested): validate slot and
 *    offset against the memslots (invalid ones are skipped but counted),
 *    re-protect the page, zero the flags; it stops at the first entry that
 *    was not harvested and returns the total count;
 *  - memslots have ids, sizes, flags and can be deleted; enabling dirty
 *    logging write-protects the whole slot.
 *
 * The consumer side is not modelled: rings are harvested with
 * dirty_ring_walk() through ring_model_ring().  A mutant id (ring_mutants.h)
 * injects one bug at its hook point.
 *
 * Thread safety: ring_model_run() of one vCPU may run while another thread
 * harvests that vCPU's ring; everything else is called while no vCPU runs.
 */
#ifndef SELFTEST_KVM_RING_MODEL_H
#define SELFTEST_KVM_RING_MODEL_H

#include "ring_mutants.h"
#include "ring_record.h"
#include "ring_target.h"
#include "write_script.h"

#define RING_MODEL_MAX_SLOTS	16
/* Slot bases are spread out so that an offset from the wrong base shows. */
#define RING_MODEL_SLOT_STRIDE	(1ull << 20)	/* pages */

struct ring_model_config {
	u32 nr_vcpus;
	u32 ring_size;		/* entries, a power of two */
	u32 reserve;		/* soft limit = ring_size - reserve, reserve < ring_size */
	u32 start_index;	/* first dirty/reset/fetch index (tests the 32-bit wrap) */
	bool emulated;		/* every store pushes */
	bool replay_full_store;	/* the store that hit the soft limit runs again */
	u32 batch;		/* pushes between soft-full checks (0 or 1: every push) */
	bool reversed;		/* batch mode: each batch flushed newest first */
	enum ring_mutant_id mutant;
};

/* A push buffered by the reversed batch mode. */
struct ring_model_pending {
	u32 ring;		/* the vCPU whose ring it goes to */
	u32 slot;
	u64 offset;
};

struct ring_model_slot {
	bool present;
	u16 id;
	u32 flags;
	u64 base_gfn;
	u64 npages;
	u8 *logged;		/* per page: pushed and not yet reset (writable) */
};

struct ring_model_vcpu {
	struct kvm_dirty_gfn *gfns;
	u32 dirty_index;	/* next push */
	u32 reset_index;	/* next entry to reset */
	struct dirty_ring ring;	/* the consumer's view, for the harvester */
	const struct script_op *script;
	struct ring_progress progress;
	u64 page;		/* next page within the current SCRIPT_WRITE */
	u64 pushes;
	u32 unchecked;		/* pushes of this run since the last soft-full check */
	u32 checked_used;	/* used at that check (MUT_BATCH_STALE_CHECK) */
	u32 since_reset;	/* pushes since the last reset (MUT_FULL_COUNT_FROM_RESET) */
	u32 last_reset;		/* entries its last reset took (MUT_RESET_EMPTY_STALE_COUNT) */
	struct ring_model_pending *pending;	/* reversed batch mode: pushes not flushed */
	u32 nr_pending;
	bool carried;		/* pending[0] was held back from the previous flush */
	bool reaped;		/* a thread harvests while this vCPU runs */
	bool full_latched;	/* MUT_FULL_NEVER_CLEARS */
};

struct ring_model {
	struct ring_model_config cfg;
	u32 soft_limit;
	struct ring_model_vcpu vcpu[RING_MAX_VCPUS];
	struct ring_model_slot slot[RING_MODEL_MAX_SLOTS];
	u64 next_base_gfn;
	u64 invalid_resets;	/* entries reset that named no valid page */
};

struct ring_model *ring_model_create(const struct ring_model_config *cfg);
void ring_model_free(struct ring_model *m);

/* Memslot changes; return 0 or -errno like KVM_SET_USER_MEMORY_REGION. */
int ring_model_slot_add(struct ring_model *m, u16 id, u64 npages, u32 flags);
int ring_model_slot_set_flags(struct ring_model *m, u16 id, u32 flags);
int ring_model_slot_delete(struct ring_model *m, u16 id);

/* Give a vCPU a script (ending with SCRIPT_END) and restart it at op 0. */
void ring_model_load(struct ring_model *m, u32 vcpu, const struct script_op *script);

/* Run a vCPU until SCRIPT_SYNC, a full exit or SCRIPT_END. */
enum ring_exit ring_model_run(struct ring_model *m, u32 vcpu, struct ring_progress *progress);

struct dirty_ring *ring_model_ring(struct ring_model *m, u32 vcpu);
u32 ring_model_reset(struct ring_model *m);

/* Entries pushed and not yet reset. */
static inline u32 ring_model_used(const struct ring_model *m, u32 vcpu)
{
	return m->vcpu[vcpu].dirty_index - m->vcpu[vcpu].reset_index;
}

/* The model as a target. */
struct ring_model_target_config {
	u32 reserve;		/* capped at ring_size / 2 for small rings */
	bool emulated;
	bool replay_full_store;
	u32 batch;		/* batch mode: pushes between soft-full checks */
	bool reversed;		/* batch mode: each batch flushed newest first */
	/*
	 * The batch the target tells the checker (0: batch).  Only to show that
	 * the checker rejects a batch larger than the target claims.
	 */
	u32 claimed_batch;
	enum ring_mutant_id mutant;
};

void ring_model_factory_init(struct ring_target_factory *f, struct ring_model_target_config *cfg);

#endif /* SELFTEST_KVM_RING_MODEL_H */
