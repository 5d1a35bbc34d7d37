// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_ring_reset_race_test: KVM_RESET_DIRTY_RINGS racing with vCPUs,
 * harvesters, other resets, re-marked entries and signals.
 *
 *   - concurrent_reset_harvest: vCPU threads store to pages of their own
 *     while one harvester thread per ring harvests and several threads call
 *     KVM_RESET_DIRTY_RINGS in a loop.  Every page a vCPU wrote comes back
 *     from its own ring, nothing else does, and the resets together return
 *     exactly the number of entries harvested (KVM serializes resets; each
 *     RESET entry is reset once).
 *   - remark_while_resetting: a thread keeps writing RESET into every entry
 *     of a ring while the VM resets.  Before 6.17 the reset was unbounded;
 *     since then it stops at INT_MAX entries and on a pending signal.  Here
 *     the re-marking stops after a bound of its own, and the reset must
 *     return soon after on any kernel: the runner never hangs.
 *   - signal_during_remark_reset: the same, with a timer signal sent to the
 *     resetting thread; the ioctl returns (-EINTR on kernels that check for
 *     signals) or completes once the re-marking stops.
 *   - signal_during_long_reset: a vCPU dirties thousands of pages, which are
 *     harvested and reset while a periodic timer signal interrupts the
 *     resetting thread; interrupted calls are repeated.  Every entry ends up
 *     reset, and the guest's next stores to all those pages are reported
 *     again: an interrupted reset loses no re-protection.
 * A case whose race did not happen is a SKIP saying so (after its checks,
 * which still fail it): no reset took an entry while the vCPUs ran; no
 * reset chased the re-marking thread past one ring's worth; no signal came;
 * no reset was cut short by the signal (kernels before 6.17 never stop a
 * reset for one).
 * What the resets returned, how long they took and how often they were
 * interrupted are printed as diagnostics.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "dirty_log.h"
#include "kvm_util.h"
#include "test_case.h"
#include "ucall.h"
#include "guest_script.h"

#define TEST_SLOT		1
#define NR_VCPUS		2
#define NR_RESETTERS		2
#define PAGES_PER_VCPU		8192
#define RACE_RING_ENTRIES	4096
#define REMARK_MS		300	/* how long the re-marking thread runs */
#define RETURN_SLACK_MS		2000	/* a reset returns this soon after re-marking stops */
#define REMARK_SIGNAL_US	1000	/* timer signal period while re-marking */
#define REMARK_WINDOWS		8	/* re-marking windows tried until a reset chases one */
#define LONG_RESET_PAGES	16384
#define LONG_RING_ENTRIES	32768
#define SIGNAL_PERIOD_US	20
#define MAX_RESET_CALLS		100000

static u64 ms_since(u64 t0_ns)
{
	return (time_now_ns() - t0_ns) / 1000000;
}

/* ---- a VM whose vCPUs each run a write script ---- */

static struct kvm_vm *script_vm_create(enum guest_cpl cpl, u32 nr_vcpus, u32 ring_entries,
				       u64 npages, struct kvm_vcpu **vcpus)
{
	struct kvm_vm *vm = vm_create_logged(cpl, LOG_MODE_RING, ring_entries, TEST_SLOT, npages);
	u32 v;

	for (v = 0; v < nr_vcpus; v++) {
		vcpus[v] = vm_vcpu_add(vm, v, guest_script_main);
		vcpu_map_dirty_ring(vcpus[v]);
	}
	return vm;
}

static void script_load(struct kvm_vcpu *vcpu, const struct script_op *ops, u32 nr_ops, u64 npages)
{
	struct script_layout layout = {
		.nr_slots = 1, .slot = { TEST_SLOT }, .npages = { npages },
		.gva = { TEST_MEM_BASE_GPA },
	};

	vcpu_args_set(vcpu, 1, guest_script_load(vcpu->vm, ops, nr_ops, &layout));
}

/* ---- concurrent_reset_harvest ---- */

