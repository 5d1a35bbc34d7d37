// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host side of ucall: decode the port read a guest made (see ucall.h).
 */
#include "kvm_util.h"
#include "processor.h"
#include "ucall.h"

static bool exit_is_ucall(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	return run->exit_reason == KVM_EXIT_IO && run->io.port == UCALL_PIO_PORT &&
	       run->io.direction == KVM_EXIT_IO_IN;
}

static u64 __get_ucall(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	struct kvm_regs regs;

	memset(uc, 0, sizeof(*uc));
	if (!exit_is_ucall(vcpu))
		return UCALL_NONE;
	vcpu_regs_get(vcpu, &regs);
	uc->cmd = regs.rdi;
	uc->args[0] = regs.rsi;
	uc->args[1] = regs.rcx;
	uc->args[2] = regs.rbx;
	uc->args[3] = regs.r8;
	uc->args[4] = regs.r9;
	return uc->cmd;
}

/* A guest exception is always a test failure; vcpu_run() calls this. */
void ucall_assert_no_exception(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	if (__get_ucall(vcpu, &uc) != UCALL_UNHANDLED)
		return;
	TEST_FAIL("vCPU %u: unhandled guest exception %s (vector %lu) at RIP %#lx, error code %#lx, CR2 %#lx, CS %#lx",
		  vcpu->id, exception_name(uc.args[0]), uc.args[0], uc.args[1],
		  uc.args[2], uc.args[3], uc.args[4]);
}

u64 get_ucall_checked(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	u64 cmd = __get_ucall(vcpu, uc);

	if (cmd == UCALL_ABORT)
		TEST_FAIL("vCPU %u: guest assertion '%s' failed at %s:%lu, values %#lx (%ld) vs %#lx (%ld)",
			  vcpu->id, (const char *)uc->args[0], (const char *)uc->args[1],
			  uc->args[2], uc->args[3], (s64)uc->args[3], uc->args[4],
			  (s64)uc->args[4]);
	return cmd;
}

u64 vcpu_run_expect_ucall(struct kvm_vcpu *vcpu, u64 cmd)
{
	struct ucall uc;
	u64 got;

	vcpu_run(vcpu);
	got = get_ucall_checked(vcpu, &uc);
	if (got != cmd) {
		struct kvm_regs regs;

		vcpu_regs_get(vcpu, &regs);
		TEST_FAIL("vCPU %u: wanted ucall %lu, got ucall %lu (exit %s) at RIP %#llx",
			  vcpu->id, cmd, got, exit_reason_str(vcpu->run->exit_reason), regs.rip);
	}
	return uc.args[0];
}
