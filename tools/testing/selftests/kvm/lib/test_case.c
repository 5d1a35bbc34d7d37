// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running the cases of a test, each in its own forked child (test_case.h).
 */
#include <unistd.h>

#include "test_case.h"

struct case_run {
	const struct test_case *tc;
	enum guest_priv priv;
};

static void case_child(void *arg)
{
	struct case_run *cr = arg;

	if (cr->tc->guest)
		test_set_context("%s %s", guest_priv_name(cr->priv), cr->tc->name);
	else
		test_set_context("%s", cr->tc->name);
	cr->tc->run(cr->priv, cr->tc->arg);
}

static void run_one(const struct test_case *tc, enum guest_priv priv, unsigned int timeout_s)
{
	struct case_run cr = { .tc = tc, .priv = priv };
	struct ksft_case_status st;
	int code = ksft_run_forked(case_child, &cr, timeout_s * test_timeout_scale(), &st);

	if (tc->guest)
		ksft_report_case(code, &st, "%s %s", guest_priv_name(priv), tc->name);
	else
		ksft_report_case(code, &st, "%s", tc->name);
}

void run_test_cases(const struct test_case *cases, unsigned int nr_cases,
		    unsigned int priv_mask, unsigned int timeout_s)
{
	unsigned int i, plan = 0;
	int priv;

	for (i = 0; i < nr_cases; i++)
		plan += cases[i].guest ? __builtin_popcount(priv_mask) : 1;
	ksft_print_header();
	ksft_set_plan(plan);
	for (i = 0; i < nr_cases; i++) {
		if (!cases[i].guest) {
			run_one(&cases[i], GUEST_CPL0, timeout_s);
			continue;
		}
		for (priv = 0; priv < NR_GUEST_PRIVS; priv++)
			if (priv_mask & (1u << priv))
				run_one(&cases[i], priv, timeout_s);
	}
	ksft_finished();
}

void test_common_option(int opt, const char *arg, unsigned int *priv_mask,
			void (*usage)(const char *prog), const char *prog)
{
	switch (opt) {
	case 'g':
		if (guest_priv_parse(arg, priv_mask))
			return;
		fprintf(stderr, "%s: bad guest privilege '%s'\n", prog, arg);
		break;
	case 'h':
		usage(prog);
		exit(KSFT_PASS);
	}
	usage(prog);
	exit(KSFT_FAIL);
}

unsigned int test_parse_common_args(int argc, char *argv[], void (*usage)(const char *prog))
{
	unsigned int priv_mask = GUEST_PRIV_ALL;
	int opt;

	while ((opt = getopt(argc, argv, TEST_COMMON_OPTS)) != -1)
		test_common_option(opt, optarg, &priv_mask, usage, argv[0]);
	if (optind < argc)
		test_common_option('?', NULL, &priv_mask, usage, argv[0]);
	return priv_mask;
}