struct race {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpus[NR_VCPUS];
	struct dirty_bitmap_set seen[NR_VCPUS];	/* per ring, written by its harvester */
	u64 full_exits[NR_VCPUS];
	bool vcpus_done, stop_resetters;	/* atomics */
	u64 reset_sum, reset_calls, reset_nonzero;	/* atomics */
	u64 reset_nonzero_running;	/* atomic: nonzero resets before the vCPUs were done */
};

struct race_thread {
	struct race *r;
	u32 idx;
};

static void *race_vcpu_thread(void *arg)
{
	struct race_thread *t = arg;
	struct kvm_vcpu *vcpu = t->r->vcpus[t->idx];
	struct ring_collect stuck = {};
	u64 full_since = 0;
	struct ucall uc;

	for (;;) {
		vcpu_run(vcpu);
		if (get_ucall_checked(vcpu, &uc) == UCALL_DONE)
			return NULL;
		vcpu_assert_exit(vcpu, KVM_EXIT_DIRTY_RING_FULL);
		t->r->full_exits[t->idx]++;
		if (!full_since) {
			full_since = time_now_ns();
		} else if (ms_since(full_since) > RING_STUCK_FULL_MS) {
			vcpu_note_stuck_full(vcpu, RING_STUCK_FULL_MS, &stuck);
			TEST_FAIL("%s", stuck.msg);
		}
		sched_yield();
	}
}

static void *race_harvester_thread(void *arg)
{
	struct race_thread *t = arg;
	struct race *r = t->r;
	struct dirty_ring *ring = &r->vcpus[t->idx]->ring;

	for (;;) {
		bool last = __atomic_load_n(&r->vcpus_done, __ATOMIC_ACQUIRE);

		if (!dirty_ring_harvest_bitmap(ring, &r->seen[t->idx])) {
			if (last)
				return NULL;
			sched_yield();
		}
	}
}

static void race_add_reset(struct race *r, int ret)
{
	TEST_ASSERT(ret >= 0, "KVM_RESET_DIRTY_RINGS failed, rc: %d", ret);
	__atomic_add_fetch(&r->reset_sum, ret, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->reset_calls, 1, __ATOMIC_RELAXED);
	if (ret)
		__atomic_add_fetch(&r->reset_nonzero, 1, __ATOMIC_RELAXED);
	if (ret && !__atomic_load_n(&r->vcpus_done, __ATOMIC_ACQUIRE))
		__atomic_add_fetch(&r->reset_nonzero_running, 1, __ATOMIC_RELAXED);
}

static void *race_resetter_thread(void *arg)
{
	struct race *r = arg;

	while (!__atomic_load_n(&r->stop_resetters, __ATOMIC_ACQUIRE)) {
		int ret = __vm_reset_dirty_rings(r->vm);

		race_add_reset(r, ret);
		if (!ret)
			sched_yield();
	}
	return NULL;
}

static void race_check(struct race *r)
{
	u64 harvested = 0;
	u32 v;

	for (v = 0; v < NR_VCPUS; v++) {
		struct dirty_bitmap_set *s = &r->seen[v];
		unsigned long *map = s->slots[0].bitmap;
		u64 own = 0, p;

		for (p = (u64)v * PAGES_PER_VCPU; p < (u64)(v + 1) * PAGES_PER_VCPU; p++)
			own += bitmap_test_bit(map, p);
		TEST_ASSERT(own == PAGES_PER_VCPU,
			    "PAGES LOST: vCPU %u: %lu of its %u pages harvested from its ring (%lu full exits)",
			    v, own, PAGES_PER_VCPU, r->full_exits[v]);
		TEST_ASSERT(bitmap_weight(map, s->slots[0].npages) == own && !s->stray,
			    "vCPU %u's ring reported %lu foreign pages and %lu entries outside the slot (first: slot %#x offset %lu)",
			    v, bitmap_weight(map, s->slots[0].npages) - own, s->stray,
			    s->first_stray.slot, s->first_stray.offset);
		harvested += s->harvested;
	}
	TEST_ASSERT(r->reset_sum == harvested,
		    "the resets returned %lu entries in all, %lu were harvested", r->reset_sum,
		    harvested);
	ksft_print_msg("[%s] %lu entries harvested (%lu pages), %lu reset calls (%lu nonzero, %lu of them while the vCPUs ran), full exits %lu/%lu\n",
		       test_context(), harvested, (u64)NR_VCPUS * PAGES_PER_VCPU, r->reset_calls,
		       r->reset_nonzero, r->reset_nonzero_running, r->full_exits[0],
		       r->full_exits[1]);
}

