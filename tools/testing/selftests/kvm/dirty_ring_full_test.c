// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_ring_full_test: KVM_EXIT_DIRTY_RING_FULL.
 *
 * Shared scenarios (ring_scenario.h) on real KVM, judged by the one checker
 * that also judges the model and its mutants:
 *   - full_tight, full_padded, full_random: several rings' worth of stores
 *     to new pages, in a tight loop, with idle work between stores, and in
 *     a random page order, for rings from the smallest KVM accepts to 16384
 *     entries (the largest with the tight loop only: every case runs with
 *     both ring caps, and the default run stays short; -r 65536 for KVM's
 *     largest);
 *   - full_cycles: many full cycles then a rewrite of the same pages;
 *   - full_no_progress: a full vCPU stays full, even storing to pages that
 *     are already writable, until the reset;
 *   - full_exit_point at 8192 and 16384 entries: on large rings too the
 *     full exit comes after exactly size - reserve entries (the reserve as
 *     the ring target derives it from the smallest ring KVM accepts); at
 *     65536 full_tight_r65536 is held to the same exact point, every exit;
 *   - full_partial_harvest: at a full exit part of the ring is harvested
 *     and reset, the vCPU runs on and is full again at the soft limit;
 *   - batch_phases: the full exit reached from every phase of the host's
 *     batch (one entry here: KVM checks the soft limit after each push, a
 *     PML flush is inside its larger reserve).
 * At every full exit the checker requires that the ring holds at least its
 * soft limit (size minus at most the largest known reserve, 64 + 512 with
 * Intel PML) and never more than size minus the smallest reserve (64); that
 * KVM_RUN again without a reset exits full at once with no guest progress;
 * that every page comes back in store order with its slot and offset (the
 * store that hit the soft limit may be reported once more after the reset,
 * as documented); and that each reset counts what was harvested.
 *
 * A full exit with the ring completely used is reported as "RING OVERFLOW"
 * (KVM ran out of the entries it reserves so that it never overwrites), one
 * between the soft limit and that as "SOFT LIMIT OVERSHOOT".  kvm_pvm's CPL0
 * emulation checks the soft limit only every 1024 instructions, so its CPL0
 * cases fail that way (known-issues.txt); the guest interpreter keeps stores
 * to a few instructions each so that this happens on every run.
 *
 * Where a case's code is: its stores are a write script built by the
 * function of the case's name in ring/ring_scenarios.c (full_tight() for
 * full_tight), which guest_script_main() (lib/guest_script.c) runs in the
 * guest; the host side is lib/kvm_ring_target.c; the rules are ring/ring_check.c's
 * judge_entry(), judge_exit() and judge_reset(), and a failure names the
 * rule and the event of the record it broke.
 */
#include <unistd.h>

#include "dirty_ring.h"
#include "kvm_ring_target.h"

#define MAX_RING_SIZES		8
/* From this size on: the tight loop only; and the largest size by default. */
#define LARGE_RING_ENTRIES	16384

static const enum ring_scenario_id scenarios[] = {
	SCENARIO_FULL_CYCLES, SCENARIO_FULL_NO_PROGRESS, SCENARIO_FULL_PARTIAL_HARVEST,
	SCENARIO_BATCH_PHASES,
};

static const enum ring_scenario_id densities[] = {
	SCENARIO_FULL_TIGHT, SCENARIO_FULL_PADDED, SCENARIO_FULL_RANDOM,
};

static const enum ring_scenario_id exit_point[] = { SCENARIO_FULL_EXIT_POINT };

/*
 * Large rings whose exit point is checked (65536: full_tight's); a host
 * that has no such ring skips.
 */
static const u32 exit_point_sizes[] = { 8192, 16384 };

#define MAX_CASES	(ARRAY_SIZE(scenarios) + MAX_RING_SIZES * ARRAY_SIZE(densities) + \
			 ARRAY_SIZE(exit_point_sizes))

static void help(const char *prog)
{
	printf("usage: %s [-g cpl0|cpl3|all] [-r entries]...\n"
	       "Fills dirty rings with guest stores and checks every KVM_EXIT_DIRTY_RING_FULL.\n"
	       TEST_COMMON_USAGE
	       "  -r N      ring size in entries, a power of two KVM accepts (repeatable;\n"
	       "            default: the smallest the host accepts, 4096 and %d)\n",
	       prog, LARGE_RING_ENTRIES);
}

int main(int argc, char *argv[])
{
	static struct kvm_scenario_arg args[MAX_CASES];
	static struct test_case cases[MAX_CASES];
	unsigned int cpl_mask = GUEST_CPL_ALL, nr_sizes = 0, n, i;
	u32 sizes[MAX_RING_SIZES];
	u64 min_entries, max_entries;
	int opt;

	while ((opt = test_getopt(argc, argv, TEST_COMMON_OPTS "r:", NULL,
				  &cpl_mask, help)) != -1) {
		if (nr_sizes == MAX_RING_SIZES)
			test_usage_error(argv[0], help, "at most %d ring sizes", MAX_RING_SIZES);
		sizes[nr_sizes++] = dirty_ring_entries_arg(optarg, "-r");
	}

	kvm_require_dirty_ring(0);
	min_entries = kvm_dirty_ring_min_bytes(dirty_ring_cap_acq_rel()) / DIRTY_GFN_SIZE;
	max_entries = kvm_dirty_ring_max_bytes(dirty_ring_cap_acq_rel()) / DIRTY_GFN_SIZE;
	for (i = 0; i < nr_sizes; i++)
		dirty_ring_entries_option(sizes[i], "-r");
	if (!nr_sizes) {
		sizes[nr_sizes++] = min_entries;
		if (min_entries < 4096 && max_entries >= 4096)
			sizes[nr_sizes++] = 4096;
		if (max_entries > 4096)
			sizes[nr_sizes++] = max_entries < LARGE_RING_ENTRIES ? max_entries :
					    LARGE_RING_ENTRIES;
	}

	n = kvm_scenario_cases(scenarios, ARRAY_SIZE(scenarios), 0, args, cases);
	for (i = 0; i < nr_sizes; i++)
		n += kvm_scenario_cases(densities,
					sizes[i] >= LARGE_RING_ENTRIES ? 1 : ARRAY_SIZE(densities),
					sizes[i], args + n, cases + n);
	for (i = 0; i < ARRAY_SIZE(exit_point_sizes); i++)
		n += kvm_scenario_cases(exit_point, 1, exit_point_sizes[i], args + n, cases + n);
	run_test_cases(cases, n, cpl_mask, TEST_CASE_TIMEOUT_S);
}
