// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scenario driver and the scenarios (see ring_scenario.h).
 */
#include <pthread.h>
#include <sys/mman.h>

#include "ring_scenario.h"

/* How often a vCPU may exit full without progress before the driver gives up. */
#define FULL_NO_PROGRESS_MAX	4

/* Driver */

bool rs_begin(struct ring_ctx *ctx, u32 nr_vcpus, u32 ring_size)
{
	struct ring_target_params p = {
		.nr_vcpus = nr_vcpus,
		.ring_size = ctx->ring_size ? ctx->ring_size : ring_size,
	};
	u32 v;

	ctx->t = ctx->factory->create(ctx->factory, &p);
	if (!ctx->t) {
		ctx->skipped = true;
		return false;
	}
	for (v = 0; v < nr_vcpus; v++)
		ctx->reset_from[v] = ctx->t->ring(ctx->t, v)->fetch;
	return true;
}

void rs_slot_add(struct ring_ctx *ctx, u16 id, u64 npages, u32 flags)
{
	struct ws_layout *l = &ctx->layout;
	int ret = ctx->t->slot_add(ctx->t, id, npages, flags);

	TEST_ASSERT(!ret, "%s: adding slot %u of %lu pages failed: %d", ctx->t->name, id, npages,
		    ret);
	TEST_ASSERT(l->nr_slots < WS_MAX_SLOTS, "more than %u slots in a scenario", WS_MAX_SLOTS);
	l->slot[l->nr_slots] = id;
	l->npages[l->nr_slots] = npages;
	l->gva[l->nr_slots] = 0;
	l->nr_slots++;
	ring_record_slot(&ctx->rec, RING_SLOT_ADD, id, npages, flags);
}

void rs_slot_set_flags(struct ring_ctx *ctx, u16 id, u32 flags)
{
	int ret = ctx->t->slot_set_flags(ctx->t, id, flags);

	TEST_ASSERT(!ret, "%s: setting flags %#x on slot %u failed: %d", ctx->t->name, flags, id,
		    ret);
	ring_record_slot(&ctx->rec, RING_SLOT_FLAGS, id, 0, flags);
}

void rs_slot_delete(struct ring_ctx *ctx, u16 id)
{
	struct ws_layout *l = &ctx->layout;
	int ret = ctx->t->slot_delete(ctx->t, id);
	u32 i;

	TEST_ASSERT(!ret, "%s: deleting slot %u failed: %d", ctx->t->name, id, ret);
	for (i = 0; i < l->nr_slots; i++) {
		if (l->slot[i] != id)
			continue;
		l->nr_slots--;
		l->slot[i] = l->slot[l->nr_slots];
		l->npages[i] = l->npages[l->nr_slots];
		l->gva[i] = l->gva[l->nr_slots];
		break;
	}
	ring_record_slot(&ctx->rec, RING_SLOT_DELETE, id, 0, 0);
}

void rs_load(struct ring_ctx *ctx, u32 vcpu)
{
	struct ws_script *s = &ctx->script[vcpu];

	ws_add_end(s);
	ctx->check.script[vcpu] = s->ops;
	ctx->t->load(ctx->t, vcpu, s->ops, &ctx->layout);
}

static void record_exit(struct ring_ctx *ctx, u32 vcpu, enum ring_exit exit,
			const struct ring_progress *progress)
{
	u32 occupancy = dirty_ring_occupancy(ctx->t->ring(ctx->t, vcpu));

	ring_record_exit(&ctx->rec, vcpu, exit, progress, occupancy);
}

enum ring_exit rs_run(struct ring_ctx *ctx, u32 vcpu)
{
	enum ring_exit exit;

	ring_record_run(&ctx->rec, vcpu);
	exit = ctx->t->run(ctx->t, vcpu, &ctx->progress[vcpu]);
	record_exit(ctx, vcpu, exit, &ctx->progress[vcpu]);
	return exit;
}

struct harvest_rec {
	struct ring_record *rec;
	u32 vcpu;
};

