// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running the cases of a test, each in its own forked child (test_case.h).
 */
#include <getopt.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host_harm.h"
#include "test_case.h"

#define SKIP_REASON_MAX		512

/* "timeout=" of the kvm settings file, passed by the Makefile. */
#ifndef KVM_SETTINGS_TIMEOUT
#define KVM_SETTINGS_TIMEOUT	45	/* the runner's default */
#endif

/* Shared with every case's child: the reason test_skip() gave. */
static char *skip_reason;
static bool watch_host_harm;

void test_cases_watch_host_harm(void)
{
	watch_host_harm = true;
}

struct case_run {
	const struct test_case *tc;
	enum guest_cpl cpl;
	bool acq_rel;		/* a ring case's ACQ_REL variant */
	char name[256];		/* as on the KTAP line */
};

static void case_child(void *arg)
{
	struct case_run *cr = arg;

	test_set_context("%s", cr->name);
	if (cr->tc->ring_caps) {
		if (!kvm_dirty_ring_max_bytes(cr->acq_rel))
			test_skip("KVM does not offer %s%s", dirty_ring_cap_name(cr->acq_rel),
				  cr->acq_rel ? " (Linux 6.1 added it)" : "");
		dirty_ring_cap_select(cr->acq_rel);
	}
	cr->tc->run(cr->cpl, cr->tc->arg);
	if (cr->tc->ring_caps)
		dirty_ring_assert_cap_used();
}

/* The host kernel's verdict (into *harm) joins the case's; a blind watch gives a SKIP reason. */
static int judge_host_harm(struct host_harm_watch *watch, struct host_harm_report *harm,
			   const char *name, int code, const char **reason)
{
	host_harm_end(watch, name, harm);
	if (harm->verdict == HARM_FOUND)
		printf("# FAIL [%s] host kernel: %s\n", name, harm->why);
	if (code == KSFT_PASS && harm->verdict == HARM_BLIND)
		*reason = harm->why;
	return host_harm_case_code(code, harm);
}

static void run_one(const struct test_case *tc, enum guest_cpl cpl, bool acq_rel,
		    unsigned int timeout_s)
{
	struct case_run cr = { .tc = tc, .cpl = cpl, .acq_rel = acq_rel };
	const char *name = cr.name;
	struct host_harm_report harm;
	struct host_harm_watch watch;
	struct ksft_case_status st;
	const char *reason = NULL;
	int code, len = 0;

	if (tc->guest)
		len = snprintf(cr.name, sizeof(cr.name), "%s ", guest_cpl_name(cpl));
	snprintf(cr.name + len, sizeof(cr.name) - len, "%s%s", tc->name,
		 acq_rel ? RING_CAP_ACQ_REL_SUFFIX : "");
	skip_reason[0] = '\0';
	if (watch_host_harm)
		host_harm_begin(&watch, NULL, NULL);
	code = ksft_run_forked(case_child, &cr, timeout_s * test_timeout_scale(), &st);
	skip_reason[SKIP_REASON_MAX - 1] = '\0';
	if (code == KSFT_SKIP && skip_reason[0])
		reason = skip_reason;
	if (watch_host_harm)
		code = judge_host_harm(&watch, &harm, name, code, &reason);
	if (st.deadline && !st.not_run)
		printf("# FAIL [%s] the program deadline (%u s, below the runner's timeout) passed while this case ran\n",
		       name, ksft_deadline_s);
	ksft_report_case_reason(code, &st, name, code == KSFT_SKIP ? reason : NULL);
}

/*
 * The whole program ends before the runner would kill it: the runner's
 * timeout (KSELFTEST_TIMEOUT, else the settings file's, times the timeout
 * scale as vm-check.sh does), less a margin to report the cases cut short.
 */
static void set_program_deadline(const char *prog)
{
	unsigned int runner_s = ksft_runner_timeout(0);

	if (!getenv("KSELFTEST_TIMEOUT"))
		runner_s = KVM_SETTINGS_TIMEOUT * test_timeout_scale();
	ksft_set_deadline(ksft_deadline_below(runner_s), prog);
}

/* A case at every selected guest privilege level (once if not a guest case). */
static void run_levels(const struct test_case *tc, unsigned int cpl_mask, bool acq_rel,
		       unsigned int timeout_s)
{
	int cpl;

	if (!tc->guest) {
		run_one(tc, GUEST_CPL0, acq_rel, timeout_s);
		return;
	}
	for (cpl = 0; cpl < NR_GUEST_CPLS; cpl++)
		if (cpl_mask & (1u << cpl))
			run_one(tc, cpl, acq_rel, timeout_s);
}

void run_test_cases(const struct test_case *cases, unsigned int nr_cases,
		    unsigned int cpl_mask, unsigned int timeout_s)
{
	unsigned int i, plan = 0;
	int acq_rel;

	set_program_deadline(program_invocation_short_name);

	skip_reason = mmap(NULL, SKIP_REASON_MAX, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (skip_reason == MAP_FAILED)
		ksft_exit_fail_msg("mmap of the skip reason: %s\n", strerror(errno));
	test_set_skip_reason_buffer(skip_reason, SKIP_REASON_MAX);
	for (i = 0; i < nr_cases; i++)
		plan += (cases[i].guest ? __builtin_popcount(cpl_mask) : 1) *
			(cases[i].ring_caps ? 2 : 1);
	ksft_print_header();
	ksft_set_plan(plan);
	for (i = 0; i < nr_cases; i++)
		for (acq_rel = 0; acq_rel <= cases[i].ring_caps; acq_rel++)
			run_levels(&cases[i], cpl_mask, acq_rel, timeout_s);
	ksft_finished();
	/* ksft_finished() exits; the kernel's 6.1 header does not say so. */
	__builtin_unreachable();
}

void test_usage_error(const char *prog, void (*help)(const char *prog), const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	help(prog);
	exit(KSFT_FAIL);
}

int test_getopt(int argc, char *argv[], const char *optstring, const struct option *longopts,
		unsigned int *cpl_mask, void (*help)(const char *prog))
{
	static const struct option no_longopts[] = { {} };
	int opt;

	while ((opt = getopt_long(argc, argv, optstring, longopts ?: no_longopts, NULL)) != -1) {
		switch (opt) {
		case 'g':
			if (!guest_cpl_parse(optarg, cpl_mask))
				test_usage_error(argv[0], help, "bad guest privilege '%s'", optarg);
			break;
		case 'h':
			help(argv[0]);
			exit(KSFT_PASS);
		case '?':
		case ':':
			help(argv[0]);
			exit(KSFT_FAIL);
		default:
			return opt;
		}
	}
	if (optind < argc)
		test_usage_error(argv[0], help, "unexpected argument '%s'", argv[optind]);
	return -1;
}

unsigned int test_parse_common_args(int argc, char *argv[], void (*help)(const char *prog))
{
	unsigned int cpl_mask = GUEST_CPL_ALL;

	/* No option of the test's own: returns only at the end. */
	test_getopt(argc, argv, TEST_COMMON_OPTS, NULL, &cpl_mask, help);
	return cpl_mask;
}

void test_case_harm_watch_end(struct host_harm_watch *w)
{
	struct host_harm_report r;

	host_harm_end(w, test_context(), &r);
	if (r.verdict == HARM_FOUND)
		TEST_FAIL("host kernel: %s", r.why);
	if (r.verdict == HARM_BLIND)
		test_skip("%s", r.why);
}
