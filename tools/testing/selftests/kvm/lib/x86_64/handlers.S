/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Exception entry stubs: push a zero error code where the CPU pushes none,
 * push the vector, save the general registers as struct ex_regs, and call
 * route_exception(), which reports to the host and never returns.
 */
	.text

.macro EXC_NOERR vec
	.align 16
exc_\vec:
	pushq $0
	pushq $\vec
	jmp exception_common
.endm

.macro EXC_ERR vec
	.align 16
exc_\vec:
	pushq $\vec
	jmp exception_common
.endm

.irp vec, 0, 1, 2, 3, 4, 5, 6, 7, 9, 15, 16, 18, 19, 20, 22, 23, 24, 25, 26, 27, 28, 31
	EXC_NOERR \vec
.endr
.irp vec, 8, 10, 11, 12, 13, 14, 17, 21, 29, 30
	EXC_ERR \vec
.endr

	.align 16
exception_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	call route_exception
1:	hlt
	jmp 1b

	.section .rodata
	.align 8
	.globl exception_stubs
exception_stubs:
.irp vec, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	.quad exc_\vec
.endr

	.section .note.GNU-stack, "", @progbits
