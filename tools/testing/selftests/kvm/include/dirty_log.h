/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Collecting a VM's dirty log, one way for every test: the log modes, the
 * ring collector with its overflow diagnosis, and the wait of a vCPU that
 * stopped at a full ring.
 *
 * Log modes (the shape of upstream's struct log_mode / log_modes[]): every
 * test that collects names its modes the same way in -m and in its case
 * names, checks the host for them the same way and sets them up the same
 * way.
 *
 * The ring collector harvests every vCPU's ring and then resets, and
 * requires the reset to count what was harvested.  What only a ring that
 * KVM overflowed explains is diagnosed in one wording, starting with
 * "RING OVERFLOW" (known-issues.txt matches on it):
 *  - a harvest took the whole ring: KVM pushed past its reserve;
 *  - after a harvest stopped at an entry that is not DIRTY, a DIRTY entry
 *    follows further on: KVM's push index ran ahead of the fetch index;
 *  - a vCPU stays full while the collector resets nothing (the fetch entry
 *    is empty, so the harvest finds nothing and the reset returns 0);
 *  - a reset counts fewer than were harvested, and a ring shows a gap.
 */
#ifndef SELFTEST_KVM_DIRTY_LOG_H
#define SELFTEST_KVM_DIRTY_LOG_H

#include <pthread.h>

#include "kvm_util.h"

enum log_mode_id {
	LOG_MODE_RING,		/* KVM_CAP_DIRTY_LOG_RING */
	LOG_MODE_GET_LOG,	/* KVM_GET_DIRTY_LOG */
	LOG_MODE_CLEAR_LOG,	/* KVM_GET_DIRTY_LOG + KVM_CLEAR_DIRTY_LOG, manual protect */
	NR_LOG_MODES,
};

#define LOG_MODES_ALL		((1u << NR_LOG_MODES) - 1)

struct log_mode {
	const char *name;	/* in case names and reports */
	const char *alias;	/* what -m accepts besides the name */
	const char *requires;	/* what supported() checks, for the skip */
	/* Whether this host's KVM offers the mode. */
	bool (*supported)(void);
	/*
	 * After vm_create_cpl(), before any memslot: enable the log (ring mode:
	 * with the running case's ring cap, see dirty_ring.h).
	 */
	void (*setup)(struct kvm_vm *vm, u32 ring_entries);
	/* After vm_vcpu_add(): ring mode maps the vCPU's ring. */
	void (*vcpu_setup)(struct kvm_vcpu *vcpu);
	/*
	 * Set bitmap to the pages of memslot `slot` (npages pages) dirtied
	 * since the previous collection.  Ring mode harvests every ring of
	 * the VM and resets; an entry outside the slot, an overflow or a
	 * reset count that differs fails.  Returns the entries harvested
	 * (ring) or the pages KVM_GET_DIRTY_LOG reported.
	 */
	u64 (*collect)(struct kvm_vm *vm, u32 slot, unsigned long *bitmap, u64 npages);
	/*
	 * After KVM_RUN returned: whether the vCPU stopped for the log (a
	 * full ring) and may run on only after a collection.
	 */
	bool (*after_run)(struct kvm_vcpu *vcpu);
};

extern const struct log_mode log_modes[NR_LOG_MODES];

static inline enum log_mode_id log_mode_id(const struct log_mode *mode)
{
	return mode - log_modes;
}

/*
 * -m: "all", a mode's name or its alias, matched exactly; returns the mask
 * of modes, 0 for anything else.
 */
unsigned int log_mode_parse(const char *arg);

#define LOG_MODE_USAGE								\
	"  -m MODE   dirty log: ring, get (KVM_GET_DIRTY_LOG), clear (KVM_GET_DIRTY_LOG +\n" \
	"            KVM_CLEAR_DIRTY_LOG), or all (default); get_log and clear_log too\n"

/*
 * The VM of a logging test: guest code at cpl, the log of mode set up (in
 * ring mode a ring of ring_entries entries, with the case's cap), and
 * vm_add_logged_slot(vm, slot, npages) unless npages is 0 (a test that adds
 * its memslots itself).
 */
struct kvm_vm *vm_create_logged(enum guest_cpl cpl, enum log_mode_id mode, u32 ring_entries,
				u32 slot, u64 npages);
/* One dirty-logged memslot `slot` of npages at TEST_MEM_BASE_GPA, identity-mapped. */
void vm_add_logged_slot(struct kvm_vm *vm, u32 slot, u64 npages);

/* Skip (exit 4) unless /dev/kvm opens and KVM offers every mode in mask. */
void log_modes_require(unsigned int mask);

/* What collections saw: the resets' counts, and the first thing that went wrong. */
struct ring_collect {
	u64 reset;		/* entries KVM_RESET_DIRTY_RINGS counted, summed */
	bool failed;
	char msg[384];		/* the diagnosis, one line */
};

/* Keep the first diagnosis. */
void ring_collect_note(struct ring_collect *rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Fail with the diagnosis if there is one. */
#define ring_collect_assert(rc)	TEST_ASSERT(!(rc)->failed, "%s", (rc)->msg)

/*
 * Harvest a vCPU's mapped ring, handing each entry to fn(opaque, entry);
 * an overflow the ring shows afterwards is noted in rc.  Returns the number
 * harvested.
 */
u32 vcpu_harvest_ring(struct kvm_vcpu *vcpu, dirty_entry_fn fn, void *opaque,
		      struct ring_collect *rc);

/*
 * The same after the vCPU exited full: a ring with nothing to harvest then
 * is noted too (KVM counts entries the harvest cannot see).
 */
u32 vcpu_harvest_full_ring(struct kvm_vcpu *vcpu, dirty_entry_fn fn, void *opaque,
			   struct ring_collect *rc);

/*
 * The checks vcpu_harvest_ring() makes after its walk, on their own, for a
 * caller that times the walk apart: `harvested` entries were just taken from
 * the ring by dirty_ring_walk() (full: the vCPU exited full).  A scan of the
 * ring, so as costly as a walk of all of it.
 */
void vcpu_harvest_check(struct kvm_vcpu *vcpu, u32 harvested, bool full,
			struct ring_collect *rc);

/*
 * The same rules on a stopped vCPU's ring before it is harvested (full: it
 * exited full), without harvesting; returns rc->failed.
 */
bool vcpu_ring_check(struct kvm_vcpu *vcpu, bool full, struct ring_collect *rc);

/*
 * KVM_RESET_DIRTY_RINGS after `harvested` entries were taken from the VM's
 * rings since the previous reset; a count that differs is noted in rc
 * ("RING OVERFLOW" when a ring shows its push index ran ahead).  Returns
 * the count.
 */
u32 vm_reset_harvested(struct kvm_vm *vm, u64 harvested, struct ring_collect *rc);

/*
 * The collector: harvest every vCPU's ring of the VM, vCPU v's entries
 * handed to fn(opaque + v * stride, entry) (stride 0: one opaque for all),
 * then, if anything was harvested, vm_reset_harvested().  Returns the
 * number harvested; what went wrong is noted in rc.
 */
u64 vm_collect_rings(struct kvm_vm *vm, dirty_entry_fn fn, void *opaque, size_t stride,
		     struct ring_collect *rc);

/* The same into a bitmap set; an entry outside its slots fails. */
u64 vm_collect_rings_bitmap(struct kvm_vm *vm, struct dirty_bitmap_set *set,
			    struct ring_collect *rc);

/*
 * A vCPU exited full while no other vCPU runs: vcpu_harvest_full_ring(),
 * then the reset.  Returns the number harvested.
 */
u64 vcpu_collect_full_ring(struct kvm_vcpu *vcpu, dirty_entry_fn fn, void *opaque,
			   struct ring_collect *rc);

/* Note that the vCPU has exited full for ms while nothing reset its ring. */
void vcpu_note_stuck_full(struct kvm_vcpu *vcpu, u32 ms, struct ring_collect *rc);

/* Condition variables whose timed waits run on CLOCK_MONOTONIC, like time_now_ns(). */
void cond_init_monotonic(pthread_cond_t *cond);
/* Wait at most us microseconds; the lock is held. */
void cond_wait_us(pthread_cond_t *cond, pthread_mutex_t *lock, u64 us);

/* A vCPU that stays full this long while the collector resets nothing is stuck. */
#define RING_STUCK_FULL_MS	2000

/*
 * The stuck-full wait of a vCPU thread whose vCPU exited full: with lock
 * held, wake the collector and wait on vcpu_wake until released(arg), for
 * at most timeout_ms in all (both condition variables from
 * cond_init_monotonic()).  On a timeout, notes in rc that the vCPU stays
 * full while the collector resets nothing, and returns false.
 */
bool vcpu_wait_ring_released(struct kvm_vcpu *vcpu, pthread_mutex_t *lock,
			     pthread_cond_t *collector_wake, pthread_cond_t *vcpu_wake,
			     bool (*released)(void *arg), void *arg, u32 timeout_ms,
			     struct ring_collect *rc);

#endif /* SELFTEST_KVM_DIRTY_LOG_H */
