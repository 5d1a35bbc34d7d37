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
	struct ws_layout layout;
	struct ws_script script[RING_MAX_VCPUS];
	u32 reset_from[RING_MAX_VCPUS];	/* fetch index at the last reset */
	struct ring_progress progress[RING_MAX_VCPUS];	/* at the last exit */
	u64 reaped;			/* entries rs_run_reaped() took during runs */
	bool skipped;
	const char *unmet;		/* the scenario's precondition did not happen */
	struct ring_verdict verdict;
};

/* How often a vCPU may exit full without progress before a run gives up. */
#define RS_FULL_NO_PROGRESS_MAX	4

/* Create the target; false (and ctx->skipped) if the target cannot. */
bool rs_begin(struct ring_ctx *ctx, u32 nr_vcpus, u32 ring_size);
void rs_slot_add(struct ring_ctx *ctx, u16 id, u64 npages, u32 flags);
void rs_slot_set_flags(struct ring_ctx *ctx, u16 id, u32 flags);
void rs_slot_delete(struct ring_ctx *ctx, u16 id);
/* Load ctx->script[vcpu] (ended with WS_END here) into the vCPU. */
void rs_load(struct ring_ctx *ctx, u32 vcpu);
enum ring_exit rs_run(struct ring_ctx *ctx, u32 vcpu);
/* Run with a thread while this one harvests the vCPU's ring. */
enum ring_exit rs_run_reaped(struct ring_ctx *ctx, u32 vcpu);
/* Harvest at most max entries; returns how many. */
u32 rs_harvest(struct ring_ctx *ctx, u32 vcpu, u32 max);
u32 rs_harvest_all(struct ring_ctx *ctx, u32 vcpu);
u32 rs_reset(struct ring_ctx *ctx);
/* Harvest every ring, then reset. */
u32 rs_collect(struct ring_ctx *ctx);
/* Collect the entries of slot id (npages pages) into the bitmap set too. */
void rs_bitmap_add_slot(struct ring_ctx *ctx, u16 id, u64 npages);
/* Record every slot's bitmap as it is; clear the set. */
void rs_bitmap_take(struct ring_ctx *ctx);
void rs_bitmap_clear(struct ring_ctx *ctx);
/* Run until a sync or the end, collecting at each full exit. */
enum ring_exit rs_run_to_sync(struct ring_ctx *ctx, u32 vcpu);
/*
 * The scenario's precondition did not happen (why, one line): a run that the
 * checker passes is then a SKIP with that reason, never a pass.
 */
void rs_unmet(struct ring_ctx *ctx, const char *why);
/* Collect, judge, destroy the target; returns ctx->verdict.ok. */
bool rs_end(struct ring_ctx *ctx);

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
	RS_FIRST_WRITE_ORDER,
	RS_REWRITE_AFTER_RESET,
	RS_REWRITE_BEFORE_RESET,
	RS_PARTIAL_HARVEST,
	RS_FULL_CYCLES,
	RS_FULL_NO_PROGRESS,
	RS_FULL_TIGHT,
	RS_FULL_PADDED,
	RS_FULL_RANDOM,
	RS_SLOT_IDS_OFFSETS,
	RS_LOG_DIRTY_FLAG,
	RS_DELETE_UNHARVESTED,
	RS_DELETE_HARVESTED,
	RS_VCPUS_LOCKSTEP,
	RS_REAPER_CONCURRENT,
	RS_WRAP_POSITIONS,
	RS_FULL_EXIT_POINT,
	RS_RELOG_LAST_PAGE,
	RS_RESET_EMPTY_RINGS,
	RS_VCPUS_OVER_SOFT_LIMIT,
	RS_FULL_PARTIAL_HARVEST,
	RS_BATCH_PHASES,
	RS_BITMAP_SET_CLEAR,
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