static void record_entry(void *opaque, const struct dirty_entry *e)
{
	struct harvest_rec *h = opaque;

	ring_record_entry(h->rec, h->vcpu, e);
}

static u32 harvest(struct ring_ctx *ctx, u32 vcpu, u32 max)
{
	struct harvest_rec h = { .rec = &ctx->rec, .vcpu = vcpu };

	return ctx->walk(ctx->t->ring(ctx->t, vcpu), max, record_entry, &h);
}

u32 rs_harvest(struct ring_ctx *ctx, u32 vcpu, u32 max)
{
	u32 n = harvest(ctx, vcpu, max);

	if (n < max)
		ring_record_drained(&ctx->rec, vcpu);
	return n;
}

u32 rs_harvest_all(struct ring_ctx *ctx, u32 vcpu)
{
	u32 size = ctx->t->ring_size, n, total = 0, rounds;

	/* A ring never holds more than size entries: two rounds end it. */
	for (rounds = 0; rounds < 2; rounds++) {
		n = rs_harvest(ctx, vcpu, size);
		total += n;
		if (n < size)
			break;
	}
	return total;
}

/* Harvested entries whose flags the reset did not clear. */
static u32 stale_entries(struct ring_ctx *ctx, u32 vcpu)
{
	struct dirty_ring *ring = ctx->t->ring(ctx->t, vcpu);
	u32 i, n = ring->fetch - ctx->reset_from[vcpu], stale = 0;

	if (n > ring->size)
		n = ring->size;
	for (i = 0; i < n; i++)
		if (__atomic_load_n(&dirty_ring_entry(ring, ctx->reset_from[vcpu] + i)->flags,
				    __ATOMIC_ACQUIRE))
			stale++;
	ctx->reset_from[vcpu] = ring->fetch;
	return stale;
}

u32 rs_reset(struct ring_ctx *ctx)
{
	u32 count = ctx->t->reset(ctx->t), stale = 0, v;

	for (v = 0; v < ctx->t->nr_vcpus; v++)
		stale += stale_entries(ctx, v);
	ring_record_reset(&ctx->rec, count, stale);
	return count;
}

u32 rs_collect(struct ring_ctx *ctx)
{
	u32 v;

	for (v = 0; v < ctx->t->nr_vcpus; v++)
		rs_harvest_all(ctx, v);
	return rs_reset(ctx);
}

enum ring_exit rs_run_to_sync(struct ring_ctx *ctx, u32 vcpu)
{
	u64 stores = ctx->progress[vcpu].stores;
	u32 stuck = 0;
	enum ring_exit exit;

	for (;;) {
		exit = rs_run(ctx, vcpu);
		if (exit != RING_EXIT_FULL)
			return exit;
		stuck = ctx->progress[vcpu].stores == stores ? stuck + 1 : 0;
		if (stuck > FULL_NO_PROGRESS_MAX)
			return exit;
		stores = ctx->progress[vcpu].stores;
		rs_collect(ctx);
	}
}

struct reaped_run {
	struct ring_ctx *ctx;
	u32 vcpu;
	enum ring_exit exit;
	struct ring_progress progress;
	bool done;
};

static void *reaped_vcpu(void *arg)
{
	struct reaped_run *r = arg;

	r->exit = r->ctx->t->run(r->ctx->t, r->vcpu, &r->progress);
	__atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
	return NULL;
}

enum ring_exit rs_run_reaped(struct ring_ctx *ctx, u32 vcpu)
{
	struct reaped_run r = { .ctx = ctx, .vcpu = vcpu };
	pthread_t thread;
	int ret;

	ring_record_run(&ctx->rec, vcpu);
	ret = pthread_create(&thread, NULL, reaped_vcpu, &r);
	TEST_ASSERT(!ret, "pthread_create: %d", ret);
	while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE))
		ctx->reaped += harvest(ctx, vcpu, ctx->t->ring_size);
	pthread_join(thread, NULL);
	ctx->progress[vcpu] = r.progress;
	record_exit(ctx, vcpu, r.exit, &r.progress);
	return r.exit;
}

void rs_unmet(struct ring_ctx *ctx, const char *why)
{
	ctx->unmet = why;
}

