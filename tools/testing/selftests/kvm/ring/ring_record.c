// SPDX-License-Identifier: GPL-2.0-only
/*
 * The record of a run (see ring_record.h).
 */
#include "ring_record.h"

const char *ring_exit_name(enum ring_exit exit)
{
	switch (exit) {
	case RING_EXIT_SYNC:
		return "sync";
	case RING_EXIT_FULL:
		return "dirty-ring-full";
	case RING_EXIT_DONE:
		return "done";
	default:
		return "error";
	}
}

void ring_record_init(struct ring_record *rec)
{
	memset(rec, 0, sizeof(*rec));
}

void ring_record_free(struct ring_record *rec)
{
	u64 i;

	for (i = 0; i < rec->nr; i++)
		if (rec->ev[i].kind == RR_BITMAP)
			free(rec->ev[i].bitmap.bits);
	free(rec->ev);
	memset(rec, 0, sizeof(*rec));
}

static struct ring_event *record_add(struct ring_record *rec, enum ring_event_kind kind, u32 vcpu)
{
	struct ring_event *e;

	rec->ev = array_reserve(rec->ev, rec->nr, &rec->cap, sizeof(*rec->ev), 1024);
	e = &rec->ev[rec->nr++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->vcpu = vcpu;
	return e;
}

void ring_record_slot(struct ring_record *rec, enum ring_slot_op op, u16 id, u64 npages,
		      u32 flags)
{
	struct ring_event *e = record_add(rec, RR_SLOT, 0);

	e->slot_op = op;
	e->slot.id = id;
	e->slot.npages = npages;
	e->slot.flags = flags;
}

void ring_record_run(struct ring_record *rec, u32 vcpu)
{
	record_add(rec, RR_RUN, vcpu);
}

void ring_record_exit(struct ring_record *rec, u32 vcpu, enum ring_exit exit,
		      const struct ring_progress *progress, u32 occupancy)
{
	struct ring_event *e = record_add(rec, RR_EXIT, vcpu);

	e->exit = exit;
	e->progress = *progress;
	e->occupancy = occupancy;
}

void ring_record_entry(struct ring_record *rec, u32 vcpu, const struct dirty_entry *entry)
{
	record_add(rec, RR_ENTRY, vcpu)->entry = *entry;
}

void ring_record_drained(struct ring_record *rec, u32 vcpu)
{
	record_add(rec, RR_DRAINED, vcpu);
}

void ring_record_reset(struct ring_record *rec, u32 count, u32 stale)
{
	struct ring_event *e = record_add(rec, RR_RESET, 0);

	e->reset.count = count;
	e->reset.stale = stale;
}

void ring_record_bitmap(struct ring_record *rec, u32 slot, u64 npages, const unsigned long *bits,
			u32 harvested)
{
	struct ring_event *e = record_add(rec, RR_BITMAP, 0);
	size_t bytes = (DIV_ROUND_UP(npages, 64) ?: 1) * sizeof(unsigned long);

	e->bitmap.slot = slot;
	e->bitmap.npages = npages;
	e->bitmap.bits = malloc(bytes);
	TEST_ASSERT(e->bitmap.bits, "out of memory");
	memcpy(e->bitmap.bits, bits, bytes);
	e->occupancy = harvested;
}

void ring_record_bitmap_clear(struct ring_record *rec)
{
	record_add(rec, RR_BITMAP_CLEAR, 0);
}

static const char * const event_names[] = {
	[RR_SLOT] = "slot", [RR_RUN] = "run", [RR_EXIT] = "exit",
	[RR_ENTRY] = "entry", [RR_DRAINED] = "drained", [RR_RESET] = "reset",
	[RR_BITMAP] = "bitmap", [RR_BITMAP_CLEAR] = "bitmap_clear",
};

void ring_record_print(const struct ring_record *rec, u64 from, u64 to)
{
	u64 i;

	for (i = from; i < to && i < rec->nr; i++) {
		const struct ring_event *e = &rec->ev[i];

		printf("# event %lu: %s vcpu %u", i, event_names[e->kind], e->vcpu);
		if (e->kind == RR_SLOT)
			printf(" op %u id %u npages %lu flags %#x", e->slot_op, e->slot.id,
			       e->slot.npages, e->slot.flags);
		else if (e->kind == RR_EXIT)
			printf(" %s stores %lu op %u occupancy %u", ring_exit_name(e->exit),
			       e->progress.stores, e->progress.op, e->occupancy);
		else if (e->kind == RR_ENTRY)
			printf(" [%u] %#x/%#lx", e->entry.index, e->entry.slot, e->entry.offset);
		else if (e->kind == RR_RESET)
			printf(" count %u stale %u", e->reset.count, e->reset.stale);
		else if (e->kind == RR_BITMAP)
			printf(" slot %#x npages %lu harvested %u", e->bitmap.slot,
			       e->bitmap.npages, e->occupancy);
		printf("\n");
	}
	fflush(stdout);
}
