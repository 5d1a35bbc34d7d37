// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64 guest bring-up.
 *
 * Every vCPU is initialised with the target KVM prefers and starts with the
 * MMU on: stage-1 tables built here (4 KiB granule, 48-bit VA through
 * TTBR0_EL1, TTBR1 walks disabled), normal write-back memory everywhere but
 * the ucall page, which is device memory.  The guest level of the VM picks
 * the entry state: EL1h on the vCPU's stack, or EL0t with the stack in
 * SP_EL0 and an exception stack in SP_EL1.
 *
 * One set of tables cannot serve both levels: the architecture makes every
 * page that EL0 may write privileged-execute-never.  So an EL1 VM maps its
 * pages for EL1 only, and an EL0 VM maps the test binary's text read-only
 * at both levels (executable at both: the vector table and the exception
 * path run at EL1 from it) and every other page read-write at both and
 * privileged-execute-never.  PSTATE.PAN stays clear (SCTLR_EL1.SPAN), so
 * the exception path at EL1 may touch pages EL0 can.  FP/SIMD is enabled at
 * both levels (CPACR_EL1.FPEN): the compiler uses it in ordinary C.
 */
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall.h"

#define EXC_STACK_PAGES		2

#define PTE_VALID		(1ul << 0)
#define PTE_TABLE		(1ul << 1)	/* table, or page at the last level */
#define PTE_ATTR_NORMAL		(0ul << 2)	/* MAIR_EL1 attribute 0 */
#define PTE_ATTR_DEVICE		(1ul << 2)	/* MAIR_EL1 attribute 1 */
#define PTE_AP_EL0		(1ul << 6)
#define PTE_AP_RO		(1ul << 7)
#define PTE_SH_INNER		(3ul << 8)
#define PTE_AF			(1ul << 10)
#define PTE_PXN			(1ul << 53)
#define PTE_UXN			(1ul << 54)
#define PTE_ADDR_MASK		0x0000fffffffff000ul

#define MAIR_NORMAL_WB		0xfful		/* inner and outer write-back */
#define MAIR_DEVICE_NGNRE	0x04ul

#define TCR_T0SZ_48		16ul
#define TCR_IRGN0_WBWA		(1ul << 8)
#define TCR_ORGN0_WBWA		(1ul << 10)
#define TCR_SH0_INNER		(3ul << 12)
#define TCR_EPD1		(1ul << 23)
#define TCR_IPS_SHIFT		32

#define SCTLR_M			(1ul << 0)
#define SCTLR_C			(1ul << 2)
#define SCTLR_I			(1ul << 12)
#define SCTLR_DZE		(1ul << 14)
#define SCTLR_UCT		(1ul << 15)
#define SCTLR_NTWI		(1ul << 16)
#define SCTLR_NTWE		(1ul << 18)
#define SCTLR_SPAN		(1ul << 23)
#define SCTLR_UCI		(1ul << 26)
/* RES1 in ARMv8.0: bits 11, 20, 22, 23, 28, 29. */
#define SCTLR_RES1		((1ul << 11) | (1ul << 20) | (1ul << 22) | (1ul << 23) | \
				 (1ul << 28) | (1ul << 29))

#define CPACR_FPEN		(3ul << 20)

#define PSR_DAIF		(0xful << 6)
#define PSR_MODE_EL0T		0x0ul
#define PSR_MODE_EL1H		0x5ul

#define MMFR0_PARANGE(v)	((v) & 0xf)
#define MMFR0_TGRAN4(v)		(((v) >> 28) & 0xf)
#define MMFR0_TGRAN4_NONE	0xf
#define IPS_40BIT		2ul

extern char exception_vectors[];
/* From the default linker script: the test binary's text. */
extern char __executable_start[], etext[];

