/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kselftest_harness.h: fixtures, variants and assertions for selftests.
 *
 * The surface is that of the kernel's harness, so tests read the same:
 *
 *	FIXTURE(ring) { int fd; };
 *	FIXTURE_VARIANT(ring) { unsigned int entries; };
 *	FIXTURE_VARIANT_ADD(ring, small) { .entries = 64 };
 *	FIXTURE_VARIANT_ADD(ring, large) { .entries = 4096 };
 *	FIXTURE_SETUP(ring) { self->fd = open_ring(variant->entries); }
 *	FIXTURE_TEARDOWN(ring) { close(self->fd); }
 *
 *	TEST_F(ring, starts_empty)
 *	{
 *		ASSERT_LE(0, self->fd);
 *		EXPECT_EQ(0, ring_count(self->fd));
 *	}
 *
 *	TEST_HARNESS_MAIN
 *
 * Every case (one per test and variant) runs in a forked child through
 * ksft_run_forked() (kvm/include/kselftest_forked.h), with a timeout (30 s
 * by default, TEST_F_TIMEOUT() and TEST_TIMEOUT() to change it), so a crash
 * or a hang fails that one case
 * and the following cases still run.  Each case is one KTAP line named
 * "fixture.variant.test" ("fixture.test" without variants, "global.test"
 * for TEST()).
 *
 * ASSERT_*() stop the case: the teardown still runs (if the setup
 * completed), then the case fails.  EXPECT_*() record the failure and let the
 * case go on.  Both print one line with the file, line, case name, both
 * expressions and their values:
 *
 *	# ring_test.c:42:ring.small.starts_empty:Expected 0 (0) == ring_count(self->fd) (3)
 *  Either may be followed by a statement that runs only when
 * the check fails, typically to log context:
 *
 *	ASSERT_EQ(expected, seen) TH_LOG("entry %u of %u", i, n);
 *
 * (Hence one check per line: compilers warn about a second statement on
 * the line of a check, as they would after a for loop.)
 *
 * Integer and pointer operands are compared by value as mathematical
 * integers, so ASSERT_LT(-1, sizeof(x)) holds and comparing signed with
 * unsigned values neither warns nor wraps.
 *
 * FIXTURE_SETUP and FIXTURE_TEARDOWN are both required for a FIXTURE, as in
 * the kernel.  The teardown runs in the child, after the test body, only if
 * the setup returned normally.
 *
 * SKIP(statement, fmt, ...) and XFAIL(statement, fmt, ...) mark the case and
 * then execute statement (usually "return"); a case that already failed
 * stays failed.
 *
 * Command line of TEST_HARNESS_MAIN programs:
 *	-h		help
 *	-l		list the case names
 *	-f FIXTURE	run only these fixtures (repeatable)
 *	-v VARIANT	run only these variants (repeatable)
 *	-t TEST		run only these tests (repeatable)
 *	-r F.V.T	run only these full case names (repeatable)
 * Several values of one option add up; different options must all match.
 * Exit code: KSFT_FAIL if a case failed, KSFT_SKIP if all were skipped,
 * KSFT_PASS otherwise.
 */
#ifndef SELFTEST_KSELFTEST_HARNESS_H
#define SELFTEST_KSELFTEST_HARNESS_H

#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "kselftest.h"
/*
 * The one fork-and-watchdog runner: it lives with the KVM tests, which must
 * build alone inside a kernel tree (see its header).
 */
#include "kvm/include/kselftest_forked.h"

/* kselftest_forked.h's globals: a harness test is one file. */
int ksft_in_forked_case;
long long ksft_deadline_ms;
unsigned int ksft_deadline_s;

/* Where TH_LOG() and check failures go; stdout keeps them inside the KTAP. */
#ifndef TH_LOG_STREAM
#define TH_LOG_STREAM stdout
#endif

#define TEST_TIMEOUT_DEFAULT 30

#define __KSFT_REASON_MAX 256

struct __test_metadata;
struct __fixture_variant_metadata;

