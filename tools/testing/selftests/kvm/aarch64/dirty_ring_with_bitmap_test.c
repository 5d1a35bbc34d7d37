// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_ring_with_bitmap_test: arm64's ring, which comes with a bitmap.
 *
 * arm64 KVM offers the dirty ring only with acquire/release ordering
 * (KVM_CAP_DIRTY_LOG_RING_ACQ_REL; the plain cap is refused), and it can
 * dirty guest memory without a vCPU: the vGIC ITS writes its tables into
 * guest memory when userspace asks it to save them.  Such pages have no
 * ring to go to, so KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP gives every logged
 * memslot a bitmap beside the rings.  Checked here:
 *   - the plain ring cap is not offered and cannot be enabled;
 *   - WITH_BITMAP is offered, and its enabling rules: refused before a
 *     ring, allowed after it before any memslot (with or without vCPUs),
 *     refused once a memslot exists;
 *   - KVM_GET_DIRTY_LOG on a ring VM: refused (ENXIO) without the bitmap,
 *     allowed with it;
 *   - guest stores go to the ring and not to the bitmap, with each 4 KiB
 *     page reported once even in a slot backed by transparent huge pages;
 *   - pages the ITS writes (KVM_DEV_ARM_ITS_SAVE_TABLES) appear in the
 *     bitmap and in no ring, and the bitmap plus the rings cover every
 *     page dirtied (a vGIC v3 with an ITS; the case skips where KVM cannot
 *     create one).
 */
#include <sys/mman.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_case.h"
#include "ucall.h"

#define TEST_SLOT		1
#define TEST_SLOT_PAGES		64
#define THP_PAGES		1024	/* two 2 MiB huge pages */
#define RING_ENTRIES		1024	/* above every store of a case */

/* vGIC v3 and ITS frames: between the system slot (below 128 MiB) and test memory. */
#define GICD_GPA		0x10000000ul
#define GICR_GPA		0x10100000ul	/* 128 KiB per vCPU */
#define GITS_GPA		0x10200000ul
#define GITS_BASER_OFFSET	0x100
#define GITS_BASER_VALID	(1ul << 63)
#define GITS_BASER_ADDR_MASK	0x0000fffffffff000ul
#define BASER_COLLECTIONS	1		/* KVM's ITS: BASER0 devices, BASER1 collections */
/*
 * The page of the slot that holds the collection table: 64 KiB aligned, as
 * KVM reads the BASER's address with 64 KiB ITS pages (bits 15:12 are PA
 * bits 51:48 there).
 */
#define COLL_TABLE_PAGE		16

static const u64 store_pages[] = { 0, 3, 17, 63, 40 };
static const u64 thp_pages[] = { 0, 1, 511, 512, 513, 1023, 700 };

static void guest_stores(u64 base, u64 nr, const u64 *pages)
{
	u64 i;

	for (i = 0; i < nr; i++)
		*(volatile u64 *)(base + pages[i] * GUEST_PAGE_SIZE) = i + 1;
	GUEST_SYNC_VALUE(nr);
	GUEST_DONE();
}

static u32 ring_entries(void)
{
	u32 min = kvm_dirty_ring_min_bytes(true) / DIRTY_GFN_SIZE;

	return min > RING_ENTRIES ? min : RING_ENTRIES;
}

static void enable_ring(struct kvm_vm *vm)
{
	vm_enable_dirty_ring_cap(vm, ring_entries(), true);
}

static int __enable_with_bitmap(struct kvm_vm *vm)
{
	return __vm_enable_cap(vm, KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP, 0);
}

static void expect_with_bitmap_refused(struct kvm_vm *vm, const char *when)
{
	int ret = __enable_with_bitmap(vm);

	TEST_ASSERT(ret == -1 && errno == EINVAL,
		    "enabling DIRTY_LOG_RING_WITH_BITMAP %s: rc %d errno %d, wanted EINVAL",
		    when, ret, errno);
}

static void test_plain_cap_refused(enum guest_cpl cpl, const void *arg)
{
	struct kvm_vm *vm = __vm_create_bare();
	int ret;

	TEST_ASSERT_EQ(kvm_check_cap(KVM_CAP_DIRTY_LOG_RING), 0);
	TEST_ASSERT_EQ(vm_check_cap(vm, KVM_CAP_DIRTY_LOG_RING), 0);
	ret = __vm_enable_dirty_ring(vm, kvm_dirty_ring_min_bytes(true), false);
	TEST_ASSERT(ret == -1 && errno == EINVAL,
		    "enabling KVM_CAP_DIRTY_LOG_RING: rc %d errno %d, wanted EINVAL", ret, errno);
	kvm_vm_free(vm);
}

