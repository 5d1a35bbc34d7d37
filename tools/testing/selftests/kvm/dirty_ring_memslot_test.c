// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_ring_memslot_test: dirty ring entries and memslots.
 *
 * Shared scenarios (ring_scenario.h), judged by the one checker:
 *   - several dirty-logged slots with low and high ids and sizes from one
 *     page: every entry names the right slot id and offset;
 *   - a slot without KVM_MEM_LOG_DIRTY_PAGES reports nothing; clearing and
 *     setting the flag stops and restarts reporting;
 *   - a slot deleted while its entries are unharvested, or harvested but not
 *     reset: the reset counts them and the VM keeps working;
 *   - dirty logging disabled and enabled again on slots of 1 to 513 pages,
 *     their entries harvested but not reset, or reset: every page, the
 *     last one too, is write-protected again and its next store reported.
 * KVM-only cases:
 *   - a store to a KVM_MEM_READONLY slot exits to userspace as MMIO and
 *     pushes no entry;
 *   - a slot moved to another guest physical address while its entries are
 *     unharvested: the entries keep naming the slot and their offsets, the
 *     reset counts them, and stores at the new address are reported;
 *   - memory backed by transparent huge pages is still reported per 4 KiB
 *     page: the slot is 2 MiB aligned in the host as in the guest, so KVM
 *     can map it huge (a FAIL if not), and a SKIP when the host gave it no
 *     huge page.
 *
 * Where a case's code is: a shared scenario's stores are a write script
 * built by the function of the case's name in ring/ring_scenarios.c
 * (slot_ids_offsets() for slot_ids_offsets), which guest_script_main()
 * (lib/guest_script.c) runs in the guest; the host side, memslot changes
 * included, is lib/kvm_ring_target.c; the rules are ring/ring_check.c's
 * judge_entry(), judge_exit() and judge_reset().  The KVM-only cases are in
 * this file: test_readonly_mmio(), test_move_unharvested() and
 * test_thp_per_4k(), their guest code in guest_two_stores() and
 * guest_thp_stores().
 */
#include <unistd.h>

#include "dirty_log.h"
#include "dirty_ring.h"
#include "kvm_ring_target.h"
#include "ucall.h"

#define RING_ENTRIES		1024
#define SLOT_RW			1
#define SLOT_RO			2
#define SLOT_PAGES		64
#define THP_PAGES		1024	/* 4 MiB: two huge pages */
#define HUGE_2M			(2ul << 20)
#define MOVE_OFFSET_GPA		(1ul << 30)

static const enum ring_scenario_id scenarios[] = {
	SCENARIO_SLOT_IDS_OFFSETS,
	SCENARIO_LOG_DIRTY_FLAG,
	SCENARIO_DELETE_UNHARVESTED,
	SCENARIO_DELETE_HARVESTED,
	SCENARIO_RELOG_LAST_PAGE,
};

/* Pages of the THP slot the guest writes: around and across the 2 MiB boundary. */
#define HUGE_PAGE_4K_PAGES	512	/* 4 KiB pages in a 2 MiB huge page */
static const u64 thp_pages[] = { 0, 1, 511, 512, 513, 1023, 700 };

/* Guest code: write one page of each of two regions, syncing after each. */
static void guest_two_stores(u64 first, u64 second)
{
	*(volatile u64 *)first = 1;
	GUEST_SYNC_VALUE(1);
	*(volatile u64 *)second = 2;
	GUEST_SYNC_VALUE(2);
	GUEST_DONE();
}

static void guest_thp_stores(u64 base)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(thp_pages); i++)
		*(volatile u64 *)(base + thp_pages[i] * GUEST_PAGE_SIZE) = i + 1;
	GUEST_SYNC_VALUE(0);
	GUEST_DONE();
}

/* A ring VM without memslots: each case adds its own. */
static struct kvm_vm *ring_vm(enum guest_cpl cpl, struct kvm_vcpu **vcpu, void *guest_code)
{
	struct kvm_vm *vm = vm_create_logged(cpl, LOG_MODE_RING, RING_ENTRIES, 0, 0);

	*vcpu = vm_vcpu_add(vm, 0, guest_code);
	vcpu_map_dirty_ring(*vcpu);
	return vm;
}

