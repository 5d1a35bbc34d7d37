/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The consumer side of a dirty ring: the one ring walk.  Needs no KVM: the
 * rings it walks are KVM's (mapped by lib/dirty_ring.c) or the model's.
 *
 * A ring is an array of struct kvm_dirty_gfn shared with KVM.  KVM pushes an
 * entry (slot = as_id << 16 | slot id, offset = gfn - slot base) and then
 * publishes flags = DIRTY.  The harvester walks from its fetch index: it
 * acquire-loads flags, stops at the first entry that is not DIRTY, reads slot
 * and offset, and store-releases flags = RESET.  KVM_RESET_DIRTY_RINGS then
 * re-protects the harvested pages, zeroes their flags and returns how many it
 * reset.
 *
 * dirty_ring_walk() is the only ring walk in the project: harvesting real
 * rings, rings filled by the userspace model, and the bitmap collector all go
 * through it.  It is inline so that a caller's callback can be inlined into
 * the loop.
 */
#ifndef SELFTEST_KVM_DIRTY_RING_WALK_H
#define SELFTEST_KVM_DIRTY_RING_WALK_H

#include <linux/kvm.h>

#include "test_util.h"

#define DIRTY_GFN_SIZE		sizeof(struct kvm_dirty_gfn)
#define DIRTY_RING_SLOT(as_id, id)	(((u32)(as_id) << 16) | (u16)(id))
#define DIRTY_RING_AS_ID(slot)		((slot) >> 16)
#define DIRTY_RING_SLOT_ID(slot)	((slot) & 0xffff)

/* A consumer's view of one ring: the entries and where harvesting resumes. */
struct dirty_ring {
	struct kvm_dirty_gfn *gfns;
	u32 size;	/* entries, a power of two */
	u32 fetch;	/* free-running index of the next entry to harvest */
};

/* One harvested entry, as handed to a walk callback. */
struct dirty_entry {
	u32 index;	/* free-running ring index it was harvested from */
	u32 slot;
	u64 offset;
};

typedef void (*dirty_entry_fn)(void *opaque, const struct dirty_entry *e);

static inline struct kvm_dirty_gfn *dirty_ring_entry(const struct dirty_ring *ring, u32 index)
{
	return &ring->gfns[index & (ring->size - 1)];
}

static inline bool dirty_gfn_is_dirty(u32 flags)
{
	return (flags & KVM_DIRTY_GFN_F_MASK) == KVM_DIRTY_GFN_F_DIRTY;
}

/*
 * Harvest up to max entries from ring->fetch, handing each to fn; stops at
 * the first entry that is not DIRTY.  Returns the number harvested.
 *
 * Per entry: acquire-load flags, so that slot and offset are read after KVM
 * published them; hand slot and offset over; store-release flags = RESET,
 * so that the reads are done before KVM_RESET_DIRTY_RINGS may recycle the
 * entry.  Nothing else is ordered: each entry gets its own release store.
 *
 * The walk goes in runs up to the end of the array, so the loop has no index
 * masking, and keeps the array pointer in a local: the acquire load would
 * otherwise make the compiler reload ring->gfns for every entry.
 */
static inline u32 dirty_ring_walk(struct dirty_ring *ring, u32 max,
				  dirty_entry_fn fn, void *opaque)
{
	struct kvm_dirty_gfn *gfns = ring->gfns;
	u32 mask = ring->size - 1, fetch = ring->fetch, n = 0;

	while (n < max) {
		u32 pos = fetch & mask, run = max - n, got;
		struct kvm_dirty_gfn *gfn = &gfns[pos];

		if (run > mask + 1 - pos)
			run = mask + 1 - pos;
		for (got = 0; got < run; got++, gfn++) {
			struct dirty_entry e;

			if (!dirty_gfn_is_dirty(__atomic_load_n(&gfn->flags, __ATOMIC_ACQUIRE)))
				break;
			e.index = fetch + got;
			e.slot = gfn->slot;
			e.offset = gfn->offset;
			fn(opaque, &e);
			__atomic_store_n(&gfn->flags, KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
		}
		fetch += got;
		n += got;
		if (got < run)
			break;
	}
	ring->fetch = fetch;
	return n;
}

/*
 * Read-only looks at a ring, for diagnosis: how many consecutive DIRTY
 * entries start at ring->fetch, and the first DIRTY entry at or after an
 * index (returns `from + size` if there is none).
 */
static inline u32 dirty_ring_occupancy(const struct dirty_ring *ring)
{
	u32 n;

	for (n = 0; n < ring->size; n++) {
		const struct kvm_dirty_gfn *entry = dirty_ring_entry(ring, ring->fetch + n);

		if (!dirty_gfn_is_dirty(__atomic_load_n(&entry->flags, __ATOMIC_ACQUIRE)))
			break;
	}
	return n;
}

static inline u32 dirty_ring_next_dirty(const struct dirty_ring *ring, u32 from)
{
	u32 n;

	for (n = 0; n < ring->size; n++)
		if (dirty_gfn_is_dirty(__atomic_load_n(&dirty_ring_entry(ring, from + n)->flags,
						     __ATOMIC_ACQUIRE)))
			break;
	return from + n;
}

/*
 * KVM pushes entries in order, so a DIRTY entry beyond the first entry that
 * is not DIRTY (the hole after the DIRTY run at the fetch index) means KVM's
 * push index ran ahead of the harvester: the ring overflowed.  Returns true
 * and the index of that DIRTY entry in *next.  Safe while a vCPU pushes: a
 * hole that fills during the scan is not a gap.
 */
static inline bool dirty_ring_push_ran_ahead(const struct dirty_ring *ring, u32 *next)
{
	u32 hole = ring->fetch + dirty_ring_occupancy(ring);

	if (hole == ring->fetch + ring->size)
		return false;
	*next = dirty_ring_next_dirty(ring, hole);
	return *next != hole && *next != ring->fetch + ring->size &&
	       !dirty_gfn_is_dirty(__atomic_load_n(&dirty_ring_entry(ring, hole)->flags,
						   __ATOMIC_ACQUIRE));
}

/*
 * A walk taken by pointer: dirty_ring_walk() itself for real harvesting, a
 * broken copy for a harvester mutant (ring_mutants.h).
 */
typedef u32 (*dirty_walk_fn)(struct dirty_ring *ring, u32 max, dirty_entry_fn fn,
			     void *opaque);
u32 dirty_ring_walk_indirect(struct dirty_ring *ring, u32 max, dirty_entry_fn fn, void *opaque);

/* Entries harvested into a caller-owned array (at most max). */
u32 dirty_ring_harvest(struct dirty_ring *ring, struct dirty_entry *out, u32 max);

#endif /* SELFTEST_KVM_DIRTY_RING_WALK_H */
