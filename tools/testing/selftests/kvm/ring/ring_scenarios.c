// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shared scenarios (see ring_scenario.h): each builds write scripts,
 * drives the vCPUs of a target through the driver, and leaves the verdict
 * to the checker.  They never name a target or a mutant.
 */
#include "ring_scenario.h"

#define LOG	KVM_MEM_LOG_DIRTY_PAGES

/* Run a vCPU's script to its end, collecting at every sync. */
static void run_script(struct ring_ctx *ctx, u32 vcpu)
{
	enum ring_exit exit;

	while ((exit = scenario_run_to_sync(ctx, vcpu)) == RING_EXIT_SYNC)
		scenario_collect(ctx);
}

/* Scattered first writes across two slots, a rewrite, padded stores. */
static void first_write_order(struct ring_ctx *ctx)
{
	struct write_script *s = &ctx->script[0];
	u32 i;

	if (!scenario_begin(ctx, 1, 256))
		return;
	scenario_slot_add(ctx, 1, 512, LOG);
	scenario_slot_add(ctx, 2, 64, LOG);
	script_add_write(s, (struct script_write){ .slot = 1, .page = 10, .count = 20 });
	script_add_write(s, (struct script_write){ .slot = 2, .page = 5, .count = 1 });
	script_add_write(s, (struct script_write){ .slot = 1, .page = 3, .count = 1 });
	for (i = 0; i < 30; i++)
		script_add_write(s, (struct script_write){ .slot = 1, .page = 400 - i * 7,
							   .count = 1 });
	script_add_write(s, (struct script_write){ .slot = 2, .page = 63, .count = 1 });
	script_add_write(s, (struct script_write){ .slot = 1, .page = 100, .count = 10, .pad = 3 });
	script_add_sync(s);
	script_add_write(s, (struct script_write){ .slot = 1, .page = 10, .count = 1 });
	script_add_write(s, (struct script_write){ .slot = 2, .page = 0, .count = 64 });
	script_add_write(s, (struct script_write){ .slot = 2, .page = 0, .count = 64 });
	script_add_sync(s);
	scenario_load(ctx, 0);
	run_script(ctx, 0);
}

/* Pages rewritten after each reset are reported again, each time. */
static void rewrite_after_reset(struct ring_ctx *ctx)
{
	struct write_script *s = &ctx->script[0];
	u32 round;

	if (!scenario_begin(ctx, 1, 256))
		return;
	scenario_slot_add(ctx, 1, 64, LOG);
	for (round = 0; round < 3; round++) {
		script_add_write(s, (struct script_write){ .slot = 1, .page = 0, .count = 50 });
		script_add_write(s, (struct script_write){ .slot = 1, .page = 0, .count = 50 });
		script_add_sync(s);
	}
	scenario_load(ctx, 0);
	run_script(ctx, 0);
}

/*
 * Pages harvested but not yet reset are still writable: stores to them log
 * nothing (but emulated ones) until the reset re-protects them; the next
 * store after the reset is reported again, so nothing written is lost.
 */
static void rewrite_before_reset(struct ring_ctx *ctx)
{
	struct write_script *s = &ctx->script[0];

	if (!scenario_begin(ctx, 1, 256))
		return;
	scenario_slot_add(ctx, 1, 64, LOG);
	script_add_write(s, (struct script_write){ .slot = 1, .page = 0, .count = 24 });
	script_add_sync(s);
	script_add_write(s, (struct script_write){ .slot = 1, .page = 8, .count = 24 });
	script_add_sync(s);
	script_add_write(s, (struct script_write){ .slot = 1, .page = 0, .count = 40 });
	script_add_sync(s);
	scenario_load(ctx, 0);
	scenario_run_to_sync(ctx, 0);
	scenario_harvest_all(ctx, 0);
	scenario_run_to_sync(ctx, 0);
	scenario_collect(ctx);
	scenario_run_to_sync(ctx, 0);
	scenario_collect(ctx);
	scenario_run_to_sync(ctx, 0);
}

