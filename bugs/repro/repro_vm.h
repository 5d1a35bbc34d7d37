/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * repro_vm.h: the smallest VM the standalone dirty-ring reproducers need.
 *
 * One vCPU in 64-bit mode at CPL0 or CPL3 (set straight from KVM_SET_SREGS,
 * no GDT or IDT: the guest never loads a segment or takes an exception),
 * with the first GiB identity-mapped by 2 MiB pages that user mode may
 * access.  It runs a hand-assembled loop (guest_loop below) from a code
 * page in an unlogged slot, next to its page tables: it stores to every
 * page of a dirty-logged data slot in page order, then writes to an
 * address no slot backs (GUEST_DONE_GPA) so that KVM_RUN returns
 * KVM_EXIT_MMIO, then starts over.  Page tables and code are not in the
 * logged slot, so nothing but the loop's stores is logged there.
 *
 * Exit status of every reproducer: 0 the bug did not show, 1 it did
 * (or the reproducer failed), 4 skipped (no /dev/kvm, no dirty ring, or
 * the bug's precondition did not happen; the reason is printed).
 */
#ifndef REPRO_VM_H
#define REPRO_VM_H

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef KVM_CAP_DIRTY_LOG_RING
#error "needs <linux/kvm.h> from Linux 5.11 or later"
#endif

#define CODE_GPA	0x1000ull	/* code page, then PML4, PDPT, PD */
#define PML4_GPA	0x2000ull
#define SYS_PAGES	4
#define DATA_GPA	0x100000ull
#define DATA_SLOT	1
#define GUEST_DONE_GPA	0x3ff00000ull	/* mapped by the page tables, in no slot */
#define PAGE_SIZE_4K	4096ull
#define PTE_P_RW_US	0x7ull
#define PTE_PS		0x80ull

struct repro_vm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	struct kvm_dirty_gfn *ring;
	uint32_t entries;	/* ring size in entries */
	uint32_t fetch;		/* userspace's next entry to harvest */
	uint64_t npages;	/* pages of the data slot */
};

static inline void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (errno %d: %s)\n", errno, strerror(errno));
	exit(1);
}

/* -c 0|3: the guest's privilege level; -1 for anything else. */
static inline int repro_cpl_arg(const char *arg)
{
	return !strcmp(arg, "0") ? 0 : !strcmp(arg, "3") ? 3 : -1;
}

/* For reproducers whose only option is -c; exits 1 with usage on bad input. */
static inline int repro_cpl_only(int argc, char *argv[], int cpl)
{
	int opt;

	while ((opt = getopt(argc, argv, "c:h")) != -1) {
		if (opt == 'c') {
			cpl = repro_cpl_arg(optarg);
			if (cpl >= 0)
				continue;
		}
		break;
	}
	if (opt == 'h') {
		printf("usage: %s [-c 0|3]\n", argv[0]);
		exit(0);
	}
	if (opt != -1 || optind < argc) {
		fprintf(stderr, "usage: %s [-c 0|3]\n", argv[0]);
		exit(1);
	}
	return cpl;
}

static inline void skip(const char *why)
{
	printf("SKIP: %s\n", why);
	exit(4);
}

/*
 * mov eax, DATA_GPA; mov ecx, npages; 1: mov [rax], ecx; add eax, 4096;
 * loop 1b; mov eax, GUEST_DONE_GPA; mov [rax], eax; jmp back to the start.
 * Then the page tables: PML4[0] -> PDPT[0] -> PD, 512 entries of 2 MiB.
 */
static inline void guest_setup(uint8_t *sys, uint32_t npages)
{
	const uint8_t insn[] = {
		0xb8, 0, 0, 0, 0,		/* mov eax, imm32 (DATA_GPA) */
		0xb9, 0, 0, 0, 0,		/* mov ecx, imm32 (npages) */
		0x89, 0x08,			/* mov [rax], ecx */
		0x05, 0x00, 0x10, 0x00, 0x00,	/* add eax, 0x1000 */
		0xe2, 0xf7,			/* loop back to the store */
		0xb8, 0, 0, 0, 0,		/* mov eax, imm32 (GUEST_DONE_GPA) */
		0x89, 0x00,			/* mov [rax], eax: MMIO exit */
		0xeb, 0xe4,			/* jmp to the start */
	};
	uint64_t *pml4 = (uint64_t *)(sys + PAGE_SIZE_4K);
	uint64_t *pdpt = pml4 + 512, *pd = pdpt + 512;
	uint32_t data = DATA_GPA, done = GUEST_DONE_GPA, i;

	memcpy(sys, insn, sizeof(insn));
	memcpy(sys + 1, &data, 4);
	memcpy(sys + 6, &npages, 4);
	memcpy(sys + 20, &done, 4);
	pml4[0] = (PML4_GPA + PAGE_SIZE_4K) | PTE_P_RW_US;
	pdpt[0] = (PML4_GPA + 2 * PAGE_SIZE_4K) | PTE_P_RW_US;
	for (i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P_RW_US | PTE_PS;
}

static inline void *guest_mem(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap %lu bytes", (unsigned long)size);
	return p;
}

static inline void set_slot(int vm, uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size,
			    void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uintptr_t)hva,
	};

	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r))
		die("KVM_SET_USER_MEMORY_REGION slot %u", slot);
}

