/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running a write script (write_script.h) in a KVM guest.
 *
 * guest_script_load() copies the script into the guest's system slot with each
 * SCRIPT_WRITE's guest address resolved, so the guest interpreter's store loop
 * stays a few instructions per page: that density is what the full-ring
 * tests need to provoke a late soft-full check.
 */
#ifndef SELFTEST_KVM_GUEST_SCRIPT_H
#define SELFTEST_KVM_GUEST_SCRIPT_H

#include "kvm_util.h"
#include "write_script.h"

struct script_program {
	u64 nr_ops;
	u64 done_ops;		/* written by the guest after each op it completes */
	struct script_op ops[];
};

/*
 * Copy the script into the guest; returns the GVA of its struct script_program.
 * The layout's gva[] must be filled.
 */
gva_t guest_script_load(struct kvm_vm *vm, const struct script_op *ops, u64 nr_ops,
			const struct script_layout *layout);

/* Guest code: run the program (pass the GVA from guest_script_load() as argument). */
void guest_script_main(struct script_program *prog);

/*
 * Stores the guest has retired in the program: all stores of the ops it
 * completed, plus the leading pages of the op in progress that already hold
 * its value (a store that faulted and was logged but did not retire is not
 * counted).  Read while the vCPU is stopped.  The caller keeps a struct
 * script_progress per program (zeroed at load) so that each call only looks at
 * the ops completed since the previous one.
 */
struct script_progress {
	u64 done_ops;		/* ops completed at the previous call */
	u64 done_stores;	/* their stores */
};

u64 script_stores_retired(struct kvm_vm *vm, gva_t prog_gva, struct script_progress *p,
			  u32 *next_op);

/* The value the script stores for op index i (see write_script.h). */
static inline u64 script_value(u64 op_index)
{
	return op_index + 1;
}

#endif /* SELFTEST_KVM_GUEST_SCRIPT_H */
