// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_ring_migration_test: a live precopy migration loses no page.
 *
 * A VMM migrates a running guest by copying its memory while the guest keeps
 * writing, then copying again what the dirty log says changed, until what is
 * left fits the downtime it may stop the guest for.  A dirty page the log
 * misses is guest memory silently corrupted on the destination.  This test
 * runs that migration inside one process, with each dirty log KVM offers:
 *   - ring:      KVM_CAP_DIRTY_LOG_RING; a reaper thread harvests every
 *                vCPU's ring and resets them, woken by full exits and every
 *                REAPER_PERIOD_MS, the way a VMM runs it;
 *   - get_log:   KVM_GET_DIRTY_LOG, which also clears and re-protects;
 *   - clear_log: KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, get, then clear.
 *
 * The vCPUs store to the test slot at a set rate (-R; the host grants each
 * vCPU a budget of stores per PACE_TICK_NS, published in guest memory while
 * it waits at a GUEST_SYNC_VALUE), at random pages or sequentially through a part
 * of their own.  Store n of vCPU i writes (i + 1) << 48 | n at byte 8 * i of
 * the page, so a stale copy shows as an older value.  Before the guest runs,
 * the host tags the last word of every page, so a page never sent differs.
 *
 * Round 1 sends every page; each later round first collects the dirty set
 * (harvest and reset, or get/clear) and only then copies those pages, so a
 * store after the copy is reported in a later round.  Pages go through a
 * simulated link (-B): the copier sleeps so that it never runs ahead of the
 * link's bandwidth.  Rounds repeat until the dirty set fits the downtime
 * budget (-D at the link's bandwidth) and every vCPU made MIN_GUEST_STORES
 * stores, or until the round limit (-r).  Then the vCPUs stop at their next
 * GUEST_SYNC_VALUE, the last dirty set is collected and copied with the one not yet
 * sent, and the destination must equal guest memory byte for byte; a
 * mismatch names the page, the values and the round it was last sent in.
 *
 * The ring reaper diagnoses a ring that KVM let overflow (all of it DIRTY, a
 * reset that resets fewer entries than were harvested, a DIRTY entry ahead
 * of an empty fetch index, or a vCPU that stays full while nothing is reset)
 * as "RING OVERFLOW", stops the migration there and still compares memory,
 * so the lost pages are listed.  kvm_pvm's CPL0 emulation overflows rings
 * (see known-issues.txt).
 *
 * Each case prints total time, rounds, pages sent and the final downtime, and
 * a "MIGRATION key=value ..." line for scripts (bench/migration_table.sh).
 */
#include <getopt.h>
#include <pthread.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "dirty_log.h"
#include "dirty_ring.h"
#include "kvm_util.h"
#include "test_case.h"
#include "ucall.h"

#define TEST_SLOT		1
#define MIB			(1ul << 20)
#define NSEC_PER_SEC		1000000000ull
#define NSEC_PER_MSEC		1000000ull
#define MIN_PAGES_PER_VCPU	16
#define MAX_MEM_BYTES		(8ul << 30)
#define MAX_RATE_MIB_S		(1ul << 20)
#define MAX_ROUNDS		1000
#define MAX_DOWNTIME_MS		60000

#define DEFAULT_VCPUS		2
#define DEFAULT_MEM_BYTES	(32 * MIB)
#define DEFAULT_RATE_MIB_S	64
#define DEFAULT_LINK_MIB_S	256
#define DEFAULT_DOWNTIME_MS	2
#define DEFAULT_MAX_ROUNDS	30

/* A paced vCPU gets a tick's worth of stores per KVM_RUN, up to this many when behind. */
#define PACE_TICK_NS		NSEC_PER_MSEC
#define PACE_MAX_TICKS		4
/* Stores per KVM_RUN with -R 0 (unpaced). */
#define UNPACED_STORES		1024
/* Stores each vCPU must have made before the migration may end. */
#define MIN_GUEST_STORES	64
/* The reaper also runs on every full exit; QEMU's reaper sleeps 1 s between reaps. */
#define REAPER_PERIOD_MS	1000
#define WAIT_SLICE_MS		20
#define WAIT_TIMEOUT_MS		10000
/* Pages copied between two looks at the simulated link's clock. */
#define LINK_BATCH_PAGES	64
#define MAX_MISMATCHES_SHOWN	8
#define PAGE_TAG		0x7a9e000000000000ull

enum access { ACCESS_RANDOM, ACCESS_SEQUENTIAL, NR_ACCESSES };

static const char *const access_names[NR_ACCESSES] = { "random", "sequential" };

/* Options */
static u32 nr_vcpus = DEFAULT_VCPUS;
static u64 mem_bytes = DEFAULT_MEM_BYTES;
static u64 rate_mib_s = DEFAULT_RATE_MIB_S;	/* 0: unpaced */
static u64 link_mib_s = DEFAULT_LINK_MIB_S;
static u64 downtime_ms = DEFAULT_DOWNTIME_MS;
static u32 max_rounds = DEFAULT_MAX_ROUNDS;
static u32 ring_entries;			/* 0: the smallest ring KVM accepts */
static u64 seed;

/* What the guest needs, set by the host before the vCPUs are created. */
static struct guest_params {
	gva_t mem;
	u64 npages;
	u32 nr_vcpus;
	enum access access;
	u64 seed;
	/*
	 * Per vCPU, in guest memory of its own: how many stores it may have
	 * made in all by its next GUEST_SYNC_VALUE.  The host writes it while the
	 * vCPU waits at a sync.
	 */
	u64 *budget;
} guest_params;

static inline u64 store_value(u32 idx, u64 store)
{
	return (u64)(idx + 1) << 48 | store;
}

static u64 guest_dirty_random(char *word, u64 npages, u64 *rng, u64 tag, u64 store, u64 limit)
{
	while (store < limit)
		*(volatile u64 *)(word + (prng_next(rng) % npages) * GUEST_PAGE_SIZE) =
			tag | ++store;
	return store;
}

static u64 guest_dirty_sequential(char *word, u64 span, u64 *cursor, u64 tag, u64 store, u64 limit)
{
	u64 page = *cursor;

	while (store < limit) {
		*(volatile u64 *)(word + page * GUEST_PAGE_SIZE) = tag | ++store;
		if (++page == span)
			page = 0;
	}
	*cursor = page;
	return store;
}

static void guest_code(u32 idx)
{
	const struct guest_params *p = &guest_params;
	u64 span = p->npages / p->nr_vcpus, tag = store_value(idx, 0);
	u64 rng = p->seed ^ (idx + 1) * 0x9e3779b97f4a7c15ull, cursor = 0, stores = 0;
	char *word = (char *)p->mem + idx * sizeof(u64);

	for (;;) {
		u64 limit = READ_ONCE(p->budget[idx]);

		if (p->access == ACCESS_RANDOM)
			stores = guest_dirty_random(word, p->npages, &rng, tag, stores, limit);
		else
			stores = guest_dirty_sequential(word + idx * span * GUEST_PAGE_SIZE, span,
							&cursor, tag, stores, limit);
		GUEST_SYNC_VALUE(stores);
	}
}

struct migration;

struct vcpu_state {
	struct migration *m;
	struct kvm_vcpu *vcpu;
	u32 idx;
	u64 *budget;		/* guest_params.budget[idx], host view */
	pthread_t thread;
	u64 stores;		/* at the last sync, under m->lock */
	u64 syncs;		/* under m->lock */
	u64 sync_mark;		/* syncs when the migration last looked */
	u64 full_exits;
	u64 stall_ns;		/* from a full exit until KVM_RUN again */
};

/* The simulated link: the copier may not run ahead of free_at_ns. */
struct link {
	double ns_per_page;
	u64 free_at_ns;
};

struct migration {
	enum log_mode_id mode;
	enum access access;
	struct kvm_vm *vm;
	struct vcpu_state *vcpus;	/* nr_vcpus of them */
	u64 npages;
	u8 *src, *dst;
	unsigned long *pending;		/* collected, not sent yet */
	unsigned long *log;		/* get_log/clear_log: one collection */
	u16 *sent_round;		/* per page: the last round that sent it */
	struct link link;
	u64 start_ns;

	pthread_mutex_t lock;
	pthread_cond_t wake_reaper, wake_vcpus, wake_migration;
	bool stop, quit_reaper;
	u32 nr_stopped;
	pthread_t reaper;
	/* ring: under lock */
	struct dirty_bitmap_set harvested;	/* since the last collection */
	unsigned long *harvested_map;
	u64 reset_gen;			/* resets that reset something */
	u64 entries;
	bool overflow;
	char overflow_msg[512];
};

struct migration_result {
	u32 rounds;			/* including the final stop-and-copy */
	bool converged;
	bool overflow;
	u64 pages_sent;
	u64 final_pages;
	u64 total_ns, downtime_ns;
	u64 stores, full_exits;
	u64 stall_ns;			/* summed over the vCPUs */
	u64 mismatches;
};

struct migration_case {
	enum log_mode_id mode;
	enum access access;
};

static void sleep_until_ns(u64 t)
{
	struct timespec ts = { .tv_sec = t / NSEC_PER_SEC, .tv_nsec = t % NSEC_PER_SEC };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static u64 bitmap_words(u64 nbits)
{
	return DIV_ROUND_UP(nbits, 64);
}

static void bitmap_or_into(unsigned long *dst, const unsigned long *src, u64 nbits)
{
	u64 i;

	for (i = 0; i < bitmap_words(nbits); i++)
		dst[i] |= src[i];
}

/* Under m->lock: keep the first diagnosis, print every one. */
static void note_overflow(struct migration *m, const char *msg)
{
	ksft_print_msg("[%s] %s\n", test_context(), msg);
	if (!m->overflow)
		ksft_scnprintf(m->overflow_msg, sizeof(m->overflow_msg), "%s", msg);
	m->overflow = true;
	pthread_cond_broadcast(&m->wake_vcpus);
	pthread_cond_broadcast(&m->wake_migration);
}

/* Under m->lock: harvest every ring into m->harvested, then reset. */
static u64 reap_locked(struct migration *m)
{
	struct ring_collect rc = {};
	u64 n = vm_collect_rings_bitmap(m->vm, &m->harvested, &rc);

	if (rc.failed)
		note_overflow(m, rc.msg);
	if (!n)
		return 0;
	m->entries += n;
	m->reset_gen++;
	pthread_cond_broadcast(&m->wake_vcpus);
	return n;
}

static void *reaper_thread(void *arg)
{
	struct migration *m = arg;

	pthread_mutex_lock(&m->lock);
	while (!m->quit_reaper) {
		reap_locked(m);
		cond_wait_us(&m->wake_reaper, &m->lock, REAPER_PERIOD_MS * 1000);
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

/* What a vCPU stopped full waits for: a reset after it entered KVM_RUN (gen). */
struct reset_wait {
	struct migration *m;
	u64 gen;
};

static bool reset_since(void *arg)
{
	const struct reset_wait *w = arg;

	return w->m->reset_gen != w->gen || w->m->overflow;
}

/*
 * A full ring: wake the reaper and wait for a reset that came after this
 * vCPU entered KVM_RUN (gen).  False if the rings are broken: give up.
 */
static bool wait_for_reset(struct vcpu_state *vs, u64 gen)
{
	struct migration *m = vs->m;
	struct reset_wait w = { .m = m, .gen = gen };
	struct ring_collect rc = {};
	bool ok;

	vs->full_exits++;
	pthread_mutex_lock(&m->lock);
	if (!vcpu_wait_ring_released(vs->vcpu, &m->lock, &m->wake_reaper, &m->wake_vcpus,
				     reset_since, &w, RING_STUCK_FULL_MS, &rc))
		note_overflow(m, rc.msg);
	ok = !m->overflow;
	pthread_mutex_unlock(&m->lock);
	return ok;
}

/*
 * The vCPU's next budget: a tick's worth of stores at the set rate, slept
 * for if the vCPU is ahead, or what it fell behind by, up to PACE_MAX_TICKS.
 */
static u64 pace_next_budget(struct migration *m, u64 stores)
{
	double pages_per_ns = (double)rate_mib_s * MIB / GUEST_PAGE_SIZE / nr_vcpus / NSEC_PER_SEC;
	u64 tick, due, allowed;

	if (!rate_mib_s)
		return stores + UNPACED_STORES;
	tick = pages_per_ns * PACE_TICK_NS;
	tick = tick ?: 1;
	due = m->start_ns + (u64)((stores + tick) / pages_per_ns);
	if (time_now_ns() < due) {
		sleep_until_ns(due);
		return stores + tick;
	}
	allowed = (time_now_ns() - m->start_ns) * pages_per_ns;
	return allowed < stores + PACE_MAX_TICKS * tick ? allowed : stores + PACE_MAX_TICKS * tick;
}

static bool vcpu_told_to_stop(struct migration *m)
{
	bool stop;

	pthread_mutex_lock(&m->lock);
	stop = m->stop || m->overflow;
	pthread_mutex_unlock(&m->lock);
	return stop;
}

/* Record the vCPU's progress at a sync; false if it is to stop now. */
static bool vcpu_synced(struct vcpu_state *vs, u64 stores)
{
	struct migration *m = vs->m;
	bool go;

	pthread_mutex_lock(&m->lock);
	vs->stores = stores;
	vs->syncs++;
	pthread_cond_broadcast(&m->wake_migration);
	go = !m->stop && !m->overflow;
	pthread_mutex_unlock(&m->lock);
	return go;
}

/* Run to the next GUEST_SYNC_VALUE; returns the guest's store count, or -1 on a broken ring. */
static s64 vcpu_run_to_sync(struct vcpu_state *vs)
{
	struct kvm_vcpu *vcpu = vs->vcpu;
	struct ucall uc;
	u64 gen, cmd;

	u64 full_ns;
	bool ok;

	do {
		gen = __atomic_load_n(&vs->m->reset_gen, __ATOMIC_ACQUIRE);
		vcpu_run(vcpu);
		if (!log_modes[vs->m->mode].after_run(vcpu))
			break;
		full_ns = time_now_ns();
		ok = wait_for_reset(vs, gen);
		vs->stall_ns += time_now_ns() - full_ns;
		if (!ok)
			return -1;
	} while (true);
	cmd = get_ucall_checked(vcpu, &uc);
	TEST_ASSERT(cmd == UCALL_SYNC, "vCPU %u: exit %s, ucall %lu; wanted a GUEST_SYNC_VALUE",
		    vs->idx, exit_reason_str(vcpu->run->exit_reason), cmd);
	return uc.args[0];
}

static void *vcpu_thread(void *arg)
{
	struct vcpu_state *vs = arg;
	struct migration *m = vs->m;
	s64 stores = 0;

	for (;;) {
		WRITE_ONCE(*vs->budget, pace_next_budget(m, stores));
		if (vcpu_told_to_stop(m))
			break;
		stores = vcpu_run_to_sync(vs);
		if (stores < 0 || !vcpu_synced(vs, stores))
			break;
	}

	pthread_mutex_lock(&m->lock);
	m->nr_stopped++;
	pthread_cond_broadcast(&m->wake_migration);
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

/*
 * Under m->lock: every vCPU made MIN_GUEST_STORES stores, and ran a whole
 * budget (two syncs) since the migration last marked their syncs.
 */
static bool guest_progressed(struct migration *m)
{
	u32 v;

	for (v = 0; v < nr_vcpus; v++)
		if (m->vcpus[v].stores < MIN_GUEST_STORES ||
		    m->vcpus[v].syncs < m->vcpus[v].sync_mark + 2)
			return false;
	return true;
}

static void mark_syncs(struct migration *m)
{
	u32 v;

	pthread_mutex_lock(&m->lock);
	for (v = 0; v < nr_vcpus; v++)
		m->vcpus[v].sync_mark = m->vcpus[v].syncs;
	pthread_mutex_unlock(&m->lock);
}

/* A migration that never raced guest stores would prove nothing: wait for them. */
static void wait_for_progress(struct migration *m)
{
	u64 deadline = time_now_ns() + WAIT_TIMEOUT_MS * NSEC_PER_MSEC;

	pthread_mutex_lock(&m->lock);
	while (!guest_progressed(m) && !m->overflow && time_now_ns() < deadline)
		cond_wait_us(&m->wake_migration, &m->lock, WAIT_SLICE_MS * 1000);
	TEST_ASSERT(guest_progressed(m) || m->overflow,
		    "the vCPUs made too little progress in %d ms: vCPU 0 made %lu stores (%d needed), %lu syncs since the mark",
		    WAIT_TIMEOUT_MS, m->vcpus[0].stores, MIN_GUEST_STORES,
		    m->vcpus[0].syncs - m->vcpus[0].sync_mark);
	pthread_mutex_unlock(&m->lock);
}

/* Stop every vCPU at its next GUEST_SYNC_VALUE (or at a broken ring). */
static void stop_vcpus(struct migration *m)
{
	u64 deadline = time_now_ns() + WAIT_TIMEOUT_MS * NSEC_PER_MSEC;
	u32 v;

	pthread_mutex_lock(&m->lock);
	m->stop = true;
	while (m->nr_stopped < nr_vcpus && time_now_ns() < deadline)
		cond_wait_us(&m->wake_migration, &m->lock, WAIT_SLICE_MS * 1000);
	TEST_ASSERT(m->nr_stopped == nr_vcpus, "%u of %u vCPUs stopped within %d ms",
		    m->nr_stopped, nr_vcpus, WAIT_TIMEOUT_MS);
	pthread_mutex_unlock(&m->lock);
	for (v = 0; v < nr_vcpus; v++)
		pthread_join(m->vcpus[v].thread, NULL);
}

/* Add the pages dirtied since the last collection to m->pending, leaving the log clean. */
static void collect(struct migration *m)
{
	if (m->mode == LOG_MODE_RING) {
		pthread_mutex_lock(&m->lock);
		reap_locked(m);
		bitmap_or_into(m->pending, m->harvested_map, m->npages);
		dirty_bitmap_set_clear(&m->harvested);
		pthread_mutex_unlock(&m->lock);
		return;
	}
	log_modes[m->mode].collect(m->vm, TEST_SLOT, m->log, m->npages);
	bitmap_or_into(m->pending, m->log, m->npages);
}

static void link_transmit(struct link *link, u64 pages)
{
	link->free_at_ns += pages * link->ns_per_page;
	sleep_until_ns(link->free_at_ns);
}

/* Copy the pending pages to the destination through the link; returns how many. */
static u64 send_pending(struct migration *m, u32 round)
{
	u64 w, page, sent = 0;
	unsigned long bits;

	m->link.free_at_ns = time_now_ns();
	for (w = 0; w < bitmap_words(m->npages); w++) {
		bits = m->pending[w];
		m->pending[w] = 0;
		for (; bits; bits &= bits - 1) {
			page = w * 64 + __builtin_ctzl(bits);
			memcpy(m->dst + page * GUEST_PAGE_SIZE, m->src + page * GUEST_PAGE_SIZE,
			       GUEST_PAGE_SIZE);
			m->sent_round[page] = round;
			if (++sent % LINK_BATCH_PAGES == 0)
				link_transmit(&m->link, LINK_BATCH_PAGES);
		}
	}
	link_transmit(&m->link, sent % LINK_BATCH_PAGES);
	return sent;
}

static void start_threads(struct migration *m)
{
	u32 v;

	m->start_ns = time_now_ns();
	for (v = 0; v < nr_vcpus; v++)
		TEST_ASSERT(!pthread_create(&m->vcpus[v].thread, NULL, vcpu_thread, &m->vcpus[v]),
			    "pthread_create of vCPU %u", v);
	if (m->mode == LOG_MODE_RING)
		TEST_ASSERT(!pthread_create(&m->reaper, NULL, reaper_thread, m),
			    "pthread_create of the reaper");
}

static void stop_reaper(struct migration *m)
{
	if (m->mode != LOG_MODE_RING)
		return;
	pthread_mutex_lock(&m->lock);
	m->quit_reaper = true;
	pthread_cond_signal(&m->wake_reaper);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->reaper, NULL);
}

/*
 * Precopy rounds until the dirty set fits the downtime budget (with guest
 * progress) or the round limit, then stop the guest and send the rest.
 */
static void migrate(struct migration *m, struct migration_result *res)
{
	u64 budget_pages = downtime_ms * NSEC_PER_MSEC / m->link.ns_per_page;
	u64 dirty, stop_ns;
	u32 round = 1;

	start_threads(m);
	collect(m);
	memset(m->pending, 0xff, bitmap_words(m->npages) * sizeof(unsigned long));
	m->pending[bitmap_words(m->npages) - 1] = ~0ul >> (63 - (m->npages - 1) % 64);
	res->pages_sent = send_pending(m, round);
	for (;;) {
		collect(m);
		dirty = bitmap_weight(m->pending, m->npages);
		res->overflow = READ_ONCE(m->overflow);
		if (res->overflow || round == max_rounds)
			break;
		if (dirty <= budget_pages) {
			pthread_mutex_lock(&m->lock);
			res->converged = guest_progressed(m);
			pthread_mutex_unlock(&m->lock);
			if (res->converged)
				break;
			wait_for_progress(m);
			continue;
		}
		res->pages_sent += send_pending(m, ++round);
	}
	/* The guest keeps storing after the last precopy collection, as it would. */
	mark_syncs(m);
	wait_for_progress(m);

	stop_ns = time_now_ns();
	stop_vcpus(m);
	collect(m);
	stop_reaper(m);
	res->overflow = m->overflow;
	res->final_pages = send_pending(m, ++round);
	res->pages_sent += res->final_pages;
	res->downtime_ns = time_now_ns() - stop_ns;
	res->total_ns = time_now_ns() - m->start_ns;
	res->rounds = round;
}

/* The first differing word of a page that differs. */
static void report_mismatch(struct migration *m, u64 page, u32 rounds)
{
	const u64 *g = (const u64 *)(m->src + page * GUEST_PAGE_SIZE);
	const u64 *d = (const u64 *)(m->dst + page * GUEST_PAGE_SIZE);
	u32 i = 0;

	while (i < GUEST_PAGE_SIZE / sizeof(u64) - 1 && g[i] == d[i])
		i++;
	ksft_print_msg("FAIL [%s] MISMATCH page %lu offset %lu: guest %#lx, destination %#lx; page last sent in round %u of %u\n",
		       test_context(), page, i * sizeof(u64), g[i], d[i], m->sent_round[page],
		       rounds);
}

/* Compare the destination with guest memory; returns the pages that differ. */
static u64 compare_memory(struct migration *m, u32 rounds, char *list, size_t list_size)
{
	u64 page, n = 0;
	size_t len = 0;

	list[0] = '\0';
	for (page = 0; page < m->npages; page++) {
		if (!memcmp(m->src + page * GUEST_PAGE_SIZE, m->dst + page * GUEST_PAGE_SIZE,
			    GUEST_PAGE_SIZE))
			continue;
		if (n++ >= MAX_MISMATCHES_SHOWN)
			continue;
		report_mismatch(m, page, rounds);
		len += ksft_scnprintf(list + len, list_size - len, " %lu", page);
	}
	return n;
}

static void migration_setup(struct migration *m, enum guest_cpl cpl,
			    const struct migration_case *mc)
{
	u64 page;
	u32 v;

	m->mode = mc->mode;
	m->access = mc->access;
	m->npages = mem_bytes / GUEST_PAGE_SIZE;
	m->link.ns_per_page = (double)GUEST_PAGE_SIZE * NSEC_PER_SEC / (link_mib_s * MIB);
	pthread_mutex_init(&m->lock, NULL);
	cond_init_monotonic(&m->wake_reaper);
	cond_init_monotonic(&m->wake_vcpus);
	cond_init_monotonic(&m->wake_migration);

	m->vcpus = calloc(nr_vcpus, sizeof(*m->vcpus));
	TEST_ASSERT(m->vcpus, "out of memory");
	m->vm = vm_create_logged(cpl, m->mode, ring_entries, TEST_SLOT, m->npages);
	guest_params = (struct guest_params) {
		.mem = TEST_MEM_BASE_GPA, .npages = m->npages, .nr_vcpus = nr_vcpus,
		.access = m->access, .seed = seed,
		.budget = (u64 *)vm_vaddr_alloc(m->vm, DIV_ROUND_UP(nr_vcpus * sizeof(u64),
								    GUEST_PAGE_SIZE)),
	};
	sync_global_to_guest(m->vm, guest_params);
	for (v = 0; v < nr_vcpus; v++) {
		struct vcpu_state *vs = &m->vcpus[v];

		vs->m = m;
		vs->idx = v;
		vs->vcpu = vm_vcpu_add(m->vm, v, guest_code);
		vcpu_args_set(vs->vcpu, 1, (u64)v);
		vs->budget = addr_gva2hva(m->vm, (gva_t)&guest_params.budget[v]);
		log_modes[m->mode].vcpu_setup(vs->vcpu);
	}

	m->src = addr_gpa2hva(m->vm, TEST_MEM_BASE_GPA);
	for (page = 0; page < m->npages; page++)
		((u64 *)(m->src + (page + 1) * GUEST_PAGE_SIZE))[-1] = PAGE_TAG | page;
	m->dst = mmap(NULL, mem_bytes, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(m->dst != MAP_FAILED, "mmap of the %lu-byte destination", mem_bytes);
	m->pending = bitmap_alloc(m->npages);
	m->log = bitmap_alloc(m->npages);
	m->sent_round = calloc(m->npages, sizeof(*m->sent_round));
	TEST_ASSERT(m->pending && m->log && m->sent_round, "out of memory");
	dirty_bitmap_set_init(&m->harvested);
	m->harvested_map = dirty_bitmap_set_add_slot(&m->harvested, DIRTY_RING_SLOT(0, TEST_SLOT),
						     m->npages);
}

static void migration_free(struct migration *m)
{
	dirty_bitmap_set_free(&m->harvested);
	free(m->sent_round);
	free(m->log);
	free(m->pending);
	munmap(m->dst, mem_bytes);
	kvm_vm_free(m->vm);
	free(m->vcpus);
}

static void print_result(struct migration *m, const struct migration_result *r)
{
	double total_ms = (double)r->total_ns / NSEC_PER_MSEC;
	double running_s = (double)(r->total_ns - r->downtime_ns) / NSEC_PER_SEC;
	double dirty_mib_s = (double)r->stores * GUEST_PAGE_SIZE / MIB / running_s;
	double stall_share = (double)r->stall_ns / NSEC_PER_SEC / running_s / nr_vcpus;

	ksft_print_msg("[%s] %u rounds (%s), %lu pages sent, total %.1f ms, downtime %.2f ms for %lu pages; guest made %lu stores by its last sync (%.1f MiB/s); ring: %lu entries, %lu full exits, vCPUs stopped full %.1f ms (%.2f%% of their time)\n",
		       test_context(), r->rounds,
		       r->converged ? "converged" : r->overflow ? "stopped at a ring overflow" : "round limit",
		       r->pages_sent, total_ms, (double)r->downtime_ns / NSEC_PER_MSEC,
		       r->final_pages, r->stores, dirty_mib_s, m->entries, r->full_exits,
		       (double)r->stall_ns / NSEC_PER_MSEC, 100 * stall_share);
	ksft_print_msg("MIGRATION mode=%s access=%s cpl=%s vcpus=%u mem_mib=%lu rate_mib_s=%lu link_mib_s=%lu downtime_budget_ms=%lu ring=%u rounds=%u converged=%d pages_sent=%lu total_ms=%.1f downtime_ms=%.2f final_pages=%lu stores=%lu dirty_mib_s=%.1f full_exits=%lu stall_ms=%.1f stall_share=%.5f mismatches=%lu\n",
		       log_modes[m->mode].name, access_names[m->access],
		       guest_cpl_name(m->vm->cpl), nr_vcpus, mem_bytes / MIB, rate_mib_s,
		       link_mib_s, downtime_ms, m->mode == LOG_MODE_RING ? ring_entries : 0,
		       r->rounds, r->converged, r->pages_sent, total_ms,
		       (double)r->downtime_ns / NSEC_PER_MSEC, r->final_pages, r->stores,
		       dirty_mib_s, r->full_exits, (double)r->stall_ns / NSEC_PER_MSEC, stall_share,
		       r->mismatches);
}

static void run_migration_case(enum guest_cpl cpl, const void *arg)
{
	const struct migration_case *mc = arg;
	struct migration *m = calloc(1, sizeof(*m));
	struct migration_result res = {};
	char lost[MAX_MISMATCHES_SHOWN * 24];
	u32 v;

	TEST_ASSERT(m, "out of memory");
	log_modes_require(1u << mc->mode);
	migration_setup(m, cpl, mc);
	migrate(m, &res);
	for (v = 0; v < nr_vcpus; v++) {
		res.stores += m->vcpus[v].stores;
		res.full_exits += m->vcpus[v].full_exits;
		res.stall_ns += m->vcpus[v].stall_ns;
	}
	res.mismatches = compare_memory(m, res.rounds, lost, sizeof(lost));
	print_result(m, &res);

	if (m->overflow)
		TEST_FAIL("%s; %lu of %lu pages differ after the migration, first:%s",
			  m->overflow_msg, res.mismatches, m->npages, lost);
	TEST_ASSERT(!res.mismatches,
		    "MIGRATION LOST PAGES: %lu of %lu pages differ after %u rounds, first:%s (seed %lu)",
		    res.mismatches, m->npages, res.rounds, lost, seed);
	migration_free(m);
	free(m);
}

static void help(const char *prog)
{
	printf("usage: %s [-g cpl0|cpl3|all] [-m ring|get|clear|all] [-a random|sequential|all]\n"
	       "          [-v vcpus] [-M size] [-R MiB/s] [-B MiB/s] [-D ms] [-r rounds] [-c entries] [-s seed]\n"
	       "Migrates a running guest's memory to a buffer with the dirty ring or the dirty bitmap\n"
	       "and checks that the copy equals guest memory byte for byte.\n"
	       TEST_COMMON_USAGE
	       LOG_MODE_USAGE
	       "  -a ORDER  pages the vCPUs store to: random, sequential or all (default)\n"
	       "  -v N      vCPUs, 1 to KVM_CAP_MAX_VCPUS (default %d)\n"
	       "  -M SIZE   guest memory migrated, a multiple of 4K, K/M/G suffixes, up to 8G (default 32M)\n"
	       "  -R MIB_S  guest dirty rate in MiB/s of stores to pages, 0 for unpaced (default %d)\n"
	       "  -B MIB_S  simulated link bandwidth in MiB/s (default %d)\n"
	       "  -D MS     downtime budget in ms at the link bandwidth (default %d)\n"
	       "  -r N      most precopy rounds, 1..%d (default %d)\n"
	       "  -c N      dirty ring entries, a power of two KVM accepts (default: the smallest)\n"
	       "  -s SEED   seed of the random page order (default: from the clock, printed)\n",
	       prog, DEFAULT_VCPUS, DEFAULT_RATE_MIB_S, DEFAULT_LINK_MIB_S,
	       DEFAULT_DOWNTIME_MS, MAX_ROUNDS, DEFAULT_MAX_ROUNDS);
}

/* "all" or one of names[]: a mask of the chosen indices; 0 if unknown. */
static unsigned int parse_choice(const char *arg, const char *const *names, unsigned int n)
{
	unsigned int i;

	if (!strcmp(arg, "all"))
		return (1u << n) - 1;
	for (i = 0; i < n; i++)
		if (!strcmp(arg, names[i]))
			return 1u << i;
	return 0;
}

static void check_options(const char *prog)
{
	u64 min_bytes = (u64)nr_vcpus * MIN_PAGES_PER_VCPU * GUEST_PAGE_SIZE;

	if (nr_vcpus > kvm_max_vcpus())
		test_usage_error(prog, help,
				 "-v %u: this host's KVM takes at most %u vCPUs (KVM_CAP_MAX_VCPUS)",
				 nr_vcpus, kvm_max_vcpus());
	if (mem_bytes % GUEST_PAGE_SIZE || mem_bytes < min_bytes || mem_bytes > MAX_MEM_BYTES)
		test_usage_error(prog, help,
				 "-M must be a multiple of %lu from %lu (%d pages per vCPU) to %lu, got %lu",
				 GUEST_PAGE_SIZE, min_bytes, MIN_PAGES_PER_VCPU, MAX_MEM_BYTES,
				 mem_bytes);
	if (kvm_dirty_ring_max_bytes(dirty_ring_cap_acq_rel()) <= 0)
		return;		/* the ring cases skip */
	ring_entries = dirty_ring_entries_option(ring_entries, "-c");
}

/* Long enough for the round limit at full memory each round, plus setup and compare. */
static unsigned int case_timeout_s(void)
{
	u64 round_s = DIV_ROUND_UP(mem_bytes, link_mib_s * MIB);

	return TEST_CASE_TIMEOUT_S + (max_rounds + 1) * round_s +
	       4 * DIV_ROUND_UP(mem_bytes, 1ul << 30);
}

int main(int argc, char *argv[])
{
	static struct migration_case mcs[NR_LOG_MODES * NR_ACCESSES];
	static char names[NR_LOG_MODES * NR_ACCESSES][32];
	struct test_case cases[NR_LOG_MODES * NR_ACCESSES];
	unsigned int cpl_mask = GUEST_CPL_ALL, modes = LOG_MODES_ALL;
	unsigned int accesses = (1u << NR_ACCESSES) - 1, n = 0;
	int opt, mode, access;

	seed = time_now_ns();
	while ((opt = test_getopt(argc, argv, TEST_COMMON_OPTS "m:a:v:M:R:B:D:r:c:s:", NULL,
				  &cpl_mask, help)) != -1) {
		switch (opt) {
		case 'm':
			modes = log_mode_parse(optarg);
			if (!modes)
				test_usage_error(argv[0], help, "bad mode '%s'", optarg);
			break;
		case 'a':
			accesses = parse_choice(optarg, access_names, NR_ACCESSES);
			if (!accesses)
				test_usage_error(argv[0], help, "bad access order '%s'", optarg);
			break;
		case 'v':
			nr_vcpus = parse_u64(optarg, "-v", 1, UINT32_MAX);
			break;
		case 'M':
			mem_bytes = parse_size(optarg, "-M");
			break;
		case 'R':
			rate_mib_s = parse_u64(optarg, "-R", 0, MAX_RATE_MIB_S);
			break;
		case 'B':
			link_mib_s = parse_u64(optarg, "-B", 1, MAX_RATE_MIB_S);
			break;
		case 'D':
			downtime_ms = parse_u64(optarg, "-D", 0, MAX_DOWNTIME_MS);
			break;
		case 'r':
			max_rounds = parse_u64(optarg, "-r", 1, MAX_ROUNDS);
			break;
		case 'c':
			ring_entries = dirty_ring_entries_arg(optarg, "-c");
			break;
		case 's':
			seed = parse_u64(optarg, "-s", 0, ~0ull);
			break;
		}
	}

	close(open_kvm_dev_path_or_exit());
	check_options(argv[0]);
	for (mode = 0; mode < NR_LOG_MODES; mode++) {
		for (access = 0; access < NR_ACCESSES; access++) {
			if (!(modes & (1u << mode)) || !(accesses & (1u << access)))
				continue;
			mcs[n] = (struct migration_case) { .mode = mode, .access = access };
			snprintf(names[n], sizeof(names[n]), "%s_%s", log_modes[mode].name,
				 access_names[access]);
			cases[n] = (struct test_case) { .name = names[n], .run = run_migration_case,
							.arg = &mcs[n], .guest = true,
							.ring_caps = mode == LOG_MODE_RING };
			n++;
		}
	}
	ksft_print_msg("seed %lu (rerun with -s %lu)\n", seed, seed);
	run_test_cases(cases, n, cpl_mask, case_timeout_s());
}
