// SPDX-License-Identifier: GPL-2.0-only
/*
 * The checker (see ring_check.h).
 *
 * It replays the scripts store by store, with its own idea of which pages
 * are write-protected, and turns each store into what KVM must or may
 * report: a mandatory item (the page was protected), an optional one (an
 * emulated-write duplicate, or the replay of the store that hit the soft
 * limit) or nothing.  Harvested entries are matched in order against those
 * items; a harvest that finds the ring empty while mandatory items are left
 * means lost entries.
 *
 * Stores are expanded lazily: up to the vCPU's progress at each exit, and
 * further while it runs (a reaper may see entries before the exit), but
 * never past the progress of a stopped vCPU (one store more after a full
 * exit: the store that hit the soft limit).
 *
 * A target whose flushes may come newest first (reversed_flush, Intel PML
 * before Linux 6.14) reports blocks of consecutive items reversed: an entry
 * that is not the next item may be the newest of a block of up to
 * reversed_flush items; the block's other items must then follow, newest
 * first, before any item after it.
 */
#include <inttypes.h>

#include "dirty_bitmap.h"
#include "ring_check.h"

#define LAST_ENTRIES	4

/* Page protection as the checker knows it. */
enum {
	PAGE_WRITABLE,		/* logged since its last reset */
	PAGE_PROTECTED,		/* the next store logs */
	PAGE_UNKNOWN,		/* a replayed store may or may not have logged */
};

enum item_kind {
	ITEM_FIRST,		/* store to a protected page: must be reported */
	ITEM_DUP,		/* emulated write to a writable page: may be */
	ITEM_EARLY,		/* store that hit the soft limit, before it retired: may be */
	ITEM_REPLAY,		/* the same store, run again after the reset: may be */
	ITEM_DONE,		/* reported, inside a reversed block */
};

struct item {
	u32 slot;
	u32 op;
	u64 offset;
	u64 store;
	u32 epoch;		/* of the page when the store was expanded */
	u8 kind;
};

struct queue {
	struct item *it;
	u64 head;
	u64 tail;
	u64 cap;
};

struct chk_slot {
	bool present;
	u16 id;
	u32 flags;
	u64 npages;
	u8 *page;		/* PAGE_* per page */
	u32 *epoch;		/* per page: bumped each time it is re-protected */
	unsigned long *harvested;	/* pages of entries since the bitmap clear */
};

/* Where a vCPU is in its script, as the checker expands it. */
struct cursor {
	u32 op;
	u64 page;		/* within the SCRIPT_WRITE at op */
	u64 store;		/* stores expanded */
};

struct chk_vcpu {
	const struct script_op *script;
	struct cursor cur;
	struct cursor before_last;	/* cursor before the last expanded store */
	u64 progress;			/* stores retired at the last exit */
	bool running;
	bool full;			/* last exit was full */
	bool reset_since_exit;
	u8 next_kind;			/* ITEM_EARLY/REPLAY for the store at cur */
	bool have_index;
	u32 next_index;
	struct queue q;
	/*
	 * Inside a reversed flush block, which starts at the queue's head: its
	 * next item is below head + block_next, its newest at head + block_end
	 * (offsets: the queue may move its items while the block is open).
	 */
	bool in_block;
	u64 block_next;
	u64 block_end;
	struct dirty_entry *harvested;	/* since the last reset */
	u64 nr_harvested;
	u64 cap_harvested;
	struct dirty_entry last[LAST_ENTRIES];
	u64 nr_entries;			/* harvested since the start */
	u64 pushed;			/* harvested + occupancy at the last exit */
};

struct checker {
	const struct ring_check_config *cfg;
	struct ring_verdict *v;
	struct chk_slot slot[SCRIPT_MAX_SLOTS * 2];
	struct chk_vcpu vcpu[RING_MAX_VCPUS];
	u64 since_bitmap_clear;		/* entries harvested since then */
	u64 event;
};

/* Failure messages */

