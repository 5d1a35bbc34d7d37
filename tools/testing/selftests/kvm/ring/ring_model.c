// SPDX-License-Identifier: GPL-2.0-only
/*
 * The userspace reference model of KVM's dirty ring (see ring_model.h).
 *
 * Every "if (mutant(m, MUT_...))" below is the hook point of one bug from
 * the catalogue in ring_mutants.h; with MUT_NONE the model follows the
 * semantics documented in Documentation/virt/kvm/api.rst.
 */
#include <stdlib.h>

#include "ring_model.h"

/*
 * MUT_FLAGS_BEFORE_DATA is "preempted" between its stores for as long as it
 * takes a concurrent harvester to take the entry (at most this many ns), so
 * that the torn entry is seen whenever a reaper runs, however the threads are
 * scheduled.  In a run without a reaper (the target says so) nobody could
 * look, so the push goes on at once.
 */
#define TORN_PUSH_WAIT_NS	200000

static inline bool mutant(const struct ring_model *m, enum ring_mutant_id id)
{
	return m->cfg.mutant == id;
}

static struct ring_model_slot *find_slot(struct ring_model *m, u16 id)
{
	u32 i;

	for (i = 0; i < RING_MODEL_MAX_SLOTS; i++)
		if (m->slot[i].present && m->slot[i].id == id)
			return &m->slot[i];
	return NULL;
}

struct ring_model *ring_model_create(const struct ring_model_config *cfg)
{
	struct ring_model *m;
	u32 v;

	TEST_ASSERT(IS_POWER_OF_2(cfg->ring_size), "ring size %u is not a power of two",
		    cfg->ring_size);
	TEST_ASSERT(cfg->reserve < cfg->ring_size, "reserve %u leaves no room in a ring of %u",
		    cfg->reserve, cfg->ring_size);
	TEST_ASSERT(cfg->nr_vcpus && cfg->nr_vcpus <= RING_MAX_VCPUS, "bad vCPU count %u",
		    cfg->nr_vcpus);
	TEST_ASSERT(!cfg->reversed || cfg->batch > 1, "reversed flushes without a batch");

	m = calloc(1, sizeof(*m));
	TEST_ASSERT(m, "out of memory");
	m->cfg = *cfg;
	m->soft_limit = cfg->ring_size - cfg->reserve;
	m->next_base_gfn = RING_MODEL_SLOT_STRIDE;
	for (v = 0; v < cfg->nr_vcpus; v++) {
		struct ring_model_vcpu *vc = &m->vcpu[v];

		vc->gfns = calloc(cfg->ring_size, sizeof(*vc->gfns));
		TEST_ASSERT(vc->gfns, "out of memory for a ring of %u entries", cfg->ring_size);
		vc->dirty_index = cfg->start_index;
		vc->reset_index = cfg->start_index;
		vc->ring.gfns = vc->gfns;
		vc->ring.size = cfg->ring_size;
		vc->ring.fetch = cfg->start_index;
		if (cfg->reversed) {
			/* a held-back entry (MUT_PML_ACROSS_FLUSH) rides with the next batch */
			vc->pending = calloc(cfg->batch + 2, sizeof(*vc->pending));
			TEST_ASSERT(vc->pending, "out of memory");
		}
	}
	return m;
}

void ring_model_free(struct ring_model *m)
{
	u32 i;

	if (!m)
		return;
	for (i = 0; i < m->cfg.nr_vcpus; i++) {
		free(m->vcpu[i].gfns);
		free(m->vcpu[i].pending);
	}
	for (i = 0; i < RING_MODEL_MAX_SLOTS; i++)
		free(m->slot[i].logged);
	free(m);
}

