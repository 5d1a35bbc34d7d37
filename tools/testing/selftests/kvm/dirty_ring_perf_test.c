// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_ring_perf_test: what collecting the dirty pages costs, dirty ring
 * versus dirty bitmap.
 *
 * The counterpart of the kernel's bitmap-only dirty_log_perf_test.  vCPU
 * threads each write a fraction of their own memory per iteration, in order
 * or in a random order (a different set of pages every iteration), then
 * sync.  With every vCPU stopped, the host collects the iteration's dirty
 * pages into a bitmap with one of
 *   - ring:      harvest every vCPU's ring (the library walk), then
 *                KVM_RESET_DIRTY_RINGS; a vCPU whose ring fills up exits
 *                and its thread harvests and resets at once (full-exit
 *                handling, timed apart).  The library's overflow checks
 *                scan each whole ring after the walk: they run between
 *                the timed walk and the timed reset, as a VMM would not
 *                run them;
 *   - get_log:   KVM_GET_DIRTY_LOG, which also re-protects;
 *   - clear_log: KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2: KVM_GET_DIRTY_LOG, then
 *                KVM_CLEAR_DIRTY_LOG of what it returned.
 * Per iteration it prints the guest's dirtying time, the collection time
 * split into harvest (or get), reset (or clear) and full-exit handling, and
 * the pages collected, which must be exactly the pages written; at the end
 * averages and one "summary:" line of key=value pairs.  --csv writes every
 * iteration, with the collecting thread's CPU time (kernel time included)
 * next to each wall-clock time: on a loaded machine a collection of a few
 * milliseconds is preempted, and its wall-clock time measures the load. In
 * ring mode each collection is followed by an idle one (every ring empty, a
 * reset with nothing to reset), timed too: the cost that does not depend on
 * the pages, only on the vCPUs.
 *
 * For curves over memory size and vCPU count, -p gives the pages each vCPU
 * writes per iteration instead of a fraction, several counts in one run
 * (one VM, -i iterations at each), and -u leaves guest memory unpopulated so
 * that a VM of many GiB starts in a second: the host faults a page in on
 * the guest's first write to it, which the dirtying time pays, not the
 * collection.
 *
 * The default run is a smoke test of a few seconds at both privilege
 * levels, with a ring sized so that an iteration never fills it: guest code
 * at CPL0 is emulated on kvm_pvm and can overflow a full ring there.  A
 * full exit that finds nothing to harvest, or a reset that resets fewer
 * entries than were harvested, is reported as a RING OVERFLOW, never waited
 * on.  Measure at CPL3 (see bench/run_bench.sh).
 */
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <time.h>

#include "dirty_log.h"
#include "dirty_ring.h"
#include "test_case.h"
#include "ucall.h"

#define TEST_SLOT		1
/* vCPU regions are whole bitmap words, so vCPU threads never share one. */
#define VCPU_PAGES_ALIGN	64
#define MAX_PHASES		16	/* -p counts */
#define DEFAULT_VCPUS		2
#define DEFAULT_VCPU_BYTES	(4ul << 20)
#define DEFAULT_FRACTION	0.25
#define DEFAULT_ITERATIONS	4
#define MAX_ITERATIONS		10000
/* Watchdog per case: a floor, plus a generous 50 us per page written. */
#define CASE_TIMEOUT_BASE_S	30
#define CASE_TIMEOUT_NS_PAGE	50000ull

/* Options */
static u32 nr_vcpus = DEFAULT_VCPUS;
static u64 vcpu_pages = DEFAULT_VCPU_BYTES / GUEST_PAGE_SIZE;
static double fraction = DEFAULT_FRACTION;
static bool random_access;
static u32 ring_entries;	/* 0: sized so that an iteration never fills a ring */
static u32 nr_iterations = DEFAULT_ITERATIONS;
static const char *csv_path;
static u64 phase_pages[MAX_PHASES];	/* -p: pages per vCPU per iteration, by phase */
static u32 nr_phases;
static bool unpopulated;
static bool pages_given;		/* -p: no fraction, phase_fraction() from the count */