static void __attribute__((format(printf, 3, 4)))
fail(struct checker *c, const struct chk_vcpu *vc, const char *fmt, ...)
{
	struct ring_verdict *v = c->v;
	size_t len;
	va_list ap;
	u64 i, n;

	if (!v->ok)
		return;
	v->ok = false;
	len = ksft_scnprintf(v->msg, sizeof(v->msg), "event %lu: ", c->event);
	va_start(ap, fmt);
	len += ksft_vscnprintf(v->msg + len, sizeof(v->msg) - len, fmt, ap);
	va_end(ap);
	n = vc && vc->nr_entries < LAST_ENTRIES ? vc->nr_entries : LAST_ENTRIES;
	if (!vc || !vc->nr_entries)
		return;
	len += ksft_scnprintf(v->msg + len, sizeof(v->msg) - len, "; last %lu entries:", n);
	for (i = vc->nr_entries - n; i < vc->nr_entries; i++) {
		const struct dirty_entry *e = &vc->last[i % LAST_ENTRIES];

		len += ksft_scnprintf(v->msg + len, sizeof(v->msg) - len, " [%u] %#x/%#lx",
				      e->index, e->slot, e->offset);
	}
}

static u32 vcpu_id(const struct checker *c, const struct chk_vcpu *vc)
{
	return vc - c->vcpu;
}

/* Queue of expected items */

static void queue_push(struct queue *q, const struct item *it)
{
	if (q->tail == q->cap) {
		if (q->head) {
			memmove(q->it, q->it + q->head, (q->tail - q->head) * sizeof(*q->it));
			q->tail -= q->head;
			q->head = 0;
		}
		q->it = array_reserve(q->it, q->tail, &q->cap, sizeof(*q->it), 256);
	}
	q->it[q->tail++] = *it;
}

static inline bool queue_empty(const struct queue *q)
{
	return q->head == q->tail;
}

/* Memslots */

static struct chk_slot *find_slot(struct checker *c, u16 id)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(c->slot); i++)
		if (c->slot[i].present && c->slot[i].id == id)
			return &c->slot[i];
	return NULL;
}

static void protect(struct chk_slot *s, u64 page)
{
	s->page[page] = PAGE_PROTECTED;
	s->epoch[page]++;
}

static void protect_all(struct chk_slot *s)
{
	u64 page;

	for (page = 0; page < s->npages; page++)
		protect(s, page);
}

static void judge_slot(struct checker *c, const struct ring_event *ev)
{
	struct chk_slot *s = find_slot(c, ev->slot.id);
	u32 i;

	switch (ev->slot_op) {
	case RING_SLOT_ADD:
		for (i = 0; i < ARRAY_SIZE(c->slot) && !s; i++)
			if (!c->slot[i].present)
				s = &c->slot[i];
		TEST_ASSERT(s, "checker: more than %zu memslots", ARRAY_SIZE(c->slot));
		free(s->page);
		free(s->epoch);
		free(s->harvested);
		s->present = true;
		s->id = ev->slot.id;
		s->npages = ev->slot.npages;
		s->flags = ev->slot.flags;
		s->page = malloc(s->npages);
		s->epoch = calloc(s->npages, sizeof(*s->epoch));
		s->harvested = bitmap_alloc(s->npages);
		TEST_ASSERT(s->page && s->epoch && s->harvested, "out of memory");
		protect_all(s);
		break;
	case RING_SLOT_FLAGS:
		if (!s)
			break;
		if ((ev->slot.flags & KVM_MEM_LOG_DIRTY_PAGES) &&
		    !(s->flags & KVM_MEM_LOG_DIRTY_PAGES))
			protect_all(s);
		s->flags = ev->slot.flags;
		break;
	case RING_SLOT_DELETE:
		if (s)
			s->present = false;
		break;
	}
}

/* Expanding stores */

static bool cursor_next(const struct chk_vcpu *vc, struct cursor *cur, const struct script_op **op)
{
	for (;;) {
		const struct script_op *o = &vc->script[cur->op];

		if (o->kind == SCRIPT_END)
			return false;
		if (o->kind == SCRIPT_WRITE && cur->page < o->count) {
			*op = o;
			return true;
		}
		cur->op++;
		cur->page = 0;
	}
}

