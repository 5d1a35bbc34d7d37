// SPDX-License-Identifier: GPL-2.0-only
/*
 * ramdiff: page-level comparison of two guest RAM dumps (QEMU's pmemsave
 * of the migration source and of its destination).  After a precopy
 * migration that completed, both must be identical byte for byte; a page
 * that differs is a page the migration did not carry over its last
 * version of, i.e. a dirty page that was lost.
 *
 * Inside the dirty guest's working set (-b BASE -n PAGES, from its
 * "DG READY" line) every page's first u64 is (pass << 8) | cpu: for each
 * differing page the source's and the destination's pass are printed, so
 * a lost page reads as "destination 1 pass behind".  Pages outside the
 * working set are named by address only.
 *
 * Output, one line per differing page (the first -l of them), then a
 * summary line:
 * ramdiff: page 1234 gpa 0x6d2000: src pass 57 cpu 0, dst pass 56 cpu 0 (1 behind), 8 bytes differ
 * ramdiff: 3 of 24576 pages differ (3 in the working set, destination behind by 1 pass: 3)
 * Exit status: 0 identical, 1 different, 2 bad usage or unreadable dumps.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGE_SIZE	4096
#define MAX_LAG		8	/* lags counted one by one; more is "more" */

typedef uint64_t u64;

struct ramdiff {
	u64 base;		/* guest physical address of the working set */
	u64 pages;		/* pages in the working set, 0: none given */
	u64 list_max;		/* differing pages printed one by one */
	u64 differ;		/* pages that differ */
	u64 differ_ws;		/* of those, in the working set */
	u64 lag[MAX_LAG + 2];	/* by destination lag: 0..MAX_LAG, more */
	u64 ahead;		/* destination ahead of the source */
};

static void help(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [-b BASE -n PAGES] [-l LIST] SRC DST\n"
		"Compare two RAM dumps page by page (4 KiB); print each page that\n"
		"differs and a summary.  Inside the dirty guest's working set (BASE:\n"
		"its guest physical start, PAGES: its size in pages) the first u64 of\n"
		"a page is (pass << 8) | cpu, and both passes are printed.\n"
		"  -b BASE   working set start (hex with 0x, or decimal)\n"
		"  -n PAGES  working set pages\n"
		"  -l LIST   print at most LIST differing pages (default 32)\n"
		"Exit status: 0 identical, 1 different, 2 bad usage or input.\n",
		prog);
}

static bool parse_u64(const char *s, u64 *val)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*val = strtoull(s, &end, 0);
	return !errno && !*end;
}

static bool in_working_set(const struct ramdiff *rd, u64 gpa)
{
	return rd->pages && gpa >= rd->base &&
	       (gpa - rd->base) / PAGE_SIZE < rd->pages;
}

static size_t bytes_differ(const unsigned char *a, const unsigned char *b)
{
	size_t i, n = 0;

	for (i = 0; i < PAGE_SIZE; i++)
		n += a[i] != b[i];
	return n;
}

/* One differing page: count it and, within the list limit, print it. */
static void report_page(struct ramdiff *rd, u64 gpa,
			const unsigned char *src, const unsigned char *dst)
{
	bool print = rd->differ < rd->list_max;
	size_t nbytes = bytes_differ(src, dst);
	u64 sv, dv, spass, dpass;

	rd->differ++;
	if (!in_working_set(rd, gpa)) {
		if (print)
			printf("ramdiff: gpa 0x%" PRIx64 " (outside the working set): %zu bytes differ\n",
			       gpa, nbytes);
		return;
	}
	rd->differ_ws++;
	memcpy(&sv, src, sizeof(sv));
	memcpy(&dv, dst, sizeof(dv));
	spass = sv >> 8;
	dpass = dv >> 8;
	if (dpass > spass)
		rd->ahead++;
	else
		rd->lag[spass - dpass > MAX_LAG ? MAX_LAG + 1 : spass - dpass]++;
	if (!print)
		return;
	printf("ramdiff: page %" PRIu64 " gpa 0x%" PRIx64 ": src pass %" PRIu64
	       " cpu %u, dst pass %" PRIu64 " cpu %u (",
	       (gpa - rd->base) / PAGE_SIZE, gpa, spass, (unsigned int)(sv & 0xff), dpass,
	       (unsigned int)(dv & 0xff));
	if (dpass > spass)
		printf("%" PRIu64 " ahead", dpass - spass);
	else
		printf("%" PRIu64 " behind", spass - dpass);
	printf("), %zu bytes differ\n", nbytes);
}

