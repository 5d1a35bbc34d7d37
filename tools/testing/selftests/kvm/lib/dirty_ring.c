// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dirty-ring and dirty-bitmap ioctls (see dirty_ring.h).
 */
#include <sys/mman.h>
#include <unistd.h>

#include "dirty_ring.h"
#include "kvm_util.h"

static u32 ring_cap(bool acq_rel)
{
	return acq_rel ? KVM_CAP_DIRTY_LOG_RING_ACQ_REL : KVM_CAP_DIRTY_LOG_RING;
}

const char *dirty_ring_cap_name(bool acq_rel)
{
	return acq_rel ? "KVM_CAP_DIRTY_LOG_RING_ACQ_REL" : "KVM_CAP_DIRTY_LOG_RING";
}

int kvm_dirty_ring_max_bytes(bool acq_rel)
{
	return kvm_check_cap(ring_cap(acq_rel));
}

/* The running case's ring cap, once a case selected one; see dirty_ring.h. */
static struct {
	bool selected;
	bool acq_rel;
	u32 enabled;	/* rings KVM_ENABLE_CAP enabled with the case's cap */
} case_cap;

void dirty_ring_cap_select(bool acq_rel)
{
	case_cap.selected = true;
	case_cap.acq_rel = acq_rel;
	case_cap.enabled = 0;
}

bool dirty_ring_cap_acq_rel(void)
{
	static int acq_rel_only = -1;

	if (case_cap.selected)
		return case_cap.acq_rel;
	/* Outside a ring case: the plain cap, or ACQ_REL where it is the only one (arm64). */
	if (acq_rel_only < 0)
		acq_rel_only = !kvm_dirty_ring_max_bytes(false) && kvm_dirty_ring_max_bytes(true);
	return acq_rel_only;
}

/* Every cap KVM_ENABLE_CAP accepts passes here: the ring caps are checked. */
static void dirty_ring_cap_enabled(struct kvm_vm *vm, u32 cap)
{
	if (cap != KVM_CAP_DIRTY_LOG_RING && cap != KVM_CAP_DIRTY_LOG_RING_ACQ_REL)
		return;
	vm->dirty_ring_cap = cap;
	if (!case_cap.selected)
		return;
	TEST_ASSERT(cap == ring_cap(case_cap.acq_rel),
		    "a case of %s: KVM_ENABLE_CAP enabled a ring with %s",
		    dirty_ring_cap_name(case_cap.acq_rel),
		    dirty_ring_cap_name(cap == KVM_CAP_DIRTY_LOG_RING_ACQ_REL));
	case_cap.enabled++;
}

static void __attribute__((constructor)) dirty_ring_observe_caps(void)
{
	vm_enable_cap_observe(dirty_ring_cap_enabled);
}

void dirty_ring_assert_cap_used(void)
{
	TEST_ASSERT(case_cap.enabled, "a case of %s: KVM_ENABLE_CAP never enabled a ring with it",
		    dirty_ring_cap_name(case_cap.acq_rel));
}

u32 dirty_ring_min_entries(void)
{
	return kvm_dirty_ring_min_bytes(dirty_ring_cap_acq_rel()) / DIRTY_GFN_SIZE;
}

u32 dirty_ring_max_entries(void)
{
	return kvm_dirty_ring_max_bytes(dirty_ring_cap_acq_rel()) / DIRTY_GFN_SIZE;
}

void kvm_require_dirty_ring(u32 min_entries)
{
	u64 max;

	close(open_kvm_dev_path_or_exit());
	/*
	 * Either cap will do: a ring case runs once per cap and skips the one
	 * KVM lacks (arm64 offers only KVM_CAP_DIRTY_LOG_RING_ACQ_REL).
	 */
	max = kvm_dirty_ring_max_bytes(false);
	if ((u64)kvm_dirty_ring_max_bytes(true) > max)
		max = kvm_dirty_ring_max_bytes(true);
	if (!max)
		test_skip("KVM offers neither KVM_CAP_DIRTY_LOG_RING nor KVM_CAP_DIRTY_LOG_RING_ACQ_REL");
	if (max < (u64)min_entries * DIRTY_GFN_SIZE)
		test_skip("KVM's ring caps offer rings of up to %lu entries, %u needed",
			  max / DIRTY_GFN_SIZE, min_entries);
}

int __vm_enable_dirty_ring(struct kvm_vm *vm, u64 bytes, bool acq_rel)
{
	return __vm_enable_cap(vm, ring_cap(acq_rel), bytes);
}

u64 kvm_dirty_ring_min_bytes(bool acq_rel)
{
	u64 max = kvm_dirty_ring_max_bytes(acq_rel), bytes;

	for (bytes = sysconf(_SC_PAGESIZE); bytes <= max; bytes *= 2) {
		struct kvm_vm *vm = __vm_create_bare();
		int ret = __vm_enable_dirty_ring(vm, bytes, acq_rel);
		int err = errno;

		kvm_vm_free(vm);
		if (!ret)
			return bytes;
		TEST_ASSERT(err == EINVAL, "enabling a ring of %lu bytes: errno %d, wanted EINVAL",
			    bytes, err);
	}
	TEST_FAIL("no ring size up to the maximum %lu bytes is accepted", max);
}

