// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_ring_abi_test: the userspace ABI of KVM's dirty ring, one case per
 * property.
 *
 * - KVM_CAP_DIRTY_LOG_RING(_ACQ_REL) report a power-of-two maximum in bytes;
 *   enabling rejects 0, a non-power of two, less than a page or than the
 *   reserved entries (EINVAL), more than the maximum (E2BIG), a second
 *   enable, and an enable after a vCPU exists (EINVAL); the maximum itself
 *   is accepted and maps, empty;
 * - the ring maps shared at KVM_DIRTY_LOG_PAGE_OFFSET of the vCPU fd, and a
 *   private or executable mapping is refused;
 * - a ring VM refuses the bitmap interface (ENXIO) and resets its rings
 *   (0 when nothing was harvested); a VM without a ring refuses the reset;
 * - a guest that writes a few known pages of a dirty-logged slot gets exactly
 *   those pages pushed, in first-write order, with the right slot and offset
 *   and flags DIRTY; the reset returns the number harvested and zeroes the
 *   flags of those entries.
 *
 * Every case that enables a ring runs once with KVM_CAP_DIRTY_LOG_RING and
 * once with KVM_CAP_DIRTY_LOG_RING_ACQ_REL (test_case.h); a plain ring
 * after an ACQ_REL one is refused.
 *
 * These are the contract every VMM harvester relies on; they guard the
 * checks in kvm_vm_ioctl_enable_dirty_log_ring(), kvm_vcpu_mmap() and
 * kvm_dirty_ring_reset().
 */
#include <sys/mman.h>
#include <unistd.h>

#include "dirty_log.h"
#include "dirty_ring.h"
#include "kvm_util.h"
#include "test_case.h"
#include "ucall.h"

#define TEST_SLOT		1
#define TEST_SLOT_PAGES		64
#define TEST_RING_ENTRIES_MIN	256

/* Pages the guest writes, in this order (offsets in the test slot). */
static const u64 guest_pages[] = { 7, 0, 63, 20, 3, 8 };

static void guest_code(u64 base)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(guest_pages); i++)
		*(volatile u64 *)(base + guest_pages[i] * GUEST_PAGE_SIZE) = i + 1;
	GUEST_SYNC_VALUE(ARRAY_SIZE(guest_pages));
	GUEST_DONE();
}

static bool have_acq_rel(void)
{
	return kvm_dirty_ring_max_bytes(true) > 0;
}

/* The ring cases run once per cap (test_case.h): these use the case's. */
static u32 ring_max_bytes(void)
{
	return kvm_dirty_ring_max_bytes(dirty_ring_cap_acq_rel());
}

static void expect_enable_errno(struct kvm_vm *vm, u64 bytes, int want_errno)
{
	int ret = __vm_enable_dirty_ring(vm, bytes, dirty_ring_cap_acq_rel());

	TEST_ASSERT(ret == -1 && errno == want_errno,
		    "enabling a ring of %lu bytes: rc %d errno %d (%s), wanted errno %d (%s)",
		    bytes, ret, errno, strerror(errno), want_errno, strerror(want_errno));
}

static u64 smallest_ring_bytes(void)
{
	return kvm_dirty_ring_min_bytes(dirty_ring_cap_acq_rel());
}

static void test_cap_reports_max(enum guest_cpl cpl, const void *arg)
{
	int plain = kvm_dirty_ring_max_bytes(false);
	int acq_rel = kvm_dirty_ring_max_bytes(true);
	int max = plain > 0 ? plain : acq_rel;

	TEST_ASSERT(IS_POWER_OF_2(max) && max >= sysconf(_SC_PAGESIZE),
		    "ring cap reports %d bytes, not a power of two of at least a page", max);
	TEST_ASSERT(!plain || !acq_rel || plain == acq_rel,
		    "DIRTY_LOG_RING reports %d bytes, ACQ_REL %d", plain, acq_rel);
	ksft_print_msg("max ring %d bytes (%d entries), plain cap %d, ACQ_REL cap %d\n",
		       max, max / (int)DIRTY_GFN_SIZE, plain, acq_rel);
}

static void test_enable_rejects_bad_sizes(enum guest_cpl cpl, const void *arg)
{
	struct kvm_vm *vm = __vm_create_bare();
	u64 page = sysconf(_SC_PAGESIZE), smallest;

	expect_enable_errno(vm, 0, EINVAL);
	expect_enable_errno(vm, 3 * page, EINVAL);
	expect_enable_errno(vm, page / 2, EINVAL);
	expect_enable_errno(vm, 2ull * ring_max_bytes(), E2BIG);
	kvm_vm_free(vm);

	smallest = smallest_ring_bytes();
	if (smallest > page) {
		vm = __vm_create_bare();
		expect_enable_errno(vm, smallest / 2, EINVAL);
		kvm_vm_free(vm);
	}
	/* KVM reserves entries for the exit path: the smallest ring must hold them. */
	ksft_print_msg("smallest accepted ring: %lu bytes (%lu entries)\n",
		       smallest, smallest / DIRTY_GFN_SIZE);
}

