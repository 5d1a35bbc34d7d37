/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Dirty-ring scenarios, written once against an abstract target.
 *
 * A scenario builds write scripts (write_script.h), drives vCPUs through a
 * struct ring_target, harvests with the library walk and is judged by the
 * one checker (ring_check.h).  The userspace model (ring_model.h) and real
 * KVM (lib/kvm_ring_target.c) are the targets (ring_target.h).
 */
#ifndef SELFTEST_KVM_RING_SCENARIO_H
#define SELFTEST_KVM_RING_SCENARIO_H

#include "ring_check.h"
#include "ring_mutants.h"
#include "ring_target.h"

/*
 * The scenario driver: every call goes to the target and into the record.
 * Harvesting uses ctx->walk, which is dirty_ring_walk() unless a harvester
 * mutant is being tested; once a scenario gave the bitmap set a slot, every
 * harvested entry is collected into it too (ctx->bitmap_clear clears it:
 * dirty_bitmap_set_clear() unless a mutant's).
 */
struct ring_ctx {
	struct ring_target_factory *factory;
	dirty_walk_fn walk;
	void (*bitmap_clear)(struct dirty_bitmap_set *set);
	struct dirty_bitmap_set bitmaps;
	u32 ring_size;			/* 0: the scenario's choice */
	struct ring_target *t;
	struct ring_record rec;
	struct ring_check_config check;
	struct script_layout layout;
	struct write_script script[RING_MAX_VCPUS];
	u32 reset_from[RING_MAX_VCPUS];	/* fetch index at the last reset */
	struct ring_progress progress[RING_MAX_VCPUS];	/* at the last exit */
	u64 reaped;			/* entries scenario_run_reaped() took during runs */
	bool skipped;
	const char *unmet;		/* the scenario's precondition did not happen */
	struct ring_verdict verdict;
};

/* How often a vCPU may exit full without progress before a run gives up. */
#define SCENARIO_FULL_NO_PROGRESS_MAX	4

/* Create the target; false (and ctx->skipped) if the target cannot. */
bool scenario_begin(struct ring_ctx *ctx, u32 nr_vcpus, u32 ring_size);
void scenario_slot_add(struct ring_ctx *ctx, u16 id, u64 npages, u32 flags);
void scenario_slot_set_flags(struct ring_ctx *ctx, u16 id, u32 flags);
void scenario_slot_delete(struct ring_ctx *ctx, u16 id);
/* Load ctx->script[vcpu] (ended with SCRIPT_END here) into the vCPU. */
void scenario_load(struct ring_ctx *ctx, u32 vcpu);
enum ring_exit scenario_run(struct ring_ctx *ctx, u32 vcpu);
/* Run with a thread while this one harvests the vCPU's ring. */
enum ring_exit scenario_run_reaped(struct ring_ctx *ctx, u32 vcpu);
/* Harvest at most max entries; returns how many. */
u32 scenario_harvest(struct ring_ctx *ctx, u32 vcpu, u32 max);
u32 scenario_harvest_all(struct ring_ctx *ctx, u32 vcpu);
u32 scenario_reset(struct ring_ctx *ctx);
/* Harvest every ring, then reset. */
u32 scenario_collect(struct ring_ctx *ctx);
/* Collect the entries of slot id (npages pages) into the bitmap set too. */
void scenario_bitmap_add_slot(struct ring_ctx *ctx, u16 id, u64 npages);
/* Record every slot's bitmap as it is; clear the set. */
void scenario_bitmap_take(struct ring_ctx *ctx);
void scenario_bitmap_clear(struct ring_ctx *ctx);
/* Run until a sync or the end, collecting at each full exit. */
enum ring_exit scenario_run_to_sync(struct ring_ctx *ctx, u32 vcpu);
/*
 * The scenario's precondition did not happen (why, one line): a run that the
 * checker passes is then a SKIP with that reason, never a pass.
 */
void scenario_unmet(struct ring_ctx *ctx, const char *why);
/* Collect, judge, destroy the target; returns ctx->verdict.ok. */
bool scenario_end(struct ring_ctx *ctx);

struct ring_scenario {
	const char *name;
	const char *what;	/* the property, one line */
	void (*run)(struct ring_ctx *ctx);
};

/*
 * The scenarios, by id: a test names the ones it runs with these, so that a
 * scenario that does not exist fails the build.  A new scenario is an id
 * here and a row in ring_scenarios[] (ring/ring_scenario.c).
 */
enum ring_scenario_id {
	SCENARIO_FIRST_WRITE_ORDER,
	SCENARIO_REWRITE_AFTER_RESET,
	SCENARIO_REWRITE_BEFORE_RESET,
	SCENARIO_PARTIAL_HARVEST,
	SCENARIO_FULL_CYCLES,
	SCENARIO_FULL_NO_PROGRESS,
	SCENARIO_FULL_TIGHT,
	SCENARIO_FULL_PADDED,
	SCENARIO_FULL_RANDOM,
	SCENARIO_SLOT_IDS_OFFSETS,
	SCENARIO_LOG_DIRTY_FLAG,
	SCENARIO_DELETE_UNHARVESTED,
	SCENARIO_DELETE_HARVESTED,
	SCENARIO_VCPUS_LOCKSTEP,
	SCENARIO_REAPER_CONCURRENT,
	SCENARIO_WRAP_POSITIONS,
	SCENARIO_FULL_EXIT_POINT,
	SCENARIO_RELOG_LAST_PAGE,
	SCENARIO_RESET_EMPTY_RINGS,
	SCENARIO_VCPUS_OVER_SOFT_LIMIT,
	SCENARIO_FULL_PARTIAL_HARVEST,
	SCENARIO_BATCH_PHASES,
	SCENARIO_BITMAP_SET_CLEAR,
	NR_RING_SCENARIOS
};

extern const struct ring_scenario ring_scenarios[NR_RING_SCENARIOS];

/*
 * Run one scenario on a target created by factory, harvesting with h (NULL,
 * or its NULL members: the library's code) and a ring size (0: the
 * scenario's).  Returns KSFT_PASS, KSFT_FAIL (verdict->msg says why) or
 * KSFT_SKIP.
 */
int ring_scenario_run(const struct ring_scenario *s, struct ring_target_factory *factory,
		      const struct ring_harvester *h, u32 ring_size, struct ring_verdict *verdict);

/*
 * The same in a forked child under a watchdog of timeout_ms milliseconds
 * (ksft_run_forked_ms()): a crash, a failed assertion or a hang fails the
 * run, and verdict->msg says which; a hang's starts with RING_HANG_MSG.
 */
#define RING_HANG_MSG	"HANG: "
/*
 * When not 0, a forked run that has used this many seconds of CPU is a hang
 * too (SIGXCPU): a loop that never ends is told from a slow run on a loaded
 * machine, whose CPU time does not grow with the load as its wall time does.
 */
extern unsigned int ring_scenario_cpu_limit_s;
int ring_scenario_run_forked(const struct ring_scenario *s, struct ring_target_factory *factory,
			     const struct ring_harvester *h, u32 ring_size, unsigned int timeout_ms,
			     struct ring_verdict *verdict);

#endif /* SELFTEST_KVM_RING_SCENARIO_H */
