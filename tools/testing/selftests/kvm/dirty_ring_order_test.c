// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_ring_order_test: push, harvest and reset ordering.
 *
 * The shared scenarios (ring_scenario.h) on real KVM, judged by the one
 * checker (ring_check.h) that also judges the model and its mutants:
 *   - entries appear in first-write order with the right slot and offset,
 *     across two slots, with scattered and padded stores;
 *   - a page rewritten before its reset is not reported again (CPL3; at CPL0
 *     emulated writes may log every store: counted), one rewritten after it is;
 *   - pages harvested but not reset and written again log nothing until
 *     the reset, and are reported again when written after it: not lost;
 *   - a reset after a partial harvest resets exactly the harvested prefix and
 *     stops at the first entry not harvested; flags go DIRTY -> RESET -> 0;
 *   - syncs and harvests at every ring position, wrapping the ring many times;
 *   - entries collected into per-slot bitmaps, the set cleared after each
 *     round: each round's bitmaps hold exactly that round's pages.
 *
 * Where a case's code is: its stores are a write script built by the
 * function of the case's name in ring/ring_scenarios.c (first_write_order()
 * for first_write_order), which guest_script_main() (lib/guest_script.c)
 * runs in the guest; the host side is lib/kvm_ring_target.c; the rules are
 * ring/ring_check.c's judge_entry(), judge_exit() and judge_reset(), and a
 * failure names the rule and the event of the record it broke.
 */
#include "kvm_ring_target.h"

static const enum ring_scenario_id scenarios[] = {
	SCENARIO_FIRST_WRITE_ORDER,
	SCENARIO_REWRITE_AFTER_RESET,
	SCENARIO_REWRITE_BEFORE_RESET,
	SCENARIO_PARTIAL_HARVEST,
	SCENARIO_WRAP_POSITIONS,
	SCENARIO_BITMAP_SET_CLEAR,
};

static void help(const char *prog)
{
	printf("usage: %s [-g cpl0|cpl3|all]\n"
	       "Checks the order of dirty ring entries, partial harvests and resets.\n"
	       TEST_COMMON_USAGE, prog);
}

int main(int argc, char *argv[])
{
	unsigned int cpl_mask = test_parse_common_args(argc, argv, help);
	struct test_case cases[ARRAY_SIZE(scenarios)];
	static struct kvm_scenario_arg args[ARRAY_SIZE(scenarios)];
	unsigned int n;

	kvm_require_dirty_ring(0);
	n = kvm_scenario_cases(scenarios, ARRAY_SIZE(scenarios), 0, args, cases);
	run_test_cases(cases, n, cpl_mask, TEST_CASE_TIMEOUT_S);
}