static void test_largest_ring_maps(enum guest_cpl cpl, const void *arg)
{
	struct kvm_vm *vm = __vm_create_bare();
	u32 entries = ring_max_bytes() / DIRTY_GFN_SIZE;
	struct dirty_ring *ring;

	vm_enable_dirty_ring_entries(vm, entries);
	ring = vcpu_map_dirty_ring(vm_vcpu_add(vm, 0, NULL));
	TEST_ASSERT_EQ(ring->size, entries);
	TEST_ASSERT_EQ(dirty_ring_entry(ring, 0)->flags, 0);
	TEST_ASSERT_EQ(dirty_ring_entry(ring, entries - 1)->flags, 0);
	TEST_ASSERT_EQ(vm_reset_dirty_rings(vm), 0);
	kvm_vm_free(vm);
}

static void test_enable_once_before_vcpus(enum guest_cpl cpl, const void *arg)
{
	struct kvm_vm *vm = __vm_create_bare();
	u64 bytes = smallest_ring_bytes();

	TEST_ASSERT_EQ(__vm_enable_dirty_ring(vm, bytes, dirty_ring_cap_acq_rel()), 0);
	expect_enable_errno(vm, bytes, EINVAL);
	expect_enable_errno(vm, bytes * 2, EINVAL);
	kvm_vm_free(vm);

	vm = __vm_create_bare();
	vm_vcpu_add(vm, 0, NULL);
	expect_enable_errno(vm, bytes, EINVAL);
	kvm_vm_free(vm);
}

static void test_acq_rel_excludes_plain(enum guest_cpl cpl, const void *arg)
{
	struct kvm_vm *vm;
	u64 bytes;
	int ret;

	TEST_REQUIRE(have_acq_rel());
	TEST_REQUIRE(kvm_dirty_ring_max_bytes(false) > 0);
	bytes = smallest_ring_bytes();
	vm = __vm_create_bare();
	TEST_ASSERT_EQ(__vm_enable_dirty_ring(vm, bytes, true), 0);
	ret = __vm_enable_dirty_ring(vm, bytes, false);
	TEST_ASSERT(ret == -1 && errno == EINVAL,
		    "plain ring after ACQ_REL: rc %d errno %d, wanted EINVAL", ret, errno);
	kvm_vm_free(vm);
}

/*
 * A ring and a vCPU on a bare VM (no guest code, no memslot), not
 * vm_create_logged(): these cases check the ring's ABI on a VM that holds
 * nothing else.
 */
static struct kvm_vcpu *ring_vm_vcpu(struct kvm_vm *vm, void *guest_code)
{
	vm_enable_dirty_ring_entries(vm, dirty_ring_min_entries());
	return vm_vcpu_add(vm, 0, guest_code);
}

