// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_ring_address_space_test: ring entries of address space 1.
 *
 * A ring entry names its page by slot = as_id << 16 | slot id and offset.
 * On x86 with SMM (VMX, SVM), KVM_CAP_MULTI_ADDRESS_SPACE is 2: a vCPU in
 * SMM sees the memslots of address space 1, and what it dirties there is
 * pushed with as_id 1.  kvm_dirty_ring_reset() must treat the as_id as part
 * of the slot: re-protect the page of exactly the slot an entry names, and
 * skip entries whose as_id or offset is out of range.  Cases:
 *
 *   - address space 1 takes dirty-logged memslots of its own, with the ids
 *     and guest physical addresses of address space 0's, and refuses an
 *     as_id at KVM_CAP_MULTI_ADDRESS_SPACE;
 *   - forged entries: a guest dirties pages of slot 1 in address space 0,
 *     and before the reset userspace rewrites some entries to name slot 1
 *     of address space 1 (same id, same gpa, other memory), some to name it
 *     with an offset past its end, some with as_id = the number of address
 *     spaces.  The reset counts and clears them all; the untouched entries
 *     are reset (their pages are reported on the next write) and the pages
 *     of the rewritten ones are not (KVM re-protected the as1 page the entry
 *     named, or nothing): a reset that dropped or wrapped the as_id would
 *     re-protect slot 1 of address space 0 and show up here.  The host must
 *     not WARN, BUG or Oops meanwhile (host_harm.h);
 *   - real as_id 1 entries: SMRAM is in dirty-logged memslots of address
 *     space 1 (its code page in one that is not logged); the host injects an
 *     SMI (KVM_SMI) at a guest sync, the SMI handler increments a byte of
 *     SMRAM and returns (RSM).  KVM's state save and the handler's store are
 *     pushed as as_id 1 entries of their SMRAM slots, once each; after the
 *     reset a second SMI pushes both again (the reset re-protected address
 *     space 1), and the guest resumes each time.
 *
 * Where KVM_CAP_MULTI_ADDRESS_SPACE is below 2 (kvm_pvm) every case skips
 * with that reason; the SMM case also needs KVM_CAP_X86_SMM.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "dirty_log.h"
#include "host_harm.h"
#include "kvm_util.h"
#include "test_case.h"
#include "ucall.h"

#define TEST_SLOT		1	/* the same id in both address spaces */
#define SLOT_PAGES		32
#define FORGE_GROUP		8	/* entries per kind of forgery */
#define RING_ENTRIES_MIN	512
/*
 * SMRAM, 64 KiB at SMBASE in address space 1, as three slots: pages 0-7
 * logged (the handler's data at page 1), pages 8-14 not logged (the code at
 * +0x8000: a page the vCPU only fetches may be logged when KVM maps it
 * writable), page 15 logged (KVM's state save at +0xfe00).
 */
#define SMRAM_GPA		0x1000000ul
#define SMRAM_PAGES		16
#define SMRAM_DATA_SLOT		2
#define SMRAM_CODE_SLOT		3
#define SMRAM_STATE_SLOT	4
#define SMRAM_CODE_PAGE		8
#define SMRAM_STATE_PAGE	15
#define SMRAM_DATA		0x1000	/* the byte the SMI handler increments */
#define MSR_IA32_SMBASE		0x9e

static u32 ring_entries(void)
{
	u32 min = dirty_ring_min_entries();

	return min > RING_ENTRIES_MIN ? min : RING_ENTRIES_MIN;
}

static int nr_address_spaces(void)
{
	return kvm_check_cap(KVM_CAP_MULTI_ADDRESS_SPACE);
}

static void require_as1(void)
{
	int n = nr_address_spaces();

	if (n < 2)
		test_skip("one address space only (KVM_CAP_MULTI_ADDRESS_SPACE %d)", n);
}

/* A slot of address space 1 (the library tracks address space 0 only) at hva. */
static void as1_slot_set(struct kvm_vm *vm, u32 id, gpa_t gpa, u64 pages, u32 flags, void *hva)
{
	int ret = __vm_set_user_memory_region(vm, DIRTY_RING_SLOT(1, id), flags, gpa,
					      pages * GUEST_PAGE_SIZE, hva);

	TEST_ASSERT(!ret, "KVM_SET_USER_MEMORY_REGION of slot %u in address space 1, errno %d",
		    id, errno);
}