/* Expand the next store of a vCPU into what it must or may log. */
static bool expand_one(struct checker *c, struct chk_vcpu *vc)
{
	struct cursor cur = vc->cur;
	const struct script_op *op;
	struct chk_slot *s;
	struct item it;
	u8 *state;

	if (!cursor_next(vc, &cur, &op))
		return false;
	vc->before_last = cur;
	it.op = cur.op;
	it.store = cur.store;
	it.slot = DIRTY_RING_SLOT(0, op->slot);
	it.offset = op->page + cur.page;
	cur.page++;
	cur.store++;
	vc->cur = cur;

	it.kind = vc->next_kind;
	vc->next_kind = ITEM_FIRST;
	s = find_slot(c, op->slot);
	if (!s || !(s->flags & KVM_MEM_LOG_DIRTY_PAGES) || it.offset >= s->npages)
		return true;
	state = &s->page[it.offset];
	if (it.kind != ITEM_FIRST) {
		/* Logged or not: only a matching entry will tell. */
		if (*state == PAGE_WRITABLE && !c->cfg->store_dups)
			return true;
		*state = PAGE_UNKNOWN;
	} else if (*state == PAGE_PROTECTED) {
		it.kind = ITEM_FIRST;
		*state = PAGE_WRITABLE;
	} else if (*state == PAGE_UNKNOWN || c->cfg->store_dups) {
		it.kind = ITEM_DUP;
	} else {
		return true;
	}
	it.epoch = s->epoch[it.offset];
	queue_push(&vc->q, &it);
	return true;
}

/* How many stores of a vCPU may be expanded now. */
static u64 expand_limit(const struct chk_vcpu *vc)
{
	if (vc->running)
		return UINT64_MAX;
	return vc->progress + (vc->full ? 1 : 0);
}

static void expand_to(struct checker *c, struct chk_vcpu *vc, u64 stores)
{
	while (vc->cur.store < stores && expand_one(c, vc))
		;
}

/*
 * After a reset, the store that hit the soft limit (expanded early at the
 * full exit) may have run again and logged once more: expand it again as a
 * replay.  Called once the vCPU is known to have run: at an exit with
 * progress or new entries, or at an entry pushed since the last exit.
 */
static void replay_full_store(struct chk_vcpu *vc)
{
	if (vc->full && vc->reset_since_exit && vc->cur.store == vc->progress + 1) {
		vc->cur = vc->before_last;
		vc->next_kind = ITEM_REPLAY;
	}
}

/* Entries */

static void note_entry(struct chk_vcpu *vc, const struct dirty_entry *e)
{
	vc->last[vc->nr_entries++ % LAST_ENTRIES] = *e;
	vc->harvested = array_reserve(vc->harvested, vc->nr_harvested, &vc->cap_harvested,
				      sizeof(*vc->harvested), 256);
	vc->harvested[vc->nr_harvested++] = *e;
}

static void matched(struct checker *c, struct chk_vcpu *vc, const struct item *it)
{
	struct chk_slot *s = find_slot(c, DIRTY_RING_SLOT_ID(it->slot));

	if (it->kind == ITEM_DUP)
		c->v->dups++;
	if (it->kind == ITEM_REPLAY)
		c->v->replays++;
	if (it->kind == ITEM_EARLY)
		c->v->early++;
	/*
	 * An optional item that happened: its page was logged, unless a reset
	 * or enabling logging re-protected it since the store (a new epoch).
	 */
	if (s && it->offset < s->npages && s->page[it->offset] == PAGE_UNKNOWN &&
	    s->epoch[it->offset] == it->epoch)
		s->page[it->offset] = PAGE_WRITABLE;
}

/* What a bitmap set collecting every harvested entry holds. */
static void note_bitmap_entry(struct checker *c, const struct dirty_entry *e)
{
	struct chk_slot *s = NULL;

	c->since_bitmap_clear++;
	if (DIRTY_RING_AS_ID(e->slot) == 0)
		s = find_slot(c, DIRTY_RING_SLOT_ID(e->slot));
	if (s && e->offset < s->npages)
		bitmap_set_bit(s->harvested, e->offset);
}

/* Expand the next n items after the head where the vCPU's progress allows. */
static void expand_ahead(struct checker *c, struct chk_vcpu *vc, u64 n)
{
	while (vc->q.tail - vc->q.head < n && vc->cur.store < expand_limit(vc) &&
	       expand_one(c, vc))
		;
}