int ring_model_slot_add(struct ring_model *m, u16 id, u64 npages, u32 flags)
{
	struct ring_model_slot *s = NULL;
	u32 i;

	if (!npages || npages > RING_MODEL_SLOT_STRIDE)
		return -EINVAL;
	if (find_slot(m, id))
		return -EEXIST;
	for (i = 0; i < RING_MODEL_MAX_SLOTS && !s; i++)
		if (!m->slot[i].present)
			s = &m->slot[i];
	if (!s)
		return -ENOSPC;
	free(s->logged);
	s->logged = calloc(npages, 1);
	TEST_ASSERT(s->logged, "out of memory for a slot of %lu pages", npages);
	s->present = true;
	s->id = id;
	s->flags = flags;
	s->npages = npages;
	s->base_gfn = m->next_base_gfn;
	m->next_base_gfn += RING_MODEL_SLOT_STRIDE;
	return 0;
}

int ring_model_slot_set_flags(struct ring_model *m, u16 id, u32 flags)
{
	struct ring_model_slot *s = find_slot(m, id);
	bool enable;

	if (!s)
		return -ENOENT;
	enable = (flags & KVM_MEM_LOG_DIRTY_PAGES) && !(s->flags & KVM_MEM_LOG_DIRTY_PAGES);
	/* Enabling dirty logging write-protects the whole slot. */
	if (enable && !mutant(m, MUT_ENABLE_LOG_NO_PROTECT))
		memset(s->logged, 0, s->npages - (mutant(m, MUT_RELOG_LAST_PAGE_LOST) ? 1 : 0));
	s->flags = flags;
	return 0;
}

int ring_model_slot_delete(struct ring_model *m, u16 id)
{
	struct ring_model_slot *s = find_slot(m, id);

	if (!s)
		return -ENOENT;
	free(s->logged);
	s->logged = NULL;
	s->present = false;
	return 0;
}

void ring_model_load(struct ring_model *m, u32 vcpu, const struct script_op *script)
{
	struct ring_model_vcpu *vc = &m->vcpu[vcpu];

	TEST_ASSERT(vcpu < m->cfg.nr_vcpus, "no vCPU %u", vcpu);
	vc->script = script;
	vc->progress.stores = 0;
	vc->progress.op = 0;
	vc->page = 0;
}

struct dirty_ring *ring_model_ring(struct ring_model *m, u32 vcpu)
{
	TEST_ASSERT(vcpu < m->cfg.nr_vcpus, "no vCPU %u", vcpu);
	return &m->vcpu[vcpu].ring;
}

static u32 entry_slot(const struct ring_model *m, const struct ring_model_slot *s)
{
	if (mutant(m, MUT_SLOT_FIELDS_SWAPPED))
		return (u32)s->id << 16;
	if (mutant(m, MUT_SLOT_ID_TRUNCATED))
		return DIRTY_RING_SLOT(0, (u8)s->id);
	return DIRTY_RING_SLOT(0, s->id);
}

static u64 entry_offset(const struct ring_model *m, const struct ring_model_slot *s, u64 page)
{
	return mutant(m, MUT_OFFSET_ABSOLUTE) ? s->base_gfn + page : page;
}

static void torn_push_delay(const struct ring_model_vcpu *vc, const struct kvm_dirty_gfn *e)
{
	u64 deadline = time_now_ns() + TORN_PUSH_WAIT_NS;

	if (!vc->reaped)
		return;
	while (__atomic_load_n(&e->flags, __ATOMIC_ACQUIRE) == KVM_DIRTY_GFN_F_DIRTY &&
	       time_now_ns() < deadline)
		cpu_relax();
}

/* Write one entry at the dirty index and publish it. */
static void push_entry(const struct ring_model *m, struct ring_model_vcpu *vc, u32 slot,
		       u64 offset)
{
	struct kvm_dirty_gfn *e = dirty_ring_entry(&vc->ring, vc->dirty_index);

	if (mutant(m, MUT_FLAGS_BEFORE_DATA)) {
		__atomic_store_n(&e->flags, KVM_DIRTY_GFN_F_DIRTY, __ATOMIC_RELEASE);
		torn_push_delay(vc, e);
		__atomic_store_n(&e->slot, slot, __ATOMIC_RELAXED);
		__atomic_store_n(&e->offset, offset, __ATOMIC_RELAXED);
	} else {
		e->slot = slot;
		e->offset = offset;
		__atomic_store_n(&e->flags, KVM_DIRTY_GFN_F_DIRTY, __ATOMIC_RELEASE);
	}
	vc->dirty_index++;
}

