/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86_64 ucall: one port read from UCALL_PIO_PORT with the command in rdi
 * and the arguments in rsi, rcx, rbx, r8, r9.  The vCPU exits with
 * KVM_EXIT_IO and the host reads the registers back.  UCALL_UNHANDLED
 * passes vector, rip, error code, cr2, cs.
 */
#ifndef SELFTEST_KVM_UCALL_ARCH_H
#define SELFTEST_KVM_UCALL_ARCH_H

#define UCALL_PIO_PORT		0x1000

static inline void ucall(u64 cmd, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4)
{
	register u64 r8 asm("r8") = a3;
	register u64 r9 asm("r9") = a4;

	asm volatile("inb %%dx, %%al"
		     : : "d"(UCALL_PIO_PORT), "D"(cmd), "S"(a0), "c"(a1),
			 "b"(a2), "r"(r8), "r"(r9)
		     : "rax", "memory");
}

#endif /* SELFTEST_KVM_UCALL_ARCH_H */
