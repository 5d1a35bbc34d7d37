/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * arm64 guest bring-up: the vCPU from KVM_ARM_PREFERRED_TARGET and
 * KVM_ARM_VCPU_INIT, stage-1 page tables (4 KiB granule, 48-bit VA), an
 * exception vector table that reports to the host, and the register state
 * that starts the vCPU at EL1 or at EL0.
 */
#ifndef SELFTEST_KVM_PROCESSOR_H
#define SELFTEST_KVM_PROCESSOR_H

#include "kvm_util.h"

#define GUEST_STACK_PAGES	4

/* The guest levels' names in case names and -g (kvm_util.h). */
#define GUEST_KERNEL_LEVEL_NAME	"el1"
#define GUEST_USER_LEVEL_NAME	"el0"
/* How reports name the program counter and stack pointer. */
#define ARCH_PC_NAME		"PC"
#define ARCH_SP_NAME		"SP"
/* What the report of a guest write to an unmapped GVA 0xdead000 contains. */
#define GUEST_FAULT_REPORT	"data abort, translation fault"
#define GUEST_FAULT_ADDR_REPORT	"FAR 0xdead000"

/* KVM_GET_ONE_REG/KVM_SET_ONE_REG ids. */
#define ARM64_CORE_REG(x)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
				 KVM_REG_ARM_CORE_REG(x))
#define SYS_SCTLR_EL1		ARM64_SYS_REG(3, 0, 1, 0, 0)
#define SYS_CPACR_EL1		ARM64_SYS_REG(3, 0, 1, 0, 2)
#define SYS_TTBR0_EL1		ARM64_SYS_REG(3, 0, 2, 0, 0)
#define SYS_TCR_EL1		ARM64_SYS_REG(3, 0, 2, 0, 2)
#define SYS_MAIR_EL1		ARM64_SYS_REG(3, 0, 10, 2, 0)
#define SYS_VBAR_EL1		ARM64_SYS_REG(3, 0, 12, 0, 0)
#define SYS_ID_AA64MMFR0_EL1	ARM64_SYS_REG(3, 0, 0, 7, 0)

struct ucall;

u64 vcpu_get_reg(struct kvm_vcpu *vcpu, u64 id);
void vcpu_set_reg(struct kvm_vcpu *vcpu, u64 id, u64 val);

/* Called by vm_create_cpl(): page-table root. */
void vm_arch_setup(struct kvm_vm *vm);
/* Called by vm_vcpu_add(): KVM_ARM_VCPU_INIT, system registers, stacks, PC. */
void vcpu_arch_setup(struct kvm_vcpu *vcpu, void *guest_code);
/* (Re)start the vCPU at guest_code() with an empty stack; arguments are cleared. */
void vcpu_set_entry(struct kvm_vcpu *vcpu, void *guest_code);
/* Map one guest page: gva -> gpa, read-write (the binary's text read-only). */
void virt_map_page(struct kvm_vm *vm, gva_t gva, gpa_t gpa);
/* Translate through the guest page tables; returns false if unmapped. */
bool virt_translate(struct kvm_vm *vm, gva_t gva, gpa_t *gpa);

u64 vcpu_arch_pc(struct kvm_vcpu *vcpu);
u64 vcpu_arch_sp(struct kvm_vcpu *vcpu);
/*
 * After a KVM_RUN that returned 0: complete an MMIO exit at once (a KVM_RUN
 * with immediate_exit), so that KVM's step over the MMIO instruction is
 * done before anyone reads or sets the PC.  Set after it, the PC would be
 * stepped past the first instruction of the new entry point.
 */
void vcpu_arch_run_done(struct kvm_vcpu *vcpu);
/* Decode the last exit as a ucall (false if it is none); fail on an exception report. */
bool ucall_arch_decode(struct kvm_vcpu *vcpu, struct ucall *uc);
void ucall_arch_fail_exception(struct kvm_vcpu *vcpu, struct ucall *uc) __attribute__((noreturn));

#endif /* SELFTEST_KVM_PROCESSOR_H */
