/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Write scripts: one scenario, runnable by a KVM guest and by the userspace
 * model of the ring alike.
 *
 * A script is a list of operations for one vCPU.  SCRIPT_WRITE stores to `count`
 * consecutive pages of slot `slot` starting at page offset `page`, with
 * `pad` idle loop iterations after each store (pad 0 is the tightest store
 * loop the guest can run: a handful of instructions per page).  SCRIPT_SYNC
 * stops the vCPU with a sync exit (GUEST_SYNC_VALUE(op index) in a guest) so that
 * the host can harvest and check in lockstep.  SCRIPT_END ends the script.
 *
 * The value stored is the 1-based index of the SCRIPT_WRITE op in the script,
 * so the contents of a page say which op last wrote it.
 */
#ifndef SELFTEST_KVM_WRITE_SCRIPT_H
#define SELFTEST_KVM_WRITE_SCRIPT_H

#include "test_util.h"

enum script_op_kind {
	SCRIPT_END,
	SCRIPT_WRITE,
	SCRIPT_SYNC,
};

struct script_op {
	u16 kind;
	u16 slot;	/* memslot id (address space 0) */
	u32 count;	/* SCRIPT_WRITE: pages, consecutive from page */
	u32 pad;	/* SCRIPT_WRITE: idle iterations after each store */
	u32 reserved;
	u64 page;	/* SCRIPT_WRITE: first page offset within the slot */
	u64 gva;	/* SCRIPT_WRITE: guest address of `page` (guest_script_load() fills it) */
};

#define SCRIPT_MAX_SLOTS	8

/* Where the script's slots are: slot ids and their first guest page. */
struct script_layout {
	u32 nr_slots;
	u16 slot[SCRIPT_MAX_SLOTS];
	u64 npages[SCRIPT_MAX_SLOTS];
	u64 gva[SCRIPT_MAX_SLOTS];	/* guest virtual base, used by the guest interpreter */
};

/* A growable write script. */
struct write_script {
	struct script_op *ops;
	u32 nr;
	u64 cap;
};

/* One SCRIPT_WRITE, with named fields at the call site. */
struct script_write {
	u16 slot;	/* memslot id */
	u64 page;	/* first page offset within the slot */
	u32 count;	/* pages, consecutive from page: at least 1 */
	u32 pad;	/* idle loop iterations after each store (0: a tight loop) */
};

void script_add_write(struct write_script *s, struct script_write w);
void script_add_sync(struct write_script *s);
void script_add_end(struct write_script *s);
void write_script_free(struct write_script *s);

#endif /* SELFTEST_KVM_WRITE_SCRIPT_H */
