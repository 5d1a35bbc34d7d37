// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_ring_bitmap_equiv_test: the dirty ring and the dirty bitmap report
 * the same pages.
 *
 * One seeded, deterministic write script runs on three VMs, each tracking
 * its dirty-logged slot with a different mechanism:
 *   - ring:      KVM_CAP_DIRTY_LOG_RING, harvest every entry, then
 *                KVM_RESET_DIRTY_RINGS;
 *   - get_log:   KVM_GET_DIRTY_LOG, which also clears and re-protects;
 *   - clear_log: KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, KVM_GET_DIRTY_LOG then
 *                KVM_CLEAR_DIRTY_LOG of what it returned.
 * Each iteration the guest writes a pseudo-random subset of the slot (a
 * few hot pages several times, runs of consecutive pages, most pages once
 * or not at all) and syncs.  The host then collects each VM's dirty set and
 * checks that all three equal the set of pages the script wrote in that
 * iteration.  Before the first iteration every mechanism must report
 * nothing.
 *
 * The ring is sized above the most stores of any iteration plus KVM's
 * largest reserve, so it never reaches its soft limit (as long as KVM
 * allows a ring that large: the default run is far below).  A full exit is
 * still handled (harvest, reset, run again), and one that finds nothing to
 * harvest is diagnosed as a ring overflow instead of spinning.  Writes KVM
 * emulates (CPL0 guests on kvm_pvm) log one ring entry per store, so the
 * ring may name a page more than once per iteration: it is compared as a
 * set, and the duplicates are counted.
 *
 * The clear_log_initially_set case creates the slot with
 * KVM_DIRTY_LOG_INITIALLY_SET: the first KVM_GET_DIRTY_LOG must then report
 * every page, and the test clears them all once before the guest runs.
 *
 * KVM sends every page it dirties through mark_page_dirty_in_slot() to
 * either the ring or the bitmap, and re-protects pages on the ring reset or
 * on the get/clear of the log.  A VMM may use either interface for live
 * migration; a page one reports and another misses is memory a migration
 * silently loses.
 */
#include <getopt.h>
#include <unistd.h>

#include "dirty_log.h"
#include "dirty_ring.h"
#include "kvm_util.h"
#include "test_case.h"
#include "ucall.h"
#include "guest_script.h"

#define TEST_SLOT		1
#define DEFAULT_PAGES		1024
#define DEFAULT_ITERATIONS	32
#define MAX_PAGES		(1u << 16)
#define MAX_ITERATIONS		1024
/* Pages written several times within an iteration. */
#define HOT_PAGES		8
/* The longest run of consecutive pages one op writes. */
#define MAX_RUN_PAGES		8
/* Idle loop iterations after each store of a run, at most. */
#define MAX_PAD			3
/* Differing pages printed on a mismatch. */
#define MAX_DIFFS_SHOWN		8

struct equiv_case {
	bool initially_set;	/* clear_log slot created with KVM_DIRTY_LOG_INITIALLY_SET */
};

/* Options */
static u64 seed;
static u32 nr_pages = DEFAULT_PAGES;
static u32 nr_iterations = DEFAULT_ITERATIONS;

/* Ring sizes KVM accepts, in entries: probed once in main(). */
static u32 ring_min_entries, ring_max_entries;

/* The script all three guests run, and what the host knows about it. */
struct workload {
	struct write_script script;
	u64 max_stores;		/* most stores in one iteration */
	u32 cursor;		/* first op of the next iteration */
};

/* One VM and how its dirty pages are collected. */
struct logged_vm {
	enum log_mode_id mode;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	unsigned long *dirty;		/* this iteration's dirty set */
	struct dirty_bitmap_set ring_set;	/* LOG_MODE_RING: owns dirty */
	u64 entries;			/* LOG_MODE_RING: entries harvested */
	u64 distinct;			/* LOG_MODE_RING: pages they named, summed */
	u64 full_exits;			/* LOG_MODE_RING */
};

static u64 pick_page(u64 r, u32 count)
{
	return r % (nr_pages - count + 1);
}

