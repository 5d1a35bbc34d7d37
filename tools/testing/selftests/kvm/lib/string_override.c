// SPDX-License-Identifier: GPL-2.0-only
/*
 * The compiler may turn guest loops and struct copies into calls to these.
 * Guest code only sees the test binary, not libc, so the binary carries its
 * own definitions, which the static link prefers over libc's for host and
 * guest alike.  Built with -ffreestanding so they do not call themselves.
 */
#include <stddef.h>

#if defined(__x86_64__)
void *memcpy(void *dst, const void *src, size_t n)
{
	void *ret = dst;

	asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
	return ret;
}

#elif defined(__aarch64__)
void *memcpy(void *dst, const void *src, size_t n)
{
	void *ret = dst;
	unsigned long t;

	/* 8 bytes at a time (normal memory takes unaligned accesses), then bytes */
	asm volatile("1:	cmp	%[n], #8\n"
		     "	b.lo	2f\n"
		     "	ldr	%[t], [%[s]], #8\n"
		     "	str	%[t], [%[d]], #8\n"
		     "	sub	%[n], %[n], #8\n"
		     "	b	1b\n"
		     "2:	cbz	%[n], 3f\n"
		     "	ldrb	%w[t], [%[s]], #1\n"
		     "	strb	%w[t], [%[d]], #1\n"
		     "	sub	%[n], %[n], #1\n"
		     "	b	2b\n"
		     "3:\n"
		     : [d] "+r"(dst), [s] "+r"(src), [n] "+r"(n), [t] "=&r"(t) : : "memory");
	return ret;
}

#else
#error "string_override.c: no memcpy for this arch"
#endif

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

#if defined(__x86_64__)
void *memset(void *dst, int c, size_t n)
{
	void *ret = dst;

	asm volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(c) : "memory");
	return ret;
}

#else
void *memset(void *dst, int c, size_t n)
{
	void *ret = dst;
	unsigned long v = (unsigned char)c * 0x0101010101010101ul;

	asm volatile("1:	cmp	%[n], #8\n"
		     "	b.lo	2f\n"
		     "	str	%[v], [%[d]], #8\n"
		     "	sub	%[n], %[n], #8\n"
		     "	b	1b\n"
		     "2:	cbz	%[n], 3f\n"
		     "	strb	%w[v], [%[d]], #1\n"
		     "	sub	%[n], %[n], #1\n"
		     "	b	2b\n"
		     "3:\n"
		     : [d] "+r"(dst), [n] "+r"(n) : [v] "r"(v) : "memory");
	return ret;
}

#endif

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}
