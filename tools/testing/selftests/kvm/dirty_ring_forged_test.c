// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_ring_forged_test: KVM_RESET_DIRTY_RINGS on ring entries that
 * userspace rewrote.
 *
 * The ring is MAP_SHARED and writable: between KVM's push and the reset,
 * a VMM (buggy or hostile) can put anything into slot, offset and flags, and
 * KVM re-reads all three in kvm_dirty_ring_reset().  Each case lets a guest
 * dirty pages of two logged slots, harvests, rewrites the entries of the
 * first slot (the "forged" entries) and resets:
 *
 *   - slot ids: >= KVM_CAP_NR_MEMSLOTS, 0xffff, address space 1, a slot
 *     without KVM_MEM_LOG_DIRTY_PAGES (the system slot: the guest's code,
 *     stack and page tables), a deleted slot;
 *   - offsets: at the slot end, far beyond it, and a pair that wraps the
 *     u64 bounds check after coalescing (0xffffffffffffffc1 then 0: the
 *     out-of-bounds rmap access of CVE-2026-52969, fixed in 6.18.33;
 *     a vulnerable host with shadow paging may corrupt memory here);
 *   - flags: unknown bits along with RESET, and unknown bits without it;
 *   - RESET written on entries KVM never pushed (beyond its push index);
 *   - entries rewritten between harvest and reset (all to one page);
 *   - random bytes over the whole ring, for thousands of rounds (-r, -s).
 *
 * KVM documents none of this, so each case prints what the reset returned
 * and what the VM did afterwards, and asserts only what must hold:
 *   - the host kernel logs no WARNING/BUG/Oops and gets no new W or D taint
 *     during the case (host_harm.h, judged by the case runner around the
 *     whole case); on a kernel already WARN-tainted that check is blind and
 *     a case whose other checks pass is a SKIP saying so;
 *   - a second, well-behaved VM keeps logging and resetting exactly;
 *   - the entries of the valid slot in the same reset are still reset: their
 *     flags are cleared and the guest's next stores to them are reported
 *     again (when the forged entries kept the RESET handshake);
 *   - the forged VM keeps running: every KVM_RUN returns.
 */
#include <unistd.h>

#include "dirty_log.h"
#include "kvm_util.h"
#include "test_case.h"
#include "ucall.h"

#define FORGE_SLOT		1
#define VALID_SLOT		2
#define DELETED_SLOT		3
#define SLOT_PAGES		32	/* pages of each slot the guest writes per round */
#define RING_ENTRIES_MIN	512	/* two rounds fit below any host's soft limit */
#define AFTER_RUNS_MAX		8	/* KVM_RUNs tried on a VM whose ring is broken */
#define DEFAULT_RANDOM_ROUNDS	10000
#define RANDOM_RUN_EVERY	16	/* rounds between two KVM_RUNs of the forged VM */
#define CONTROL_EVERY		512	/* rounds between two control VM rounds */
#define WRAP_OFFSET		0xffffffffffffffc1ull

static u64 random_seed;
static u64 random_rounds = DEFAULT_RANDOM_ROUNDS;

/*
 * Guest code: each round stores the round number to every page of the forge
 * slot, then of the valid slot, then syncs.  So a round pushes the forge
 * slot's entries first, in page order, and the valid slot's after them.
 */
static void guest_code(u64 forge_gva, u64 valid_gva)
{
	u64 round, i;

	for (round = 1;; round++) {
		for (i = 0; i < SLOT_PAGES; i++)
			*(volatile u64 *)(forge_gva + i * GUEST_PAGE_SIZE) = round;
		for (i = 0; i < SLOT_PAGES; i++)
			*(volatile u64 *)(valid_gva + i * GUEST_PAGE_SIZE) = round;
		GUEST_SYNC_VALUE(round);
	}
}

/* ---- a VM with a forge slot, a valid slot and a deleted slot id ---- */

struct forge_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct dirty_ring *ring;
	struct dirty_entry *log;	/* one round's harvest */
	u64 round;			/* the guest's last completed round */
};

static u32 ring_entries(void)
{
	u32 min = dirty_ring_min_entries();

	return min > RING_ENTRIES_MIN ? min : RING_ENTRIES_MIN;
}