/*
 * Pages each vCPU writes per iteration, in the current phase; the guest
 * reads it at the start of every iteration (the host updates it while every
 * vCPU is stopped at its sync).
 */
static u64 pages_per_iter;

/*
 * Guest: write pages_per_iter pages of the vCPU's region per iteration,
 * continuing where the last iteration stopped, then sync.  The random order
 * is a full-period LCG modulo the next power of two, values past the region
 * skipped: every page once per lap, so an iteration's pages are distinct.
 */
#define LCG_MUL		6364136223846793005ull
#define LCG_ADD		1442695040888963407ull

static void guest_code(u64 gva, u64 npages, u64 random, u64 seed)
{
	u64 mask = 1, page = seed % npages, i, iter, per_iter;

	while (mask < npages)
		mask <<= 1;
	mask--;
	for (iter = 1;; iter++) {
		per_iter = READ_ONCE(pages_per_iter);
		for (i = 0; i < per_iter; i++) {
			if (random) {
				do
					page = (page * LCG_MUL + LCG_ADD) & mask;
				while (page >= npages);
			} else if (++page == npages) {
				page = 0;
			}
			*(volatile u64 *)(gva + page * GUEST_PAGE_SIZE) = iter;
		}
		GUEST_SYNC_VALUE(iter);
	}
}

/* One iteration's numbers, all times in ns. */
struct iter_stats {
	u64 dirty_ns;
	u64 harvest_ns;		/* ring: walk; bitmap modes: KVM_GET_DIRTY_LOG */
	u64 reset_ns;		/* ring: KVM_RESET_DIRTY_RINGS; clear_log: KVM_CLEAR_DIRTY_LOG */
	u64 full_ns;		/* ring: full-exit handling in the vCPU threads */
	u64 full_exits;
	u64 pages;		/* distinct pages collected */
	u64 entries;		/* ring entries harvested (ring mode) */
	u64 idle_harvest_ns;	/* ring: harvesting every ring when all are empty */
	u64 idle_reset_ns;	/* ring: KVM_RESET_DIRTY_RINGS with nothing to reset */
	/* The same four, in CPU time of the collecting thread. */
	u64 harvest_cpu_ns, reset_cpu_ns, idle_harvest_cpu_ns, idle_reset_cpu_ns;
};

/* A span timed in wall-clock time and in this thread's CPU time. */
struct span {
	u64 ns, cpu_ns;
};

static u64 thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static struct span span_start(void)
{
	return (struct span) { .ns = time_now_ns(), .cpu_ns = thread_cpu_ns() };
}

/* Since span_start() returned start: wall into *ns, CPU into *cpu_ns. */
static void span_end(struct span start, u64 *ns, u64 *cpu_ns)
{
	*cpu_ns = thread_cpu_ns() - start.cpu_ns;
	*ns = time_now_ns() - start.ns;
}

struct perf_vm;

struct vcpu_thread {
	struct perf_vm *p;
	struct kvm_vcpu *vcpu;
	pthread_t thread;
	u64 full_ns, full_exits, full_entries;	/* this iteration; read while parked */
	u32 harvested;				/* by the last walk of its ring */
};

struct perf_vm {
	enum log_mode_id mode;
	struct kvm_vm *vm;
	u64 npages;
	struct vcpu_thread *vt;			/* nr_vcpus of them */
	u32 ring_entries;
	unsigned long *dirty;			/* this iteration's pages */
	struct dirty_bitmap_set set;		/* ring mode: owns dirty */
	pthread_mutex_t ring_lock;		/* one harvest-and-reset at a time */
	pthread_barrier_t start, end;
	u64 iteration;				/* written by main before start */
	bool done;
};

/* Walk every ring into the bitmap; returns the entries harvested. */
static u64 harvest_rings(struct perf_vm *p)
{
	u64 n = 0;
	u32 v;

	for (v = 0; v < nr_vcpus; v++) {
		struct vcpu_thread *vt = &p->vt[v];

		vt->harvested = dirty_ring_walk(&vt->vcpu->ring, vt->vcpu->ring.size,
						dirty_bitmap_set_entry, &p->set);
		n += vt->harvested;
	}
	return n;
}