/* An entry for ring `ring`: pushed now, or buffered until the flush in reversed mode. */
static void log_entry(struct ring_model *m, u32 vcpu, u32 ring, u32 slot, u64 offset)
{
	struct ring_model_vcpu *vc = &m->vcpu[vcpu];

	if (!m->cfg.reversed) {
		push_entry(m, &m->vcpu[ring], slot, offset);
		return;
	}
	vc->pending[vc->nr_pending++] = (struct ring_model_pending){ ring, slot, offset };
}

/*
 * Reversed mode: push the buffered entries newest first.  At a soft-full
 * check (not an exit) MUT_PML_ACROSS_FLUSH holds this flush's oldest entry
 * back and pushes it after the next flush's entries.
 */
static void flush_pending(struct ring_model *m, u32 vcpu, bool at_exit)
{
	struct ring_model_vcpu *vc = &m->vcpu[vcpu];
	u32 own = vc->carried ? 1 : 0;		/* this flush's oldest entry */
	bool hold = !at_exit && mutant(m, MUT_PML_ACROSS_FLUSH) && vc->nr_pending > own + 1;
	struct ring_model_pending *p;
	u32 i;

	for (i = vc->nr_pending; i > own + hold; i--) {
		p = &vc->pending[i - 1];
		push_entry(m, &m->vcpu[p->ring], p->slot, p->offset);
	}
	if (vc->carried) {
		p = &vc->pending[0];
		push_entry(m, &m->vcpu[p->ring], p->slot, p->offset);
	}
	if (hold)
		vc->pending[0] = vc->pending[own];
	vc->nr_pending = hold;
	vc->carried = hold;
}

static void push(struct ring_model *m, u32 vcpu, const struct ring_model_slot *s, u64 page)
{
	u32 ring = mutant(m, MUT_SHARED_RING) ? 0 : vcpu;
	u32 slot = entry_slot(m, s);
	u64 offset = entry_offset(m, s, page);

	m->vcpu[vcpu].pushes++;
	if (mutant(m, MUT_DROP_EVERY_K) && m->vcpu[vcpu].pushes % MUT_EVERY_K == 0)
		return;
	log_entry(m, vcpu, ring, slot, offset);
	if (mutant(m, MUT_DUPLICATE_EVERY_K) && m->vcpu[vcpu].pushes % MUT_EVERY_K == 0)
		log_entry(m, vcpu, ring, slot, offset);
}

/* The used count at which the vCPU exits full. */
static u32 full_threshold(const struct ring_model *m)
{
	bool large = m->cfg.ring_size >= MUT_LARGE_RING_ENTRIES;

	if (mutant(m, MUT_SOFT_LIMIT_LATE) || (large && mutant(m, MUT_SOFT_LIMIT_LATE_LARGE)))
		return m->soft_limit + 1;
	if (mutant(m, MUT_SOFT_LIMIT_EARLY) || (large && mutant(m, MUT_SOFT_LIMIT_EARLY_LARGE)))
		return m->soft_limit - 1;
	if (mutant(m, MUT_OVERSHOOT_SMALL))
		return m->soft_limit + MUT_OVERSHOOT_SMALL_ENTRIES;
	return m->soft_limit;
}

/* The count the soft limit is compared with: the vCPU's used entries. */
static u32 full_used(const struct ring_model *m, u32 vcpu)
{
	u32 v, used = 0;

	if (mutant(m, MUT_FULL_COUNT_FROM_RESET))
		return m->vcpu[vcpu].since_reset;
	if (!mutant(m, MUT_SOFT_LIMIT_VM_WIDE))
		return ring_model_used(m, vcpu);
	for (v = 0; v < m->cfg.nr_vcpus; v++)
		used += ring_model_used(m, v);
	return used;
}