static void forge_vm_create(struct forge_vm *forge, enum guest_cpl cpl)
{
	const gpa_t valid_gpa = TEST_MEM_BASE_GPA + SLOT_PAGES * GUEST_PAGE_SIZE;

	forge->vm = vm_create_logged(cpl, LOG_MODE_RING, ring_entries(), FORGE_SLOT, SLOT_PAGES);
	vm_mem_region_add(forge->vm, BACKING_ANON, VALID_SLOT, valid_gpa, SLOT_PAGES,
			  KVM_MEM_LOG_DIRTY_PAGES);
	vm_mem_region_add(forge->vm, BACKING_ANON, DELETED_SLOT,
			  valid_gpa + SLOT_PAGES * GUEST_PAGE_SIZE, SLOT_PAGES,
			  KVM_MEM_LOG_DIRTY_PAGES);
	vm_mem_region_delete(forge->vm, DELETED_SLOT);
	virt_map(forge->vm, valid_gpa, valid_gpa, SLOT_PAGES);
	forge->vcpu = vm_vcpu_add(forge->vm, 0, guest_code);
	vcpu_args_set(forge->vcpu, 2, TEST_MEM_BASE_GPA, valid_gpa);
	forge->ring = vcpu_map_dirty_ring(forge->vcpu);
	forge->log = calloc(forge->ring->size, sizeof(*forge->log));
	TEST_ASSERT(forge->log, "out of memory");
	forge->round = 0;
}

static void forge_vm_free(struct forge_vm *forge)
{
	free(forge->log);
	kvm_vm_free(forge->vm);
}

/* Run one guest round to its sync; the ring never fills in one round. */
static void forge_vm_run_round(struct forge_vm *forge)
{
	TEST_ASSERT_EQ(vcpu_run_expect_ucall(forge->vcpu, UCALL_SYNC), forge->round + 1);
	forge->round++;
}

static u32 forge_vm_harvest(struct forge_vm *forge)
{
	return dirty_ring_harvest(forge->ring, forge->log, forge->ring->size);
}

/* Harvested entries of one slot whose offset is a page the guest writes. */
static u32 count_slot_pages(const struct forge_vm *forge, u32 n, u32 slot)
{
	unsigned long *seen = bitmap_alloc(SLOT_PAGES);
	u32 i, w;

	TEST_ASSERT(seen, "out of memory");
	for (i = 0; i < n; i++)
		if (forge->log[i].slot == slot && forge->log[i].offset < SLOT_PAGES)
			bitmap_set_bit(seen, forge->log[i].offset);
	w = bitmap_weight(seen, SLOT_PAGES);
	free(seen);
	return w;
}

/* A round of a well-behaved VMM: exactly the round's pages, in order; exact reset. */
static void checked_round(struct forge_vm *forge, const char *who)
{
	u32 n, i, reset;

	forge_vm_run_round(forge);
	n = forge_vm_harvest(forge);
	TEST_ASSERT(n == 2 * SLOT_PAGES, "%s round %lu: harvested %u entries, expected %u",
		    who, forge->round, n, 2 * SLOT_PAGES);
	for (i = 0; i < n; i++) {
		u32 slot = i < SLOT_PAGES ? FORGE_SLOT : VALID_SLOT;

		TEST_ASSERT(forge->log[i].slot == slot && forge->log[i].offset == i % SLOT_PAGES,
			    "%s round %lu ring index %u: slot %#x offset %lu, expected slot %#x offset %u",
			    who, forge->round, forge->log[i].index, forge->log[i].slot,
			    forge->log[i].offset, slot, i % SLOT_PAGES);
	}
	reset = vm_reset_dirty_rings(forge->vm);
	TEST_ASSERT(reset == n, "%s round %lu: KVM_RESET_DIRTY_RINGS reset %u, %u harvested",
		    who, forge->round, reset, n);
}

/* ---- forged inputs ---- */

struct forge_ctx {
	struct forge_vm *forge;
	u32 first;	/* ring index of the first forged entry */
	u32 n;		/* forged entries (the forge slot's) */
};

struct forge_kind {
	const char *what;
	void (*forge)(const struct forge_ctx *c);
	bool keeps_handshake;	/* every harvested entry still flagged RESET, none added */
};