u32 dirty_ring_entries_option(u64 asked, const char *opt)
{
	u64 min = kvm_dirty_ring_min_bytes(dirty_ring_cap_acq_rel()) / DIRTY_GFN_SIZE;
	u64 max = kvm_dirty_ring_max_bytes(dirty_ring_cap_acq_rel()) / DIRTY_GFN_SIZE;

	if (!asked)
		return min;
	if (IS_POWER_OF_2(asked) && asked >= min && asked <= max)
		return asked;
	fprintf(stderr, "%s %lu: a ring size must be a power of two from %lu to %lu entries on this host\n",
		opt, asked, min, max);
	exit(KSFT_FAIL);
}

u64 dirty_ring_entries_arg(const char *arg, const char *opt)
{
	return parse_u64(arg, opt, 1, 1ull << 31);
}

void vm_enable_dirty_ring_cap(struct kvm_vm *vm, u32 entries, bool acq_rel)
{
	u64 bytes = (u64)entries * DIRTY_GFN_SIZE;
	int ret = __vm_enable_dirty_ring(vm, bytes, acq_rel);

	TEST_ASSERT(!ret, "enabling a dirty ring of %u entries (%lu bytes, %s) failed, rc: %d%s",
		    entries, bytes, acq_rel ? "ACQ_REL" : "plain", ret, vm_dead_note(vm));
	vm->dirty_ring_entries = entries;
}

void vm_enable_dirty_ring_entries(struct kvm_vm *vm, u32 entries)
{
	vm_enable_dirty_ring_cap(vm, entries, dirty_ring_cap_acq_rel());
}

void *__vcpu_mmap_dirty_ring(struct kvm_vcpu *vcpu, int prot, int flags)
{
	long page = sysconf(_SC_PAGESIZE);

	return mmap(NULL, (size_t)vcpu->vm->dirty_ring_entries * DIRTY_GFN_SIZE, prot,
		    flags, vcpu->fd, KVM_DIRTY_LOG_PAGE_OFFSET * page);
}

struct dirty_ring *vcpu_map_dirty_ring(struct kvm_vcpu *vcpu)
{
	void *map;

	TEST_ASSERT(vcpu->vm->dirty_ring_entries, "no dirty ring enabled on this VM");
	if (vcpu->ring.gfns)
		return &vcpu->ring;
	/*
	 * Populated up front: otherwise each ring page faults on the first
	 * harvest that reaches it, several times the cost of the walk.
	 */
	map = __vcpu_mmap_dirty_ring(vcpu, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE);
	TEST_ASSERT(map != MAP_FAILED, "mmap of the dirty ring of vCPU %u", vcpu->id);
	vcpu->ring.gfns = map;
	vcpu->ring.size = vcpu->vm->dirty_ring_entries;
	vcpu->ring.fetch = 0;
	return &vcpu->ring;
}

int __vm_reset_dirty_rings(struct kvm_vm *vm)
{
	return __vm_ioctl(vm, KVM_RESET_DIRTY_RINGS, NULL);
}

u32 vm_reset_dirty_rings(struct kvm_vm *vm)
{
	int ret = __vm_reset_dirty_rings(vm);

	TEST_ASSERT(ret >= 0, "KVM_RESET_DIRTY_RINGS failed, rc: %d%s", ret, vm_dead_note(vm));
	return ret;
}

int __vm_get_dirty_log(struct kvm_vm *vm, u32 slot, unsigned long *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	return __vm_ioctl(vm, KVM_GET_DIRTY_LOG, &log);
}

void vm_get_dirty_log(struct kvm_vm *vm, u32 slot, unsigned long *bitmap)
{
	int ret = __vm_get_dirty_log(vm, slot, bitmap);

	TEST_ASSERT(!ret, "KVM_GET_DIRTY_LOG slot %u failed, rc: %d%s", slot, ret,
		    vm_dead_note(vm));
}

int __vm_clear_dirty_log(struct kvm_vm *vm, u32 slot, unsigned long *bitmap,
			 u64 first_page, u32 num_pages)
{
	struct kvm_clear_dirty_log log = {
		.slot = slot,
		.first_page = first_page,
		.num_pages = num_pages,
		.dirty_bitmap = bitmap,
	};

	return __vm_ioctl(vm, KVM_CLEAR_DIRTY_LOG, &log);
}

void vm_clear_dirty_log(struct kvm_vm *vm, u32 slot, unsigned long *bitmap,
			u64 first_page, u32 num_pages)
{
	int ret = __vm_clear_dirty_log(vm, slot, bitmap, first_page, num_pages);

	TEST_ASSERT(!ret, "KVM_CLEAR_DIRTY_LOG slot %u pages %lu+%u failed, rc: %d%s",
		    slot, first_page, num_pages, ret, vm_dead_note(vm));
}
