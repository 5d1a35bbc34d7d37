// SPDX-License-Identifier: GPL-2.0-only
/*
 * Collecting a VM's dirty log (see dirty_log.h).
 */
#include <time.h>

#include "dirty_log.h"

static bool ring_supported(void)
{
	return kvm_dirty_ring_max_bytes(dirty_ring_cap_acq_rel()) > 0;
}

static bool log_supported(void)
{
	return true;
}

static bool manual_protect_supported(void)
{
	return kvm_check_cap(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2) &
	       KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;
}

static void ring_setup(struct kvm_vm *vm, u32 ring_entries)
{
	vm_enable_dirty_ring_entries(vm, ring_entries);
}

static void log_setup(struct kvm_vm *vm, u32 ring_entries)
{
}

static void manual_protect_setup(struct kvm_vm *vm, u32 ring_entries)
{
	vm_enable_cap(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE);
}

static void ring_vcpu_setup(struct kvm_vcpu *vcpu)
{
	vcpu_map_dirty_ring(vcpu);
}

static void log_vcpu_setup(struct kvm_vcpu *vcpu)
{
}

static u64 ring_collect(struct kvm_vm *vm, u32 slot, unsigned long *bitmap, u64 npages)
{
	struct dirty_bitmap_set set = {
		.slots = { { .slot = slot, .npages = npages, .bitmap = bitmap } },
		.nr_slots = 1,
	};
	struct ring_collect rc = {};
	u64 n;

	memset(bitmap, 0, DIV_ROUND_UP(npages, 64) * sizeof(unsigned long));
	n = vm_collect_rings_bitmap(vm, &set, &rc);
	ring_collect_assert(&rc);
	return n;
}

static u64 get_log_collect(struct kvm_vm *vm, u32 slot, unsigned long *bitmap, u64 npages)
{
	vm_get_dirty_log(vm, slot, bitmap);
	return bitmap_weight(bitmap, npages);
}

static u64 clear_log_collect(struct kvm_vm *vm, u32 slot, unsigned long *bitmap, u64 npages)
{
	u64 n = get_log_collect(vm, slot, bitmap, npages);

	vm_clear_dirty_log(vm, slot, bitmap, 0, npages);
	return n;
}

static bool ring_after_run(struct kvm_vcpu *vcpu)
{
	return vcpu->run->exit_reason == KVM_EXIT_DIRTY_RING_FULL;
}

static bool log_after_run(struct kvm_vcpu *vcpu)
{
	return false;
}

const struct log_mode log_modes[NR_LOG_MODES] = {
	[LOG_MODE_RING] = {
		.name = "ring", .alias = "ring", .requires = "a ring cap",
		.supported = ring_supported, .setup = ring_setup,
		.vcpu_setup = ring_vcpu_setup, .collect = ring_collect,
		.after_run = ring_after_run,
	},
	[LOG_MODE_GET_LOG] = {
		.name = "get_log", .alias = "get", .requires = "KVM_GET_DIRTY_LOG",
		.supported = log_supported, .setup = log_setup,
		.vcpu_setup = log_vcpu_setup, .collect = get_log_collect,
		.after_run = log_after_run,
	},
	[LOG_MODE_CLEAR_LOG] = {
		.name = "clear_log", .alias = "clear",
		.requires = "KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 with KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE",
		.supported = manual_protect_supported, .setup = manual_protect_setup,
		.vcpu_setup = log_vcpu_setup, .collect = clear_log_collect,
		.after_run = log_after_run,
	},
};

void vm_add_logged_slot(struct kvm_vm *vm, u32 slot, u64 npages)
{
	vm_mem_region_add(vm, BACKING_ANON, slot, TEST_MEM_BASE_GPA, npages,
			  KVM_MEM_LOG_DIRTY_PAGES);
	virt_map(vm, TEST_MEM_BASE_GPA, TEST_MEM_BASE_GPA, npages);
}

struct kvm_vm *vm_create_logged(enum guest_cpl cpl, enum log_mode_id mode, u32 ring_entries,
				u32 slot, u64 npages)
{
	struct kvm_vm *vm = vm_create_cpl(cpl);

	log_modes[mode].setup(vm, ring_entries);
	if (npages)
		vm_add_logged_slot(vm, slot, npages);
	return vm;
}