/* A reset after a partial harvest resets exactly the harvested prefix. */
static void partial_harvest(struct ring_ctx *ctx)
{
	struct write_script *s = &ctx->script[0];
	u32 round;

	if (!scenario_begin(ctx, 1, 256))
		return;
	scenario_slot_add(ctx, 1, 256, LOG);
	for (round = 0; round < 4; round++) {
		script_add_write(s, (struct script_write){ .slot = 1, .page = round * 40,
							   .count = 40 });
		script_add_sync(s);
	}
	scenario_load(ctx, 0);
	for (round = 0; round < 4; round++) {
		scenario_run_to_sync(ctx, 0);
		scenario_harvest(ctx, 0, 13 + round);
		scenario_reset(ctx);
		scenario_harvest(ctx, 0, 5);
		scenario_reset(ctx);
	}
	scenario_run_to_sync(ctx, 0);
}

/* Many full exits in a tight store loop: at the soft limit, nothing lost. */
static void full_cycles(struct ring_ctx *ctx)
{
	struct write_script *s = &ctx->script[0];

	if (!scenario_begin(ctx, 1, 256))
		return;
	scenario_slot_add(ctx, 1, 4096, LOG);
	script_add_write(s, (struct script_write){ .slot = 1, .page = 0, .count = 4096 });
	script_add_sync(s);
	script_add_write(s, (struct script_write){ .slot = 1, .page = 0, .count = 2000 });
	scenario_load(ctx, 0);
	run_script(ctx, 0);
}

enum store_density { DENSITY_TIGHT, DENSITY_PADDED, DENSITY_RANDOM };

/*
 * Several rings' worth of stores to new pages at one density: a run of
 * pages, the same with an idle iteration after each store, or single pages
 * in a seeded random order.  At every full exit the vCPU is run once more
 * without a reset (it must exit full again with no progress), then the rings
 * are collected; a vCPU that stops making progress ends the run (the
 * checker says why).
 */