/* After harvest_rings(), untimed: what the rings show of an overflow. */
static void check_rings(struct perf_vm *p, struct ring_collect *rc)
{
	u32 v;

	for (v = 0; v < nr_vcpus; v++)
		vcpu_harvest_check(p->vt[v].vcpu, p->vt[v].harvested, false, rc);
}

/*
 * The ring collection, with every vCPU parked: harvest (timed), the checks,
 * then the reset (timed), into st's idle or its normal times.  Returns the
 * entries harvested.
 */
static u64 collect_rings(struct perf_vm *p, struct iter_stats *st, bool idle, u32 *reset)
{
	struct ring_collect rc = {};
	struct span t;
	u64 n;

	pthread_mutex_lock(&p->ring_lock);
	t = span_start();
	n = harvest_rings(p);
	if (idle)
		span_end(t, &st->idle_harvest_ns, &st->idle_harvest_cpu_ns);
	else
		span_end(t, &st->harvest_ns, &st->harvest_cpu_ns);
	check_rings(p, &rc);
	t = span_start();
	*reset = vm_reset_harvested(p->vm, n, &rc);
	if (idle)
		span_end(t, &st->idle_reset_ns, &st->idle_reset_cpu_ns);
	else
		span_end(t, &st->reset_ns, &st->reset_cpu_ns);
	pthread_mutex_unlock(&p->ring_lock);
	ring_collect_assert(&rc);
	return n;
}

/* A vCPU's ring is full: harvest it and reset, in its own thread. */
static void handle_full_exit(struct vcpu_thread *vt)
{
	struct perf_vm *p = vt->p;
	struct ring_collect rc = {};
	u64 t0, n;

	pthread_mutex_lock(&p->ring_lock);
	t0 = time_now_ns();
	n = vcpu_collect_full_ring(vt->vcpu, dirty_bitmap_set_entry, &p->set, &rc);
	ring_collect_assert(&rc);
	vt->full_ns += time_now_ns() - t0;
	vt->full_entries += n;
	vt->full_exits++;
	pthread_mutex_unlock(&p->ring_lock);
}

static void run_vcpu_iteration(struct vcpu_thread *vt, u32 v)
{
	struct kvm_vcpu *vcpu = vt->vcpu;
	struct ucall uc;

	for (;;) {
		vcpu_run(vcpu);
		if (!log_modes[vt->p->mode].after_run(vcpu))
			break;
		handle_full_exit(vt);
	}
	TEST_ASSERT(get_ucall_checked(vcpu, &uc) == UCALL_SYNC,
		    "vCPU %u iteration %lu: wanted a sync, got exit %s, ucall %lu", v,
		    vt->p->iteration, exit_reason_str(vcpu->run->exit_reason), uc.cmd);
	TEST_ASSERT_EQ(uc.args[0], vt->p->iteration);
}

static void *vcpu_thread_fn(void *arg)
{
	struct vcpu_thread *vt = arg;
	struct perf_vm *p = vt->p;
	u32 v = vt - p->vt;

	for (;;) {
		pthread_barrier_wait(&p->start);
		if (READ_ONCE(p->done))
			return NULL;
		vt->full_ns = vt->full_exits = vt->full_entries = 0;
		run_vcpu_iteration(vt, v);
		pthread_barrier_wait(&p->end);
	}
}

/* The fraction a phase writes: -f as given, or what a -p count makes of it. */
static double phase_fraction(u64 pages)
{
	return pages_given ? (double)pages / vcpu_pages : fraction;
}

static u64 max_phase_pages(void)
{
	u64 most = 0;
	u32 i;

	for (i = 0; i < nr_phases; i++)
		most = phase_pages[i] > most ? phase_pages[i] : most;
	return most;
}

