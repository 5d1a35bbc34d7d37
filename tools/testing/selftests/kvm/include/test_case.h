/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Cases of a KVM selftest: each case runs in a forked child with a watchdog
 * and reports one KTAP line, so a crash or a hang fails that case and the
 * others still run.  A guest case runs once per selected guest privilege
 * level and its KTAP line starts with the level ("cpl3 harvest_known_pages").
 * A case that skips (test_skip(), TEST_REQUIRE()) gets its reason on its
 * KTAP line: "ok 3 cpl0 name # SKIP reason".
 *
 * A ring case (.ring_caps) runs once per dirty-ring cap (dirty_ring.h):
 * with KVM_CAP_DIRTY_LOG_RING under its name, then with
 * KVM_CAP_DIRTY_LOG_RING_ACQ_REL as "<name> acq_rel", a SKIP with the
 * reason where KVM does not offer that cap.  Both must map a ring of a VM
 * given their cap (dirty_ring_assert_cap_used()) to pass.  known-issues.txt
 * matches the ACQ_REL variant as the case itself.
 *
 * A harm-sensitive case is one whose purpose includes "the host kernel does
 * not WARN, BUG or Oops" (host_harm.h): the parent watches the kernel log
 * and taint flags around the whole child, VM teardown included.  Harm fails
 * the case; a blind watch (the kernel already WARN-tainted) turns a case
 * whose other checks passed into "ok N name # SKIP harm check blind: ...";
 * a failure of the other checks still fails it.  A test makes its cases
 * harm-sensitive with test_cases_watch_host_harm() before run_test_cases().
 */
#ifndef SELFTEST_KVM_TEST_CASE_H
#define SELFTEST_KVM_TEST_CASE_H

#include "kvm_util.h"

#define TEST_CASE_TIMEOUT_S	30

struct test_case {
	const char *name;
	void (*run)(enum guest_cpl cpl, const void *arg);
	const void *arg;	/* handed to run(): the case's parameters */
	bool guest;		/* once per guest privilege level */
	bool ring_caps;		/* once per dirty-ring cap: plain, ACQ_REL */
};

/* What a ring case's ACQ_REL variant appends to its name. */
#define RING_CAP_ACQ_REL_SUFFIX	" acq_rel"

/* Every case run_test_cases() runs from now on is harm-sensitive. */
void test_cases_watch_host_harm(void);

/*
 * For one harm-sensitive case among others: it calls host_harm_begin()
 * itself (before its VM exists) and this last (after the VM is freed),
 * which fails the case on harm and, on a blind watch, makes it a SKIP.
 */
struct host_harm_watch;
void test_case_harm_watch_end(struct host_harm_watch *w);

/* Print the header and plan, run the cases, exit through ksft_finished(). */
void run_test_cases(const struct test_case *cases, unsigned int nr_cases,
		    unsigned int cpl_mask, unsigned int timeout_s)
	__attribute__((noreturn));

/*
 * getopt_long() (longopts may be NULL) with the common options of every KVM
 * selftest handled: returns the test's own options one at a time, -1 at the
 * end.  -g cpl0|cpl3|all sets *cpl_mask; -h prints the usage and exits 0; an
 * unknown option, a missing value, a bad -g or an operand (a KVM selftest
 * takes none) is a usage error: exit 1.
 */
struct option;
int test_getopt(int argc, char *argv[], const char *optstring, const struct option *longopts,
		unsigned int *cpl_mask, void (*help)(const char *prog));

/* A bad option or value: "prog: message" on stderr, the usage, exit 1. */
void test_usage_error(const char *prog, void (*help)(const char *prog), const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

/* For a test with only the common options: returns the guest privilege mask. */
unsigned int test_parse_common_args(int argc, char *argv[], void (*help)(const char *prog));

#define TEST_COMMON_OPTS	"g:h"
#define TEST_COMMON_USAGE						\
	"  -g LEVEL  guest privilege: cpl0, cpl3 (x86), el1, el0 (arm64)\n"	\
	"            or all (default all)\n"					\
	"  -h        this help\n"

#endif /* SELFTEST_KVM_TEST_CASE_H */