static void full_density(struct ring_ctx *ctx, enum store_density density)
{
	struct write_script *s = &ctx->script[0];
	u64 pages, i, st, *order, stores, last_stores = ~0ull;
	u32 size, stuck;

	if (!scenario_begin(ctx, 1, 256))
		return;
	size = ctx->t->ring_size;
	pages = (u64)size * (size >= 16384 ? 4 : 8);
	scenario_slot_add(ctx, 1, pages, LOG);
	if (density != DENSITY_RANDOM) {
		u32 pad = density == DENSITY_PADDED ? 1 : 0;

		script_add_write(s, (struct script_write){ .slot = 1, .page = 0, .count = pages,
							   .pad = pad });
	} else {
		order = malloc(pages * sizeof(*order));
		TEST_ASSERT(order, "out of memory");
		for (i = 0; i < pages; i++)
			order[i] = i;
		for (i = pages - 1, st = size; i > 0; i--) {
			u64 j = prng_next(&st) % (i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		for (i = 0; i < pages; i++)
			script_add_write(s, (struct script_write){ .slot = 1, .page = order[i],
								   .count = 1 });
		free(order);
	}
	scenario_load(ctx, 0);
	for (stuck = 0;
	     stuck <= SCENARIO_FULL_NO_PROGRESS_MAX && scenario_run(ctx, 0) == RING_EXIT_FULL;) {
		stores = ctx->progress[0].stores;
		scenario_run(ctx, 0);
		scenario_collect(ctx);
		stuck = stores == last_stores ? stuck + 1 : 0;
		last_stores = stores;
	}
}

static void full_tight(struct ring_ctx *ctx)
{
	full_density(ctx, DENSITY_TIGHT);
}

static void full_padded(struct ring_ctx *ctx)
{
	full_density(ctx, DENSITY_PADDED);
}

static void full_random(struct ring_ctx *ctx)
{
	full_density(ctx, DENSITY_RANDOM);
}

/* A full vCPU makes no progress until the reset, even on writable pages. */
static void full_no_progress(struct ring_ctx *ctx)
{
	struct write_script *s = &ctx->script[0];
	u32 size, i;

	if (!scenario_begin(ctx, 1, 256))
		return;
	size = ctx->t->ring_size;
	scenario_slot_add(ctx, 1, 2 * size, LOG);
	for (i = 0; i < 3; i++) {
		script_add_write(s, (struct script_write){ .slot = 1, .page = 0, .count = 16 });
		script_add_write(s, (struct script_write){ .slot = 1, .page = 16,
							   .count = size - 16 });
		script_add_write(s, (struct script_write){ .slot = 1, .page = 0, .count = 16 });
		script_add_sync(s);
	}
	scenario_load(ctx, 0);
	for (i = 0; i < 3; i++) {
		if (scenario_run(ctx, 0) != RING_EXIT_FULL)
			continue;
		scenario_run(ctx, 0);
		scenario_run(ctx, 0);
		scenario_collect(ctx);
		scenario_run_to_sync(ctx, 0);
		scenario_collect(ctx);
	}
}

/* Slot ids low and high, slot sizes from 1 page: ids and offsets exact. */
static void slot_ids_offsets(struct ring_ctx *ctx)
{
	u16 ids[] = { 0, 1, 13, 255, 300, 4097, 0 };
	static const u64 npages[] = { 3, 1, 7, 64, 4096, 2, 513 };
	struct write_script *s = &ctx->script[0];
	u32 i;

	if (!scenario_begin(ctx, 1, 256))
		return;
	ids[ARRAY_SIZE(ids) - 1] = ctx->t->max_slot_id;
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		scenario_slot_add(ctx, ids[i], npages[i], LOG);
		script_add_write(s, (struct script_write){ .slot = ids[i], .page = npages[i] - 1,
							   .count = 1 });
		script_add_write(s, (struct script_write){ .slot = ids[i], .page = 0, .count = 1 });
	}
	script_add_sync(s);
	for (i = ARRAY_SIZE(ids); i-- > 0;)
		script_add_write(s, (struct script_write){ .slot = ids[i], .page = npages[i] / 2,
							   .count = 1 });
	scenario_load(ctx, 0);
	run_script(ctx, 0);
}

/* Only dirty-logged slots report; enabling logging write-protects again. */
static void log_dirty_flag(struct ring_ctx *ctx)
{
	struct write_script *s = &ctx->script[0];
	u32 i;

	if (!scenario_begin(ctx, 1, 256))
		return;
	scenario_slot_add(ctx, 1, 32, LOG);
	scenario_slot_add(ctx, 2, 32, 0);
	for (i = 0; i < 4; i++) {
		script_add_write(s, (struct script_write){ .slot = 2, .page = 0, .count = 16 });
		script_add_write(s, (struct script_write){ .slot = 1, .page = i * 4, .count = 4 });
		script_add_sync(s);
	}
	scenario_load(ctx, 0);

	scenario_run_to_sync(ctx, 0);
	scenario_collect(ctx);
	scenario_slot_set_flags(ctx, 2, LOG);
	scenario_run_to_sync(ctx, 0);
	/* Harvested, not reset: only re-enabling logging protects the pages. */
	scenario_harvest_all(ctx, 0);
	scenario_slot_set_flags(ctx, 2, 0);
	scenario_slot_set_flags(ctx, 2, LOG);
	scenario_run_to_sync(ctx, 0);
	scenario_collect(ctx);
	scenario_slot_set_flags(ctx, 2, 0);
	scenario_run_to_sync(ctx, 0);
}

/* Entries of a slot deleted before harvest are reset and counted. */
static void delete_unharvested(struct ring_ctx *ctx)
{
	struct write_script *s = &ctx->script[0];

	if (!scenario_begin(ctx, 1, 256))
		return;
	scenario_slot_add(ctx, 1, 64, LOG);
	scenario_slot_add(ctx, 3, 64, LOG);
	script_add_write(s, (struct script_write){ .slot = 3, .page = 0, .count = 20 });
	script_add_write(s, (struct script_write){ .slot = 1, .page = 0, .count = 10 });
	script_add_sync(s);
	script_add_write(s, (struct script_write){ .slot = 1, .page = 0, .count = 40 });
	script_add_sync(s);
	scenario_load(ctx, 0);
	scenario_run_to_sync(ctx, 0);
	scenario_slot_delete(ctx, 3);
	scenario_collect(ctx);
	run_script(ctx, 0);
}

/* Entries of a slot deleted after harvest, before reset; the id is reused. */
static void delete_harvested(struct ring_ctx *ctx)
{
	struct write_script *s = &ctx->script[0];

	if (!scenario_begin(ctx, 1, 256))
		return;
	scenario_slot_add(ctx, 1, 64, LOG);
	scenario_slot_add(ctx, 3, 64, LOG);
	script_add_write(s, (struct script_write){ .slot = 1, .page = 0, .count = 10 });
	script_add_write(s, (struct script_write){ .slot = 3, .page = 0, .count = 20 });
	script_add_sync(s);
	script_add_write(s, (struct script_write){ .slot = 3, .page = 0, .count = 30 });
	script_add_write(s, (struct script_write){ .slot = 1, .page = 0, .count = 10 });
	script_add_sync(s);
	scenario_load(ctx, 0);
	scenario_run_to_sync(ctx, 0);
	scenario_harvest_all(ctx, 0);
	scenario_slot_delete(ctx, 3);
	scenario_reset(ctx);
	scenario_slot_add(ctx, 3, 32, LOG);
	run_script(ctx, 0);
}

/* vCPUs in lockstep, disjoint and shared pages: own rings, one reset. */
static void vcpus_lockstep(struct ring_ctx *ctx)
{
	const u32 nr_vcpus = 4;
	u32 v, round;

	if (!scenario_begin(ctx, nr_vcpus, 256))
		return;
	scenario_slot_add(ctx, 1, 256, LOG);
	scenario_slot_add(ctx, 2, 16, LOG);
	for (v = 0; v < nr_vcpus; v++) {
		struct write_script *s = &ctx->script[v];

		for (round = 0; round < 3; round++) {
			script_add_write(s, (struct script_write){ .slot = 1,
								   .page = v * 64 + round * 20,
								   .count = 20 });
			script_add_write(s, (struct script_write){ .slot = 2,
								   .page = (v + round) % 4,
								   .count = 8 });
			script_add_sync(s);
		}
		scenario_load(ctx, v);
	}
	for (round = 0; round < 4; round++) {
		for (v = 0; v < nr_vcpus; v++)
			scenario_run_to_sync(ctx, v);
		scenario_collect(ctx);
	}
}

/* A reaper harvests while the vCPU runs: entries are whole when seen. */
static void reaper_concurrent(struct ring_ctx *ctx)
{
	struct write_script *s = &ctx->script[0];
	u32 cycles;

	if (!scenario_begin(ctx, 1, 1024))
		return;
	scenario_slot_add(ctx, 1, 8192, LOG);
	script_add_write(s, (struct script_write){ .slot = 1, .page = 0, .count = 8192 });
	scenario_load(ctx, 0);
	for (cycles = 0; cycles < 64; cycles++) {
		enum ring_exit exit = scenario_run_reaped(ctx, 0);

		scenario_collect(ctx);
		if (exit != RING_EXIT_FULL)
			break;
	}
	if (!ctx->reaped)
		scenario_unmet(ctx, "the reaper took no entry while the vCPU ran");
}

/* Syncs and harvests at every ring position, over many laps. */
static void wrap_positions(struct ring_ctx *ctx)
{
	struct write_script *s = &ctx->script[0];
	u32 i, chunk;

	if (!scenario_begin(ctx, 1, 256))
		return;
	scenario_slot_add(ctx, 1, 1024, LOG);
	for (i = 0, chunk = 1; i < 1024; i += chunk, chunk = chunk % 61 + 3) {
		u32 count = i + chunk <= 1024 ? chunk : 1024 - i;

		script_add_write(s, (struct script_write){ .slot = 1, .page = i,
							   .count = count });
		script_add_sync(s);
	}
	scenario_load(ctx, 0);
	while (scenario_run_to_sync(ctx, 0) == RING_EXIT_SYNC) {
		scenario_harvest(ctx, 0, 7);
		scenario_collect(ctx);
	}
}

/* The soft limit of the largest reserve the target may use. */
static u32 lowest_soft_limit(const struct ring_ctx *ctx)
{
	const struct ring_target *t = ctx->t;

	return t->ring_size > t->reserve_max ? t->ring_size - t->reserve_max : 1;
}

/*
 * Large rings: the first full exit of a fresh ring comes after exactly
 * size - reserve entries, and the vCPU stays full until the collection.
 * The ring is 8192 entries unless the caller picks another size.
 */
static void full_exit_point(struct ring_ctx *ctx)
{
	struct write_script *s = &ctx->script[0];
	u32 size;

	if (!scenario_begin(ctx, 1, 8192))
		return;
	size = ctx->t->ring_size;
	scenario_slot_add(ctx, 1, size, LOG);
	script_add_write(s, (struct script_write){ .slot = 1, .page = 0, .count = size });
	scenario_load(ctx, 0);
	if (scenario_run(ctx, 0) != RING_EXIT_FULL) {
		scenario_unmet(ctx, "a ring's worth of stores ended without a full exit");
		return;
	}
	scenario_run(ctx, 0);
	scenario_collect(ctx);
	run_script(ctx, 0);
}

/*
 * A slot's pages, its last one above all, are write-protected again when
 * dirty logging is re-enabled: whether their entries were harvested and not
 * reset, or reset; for slot sizes around a bitmap word.
 */
static void relog_last_page(struct ring_ctx *ctx)
{
	static const u64 npages[] = { 1, 2, 63, 64, 65, 513 };
	struct write_script *s = &ctx->script[0];
	u32 i, round;

	if (!scenario_begin(ctx, 1, 256))
		return;
	for (i = 0; i < ARRAY_SIZE(npages); i++)
		scenario_slot_add(ctx, i + 1, npages[i], LOG);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < ARRAY_SIZE(npages); i++) {
			script_add_write(s, (struct script_write){ .slot = i + 1,
								   .page = npages[i] - 1,
								   .count = 1 });
			script_add_write(s, (struct script_write){ .slot = i + 1, .page = 0,
								   .count = 1 });
		}
		script_add_sync(s);
	}
	scenario_load(ctx, 0);
	for (round = 0; round < 4; round++) {
		scenario_run_to_sync(ctx, 0);
		/* Rounds 0 and 2 harvest without reset, 1 and 3 collect. */
		if (round & 1)
			scenario_collect(ctx);
		else
			scenario_harvest_all(ctx, 0);
		for (i = 0; i < ARRAY_SIZE(npages); i++)
			scenario_slot_set_flags(ctx, i + 1, 0);
		for (i = 0; i < ARRAY_SIZE(npages); i++)
			scenario_slot_set_flags(ctx, i + 1, LOG);
	}
}

