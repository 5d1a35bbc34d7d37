/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Assertions and small helpers shared by every KVM dirty-ring selftest.
 *
 * A failed assertion prints one line that a CI log grep can find:
 *
 *   # FAIL [<context>] <file>:<line>: <expression>: <message> (errno <n>: <text>)
 *
 * and ends the process (or the forked test case) with KSFT_FAIL.  The context
 * names the case, the guest privilege level and the ring size; tests set it
 * with test_set_context() when a case starts.
 */
#ifndef SELFTEST_KVM_TEST_UTIL_H
#define SELFTEST_KVM_TEST_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest.h"
#include "kselftest_forked.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#ifndef ARRAY_SIZE	/* the kernel's kselftest.h has it too */
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

#ifndef fallthrough	/* the kernel's tools/include has it too */
#define fallthrough	__attribute__((__fallthrough__))
#endif
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define ALIGN_UP(x, a)		(((x) + (a) - 1) & ~((typeof(x))(a) - 1))
#define ALIGN_DOWN(x, a)	((x) & ~((typeof(x))(a) - 1))
#define READ_ONCE(x)		(*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile typeof(x) *)&(x) = (v))
#define IS_POWER_OF_2(x)	((x) != 0 && ((x) & ((x) - 1)) == 0)

/* The spin-wait hint of the CPU the code runs on (host or guest). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__)
	asm volatile("pause" ::: "memory");
#elif defined(__aarch64__)
	asm volatile("yield" ::: "memory");
#else
	asm volatile("" ::: "memory");
#endif
}

void test_assert_fail(const char *file, unsigned int line, const char *expr,
		      const char *fmt, ...) __attribute__((noreturn, format(printf, 4, 5)));

#define TEST_ASSERT(cond, fmt, ...)						\
do {										\
	if (!(cond))								\
		test_assert_fail(__FILE__, __LINE__, #cond, fmt, ##__VA_ARGS__);	\
} while (0)

/*
 * Compare two integer expressions as u64 and print both expressions and both
 * values (hex and signed decimal) when they differ.
 */
#define __TEST_ASSERT_CMP(a, op, b)						\
do {										\
	u64 __a = (u64)(a), __b = (u64)(b);					\
	if (!(__a op __b))							\
		test_assert_fail(__FILE__, __LINE__, #a " " #op " " #b,		\
				 "%#lx (%ld) vs %#lx (%ld)",			\
				 __a, (s64)__a, __b, (s64)__b);			\
} while (0)

#define TEST_ASSERT_EQ(a, b)	__TEST_ASSERT_CMP(a, ==, b)
#define TEST_ASSERT_NE(a, b)	__TEST_ASSERT_CMP(a, !=, b)

#define TEST_FAIL(fmt, ...)	test_assert_fail(__FILE__, __LINE__, "failure", fmt, ##__VA_ARGS__)

/* Skip (exit 4) with the requirement that was not met. */
#define TEST_REQUIRE(cond)							\
do {										\
	if (!(cond))								\
		test_skip("requirement not met: %s", #cond);			\
} while (0)

void test_skip(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/*
 * Where test_skip() also copies its reason (NULL: nowhere): memory shared
 * with the parent of a forked case, which puts it on the case's KTAP line.
 */
void test_set_skip_reason_buffer(char *buf, size_t size);

/* The [context] printed by every failure line; empty by default. */
void test_set_context(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *test_context(void);

/* Option parsing helpers: exit with usage on a malformed value. */
u64 parse_size(const char *arg, const char *what);
u64 parse_u64(const char *arg, const char *what, u64 min, u64 max);
/*
 * Run fn(arg) in a forked child (exit KSFT_PASS when it returns) with its
 * stderr, and its stdout too if with_stdout (line-buffered), on a pipe; out
 * gets what it wrote, NUL-terminated and cut at size - 1 (the rest is read
 * and dropped, so the child never blocks).  Returns the child's wait status.
 */
int test_run_captured(void (*fn)(const void *arg), const void *arg, bool with_stdout,
		      char *out, size_t size);
/* A power of two from min to max (a ring size: dirty_ring_entries_option() for KVM's). */
u64 parse_power_of_2(const char *arg, const char *what, u64 min, u64 max);

/* KVM_SELFTEST_TIMEOUT_SCALE: the factor for case timeouts and watchdogs. */
unsigned int test_timeout_scale(void);

/*
 * The one growable array: room for element nr of an array of *cap elements
 * of size bytes, doubling (from first) as needed.  Returns the array, maybe
 * moved; out of memory fails the test.
 */
void *array_reserve(void *array, u64 nr, u64 *cap, size_t size, u64 first);

/* Monotonic time. */
u64 time_now_ns(void);

/* A small deterministic PRNG (xorshift64*), so runs are reproducible from a seed. */
static inline u64 prng_next(u64 *state)
{
	u64 x = *state ? *state : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

#endif /* SELFTEST_KVM_TEST_UTIL_H */