unsigned int log_mode_parse(const char *arg)
{
	unsigned int m;

	if (!strcmp(arg, "all"))
		return LOG_MODES_ALL;
	for (m = 0; m < NR_LOG_MODES; m++)
		if (!strcmp(arg, log_modes[m].name) || !strcmp(arg, log_modes[m].alias))
			return 1u << m;
	return 0;
}

void log_modes_require(unsigned int mask)
{
	unsigned int m;

	close(open_kvm_dev_path_or_exit());
	for (m = 0; m < NR_LOG_MODES; m++)
		if ((mask & (1u << m)) && !log_modes[m].supported())
			test_skip("log mode %s: KVM does not offer %s", log_modes[m].name,
				  log_modes[m].requires);
}

/* Where the diagnosis goes if it is the first; NULL if one was kept already. */
static char *first_note(struct ring_collect *rc)
{
	if (rc->failed)
		return NULL;
	rc->failed = true;
	return rc->msg;
}

void ring_collect_note(struct ring_collect *rc, const char *fmt, ...)
{
	char *msg = first_note(rc);
	va_list ap;

	if (!msg)
		return;
	va_start(ap, fmt);
	ksft_vscnprintf(msg, sizeof(rc->msg), fmt, ap);
	va_end(ap);
}

/* RING OVERFLOW: what was seen, then where the consumer stands in the ring. */
static void __attribute__((format(printf, 3, 4)))
note_ring(struct ring_collect *rc, struct kvm_vcpu *vcpu, const char *fmt, ...)
{
	const struct dirty_ring *ring = &vcpu->ring;
	size_t len, size = sizeof(rc->msg);
	char *msg = first_note(rc);
	va_list ap;

	if (!msg)
		return;
	len = ksft_scnprintf(msg, size, "RING OVERFLOW: vCPU %u's ring of %u entries ",
			     vcpu->id, ring->size);
	va_start(ap, fmt);
	len += ksft_vscnprintf(msg + len, size - len, fmt, ap);
	va_end(ap);
	ksft_scnprintf(msg + len, size - len, ": fetch index %u (flags %#x), next DIRTY entry at %u",
		       ring->fetch, dirty_ring_entry(ring, ring->fetch)->flags,
		       dirty_ring_next_dirty(ring, ring->fetch));
}

/*
 * The rules, on the DIRTY run that starts at the fetch index (before a
 * harvest) or that a harvest just took.
 */
static void check_ring(struct kvm_vcpu *vcpu, u32 dirty_run, bool full, struct ring_collect *rc)
{
	u32 next;

	if (dirty_run == vcpu->ring.size)
		note_ring(rc, vcpu, "held %u DIRTY entries, all of it: KVM pushed past its reserve",
			  dirty_run);
	else if (dirty_ring_push_ran_ahead(&vcpu->ring, &next))
		note_ring(rc, vcpu, "has a DIRTY entry at %u past an empty one: KVM's push index ran ahead of the harvest",
			  next);
	else if (full && !dirty_run)
		note_ring(rc, vcpu, "exited full with no DIRTY entry at the fetch index");
}

u32 vcpu_harvest_ring(struct kvm_vcpu *vcpu, dirty_entry_fn fn, void *opaque,
		      struct ring_collect *rc)
{
	u32 n = dirty_ring_walk(&vcpu->ring, vcpu->ring.size, fn, opaque);

	check_ring(vcpu, n, false, rc);
	return n;
}

void vcpu_harvest_check(struct kvm_vcpu *vcpu, u32 harvested, bool full,
			struct ring_collect *rc)
{
	check_ring(vcpu, harvested, full, rc);
}

u32 vcpu_harvest_full_ring(struct kvm_vcpu *vcpu, dirty_entry_fn fn, void *opaque,
			   struct ring_collect *rc)
{
	u32 n = dirty_ring_walk(&vcpu->ring, vcpu->ring.size, fn, opaque);