/* Smallest ring no iteration fills, within what KVM accepts. */
static u32 default_ring_entries(void)
{
	u64 min = kvm_dirty_ring_min_bytes(dirty_ring_cap_acq_rel()) / DIRTY_GFN_SIZE;
	u64 max = kvm_dirty_ring_max_bytes(dirty_ring_cap_acq_rel()) / DIRTY_GFN_SIZE;
	u64 entries = min;

	while (entries < max_phase_pages() + KVM_RING_RESERVE_MAX + 1 && entries < max)
		entries *= 2;
	return entries;
}

static void perf_vm_create(struct perf_vm *p, enum log_mode_id mode, enum guest_cpl cpl)
{
	struct mem_region *r;
	u32 v;

	p->mode = mode;
	p->npages = nr_vcpus * vcpu_pages;
	if (mode == LOG_MODE_RING)
		p->ring_entries = ring_entries ?: default_ring_entries();
	p->vm = vm_create_logged(cpl, mode, p->ring_entries, TEST_SLOT, p->npages);
	/* host pages allocated up front: iteration 1 times the same faults as the rest */
	r = vm_mem_region(p->vm, TEST_SLOT);
	if (!unpopulated)
		memset(r->host_mem, 0, p->npages * GUEST_PAGE_SIZE);

	dirty_bitmap_set_init(&p->set);
	p->dirty = dirty_bitmap_set_add_slot(&p->set, DIRTY_RING_SLOT(0, TEST_SLOT), p->npages);
	pthread_mutex_init(&p->ring_lock, NULL);
	pthread_barrier_init(&p->start, NULL, nr_vcpus + 1);
	pthread_barrier_init(&p->end, NULL, nr_vcpus + 1);
	p->vt = calloc(nr_vcpus, sizeof(*p->vt));
	TEST_ASSERT(p->vt, "out of memory");
	for (v = 0; v < nr_vcpus; v++) {
		struct vcpu_thread *vt = &p->vt[v];

		vt->p = p;
		vt->vcpu = vm_vcpu_add(p->vm, v, guest_code);
		vcpu_args_set(vt->vcpu, 4, TEST_MEM_BASE_GPA + v * vcpu_pages * GUEST_PAGE_SIZE,
			      vcpu_pages, (u64)random_access, (u64)v * 7919);
		log_modes[mode].vcpu_setup(vt->vcpu);
		TEST_ASSERT(!pthread_create(&vt->thread, NULL, vcpu_thread_fn, vt),
			    "pthread_create");
	}
}

static void perf_vm_free(struct perf_vm *p)
{
	u32 v;

	WRITE_ONCE(p->done, true);
	pthread_barrier_wait(&p->start);
	for (v = 0; v < nr_vcpus; v++)
		pthread_join(p->vt[v].thread, NULL);
	pthread_barrier_destroy(&p->start);
	pthread_barrier_destroy(&p->end);
	dirty_bitmap_set_free(&p->set);
	kvm_vm_free(p->vm);
	free(p->vt);
}

/*
 * Ring mode, right after a collection: harvest every ring again and reset,
 * with nothing left in any of them.  Both must find nothing.
 */
static void idle_collect(struct perf_vm *p, struct iter_stats *st)
{
	u32 reset;
	u64 n = collect_rings(p, st, true, &reset);

	TEST_ASSERT(!n && !reset,
		    "iteration %lu: the rings held %lu entries after the collection, KVM_RESET_DIRTY_RINGS reset %u",
		    p->iteration, n, reset);
}

/* With every vCPU parked: the iteration's dirty pages into p->dirty. */
static void collect(struct perf_vm *p, struct iter_stats *st)
{
	struct span t;
	u32 reset;

	switch (p->mode) {
	case LOG_MODE_RING:
		st->entries += collect_rings(p, st, false, &reset);
		idle_collect(p, st);
		return;
	case LOG_MODE_GET_LOG:
	case LOG_MODE_CLEAR_LOG:
		t = span_start();
		vm_get_dirty_log(p->vm, TEST_SLOT, p->dirty);
		span_end(t, &st->harvest_ns, &st->harvest_cpu_ns);
		if (p->mode == LOG_MODE_GET_LOG)
			return;
		t = span_start();
		vm_clear_dirty_log(p->vm, TEST_SLOT, p->dirty, 0, p->npages);
		span_end(t, &st->reset_ns, &st->reset_cpu_ns);
		return;
	default:
		TEST_FAIL("unknown mode %d", p->mode);
	}
}