static struct kvm_dirty_gfn *forged(const struct forge_ctx *c, u32 i)
{
	return dirty_ring_entry(c->forge->ring, c->first + i);
}

static void set_all_slots(const struct forge_ctx *c, u32 slot)
{
	u32 i;

	for (i = 0; i < c->n; i++)
		WRITE_ONCE(forged(c, i)->slot, slot);
}

static void forge_slot_nr_memslots(const struct forge_ctx *c)
{
	set_all_slots(c, c->forge->vm->nr_memslots);
}

static void forge_slot_ffff(const struct forge_ctx *c)
{
	set_all_slots(c, 0xffff);
}

static void forge_slot_as_id(const struct forge_ctx *c)
{
	set_all_slots(c, DIRTY_RING_SLOT(1, FORGE_SLOT));
}

static void forge_slot_unlogged(const struct forge_ctx *c)
{
	set_all_slots(c, c->forge->vm->system_slot);
}

static void forge_slot_deleted(const struct forge_ctx *c)
{
	set_all_slots(c, DELETED_SLOT);
}

static void forge_offset_at_end(const struct forge_ctx *c)
{
	u32 i;

	for (i = 0; i < c->n; i++)
		WRITE_ONCE(forged(c, i)->offset, SLOT_PAGES);
}

static void forge_offset_far(const struct forge_ctx *c)
{
	u32 i;

	for (i = 0; i < c->n; i++)
		WRITE_ONCE(forged(c, i)->offset, i == c->n - 1 ? ~0ull : (1ull << 40) + i);
}

/* Pairs that coalesce into offset 0xff..c1, mask bit 63: offset + 63 wraps to 0. */
static void forge_offset_wrap(const struct forge_ctx *c)
{
	u32 i;

	for (i = 0; i < c->n; i++)
		WRITE_ONCE(forged(c, i)->offset, i % 2 ? 0 : WRAP_OFFSET);
}

static void forge_flags_extra(const struct forge_ctx *c)
{
	u32 i;

	for (i = 0; i < c->n; i++)
		__atomic_store_n(&forged(c, i)->flags, (u32)~KVM_DIRTY_GFN_F_DIRTY,
				 __ATOMIC_RELEASE);
}

static void forge_flags_no_reset(const struct forge_ctx *c)
{
	__atomic_store_n(&forged(c, 0)->flags, 0x80000000u, __ATOMIC_RELEASE);
}