static void test_enable_rules(enum guest_cpl cpl, const void *arg)
{
	struct kvm_vm *vm = __vm_create_bare();

	TEST_ASSERT(kvm_check_cap(KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP) > 0 &&
		    vm_check_cap(vm, KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP) > 0,
		    "arm64 KVM with the ACQ_REL ring does not offer WITH_BITMAP");
	expect_with_bitmap_refused(vm, "before the ring");
	enable_ring(vm);
	TEST_ASSERT(!__enable_with_bitmap(vm), "enabling WITH_BITMAP after the ring, errno %d",
		    errno);
	kvm_vm_free(vm);

	/* after vCPUs, before memslots: allowed */
	vm = __vm_create_bare();
	enable_ring(vm);
	vm_vcpu_add(vm, 0, NULL);
	TEST_ASSERT(!__enable_with_bitmap(vm),
		    "enabling WITH_BITMAP after a vCPU, before memslots, errno %d", errno);
	kvm_vm_free(vm);

	/* once a memslot exists, logged or not: refused */
	vm = __vm_create_bare();
	enable_ring(vm);
	vm_mem_region_add(vm, BACKING_ANON, TEST_SLOT, TEST_MEM_BASE_GPA, TEST_SLOT_PAGES, 0);
	expect_with_bitmap_refused(vm, "after a memslot");
	kvm_vm_free(vm);
}

static void test_get_dirty_log(enum guest_cpl cpl, const void *arg)
{
	unsigned long *bitmap = bitmap_alloc(TEST_SLOT_PAGES);
	struct kvm_vm *vm = __vm_create_bare();
	int ret;

	enable_ring(vm);
	vm_mem_region_add(vm, BACKING_ANON, TEST_SLOT, TEST_MEM_BASE_GPA, TEST_SLOT_PAGES,
			  KVM_MEM_LOG_DIRTY_PAGES);
	ret = __vm_get_dirty_log(vm, TEST_SLOT, bitmap);
	TEST_ASSERT(ret == -1 && errno == ENXIO,
		    "KVM_GET_DIRTY_LOG on a ring VM without the bitmap: rc %d errno %d, wanted ENXIO",
		    ret, errno);
	kvm_vm_free(vm);

	vm = __vm_create_bare();
	enable_ring(vm);
	TEST_ASSERT(!__enable_with_bitmap(vm), "enabling WITH_BITMAP, errno %d", errno);
	vm_mem_region_add(vm, BACKING_ANON, TEST_SLOT, TEST_MEM_BASE_GPA, TEST_SLOT_PAGES,
			  KVM_MEM_LOG_DIRTY_PAGES);
	vm_get_dirty_log(vm, TEST_SLOT, bitmap);
	TEST_ASSERT_EQ(bitmap_weight(bitmap, TEST_SLOT_PAGES), 0);
	kvm_vm_free(vm);
	free(bitmap);
}

/* A ring VM with the bitmap, its system slot and image, one vCPU with a mapped ring. */
static struct kvm_vm *ring_bitmap_vm(enum guest_cpl cpl, struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = __vm_create_bare();

	enable_ring(vm);
	TEST_ASSERT(!__enable_with_bitmap(vm), "enabling WITH_BITMAP, errno %d", errno);
	vm_add_system(vm, cpl);
	*vcpu = vm_vcpu_add(vm, 0, guest_stores);
	vcpu_map_dirty_ring(*vcpu);
	return vm;
}

/* Harvest the ring; require exactly these pages of TEST_SLOT, in order. */
static void expect_ring(struct kvm_vcpu *vcpu, const u64 *pages, u32 n)
{
	struct dirty_entry got[RING_ENTRIES];
	u32 nr = dirty_ring_harvest(&vcpu->ring, got, ARRAY_SIZE(got)), i;

	for (i = 0; nr != n && i < nr && i < 16; i++)
		ksft_print_msg("[%s] harvested entry %u: slot %#x offset %lu\n", test_context(), i,
			       got[i].slot, got[i].offset);
	TEST_ASSERT(nr == n, "harvested %u entries, expected %u", nr, n);
	for (i = 0; i < n; i++)
		TEST_ASSERT(got[i].slot == TEST_SLOT && got[i].offset == pages[i],
			    "entry %u: slot %#x offset %lu, expected slot %#x offset %lu",
			    i, got[i].slot, got[i].offset, TEST_SLOT, pages[i]);
	TEST_ASSERT_EQ(vm_reset_dirty_rings(vcpu->vm), n);
}

