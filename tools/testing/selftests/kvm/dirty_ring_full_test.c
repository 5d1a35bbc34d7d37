// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_ring_full_test: KVM_EXIT_DIRTY_RING_FULL.
 *
 * A guest stores to new pages of a dirty-logged slot, several rings' worth,
 * in one of three densities: a tight store loop, stores with a few idle
 * iterations between them, and pages in a random order.  At every full exit
 * the test checks that
 *   - the ring holds at least its soft limit (size minus at most the largest
 *     known reserve, 64 + 512 with Intel PML) and was never filled: a full
 *     ring means KVM pushed past its reserve and overwrote entries userspace
 *     had not harvested;
 *   - the entry at the fetch index is DIRTY (if not, KVM's push index ran
 *     ahead of ours: the ring overflowed);
 *   - KVM_RUN again without a reset exits again at once, with no guest
 *     progress and no new entry;
 * then harvests everything, checks that entries come in first-write order
 * with the right slot and offset (the page whose store caused the exit may
 * be reported once more after the reset, as documented), and that the reset
 * returns the number harvested.  At the end every page was reported.
 *
 * The shared scenarios full_cycles and full_no_progress (ring_scenario.h)
 * run as well, judged by the one checker that also judges the model.
 *
 * An overflow is reported as "RING OVERFLOW" with the occupancy and the
 * fetch and push positions, and the case ends there: a harvester that kept
 * retrying would livelock.  kvm_pvm's CPL0 emulation checks the soft limit
 * only every 1024 instructions, so its tight CPL0 cases overflow (see
 * known-issues.txt); the stores are kept to a few instructions each so that
 * this happens on every run.
 */
#include <getopt.h>
#include <unistd.h>

#include "dirty_ring.h"
#include "kvm_scenarios.h"
#include "ucall.h"
#include "ws_guest.h"

#define TEST_SLOT		1
#define MAX_KNOWN_RESERVE	(64 + 512)
#define PAD_ITERATIONS		1
/*
 * Rings' worth of pages written per case: enough full exits that a late
 * soft-full check overflows the ring in essentially every run (each exit
 * overflows with a probability that falls with the instructions per store).
 * The largest rings run the tight pattern only, to keep the default run short.
 */
#define CYCLES_SMALL_RING	8
#define CYCLES_LARGE_RING	4
#define LARGE_RING_ENTRIES	16384
#define MAX_RING_SIZES		8
#define LAST_ENTRIES		4

static const char *const scenarios[] = { "full_cycles", "full_no_progress" };

enum pattern { PAT_TIGHT, PAT_PADDED, PAT_RANDOM, NR_PATTERNS };

static const char *const pattern_names[NR_PATTERNS] = { "tight", "padded", "random" };

/* Options */
static u32 ring_sizes[MAX_RING_SIZES];
static unsigned int nr_ring_sizes;
static u32 cycles;	/* 0: by ring size */
static u64 seed;

/* The case being run: set by the case table below. */
struct full_case {
	u32 entries;
	u32 cycles;
	enum pattern pattern;
};

struct full_state {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct dirty_ring *ring;
	u64 *pages;		/* expected first-write order */
	u64 nr_pages;
	u64 next;		/* index in pages[] of the next expected entry */
	bool boundary;		/* first entry after a full-exit reset */
	u64 duplicates;		/* documented re-reports at full-exit boundaries */
	struct dirty_entry last[LAST_ENTRIES];
	u64 nr_seen;
	u32 min_occ, max_occ;
};

static void print_last_entries(struct full_state *s)
{
	u64 i, from = s->nr_seen > LAST_ENTRIES ? s->nr_seen - LAST_ENTRIES : 0;

	for (i = from; i < s->nr_seen; i++) {
		struct dirty_entry *e = &s->last[i % LAST_ENTRIES];

		ksft_print_msg("[%s] last entries: index %u slot %#x offset %lu\n",
			       test_context(), e->index, e->slot, e->offset);
	}
}