	check_ring(vcpu, n, true, rc);
	return n;
}

bool vcpu_ring_check(struct kvm_vcpu *vcpu, bool full, struct ring_collect *rc)
{
	check_ring(vcpu, dirty_ring_occupancy(&vcpu->ring), full, rc);
	return rc->failed;
}

u32 vm_reset_harvested(struct kvm_vm *vm, u64 harvested, struct ring_collect *rc)
{
	u32 reset = vm_reset_dirty_rings(vm), v, next;

	rc->reset += reset;
	if (reset == harvested)
		return reset;
	for (v = 0; v < vm->nr_vcpus; v++) {
		struct kvm_vcpu *vcpu = vm->vcpus[v];

		if (vcpu->ring.gfns && dirty_ring_push_ran_ahead(&vcpu->ring, &next)) {
			ring_collect_note(rc, "RING OVERFLOW: KVM_RESET_DIRTY_RINGS reset %u entries, %lu were harvested; vCPU %u's ring has a DIRTY entry at %u, ahead of its fetch index %u",
					   reset, harvested, vcpu->id, next, vcpu->ring.fetch);
			return reset;
		}
	}
	ring_collect_note(rc, "KVM_RESET_DIRTY_RINGS reset %u entries, %lu were harvested, and no ring shows a gap",
			   reset, harvested);
	return reset;
}

u64 vm_collect_rings(struct kvm_vm *vm, dirty_entry_fn fn, void *opaque, size_t stride,
		     struct ring_collect *rc)
{
	u64 n = 0;
	u32 v;

	for (v = 0; v < vm->nr_vcpus; v++)
		n += vcpu_harvest_ring(vm->vcpus[v], fn, (char *)opaque + v * stride, rc);
	if (n)
		vm_reset_harvested(vm, n, rc);
	return n;
}

u64 vm_collect_rings_bitmap(struct kvm_vm *vm, struct dirty_bitmap_set *set,
			    struct ring_collect *rc)
{
	u64 n = vm_collect_rings(vm, dirty_bitmap_set_entry, set, 0, rc);

	TEST_ASSERT(!set->stray,
		    "%lu entries outside the slots collected, first: index %u slot %#x offset %lu",
		    set->stray, set->first_stray.index, set->first_stray.slot,
		    set->first_stray.offset);
	return n;
}

u64 vcpu_collect_full_ring(struct kvm_vcpu *vcpu, dirty_entry_fn fn, void *opaque,
			   struct ring_collect *rc)
{
	u64 n = vcpu_harvest_full_ring(vcpu, fn, opaque, rc);

	if (n)
		vm_reset_harvested(vcpu->vm, n, rc);
	return n;
}

void vcpu_note_stuck_full(struct kvm_vcpu *vcpu, u32 ms, struct ring_collect *rc)
{
	note_ring(rc, vcpu, "exits full for %u ms while nothing resets its ring", ms);
}

void cond_init_monotonic(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

void cond_wait_us(pthread_cond_t *cond, pthread_mutex_t *lock, u64 us)
{
	u64 t = time_now_ns() + us * 1000;
	struct timespec ts = { .tv_sec = t / 1000000000ull, .tv_nsec = t % 1000000000ull };

	pthread_cond_timedwait(cond, lock, &ts);
}

/* How long one wait lasts before the collector is woken again. */
#define RELEASE_WAIT_SLICE_MS	20

bool vcpu_wait_ring_released(struct kvm_vcpu *vcpu, pthread_mutex_t *lock,
			     pthread_cond_t *collector_wake, pthread_cond_t *vcpu_wake,
			     bool (*released)(void *arg), void *arg, u32 timeout_ms,
			     struct ring_collect *rc)
{
	u64 deadline = time_now_ns() + timeout_ms * 1000000ull;

	while (!released(arg)) {
		if (time_now_ns() >= deadline) {
			vcpu_note_stuck_full(vcpu, timeout_ms, rc);
			return false;
		}
		pthread_cond_signal(collector_wake);
		cond_wait_us(vcpu_wake, lock, RELEASE_WAIT_SLICE_MS * 1000);
	}
	return true;
}
