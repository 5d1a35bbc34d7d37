/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The record of a run: everything the host saw while it drove the vCPUs
 * through their write scripts (each run started, each exit with the vCPU's
 * progress and the ring occupancy at that moment, each entry the harvester
 * handed over, each harvest that found the ring empty, each reset with the
 * count KVM returned, each memslot change, each look at the bitmaps the
 * harvested entries were collected into, and each clearing of them).  Targets (the model, real KVM)
 * and the scenario driver write it; the checker (ring_check.h) reads it.
 */
#ifndef SELFTEST_KVM_RING_RECORD_H
#define SELFTEST_KVM_RING_RECORD_H

#include "dirty_ring_walk.h"

#define RING_MAX_VCPUS		8

/* How a vCPU's run ended. */
enum ring_exit {
	RING_EXIT_SYNC,		/* the script reached a SCRIPT_SYNC */
	RING_EXIT_FULL,		/* KVM_EXIT_DIRTY_RING_FULL */
	RING_EXIT_DONE,		/* the script reached SCRIPT_END */
	RING_EXIT_ERROR,	/* anything else: the target explains in its log */
};

const char *ring_exit_name(enum ring_exit exit);

/*
 * A vCPU's progress in its script: stores retired since the script started,
 * and the index of the op it executes next (after a SCRIPT_SYNC exit, the op
 * after the sync).
 */
struct ring_progress {
	u64 stores;
	u32 op;
};

enum ring_event_kind {
	RR_SLOT,	/* memslot added, flags changed or deleted */
	RR_RUN,		/* a vCPU was started */
	RR_EXIT,	/* a vCPU stopped */
	RR_ENTRY,	/* the harvester handed over an entry */
	RR_DRAINED,	/* a harvest stopped at an entry that was not DIRTY */
	RR_RESET,	/* KVM_RESET_DIRTY_RINGS returned */
	RR_BITMAP,	/* a slot's bitmap in the harvester's bitmap set, as it was */
	RR_BITMAP_CLEAR,	/* the bitmap set was cleared */
};

enum ring_slot_op {
	RING_SLOT_ADD,
	RING_SLOT_FLAGS,
	RING_SLOT_DELETE,
};

struct ring_event {
	u8 kind;		/* enum ring_event_kind */
	u8 vcpu;
	u8 exit;		/* RR_EXIT: enum ring_exit */
	u8 slot_op;		/* RR_SLOT: enum ring_slot_op */
	/*
	 * RR_EXIT: DIRTY entries at the fetch index; RR_BITMAP: the set's count
	 * of harvested entries.
	 */
	u32 occupancy;
	union {
		struct dirty_entry entry;	/* RR_ENTRY */
		struct ring_progress progress;	/* RR_EXIT */
		struct {			/* RR_RESET */
			u32 count;		/* what the reset returned */
			u32 stale;		/* reset entries whose flags are not 0 */
		} reset;
		struct {			/* RR_SLOT */
			u32 flags;
			u16 id;
			u64 npages;
		} slot;
		struct {			/* RR_BITMAP */
			u32 slot;		/* as_id << 16 | slot id */
			u64 npages;
			unsigned long *bits;	/* a copy, owned by the record */
		} bitmap;
	};
};

struct ring_record {
	struct ring_event *ev;
	u64 nr;
	u64 cap;
};

void ring_record_init(struct ring_record *rec);
void ring_record_free(struct ring_record *rec);
void ring_record_slot(struct ring_record *rec, enum ring_slot_op op, u16 id,
		      u64 npages, u32 flags);
void ring_record_run(struct ring_record *rec, u32 vcpu);
void ring_record_exit(struct ring_record *rec, u32 vcpu, enum ring_exit exit,
		      const struct ring_progress *progress, u32 occupancy);
void ring_record_entry(struct ring_record *rec, u32 vcpu, const struct dirty_entry *e);
void ring_record_drained(struct ring_record *rec, u32 vcpu);
void ring_record_reset(struct ring_record *rec, u32 count, u32 stale);
/* Copies the bitmap of npages bits. */
void ring_record_bitmap(struct ring_record *rec, u32 slot, u64 npages, const unsigned long *bits,
			u32 harvested);
void ring_record_bitmap_clear(struct ring_record *rec);

/* Print events [from, to) as "# " lines, for diagnosis. */
void ring_record_print(const struct ring_record *rec, u64 from, u64 to);

#endif /* SELFTEST_KVM_RING_RECORD_H */