/*
 * One reset for all rings while some are empty: the first, the last, some
 * in the middle, all of them, after rounds where they were not.
 */
static void reset_empty_rings(struct ring_ctx *ctx)
{
	static const u8 writers[] = { 0x1, 0x2, 0x4, 0x8, 0x5, 0xa, 0x0, 0xf, 0xe, 0x7, 0x0, 0x9 };
	const u32 nr_vcpus = 4;
	u32 v, round;

	if (!scenario_begin(ctx, nr_vcpus, 256))
		return;
	scenario_slot_add(ctx, 1, nr_vcpus * 16, LOG);
	for (v = 0; v < nr_vcpus; v++) {
		struct write_script *s = &ctx->script[v];

		for (round = 0; round < ARRAY_SIZE(writers); round++) {
			struct script_write w = { .slot = 1, .page = v * 16 + round % 4,
						  .count = 3 + round % 5 };

			if (writers[round] & (1u << v))
				script_add_write(s, w);
			script_add_sync(s);
		}
		scenario_load(ctx, v);
	}
	for (round = 0; round < ARRAY_SIZE(writers); round++) {
		for (v = 0; v < nr_vcpus; v++)
			scenario_run_to_sync(ctx, v);
		scenario_collect(ctx);
	}
}

/*
 * Each ring has its own soft limit: vCPUs that each stay below it run on
 * while their rings together hold more than one ring's soft limit.
 */
