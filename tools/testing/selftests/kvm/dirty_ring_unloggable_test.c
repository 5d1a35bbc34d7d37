// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_ring_unloggable_test: what the dirty ring cannot log, refused as
 * documented, and forged entries that name it.
 *
 * - KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP: a ring plus a bitmap for writes
 *   made without a running vCPU, which only some architectures need
 *   (CONFIG_NEED_KVM_DIRTY_RING_WITH_BITMAP, arm64's ITS tables).  x86 does
 *   not: the cap reads 0 and enabling it is refused (EINVAL) with and
 *   without a ring.
 * - guest_memfd slots (KVM_CREATE_GUEST_MEMFD, KVM_SET_USER_MEMORY_REGION2
 *   with KVM_MEM_GUEST_MEMFD), where KVM offers guest_memfd for a VM type
 *   (KVM_CAP_GUEST_MEMFD on that VM): dirty logging a gmem slot is not
 *   supported, so KVM_MEM_LOG_DIRTY_PAGES is refused (EINVAL) when the slot
 *   is created and when it is added to an existing gmem slot, on ring VMs
 *   and bitmap VMs alike (check_memory_region_flags()).
 * - Ring entries that userspace rewrites to name a gmem slot: KVM's reset
 *   finds a real memslot and a valid offset and re-protects pages of a slot
 *   that is not logged, a path no vCPU ever pushes for.  The host must not
 *   WARN, BUG or Oops (host_harm.h), the reset counts every entry, the valid
 *   entries of the same reset are still reset (their pages are reported on
 *   the next write), no entry ever names the gmem slot, and the VM keeps
 *   running with the gmem slot's memory intact.  Two kinds of gmem slot:
 *   shared memory at userspace_addr (any guest_memfd), and guest memory in
 *   the guest_memfd itself (GUEST_MEMFD_FLAG_MMAP | INIT_SHARED, where
 *   KVM_CAP_GUEST_MEMFD_FLAGS offers them).  The harm watch covers each of
 *   these cases from before the VM exists to after it is freed; on a
 *   kernel already WARN-tainted it is blind and a case that passed
 *   otherwise is a SKIP saying so.
 * Each case skips, with the reason, where the host lacks what it needs.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "dirty_log.h"
#include "host_harm.h"
#include "kvm_util.h"
#include "test_case.h"
#include "ucall.h"

/* What the 6.1 uapi headers lack. */
#ifndef KVM_CAP_USER_MEMORY2
#define KVM_CAP_USER_MEMORY2		231
#endif
#ifndef KVM_CAP_GUEST_MEMFD
#define KVM_CAP_GUEST_MEMFD		234
#endif
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES		235
#endif
#ifndef KVM_CAP_GUEST_MEMFD_FLAGS
#define KVM_CAP_GUEST_MEMFD_FLAGS	244
#endif
#ifndef KVM_MEM_GUEST_MEMFD
#define KVM_MEM_GUEST_MEMFD		(1u << 2)
#endif
#ifndef GUEST_MEMFD_FLAG_MMAP
#define GUEST_MEMFD_FLAG_MMAP		(1ull << 0)
#endif
#ifndef GUEST_MEMFD_FLAG_INIT_SHARED
#define GUEST_MEMFD_FLAG_INIT_SHARED	(1ull << 1)
#endif
#ifndef KVM_CREATE_GUEST_MEMFD
struct kvm_create_guest_memfd {
	__u64 size;
	__u64 flags;
	__u64 reserved[6];
};

#define KVM_CREATE_GUEST_MEMFD		_IOWR(KVMIO, 0xd4, struct kvm_create_guest_memfd)
#endif

#define LOG_SLOT		1
#define GMEM_SLOT		2
#define SLOT_PAGES		32
#define GMEM_BYTES		(SLOT_PAGES * GUEST_PAGE_SIZE)
#define GMEM_LOGGED		(KVM_MEM_GUEST_MEMFD | KVM_MEM_LOG_DIRTY_PAGES)
#define GMEM_GPA		(TEST_MEM_BASE_GPA + SLOT_PAGES * GUEST_PAGE_SIZE)
#define RING_ENTRIES_MIN	512	/* two rounds fit below any host's soft limit */
#define VM_TYPES_MAX		32

static u32 ring_entries(void)
{
	u32 min = dirty_ring_min_entries();

	return min > RING_ENTRIES_MIN ? min : RING_ENTRIES_MIN;
}

/* ---- WITH_BITMAP ---- */

static void expect_with_bitmap_refused(struct kvm_vm *vm, const char *when)
{
	int ret = __vm_enable_cap(vm, KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP, 0);

	TEST_ASSERT(ret == -1 && errno == EINVAL,
		    "enabling DIRTY_LOG_RING_WITH_BITMAP %s: rc %d errno %d, wanted EINVAL",
		    when, ret, errno);
}

static void test_with_bitmap_refused(enum guest_cpl cpl, const void *arg)
{
	struct kvm_vm *vm = __vm_create_bare();
	int sys = kvm_check_cap(KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP);
	int on_vm = vm_check_cap(vm, KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP);

	ksft_print_msg("KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP: %d on /dev/kvm, %d on a VM\n", sys,
		       on_vm);
#ifdef __aarch64__
	kvm_vm_free(vm);
	test_skip("arm64 offers WITH_BITMAP (for the vGIC ITS): aarch64/dirty_ring_with_bitmap_test checks its rules");
#endif
	TEST_ASSERT_EQ(sys, 0);
	TEST_ASSERT_EQ(on_vm, 0);
	expect_with_bitmap_refused(vm, "without a ring");
	vm_enable_dirty_ring_entries(vm, dirty_ring_min_entries());
	expect_with_bitmap_refused(vm, "after the ring");
	kvm_vm_free(vm);
}

/* ---- guest_memfd slots ---- */

static int create_gmem(int vm_fd, u64 size, u64 flags)
{
	struct kvm_create_guest_memfd args = { .size = size, .flags = flags };

	return ioctl(vm_fd, KVM_CREATE_GUEST_MEMFD, &args);
}

static void expect_einval(int ret, const char *what, unsigned long type)
{
	TEST_ASSERT(ret == -1 && errno == EINVAL, "VM type %lu: %s: rc %d errno %d, wanted EINVAL",
		    type, what, ret, errno);
}

/*
 * arm64 KVM refuses a slot whose guest_memfd is not all of its memory
 * (KVM_SET_USER_MEMORY_REGION2 EINVAL for a flags-0 guest_memfd beside
 * userspace memory, Debian 7.3.4): there the slot's memory is the
 * guest_memfd, mapped from it.
 */
#ifdef __aarch64__
#define ARM64_GMEM_ONLY		1
#else
#define ARM64_GMEM_ONLY		0
#endif
#define GMEM_ONLY_FLAGS		(GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED)

/* On one VM: logging refused at creation and when added to the slot. */
static void check_gmem_logging_refused(int vm_fd, unsigned long type)
{
	u64 flags = ARM64_GMEM_ONLY ? GMEM_ONLY_FLAGS : 0;
	int gmem = create_gmem(vm_fd, GMEM_BYTES, flags);
	void *shared;

	TEST_ASSERT(gmem >= 0,
		    "VM type %lu: KVM_CREATE_GUEST_MEMFD of %lu bytes, flags %#lx, errno %d",
		    type, GMEM_BYTES, flags, errno);
	if (ARM64_GMEM_ONLY)
		shared = mmap(NULL, GMEM_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, gmem, 0);
	else
		shared = mmap(NULL, GMEM_BYTES, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(shared != MAP_FAILED, "mmap, errno %d", errno);
	expect_einval(__kvm_set_user_memory_region2(vm_fd, GMEM_SLOT, GMEM_LOGGED, GMEM_GPA,
						    GMEM_BYTES, shared, gmem),
		      "a gmem slot created with KVM_MEM_LOG_DIRTY_PAGES", type);
	TEST_ASSERT(!__kvm_set_user_memory_region2(vm_fd, GMEM_SLOT, KVM_MEM_GUEST_MEMFD, GMEM_GPA,
						   GMEM_BYTES, shared, gmem),
		    "VM type %lu: a gmem slot without logging refused, errno %d", type, errno);
	expect_einval(__kvm_set_user_memory_region2(vm_fd, GMEM_SLOT, GMEM_LOGGED, GMEM_GPA,
						    GMEM_BYTES, shared, gmem),
		      "KVM_MEM_LOG_DIRTY_PAGES added to a gmem slot", type);
	close(gmem);
	munmap(shared, GMEM_BYTES);
}

static int enable_ring_raw(int vm_fd)
{
	struct kvm_enable_cap ec = {
		.cap = dirty_ring_cap_acq_rel() ? KVM_CAP_DIRTY_LOG_RING_ACQ_REL :
						  KVM_CAP_DIRTY_LOG_RING,
		.args[0] = kvm_dirty_ring_min_bytes(dirty_ring_cap_acq_rel()),
	};

	return ioctl(vm_fd, KVM_ENABLE_CAP, &ec);
}

/* For one VM type: false if KVM offers no guest_memfd for it. */
static bool check_vm_type(int kvm_fd, unsigned long type)
{
	int pass, vm_fd;

	for (pass = 0; pass < 2; pass++) {
		vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, type);
		if (vm_fd < 0) {
			ksft_print_msg("VM type %lu: KVM_CREATE_VM failed (errno %d), not tried\n",
				       type, errno);
			return false;
		}
		if (ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD) <= 0) {
			ksft_print_msg("VM type %lu: no guest_memfd (KVM_CAP_GUEST_MEMFD 0)\n",
				       type);
			close(vm_fd);
			return false;
		}
		if (pass && enable_ring_raw(vm_fd)) {
			ksft_print_msg("VM type %lu: no dirty ring (errno %d), tried without one\n",
				       type, errno);
			close(vm_fd);
			break;
		}
		if (ARM64_GMEM_ONLY &&
		    (ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD_FLAGS) &
		     GMEM_ONLY_FLAGS) != GMEM_ONLY_FLAGS) {
			ksft_print_msg("VM type %lu: guest_memfd without MMAP | INIT_SHARED, which arm64 needs: not tried\n",
				       type);
			close(vm_fd);
			return false;
		}
		check_gmem_logging_refused(vm_fd, type);
		close(vm_fd);
	}
	ksft_print_msg("VM type %lu: logging a gmem slot refused (EINVAL)%s\n", type,
		       pass == 2 ? " with and without a ring" : "");
	return true;
}

