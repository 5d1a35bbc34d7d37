// SPDX-License-Identifier: GPL-2.0-only
/*
 * reset_signal_lost_pages: KVM_RESET_DIRTY_RINGS interrupted by a signal
 * (bugs/02-reset-signal-loses-pages.md).
 *
 * The guest stores to 16384 pages; userspace harvests all 16384 entries and
 * resets them while a 20 us interval timer keeps sending SIGALRM, calling
 * the ioctl again until every entry is reset.  Then the guest stores to the
 * same pages again: every one of them must be reported, because the reset
 * write-protected them all again.  Kernels that stop a reset on a pending
 * signal (6.17 on) clear and count up to 64 entries whose pages they do
 * not write-protect again, and those pages' next stores go unlogged.
 *
 *   reset_signal_lost_pages [-c 0|3] [-s US]
 *     -c   guest privilege level (default 3)
 *     -s   signal period in microseconds (default 20); 0 sends no signal,
 *          as a control: every page must come back then on any kernel
 */
#include <signal.h>
#include <sys/time.h>

#include "repro_vm.h"

#define NPAGES		16384
#define RING_BYTES	(32768 * 16)	/* holds NPAGES below any host's soft limit */
#define SIGNAL_US	20
#define SIGNAL_US_MAX	1000000
#define CALLS_MAX	100000

static void on_alarm(int sig)
{
	(void)sig;
}

static void interval_timer(long us)
{
	struct itimerval it = { .it_interval = { 0, us }, .it_value = { 0, us } };

	if (setitimer(ITIMER_REAL, &it, NULL))
		die("setitimer");
}

/* Run the guest to the end of a round, harvesting into @seen (may be NULL). */
static uint32_t round_pages(struct repro_vm *v, uint8_t *seen)
{
	uint32_t n = 0, reason;

	while ((reason = repro_run(v)) != KVM_EXIT_MMIO) {
		if (reason != KVM_EXIT_INTR)
			die("exit reason %u during a round", reason);
	}
	n = repro_harvest(v, seen);
	return n;
}

int main(int argc, char *argv[])
{
	struct sigaction sa = { .sa_handler = on_alarm };
	uint32_t harvested, reset = 0, calls = 0, partial = 0, eintr = 0, i, seen_pages = 0;
	struct repro_vm v;
	int cpl = 3, opt, r;
	long signal_us = SIGNAL_US;
	uint8_t *seen;
	char *end;

	while ((opt = getopt(argc, argv, "c:s:h")) != -1) {
		if (opt == 'c') {
			cpl = repro_cpl_arg(optarg);
			if (cpl >= 0)
				continue;
		}
		if (opt == 's') {
			errno = 0;
			signal_us = strtol(optarg, &end, 10);
			if (!errno && *optarg && !*end && signal_us >= 0 &&
			    signal_us <= SIGNAL_US_MAX)
				continue;
		}
		fprintf(opt == 'h' ? stdout : stderr, "usage: %s [-c 0|3] [-s US (0..%d)]\n",
			argv[0], SIGNAL_US_MAX);
		return opt == 'h' ? 0 : 1;
	}
	if (optind < argc) {
		fprintf(stderr, "usage: %s [-c 0|3] [-s US (0..%d)]\n", argv[0], SIGNAL_US_MAX);
		return 1;
	}

	if (!repro_vm_create(&v, RING_BYTES, NPAGES, cpl))
		skip("KVM refused a 512 KiB dirty ring");
	seen = calloc(NPAGES, 1);
	if (!seen)
		die("out of memory");
	if (sigaction(SIGALRM, &sa, NULL))
		die("sigaction");

	harvested = round_pages(&v, NULL);
	interval_timer(signal_us);
	while (reset < harvested && calls < CALLS_MAX) {
		r = repro_reset(&v);
		calls++;
		if (r < 0) {
			eintr++;
			continue;
		}
		if ((uint32_t)r < harvested - reset)
			partial++;
		reset += r;
	}
	interval_timer(0);
	printf("CPL%d: %u entries harvested; %u KVM_RESET_DIRTY_RINGS calls under a %ld us SIGALRM (0: none): %u returned fewer than were left, %u failed with EINTR; %u reset in all\n",
	       cpl, harvested, calls, signal_us, partial, eintr, reset);
	if (harvested != NPAGES || reset != harvested)
		die("harvested %u of %u pages, reset %u", harvested, NPAGES, reset);
	if (signal_us && !partial && !eintr)
		skip("no reset was cut short in this run (a kernel before 6.17 never stops a reset for a signal; 6.17 and later only when the signal arrives during a reset)");

	round_pages(&v, seen);
	for (i = 0; i < NPAGES; i++)
		seen_pages += seen[i];
	printf("next round: the guest stored to all %u pages, %u reported\n", NPAGES, seen_pages);
	if (seen_pages != NPAGES) {
		for (i = 0; seen[i]; i++)
			;
		printf("BUG: PAGES LOST: %u pages not reported (first: page %u); the interrupted resets cleared entries without write-protecting their pages\n",
		       NPAGES - seen_pages, i);
		printf("FAIL: reproduced\n");
		return 1;
	}
	printf("PASS: not reproduced\n");
	return 0;
}
