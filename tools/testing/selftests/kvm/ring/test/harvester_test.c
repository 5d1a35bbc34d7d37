// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the harvester, dirty_ring_walk(), against the model.
 *
 * The walk is the only ring walk of the suite: a bug in it would blind
 * every KVM test.  Checked here, without /dev/kvm:
 *  - harvesting with the ring starting at every position of small rings,
 *    in chunks of several sizes, hands every entry over exactly once, in
 *    order, with its free-running index;
 *  - the same for every power-of-two ring from 1 to 65536 entries with the
 *    free-running index crossing 2^32;
 *  - the bitmap collector sees what the walk hands over, strays counted;
 *  - a producer thread publishing entries with release semantics while this
 *    thread harvests (acquire) and resets: at least 10^7 entries, none lost,
 *    duplicated or torn.  Run it under TSan too (make unit-sanitize).
 */
#include <getopt.h>
#include <pthread.h>
#include <sched.h>

#include "dirty_bitmap.h"
#include "ring_model.h"

#define CASE_TIMEOUT_S		60
#define RUNNER_TIMEOUT_S	120	/* kvm/settings: the whole run ends below it */
#define SMALL_RING_MAX		64
#define LARGEST_RING_SHIFT	16
/*
 * TSan makes every access about ten times dearer; two million entries
 * still wrap the index (RACE_START is 2^20 entries below the wrap).
 */
#if defined(__SANITIZE_THREAD__)
#define RACE_ENTRIES		2000000ull
#else
#define RACE_ENTRIES		10000000ull
#endif
#define RACE_RING		4096
#define RACE_START		0xfff00000u	/* so the index wraps mid-run */
#define SLOT			1

static u64 race_entries = RACE_ENTRIES;

/*
 * Run a model vCPU writing `pages` consecutive pages, harvesting at most
 * `chunk` entries per walk, and check each entry: index start + k, page k.
 * The model does not replay the store that hit the soft limit, so every
 * page logs exactly once.
 */
static void harvest_sequence(u32 size, u32 start, u32 chunk, u64 pages)
{
	struct ring_model_config cfg = {
		.nr_vcpus = 1,
		.ring_size = size,
		.reserve = size / 4,
		.start_index = start,
	};
	struct ring_model *m = ring_model_create(&cfg);
	struct dirty_entry *out = calloc(chunk, sizeof(*out));
	struct script_op script[] = {
		{ .kind = SCRIPT_WRITE, .slot = SLOT, .count = pages },
		{ .kind = SCRIPT_END },
	};
	struct ring_progress progress;
	u64 seen = 0, rounds = 0;
	enum ring_exit exit;

	TEST_ASSERT(out, "out of memory");
	TEST_ASSERT_EQ(ring_model_slot_add(m, SLOT, pages, KVM_MEM_LOG_DIRTY_PAGES), 0);
	ring_model_load(m, 0, script);
	do {
		struct dirty_ring *ring = ring_model_ring(m, 0);
		u32 n, i, harvested = 0;

		exit = ring_model_run(m, 0, &progress);
		do {
			n = dirty_ring_harvest(ring, out, chunk);
			for (i = 0; i < n; i++, seen++) {
				test_set_context("ring %u start %#x chunk %u entry %lu", size,
						 start, chunk, seen);
				TEST_ASSERT_EQ(out[i].index, (u32)(start + seen));
				TEST_ASSERT_EQ(out[i].slot, DIRTY_RING_SLOT(0, SLOT));
				TEST_ASSERT_EQ(out[i].offset, seen);
			}
			harvested += n;
		} while (n == chunk);
		TEST_ASSERT_EQ(ring_model_reset(m), harvested);
		TEST_ASSERT(++rounds <= pages + 2, "ring %u start %#x: no progress", size, start);
	} while (exit == RING_EXIT_FULL);
	TEST_ASSERT_EQ(exit, RING_EXIT_DONE);
	TEST_ASSERT_EQ(seen, pages);
	TEST_ASSERT_EQ(progress.stores, pages);
	free(out);
	ring_model_free(m);
}

