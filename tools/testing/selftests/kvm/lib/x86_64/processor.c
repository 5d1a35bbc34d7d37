// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86_64 guest bring-up.
 *
 * Every vCPU starts directly in 64-bit long mode from KVM_SET_SREGS: paging
 * with 4-level tables built here, a flat GDT with kernel and user segments, a
 * per-vCPU TSS whose RSP0 stack takes exceptions raised at CPL3, and an IDT
 * whose 32 exception gates report the vector and RIP to the host through a
 * ucall.  The guest privilege level of the VM picks the code and data
 * selectors (RPL/DPL 0 or 3).  For CPL3, the port I/O of a ucall is allowed
 * twice over: RFLAGS.IOPL = 3 (what VMX and SVM hosts check) and a TSS I/O
 * permission bitmap that grants every port (what kvm_pvm checks: it raises
 * #GP on IN at CPL3 without one, whatever the IOPL).  All pages are mapped with the U
 * bit at every level, and CR4.SMEP/SMAP stay clear, so the same tables serve
 * both levels.
 */
#include "kvm_util.h"
#include "processor.h"
#include "ucall.h"

#define EXC_STACK_PAGES		2
/* An I/O permission bitmap allowing every port, then the 0xff terminator byte. */
#define IO_BITMAP_BYTES		(65536 / 8)
#define TSS_BYTES		(sizeof(struct tss64) + IO_BITMAP_BYTES + 1)

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));

struct idt_gate {
	u16 offset0;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset1;
	u32 offset2;
	u32 reserved;
} __attribute__((packed));

/* Entry stubs, one per exception vector (handlers.S). */
extern const u64 exception_stubs[NR_EXCEPTION_VECTORS];

static const char *const exception_names[NR_EXCEPTION_VECTORS] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "(9)", "#TS", "#NP", "#SS", "#GP", "#PF", "(15)",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "(22)", "(23)",
	"(24)", "(25)", "(26)", "(27)", "#HV", "#VC", "#SX", "(31)",
};

const char *exception_name(u64 vector)
{
	return vector < NR_EXCEPTION_VECTORS ? exception_names[vector] : "(?)";
}

/* Guest side: called by the entry stubs on the exception stack, at CPL0. */
void route_exception(struct ex_regs *regs)
{
	u64 cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	ucall(UCALL_UNHANDLED, regs->vector, regs->rip, regs->error_code, cr2, regs->cs);
}

/* Returns the leaf PTE for gva, allocating intermediate tables if asked. */
static u64 *virt_pte(struct kvm_vm *vm, gva_t gva, bool alloc)
{
	return virt_pte_4level(vm, gva, alloc, PTE_PRESENT,
			       PTE_PRESENT | PTE_WRITABLE | PTE_USER, PTE_ADDR_MASK);
}

void virt_map_page(struct kvm_vm *vm, gva_t gva, gpa_t gpa)
{
	u64 *pte = virt_pte(vm, gva, true);

	TEST_ASSERT(!(gva & (GUEST_PAGE_SIZE - 1)) && !(gpa & (GUEST_PAGE_SIZE - 1)),
		    "unaligned mapping %#lx -> %#lx", gva, gpa);
	*pte = gpa | PTE_PRESENT | PTE_WRITABLE | PTE_USER;
}

bool virt_translate(struct kvm_vm *vm, gva_t gva, gpa_t *gpa)
{
	u64 *pte = virt_pte(vm, gva, false);

	if (!pte || !(*pte & PTE_PRESENT))
		return false;
	*gpa = (*pte & PTE_ADDR_MASK) | (gva & (GUEST_PAGE_SIZE - 1));
	return true;
}

