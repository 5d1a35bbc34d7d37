// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every scenario against the clean userspace model of the dirty ring.
 *
 * The model is the reference the mutation matrix and the KVM suite lean on:
 * if a scenario fails on the clean model, either the model or the checker
 * is wrong, and every verdict built on them is worthless.  Each scenario
 * runs on the model with hardware-write semantics (a page logs once per
 * reset cycle), without the replay of the store that hit the soft limit,
 * with emulated writes (every store logs); the scenarios with full exits
 * also in batch mode (pushes between soft-full checks, as Intel PML logs up
 * to 512 entries between VM exits) up to the largest batch that still fits
 * the ring; then
 * full_cycles and wrap_positions over ring sizes from 64 to 65536 entries
 * and the exact full-exit point at 8192 to 65536.
 *
 * The checker must also reject what a batch target may not do: a model
 * that pushes one entry more per batch than it tells the checker, and one
 * whose batch overflows the ring.  The whole run has a deadline below the
 * runner's timeout.
 */
#include "ring_model.h"
#include "ring_scenario.h"

#define CASE_TIMEOUT_S		20
#define RUNNER_TIMEOUT_S	120	/* kvm/settings */
#define MODEL_RESERVE		64	/* KVM_DIRTY_RING_RSVD_ENTRIES */

struct model_variant {
	const char *name;
	struct ring_model_target_config cfg;
};

static struct model_variant variants[] = {
	{ "hw", { .reserve = MODEL_RESERVE, .replay_full_store = true } },
	{ "hw-noreplay", { .reserve = MODEL_RESERVE } },
	{ "emulated", { .reserve = MODEL_RESERVE, .emulated = true, .replay_full_store = true } },
};

/* Batch mode, on the scenarios with full exits: nothing else sees a batch. */
static struct model_variant batch_variants[] = {
	{ "batch16", { .reserve = MODEL_RESERVE, .replay_full_store = true, .batch = 16 } },
	/* The largest batches: the full exit ends one short of, and at, the ring size. */
	{ "batch64",
	  { .reserve = MODEL_RESERVE, .replay_full_store = true, .batch = MODEL_RESERVE } },
	{ "batch65-noreplay", { .reserve = MODEL_RESERVE, .batch = MODEL_RESERVE + 1 } },
};

static const enum ring_scenario_id full_scenarios[] = {
	SCENARIO_FULL_CYCLES, SCENARIO_FULL_NO_PROGRESS, SCENARIO_FULL_TIGHT,
	SCENARIO_FULL_PADDED, SCENARIO_FULL_RANDOM, SCENARIO_FULL_EXIT_POINT,
	SCENARIO_FULL_PARTIAL_HARVEST, SCENARIO_BATCH_PHASES,
};

/* What the checker must reject, on the scenario that owns the rule. */
static struct model_variant rejected[] = {
	{ "batch16 claimed as 15", { .reserve = MODEL_RESERVE, .replay_full_store = true,
				     .batch = 16, .claimed_batch = 15 } },
	{ "batch66 overflows the ring", { .reserve = MODEL_RESERVE, .replay_full_store = true,
					  .batch = MODEL_RESERVE + 2 } },
};

static const enum ring_scenario_id sized_scenarios[] = {
	SCENARIO_FULL_CYCLES, SCENARIO_WRAP_POSITIONS,
};

#define MIN_RING_SHIFT	6
#define MAX_RING_SHIFT	16
#define EXIT_POINT_MIN_SHIFT	13

static void run_case(const struct ring_scenario *s, struct model_variant *mv, u32 ring_size)
{
	struct ring_target_factory f;
	struct ring_verdict v;
	char name[128];
	int code;

	ring_model_factory_init(&f, &mv->cfg);
	code = ring_scenario_run_forked(s, &f, NULL, ring_size, CASE_TIMEOUT_S * 1000, &v);
	if (ring_size)
		snprintf(name, sizeof(name), "%s %s ring %u", mv->name, s->name, ring_size);
	else
		snprintf(name, sizeof(name), "%s %s", mv->name, s->name);
	if (code == KSFT_PASS)
		ksft_print_msg("%s: %lu entries, %lu full exits, %lu resets, %lu duplicates, %lu replays\n",
			       name, v.entries, v.full_exits, v.resets, v.dups, v.replays);
	ksft_test_result_code(code, name, code == KSFT_PASS ? NULL : "%s", v.msg);
}

/*
 * A run the checker must fail (not a crash or a hang): for the overshoot,
 * or, once the ring overflowed, for the entries overwritten.
 */
static void run_rejected(const struct ring_scenario *s, struct model_variant *mv)
{
	struct ring_target_factory f;
	struct ring_verdict v;
	bool rejected;
	int code;

	ring_model_factory_init(&f, &mv->cfg);
	code = ring_scenario_run_forked(s, &f, NULL, 0, CASE_TIMEOUT_S * 1000, &v);
	rejected = code == KSFT_FAIL && strncmp(v.msg, RING_HANG_MSG, strlen(RING_HANG_MSG)) &&
		   !strstr(v.msg, "crashed: ");
	if (rejected)
		ksft_print_msg("%s: %s\n", mv->name, v.msg);
	ksft_test_result(rejected, "%s %s rejected%s%s\n", mv->name, s->name,
			 rejected ? "" : ": the checker gave ",
			 rejected ? "" : code == KSFT_PASS ? "a pass" : v.msg);
}

int main(void)
{
	u32 i, j, shift;

	ksft_print_header();
	ksft_set_deadline(ksft_deadline_below(ksft_runner_timeout(RUNNER_TIMEOUT_S)), "model_test");
	ksft_set_plan(ARRAY_SIZE(variants) * NR_RING_SCENARIOS +
		      ARRAY_SIZE(batch_variants) * ARRAY_SIZE(full_scenarios) +
		      ARRAY_SIZE(sized_scenarios) * (MAX_RING_SHIFT - MIN_RING_SHIFT + 1) +
		      (MAX_RING_SHIFT - EXIT_POINT_MIN_SHIFT + 1) + ARRAY_SIZE(rejected));
	for (i = 0; i < ARRAY_SIZE(variants); i++)
		for (j = 0; j < NR_RING_SCENARIOS; j++)
			run_case(&ring_scenarios[j], &variants[i], 0);
	for (i = 0; i < ARRAY_SIZE(batch_variants); i++)
		for (j = 0; j < ARRAY_SIZE(full_scenarios); j++)
			run_case(&ring_scenarios[full_scenarios[j]], &batch_variants[i], 0);
	for (j = 0; j < ARRAY_SIZE(sized_scenarios); j++)
		for (shift = MIN_RING_SHIFT; shift <= MAX_RING_SHIFT; shift++)
			run_case(&ring_scenarios[sized_scenarios[j]], &variants[0], 1u << shift);
	for (shift = EXIT_POINT_MIN_SHIFT; shift <= MAX_RING_SHIFT; shift++)
		run_case(&ring_scenarios[SCENARIO_FULL_EXIT_POINT], &variants[0], 1u << shift);
	for (i = 0; i < ARRAY_SIZE(rejected); i++)
		run_rejected(&ring_scenarios[SCENARIO_BATCH_PHASES], &rejected[i]);
	ksft_finished();
}