static void test_gmem_logging_refused(enum guest_cpl cpl, const void *arg)
{
	int kvm_fd = open_kvm_dev_path_or_exit();
	int types = kvm_check_cap(KVM_CAP_VM_TYPES);
	unsigned int checked = 0;
	unsigned long type;

	if (!kvm_check_cap(KVM_CAP_USER_MEMORY2))
		test_skip("no KVM_SET_USER_MEMORY_REGION2 (KVM_CAP_USER_MEMORY2 0)");
	if (!types)
		types = 1;	/* before KVM_CAP_VM_TYPES: the default type only */
	for (type = 0; type < VM_TYPES_MAX; type++)
		if ((types & (1u << type)) && check_vm_type(kvm_fd, type))
			checked++;
	close(kvm_fd);
	if (!checked)
		test_skip("KVM offers guest_memfd for none of its VM types (mask %#x)", types);
}

/* ---- forged entries naming a gmem slot ---- */

struct gmem_variant {
	const char *what;
	u64 gmem_flags;		/* 0: guest memory at userspace_addr */
};

struct gmem_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct dirty_ring *ring;
	struct dirty_entry log[RING_ENTRIES_MIN * 2];
	int gmem_fd;
	void *gmem_hva;		/* the host's view of the gmem slot's memory */
	u64 round;
};

