// SPDX-License-Identifier: GPL-2.0
/*
 * harness_sample_test: a harness program whose cases end in every way a case
 * can end - pass, failed EXPECT, failed ASSERT, crash, hang, skip, expected
 * signal - plus a fixture with two variants and one whose setup fails.  It is not a test by itself:
 * harness_test.sh runs it and checks the KTAP it prints line by line, which
 * proves that the harness reports failures, isolates crashes and hangs, and
 * keeps running the cases that follow.
 *
 * The "reached" lines are printed after a failed check; the driver expects
 * them after an EXPECT and not after an ASSERT.
 */
#include <signal.h>
#include <stdint.h>
#include <unistd.h>

#include "kselftest_harness.h"

/* Short enough for a fast unit run, long enough for a loaded CI box. */
#define HANG_TIMEOUT_S	1

TEST(passes)
{
	unsigned long long big = UINT64_MAX;
	size_t size = sizeof(big);
	int minus_one = -1;
	int *ptr = &minus_one;

	/* Mixed signedness, pointers and NULL compile and compare by value. */
	ASSERT_EQ(8, size);
	ASSERT_LT(minus_one, size);
	ASSERT_GT(big, minus_one);
	ASSERT_NE(-1, big);
	ASSERT_EQ(UINT64_MAX, big);
	ASSERT_NE(NULL, ptr);
	ASSERT_NULL(NULL);
	ASSERT_TRUE(ptr);
	ASSERT_FALSE(0);
	ASSERT_STREQ("ring", "ring");
	ASSERT_STRNE("ring", "log");
	EXPECT_LE(-5, -5);
	EXPECT_GE(0u, 0);
	TH_LOG("logging from %s", "passes");
}

TEST(expect_fails)
{
	int seen = 2;

	EXPECT_EQ(1, seen);
	TH_LOG("reached after EXPECT");
}

TEST(assert_fails)
{
	unsigned int seen = 7;

	ASSERT_EQ(-3, seen) TH_LOG("context of the failed ASSERT");
	TH_LOG("reached after ASSERT");
}

TEST(crashes)
{
	volatile int *bad = NULL;

	*bad = 1;
}

TEST_TIMEOUT(hangs, HANG_TIMEOUT_S)
{
	for (;;)
		pause();
}

TEST(skips)
{
	SKIP(return, "no dirty ring here");
	TH_LOG("reached after SKIP");
}

TEST_SIGNAL(aborts, SIGABRT)
{
	abort();
}

FIXTURE(ring)
{
	unsigned int entries;
	int set_up;
};

FIXTURE_VARIANT(ring)
{
	unsigned int entries;
};

FIXTURE_VARIANT_ADD(ring, small)
{
	.entries = 16,
};

FIXTURE_VARIANT_ADD(ring, large)
{
	.entries = 4096,
};

FIXTURE_SETUP(ring)
{
	self->entries = variant->entries;
	self->set_up = 1;
}

FIXTURE_TEARDOWN(ring)
{
	TH_LOG("teardown of %u entries", self->entries);
}

TEST_F(ring, uses_variant)
{
	ASSERT_EQ(1, self->set_up);
	ASSERT_EQ(variant->entries, self->entries);
}

TEST_F(ring, only_small)
{
	ASSERT_EQ(16, self->entries);
}

/* A setup that fails: the body and the teardown must not run. */
FIXTURE(broken)
{
	int unused;
};

FIXTURE_SETUP(broken)
{
	ASSERT_EQ(0, 1);
}

FIXTURE_TEARDOWN(broken)
{
	TH_LOG("reached teardown of a failed setup");
}

TEST_F(broken, never_runs)
{
	TH_LOG("reached body of a failed setup");
}

TEST_HARNESS_MAIN
