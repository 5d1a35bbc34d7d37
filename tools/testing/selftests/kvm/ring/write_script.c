// SPDX-License-Identifier: GPL-2.0-only
/*
 * Building write scripts (see write_script.h).
 */
#include "write_script.h"

static struct ws_op *ws_append(struct ws_script *s, u16 kind)
{
	struct ws_op *op;

	s->ops = array_reserve(s->ops, s->nr, &s->cap, sizeof(*s->ops), 64);
	op = &s->ops[s->nr++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	return op;
}

void ws_add_write(struct ws_script *s, struct ws_write w)
{
	struct ws_op *op;

	TEST_ASSERT(w.count, "a write of no page to slot %u page %lu", w.slot, w.page);
	op = ws_append(s, WS_WRITE);
	op->slot = w.slot;
	op->page = w.page;
	op->count = w.count;
	op->pad = w.pad;
}

void ws_add_sync(struct ws_script *s)
{
	ws_append(s, WS_SYNC);
}

void ws_add_end(struct ws_script *s)
{
	ws_append(s, WS_END);
}

void ws_script_free(struct ws_script *s)
{
	free(s->ops);
	memset(s, 0, sizeof(*s));
}
