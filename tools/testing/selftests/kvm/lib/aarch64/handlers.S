/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The exception vector table (VBAR_EL1): 16 entries of 128 bytes, each
 * passing its index and the exception's syndrome registers to
 * route_exception(), which reports to the host and never returns.
 */
	.text
	.align 11
	.global exception_vectors
exception_vectors:
.irp idx, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.align 7
	mov	x0, #\idx
	b	exception_common
.endr

exception_common:
	mrs	x1, elr_el1
	mrs	x2, esr_el1
	mrs	x3, far_el1
	mrs	x4, spsr_el1
	bl	route_exception
1:	b	1b

	.section .note.GNU-stack, "", %progbits
