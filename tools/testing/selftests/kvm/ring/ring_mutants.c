// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mutant catalogue (see ring_mutants.h): the table, and the broken
 * harvester walks.  The walks below are deliberately wrong copies of
 * dirty_ring_walk(); nothing but the mutation test may use them.
 */
#include "ring_mutants.h"

/* The window in which a CPU without acquire ordering may read early. */
#define REORDER_SPINS	500

static void reorder_window(void)
{
	u32 i;

	for (i = 0; i < REORDER_SPINS; i++)
		asm volatile("" ::: "memory");
}

static inline u32 load_flags(struct kvm_dirty_gfn *gfn)
{
	return __atomic_load_n(&gfn->flags, __ATOMIC_ACQUIRE);
}

static inline void hand_over(struct kvm_dirty_gfn *gfn, u32 fetch, dirty_entry_fn fn,
			     void *opaque)
{
	struct dirty_entry e = { .index = fetch, .slot = gfn->slot, .offset = gfn->offset };

	fn(opaque, &e);
}

/*
 * Flags read without acquire: slot and offset may be read before the flags
 * say the entry is there, which is what a weakly ordered CPU does.
 */
static u32 walk_no_acquire(struct dirty_ring *ring, u32 max, dirty_entry_fn fn, void *opaque)
{
	u32 n;

	for (n = 0; n < max; n++, ring->fetch++) {
		struct kvm_dirty_gfn *gfn = dirty_ring_entry(ring, ring->fetch);
		struct dirty_entry e = { .index = ring->fetch };

		e.slot = __atomic_load_n(&gfn->slot, __ATOMIC_RELAXED);
		e.offset = __atomic_load_n(&gfn->offset, __ATOMIC_RELAXED);
		reorder_window();
		if (!dirty_gfn_is_dirty(__atomic_load_n(&gfn->flags, __ATOMIC_RELAXED)))
			break;
		fn(opaque, &e);
		__atomic_store_n(&gfn->flags, KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELAXED);
	}
	return n;
}