static void check_entry(void *opaque, const struct dirty_entry *e)
{
	struct full_state *s = opaque;
	bool dup = s->boundary && s->next && e->offset == s->pages[s->next - 1];

	s->boundary = false;
	if (e->slot == DIRTY_RING_SLOT(0, TEST_SLOT) && s->next < s->nr_pages &&
	    e->offset == s->pages[s->next]) {
		s->next++;
	} else if (e->slot == DIRTY_RING_SLOT(0, TEST_SLOT) && dup) {
		s->duplicates++;
	} else {
		print_last_entries(s);
		TEST_FAIL("ORDER MISMATCH at ring index %u (page %lu of %lu): expected slot %#x offset %lu, got slot %#x offset %lu",
			  e->index, s->next, s->nr_pages, DIRTY_RING_SLOT(0, TEST_SLOT),
			  s->next < s->nr_pages ? s->pages[s->next] : ~0ul, e->slot, e->offset);
	}
	s->last[s->nr_seen++ % LAST_ENTRIES] = *e;
}

static u32 harvest_and_reset(struct full_state *s)
{
	u32 n = dirty_ring_walk(s->ring, s->ring->size, check_entry, s);

	TEST_ASSERT_EQ(vm_reset_dirty_rings(s->vm), n);
	return n;
}

static void __attribute__((noreturn)) report_overflow(struct full_state *s, u32 occ, const char *why)
{
	struct dirty_ring *r = s->ring;
	u32 next = dirty_ring_next_dirty(r, r->fetch);

	TEST_FAIL("RING OVERFLOW: %s; ring %u entries, occupancy %u, fetch index %u (flags %#x), next DIRTY entry at %u, %lu of %lu pages harvested",
		  why, r->size, occ, r->fetch, dirty_ring_entry(r, r->fetch)->flags,
		  next, s->next, s->nr_pages);
}

/* The checks at a KVM_EXIT_DIRTY_RING_FULL, before anything is harvested. */
static void check_full_exit(struct full_state *s)
{
	struct dirty_ring *r = s->ring;
	u32 occ = dirty_ring_occupancy(r), soft_min;
	struct kvm_regs before, after;

	soft_min = r->size > MAX_KNOWN_RESERVE ? r->size - MAX_KNOWN_RESERVE : 1;
	if (!occ)
		report_overflow(s, occ, "full exit but the entry at the fetch index is not DIRTY");
	if (occ >= r->size)
		report_overflow(s, occ, "the ring filled completely, past KVM's reserved entries");
	TEST_ASSERT(occ >= soft_min,
		    "full exit at occupancy %u, below the lowest possible soft limit %u of a %u-entry ring",
		    occ, soft_min, r->size);
	s->min_occ = occ < s->min_occ ? occ : s->min_occ;
	s->max_occ = occ > s->max_occ ? occ : s->max_occ;

	/* Not harvested, not reset: the vCPU must refuse to run. */
	vcpu_regs_get(s->vcpu, &before);
	vcpu_run(s->vcpu);
	vcpu_assert_exit(s->vcpu, KVM_EXIT_DIRTY_RING_FULL);
	vcpu_regs_get(s->vcpu, &after);
	TEST_ASSERT(after.rip == before.rip && dirty_ring_occupancy(r) == occ,
		    "vCPU ran while the ring was full: RIP %#llx -> %#llx, occupancy %u -> %u",
		    before.rip, after.rip, occ, dirty_ring_occupancy(r));
}

