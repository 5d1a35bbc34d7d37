// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_ring_harvest_bench: how fast the library harvester drains a ring.
 *
 * Times dirty_ring_walk() (through a bitmap collector, as a VMM collects for
 * migration) against plain_harvest_baseline(), the one-entry-at-a-time loop
 * of the kind existing tests use, on the same rings in the same run, and
 * against a floor: a plain sequential read of the ring, which no harvester
 * can beat.  The rings are
 *   - model-filled: the userspace model (ring_model.h) fills a ring with
 *     sequential or random page offsets; every round restores the same
 *     filled ring, so the ring is hot in the cache;
 *   - KVM-filled: a guest dirties pages; the first harvest of a ring just
 *     mapped lazily (each ring page faults on first touch) and just mapped
 *     with MAP_POPULATE as vcpu_map_dirty_ring() maps it, then the steady
 *     state on one mapping, a guest fill before every harvest.
 * Beside it, where the rest of a collection goes, measured in the same run:
 * KVM_RESET_DIRTY_RINGS per entry and the guest's write fault per page.
 *
 * Every harvest must hand over each entry once (the bitmap weight equals
 * the entries); timings are reported, never asserted.  The default run is a
 * quick self-check; make bench runs it at full size (see bench/run_bench.sh).
 * Measurements are meant at CPL3, where the guest runs natively on kvm_pvm.
 */
#include <getopt.h>
#include <sys/mman.h>

#include "dirty_log.h"
#include "ring_model.h"
#include "test_case.h"
#include "ucall.h"
#include "guest_script.h"

#define TEST_SLOT		1
#define MODEL_RESERVE		64	/* kvm_pvm's; any reserve works for the model */
#define RANDOM_SPREAD		4	/* random offsets come from a slot this many rings big */
#define MAX_SIZES		4
#define MIN_ENTRIES		256
#define MAX_ENTRIES		65536
#define DEFAULT_ROUNDS		3
#define MAX_ROUNDS		101
/* Guest fills per round: first harvests (lazy and populated, each harvester), steady, floor. */
#define FILLS_PER_ROUND		7

enum ring_source { SRC_MODEL_SEQ, SRC_MODEL_RANDOM, SRC_KVM };

static const char *const source_names[] = { "model", "model", "kvm" };

struct bench_case {
	enum ring_source src;
	u32 entries;
	char name[48];
};

/* Options */
static u32 nr_rounds = DEFAULT_ROUNDS;
static const char *csv_path;

/* Where the harvested entries go: one bit per page of the test slot. */
struct bench_bitmap {
	unsigned long *map;
	u64 npages;
	u64 stray;
};

static volatile u64 floor_sink;

/* Inlined into both harvesters, so that they differ only in the walk. */
static inline __attribute__((always_inline)) void bench_bitmap_set(void *opaque,
								   const struct dirty_entry *e)
{
	struct bench_bitmap *bm = opaque;

	if (e->slot == DIRTY_RING_SLOT(0, TEST_SLOT) && e->offset < bm->npages)
		bitmap_set_bit(bm->map, e->offset);
	else
		bm->stray++;
}

/* The harvester under test: the library's one walk. */
static u32 library_harvest(struct dirty_ring *ring, struct bench_bitmap *bm)
{
	return dirty_ring_walk(ring, ring->size, bench_bitmap_set, bm);
}

/*
 * The baseline: one entry at a time, the ring index taken modulo the size
 * and the fetch index kept in the ring, as existing tests harvest.
 */