static void test_concurrent_reset_harvest(enum guest_cpl cpl, const void *arg)
{
	const u64 npages = (u64)NR_VCPUS * PAGES_PER_VCPU;
	pthread_t vcpu_threads[NR_VCPUS], harvesters[NR_VCPUS], resetters[NR_RESETTERS];
	struct race_thread targs[NR_VCPUS];
	struct race r = {};
	u32 v, i;

	r.vm = script_vm_create(cpl, NR_VCPUS, RACE_RING_ENTRIES, npages, r.vcpus);
	for (v = 0; v < NR_VCPUS; v++) {
		struct script_op ops[] = {
			{ .kind = SCRIPT_WRITE, .slot = TEST_SLOT, .page = (u64)v * PAGES_PER_VCPU,
			  .count = PAGES_PER_VCPU },
			{ .kind = SCRIPT_END },
		};

		script_load(r.vcpus[v], ops, ARRAY_SIZE(ops), npages);
		dirty_bitmap_set_init(&r.seen[v]);
		dirty_bitmap_set_add_slot(&r.seen[v], DIRTY_RING_SLOT(0, TEST_SLOT), npages);
		targs[v] = (struct race_thread) { .r = &r, .idx = v };
	}
	for (i = 0; i < NR_RESETTERS; i++)
		TEST_ASSERT(!pthread_create(&resetters[i], NULL, race_resetter_thread, &r),
			    "pthread_create");
	for (v = 0; v < NR_VCPUS; v++) {
		TEST_ASSERT(!pthread_create(&harvesters[v], NULL, race_harvester_thread, &targs[v]),
			    "pthread_create");
		TEST_ASSERT(!pthread_create(&vcpu_threads[v], NULL, race_vcpu_thread, &targs[v]),
			    "pthread_create");
	}
	for (v = 0; v < NR_VCPUS; v++)
		pthread_join(vcpu_threads[v], NULL);
	__atomic_store_n(&r.vcpus_done, true, __ATOMIC_RELEASE);
	for (v = 0; v < NR_VCPUS; v++)
		pthread_join(harvesters[v], NULL);
	__atomic_store_n(&r.stop_resetters, true, __ATOMIC_RELEASE);
	for (i = 0; i < NR_RESETTERS; i++)
		pthread_join(resetters[i], NULL);
	race_add_reset(&r, __vm_reset_dirty_rings(r.vm));
	race_check(&r);
	for (v = 0; v < NR_VCPUS; v++)
		dirty_bitmap_set_free(&r.seen[v]);
	kvm_vm_free(r.vm);
	if (!r.reset_nonzero_running)
		test_skip("no reset took an entry while the vCPUs ran: the resets never raced the vCPUs and harvesters");
}

/* ---- re-marking entries RESET while KVM resets ---- */

/*
 * The re-marking thread laps KVM's reset: a pass over the smallest ring
 * writes one word per entry, KVM's reset takes 20-50 ns per entry.
 */
struct remark {
	struct kvm_vcpu *vcpu;
	u32 run_ms;		/* stop after this long */
	bool stop;		/* atomic: stop now */
	u64 passes;		/* atomic: passes over every ring */
};

