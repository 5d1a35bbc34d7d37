/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The KVM test library: VMs, memslots, vCPUs and their ioctls.
 *
 * Naming follows whose fd an ioctl goes to: kvm_* (/dev/kvm), vm_* (the VM),
 * vcpu_* (a vCPU).  A __name() variant returns the raw ioctl result with
 * errno untouched; the plain name() asserts success and names the ioctl.
 */
#ifndef SELFTEST_KVM_UTIL_H
#define SELFTEST_KVM_UTIL_H

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include "test_util.h"
#include "dirty_ring.h"

#ifndef KVM_SET_USER_MEMORY_REGION2	/* Linux 6.8 */
struct kvm_userspace_memory_region2 {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 guest_memfd_offset;
	__u32 guest_memfd;
	__u32 pad1;
	__u64 pad2[14];
};

#define KVM_SET_USER_MEMORY_REGION2	_IOW(KVMIO, 0x49, struct kvm_userspace_memory_region2)
#endif

typedef u64 gpa_t;
typedef u64 gva_t;

#define KVM_DEV_PATH		"/dev/kvm"

/*
 * Guest privilege: every test runs the same guest code at the kernel's level
 * and at the user's: CPL0 and CPL3 on x86 ("cpl0", "cpl3"), EL1 and EL0 on
 * arm64 ("el1", "el0").  GUEST_CPL0 is the kernel level, GUEST_CPL3 the user's.
 */
enum guest_cpl {
	GUEST_CPL0,
	GUEST_CPL3,
	NR_GUEST_CPLS,
};

#define GUEST_CPL_ALL		((1u << NR_GUEST_CPLS) - 1)

const char *guest_cpl_name(enum guest_cpl cpl);
/* Parse a level's name or "all" into a mask of privileges; false if bad. */
bool guest_cpl_parse(const char *arg, unsigned int *mask);

#define GUEST_PAGE_SIZE		4096ul
#define GUEST_PAGE_SHIFT	12

/*
 * The system slot holds the guest image, page tables, stacks and descriptor
 * tables at guest physical 0, not dirty-logged.  Its id is the highest the
 * VM accepts (KVM_CAP_NR_MEMSLOTS - 1), so tests may use every id below it,
 * 0 included.
 */
#define SYSTEM_SLOT_BYTES	(128ul << 20)
/*
 * Test memory the system slot can map: its page tables may take half of
 * it (8 bytes of page table per 4 KiB page), the rest is for the image and
 * each vCPU's stacks and TSS.  32 GiB.
 */
#define VM_MAX_TEST_PAGES	(SYSTEM_SLOT_BYTES / 2 / 8)
/* Test memslots live above this guest physical address, mapped at GVA == GPA. */
#define TEST_MEM_BASE_GPA	(1ul << 30)

enum mem_backing {
	BACKING_ANON,		/* anonymous memory, THP disabled */
	BACKING_ANON_THP,	/* anonymous memory, 2 MiB aligned, MADV_HUGEPAGE */
};

struct mem_region {
	struct kvm_userspace_memory_region kvm;
	void *host_mem;		/* start of the slot in our address space */
	void *mmap_start;
	size_t mmap_size;
	bool in_use;
};

struct kvm_vcpu;

#define VM_MAX_REGIONS		64

struct kvm_vm {
	int kvm_fd;
	int fd;
	enum guest_cpl cpl;
	u32 system_slot;
	u32 nr_memslots;	/* KVM_CAP_NR_MEMSLOTS: valid ids are below it */
	struct mem_region regions[VM_MAX_REGIONS];
	struct kvm_vcpu **vcpus;	/* room for max_vcpus */
	unsigned int nr_vcpus;
	unsigned int max_vcpus;	/* KVM_CAP_MAX_VCPUS of this VM */
	gpa_t pgd;		/* top-level page table */
	gpa_t next_phys;	/* bump allocator within the system slot */
	gva_t next_virt;	/* bump allocator for library-owned GVAs */
	gva_t gdt, idt;
	u32 dirty_ring_entries;	/* 0: no dirty ring */
	u32 dirty_ring_cap;	/* the cap KVM_ENABLE_CAP enabled the ring with */
};