static u32 plain_harvest_baseline(struct dirty_ring *ring, struct bench_bitmap *bm)
{
	u32 n;

	for (n = 0; n < ring->size; n++) {
		struct kvm_dirty_gfn *gfn = &ring->gfns[ring->fetch % ring->size];
		struct dirty_entry e;

		if (!dirty_gfn_is_dirty(__atomic_load_n(&gfn->flags, __ATOMIC_ACQUIRE)))
			break;
		e.index = ring->fetch;
		e.slot = gfn->slot;
		e.offset = gfn->offset;
		bench_bitmap_set(bm, &e);
		__atomic_store_n(&gfn->flags, KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
		ring->fetch++;
	}
	return n;
}

/* The floor: read every field of every entry once, in order, store nothing. */
static void ring_read_floor(const struct dirty_ring *ring)
{
	const struct kvm_dirty_gfn *gfn = ring->gfns;
	u64 sum = 0;
	u32 i;

	for (i = 0; i < ring->size; i++)
		sum += gfn[i].flags ^ gfn[i].slot ^ gfn[i].offset;
	floor_sink = sum;
}

typedef u32 (*harvest_fn)(struct dirty_ring *ring, struct bench_bitmap *bm);

/* One timed harvest; checks that every entry arrived once. Returns ns/entry. */
static double timed_harvest(harvest_fn harvest, struct dirty_ring *ring,
			    struct bench_bitmap *bm, u32 entries, const char *who)
{
	u64 t0, t1;
	u32 n;

	memset(bm->map, 0, DIV_ROUND_UP(bm->npages, 64) * sizeof(unsigned long));
	bm->stray = 0;
	t0 = time_now_ns();
	n = harvest(ring, bm);
	t1 = time_now_ns();
	TEST_ASSERT(n == entries && !bm->stray && bitmap_weight(bm->map, bm->npages) == entries,
		    "%s harvest: %u entries, %lu pages, %lu stray; expected %u entries and pages",
		    who, n, bitmap_weight(bm->map, bm->npages), bm->stray, entries);
	return (double)(t1 - t0) / entries;
}

static double timed_floor(const struct dirty_ring *ring)
{
	u64 t0 = time_now_ns();

	ring_read_floor(ring);
	return (double)(time_now_ns() - t0) / ring->size;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, u32 n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A result line and, with --csv, its CSV row. */
static void report(const struct bench_case *bc, const char *phase, const char *what,
		   double value, const char *unit)
{
	const char *offsets = bc->src == SRC_MODEL_RANDOM ? "random" : "sequential";
	FILE *f;

	ksft_print_msg("%-5s %5u %-10s %-9s %-22s %9.3f %s\n", source_names[bc->src],
		       bc->entries, offsets, phase, what, value, unit);
	if (!csv_path)
		return;
	f = fopen(csv_path, "a");
	TEST_ASSERT(f, "cannot append to %s", csv_path);
	fprintf(f, "%s,%u,%s,%s,%s,%.4f,%s\n", source_names[bc->src], bc->entries, offsets,
		phase, what, value, unit);
	fclose(f);
}

/* fast, plain, their ratio, the floor and how far the fast one is above it. */
static void report_harvest(const struct bench_case *bc, const char *phase,
			   double fast, double plain, double floor_ns)
{
	report(bc, phase, "library_ns", fast, "ns/entry");
	report(bc, phase, "plain_ns", plain, "ns/entry");
	report(bc, phase, "plain_over_library", plain / fast, "x");
	if (floor_ns <= 0)
		return;
	report(bc, phase, "floor_ns", floor_ns, "ns/entry");
	report(bc, phase, "library_over_floor", fast / floor_ns, "x");
}

/* Model rings */

/* A script writing `entries` distinct pages of a slot of `npages`, in order or shuffled. */
static struct script_op *model_script(u32 entries, u64 npages, bool random)
{
	struct script_op *ops = calloc(entries + 1, sizeof(*ops));
	u32 *perm, i, j;
	u64 state = entries;

	TEST_ASSERT(ops, "out of memory");
	if (!random) {
		ops[0] = (struct script_op) { .kind = SCRIPT_WRITE, .slot = TEST_SLOT,
					      .count = entries };
		ops[1].kind = SCRIPT_END;
		return ops;
	}
	perm = malloc(npages * sizeof(*perm));
	TEST_ASSERT(perm, "out of memory");
	for (i = 0; i < npages; i++)
		perm[i] = i;
	for (i = 0; i < entries; i++) {
		u32 tmp = perm[i];

		j = i + prng_next(&state) % (npages - i);
		perm[i] = perm[j];
		perm[j] = tmp;
		ops[i] = (struct script_op) { .kind = SCRIPT_WRITE, .slot = TEST_SLOT,
					      .page = perm[i], .count = 1 };
	}
	ops[entries].kind = SCRIPT_END;
	free(perm);
	return ops;
}

static void run_model_case(enum guest_cpl cpl, const void *arg)
{
	const struct bench_case *bc = arg;
	bool random = bc->src == SRC_MODEL_RANDOM;
	struct ring_model_config cfg = {
		.nr_vcpus = 1, .ring_size = bc->entries, .reserve = MODEL_RESERVE,
	};
	u32 entries = bc->entries - MODEL_RESERVE, r;
	struct bench_bitmap bm = { .npages = (u64)bc->entries * RANDOM_SPREAD };
	double fast[MAX_ROUNDS], plain[MAX_ROUNDS], floor_ns[MAX_ROUNDS];
	struct ring_model *m = ring_model_create(&cfg);
	struct script_op *script = model_script(entries, bm.npages, random);
	struct ring_progress progress;
	struct kvm_dirty_gfn *filled;
	struct dirty_ring *ring;
	size_t bytes = (size_t)bc->entries * DIRTY_GFN_SIZE;

	bm.map = bitmap_alloc(bm.npages);
	filled = malloc(bytes);
	TEST_ASSERT(bm.map && filled, "out of memory");
	TEST_ASSERT_EQ(ring_model_slot_add(m, TEST_SLOT, bm.npages, KVM_MEM_LOG_DIRTY_PAGES), 0);
	ring_model_load(m, 0, script);
	ring_model_run(m, 0, &progress);
	ring = ring_model_ring(m, 0);
	TEST_ASSERT_EQ(dirty_ring_occupancy(ring), entries);
	memcpy(filled, ring->gfns, bytes);

	for (r = 0; r < nr_rounds; r++) {
		/* alternate the order so that neither always runs on a warmer cache */
		memcpy(ring->gfns, filled, bytes);
		ring->fetch = 0;
		if (r % 2)
			plain[r] = timed_harvest(plain_harvest_baseline, ring, &bm, entries, "plain");
		memcpy(ring->gfns, filled, bytes);
		ring->fetch = 0;
		fast[r] = timed_harvest(library_harvest, ring, &bm, entries, "library");
		memcpy(ring->gfns, filled, bytes);
		ring->fetch = 0;
		if (!(r % 2))
			plain[r] = timed_harvest(plain_harvest_baseline, ring, &bm, entries, "plain");
		memcpy(ring->gfns, filled, bytes);
		floor_ns[r] = timed_floor(ring);
	}
	report_harvest(bc, "hot", median(fast, nr_rounds), median(plain, nr_rounds),
		       median(floor_ns, nr_rounds));
	free(script);
	free(filled);
	free(bm.map);
	ring_model_free(m);
}

/* KVM rings */

struct kvm_bench {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct dirty_ring *ring;	/* the library's mapping */
	u32 pages;			/* dirtied per fill, below any host's soft limit */
	u32 fills;
	double fill_us[MAX_ROUNDS * FILLS_PER_ROUND];
	double reset_ns[MAX_ROUNDS * FILLS_PER_ROUND];
};

static void kvm_bench_create(struct kvm_bench *kb, enum guest_cpl cpl, u32 entries, u32 fills)
{
	struct script_layout layout = {
		.nr_slots = 1, .slot = { TEST_SLOT }, .gva = { TEST_MEM_BASE_GPA },
	};
	struct script_op *ops = calloc(2 * fills + 1, sizeof(*ops));
	u32 i;

	TEST_ASSERT(ops, "out of memory");
	kb->pages = entries - KVM_RING_RESERVE_MAX - 1;
	layout.npages[0] = kb->pages;
	for (i = 0; i < fills; i++) {
		ops[2 * i] = (struct script_op) { .kind = SCRIPT_WRITE, .slot = TEST_SLOT,
					      .count = kb->pages };
		ops[2 * i + 1].kind = SCRIPT_SYNC;
	}
	ops[2 * fills].kind = SCRIPT_END;
	kb->vm = vm_create_logged(cpl, LOG_MODE_RING, entries, TEST_SLOT, kb->pages);
	/* host pages allocated up front: the fills time the guest's write faults only */
	memset(vm_mem_region(kb->vm, TEST_SLOT)->host_mem, 0, (size_t)kb->pages * GUEST_PAGE_SIZE);
	kb->vcpu = vm_vcpu_add(kb->vm, 0, guest_script_main);
	vcpu_args_set(kb->vcpu, 1, guest_script_load(kb->vm, ops, 2 * fills + 1, &layout));
	kb->ring = vcpu_map_dirty_ring(kb->vcpu);
	free(ops);
}

/* The guest dirties kb->pages pages, which land in the ring. */
static void kvm_fill(struct kvm_bench *kb)
{
	u64 t0 = time_now_ns();
	struct ucall uc;

	vcpu_run(kb->vcpu);
	kb->fill_us[kb->fills] = (time_now_ns() - t0) / 1000.0 / kb->pages;
	TEST_ASSERT(kb->vcpu->run->exit_reason != KVM_EXIT_DIRTY_RING_FULL,
		    "full exit after fewer than %u stores: ring %u entries", kb->pages,
		    kb->ring->size);
	TEST_ASSERT_EQ(get_ucall_checked(kb->vcpu, &uc), UCALL_SYNC);
}

static void kvm_reset(struct kvm_bench *kb)
{
	u64 t0 = time_now_ns();
	u32 n = vm_reset_dirty_rings(kb->vm);

	kb->reset_ns[kb->fills++] = (double)(time_now_ns() - t0) / kb->pages;
	TEST_ASSERT_EQ(n, kb->pages);
}

/*
 * Fill, map the ring anew (lazily or populated), harvest, reset.  The
 * fresh view starts where the library's view is, and the library's view
 * moves past what it harvested.
 */
static double kvm_first_harvest(struct kvm_bench *kb, harvest_fn harvest, int map_flags,
				struct bench_bitmap *bm, double *map_us)
{
	size_t bytes = (size_t)kb->ring->size * DIRTY_GFN_SIZE;
	struct dirty_ring view = { .size = kb->ring->size, .fetch = kb->ring->fetch };
	u64 t0;
	double ns;

	kvm_fill(kb);
	t0 = time_now_ns();
	view.gfns = __vcpu_mmap_dirty_ring(kb->vcpu, PROT_READ | PROT_WRITE, map_flags);
	*map_us = (time_now_ns() - t0) / 1000.0;
	TEST_ASSERT(view.gfns != MAP_FAILED, "mmap of the dirty ring");
	ns = timed_harvest(harvest, &view, bm, kb->pages, harvest == library_harvest ?
			   "library (first)" : "plain (first)");
	munmap(view.gfns, bytes);
	kb->ring->fetch = view.fetch;
	kvm_reset(kb);
	return ns;
}

static double kvm_steady_harvest(struct kvm_bench *kb, harvest_fn harvest, struct bench_bitmap *bm)
{
	double ns;

	kvm_fill(kb);
	ns = timed_harvest(harvest, kb->ring, bm, kb->pages,
			   harvest == library_harvest ? "library" : "plain");
	kvm_reset(kb);
	return ns;
}

static double kvm_steady_floor(struct kvm_bench *kb, struct bench_bitmap *bm)
{
	double ns;

	kvm_fill(kb);
	ns = timed_floor(kb->ring);
	timed_harvest(library_harvest, kb->ring, bm, kb->pages, "library");
	kvm_reset(kb);
	return ns;
}

static void run_kvm_case(enum guest_cpl cpl, const void *arg)
{
	const struct bench_case *bc = arg;
	double fast[MAX_ROUNDS], plain[MAX_ROUNDS], floor_ns[MAX_ROUNDS];
	double lazy_fast[MAX_ROUNDS], lazy_plain[MAX_ROUNDS], lazy_map[MAX_ROUNDS];
	double pop_fast[MAX_ROUNDS], pop_plain[MAX_ROUNDS], pop_map[MAX_ROUNDS];
	struct kvm_bench kb = {};
	struct bench_bitmap bm;
	u32 r;

	TEST_REQUIRE(bc->entries >= 2 * KVM_RING_RESERVE_MAX);
	TEST_REQUIRE((u64)kvm_dirty_ring_max_bytes(dirty_ring_cap_acq_rel()) >=
		     (u64)bc->entries * DIRTY_GFN_SIZE);
	TEST_REQUIRE(kvm_dirty_ring_min_bytes(dirty_ring_cap_acq_rel()) <=
		     (u64)bc->entries * DIRTY_GFN_SIZE);
	kvm_bench_create(&kb, cpl, bc->entries, FILLS_PER_ROUND * nr_rounds);
	bm.npages = kb.pages;
	bm.map = bitmap_alloc(bm.npages);
	TEST_ASSERT(bm.map, "out of memory");

	for (r = 0; r < nr_rounds; r++) {
		lazy_plain[r] = kvm_first_harvest(&kb, plain_harvest_baseline, MAP_SHARED, &bm,
						  &lazy_map[r]);
		lazy_fast[r] = kvm_first_harvest(&kb, library_harvest, MAP_SHARED, &bm,
						 &lazy_map[r]);
		pop_plain[r] = kvm_first_harvest(&kb, plain_harvest_baseline,
						 MAP_SHARED | MAP_POPULATE, &bm, &pop_map[r]);
		pop_fast[r] = kvm_first_harvest(&kb, library_harvest, MAP_SHARED | MAP_POPULATE,
						&bm, &pop_map[r]);
	}
	for (r = 0; r < nr_rounds; r++) {
		if (r % 2)
			plain[r] = kvm_steady_harvest(&kb, plain_harvest_baseline, &bm);
		fast[r] = kvm_steady_harvest(&kb, library_harvest, &bm);
		if (!(r % 2))
			plain[r] = kvm_steady_harvest(&kb, plain_harvest_baseline, &bm);
		floor_ns[r] = kvm_steady_floor(&kb, &bm);
	}

	report_harvest(bc, "first_lazy", median(lazy_fast, nr_rounds),
		       median(lazy_plain, nr_rounds), 0);
	report(bc, "first_lazy", "mmap_us", median(lazy_map, nr_rounds), "us");
	report_harvest(bc, "first_populated", median(pop_fast, nr_rounds),
		       median(pop_plain, nr_rounds), 0);
	report(bc, "first_populated", "mmap_populate_us", median(pop_map, nr_rounds), "us");
	report_harvest(bc, "steady", median(fast, nr_rounds), median(plain, nr_rounds),
		       median(floor_ns, nr_rounds));
	report(bc, "collection", "reset_ns", median(kb.reset_ns, kb.fills), "ns/entry");
	report(bc, "collection", "guest_write_fault_us", median(kb.fill_us, kb.fills), "us/page");
	free(bm.map);
	kvm_vm_free(kb.vm);
}

static void help(const char *prog)
{
	printf("usage: %s [-g cpl0|cpl3|all] [-e entries]... [-r rounds] [--csv FILE]\n"
	       "Times the library's dirty ring harvester against a plain loop and a sequential read.\n"
	       TEST_COMMON_USAGE
	       "  -e N        ring entries, a power of two in [%u, %u] (repeatable; default 4096)\n"
	       "  -r N        rounds per measurement, medians reported (1..%u; default %u)\n"
	       "  --csv FILE  append every result as source,entries,offsets,phase,what,value,unit\n"
	       "The default run is a quick self-check; measure with -g cpl3 -e 4096 -e 65536 -r 9.\n",
	       prog, MIN_ENTRIES, MAX_ENTRIES, MAX_ROUNDS, DEFAULT_ROUNDS);
}

static void parse_args(int argc, char *argv[], unsigned int *cpl_mask, u32 *sizes,
		       unsigned int *nr_sizes)
{
	static const struct option longopts[] = {
		{ "csv", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int opt;

	while ((opt = test_getopt(argc, argv, TEST_COMMON_OPTS "e:r:", longopts,
				  cpl_mask, help)) != -1) {
		switch (opt) {
		case 'e':
			if (*nr_sizes == MAX_SIZES)
				test_usage_error(argv[0], help, "at most %d -e options", MAX_SIZES);
			sizes[(*nr_sizes)++] = parse_power_of_2(optarg, "-e", MIN_ENTRIES,
								MAX_ENTRIES);
			break;
		case 'r':
			nr_rounds = parse_u64(optarg, "-r", 1, MAX_ROUNDS);
			break;
		case 'c':
			csv_path = optarg;
			break;
		}
	}
	if (!*nr_sizes)
		sizes[(*nr_sizes)++] = 4096;
}

int main(int argc, char *argv[])
{
	static struct bench_case bcs[3 * MAX_SIZES];
	struct test_case cases[3 * MAX_SIZES];
	unsigned int cpl_mask = GUEST_CPL_ALL, nr_sizes = 0, n = 0, i;
	u32 sizes[MAX_SIZES];
	enum ring_source src;
	FILE *f;

	parse_args(argc, argv, &cpl_mask, sizes, &nr_sizes);
	if (csv_path) {
		f = fopen(csv_path, "w");
		if (!f) {
			fprintf(stderr, "%s: cannot write %s: %s\n", argv[0], csv_path,
				strerror(errno));
			exit(KSFT_FAIL);
		}
		fprintf(f, "source,entries,offsets,phase,what,value,unit\n");
		fclose(f);
	}
	for (src = SRC_MODEL_SEQ; src <= SRC_KVM; src++) {
		for (i = 0; i < nr_sizes; i++, n++) {
			bcs[n] = (struct bench_case) { .src = src, .entries = sizes[i] };
			snprintf(bcs[n].name, sizeof(bcs[n].name), "%s_%s_%u_entries",
				 source_names[src], src == SRC_MODEL_RANDOM ? "random" : "sequential",
				 sizes[i]);
			cases[n] = (struct test_case) {
				.name = bcs[n].name, .arg = &bcs[n], .guest = src == SRC_KVM,
				.run = src == SRC_KVM ? run_kvm_case : run_model_case,
			};
		}
	}
	if (!(cpl_mask & (1u << GUEST_CPL3)))
		ksft_print_msg("measurements are meant at CPL3: at CPL0 kvm_pvm emulates the guest\n");
	run_test_cases(cases, n, cpl_mask, TEST_CASE_TIMEOUT_S * 4);
}
