// SPDX-License-Identifier: GPL-2.0-only
/*
 * smp.c: the AP's start-up through the local APIC (xAPIC, MMIO): INIT,
 * then two STARTUP IPIs at the trampoline that boot.S provides, copied to
 * TRAMPOLINE_ADDR (page aligned, below 1 MiB: the SIPI vector is its page
 * number).  The IPIs go to all CPUs but this one; boot.S stops any AP
 * beyond the first, so a VM with more CPUs than cpus= still works.
 */
#include "guest.h"

#define CPUID_1_EDX_APIC	(1u << 9)
#define MSR_APIC_BASE		0x1b
#define APIC_BASE_ENABLE	(1u << 11)
#define APIC_BASE_ADDR_MASK	0xfffff000u

#define APIC_ID			0x20
#define APIC_SVR		0xf0
#define APIC_SVR_ENABLE		(1u << 8)
#define APIC_SPURIOUS_VECTOR	0xff
#define APIC_ICR_LO		0x300
#define APIC_ICR_HI		0x310
#define APIC_ICR_BUSY		(1u << 12)
#define APIC_ICR_ASSERT		(1u << 14)
#define APIC_ICR_ALL_BUT_SELF	(3u << 18)
#define APIC_DM_INIT		0x500
#define APIC_DM_STARTUP		0x600

#define TRAMPOLINE_ADDR		0x8000u
/* Intel's MP start-up delays. */
#define INIT_DELAY_US		10000
#define SIPI_DELAY_US		200
#define AP_START_TIMEOUT_US	1000000
#define ICR_SPINS		1000000

volatile u32 ap_count;		/* APs that entered boot.S's ap_pm32 */
volatile u32 ap_online;		/* set by the AP in ap_main() */

static u32 lapic_base;

static void lapic_init(void)
{
	u32 a, b, c, d;
	u64 msr;

	cpuid(1, &a, &b, &c, &d);
	if (!(d & CPUID_1_EDX_APIC))
		dg_fail("DG FAIL smp: the CPU has no local APIC\n");
	msr = rdmsr(MSR_APIC_BASE);
	if (!(msr & APIC_BASE_ENABLE) || msr >> 32)
		dg_fail("DG FAIL smp: the local APIC is disabled or above 4 GiB (APIC_BASE 0x%llx)\n",
			msr);
	lapic_base = msr & APIC_BASE_ADDR_MASK;
	mmio_write32(lapic_base + APIC_SVR, mmio_read32(lapic_base + APIC_SVR) |
		     APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR);
}

static void send_ipi_all_but_self(u32 icr)
{
	int i;

	mmio_write32(lapic_base + APIC_ICR_HI, 0);
	mmio_write32(lapic_base + APIC_ICR_LO, APIC_ICR_ALL_BUT_SELF | icr);
	for (i = 0; i < ICR_SPINS; i++)
		if (!(mmio_read32(lapic_base + APIC_ICR_LO) & APIC_ICR_BUSY))
			return;
	dg_fail("DG FAIL smp: IPI 0x%x still pending\n", icr);
}

u32 lapic_id(void)
{
	u32 a, b, c, d;

	cpuid(1, &a, &b, &c, &d);
	return b >> 24;
}

void start_ap(void)
{
	u32 vector = TRAMPOLINE_ADDR >> 12;
	u64 deadline;

	lapic_init();
	memcpy((void *)TRAMPOLINE_ADDR, ap_trampoline, ap_trampoline_end - ap_trampoline);
	send_ipi_all_but_self(APIC_DM_INIT | APIC_ICR_ASSERT);
	tsc_delay_us(INIT_DELAY_US);
	send_ipi_all_but_self(APIC_DM_STARTUP | vector);
	tsc_delay_us(SIPI_DELAY_US);
	if (!ap_online)
		send_ipi_all_but_self(APIC_DM_STARTUP | vector);
	deadline = rdtsc() + div_u64_rem(tsc_hz * AP_START_TIMEOUT_US, 1000000, NULL);
	while (!ap_online) {
		if (rdtsc() > deadline)
			dg_fail("DG FAIL smp: no AP started within %u ms (does the VM have 2 CPUs?)\n",
				AP_START_TIMEOUT_US / 1000);
		cpu_relax();
	}
}