/* One iteration of writes, ended by a sync; returns the stores it makes. */
static u64 add_iteration(struct write_script *s, u64 *state)
{
	u64 hot[HOT_PAGES], stores = 0, page, r;
	u32 i, nr_ops = nr_pages / 4 + prng_next(state) % (nr_pages / 4 + 1);
	u32 count, pad;

	for (i = 0; i < HOT_PAGES; i++)
		hot[i] = pick_page(prng_next(state), 1);
	for (i = 0; i < nr_ops; i++) {
		r = prng_next(state);
		count = 1;
		pad = 0;
		if (r % 8 == 0) {		/* a run of consecutive pages */
			count = 2 + (r >> 8) % (MAX_RUN_PAGES - 1);
			pad = (r >> 48) % (MAX_PAD + 1);
			page = pick_page(r >> 16, count);
		} else if (r % 8 < 3) {		/* a hot page, again */
			page = hot[(r >> 8) % HOT_PAGES];
		} else {
			page = pick_page(r >> 8, 1);
		}
		script_add_write(s, (struct script_write){ .slot = TEST_SLOT, .page = page,
							   .count = count, .pad = pad });
		stores += count;
	}
	script_add_sync(s);
	return stores;
}

static void build_workload(struct workload *w)
{
	u64 state = seed, stores;
	u32 i;

	for (i = 0; i < nr_iterations; i++) {
		stores = add_iteration(&w->script, &state);
		w->max_stores = stores > w->max_stores ? stores : w->max_stores;
	}
	script_add_end(&w->script);
}

/*
 * The pages the script writes in its next iteration, from the host's copy;
 * returns the index of the SCRIPT_SYNC op that ends the iteration.
 */
static u32 script_next_iteration(struct workload *w, unsigned long *expected)
{
	const struct script_op *op;
	u64 page;

	memset(expected, 0, DIV_ROUND_UP(nr_pages, 64) * sizeof(unsigned long));
	for (op = &w->script.ops[w->cursor]; op->kind == SCRIPT_WRITE; op++)
		for (page = op->page; page < op->page + op->count; page++)
			bitmap_set_bit(expected, page);
	TEST_ASSERT_EQ(op->kind, SCRIPT_SYNC);
	w->cursor = op - w->script.ops + 1;
	return op - w->script.ops;
}

/* A ring no iteration fills to its soft limit, if KVM allows one that large. */
static u32 ring_entries_for(u64 stores)
{
	u64 entries = ring_min_entries;

	while (entries < stores + KVM_RING_RESERVE_MAX + 1 && entries < ring_max_entries)
		entries *= 2;
	return entries;
}

/*
 * Built by hand rather than with vm_create_logged(): KVM_DIRTY_LOG_INITIALLY_SET
 * must be enabled before the memslot exists, which no log mode's setup does;
 * the memslot is the library's, vm_add_logged_slot().
 */
static void logged_vm_create(struct logged_vm *lv, enum log_mode_id mode, enum guest_cpl cpl,
			     const struct equiv_case *ec, const struct workload *w)
{
	struct script_layout layout = {
		.nr_slots = 1,
		.slot = { TEST_SLOT },
		.npages = { nr_pages },
		.gva = { TEST_MEM_BASE_GPA },
	};

	lv->mode = mode;
	lv->vm = vm_create_cpl(cpl);
	if (mode == LOG_MODE_CLEAR_LOG && ec->initially_set)
		vm_enable_cap(lv->vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
			      KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET);
	else
		log_modes[mode].setup(lv->vm, ring_entries_for(w->max_stores));
	lv->vcpu = vm_vcpu_add(lv->vm, 0, guest_script_main);
	log_modes[mode].vcpu_setup(lv->vcpu);
	vm_add_logged_slot(lv->vm, TEST_SLOT, nr_pages);
	vcpu_args_set(lv->vcpu, 1, guest_script_load(lv->vm, w->script.ops, w->script.nr, &layout));

	if (mode == LOG_MODE_RING) {
		dirty_bitmap_set_init(&lv->ring_set);
		lv->dirty = dirty_bitmap_set_add_slot(&lv->ring_set, DIRTY_RING_SLOT(0, TEST_SLOT),
						      nr_pages);
	} else {
		lv->dirty = bitmap_alloc(nr_pages);
		TEST_ASSERT(lv->dirty, "out of memory");
	}
}

static void logged_vm_free(struct logged_vm *lv)
{
	if (lv->mode == LOG_MODE_RING)
		dirty_bitmap_set_free(&lv->ring_set);
	else
		free(lv->dirty);
	kvm_vm_free(lv->vm);
}

