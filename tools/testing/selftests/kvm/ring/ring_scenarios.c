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

	while ((exit = rs_run_to_sync(ctx, vcpu)) == RING_EXIT_SYNC)
		rs_collect(ctx);
}

/* Scattered first writes across two slots, a rewrite, padded stores. */
static void first_write_order(struct ring_ctx *ctx)
{
	struct ws_script *s = &ctx->script[0];
	u32 i;

	if (!rs_begin(ctx, 1, 256))
		return;
	rs_slot_add(ctx, 1, 512, LOG);
	rs_slot_add(ctx, 2, 64, LOG);
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 10, .count = 20 });
	ws_add_write(s, (struct ws_write){ .slot = 2, .page = 5, .count = 1 });
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 3, .count = 1 });
	for (i = 0; i < 30; i++)
		ws_add_write(s, (struct ws_write){ .slot = 1, .page = 400 - i * 7, .count = 1 });
	ws_add_write(s, (struct ws_write){ .slot = 2, .page = 63, .count = 1 });
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 100, .count = 10, .pad = 3 });
	ws_add_sync(s);
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 10, .count = 1 });
	ws_add_write(s, (struct ws_write){ .slot = 2, .page = 0, .count = 64 });
	ws_add_write(s, (struct ws_write){ .slot = 2, .page = 0, .count = 64 });
	ws_add_sync(s);
	rs_load(ctx, 0);
	run_script(ctx, 0);
}

/* Pages rewritten after each reset are reported again, each time. */
static void rewrite_after_reset(struct ring_ctx *ctx)
{
	struct ws_script *s = &ctx->script[0];
	u32 round;

	if (!rs_begin(ctx, 1, 256))
		return;
	rs_slot_add(ctx, 1, 64, LOG);
	for (round = 0; round < 3; round++) {
		ws_add_write(s, (struct ws_write){ .slot = 1, .page = 0, .count = 50 });
		ws_add_write(s, (struct ws_write){ .slot = 1, .page = 0, .count = 50 });
		ws_add_sync(s);
	}
	rs_load(ctx, 0);
	run_script(ctx, 0);
}

/*
 * Pages harvested but not yet reset are still writable: stores to them log
 * nothing (but emulated ones) until the reset re-protects them; the next
 * store after the reset is reported again, so nothing written is lost.
 */
static void rewrite_before_reset(struct ring_ctx *ctx)
{
	struct ws_script *s = &ctx->script[0];

	if (!rs_begin(ctx, 1, 256))
		return;
	rs_slot_add(ctx, 1, 64, LOG);
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 0, .count = 24 });
	ws_add_sync(s);
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 8, .count = 24 });
	ws_add_sync(s);
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 0, .count = 40 });
	ws_add_sync(s);
	rs_load(ctx, 0);
	rs_run_to_sync(ctx, 0);
	rs_harvest_all(ctx, 0);
	rs_run_to_sync(ctx, 0);
	rs_collect(ctx);
	rs_run_to_sync(ctx, 0);
	rs_collect(ctx);
	rs_run_to_sync(ctx, 0);
}

/* A reset after a partial harvest resets exactly the harvested prefix. */
static void partial_harvest(struct ring_ctx *ctx)
{
	struct ws_script *s = &ctx->script[0];
	u32 round;

	if (!rs_begin(ctx, 1, 256))
		return;
	rs_slot_add(ctx, 1, 256, LOG);
	for (round = 0; round < 4; round++) {
		ws_add_write(s, (struct ws_write){ .slot = 1, .page = round * 40, .count = 40 });
		ws_add_sync(s);
	}
	rs_load(ctx, 0);
	for (round = 0; round < 4; round++) {
		rs_run_to_sync(ctx, 0);
		rs_harvest(ctx, 0, 13 + round);
		rs_reset(ctx);
		rs_harvest(ctx, 0, 5);
		rs_reset(ctx);
	}
	rs_run_to_sync(ctx, 0);
}

