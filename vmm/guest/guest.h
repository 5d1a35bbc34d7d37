/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * guest.h: what the pieces of the dirty guest share.  32-bit protected
 * mode, flat segments, no paging, interrupts off on every CPU.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirty_guest.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

/* Multiboot v1 information, the fields the guest reads. */
#define MB_BOOT_MAGIC		0x2badb002u
#define MB_INFO_MEM		(1u << 0)
#define MB_INFO_CMDLINE		(1u << 2)

struct mb_info {
	u32 flags;
	u32 mem_lower;		/* KiB below 1 MiB */
	u32 mem_upper;		/* KiB from 1 MiB to the first hole */
	u32 boot_device;
	u32 cmdline;
	/* more follows that the guest does not use */
};

/* Symbols of the linker script and boot.S. */
extern char _end[];
extern char ap_trampoline[], ap_trampoline_end[];
extern volatile u32 ap_count, ap_online;

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (u64)hi << 32 | lo;
}

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

static inline void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static inline u32 mmio_read32(u32 addr)
{
	return *(volatile u32 *)addr;
}

static inline void mmio_write32(u32 addr, u32 v)
{
	*(volatile u32 *)addr = v;
}

/*
 * n / d and n % d for a 32-bit divisor without libgcc (the 32-bit libgcc
 * is not installed everywhere): two divl, the second one's quotient fits.
 */
static inline u64 div_u64_rem(u64 n, u32 d, u32 *rem)
{
	u32 hi = n >> 32, lo = n, qlo, r;
	u32 qhi = hi / d;

	r = hi % d;
	asm("divl %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
	if (rem)
		*rem = r;
	return (u64)qhi << 32 | qlo;
}

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

/* serial.c: COM1, whole lines under a lock shared by the CPUs. */
void serial_init(void);
void dg_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void halt(void);
void __attribute__((noreturn, format(printf, 1, 2))) dg_fail(const char *fmt, ...);

/* timer.c: the TSC, calibrated against PIT channel 2. */
extern u64 tsc_hz;
void tsc_calibrate(void);
void tsc_delay_us(u32 us);

/* smp.c: starting the AP. */
u32 lapic_id(void);
void start_ap(void);

/* main.c */
void __attribute__((noreturn)) dg_main(u32 magic, struct mb_info *mbi);
void __attribute__((noreturn)) ap_main(u32 cpu);
void __attribute__((noreturn)) exception_report(u32 vector, u32 error, u32 eip);

#endif /* GUEST_H */
