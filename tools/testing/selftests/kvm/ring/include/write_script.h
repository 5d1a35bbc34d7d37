/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Write scripts: one scenario, runnable by a KVM guest and by the userspace
 * model of the ring alike.
 *
 * A script is a list of operations for one vCPU.  WS_WRITE stores to `count`
 * consecutive pages of slot `slot` starting at page offset `page`, with
 * `pad` idle loop iterations after each store (pad 0 is the tightest store
 * loop the guest can run: a handful of instructions per page).  WS_SYNC
 * stops the vCPU with a sync exit (GUEST_SYNC_VALUE(op index) in a guest) so that
 * the host can harvest and check in lockstep.  WS_END ends the script.
 *
 * The value stored is the 1-based index of the WS_WRITE op in the script,
 * so the contents of a page say which op last wrote it.
 */
#ifndef SELFTEST_KVM_WRITE_SCRIPT_H
#define SELFTEST_KVM_WRITE_SCRIPT_H

#include "test_util.h"

enum ws_kind {
	WS_END,
	WS_WRITE,
	WS_SYNC,
};

struct ws_op {
	u16 kind;
	u16 slot;	/* memslot id (address space 0) */
	u32 count;	/* WS_WRITE: pages, consecutive from page */
	u32 pad;	/* WS_WRITE: idle iterations after each store */
	u32 reserved;
	u64 page;	/* WS_WRITE: first page offset within the slot */
	u64 gva;	/* WS_WRITE: guest address of `page`, filled by ws_load() for guests */
};

#define WS_MAX_SLOTS	8

/* Where the script's slots are: slot ids and their first guest page. */
struct ws_layout {
	u32 nr_slots;
	u16 slot[WS_MAX_SLOTS];
	u64 npages[WS_MAX_SLOTS];
	u64 gva[WS_MAX_SLOTS];	/* guest virtual base, used by the guest interpreter */
};

/* A growable write script. */
struct ws_script {
	struct ws_op *ops;
	u32 nr;
	u64 cap;
};

/* One WS_WRITE, with named fields at the call site. */
struct ws_write {
	u16 slot;	/* memslot id */
	u64 page;	/* first page offset within the slot */
	u32 count;	/* pages, consecutive from page: at least 1 */
	u32 pad;	/* idle loop iterations after each store (0: a tight loop) */
};

void ws_add_write(struct ws_script *s, struct ws_write w);
void ws_add_sync(struct ws_script *s);
void ws_add_end(struct ws_script *s);
void ws_script_free(struct ws_script *s);

#endif /* SELFTEST_KVM_WRITE_SCRIPT_H */
