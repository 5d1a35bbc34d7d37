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
			ws_add_write(s, (struct ws_write){ .slot = 1, .page = order[i], .count = 1 });
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
		ws_add_write(s, (struct ws_write){ .slot = ids[i], .page = npages[i] - 1, .count = 1 });
		ws_add_write(s, (struct ws_write){ .slot = ids[i], .page = 0, .count = 1 });
	}
	ws_add_sync(s);
	for (i = ARRAY_SIZE(ids); i-- > 0;)
		ws_add_write(s, (struct ws_write){ .slot = ids[i], .page = npages[i] / 2, .count = 1 });
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
			ws_add_write(s, (struct ws_write){ .slot = 1, .page = v * 64 + round * 20, .count = 20 });
			ws_add_write(s, (struct ws_write){ .slot = 2, .page = (v + round) % 4, .count = 8 });
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
};