u64 vcpu_get_reg(struct kvm_vcpu *vcpu, u64 id)
{
	u64 val;
	struct kvm_one_reg reg = { .id = id, .addr = (u64)&val };

	vcpu_ioctl(vcpu, KVM_GET_ONE_REG, &reg);
	return val;
}

void vcpu_set_reg(struct kvm_vcpu *vcpu, u64 id, u64 val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (u64)&val };

	vcpu_ioctl(vcpu, KVM_SET_ONE_REG, &reg);
}

/* Guest side: called by the vector table at EL1. */
void route_exception(u64 vector, u64 elr, u64 esr, u64 far, u64 spsr)
{
	for (;;)
		ucall(UCALL_UNHANDLED, vector, elr, esr, far, spsr);
}

/* Returns the last-level descriptor for gva, allocating tables if asked. */
static u64 *virt_pte(struct kvm_vm *vm, gva_t gva, bool alloc)
{
	TEST_ASSERT(gva < (1ul << 48), "guest virtual address %#lx beyond 48 bits", gva);
	return virt_pte_4level(vm, gva, alloc, PTE_VALID, PTE_VALID | PTE_TABLE, PTE_ADDR_MASK);
}

static bool gva_is_text(gva_t gva)
{
	return gva >= ALIGN_DOWN((u64)__executable_start, GUEST_PAGE_SIZE) &&
	       gva < ALIGN_UP((u64)etext, GUEST_PAGE_SIZE);
}

static void map_page_attrs(struct kvm_vm *vm, gva_t gva, gpa_t gpa, u64 attrs)
{
	u64 *pte = virt_pte(vm, gva, true);

	TEST_ASSERT(!(gva & (GUEST_PAGE_SIZE - 1)) && !(gpa & (GUEST_PAGE_SIZE - 1)),
		    "unaligned mapping %#lx -> %#lx", gva, gpa);
	*pte = gpa | PTE_VALID | PTE_TABLE | PTE_AF | PTE_SH_INNER | attrs;
}

void virt_map_page(struct kvm_vm *vm, gva_t gva, gpa_t gpa)
{
	u64 attrs = PTE_ATTR_NORMAL;

	if (vm->cpl != GUEST_CPL3)
		attrs |= PTE_UXN;
	else if (gva_is_text(gva))
		attrs |= PTE_AP_EL0 | PTE_AP_RO;
	else
		attrs |= PTE_AP_EL0 | PTE_PXN;
	map_page_attrs(vm, gva, gpa, attrs);
}

bool virt_translate(struct kvm_vm *vm, gva_t gva, gpa_t *gpa)
{
	u64 *pte = virt_pte(vm, gva, false);

	if (!pte || !(*pte & PTE_VALID))
		return false;
	*gpa = (*pte & PTE_ADDR_MASK) | (gva & (GUEST_PAGE_SIZE - 1));
	return true;
}

void vm_arch_setup(struct kvm_vm *vm)
{
	long page = sysconf(_SC_PAGESIZE);

	if (page != (long)GUEST_PAGE_SIZE)
		test_skip("host pages of %ld bytes: the library's memslots and guest mappings are in 4 KiB pages",
			  page);
	vm->pgd = vm_phys_pages_alloc(vm, 1);
	/* The ucall page: device memory at GVA == GPA, in no memslot. */
	map_page_attrs(vm, UCALL_MMIO_GPA, UCALL_MMIO_GPA,
		       PTE_ATTR_DEVICE | PTE_PXN | PTE_UXN |
		       (vm->cpl == GUEST_CPL3 ? PTE_AP_EL0 : 0));
}