struct kvm_vcpu {
	struct kvm_vm *vm;
	u32 id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	gva_t stack_top;
	gva_t tss;			/* x86: the vCPU's TSS */
	gva_t exc_stack_top;		/* arm64: SP_EL1 of a vCPU at EL0 */
	struct dirty_ring ring;		/* .gfns is NULL until mapped */
	u32 watchdog_s;			/* a KVM_RUN longer than this is a hang */
};

/*
 * ioctl helpers.  The raw __x_ioctl() returns the ioctl's result with errno
 * untouched; the plain x_ioctl() asserts success and names the request.
 *
 * A request that encodes a size (_IOR/_IOW/_IOWR) must be given a pointer to
 * an object of exactly that size: checked at build time.  A request without
 * one (_IO) takes a value or NULL, passed as a pointer.
 */
#define kvm_ioctl_arg_check(req, arg)						\
	_Static_assert(!_IOC_SIZE(req) || sizeof(*(arg)) == _IOC_SIZE(req),	\
		       "an ioctl argument does not have the size its request encodes")

#define __kvm_ioctl(fd, req, arg)						\
({										\
	kvm_ioctl_arg_check(req, arg);						\
	ioctl(fd, req, arg);							\
})
#define __vm_ioctl(vm, req, arg)	__kvm_ioctl((vm)->fd, req, arg)
#define __vcpu_ioctl(vcpu, req, arg)	__kvm_ioctl((vcpu)->fd, req, arg)

struct kvm_vm;
/*
 * For a failure message on a VM or vCPU fd: "" unless KVM answers EIO to
 * every ioctl on the VM: it marked the VM dead (a KVM_BUG_ON or a fatal
 * error, explained in the kernel log), or the VM is used from a process
 * that did not create it.  errno is kept.
 */
const char *vm_dead_note(struct kvm_vm *vm);