/* Every page written this iteration was collected, and nothing else. */
static void check_pages(struct perf_vm *p, struct iter_stats *st)
{
	u64 expected = nr_vcpus * pages_per_iter;

	st->pages = bitmap_weight(p->dirty, p->npages);
	TEST_ASSERT(!p->set.stray, "%lu ring entries outside the test slot, first: slot %#x offset %lu",
		    p->set.stray, p->set.first_stray.slot, p->set.first_stray.offset);
	TEST_ASSERT(st->pages == expected,
		    "%s iteration %lu: %lu pages collected, %lu written (%s)%s",
		    log_modes[p->mode].name, p->iteration, st->pages, expected,
		    st->pages < expected ? "PAGES LOST" : "pages not written reported",
		    p->mode == LOG_MODE_RING && st->pages < expected ?
		    ": RING OVERFLOW suspected, see dmesg for kvm_dirty_ring_push" : "");
}

static void run_iteration(struct perf_vm *p, struct iter_stats *st)
{
	u64 t0;
	u32 v;

	memset(st, 0, sizeof(*st));
	dirty_bitmap_set_clear(&p->set);
	p->iteration++;
	t0 = time_now_ns();
	pthread_barrier_wait(&p->start);
	pthread_barrier_wait(&p->end);
	st->dirty_ns = time_now_ns() - t0;
	for (v = 0; v < nr_vcpus; v++) {
		st->full_ns += p->vt[v].full_ns;
		st->full_exits += p->vt[v].full_exits;
		st->entries += p->vt[v].full_entries;
	}
	collect(p, st);
	check_pages(p, st);
}

static u64 collect_ns(const struct iter_stats *st)
{
	return st->harvest_ns + st->reset_ns + st->full_ns;
}

/* The collection split, in the words of the mode. */
static void format_split(const struct perf_vm *p, const struct iter_stats *st, char *buf,
			 size_t size)
{
	switch (p->mode) {
	case LOG_MODE_RING:
		snprintf(buf, size, "harvest %.3f + reset %.3f + full exits %.3f ms (%lu exits)",
			 st->harvest_ns / 1e6, st->reset_ns / 1e6, st->full_ns / 1e6,
			 st->full_exits);
		break;
	case LOG_MODE_GET_LOG:
		snprintf(buf, size, "get %.3f ms", st->harvest_ns / 1e6);
		break;
	default:
		snprintf(buf, size, "get %.3f + clear %.3f ms", st->harvest_ns / 1e6,
			 st->reset_ns / 1e6);
	}
}

static void print_iteration(const struct perf_vm *p, const struct iter_stats *st, const char *label)
{
	char split[160];

	format_split(p, st, split, sizeof(split));
	ksft_print_msg("%s %s %s: dirty %.3f ms (%.2f us/page), collect %.3f ms (%.1f ns/page) = %s, %lu pages collected%s\n",
		       label, log_modes[p->mode].name, guest_cpl_name(p->vm->cpl),
		       st->dirty_ns / 1e6, st->dirty_ns / 1e3 * nr_vcpus / st->pages,
		       collect_ns(st) / 1e6, (double)collect_ns(st) / st->pages, split, st->pages,
		       p->mode == LOG_MODE_RING ? " from the ring" : "");
}

static void csv_append(const struct perf_vm *p, const struct iter_stats *st)
{
	FILE *f;

	if (!csv_path)
		return;
	f = fopen(csv_path, "a");
	TEST_ASSERT(f, "cannot append to %s", csv_path);
	fprintf(f, "%s,%s,%u,%lu,%.6g,%s,%u,%lu,%lu,%lu,%lu,%lu,%lu,%lu,%lu,%.2f,%lu,%lu,%lu,%d,%lu,%lu,%lu,%lu\n",
		log_modes[p->mode].name, guest_cpl_name(p->vm->cpl), nr_vcpus, vcpu_pages,
		phase_fraction(pages_per_iter), random_access ? "random" : "sequential",
		p->ring_entries, p->iteration, st->dirty_ns, st->harvest_ns, st->reset_ns,
		st->full_ns, st->full_exits, st->pages, st->entries,
		(double)collect_ns(st) / st->pages, pages_per_iter, st->idle_harvest_ns,
		st->idle_reset_ns, !unpopulated, st->harvest_cpu_ns, st->reset_cpu_ns,
		st->idle_harvest_cpu_ns, st->idle_reset_cpu_ns);
	fclose(f);
}

