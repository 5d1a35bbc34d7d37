/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dirty-ring ioctls of the KVM test library: capabilities, enabling and
 * mapping a vCPU's ring, KVM_RESET_DIRTY_RINGS, and the dirty bitmap ioctls.
 * The ring walk itself (dirty_ring_walk()) and the bitmaps need no KVM and
 * live in the ring library (ring/include/dirty_ring_walk.h, dirty_bitmap.h).
 */
#ifndef SELFTEST_KVM_DIRTY_RING_H
#define SELFTEST_KVM_DIRTY_RING_H

#include <linux/kvm.h>

#include "dirty_bitmap.h"
#include "dirty_ring_walk.h"

#ifndef KVM_CAP_DIRTY_LOG_RING_ACQ_REL
#define KVM_CAP_DIRTY_LOG_RING_ACQ_REL		223
#endif
#ifndef KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP
#define KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP	225
#endif
/*
 * arm64 has the ring at page 64 of the vCPU fd since Linux 6.1, but uapi
 * headers from before its asm/kvm.h said so (Debian 12's arm64 ones among
 * them) fall back to linux/kvm.h's 0, where kvm_run is: mmap would map that.
 */
#if defined(__aarch64__) && KVM_DIRTY_LOG_PAGE_OFFSET == 0
#undef KVM_DIRTY_LOG_PAGE_OFFSET
#define KVM_DIRTY_LOG_PAGE_OFFSET		64
#endif
#ifndef KVM_DIRTY_LOG_INITIALLY_SET
#define KVM_DIRTY_LOG_INITIALLY_SET		(1 << 1)
#endif

/* KVM reserves 64 entries; Intel PML adds 512 more. */
#define KVM_RING_RESERVE_MIN	64
#define KVM_RING_RESERVE_MAX	(64 + 512)

/* KVM side: capability, enable, map, reset. */
struct kvm_vm;
struct kvm_vcpu;

/* Max ring bytes KVM reports for the cap (0: no dirty ring). */
int kvm_dirty_ring_max_bytes(bool acq_rel);
const char *dirty_ring_cap_name(bool acq_rel);

/*
 * The ring cap of the running case.  A case that test_case.h runs once per
 * ring cap (.ring_caps) enables its rings with KVM_CAP_DIRTY_LOG_RING, and
 * in its ACQ_REL variant with KVM_CAP_DIRTY_LOG_RING_ACQ_REL.  KVM handles
 * both alike; the second is userspace's promise that it acquire-loads the
 * flags of an entry before reading it and store-releases RESET after, as
 * dirty_ring_walk() does.
 *
 * Such a case sizes and enables its rings with the helpers below, which use
 * the case's cap.  The library sees every cap KVM_ENABLE_CAP accepts (it
 * observes __vm_enable_cap(): vm_enable_cap_observe()): a ring enabled with
 * the other cap fails the case at once, and a case that passes must have had
 * a ring enabled with its own (dirty_ring_assert_cap_used()).
 */
void dirty_ring_cap_select(bool acq_rel);
/* The case's cap; outside a case the plain one, or ACQ_REL where KVM offers only that. */
bool dirty_ring_cap_acq_rel(void);
/* At the end of a case: KVM_ENABLE_CAP enabled a ring with the case's cap. */
void dirty_ring_assert_cap_used(void);
/* The smallest and largest ring, in entries, KVM takes with the case's cap. */
u32 dirty_ring_min_entries(void);
u32 dirty_ring_max_entries(void);
/* Enable a ring of `entries` entries with the case's cap. */
void vm_enable_dirty_ring_entries(struct kvm_vm *vm, u32 entries);
/*
 * The prologue of a dirty-ring test: skip (exit 4) with the reason unless
 * /dev/kvm opens and KVM offers a ring cap (either one: each ring case skips
 * the cap KVM lacks) with rings of at least min_entries entries (0: any size).
 */
void kvm_require_dirty_ring(u32 min_entries);
/*
 * The smallest ring KVM accepts, in bytes, probed on scratch VMs by powers of
 * two from one page: at least a page and at least KVM's reserved entries,
 * which depend on the host (64, plus 512 with Intel PML).
 */
u64 kvm_dirty_ring_min_bytes(bool acq_rel);
/*
 * A ring size in entries given with option `opt`: 0 means the smallest the
 * host accepts; anything else must be a power of two this host's KVM
 * accepts, or the program prints why and exits 1.
 */
u32 dirty_ring_entries_option(u64 asked, const char *opt);
/*
 * The argument of a ring-size option `opt`: a number of entries, 1 to 2^31;
 * dirty_ring_entries_option() then holds it to what this host's KVM accepts.
 */
u64 dirty_ring_entries_arg(const char *arg, const char *opt);
int __vm_enable_dirty_ring(struct kvm_vm *vm, u64 bytes, bool acq_rel);
/* Enable a ring of `entries` entries with KVM_CAP_DIRTY_LOG_RING or _ACQ_REL. */
void vm_enable_dirty_ring_cap(struct kvm_vm *vm, u32 entries, bool acq_rel);
/* Raw mmap of a vCPU's ring: returns MAP_FAILED with errno on failure. */
void *__vcpu_mmap_dirty_ring(struct kvm_vcpu *vcpu, int prot, int flags);
/*
 * Map the ring shared read/write and populated (no page faults on the first
 * harvest); returns the vCPU's consumer view of it.
 */
struct dirty_ring *vcpu_map_dirty_ring(struct kvm_vcpu *vcpu);
int __vm_reset_dirty_rings(struct kvm_vm *vm);
u32 vm_reset_dirty_rings(struct kvm_vm *vm);

/* Bitmap logging */
int __vm_get_dirty_log(struct kvm_vm *vm, u32 slot, unsigned long *bitmap);
void vm_get_dirty_log(struct kvm_vm *vm, u32 slot, unsigned long *bitmap);
int __vm_clear_dirty_log(struct kvm_vm *vm, u32 slot, unsigned long *bitmap,
			 u64 first_page, u32 num_pages);
void vm_clear_dirty_log(struct kvm_vm *vm, u32 slot, unsigned long *bitmap,
			u64 first_page, u32 num_pages);

#endif /* SELFTEST_KVM_DIRTY_RING_H */