/* Each round: every gmem page gets the round (read back), then every logged page. */
static void guest_code(u64 log_gva, u64 gmem_gva)
{
	u64 round, i;

	for (round = 1;; round++) {
		for (i = 0; i < SLOT_PAGES; i++) {
			volatile u64 *p = (volatile u64 *)(gmem_gva + i * GUEST_PAGE_SIZE);

			*p = round;
			GUEST_ASSERT_EQ(*p, round);
		}
		for (i = 0; i < SLOT_PAGES; i++)
			*(volatile u64 *)(log_gva + i * GUEST_PAGE_SIZE) = round;
		GUEST_SYNC_VALUE(round);
	}
}

static void require_gmem(const struct gmem_variant *v)
{
	int flags;

	if (!kvm_check_cap(KVM_CAP_USER_MEMORY2))
		test_skip("no KVM_SET_USER_MEMORY_REGION2 (KVM_CAP_USER_MEMORY2 0)");
	if (!kvm_check_cap(KVM_CAP_GUEST_MEMFD))
		test_skip("no guest_memfd (KVM_CAP_GUEST_MEMFD 0)");
	flags = kvm_check_cap(KVM_CAP_GUEST_MEMFD_FLAGS);
	if ((flags & v->gmem_flags) != v->gmem_flags)
		test_skip("guest_memfd flags %#lx not offered (KVM_CAP_GUEST_MEMFD_FLAGS %#x)",
			  v->gmem_flags, flags);
	if (ARM64_GMEM_ONLY && !(v->gmem_flags & GUEST_MEMFD_FLAG_MMAP))
		test_skip("arm64 KVM takes a guest_memfd slot only with all its memory in the guest_memfd (GUEST_MEMFD_FLAG_MMAP): the gmem-only case covers it");
}