/* The offset from the head of the first item among the next n that entry e names. */
static bool find_item(struct chk_vcpu *vc, u64 n, const struct dirty_entry *e, u64 *off)
{
	u64 i;

	for (i = 1; i < n && vc->q.head + i < vc->q.tail; i++) {
		const struct item *it = &vc->q.it[vc->q.head + i];

		if (it->kind != ITEM_DONE && it->slot == e->slot && it->offset == e->offset) {
			*off = i;
			return true;
		}
	}
	return false;
}

/*
 * Close a reversed block once its oldest item is reported (a block whose
 * optional items did not happen is closed by the next entry).
 */
static void block_close_if_done(struct chk_vcpu *vc)
{
	if (vc->block_next)
		return;
	vc->q.head += vc->block_end + 1;
	vc->in_block = false;
}

/*
 * Entry e is not the next item: with reversed flushes it may open a block
 * (the newest of up to reversed_flush items).  True if it did.
 */
static bool reversed_block(struct checker *c, struct chk_vcpu *vc, const struct dirty_entry *e)
{
	u32 n = c->cfg->reversed_flush;
	struct item *it;
	u64 off;

	if (n < 2 || vc->in_block)
		return false;
	expand_ahead(c, vc, n);
	if (!find_item(vc, n, e, &off))
		return false;
	it = &vc->q.it[vc->q.head + off];
	matched(c, vc, it);
	it->kind = ITEM_DONE;
	vc->in_block = true;
	vc->block_next = off;
	vc->block_end = off;
	block_close_if_done(vc);
	return true;
}

/*
 * Inside a reversed block: e must be its next item down, past optional
 * ones.  False if only optional items were left: the block is closed and e
 * is judged as the next entry after it.
 */
static bool judge_block_entry(struct checker *c, struct chk_vcpu *vc, const struct dirty_entry *e,
			      u64 nth)
{
	while (vc->block_next) {
		struct item *it = &vc->q.it[vc->q.head + --vc->block_next];

		if (it->kind == ITEM_DONE)
			continue;
		if (it->slot == e->slot && it->offset == e->offset) {
			matched(c, vc, it);
			it->kind = ITEM_DONE;
			block_close_if_done(vc);
			return true;
		}
		if (it->kind == ITEM_FIRST) {
			fail(c, vc, "vcpu %u entry %lu (ring index %u): expected slot %#x offset %#lx (op %u, store %lu) next in a flush reversed down to store %lu, observed slot %#x offset %#lx",
			     vcpu_id(c, vc), nth, e->index, it->slot, it->offset, it->op,
			     it->store, vc->q.it[vc->q.head].store, e->slot, e->offset);
			return true;
		}
		it->kind = ITEM_DONE;	/* an optional item that did not happen */
	}
	block_close_if_done(vc);
	return false;
}

/*
 * How far ahead of the queue's head the vCPU's stores log the entry e, the
 * stores expanded up to twice the ring ahead; 0 when none does.  An entry
 * a ring's length or more ahead can only be there because KVM pushed past
 * the end of the ring and overwrote what the consumer had not harvested.
 */
static u64 logged_ahead(struct checker *c, struct chk_vcpu *vc, const struct dirty_entry *e)
{
	u64 i;

	while (vc->q.tail - vc->q.head <= 2 * (u64)c->cfg->ring_size &&
	       vc->cur.store < expand_limit(vc) && expand_one(c, vc))
		;
	for (i = vc->q.head + 1; i < vc->q.tail; i++)
		if (vc->q.it[i].slot == e->slot && vc->q.it[i].offset == e->offset)
			return i - vc->q.head;
	return 0;
}