/* Checked on entry: does the vCPU refuse to run? */
static bool full_on_entry(struct ring_model *m, u32 vcpu)
{
	struct ring_model_vcpu *vc = &m->vcpu[vcpu];

	if (mutant(m, MUT_NO_FULL_EXIT) || mutant(m, MUT_FULL_STILL_RUNS))
		return false;
	if (mutant(m, MUT_FULL_NEVER_CLEARS) && vc->full_latched)
		return true;
	if (mutant(m, MUT_FULL_UNTIL_EMPTY) && vc->full_latched) {
		if (ring_model_used(m, vcpu))
			return true;
		vc->full_latched = false;
	}
	return full_used(m, vcpu) >= full_threshold(m);
}

/*
 * Checked after a push: does the vCPU exit before the store retires?  In
 * batch mode only every batch-th push of a run is checked, after the flush.
 */
static bool full_after_push(struct ring_model *m, u32 vcpu)
{
	struct ring_model_vcpu *vc = &m->vcpu[vcpu];
	u32 used;
	bool full;

	if (mutant(m, MUT_NO_FULL_EXIT))
		return false;
	if (m->cfg.batch > 1) {
		u32 len = m->cfg.batch + (mutant(m, MUT_BATCH_BEYOND) ? 1 : 0);

		if (++vc->unchecked < len)
			return false;
		vc->unchecked = 0;
		flush_pending(m, vcpu, false);
	}
	used = full_used(m, vcpu);
	if (m->cfg.batch > 1 && mutant(m, MUT_BATCH_STALE_CHECK)) {
		u32 seen = vc->checked_used;

		vc->checked_used = used;
		used = seen;
	}
	full = used >= full_threshold(m);
	if (mutant(m, MUT_OVERSHOOT_BATCH))
		full = full && vc->pushes % MUT_OVERSHOOT_BATCH_STORES == 0;
	if (full)
		vc->full_latched = true;
	return full;
}

static bool store_logs(const struct ring_model *m, const struct ring_model_slot *s, u64 page)
{
	if (!(s->flags & KVM_MEM_LOG_DIRTY_PAGES) && !mutant(m, MUT_IGNORE_LOG_DIRTY))
		return false;
	return !s->logged[page] || m->cfg.emulated || mutant(m, MUT_PUSH_EVERY_STORE);
}

enum store_result {
	STORE_RETIRED,
	STORE_FULL,		/* logged, the vCPU exits before it retires */
	STORE_BLOCKED,		/* MUT_FULL_STILL_RUNS: cannot log, ring full */
};

static enum store_result store(struct ring_model *m, u32 vcpu, const struct script_op *op)
{
	struct ring_model_vcpu *vc = &m->vcpu[vcpu];
	u64 page = op->page + vc->page;
	struct ring_model_slot *s = find_slot(m, op->slot);

	TEST_ASSERT(s && page < s->npages, "vCPU %u op %u stores to page %lu of slot %u, which is not there",
		    vcpu, vc->progress.op, page, op->slot);
	if (!store_logs(m, s, page))
		return STORE_RETIRED;
	if (mutant(m, MUT_FULL_STILL_RUNS) && ring_model_used(m, vcpu) >= m->soft_limit)
		return STORE_BLOCKED;
	s->logged[page] = 1;
	push(m, vcpu, s, page);
	vc->since_reset++;
	return full_after_push(m, vcpu) ? STORE_FULL : STORE_RETIRED;
}

/* Run one SCRIPT_WRITE from where it stopped; true if the vCPU exits full. */
static bool run_write(struct ring_model *m, u32 vcpu, const struct script_op *op)
{
	struct ring_model_vcpu *vc = &m->vcpu[vcpu];

	while (vc->page < op->count) {
		enum store_result r = store(m, vcpu, op);

		if (r == STORE_BLOCKED)
			return true;
		if (r == STORE_RETIRED || !m->cfg.replay_full_store) {
			vc->page++;
			vc->progress.stores++;
		}
		if (r == STORE_FULL)
			return true;
	}
	vc->page = 0;
	vc->progress.op++;
	return false;
}