/* The ring treated as a plain array: harvesting stops at its end for good. */
static u32 walk_no_wrap(struct dirty_ring *ring, u32 max, dirty_entry_fn fn, void *opaque)
{
	u32 n;

	for (n = 0; n < max && ring->fetch < ring->size; n++, ring->fetch++) {
		struct kvm_dirty_gfn *gfn = &ring->gfns[ring->fetch];

		if (!dirty_gfn_is_dirty(load_flags(gfn)))
			break;
		hand_over(gfn, ring->fetch, fn, opaque);
		__atomic_store_n(&gfn->flags, KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
	}
	return n;
}

/* Never stops at an entry that is not DIRTY: harvests whatever is there. */
static u32 walk_no_stop(struct dirty_ring *ring, u32 max, dirty_entry_fn fn, void *opaque)
{
	u32 n;

	for (n = 0; n < max; n++, ring->fetch++) {
		struct kvm_dirty_gfn *gfn = dirty_ring_entry(ring, ring->fetch);

		load_flags(gfn);
		hand_over(gfn, ring->fetch, fn, opaque);
		__atomic_store_n(&gfn->flags, KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
	}
	return n;
}

/* Harvests but never marks entries RESET, so KVM cannot reset them. */
static u32 walk_no_reset_flag(struct dirty_ring *ring, u32 max, dirty_entry_fn fn, void *opaque)
{
	u32 n;

	for (n = 0; n < max; n++, ring->fetch++) {
		struct kvm_dirty_gfn *gfn = dirty_ring_entry(ring, ring->fetch);

		if (!dirty_gfn_is_dirty(load_flags(gfn)))
			break;
		hand_over(gfn, ring->fetch, fn, opaque);
	}
	return n;
}

/* Off by one at the wrap: the first entry of every new lap is skipped. */
static u32 walk_skip_after_wrap(struct dirty_ring *ring, u32 max, dirty_entry_fn fn,
				void *opaque)
{
	u32 n;

	for (n = 0; n < max; n++) {
		struct kvm_dirty_gfn *gfn = dirty_ring_entry(ring, ring->fetch);

		if (!dirty_gfn_is_dirty(load_flags(gfn)))
			break;
		hand_over(gfn, ring->fetch, fn, opaque);
		__atomic_store_n(&gfn->flags, KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
		ring->fetch += ((ring->fetch & (ring->size - 1)) == ring->size - 1) ? 2 : 1;
	}
	return n;
}

/*
 * Waits for an entry that is not DIRTY yet instead of stopping there: with
 * no vCPU running alongside, the walk spins for ever.  Only a watchdog ends
 * it; the mutation matrix shows it as a hang.
 */
static u32 walk_waits_for_dirty(struct dirty_ring *ring, u32 max, dirty_entry_fn fn,
				void *opaque)
{
	u32 n;

	for (n = 0; n < max; n++, ring->fetch++) {
		struct kvm_dirty_gfn *gfn = dirty_ring_entry(ring, ring->fetch);

		while (!dirty_gfn_is_dirty(load_flags(gfn)))
			reorder_window();
		hand_over(gfn, ring->fetch, fn, opaque);
		__atomic_store_n(&gfn->flags, KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
	}
	return n;
}

/* Clears the first slot's bitmap only. */
static void bitmap_clear_first_slot(struct dirty_bitmap_set *set)
{
	if (set->nr_slots)
		memset(set->slots[0].bitmap, 0,
		       DIV_ROUND_UP(set->slots[0].npages, 64) * sizeof(unsigned long));
	set->harvested = 0;
	set->stray = 0;
}

/* Clears whole 64-page words: a slot's last, partial word keeps its bits. */
static void bitmap_clear_full_words(struct dirty_bitmap_set *set)
{
	u32 i;

	for (i = 0; i < set->nr_slots; i++)
		memset(set->slots[i].bitmap, 0, set->slots[i].npages / 64 * sizeof(unsigned long));
	set->harvested = 0;
	set->stray = 0;
}

/* Clears the bitmaps but not the count of entries they were made from. */
static void bitmap_clear_keeps_count(struct dirty_bitmap_set *set)
{
	u32 i;

	for (i = 0; i < set->nr_slots; i++)
		memset(set->slots[i].bitmap, 0,
		       DIV_ROUND_UP(set->slots[i].npages, 64) * sizeof(unsigned long));
	set->stray = 0;
}

const struct ring_mutant ring_mutants[NR_RING_MUTANTS] = {
	[MUT_NONE] = { .name = "clean", .bug = "no bug" },
	[MUT_OVERSHOOT_BATCH] = { .name = "overshoot_batch",
		.bug = "soft-full checked only every 128 pushes (kvm_pvm at CPL0): overwrites" },
	[MUT_OVERSHOOT_SMALL] = { .name = "overshoot_small",
		.bug = "full exit 8 entries past the soft limit, inside the reserve" },
	[MUT_SOFT_LIMIT_LATE] = { .name = "soft_limit_late",
		.bug = "full exit at soft limit + 1 (> for >=)" },
	[MUT_SOFT_LIMIT_EARLY] = { .name = "soft_limit_early",
		.bug = "full exit at soft limit - 1" },
	[MUT_NO_FULL_EXIT] = { .name = "no_full_exit", .bug = "the soft limit is never enforced" },
	[MUT_FULL_NEVER_CLEARS] = { .name = "full_never_clears",
		.bug = "once full, the vCPU exits full for ever, even after a reset" },
	[MUT_FULL_STILL_RUNS] = { .name = "full_still_runs",
		.bug = "a full vCPU keeps running stores that do not log" },
	[MUT_FLAGS_BEFORE_DATA] = { .name = "flags_before_data",
		.bug = "flags = DIRTY published before slot and offset are written" },
	[MUT_DROP_EVERY_K] = { .name = "drop_every_k", .bug = "one push in 37 is lost" },
	[MUT_DUPLICATE_EVERY_K] = { .name = "duplicate_every_k",
		.bug = "one push in 37 is written twice" },
	[MUT_PUSH_EVERY_STORE] = { .name = "push_every_store",
		.bug = "hardware writes log every store: the page is not left writable" },
	[MUT_SLOT_FIELDS_SWAPPED] = { .name = "slot_fields_swapped",
		.bug = "slot id put where the as_id goes (id << 16 | as_id)" },
	[MUT_SLOT_ID_TRUNCATED] = { .name = "slot_id_truncated",
		.bug = "slot id truncated to 8 bits" },
	[MUT_OFFSET_ABSOLUTE] = { .name = "offset_absolute",
		.bug = "offset is the gfn, not relative to the slot base" },
	[MUT_IGNORE_LOG_DIRTY] = { .name = "ignore_log_dirty",
		.bug = "slots without KVM_MEM_LOG_DIRTY_PAGES are logged too" },
	[MUT_ENABLE_LOG_NO_PROTECT] = { .name = "enable_log_no_protect",
		.bug = "enabling dirty logging does not write-protect the slot" },
	[MUT_SHARED_RING] = { .name = "shared_ring", .bug = "every vCPU pushes to vCPU 0's ring" },
	[MUT_SOFT_LIMIT_LATE_LARGE] = { .name = "soft_limit_late_large",
		.bug = "full exit at soft limit + 1 on rings of 8192 entries and more" },
	[MUT_SOFT_LIMIT_EARLY_LARGE] = { .name = "soft_limit_early_large",
		.bug = "full exit at soft limit - 1 on rings of 8192 entries and more" },
	[MUT_SOFT_LIMIT_VM_WIDE] = { .name = "soft_limit_vm_wide",
		.bug = "the soft limit counts the entries of every vCPU's ring together" },
	[MUT_FULL_COUNT_FROM_RESET] = { .name = "full_count_from_reset",
		.bug = "soft-full counts pushes since the last reset, not entries not yet reset" },
	[MUT_FULL_UNTIL_EMPTY] = { .name = "full_until_empty",
		.bug = "a vCPU that exited full stays full until its whole ring is reset" },
	[MUT_RELOG_LAST_PAGE_LOST] = { .name = "relog_last_page_lost",
		.bug = "enabling dirty logging write-protects every page of the slot but the last",
	},
	[MUT_BATCH_BEYOND] = { .name = "batch_beyond",
		.bug = "batch mode: one push more than the batch between soft-full checks",
		.batch = MUT_BATCH },
	[MUT_BATCH_STALE_CHECK] = { .name = "batch_stale_check",
		.bug = "batch mode: soft-full judged on the used count of the previous check",
		.batch = MUT_BATCH },
	[MUT_PML_ACROSS_FLUSH] = { .name = "pml_across_flush",
		.bug = "reversed flushes: a flush's oldest entry is pushed after the next flush",
		.batch = MUT_BATCH, .reversed = true },
	[MUT_RESET_NO_STOP] = { .name = "reset_no_stop",
		.bug = "reset does not stop at the first entry that was not harvested" },
	[MUT_RESET_COUNT_PLUS_ONE] = { .name = "reset_count_plus_one",
		.bug = "reset returns its count + 1" },
	[MUT_RESET_NO_REPROTECT] = { .name = "reset_no_reprotect",
		.bug = "reset does not re-protect: the page is never reported again" },
	[MUT_RESET_WRONG_PAGE] = { .name = "reset_wrong_page",
		.bug = "reset re-protects the next page" },
	[MUT_RESET_DELETED_SLOT_OOPS] = { .name = "reset_deleted_slot_oops",
		.bug = "reset dereferences the slot of an entry without validating it" },
	[MUT_RESET_INVALID_UNCOUNTED] = { .name = "reset_invalid_uncounted",
		.bug = "reset does not count entries that name no valid page" },
	[MUT_RESET_KEEPS_FLAGS] = { .name = "reset_keeps_flags",
		.bug = "reset leaves flags = RESET" },
	[MUT_RESET_FIRST_RING_ONLY] = { .name = "reset_first_ring_only",
		.bug = "reset only resets vCPU 0's ring" },
	[MUT_RESET_STOPS_AT_EMPTY_RING] = { .name = "reset_stops_at_empty_ring",
		.bug = "reset stops at the first vCPU whose ring has nothing to reset" },
	[MUT_RESET_EMPTY_STALE_COUNT] = { .name = "reset_empty_stale_count",
		.bug = "a ring with nothing to reset counts its previous reset's entries again" },
	[MUT_WALK_NO_ACQUIRE] = { .name = "walk_no_acquire",
		.bug = "harvester reads flags without acquire (slot/offset read early)",
		.harvester.walk = walk_no_acquire },
	[MUT_WALK_NO_WRAP] = { .name = "walk_no_wrap",
		.bug = "harvester treats the ring as an array and stops at its end",
		.harvester.walk = walk_no_wrap },
	[MUT_WALK_NO_STOP] = { .name = "walk_no_stop",
		.bug = "harvester does not stop at an entry that is not DIRTY",
		.harvester.walk = walk_no_stop },
	[MUT_WALK_NO_RESET_FLAG] = { .name = "walk_no_reset_flag",
		.bug = "harvester never sets flags = RESET",
		.harvester.walk = walk_no_reset_flag },
	[MUT_WALK_SKIP_AFTER_WRAP] = { .name = "walk_skip_after_wrap",
		.bug = "harvester skips the first entry of each lap",
		.harvester.walk = walk_skip_after_wrap },
	[MUT_WALK_WAITS_FOR_DIRTY] = { .name = "walk_waits_for_dirty",
		.bug = "harvester spins on an entry that is not DIRTY yet: loops for ever",
		.harvester.walk = walk_waits_for_dirty },
	[MUT_BITMAP_CLEAR_FIRST_SLOT] = { .name = "bitmap_clear_first_slot",
		.bug = "clearing a bitmap set clears only its first slot's bitmap",
		.harvester.bitmap_clear = bitmap_clear_first_slot },
	[MUT_BITMAP_CLEAR_FULL_WORDS] = { .name = "bitmap_clear_full_words",
		.bug = "clearing a bitmap set leaves the bits of each slot's last partial word",
		.harvester.bitmap_clear = bitmap_clear_full_words },
	[MUT_BITMAP_CLEAR_KEEPS_COUNT] = { .name = "bitmap_clear_keeps_count",
		.bug = "clearing a bitmap set leaves its count of harvested entries",
		.harvester.bitmap_clear = bitmap_clear_keeps_count },
};

const struct ring_harvester *ring_mutant_harvester(enum ring_mutant_id id)
{
	TEST_ASSERT(id < NR_RING_MUTANTS, "no mutant %u", id);
	return &ring_mutants[id].harvester;
}

int ring_mutant_by_name(const char *name)
{
	int i;

	for (i = 0; i < NR_RING_MUTANTS; i++)
		if (!strcmp(ring_mutants[i].name, name))
			return i;
	return -1;
}