/* Harvest everything; require exactly the given (slot, offset) entries, in order. */
static void expect_entries(struct kvm_vcpu *vcpu, u32 slot, const u64 *offsets, u32 n)
{
	struct dirty_entry got[RING_ENTRIES];
	u32 nr = dirty_ring_harvest(&vcpu->ring, got, ARRAY_SIZE(got)), i;

	if (nr != n) {
		bool block_starts = nr > 0;

		for (i = 0; i < nr && i < 16; i++)
			ksft_print_msg("[%s] harvested entry %u: slot %#x offset %lu\n",
				       test_context(), i, got[i].slot, got[i].offset);
		for (i = 0; i < nr; i++)
			block_starts &= !(got[i].offset % HUGE_PAGE_4K_PAGES);
		if (nr < n && block_starts)
			ksft_print_msg("[%s] HUGE PAGE LOGGED ONCE: %u entries for %u stores, each at the start of a 2 MiB block: KVM mapped huge pages writable in a dirty-logged slot, so stores after the first in each were not logged\n",
				       test_context(), nr, n);
	}
	TEST_ASSERT(nr == n, "harvested %u entries, expected %u (first: slot %#x offset %lu)",
		    nr, n, nr ? got[0].slot : 0, nr ? got[0].offset : 0);
	for (i = 0; i < n; i++)
		TEST_ASSERT(got[i].slot == slot && got[i].offset == offsets[i],
			    "entry %u: slot %#x offset %lu, expected slot %#x offset %lu",
			    got[i].index, got[i].slot, got[i].offset, slot, offsets[i]);
}

static void test_readonly_mmio(enum guest_cpl cpl, const void *arg)
{
	const u64 ro_gpa = TEST_MEM_BASE_GPA + SLOT_PAGES * GUEST_PAGE_SIZE, rw_page = 5;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ring_vm(cpl, &vcpu, guest_two_stores);

	vm_mem_region_add(vm, BACKING_ANON, SLOT_RW, TEST_MEM_BASE_GPA, SLOT_PAGES,
			  KVM_MEM_LOG_DIRTY_PAGES);
	vm_mem_region_add(vm, BACKING_ANON, SLOT_RO, ro_gpa, SLOT_PAGES,
			  KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY);
	virt_map(vm, TEST_MEM_BASE_GPA, TEST_MEM_BASE_GPA, 2 * SLOT_PAGES);
	vcpu_args_set(vcpu, 2, ro_gpa + 3 * GUEST_PAGE_SIZE,
		      TEST_MEM_BASE_GPA + rw_page * GUEST_PAGE_SIZE);

	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, KVM_EXIT_MMIO);
	TEST_ASSERT(vcpu->run->mmio.is_write &&
			    vcpu->run->mmio.phys_addr == ro_gpa + 3 * GUEST_PAGE_SIZE,
		    "MMIO exit: write %u at %#llx, expected a write at %#lx",
		    vcpu->run->mmio.is_write, vcpu->run->mmio.phys_addr,
		    ro_gpa + 3 * GUEST_PAGE_SIZE);
	TEST_ASSERT_EQ(dirty_ring_occupancy(&vcpu->ring), 0);
	TEST_ASSERT_EQ(vcpu_run_expect_ucall(vcpu, UCALL_SYNC), 1);
	TEST_ASSERT_EQ(dirty_ring_occupancy(&vcpu->ring), 0);

	TEST_ASSERT_EQ(vcpu_run_expect_ucall(vcpu, UCALL_SYNC), 2);
	expect_entries(vcpu, DIRTY_RING_SLOT(0, SLOT_RW), &rw_page, 1);
	TEST_ASSERT_EQ(vm_reset_dirty_rings(vm), 1);
	kvm_vm_free(vm);
}

static void test_move_unharvested(enum guest_cpl cpl, const void *arg)
{
	const gpa_t new_gpa = TEST_MEM_BASE_GPA + MOVE_OFFSET_GPA;
	const u64 before = 7, after = 9;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ring_vm(cpl, &vcpu, guest_two_stores);

	vm_mem_region_add(vm, BACKING_ANON, SLOT_RW, TEST_MEM_BASE_GPA, SLOT_PAGES,
			  KVM_MEM_LOG_DIRTY_PAGES);
	/* Both places mapped up front: the guest's TLB never holds a stale translation. */
	virt_map(vm, TEST_MEM_BASE_GPA, TEST_MEM_BASE_GPA, SLOT_PAGES);
	virt_map(vm, new_gpa, new_gpa, SLOT_PAGES);
	vcpu_args_set(vcpu, 2, TEST_MEM_BASE_GPA + before * GUEST_PAGE_SIZE,
		      new_gpa + after * GUEST_PAGE_SIZE);

	TEST_ASSERT_EQ(vcpu_run_expect_ucall(vcpu, UCALL_SYNC), 1);
	vm_mem_region_move(vm, SLOT_RW, new_gpa);
	expect_entries(vcpu, DIRTY_RING_SLOT(0, SLOT_RW), &before, 1);
	TEST_ASSERT_EQ(vm_reset_dirty_rings(vm), 1);

	TEST_ASSERT_EQ(vcpu_run_expect_ucall(vcpu, UCALL_SYNC), 2);
	expect_entries(vcpu, DIRTY_RING_SLOT(0, SLOT_RW), &after, 1);
	TEST_ASSERT_EQ(vm_reset_dirty_rings(vm), 1);
	TEST_ASSERT_EQ(*(u64 *)addr_gpa2hva(vm, new_gpa + after * GUEST_PAGE_SIZE), 2);
	kvm_vm_free(vm);
}