static void vcpus_over_soft_limit(struct ring_ctx *ctx)
{
	const u32 nr_vcpus = 4;
	u32 v, half, round;

	if (!scenario_begin(ctx, nr_vcpus, 256))
		return;
	/* Three quarters of the lowest soft limit per vCPU, in two halves. */
	half = lowest_soft_limit(ctx) * 3 / 8;
	if (!half || nr_vcpus * 2 * half <= ctx->t->ring_size - ctx->t->reserve_min) {
		scenario_unmet(ctx, "the rings' soft limits leave no room for this scenario");
		half = 1;
	}
	scenario_slot_add(ctx, 1, nr_vcpus * 2 * half, LOG);
	for (v = 0; v < nr_vcpus; v++) {
		struct write_script *s = &ctx->script[v];

		for (round = 0; round < 2; round++) {
			script_add_write(s, (struct script_write){ .slot = 1,
								   .page = (v * 2 + round) * half,
								   .count = half });
			script_add_sync(s);
		}
		script_add_write(s, (struct script_write){ .slot = 1, .page = v * 2 * half,
							   .count = 2 * half });
		script_add_sync(s);
		scenario_load(ctx, v);
	}
	for (round = 0; round < 2; round++)
		for (v = 0; v < nr_vcpus; v++)
			if (scenario_run(ctx, v) != RING_EXIT_SYNC)
				scenario_unmet(ctx, "a vCPU below its own soft limit did not reach its sync");
	scenario_collect(ctx);
	for (v = 0; v < nr_vcpus; v++)
		scenario_run_to_sync(ctx, v);
}

