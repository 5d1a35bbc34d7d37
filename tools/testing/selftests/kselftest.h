/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kselftest.h: KTAP output and exit codes for selftest programs.
 *
 * Header-only; every function is static inline, so a program may include
 * this from several files without link clashes.  The names and the output
 * follow the kernel's kselftest.h so that tests read the same:
 *
 *	ksft_print_header();
 *	ksft_set_plan(2);
 *	ksft_test_result(ok_a, "property a\n");
 *	ksft_test_result_skip("property b: needs root\n");
 *	ksft_finished();
 *
 * prints
 *
 *	TAP version 13
 *	1..2
 *	ok 1 property a
 *	ok 2 # SKIP property b: needs root
 *	# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:1 error:0
 *
 * As in the kernel, messages passed to the result functions end with "\n".
 * Every line is flushed as soon as it is printed, so a test that hangs or
 * crashes later still shows what it had reported, even behind a pipe.
 *
 * Only the kernel's API is here (every name below is in the kernel's
 * kselftest.h of 6.12), so a test built against this header builds against
 * the kernel's too; helpers of this implementation start with "__ksft".
 * As in the kernel, the plan and the counters are static: each file of a
 * program counts its own results, so the plan, the results and
 * ksft_finished() of one report belong in one file.  Running a case in a
 * forked child under a watchdog is kvm/include/kselftest_forked.h, which
 * needs only this API.
 *
 * ksft_finished() exits KSFT_FAIL if anything failed (fail, error, xpass) or
 * the plan was not met, KSFT_SKIP if every test that ran was skipped, and
 * KSFT_PASS otherwise.  The kernel's version exits KSFT_PASS when everything
 * was skipped; reporting SKIP instead lets the runner print "# SKIP".
 */
#ifndef SELFTEST_KSELFTEST_H
#define SELFTEST_KSELFTEST_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr)	(sizeof(arr) / sizeof((arr)[0]))
#endif

/* Exit codes understood by kselftest/runner.sh. */
#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_XFAIL	2
#define KSFT_XPASS	3
#define KSFT_SKIP	4

#ifndef __printf
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#endif
#ifndef __noreturn
#define __noreturn	__attribute__((noreturn))
#endif

struct ksft_count {
	unsigned int ksft_pass;
	unsigned int ksft_fail;
	unsigned int ksft_xfail;
	unsigned int ksft_xpass;
	unsigned int ksft_xskip;
	unsigned int ksft_error;
};

static struct ksft_count ksft_cnt;
static unsigned int ksft_plan;

static inline unsigned int ksft_test_num(void)
{
	return ksft_cnt.ksft_pass + ksft_cnt.ksft_fail +
	       ksft_cnt.ksft_xfail + ksft_cnt.ksft_xpass +
	       ksft_cnt.ksft_xskip + ksft_cnt.ksft_error;
}

static inline void ksft_inc_pass_cnt(void) { ksft_cnt.ksft_pass++; }
static inline void ksft_inc_fail_cnt(void) { ksft_cnt.ksft_fail++; }
static inline void ksft_inc_xfail_cnt(void) { ksft_cnt.ksft_xfail++; }
static inline void ksft_inc_xpass_cnt(void) { ksft_cnt.ksft_xpass++; }
static inline void ksft_inc_xskip_cnt(void) { ksft_cnt.ksft_xskip++; }
static inline void ksft_inc_error_cnt(void) { ksft_cnt.ksft_error++; }

static inline unsigned int ksft_get_pass_cnt(void) { return ksft_cnt.ksft_pass; }
static inline unsigned int ksft_get_fail_cnt(void) { return ksft_cnt.ksft_fail; }
static inline unsigned int ksft_get_xfail_cnt(void) { return ksft_cnt.ksft_xfail; }
static inline unsigned int ksft_get_xpass_cnt(void) { return ksft_cnt.ksft_xpass; }
static inline unsigned int ksft_get_xskip_cnt(void) { return ksft_cnt.ksft_xskip; }
static inline unsigned int ksft_get_error_cnt(void) { return ksft_cnt.ksft_error; }