static u64 gdt_tss_low(gva_t base, u32 limit)
{
	return (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ul << 40) |
	       ((u64)(limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
}

void vm_arch_setup(struct kvm_vm *vm)
{
	struct idt_gate *idt;
	u64 *gdt;
	int i;

	vm->pgd = vm_phys_pages_alloc(vm, 1);
	vm->gdt = vm_vaddr_alloc(vm, 1);
	vm->idt = vm_vaddr_alloc(vm, 1);

	gdt = addr_gva2hva(vm, vm->gdt);
	gdt[GDT_KERNEL_CS / 8] = 0x00af9b000000fffful;
	gdt[GDT_KERNEL_DS / 8] = 0x00cf93000000fffful;
	gdt[GDT_USER_CS / 8] = 0x00affb000000fffful;
	gdt[GDT_USER_DS / 8] = 0x00cff3000000fffful;
	/* The TSS descriptor is only a placeholder: each vCPU's TR is loaded from its sregs. */
	gdt[GDT_TSS / 8] = gdt_tss_low(0, TSS_BYTES - 1);

	idt = addr_gva2hva(vm, vm->idt);
	for (i = 0; i < NR_EXCEPTION_VECTORS; i++) {
		u64 addr = exception_stubs[i];

		idt[i] = (struct idt_gate) {
			.offset0 = addr & 0xffff,
			.selector = GDT_KERNEL_CS,
			.type_attr = 0x8e,	/* present, DPL0, 64-bit interrupt gate */
			.offset1 = (addr >> 16) & 0xffff,
			.offset2 = addr >> 32,
		};
	}
}

static void vcpu_init_cpuid(struct kvm_vcpu *vcpu)
{
	int nent = 128;
	struct kvm_cpuid2 *cpuid;

	for (;;) {
		cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
		TEST_ASSERT(cpuid, "out of memory");
		cpuid->nent = nent;
		if (!__kvm_ioctl(vcpu->vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid))
			break;
		TEST_ASSERT(errno == E2BIG, "KVM_GET_SUPPORTED_CPUID failed");
		free(cpuid);
		nent *= 2;
	}
	vcpu_ioctl(vcpu, KVM_SET_CPUID2, cpuid);
	free(cpuid);
}

static struct kvm_segment flat_segment(u16 selector, bool code, u8 dpl)
{
	return (struct kvm_segment) {
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector | dpl,
		.type = code ? 0xb : 0x3,
		.present = 1,
		.dpl = dpl,
		.db = !code,
		.s = 1,
		.l = code,
		.g = 1,
	};
}

static void vcpu_init_sregs(struct kvm_vcpu *vcpu)
{
	struct kvm_vm *vm = vcpu->vm;
	u8 dpl = vm->cpl == GUEST_CPL3 ? 3 : 0;
	u16 cs = dpl ? GDT_USER_CS : GDT_KERNEL_CS;
	u16 ds = dpl ? GDT_USER_DS : GDT_KERNEL_DS;
	struct kvm_sregs sregs;

	vcpu_sregs_get(vcpu, &sregs);
	sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
	sregs.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	sregs.efer = EFER_LME | EFER_LMA;
	sregs.cr3 = vm->pgd;
	sregs.cs = flat_segment(cs, true, dpl);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = flat_segment(ds, false, dpl);
	sregs.gdt.base = vm->gdt;
	sregs.gdt.limit = GDT_ENTRIES * 8 - 1;
	sregs.idt.base = vm->idt;
	sregs.idt.limit = NR_EXCEPTION_VECTORS * sizeof(struct idt_gate) - 1;
	sregs.tr = (struct kvm_segment) {
		.base = vcpu->tss,
		.limit = TSS_BYTES - 1,
		.selector = GDT_TSS,
		.type = 0xb,	/* busy 64-bit TSS */
		.present = 1,
	};
	sregs.ldt = (struct kvm_segment) { .type = 2, .present = 1, .limit = 0xffff };
	vcpu_sregs_set(vcpu, &sregs);
}

void vcpu_arch_setup(struct kvm_vcpu *vcpu, void *guest_code)
{
	struct kvm_vm *vm = vcpu->vm;
	gva_t stack = vm_vaddr_alloc(vm, GUEST_STACK_PAGES);
	gva_t exc_stack = vm_vaddr_alloc(vm, EXC_STACK_PAGES);
	struct tss64 *tss;

	vcpu->tss = vm_vaddr_alloc(vm, DIV_ROUND_UP(TSS_BYTES, GUEST_PAGE_SIZE));
	tss = addr_gva2hva(vm, vcpu->tss);
	tss->rsp[0] = exc_stack + EXC_STACK_PAGES * GUEST_PAGE_SIZE;
	tss->iomap_base = sizeof(*tss);
	/* the bitmap itself is zero (all ports allowed); terminate it */
	((u8 *)tss)[TSS_BYTES - 1] = 0xff;

	vcpu_init_cpuid(vcpu);
	vcpu_init_sregs(vcpu);

	vcpu->stack_top = stack + GUEST_STACK_PAGES * GUEST_PAGE_SIZE;
	vcpu_set_entry(vcpu, guest_code);
}

void vcpu_set_entry(struct kvm_vcpu *vcpu, void *guest_code)
{
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_regs regs = {};

	/* guest_code() starts as if called: return address on a 16-byte aligned stack */
	*(u64 *)addr_gva2hva(vm, vcpu->stack_top - 8) = (u64)guest_code_returned;
	regs.rsp = vcpu->stack_top - 8;
	regs.rip = (u64)guest_code;
	regs.rflags = X86_EFLAGS_FIXED | (vm->cpl == GUEST_CPL3 ? X86_EFLAGS_IOPL3 : 0);
	vcpu_regs_set(vcpu, &regs);
}

void vcpu_regs_get(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	vcpu_ioctl(vcpu, KVM_GET_REGS, regs);
}

void vcpu_regs_set(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	vcpu_ioctl(vcpu, KVM_SET_REGS, regs);
}

void vcpu_sregs_get(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	vcpu_ioctl(vcpu, KVM_GET_SREGS, sregs);
}

void vcpu_sregs_set(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	vcpu_ioctl(vcpu, KVM_SET_SREGS, sregs);
}

u64 vcpu_arch_pc(struct kvm_vcpu *vcpu)
{
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	return regs.rip;
}

u64 vcpu_arch_sp(struct kvm_vcpu *vcpu)
{
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	return regs.rsp;
}

void vcpu_args_set(struct kvm_vcpu *vcpu, unsigned int nargs, ...)
{
	struct kvm_regs regs;
	u64 *const arg_regs[] = { (u64 *)&regs.rdi, (u64 *)&regs.rsi, (u64 *)&regs.rdx,
				  (u64 *)&regs.rcx, (u64 *)&regs.r8, (u64 *)&regs.r9 };
	va_list ap;
	unsigned int i;

	TEST_ASSERT(nargs <= ARRAY_SIZE(arg_regs), "at most 6 guest arguments, got %u", nargs);
	vcpu_regs_get(vcpu, &regs);
	va_start(ap, nargs);
	for (i = 0; i < nargs; i++)
		*arg_regs[i] = va_arg(ap, u64);
	va_end(ap);
	vcpu_regs_set(vcpu, &regs);
}

bool ucall_arch_decode(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;

	if (run->exit_reason != KVM_EXIT_IO || run->io.port != UCALL_PIO_PORT ||
	    run->io.direction != KVM_EXIT_IO_IN)
		return false;
	vcpu_regs_get(vcpu, &regs);
	uc->cmd = regs.rdi;
	uc->args[0] = regs.rsi;
	uc->args[1] = regs.rcx;
	uc->args[2] = regs.rbx;
	uc->args[3] = regs.r8;
	uc->args[4] = regs.r9;
	return true;
}

void ucall_arch_fail_exception(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	TEST_FAIL("vCPU %u: unhandled guest exception %s (vector %lu) at RIP %#lx, error code %#lx, CR2 %#lx, CS %#lx",
		  vcpu->id, exception_name(uc->args[0]), uc->args[0], uc->args[1],
		  uc->args[2], uc->args[3], uc->args[4]);
}
