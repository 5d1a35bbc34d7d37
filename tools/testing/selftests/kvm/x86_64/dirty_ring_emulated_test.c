// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_ring_emulated_test: guest memory that KVM writes itself.
 *
 * Most dirty pages are logged by KVM's write-protection fault path.  Some
 * writes to guest memory are made by KVM: string port input completed from
 * userspace data, instruction emulation (every CPL0 instruction on hosts
 * such as kvm_pvm, a rep string instruction wherever KVM emulates it), an
 * access that straddles the end of a memslot into an MMIO gap.  Those go
 * through kvm_vcpu_write_guest() and push one ring entry per write, not one
 * per page.  A VMM migrating the guest must still see every page, and the
 * ring must never hold more than its size.
 *
 * Cases, each with the smallest ring KVM accepts (or -r):
 *   - rep_insb, rep_insw: string input from a port the host answers, into
 *     pages of a dirty-logged slot, starting just before a page boundary
 *     (rep_insw at an odd address, so words straddle pages);
 *   - rep_movsb, rep_movsq, rep_stosb, rep_stosq: string copies and fills
 *     across many pages (the q variants unaligned, straddling pages);
 *   - mmio_straddle: per page, a movsq from an MMIO gap into the page (the
 *     write is always done by KVM's emulator) and a qword store whose first
 *     half ends the dirty-logged slot and whose second half is MMIO.
 * Every case checks that every page written is reported and nothing else
 * (a page may be reported more than once: emulated writes log per store),
 * that the pages hold exactly what was written, that each full exit finds
 * the entry at the fetch index DIRTY and the ring below its size, that no
 * exit finds more entries than KVM's reserve allows, and that each
 * KVM_RESET_DIRTY_RINGS resets what was harvested.  The host harvests only
 * at full exits, so full exits must come.
 *
 * A ring found completely used, or a full exit with nothing to harvest, is
 * "RING OVERFLOW"; more used than the reserve allows is "SOFT LIMIT
 * OVERSHOOT".  kvm_pvm emulates CPL0 rep string instructions in batches of
 * 1024 stores between soft-full checks, so its CPL0 rep_movs and rep_stos
 * cases overflow the smallest ring (known-issues.txt).
 */
#include <getopt.h>
#include <unistd.h>

#include "dirty_log.h"
#include "dirty_ring.h"
#include "kvm_util.h"
#include "test_case.h"
#include "ucall.h"

#define TEST_SLOT		1
#define PIO_PORT		0x2000	/* not UCALL_PIO_PORT */
#define MAX_SPAN_PAGES		4096
/* A write that crosses a page boundary pushes two entries in one instruction. */
#define MAX_ENTRIES_PER_INSN	2
#define LAST_ENTRIES_SHOWN	4
#define STOS_QWORD		0x0123456789abcdeful
#define MMIO_READ_MAGIC		0xfeed000000000000ul
#define MMIO_SRC_OFFSET		0x800

enum emu_op { OP_INSB, OP_INSW, OP_MOVSB, OP_MOVSQ, OP_STOSB, OP_STOSQ, OP_MMIO };

struct emu_case {
	enum emu_op op;
	u32 size;		/* bytes per element */
	u64 start;		/* first byte written, from the start of the slot */
	u32 span_num, span_den;	/* pages written per ring entry: num / den */
};

/* Ring size in entries: the smallest KVM accepts unless -r. */
static u32 ring_entries;

/* One run of a case, as the host sees it. */
struct emu_run {
	const struct emu_case *c;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct dirty_ring *ring;
	struct dirty_bitmap_set reported;
	unsigned long *reported_pages;
	u8 *slot;		/* host view of the dirty-logged slot */
	u64 slot_pages;
	u64 bytes;		/* string cases: bytes written from c->start */
	gpa_t mmio_gpa;		/* the MMIO gap right after the slot */
	u64 entries, full_exits, exits;
	u64 pio_bytes, pio_exits, pio_max_count;
	u64 mmio_reads, mmio_writes;
};

static u8 pattern_byte(u64 i)
{
	return (u8)(i * 131 + (i >> 12) * 29 + 0x5a);
}

/* The qword a guest stores across the slot end for page i: halves differ per page. */
static inline u64 straddle_value(u64 i)
{
	return ((i + 1) << 32) | (u32)(0xc0de0000u + i);
}

static inline u64 mmio_read_value(u64 i)
{
	return MMIO_READ_MAGIC | i;
}

static inline u64 mmio_dst_offset(u64 page)
{
	return page * GUEST_PAGE_SIZE + (page * 8) % GUEST_PAGE_SIZE;
}

/*
 * The guest: one string instruction over the whole span, or the MMIO loop
 * over count pages.  dst, src and count are guest addresses and a count of
 * elements; value is the stos value, or the straddling store's address.
 */
static void guest_code(u64 op, u64 dst, u64 src, u64 count, u64 value)
{
	u64 i, d, s;

	switch (op) {
	case OP_INSB:
		asm volatile("rep insb" : "+D"(dst), "+c"(count) : "d"(PIO_PORT) : "memory");
		break;
	case OP_INSW:
		asm volatile("rep insw" : "+D"(dst), "+c"(count) : "d"(PIO_PORT) : "memory");
		break;
	case OP_MOVSB:
		asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(count) : : "memory");
		break;
	case OP_MOVSQ:
		asm volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(count) : : "memory");
		break;
	case OP_STOSB:
		asm volatile("rep stosb" : "+D"(dst), "+c"(count) : "a"(value) : "memory");
		break;
	case OP_STOSQ:
		asm volatile("rep stosq" : "+D"(dst), "+c"(count) : "a"(value) : "memory");
		break;
	case OP_MMIO:
		for (i = 0; i < count; i++) {
			d = dst + mmio_dst_offset(i);
			s = src;
			asm volatile("movsq" : "+D"(d), "+S"(s) : : "memory");
			WRITE_ONCE(*(u64 *)value, straddle_value(i));
		}
		count = 0;
		break;
	}
	GUEST_ASSERT_EQ(count, 0);
	GUEST_DONE();
}

