/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Dirty bitmaps, and a collector of harvested ring entries into per-slot
 * bitmaps.  Needs no KVM.
 */
#ifndef SELFTEST_KVM_DIRTY_BITMAP_H
#define SELFTEST_KVM_DIRTY_BITMAP_H

#include "dirty_ring_walk.h"

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

#endif /* SELFTEST_KVM_DIRTY_BITMAP_H */
