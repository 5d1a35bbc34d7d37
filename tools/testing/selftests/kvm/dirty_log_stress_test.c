// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_log_stress_test: vCPUs write while a collector harvests, nothing
 * is lost.
 *
 * The classic concurrent dirty-log check, for the three ways a VMM tracks
 * dirty pages (one case per mode and guest privilege level):
 *   - ring:      per-vCPU dirty rings, harvested and reset while the vCPUs
 *                run; a vCPU that exits full waits for the collector's
 *                reset and runs again;
 *   - get_log:   KVM_GET_DIRTY_LOG, which clears and re-protects;
 *   - clear_log: KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, KVM_GET_DIRTY_LOG then
 *                KVM_CLEAR_DIRTY_LOG of what it returned.
 * In iteration k every vCPU stores k to pseudo-random pages of the test
 * slot (seeded, the seed printed) while the main thread collects the dirty
 * pages over and over.  After a fixed number of stores each vCPU stops at a
 * GUEST_SYNC_VALUE; once all have, the collector harvests everything left and
 * verifies by page contents:
 *   - a page reported in iteration k holds k;
 *   - a page not reported holds an older value (a store of k was lost
 *     otherwise);
 *   - while the vCPUs run, a reported page already holds k, except the
 *     page of a store still in flight: KVM logs a store to a protected page
 *     before it retires, so the last entry of a vCPU's ring (a stopped full
 *     vCPU's included), or up to one page per vCPU of a bitmap, may still
 *     hold an older value.
 * Ring mode (the smallest ring KVM accepts, so that full exits come while
 * the collector runs) also checks each full exit it can attribute: the
 * collector finds the entries that made the vCPU full, and never a
 * completely used ring ("RING OVERFLOW"); each reset returns what was
 * harvested.  Then the host
 * publishes k + 1 to the guest and resumes it.  Nothing here sleeps or
 * signals to synchronise; the collector only paces itself between passes.
 *
 * This is what live migration relies on: a page dirtied while the VMM
 * harvests is reported in this round or the next, never missed.  A run in
 * which no pass found anything while the vCPUs ran collected nothing
 * concurrently: a SKIP saying so.
 */
#include <getopt.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "dirty_log.h"
#include "dirty_ring.h"
#include "kvm_util.h"
#include "test_case.h"
#include "ucall.h"

#define TEST_SLOT		1
#define DEFAULT_VCPUS		2
#define DEFAULT_PAGES		4096
#define DEFAULT_ITERATIONS	8
#define DEFAULT_WRITES		4096	/* per vCPU and iteration */
#define MAX_PAGES		(1u << 20)
#define COLLECT_INTERVAL_US	200
#define LAST_ENTRIES_SHOWN	8

/* Options */
static u64 seed;
static u32 nr_vcpus = DEFAULT_VCPUS;
static u64 nr_pages = DEFAULT_PAGES;
static u32 nr_iterations = DEFAULT_ITERATIONS;
static u64 writes_per_iteration = DEFAULT_WRITES;
static u32 ring_entries;

/* Shared with the guest: set before vm_create_cpl(), the iteration published each time. */
static u64 guest_iteration;
static u64 guest_nr_pages;
static u64 guest_writes;

static void guest_code(u64 vcpu_seed)
{
	u64 state = vcpu_seed, it, n, page;

	for (;;) {
		it = READ_ONCE(guest_iteration);
		for (n = 0; n < guest_writes; n++) {
			page = prng_next(&state) % guest_nr_pages;
			WRITE_ONCE(*(u64 *)(TEST_MEM_BASE_GPA + page * GUEST_PAGE_SIZE), it);
		}
		GUEST_SYNC_VALUE(it);
	}
}

struct stress_vcpu {
	struct stress *s;
	struct kvm_vcpu *vcpu;
	pthread_t thread;
	bool full_waiting;	/* under s->lock: stopped at a full exit */
	u64 resets_at_run;	/* s->resets when it last entered KVM_RUN */
	u64 full_exits;
};

struct stress {
	enum log_mode_id mode;
	struct kvm_vm *vm;
	struct stress_vcpu *vcpus;	/* nr_vcpus of them */
	u64 *pages;		/* host view of the test slot */
	unsigned long *reported;	/* this iteration */
	unsigned long *bitmap;		/* one KVM_GET_DIRTY_LOG */
	u64 iteration;
	struct dirty_entry last[LAST_ENTRIES_SHOWN];	/* ring mode: most recent entries */
	u64 resets;		/* atomic: KVM_RESET_DIRTY_RINGS calls that reset something */
	u64 nr_entries, passes, full_exits, full_judged, lagging, verified, run_ns;
	u64 found_running;	/* pages or entries collected while the vCPUs ran */
	/* Under lock: which iteration the vCPUs may run, how many have synced. */
	pthread_mutex_t lock;
	pthread_cond_t vcpu_wake, collector_wake;
	u64 go;
	u32 synced;
};