/* Print and flush; keeps errno intact so "%m" in a caller's format works. */
static inline void __ksft_vprint(const char *prefix, const char *msg, va_list ap)
{
	int saved_errno = errno;

	fputs(prefix, stdout);
	if (msg) {
		errno = saved_errno;
		vprintf(msg, ap);
	}
	fflush(stdout);
	errno = saved_errno;
}

/* Print the KTAP header, unless a parent runner already printed one. */
static inline void ksft_print_header(void)
{
	if (!getenv("KSFT_TAP_LEVEL"))
		printf("TAP version 13\n");
	fflush(stdout);
}

static inline void ksft_set_plan(unsigned int plan)
{
	ksft_plan = plan;
	printf("1..%u\n", plan);
	fflush(stdout);
}

static inline void ksft_print_cnts(void)
{
	if (ksft_plan != ksft_test_num())
		printf("# Planned tests != run tests (%u != %u)\n",
		       ksft_plan, ksft_test_num());
	printf("# Totals: pass:%u fail:%u xfail:%u xpass:%u skip:%u error:%u\n",
	       ksft_cnt.ksft_pass, ksft_cnt.ksft_fail, ksft_cnt.ksft_xfail,
	       ksft_cnt.ksft_xpass, ksft_cnt.ksft_xskip, ksft_cnt.ksft_error);
	fflush(stdout);
}

static inline __printf(1, 2) void ksft_print_msg(const char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	__ksft_vprint("# ", msg, ap);
	va_end(ap);
}

static inline void ksft_perror(const char *msg)
{
	int err = errno;

	printf("# %s: %s (%d)\n", msg, strerror(err), err);
	fflush(stdout);
	errno = err;
}

/*
 * Result lines.  The number is that of the result being printed, so the
 * counter is bumped before the line is formatted.
 */
static inline void __ksft_result_line(const char *tap, const char *directive,
				    const char *msg, va_list ap)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "%s %u %s", tap, ksft_test_num(),
		 directive);
	__ksft_vprint(prefix, msg, ap);
}

static inline __printf(1, 2) void ksft_test_result_pass(const char *msg, ...)
{
	va_list ap;

	ksft_cnt.ksft_pass++;
	va_start(ap, msg);
	__ksft_result_line("ok", "", msg, ap);
	va_end(ap);
}

static inline __printf(1, 2) void ksft_test_result_fail(const char *msg, ...)
{
	va_list ap;

	ksft_cnt.ksft_fail++;
	va_start(ap, msg);
	__ksft_result_line("not ok", "", msg, ap);
	va_end(ap);
}

static inline __printf(1, 2) void ksft_test_result_xfail(const char *msg, ...)
{
	va_list ap;

	ksft_cnt.ksft_xfail++;
	va_start(ap, msg);
	__ksft_result_line("ok", "# XFAIL ", msg, ap);
	va_end(ap);
}

static inline __printf(1, 2) void ksft_test_result_skip(const char *msg, ...)
{
	va_list ap;

	ksft_cnt.ksft_xskip++;
	va_start(ap, msg);
	__ksft_result_line("ok", "# SKIP ", msg, ap);
	va_end(ap);
}

static inline __printf(1, 2) void ksft_test_result_error(const char *msg, ...)
{
	va_list ap;

	ksft_cnt.ksft_error++;
	va_start(ap, msg);
	__ksft_result_line("not ok", "# error ", msg, ap);
	va_end(ap);
}

