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
/* 50 ms: 59659 PIT ticks, within the 16-bit counter. */
#define CAL_TICKS	(PIT_HZ / 20)
/* Reads of port 0x61 before giving up on a PIT that never counts down. */
#define CAL_SPINS	(1u << 24)

u64 tsc_hz;

void tsc_calibrate(void)
{
	u8 gate = inb(PIT_GATE_PORT);
	u64 t0, t1;
	u32 i;

	/* Gate low (stops the count), speaker off. */
	outb(PIT_GATE_PORT, gate & ~(PIT_GATE | PIT_SPEAKER));
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, CAL_TICKS & 0xff);
	outb(PIT_CH2, CAL_TICKS >> 8);
	/* The count starts when the gate goes high. */
	outb(PIT_GATE_PORT, (gate & ~PIT_SPEAKER) | PIT_GATE);
	t0 = rdtsc();
	for (i = 0; i < CAL_SPINS; i++)
		if (inb(PIT_GATE_PORT) & PIT_OUT2)
			break;
	t1 = rdtsc();
	outb(PIT_GATE_PORT, gate & ~(PIT_GATE | PIT_SPEAKER));
	if (i == CAL_SPINS)
		dg_fail("DG FAIL timer: PIT channel 2 never reached its count\n");
	tsc_hz = div_u64_rem((t1 - t0) * PIT_HZ, CAL_TICKS, NULL);
	if (!tsc_hz)
		dg_fail("DG FAIL timer: the TSC does not advance\n");
}

void tsc_delay_us(u32 us)
{
	u64 end = rdtsc() + div_u64_rem(tsc_hz * us, 1000000, NULL);

	while (rdtsc() < end)
		cpu_relax();
}