static void print_summary(const struct ramdiff *rd, u64 total)
{
	const char *sep = "";
	int i;

	printf("ramdiff: %" PRIu64 " of %" PRIu64 " pages differ", rd->differ, total);
	if (rd->differ > rd->list_max)
		printf(" (%" PRIu64 " not listed)", rd->differ - rd->list_max);
	if (rd->pages) {
		printf(" (%" PRIu64 " in the working set", rd->differ_ws);
		if (rd->differ_ws) {
			printf(", destination behind by");
			for (i = 0; i <= MAX_LAG; i++) {
				if (!rd->lag[i])
					continue;
				printf("%s %d pass%s: %" PRIu64, sep, i,
				       i == 1 ? "" : "es", rd->lag[i]);
				sep = ",";
			}
			if (rd->lag[MAX_LAG + 1])
				printf("%s more than %d passes: %" PRIu64, sep,
				       MAX_LAG, rd->lag[MAX_LAG + 1]);
			if (rd->ahead)
				printf("; ahead: %" PRIu64, rd->ahead);
		}
		printf(")");
	}
	printf("\n");
}

/* Compare the dumps; returns the number of pages compared, -1 on error. */
static long long compare(struct ramdiff *rd, FILE *a, FILE *b,
			 const char *an, const char *bn)
{
	static unsigned char pa[PAGE_SIZE], pb[PAGE_SIZE];
	long long pages = 0;
	size_t na, nb;

	for (;;) {
		na = fread(pa, 1, PAGE_SIZE, a);
		nb = fread(pb, 1, PAGE_SIZE, b);
		if (ferror(a) || ferror(b)) {
			fprintf(stderr, "ramdiff: reading %s: %s\n",
				ferror(a) ? an : bn, strerror(errno));
			return -1;
		}
		if (na != nb) {
			fprintf(stderr, "ramdiff: %s and %s differ in size (at page %lld)\n",
				an, bn, pages);
			return -1;
		}
		if (!na)
			return pages;
		if (na != PAGE_SIZE) {
			fprintf(stderr, "ramdiff: %s: size not a multiple of %d bytes\n",
				an, PAGE_SIZE);
			return -1;
		}
		if (memcmp(pa, pb, PAGE_SIZE))
			report_page(rd, (u64)pages * PAGE_SIZE, pa, pb);
		pages++;
	}
}

int main(int argc, char *argv[])
{
	struct ramdiff rd = { .list_max = 32 };
	bool have_base = false, have_pages = false;
	long long pages;
	FILE *a, *b;
	int opt;

	while ((opt = getopt(argc, argv, "b:n:l:h")) != -1) {
		switch (opt) {
		case 'b':
			have_base = parse_u64(optarg, &rd.base);
			if (!have_base || rd.base % PAGE_SIZE)
				goto bad_value;
			break;
		case 'n':
			have_pages = parse_u64(optarg, &rd.pages);
			if (!have_pages || !rd.pages)
				goto bad_value;
			break;
		case 'l':
			if (!parse_u64(optarg, &rd.list_max))
				goto bad_value;
			break;
		case 'h':
			help(stdout, argv[0]);
			return 0;
		default:
			help(stderr, argv[0]);
			return 2;
		}
	}
	if (have_base != have_pages) {
		fprintf(stderr, "%s: -b and -n go together\n", argv[0]);
		help(stderr, argv[0]);
		return 2;
	}
	if (argc - optind != 2) {
		help(stderr, argv[0]);
		return 2;
	}
	a = fopen(argv[optind], "rb");
	b = fopen(argv[optind + 1], "rb");
	if (!a || !b) {
		fprintf(stderr, "ramdiff: cannot open %s: %s\n",
			argv[a ? optind + 1 : optind], strerror(errno));
		return 2;
	}
	pages = compare(&rd, a, b, argv[optind], argv[optind + 1]);
	fclose(a);
	fclose(b);
	if (pages < 0)
		return 2;
	if (rd.pages && rd.base / PAGE_SIZE + rd.pages > (u64)pages) {
		fprintf(stderr, "ramdiff: the working set (%" PRIu64 " pages at 0x%" PRIx64 ") ends beyond the dumps (%lld pages)\n",
			rd.pages, rd.base, pages);
		return 2;
	}
	print_summary(&rd, pages);
	return rd.differ ? 1 : 0;

bad_value:
	fprintf(stderr, "%s: bad -%c '%s'\n", argv[0], opt, optarg);
	help(stderr, argv[0]);
	return 2;
}