static void gmem_slot_add(struct gmem_vm *g, const struct gmem_variant *v)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS, fd = -1;

	if (vm_check_cap(g->vm, KVM_CAP_GUEST_MEMFD) <= 0)
		test_skip("no guest_memfd for the default VM type (KVM_CAP_GUEST_MEMFD 0 on the VM)");
	g->gmem_fd = create_gmem(g->vm->fd, GMEM_BYTES, v->gmem_flags);
	TEST_ASSERT(g->gmem_fd >= 0, "KVM_CREATE_GUEST_MEMFD flags %#lx, errno %d",
		    v->gmem_flags, errno);
	if (v->gmem_flags & GUEST_MEMFD_FLAG_MMAP) {
		flags = MAP_SHARED;
		fd = g->gmem_fd;
	}
	g->gmem_hva = mmap(NULL, GMEM_BYTES, PROT_READ | PROT_WRITE, flags, fd, 0);
	TEST_ASSERT(g->gmem_hva != MAP_FAILED, "mapping the gmem slot's memory, errno %d", errno);
	TEST_ASSERT(!__kvm_set_user_memory_region2(g->vm->fd, GMEM_SLOT, KVM_MEM_GUEST_MEMFD,
						   GMEM_GPA, GMEM_BYTES, g->gmem_hva, g->gmem_fd),
		    "KVM_SET_USER_MEMORY_REGION2 of the gmem slot, errno %d", errno);
}

static void gmem_vm_create(struct gmem_vm *g, enum guest_cpl cpl, const struct gmem_variant *v)
{
	g->vm = vm_create_logged(cpl, LOG_MODE_RING, ring_entries(), LOG_SLOT, SLOT_PAGES);
	gmem_slot_add(g, v);
	virt_map(g->vm, GMEM_GPA, GMEM_GPA, SLOT_PAGES);
	g->vcpu = vm_vcpu_add(g->vm, 0, guest_code);
	vcpu_args_set(g->vcpu, 2, TEST_MEM_BASE_GPA, GMEM_GPA);
	g->ring = vcpu_map_dirty_ring(g->vcpu);
	g->round = 0;
}

static void gmem_vm_free(struct gmem_vm *g)
{
	kvm_vm_free(g->vm);
	munmap(g->gmem_hva, GMEM_BYTES);
	close(g->gmem_fd);
}

/* Run a round; check the gmem slot's memory; harvest; no entry may name the gmem slot. */
static u32 gmem_round(struct gmem_vm *g)
{
	u32 n, i;

	TEST_ASSERT_EQ(vcpu_run_expect_ucall(g->vcpu, UCALL_SYNC), g->round + 1);
	g->round++;
	for (i = 0; i < SLOT_PAGES; i++)
		TEST_ASSERT(*(u64 *)((char *)g->gmem_hva + i * GUEST_PAGE_SIZE) == g->round,
			    "round %lu: gmem page %u holds %lu", g->round, i,
			    *(u64 *)((char *)g->gmem_hva + i * GUEST_PAGE_SIZE));
	n = dirty_ring_harvest(g->ring, g->log, ARRAY_SIZE(g->log));
	for (i = 0; i < n; i++)
		TEST_ASSERT(g->log[i].slot == LOG_SLOT && g->log[i].offset < SLOT_PAGES,
			    "round %lu ring index %u: slot %#x offset %lu, only logged slot %u pages expected",
			    g->round, g->log[i].index, g->log[i].slot, g->log[i].offset, LOG_SLOT);
	return n;
}