/* Written by the child, read by the parent: lives in a MAP_SHARED page. */
struct __test_results {
	char reason[__KSFT_REASON_MAX];
};

/*
 * Setup, teardown and test bodies are reached through steps of one
 * signature, so the code that runs a case is a plain function rather than
 * a macro; each step casts self and variant back to the fixture's types.
 */
typedef void (*__ksft_step_fn)(struct __test_metadata *_metadata, void *self,
			       const void *variant);

struct __fixture_metadata {
	const char *name;
	__ksft_step_fn setup;		/* NULL for the global fixture */
	__ksft_step_fn teardown;
	struct __test_metadata *tests;
	struct __fixture_variant_metadata *variants;
	struct __fixture_metadata *next;
};

struct __fixture_variant_metadata {
	const char *name;
	const void *data;
	struct __fixture_variant_metadata *next;
};

struct __test_metadata {
	const char *name;
	__ksft_step_fn fn;
	size_t self_size;	/* sizeof(FIXTURE_DATA(fixture)) */
	struct __fixture_metadata *fixture;
	int termsig;		/* expected fatal signal, 0: none */
	unsigned int timeout;	/* seconds */
	struct __test_metadata *next;

	/* State of the running case, meaningful in the child only. */
	bool passed;
	bool skip;
	bool xfail;
	jmp_buf *env;
	struct __test_results *results;
	const char *case_name;
};

static struct __fixture_metadata __attribute__((unused))
	_global_fixture_object = { .name = "global" };
static struct __fixture_metadata *__fixture_list;

static inline void __ksft_register_fixture(struct __fixture_metadata *f)
{
	struct __fixture_metadata **p = &__fixture_list;

	while (*p && *p != f)
		p = &(*p)->next;
	if (!*p)
		*p = f;
}

static inline void __ksft_register_test(struct __test_metadata *t)
{
	struct __test_metadata **p = &t->fixture->tests;

	__ksft_register_fixture(t->fixture);
	while (*p)
		p = &(*p)->next;
	*p = t;
}

static inline void __ksft_register_variant(struct __fixture_metadata *f,
					   struct __fixture_variant_metadata *v)
{
	struct __fixture_variant_metadata **p = &f->variants;

	while (*p)
		p = &(*p)->next;
	*p = v;
}

/* Test, fixture and variant definitions. */

#define FIXTURE_DATA(fixture_name) struct _test_data_##fixture_name
#define FIXTURE_VARIANT(fixture_name) struct _fixture_variant_##fixture_name

#define __FIXTURE_STEP(fixture_name, step)				\
	static void fixture_name##_##step(struct __test_metadata *_metadata, \
		FIXTURE_DATA(fixture_name) *self,			\
		const FIXTURE_VARIANT(fixture_name) *variant);		\
	static void fixture_name##_##step##_step(			\
		struct __test_metadata *_metadata, void *self,		\
		const void *variant)					\
	{								\
		fixture_name##_##step(_metadata, self, variant);	\
	}

#define FIXTURE(fixture_name)						\
	FIXTURE_VARIANT(fixture_name);					\
	FIXTURE_DATA(fixture_name);					\
	__FIXTURE_STEP(fixture_name, setup)				\
	__FIXTURE_STEP(fixture_name, teardown)				\
	static struct __fixture_metadata				\
		_##fixture_name##_fixture_object = {			\
			.name = #fixture_name,				\
			.setup = fixture_name##_setup_step,		\
			.teardown = fixture_name##_teardown_step,	\
		};							\
	static void __attribute__((constructor))			\
	_register_##fixture_name##_data(void)				\
	{								\
		__ksft_register_fixture(&_##fixture_name##_fixture_object); \
	}								\
	FIXTURE_DATA(fixture_name)

#define FIXTURE_SETUP(fixture_name)					\
	static void fixture_name##_setup(				\
		struct __test_metadata __attribute__((unused)) *_metadata, \
		FIXTURE_DATA(fixture_name) __attribute__((unused)) *self, \
		const FIXTURE_VARIANT(fixture_name)			\
			__attribute__((unused)) *variant)