static const char *iter_label(u64 iteration, char *buf, size_t size)
{
	snprintf(buf, size, "iteration %lu", iteration);
	return buf;
}

static void stats_add(struct iter_stats *sum, const struct iter_stats *st)
{
	sum->dirty_ns += st->dirty_ns;
	sum->harvest_ns += st->harvest_ns;
	sum->reset_ns += st->reset_ns;
	sum->full_ns += st->full_ns;
	sum->full_exits += st->full_exits;
	sum->pages += st->pages;
	sum->entries += st->entries;
	sum->idle_harvest_ns += st->idle_harvest_ns;
	sum->idle_reset_ns += st->idle_reset_ns;
	sum->harvest_cpu_ns += st->harvest_cpu_ns;
	sum->reset_cpu_ns += st->reset_cpu_ns;
	sum->idle_harvest_cpu_ns += st->idle_harvest_cpu_ns;
	sum->idle_reset_cpu_ns += st->idle_reset_cpu_ns;
}

/* nr_iterations iterations of `pages` pages per vCPU, then their summary. */
static void run_phase(struct perf_vm *p, u64 pages)
{
	struct iter_stats st, sum = {};
	char label[32];
	u32 i;

	pages_per_iter = pages;
	sync_global_to_guest(p->vm, pages_per_iter);
	if (p->mode == LOG_MODE_RING)
		ksft_print_msg("ring of %u entries per vCPU, %lu pages written per vCPU per iteration\n",
			       p->ring_entries, pages_per_iter);
	for (i = 0; i < nr_iterations; i++) {
		run_iteration(p, &st);
		print_iteration(p, &st, iter_label(p->iteration, label, sizeof(label)));
		csv_append(p, &st);
		stats_add(&sum, &st);
	}
	print_iteration(p, &sum, "total");
	ksft_print_msg("summary: mode=%s cpl=%s vcpus=%u pages_per_vcpu=%lu fraction=%g access=%s ring_entries=%u iterations=%u pages=%lu dirty_us_per_page=%.3f collect_ns_per_page=%.1f harvest_ns_per_page=%.1f reset_ns_per_page=%.1f full_exit_ns_per_page=%.1f full_exits=%lu entries=%lu pages_per_vcpu_iteration=%lu idle_harvest_us=%.3f idle_reset_us=%.3f collect_cpu_ns_per_page=%.1f\n",
		       log_modes[p->mode].name, guest_cpl_name(p->vm->cpl), nr_vcpus, vcpu_pages,
		       phase_fraction(pages), random_access ? "random" : "sequential",
		       p->ring_entries, nr_iterations, sum.pages,
		       sum.dirty_ns / 1e3 * nr_vcpus / sum.pages,
		       (double)collect_ns(&sum) / sum.pages, (double)sum.harvest_ns / sum.pages,
		       (double)sum.reset_ns / sum.pages, (double)sum.full_ns / sum.pages,
		       sum.full_exits, sum.entries, pages,
		       sum.idle_harvest_ns / 1e3 / nr_iterations,
		       sum.idle_reset_ns / 1e3 / nr_iterations,
		       (double)(sum.harvest_cpu_ns + sum.reset_cpu_ns) / sum.pages);
}

static void run_perf_case(enum guest_cpl cpl, const void *arg)
{
	enum log_mode_id mode = log_mode_id(arg);
	struct perf_vm p = {};
	u32 i;

	log_modes_require(1u << mode);
	perf_vm_create(&p, mode, cpl);
	for (i = 0; i < nr_phases; i++)
		run_phase(&p, phase_pages[i]);
	perf_vm_free(&p);
}