static void judge_entry(struct checker *c, struct chk_vcpu *vc, const struct dirty_entry *e)
{
	u64 nth = vc->nr_entries;

	note_bitmap_entry(c, e);
	if (vc->have_index && e->index != vc->next_index)
		fail(c, vc, "vcpu %u entry %lu: ring index %u, expected %u (entries skipped or repeated)",
		     vcpu_id(c, vc), nth, e->index, vc->next_index);
	vc->have_index = true;
	vc->next_index = e->index + 1;
	note_entry(vc, e);
	c->v->entries++;
	if (vc->running && nth >= vc->pushed)
		replay_full_store(vc);
	if (vc->in_block && judge_block_entry(c, vc, e, nth))
		return;

	for (;;) {
		struct item *it;

		if (queue_empty(&vc->q)) {
			if (vc->cur.store < expand_limit(vc) && expand_one(c, vc))
				continue;
			fail(c, vc, "vcpu %u entry %lu (ring index %u): expected nothing (%lu stores executed, all reported), observed slot %#x offset %#lx",
			     vcpu_id(c, vc), nth, e->index, vc->cur.store, e->slot, e->offset);
			return;
		}
		it = &vc->q.it[vc->q.head];
		if (it->slot == e->slot && it->offset == e->offset) {
			matched(c, vc, it);
			vc->q.head++;
			return;
		}
		if (reversed_block(c, vc, e))
			return;
		if (it->kind == ITEM_FIRST) {
			struct item want = *it;
			u64 ahead = logged_ahead(c, vc, e);

			if (ahead >= c->cfg->ring_size)
				fail(c, vc, "vcpu %u entry %lu (ring index %u): RING OVERFLOW: observed slot %#x offset %#lx, which a store logs %lu entries later, where slot %#x offset %#lx (op %u, store %lu) belongs: KVM pushed past the ring of %u entries and overwrote it",
				     vcpu_id(c, vc), nth, e->index, e->slot, e->offset, ahead,
				     want.slot, want.offset, want.op, want.store,
				     c->cfg->ring_size);
			else
				fail(c, vc, "vcpu %u entry %lu (ring index %u): expected slot %#x offset %#lx (op %u, store %lu), observed slot %#x offset %#lx",
				     vcpu_id(c, vc), nth, e->index, want.slot, want.offset,
				     want.op, want.store, e->slot, e->offset);
			return;
		}
		vc->q.head++;	/* an optional item that did not happen */
	}
}

/* A harvest found the ring empty: everything executed must have been seen. */
static void judge_drained(struct checker *c, struct chk_vcpu *vc)
{
	u64 missing = 0;
	const struct item *first = NULL;
	u64 i;

	if (vc->running)
		return;
	for (i = vc->q.head; i < vc->q.tail; i++) {
		if (vc->q.it[i].kind != ITEM_FIRST)
			continue;
		if (!missing++)
			first = &vc->q.it[i];
	}
	if (missing) {
		fail(c, vc, "vcpu %u entry %lu (ring index %u): expected slot %#x offset %#lx (op %u, store %lu), observed nothing: ring drained with %lu pages lost",
		     vcpu_id(c, vc), vc->nr_entries, vc->next_index, first->slot, first->offset,
		     first->op, first->store, missing);
		return;
	}
	vc->q.head = vc->q.tail;
	vc->in_block = false;
}

/* Exits */

static u32 used_entries(const struct chk_vcpu *vc, u32 occupancy)
{
	return occupancy + vc->nr_harvested;
}

/*
 * The most entries an exit may come with: the soft limit of the smallest
 * reserve, plus what a target that pushes a batch between two soft-full
 * checks may add, and never more than the ring holds.
 */
static u32 highest_used(const struct ring_check_config *cfg)
{
	u64 batch = cfg->batch ? cfg->batch : 1;
	u64 highest = (u64)cfg->ring_size - cfg->reserve_min + batch - 1;

	return highest < cfg->ring_size ? highest : cfg->ring_size;
}

static void check_full_exit(struct checker *c, struct chk_vcpu *vc, u32 used)
{
	const struct ring_check_config *cfg = c->cfg;
	u32 lowest = cfg->ring_size > cfg->reserve_max ? cfg->ring_size - cfg->reserve_max : 1;

	c->v->full_exits++;
	if (used < lowest)
		fail(c, vc, "vcpu %u: full exit with %u entries used, below the lowest soft limit %u (ring %u, reserve at most %u)",
		     vcpu_id(c, vc), used, lowest, cfg->ring_size, cfg->reserve_max);
}