static void run_stores(struct kvm_vm *vm, struct kvm_vcpu *vcpu, const u64 *pages, u64 nr)
{
	vcpu_args_set(vcpu, 3, TEST_MEM_BASE_GPA, nr, (u64)pages);
	TEST_ASSERT_EQ(vcpu_run_expect_ucall(vcpu, UCALL_SYNC), nr);
}

static void test_stores_in_ring_only(enum guest_cpl cpl, const void *arg)
{
	unsigned long *bitmap = bitmap_alloc(TEST_SLOT_PAGES);
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ring_bitmap_vm(cpl, &vcpu);

	vm_mem_region_add(vm, BACKING_ANON, TEST_SLOT, TEST_MEM_BASE_GPA, TEST_SLOT_PAGES,
			  KVM_MEM_LOG_DIRTY_PAGES);
	virt_map(vm, TEST_MEM_BASE_GPA, TEST_MEM_BASE_GPA, TEST_SLOT_PAGES);
	run_stores(vm, vcpu, store_pages, ARRAY_SIZE(store_pages));
	expect_ring(vcpu, store_pages, ARRAY_SIZE(store_pages));
	vm_get_dirty_log(vm, TEST_SLOT, bitmap);
	TEST_ASSERT(!bitmap_weight(bitmap, TEST_SLOT_PAGES),
		    "%lu pages in the bitmap after guest stores: they belong in the ring",
		    bitmap_weight(bitmap, TEST_SLOT_PAGES));
	vcpu_run_expect_ucall(vcpu, UCALL_DONE);
	kvm_vm_free(vm);
	free(bitmap);
}

static void test_thp_per_4k(enum guest_cpl cpl, const void *arg)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ring_bitmap_vm(cpl, &vcpu);
	void *hva;

	vm_mem_region_add(vm, BACKING_ANON_THP, TEST_SLOT, TEST_MEM_BASE_GPA, THP_PAGES,
			  KVM_MEM_LOG_DIRTY_PAGES);
	virt_map(vm, TEST_MEM_BASE_GPA, TEST_MEM_BASE_GPA, THP_PAGES);
	hva = addr_gpa2hva(vm, TEST_MEM_BASE_GPA);
	/* populate before the guest runs, so that the host has the chance to use huge pages */
	memset(hva, 0, THP_PAGES * GUEST_PAGE_SIZE);
	run_stores(vm, vcpu, thp_pages, ARRAY_SIZE(thp_pages));
	expect_ring(vcpu, thp_pages, ARRAY_SIZE(thp_pages));
	kvm_vm_free(vm);
}

/* ---- the ITS ---- */

static int create_device(struct kvm_vm *vm, u32 type)
{
	struct kvm_create_device cd = { .type = type };

	if (__vm_ioctl(vm, KVM_CREATE_DEVICE, &cd))
		return -1;
	return cd.fd;
}

static void device_attr(int fd, u32 group, u64 attr, void *val, const char *what)
{
	struct kvm_device_attr a = { .group = group, .attr = attr, .addr = (u64)val };

	TEST_ASSERT(!ioctl(fd, KVM_SET_DEVICE_ATTR, &a), "KVM_SET_DEVICE_ATTR %s failed", what);
}

/* A vGIC v3 with an ITS whose collection table is at page COLL_TABLE_PAGE of TEST_SLOT. */
static int vgic_its_setup(struct kvm_vm *vm)
{
	u64 gicd = GICD_GPA, gicr = GICR_GPA, gits = GITS_GPA;
	u64 table = TEST_MEM_BASE_GPA + COLL_TABLE_PAGE * GUEST_PAGE_SIZE;
	u64 baser = GITS_BASER_VALID | (table & GITS_BASER_ADDR_MASK);
	int gic, its;

	gic = create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V3);
	if (gic < 0)
		test_skip("KVM cannot create a vGIC v3 (errno %d)", errno);
	device_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &gicd, "GICD");
	device_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST, &gicr, "GICR");
	its = create_device(vm, KVM_DEV_TYPE_ARM_VGIC_ITS);
	if (its < 0)
		test_skip("KVM cannot create a vGIC ITS (errno %d)", errno);
	device_attr(its, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE, &gits, "ITS base");
	device_attr(gic, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL, "vGIC init");
	device_attr(its, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL, "ITS init");
	device_attr(its, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, GITS_BASER_OFFSET + 8 * BASER_COLLECTIONS,
		    &baser, "GITS_BASER1 (collection table)");
	return its;
}