/* This iteration's dirty set of one VM, leaving its log clean for the next. */
static void collect(struct logged_vm *lv)
{
	struct ring_collect rc = {};

	if (lv->mode != LOG_MODE_RING) {
		log_modes[lv->mode].collect(lv->vm, TEST_SLOT, lv->dirty, nr_pages);
		return;
	}
	lv->entries += vm_collect_rings_bitmap(lv->vm, &lv->ring_set, &rc);
	ring_collect_assert(&rc);
	lv->distinct += bitmap_weight(lv->dirty, nr_pages);
}

static void start_iteration(struct logged_vm *lv)
{
	if (lv->mode == LOG_MODE_RING)
		dirty_bitmap_set_clear(&lv->ring_set);
}

/*
 * Run the guest to the sync that ends the iteration.  A full ring is
 * harvested into this iteration's set and reset; a full exit with nothing
 * to harvest means KVM's push index left ours behind.
 */
static void run_iteration(struct logged_vm *lv, u32 sync_op)
{
	struct ring_collect rc = {};
	struct ucall uc;

	for (;;) {
		vcpu_run(lv->vcpu);
		if (!log_modes[lv->mode].after_run(lv->vcpu))
			break;
		lv->full_exits++;
		lv->entries += vcpu_collect_full_ring(lv->vcpu, dirty_bitmap_set_entry,
						      &lv->ring_set, &rc);
		ring_collect_assert(&rc);
	}
	TEST_ASSERT(get_ucall_checked(lv->vcpu, &uc) == UCALL_SYNC,
		    "%s VM: wanted the sync at op %u, got exit %s, ucall %lu",
		    log_modes[lv->mode].name, sync_op, exit_reason_str(lv->vcpu->run->exit_reason),
		    uc.cmd);
	TEST_ASSERT_EQ(uc.args[0], sync_op);
}

static const char *dirty_or_clean(const unsigned long *map, u64 page)
{
	return bitmap_test_bit(map, page) ? "dirty" : "clean";
}

/* All three sets equal the script's, else name the first differing pages. */
static void check_iteration(struct logged_vm *lvs, const unsigned long *expected, u32 iteration)
{
	u64 page, diffs = 0;
	int m;

	for (page = 0; page < nr_pages; page++) {
		for (m = 0; m < NR_LOG_MODES; m++)
			if (bitmap_test_bit(lvs[m].dirty, page) != bitmap_test_bit(expected, page))
				break;
		if (m == NR_LOG_MODES)
			continue;
		if (diffs++ >= MAX_DIFFS_SHOWN)
			continue;
		ksft_print_msg("FAIL [%s] iteration %u page %lu: script %s, ring %s, get_log %s, clear_log %s\n",
			       test_context(), iteration, page, dirty_or_clean(expected, page),
			       dirty_or_clean(lvs[LOG_MODE_RING].dirty, page),
			       dirty_or_clean(lvs[LOG_MODE_GET_LOG].dirty, page),
			       dirty_or_clean(lvs[LOG_MODE_CLEAR_LOG].dirty, page));
	}
	TEST_ASSERT(!diffs,
		    "DIRTY SETS DIFFER in iteration %u at %lu of %u pages; dirty pages: script %lu, ring %lu, get_log %lu, clear_log %lu (seed %lu)",
		    iteration, diffs, nr_pages, bitmap_weight(expected, nr_pages),
		    bitmap_weight(lvs[LOG_MODE_RING].dirty, nr_pages),
		    bitmap_weight(lvs[LOG_MODE_GET_LOG].dirty, nr_pages),
		    bitmap_weight(lvs[LOG_MODE_CLEAR_LOG].dirty, nr_pages), seed);
}

/*
 * KVM_DIRTY_LOG_INITIALLY_SET: the slot starts with every page reported
 * dirty (and not write-protected).  Clear them all so that from now on the
 * log holds only the guest's writes, like the other two VMs.
 */
static void clear_initially_set(struct logged_vm *lv)
{
	vm_get_dirty_log(lv->vm, TEST_SLOT, lv->dirty);
	TEST_ASSERT(bitmap_weight(lv->dirty, nr_pages) == nr_pages,
		    "KVM_DIRTY_LOG_INITIALLY_SET: first KVM_GET_DIRTY_LOG reported %lu of %u pages",
		    bitmap_weight(lv->dirty, nr_pages), nr_pages);
	vm_clear_dirty_log(lv->vm, TEST_SLOT, lv->dirty, 0, nr_pages);
}