static void judge_exit(struct checker *c, struct chk_vcpu *vc, const struct ring_event *ev)
{
	const struct ring_check_config *cfg = c->cfg;
	u32 used = used_entries(vc, ev->occupancy);
	u32 highest = highest_used(cfg);
	bool full = ev->exit == RING_EXIT_FULL;
	u64 stores = ev->progress.stores;
	u64 pushed = vc->nr_entries + ev->occupancy;
	bool new_entries = pushed > vc->pushed;
	struct cursor next;
	const struct script_op *op;

	/* A full exit without progress or new entries: the vCPU did not run. */
	if (!full || stores != vc->progress || new_entries)
		replay_full_store(vc);
	if (ev->exit == RING_EXIT_ERROR)
		fail(c, vc, "vcpu %u: unexpected exit at op %u after %lu stores", vcpu_id(c, vc),
		     ev->progress.op, stores);
	if (vc->full && !vc->reset_since_exit && (!full || stores != vc->progress))
		fail(c, vc, "vcpu %u: ran while its ring was full: %s exit after %lu stores, expected a full exit after %lu",
		     vcpu_id(c, vc), ring_exit_name(ev->exit), stores, vc->progress);
	if (stores < vc->progress)
		fail(c, vc, "vcpu %u: progress went back from %lu to %lu stores", vcpu_id(c, vc),
		     vc->progress, stores);
	/*
	 * Past the soft limit KVM eats into the entries it reserves so that it
	 * never has to overwrite; a full ring means it ran out of them.
	 */
	if (used > highest) {
		char batch[32] = "";

		if (cfg->batch > 1)
			snprintf(batch, sizeof(batch), ", batch %u", cfg->batch);
		fail(c, vc, "vcpu %u: %s: %s exit with %u entries used (%u not harvested), above the soft limit %s%u (ring %u, reserve at least %u%s)%s",
		     vcpu_id(c, vc), used >= cfg->ring_size ? "RING OVERFLOW" : "SOFT LIMIT OVERSHOOT",
		     ring_exit_name(ev->exit), used, ev->occupancy,
		     cfg->batch > 1 ? "plus batch - 1, " : "", highest,
		     cfg->ring_size, cfg->reserve_min, batch,
		     used > cfg->ring_size ? ": entries were overwritten" : "");
	}
	if (full)
		check_full_exit(c, vc, used);
	if (vc->cur.store > stores + (full ? 1 : 0))
		fail(c, vc, "vcpu %u: entries were reported for %lu stores, but the vCPU exited (%s) after %lu",
		     vcpu_id(c, vc), vc->cur.store, ring_exit_name(ev->exit), stores);

	vc->running = false;
	vc->pushed = pushed;
	vc->full = full;
	vc->reset_since_exit = false;
	vc->progress = stores;
	expand_to(c, vc, stores);
	/*
	 * The store that hit the soft limit may have logged before it retired;
	 * expand it now, before other vCPUs run and store to the same page.
	 * Not if nothing was pushed: the vCPU refused to run at all.
	 */
	next = vc->cur;
	if (full && new_entries && vc->cur.store == stores && cursor_next(vc, &next, &op) &&
	    next.op == ev->progress.op) {
		vc->next_kind = ITEM_EARLY;
		expand_one(c, vc);
	}
}

static void judge_run(struct chk_vcpu *vc)
{
	vc->running = true;
}

/* Resets */

static void rearm(struct checker *c, struct chk_vcpu *vc)
{
	u64 i;

	for (i = 0; i < vc->nr_harvested; i++) {
		const struct dirty_entry *e = &vc->harvested[i];
		struct chk_slot *s = NULL;

		if (DIRTY_RING_AS_ID(e->slot) == 0)
			s = find_slot(c, DIRTY_RING_SLOT_ID(e->slot));
		if (s && e->offset < s->npages)
			protect(s, e->offset);
	}
	vc->nr_harvested = 0;
	vc->reset_since_exit = true;
}

static void judge_reset(struct checker *c, const struct ring_event *ev)
{
	u64 harvested = 0;
	u32 i;

	c->v->resets++;
	for (i = 0; i < c->cfg->nr_vcpus; i++)
		harvested += c->vcpu[i].nr_harvested;
	if (ev->reset.count != harvested)
		fail(c, NULL, "reset returned %u, but %lu entries were harvested since the last reset",
		     ev->reset.count, harvested);
	if (ev->reset.stale)
		fail(c, NULL, "reset left %u harvested entries with flags not 0", ev->reset.stale);
	for (i = 0; i < c->cfg->nr_vcpus; i++)
		rearm(c, &c->vcpu[i]);
}

