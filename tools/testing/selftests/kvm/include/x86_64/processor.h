/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86_64 guest bring-up: 4-level page tables, GDT, TSS and IDT, and the
 * register state that starts a vCPU in long mode at CPL0 or CPL3.
 */
#ifndef SELFTEST_KVM_PROCESSOR_H
#define SELFTEST_KVM_PROCESSOR_H

#include "kvm_util.h"

#define X86_CR0_PE		(1ul << 0)
#define X86_CR0_MP		(1ul << 1)
#define X86_CR0_ET		(1ul << 4)
#define X86_CR0_NE		(1ul << 5)
#define X86_CR0_WP		(1ul << 16)
#define X86_CR0_AM		(1ul << 18)
#define X86_CR0_PG		(1ul << 31)
#define X86_CR4_PAE		(1ul << 5)
#define X86_CR4_OSFXSR		(1ul << 9)
#define X86_CR4_OSXMMEXCPT	(1ul << 10)
#define EFER_LME		(1ul << 8)
#define EFER_LMA		(1ul << 10)
#define X86_EFLAGS_FIXED	(1ul << 1)
#define X86_EFLAGS_IOPL3	(3ul << 12)

#define PTE_PRESENT		(1ul << 0)
#define PTE_WRITABLE		(1ul << 1)
#define PTE_USER		(1ul << 2)
#define PTE_ADDR_MASK		0x000ffffffffff000ul

/* GDT layout shared by every VM. */
#define GDT_KERNEL_CS		0x08
#define GDT_KERNEL_DS		0x10
#define GDT_USER_CS		0x18
#define GDT_USER_DS		0x20
#define GDT_TSS			0x28
#define GDT_ENTRIES		8

#define GUEST_STACK_PAGES	4
#define NR_EXCEPTION_VECTORS	32

/* Saved by the exception entry stubs, lowest address first. */
struct ex_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

const char *exception_name(u64 vector);

/* Called by vm_create_cpl(): descriptor tables and page-table root. */
void vm_arch_setup(struct kvm_vm *vm);
/* Called by vm_vcpu_add(): CPUID, TSS, segments, CR0/3/4, EFER, stack, RIP. */
void vcpu_arch_setup(struct kvm_vcpu *vcpu, void *guest_code);
/* (Re)start the vCPU at guest_code() with an empty stack; arguments are cleared. */
void vcpu_set_entry(struct kvm_vcpu *vcpu, void *guest_code);
/* Map one guest page: gva -> gpa, present, writable, user. */
void virt_map_page(struct kvm_vm *vm, gva_t gva, gpa_t gpa);
/* Translate through the guest page tables; returns false if unmapped. */
bool virt_translate(struct kvm_vm *vm, gva_t gva, gpa_t *gpa);

#endif /* SELFTEST_KVM_PROCESSOR_H */