static void vcpu_init_sysregs(struct kvm_vcpu *vcpu)
{
	u64 mmfr0 = vcpu_get_reg(vcpu, SYS_ID_AA64MMFR0_EL1);
	u64 ips = MMFR0_PARANGE(mmfr0) < IPS_40BIT ? MMFR0_PARANGE(mmfr0) : IPS_40BIT;

	if (MMFR0_TGRAN4(mmfr0) == MMFR0_TGRAN4_NONE)
		test_skip("the vCPU has no 4 KiB translation granule (ID_AA64MMFR0_EL1 %#lx)",
			  mmfr0);
	vcpu_set_reg(vcpu, SYS_CPACR_EL1, CPACR_FPEN);
	vcpu_set_reg(vcpu, SYS_MAIR_EL1, MAIR_NORMAL_WB | MAIR_DEVICE_NGNRE << 8);
	vcpu_set_reg(vcpu, SYS_TCR_EL1, TCR_T0SZ_48 | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA |
		     TCR_SH0_INNER | TCR_EPD1 | ips << TCR_IPS_SHIFT);
	vcpu_set_reg(vcpu, SYS_TTBR0_EL1, vcpu->vm->pgd);
	vcpu_set_reg(vcpu, SYS_VBAR_EL1, (u64)exception_vectors);
	vcpu_set_reg(vcpu, SYS_SCTLR_EL1, SCTLR_RES1 | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_DZE |
		     SCTLR_UCT | SCTLR_NTWI | SCTLR_NTWE | SCTLR_SPAN | SCTLR_UCI);
}

void vcpu_arch_setup(struct kvm_vcpu *vcpu, void *guest_code)
{
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_vcpu_init init = {};
	gva_t stack = vm_vaddr_alloc(vm, GUEST_STACK_PAGES);

	vm_ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init);
	vcpu_ioctl(vcpu, KVM_ARM_VCPU_INIT, &init);
	vcpu_init_sysregs(vcpu);
	vcpu->stack_top = stack + GUEST_STACK_PAGES * GUEST_PAGE_SIZE;
	if (vm->cpl == GUEST_CPL3)
		vcpu->exc_stack_top = vm_vaddr_alloc(vm, EXC_STACK_PAGES) +
				      EXC_STACK_PAGES * GUEST_PAGE_SIZE;
	vcpu_set_entry(vcpu, guest_code);
}

void vcpu_set_entry(struct kvm_vcpu *vcpu, void *guest_code)
{
	int i;

	for (i = 0; i < 6; i++)
		vcpu_set_reg(vcpu, ARM64_CORE_REG(regs.regs[i]), 0);
	/* guest_code() starts as if called from guest_code_returned() */
	vcpu_set_reg(vcpu, ARM64_CORE_REG(regs.regs[30]), (u64)guest_code_returned);
	vcpu_set_reg(vcpu, ARM64_CORE_REG(regs.pc), (u64)guest_code);
	if (vcpu->vm->cpl == GUEST_CPL3) {
		vcpu_set_reg(vcpu, ARM64_CORE_REG(regs.sp), vcpu->stack_top);
		vcpu_set_reg(vcpu, ARM64_CORE_REG(sp_el1), vcpu->exc_stack_top);
		vcpu_set_reg(vcpu, ARM64_CORE_REG(regs.pstate), PSR_DAIF | PSR_MODE_EL0T);
	} else {
		vcpu_set_reg(vcpu, ARM64_CORE_REG(sp_el1), vcpu->stack_top);
		vcpu_set_reg(vcpu, ARM64_CORE_REG(regs.pstate), PSR_DAIF | PSR_MODE_EL1H);
	}
}

void vcpu_args_set(struct kvm_vcpu *vcpu, unsigned int nargs, ...)
{
	va_list ap;
	unsigned int i;

	TEST_ASSERT(nargs <= 6, "at most 6 guest arguments, got %u", nargs);
	va_start(ap, nargs);
	for (i = 0; i < nargs; i++)
		vcpu_set_reg(vcpu, ARM64_CORE_REG(regs.regs[i]), va_arg(ap, u64));
	va_end(ap);
}

u64 vcpu_arch_pc(struct kvm_vcpu *vcpu)
{
	return vcpu_get_reg(vcpu, ARM64_CORE_REG(regs.pc));
}