/* What the slot must hold at byte offset off once the guest is done. */
static u8 expected_byte(const struct emu_run *r, u64 off)
{
	u64 page = off / GUEST_PAGE_SIZE, last = r->slot_pages - 1, q;

	if (r->c->op == OP_MMIO) {
		if (page == last && off % GUEST_PAGE_SIZE >= GUEST_PAGE_SIZE - 4) {
			q = straddle_value(last - 1);
			return q >> (8 * (off % GUEST_PAGE_SIZE - (GUEST_PAGE_SIZE - 4)));
		}
		if (page == last || off - mmio_dst_offset(page) >= 8)
			return 0;
		return mmio_read_value(page) >> (8 * (off - mmio_dst_offset(page)));
	}
	if (off < r->c->start || off >= r->c->start + r->bytes)
		return 0;
	off -= r->c->start;
	if (r->c->op == OP_STOSB)
		return (u8)STOS_QWORD;
	if (r->c->op == OP_STOSQ)
		return STOS_QWORD >> (8 * (off % 8));
	return pattern_byte(off);
}

static bool page_written(const struct emu_run *r, u64 page)
{
	u64 first = r->c->start / GUEST_PAGE_SIZE;

	if (r->c->op == OP_MMIO)
		return true;
	return page >= first && page <= (r->c->start + r->bytes - 1) / GUEST_PAGE_SIZE;
}

/*
 * The last entries KVM pushed, ending at index end: the DIRTY run, then the
 * harvested entries before it (still in ring memory after the reset).
 */
static void print_last_entries(const struct emu_run *r, u32 end)
{
	u64 pushed = r->entries + (end - r->ring->fetch);
	u32 i;

	for (i = pushed < LAST_ENTRIES_SHOWN ? pushed : LAST_ENTRIES_SHOWN; i; i--) {
		const struct kvm_dirty_gfn *g = dirty_ring_entry(r->ring, end - i);

		ksft_print_msg("[%s] ring index %u: slot %#x offset %llu flags %#x\n",
			       test_context(), end - i, g->slot, (unsigned long long)g->offset,
			       g->flags);
	}
}

/*
 * At every exit: the DIRTY run at the fetch index is all KVM has pushed
 * since the last reset (the host resets whatever it harvests).  A full
 * ring, a DIRTY entry after a gap (the next DIRTY entry after the run must
 * be the run itself, a ring size further), or more than KVM's reserve allows (plus
 * what one instruction may push past the soft limit) is a failure.
 */