/* Bitmaps */

static void judge_bitmap(struct checker *c, const struct ring_event *ev)
{
	struct chk_slot *s = NULL;
	u64 page, n = ev->bitmap.npages;

	if (ev->occupancy != c->since_bitmap_clear)
		fail(c, NULL, "bitmap set counts %u harvested entries, %lu were harvested since it was cleared",
		     ev->occupancy, c->since_bitmap_clear);
	if (DIRTY_RING_AS_ID(ev->bitmap.slot) == 0)
		s = find_slot(c, DIRTY_RING_SLOT_ID(ev->bitmap.slot));
	if (!s || s->npages < n) {
		fail(c, NULL, "bitmap of slot %#x (%lu pages) names no slot of that size",
		     ev->bitmap.slot, n);
		return;
	}
	for (page = 0; page < n; page++) {
		bool set = bitmap_test_bit(ev->bitmap.bits, page);

		if (set == bitmap_test_bit(s->harvested, page))
			continue;
		fail(c, NULL, "bitmap of slot %#x: page %#lx is %s, but %s entry named it since the bitmap set was cleared",
		     ev->bitmap.slot, page, set ? "set" : "clear", set ? "no" : "an");
		return;
	}
}

static void judge_bitmap_clear(struct checker *c)
{
	u32 i;

	c->since_bitmap_clear = 0;
	for (i = 0; i < ARRAY_SIZE(c->slot); i++)
		if (c->slot[i].present)
			memset(c->slot[i].harvested, 0,
			       DIV_ROUND_UP(c->slot[i].npages, 64) * sizeof(unsigned long));
}

static void checker_free(struct checker *c)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(c->slot); i++) {
		free(c->slot[i].page);
		free(c->slot[i].epoch);
		free(c->slot[i].harvested);
	}
	for (i = 0; i < RING_MAX_VCPUS; i++) {
		free(c->vcpu[i].q.it);
		free(c->vcpu[i].harvested);
	}
}

static void check_event(struct checker *c, const struct ring_event *ev)
{
	struct chk_vcpu *vc = &c->vcpu[ev->vcpu];

	if (ev->vcpu >= c->cfg->nr_vcpus) {
		fail(c, NULL, "record names vCPU %u of %u", ev->vcpu, c->cfg->nr_vcpus);
		return;
	}
	switch (ev->kind) {
	case RR_SLOT:
		judge_slot(c, ev);
		break;
	case RR_RUN:
		judge_run(vc);
		break;
	case RR_EXIT:
		judge_exit(c, vc, ev);
		break;
	case RR_ENTRY:
		judge_entry(c, vc, &ev->entry);
		break;
	case RR_DRAINED:
		judge_drained(c, vc);
		break;
	case RR_RESET:
		judge_reset(c, ev);
		break;
	case RR_BITMAP:
		judge_bitmap(c, ev);
		break;
	case RR_BITMAP_CLEAR:
		judge_bitmap_clear(c);
		break;
	default:
		fail(c, NULL, "unknown record event %u", ev->kind);
	}
}

bool ring_check(const struct ring_check_config *cfg, const struct ring_record *rec,
		struct ring_verdict *verdict)
{
	struct checker *c = calloc(1, sizeof(*c));
	u32 i;

	TEST_ASSERT(c, "out of memory");
	TEST_ASSERT(cfg->nr_vcpus && cfg->nr_vcpus <= RING_MAX_VCPUS, "bad vCPU count %u",
		    cfg->nr_vcpus);
	TEST_ASSERT(cfg->reserve_min <= cfg->reserve_max && cfg->reserve_min < cfg->ring_size,
		    "bad reserve bounds %u..%u for a ring of %u", cfg->reserve_min,
		    cfg->reserve_max, cfg->ring_size);
	memset(verdict, 0, sizeof(*verdict));
	verdict->ok = true;
	c->cfg = cfg;
	c->v = verdict;
	for (i = 0; i < cfg->nr_vcpus; i++)
		c->vcpu[i].script = cfg->script[i];

	for (c->event = 0; c->event < rec->nr && verdict->ok; c->event++)
		check_event(c, &rec->ev[c->event]);
	checker_free(c);
	free(c);
	return verdict->ok;
}
