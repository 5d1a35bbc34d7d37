// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harvesting a ring into an array (see dirty_ring_walk.h).
 */
#include "dirty_ring_walk.h"

struct harvest_array {
	struct dirty_entry *out;
	u32 n;
};

static void harvest_to_array(void *opaque, const struct dirty_entry *e)
{
	struct harvest_array *a = opaque;

	a->out[a->n++] = *e;
}

u32 dirty_ring_walk_indirect(struct dirty_ring *ring, u32 max, dirty_entry_fn fn, void *opaque)
{
	return dirty_ring_walk(ring, max, fn, opaque);
}

u32 dirty_ring_harvest(struct dirty_ring *ring, struct dirty_entry *out, u32 max)
{
	struct harvest_array a = { .out = out };

	return dirty_ring_walk(ring, max, harvest_to_array, &a);
}