/* Many full exits in a tight store loop: at the soft limit, nothing lost. */
static void full_cycles(struct ring_ctx *ctx)
{
	struct ws_script *s = &ctx->script[0];

	if (!rs_begin(ctx, 1, 256))
		return;
	rs_slot_add(ctx, 1, 4096, LOG);
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 0, .count = 4096 });
	ws_add_sync(s);
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 0, .count = 2000 });
	rs_load(ctx, 0);
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
	struct ws_script *s = &ctx->script[0];
	u64 pages, i, st, *order, stores, last_stores = ~0ull;
	u32 size, stuck;

	if (!rs_begin(ctx, 1, 256))
		return;
	size = ctx->t->ring_size;
	pages = (u64)size * (size >= 16384 ? 4 : 8);
	rs_slot_add(ctx, 1, pages, LOG);
	if (density != DENSITY_RANDOM) {
		ws_add_write(s, (struct ws_write){ .slot = 1, .page = 0, .count = pages,
						   .pad = density == DENSITY_PADDED ? 1 : 0 });
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
			ws_add_write(s, (struct ws_write){ .slot = 1, .page = order[i],
							   .count = 1 });
		free(order);
	}
	rs_load(ctx, 0);
	for (stuck = 0; stuck <= RS_FULL_NO_PROGRESS_MAX && rs_run(ctx, 0) == RING_EXIT_FULL;) {
		stores = ctx->progress[0].stores;
		rs_run(ctx, 0);
		rs_collect(ctx);
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
	struct ws_script *s = &ctx->script[0];
	u32 size, i;

	if (!rs_begin(ctx, 1, 256))
		return;
	size = ctx->t->ring_size;
	rs_slot_add(ctx, 1, 2 * size, LOG);
	for (i = 0; i < 3; i++) {
		ws_add_write(s, (struct ws_write){ .slot = 1, .page = 0, .count = 16 });
		ws_add_write(s, (struct ws_write){ .slot = 1, .page = 16, .count = size - 16 });
		ws_add_write(s, (struct ws_write){ .slot = 1, .page = 0, .count = 16 });
		ws_add_sync(s);
	}
	rs_load(ctx, 0);
	for (i = 0; i < 3; i++) {
		if (rs_run(ctx, 0) != RING_EXIT_FULL)
			continue;
		rs_run(ctx, 0);
		rs_run(ctx, 0);
		rs_collect(ctx);
		rs_run_to_sync(ctx, 0);
		rs_collect(ctx);
	}
}

/* Slot ids low and high, slot sizes from 1 page: ids and offsets exact. */
static void slot_ids_offsets(struct ring_ctx *ctx)
{
	u16 ids[] = { 0, 1, 13, 255, 300, 4097, 0 };
	static const u64 npages[] = { 3, 1, 7, 64, 4096, 2, 513 };
	struct ws_script *s = &ctx->script[0];
	u32 i;

	if (!rs_begin(ctx, 1, 256))
		return;
	ids[ARRAY_SIZE(ids) - 1] = ctx->t->max_slot_id;
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		rs_slot_add(ctx, ids[i], npages[i], LOG);
		ws_add_write(s, (struct ws_write){ .slot = ids[i], .page = npages[i] - 1,
						   .count = 1 });
		ws_add_write(s, (struct ws_write){ .slot = ids[i], .page = 0, .count = 1 });
	}
	ws_add_sync(s);
	for (i = ARRAY_SIZE(ids); i-- > 0;)
		ws_add_write(s, (struct ws_write){ .slot = ids[i], .page = npages[i] / 2,
						   .count = 1 });
	rs_load(ctx, 0);
	run_script(ctx, 0);
}

