// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scenario driver, and running a scenario (see ring_scenario.h).
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "ring_scenario.h"

bool scenario_begin(struct ring_ctx *ctx, u32 nr_vcpus, u32 ring_size)
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

void scenario_slot_add(struct ring_ctx *ctx, u16 id, u64 npages, u32 flags)
{
	struct script_layout *l = &ctx->layout;
	int ret = ctx->t->slot_add(ctx->t, id, npages, flags);

	TEST_ASSERT(!ret, "%s: adding slot %u of %lu pages failed: %d", ctx->t->name, id, npages,
		    ret);
	TEST_ASSERT(l->nr_slots < SCRIPT_MAX_SLOTS, "more than %u slots in a scenario",
		    SCRIPT_MAX_SLOTS);
	l->slot[l->nr_slots] = id;
	l->npages[l->nr_slots] = npages;
	l->gva[l->nr_slots] = 0;
	l->nr_slots++;
	ring_record_slot(&ctx->rec, RING_SLOT_ADD, id, npages, flags);
}

void scenario_slot_set_flags(struct ring_ctx *ctx, u16 id, u32 flags)
{
	int ret = ctx->t->slot_set_flags(ctx->t, id, flags);

	TEST_ASSERT(!ret, "%s: setting flags %#x on slot %u failed: %d", ctx->t->name, flags, id,
		    ret);
	ring_record_slot(&ctx->rec, RING_SLOT_FLAGS, id, 0, flags);
}

