// SPDX-License-Identifier: GPL-2.0-only
/*
 * cpl0_soft_full_overshoot: a tight guest store loop against the smallest
 * dirty ring (bugs/01-kvm_pvm-cpl0-soft-full-batch.md).
 *
 * The guest stores to twice as many new pages as the ring holds, three
 * instructions per store.  KVM must exit with KVM_EXIT_DIRTY_RING_FULL
 * once the ring reaches its soft limit, which leaves at least
 * KVM_DIRTY_RING_RSVD_ENTRIES (64) entries free; so at every full exit at
 * most size - 64 entries may be used, and across the run every page must
 * be reported.  A host that checks for the soft limit only every so many
 * emulated instructions overshoots, fills the ring and overwrites entries.
 *
 *   cpl0_soft_full_overshoot [-c 0|3]   guest privilege level (default 0)
 */
#include "repro_vm.h"

#define RSVD_ENTRIES	64	/* KVM_DIRTY_RING_RSVD_ENTRIES: the least any host reserves */
#define EXITS_MAX	10000

int main(int argc, char *argv[])
{
	uint32_t bytes, used, worst = 0, full = 0, stuck = 0, i, seen_pages = 0;
	struct repro_vm v;
	int cpl, bug = 0;
	uint8_t *seen;

	cpl = repro_cpl_only(argc, argv, 0);
	for (bytes = 4096; bytes <= (1u << 20); bytes *= 2)
		if (repro_vm_create(&v, bytes, 2 * bytes / sizeof(struct kvm_dirty_gfn), cpl))
			break;
	if (bytes > (1u << 20))
		skip("KVM accepted no dirty ring size from 4 KiB to 1 MiB");
	seen = calloc(v.npages, 1);
	if (!seen)
		die("out of memory");

	for (i = 0; i < EXITS_MAX; i++) {
		uint32_t reason = repro_run(&v);

		used = repro_harvest(&v, seen);
		if (reason == KVM_EXIT_MMIO)
			break;
		if (reason != KVM_EXIT_DIRTY_RING_FULL)
			die("exit reason %u", reason);
		full++;
		if (used > worst)
			worst = used;
		if (repro_reset(&v) == 0 && ++stuck > 100) {
			printf("BUG: the ring stays full and KVM_RESET_DIRTY_RINGS resets nothing (fetch index %u, %u entries just harvested)\n",
			       v.fetch, used);
			bug = 1;
			break;
		}
	}
	for (i = 0; i < v.npages; i++)
		seen_pages += seen[i];
	printf("CPL%d, ring of %u entries, %lu pages stored in page order: %u full exits, at most %u entries used at one (bound %u); %u of %lu pages reported\n",
	       cpl, v.entries, (unsigned long)v.npages, full, worst, v.entries - RSVD_ENTRIES,
	       seen_pages, (unsigned long)v.npages);
	if (!full && !bug)
		skip("the guest never filled the ring: nothing checked");
	if (worst > v.entries - RSVD_ENTRIES) {
		printf("BUG: %s: a full exit with %u entries used, past the soft limit and into the reserve\n",
		       worst == v.entries ? "RING OVERFLOW" : "SOFT LIMIT OVERSHOOT", worst);
		bug = 1;
	}
	if (seen_pages != v.npages) {
		printf("BUG: %lu pages the guest stored to were never reported\n",
		       (unsigned long)(v.npages - seen_pages));
		bug = 1;
	}
	printf("%s\n", bug ? "FAIL: reproduced" : "PASS: not reproduced");
	return bug;
}
