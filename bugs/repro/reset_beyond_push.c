// SPDX-License-Identifier: GPL-2.0-only
/*
 * reset_beyond_push: KVM_RESET_DIRTY_RINGS on entries KVM never pushed
 * (bugs/03-reset-beyond-push-index.md).
 *
 * The guest dirties 32 pages; userspace harvests the 32 entries and also
 * writes KVM_DIRTY_GFN_F_RESET into the next half ring of entries, which
 * KVM has not pushed yet, then resets.  Affected kernels reset (and count)
 * those too, which moves the ring's reset index past its push index: the
 * next push hits WARN_ON_ONCE(kvm_dirty_ring_full()) and the vCPU exits
 * with KVM_EXIT_DIRTY_RING_FULL on every KVM_RUN from then on.  (Half a
 * ring, more than a round pushes, so that a host that pushes a whole
 * round before it checks for a full ring does not catch up.)
 *
 *   reset_beyond_push [-c 0|3]     guest privilege level (default 3)
 */
#include "repro_vm.h"

#define NPAGES		32
#define RUNS_MAX	8

int main(int argc, char *argv[])
{
	uint32_t bytes, n, i, forged, full = 0, reason = 0;
	struct repro_vm v;
	int cpl, r, kmsg, harm, bug = 0;

	cpl = repro_cpl_only(argc, argv, 3);
	kmsg = kmsg_open();
	for (bytes = 4096; bytes <= (1u << 20); bytes *= 2)
		if (repro_vm_create(&v, bytes, NPAGES, cpl))
			break;
	if (bytes > (1u << 20))
		skip("KVM accepted no dirty ring size from 4 KiB to 1 MiB");

	if (repro_run(&v) != KVM_EXIT_MMIO)
		die("first round: exit reason %u, expected MMIO (the round's end)",
		    v.run->exit_reason);
	n = repro_harvest(&v, NULL);
	forged = v.entries / 2;
	for (i = 0; i < forged; i++)
		if (ring_entry(&v, v.fetch + i)->flags)
			skip("the entries past the last pushed one are not empty");
	for (i = 0; i < forged; i++)
		__atomic_store_n(&ring_entry(&v, v.fetch + i)->flags, KVM_DIRTY_GFN_F_RESET,
				 __ATOMIC_RELEASE);
	r = repro_reset(&v);
	printf("CPL%d, ring of %u entries: harvested %u, wrote RESET into the %u entries after them; KVM_RESET_DIRTY_RINGS returned %d\n",
	       cpl, v.entries, n, forged, r);
	if (r != (int)n) {
		printf("BUG: the reset counted %d entries that KVM never pushed\n", r - (int)n);
		bug = 1;
	}

	for (i = 0; i < RUNS_MAX; i++) {
		reason = repro_run(&v);
		if (reason != KVM_EXIT_DIRTY_RING_FULL)
			break;
		full++;
	}
	n = repro_harvest(&v, NULL);
	printf("next round: %u KVM_EXIT_DIRTY_RING_FULL exits, then %s; %u entries pushed\n", full,
	       reason == KVM_EXIT_MMIO ? "the guest finished its round" : "still full (gave up)",
	       n);
	if (reason != KVM_EXIT_MMIO || full) {
		printf("BUG: the vCPU exits KVM_EXIT_DIRTY_RING_FULL with %u entries in a ring of %u\n",
		       n, v.entries);
		bug = 1;
	}
	harm = kmsg_harm(kmsg);
	if (harm) {
		printf("BUG: the kernel logged %d WARNING/BUG lines (above)\n", harm);
		bug = 1;
	}
	printf("%s\n", bug ? "FAIL: reproduced" : "PASS: not reproduced");
	return bug;
}