void scenario_slot_delete(struct ring_ctx *ctx, u16 id)
{
	struct script_layout *l = &ctx->layout;
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

void scenario_load(struct ring_ctx *ctx, u32 vcpu)
{
	struct write_script *s = &ctx->script[vcpu];

	script_add_end(s);
	ctx->check.script[vcpu] = s->ops;
	ctx->t->load(ctx->t, vcpu, s->ops, &ctx->layout);
}

static void record_exit(struct ring_ctx *ctx, u32 vcpu, enum ring_exit exit,
			const struct ring_progress *progress)
{
	u32 occupancy = dirty_ring_occupancy(ctx->t->ring(ctx->t, vcpu));

	ring_record_exit(&ctx->rec, vcpu, exit, progress, occupancy);
}

enum ring_exit scenario_run(struct ring_ctx *ctx, u32 vcpu)
{
	enum ring_exit exit;

	ring_record_run(&ctx->rec, vcpu);
	exit = ctx->t->run(ctx->t, vcpu, &ctx->progress[vcpu]);
	record_exit(ctx, vcpu, exit, &ctx->progress[vcpu]);
	return exit;
}

struct harvest_rec {
	struct ring_ctx *ctx;
	u32 vcpu;
};

static void record_entry(void *opaque, const struct dirty_entry *e)
{
	struct harvest_rec *h = opaque;

	ring_record_entry(&h->ctx->rec, h->vcpu, e);
	if (h->ctx->bitmaps.nr_slots)
		dirty_bitmap_set_entry(&h->ctx->bitmaps, e);
}

static u32 harvest(struct ring_ctx *ctx, u32 vcpu, u32 max)
{
	struct harvest_rec h = { .ctx = ctx, .vcpu = vcpu };

	return ctx->walk(ctx->t->ring(ctx->t, vcpu), max, record_entry, &h);
}

u32 scenario_harvest(struct ring_ctx *ctx, u32 vcpu, u32 max)
{
	u32 n = harvest(ctx, vcpu, max);

	if (n < max)
		ring_record_drained(&ctx->rec, vcpu);
	return n;
}

u32 scenario_harvest_all(struct ring_ctx *ctx, u32 vcpu)
{
	u32 size = ctx->t->ring_size, n, total = 0, rounds;

	/* A ring never holds more than size entries: two rounds end it. */
	for (rounds = 0; rounds < 2; rounds++) {
		n = scenario_harvest(ctx, vcpu, size);
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

u32 scenario_reset(struct ring_ctx *ctx)
{
	u32 count = ctx->t->reset(ctx->t), stale = 0, v;

	for (v = 0; v < ctx->t->nr_vcpus; v++)
		stale += stale_entries(ctx, v);
	ring_record_reset(&ctx->rec, count, stale);
	return count;
}

u32 scenario_collect(struct ring_ctx *ctx)
{
	u32 v;

	for (v = 0; v < ctx->t->nr_vcpus; v++)
		scenario_harvest_all(ctx, v);
	return scenario_reset(ctx);
}

void scenario_bitmap_add_slot(struct ring_ctx *ctx, u16 id, u64 npages)
{
	dirty_bitmap_set_add_slot(&ctx->bitmaps, DIRTY_RING_SLOT(0, id), npages);
}

void scenario_bitmap_take(struct ring_ctx *ctx)
{
	struct dirty_bitmap_set *set = &ctx->bitmaps;
	u32 i;

	for (i = 0; i < set->nr_slots; i++)
		ring_record_bitmap(&ctx->rec, set->slots[i].slot, set->slots[i].npages,
				   set->slots[i].bitmap, set->harvested);
}

void scenario_bitmap_clear(struct ring_ctx *ctx)
{
	ctx->bitmap_clear(&ctx->bitmaps);
	ring_record_bitmap_clear(&ctx->rec);
}

enum ring_exit scenario_run_to_sync(struct ring_ctx *ctx, u32 vcpu)
{
	u64 stores = ctx->progress[vcpu].stores;
	u32 stuck = 0;
	enum ring_exit exit;

	for (;;) {
		exit = scenario_run(ctx, vcpu);
		if (exit != RING_EXIT_FULL)
			return exit;
		stuck = ctx->progress[vcpu].stores == stores ? stuck + 1 : 0;
		if (stuck > SCENARIO_FULL_NO_PROGRESS_MAX)
			return exit;
		stores = ctx->progress[vcpu].stores;
		scenario_collect(ctx);
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

enum ring_exit scenario_run_reaped(struct ring_ctx *ctx, u32 vcpu)
{
	struct reaped_run r = { .ctx = ctx, .vcpu = vcpu };
	pthread_t thread;
	int ret;

	ring_record_run(&ctx->rec, vcpu);
	ctx->t->reaped = true;
	ret = pthread_create(&thread, NULL, reaped_vcpu, &r);
	TEST_ASSERT(!ret, "pthread_create: %d", ret);
	while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE))
		ctx->reaped += harvest(ctx, vcpu, ctx->t->ring_size);
	pthread_join(thread, NULL);
	ctx->t->reaped = false;
	ctx->progress[vcpu] = r.progress;
	record_exit(ctx, vcpu, r.exit, &r.progress);
	return r.exit;
}

void scenario_unmet(struct ring_ctx *ctx, const char *why)
{
	ctx->unmet = why;
}

bool scenario_end(struct ring_ctx *ctx)
{
	struct ring_check_config *cfg = &ctx->check;
	struct ring_target *t = ctx->t;
	u32 v;

	scenario_collect(ctx);
	cfg->ring_size = t->ring_size;
	cfg->reserve_min = t->reserve_min;
	cfg->reserve_max = t->reserve_max;
	cfg->batch = t->batch;
	cfg->store_dups = t->store_dups;
	cfg->reversed_flush = t->reversed_flush;
	cfg->nr_vcpus = t->nr_vcpus;
	for (v = 0; v < t->nr_vcpus; v++)
		TEST_ASSERT(cfg->script[v], "scenario did not load a script into vCPU %u", v);
	ring_check(cfg, &ctx->rec, &ctx->verdict);
	t->destroy(t);
	ctx->t = NULL;
	return ctx->verdict.ok;
}

int ring_scenario_run(const struct ring_scenario *s, struct ring_target_factory *factory,
		      const struct ring_harvester *h, u32 ring_size, struct ring_verdict *verdict)
{
	struct ring_ctx *ctx = calloc(1, sizeof(*ctx));
	int code = KSFT_SKIP;
	u32 v;

	TEST_ASSERT(ctx, "out of memory");
	ctx->factory = factory;
	ctx->walk = h && h->walk ? h->walk : dirty_ring_walk_indirect;
	ctx->bitmap_clear = h && h->bitmap_clear ? h->bitmap_clear : dirty_bitmap_set_clear;
	ctx->ring_size = ring_size;
	ring_record_init(&ctx->rec);

	s->run(ctx);
	memset(verdict, 0, sizeof(*verdict));
	if (ctx->skipped) {
		snprintf(verdict->msg, sizeof(verdict->msg), "%s", factory->why);
	} else {
		code = scenario_end(ctx) ? KSFT_PASS : KSFT_FAIL;
		*verdict = ctx->verdict;
		if (code == KSFT_PASS && ctx->unmet) {
			code = KSFT_SKIP;
			snprintf(verdict->msg, sizeof(verdict->msg), "%s", ctx->unmet);
		}
	}
	for (v = 0; v < RING_MAX_VCPUS; v++)
		write_script_free(&ctx->script[v]);
	dirty_bitmap_set_free(&ctx->bitmaps);
	ring_record_free(&ctx->rec);
	free(ctx);
	return code;
}

unsigned int ring_scenario_cpu_limit_s;

struct forked_run {
	const struct ring_scenario *s;
	struct ring_target_factory *factory;
	const struct ring_harvester *h;
	u32 ring_size;
	struct ring_verdict *shared;	/* MAP_SHARED: the child's verdict */
};

static void forked_child(void *arg)
{
	struct forked_run *r = arg;
	struct rlimit cpu = { ring_scenario_cpu_limit_s, ring_scenario_cpu_limit_s + 1 };
	int code;

	if (ring_scenario_cpu_limit_s)
		TEST_ASSERT(!setrlimit(RLIMIT_CPU, &cpu), "setrlimit(RLIMIT_CPU)");
	code = ring_scenario_run(r->s, r->factory, r->h, r->ring_size, r->shared);

	exit(code);
}

int ring_scenario_run_forked(const struct ring_scenario *s, struct ring_target_factory *factory,
			     const struct ring_harvester *h, u32 ring_size, unsigned int timeout_ms,
			     struct ring_verdict *verdict)
{
	struct forked_run r = { .s = s, .factory = factory, .h = h, .ring_size = ring_size };
	struct ksft_case_status st;

	r.shared = mmap(NULL, sizeof(*r.shared), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(r.shared != MAP_FAILED, "mmap of a shared verdict");
	memset(r.shared, 0, sizeof(*r.shared));
	r.shared->ok = true;

	ksft_run_forked_ms(forked_child, &r, timeout_ms, &st);
	*verdict = *r.shared;
	munmap(r.shared, sizeof(*r.shared));
	if (st.code == KSFT_FAIL && verdict->ok) {
		verdict->ok = false;
		if (st.not_run)
			snprintf(verdict->msg, sizeof(verdict->msg),
				 "not run: the program deadline of %u s had passed",
				 ksft_deadline_s);
		else if (st.deadline)
			snprintf(verdict->msg, sizeof(verdict->msg),
				 RING_HANG_MSG "still running at the program deadline of %u s",
				 ksft_deadline_s);
		else if (st.timed_out)
			snprintf(verdict->msg, sizeof(verdict->msg),
				 RING_HANG_MSG "still running after %u ms, killed by the watchdog",
				 timeout_ms);
		else if (st.signal == SIGXCPU ||
			 (st.signal == SIGKILL && ring_scenario_cpu_limit_s))
			snprintf(verdict->msg, sizeof(verdict->msg),
				 RING_HANG_MSG "used %u s of CPU, killed by the CPU watchdog",
				 ring_scenario_cpu_limit_s);
		else if (st.signal)
			snprintf(verdict->msg, sizeof(verdict->msg), "crashed: signal %d (%s)",
				 st.signal, strsignal(st.signal));
		else
			snprintf(verdict->msg, sizeof(verdict->msg),
				 "ended with exit code %d before a verdict", st.exit_status);
	}
	return st.code;
}
