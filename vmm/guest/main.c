// SPDX-License-Identifier: GPL-2.0-only
/*
 * main.c: the dirty guest's arguments, its working set and the pass loop
 * that every CPU runs over its own pages (dirty_guest.h has the contract).
 */
#include "guest.h"

#define MB_INFO_MMAP		(1u << 6)
#define MB_MMAP_AVAILABLE	1
#define MIB			(1u << 20)
#define PACE_SLACK_US		10000

struct mb_info_mmap {
	struct mb_info head;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
};

struct mb_mmap_entry {
	u32 size;		/* of the rest of the entry */
	u64 addr, len;
	u32 type;
} __attribute__((packed));

struct config {
	u32 mib;
	u32 cpus;
	u32 rate;		/* pages per second per CPU, 0: no pacing */
	u32 rate1;		/* CPU 1's, when rate1_set; else rate */
	bool rate1_set;
	u32 every;		/* a PASS line every this many passes */
	bool selftest_stale;
};

static struct config cfg = {
	.mib = DG_DEFAULT_MIB,
	.cpus = 1,
	.every = 1,
};

static u32 ws_base;		/* working set: ws_pages pages from ws_base */
static u32 ws_pages;
static volatile u32 go;		/* the BSP lets the AP run after READY */

/* Strict decimal: digits only, no overflow, nothing after them. */
static bool parse_u32(const char *s, const char *end, u32 *out)
{
	u64 v = 0;

	if (s == end)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		if (v > 0xffffffffu)
			return false;
	}
	*out = v;
	return true;
}

static bool word_is(const char *s, const char *end, const char *word)
{
	for (; s < end && *word; s++, word++)
		if (*s != *word)
			return false;
	return s == end && !*word;
}

static void __attribute__((noreturn)) bad_arg(const char *s, const char *end, const char *why)
{
	char arg[48];
	u32 n = 0;

	while (s < end && n < sizeof(arg) - 1)
		arg[n++] = *s++;
	arg[n] = 0;
	dg_fail("DG FAIL args: '%s': %s (mib=N cpus=1|2 rate=N rate1=N every=N selftest=stale)\n",
		arg, why);
}

static void parse_arg(const char *s, const char *end)
{
	const char *eq = s, *val;
	u32 *num = NULL;
	u32 v;

	while (eq < end && *eq != '=')
		eq++;
	if (eq == end)
		bad_arg(s, end, "not key=value");
	val = eq + 1;
	if (word_is(s, eq, "selftest")) {
		if (!word_is(val, end, "stale"))
			bad_arg(s, end, "the only self-test is stale");
		cfg.selftest_stale = true;
		return;
	}
	if (word_is(s, eq, "mib")) {
		num = &cfg.mib;
	} else if (word_is(s, eq, "cpus")) {
		num = &cfg.cpus;
	} else if (word_is(s, eq, "rate")) {
		num = &cfg.rate;
	} else if (word_is(s, eq, "rate1")) {
		num = &cfg.rate1;
		cfg.rate1_set = true;
	} else if (word_is(s, eq, "every")) {
		num = &cfg.every;
	} else {
		bad_arg(s, end, "unknown argument");
	}
	if (!parse_u32(val, end, &v))
		bad_arg(s, end, "not a decimal number");
	if ((num == &cfg.mib && (!v || v >= 4096)) ||
	    (num == &cfg.cpus && (!v || v > DG_MAX_CPUS)) ||
	    (num == &cfg.every && !v))
		bad_arg(s, end, "out of range");
	*num = v;
}

/*
 * The loader's command line starts with the kernel's file name (QEMU and
 * GRUB both put it there): skip the first word, parse the others.
 */
static void parse_cmdline(const char *cmdline)
{
	const char *s = cmdline, *e;
	bool first = true;

	for (;;) {
		while (*s == ' ')
			s++;
		if (!*s)
			return;
		for (e = s; *e && *e != ' '; e++)
			;
		if (!first)
			parse_arg(s, e);
		first = false;
		s = e;
	}
}

/*
 * The highest address the working set may reach: the end of the available
 * memory map range holding ws_base, or without a map, the end of the
 * memory above 1 MiB.
 */
static u64 ram_end(const struct mb_info *mbi)
{
	const struct mb_info_mmap *mbm = (const void *)mbi;
	u32 off;

	if (mbi->flags & MB_INFO_MMAP) {
		for (off = 0; off < mbm->mmap_length; ) {
			const struct mb_mmap_entry *e = (const void *)(mbm->mmap_addr + off);

			if (e->type == MB_MMAP_AVAILABLE && e->addr <= ws_base &&
			    ws_base < e->addr + e->len)
				return e->addr + e->len;
			off += e->size + sizeof(e->size);
		}
		return 0;
	}
	if (mbi->flags & MB_INFO_MEM)
		return MIB + (u64)mbi->mem_upper * 1024;
	return 0;
}

static void setup_working_set(const struct mb_info *mbi)
{
	u64 end;

	ws_base = ((u32)_end + DG_BASE_ALIGN - 1) & ~(DG_BASE_ALIGN - 1);
	ws_pages = cfg.mib * (MIB / DG_PAGE_SIZE);
	end = ram_end(mbi);
	if ((u64)ws_base + (u64)cfg.mib * MIB > end)
		dg_fail("DG FAIL mem: mib=%u from 0x%x does not fit in RAM (available up to 0x%llx)\n",
			cfg.mib, ws_base, end);
}

static inline volatile u64 *page(u32 i)
{
	return (volatile u64 *)(ws_base + i * DG_PAGE_SIZE);
}