static void test_mmap_rules(enum guest_cpl cpl, const void *arg)
{
	struct kvm_vm *vm = __vm_create_bare();
	struct kvm_vcpu *vcpu = ring_vm_vcpu(vm, NULL);
	struct kvm_dirty_gfn *gfns;
	void *map;

	gfns = __vcpu_mmap_dirty_ring(vcpu, PROT_READ | PROT_WRITE, MAP_SHARED);
	TEST_ASSERT(gfns != MAP_FAILED, "shared mapping of the ring refused");
	TEST_ASSERT_EQ(gfns[0].flags, 0);
	munmap(gfns, vm->dirty_ring_entries * DIRTY_GFN_SIZE);

	map = __vcpu_mmap_dirty_ring(vcpu, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	TEST_ASSERT(map == MAP_FAILED && errno == EINVAL,
		    "private mapping of the ring: %p errno %d, wanted EINVAL", map, errno);

	map = __vcpu_mmap_dirty_ring(vcpu, PROT_READ | PROT_EXEC, MAP_SHARED);
	TEST_ASSERT(map == MAP_FAILED && (errno == EINVAL || errno == EPERM),
		    "executable mapping of the ring: %p errno %d, wanted EINVAL or EPERM",
		    map, errno);
	ksft_print_msg("executable mapping refused with %s (%s)\n",
		       errno == EINVAL ? "EINVAL" : "EPERM",
		       errno == EINVAL ? "by KVM" : "by the noexec rule, before KVM");
	kvm_vm_free(vm);
}

static void test_bitmap_refused_on_ring_vm(enum guest_cpl cpl, const void *arg)
{
	struct kvm_vm *vm = __vm_create_bare();
	unsigned long *bitmap = bitmap_alloc(TEST_SLOT_PAGES);
	int ret;

	ring_vm_vcpu(vm, NULL);
	vm_mem_region_add(vm, BACKING_ANON, TEST_SLOT, TEST_MEM_BASE_GPA, TEST_SLOT_PAGES,
			  KVM_MEM_LOG_DIRTY_PAGES);
	ret = __vm_get_dirty_log(vm, TEST_SLOT, bitmap);
	TEST_ASSERT(ret == -1 && errno == ENXIO,
		    "KVM_GET_DIRTY_LOG on a ring VM: rc %d errno %d, wanted ENXIO", ret, errno);
	ret = __vm_clear_dirty_log(vm, TEST_SLOT, bitmap, 0, 64);
	TEST_ASSERT(ret == -1 && errno == ENXIO,
		    "KVM_CLEAR_DIRTY_LOG on a ring VM: rc %d errno %d, wanted ENXIO", ret, errno);
	free(bitmap);
	kvm_vm_free(vm);
}

static void test_reset_empty_and_without_ring(enum guest_cpl cpl, const void *arg)
{
	struct kvm_vm *vm = __vm_create_bare();
	int ret;

	ret = __vm_reset_dirty_rings(vm);
	TEST_ASSERT(ret == -1 && errno == EINVAL,
		    "KVM_RESET_DIRTY_RINGS without a ring: rc %d errno %d, wanted EINVAL", ret,
		    errno);
	kvm_vm_free(vm);

	vm = __vm_create_bare();
	ring_vm_vcpu(vm, NULL);
	TEST_ASSERT_EQ(vm_reset_dirty_rings(vm), 0);
	kvm_vm_free(vm);
}

static void check_harvest(struct dirty_ring *ring, const struct dirty_entry *got, u32 n)
{
	u32 i;

	TEST_ASSERT_EQ(n, ARRAY_SIZE(guest_pages));
	for (i = 0; i < n; i++) {
		TEST_ASSERT(got[i].slot == DIRTY_RING_SLOT(0, TEST_SLOT) &&
			    got[i].offset == guest_pages[i] && got[i].index == i,
			    "entry %u: slot %#x offset %lu, wanted slot %#x offset %lu",
			    i, got[i].slot, got[i].offset, DIRTY_RING_SLOT(0, TEST_SLOT),
			    guest_pages[i]);
		TEST_ASSERT_EQ(dirty_ring_entry(ring, i)->flags, KVM_DIRTY_GFN_F_RESET);
	}
	TEST_ASSERT_EQ(dirty_ring_entry(ring, n)->flags, 0);
}

static void test_harvest_known_pages(enum guest_cpl cpl, const void *arg)
{
	struct kvm_vm *vm = vm_create_logged(cpl, LOG_MODE_RING, dirty_ring_min_entries(),
					     TEST_SLOT, TEST_SLOT_PAGES);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_code);
	struct dirty_entry got[TEST_RING_ENTRIES_MIN];
	struct dirty_ring *ring;
	u32 n, i;

	vcpu_args_set(vcpu, 1, TEST_MEM_BASE_GPA);
	ring = vcpu_map_dirty_ring(vcpu);

	TEST_ASSERT_EQ(vcpu_run_expect_ucall(vcpu, UCALL_SYNC), ARRAY_SIZE(guest_pages));
	n = dirty_ring_harvest(ring, got, ARRAY_SIZE(got));
	check_harvest(ring, got, n);
	TEST_ASSERT_EQ(vm_reset_dirty_rings(vm), n);
	for (i = 0; i < n; i++)
		TEST_ASSERT_EQ(dirty_ring_entry(ring, i)->flags, 0);
	TEST_ASSERT_EQ(vm_reset_dirty_rings(vm), 0);

	vcpu_run_expect_ucall(vcpu, UCALL_DONE);
	kvm_vm_free(vm);
}

static const struct test_case cases[] = {
	{ .name = "cap_reports_power_of_two_max", .run = test_cap_reports_max },
	{ .name = "enable_rejects_bad_sizes", .run = test_enable_rejects_bad_sizes,
	  .ring_caps = true },
	{ .name = "largest_ring_maps", .run = test_largest_ring_maps, .ring_caps = true },
	{ .name = "enable_once_before_vcpus", .run = test_enable_once_before_vcpus,
	  .ring_caps = true },
	{ .name = "acq_rel_excludes_plain", .run = test_acq_rel_excludes_plain },
	{ .name = "mmap_shared_only_not_exec", .run = test_mmap_rules, .ring_caps = true },
	{ .name = "bitmap_log_refused_enxio", .run = test_bitmap_refused_on_ring_vm,
	  .ring_caps = true },
	{ .name = "reset_empty_and_without_ring", .run = test_reset_empty_and_without_ring,
	  .ring_caps = true },
	{ .name = "harvest_known_pages", .run = test_harvest_known_pages, .guest = true,
	  .ring_caps = true },
};

static void help(const char *prog)
{
	printf("usage: %s [-g cpl0|cpl3|all]\n"
	       "Checks the dirty ring's userspace ABI, one KTAP line per property.\n"
	       TEST_COMMON_USAGE, prog);
}

int main(int argc, char *argv[])
{
	unsigned int cpl_mask = test_parse_common_args(argc, argv, help);

	close(open_kvm_dev_path_or_exit());
	TEST_REQUIRE(kvm_dirty_ring_max_bytes(false) > 0 || kvm_dirty_ring_max_bytes(true) > 0);

	run_test_cases(cases, ARRAY_SIZE(cases), cpl_mask, TEST_CASE_TIMEOUT_S);
}