/*
 * At a full exit only part of the ring is harvested and reset: the vCPU
 * runs on and exits full again as soon as the ring is back at its soft
 * limit; without the reset it does not run at all.
 */
static void full_partial_harvest(struct ring_ctx *ctx)
{
	struct write_script *s = &ctx->script[0];
	u32 soft, i, exits = 0;
	u64 pages;

	if (!scenario_begin(ctx, 1, 256))
		return;
	soft = lowest_soft_limit(ctx);
	pages = (u64)ctx->t->ring_size * 4;

	/* How many entries each full exit's harvest takes. */
	const u32 cut[] = { 1, 2, 7, soft / 2, soft - 1, 1, soft / 3, 3 };

	scenario_slot_add(ctx, 1, pages, LOG);
	script_add_write(s, (struct script_write){ .slot = 1, .page = 0, .count = pages });
	scenario_load(ctx, 0);
	for (i = 0; i < ARRAY_SIZE(cut); i++) {
		if (scenario_run(ctx, 0) != RING_EXIT_FULL)
			break;
		exits++;
		scenario_harvest(ctx, 0, cut[i]);
		scenario_run(ctx, 0);
		scenario_reset(ctx);
	}
	if (exits < ARRAY_SIZE(cut))
		scenario_unmet(ctx, "the vCPU did not exit full at every partial harvest");
	scenario_collect(ctx);
	run_script(ctx, 0);
}

/*
 * A target that pushes a batch of entries between two soft-full checks
 * may exit up to batch - 1 entries past the soft limit, never more: the
 * ring is brought to every phase of a batch (k entries, k = 0..batch)
 * before a run of stores that fills it.
 */
static void batch_phases(struct ring_ctx *ctx)
{
	struct write_script *s = &ctx->script[0];
	u32 size, batch, k;

	if (!scenario_begin(ctx, 1, 256))
		return;
	size = ctx->t->ring_size;
	batch = ctx->t->batch ? ctx->t->batch : 1;
	scenario_slot_add(ctx, 1, size + batch, LOG);
	for (k = 0; k <= batch; k++) {
		if (k)
			script_add_write(s, (struct script_write){ .slot = 1, .page = 0,
								   .count = k });
		script_add_sync(s);
		script_add_write(s, (struct script_write){ .slot = 1, .page = k, .count = size });
		script_add_sync(s);
	}
	scenario_load(ctx, 0);
	for (k = 0; k <= batch; k++) {
		scenario_run_to_sync(ctx, 0);
		if (scenario_run_to_sync(ctx, 0) != RING_EXIT_SYNC)
			break;
		scenario_collect(ctx);
	}
}

/*
 * Harvested entries collected into per-slot bitmaps, the set cleared after
 * each round: each round's bitmaps hold exactly that round's pages, for
 * slots of whole and partial 64-page words, one page, and no page at all.
 */
static void bitmap_set_clear(struct ring_ctx *ctx)
{
	static const u64 npages[] = { 130, 64, 1, 200 };
	struct write_script *s = &ctx->script[0];
	u32 i, round;

	if (!scenario_begin(ctx, 1, 256))
		return;
	for (i = 0; i < ARRAY_SIZE(npages); i++) {
		scenario_slot_add(ctx, i + 1, npages[i], LOG);
		scenario_bitmap_add_slot(ctx, i + 1, npages[i]);
	}
	/*
	 * Each round below the smallest soft limit: all of the first slot,
	 * all of the second and a few of the first, two last pages, nothing,
	 * one page and the first slot's last word.
	 */
	script_add_write(s, (struct script_write){ .slot = 1, .page = 0, .count = npages[0] });
	script_add_write(s, (struct script_write){ .slot = 3, .page = 0, .count = 1 });
	script_add_sync(s);
	script_add_write(s, (struct script_write){ .slot = 2, .page = 0, .count = npages[1] });
	script_add_write(s, (struct script_write){ .slot = 1, .page = 3, .count = 5 });
	script_add_sync(s);
	script_add_write(s, (struct script_write){ .slot = 2, .page = 63, .count = 1 });
	script_add_write(s, (struct script_write){ .slot = 4, .page = 199, .count = 1 });
	script_add_sync(s);
	script_add_sync(s);
	script_add_write(s, (struct script_write){ .slot = 3, .page = 0, .count = 1 });
	script_add_write(s, (struct script_write){ .slot = 1, .page = 127, .count = 3 });
	script_add_sync(s);
	scenario_load(ctx, 0);
	for (round = 0; round < 5; round++) {
		scenario_run_to_sync(ctx, 0);
		scenario_harvest_all(ctx, 0);
		scenario_bitmap_take(ctx);
		scenario_reset(ctx);
		scenario_bitmap_clear(ctx);
	}
}