static void *anon_pages(u64 pages)
{
	void *mem = mmap(NULL, pages * GUEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(mem != MAP_FAILED, "mmap of %lu pages", pages);
	madvise(mem, pages * GUEST_PAGE_SIZE, MADV_NOHUGEPAGE);
	return mem;
}

static void *as1_slot_add(struct kvm_vm *vm, u32 id, gpa_t gpa, u64 pages, u32 flags)
{
	void *mem = anon_pages(pages);

	as1_slot_set(vm, id, gpa, pages, flags, mem);
	return mem;
}

static void test_as1_memslots(enum guest_cpl cpl, const void *arg)
{
	struct kvm_vm *vm;
	int n, ret;
	void *mem;

	require_as1();
	n = nr_address_spaces();
	vm = __vm_create_bare();
	vm_enable_dirty_ring_entries(vm, ring_entries());
	vm_mem_region_add(vm, BACKING_ANON, TEST_SLOT, TEST_MEM_BASE_GPA, SLOT_PAGES,
			  KVM_MEM_LOG_DIRTY_PAGES);
	mem = as1_slot_add(vm, TEST_SLOT, TEST_MEM_BASE_GPA, SLOT_PAGES, KVM_MEM_LOG_DIRTY_PAGES);
	ret = __vm_set_user_memory_region(vm, DIRTY_RING_SLOT(n, TEST_SLOT),
					  KVM_MEM_LOG_DIRTY_PAGES, TEST_MEM_BASE_GPA + (2ul << 30),
					  GUEST_PAGE_SIZE, mem);
	TEST_ASSERT(ret == -1 && errno == EINVAL,
		    "a memslot with as_id %d (of %d address spaces): rc %d errno %d, wanted EINVAL",
		    n, n, ret, errno);
	ksft_print_msg("%d address spaces; slot %u logged in both at the same gpa\n", n, TEST_SLOT);
	kvm_vm_free(vm);
	munmap(mem, SLOT_PAGES * GUEST_PAGE_SIZE);
}

/* ---- forged entries naming address space 1 ---- */

static void guest_code(u64 gva)
{
	u64 round, i;

	for (round = 1;; round++) {
		for (i = 0; i < SLOT_PAGES; i++)
			*(volatile u64 *)(gva + i * GUEST_PAGE_SIZE) = round;
		GUEST_SYNC_VALUE(round);
	}
}

struct forgery {
	const char *what;
	u32 as_id;		/* 0: the number of address spaces */
	bool past_end;		/* offset moved past the slot's end */
};

static const struct forgery forgeries[] = {
	{ "slot 1 of address space 1, same offset", 1, false },
	{ "slot 1 of address space 1, offset past its end", 1, true },
	{ "as_id = number of address spaces", 0, false },
};

static bool reported(const struct dirty_entry *log, u32 n, u64 offset)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (log[i].slot == TEST_SLOT && log[i].offset == offset)
			return true;
	return false;
}

static void forge(struct dirty_ring *ring, const struct dirty_entry *log)
{
	u32 g, i, nr_as = nr_address_spaces();

	for (g = 0; g < ARRAY_SIZE(forgeries); g++)
		for (i = g * FORGE_GROUP; i < (g + 1) * FORGE_GROUP; i++) {
			struct kvm_dirty_gfn *e = dirty_ring_entry(ring, log[i].index);
			u32 as_id = forgeries[g].as_id ?: nr_as;

			WRITE_ONCE(e->slot, DIRTY_RING_SLOT(as_id, TEST_SLOT));
			if (forgeries[g].past_end)
				WRITE_ONCE(e->offset, SLOT_PAGES + i);
		}
}