static void check_ring_at_exit(struct emu_run *r, bool full)
{
	struct dirty_ring *ring = r->ring;
	u32 used = dirty_ring_occupancy(ring);
	struct ring_collect rc = {};
	u32 limit = ring->size - KVM_RING_RESERVE_MIN + MAX_ENTRIES_PER_INSN - 1;
	u32 floor = ring->size > KVM_RING_RESERVE_MAX ? ring->size - KVM_RING_RESERVE_MAX : 1;
	const char *what = full ? "full" : exit_reason_str(r->vcpu->run->exit_reason);

	if (vcpu_ring_check(r->vcpu, full, &rc)) {
		print_last_entries(r, ring->fetch + used);
		TEST_FAIL("%s; at exit %lu (%s), %lu entries harvested in %lu full exits",
			  rc.msg, r->exits, what, r->entries, r->full_exits);
	}
	if (used > limit) {
		print_last_entries(r, ring->fetch + used);
		TEST_FAIL("SOFT LIMIT OVERSHOOT: at exit %lu (%s), %u of %u entries used, at most %u allowed (reserve %u); %lu full exits so far",
			  r->exits, what, used, ring->size, limit, KVM_RING_RESERVE_MIN,
			  r->full_exits);
	}
	TEST_ASSERT(!full || used >= floor,
		    "full exit %lu with %u of %u entries used, below any soft limit (%u)",
		    r->full_exits, used, ring->size, floor);
}

static void harvest_and_reset(struct emu_run *r)
{
	struct ring_collect rc = {};

	r->entries += vm_collect_rings_bitmap(r->vm, &r->reported, &rc);
	ring_collect_assert(&rc);
}

/* Port input: fill the exit's data with the next bytes of the pattern. */
static void handle_pio(struct emu_run *r)
{
	struct kvm_run *run = r->vcpu->run;
	u8 *data = (u8 *)run + run->io.data_offset;
	u32 i, n = run->io.size * run->io.count;

	TEST_ASSERT(run->io.port == PIO_PORT && run->io.direction == KVM_EXIT_IO_IN &&
		    run->io.size == r->c->size,
		    "unexpected port I/O: port %#x direction %u size %u count %u",
		    run->io.port, run->io.direction, run->io.size, run->io.count);
	TEST_ASSERT(r->pio_bytes + n <= r->bytes,
		    "port input of %u bytes after %lu, the guest asked for %lu",
		    n, r->pio_bytes, r->bytes);
	for (i = 0; i < n; i++)
		data[i] = pattern_byte(r->pio_bytes + i);
	r->pio_bytes += n;
	r->pio_exits++;
	if (run->io.count > r->pio_max_count)
		r->pio_max_count = run->io.count;
}

/* The movsq source reads the next value; the straddling store writes its high half. */
static void handle_mmio(struct emu_run *r)
{
	struct kvm_run *run = r->vcpu->run;
	u64 data = 0;

	if (!run->mmio.is_write) {
		TEST_ASSERT(run->mmio.phys_addr == r->mmio_gpa + MMIO_SRC_OFFSET &&
				    run->mmio.len == 8,
			    "MMIO read of %u bytes at %#llx, expected 8 at %#lx", run->mmio.len,
			    run->mmio.phys_addr, r->mmio_gpa + MMIO_SRC_OFFSET);
		data = mmio_read_value(r->mmio_reads++);
		memcpy(run->mmio.data, &data, 8);
		return;
	}
	TEST_ASSERT(run->mmio.phys_addr == r->mmio_gpa && run->mmio.len == 4,
		    "MMIO write of %u bytes at %#llx, expected the straddling store's 4 at %#lx",
		    run->mmio.len, run->mmio.phys_addr, r->mmio_gpa);
	memcpy(&data, run->mmio.data, 4);
	TEST_ASSERT_EQ(data, straddle_value(r->mmio_writes) >> 32);
	r->mmio_writes++;
}