static void *remark_thread(void *arg)
{
	struct remark *rm = arg;
	u64 t0 = time_now_ns();
	struct dirty_ring *ring = &rm->vcpu->ring;
	u32 i;

	while (!__atomic_load_n(&rm->stop, __ATOMIC_ACQUIRE) && ms_since(t0) < rm->run_ms) {
		for (i = 0; i < ring->size; i++)
			__atomic_store_n(&ring->gfns[i].flags, KVM_DIRTY_GFN_F_RESET,
					 __ATOMIC_RELEASE);
		__atomic_add_fetch(&rm->passes, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static struct kvm_vm *remark_vm_create(struct remark *rm)
{
	struct kvm_vm *vm = __vm_create_bare();

	vm_enable_dirty_ring_entries(vm, dirty_ring_min_entries());
	rm->vcpu = vm_vcpu_add(vm, 0, NULL);
	vcpu_map_dirty_ring(rm->vcpu);
	return vm;
}

static volatile u64 signals_seen;

static void signal_count(int sig)
{
	signals_seen++;
}

/* A timer that sends SIGUSR1 to this thread: once after first_us, then every period_us. */
static timer_t thread_timer_start(u64 first_us, u64 period_us)
{
	struct sigaction sa = { .sa_handler = signal_count };	/* no SA_RESTART */
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR1 };
	struct itimerspec its = {
		.it_value = { .tv_sec = first_us / 1000000, .tv_nsec = first_us % 1000000 * 1000 },
		.it_interval = { .tv_sec = period_us / 1000000,
				 .tv_nsec = period_us % 1000000 * 1000 },
	};
	timer_t timer;

	TEST_ASSERT(!sigaction(SIGUSR1, &sa, NULL), "sigaction SIGUSR1");
	sev._sigev_un._tid = syscall(SYS_gettid);
	TEST_ASSERT(!timer_create(CLOCK_MONOTONIC, &sev, &timer), "timer_create");
	TEST_ASSERT(!timer_settime(timer, 0, &its, NULL), "timer_settime");
	return timer;
}

struct remark_resets {
	u64 calls, eintr, entries, max_entries, max_ms;
	u64 passes;		/* the re-marking thread's, over all windows */
};

static void remark_reset_once(struct kvm_vm *vm, struct remark_resets *rr)
{
	u64 t0 = time_now_ns(), took;
	int ret = __vm_reset_dirty_rings(vm);

	took = ms_since(t0);
	rr->calls++;
	rr->max_ms = took > rr->max_ms ? took : rr->max_ms;
	if (ret < 0) {
		TEST_ASSERT(errno == EINTR, "KVM_RESET_DIRTY_RINGS: rc %d", ret);
		rr->eintr++;
		return;
	}
	rr->entries += ret;
	rr->max_entries = (u64)ret > rr->max_entries ? (u64)ret : rr->max_entries;
}

/*
 * Put this thread and another on two different CPUs of allowed, so
 * that KVM's reset and the re-marking run at the same time even when other
 * work shares the CPUs (otherwise the scheduler may keep both on one CPU and
 * they only take turns).  Returns false when only one CPU is allowed.
 */
static bool pin_apart(pthread_t other, const cpu_set_t *allowed)
{
	cpu_set_t one;
	int cpu, first = -1;

	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, allowed))
			continue;
		if (first < 0) {
			first = cpu;
			continue;
		}
		CPU_ZERO(&one);
		CPU_SET(first, &one);
		TEST_ASSERT(!sched_setaffinity(0, sizeof(one), &one), "sched_setaffinity");
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		TEST_ASSERT(!pthread_setaffinity_np(other, sizeof(one), &one),
			    "pthread_setaffinity_np");
		return true;
	}
	return false;
}

/*
 * One window: another thread, on another CPU, re-marks every entry RESET
 * for REMARK_MS while this one resets over and over (with a timer signal to
 * this thread every REMARK_SIGNAL_US if asked), then resets once more after
 * the re-marking stopped.  Returns whether the two threads got two CPUs.
 */
static bool remark_window(struct kvm_vm *vm, struct remark *rm, struct remark_resets *rr,
			  const cpu_set_t *allowed, bool with_signal)
{
	timer_t timer = 0;
	pthread_t thread;
	bool apart;
	u64 t0;

	rm->stop = false;
	rm->passes = 0;
	TEST_ASSERT(!pthread_create(&thread, NULL, remark_thread, rm), "pthread_create");
	apart = pin_apart(thread, allowed);
	while (!__atomic_load_n(&rm->passes, __ATOMIC_ACQUIRE))
		sched_yield();
	if (with_signal)
		timer = thread_timer_start(REMARK_SIGNAL_US, REMARK_SIGNAL_US);
	t0 = time_now_ns();
	while (ms_since(t0) < REMARK_MS)
		remark_reset_once(vm, rr);
	if (with_signal)
		timer_delete(timer);
	__atomic_store_n(&rm->stop, true, __ATOMIC_RELEASE);
	pthread_join(thread, NULL);
	remark_reset_once(vm, rr);
	rr->passes += rm->passes;
	return apart;
}