static void test_forged_as1(enum guest_cpl cpl, const void *arg)
{
	u32 forged = ARRAY_SIZE(forgeries) * FORGE_GROUP, n, i;
	struct dirty_entry log[2 * SLOT_PAGES];
	struct host_harm_watch harm;
	struct kvm_vcpu *vcpu;
	struct dirty_ring *ring;
	struct kvm_vm *vm;
	void *as1_mem;

	require_as1();
	host_harm_begin(&harm, NULL, NULL);
	vm = vm_create_logged(cpl, LOG_MODE_RING, ring_entries(), TEST_SLOT, SLOT_PAGES);
	as1_mem = as1_slot_add(vm, TEST_SLOT, TEST_MEM_BASE_GPA, SLOT_PAGES,
			       KVM_MEM_LOG_DIRTY_PAGES);
	vcpu = vm_vcpu_add(vm, 0, guest_code);
	vcpu_args_set(vcpu, 1, TEST_MEM_BASE_GPA);
	ring = vcpu_map_dirty_ring(vcpu);

	TEST_ASSERT_EQ(vcpu_run_expect_ucall(vcpu, UCALL_SYNC), 1);
	n = dirty_ring_harvest(ring, log, ARRAY_SIZE(log));
	TEST_ASSERT_EQ(n, SLOT_PAGES);
	for (i = 0; i < n; i++)
		TEST_ASSERT(log[i].slot == TEST_SLOT && log[i].offset == i,
			    "entry %u: slot %#x offset %lu, wanted slot %#x offset %u",
			    i, log[i].slot, log[i].offset, TEST_SLOT, i);
	forge(ring, log);
	TEST_ASSERT_EQ(vm_reset_dirty_rings(vm), n);
	for (i = 0; i < n; i++)
		TEST_ASSERT_EQ(dirty_ring_entry(ring, log[i].index)->flags, 0);

	TEST_ASSERT_EQ(vcpu_run_expect_ucall(vcpu, UCALL_SYNC), 2);
	n = dirty_ring_harvest(ring, log, ARRAY_SIZE(log));
	for (i = forged; i < SLOT_PAGES; i++)
		TEST_ASSERT(reported(log, n, i),
			    "page %u (an untouched entry of the forged reset) not reported after it",
			    i);
	for (i = 0; i < forged; i++)
		TEST_ASSERT(!reported(log, n, i),
			    "page %u of address space 0 reported again after its entry was rewritten to %s: the reset re-protected the wrong address space",
			    i,
			    forgeries[i / FORGE_GROUP].what);
	for (i = 0; i < n; i++)
		TEST_ASSERT(log[i].slot == TEST_SLOT, "entry %u names slot %#x", i, log[i].slot);
	TEST_ASSERT_EQ(vm_reset_dirty_rings(vm), n);
	ksft_print_msg("reset of %u entries (%u rewritten to address space 1 or beyond) returned %u; "
		       "next round %u entries: the %u untouched pages and none of the rewritten ones\n",
		       SLOT_PAGES, forged, SLOT_PAGES, n, SLOT_PAGES - forged);
	kvm_vm_free(vm);
	munmap(as1_mem, SLOT_PAGES * GUEST_PAGE_SIZE);
	test_case_harm_watch_end(&harm);
}

/* ---- real entries from SMM ---- */

/*
 * The SMI handler, entered in SMM's real-address mode at SMBASE + 0x8000
 * (CS base SMBASE, data segments based at 0 with 4 GiB limits):
 *   addr32 incb SMRAM_GPA + SMRAM_DATA
 *   rsm
 */
static const u8 smi_handler[] = {
	0x67, 0xfe, 0x05,
	(SMRAM_GPA + SMRAM_DATA) & 0xff, ((SMRAM_GPA + SMRAM_DATA) >> 8) & 0xff,
	((SMRAM_GPA + SMRAM_DATA) >> 16) & 0xff, ((SMRAM_GPA + SMRAM_DATA) >> 24) & 0xff,
	0x0f, 0xaa,
};

static void smm_guest_code(void)
{
	GUEST_SYNC_VALUE(1);
	GUEST_SYNC_VALUE(2);
	GUEST_SYNC_VALUE(3);
	GUEST_DONE();
}

static void vcpu_set_smbase(struct kvm_vcpu *vcpu, u64 smbase)
{
	u64 buf[(sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)) / sizeof(u64)] = {};
	struct kvm_msrs *msrs = (struct kvm_msrs *)buf;
	int ret;

	msrs->nmsrs = 1;
	msrs->entries[0].index = MSR_IA32_SMBASE;
	msrs->entries[0].data = smbase;
	ret = ioctl(vcpu->fd, KVM_SET_MSRS, msrs);
	TEST_ASSERT(ret == 1, "KVM_SET_MSRS MSR_IA32_SMBASE = %#lx: rc %d errno %d",
		    smbase, ret, errno);
}

static void smram_slots_add(struct kvm_vm *vm, u8 *smram)
{
	as1_slot_set(vm, SMRAM_DATA_SLOT, SMRAM_GPA, SMRAM_CODE_PAGE, KVM_MEM_LOG_DIRTY_PAGES,
		     smram);
	as1_slot_set(vm, SMRAM_CODE_SLOT, SMRAM_GPA + SMRAM_CODE_PAGE * GUEST_PAGE_SIZE,
		     SMRAM_STATE_PAGE - SMRAM_CODE_PAGE, 0,
		     smram + SMRAM_CODE_PAGE * GUEST_PAGE_SIZE);
	as1_slot_set(vm, SMRAM_STATE_SLOT, SMRAM_GPA + SMRAM_STATE_PAGE * GUEST_PAGE_SIZE, 1,
		     KVM_MEM_LOG_DIRTY_PAGES, smram + SMRAM_STATE_PAGE * GUEST_PAGE_SIZE);
}