static void run_guest(struct emu_run *r)
{
	struct kvm_run *run = r->vcpu->run;
	struct ucall uc;

	for (;;) {
		vcpu_run(r->vcpu);
		r->exits++;
		check_ring_at_exit(r, run->exit_reason == KVM_EXIT_DIRTY_RING_FULL);
		if (run->exit_reason == KVM_EXIT_DIRTY_RING_FULL) {
			r->full_exits++;
			harvest_and_reset(r);
			continue;
		}
		if (run->exit_reason == KVM_EXIT_MMIO) {
			handle_mmio(r);
			continue;
		}
		if (get_ucall_checked(r->vcpu, &uc) == UCALL_DONE)
			break;
		vcpu_assert_exit(r->vcpu, KVM_EXIT_IO);
		handle_pio(r);
	}
	harvest_and_reset(r);
}

static u64 span_pages(const struct emu_case *c)
{
	u64 pages = (u64)ring_entries * c->span_num / c->span_den;

	return pages < MAX_SPAN_PAGES ? pages : MAX_SPAN_PAGES;
}

static void setup(struct emu_run *r, enum guest_cpl cpl)
{
	const struct emu_case *c = r->c;
	u64 pages = span_pages(c), count;
	gpa_t gpa = TEST_MEM_BASE_GPA;
	gva_t src = 0, dst = gpa + c->start, value = STOS_QWORD;

	r->vm = vm_create_cpl(cpl);
	vm_enable_dirty_ring_entries(r->vm, ring_entries);
	r->vcpu = vm_vcpu_add(r->vm, 0, guest_code);
	r->ring = vcpu_map_dirty_ring(r->vcpu);

	/* String cases: whole pages from start, an odd tail into the last one. */
	r->bytes = ALIGN_DOWN(pages * GUEST_PAGE_SIZE + 333, c->size);
	r->slot_pages = c->op == OP_MMIO ? pages + 1 :
			DIV_ROUND_UP(c->start + r->bytes, GUEST_PAGE_SIZE);
	vm_mem_region_add(r->vm, BACKING_ANON, TEST_SLOT, gpa, r->slot_pages,
			  KVM_MEM_LOG_DIRTY_PAGES);
	virt_map(r->vm, gpa, gpa, r->slot_pages);
	r->slot = addr_gpa2hva(r->vm, gpa);
	count = r->bytes / c->size;

	if (c->op == OP_MOVSB || c->op == OP_MOVSQ) {
		u8 *hva;
		u64 i;

		src = vm_vaddr_alloc(r->vm, DIV_ROUND_UP(r->bytes, GUEST_PAGE_SIZE));
		hva = addr_gva2hva(r->vm, src);
		for (i = 0; i < r->bytes; i++)
			hva[i] = pattern_byte(i);
	} else if (c->op == OP_MMIO) {
		r->mmio_gpa = gpa + r->slot_pages * GUEST_PAGE_SIZE;
		virt_map(r->vm, r->mmio_gpa, r->mmio_gpa, 1);
		src = r->mmio_gpa + MMIO_SRC_OFFSET;
		dst = gpa;
		count = pages;
		value = r->mmio_gpa - 4;
	}
	vcpu_args_set(r->vcpu, 5, (u64)c->op, dst, src, count, value);

	dirty_bitmap_set_init(&r->reported);
	r->reported_pages = dirty_bitmap_set_add_slot(&r->reported, DIRTY_RING_SLOT(0, TEST_SLOT),
						      r->slot_pages);
}

/* Every page written reported, nothing else; name the first few that differ. */
static void check_reported(const struct emu_run *r)
{
	u64 page, missing = 0, extra = 0;

	for (page = 0; page < r->slot_pages; page++) {
		bool want = page_written(r, page);

		if (want == bitmap_test_bit(r->reported_pages, page))
			continue;
		if (missing + extra < LAST_ENTRIES_SHOWN)
			ksft_print_msg("[%s] page %lu: written %s, reported %s\n", test_context(),
				       page, want ? "yes" : "no", want ? "no" : "yes");
		if (want)
			missing++;
		else
			extra++;
	}
	TEST_ASSERT(!missing && !extra,
		    "%lu written pages not reported, %lu reported pages not written, of %lu; %lu entries in %lu full exits",
		    missing, extra, r->slot_pages, r->entries, r->full_exits);
}

