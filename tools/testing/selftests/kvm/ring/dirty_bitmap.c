// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty bitmaps and the per-slot bitmap collector (see dirty_bitmap.h).
 */
#include "dirty_bitmap.h"

void dirty_bitmap_set_init(struct dirty_bitmap_set *set)
{
	memset(set, 0, sizeof(*set));
}

unsigned long *dirty_bitmap_set_add_slot(struct dirty_bitmap_set *set, u32 slot, u64 npages)
{
	struct dirty_bitmap_slot *s;

	TEST_ASSERT(set->nr_slots < DIRTY_BITMAP_MAX_SLOTS, "too many slots in a bitmap set");
	s = &set->slots[set->nr_slots++];
	s->slot = slot;
	s->npages = npages;
	s->bitmap = bitmap_alloc(npages);
	TEST_ASSERT(s->bitmap, "out of memory");
	return s->bitmap;
}

unsigned long *dirty_bitmap_set_find(struct dirty_bitmap_set *set, u32 slot)
{
	u32 i;

	for (i = 0; i < set->nr_slots; i++)
		if (set->slots[i].slot == slot)
			return set->slots[i].bitmap;
	return NULL;
}

void dirty_bitmap_set_clear(struct dirty_bitmap_set *set)
{
	u32 i;

	for (i = 0; i < set->nr_slots; i++)
		memset(set->slots[i].bitmap, 0,
		       DIV_ROUND_UP(set->slots[i].npages, 64) * sizeof(unsigned long));
	set->harvested = 0;
	set->stray = 0;
}

void dirty_bitmap_set_free(struct dirty_bitmap_set *set)
{
	u32 i;

	for (i = 0; i < set->nr_slots; i++)
		free(set->slots[i].bitmap);
	set->nr_slots = 0;
}

void dirty_bitmap_set_entry(void *opaque, const struct dirty_entry *e)
{
	struct dirty_bitmap_set *set = opaque;
	u32 i;

	set->harvested++;
	for (i = 0; i < set->nr_slots; i++) {
		struct dirty_bitmap_slot *s = &set->slots[i];

		if (s->slot == e->slot && e->offset < s->npages) {
			bitmap_set_bit(s->bitmap, e->offset);
			return;
		}
	}
	if (!set->stray++)
		set->first_stray = *e;
}

u32 dirty_ring_harvest_bitmap(struct dirty_ring *ring, struct dirty_bitmap_set *set)
{
	return dirty_ring_walk(ring, ring->size, dirty_bitmap_set_entry, set);
}

u64 bitmap_weight(const unsigned long *map, u64 nbits)
{
	u64 i, w = 0;

	for (i = 0; i < nbits / 64; i++)
		w += __builtin_popcountl(map[i]);
	if (nbits % 64)
		w += __builtin_popcountl(map[i] & ((1ul << (nbits % 64)) - 1));
	return w;
}