#define kvm_ioctl(fd, req, arg)							\
do {										\
	int __r = __kvm_ioctl(fd, req, arg);					\
	TEST_ASSERT(!__r, "ioctl %s failed, rc: %d", #req, __r);		\
} while (0)

#define vm_ioctl(vm, req, arg)							\
do {										\
	int __r = __vm_ioctl(vm, req, arg);					\
	TEST_ASSERT(!__r, "ioctl %s failed, rc: %d%s", #req, __r,		\
		    vm_dead_note(vm));						\
} while (0)

#define vcpu_ioctl(vcpu, req, arg)						\
do {										\
	int __r = __vcpu_ioctl(vcpu, req, arg);					\
	TEST_ASSERT(!__r, "ioctl %s failed, rc: %d%s", #req, __r,		\
		    vm_dead_note((vcpu)->vm));					\
} while (0)

/* /dev/kvm: skip (exit 4) with the reason when it cannot be opened. */
int open_kvm_dev_path_or_exit(void);
/* KVM_CHECK_EXTENSION: the capability's value (0: not supported); an ioctl error fails. */
int kvm_check_cap(long cap);
/*
 * The most vCPUs a VM may have: KVM_CAP_MAX_VCPUS, or KVM_CAP_NR_VCPUS where
 * that is missing, or 4 where both are (the API documentation's rule).
 */
u32 kvm_max_vcpus(void);

/* VMs */
struct kvm_vm *vm_create_cpl(enum guest_cpl cpl);
struct kvm_vm *__vm_create_bare(void);	/* no system slot, no guest image */
/* What vm_create_cpl() adds to a bare VM: the system slot and the guest image. */
void vm_add_system(struct kvm_vm *vm, enum guest_cpl cpl);
void kvm_vm_free(struct kvm_vm *vm);
/* The same on the VM fd. */
int vm_check_cap(struct kvm_vm *vm, long cap);
int __vm_enable_cap(struct kvm_vm *vm, u32 cap, u64 arg0);
/* Called with every cap KVM_ENABLE_CAP accepted on a VM (one observer). */
void vm_enable_cap_observe(void (*observer)(struct kvm_vm *vm, u32 cap));
void vm_enable_cap(struct kvm_vm *vm, u32 cap, u64 arg0);

/* Memslots */
int __vm_set_user_memory_region(struct kvm_vm *vm, u32 slot, u32 flags,
				gpa_t gpa, u64 size, void *hva);
/* KVM_SET_USER_MEMORY_REGION2 on any VM fd (raw VMs of other types too). */
int __kvm_set_user_memory_region2(int vm_fd, u32 slot, u32 flags, gpa_t gpa, u64 size,
				  void *hva, int guest_memfd);
void vm_mem_region_add(struct kvm_vm *vm, enum mem_backing backing, u32 slot,
		       gpa_t gpa, u64 npages, u32 flags);
void vm_mem_region_set_flags(struct kvm_vm *vm, u32 slot, u32 flags);
void vm_mem_region_move(struct kvm_vm *vm, u32 slot, gpa_t new_gpa);
void vm_mem_region_delete(struct kvm_vm *vm, u32 slot);
struct mem_region *vm_mem_region(struct kvm_vm *vm, u32 slot);

/* Guest address translation, done by the host through the library's tables. */
void *addr_gpa2hva(struct kvm_vm *vm, gpa_t gpa);
gpa_t addr_gva2gpa(struct kvm_vm *vm, gva_t gva);
void *addr_gva2hva(struct kvm_vm *vm, gva_t gva);

/* Map npages of guest physical memory at gva (4 KiB pages, user accessible). */
void virt_map(struct kvm_vm *vm, gva_t gva, gpa_t gpa, u64 npages);
/*
 * For the arch code: the last-level entry for gva in the VM's page table of
 * four levels of 512 entries, 4 KiB pages (x86-64's; arm64's with 48-bit
 * addresses).  A table entry counts if it has the `present` bits, addr_mask
 * takes its address; a missing table is allocated when alloc is set (its
 * entry: address | table_bits), otherwise the result is NULL.
 */
u64 *virt_pte_4level(struct kvm_vm *vm, gva_t gva, bool alloc, u64 present, u64 table_bits,
		     u64 addr_mask);
/* Allocate zeroed guest physical pages from the system slot. */
gpa_t vm_phys_pages_alloc(struct kvm_vm *vm, u64 npages);
/* Allocate and map zeroed pages from the system slot; returns the GVA. */
gva_t vm_vaddr_alloc(struct kvm_vm *vm, u64 npages);

/*
 * Guest and host share the binary's globals at the same addresses; these copy
 * the host's value into the guest or the guest's value back to the host.
 */
#define sync_global_to_guest(vm, g)						\
	memcpy(addr_gva2hva(vm, (gva_t)&(g)), &(g), sizeof(g))
#define sync_global_from_guest(vm, g)						\
	memcpy(&(g), addr_gva2hva(vm, (gva_t)&(g)), sizeof(g))

/* vCPUs */
struct kvm_vcpu *vm_vcpu_add(struct kvm_vm *vm, u32 id, void *guest_code);
void vcpu_args_set(struct kvm_vcpu *vcpu, unsigned int nargs, ...);
int __vcpu_run(struct kvm_vcpu *vcpu);
void vcpu_run(struct kvm_vcpu *vcpu);
const char *exit_reason_str(u32 exit_reason);

/*
 * Assert that the last KVM_RUN exited with the given reason; on mismatch name
 * both reasons and the guest's program counter.
 */
void vcpu_assert_exit(struct kvm_vcpu *vcpu, u32 exit_reason);

#endif /* SELFTEST_KVM_UTIL_H */