static void check_contents(const struct emu_run *r)
{
	u64 off;

	for (off = 0; off < r->slot_pages * GUEST_PAGE_SIZE; off++)
		TEST_ASSERT(r->slot[off] == expected_byte(r, off),
			    "page %lu byte %lu holds %#x, expected %#x",
			    off / GUEST_PAGE_SIZE, off % GUEST_PAGE_SIZE, r->slot[off],
			    expected_byte(r, off));
}

static void check_io(const struct emu_run *r)
{
	if (r->c->op == OP_INSB || r->c->op == OP_INSW) {
		TEST_ASSERT_EQ(r->pio_bytes, r->bytes);
		TEST_ASSERT(r->pio_max_count > 1,
			    "string port input came one element per exit (%lu exits)",
			    r->pio_exits);
	} else if (r->c->op == OP_MMIO) {
		TEST_ASSERT_EQ(r->mmio_reads, r->slot_pages - 1);
		TEST_ASSERT_EQ(r->mmio_writes, r->slot_pages - 1);
	}
}

static void run_emulated_case(enum guest_cpl cpl, const void *arg)
{
	struct emu_run r = { .c = arg };
	char name[128];

	snprintf(name, sizeof(name), "%s", test_context());
	test_set_context("%s ring %u", name, ring_entries);
	setup(&r, cpl);
	run_guest(&r);
	check_reported(&r);
	check_contents(&r);
	check_io(&r);
	ksft_print_msg("[%s] %lu pages, %lu entries (%lu beyond one per page), %lu full exits, %lu port exits (up to %lu elements), %lu MMIO exits\n",
		       test_context(), r.slot_pages, r.entries, r.entries - r.slot_pages,
		       r.full_exits, r.pio_exits, r.pio_max_count, r.mmio_reads + r.mmio_writes);
	dirty_bitmap_set_free(&r.reported);
	kvm_vm_free(r.vm);
}

static const struct emu_case insb = { OP_INSB, 1, GUEST_PAGE_SIZE - 5, 1, 2 };
static const struct emu_case insw = { OP_INSW, 2, GUEST_PAGE_SIZE - 1, 1, 2 };
static const struct emu_case movsb = { OP_MOVSB, 1, GUEST_PAGE_SIZE - 5, 2, 1 };
static const struct emu_case movsq = { OP_MOVSQ, 8, GUEST_PAGE_SIZE - 3, 2, 1 };
static const struct emu_case stosb = { OP_STOSB, 1, GUEST_PAGE_SIZE - 5, 2, 1 };
static const struct emu_case stosq = { OP_STOSQ, 8, GUEST_PAGE_SIZE - 3, 2, 1 };
static const struct emu_case mmio = { OP_MMIO, 8, 0, 1, 1 };

static const struct test_case cases[] = {
	{ "rep_insb", run_emulated_case, &insb, true, true },
	{ "rep_insw", run_emulated_case, &insw, true, true },
	{ "rep_movsb", run_emulated_case, &movsb, true, true },
	{ "rep_movsq", run_emulated_case, &movsq, true, true },
	{ "rep_stosb", run_emulated_case, &stosb, true, true },
	{ "rep_stosq", run_emulated_case, &stosq, true, true },
	{ "mmio_straddle", run_emulated_case, &mmio, true, true },
};

static void help(const char *prog)
{
	printf("usage: %s [-g cpl0|cpl3|all] [-r entries]\n"
	       "Checks that writes KVM performs itself (string I/O, emulated string instructions, MMIO-adjacent writes) are all logged in the dirty ring.\n"
	       TEST_COMMON_USAGE
	       "  -r N      ring size in entries, a power of two KVM accepts (default: the smallest)\n",
	       prog);
}

int main(int argc, char *argv[])
{
	unsigned int cpl_mask = GUEST_CPL_ALL;
	u64 entries = 0;
	int opt;

	while ((opt = test_getopt(argc, argv, TEST_COMMON_OPTS "r:", NULL,
				  &cpl_mask, help)) != -1)
		entries = dirty_ring_entries_arg(optarg, "-r");

	kvm_require_dirty_ring(0);
	ring_entries = dirty_ring_entries_option(entries, "-r");
	run_test_cases(cases, ARRAY_SIZE(cases), cpl_mask, TEST_CASE_TIMEOUT_S);
}
