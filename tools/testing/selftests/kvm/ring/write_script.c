// SPDX-License-Identifier: GPL-2.0-only
/*
 * Building write scripts (see write_script.h).
 */
#include "write_script.h"

static struct script_op *script_append(struct write_script *s, u16 kind)
{
	struct script_op *op;

	s->ops = array_reserve(s->ops, s->nr, &s->cap, sizeof(*s->ops), 64);
	op = &s->ops[s->nr++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	return op;
}

void script_add_write(struct write_script *s, struct script_write w)
{
	struct script_op *op;

	TEST_ASSERT(w.count, "a write of no page to slot %u page %lu", w.slot, w.page);
	op = script_append(s, SCRIPT_WRITE);
	op->slot = w.slot;
	op->page = w.page;
	op->count = w.count;
	op->pad = w.pad;
}

void script_add_sync(struct write_script *s)
{
	script_append(s, SCRIPT_SYNC);
}

void script_add_end(struct write_script *s)
{
	script_append(s, SCRIPT_END);
}

void write_script_free(struct write_script *s)
{
	free(s->ops);
	memset(s, 0, sizeof(*s));
}