/* Only dirty-logged slots report; enabling logging write-protects again. */
static void log_dirty_flag(struct ring_ctx *ctx)
{
	struct ws_script *s = &ctx->script[0];
	u32 i;

	if (!rs_begin(ctx, 1, 256))
		return;
	rs_slot_add(ctx, 1, 32, LOG);
	rs_slot_add(ctx, 2, 32, 0);
	for (i = 0; i < 4; i++) {
		ws_add_write(s, (struct ws_write){ .slot = 2, .page = 0, .count = 16 });
		ws_add_write(s, (struct ws_write){ .slot = 1, .page = i * 4, .count = 4 });
		ws_add_sync(s);
	}
	rs_load(ctx, 0);

	rs_run_to_sync(ctx, 0);
	rs_collect(ctx);
	rs_slot_set_flags(ctx, 2, LOG);
	rs_run_to_sync(ctx, 0);
	/* Harvested, not reset: only re-enabling logging protects the pages. */
	rs_harvest_all(ctx, 0);
	rs_slot_set_flags(ctx, 2, 0);
	rs_slot_set_flags(ctx, 2, LOG);
	rs_run_to_sync(ctx, 0);
	rs_collect(ctx);
	rs_slot_set_flags(ctx, 2, 0);
	rs_run_to_sync(ctx, 0);
}

/* Entries of a slot deleted before harvest are reset and counted. */
static void delete_unharvested(struct ring_ctx *ctx)
{
	struct ws_script *s = &ctx->script[0];

	if (!rs_begin(ctx, 1, 256))
		return;
	rs_slot_add(ctx, 1, 64, LOG);
	rs_slot_add(ctx, 3, 64, LOG);
	ws_add_write(s, (struct ws_write){ .slot = 3, .page = 0, .count = 20 });
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 0, .count = 10 });
	ws_add_sync(s);
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 0, .count = 40 });
	ws_add_sync(s);
	rs_load(ctx, 0);
	rs_run_to_sync(ctx, 0);
	rs_slot_delete(ctx, 3);
	rs_collect(ctx);
	run_script(ctx, 0);
}

/* Entries of a slot deleted after harvest, before reset; the id is reused. */
static void delete_harvested(struct ring_ctx *ctx)
{
	struct ws_script *s = &ctx->script[0];

	if (!rs_begin(ctx, 1, 256))
		return;
	rs_slot_add(ctx, 1, 64, LOG);
	rs_slot_add(ctx, 3, 64, LOG);
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 0, .count = 10 });
	ws_add_write(s, (struct ws_write){ .slot = 3, .page = 0, .count = 20 });
	ws_add_sync(s);
	ws_add_write(s, (struct ws_write){ .slot = 3, .page = 0, .count = 30 });
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 0, .count = 10 });
	ws_add_sync(s);
	rs_load(ctx, 0);
	rs_run_to_sync(ctx, 0);
	rs_harvest_all(ctx, 0);
	rs_slot_delete(ctx, 3);
	rs_reset(ctx);
	rs_slot_add(ctx, 3, 32, LOG);
	run_script(ctx, 0);
}

/* vCPUs in lockstep, disjoint and shared pages: own rings, one reset. */
static void vcpus_lockstep(struct ring_ctx *ctx)
{
	const u32 nr_vcpus = 4;
	u32 v, round;

	if (!rs_begin(ctx, nr_vcpus, 256))
		return;
	rs_slot_add(ctx, 1, 256, LOG);
	rs_slot_add(ctx, 2, 16, LOG);
	for (v = 0; v < nr_vcpus; v++) {
		struct ws_script *s = &ctx->script[v];

		for (round = 0; round < 3; round++) {
			ws_add_write(s, (struct ws_write){ .slot = 1, .page = v * 64 + round * 20,
							   .count = 20 });
			ws_add_write(s, (struct ws_write){ .slot = 2, .page = (v + round) % 4,
							   .count = 8 });
			ws_add_sync(s);
		}
		rs_load(ctx, v);
	}
	for (round = 0; round < 4; round++) {
		for (v = 0; v < nr_vcpus; v++)
			rs_run_to_sync(ctx, v);
		rs_collect(ctx);
	}
}

/* A reaper harvests while the vCPU runs: entries are whole when seen. */
static void reaper_concurrent(struct ring_ctx *ctx)
{
	struct ws_script *s = &ctx->script[0];
	u32 cycles;

	if (!rs_begin(ctx, 1, 1024))
		return;
	rs_slot_add(ctx, 1, 8192, LOG);
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 0, .count = 8192 });
	rs_load(ctx, 0);
	for (cycles = 0; cycles < 64; cycles++) {
		enum ring_exit exit = rs_run_reaped(ctx, 0);

		rs_collect(ctx);
		if (exit != RING_EXIT_FULL)
			break;
	}
	if (!ctx->reaped)
		rs_unmet(ctx, "the reaper took no entry while the vCPU ran");
}