static void run_equiv_case(enum guest_cpl cpl, const void *arg)
{
	const struct equiv_case *ec = arg;
	struct logged_vm lvs[NR_LOG_MODES] = {}, *ring;
	struct workload w = {};
	unsigned long *expected = bitmap_alloc(nr_pages);
	u64 written = 0;
	u32 it, sync_op;
	int m;

	TEST_ASSERT(expected, "out of memory");
	if (ec->initially_set)
		TEST_REQUIRE(kvm_check_cap(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2) &
			     KVM_DIRTY_LOG_INITIALLY_SET);
	build_workload(&w);
	for (m = 0; m < NR_LOG_MODES; m++)
		logged_vm_create(&lvs[m], m, cpl, ec, &w);
	if (ec->initially_set)
		clear_initially_set(&lvs[LOG_MODE_CLEAR_LOG]);

	/* Iteration 0: before the guest runs, nothing is dirty. */
	memset(expected, 0, DIV_ROUND_UP(nr_pages, 64) * sizeof(unsigned long));
	for (m = 0; m < NR_LOG_MODES; m++)
		collect(&lvs[m]);
	check_iteration(lvs, expected, 0);

	for (it = 1; it <= nr_iterations; it++) {
		sync_op = script_next_iteration(&w, expected);
		written += bitmap_weight(expected, nr_pages);
		for (m = 0; m < NR_LOG_MODES; m++) {
			start_iteration(&lvs[m]);
			run_iteration(&lvs[m], sync_op);
			collect(&lvs[m]);
		}
		check_iteration(lvs, expected, it);
	}
	for (m = 0; m < NR_LOG_MODES; m++)
		vcpu_run_expect_ucall(lvs[m].vcpu, UCALL_DONE);

	ring = &lvs[LOG_MODE_RING];
	ksft_print_msg("[%s] %u iterations, %lu pages dirtied, ring of %u entries: %lu entries harvested, %lu of them repeats within an iteration, %lu full exits\n",
		       test_context(), nr_iterations, written, ring->vcpu->ring.size,
		       ring->entries, ring->entries - ring->distinct, ring->full_exits);
	for (m = 0; m < NR_LOG_MODES; m++)
		logged_vm_free(&lvs[m]);
	write_script_free(&w.script);
	free(expected);
}

static const struct equiv_case clear_log = { .initially_set = false };
static const struct equiv_case clear_log_initially_set = { .initially_set = true };

static const struct test_case cases[] = {
	{ "ring_get_log_clear_log", run_equiv_case, &clear_log, true, true },
	{ "ring_get_log_clear_log_initially_set", run_equiv_case, &clear_log_initially_set, true,
	  true },
};

static void help(const char *prog)
{
	printf("usage: %s [-g cpl0|cpl3|all] [-s seed] [-i iterations] [-p pages]\n"
	       "Checks that the dirty ring, KVM_GET_DIRTY_LOG and KVM_CLEAR_DIRTY_LOG report the same pages.\n"
	       TEST_COMMON_USAGE
	       "  -s SEED   seed of the write script (default: from the clock, printed)\n"
	       "  -i N      iterations: write, sync, compare (1..%u; default %u)\n"
	       "  -p N      pages in the dirty-logged slot (%u..%u; default %u)\n",
	       prog, MAX_ITERATIONS, DEFAULT_ITERATIONS, MAX_RUN_PAGES, MAX_PAGES, DEFAULT_PAGES);
}

int main(int argc, char *argv[])
{
	unsigned int cpl_mask = GUEST_CPL_ALL;
	int opt;

	seed = time_now_ns();
	while ((opt = test_getopt(argc, argv, TEST_COMMON_OPTS "s:i:p:", NULL,
				  &cpl_mask, help)) != -1) {
		switch (opt) {
		case 's':
			seed = parse_u64(optarg, "-s", 0, ~0ull);
			break;
		case 'i':
			nr_iterations = parse_u64(optarg, "-i", 1, MAX_ITERATIONS);
			break;
		case 'p':
			nr_pages = parse_u64(optarg, "-p", MAX_RUN_PAGES, MAX_PAGES);
			break;
		}
	}

	log_modes_require(LOG_MODES_ALL);
	ring_min_entries = kvm_dirty_ring_min_bytes(dirty_ring_cap_acq_rel()) / DIRTY_GFN_SIZE;
	ring_max_entries = kvm_dirty_ring_max_bytes(dirty_ring_cap_acq_rel()) / DIRTY_GFN_SIZE;
	ksft_print_msg("write script seed: %lu (rerun with -s %lu)\n", seed, seed);
	run_test_cases(cases, ARRAY_SIZE(cases), cpl_mask, TEST_CASE_TIMEOUT_S);
}
