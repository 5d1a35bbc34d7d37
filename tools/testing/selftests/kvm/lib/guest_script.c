// SPDX-License-Identifier: GPL-2.0-only
/*
 * Write scripts in a guest: the loader (host) and the interpreter (guest).
 */
#include "ucall.h"
#include "guest_script.h"

static u64 layout_gva(const struct script_layout *layout, const struct script_op *op)
{
	u32 i;

	for (i = 0; i < layout->nr_slots; i++) {
		if (layout->slot[i] != op->slot)
			continue;
		TEST_ASSERT(op->page + op->count <= layout->npages[i],
			    "script writes pages %lu..%lu of slot %u, which has %lu",
			    op->page, op->page + op->count - 1, op->slot, layout->npages[i]);
		return layout->gva[i] + op->page * GUEST_PAGE_SIZE;
	}
	TEST_FAIL("script writes to slot %u, which is not in the layout", op->slot);
}

gva_t guest_script_load(struct kvm_vm *vm, const struct script_op *ops, u64 nr_ops,
			const struct script_layout *layout)
{
	size_t bytes = sizeof(struct script_program) + nr_ops * sizeof(struct script_op);
	gva_t gva = vm_vaddr_alloc(vm, DIV_ROUND_UP(bytes, GUEST_PAGE_SIZE));
	/* vm_vaddr_alloc() memory is contiguous in the host as well */
	struct script_program *prog = addr_gva2hva(vm, gva);
	u64 i;

	TEST_ASSERT(nr_ops && ops[nr_ops - 1].kind == SCRIPT_END, "script must end with SCRIPT_END");
	prog->nr_ops = nr_ops;
	prog->done_ops = 0;
	for (i = 0; i < nr_ops; i++) {
		prog->ops[i] = ops[i];
		if (ops[i].kind == SCRIPT_WRITE)
			prog->ops[i].gva = layout_gva(layout, &ops[i]);
	}
	return gva;
}

u64 script_stores_retired(struct kvm_vm *vm, gva_t prog_gva, struct script_progress *p,
			  u32 *next_op)
{
	struct script_program *prog = addr_gva2hva(vm, prog_gva);
	u64 done = READ_ONCE(prog->done_ops), n;
	const struct script_op *op;

	TEST_ASSERT(done >= p->done_ops && done <= prog->nr_ops,
		    "guest reports %lu ops done, after %lu, of %lu", done, p->done_ops,
		    prog->nr_ops);
	for (; p->done_ops < done; p->done_ops++)
		if (prog->ops[p->done_ops].kind == SCRIPT_WRITE)
			p->done_stores += prog->ops[p->done_ops].count;
	*next_op = done;
	op = &prog->ops[done];
	if (done == prog->nr_ops || op->kind != SCRIPT_WRITE)
		return p->done_stores;
	for (n = 0; n < op->count; n++)
		if (*(u64 *)addr_gva2hva(vm, op->gva + n * GUEST_PAGE_SIZE) != script_value(done))
			break;
	return p->done_stores + n;
}

/*
 * Guest side.  Single-page writes without padding (a random page order) take
 * a fast path of a few instructions per store, like a run of pages does.
 */
void guest_script_main(struct script_program *prog)
{
	const struct script_op *op = prog->ops;
	u64 i = 0;

	for (;;) {
		volatile u64 *p = (volatile u64 *)op->gva;
		u32 n, pad;

		if (op->kind == SCRIPT_WRITE && op->count == 1 && !op->pad) {
			*p = script_value(i);
		} else if (op->kind == SCRIPT_WRITE) {
			for (n = op->count; n; n--, p += GUEST_PAGE_SIZE / sizeof(*p)) {
				*p = script_value(i);
				for (pad = op->pad; pad; pad--)
					asm volatile("");
			}
		} else if (op->kind == SCRIPT_SYNC) {
			WRITE_ONCE(prog->done_ops, i + 1);
			GUEST_SYNC_VALUE(i);
		} else {
			break;
		}
		op++;
		i++;
		WRITE_ONCE(prog->done_ops, i);
	}
	GUEST_DONE();
}
