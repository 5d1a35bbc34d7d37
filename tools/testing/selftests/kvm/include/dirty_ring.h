/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dirty-ring API of the test library.
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
#ifndef SELFTEST_KVM_DIRTY_RING_H
#define SELFTEST_KVM_DIRTY_RING_H

#include <linux/kvm.h>

#include "test_util.h"

#ifndef KVM_CAP_DIRTY_LOG_RING_ACQ_REL
#define KVM_CAP_DIRTY_LOG_RING_ACQ_REL		223
#endif
#ifndef KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP
#define KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP	225
#endif
#ifndef KVM_DIRTY_LOG_INITIALLY_SET
#define KVM_DIRTY_LOG_INITIALLY_SET		(1 << 1)
#endif

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

	for (n = 0; n < ring->size; n++)
		if (!dirty_gfn_is_dirty(__atomic_load_n(&dirty_ring_entry(ring, ring->fetch + n)->flags,
						      __ATOMIC_ACQUIRE)))
			break;
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

/* Entries harvested into a caller-owned array (at most max). */
u32 dirty_ring_harvest(struct dirty_ring *ring, struct dirty_entry *out, u32 max);

/*
 * A per-slot bitmap collector: for each harvested entry, bit (offset) is set
 * in the bitmap of the slot it names.  Entries naming a slot that has no
 * bitmap here, or an offset beyond the slot, are counted in ->stray and the
 * first one is kept for the diagnosis.
 */
#define DIRTY_BITMAP_MAX_SLOTS	16

struct dirty_bitmap_slot {
	u32 slot;		/* as_id << 16 | slot id */
	u64 npages;
	unsigned long *bitmap;
};

struct dirty_bitmap_set {
	struct dirty_bitmap_slot slots[DIRTY_BITMAP_MAX_SLOTS];
	u32 nr_slots;
	u64 harvested;
	u64 stray;
	struct dirty_entry first_stray;
};

void dirty_bitmap_set_init(struct dirty_bitmap_set *set);
unsigned long *dirty_bitmap_set_add_slot(struct dirty_bitmap_set *set, u32 slot, u64 npages);
unsigned long *dirty_bitmap_set_find(struct dirty_bitmap_set *set, u32 slot);
void dirty_bitmap_set_clear(struct dirty_bitmap_set *set);
void dirty_bitmap_set_free(struct dirty_bitmap_set *set);
/* A walk callback (opaque: the set): bit e->offset in the bitmap of e->slot. */
void dirty_bitmap_set_entry(void *opaque, const struct dirty_entry *e);
u32 dirty_ring_harvest_bitmap(struct dirty_ring *ring, struct dirty_bitmap_set *set);

/* Bitmap helpers */
static inline unsigned long *bitmap_alloc(u64 nbits)
{
	return calloc(DIV_ROUND_UP(nbits, 64) ?: 1, sizeof(unsigned long));
}

static inline void bitmap_set_bit(unsigned long *map, u64 bit)
{
	map[bit / 64] |= 1ul << (bit % 64);
}

static inline bool bitmap_test_bit(const unsigned long *map, u64 bit)
{
	return map[bit / 64] & (1ul << (bit % 64));
}

u64 bitmap_weight(const unsigned long *map, u64 nbits);

/* KVM side: capability, enable, map, reset. */
struct kvm_vm;
struct kvm_vcpu;

/* Max ring bytes KVM reports for the cap (0: no dirty ring). */
int kvm_dirty_ring_max_bytes(bool acq_rel);
/*
 * The prologue of a dirty-ring test: skip (exit 4) with the reason unless
 * /dev/kvm opens and KVM offers KVM_CAP_DIRTY_LOG_RING with rings of at
 * least min_entries entries (0: any size).
 */
void kvm_require_dirty_ring(u32 min_entries);
/*
 * The smallest ring KVM accepts, in bytes, probed on scratch VMs by powers of
 * two from one page: at least a page and at least KVM's reserved entries,
 * which depend on the host (64, plus 512 with Intel PML).
 */
u64 kvm_dirty_ring_min_bytes(bool acq_rel);
/*
 * A ring size in entries given with option `opt`: 0 means the smallest the
 * host accepts; anything else must be a power of two this host's KVM
 * accepts, or the program prints why and exits 1.
 */
u32 dirty_ring_entries_option(u64 asked, const char *opt);
int __vm_enable_dirty_ring(struct kvm_vm *vm, u64 bytes, bool acq_rel);
/* Enable a ring of `entries` entries; prefers ACQ_REL when asked and offered. */
void vm_enable_dirty_ring(struct kvm_vm *vm, u32 entries, bool acq_rel);
/* Raw mmap of a vCPU's ring: returns MAP_FAILED with errno on failure. */
void *__vcpu_mmap_dirty_ring(struct kvm_vcpu *vcpu, int prot, int flags);
/*
 * Map the ring shared read/write and populated (no page faults on the first
 * harvest); returns the vCPU's consumer view of it.
 */
struct dirty_ring *vcpu_map_dirty_ring(struct kvm_vcpu *vcpu);
int __vm_reset_dirty_rings(struct kvm_vm *vm);
u32 vm_reset_dirty_rings(struct kvm_vm *vm);

/* Bitmap logging */
int __vm_get_dirty_log(struct kvm_vm *vm, u32 slot, unsigned long *bitmap);
void vm_get_dirty_log(struct kvm_vm *vm, u32 slot, unsigned long *bitmap);
int __vm_clear_dirty_log(struct kvm_vm *vm, u32 slot, unsigned long *bitmap,
			 u64 first_page, u32 num_pages);
void vm_clear_dirty_log(struct kvm_vm *vm, u32 slot, unsigned long *bitmap,
			u64 first_page, u32 num_pages);

#endif /* SELFTEST_KVM_DIRTY_RING_H */