/*
 * Every reset call must return soon after the re-marking stops.  That is
 * tested only if some call chased the re-marking (reset more entries than
 * the ring holds): windows are repeated, at most REMARK_WINDOWS, until one
 * did; a loaded host may keep both threads off the CPUs at the same time
 * for a whole window.
 */
static void remark_reset(bool with_signal)
{
	struct remark rm = { .run_ms = REMARK_MS };
	struct kvm_vm *vm = remark_vm_create(&rm);
	struct remark_resets rr = {};
	u64 t0 = time_now_ns();
	u32 windows = 0;
	cpu_set_t allowed;
	bool apart;

	TEST_ASSERT(!sched_getaffinity(0, sizeof(allowed), &allowed), "sched_getaffinity");
	signals_seen = 0;
	do {
		apart = remark_window(vm, &rm, &rr, &allowed, with_signal);
		windows++;
	} while (rr.max_entries <= rm.vcpu->ring.size && apart && windows < REMARK_WINDOWS);
	ksft_print_msg("[%s] %lu resets in %u windows of %u ms (%lu ms) reset %lu entries of a %u-entry ring (at most %lu in one call, the longest call %lu ms); %lu returned EINTR; %lu signals caught; the re-marking thread made %lu passes\n",
		       test_context(), rr.calls, windows, REMARK_MS, ms_since(t0), rr.entries,
		       rm.vcpu->ring.size, rr.max_entries, rr.max_ms, rr.eintr, (u64)signals_seen,
		       rr.passes);
	TEST_ASSERT(rr.max_ms <= REMARK_MS + RETURN_SLACK_MS,
		    "a reset took %lu ms, the re-marking stopped after at most %u ms", rr.max_ms,
		    REMARK_MS);
	kvm_vm_free(vm);
	if (rr.max_entries <= rm.vcpu->ring.size)
		test_skip("no reset chased the re-marking in %u windows: at most %lu entries in one call, the ring holds %u%s",
			  windows, rr.max_entries, rm.vcpu->ring.size,
			  apart ? "" : " (one CPU allowed: the two threads only took turns)");
	if (with_signal && !signals_seen)
		test_skip("no timer signal arrived while resetting");
}

static void test_remark_while_resetting(enum guest_cpl cpl, const void *arg)
{
	remark_reset(false);
}

static void test_signal_during_remark_reset(enum guest_cpl cpl, const void *arg)
{
	remark_reset(true);
}

/* ---- signal_during_long_reset ---- */

/*
 * Harvest a round's entries: every page 0..LONG_RESET_PAGES-1, else name the
 * missing ones and the interrupted resets (cut_short) that came before.
 */
static u64 long_harvest(struct kvm_vcpu *vcpu, struct dirty_bitmap_set *set, u64 round,
			u64 cut_short)
{
	unsigned long *map = set->slots[0].bitmap;
	u64 n, w;

	dirty_bitmap_set_clear(set);
	n = dirty_ring_harvest_bitmap(&vcpu->ring, set);
	w = bitmap_weight(map, LONG_RESET_PAGES);
	if (w != LONG_RESET_PAGES) {
		u64 p;

		for (p = 0; p < LONG_RESET_PAGES && bitmap_test_bit(map, p); p++)
			;
		TEST_FAIL("PAGES LOST: round %lu: the guest stored to all %u pages, %lu reported (first missing page %lu; %lu entries, %lu stray); %lu resets before were cut short by the signal: KVM cleared entries whose pages it did not write-protect again",
			  round, LONG_RESET_PAGES, w, p, n, set->stray, cut_short);
	}
	return n;
}

static u32 flagged_entries(const struct dirty_ring *ring)
{
	u32 i, n = 0;

	for (i = 0; i < ring->size; i++)
		n += !!__atomic_load_n(&ring->gfns[i].flags, __ATOMIC_ACQUIRE);
	return n;
}