static inline void set_long_mode(int vcpu, int cpl)
{
	struct kvm_segment seg = {
		.base = 0, .limit = 0xffffffff, .present = 1, .dpl = cpl, .s = 1, .g = 1,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs))
		die("KVM_GET_SREGS");
	seg.type = 11;			/* code, execute/read, accessed */
	seg.l = 1;
	seg.selector = 0x18 | cpl;
	sregs.cs = seg;
	seg.type = 3;			/* data, read/write, accessed */
	seg.l = 0;
	seg.db = 1;
	seg.selector = 0x20 | cpl;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = seg;
	sregs.cr0 = 0x80000001;		/* PG, PE */
	sregs.cr3 = PML4_GPA;
	sregs.cr4 = 0x20;		/* PAE */
	sregs.efer = 0x500;		/* LMA, LME */
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs))
		die("KVM_SET_SREGS (CPL%d)", cpl);
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_GPA;
	regs.rflags = 2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs))
		die("KVM_SET_REGS");
}

/* The vCPU gets the CPUID KVM supports: without it, no long mode (EFER.LME). */
static inline void set_supported_cpuid(int kvm, int vcpu)
{
	const int max_entries = 256;
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) +
					  max_entries * sizeof(struct kvm_cpuid_entry2));

	if (!cpuid)
		die("out of memory");
	cpuid->nent = max_entries;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid))
		die("KVM_GET_SUPPORTED_CPUID");
	if (ioctl(vcpu, KVM_SET_CPUID2, cpuid))
		die("KVM_SET_CPUID2");
	free(cpuid);
}

/* A VM with a dirty ring of @ring_bytes, or 0 if KVM refuses that size. */
static inline int repro_vm_create(struct repro_vm *v, uint32_t ring_bytes, uint64_t npages, int cpl)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_DIRTY_LOG_RING, .args = { ring_bytes } };
	uint8_t *sys;
	long run_size;

	memset(v, 0, sizeof(*v));
	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm < 0)
		skip("cannot open /dev/kvm");
	if (ioctl(v->kvm, KVM_CHECK_EXTENSION, KVM_CAP_DIRTY_LOG_RING) <= 0)
		skip("KVM_CAP_DIRTY_LOG_RING not supported");
	v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0);
	if (v->vm < 0)
		die("KVM_CREATE_VM");
	if (ioctl(v->vm, KVM_ENABLE_CAP, &cap)) {
		close(v->vm);
		close(v->kvm);
		return 0;
	}
	v->entries = ring_bytes / sizeof(struct kvm_dirty_gfn);
	v->npages = npages;
	sys = guest_mem(SYS_PAGES * PAGE_SIZE_4K);
	guest_setup(sys, npages);
	set_slot(v->vm, 0, 0, CODE_GPA, SYS_PAGES * PAGE_SIZE_4K, sys);
	set_slot(v->vm, DATA_SLOT, KVM_MEM_LOG_DIRTY_PAGES, DATA_GPA, npages * PAGE_SIZE_4K,
		 guest_mem(npages * PAGE_SIZE_4K));
	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0)
		die("KVM_CREATE_VCPU");
	run_size = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	v->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	v->ring = mmap(NULL, ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu,
		       KVM_DIRTY_LOG_PAGE_OFFSET * getpagesize());
	if (v->run == MAP_FAILED || v->ring == MAP_FAILED)
		die("mmap of kvm_run or the dirty ring");
	set_supported_cpuid(v->kvm, v->vcpu);
	set_long_mode(v->vcpu, cpl);
	return 1;
}

static inline struct kvm_dirty_gfn *ring_entry(struct repro_vm *v, uint32_t index)
{
	return &v->ring[index & (v->entries - 1)];
}

/* Run once; returns the exit reason (KVM_EXIT_MMIO = the guest's round done). */
static inline uint32_t repro_run(struct repro_vm *v)
{
	if (ioctl(v->vcpu, KVM_RUN, 0) && errno != EINTR)
		die("KVM_RUN");
	if (v->run->exit_reason == KVM_EXIT_MMIO && v->run->mmio.phys_addr != GUEST_DONE_GPA)
		die("unexpected MMIO exit at %#llx", (unsigned long long)v->run->mmio.phys_addr);
	return v->run->exit_reason;
}

/*
 * Harvest every DIRTY entry from the fetch index on: mark it RESET, set its
 * page's bit in @seen (may be NULL).  Returns how many were harvested.
 */
static inline uint32_t repro_harvest(struct repro_vm *v, uint8_t *seen)
{
	uint32_t n = 0;

	for (;;) {
		struct kvm_dirty_gfn *e = ring_entry(v, v->fetch);

		if (!(__atomic_load_n(&e->flags, __ATOMIC_ACQUIRE) & KVM_DIRTY_GFN_F_DIRTY))
			return n;
		if (seen && e->slot == DATA_SLOT && e->offset < v->npages)
			seen[e->offset] = 1;
		__atomic_store_n(&e->flags, KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
		v->fetch++;
		n++;
	}
}

static inline int repro_reset(struct repro_vm *v)
{
	int r = ioctl(v->vm, KVM_RESET_DIRTY_RINGS, 0);

	if (r < 0 && errno != EINTR)
		die("KVM_RESET_DIRTY_RINGS");
	return r;
}

/* Print new WARNING/BUG lines of the kernel log since @fd was opened. */
static inline int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static inline int kmsg_harm(int fd)
{
	char rec[1024];
	int harm = 0;
	ssize_t n;

	if (fd < 0) {
		printf("kernel log unreadable: not checked\n");
		return 0;
	}
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		char *msg;

		if (n < 0)
			continue;
		rec[n] = '\0';
		rec[strcspn(rec, "\n")] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		if (!strncmp(msg, "WARNING:", 8) || !strncmp(msg, "BUG:", 4)) {
			printf("kernel log: %s\n", msg);
			harm++;
		}
	}
	close(fd);
	return harm;
}

#endif /* REPRO_VM_H */