static void help(const char *prog)
{
	printf("usage: %s [-g cpl0|cpl3|all] [-m mode] [-v vcpus] [-b bytes] [-f fraction | -p pages[,pages...]]\n"
	       "          [-a access] [-r entries] [-i iterations] [-u] [--csv FILE]\n"
	       "Measures dirty page collection: dirty ring versus KVM_GET_DIRTY_LOG / KVM_CLEAR_DIRTY_LOG.\n"
	       TEST_COMMON_USAGE
	       "  -m MODE     ring, get (get_log), clear (clear_log) or all (default all)\n"
	       "  -v N        vCPUs, 1 to KVM_CAP_MAX_VCPUS (default %d)\n"
	       "  -b SIZE     memory per vCPU, a multiple of %lu KiB (k/m/g suffix; default %lu MiB),\n"
	       "              at most %lu GiB in all\n"
	       "  -f F        fraction of each vCPU's pages written per iteration, (0, 1] (default %g)\n"
	       "  -p N,...    pages each vCPU writes per iteration instead, 1 to its pages; with several\n"
	       "              counts (up to %d), -i iterations at each, in the order given, in one VM\n"
	       "  -a ACCESS   sequential or random page order (default sequential)\n"
	       "  -r N        ring entries per vCPU, a power of two (default: the smallest\n"
	       "              that an iteration does not fill, within KVM's limits)\n"
	       "  -i N        iterations, 1..%d (default %d)\n"
	       "  -u          leave guest memory unpopulated (the guest's first write to a page faults\n"
	       "              it in): a VM of many GiB starts at once\n"
	       "  --csv FILE  write every iteration to FILE\n"
	       "The default run is a smoke test; measure at CPL3 (-g cpl3), where kvm_pvm runs the guest natively.\n",
	       prog, DEFAULT_VCPUS, VCPU_PAGES_ALIGN * GUEST_PAGE_SIZE >> 10,
	       DEFAULT_VCPU_BYTES >> 20, VM_MAX_TEST_PAGES * GUEST_PAGE_SIZE >> 30,
	       DEFAULT_FRACTION, MAX_PHASES, MAX_ITERATIONS, DEFAULT_ITERATIONS);
}

static void __attribute__((noreturn)) bad_arg(const char *prog, const char *opt, const char *arg)
{
	test_usage_error(prog, help, "bad value for %s: '%s'", opt, arg);
}

static double parse_fraction(const char *prog, const char *arg)
{
	char *end;
	double f;

	errno = 0;
	f = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(f) || f <= 0 || f > 1)
		bad_arg(prog, "-f", arg);
	return f;
}

/* -p N[,N...]: the phases' page counts, each at least 1 (checked against -b later). */
static void parse_phase_pages(const char *prog, const char *arg)
{
	const char *p = arg;
	char *end;

	nr_phases = 0;
	do {
		if (nr_phases == MAX_PHASES || *p < '0' || *p > '9')
			bad_arg(prog, "-p", arg);
		errno = 0;
		phase_pages[nr_phases] = strtoull(p, &end, 10);
		if (errno || !phase_pages[nr_phases] || (*end && *end != ','))
			bad_arg(prog, "-p", arg);
		nr_phases++;
		p = end + 1;
	} while (*end);
}