/* Pass if cond is true, fail otherwise; same message either way. */
#define ksft_test_result(cond, fmt, ...)			\
	do {							\
		if (cond)					\
			ksft_test_result_pass(fmt, ##__VA_ARGS__); \
		else						\
			ksft_test_result_fail(fmt, ##__VA_ARGS__); \
	} while (0)

static inline void __ksft_count_code(int code)
{
	switch (code) {
	case KSFT_PASS:
		ksft_cnt.ksft_pass++;
		break;
	case KSFT_XFAIL:
		ksft_cnt.ksft_xfail++;
		break;
	case KSFT_XPASS:
		ksft_cnt.ksft_xpass++;
		break;
	case KSFT_SKIP:
		ksft_cnt.ksft_xskip++;
		break;
	default:
		ksft_cnt.ksft_fail++;
		break;
	}
}

/* KTAP keyword and directive for a KSFT_* code. */
static inline const char *__ksft_code_tap(int code)
{
	switch (code) {
	case KSFT_PASS:
	case KSFT_XFAIL:
	case KSFT_XPASS:
	case KSFT_SKIP:
		return "ok";
	default:
		return "not ok";
	}
}

static inline const char *__ksft_code_directive(int code)
{
	switch (code) {
	case KSFT_XFAIL:
		return "XFAIL";
	case KSFT_XPASS:
		return "XPASS";
	case KSFT_SKIP:
		return "SKIP";
	default:
		return NULL;
	}
}

/*
 * One result line for a named test: "ok N name", "not ok N name # msg",
 * "ok N name # SKIP msg".  msg may be NULL; unlike the other result
 * functions, neither test_name nor msg carries the trailing newline.
 */
static inline __printf(3, 4) void ksft_test_result_code(int code,
							 const char *test_name,
							 const char *msg, ...)
{
	const char *directive = __ksft_code_directive(code);
	int saved_errno = errno;
	char text[512] = "";
	va_list ap;

	if (msg) {
		va_start(ap, msg);
		vsnprintf(text, sizeof(text), msg, ap);
		va_end(ap);
	}
	__ksft_count_code(code);
	printf("%s %u %s", __ksft_code_tap(code), ksft_test_num(), test_name);
	if (directive)
		printf(" # %s%s%s", directive, text[0] ? " " : "", text);
	else if (text[0])
		printf(" # %s", text);
	printf("\n");
	fflush(stdout);
	errno = saved_errno;
}

static inline __noreturn void ksft_exit_pass(void)
{
	ksft_print_cnts();
	exit(KSFT_PASS);
}

static inline __noreturn void ksft_exit_fail(void)
{
	ksft_print_cnts();
	exit(KSFT_FAIL);
}

static inline __noreturn void ksft_exit_xfail(void)
{
	ksft_print_cnts();
	exit(KSFT_XFAIL);
}

static inline __noreturn void ksft_exit_xpass(void)
{
	ksft_print_cnts();
	exit(KSFT_XPASS);
}

/* Exit KSFT_PASS if cond is true, KSFT_FAIL otherwise. */
#define ksft_exit(cond)				\
	do {					\
		if (cond)			\
			ksft_exit_pass();	\
		else				\
			ksft_exit_fail();	\
	} while (0)

/* The exit code ksft_finished() would use; see the top of this file. */
static inline int __ksft_result_code(void)
{
	unsigned int run = ksft_test_num();

	if (ksft_cnt.ksft_fail || ksft_cnt.ksft_error || ksft_cnt.ksft_xpass)
		return KSFT_FAIL;
	if (ksft_plan != run)
		return KSFT_FAIL;
	if (run && ksft_cnt.ksft_xskip == run)
		return KSFT_SKIP;
	return KSFT_PASS;
}

static inline __noreturn void ksft_finished(void)
{
	ksft_print_cnts();
	exit(__ksft_result_code());
}

/* "Bail out!" the whole program: a failure outside of any single test. */
static inline __printf(1, 2) __noreturn void ksft_exit_fail_msg(const char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	__ksft_vprint("Bail out! ", msg, ap);
	va_end(ap);
	ksft_print_cnts();
	exit(KSFT_FAIL);
}

/* Fail the whole program with the errno-based reason of msg. */
static inline __noreturn void ksft_exit_fail_perror(const char *msg)
{
	int err = errno;

	ksft_exit_fail_msg("%s: %s (%d)\n", msg, strerror(err), err);
}

/*
 * Skip the whole program.  Before any plan or result this prints
 * "1..0 # SKIP msg", the KTAP way to say "nothing to run here"; afterwards
 * it records one more skipped result so the numbering stays right.
 */
static inline __printf(1, 2) __noreturn void ksft_exit_skip(const char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	if (ksft_plan || ksft_test_num()) {
		char prefix[64];

		ksft_cnt.ksft_xskip++;
		snprintf(prefix, sizeof(prefix), "ok %u # SKIP ", ksft_test_num());
		__ksft_vprint(prefix, msg, ap);
	} else {
		__ksft_vprint("1..0 # SKIP ", msg, ap);
	}
	va_end(ap);
	if (ksft_test_num())
		ksft_print_cnts();
	exit(KSFT_SKIP);
}

#endif /* SELFTEST_KSELFTEST_H */
