/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dirty_guest.h: the contract of the dirty guest, shared by the guest and
 * the host tools that read its RAM or its serial lines (README.md tells
 * the same in prose).
 *
 * The guest is a multiboot (v1) ELF32 started by QEMU's -kernel loader.
 * Its working set is mib=N MiB of 4 KiB pages from a base address it
 * prints; cpus=2 splits it in halves, CPU 0 owns the first.  Each pass
 * over its pages, a CPU checks that the first u64 of every page holds the
 * value it wrote there the pass before, then writes the value of this
 * pass, dg_page_value(pass, cpu).  Passes are numbered from 1; pass 1
 * checks nothing (RAM starts as zero).  A page that holds anything else
 * is stale: what a dirty page lost by a migration looks like on the
 * destination.
 *
 * Serial lines on COM1, one line each, fields key=value, numbers decimal
 * unless written 0x...:
 *
 *   DG BOOT
 *   DG INFO tsc_khz=K every=E selftest=none|stale
 *   DG READY cpus=N mib=N pages=N base=0xHEX rate=N rate1=N
 *   DG PASS cpu=C n=P tsc=T           (after passes E, 2E, ...: every=E)
 *   DG SELFTEST stale cpu=C page=I gpa=0xHEX n=P
 *   DG STALE cpu=C page=I gpa=0xHEX want=0xHEX got=0xHEX
 *   DG FAIL reason [key=value ...]    (then that CPU halts)
 *
 * BOOT comes first, INFO after the TSC calibration, READY once every CPU
 * runs: a guest stuck before READY shows where.
 * page=I is the index from the base over the whole working set, so that
 * gpa = base + I * DG_PAGE_SIZE.  Every STALE is followed by a FAIL
 * (stale cpu=C n=P pages=N: N stale pages of pass P, at most
 * DG_STALE_SHOWN of them shown).
 */
#ifndef DIRTY_GUEST_H
#define DIRTY_GUEST_H

#include <stdint.h>

#define DG_PAGE_SIZE		4096u
#define DG_MAX_CPUS		2
#define DG_DEFAULT_MIB		64u
/* The working set starts at the first multiple of this above the image. */
#define DG_BASE_ALIGN		(2u << 20)
/* STALE lines printed per CPU before its FAIL; every one is counted. */
#define DG_STALE_SHOWN		16u

static inline uint64_t dg_page_value(uint64_t pass, unsigned int cpu)
{
	return pass << 8 | cpu;
}

static inline uint64_t dg_value_pass(uint64_t value)
{
	return value >> 8;
}

static inline unsigned int dg_value_cpu(uint64_t value)
{
	return value & 0xff;
}

#endif /* DIRTY_GUEST_H */