static void parse_args(int argc, char *argv[], unsigned int *cpl_mask, unsigned int *mode_mask)
{
	bool fraction_given = false;
	u32 i;
	static const struct option longopts[] = {
		{ "csv", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	u64 bytes;
	int opt;

	while ((opt = test_getopt(argc, argv, TEST_COMMON_OPTS "m:v:b:f:p:a:r:i:u", longopts,
				  cpl_mask, help)) != -1) {
		switch (opt) {
		case 'm':
			*mode_mask = log_mode_parse(optarg);
			if (!*mode_mask)
				bad_arg(argv[0], "-m", optarg);
			break;
		case 'v':
			nr_vcpus = parse_u64(optarg, "-v", 1, UINT32_MAX);
			break;
		case 'b':
			bytes = parse_size(optarg, "-b");
			if (!bytes || bytes % (VCPU_PAGES_ALIGN * GUEST_PAGE_SIZE))
				bad_arg(argv[0], "-b", optarg);
			vcpu_pages = bytes / GUEST_PAGE_SIZE;
			break;
		case 'f':
			fraction = parse_fraction(argv[0], optarg);
			fraction_given = true;
			break;
		case 'p':
			parse_phase_pages(argv[0], optarg);
			break;
		case 'u':
			unpopulated = true;
			break;
		case 'a':
			if (strcmp(optarg, "sequential") && strcmp(optarg, "random"))
				bad_arg(argv[0], "-a", optarg);
			random_access = !strcmp(optarg, "random");
			break;
		case 'r':
			ring_entries = dirty_ring_entries_arg(optarg, "-r");
			break;
		case 'i':
			nr_iterations = parse_u64(optarg, "-i", 1, MAX_ITERATIONS);
			break;
		case 'c':
			csv_path = optarg;
			break;
		}
	}
	if (nr_vcpus > kvm_max_vcpus())
		test_usage_error(argv[0], help,
				 "-v %u: this host's KVM takes at most %u vCPUs (KVM_CAP_MAX_VCPUS)",
				 nr_vcpus, kvm_max_vcpus());
	if ((u64)nr_vcpus * vcpu_pages > VM_MAX_TEST_PAGES)
		test_usage_error(argv[0], help, "%u vCPUs x %lu pages is more than %lu pages in all",
				 nr_vcpus, vcpu_pages, VM_MAX_TEST_PAGES);
	if (fraction_given && nr_phases)
		test_usage_error(argv[0], help, "-f and -p exclude each other");
	for (i = 0; i < nr_phases; i++)
		if (phase_pages[i] > vcpu_pages)
			test_usage_error(argv[0], help, "-p %lu: more than the %lu pages of a vCPU",
					 phase_pages[i], vcpu_pages);
	pages_given = nr_phases;
	if (!nr_phases) {
		phase_pages[0] = (u64)(fraction * vcpu_pages + 0.5) ?: 1;
		nr_phases = 1;
	}
}

static void csv_create(const char *prog)
{
	FILE *f = fopen(csv_path, "w");

	if (!f) {
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, csv_path, strerror(errno));
		exit(KSFT_FAIL);
	}
	fprintf(f, "mode,cpl,vcpus,pages_per_vcpu,fraction,access,ring_entries,iteration,dirty_ns,harvest_or_get_ns,reset_or_clear_ns,full_exit_ns,full_exits,pages,entries,collect_ns_per_page,pages_per_vcpu_iteration,idle_harvest_ns,idle_reset_ns,populated,harvest_or_get_cpu_ns,reset_or_clear_cpu_ns,idle_harvest_cpu_ns,idle_reset_cpu_ns\n");
	fclose(f);
}

int main(int argc, char *argv[])
{
	unsigned int cpl_mask = GUEST_CPL_ALL, mode_mask = LOG_MODES_ALL, n = 0;
	struct test_case cases[NR_LOG_MODES];
	u64 timeout, written = 0;
	int m;
	u32 i;

	parse_args(argc, argv, &cpl_mask, &mode_mask);
	if (csv_path)
		csv_create(argv[0]);
	close(open_kvm_dev_path_or_exit());
	if (ring_entries && (mode_mask & (1u << LOG_MODE_RING)))
		dirty_ring_entries_option(ring_entries, "-r");
	for (m = 0; m < NR_LOG_MODES; m++)
		if (mode_mask & (1u << m))
			cases[n++] = (struct test_case) { .name = log_modes[m].name,
							  .run = run_perf_case,
							  .arg = &log_modes[m], .guest = true };
	for (i = 0; i < nr_phases; i++)
		written += nr_vcpus * phase_pages[i] * nr_iterations;
	timeout = CASE_TIMEOUT_BASE_S + written * CASE_TIMEOUT_NS_PAGE / 1000000000ull;
	run_test_cases(cases, n, cpl_mask, timeout);
}