#define FIXTURE_TEARDOWN(fixture_name)					\
	static void fixture_name##_teardown(				\
		struct __test_metadata __attribute__((unused)) *_metadata, \
		FIXTURE_DATA(fixture_name) __attribute__((unused)) *self, \
		const FIXTURE_VARIANT(fixture_name)			\
			__attribute__((unused)) *variant)

#define FIXTURE_VARIANT_ADD(fixture_name, variant_name)		\
	static const FIXTURE_VARIANT(fixture_name)			\
		_##fixture_name##_##variant_name##_variant;		\
	static struct __fixture_variant_metadata			\
		_##fixture_name##_##variant_name##_object = {		\
			.name = #variant_name,				\
			.data = &_##fixture_name##_##variant_name##_variant, \
		};							\
	static void __attribute__((constructor))			\
	_register_##fixture_name##_##variant_name(void)			\
	{								\
		__ksft_register_variant(&_##fixture_name##_fixture_object, \
					&_##fixture_name##_##variant_name##_object); \
	}								\
	static const FIXTURE_VARIANT(fixture_name)			\
		_##fixture_name##_##variant_name##_variant =

/* Register a test whose step is fn_name##_step. */
#define __TEST_REGISTER(fixture_obj, test_name, fn_name, size, sig, tmo) \
	static struct __test_metadata _##fn_name##_object = {		\
		.name = #test_name,					\
		.fn = fn_name##_step,					\
		.self_size = size,					\
		.fixture = &fixture_obj,				\
		.termsig = sig,						\
		.timeout = tmo,						\
	};								\
	static void __attribute__((constructor))			\
	_register_##fn_name(void)					\
	{								\
		__ksft_register_test(&_##fn_name##_object);		\
	}

#define __TEST_IMPL(test_name, sig, tmo)				\
	static void test_name(struct __test_metadata *_metadata);	\
	static void test_name##_step(struct __test_metadata *_metadata,	\
				     void __attribute__((unused)) *self, \
				     const void __attribute__((unused)) *variant) \
	{								\
		test_name(_metadata);					\
	}								\
	__TEST_REGISTER(_global_fixture_object, test_name, test_name, 0, \
			sig, tmo)					\
	static void test_name(						\
		struct __test_metadata __attribute__((unused)) *_metadata)

#define TEST(test_name) __TEST_IMPL(test_name, 0, TEST_TIMEOUT_DEFAULT)
#define TEST_SIGNAL(test_name, signal) \
	__TEST_IMPL(test_name, signal, TEST_TIMEOUT_DEFAULT)
#define TEST_TIMEOUT(test_name, timeout) __TEST_IMPL(test_name, 0, timeout)

#define __TEST_F_IMPL(fixture_name, test_name, sig, tmo)		\
	static void fixture_name##_##test_name(				\
		struct __test_metadata *_metadata,			\
		FIXTURE_DATA(fixture_name) *self,			\
		const FIXTURE_VARIANT(fixture_name) *variant);		\
	static void fixture_name##_##test_name##_step(			\
		struct __test_metadata *_metadata, void *self,		\
		const void *variant)					\
	{								\
		fixture_name##_##test_name(_metadata, self, variant);	\
	}								\
	__TEST_REGISTER(_##fixture_name##_fixture_object, test_name,	\
			fixture_name##_##test_name,			\
			sizeof(FIXTURE_DATA(fixture_name)), sig, tmo)	\
	static void fixture_name##_##test_name(				\
		struct __test_metadata __attribute__((unused)) *_metadata, \
		FIXTURE_DATA(fixture_name) __attribute__((unused)) *self, \
		const FIXTURE_VARIANT(fixture_name)			\
			__attribute__((unused)) *variant)

#define TEST_F(fixture_name, test_name) \
	__TEST_F_IMPL(fixture_name, test_name, 0, TEST_TIMEOUT_DEFAULT)
#define TEST_F_SIGNAL(fixture_name, test_name, signal) \
	__TEST_F_IMPL(fixture_name, test_name, signal, TEST_TIMEOUT_DEFAULT)