/* AnonHugePages of the mapping that contains addr, from /proc/self/smaps (kB). */
static long anon_huge_kb(void *addr)
{
	unsigned long start, end, a = (unsigned long)addr;
	char line[256];
	bool inside = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			inside = a >= start && a < end;
		else if (inside && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static void test_thp_per_4k(enum guest_cpl cpl, const void *arg)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ring_vm(cpl, &vcpu, guest_thp_stores);
	long huge_kb;
	void *hva;

	vm_mem_region_add(vm, BACKING_ANON_THP, SLOT_RW, TEST_MEM_BASE_GPA, THP_PAGES,
			  KVM_MEM_LOG_DIRTY_PAGES);
	virt_map(vm, TEST_MEM_BASE_GPA, TEST_MEM_BASE_GPA, THP_PAGES);
	vcpu_args_set(vcpu, 1, TEST_MEM_BASE_GPA);
	hva = addr_gpa2hva(vm, TEST_MEM_BASE_GPA);
	/* KVM maps a 2 MiB page huge only where gpa and hva agree modulo 2 MiB */
	TEST_ASSERT(!(((u64)hva - TEST_MEM_BASE_GPA) % HUGE_2M),
		    "THP slot at gpa %#lx, hva %p: not 2 MiB aligned alike, KVM could never map it huge",
		    TEST_MEM_BASE_GPA, hva);
	/* populate before the guest runs, so that the host has the chance to use huge pages */
	memset(hva, 0, THP_PAGES * GUEST_PAGE_SIZE);

	vcpu_run_expect_ucall(vcpu, UCALL_SYNC);
	expect_entries(vcpu, DIRTY_RING_SLOT(0, SLOT_RW), thp_pages, ARRAY_SIZE(thp_pages));
	TEST_ASSERT_EQ(vm_reset_dirty_rings(vm), ARRAY_SIZE(thp_pages));
	huge_kb = anon_huge_kb(hva);
	ksft_print_msg("[%s] slot backed by %ld kB of transparent huge pages\n",
		       test_context(), huge_kb);
	kvm_vm_free(vm);
	/*
	 * the slot is its own mapping (madvise split it), 2 MiB aligned: any
	 * huge page is KVM's to map
	 */
	if (huge_kb <= 0)
		test_skip("the slot got no transparent huge page (AnonHugePages %ld kB): only 4 KiB backing was tested",
			  huge_kb);
}

static void help(const char *prog)
{
	printf("usage: %s [-g cpl0|cpl3|all]\n"
	       "Checks dirty ring entries across memslot ids, flags, deletion, moves,\n"
	       "read-only slots and huge-page backing.\n" TEST_COMMON_USAGE, prog);
}

int main(int argc, char *argv[])
{
	unsigned int cpl_mask = test_parse_common_args(argc, argv, help);
	struct test_case cases[ARRAY_SIZE(scenarios) + 3];
	static struct kvm_scenario_arg args[ARRAY_SIZE(scenarios)];
	unsigned int n;

	kvm_require_dirty_ring(RING_ENTRIES);
	TEST_REQUIRE(kvm_check_cap(KVM_CAP_READONLY_MEM));
	n = kvm_scenario_cases(scenarios, ARRAY_SIZE(scenarios), 0, args, cases);
	cases[n++] = (struct test_case) { .name = "readonly_slot_mmio_no_entry",
					  .run = test_readonly_mmio, .guest = true,
					  .ring_caps = true };
	cases[n++] = (struct test_case) { .name = "move_slot_unharvested",
					  .run = test_move_unharvested, .guest = true,
					  .ring_caps = true };
	cases[n++] = (struct test_case) { .name = "thp_reported_per_4k_page",
					  .run = test_thp_per_4k, .guest = true,
					  .ring_caps = true };
	run_test_cases(cases, n, cpl_mask, TEST_CASE_TIMEOUT_S);
}
