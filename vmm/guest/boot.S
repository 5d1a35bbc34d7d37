/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * boot.S: the multiboot header, the BSP's entry, the flat GDT, exception
 * stubs, and the AP's real-mode trampoline (copied below 1 MiB by
 * start_ap(), entered by the SIPI) that switches to protected mode and
 * joins the C code on a stack of its own.
 */

#define MB_MAGIC	0x1badb002
/* Modules page aligned, memory information wanted; the loader reads the ELF. */
#define MB_FLAGS	0x00000003

#define CODE_SEL	0x08
#define DATA_SEL	0x10
#define STACK_SIZE	16384
#define MAX_APS		1	/* DG_MAX_CPUS - 1 */

	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	cli
	cld
	movl	$bsp_stack_top, %esp
	/* The loader's GDT may be gone; take ours. */
	lgdt	gdt_desc
	ljmp	$CODE_SEL, $1f
1:	movw	$DATA_SEL, %cx
	movw	%cx, %ds
	movw	%cx, %es
	movw	%cx, %fs
	movw	%cx, %gs
	movw	%cx, %ss
	lidt	idt_desc
	/* Clear .bss (the stacks are there too, this one is unused yet). */
	movl	%eax, %esi
	movl	$__bss_start, %edi
	movl	$_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb
	pushl	%ebx		/* multiboot information */
	pushl	%esi		/* the loader's magic */
	call	dg_main
2:	cli
	hlt
	jmp	2b

/*
 * Exceptions: each stub pushes a zero where the CPU pushes no error code,
 * then its vector; exception_report() names both and the faulting EIP.
 * exc_handlers[] (in .rodata) lists the stubs for setup_idt().
 */
	.section .rodata
	.balign 4
	.globl exc_handlers
exc_handlers:
	.text

.macro exc_stub vec
exc_\vec:
	.if (\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
	.else
	pushl	$0
	.endif
	pushl	$\vec
	jmp	exc_common
	.pushsection .rodata
	.long	exc_\vec
	.popsection
.endm

	.irp vec, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
		16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	exc_stub \vec
	.endr

exc_common:
	/* vector, error code, eip, cs, eflags: exception_report(vector, err, eip) */
	call	exception_report
3:	cli
	hlt
	jmp	3b

/*
 * The AP starts here in real mode at vector << 12, CS = vector << 8, IP 0.
 * Position independent: everything is addressed from CS.
 */
	.text
	.code16
	.globl ap_trampoline
ap_trampoline:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	ap_gdt_desc - ap_trampoline
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$CODE_SEL, $ap_pm32
	.balign 4
ap_gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
	.globl ap_trampoline_end
ap_trampoline_end:

	.code32
ap_pm32:
	movw	$DATA_SEL, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	lidt	idt_desc
	/* Take a number; an AP beyond the ones we have stacks for stops. */
	movl	$1, %eax
	lock xaddl %eax, ap_count
	cmpl	$MAX_APS, %eax
	jae	4f
	leal	1(%eax), %ecx		/* CPU number: the BSP is 0 */
	imull	$STACK_SIZE, %ecx, %esp
	addl	$ap_stacks, %esp
	pushl	%ecx
	call	ap_main
4:	cli
	hlt
	jmp	4b

	.section .rodata
	.balign 8
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* CODE_SEL: flat 4 GiB, 32-bit code */
	.quad	0x00cf92000000ffff	/* DATA_SEL: flat 4 GiB data */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.data
	.balign 8
	.globl idt
idt:
	.fill	32, 8, 0
idt_desc:
	.word	32 * 8 - 1
	.long	idt

	.bss
	.balign 16
bsp_stack:
	.skip	STACK_SIZE
bsp_stack_top:
	.balign 16
ap_stacks:
	/* ap_stacks + cpu * STACK_SIZE tops the stack of CPU cpu >= 1 */
	.skip	STACK_SIZE * MAX_APS

	.section .note.GNU-stack, "", @progbits