/* Syncs and harvests at every ring position, over many laps. */
static void wrap_positions(struct ring_ctx *ctx)
{
	struct ws_script *s = &ctx->script[0];
	u32 i, chunk;

	if (!rs_begin(ctx, 1, 256))
		return;
	rs_slot_add(ctx, 1, 1024, LOG);
	for (i = 0, chunk = 1; i < 1024; i += chunk, chunk = chunk % 61 + 3) {
		ws_add_write(s, (struct ws_write){ .slot = 1, .page = i,
						   .count = i + chunk <= 1024 ? chunk : 1024 - i });
		ws_add_sync(s);
	}
	rs_load(ctx, 0);
	while (rs_run_to_sync(ctx, 0) == RING_EXIT_SYNC) {
		rs_harvest(ctx, 0, 7);
		rs_collect(ctx);
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
	struct ws_script *s = &ctx->script[0];
	u32 size;

	if (!rs_begin(ctx, 1, 8192))
		return;
	size = ctx->t->ring_size;
	rs_slot_add(ctx, 1, size, LOG);
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 0, .count = size });
	rs_load(ctx, 0);
	if (rs_run(ctx, 0) != RING_EXIT_FULL) {
		rs_unmet(ctx, "a ring's worth of stores ended without a full exit");
		return;
	}
	rs_run(ctx, 0);
	rs_collect(ctx);
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
	struct ws_script *s = &ctx->script[0];
	u32 i, round;

	if (!rs_begin(ctx, 1, 256))
		return;
	for (i = 0; i < ARRAY_SIZE(npages); i++)
		rs_slot_add(ctx, i + 1, npages[i], LOG);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < ARRAY_SIZE(npages); i++) {
			ws_add_write(s, (struct ws_write){ .slot = i + 1, .page = npages[i] - 1,
							   .count = 1 });
			ws_add_write(s, (struct ws_write){ .slot = i + 1, .page = 0, .count = 1 });
		}
		ws_add_sync(s);
	}
	rs_load(ctx, 0);
	for (round = 0; round < 4; round++) {
		rs_run_to_sync(ctx, 0);
		/* Rounds 0 and 2 harvest without reset, 1 and 3 collect. */
		if (round & 1)
			rs_collect(ctx);
		else
			rs_harvest_all(ctx, 0);
		for (i = 0; i < ARRAY_SIZE(npages); i++)
			rs_slot_set_flags(ctx, i + 1, 0);
		for (i = 0; i < ARRAY_SIZE(npages); i++)
			rs_slot_set_flags(ctx, i + 1, LOG);
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

	if (!rs_begin(ctx, nr_vcpus, 256))
		return;
	rs_slot_add(ctx, 1, nr_vcpus * 16, LOG);
	for (v = 0; v < nr_vcpus; v++) {
		struct ws_script *s = &ctx->script[v];

		for (round = 0; round < ARRAY_SIZE(writers); round++) {
			if (writers[round] & (1u << v))
				ws_add_write(s, (struct ws_write){ .slot = 1,
								   .page = v * 16 + round % 4,
								   .count = 3 + round % 5 });
			ws_add_sync(s);
		}
		rs_load(ctx, v);
	}
	for (round = 0; round < ARRAY_SIZE(writers); round++) {
		for (v = 0; v < nr_vcpus; v++)
			rs_run_to_sync(ctx, v);
		rs_collect(ctx);
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

	if (!rs_begin(ctx, nr_vcpus, 256))
		return;
	/* Three quarters of the lowest soft limit per vCPU, in two halves. */
	half = lowest_soft_limit(ctx) * 3 / 8;
	if (!half || nr_vcpus * 2 * half <= ctx->t->ring_size - ctx->t->reserve_min) {
		rs_unmet(ctx, "the rings' soft limits leave no room for this scenario");
		half = 1;
	}
	rs_slot_add(ctx, 1, nr_vcpus * 2 * half, LOG);
	for (v = 0; v < nr_vcpus; v++) {
		struct ws_script *s = &ctx->script[v];

		for (round = 0; round < 2; round++) {
			ws_add_write(s, (struct ws_write){ .slot = 1,
							   .page = (v * 2 + round) * half,
							   .count = half });
			ws_add_sync(s);
		}
		ws_add_write(s, (struct ws_write){ .slot = 1, .page = v * 2 * half,
						   .count = 2 * half });
		ws_add_sync(s);
		rs_load(ctx, v);
	}
	for (round = 0; round < 2; round++)
		for (v = 0; v < nr_vcpus; v++)
			if (rs_run(ctx, v) != RING_EXIT_SYNC)
				rs_unmet(ctx, "a vCPU below its own soft limit did not reach its sync");
	rs_collect(ctx);
	for (v = 0; v < nr_vcpus; v++)
		rs_run_to_sync(ctx, v);
}

/*
 * At a full exit only part of the ring is harvested and reset: the vCPU
 * runs on and exits full again as soon as the ring is back at its soft
 * limit; without the reset it does not run at all.
 */
static void full_partial_harvest(struct ring_ctx *ctx)
{
	struct ws_script *s = &ctx->script[0];
	u32 soft, i, exits = 0;
	u64 pages;

	if (!rs_begin(ctx, 1, 256))
		return;
	soft = lowest_soft_limit(ctx);
	pages = (u64)ctx->t->ring_size * 4;

	/* How many entries each full exit's harvest takes. */
	const u32 cut[] = { 1, 2, 7, soft / 2, soft - 1, 1, soft / 3, 3 };

	rs_slot_add(ctx, 1, pages, LOG);
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 0, .count = pages });
	rs_load(ctx, 0);
	for (i = 0; i < ARRAY_SIZE(cut); i++) {
		if (rs_run(ctx, 0) != RING_EXIT_FULL)
			break;
		exits++;
		rs_harvest(ctx, 0, cut[i]);
		rs_run(ctx, 0);
		rs_reset(ctx);
	}
	if (exits < ARRAY_SIZE(cut))
		rs_unmet(ctx, "the vCPU did not exit full at every partial harvest");
	rs_collect(ctx);
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
	struct ws_script *s = &ctx->script[0];
	u32 size, batch, k;

	if (!rs_begin(ctx, 1, 256))
		return;
	size = ctx->t->ring_size;
	batch = ctx->t->batch ? ctx->t->batch : 1;
	rs_slot_add(ctx, 1, size + batch, LOG);
	for (k = 0; k <= batch; k++) {
		if (k)
			ws_add_write(s, (struct ws_write){ .slot = 1, .page = 0, .count = k });
		ws_add_sync(s);
		ws_add_write(s, (struct ws_write){ .slot = 1, .page = k, .count = size });
		ws_add_sync(s);
	}
	rs_load(ctx, 0);
	for (k = 0; k <= batch; k++) {
		rs_run_to_sync(ctx, 0);
		if (rs_run_to_sync(ctx, 0) != RING_EXIT_SYNC)
			break;
		rs_collect(ctx);
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
	struct ws_script *s = &ctx->script[0];
	u32 i, round;

	if (!rs_begin(ctx, 1, 256))
		return;
	for (i = 0; i < ARRAY_SIZE(npages); i++) {
		rs_slot_add(ctx, i + 1, npages[i], LOG);
		rs_bitmap_add_slot(ctx, i + 1, npages[i]);
	}
	/*
	 * Each round below the smallest soft limit: all of the first slot,
	 * all of the second and a few of the first, two last pages, nothing,
	 * one page and the first slot's last word.
	 */
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 0, .count = npages[0] });
	ws_add_write(s, (struct ws_write){ .slot = 3, .page = 0, .count = 1 });
	ws_add_sync(s);
	ws_add_write(s, (struct ws_write){ .slot = 2, .page = 0, .count = npages[1] });
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 3, .count = 5 });
	ws_add_sync(s);
	ws_add_write(s, (struct ws_write){ .slot = 2, .page = 63, .count = 1 });
	ws_add_write(s, (struct ws_write){ .slot = 4, .page = 199, .count = 1 });
	ws_add_sync(s);
	ws_add_sync(s);
	ws_add_write(s, (struct ws_write){ .slot = 3, .page = 0, .count = 1 });
	ws_add_write(s, (struct ws_write){ .slot = 1, .page = 127, .count = 3 });
	ws_add_sync(s);
	rs_load(ctx, 0);
	for (round = 0; round < 5; round++) {
		rs_run_to_sync(ctx, 0);
		rs_harvest_all(ctx, 0);
		rs_bitmap_take(ctx);
		rs_reset(ctx);
		rs_bitmap_clear(ctx);
	}
}

