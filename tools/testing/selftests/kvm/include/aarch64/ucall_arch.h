/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * arm64 ucall: one 64-bit store of the command (x0) to UCALL_MMIO_GPA, an
 * address in no memslot, with the arguments in x1..x5.  The vCPU exits with
 * KVM_EXIT_MMIO and the host reads the registers back.  The store is a plain
 * STR with a base register, so that the data abort carries a valid syndrome
 * (ESR_EL2.ISV) and KVM can hand it to userspace.  UCALL_UNHANDLED passes
 * the vector index, ELR_EL1, ESR_EL1, FAR_EL1 and SPSR_EL1.
 */
#ifndef SELFTEST_KVM_UCALL_ARCH_H
#define SELFTEST_KVM_UCALL_ARCH_H

/* Below the default 40-bit IPA space, above any test memslot. */
#define UCALL_MMIO_GPA		0xfff0000000ul

static inline void ucall(u64 cmd, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4)
{
	register u64 x0 asm("x0") = cmd;
	register u64 x1 asm("x1") = a0;
	register u64 x2 asm("x2") = a1;
	register u64 x3 asm("x3") = a2;
	register u64 x4 asm("x4") = a3;
	register u64 x5 asm("x5") = a4;
	register u64 x6 asm("x6") = UCALL_MMIO_GPA;

	asm volatile("str x0, [x6]"
		     : : "r"(x0), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5), "r"(x6)
		     : "memory");
}

#endif /* SELFTEST_KVM_UCALL_ARCH_H */
