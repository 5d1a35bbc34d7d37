// SPDX-License-Identifier: GPL-2.0-only
/*
 * serial.c: output on COM1, one whole line per dg_printf() call so that
 * the lines of two CPUs never interleave, and a minimal printf
 * (%c %s %d %u %x, with l or ll for 64 bits).
 *
 * A line goes out in FIFO-sized chunks, each one `rep outsb` once the
 * transmitter is empty: under KVM a chunk costs one exit to the VMM, not
 * two per character, which matters to a nested guest printing a PASS line
 * every pass.
 */
#include "guest.h"

#define COM1		0x3f8
#define UART_THR	0
#define UART_IER	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_LSR_THRE	0x20
#define UART_LCR_DLAB	0x80
#define UART_FIFO_SIZE	16
/* Bounded wait for the transmitter: a missing UART must not hang us. */
#define UART_SPINS	100000

#define LINE_MAX	160

static volatile u32 serial_lock;

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + 0, 1);		/* divisor 1: 115200 baud */
	outb(COM1 + 1, 0);
	outb(COM1 + UART_LCR, 0x03);	/* 8N1 */
	outb(COM1 + UART_FCR, 0x07);	/* FIFOs on and cleared */
	outb(COM1 + UART_MCR, 0x03);	/* DTR, RTS */
}

static void serial_write(const char *p, u32 n)
{
	while (n) {
		u32 chunk = n < UART_FIFO_SIZE ? n : UART_FIFO_SIZE;
		int i;

		/* THRE with the FIFOs on: the whole transmit FIFO is free. */
		for (i = 0; i < UART_SPINS; i++)
			if (inb(COM1 + UART_LSR) & UART_LSR_THRE)
				break;
		n -= chunk;
		asm volatile("rep outsb" : "+S"(p), "+c"(chunk) : "d"(COM1 + UART_THR) : "memory");
	}
}

struct buf {
	char *p;
	char *end;
};

static void put(struct buf *b, char c)
{
	if (b->p < b->end)
		*b->p++ = c;
}

static void put_u64(struct buf *b, u64 v, u32 base)
{
	char digits[24];
	int n = 0;
	u32 r;

	do {
		v = div_u64_rem(v, base, &r);
		digits[n++] = "0123456789abcdef"[r];
	} while (v);
	while (n)
		put(b, digits[--n]);
}

static void format(struct buf *b, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int longs = 0;
		u64 v;

		if (*fmt != '%') {
			put(b, *fmt);
			continue;
		}
		while (*++fmt == 'l')
			longs++;
		switch (*fmt) {
		case 'c':
			put(b, va_arg(ap, int));
			continue;
		case 's': {
			const char *s = va_arg(ap, const char *);

			while (*s)
				put(b, *s++);
			continue;
		}
		case 'd':
		case 'u':
		case 'x':
			break;
		case '%':
			put(b, '%');
			continue;
		default:
			put(b, '?');
			continue;
		}
		if (longs == 2)
			v = va_arg(ap, u64);
		else if (*fmt == 'd')
			v = (u64)(s64)(longs ? va_arg(ap, long) : va_arg(ap, int));
		else
			v = longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
		if (*fmt == 'd' && (s64)v < 0) {
			put(b, '-');
			v = -v;
		}
		put_u64(b, v, *fmt == 'x' ? 16 : 10);
	}
}

static void vprint_line(const char *fmt, va_list ap)
{
	char line[LINE_MAX];
	struct buf b = { line, line + sizeof(line) - 1 };

	format(&b, fmt, ap);
	/* A line cut short still ends the line. */
	if (b.p == b.end)
		b.p[-1] = '\n';
	while (__atomic_exchange_n(&serial_lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	serial_write(line, b.p - line);
	__atomic_store_n(&serial_lock, 0, __ATOMIC_RELEASE);
}

void dg_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_line(fmt, ap);
	va_end(ap);
}

void halt(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

void dg_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_line(fmt, ap);
	va_end(ap);
	halt();
}
