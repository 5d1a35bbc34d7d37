/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ucall: how guest code talks to the host.
 *
 * The guest traps to the host with the command and up to five arguments in
 * registers, in the arch's way (ucall_arch.h): one exit and a handful of
 * instructions, no guest memory involved, which matters where guest code
 * is emulated.
 *
 * Strings passed by the guest (file names, assertion text) are pointers into
 * the test binary, which the guest sees at the same addresses as the host.
 */
#ifndef SELFTEST_KVM_UCALL_H
#define SELFTEST_KVM_UCALL_H

#include "test_util.h"

#define UCALL_MAX_ARGS		5

enum {
	UCALL_NONE,
	UCALL_SYNC,		/* args[0]: stage or value */
	UCALL_DONE,
	UCALL_ABORT,		/* expr, file, line, a, b */
	UCALL_UNHANDLED,	/* an exception: the arch's five values (ucall_arch.h) */
};

struct ucall {
	u64 cmd;
	u64 args[UCALL_MAX_ARGS];
};

#include "ucall_arch.h"

/* The host finds arg in args[0] (upstream's GUEST_SYNC(stage): args[1]). */
#define GUEST_SYNC_VALUE(arg)		ucall(UCALL_SYNC, (u64)(arg), 0, 0, 0, 0)
#define GUEST_DONE()		ucall(UCALL_DONE, 0, 0, 0, 0, 0)

/* A failed guest assertion: the host reports it as a test failure. */
#define __GUEST_ASSERT(cond, text, a, b)					\
do {										\
	if (!(cond))								\
		ucall(UCALL_ABORT, (u64)(text), (u64)__FILE__, __LINE__,	\
		      (u64)(a), (u64)(b));					\
} while (0)

#define GUEST_ASSERT(cond)	__GUEST_ASSERT(cond, #cond, 0, 0)
#define GUEST_ASSERT_EQ(a, b)							\
do {										\
	u64 __ga = (u64)(a), __gb = (u64)(b);					\
	__GUEST_ASSERT(__ga == __gb, #a " == " #b, __ga, __gb);			\
} while (0)

/*
 * Guest side: where a vCPU's guest code returns to (each arch's vCPU setup
 * makes it the return address): GUEST_DONE, for ever.
 */
void guest_code_returned(void);

struct kvm_vcpu;

/*
 * Decode the vCPU's last exit as a ucall.  Returns the command, or UCALL_NONE
 * if the exit was not a ucall.  A guest assertion (UCALL_ABORT) fails the test
 * here, with the guest's file, line, expression and values.
 */
u64 get_ucall_checked(struct kvm_vcpu *vcpu, struct ucall *uc);

/* Fail the test if the last exit is a guest exception report. */
void ucall_assert_no_exception(struct kvm_vcpu *vcpu);

/* Run the vCPU and require the given ucall; returns its first argument. */
u64 vcpu_run_expect_ucall(struct kvm_vcpu *vcpu, u64 cmd);

#endif /* SELFTEST_KVM_UCALL_H */