static u64 build_script(enum pattern pattern, u64 nr_pages, struct ws_op *ops, u64 *pages)
{
	u64 i, n = 0, st = seed;

	for (i = 0; i < nr_pages; i++)
		pages[i] = i;
	if (pattern != PAT_RANDOM) {
		ops[n++] = (struct ws_op) { .kind = WS_WRITE, .slot = TEST_SLOT, .count = nr_pages,
					    .pad = pattern == PAT_PADDED ? PAD_ITERATIONS : 0 };
	} else {
		for (i = nr_pages - 1; i > 0; i--) {
			u64 j = prng_next(&st) % (i + 1), t = pages[i];

			pages[i] = pages[j];
			pages[j] = t;
		}
		for (i = 0; i < nr_pages; i++)
			ops[n++] = (struct ws_op) { .kind = WS_WRITE, .slot = TEST_SLOT,
						    .count = 1, .page = pages[i] };
	}
	ops[n++] = (struct ws_op) { .kind = WS_END };
	return n;
}

static void setup(struct full_state *s, enum guest_priv priv, const struct full_case *fc)
{
	struct ws_layout layout = { .nr_slots = 1, .slot = { TEST_SLOT } };
	u64 nr_pages = (u64)fc->cycles * fc->entries;
	struct ws_op *ops = calloc(nr_pages + 1, sizeof(*ops));
	u64 nr_ops;

	s->pages = calloc(nr_pages, sizeof(*s->pages));
	TEST_ASSERT(ops && s->pages, "out of memory");
	s->nr_pages = nr_pages;
	s->min_occ = ~0u;
	nr_ops = build_script(fc->pattern, nr_pages, ops, s->pages);

	s->vm = vm_create(priv);
	vm_enable_dirty_ring(s->vm, fc->entries, false);
	s->vcpu = vm_vcpu_add(s->vm, 0, guest_ws_main);
	vm_mem_region_add(s->vm, BACKING_ANON, TEST_SLOT, TEST_MEM_BASE_GPA, nr_pages,
			  KVM_MEM_LOG_DIRTY_PAGES);
	virt_map(s->vm, TEST_MEM_BASE_GPA, TEST_MEM_BASE_GPA, nr_pages);
	layout.npages[0] = nr_pages;
	layout.gva[0] = TEST_MEM_BASE_GPA;
	vcpu_args_set(s->vcpu, 1, ws_load(s->vm, ops, nr_ops, &layout));
	s->ring = vcpu_map_dirty_ring(s->vcpu);
	free(ops);
}

static void run_full_case(enum guest_priv priv, const void *arg)
{
	const struct full_case *fc = arg;
	struct full_state s = {};
	u64 full_exits = 0, max_exits;
	struct ucall uc;

	setup(&s, priv, fc);
	/* every full exit frees at least the lowest soft limit; allow slack */
	max_exits = s.nr_pages / (fc->entries > MAX_KNOWN_RESERVE ? fc->entries - MAX_KNOWN_RESERVE : 1) + 4;
	for (;;) {
		vcpu_run(s.vcpu);
		if (get_ucall(s.vcpu, &uc) == UCALL_DONE)
			break;
		vcpu_assert_exit(s.vcpu, KVM_EXIT_DIRTY_RING_FULL);
		TEST_ASSERT(++full_exits <= max_exits,
			    "no progress: %lu full exits for %lu pages, %lu harvested",
			    full_exits, s.nr_pages, s.next);
		check_full_exit(&s);
		harvest_and_reset(&s);
		s.boundary = true;
	}
	harvest_and_reset(&s);
	TEST_ASSERT(s.next == s.nr_pages, "%lu of %lu written pages were reported", s.next, s.nr_pages);
	TEST_ASSERT(full_exits >= fc->cycles - 1, "only %lu full exits for %u rings' worth of pages",
		    full_exits, fc->cycles);
	ksft_print_msg("[%s] %lu pages, %lu full exits at occupancy %u..%u, %lu boundary re-reports\n",
		       test_context(), s.nr_pages, full_exits, s.min_occ, s.max_occ, s.duplicates);
	kvm_vm_free(s.vm);
	free(s.pages);
}