u64 vcpu_arch_sp(struct kvm_vcpu *vcpu)
{
	u64 pstate = vcpu_get_reg(vcpu, ARM64_CORE_REG(regs.pstate));

	return vcpu_get_reg(vcpu, (pstate & 0xf) == PSR_MODE_EL1H ? ARM64_CORE_REG(sp_el1) :
			    ARM64_CORE_REG(regs.sp));
}

void vcpu_arch_run_done(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u32 reason = run->exit_reason;
	int ret;

	if (reason != KVM_EXIT_MMIO)
		return;
	run->immediate_exit = 1;
	ret = __vcpu_ioctl(vcpu, KVM_RUN, NULL);
	run->immediate_exit = 0;
	TEST_ASSERT(ret < 0 && errno == EINTR,
		    "vCPU %u: completing an MMIO exit: KVM_RUN with immediate_exit gave rc %d, errno %d, wanted EINTR%s",
		    vcpu->id, ret, errno, vm_dead_note(vcpu->vm));
	run->exit_reason = reason;
}

bool ucall_arch_decode(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	int i;

	if (run->exit_reason != KVM_EXIT_MMIO || run->mmio.phys_addr != UCALL_MMIO_GPA ||
	    !run->mmio.is_write)
		return false;
	uc->cmd = vcpu_get_reg(vcpu, ARM64_CORE_REG(regs.regs[0]));
	for (i = 0; i < UCALL_MAX_ARGS; i++)
		uc->args[i] = vcpu_get_reg(vcpu, ARM64_CORE_REG(regs.regs[i + 1]));
	return true;
}

static const char *const vector_names[16] = {
	"sync at EL1t", "IRQ at EL1t", "FIQ at EL1t", "SError at EL1t",
	"sync at EL1h", "IRQ at EL1h", "FIQ at EL1h", "SError at EL1h",
	"sync from EL0", "IRQ from EL0", "FIQ from EL0", "SError from EL0",
	"sync from AArch32", "IRQ from AArch32", "FIQ from AArch32", "SError from AArch32",
};

static const char *abort_fault(u64 fsc)
{
	switch (fsc & 0x3c) {
	case 0x04: return "translation fault";
	case 0x08: return "access flag fault";
	case 0x0c: return "permission fault";
	}
	return fsc == 0x21 ? "alignment fault" : "other fault";
}

static void describe_esr(u64 esr, char *buf, size_t size)
{
	u64 ec = esr >> 26, fsc = esr & 0x3f;

	switch (ec) {
	case 0x24:
	case 0x25:
		snprintf(buf, size, "data abort, %s (level %lu)", abort_fault(fsc), fsc & 3);
		return;
	case 0x20:
	case 0x21:
		snprintf(buf, size, "instruction abort, %s (level %lu)", abort_fault(fsc),
			 fsc & 3);
		return;
	case 0x00:
		snprintf(buf, size, "undefined instruction");
		return;
	case 0x15:
		snprintf(buf, size, "SVC");
		return;
	case 0x18:
		snprintf(buf, size, "trapped system register access");
		return;
	case 0x22:
		snprintf(buf, size, "PC alignment fault");
		return;
	case 0x26:
		snprintf(buf, size, "SP alignment fault");
		return;
	case 0x3c:
		snprintf(buf, size, "BRK");
		return;
	}
	snprintf(buf, size, "exception class %#lx", ec);
}

void ucall_arch_fail_exception(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	char what[96];

	describe_esr(uc->args[2], what, sizeof(what));
	TEST_FAIL("vCPU %u: unhandled guest exception, %s: %s (ESR %#lx) at PC %#lx, FAR %#lx, SPSR %#lx",
		  vcpu->id, uc->args[0] < 16 ? vector_names[uc->args[0]] : "(?)", what,
		  uc->args[2], uc->args[1], uc->args[3], uc->args[4]);
}
