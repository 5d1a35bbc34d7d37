// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_ring_vcpus_test: one dirty ring per vCPU, one reset for all.
 *
 * Shared scenarios (ring_scenario.h), judged by the one checker:
 *   - vcpus_lockstep: four vCPUs, disjoint and overlapping pages, run one at a
 *     time: each vCPU's ring holds exactly its own writes, and one
 *     KVM_RESET_DIRTY_RINGS resets every ring;
 *   - reaper_concurrent: a thread harvests a vCPU's ring while it runs;
 *   - reset_empty_rings: one reset while the first, the last, middle or all
 *     of four rings are empty, after rounds where they were not: it resets
 *     and counts exactly the harvested entries of every ring;
 *   - vcpus_over_soft_limit: four vCPUs each below its ring's soft limit
 *     run on while their rings together hold more than one soft limit.
 * KVM-only, the way a VMM runs it:
 *   - reaper_N_vcpus: N vCPU threads (2 and 8 by default: more than this
 *     machine's cores; -n up to KVM_CAP_MAX_VCPUS) store to pages of their
 *     own and to pages they all share, while one reaper thread harvests
 *     every ring and resets; a vCPU that exits full wakes the reaper and
 *     runs again once it reset.  Each vCPU's own pages come back from its
 *     own ring in store order (the store that hit the soft limit may come
 *     once more after a reset), every shared page comes back from some
 *     vCPU's ring, nothing else is reported, and the resets count every
 *     harvested entry.  A ring that stays full while the reaper resets
 *     nothing is diagnosed, not waited on. A run in which the reaper never
 *     reset while a vCPU thread ran tested no concurrency: a SKIP saying so.
 *
 * Where a case's code is: a shared scenario's stores are a write script
 * built by the function of the case's name in ring/ring_scenarios.c
 * (vcpus_lockstep() for vcpus_lockstep), which guest_script_main()
 * (lib/guest_script.c) runs in the guest; the host side is
 * lib/kvm_ring_target.c; the rules are ring/ring_check.c's judge_entry(),
 * judge_exit() and judge_reset().  reaper_N_vcpus is in this file: its
 * script in setup(), the vCPU threads in vcpu_thread(), the reaper in
 * reaper() and its rules in check_logs().
 */
#include <pthread.h>
#include <unistd.h>

#include "dirty_log.h"
#include "kvm_ring_target.h"
#include "ucall.h"
#include "guest_script.h"

#define TEST_SLOT		1
#define OWN_PAGES		1024	/* per vCPU */
#define SHARED_PAGES		256
#define MAX_VCPU_COUNTS		4
#define WAIT_SLICE_US		20000

static const enum ring_scenario_id scenarios[] = {
	SCENARIO_VCPUS_LOCKSTEP, SCENARIO_REAPER_CONCURRENT, SCENARIO_RESET_EMPTY_RINGS,
	SCENARIO_VCPUS_OVER_SOFT_LIMIT,
};

static u32 vcpu_counts[MAX_VCPU_COUNTS] = { 2, 8 };
static unsigned int nr_vcpu_counts = 2;

struct vcpu_log {
	struct dirty_entry *e;
	u64 nr, cap;
};

struct reaper_run {
	struct kvm_vm *vm;
	u32 nr_vcpus;
	struct kvm_vcpu **vcpus;	/* nr_vcpus of each */
	struct vcpu_log *log;
	u64 *full_exits;
	u32 vcpus_done;		/* under lock */
	u64 resets;		/* reset calls that reset something, under lock */
	u64 resets_running;	/* those made while a vCPU thread still ran, under lock */
	u64 harvested;
	struct ring_collect collect;	/* the reaper's */
	pthread_mutex_t lock;
	pthread_cond_t reaper_wake, vcpu_wake;
};

struct vcpu_thread_arg {
	struct reaper_run *r;
	u32 idx;
};

static void append_entry(void *opaque, const struct dirty_entry *e)
{
	struct vcpu_log *log = opaque;

	log->e = array_reserve(log->e, log->nr, &log->cap, sizeof(*log->e), 1024);
	log->e[log->nr++] = *e;
}

/* What a vCPU stopped full waits for: a reset after it entered KVM_RUN. */
struct reset_wait {
	struct reaper_run *r;
	u64 resets;
};

static bool reset_since(void *arg)
{
	const struct reset_wait *w = arg;

	return w->r->resets != w->resets;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu_thread_arg *a = arg;
	struct reaper_run *r = a->r;
	struct kvm_vcpu *vcpu = r->vcpus[a->idx];
	struct ring_collect stuck = {};
	struct reset_wait w = { .r = r };
	struct ucall uc;
	bool released;

	for (;;) {
		pthread_mutex_lock(&r->lock);
		w.resets = r->resets;
		pthread_mutex_unlock(&r->lock);
		vcpu_run(vcpu);
		if (get_ucall_checked(vcpu, &uc) == UCALL_DONE)
			break;
		vcpu_assert_exit(vcpu, KVM_EXIT_DIRTY_RING_FULL);
		r->full_exits[a->idx]++;

		pthread_mutex_lock(&r->lock);
		released = vcpu_wait_ring_released(vcpu, &r->lock, &r->reaper_wake, &r->vcpu_wake,
						   reset_since, &w, RING_STUCK_FULL_MS, &stuck);
		pthread_mutex_unlock(&r->lock);
		if (!released)
			TEST_FAIL("%s, %lu entries harvested from this ring", stuck.msg,
				  r->log[a->idx].nr);
	}
	pthread_mutex_lock(&r->lock);
	r->vcpus_done++;
	pthread_cond_signal(&r->reaper_wake);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* Harvest every ring, then reset; returns the number harvested. */
static u64 reap_once(struct reaper_run *r)
{
	u64 n = vm_collect_rings(r->vm, append_entry, r->log, sizeof(r->log[0]), &r->collect);

	ring_collect_assert(&r->collect);
	if (!n)
		return 0;
	r->harvested += n;
	pthread_mutex_lock(&r->lock);
	r->resets++;
	r->resets_running += r->vcpus_done < r->nr_vcpus;
	pthread_cond_broadcast(&r->vcpu_wake);
	pthread_mutex_unlock(&r->lock);
	return n;
}

static void reaper(struct reaper_run *r)
{
	for (;;) {
		bool done;

		if (reap_once(r))
			continue;
		pthread_mutex_lock(&r->lock);
		done = r->vcpus_done == r->nr_vcpus;
		if (!done)
			cond_wait_us(&r->reaper_wake, &r->lock, WAIT_SLICE_US);
		pthread_mutex_unlock(&r->lock);
		if (done)
			break;
	}
	reap_once(r);
}

/* Own pages in store order (one re-report allowed), shared pages somewhere, nothing else. */
static void check_logs(struct reaper_run *r, unsigned long *shared_seen)
{
	u64 shared_base = (u64)r->nr_vcpus * OWN_PAGES, i;
	u32 v;

	for (v = 0; v < r->nr_vcpus; v++) {
		const struct vcpu_log *log = &r->log[v];
		u64 own_base = (u64)v * OWN_PAGES, next = 0;

		for (i = 0; i < log->nr; i++) {
			const struct dirty_entry *e = &log->e[i];

			TEST_ASSERT(e->slot == DIRTY_RING_SLOT(0, TEST_SLOT),
				    "vCPU %u ring index %u: slot %#x, expected %#x",
				    v, e->index, e->slot, DIRTY_RING_SLOT(0, TEST_SLOT));
			if (e->offset >= shared_base && e->offset < shared_base + SHARED_PAGES) {
				bitmap_set_bit(shared_seen, e->offset - shared_base);
			} else if (e->offset == own_base + next) {
				next++;
			} else {
				/* Own pages come in store order: one ahead, entries were lost. */
				TEST_ASSERT(e->offset <= own_base + next ||
					    e->offset >= own_base + OWN_PAGES,
					    "PAGES LOST: vCPU %u ring index %u: offset %lu, its own pages %lu to %lu never reported before it",
					    v, e->index, e->offset, own_base + next, e->offset - 1);
				TEST_ASSERT(next && e->offset == own_base + next - 1,
					    "vCPU %u ring index %u: offset %lu, expected its own page %lu (a foreign or repeated page)",
					    v, e->index, e->offset, own_base + next);
			}
		}
		TEST_ASSERT(next == OWN_PAGES, "PAGES LOST: vCPU %u: %lu of its %u pages reported",
			    v, next, OWN_PAGES);
	}
	TEST_ASSERT(bitmap_weight(shared_seen, SHARED_PAGES) == SHARED_PAGES,
		    "%lu of %u shared pages reported", bitmap_weight(shared_seen, SHARED_PAGES),
		    SHARED_PAGES);
	TEST_ASSERT_EQ(r->collect.reset, r->harvested);
}

static void setup(struct reaper_run *r, enum guest_cpl cpl, u32 nr_vcpus)
{
	u64 npages = (u64)nr_vcpus * OWN_PAGES + SHARED_PAGES;
	struct script_layout layout = {
		.nr_slots = 1, .slot = { TEST_SLOT }, .npages = { npages },
		.gva = { TEST_MEM_BASE_GPA },
	};
	u32 v;

	r->nr_vcpus = nr_vcpus;
	r->vcpus = calloc(nr_vcpus, sizeof(*r->vcpus));
	r->log = calloc(nr_vcpus, sizeof(*r->log));
	r->full_exits = calloc(nr_vcpus, sizeof(*r->full_exits));
	TEST_ASSERT(r->vcpus && r->log && r->full_exits, "out of memory");
	pthread_mutex_init(&r->lock, NULL);
	cond_init_monotonic(&r->reaper_wake);
	cond_init_monotonic(&r->vcpu_wake);
	r->vm = vm_create_logged(cpl, LOG_MODE_RING, dirty_ring_min_entries(), TEST_SLOT, npages);
	for (v = 0; v < nr_vcpus; v++) {
		struct script_op ops[] = {
			{ .kind = SCRIPT_WRITE, .slot = TEST_SLOT, .page = (u64)v * OWN_PAGES,
			  .count = OWN_PAGES },
			{ .kind = SCRIPT_WRITE, .slot = TEST_SLOT,
			  .page = (u64)nr_vcpus * OWN_PAGES, .count = SHARED_PAGES },
			{ .kind = SCRIPT_END },
		};

		r->vcpus[v] = vm_vcpu_add(r->vm, v, guest_script_main);
		vcpu_map_dirty_ring(r->vcpus[v]);
		vcpu_args_set(r->vcpus[v], 1,
			      guest_script_load(r->vm, ops, ARRAY_SIZE(ops), &layout));
	}
}

static void run_reaper_case(enum guest_cpl cpl, const void *arg)
{
	u32 nr_vcpus = *(const u32 *)arg, v;
	struct vcpu_thread_arg *targs = calloc(nr_vcpus, sizeof(*targs));
	pthread_t *threads = calloc(nr_vcpus, sizeof(*threads));
	unsigned long *shared_seen = bitmap_alloc(SHARED_PAGES);
	struct reaper_run r = {};
	u64 full = 0;

	TEST_ASSERT(targs && threads, "out of memory");
	setup(&r, cpl, nr_vcpus);
	for (v = 0; v < nr_vcpus; v++) {
		targs[v] = (struct vcpu_thread_arg) { .r = &r, .idx = v };
		TEST_ASSERT(!pthread_create(&threads[v], NULL, vcpu_thread, &targs[v]),
			    "pthread_create");
	}
	reaper(&r);
	for (v = 0; v < nr_vcpus; v++) {
		pthread_join(threads[v], NULL);
		full += r.full_exits[v];
	}
	check_logs(&r, shared_seen);
	ksft_print_msg("[%s] %lu entries harvested by the reaper in %lu resets (%lu while vCPUs ran), %lu full exits\n",
		       test_context(), r.harvested, r.resets, r.resets_running, full);
	for (v = 0; v < nr_vcpus; v++)
		free(r.log[v].e);
	free(shared_seen);
	kvm_vm_free(r.vm);
	free(r.vcpus);
	free(r.log);
	free(r.full_exits);
	free(targs);
	free(threads);
	if (!r.resets_running)
		test_skip("the reaper never reset while the vCPUs ran: nothing was harvested concurrently");
}

static void help(const char *prog)
{
	printf("usage: %s [-g cpl0|cpl3|all] [-n vcpus]...\n"
	       "Checks per-vCPU dirty rings, lockstep and with a concurrent reaper thread.\n"
	       TEST_COMMON_USAGE
	       "  -n N      vCPUs of a reaper case, 1 to KVM_CAP_MAX_VCPUS (repeatable; default 2 and 8)\n",
	       prog);
}

int main(int argc, char *argv[])
{
	struct test_case cases[ARRAY_SIZE(scenarios) + MAX_VCPU_COUNTS];
	static struct kvm_scenario_arg args[ARRAY_SIZE(scenarios)];
	static char names[MAX_VCPU_COUNTS][32];
	unsigned int cpl_mask = GUEST_CPL_ALL, n, i;
	bool counts_given = false;
	int opt;

	while ((opt = test_getopt(argc, argv, TEST_COMMON_OPTS "n:", NULL,
				  &cpl_mask, help)) != -1) {
		if (!counts_given)
			nr_vcpu_counts = 0;
		counts_given = true;
		if (nr_vcpu_counts == MAX_VCPU_COUNTS)
			test_usage_error(argv[0], help, "at most %d -n options", MAX_VCPU_COUNTS);
		vcpu_counts[nr_vcpu_counts] = parse_u64(optarg, "-n", 1, UINT32_MAX);
		if (vcpu_counts[nr_vcpu_counts++] > kvm_max_vcpus())
			test_usage_error(argv[0], help,
					 "-n %s: this host's KVM takes at most %u vCPUs (KVM_CAP_MAX_VCPUS)",
					 optarg, kvm_max_vcpus());
	}

	kvm_require_dirty_ring(0);
	n = kvm_scenario_cases(scenarios, ARRAY_SIZE(scenarios), 0, args, cases);
	for (i = 0; i < nr_vcpu_counts; i++) {
		snprintf(names[i], sizeof(names[i]), "reaper_%u_vcpus", vcpu_counts[i]);
		cases[n++] = (struct test_case) { .name = names[i], .run = run_reaper_case,
						  .arg = &vcpu_counts[i], .guest = true,
						  .ring_caps = true };
	}
	run_test_cases(cases, n, cpl_mask, TEST_CASE_TIMEOUT_S);
}
