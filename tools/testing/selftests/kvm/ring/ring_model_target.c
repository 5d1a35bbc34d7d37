// SPDX-License-Identifier: GPL-2.0-only
/*
 * The userspace model as a ring_target (ring_target.h), for the model
 * tests, the mutation matrix and the fuzzer.
 */
#include "ring_model.h"

static struct ring_model *model_of(struct ring_target *t)
{
	return t->priv;
}

static int model_slot_add(struct ring_target *t, u16 id, u64 npages, u32 flags)
{
	return ring_model_slot_add(model_of(t), id, npages, flags);
}

static int model_slot_set_flags(struct ring_target *t, u16 id, u32 flags)
{
	return ring_model_slot_set_flags(model_of(t), id, flags);
}

static int model_slot_delete(struct ring_target *t, u16 id)
{
	return ring_model_slot_delete(model_of(t), id);
}

static void model_load(struct ring_target *t, u32 vcpu, const struct script_op *script,
		       const struct script_layout *layout)
{
	(void)layout;
	ring_model_load(model_of(t), vcpu, script);
}

static enum ring_exit model_run(struct ring_target *t, u32 vcpu, struct ring_progress *progress)
{
	model_of(t)->vcpu[vcpu].reaped = t->reaped;
	return ring_model_run(model_of(t), vcpu, progress);
}

static struct dirty_ring *model_ring(struct ring_target *t, u32 vcpu)
{
	return ring_model_ring(model_of(t), vcpu);
}

static u32 model_reset(struct ring_target *t)
{
	return ring_model_reset(model_of(t));
}

static void model_destroy(struct ring_target *t)
{
	ring_model_free(model_of(t));
	free(t);
}

static struct ring_target *model_create(struct ring_target_factory *f,
					const struct ring_target_params *p)
{
	const struct ring_model_target_config *tc = f->opaque;
	struct ring_model_config mc = {
		.nr_vcpus = p->nr_vcpus,
		.ring_size = p->ring_size,
		.reserve = tc->reserve < p->ring_size / 2 ? tc->reserve : p->ring_size / 2,
		.emulated = tc->emulated,
		.replay_full_store = tc->replay_full_store,
		.batch = tc->batch,
		.reversed = tc->reversed,
		.mutant = tc->mutant,
	};
	struct ring_target *t;

	if (!IS_POWER_OF_2(p->ring_size) || !p->nr_vcpus || p->nr_vcpus > RING_MAX_VCPUS) {
		snprintf(f->why, sizeof(f->why), "model: %u vCPUs with rings of %u entries",
			 p->nr_vcpus, p->ring_size);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	TEST_ASSERT(t, "out of memory");
	t->name = f->name;
	t->nr_vcpus = p->nr_vcpus;
	t->ring_size = p->ring_size;
	t->reserve_min = mc.reserve;
	t->reserve_max = mc.reserve;
	t->batch = tc->claimed_batch ?: tc->batch ?: 1;
	t->store_dups = tc->emulated;
	t->reversed_flush = tc->reversed ? tc->batch : 0;
	t->max_slot_id = 32767;
	t->slot_add = model_slot_add;
	t->slot_set_flags = model_slot_set_flags;
	t->slot_delete = model_slot_delete;
	t->load = model_load;
	t->run = model_run;
	t->ring = model_ring;
	t->reset = model_reset;
	t->destroy = model_destroy;
	t->priv = ring_model_create(&mc);
	return t;
}

void ring_model_factory_init(struct ring_target_factory *f, struct ring_model_target_config *cfg)
{
	memset(f, 0, sizeof(*f));
	f->name = cfg->emulated ? "model-emulated" : "model";
	f->create = model_create;
	f->opaque = cfg;
}
