/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one checker of the dirty-ring suite.
 *
 * A run is judged from two things only: the write scripts the vCPUs
 * executed, and a record of everything the host saw while it drove them
 * (struct ring_record): each run started, each exit with the vCPU's progress
 * and the ring occupancy at that moment, each entry the harvester handed
 * over, each point where a harvest found the ring empty, each reset with the
 * count KVM returned, and each memslot change.  The same record comes from
 * the userspace model and from real KVM, so both are judged by one set of
 * rules:
 *
 *  - every store to a write-protected page of a dirty-logged slot is
 *    reported, in store order per vCPU, with the right slot and offset;
 *    nothing else is reported.  A target that pushes a flush of up to
 *    reversed_flush entries newest first (Intel PML before Linux 6.14)
 *    may report blocks of that many consecutive stores reversed, and no
 *    other reordering;
 *  - a page is write-protected at first, when logging is enabled on its
 *    slot, and after an entry naming it was reset; a store to a page that
 *    is not write-protected may log again only when the target does
 *    emulated writes (counted as duplicates);
 *  - at a full exit the store that hit the soft limit may be logged before
 *    it retires: its page may be reported once more after the reset;
 *  - when a harvest finds the ring empty, every store up to the vCPU's
 *    progress has been reported (nothing lost or overwritten);
 *  - a full exit comes with size - reserve_max <= used <= size - reserve_min
 *    + batch - 1 (and never more than size), no exit ever comes with more
 *    used than that, and a vCPU that exited full makes no progress until a
 *    reset;
 *  - a reset returns the number of entries harvested since the previous
 *    reset, and leaves their flags at 0;
 *  - the harvester's bitmap of a slot holds exactly the pages named by the
 *    entries harvested since the bitmap set was last cleared, and the set
 *    counts exactly those entries.
 *
 * "used" is what KVM counts: entries pushed and not yet reset, i.e. the
 * occupancy at the fetch index plus the entries harvested since the reset.
 *
 * Limitation: vCPUs that write the same pages must run one at a time (the
 * order of their exits is the order of their stores).  A reaper thread may
 * harvest while a vCPU runs; resets and memslot changes happen while no vCPU
 * runs.
 */
#ifndef SELFTEST_KVM_RING_CHECK_H
#define SELFTEST_KVM_RING_CHECK_H

#include "ring_record.h"
#include "write_script.h"

/* What the checker is told besides the record. */
struct ring_check_config {
	u32 ring_size;			/* entries per vCPU ring */
	u32 reserve_min;		/* smallest reserve the target may use */
	u32 reserve_max;		/* largest (e.g. 64 + 512 with Intel PML) */
	u32 batch;			/* pushes between soft-full checks (0: 1) */
	bool store_dups;		/* emulated writes: every store may log */
	u32 reversed_flush;		/* flushes of up to this many may come newest first */
	u32 nr_vcpus;
	const struct script_op *script[RING_MAX_VCPUS];
};

#define RING_VERDICT_MSG	768

struct ring_verdict {
	bool ok;
	char msg[RING_VERDICT_MSG];	/* first divergence, a single line */
	u64 entries;			/* entries checked */
	u64 dups;			/* emulated-write duplicates seen */
	u64 early;			/* full-exit stores reported before they retired */
	u64 replays;			/* the same stores reported again after the reset */
	u64 full_exits;
	u64 resets;
};

/*
 * Judge a record.  Returns verdict->ok; on failure verdict->msg names the
 * rule, the vCPU, the entry index, what was expected and what was observed,
 * and the last entries harvested before it.
 */
bool ring_check(const struct ring_check_config *cfg, const struct ring_record *rec,
		struct ring_verdict *verdict);

#endif /* SELFTEST_KVM_RING_CHECK_H */