const struct ring_scenario ring_scenarios[NR_RING_SCENARIOS] = {
	[RS_FIRST_WRITE_ORDER] = { "first_write_order", "entries in first-write order, slots and offsets exact",
		first_write_order },
	[RS_REWRITE_AFTER_RESET] = { "rewrite_after_reset", "a page rewritten after its reset is reported again",
		rewrite_after_reset },
	[RS_REWRITE_BEFORE_RESET] = { "rewrite_before_reset", "stores between harvest and reset log again after the reset",
		rewrite_before_reset },
	[RS_PARTIAL_HARVEST] = { "partial_harvest", "a reset resets exactly the harvested prefix",
		partial_harvest },
	[RS_FULL_CYCLES] = { "full_cycles", "full exits at the soft limit, nothing lost over many cycles",
		full_cycles },
	[RS_FULL_NO_PROGRESS] = { "full_no_progress", "a full vCPU makes no progress until the reset",
		full_no_progress },
	[RS_FULL_TIGHT] = { "full_tight", "full exits in a tight store loop, no progress while full",
		full_tight },
	[RS_FULL_PADDED] = { "full_padded", "full exits with idle work between stores",
		full_padded },
	[RS_FULL_RANDOM] = { "full_random", "full exits with pages stored in a random order",
		full_random },
	[RS_SLOT_IDS_OFFSETS] = { "slot_ids_offsets", "low and high slot ids, sizes from one page",
		slot_ids_offsets },
	[RS_LOG_DIRTY_FLAG] = { "log_dirty_flag", "only dirty-logged slots report; enabling logging re-protects",
		log_dirty_flag },
	[RS_DELETE_UNHARVESTED] = { "delete_unharvested", "entries of a deleted slot are reset and counted",
		delete_unharvested },
	[RS_DELETE_HARVESTED] = { "delete_harvested", "deleting a slot between harvest and reset",
		delete_harvested },
	[RS_VCPUS_LOCKSTEP] = { "vcpus_lockstep", "each vCPU's ring holds its writes, one reset for all",
		vcpus_lockstep },
	[RS_REAPER_CONCURRENT] = { "reaper_concurrent", "a reaper harvesting a running vCPU sees whole entries",
		reaper_concurrent },
	[RS_WRAP_POSITIONS] = { "wrap_positions", "harvests and resets at every ring position",
		wrap_positions },
	[RS_FULL_EXIT_POINT] = { "full_exit_point", "large rings exit full after exactly size - reserve entries",
		full_exit_point },
	[RS_RELOG_LAST_PAGE] = { "relog_last_page", "re-enabling dirty logging protects a slot's last page too",
		relog_last_page },
	[RS_RESET_EMPTY_RINGS] = { "reset_empty_rings", "one reset for all rings while some are empty",
		reset_empty_rings },
	[RS_VCPUS_OVER_SOFT_LIMIT] = { "vcpus_over_soft_limit", "each ring has its own soft limit, not the VM",
		vcpus_over_soft_limit },
	[RS_FULL_PARTIAL_HARVEST] = { "full_partial_harvest", "a partial harvest at a full exit, then running on",
		full_partial_harvest },
	[RS_BATCH_PHASES] = { "batch_phases", "a full exit at most batch - 1 entries past the soft limit",
		batch_phases },
	[RS_BITMAP_SET_CLEAR] = { "bitmap_set_clear", "a cleared bitmap set holds only the next round's pages",
		bitmap_set_clear },
};
