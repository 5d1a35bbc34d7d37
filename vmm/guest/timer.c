// SPDX-License-Identifier: GPL-2.0-only
/*
 * timer.c: the TSC frequency, measured against PIT channel 2 (its gate and
 * output are bits 0 and 5 of port 0x61), so that rate= and the AP start-up
 * delays are in real time on any host.
 */
#include "guest.h"

#define PIT_HZ		1193182u
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_GATE_PORT	0x61
#define PIT_GATE	0x01
#define PIT_SPEAKER	0x02
#define PIT_OUT2	0x20
/* Channel 2, low then high byte, mode 0 (out goes high at terminal count). */
#define PIT_CH2_MODE0	0xb0
#define PIT_CH2_LATCH	0x80
/*
 * A run reads the counter and the TSC twice, at least 20 ms apart, and
 * takes the TSC ticks per PIT tick in between.  Each reading brackets the
 * counter's latch between two TSC reads and keeps the tightest bracket of
 * a few tries, so a preemption of the CPU between the readings costs
 * nothing and one during a reading is not taken.  A run that let the
 * counter reach zero (55 ms: the CPU was held up) does not count.  Of
 * CAL_RUNS runs that count, the one with the tightest readings wins.
 */
#define CAL_START	0xffff
#define CAL_TICKS	(PIT_HZ / 50)
#define CAL_TRIES	4
#define CAL_RUNS	3
#define CAL_ATTEMPTS	50
#define CAL_INVALID	(~0ull)
/*
 * A PIT that has not counted CAL_TICKS within this many TSC ticks (7 s at
 * 2.4 GHz) is broken: bounded by time, not by reads, as each read may be
 * an exit to a slow nested VMM.
 */
#define CAL_TSC_LIMIT	(1ull << 34)

u64 tsc_hz;

struct pit_reading {
	u64 tsc;		/* the middle of the bracket */
	u64 bracket;		/* TSC ticks around the latch */
	u32 count;
};

static u32 pit_count(void)
{
	u32 lo;

	outb(PIT_CMD, PIT_CH2_LATCH);
	lo = inb(PIT_CH2);
	return lo | (u32)inb(PIT_CH2) << 8;
}

static struct pit_reading pit_read(void)
{
	struct pit_reading best = { .bracket = ~0ull };
	int try;

	for (try = 0; try < CAL_TRIES; try++) {
		u64 t0 = rdtsc();
		u32 count = pit_count();
		u64 t1 = rdtsc();

		if (t1 - t0 < best.bracket) {
			best.tsc = t0 + (t1 - t0) / 2;
			best.bracket = t1 - t0;
			best.count = count;
		}
	}
	return best;
}

/* One run: the TSC frequency it measured, its readings' summed bracket. */
static u64 pit_run(u64 *bracket)
{
	u8 gate = inb(PIT_GATE_PORT);
	struct pit_reading a, b;
	bool stuck;

	/* Gate low, speaker off; program the count; open the gate. */
	outb(PIT_GATE_PORT, gate & ~(PIT_GATE | PIT_SPEAKER));
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, CAL_START & 0xff);
	outb(PIT_CH2, CAL_START >> 8);
	outb(PIT_GATE_PORT, (gate & ~PIT_SPEAKER) | PIT_GATE);
	a = pit_read();
	while (!(stuck = rdtsc() - a.tsc > CAL_TSC_LIMIT))
		if (a.count - pit_count() >= CAL_TICKS || (inb(PIT_GATE_PORT) & PIT_OUT2))
			break;
	b = pit_read();
	/* Out high: the count reached zero and may have wrapped. */
	*bracket = (inb(PIT_GATE_PORT) & PIT_OUT2) || b.count >= a.count ?
		   CAL_INVALID : a.bracket + b.bracket;
	outb(PIT_GATE_PORT, gate & ~(PIT_GATE | PIT_SPEAKER));
	if (stuck)
		dg_fail("DG FAIL timer: PIT channel 2 does not count down\n");
	if (*bracket == CAL_INVALID)
		return 0;
	return div_u64_rem((b.tsc - a.tsc) * PIT_HZ, a.count - b.count, NULL);
}

void tsc_calibrate(void)
{
	u64 best_bracket = CAL_INVALID, bracket, hz;
	int attempt, runs = 0;

	for (attempt = 0; attempt < CAL_ATTEMPTS && runs < CAL_RUNS; attempt++) {
		hz = pit_run(&bracket);
		if (bracket == CAL_INVALID)
			continue;
		runs++;
		if (bracket < best_bracket) {
			best_bracket = bracket;
			tsc_hz = hz;
		}
	}
	if (!runs)
		dg_fail("DG FAIL timer: no PIT run of %d counted down %u ticks before reaching zero\n",
			CAL_ATTEMPTS, CAL_TICKS);
	if (!tsc_hz)
		dg_fail("DG FAIL timer: the TSC does not advance\n");
}

void tsc_delay_us(u32 us)
{
	u64 end = rdtsc() + div_u64_rem(tsc_hz * us, 1000000, NULL);

	while (rdtsc() < end)
		cpu_relax();
}