#define TEST_F_TIMEOUT(fixture_name, test_name, timeout) \
	__TEST_F_IMPL(fixture_name, test_name, 0, timeout)

/* Logging, skipping. */

#define TH_LOG(fmt, ...)						\
	__ksft_log(_metadata, __FILE__, __LINE__, fmt, ##__VA_ARGS__)

/* "# file:line:case:", the start of every line a case logs. */
static inline void __ksft_log_prefix(const struct __test_metadata *_metadata,
				     const char *file, int line)
{
	fprintf(TH_LOG_STREAM, "# %s:%d:%s:", file, line,
		_metadata->case_name ? _metadata->case_name : _metadata->name);
}

static inline __printf(4, 5) void __ksft_log(struct __test_metadata *_metadata,
					     const char *file, int line,
					     const char *fmt, ...)
{
	va_list ap;

	__ksft_log_prefix(_metadata, file, line);
	va_start(ap, fmt);
	vfprintf(TH_LOG_STREAM, fmt, ap);
	va_end(ap);
	fprintf(TH_LOG_STREAM, "\n");
	fflush(TH_LOG_STREAM);
}

static inline void __ksft_set_reason(struct __test_metadata *_metadata,
				     const char *what, const char *fmt,
				     va_list ap)
{
	char *reason = _metadata->results->reason;

	vsnprintf(reason, __KSFT_REASON_MAX, fmt, ap);
	fprintf(TH_LOG_STREAM, "# %s: %s\n", what, reason);
	fflush(TH_LOG_STREAM);
}

static inline __printf(2, 3) void __ksft_skip(struct __test_metadata *_metadata,
					      const char *fmt, ...)
{
	va_list ap;

	_metadata->skip = true;
	va_start(ap, fmt);
	__ksft_set_reason(_metadata, "SKIP", fmt, ap);
	va_end(ap);
}

static inline __printf(2, 3) void __ksft_xfail(struct __test_metadata *_metadata,
					       const char *fmt, ...)
{
	va_list ap;

	_metadata->xfail = true;
	va_start(ap, fmt);
	__ksft_set_reason(_metadata, "XFAIL", fmt, ap);
	va_end(ap);
}

/* Mark the case skipped (with a reason), then run statement. */
#define SKIP(statement, fmt, ...)					\
	do {								\
		__ksft_skip(_metadata, fmt, ##__VA_ARGS__);		\
		statement;						\
	} while (0)

/* Mark the case as an expected failure, then run statement. */
#define XFAIL(statement, fmt, ...)					\
	do {								\
		__ksft_xfail(_metadata, fmt, ##__VA_ARGS__);		\
		statement;						\
	} while (0)

/* Checks. */

/* An operand, captured once, with the signedness of its type. */
struct __ksft_value {
	uintmax_t bits;
	bool is_signed;
};

#define __ksft_is_signed(x) _Generic((x),				\
	char: (CHAR_MIN < 0),						\
	signed char: 1, short: 1, int: 1, long: 1, long long: 1,	\
	default: 0)

#define __ksft_value(x) \
	((struct __ksft_value){ (uintmax_t)(x), __ksft_is_signed(x) })

static inline bool __ksft_value_negative(struct __ksft_value v)
{
	return v.is_signed && (intmax_t)v.bits < 0;
}

/* <0, 0, >0 as a is less than, equal to, greater than b, mathematically. */
static inline int __ksft_value_cmp(struct __ksft_value a, struct __ksft_value b)
{
	bool na = __ksft_value_negative(a), nb = __ksft_value_negative(b);

	if (na != nb)
		return na ? -1 : 1;
	if (na)
		return (intmax_t)a.bits < (intmax_t)b.bits ? -1 :
		       (intmax_t)a.bits > (intmax_t)b.bits;
	return a.bits < b.bits ? -1 : a.bits > b.bits;
}

enum __ksft_op { __KSFT_EQ, __KSFT_NE, __KSFT_LT, __KSFT_LE, __KSFT_GT, __KSFT_GE };

static inline bool __ksft_op_holds(enum __ksft_op op, int cmp)
{
	switch (op) {
	case __KSFT_EQ: return cmp == 0;
	case __KSFT_NE: return cmp != 0;
	case __KSFT_LT: return cmp < 0;
	case __KSFT_LE: return cmp <= 0;
	case __KSFT_GT: return cmp > 0;
	default: return cmp >= 0;
	}
}

static inline const char *__ksft_op_str(enum __ksft_op op)
{
	static const char *const str[] = { "==", "!=", "<", "<=", ">", ">=" };

	return str[op];
}

static inline void __ksft_print_value(struct __ksft_value v)
{
	if (v.is_signed)
		fprintf(TH_LOG_STREAM, "%jd", (intmax_t)v.bits);
	else
		fprintf(TH_LOG_STREAM, "%ju", v.bits);
}

/* Check "expected op seen"; on failure print it and mark the case failed. */
static inline bool __ksft_check(struct __test_metadata *_metadata,
				const char *file, int line,
				const char *exp_str, struct __ksft_value exp,
				enum __ksft_op op,
				const char *seen_str, struct __ksft_value seen)
{
	if (__ksft_op_holds(op, __ksft_value_cmp(exp, seen)))
		return true;

	_metadata->passed = false;
	__ksft_log_prefix(_metadata, file, line);
	fprintf(TH_LOG_STREAM, "Expected %s (", exp_str);
	__ksft_print_value(exp);
	fprintf(TH_LOG_STREAM, ") %s %s (", __ksft_op_str(op), seen_str);
	__ksft_print_value(seen);
	fprintf(TH_LOG_STREAM, ")\n");
	fflush(TH_LOG_STREAM);
	return false;
}

static inline bool __ksft_check_str(struct __test_metadata *_metadata,
				    const char *file, int line,
				    const char *exp_str, const char *exp,
				    bool want_equal,
				    const char *seen_str, const char *seen)
{
	bool equal = exp && seen ? !strcmp(exp, seen) : exp == seen;

	if (equal == want_equal)
		return true;

	_metadata->passed = false;
	__ksft_log_prefix(_metadata, file, line);
	fprintf(TH_LOG_STREAM, "Expected %s (\"%s\") %s %s (\"%s\")\n",
		exp_str, exp ? exp : "(null)",
		want_equal ? "==" : "!=", seen_str, seen ? seen : "(null)");
	fflush(TH_LOG_STREAM);
	return false;
}

/*
 * After a failed check and its optional trailing statement: an ASSERT
 * stops the case, an EXPECT lets it continue.  Returns 0 to end the
 * single-iteration loop of the check macros.
 */
static inline void __ksft_bail(struct __test_metadata *_metadata);

static inline int __ksft_after_failure(struct __test_metadata *_metadata,
				       bool is_assert)
{
	if (is_assert)
		__ksft_bail(_metadata);
	return 0;
}

/* Jump back to __ksft_run_step(); the case then ends as failed. */
static inline void __ksft_bail(struct __test_metadata *_metadata)
{
	jmp_buf *env = _metadata->env;

	_metadata->env = NULL;
	if (env)
		longjmp(*env, 1);
	fflush(NULL);
	_exit(KSFT_FAIL);
}

/*
 * The loop runs its body (the optional statement after the macro) once,
 * and only when the check failed.
 */
#define __KSFT_CHECK_LOOP(check, is_assert)				\
	for (int __ksft_failed = !(check); __ksft_failed;		\
	     __ksft_failed = __ksft_after_failure(_metadata, is_assert))

#define __KSFT_CMP(expected, op, seen, is_assert)			\
	__KSFT_CHECK_LOOP(__ksft_check(_metadata, __FILE__, __LINE__,	\
				       #expected, __ksft_value(expected), \
				       op, #seen, __ksft_value(seen)),	\
			  is_assert)

#define __KSFT_STR(expected, want_equal, seen, is_assert)		\
	__KSFT_CHECK_LOOP(__ksft_check_str(_metadata, __FILE__, __LINE__, \
					   #expected, (expected),	\
					   want_equal, #seen, (seen)),	\
			  is_assert)

#define ASSERT_EQ(expected, seen) __KSFT_CMP(expected, __KSFT_EQ, seen, true)
#define ASSERT_NE(expected, seen) __KSFT_CMP(expected, __KSFT_NE, seen, true)
#define ASSERT_LT(expected, seen) __KSFT_CMP(expected, __KSFT_LT, seen, true)
#define ASSERT_LE(expected, seen) __KSFT_CMP(expected, __KSFT_LE, seen, true)
#define ASSERT_GT(expected, seen) __KSFT_CMP(expected, __KSFT_GT, seen, true)
#define ASSERT_GE(expected, seen) __KSFT_CMP(expected, __KSFT_GE, seen, true)
#define ASSERT_NULL(seen)	  __KSFT_CMP(NULL, __KSFT_EQ, seen, true)
#define ASSERT_TRUE(seen)	  __KSFT_CMP(0, __KSFT_NE, seen, true)
#define ASSERT_FALSE(seen)	  __KSFT_CMP(0, __KSFT_EQ, seen, true)
#define ASSERT_STREQ(expected, seen) __KSFT_STR(expected, true, seen, true)
#define ASSERT_STRNE(expected, seen) __KSFT_STR(expected, false, seen, true)

#define EXPECT_EQ(expected, seen) __KSFT_CMP(expected, __KSFT_EQ, seen, false)
#define EXPECT_NE(expected, seen) __KSFT_CMP(expected, __KSFT_NE, seen, false)
#define EXPECT_LT(expected, seen) __KSFT_CMP(expected, __KSFT_LT, seen, false)
#define EXPECT_LE(expected, seen) __KSFT_CMP(expected, __KSFT_LE, seen, false)
#define EXPECT_GT(expected, seen) __KSFT_CMP(expected, __KSFT_GT, seen, false)
#define EXPECT_GE(expected, seen) __KSFT_CMP(expected, __KSFT_GE, seen, false)
#define EXPECT_NULL(seen)	  __KSFT_CMP(NULL, __KSFT_EQ, seen, false)
#define EXPECT_TRUE(seen)	  __KSFT_CMP(0, __KSFT_NE, seen, false)
#define EXPECT_FALSE(seen)	  __KSFT_CMP(0, __KSFT_EQ, seen, false)
#define EXPECT_STREQ(expected, seen) __KSFT_STR(expected, true, seen, false)
#define EXPECT_STRNE(expected, seen) __KSFT_STR(expected, false, seen, false)

/* Running. */

/* The -f/-v/-t/-r options, in command-line order. */
struct __ksft_filters {
	int *kind;
	const char **value;
	int count;
};

/* One case: a test of a fixture under one variant (or none). */
struct __ksft_case {
	struct __test_metadata *test;
	const struct __fixture_variant_metadata *variant;
	char name[256];
};

static inline void __ksft_case_name(struct __ksft_case *c)
{
	if (c->variant)
		snprintf(c->name, sizeof(c->name), "%s.%s.%s",
			 c->test->fixture->name, c->variant->name, c->test->name);
	else
		snprintf(c->name, sizeof(c->name), "%s.%s",
			 c->test->fixture->name, c->test->name);
}

static inline bool __ksft_option_matches(int opt, const struct __ksft_case *c,
					 const char *value)
{
	switch (opt) {
	case 'f':
		return !strcmp(value, c->test->fixture->name);
	case 'v':
		return c->variant && !strcmp(value, c->variant->name);
	case 't':
		return !strcmp(value, c->test->name);
	default:
		return !strcmp(value, c->name);
	}
}

/* Options of one kind are alternatives; every kind given must match. */
static inline bool __ksft_case_selected(const struct __ksft_filters *flt,
					const struct __ksft_case *c)
{
	static const char kinds[] = "fvtr";

	for (const char *k = kinds; *k; k++) {
		bool given = false, matched = false;

		for (int i = 0; i < flt->count; i++) {
			if (flt->kind[i] != *k)
				continue;
			given = true;
			matched |= __ksft_option_matches(*k, c, flt->value[i]);
		}
		if (given && !matched)
			return false;
	}
	return true;
}

/*
 * Call fn for every selected case, in definition order.  Returns the number
 * of cases; *groups (if not NULL) gets the number of fixture variants they
 * come from.
 */
static inline unsigned int
__ksft_for_each_case(const struct __ksft_filters *flt,
		     void (*fn)(struct __ksft_case *c, void *arg),
		     void *arg, unsigned int *groups)
{
	static const struct __fixture_variant_metadata no_variant;
	unsigned int n = 0, ngroups = 0;

	for (struct __fixture_metadata *f = __fixture_list; f; f = f->next) {
		const struct __fixture_variant_metadata *v = f->variants;

		for (v = v ? v : &no_variant; v; v = v->next) {
			unsigned int before = n;

			for (struct __test_metadata *t = f->tests; t; t = t->next) {
				struct __ksft_case c = {
					.test = t,
					.variant = v == &no_variant ? NULL : v,
				};

				__ksft_case_name(&c);
				if (!__ksft_case_selected(flt, &c))
					continue;
				n++;
				if (fn)
					fn(&c, arg);
			}
			ngroups += n != before;
		}
	}
	if (groups)
		*groups = ngroups;
	return n;
}

/* Run one step; false if an ASSERT in it bailed out. */
static inline bool __ksft_run_step(struct __test_metadata *_metadata,
				   __ksft_step_fn step, void *self,
				   const void *variant)
{
	jmp_buf env;

	_metadata->env = &env;
	if (setjmp(env))
		return false;
	step(_metadata, self, variant);
	_metadata->env = NULL;
	return true;
}

/*
 * In the child: the setup, the body if the setup left the case running,
 * the teardown if the setup returned; then exit with the case's code.
 */
static inline void __ksft_case_child(void *arg)
{
	struct __ksft_case *c = arg;
	struct __test_metadata *t = c->test;
	struct __fixture_metadata *f = t->fixture;
	const void *variant = c->variant ? c->variant->data : NULL;
	void *self = calloc(1, t->self_size ? t->self_size : 1);
	bool set_up = true;

	if (!self)
		ksft_exit_fail_msg("%s: out of memory for the fixture\n", c->name);
	t->passed = true;
	t->case_name = c->name;
	if (f->setup)
		set_up = __ksft_run_step(t, f->setup, self, variant);
	if (set_up && t->passed && !t->skip && !t->xfail)
		__ksft_run_step(t, t->fn, self, variant);
	if (set_up && f->teardown)
		__ksft_run_step(t, f->teardown, self, variant);
	free(self);

	if (!t->passed)
		exit(KSFT_FAIL);
	if (t->skip)
		exit(KSFT_SKIP);
	if (t->xfail)
		exit(KSFT_XFAIL);
	exit(KSFT_PASS);
}

struct __ksft_run_state {
	struct __test_results *results;
	unsigned int passed;
};

static inline int __ksft_expected_signal(const struct __ksft_case *c,
					 struct ksft_case_status *st)
{
	int sig = c->test->termsig;

	if (st->timed_out)
		return KSFT_FAIL;
	if (st->signal == sig)
		return KSFT_PASS;
	printf("# %s: expected death by signal %d, got %s %d\n", c->name, sig,
	       st->signal ? "signal" : "exit", st->signal ? st->signal : st->exit_status);
	return KSFT_FAIL;
}

static inline void __ksft_run_case(struct __ksft_case *c, void *arg)
{
	struct __ksft_run_state *rs = arg;
	struct ksft_case_status st;
	const char *verdict;
	const char *reason;
	int code;

	memset(rs->results, 0, sizeof(*rs->results));
	c->test->results = rs->results;
	printf("#  RUN           %s ...\n", c->name);
	fflush(stdout);

	code = ksft_run_forked(__ksft_case_child, c, c->test->timeout, &st);
	if (c->test->termsig)
		code = __ksft_expected_signal(c, &st);

	switch (code) {
	case KSFT_PASS:
		verdict = "OK";
		break;
	case KSFT_SKIP:
		verdict = "SKIP";
		break;
	case KSFT_XFAIL:
		verdict = "XFAIL";
		break;
	default:
		verdict = "FAIL";
		break;
	}
	if (code == KSFT_PASS || code == KSFT_SKIP || code == KSFT_XFAIL)
		rs->passed++;
	printf("# %14s  %s\n", verdict, c->name);

	rs->results->reason[__KSFT_REASON_MAX - 1] = '\0';
	reason = rs->results->reason[0] ? rs->results->reason : NULL;
	if (c->test->termsig && code == KSFT_PASS)
		ksft_report_case_reason(code, NULL, c->name, NULL);
	else
		ksft_report_case_reason(code, &st, c->name, reason);
}

static inline void __ksft_list_case(struct __ksft_case *c, void *arg)
{
	(void)arg;
	printf("%s\n", c->name);
}

static inline void __ksft_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"Usage: %s [-h] [-l] [-f FIXTURE] [-v VARIANT] [-t TEST] [-r FIXTURE.VARIANT.TEST]\n"
		"  -h  show this help\n"
		"  -l  list the test cases\n"
		"  -f  run only the tests of FIXTURE (repeatable)\n"
		"  -v  run only the VARIANT of fixtures (repeatable)\n"
		"  -t  run only the tests named TEST (repeatable)\n"
		"  -r  run only the case with this full name (repeatable)\n"
		"Values of one option add up; different options must all match.\n",
		prog);
}

static inline int test_harness_run(int argc, char **argv)
{
	struct __ksft_filters flt = { 0 };
	struct __ksft_run_state rs = { 0 };
	unsigned int total, groups;
	bool list = false;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	flt.kind = calloc(argc, sizeof(*flt.kind));
	flt.value = calloc(argc, sizeof(*flt.value));
	if (!flt.kind || !flt.value)
		ksft_exit_fail_msg("out of memory parsing the options\n");

	while ((opt = getopt(argc, argv, "hlf:v:t:r:")) != -1) {
		switch (opt) {
		case 'h':
			__ksft_usage(stdout, argv[0]);
			return KSFT_PASS;
		case 'l':
			list = true;
			break;
		case 'f': case 'v': case 't': case 'r':
			flt.kind[flt.count] = opt;
			flt.value[flt.count++] = optarg;
			break;
		default:
			__ksft_usage(stderr, argv[0]);
			return KSFT_FAIL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
		__ksft_usage(stderr, argv[0]);
		return KSFT_FAIL;
	}

	if (list) {
		__ksft_for_each_case(&flt, __ksft_list_case, NULL, NULL);
		return KSFT_PASS;
	}

	ksft_print_header();
	total = __ksft_for_each_case(&flt, NULL, NULL, &groups);
	if (!total) {
		printf("1..0 # SKIP no test case matches the options\n");
		return KSFT_SKIP;
	}
	printf("# Starting %u tests from %u test cases.\n", total, groups);
	ksft_set_plan(total);

	rs.results = mmap(NULL, sizeof(*rs.results), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rs.results == MAP_FAILED)
		ksft_exit_fail_msg("mmap of the results page: %s\n", strerror(errno));

	__ksft_for_each_case(&flt, __ksft_run_case, &rs, NULL);
	munmap(rs.results, sizeof(*rs.results));

	printf("# %s: %u / %u tests passed.\n",
	       rs.passed == total ? "PASSED" : "FAILED", rs.passed, total);
	ksft_print_cnts();
	return __ksft_result_code();
}

#define TEST_HARNESS_MAIN					\
	int main(int argc, char **argv)				\
	{							\
		return test_harness_run(argc, argv);		\
	}

#endif /* SELFTEST_KSELFTEST_HARNESS_H */