static void test_signal_during_long_reset(enum guest_cpl cpl, const void *arg)
{
	const struct script_op ops[] = {
		{ .kind = SCRIPT_WRITE, .slot = TEST_SLOT, .count = LONG_RESET_PAGES },
		{ .kind = SCRIPT_SYNC },
		{ .kind = SCRIPT_WRITE, .slot = TEST_SLOT, .count = LONG_RESET_PAGES },
		{ .kind = SCRIPT_SYNC },
		{ .kind = SCRIPT_END },
	};
	u64 calls = 0, eintr = 0, cut_short = 0, sum = 0, n, t0;
	struct dirty_bitmap_set set;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = script_vm_create(cpl, 1, LONG_RING_ENTRIES, LONG_RESET_PAGES, &vcpu);
	timer_t timer;
	int ret = -1;

	script_load(vcpu, ops, ARRAY_SIZE(ops), LONG_RESET_PAGES);
	dirty_bitmap_set_init(&set);
	dirty_bitmap_set_add_slot(&set, DIRTY_RING_SLOT(0, TEST_SLOT), LONG_RESET_PAGES);

	TEST_ASSERT_EQ(vcpu_run_expect_ucall(vcpu, UCALL_SYNC), 1);
	n = long_harvest(vcpu, &set, 1, 0);
	t0 = time_now_ns();
	timer = thread_timer_start(SIGNAL_PERIOD_US, SIGNAL_PERIOD_US);
	while (calls < MAX_RESET_CALLS && (ret < 0 || flagged_entries(&vcpu->ring))) {
		ret = __vm_reset_dirty_rings(vm);
		calls++;
		if (ret < 0) {
			TEST_ASSERT(errno == EINTR, "KVM_RESET_DIRTY_RINGS: rc %d", ret);
			eintr++;
			continue;
		}
		sum += ret;
		cut_short += ret && flagged_entries(&vcpu->ring);
	}
	timer_delete(timer);
	ksft_print_msg("[%s] %lu entries harvested; %lu reset calls in %lu ms under a %u us signal: %lu returned EINTR, %lu returned a partial count; the calls returned %lu entries in all (%lu reset by calls that returned EINTR)\n",
		       test_context(), n, calls, ms_since(t0), SIGNAL_PERIOD_US, eintr, cut_short,
		       sum, n - sum);
	TEST_ASSERT(!flagged_entries(&vcpu->ring),
		    "%u ring entries still flagged after %lu reset calls",
		    flagged_entries(&vcpu->ring), calls);

	TEST_ASSERT_EQ(vcpu_run_expect_ucall(vcpu, UCALL_SYNC), 3);
	n = long_harvest(vcpu, &set, 2, cut_short + eintr);
	TEST_ASSERT(vm_reset_dirty_rings(vm) == n, "the last reset did not reset the %lu entries harvested",
		    n);
	dirty_bitmap_set_free(&set);
	kvm_vm_free(vm);
	if (!cut_short && !eintr)
		test_skip("no reset was cut short by the signal (%lu calls, none returned EINTR or a partial count): no interrupted reset to check",
			  calls);
}

static void help(const char *prog)
{
	printf("usage: %s [-g cpl0|cpl3|all]\n"
	       "Races KVM_RESET_DIRTY_RINGS with running vCPUs, harvesters, other resets,\n"
	       "re-marked entries and signals.\n" TEST_COMMON_USAGE, prog);
}

int main(int argc, char *argv[])
{
	unsigned int cpl_mask = test_parse_common_args(argc, argv, help);
	const struct test_case cases[] = {
		{ "concurrent_reset_harvest", test_concurrent_reset_harvest, NULL, true, true },
		{ "remark_while_resetting", test_remark_while_resetting, NULL, false, true },
		{ "signal_during_remark_reset", test_signal_during_remark_reset, NULL, false,
		  true },
		{ "signal_during_long_reset", test_signal_during_long_reset, NULL, true, true },
	};

	kvm_require_dirty_ring(LONG_RING_ENTRIES);
	run_test_cases(cases, ARRAY_SIZE(cases), cpl_mask, TEST_CASE_TIMEOUT_S);
}