const struct ring_scenario ring_scenarios[NR_RING_SCENARIOS] = {
	[SCENARIO_FIRST_WRITE_ORDER] = { "first_write_order",
		"entries in first-write order, slots and offsets exact",
		first_write_order },
	[SCENARIO_REWRITE_AFTER_RESET] = { "rewrite_after_reset",
		"a page rewritten after its reset is reported again",
		rewrite_after_reset },
	[SCENARIO_REWRITE_BEFORE_RESET] = { "rewrite_before_reset",
		"stores between harvest and reset log again after the reset",
		rewrite_before_reset },
	[SCENARIO_PARTIAL_HARVEST] = { "partial_harvest",
		"a reset resets exactly the harvested prefix",
		partial_harvest },
	[SCENARIO_FULL_CYCLES] = { "full_cycles",
		"full exits at the soft limit, nothing lost over many cycles",
		full_cycles },
	[SCENARIO_FULL_NO_PROGRESS] = { "full_no_progress",
		"a full vCPU makes no progress until the reset",
		full_no_progress },
	[SCENARIO_FULL_TIGHT] = { "full_tight",
		"full exits in a tight store loop, no progress while full",
		full_tight },
	[SCENARIO_FULL_PADDED] = { "full_padded",
		"full exits with idle work between stores",
		full_padded },
	[SCENARIO_FULL_RANDOM] = { "full_random",
		"full exits with pages stored in a random order",
		full_random },
	[SCENARIO_SLOT_IDS_OFFSETS] = { "slot_ids_offsets",
		"low and high slot ids, sizes from one page",
		slot_ids_offsets },
	[SCENARIO_LOG_DIRTY_FLAG] = { "log_dirty_flag",
		"only dirty-logged slots report; enabling logging re-protects",
		log_dirty_flag },
	[SCENARIO_DELETE_UNHARVESTED] = { "delete_unharvested",
		"entries of a deleted slot are reset and counted",
		delete_unharvested },
	[SCENARIO_DELETE_HARVESTED] = { "delete_harvested",
		"deleting a slot between harvest and reset",
		delete_harvested },
	[SCENARIO_VCPUS_LOCKSTEP] = { "vcpus_lockstep",
		"each vCPU's ring holds its writes, one reset for all",
		vcpus_lockstep },
	[SCENARIO_REAPER_CONCURRENT] = { "reaper_concurrent",
		"a reaper harvesting a running vCPU sees whole entries",
		reaper_concurrent },
	[SCENARIO_WRAP_POSITIONS] = { "wrap_positions",
		"harvests and resets at every ring position",
		wrap_positions },
	[SCENARIO_FULL_EXIT_POINT] = { "full_exit_point",
		"large rings exit full after exactly size - reserve entries",
		full_exit_point },
	[SCENARIO_RELOG_LAST_PAGE] = { "relog_last_page",
		"re-enabling dirty logging protects a slot's last page too",
		relog_last_page },
	[SCENARIO_RESET_EMPTY_RINGS] = { "reset_empty_rings",
		"one reset for all rings while some are empty",
		reset_empty_rings },
	[SCENARIO_VCPUS_OVER_SOFT_LIMIT] = { "vcpus_over_soft_limit",
		"each ring has its own soft limit, not the VM",
		vcpus_over_soft_limit },
	[SCENARIO_FULL_PARTIAL_HARVEST] = { "full_partial_harvest",
		"a partial harvest at a full exit, then running on",
		full_partial_harvest },
	[SCENARIO_BATCH_PHASES] = { "batch_phases",
		"a full exit at most batch - 1 entries past the soft limit",
		batch_phases },
	[SCENARIO_BITMAP_SET_CLEAR] = { "bitmap_set_clear",
		"a cleared bitmap set holds only the next round's pages",
		bitmap_set_clear },
};
