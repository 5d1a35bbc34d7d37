/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The mutant catalogue: realistic KVM and harvester bugs that the suite's
 * scenarios and checker must catch.
 *
 * Producer (KVM side) mutants are hooks in the userspace model
 * (ring/ring_model.c tests its mutant id at the place where the bug would
 * live).  Harvester mutants are deliberately broken copies of
 * dirty_ring_walk(), kept in ring/ring_mutants.c and used by the scenario
 * driver in place of the real walk.
 *
 * ring_mutants[] in ring/ring_mutants.c is the one table that selects them:
 * a new mutant is an id here, a row there and, for a producer bug, its hook
 * in the model.  Scenarios never name mutants.
 */
#ifndef SELFTEST_KVM_RING_MUTANTS_H
#define SELFTEST_KVM_RING_MUTANTS_H

#include "dirty_bitmap.h"

enum ring_mutant_id {
	MUT_NONE,
	/* push and soft limit */
	MUT_OVERSHOOT_BATCH,
	MUT_OVERSHOOT_SMALL,
	MUT_SOFT_LIMIT_LATE,
	MUT_SOFT_LIMIT_EARLY,
	MUT_NO_FULL_EXIT,
	MUT_FULL_NEVER_CLEARS,
	MUT_FULL_STILL_RUNS,
	MUT_FLAGS_BEFORE_DATA,
	MUT_DROP_EVERY_K,
	MUT_DUPLICATE_EVERY_K,
	MUT_PUSH_EVERY_STORE,
	MUT_SLOT_FIELDS_SWAPPED,
	MUT_SLOT_ID_TRUNCATED,
	MUT_OFFSET_ABSOLUTE,
	MUT_IGNORE_LOG_DIRTY,
	MUT_ENABLE_LOG_NO_PROTECT,
	MUT_SHARED_RING,
	MUT_SOFT_LIMIT_LATE_LARGE,
	MUT_SOFT_LIMIT_EARLY_LARGE,
	MUT_SOFT_LIMIT_VM_WIDE,
	MUT_FULL_COUNT_FROM_RESET,
	MUT_FULL_UNTIL_EMPTY,
	MUT_RELOG_LAST_PAGE_LOST,
	/* push and soft limit, batch mode (ring_mutant.batch) */
	MUT_BATCH_BEYOND,
	MUT_BATCH_STALE_CHECK,
	MUT_PML_ACROSS_FLUSH,
	/* reset */
	MUT_RESET_NO_STOP,
	MUT_RESET_COUNT_PLUS_ONE,
	MUT_RESET_NO_REPROTECT,
	MUT_RESET_WRONG_PAGE,
	MUT_RESET_DELETED_SLOT_OOPS,
	MUT_RESET_INVALID_UNCOUNTED,
	MUT_RESET_KEEPS_FLAGS,
	MUT_RESET_FIRST_RING_ONLY,
	MUT_RESET_STOPS_AT_EMPTY_RING,
	MUT_RESET_EMPTY_STALE_COUNT,
	/* harvester */
	MUT_WALK_NO_ACQUIRE,
	MUT_WALK_NO_WRAP,
	MUT_WALK_NO_STOP,
	MUT_WALK_NO_RESET_FLAG,
	MUT_WALK_SKIP_AFTER_WRAP,
	MUT_WALK_WAITS_FOR_DIRTY,
	/* harvester: the bitmap collector */
	MUT_BITMAP_CLEAR_FIRST_SLOT,
	MUT_BITMAP_CLEAR_FULL_WORDS,
	MUT_BITMAP_CLEAR_KEEPS_COUNT,
	NR_RING_MUTANTS
};

/*
 * The consumer code a scenario harvests with: the library's (NULL members)
 * or, for a harvester mutant, a broken copy.
 */
struct ring_harvester {
	dirty_walk_fn walk;				/* dirty_ring_walk() */
	void (*bitmap_clear)(struct dirty_bitmap_set *set);	/* dirty_bitmap_set_clear() */
};

struct ring_mutant {
	const char *name;
	const char *bug;	/* what the injected bug is, one line */
	struct ring_harvester harvester;	/* harvester mutants: the broken code */
	/*
	 * The model's batch mode (ring_model.h) this is a bug of: the mutant
	 * runs on a model with that batch, which the clean model passes too.
	 * 0: the model that checks the soft limit after every push.
	 */
	u32 batch;
	bool reversed;		/* ... with its flushes pushed newest first */
};

/* Indexed by enum ring_mutant_id; [MUT_NONE] is the clean model. */
extern const struct ring_mutant ring_mutants[NR_RING_MUTANTS];

/* Parameters of the mutants that have one. */
#define MUT_OVERSHOOT_BATCH_STORES	128	/* soft-full checked every N pushes */
#define MUT_OVERSHOOT_SMALL_ENTRIES	8	/* pushes past the soft limit */
#define MUT_EVERY_K			37	/* drop/duplicate one push in K */
#define MUT_LARGE_RING_ENTRIES		8192	/* *_LARGE: rings of this size and more */
#define MUT_BATCH			16	/* the batch of the batch-mode mutants */

/* What a harvester uses under a mutant: the library's code unless broken. */
const struct ring_harvester *ring_mutant_harvester(enum ring_mutant_id id);

/* Look a mutant up by name; returns -1 if there is none. */
int ring_mutant_by_name(const char *name);

#endif /* SELFTEST_KVM_RING_MUTANTS_H */