static void wrap_every_position(void *arg)
{
	u32 size, start;

	(void)arg;
	for (size = 1; size <= SMALL_RING_MAX; size *= 2) {
		for (start = 0; start < size; start++) {
			harvest_sequence(size, start, 1, 3 * size + 2);
			harvest_sequence(size, start, 3, 3 * size + 2);
			harvest_sequence(size, start, size, 3 * size + 2);
		}
	}
}

static void every_size_index_wrap(void *arg)
{
	u32 shift;

	(void)arg;
	for (shift = 0; shift <= LARGEST_RING_SHIFT; shift++) {
		u32 size = 1u << shift;

		harvest_sequence(size, 0u - size - 3, size, 2 * size + 5);
		harvest_sequence(size, 0u - 1, size / 2 + 1, 2 * size + 5);
	}
}

static void bitmap_collector(void *arg)
{
	struct ring_model_config cfg = { .nr_vcpus = 1, .ring_size = 64, .reserve = 8 };
	struct ring_model *m = ring_model_create(&cfg);
	struct script_op script[] = {
		{ .kind = SCRIPT_WRITE, .slot = 1, .page = 3, .count = 10 },
		{ .kind = SCRIPT_WRITE, .slot = 2, .page = 0, .count = 2 },
		{ .kind = SCRIPT_WRITE, .slot = 1, .page = 99, .count = 1 },
		{ .kind = SCRIPT_END },
	};
	struct dirty_bitmap_set set;
	struct ring_progress progress;
	unsigned long *map;
	u64 page;

	(void)arg;
	TEST_ASSERT_EQ(ring_model_slot_add(m, 1, 100, KVM_MEM_LOG_DIRTY_PAGES), 0);
	TEST_ASSERT_EQ(ring_model_slot_add(m, 2, 4, KVM_MEM_LOG_DIRTY_PAGES), 0);
	ring_model_load(m, 0, script);
	TEST_ASSERT_EQ(ring_model_run(m, 0, &progress), RING_EXIT_DONE);

	dirty_bitmap_set_init(&set);
	map = dirty_bitmap_set_add_slot(&set, DIRTY_RING_SLOT(0, 1), 100);
	TEST_ASSERT_EQ(dirty_ring_harvest_bitmap(ring_model_ring(m, 0), &set), 13);
	TEST_ASSERT_EQ(set.harvested, 13);
	TEST_ASSERT_EQ(bitmap_weight(map, 100), 11);
	for (page = 3; page < 13; page++)
		TEST_ASSERT(bitmap_test_bit(map, page), "page %lu not in the bitmap", page);
	TEST_ASSERT(bitmap_test_bit(map, 99), "page 99 not in the bitmap");
	TEST_ASSERT_EQ(set.stray, 2);
	TEST_ASSERT_EQ(set.first_stray.slot, DIRTY_RING_SLOT(0, 2));
	TEST_ASSERT_EQ(set.first_stray.offset, 0);
	TEST_ASSERT_EQ(ring_model_reset(m), 13);
	dirty_bitmap_set_free(&set);
	ring_model_free(m);
}

/*
 * The race: the producer plays KVM (write slot and offset, publish flags
 * with release, wait for room), this thread plays the VMM (walk, then the
 * reset: clear the flags and publish the new reset index with release).
 */
struct race {
	struct kvm_dirty_gfn *gfns;
	u32 size;
	u32 reset_index;	/* written by the consumer, read by the producer */
	u64 expected;		/* consumer: next sequence number */
};

static inline u32 race_slot(u64 seq)
{
	return (u32)(seq * 2654435761u) & 0xffff;
}

/*
 * Spin a little, then give the CPU away: on a machine with more runnable
 * threads than CPUs, a pure spin waits a whole time slice for the other
 * side, and the case's time depends on the load instead of on the code.
 */
static void race_wait(u32 *spins)
{
	if (++*spins < 64) {
		cpu_relax();
		return;
	}
	*spins = 0;
	sched_yield();
}