/* RESET on as many entries past the last pushed one as were forged. */
static void forge_beyond_push(const struct forge_ctx *c)
{
	struct dirty_ring *ring = c->forge->ring;
	u32 i;

	for (i = 0; i < c->n; i++)
		__atomic_store_n(&dirty_ring_entry(ring, ring->fetch + i)->flags,
				 KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
}

static void forge_changed(const struct forge_ctx *c)
{
	u32 i;

	for (i = 0; i < c->n; i++)
		WRITE_ONCE(forged(c, i)->offset, 0);
}

static const struct forge_kind forge_kinds[] = {
	{ "slot_id_nr_memslots", forge_slot_nr_memslots, true },
	{ "slot_id_0xffff", forge_slot_ffff, true },
	{ "slot_as_id_1", forge_slot_as_id, true },
	{ "slot_unlogged", forge_slot_unlogged, true },
	{ "slot_deleted", forge_slot_deleted, true },
	{ "offset_at_slot_end", forge_offset_at_end, true },
	{ "offset_far_beyond", forge_offset_far, true },
	{ "offset_wrap_coalesced", forge_offset_wrap, true },
	{ "flags_unknown_with_reset", forge_flags_extra, true },
	{ "flags_unknown_without_reset", forge_flags_no_reset, false },
	{ "reset_beyond_push", forge_beyond_push, false },
	{ "changed_after_harvest", forge_changed, true },
};

/* Flags of ring entries [first, first + n) that are not zero. */
static u32 count_unreset(const struct dirty_ring *ring, u32 first, u32 n)
{
	u32 i, left = 0;

	for (i = 0; i < n; i++)
		if (__atomic_load_n(&dirty_ring_entry(ring, first + i)->flags, __ATOMIC_ACQUIRE))
			left++;
	return left;
}

/* Run a VM whose ring may be broken: a bounded number of KVM_RUNs, each must return. */
static const char *run_after(struct forge_vm *forge, u32 *full_exits)
{
	struct ucall uc;
	u32 i;

	for (i = 0, *full_exits = 0; i < AFTER_RUNS_MAX; i++) {
		vcpu_run(forge->vcpu);
		if (forge->vcpu->run->exit_reason == KVM_EXIT_DIRTY_RING_FULL) {
			(*full_exits)++;
			continue;
		}
		TEST_ASSERT_EQ(get_ucall_checked(forge->vcpu, &uc), UCALL_SYNC);
		forge->round = uc.args[0];
		return "reached its sync";
	}
	return "did not reach its sync: every KVM_RUN exits DIRTY_RING_FULL";
}

static void test_forged(enum guest_cpl cpl, const void *arg)
{
	const struct forge_kind *k = arg;
	struct forge_vm forged_vm, control;
	struct forge_ctx c = { .forge = &forged_vm, .n = SLOT_PAGES };
	u32 n, ret, left, forge_pages, valid_pages, n2, ret2, full;
	const char *after;
	int err;

	forge_vm_create(&control, cpl);
	forge_vm_create(&forged_vm, cpl);
	checked_round(&control, "control VM");
	checked_round(&forged_vm, "forged VM before forging");

	forge_vm_run_round(&forged_vm);
	c.first = forged_vm.ring->fetch;
	n = forge_vm_harvest(&forged_vm);
	TEST_ASSERT_EQ(n, 2 * SLOT_PAGES);
	k->forge(&c);
	ret = __vm_reset_dirty_rings(forged_vm.vm);
	err = errno;
	left = count_unreset(forged_vm.ring, c.first, n);
	checked_round(&control, "control VM after the forged reset");

	after = run_after(&forged_vm, &full);
	n2 = forge_vm_harvest(&forged_vm);
	forge_pages = count_slot_pages(&forged_vm, n2, FORGE_SLOT);
	valid_pages = count_slot_pages(&forged_vm, n2, VALID_SLOT);
	ret2 = __vm_reset_dirty_rings(forged_vm.vm);
	ksft_print_msg("[%s] reset returned %d%s%s (%u harvested, %u forged); %u of them still flagged; next round %s after %u full exits: %u entries, forge slot pages %u/%u, valid slot pages %u/%u; its reset returned %d\n",
		       test_context(), (int)ret, (int)ret < 0 ? " errno " : "",
		       (int)ret < 0 ? strerror(err) : "", n, c.n, left, after, full, n2,
		       forge_pages, SLOT_PAGES, valid_pages, SLOT_PAGES, (int)ret2);
	checked_round(&control, "control VM at the end");

	if (k->keeps_handshake) {
		TEST_ASSERT(!count_unreset(forged_vm.ring, c.first + c.n, SLOT_PAGES),
			    "%u valid-slot entries (ring index %u..%u) still flagged after the reset",
			    count_unreset(forged_vm.ring, c.first + c.n, SLOT_PAGES), c.first + c.n,
			    c.first + n - 1);
		TEST_ASSERT(valid_pages == SLOT_PAGES,
			    "after the forged reset, the guest's stores to %u of %u valid-slot pages were not reported",
			    SLOT_PAGES - valid_pages, SLOT_PAGES);
		TEST_ASSERT(ret2 == n2, "the reset after the forged one reset %u, %u harvested",
			    ret2, n2);
	}
	forge_vm_free(&forged_vm);
	forge_vm_free(&control);
}

/* ---- random bytes ---- */

struct random_stats {
	u64 calls, errors, nonzero, entries, max;
	u64 runs, full_exits, syncs;
	int last_errno;
};

static void fill_random(struct dirty_ring *ring, u64 *state)
{
	u64 *p = (u64 *)ring->gfns;
	u32 i;

	for (i = 0; i < ring->size * DIRTY_GFN_SIZE / sizeof(u64); i++)
		p[i] = prng_next(state);
}

static void random_run_once(struct forge_vm *forge, struct random_stats *st)
{
	struct ucall uc;

	vcpu_run(forge->vcpu);
	st->runs++;
	if (forge->vcpu->run->exit_reason == KVM_EXIT_DIRTY_RING_FULL) {
		st->full_exits++;
		return;
	}
	TEST_ASSERT_EQ(get_ucall_checked(forge->vcpu, &uc), UCALL_SYNC);
	st->syncs++;
}

static void random_reset(struct forge_vm *forge, struct random_stats *st)
{
	int ret = __vm_reset_dirty_rings(forge->vm);

	st->calls++;
	if (ret < 0) {
		st->errors++;
		st->last_errno = errno;
		return;
	}
	st->nonzero += ret > 0;
	st->entries += ret;
	if ((u64)ret > st->max)
		st->max = ret;
}

static void test_random_bytes(enum guest_cpl cpl, const void *arg)
{
	u64 state = random_seed, r;
	struct random_stats st = {};
	struct forge_vm forged_vm, control;
	const char *after;
	u32 full, n;

	ksft_print_msg("[%s] seed %#lx, %lu rounds (-s %#lx -r %lu to repeat)\n", test_context(),
		       random_seed, random_rounds, random_seed, random_rounds);
	forge_vm_create(&control, cpl);
	forge_vm_create(&forged_vm, cpl);
	for (r = 0; r < random_rounds; r++) {
		fill_random(forged_vm.ring, &state);
		random_reset(&forged_vm, &st);
		if (r % RANDOM_RUN_EVERY == 0)
			random_run_once(&forged_vm, &st);
		if (r % CONTROL_EVERY == 0)
			checked_round(&control, "control VM");
	}
	memset(forged_vm.ring->gfns, 0, forged_vm.ring->size * DIRTY_GFN_SIZE);
	after = run_after(&forged_vm, &full);
	n = dirty_ring_occupancy(forged_vm.ring);
	ksft_print_msg("[%s] %lu resets: %lu errors (last errno %d), %lu reset entries (%lu in all, at most %lu in one); %lu KVM_RUNs: %lu syncs, %lu full exits\n",
		       test_context(), st.calls, st.errors, st.last_errno, st.nonzero, st.entries,
		       st.max, st.runs, st.syncs, st.full_exits);
	ksft_print_msg("[%s] afterwards, with the ring zeroed, the guest %s after %u full exits (%u DIRTY entries at the fetch index)\n",
		       test_context(), after, full, n);
	checked_round(&control, "control VM at the end");
	forge_vm_free(&forged_vm);
	forge_vm_free(&control);
	if (!st.entries)
		test_skip("no reset took a random entry in %lu rounds: KVM never looked up a forged slot or offset",
			  st.calls);
}

static void help(const char *prog)
{
	printf("usage: %s [-g cpl0|cpl3|all] [-s seed] [-r rounds]\n"
	       "Rewrites dirty ring entries before KVM_RESET_DIRTY_RINGS and checks that the\n"
	       "host, another VM and the valid entries are unaffected.\n" TEST_COMMON_USAGE
	       "  -s SEED   seed of the random_bytes case (default: from the clock, printed)\n"
	       "  -r N      rounds of the random_bytes case, 1..1000000 (default %d)\n",
	       prog, DEFAULT_RANDOM_ROUNDS);
}

int main(int argc, char *argv[])
{
	struct test_case cases[ARRAY_SIZE(forge_kinds) + 1];
	unsigned int cpl_mask = GUEST_CPL_ALL, n = 0, i;
	bool seeded = false;
	int opt;

	while ((opt = test_getopt(argc, argv, TEST_COMMON_OPTS "s:r:", NULL,
				  &cpl_mask, help)) != -1) {
		if (opt == 's') {
			random_seed = parse_u64(optarg, "-s", 0, ~0ull);
			seeded = true;
		} else {
			random_rounds = parse_u64(optarg, "-r", 1, 1000000);
		}
	}
	if (!seeded)
		random_seed = time_now_ns();

	kvm_require_dirty_ring(0);
	test_cases_watch_host_harm();
	for (i = 0; i < ARRAY_SIZE(forge_kinds); i++)
		cases[n++] = (struct test_case) { .name = forge_kinds[i].what, .run = test_forged,
						  .arg = &forge_kinds[i], .guest = true,
						  .ring_caps = true };
	cases[n++] = (struct test_case) { .name = "random_bytes", .run = test_random_bytes,
					  .guest = true, .ring_caps = true };
	run_test_cases(cases, n, cpl_mask, TEST_CASE_TIMEOUT_S);
}