bool rs_end(struct ring_ctx *ctx)
{
	struct ring_check_config *cfg = &ctx->check;
	struct ring_target *t = ctx->t;
	u32 v;

	rs_collect(ctx);
	cfg->ring_size = t->ring_size;
	cfg->reserve_min = t->reserve_min;
	cfg->reserve_max = t->reserve_max;
	cfg->store_dups = t->store_dups;
	cfg->nr_vcpus = t->nr_vcpus;
	for (v = 0; v < t->nr_vcpus; v++)
		TEST_ASSERT(cfg->script[v], "scenario did not load a script into vCPU %u", v);
	ring_check(cfg, &ctx->rec, &ctx->verdict);
	t->destroy(t);
	ctx->t = NULL;
	return ctx->verdict.ok;
}

/* Scenarios */

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
	for (stuck = 0; stuck <= FULL_NO_PROGRESS_MAX && rs_run(ctx, 0) == RING_EXIT_FULL;) {
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


int ring_scenario_run(const struct ring_scenario *s, struct ring_target_factory *factory,
		      dirty_walk_fn walk, u32 ring_size, struct ring_verdict *verdict)
{
	struct ring_ctx *ctx = calloc(1, sizeof(*ctx));
	int code = KSFT_SKIP;
	u32 v;

	TEST_ASSERT(ctx, "out of memory");
	ctx->factory = factory;
	ctx->walk = walk ? walk : dirty_ring_walk_indirect;
	ctx->ring_size = ring_size;
	ring_record_init(&ctx->rec);

	s->run(ctx);
	memset(verdict, 0, sizeof(*verdict));
	if (ctx->skipped) {
		snprintf(verdict->msg, sizeof(verdict->msg), "%s", factory->why);
	} else {
		code = rs_end(ctx) ? KSFT_PASS : KSFT_FAIL;
		*verdict = ctx->verdict;
		if (code == KSFT_PASS && ctx->unmet) {
			code = KSFT_SKIP;
			snprintf(verdict->msg, sizeof(verdict->msg), "%s", ctx->unmet);
		}
	}
	for (v = 0; v < RING_MAX_VCPUS; v++)
		ws_script_free(&ctx->script[v]);
	ring_record_free(&ctx->rec);
	free(ctx);
	return code;
}

struct forked_run {
	const struct ring_scenario *s;
	struct ring_target_factory *factory;
	dirty_walk_fn walk;
	u32 ring_size;
	struct ring_verdict *shared;	/* MAP_SHARED: the child's verdict */
};

static void forked_child(void *arg)
{
	struct forked_run *r = arg;
	int code = ring_scenario_run(r->s, r->factory, r->walk, r->ring_size, r->shared);

	exit(code);
}

int ring_scenario_run_forked(const struct ring_scenario *s, struct ring_target_factory *factory,
			     dirty_walk_fn walk, u32 ring_size, unsigned int timeout_s,
			     struct ring_verdict *verdict)
{
	struct forked_run r = { .s = s, .factory = factory, .walk = walk, .ring_size = ring_size };
	struct ksft_case_status st;

	r.shared = mmap(NULL, sizeof(*r.shared), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(r.shared != MAP_FAILED, "mmap of a shared verdict");
	memset(r.shared, 0, sizeof(*r.shared));
	r.shared->ok = true;

	ksft_run_forked(forked_child, &r, timeout_s, &st);
	*verdict = *r.shared;
	munmap(r.shared, sizeof(*r.shared));
	if (st.code == KSFT_FAIL && verdict->ok) {
		verdict->ok = false;
		if (st.timed_out)
			snprintf(verdict->msg, sizeof(verdict->msg), "timed out after %u s", timeout_s);
		else if (st.signal)
			snprintf(verdict->msg, sizeof(verdict->msg), "crashed: signal %d (%s)",
				 st.signal, strsignal(st.signal));
		else
			snprintf(verdict->msg, sizeof(verdict->msg),
				 "ended with exit code %d before a verdict", st.exit_status);
	}
	return st.code;
}