static void *race_producer(void *arg)
{
	struct race *r = arg;
	u32 dirty = RACE_START, mask = r->size - 1, spins = 0;
	u64 seq;

	for (seq = 0; seq < race_entries; seq++, dirty++) {
		struct kvm_dirty_gfn *e = &r->gfns[dirty & mask];

		while (dirty - __atomic_load_n(&r->reset_index, __ATOMIC_ACQUIRE) >= r->size)
			race_wait(&spins);
		e->slot = race_slot(seq);
		e->offset = seq;
		__atomic_store_n(&e->flags, KVM_DIRTY_GFN_F_DIRTY, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void race_check(void *opaque, const struct dirty_entry *e)
{
	struct race *r = opaque;
	u64 seq = r->expected++;

	if (e->index != (u32)(RACE_START + seq) || e->offset != seq || e->slot != race_slot(seq))
		TEST_FAIL("entry %lu: index %#x slot %#x offset %lu, expected index %#x slot %#x offset %lu",
			  seq, e->index, e->slot, e->offset, (u32)(RACE_START + seq),
			  race_slot(seq), seq);
}

static void racing_producer(void *arg)
{
	struct race r = { .size = RACE_RING, .reset_index = RACE_START };
	struct dirty_ring ring = { .size = RACE_RING, .fetch = RACE_START };
	u64 walks = 0, empty = 0, t0 = time_now_ns();
	pthread_t producer;
	u32 i, spins = 0;

	(void)arg;
	r.gfns = calloc(RACE_RING, sizeof(*r.gfns));
	TEST_ASSERT(r.gfns, "out of memory");
	ring.gfns = r.gfns;
	TEST_ASSERT_EQ(pthread_create(&producer, NULL, race_producer, &r), 0);
	while (r.expected < race_entries) {
		u32 reset = ring.fetch;

		if (!dirty_ring_walk(&ring, RACE_RING, race_check, &r)) {
			empty++;
			race_wait(&spins);
			continue;
		}
		walks++;
		for (i = reset; i != ring.fetch; i++) {
			struct kvm_dirty_gfn *e = dirty_ring_entry(&ring, i);

			TEST_ASSERT_EQ(__atomic_load_n(&e->flags, __ATOMIC_RELAXED),
				       KVM_DIRTY_GFN_F_RESET);
			__atomic_store_n(&e->flags, 0, __ATOMIC_RELAXED);
		}
		__atomic_store_n(&r.reset_index, ring.fetch, __ATOMIC_RELEASE);
	}
	pthread_join(producer, NULL);
	TEST_ASSERT_EQ(dirty_ring_occupancy(&ring), 0);
	ksft_print_msg("racing producer: %lu entries in %lu walks (%lu empty), %lu ms\n",
		       r.expected, walks, empty, (time_now_ns() - t0) / 1000000);
	free(r.gfns);
}

struct harvester_case {
	const char *name;
	void (*fn)(void *arg);
};

static const struct harvester_case cases[] = {
	{ "wrap_every_position", wrap_every_position },
	{ "every_size_1_to_65536_index_wrap", every_size_index_wrap },
	{ "bitmap_collector", bitmap_collector },
	{ "racing_producer", racing_producer },
};

int main(int argc, char **argv)
{
	struct ksft_case_status st;
	u32 i;
	int opt;

	while ((opt = getopt(argc, argv, "n:h")) != -1) {
		if (opt != 'n') {
			printf("usage: %s [-n racing entries (default %llu)]\n", argv[0],
			       RACE_ENTRIES);
			return opt == 'h' ? KSFT_PASS : KSFT_FAIL;
		}
		race_entries = parse_u64(optarg, "-n", 1, 1ull << 40);
	}
	ksft_print_header();
	ksft_set_deadline(ksft_deadline_below(ksft_runner_timeout(RUNNER_TIMEOUT_S)),
			  "harvester_test");
	ksft_set_plan(ARRAY_SIZE(cases));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ksft_run_forked(cases[i].fn, NULL, CASE_TIMEOUT_S, &st);
		ksft_report_case(st.code, &st, "%s", cases[i].name);
	}
	ksft_finished();
}