static void test_its_save_in_bitmap(enum guest_cpl cpl, const void *arg)
{
	unsigned long *bitmap = bitmap_alloc(TEST_SLOT_PAGES);
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ring_bitmap_vm(cpl, &vcpu);
	struct dirty_entry got[RING_ENTRIES];
	u64 *table;
	u32 nr, i;
	int its;

	vm_mem_region_add(vm, BACKING_ANON, TEST_SLOT, TEST_MEM_BASE_GPA, TEST_SLOT_PAGES,
			  KVM_MEM_LOG_DIRTY_PAGES);
	virt_map(vm, TEST_MEM_BASE_GPA, TEST_MEM_BASE_GPA, TEST_SLOT_PAGES);
	its = vgic_its_setup(vm);
	table = addr_gpa2hva(vm, TEST_MEM_BASE_GPA + COLL_TABLE_PAGE * GUEST_PAGE_SIZE);
	table[0] = ~0ull;	/* the save writes an empty collection table: a zero terminator */

	/* guest stores first: the ring's, then the ITS save: the bitmap's */
	run_stores(vm, vcpu, store_pages, ARRAY_SIZE(store_pages));
	device_attr(its, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_SAVE_TABLES, NULL,
		    "KVM_DEV_ARM_ITS_SAVE_TABLES");
	TEST_ASSERT(table[0] == 0, "the ITS save left the collection table's first entry %#lx",
		    table[0]);

	expect_ring(vcpu, store_pages, ARRAY_SIZE(store_pages));
	vm_get_dirty_log(vm, TEST_SLOT, bitmap);
	for (i = 0; i < TEST_SLOT_PAGES; i++)
		TEST_ASSERT(bitmap_test_bit(bitmap, i) == (i == COLL_TABLE_PAGE),
			    "bitmap page %u: %s, wanted %s (the ITS wrote page %u only)", i,
			    bitmap_test_bit(bitmap, i) ? "dirty" : "clean",
			    i == COLL_TABLE_PAGE ? "dirty" : "clean", COLL_TABLE_PAGE);
	nr = dirty_ring_harvest(&vcpu->ring, got, ARRAY_SIZE(got));
	TEST_ASSERT(!nr, "%u ring entries after the ITS save (first: slot %#x offset %lu)", nr,
		    nr ? got[0].slot : 0, nr ? got[0].offset : 0);
	vcpu_run_expect_ucall(vcpu, UCALL_DONE);
	close(its);
	kvm_vm_free(vm);
	free(bitmap);
}

static const struct test_case cases[] = {
	{ .name = "plain_ring_cap_refused", .run = test_plain_cap_refused },
	{ .name = "with_bitmap_enable_rules", .run = test_enable_rules },
	{ .name = "get_dirty_log_needs_bitmap", .run = test_get_dirty_log },
	{ .name = "guest_stores_in_ring_not_bitmap", .run = test_stores_in_ring_only,
	  .guest = true },
	{ .name = "thp_reported_per_4k_page_with_bitmap", .run = test_thp_per_4k, .guest = true },
	{ .name = "its_save_in_bitmap_not_ring", .run = test_its_save_in_bitmap, .guest = true },
};

static void help(const char *prog)
{
	printf("usage: %s [-g el1|el0|all]\n"
	       "Checks arm64's ring: ACQ_REL only, and KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP\n"
	       "(its enabling rules, KVM_GET_DIRTY_LOG, ITS table saves in the bitmap).\n"
	       TEST_COMMON_USAGE, prog);
}

int main(int argc, char *argv[])
{
	unsigned int cpl_mask = test_parse_common_args(argc, argv, help);

	close(open_kvm_dev_path_or_exit());
	TEST_REQUIRE(kvm_dirty_ring_max_bytes(true) > 0);
	run_test_cases(cases, ARRAY_SIZE(cases), cpl_mask, TEST_CASE_TIMEOUT_S);
}
