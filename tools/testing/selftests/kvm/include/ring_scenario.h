/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Dirty-ring scenarios, written once against an abstract target.
 *
 * A scenario builds write scripts (write_script.h), drives vCPUs through a
 * struct ring_target, harvests with the library walk and is judged by the
 * one checker (ring_check.h).  The userspace model (ring_model.h) is the
 * first target; a real-KVM target with a guest interpreter plugs in the
 * same way, without touching the scenarios.
 *
 * THE TARGET CONTRACT
 *
 * A target factory creates a fresh target (a VM with nr_vcpus vCPUs, each
 * with a dirty ring of ring_size entries, and no memslots) per scenario run:
 *
 *	struct ring_target *t = factory->create(factory, &params);
 *
 * create() returns NULL when the target cannot provide what is asked (ring
 * size out of range, too many vCPUs...); the scenario then skips, with
 * factory->why naming the reason.  The created target fills in:
 *
 *  name            for messages ("model", "kvm cpl3"...)
 *  nr_vcpus, ring_size   as asked
 *  reserve_min, reserve_max   bounds of size - soft limit that the target
 *                  may use (model: its reserve twice; KVM: 64 and 64 + 512,
 *                  Intel PML may take the larger)
 *  store_dups      true when stores can log more than once per page per
 *                  reset cycle (writes emulated by KVM: CPL0 on kvm_pvm)
 *  max_slot_id     the highest memslot id a scenario may use
 *
 * and implements these ops (t is always the target itself):
 *
 *  slot_add(t, id, npages, flags)   KVM_SET_USER_MEMORY_REGION creating
 *                  slot id (address space 0) of npages 4 KiB pages with
 *                  flags (KVM_MEM_LOG_DIRTY_PAGES...); returns 0 or -errno
 *  slot_set_flags(t, id, flags)     change the flags of a slot
 *  slot_delete(t, id)               delete a slot
 *  load(t, vcpu, script, layout)    give vCPU `vcpu` the script (it stays
 *                  valid until destroy) and restart it at op 0; layout lists
 *                  the slots added so far (gva left for the target to use)
 *  run(t, vcpu, &progress)          KVM_RUN until the script reaches a
 *                  WS_SYNC (RING_EXIT_SYNC), WS_END (RING_EXIT_DONE), or
 *                  KVM exits KVM_EXIT_DIRTY_RING_FULL (RING_EXIT_FULL);
 *                  anything else is RING_EXIT_ERROR, explained by the target
 *                  on stderr.  progress = stores the guest has retired since
 *                  the script started (a store counted after it retires) and
 *                  the next op.  run() may be called from a thread while the
 *                  caller harvests that vCPU's ring
 *  ring(t, vcpu)   the consumer view of the vCPU's mapped ring (fetch
 *                  owned by the caller: only the scenario driver moves it)
 *  reset(t)        KVM_RESET_DIRTY_RINGS; returns the count
 *  destroy(t)      free everything
 *
 * Slot changes, load() and reset() are only called while no vCPU runs.
 */
#ifndef SELFTEST_KVM_RING_SCENARIO_H
#define SELFTEST_KVM_RING_SCENARIO_H

#include "ring_check.h"
#include "ring_mutants.h"

struct ring_target_params {
	u32 nr_vcpus;
	u32 ring_size;		/* entries */
};

struct ring_target {
	const char *name;
	u32 nr_vcpus;
	u32 ring_size;
	u32 reserve_min;
	u32 reserve_max;
	bool store_dups;
	u16 max_slot_id;

	int (*slot_add)(struct ring_target *t, u16 id, u64 npages, u32 flags);
	int (*slot_set_flags)(struct ring_target *t, u16 id, u32 flags);
	int (*slot_delete)(struct ring_target *t, u16 id);
	void (*load)(struct ring_target *t, u32 vcpu, const struct ws_op *script,
		     const struct ws_layout *layout);
	enum ring_exit (*run)(struct ring_target *t, u32 vcpu, struct ring_progress *progress);
	struct dirty_ring *(*ring)(struct ring_target *t, u32 vcpu);
	u32 (*reset)(struct ring_target *t);
	void (*destroy)(struct ring_target *t);

	void *priv;		/* the target's own state */
};

struct ring_target_factory {
	const char *name;
	struct ring_target *(*create)(struct ring_target_factory *f,
				      const struct ring_target_params *params);
	char why[128];		/* why create() returned NULL */
	void *opaque;		/* the factory's configuration */
};

/* The model as a target. */
struct ring_model_target_config {
	u32 reserve;		/* capped at ring_size / 2 for small rings */
	bool emulated;
	bool replay_full_store;
	enum ring_mutant_id mutant;
};

void ring_model_factory_init(struct ring_target_factory *f, struct ring_model_target_config *cfg);

/* A growable write script. */
struct ws_script {
	struct ws_op *ops;
	u32 nr;
	u64 cap;
};

void ws_add_write(struct ws_script *s, u16 slot, u64 page, u32 count, u32 pad);
void ws_add_sync(struct ws_script *s);
void ws_add_end(struct ws_script *s);
void ws_script_free(struct ws_script *s);

/*
 * The scenario driver: every call goes to the target and into the record.
 * Harvesting uses ctx->walk, which is dirty_ring_walk() unless a harvester
 * mutant is being tested.
 */
struct ring_ctx {
	struct ring_target_factory *factory;
	dirty_walk_fn walk;
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

extern const struct ring_scenario ring_scenarios[];
extern const u32 nr_ring_scenarios;

/*
 * Run one scenario on a target created by factory, harvesting with walk
 * (NULL: dirty_ring_walk) and a ring size (0: the scenario's).  Returns
 * KSFT_PASS, KSFT_FAIL (verdict->msg says why) or KSFT_SKIP.
 */
int ring_scenario_run(const struct ring_scenario *s, struct ring_target_factory *factory,
		      dirty_walk_fn walk, u32 ring_size, struct ring_verdict *verdict);

/*
 * The same in a forked child under a watchdog (ksft_run_forked()): a crash,
 * a failed assertion or a hang fails the run, and verdict->msg says which.
 */
int ring_scenario_run_forked(const struct ring_scenario *s, struct ring_target_factory *factory,
			     dirty_walk_fn walk, u32 ring_size, unsigned int timeout_s,
			     struct ring_verdict *verdict);

#endif /* SELFTEST_KVM_RING_SCENARIO_H */