/*
 * Rate pacing: a deadline per page.  A CPU more than PACE_SLACK_US late
 * (a stall, a migration's downtime) restarts the schedule from now rather
 * than catching up, so no burst is faster than the rate for longer than
 * that.
 */
struct pacer {
	u64 next;
	u64 step;
	u64 slack;
};

static u32 cpu_rate(u32 cpu)
{
	return cpu == 1 && cfg.rate1_set ? cfg.rate1 : cfg.rate;
}

static void pacer_init(struct pacer *p, u32 cpu)
{
	u32 rate = cpu_rate(cpu);

	p->step = rate ? div_u64_rem(tsc_hz, rate, NULL) : 0;
	p->slack = div_u64_rem(tsc_hz * PACE_SLACK_US, 1000000, NULL);
	p->next = rdtsc();
}

static inline void pace(struct pacer *p)
{
	u64 now;

	p->next += p->step;
	while ((now = rdtsc()) < p->next)
		cpu_relax();
	if (now - p->next > p->slack)
		p->next = now;
}

/*
 * Page i of pass n holds something else than the value of pass n - 1:
 * name it and the other stale pages of this CPU (those not yet rewritten
 * in this pass), then stop.
 */
static void __attribute__((noreturn)) report_stale(u32 cpu, u64 n, u32 i, u32 end)
{
	u64 want = dg_page_value(n - 1, cpu);
	u32 stale = 0;

	for (; i < end; i++) {
		u64 got = *page(i);

		if (got == want)
			continue;
		if (stale++ < DG_STALE_SHOWN)
			dg_printf("DG STALE cpu=%u page=%u gpa=0x%x want=0x%llx got=0x%llx\n",
				  cpu, i, (u32)page(i), want, got);
	}
	dg_fail("DG FAIL stale cpu=%u n=%llu pages=%u\n", cpu, n, stale);
}

/* selftest=stale: what a destination missing the last write of a page holds. */
static void corrupt_one_page(u32 cpu, u32 first, u32 end, u64 n)
{
	u32 i = first + (end - first) / 2;

	*page(i) = dg_page_value(n - 1, cpu);
	dg_printf("DG SELFTEST stale cpu=%u page=%u gpa=0x%x n=%llu\n", cpu, i, (u32)page(i), n);
}

static void __attribute__((noreturn)) run(u32 cpu)
{
	u32 first = ws_pages / cfg.cpus * cpu, end = first + ws_pages / cfg.cpus;
	u32 until_line = cfg.every;
	struct pacer pacer;
	u64 n;

	pacer_init(&pacer, cpu);
	for (n = 1; ; n++) {
		u64 want = dg_page_value(n - 1, cpu), value = dg_page_value(n, cpu);
		u32 i;

		for (i = first; i < end; i++) {
			volatile u64 *p = page(i);

			if (n > 1 && *p != want)
				report_stale(cpu, n, i, end);
			*p = value;
			if (pacer.step)
				pace(&pacer);
		}
		if (cfg.selftest_stale && cpu == 0 && n == 2)
			corrupt_one_page(cpu, first, end, n);
		if (!--until_line) {
			dg_printf("DG PASS cpu=%u n=%llu tsc=%llu\n", cpu, n, rdtsc());
			until_line = cfg.every;
		}
	}
}

static void setup_idt(void)
{
	extern const u32 exc_handlers[32];
	extern u32 idt[32][2];
	u32 v;

	for (v = 0; v < 32; v++) {
		/* 32-bit interrupt gate, present, DPL 0, in the code segment 0x08 */
		idt[v][0] = 0x08u << 16 | (exc_handlers[v] & 0xffff);
		idt[v][1] = (exc_handlers[v] & 0xffff0000u) | 0x8e00;
	}
}

void exception_report(u32 vector, u32 error, u32 eip)
{
	dg_fail("DG FAIL exception apic=%u vector=%u error=0x%x eip=0x%x\n",
		lapic_id(), vector, error, eip);
}

void ap_main(u32 cpu)
{
	__atomic_store_n(&ap_online, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		cpu_relax();
	run(cpu);
}

void dg_main(u32 magic, struct mb_info *mbi)
{
	setup_idt();
	serial_init();
	/* Each stage's line comes after it: a guest stuck shows where. */
	dg_printf("DG BOOT\n");
	if (magic != MB_BOOT_MAGIC)
		dg_fail("DG FAIL boot: not started by a multiboot loader (eax 0x%x)\n", magic);
	if (mbi->flags & MB_INFO_CMDLINE)
		parse_cmdline((const char *)mbi->cmdline);
	setup_working_set(mbi);
	tsc_calibrate();
	if (cfg.rate && !div_u64_rem(tsc_hz, cfg.rate, NULL))
		dg_fail("DG FAIL args: rate=%u is above the TSC frequency\n", cfg.rate);
	if (cfg.rate1 && !div_u64_rem(tsc_hz, cfg.rate1, NULL))
		dg_fail("DG FAIL args: rate1=%u is above the TSC frequency\n", cfg.rate1);
	dg_printf("DG INFO tsc_khz=%llu every=%u selftest=%s\n", div_u64_rem(tsc_hz, 1000, NULL),
		  cfg.every, cfg.selftest_stale ? "stale" : "none");
	if (cfg.cpus > 1)
		start_ap();
	dg_printf("DG READY cpus=%u mib=%u pages=%u base=0x%x rate=%u rate1=%u\n",
		  cfg.cpus, cfg.mib, ws_pages, ws_base, cfg.rate, cpu_rate(1));
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	run(0);
}
