// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shared scenarios as KVM selftest cases (kvm_scenarios.h).
 */
#include "kvm_ring_target.h"
#include "kvm_scenarios.h"

static void run_scenario_case(enum guest_priv priv, const void *arg)
{
	const struct kvm_scenario_arg *a = arg;
	const struct ring_scenario *s = a->s;
	struct kvm_ring_target_config cfg = { .priv = priv };
	struct ring_target_factory factory;
	struct ring_verdict verdict;
	int code;

	kvm_ring_factory_init(&factory, &cfg);
	code = ring_scenario_run(s, &factory, NULL, a->ring_size, &verdict);
	if (code == KSFT_SKIP)
		test_skip("%s", verdict.msg);
	TEST_ASSERT(code == KSFT_PASS, "%s (%s): %s", s->name, s->what, verdict.msg);
	ksft_print_msg("[%s] %lu entries, %lu full exits, %lu resets, %lu emulated-write duplicates, %lu early, %lu replayed\n",
		       test_context(), verdict.entries, verdict.full_exits, verdict.resets,
		       verdict.dups, verdict.early, verdict.replays);
}

static const struct ring_scenario *find_scenario(const char *name)
{
	u32 i;

	for (i = 0; i < nr_ring_scenarios; i++)
		if (!strcmp(ring_scenarios[i].name, name))
			return &ring_scenarios[i];
	TEST_FAIL("no shared scenario named %s", name);
}

unsigned int kvm_scenario_cases(const char *const *names, unsigned int nr_names, u32 ring_size,
				struct kvm_scenario_arg *args, struct test_case *cases)
{
	unsigned int i;

	for (i = 0; i < nr_names; i++) {
		struct kvm_scenario_arg *a = &args[i];

		a->s = find_scenario(names[i]);
		a->ring_size = ring_size;
		if (ring_size)
			snprintf(a->name, sizeof(a->name), "%s_r%u", a->s->name, ring_size);
		else
			snprintf(a->name, sizeof(a->name), "%s", a->s->name);
		cases[i] = (struct test_case) {
			.name = a->name,
			.run = run_scenario_case,
			.arg = a,
			.guest = true,
		};
	}
	return nr_names;
}