static void usage(const char *prog)
{
	printf("usage: %s [-g cpl0|cpl3|all] [-r entries]... [-c cycles] [-s seed]\n"
	       "Fills dirty rings with guest stores and checks every KVM_EXIT_DIRTY_RING_FULL.\n"
	       TEST_COMMON_USAGE
	       "  -r N      ring size in entries, a power of two (repeatable; default: the\n"
	       "            smallest the host accepts, 4096 and 65536)\n"
	       "  -c N      rings' worth of pages the guest writes per case (2..64; default\n"
	       "            8, or 4 for rings of 16384 entries and more)\n"
	       "  -s SEED   seed of the random page order (default: from the clock, printed)\n",
	       prog);
}

static void add_ring_size(const char *arg, const char *prog)
{
	u64 entries = parse_u64(arg, "-r", 1, 1u << 20);

	if (!IS_POWER_OF_2(entries) || nr_ring_sizes == MAX_RING_SIZES) {
		fprintf(stderr, "%s: -r wants a power of two, at most %d sizes\n", prog, MAX_RING_SIZES);
		usage(prog);
		exit(KSFT_FAIL);
	}
	ring_sizes[nr_ring_sizes++] = entries;
}

int main(int argc, char *argv[])
{
	static struct full_case full_cases[MAX_RING_SIZES * NR_PATTERNS];
	static struct test_case cases[ARRAY_SIZE(scenarios) + MAX_RING_SIZES * NR_PATTERNS];
	static char names[MAX_RING_SIZES * NR_PATTERNS][32];
	unsigned int priv_mask = GUEST_PRIV_ALL, i, n, c;
	u32 max_entries;
	int opt, p;

	seed = time_now_ns();
	while ((opt = getopt(argc, argv, TEST_COMMON_OPTS "r:c:s:")) != -1) {
		switch (opt) {
		case 'r':
			add_ring_size(optarg, argv[0]);
			break;
		case 'c':
			cycles = parse_u64(optarg, "-c", 2, 64);
			break;
		case 's':
			seed = parse_u64(optarg, "-s", 0, ~0ull);
			break;
		default:
			test_common_option(opt, optarg, &priv_mask, usage, argv[0]);
		}
	}
	if (optind < argc)
		test_common_option('?', NULL, &priv_mask, usage, argv[0]);

	close(open_kvm_dev_path_or_exit());
	TEST_REQUIRE(kvm_dirty_ring_max_bytes(false) > 0);
	max_entries = kvm_dirty_ring_max_bytes(false) / DIRTY_GFN_SIZE;
	if (!nr_ring_sizes) {
		ring_sizes[nr_ring_sizes++] = kvm_dirty_ring_min_bytes(false) / DIRTY_GFN_SIZE;
		if (max_entries >= 4096 && ring_sizes[0] < 4096)
			ring_sizes[nr_ring_sizes++] = 4096;
		if (max_entries > 4096)
			ring_sizes[nr_ring_sizes++] = max_entries < 65536 ? max_entries : 65536;
	}
	ksft_print_msg("random page order seed: %lu (rerun with -s %lu)\n", seed, seed);

	n = kvm_scenario_cases(scenarios, ARRAY_SIZE(scenarios), cases);
	for (i = 0, c = 0; i < nr_ring_sizes; i++) {
		TEST_ASSERT(ring_sizes[i] <= max_entries,
			    "-r %u is above the %u entries KVM supports", ring_sizes[i], max_entries);
		bool large = ring_sizes[i] >= LARGE_RING_ENTRIES;

		for (p = 0; p < (large ? 1 : NR_PATTERNS); p++, n++, c++) {
			full_cases[c] = (struct full_case) {
				.entries = ring_sizes[i],
				.cycles = cycles ?: large ? CYCLES_LARGE_RING : CYCLES_SMALL_RING,
				.pattern = p,
			};
			snprintf(names[c], sizeof(names[c]), "%s_r%u", pattern_names[p], ring_sizes[i]);
			cases[n] = (struct test_case) { .name = names[c], .run = run_full_case,
							.arg = &full_cases[c], .guest = true };
		}
	}
	run_test_cases(cases, n, priv_mask, TEST_CASE_TIMEOUT_S);
}