/* Whether the harvest of the last round holds logged page `offset`. */
static bool reported(const struct gmem_vm *g, u32 n, u64 offset)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (g->log[i].offset == offset)
			return true;
	return false;
}

static void test_forged_gmem_entries(enum guest_cpl cpl, const void *arg)
{
	const struct gmem_variant *v = arg;
	u32 n, i, half = SLOT_PAGES / 2, again = 0;
	struct host_harm_watch harm;
	struct gmem_vm g;

	require_gmem(v);
	host_harm_begin(&harm, NULL, NULL);
	gmem_vm_create(&g, cpl, v);

	/* Round 1: exactly the logged slot's pages, in order. */
	n = gmem_round(&g);
	TEST_ASSERT_EQ(n, SLOT_PAGES);
	for (i = 0; i < n; i++)
		TEST_ASSERT_EQ(g.log[i].offset, i);

	/* The first half now names the gmem slot, same offsets (inside it). */
	for (i = 0; i < half; i++)
		WRITE_ONCE(dirty_ring_entry(g.ring, g.log[i].index)->slot, GMEM_SLOT);
	TEST_ASSERT_EQ(vm_reset_dirty_rings(g.vm), n);
	for (i = 0; i < n; i++)
		TEST_ASSERT_EQ(dirty_ring_entry(g.ring, g.log[i].index)->flags, 0);

	/* Round 2: the VM runs; the valid half was reset, so it is reported again. */
	n = gmem_round(&g);
	for (i = half; i < SLOT_PAGES; i++)
		TEST_ASSERT(reported(&g, n, i),
			    "logged page %u (a valid entry of the forged reset) not reported after the reset",
			    i);
	for (i = 0; i < half; i++)
		again += reported(&g, n, i);
	TEST_ASSERT_EQ(vm_reset_dirty_rings(g.vm), n);
	ksft_print_msg("%s: reset of %u entries (%u naming the gmem slot) returned %u; next round: %u of %u valid pages again, %u of %u forged ones\n",
		       v->what, SLOT_PAGES, half, SLOT_PAGES, SLOT_PAGES - half, SLOT_PAGES - half,
		       again, half);

	/* Round 3: still running, the gmem slot still never logged. */
	gmem_round(&g);
	gmem_vm_free(&g);
	test_case_harm_watch_end(&harm);
}

static const struct gmem_variant gmem_shared = {
	.what = "gmem slot, memory at userspace_addr",
	.gmem_flags = 0,
};

static const struct gmem_variant gmem_only = {
	.what = "gmem slot, memory in the guest_memfd",
	.gmem_flags = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED,
};

static const struct test_case cases[] = {
	{ .name = "with_bitmap_cap_0_enable_refused", .run = test_with_bitmap_refused,
	  .ring_caps = true },
	{ .name = "gmem_slot_logging_refused", .run = test_gmem_logging_refused },
	{ .name = "forged_entries_name_gmem_slot", .run = test_forged_gmem_entries,
	  .arg = &gmem_shared, .guest = true, .ring_caps = true },
	{ .name = "forged_entries_name_gmem_only_slot", .run = test_forged_gmem_entries,
	  .arg = &gmem_only, .guest = true, .ring_caps = true },
};

static void help(const char *prog)
{
	printf("usage: %s [-g cpl0|cpl3|all]\n"
	       "Checks what the dirty ring cannot log: WITH_BITMAP on x86, guest_memfd slots,\n"
	       "and forged entries naming a guest_memfd slot.\n"
	       TEST_COMMON_USAGE, prog);
}

int main(int argc, char *argv[])
{
	unsigned int cpl_mask = test_parse_common_args(argc, argv, help);

	kvm_require_dirty_ring(0);

	run_test_cases(cases, ARRAY_SIZE(cases), cpl_mask, TEST_CASE_TIMEOUT_S);
}
