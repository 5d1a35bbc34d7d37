// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host side of ucall: the arch decodes the exit (see ucall.h); and the one
 * piece of guest code every arch shares.
 */
#include "kvm_util.h"
#include "processor.h"
#include "ucall.h"

void guest_code_returned(void)
{
	for (;;)
		GUEST_DONE();
}

static u64 __get_ucall(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	memset(uc, 0, sizeof(*uc));
	if (!ucall_arch_decode(vcpu, uc))
		return UCALL_NONE;
	return uc->cmd;
}

/* A guest exception is always a test failure; vcpu_run() calls this. */
void ucall_assert_no_exception(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	if (__get_ucall(vcpu, &uc) == UCALL_UNHANDLED)
		ucall_arch_fail_exception(vcpu, &uc);
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
	if (got != cmd)
		TEST_FAIL("vCPU %u: wanted ucall %lu, got ucall %lu (exit %s) at " ARCH_PC_NAME " %#lx",
			  vcpu->id, cmd, got, exit_reason_str(vcpu->run->exit_reason),
			  vcpu_arch_pc(vcpu));
	return uc.args[0];
}