static bool released_by_collector(void *arg)
{
	const struct stress_vcpu *sv = arg;

	return !sv->full_waiting;
}

/*
 * A full exit: park until the collector has harvested and reset this ring;
 * one that stays full while the collector resets nothing fails.
 */
static void wait_for_reset(struct stress_vcpu *sv)
{
	struct stress *s = sv->s;
	struct ring_collect rc = {};
	bool released;

	sv->full_exits++;
	pthread_mutex_lock(&s->lock);
	sv->full_waiting = true;
	released = vcpu_wait_ring_released(sv->vcpu, &s->lock, &s->collector_wake,
					   &s->vcpu_wake, released_by_collector, sv,
					   RING_STUCK_FULL_MS, &rc);
	pthread_mutex_unlock(&s->lock);
	if (!released)
		ring_collect_assert(&rc);
}

static void *vcpu_thread(void *arg)
{
	struct stress_vcpu *sv = arg;
	struct stress *s = sv->s;
	u64 it;
	struct ucall uc;

	for (it = 1; it <= nr_iterations; it++) {
		pthread_mutex_lock(&s->lock);
		while (s->go < it)
			pthread_cond_wait(&s->vcpu_wake, &s->lock);
		pthread_mutex_unlock(&s->lock);
		for (;;) {
			sv->resets_at_run = __atomic_load_n(&s->resets, __ATOMIC_ACQUIRE);
			vcpu_run(sv->vcpu);
			if (!log_modes[s->mode].after_run(sv->vcpu))
				break;
			wait_for_reset(sv);
		}
		TEST_ASSERT(get_ucall_checked(sv->vcpu, &uc) == UCALL_SYNC,
			    "vCPU %u: wanted the sync of iteration %lu, got exit %s",
			    sv->vcpu->id, it, exit_reason_str(sv->vcpu->run->exit_reason));
		TEST_ASSERT_EQ(uc.args[0], it);
		pthread_mutex_lock(&s->lock);
		s->synced++;
		pthread_cond_signal(&s->collector_wake);
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

static void print_last_entries(const struct stress *s)
{
	u64 i, n = s->nr_entries < LAST_ENTRIES_SHOWN ? s->nr_entries : LAST_ENTRIES_SHOWN;

	for (i = s->nr_entries - n; i < s->nr_entries; i++) {
		const struct dirty_entry *e = &s->last[i % LAST_ENTRIES_SHOWN];

		ksft_print_msg("[%s] entry %lu: ring index %u slot %#x offset %lu\n",
			       test_context(), i, e->index, e->slot, e->offset);
	}
}

/* A page reported in this iteration must hold its value, unless in flight. */
static bool page_holds_iteration(struct stress *s, u64 page)
{
	return READ_ONCE(s->pages[page * (GUEST_PAGE_SIZE / sizeof(u64))]) == s->iteration;
}

/*
 * One ring walk: entries are checked one behind, so that the last one (a
 * store that may not have retired yet, if the vCPU can still be running
 * or stopped full) is judged after the walk.
 */
struct ring_walk {
	struct stress *s;
	u32 vcpu;
	bool have_prev;
	struct dirty_entry prev;
};

static void check_entry(struct ring_walk *w, const struct dirty_entry *e)
{
	struct stress *s = w->s;

	if (page_holds_iteration(s, e->offset))
		return;
	print_last_entries(s);
	TEST_FAIL("iteration %lu: vCPU %u ring index %u names page %lu, which holds %lu, and a later entry follows it (seed %lu)",
		  s->iteration, w->vcpu, e->index, e->offset,
		  s->pages[e->offset * (GUEST_PAGE_SIZE / sizeof(u64))], seed);
}

static void ring_entry_cb(void *opaque, const struct dirty_entry *e)
{
	struct ring_walk *w = opaque;
	struct stress *s = w->s;

	TEST_ASSERT(e->slot == DIRTY_RING_SLOT(0, TEST_SLOT) && e->offset < nr_pages,
		    "vCPU %u ring index %u: slot %#x offset %lu, outside the test slot",
		    w->vcpu, e->index, e->slot, e->offset);
	s->last[s->nr_entries++ % LAST_ENTRIES_SHOWN] = *e;
	bitmap_set_bit(s->reported, e->offset);
	if (w->have_prev)
		check_entry(w, &w->prev);
	w->prev = *e;
	w->have_prev = true;
}

/*
 * A stopped full vCPU: what it pushed since the last reset made it full.
 * Exact only if no reset ran from its KVM_RUN to this pass: a reset between
 * the exit and this pass would have taken those entries.  Whether an exit
 * is exact depends on timing, so only what loses pages is judged here (an
 * empty or a completely used ring, by the collector); the soft-limit bound
 * is judged in lockstep by dirty_ring_full_test and dirty_ring_emulated_test.
 */
static void check_full_exit(struct stress *s, u32 v, u32 used)
{
	struct dirty_ring *ring = &s->vcpus[v].vcpu->ring;
	u32 floor = ring->size > KVM_RING_RESERVE_MAX ? ring->size - KVM_RING_RESERVE_MAX : 1;

	TEST_ASSERT(used >= floor, "vCPU %u exited full with %u of %u entries used, below any soft limit (%u)",
		    v, used, ring->size, floor);
}

/*
 * Harvest every ring, then reset.  judged: the vCPUs stopped at a full exit
 * that can be judged exactly; lag_ok: the vCPUs whose last entry may name
 * a store not retired yet.
 */
static void collect_rings(struct stress *s, u64 judged, u64 lag_ok)
{
	struct ring_collect rc = {};
	u64 harvested = 0;
	u32 v, n;

	for (v = 0; v < nr_vcpus; v++) {
		struct stress_vcpu *sv = &s->vcpus[v];
		struct ring_walk w = { .s = s, .vcpu = v };

		if (judged & (1ull << v))
			n = vcpu_harvest_full_ring(sv->vcpu, ring_entry_cb, &w, &rc);
		else
			n = vcpu_harvest_ring(sv->vcpu, ring_entry_cb, &w, &rc);
		ring_collect_assert(&rc);
		harvested += n;
		if (w.have_prev && !(lag_ok & (1ull << v)))
			check_entry(&w, &w.prev);
		else if (w.have_prev && !page_holds_iteration(s, w.prev.offset))
			s->lagging++;
		if (judged & (1ull << v)) {
			check_full_exit(s, v, n);
			s->full_judged++;
		}
	}
	if (!harvested)
		return;
	vm_reset_harvested(s->vm, harvested, &rc);
	ring_collect_assert(&rc);
	__atomic_add_fetch(&s->resets, 1, __ATOMIC_RELEASE);
}

/*
 * One KVM_GET_DIRTY_LOG (and KVM_CLEAR_DIRTY_LOG); running: stores may be in
 * flight.  Returns the number of pages reported.
 */
static u64 collect_bitmap(struct stress *s, bool running)
{
	u64 page, lagging = 0, found = 0;

	log_modes[s->mode].collect(s->vm, TEST_SLOT, s->bitmap, nr_pages);
	for (page = 0; page < nr_pages; page++) {
		if (!bitmap_test_bit(s->bitmap, page))
			continue;
		found++;
		bitmap_set_bit(s->reported, page);
		if (!page_holds_iteration(s, page))
			lagging++;
	}
	TEST_ASSERT(lagging <= (running ? nr_vcpus : 0),
		    "iteration %lu: %lu reported pages do not hold the iteration yet, at most %u stores can be in flight (seed %lu)",
		    s->iteration, lagging, running ? nr_vcpus : 0, seed);
	s->lagging += lagging;
	return found;
}

/*
 * Which vCPUs are stopped at a full exit (exact: only those whose exit can
 * be judged); the collector releases them after its pass.
 */
static u64 full_waiting_mask(struct stress *s, bool exact)
{
	u64 mask = 0;
	u32 v;

	for (v = 0; v < nr_vcpus; v++)
		if (s->vcpus[v].full_waiting &&
		    (!exact ||
		     s->vcpus[v].resets_at_run == __atomic_load_n(&s->resets, __ATOMIC_ACQUIRE)))
			mask |= 1ull << v;
	return mask;
}

static void collect_pass(struct stress *s, bool running)
{
	u64 stopped, judged, all = (1ull << nr_vcpus) - 1, entries = s->nr_entries, found;
	u32 v;

	pthread_mutex_lock(&s->lock);
	stopped = running ? full_waiting_mask(s, false) : all;
	judged = running ? full_waiting_mask(s, true) : 0;
	pthread_mutex_unlock(&s->lock);

	if (s->mode == LOG_MODE_RING) {
		collect_rings(s, judged, running ? all : 0);
		found = s->nr_entries - entries;
	} else {
		found = collect_bitmap(s, running);
	}
	s->passes++;
	if (running)
		s->found_running += found;

	if (!running || !stopped)
		return;
	pthread_mutex_lock(&s->lock);
	for (v = 0; v < nr_vcpus; v++)
		if (stopped & (1ull << v))
			s->vcpus[v].full_waiting = false;
	pthread_cond_broadcast(&s->vcpu_wake);
	pthread_mutex_unlock(&s->lock);
}

/* Every page: reported ones hold this iteration, the others an older one. */
static void verify_iteration(struct stress *s)
{
	u64 page, val;

	for (page = 0; page < nr_pages; page++) {
		val = s->pages[page * (GUEST_PAGE_SIZE / sizeof(u64))];
		if (bitmap_test_bit(s->reported, page) && val != s->iteration) {
			print_last_entries(s);
			TEST_FAIL("iteration %lu: page %lu reported dirty but holds %lu (seed %lu)",
				  s->iteration, page, val, seed);
		}
		if (!bitmap_test_bit(s->reported, page) && val >= s->iteration) {
			print_last_entries(s);
			TEST_FAIL("iteration %lu: page %lu holds %lu but was not reported: a dirty page lost (seed %lu)",
				  s->iteration, page, val, seed);
		}
	}
	s->verified += nr_pages;
}

/* Publish the iteration, let the vCPUs run, collect until all have synced. */
static void run_iteration(struct stress *s, u64 it)
{
	u64 start;
	bool done;

	s->iteration = it;
	guest_iteration = it;
	sync_global_to_guest(s->vm, guest_iteration);
	memset(s->reported, 0, DIV_ROUND_UP(nr_pages, 64) * sizeof(unsigned long));

	start = time_now_ns();
	pthread_mutex_lock(&s->lock);
	s->synced = 0;
	s->go = it;
	pthread_cond_broadcast(&s->vcpu_wake);
	pthread_mutex_unlock(&s->lock);
	do {
		collect_pass(s, true);
		pthread_mutex_lock(&s->lock);
		done = s->synced == nr_vcpus;
		if (!done && !full_waiting_mask(s, false))
			cond_wait_us(&s->collector_wake, &s->lock, COLLECT_INTERVAL_US);
		pthread_mutex_unlock(&s->lock);
	} while (!done);
	s->run_ns += time_now_ns() - start;
	collect_pass(s, false);
	verify_iteration(s);
}

static void setup(struct stress *s, enum guest_cpl cpl)
{
	u32 v;

	guest_nr_pages = nr_pages;
	guest_writes = writes_per_iteration;
	guest_iteration = 0;
	pthread_mutex_init(&s->lock, NULL);
	cond_init_monotonic(&s->vcpu_wake);
	cond_init_monotonic(&s->collector_wake);
	s->vcpus = calloc(nr_vcpus, sizeof(*s->vcpus));
	TEST_ASSERT(s->vcpus, "out of memory");
	s->vm = vm_create_logged(cpl, s->mode, ring_entries, TEST_SLOT, nr_pages);
	s->pages = addr_gpa2hva(s->vm, TEST_MEM_BASE_GPA);
	s->reported = bitmap_alloc(nr_pages);
	s->bitmap = bitmap_alloc(nr_pages);
	TEST_ASSERT(s->reported && s->bitmap, "out of memory");
	for (v = 0; v < nr_vcpus; v++) {
		struct stress_vcpu *sv = &s->vcpus[v];

		sv->s = s;
		sv->vcpu = vm_vcpu_add(s->vm, v, guest_code);
		vcpu_args_set(sv->vcpu, 1, seed ^ ((v + 1) * 0x9e3779b97f4a7c15ull));
		log_modes[s->mode].vcpu_setup(sv->vcpu);
	}
}

static void run_stress_case(enum guest_cpl cpl, const void *arg)
{
	struct stress s = { .mode = log_mode_id(arg) };
	u64 it, writes;
	u32 v;

	setup(&s, cpl);
	for (v = 0; v < nr_vcpus; v++)
		TEST_ASSERT(!pthread_create(&s.vcpus[v].thread, NULL, vcpu_thread, &s.vcpus[v]),
			    "pthread_create");
	for (it = 1; it <= nr_iterations; it++)
		run_iteration(&s, it);
	for (v = 0; v < nr_vcpus; v++) {
		pthread_join(s.vcpus[v].thread, NULL);
		s.full_exits += s.vcpus[v].full_exits;
	}
	writes = (u64)nr_vcpus * writes_per_iteration * nr_iterations;
	ksft_print_msg("[%s] %lu writes by %u vCPUs in %lu ms: %lu writes/s; %lu pages verified; %lu collector passes, %lu entries, %lu resets, %lu full exits (%lu judged), %lu reported pages seen before their store retired\n",
		       test_context(), writes, nr_vcpus, s.run_ns / 1000000,
		       s.run_ns ? writes * 1000000000ul / s.run_ns : 0, s.verified, s.passes,
		       s.nr_entries, s.resets, s.full_exits, s.full_judged, s.lagging);
	free(s.reported);
	free(s.bitmap);
	kvm_vm_free(s.vm);
	free(s.vcpus);
	if (!s.found_running)
		test_skip("no collector pass found a dirty page while the vCPUs ran: nothing was collected concurrently");
}

static void help(const char *prog)
{
	printf("usage: %s [-g cpl0|cpl3|all] [-m ring|get|clear|all] [-v vcpus] [-p pages | -M bytes]\n"
	       "          [-i iterations] [-w writes] [-r entries] [-s seed]\n"
	       "vCPUs store the iteration number to random pages while a collector harvests the dirty log concurrently; every iteration is verified by page contents.\n"
	       TEST_COMMON_USAGE
	       LOG_MODE_USAGE
	       "  -v N      vCPUs, 1 to KVM_CAP_MAX_VCPUS (default %d)\n"
	       "  -p N      pages in the test slot (default %d)\n"
	       "  -M SIZE   test slot size in bytes (K/M/G suffixes), instead of -p\n"
	       "  -i N      iterations (default %d)\n"
	       "  -w N      stores per vCPU and iteration (default %d)\n"
	       "  -r N      ring size in entries, a power of two KVM accepts (default: the smallest)\n"
	       "  -s SEED   seed of the page choice (default: from the clock, printed)\n",
	       prog, DEFAULT_VCPUS, DEFAULT_PAGES, DEFAULT_ITERATIONS, DEFAULT_WRITES);
}

int main(int argc, char *argv[])
{
	struct test_case cases[NR_LOG_MODES];
	unsigned int cpl_mask = GUEST_CPL_ALL, mode_mask = LOG_MODES_ALL, n = 0, m;
	u64 ring_asked = 0;
	int opt;

	seed = time_now_ns();
	while ((opt = test_getopt(argc, argv, TEST_COMMON_OPTS "m:v:p:M:i:w:r:s:", NULL,
				  &cpl_mask, help)) != -1) {
		switch (opt) {
		case 'm':
			mode_mask = log_mode_parse(optarg);
			if (!mode_mask)
				test_usage_error(argv[0], help, "bad mode '%s'", optarg);
			break;
		case 'v':
			nr_vcpus = parse_u64(optarg, "-v", 1, UINT32_MAX);
			if (nr_vcpus > kvm_max_vcpus())
				test_usage_error(argv[0], help,
						 "-v %s: this host's KVM takes at most %u vCPUs (KVM_CAP_MAX_VCPUS)",
						 optarg, kvm_max_vcpus());
			break;
		case 'p':
			nr_pages = parse_u64(optarg, "-p", 1, MAX_PAGES);
			break;
		case 'M':
			nr_pages = parse_size(optarg, "-M") / GUEST_PAGE_SIZE;
			if (nr_pages < 1 || nr_pages > MAX_PAGES) {
				fprintf(stderr, "%s: -M %s: 1 to %u pages\n", argv[0], optarg,
					MAX_PAGES);
				exit(KSFT_FAIL);
			}
			break;
		case 'i':
			nr_iterations = parse_u64(optarg, "-i", 1, 1u << 20);
			break;
		case 'w':
			writes_per_iteration = parse_u64(optarg, "-w", 1, 1ull << 32);
			break;
		case 'r':
			ring_asked = dirty_ring_entries_arg(optarg, "-r");
			break;
		case 's':
			seed = parse_u64(optarg, "-s", 0, ~0ull);
			break;
		}
	}

	log_modes_require(mode_mask);
	if (mode_mask & (1u << LOG_MODE_RING))
		ring_entries = dirty_ring_entries_option(ring_asked, "-r");
	for (m = 0; m < NR_LOG_MODES; m++)
		if (mode_mask & (1u << m))
			cases[n++] = (struct test_case) { log_modes[m].name, run_stress_case,
							  &log_modes[m], true,
							  m == LOG_MODE_RING };
	ksft_print_msg("seed %lu (rerun with -s %lu), %u vCPUs, %lu pages, %u iterations of %lu stores per vCPU, ring %u entries\n",
		       seed, seed, nr_vcpus, nr_pages, nr_iterations, writes_per_iteration,
		       ring_entries);
	run_test_cases(cases, n, cpl_mask, TEST_CASE_TIMEOUT_S);
}