enum ring_exit ring_model_run(struct ring_model *m, u32 vcpu, struct ring_progress *progress)
{
	struct ring_model_vcpu *vc = &m->vcpu[vcpu];
	enum ring_exit exit = RING_EXIT_ERROR;

	TEST_ASSERT(vcpu < m->cfg.nr_vcpus && vc->script, "vCPU %u has no script", vcpu);
	vc->unchecked = 0;
	vc->checked_used = full_used(m, vcpu);
	if (full_on_entry(m, vcpu))
		exit = RING_EXIT_FULL;
	while (exit == RING_EXIT_ERROR) {
		const struct script_op *op = &vc->script[vc->progress.op];

		switch (op->kind) {
		case SCRIPT_WRITE:
			if (run_write(m, vcpu, op))
				exit = RING_EXIT_FULL;
			break;
		case SCRIPT_SYNC:
			vc->progress.op++;
			exit = RING_EXIT_SYNC;
			break;
		case SCRIPT_END:
			exit = RING_EXIT_DONE;
			break;
		default:
			TEST_FAIL("vCPU %u: unknown op kind %u at op %u", vcpu, op->kind,
				  vc->progress.op);
		}
	}
	flush_pending(m, vcpu, true);
	*progress = vc->progress;
	return exit;
}

/* Re-protect the page an entry names; false if it names none. */
static bool reset_entry(struct ring_model *m, u32 slot, u64 offset)
{
	struct ring_model_slot *s = NULL;

	if (DIRTY_RING_AS_ID(slot) == 0)
		s = find_slot(m, DIRTY_RING_SLOT_ID(slot));
	if (!s && mutant(m, MUT_RESET_DELETED_SLOT_OOPS)) {
		fprintf(stderr, "# model oops: reset dereferenced slot %#x, which is gone\n", slot);
		abort();
	}
	if (!s || offset >= s->npages)
		return false;
	if (mutant(m, MUT_RESET_NO_REPROTECT))
		return true;
	if (mutant(m, MUT_RESET_WRONG_PAGE))
		offset = offset + 1 < s->npages ? offset + 1 : 0;
	s->logged[offset] = 0;
	return true;
}

static u32 reset_ring(struct ring_model *m, struct ring_model_vcpu *vc)
{
	u32 count = 0;

	while (vc->reset_index != vc->dirty_index) {
		struct kvm_dirty_gfn *e = dirty_ring_entry(&vc->ring, vc->reset_index);
		u32 flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);

		if (!(flags & KVM_DIRTY_GFN_F_RESET) && !mutant(m, MUT_RESET_NO_STOP))
			break;
		if (!reset_entry(m, e->slot, e->offset)) {
			m->invalid_resets++;
			if (mutant(m, MUT_RESET_INVALID_UNCOUNTED))
				count--;
		}
		if (!mutant(m, MUT_RESET_KEEPS_FLAGS))
			__atomic_store_n(&e->flags, 0, __ATOMIC_RELEASE);
		vc->reset_index++;
		count++;
	}
	return count;
}

u32 ring_model_reset(struct ring_model *m)
{
	u32 nr = mutant(m, MUT_RESET_FIRST_RING_ONLY) ? 1 : m->cfg.nr_vcpus;
	u32 v, count = 0;

	for (v = 0; v < nr; v++) {
		struct ring_model_vcpu *vc = &m->vcpu[v];
		u32 n = reset_ring(m, vc);

		vc->since_reset = 0;
		if (!n && mutant(m, MUT_RESET_STOPS_AT_EMPTY_RING))
			break;
		if (!n && mutant(m, MUT_RESET_EMPTY_STALE_COUNT))
			n = vc->last_reset;
		else
			vc->last_reset = n;
		count += n;
	}
	if (mutant(m, MUT_RESET_COUNT_PLUS_ONE) && count)
		count++;
	return count;
}