/* An SMI at this sync; the guest must resume to the next one. */
static void smi_round(struct kvm_vcpu *vcpu, struct dirty_ring *ring, u64 sync, u8 *smram)
{
	const u32 data_slot = DIRTY_RING_SLOT(1, SMRAM_DATA_SLOT);
	const u32 state_slot = DIRTY_RING_SLOT(1, SMRAM_STATE_SLOT);
	const u64 data_page = SMRAM_DATA / GUEST_PAGE_SIZE;
	struct dirty_entry log[16];
	bool data = false, state = false;
	u32 n, i;

	TEST_ASSERT(!ioctl(vcpu->fd, KVM_SMI, NULL), "KVM_SMI, errno %d", errno);
	TEST_ASSERT_EQ(vcpu_run_expect_ucall(vcpu, UCALL_SYNC), sync + 1);
	TEST_ASSERT_EQ(smram[SMRAM_DATA], sync);
	n = dirty_ring_harvest(ring, log, ARRAY_SIZE(log));
	for (i = 0; i < n; i++) {
		if (log[i].slot == data_slot && log[i].offset == data_page && !data)
			data = true;
		else if (log[i].slot == state_slot && log[i].offset == 0 && !state)
			state = true;
		else
			TEST_FAIL("SMI %lu entry %u: slot %#x offset %lu; only slot %#x offset %lu (the handler's store) and slot %#x offset 0 (KVM's state save), once each, expected",
				  sync, i, log[i].slot, log[i].offset, data_slot, data_page,
				  state_slot);
	}
	TEST_ASSERT(data && state, "SMI %lu: %u entries, the handler's page %s, the state save page %s",
		    sync, n, data ? "seen" : "missing", state ? "seen" : "missing");
	TEST_ASSERT_EQ(vm_reset_dirty_rings(vcpu->vm), n);
	ksft_print_msg("SMI %lu: %u entries with as_id 1 (slot %#x offset %lu, then slot %#x offset %lu), reset %u\n",
		       sync, n, log[0].slot, log[0].offset, log[1].slot, log[1].offset, n);
}

static void test_smm_entries(enum guest_cpl cpl, const void *arg)
{
	struct kvm_vcpu *vcpu;
	struct dirty_ring *ring;
	struct kvm_vm *vm;
	u8 *smram;

	require_as1();
	if (!kvm_check_cap(KVM_CAP_X86_SMM))
		test_skip("no SMM (KVM_CAP_X86_SMM 0)");
	vm = vm_create_cpl(cpl);
	vm_enable_dirty_ring_entries(vm, ring_entries());
	smram = anon_pages(SMRAM_PAGES);
	smram_slots_add(vm, smram);
	memcpy(smram + 0x8000, smi_handler, sizeof(smi_handler));
	vcpu = vm_vcpu_add(vm, 0, smm_guest_code);
	vcpu_set_smbase(vcpu, SMRAM_GPA);
	ring = vcpu_map_dirty_ring(vcpu);

	TEST_ASSERT_EQ(vcpu_run_expect_ucall(vcpu, UCALL_SYNC), 1);
	TEST_ASSERT_EQ(dirty_ring_occupancy(ring), 0);
	smi_round(vcpu, ring, 1, smram);
	smi_round(vcpu, ring, 2, smram);
	vcpu_run_expect_ucall(vcpu, UCALL_DONE);
	kvm_vm_free(vm);
	munmap(smram, SMRAM_PAGES * GUEST_PAGE_SIZE);
}

static const struct test_case cases[] = {
	{ .name = "as1_memslots_logged", .run = test_as1_memslots, .ring_caps = true },
	{ .name = "forged_entries_name_as1", .run = test_forged_as1, .guest = true,
	  .ring_caps = true },
	{ .name = "smm_writes_pushed_as1", .run = test_smm_entries, .guest = true,
	  .ring_caps = true },
};

static void help(const char *prog)
{
	printf("usage: %s [-g cpl0|cpl3|all]\n"
	       "Checks dirty ring entries of address space 1 (SMM): memslots, forged entries,\n"
	       "real entries from an SMI handler.\n"
	       TEST_COMMON_USAGE, prog);
}

int main(int argc, char *argv[])
{
	unsigned int cpl_mask = test_parse_common_args(argc, argv, help);

	kvm_require_dirty_ring(0);

	run_test_cases(cases, ARRAY_SIZE(cases), cpl_mask, TEST_CASE_TIMEOUT_S);
}
