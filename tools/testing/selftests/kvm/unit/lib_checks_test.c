// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib_checks_test: every consistency check of the KVM test library fires.
 *
 * The library judges what KVM answers: the collector requires a reset to
 * count what was harvested and diagnoses a ring KVM overflowed, the bitmap
 * collector refuses entries outside its slots, the ioctl wrappers name a
 * failed ioctl and a VM KVM killed, vcpu_run() turns a stuck KVM_RUN, a
 * shutdown or an internal error into a failure, ucall reports guest
 * exceptions and assertions.  On a healthy host none of this ever fires, so
 * nothing there shows that it can: removing a check would change no
 * verdict.  Here each check is fed a faulty producer, a fake KVM that gives
 * the wrong answer, and the case expects the library's exit code and its
 * diagnosis; a clean producer next to them shows the checks stay quiet when
 * KVM is right.  The checker (ring_check.h) gets the same treatment: one
 * case per rule feeds it a record that breaks that rule, next to a clean
 * record with a full exit, an early report and its replay, which it must
 * accept.
 *
 * The fake KVM is a link-time seam: the program is linked with
 * -Wl,--wrap=ioctl,--wrap=open, so the library's ioctls and its open of
 * /dev/kvm land in __wrap_ioctl()/__wrap_open() below; the library is the
 * very objects the KVM tests link, unchanged.  A vCPU fd is a memfd, so kvm_run
 * and the dirty ring map as on KVM, at the same offsets, and the fake KVM
 * pushes entries into the ring through its own mapping of them.  No
 * /dev/kvm is needed.
 *
 * Each case runs in a forked child under a watchdog (kselftest_forked.h);
 * the child runs the library once more in a grandchild whose output it
 * reads, so that the exit and the message of the check are what is judged.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dirty_log.h"
#include "host_harm.h"
#include "kvm_ring_target.h"
#include "kvm_util.h"
#include "processor.h"
#include "ring_check.h"
#include "test_case.h"
#include "ucall.h"
#include "guest_script.h"

/* A case takes milliseconds (program_deadline_cuts_case 2 s), the program about 3 s. */
#define CASE_TIMEOUT_S		5
#define RUNNER_TIMEOUT_S	30	/* its deadline is below it: 18 s */
#define OUTPUT_MAX		8192
#define FAKE_MAX_FDS		1024
#define FAKE_VCPUS		4
#define FAKE_RIP		0x4242ul
#define RING_ENTRIES		256
#define SLOT_PAGES		64
#define HUGE_2M			(2ul << 20)	/* what KVM maps huge: a 2 MiB aligned page */

/* The fake KVM */

enum fake_kind { FAKE_NONE, FAKE_KVM, FAKE_VM, FAKE_VCPU };

/* A wrong answer: an ioctl that fails, or a device that is missing or cannot be mapped. */
struct fake_fault {
	unsigned long req;		/* this request fails ... */
	enum fake_kind on;		/* ... on this kind of fd (FAKE_NONE: any) ... */
	int err;			/* ... with this errno */
	bool no_dev_kvm;		/* open("/dev/kvm") fails, ENOENT */
	bool vcpu_no_mmap;		/* vCPU fds are /dev/null: mmap fails */
};

struct fake_kvm {
	struct fake_fault fault;
	bool vm_dead;			/* every ioctl on the VM and its vCPUs: EIO */
	u64 ring_min_bytes, ring_max_bytes;
	int nr_memslots;
	int manual_protect;		/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 */
	u32 cpuid_nent;			/* KVM_GET_SUPPORTED_CPUID: E2BIG below it */
	int vcpu_mmap_size;
	int reset_skew;			/* added to what a reset really resets */
	u32 exit_reason;		/* what every KVM_RUN exits with */
	struct kvm_regs regs;		/* what KVM_GET_REGS answers */
	u32 ring_entries;		/* enabled ring size, 0: none */
	u32 nr_vcpus;
	struct kvm_run *run[FAKE_VCPUS];
	struct kvm_dirty_gfn *ring[FAKE_VCPUS];	/* the fake's view of each ring */
	u32 push[FAKE_VCPUS];		/* KVM's push index */
	u32 reset_index[FAKE_VCPUS];	/* KVM's reset index */
	u32 resets;			/* KVM_RESET_DIRTY_RINGS calls */
};

static struct fake_kvm fake;
static u8 fake_fd_kind[FAKE_MAX_FDS];
static u8 fake_fd_vcpu[FAKE_MAX_FDS];

int __real_ioctl(int fd, unsigned long req, ...);
int __real_open(const char *path, int flags, ...);

static void fake_init(void)
{
	memset(&fake, 0, sizeof(fake));
	memset(fake_fd_kind, 0, sizeof(fake_fd_kind));
	fake.ring_min_bytes = 4096;
	fake.ring_max_bytes = 65536 * DIRTY_GFN_SIZE;
	fake.nr_memslots = 32;
	fake.cpuid_nent = 200;
	fake.vcpu_mmap_size = getpagesize();
	fake.exit_reason = KVM_EXIT_HLT;
	fake.regs.rip = FAKE_RIP;
}

static int fake_fd(enum fake_kind kind, int fd)
{
	TEST_ASSERT(fd >= 0 && fd < FAKE_MAX_FDS, "fake KVM: fd %d", fd);
	fake_fd_kind[fd] = kind;
	return fd;
}

static int fake_null_fd(enum fake_kind kind)
{
	return fake_fd(kind, __real_open("/dev/null", O_RDWR | O_CLOEXEC));
}

int __wrap_open(const char *path, int flags, ...)
{
	va_list ap;
	int mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	if (strcmp(path, KVM_DEV_PATH))
		return __real_open(path, flags, mode);
	if (fake.fault.no_dev_kvm) {
		errno = ENOENT;
		return -1;
	}
	return fake_null_fd(FAKE_KVM);
}

/* A vCPU fd: a memfd laid out like KVM's (kvm_run at 0, the ring at its page offset). */
static int fake_create_vcpu(u32 id)
{
	long page = getpagesize();
	size_t ring_off = KVM_DIRTY_LOG_PAGE_OFFSET * page;
	size_t ring_bytes = (size_t)fake.ring_entries * DIRTY_GFN_SIZE;
	u32 v = fake.nr_vcpus;
	int fd;

	TEST_ASSERT(v < FAKE_VCPUS, "fake KVM: more than %d vCPUs", FAKE_VCPUS);
	if (fake.fault.vcpu_no_mmap)
		return fake_null_fd(FAKE_VCPU);
	fd = fake_fd(FAKE_VCPU, memfd_create("fake-vcpu", MFD_CLOEXEC));
	TEST_ASSERT(!ftruncate(fd, ring_off + ring_bytes), "fake KVM: ftruncate");
	fake.run[v] = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	TEST_ASSERT(fake.run[v] != MAP_FAILED, "fake KVM: mmap of kvm_run");
	if (ring_bytes) {
		fake.ring[v] = mmap(NULL, ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				    ring_off);
		TEST_ASSERT(fake.ring[v] != MAP_FAILED, "fake KVM: mmap of the ring");
	}
	fake_fd_vcpu[fd] = v;
	fake.nr_vcpus++;
	return fd;
}

static int fake_enable_cap(struct kvm_enable_cap *ec)
{
	u64 bytes = ec->args[0];

	if (ec->cap != KVM_CAP_DIRTY_LOG_RING && ec->cap != KVM_CAP_DIRTY_LOG_RING_ACQ_REL)
		return 0;
	if (!IS_POWER_OF_2(bytes) || bytes < fake.ring_min_bytes || bytes > fake.ring_max_bytes) {
		errno = EINVAL;
		return -1;
	}
	fake.ring_entries = bytes / DIRTY_GFN_SIZE;
	return 0;
}

static int fake_check_extension(long cap)
{
	switch (cap) {
	case KVM_CAP_DIRTY_LOG_RING:
	case KVM_CAP_DIRTY_LOG_RING_ACQ_REL:
		return fake.ring_max_bytes;
	case KVM_CAP_NR_MEMSLOTS:
		return fake.nr_memslots;
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return fake.manual_protect;
	case KVM_CAP_USER_MEMORY:
		return 1;
	}
	return 0;
}

/* KVM's reset: every entry from the reset index on that userspace marked RESET. */
static int fake_reset_rings(void)
{
	u32 v, n = 0, mask = fake.ring_entries - 1;

	fake.resets++;
	for (v = 0; v < fake.nr_vcpus; v++) {
		struct kvm_dirty_gfn *gfn;

		while (fake.reset_index[v] != fake.push[v]) {
			gfn = &fake.ring[v][fake.reset_index[v] & mask];
			if (!(__atomic_load_n(&gfn->flags, __ATOMIC_ACQUIRE) &
			      KVM_DIRTY_GFN_F_RESET))
				break;
			gfn->flags = 0;
			fake.reset_index[v]++;
			n++;
		}
	}
	return n + fake.reset_skew;
}

static int fake_answer(enum fake_kind kind, int fd, unsigned long req, void *arg)
{
	switch (req) {
	case KVM_CHECK_EXTENSION:
		return fake_check_extension((long)arg);
	case KVM_CREATE_VM:
		return fake_null_fd(FAKE_VM);
	case KVM_GET_VCPU_MMAP_SIZE:
		return fake.vcpu_mmap_size;
	case KVM_CREATE_VCPU:
		return fake_create_vcpu((long)arg);
	case KVM_ENABLE_CAP:
		return fake_enable_cap(arg);
	case KVM_RESET_DIRTY_RINGS:
		return fake_reset_rings();
	case KVM_RUN:
		fake.run[fake_fd_vcpu[fd]]->exit_reason = fake.exit_reason;
		return 0;
	case KVM_GET_REGS:
		*(struct kvm_regs *)arg = fake.regs;
		return 0;
	case KVM_GET_SUPPORTED_CPUID:
		if (((struct kvm_cpuid2 *)arg)->nent < fake.cpuid_nent) {
			errno = E2BIG;
			return -1;
		}
		return 0;
	}
	return 0;	/* memslots, dirty logs, KVM_SET_*: accepted */
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	enum fake_kind kind = fd >= 0 && fd < FAKE_MAX_FDS ? fake_fd_kind[fd] : FAKE_NONE;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (kind == FAKE_NONE)
		return __real_ioctl(fd, req, arg);
	if ((fake.vm_dead && kind != FAKE_KVM) ||
	    (req == fake.fault.req && (!fake.fault.on || kind == fake.fault.on))) {
		errno = fake.vm_dead && kind != FAKE_KVM ? EIO : fake.fault.err;
		return -1;
	}
	return fake_answer(kind, fd, req, arg);
}

/* The fake KVM's side of vCPU v's ring: push an entry at its push index, or at any index. */
static void fake_push_at(u32 v, u32 index, u32 slot, u64 offset)
{
	struct kvm_dirty_gfn *gfn = &fake.ring[v][index & (fake.ring_entries - 1)];

	gfn->slot = slot;
	gfn->offset = offset;
	__atomic_store_n(&gfn->flags, KVM_DIRTY_GFN_F_DIRTY, __ATOMIC_RELEASE);
}

static void fake_push(u32 v, u32 slot, u64 offset)
{
	fake_push_at(v, fake.push[v]++, slot, offset);
}

static void fake_push_pages(u32 v, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		fake_push(v, 0, fake.push[v] % SLOT_PAGES);
}

/* A VM of the library on the fake KVM, with rings of `entries` (0: none), every ring mapped. */
static struct kvm_vm *fake_vm(u32 nr_vcpus, u32 entries)
{
	struct kvm_vm *vm = __vm_create_bare();
	u32 v;

	if (entries)
		vm_enable_dirty_ring_cap(vm, entries, false);
	for (v = 0; v < nr_vcpus; v++) {
		vm_vcpu_add(vm, v, NULL);
		if (entries)
			vcpu_map_dirty_ring(vm->vcpus[v]);
	}
	return vm;
}

/* The collector (dirty_log.c) */

/* What the fake KVM leaves in vCPU 0's ring before the library looks. */
enum ring_fill {
	FILL_NONE,
	FILL_SOFT_LIMIT,	/* size - 64 entries: where KVM exits full */
	FILL_WHOLE,		/* every entry: KVM pushed past its reserve */
	FILL_GAP,		/* 10 entries, an empty one, then a DIRTY one at 11 */
};

static void fill_ring(enum ring_fill fill)
{
	switch (fill) {
	case FILL_NONE:
		break;
	case FILL_SOFT_LIMIT:
		fake_push_pages(0, RING_ENTRIES - KVM_RING_RESERVE_MIN);
		break;
	case FILL_WHOLE:
		fake_push_pages(0, RING_ENTRIES);
		break;
	case FILL_GAP:
		fake_push_pages(0, 10);
		fake_push_at(0, 11, 0, 11);
		break;
	}
}

static void no_entry(void *opaque, const struct dirty_entry *e)
{
}

/* The collectors' checks of the ring: arg is the fill, plus RING_FULL if the vCPU exited full. */
#define RING_FULL	0x100

static void provoke_ring_check(long arg)
{
	struct kvm_vm *vm = fake_vm(1, RING_ENTRIES);
	struct kvm_vcpu *vcpu = vm->vcpus[0];
	struct ring_collect rc = {};
	bool failed;

	fill_ring(arg & ~RING_FULL);
	failed = vcpu_ring_check(vcpu, arg & RING_FULL, &rc);
	TEST_ASSERT_EQ(failed, rc.failed);
	/* It only looks. */
	TEST_ASSERT_EQ(vcpu->ring.fetch, 0);
	TEST_ASSERT(!fake.push[0] || fake.ring[0][0].flags == KVM_DIRTY_GFN_F_DIRTY,
		    "vcpu_ring_check() changed entry 0: flags %#x", fake.ring[0][0].flags);
	ring_collect_assert(&rc);
}

static void provoke_collect(long arg)
{
	struct kvm_vm *vm = fake_vm(1, RING_ENTRIES);
	struct ring_collect rc = {};
	u64 n;

	fill_ring(arg & ~RING_FULL);
	if (arg & RING_FULL)
		n = vcpu_collect_full_ring(vm->vcpus[0], no_entry, NULL, &rc);
	else
		n = vm_collect_rings(vm, no_entry, NULL, 0, &rc);
	ring_collect_assert(&rc);
	TEST_ASSERT_EQ(n, fake.push[0]);
	TEST_ASSERT_EQ(rc.reset, n);
}

/* Rounds of every size up to the soft limit on two vCPUs, around each ring several times. */
static void provoke_clean_producer(long arg)
{
	struct kvm_vm *vm = fake_vm(2, RING_ENTRIES);
	u32 round, n = 1, v, limit = RING_ENTRIES - KVM_RING_RESERVE_MIN;
	struct dirty_bitmap_set set;
	unsigned long *bitmap;
	u64 total = 0;

	dirty_bitmap_set_init(&set);
	bitmap = dirty_bitmap_set_add_slot(&set, 0, SLOT_PAGES);
	for (round = 0; round < 40; round++, n = n * 7 % limit + 1) {
		struct ring_collect rc = {};

		for (v = 0; v < 2; v++)
			fake_push_pages(v, n);
		dirty_bitmap_set_clear(&set);
		TEST_ASSERT_EQ(vm_collect_rings_bitmap(vm, &set, &rc), 2 * n);
		ring_collect_assert(&rc);
		TEST_ASSERT_EQ(rc.reset, 2 * n);
		TEST_ASSERT_EQ(bitmap_weight(bitmap, SLOT_PAGES), n < SLOT_PAGES ? n : SLOT_PAGES);
		total += n;
	}
	TEST_ASSERT(total > 4 * RING_ENTRIES, "only %lu entries per ring", total);
	TEST_ASSERT_EQ(fake.resets, 40);
	/* Nothing to harvest: no reset. */
	TEST_ASSERT_EQ(vm_collect_rings_bitmap(vm, &set, &(struct ring_collect){}), 0);
	TEST_ASSERT_EQ(fake.resets, 40);
}

/* A reset that counts arg more (or fewer) than were harvested. */
static void provoke_reset_count(long arg)
{
	struct kvm_vm *vm = fake_vm(1, RING_ENTRIES);
	struct ring_collect rc = {};

	fake_push_pages(0, 10);
	fake.reset_skew = arg;
	vm_collect_rings(vm, no_entry, NULL, 0, &rc);
	ring_collect_assert(&rc);
}

/*
 * The ring shows its push index ran ahead only after the harvest (a vCPU
 * pushed on while the collector harvested), and the reset counts fewer.
 */
static void provoke_reset_count_ring_ahead(long arg)
{
	struct kvm_vm *vm = fake_vm(1, RING_ENTRIES);
	struct ring_collect rc = {};
	u32 n;

	fake_push_pages(0, 10);
	n = vcpu_harvest_ring(vm->vcpus[0], no_entry, NULL, &rc);
	fake_push_at(0, 12, 0, 12);
	fake.reset_skew = -2;
	vm_reset_harvested(vm, n, &rc);
	ring_collect_assert(&rc);
}

/* Two faults: the diagnosis is the first one's. */
static void provoke_first_diagnosis_kept(long arg)
{
	fake.reset_skew = 1;
	provoke_collect(FILL_GAP);
}

/* A collection, KVM_RESET_DIRTY_RINGS failing by the case's fault (arg: on a dead VM). */
static void provoke_reset_fails(long arg)
{
	struct kvm_vm *vm = fake_vm(1, RING_ENTRIES);

	fake_push_pages(0, 10);
	fake.vm_dead = arg;
	vm_collect_rings(vm, no_entry, NULL, 0, &(struct ring_collect){});
}

/* An entry outside the collector's slots: arg is its slot; offset SLOT_PAGES is past slot 0. */
static void provoke_stray(long arg)
{
	struct kvm_vm *vm = fake_vm(1, RING_ENTRIES);
	struct dirty_bitmap_set set;

	dirty_bitmap_set_init(&set);
	dirty_bitmap_set_add_slot(&set, 0, SLOT_PAGES);
	dirty_bitmap_set_add_slot(&set, 1, SLOT_PAGES);
	fake_push(0, 0, 1);
	fake_push(0, arg, arg ? 2 : SLOT_PAGES);
	fake_push(0, 1, 3);
	vm_collect_rings_bitmap(vm, &set, &(struct ring_collect){});
}

/* The ring log mode, as every test collects: arg is the fill. */
static void provoke_log_mode_ring(long arg)
{
	struct kvm_vm *vm = fake_vm(1, RING_ENTRIES);
	unsigned long bitmap[SLOT_PAGES / 64] = { ~0ul };

	fill_ring(arg);
	TEST_ASSERT_EQ(log_modes[LOG_MODE_RING].collect(vm, 0, bitmap, SLOT_PAGES), fake.push[0]);
	TEST_ASSERT_EQ(bitmap_weight(bitmap, SLOT_PAGES), fake.push[0] < SLOT_PAGES ?
			fake.push[0] : SLOT_PAGES);
}

struct release {
	pthread_mutex_t lock;
	pthread_cond_t collector_wake, vcpu_wake;
	u32 wakes, release_after;	/* released once the collector was woken this often */
};

static bool released(void *arg)
{
	struct release *r = arg;

	return r->release_after && r->wakes >= r->release_after;
}

static void *collector(void *arg)
{
	struct release *r = arg;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		pthread_cond_wait(&r->collector_wake, &r->lock);
		r->wakes++;
		pthread_cond_signal(&r->vcpu_wake);
	}
	return NULL;
}

/* A vCPU thread waits for its full ring: released after arg wakes of the collector, 0: never. */
static void provoke_wait_released(long arg)
{
	struct kvm_vm *vm = fake_vm(1, RING_ENTRIES);
	struct release r = { .lock = PTHREAD_MUTEX_INITIALIZER, .release_after = arg };
	struct ring_collect rc = {};
	pthread_t t;
	bool ok;

	cond_init_monotonic(&r.collector_wake);
	cond_init_monotonic(&r.vcpu_wake);
	TEST_ASSERT(!pthread_create(&t, NULL, collector, &r), "pthread_create");
	pthread_mutex_lock(&r.lock);
	ok = vcpu_wait_ring_released(vm->vcpus[0], &r.lock, &r.collector_wake, &r.vcpu_wake,
				     released, &r, arg ? 5000 : 50, &rc);
	pthread_mutex_unlock(&r.lock);
	TEST_ASSERT_EQ(ok, !rc.failed);
	ring_collect_assert(&rc);
}

/* The ring and bitmap ioctls (dirty_ring.c) */

static void provoke_require_ring(long arg)
{
	fake.ring_max_bytes = arg;
	kvm_require_dirty_ring(1024);
}

/* The smallest ring: arg is KVM's (0: none). */
static void provoke_min_bytes(long arg)
{
	fake.ring_min_bytes = arg ? (u64)arg : fake.ring_max_bytes * 2;
	TEST_ASSERT_EQ(kvm_dirty_ring_min_bytes(false), fake.ring_min_bytes);
}

/* -r N: a ring size KVM takes (0: the smallest), anything else is refused. */
static void provoke_entries_option(long arg)
{
	fake.ring_min_bytes = 4096;
	TEST_ASSERT_EQ(dirty_ring_entries_option(arg, "-r"), arg ? (u64)arg : 256);
}

static void provoke_enable_ring(long arg)
{
	vm_enable_dirty_ring_cap(fake_vm(0, 0), RING_ENTRIES, false);
}

static void provoke_map_without_ring(long arg)
{
	vcpu_map_dirty_ring(fake_vm(1, 0)->vcpus[0]);
}

/* KVM refuses to map the ring: the vCPU fd becomes one that cannot be mapped. */
static void provoke_map_refused(long arg)
{
	struct kvm_vm *vm = fake_vm(1, 0);
	struct kvm_vcpu *vcpu = vm->vcpus[0];
	int null = open("/dev/null", O_RDWR);

	vm->dirty_ring_entries = RING_ENTRIES;
	TEST_ASSERT(null >= 0 && dup2(null, vcpu->fd) == vcpu->fd, "dup2 over the vCPU fd");
	vcpu_map_dirty_ring(vcpu);
}

static void provoke_bitmap_ioctls(long arg)
{
	struct kvm_vm *vm = fake_vm(0, 0);
	unsigned long bitmap[SLOT_PAGES / 64];

	vm_get_dirty_log(vm, 3, bitmap);
	vm_clear_dirty_log(vm, 3, bitmap, 0, SLOT_PAGES);
}

/* KVM's answers in kvm_util.c */

/* A ring test's prologue: the capability, then a VM with arg vCPUs. */
static void provoke_vm(long arg)
{
	kvm_dirty_ring_max_bytes(false);
	fake_vm(arg, 0);
}

static void provoke_nr_memslots(long arg)
{
	fake.nr_memslots = arg;
	fake_vm(0, 0);
}

static void provoke_vcpu_mmap_size(long arg)
{
	fake.vcpu_mmap_size = arg;
	fake_vm(1, 0);
}

static void provoke_enable_cap(long arg)
{
	vm_enable_cap(fake_vm(0, 0), KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, 1);
}

/* A memslot, refused by the case's fault (arg: by a dead VM). */
static void provoke_memslot(long arg)
{
	struct kvm_vm *vm = fake_vm(0, 0);

	fake.vm_dead = arg;
	vm_mem_region_add(vm, BACKING_ANON, 3, TEST_MEM_BASE_GPA, 16, KVM_MEM_LOG_DIRTY_PAGES);
}

/* The asserting ioctl wrappers, one on each kind of fd (arg: the VM is dead). */
static void provoke_ioctl_wrappers(long arg)
{
	struct kvm_vm *vm = fake_vm(1, 0);
	struct kvm_regs regs;

	fake.vm_dead = arg;
	kvm_ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, (void *)KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP);
	vm_ioctl(vm, KVM_RESET_DIRTY_RINGS, NULL);
	vcpu_regs_get(vm->vcpus[0], &regs);
}

/* KVM_RUN exits with reason arg; vcpu_run() and then vcpu_assert_exit(HLT). */
static void provoke_run_exit(long arg)
{
	struct kvm_vm *vm = fake_vm(1, 0);
	struct kvm_run *run = fake.run[0];

	fake.exit_reason = arg;
	if (arg == KVM_EXIT_INTERNAL_ERROR)
		run->internal.suberror = 3;
	if (arg == KVM_EXIT_FAIL_ENTRY)
		run->fail_entry.hardware_entry_failure_reason = 0x21;
	vcpu_run(vm->vcpus[0]);
	vcpu_assert_exit(vm->vcpus[0], KVM_EXIT_HLT);
}

/* Guest reports through ucall (ucall.c) */

static const char guest_expr[] = "x == y", guest_file[] = "guest.c";

/* The guest's port read of a ucall: command arg, the arguments an exception or an assertion has. */
static void provoke_ucall(long arg)
{
	struct kvm_vm *vm = fake_vm(1, 0);
	struct kvm_run *run = fake.run[0];

	fake.exit_reason = KVM_EXIT_IO;
	run->io.port = UCALL_PIO_PORT;
	run->io.direction = KVM_EXIT_IO_IN;
	fake.regs.rdi = arg;
	if (arg == UCALL_UNHANDLED) {
		fake.regs.rsi = 14;		/* vector */
		fake.regs.rcx = 0x1234;		/* RIP */
		fake.regs.rbx = 2;		/* error code */
		fake.regs.r8 = 0xdead000;	/* CR2 */
		fake.regs.r9 = 0x2b;		/* CS */
	} else {
		fake.regs.rsi = (u64)guest_expr;
		fake.regs.rcx = (u64)guest_file;
		fake.regs.rbx = 7;
		fake.regs.r8 = 1;
		fake.regs.r9 = 2;
	}
	TEST_ASSERT_EQ(vcpu_run_expect_ucall(vm->vcpus[0], UCALL_SYNC), fake.regs.rsi);
}

/*
 * Guest progress in a write script (guest_script.c): arg is what the guest
 * reports after 2 of 3 ops.
 */
static void provoke_script_progress(long arg)
{
	static const struct script_op ops[] = { { .kind = SCRIPT_SYNC }, { .kind = SCRIPT_SYNC },
					    { .kind = SCRIPT_END } };
	struct kvm_vm *vm = vm_create_cpl(GUEST_CPL3);
	struct script_layout layout = {};
	struct script_progress p = {};
	struct script_program *prog;
	gva_t gva;
	u32 next;

	gva = guest_script_load(vm, ops, ARRAY_SIZE(ops), &layout);
	prog = addr_gva2hva(vm, gva);
	prog->done_ops = 2;
	TEST_ASSERT_EQ(script_stores_retired(vm, gva, &p, &next), 0);
	TEST_ASSERT_EQ(next, 2);
	prog->done_ops = arg;
	script_stores_retired(vm, gva, &p, &next);
}

/* A script's write outside its slot (arg: its first page) or to a slot not in the layout. */
static void provoke_script_layout(long arg)
{
	const struct script_op ops[] = {
		{ .kind = SCRIPT_WRITE, .slot = arg < 0 ? 9 : 0, .page = arg < 0 ? 0 : arg,
		  .count = 10 },
		{ .kind = SCRIPT_END },
	};
	struct script_layout layout = { .nr_slots = 1, .npages = { SLOT_PAGES } };

	guest_script_load(vm_create_cpl(GUEST_CPL3), ops, ARRAY_SIZE(ops), &layout);
}

/* Log modes: arg is the mask asked for; KVM offers no ring and manual protect only if arg < 0. */
static void provoke_log_modes(long arg)
{
	if (arg < 0) {
		fake.manual_protect = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
				      KVM_DIRTY_LOG_INITIALLY_SET;
		log_modes_require(LOG_MODES_ALL);
		return;
	}
	if (arg & (1u << LOG_MODE_RING))
		fake.ring_max_bytes = 0;
	log_modes_require(arg);
}

/* A guest vCPU set up on the fake KVM: CPUID, registers. */
static void provoke_vcpu_setup(long arg)
{
	vm_vcpu_add(vm_create_cpl(GUEST_CPL0), 0, guest_script_main);
}

/* Log modes are named exactly, by name or alias: a prefix (-m c) or another case is no mode. */
static void provoke_log_mode_parse(long arg)
{
	static const char *const refused[] = {
		"", "c", "clea", "clear_", "clear_lo", "r", "rin", "rings", "get_lo", "g", "al",
		"RING", "Clear", "ring ", " ring", "all,ring",
	};
	unsigned int m;
	size_t i;

	for (m = 0; m < NR_LOG_MODES; m++) {
		TEST_ASSERT_EQ(log_mode_parse(log_modes[m].name), 1u << m);
		TEST_ASSERT_EQ(log_mode_parse(log_modes[m].alias), 1u << m);
	}
	TEST_ASSERT_EQ(log_mode_parse("all"), LOG_MODES_ALL);
	for (i = 0; i < ARRAY_SIZE(refused); i++)
		TEST_ASSERT(!log_mode_parse(refused[i]), "log mode \"%s\" accepted as %#x",
			    refused[i], log_mode_parse(refused[i]));
}

/*
 * A memslot deleted, then one with the same id added elsewhere: lookups by
 * id and by gpa find the new region only (arg 1: and the old gpa is in no slot).
 */
static void provoke_memslot_reuse(long arg)
{
	const gpa_t old_gpa = TEST_MEM_BASE_GPA, new_gpa = TEST_MEM_BASE_GPA + (1ul << 30);
	struct kvm_vm *vm = fake_vm(0, 0);
	struct mem_region *r;

	vm_mem_region_add(vm, BACKING_ANON, 3, old_gpa, 16, KVM_MEM_LOG_DIRTY_PAGES);
	vm_mem_region_add(vm, BACKING_ANON, 4, old_gpa + 16 * GUEST_PAGE_SIZE, 8, 0);
	vm_mem_region_delete(vm, 3);
	vm_mem_region_add(vm, BACKING_ANON, 3, new_gpa, 32, 0);
	r = vm_mem_region(vm, 3);
	TEST_ASSERT_EQ(r->kvm.guest_phys_addr, new_gpa);
	TEST_ASSERT_EQ(r->kvm.memory_size, 32 * GUEST_PAGE_SIZE);
	TEST_ASSERT_EQ(r->kvm.flags, 0);
	TEST_ASSERT_EQ((u64)addr_gpa2hva(vm, new_gpa + 31 * GUEST_PAGE_SIZE),
		       (u64)r->host_mem + 31 * GUEST_PAGE_SIZE);
	TEST_ASSERT_EQ(vm_mem_region(vm, 4)->kvm.guest_phys_addr, old_gpa + 16 * GUEST_PAGE_SIZE);
	if (arg == 1)
		addr_gpa2hva(vm, old_gpa);
	if (arg == 2)	/* the first page past slot 4, which slot 3 no longer covers */
		addr_gpa2hva(vm, old_gpa + 24 * GUEST_PAGE_SIZE);
	if (arg == 3) {	/* an id deleted and not added again is no memslot */
		vm_mem_region_delete(vm, 4);
		vm_mem_region(vm, 4);
	}
}

/* A THP-backed slot is 2 MiB aligned in the host as in the guest: KVM can map it huge. */
static void provoke_thp_alignment(long arg)
{
	struct kvm_vm *vm = fake_vm(0, 0);
	u64 hva, gpa = TEST_MEM_BASE_GPA + 2 * HUGE_2M;

	vm_mem_region_add(vm, BACKING_ANON, 2, TEST_MEM_BASE_GPA, 3, 0);
	vm_mem_region_add(vm, BACKING_ANON_THP, 3, gpa, 1024, 0);
	hva = (u64)addr_gpa2hva(vm, gpa);
	TEST_ASSERT(!(hva % HUGE_2M), "THP slot at hva %#lx: not 2 MiB aligned", hva);
	TEST_ASSERT_EQ(hva, (u64)vm_mem_region(vm, 3)->host_mem);
}

/* The vCPU watchdog of a KVM_RUN that returned in time never fires afterwards. */
static volatile sig_atomic_t watchdog_fired;

static void count_watchdog(int sig)
{
	watchdog_fired++;
}

static void provoke_watchdog_disarmed(long arg)
{
	struct kvm_vm *vm = fake_vm(1, 0);
	struct kvm_vcpu *vcpu = vm->vcpus[0];
	struct sigaction sa = { .sa_handler = count_watchdog };
	struct timespec left = { .tv_sec = 1, .tv_nsec = 500 * 1000 * 1000 };

	fake.exit_reason = KVM_EXIT_HLT;
	vcpu->watchdog_s = 1;
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, KVM_EXIT_HLT);
	/* the library's handler was installed at the first KVM_RUN: count its signal instead */
	TEST_ASSERT(!sigaction(SIGUSR2, &sa, NULL), "sigaction");
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &left, &left) == EINTR)
		;
	TEST_ASSERT(!watchdog_fired,
		    "the vCPU watchdog (%u s) fired %d times in the 1.5 s after KVM_RUN returned",
		    vcpu->watchdog_s, (int)watchdog_fired);
}

/*
 * The host's guarantees (kvm_ring_target.c) from a sysfs and an osrelease
 * of our own: which vendor module, PML, the kernel version.
 */
struct host_case {
	const char *module;	/* the vendor module loaded, NULL: none */
	const char *pml;	/* kvm_intel's pml parameter */
	const char *release;
	bool cpl0_emulated;
	u32 reversed_flush;
};

static const struct host_case host_cases[] = {
	{ "kvm_intel", "Y", "6.12.48+deb13-amd64", false, KVM_PML_ENTRIES },
	{ "kvm_intel", "Y", "5.15.0-119-generic", false, KVM_PML_ENTRIES },
	{ "kvm_intel", "Y", "6.13.12", false, KVM_PML_ENTRIES },
	{ "kvm_intel", "Y", "6.14.0", false, 0 },
	{ "kvm_intel", "Y", "7.3.1-arch1", false, 0 },
	{ "kvm_intel", "N", "6.1.0-57-amd64", false, 0 },
	{ "kvm_amd", NULL, "6.1.0-57-amd64", false, 0 },
	{ "kvm_pvm", NULL, "6.18.0", true, 0 },
	{ NULL, NULL, "6.18.0", true, 0 },
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	TEST_ASSERT(f && fprintf(f, "%s\n", text) > 0 && !fclose(f), "%s", path);
}

static void provoke_host_facts(long arg)
{
	char root[] = "/tmp/lib_checks_host.XXXXXX", mod[96], dir[160], par[192], pml[224];
	char rel[96];
	struct kvm_host_facts facts;
	u32 reversed[2];
	bool dups[2];
	size_t i;

	TEST_ASSERT(mkdtemp(root), "mkdtemp");
	snprintf(mod, sizeof(mod), "%s/module", root);
	snprintf(rel, sizeof(rel), "%s/osrelease", root);
	TEST_ASSERT(!mkdir(mod, 0700), "mkdir %s", mod);
	for (i = 0; i < ARRAY_SIZE(host_cases); i++) {
		const struct host_case *h = &host_cases[i];

		write_file(rel, h->release);
		if (h->module) {
			snprintf(dir, sizeof(dir), "%s/%s", mod, h->module);
			snprintf(par, sizeof(par), "%s/parameters", dir);
			snprintf(pml, sizeof(pml), "%s/pml", par);
			TEST_ASSERT(!mkdir(dir, 0700) && !mkdir(par, 0700), "mkdir %s", par);
			if (h->pml)
				write_file(pml, h->pml);
		}
		kvm_host_facts_read(mod, rel, &facts);
		kvm_host_guarantees(&facts, GUEST_CPL0, &dups[0], &reversed[0]);
		kvm_host_guarantees(&facts, GUEST_CPL3, &dups[1], &reversed[1]);
		if (h->module) {
			unlink(pml);
			rmdir(par);
			rmdir(dir);
		}
		TEST_ASSERT(facts.cpl0_emulated == h->cpl0_emulated &&
			    facts.reversed_flush == h->reversed_flush &&
			    dups[0] == h->cpl0_emulated && !dups[1] &&
			    reversed[0] == h->reversed_flush && reversed[1] == h->reversed_flush,
			    "%s pml=%s on %s: CPL0 %s, reversed flushes of %u, duplicates at CPL0 %d CPL3 %d, the target's flushes %u/%u; wanted %s, %u",
			    h->module ?: "no vendor module", h->pml ?: "-", h->release,
			    facts.cpl0_emulated ? "emulated" : "native", facts.reversed_flush,
			    dups[0], dups[1], reversed[0], reversed[1],
			    h->cpl0_emulated ? "emulated" : "native", h->reversed_flush);
	}
	unlink(rel);
	rmdir(mod);
	rmdir(root);
}

/* The library's lookups: a memslot (arg 0), a guest physical (1) or a guest virtual address (2). */
static void provoke_lookup(long arg)
{
	struct kvm_vm *vm = vm_create_cpl(GUEST_CPL3);

	if (arg == 0)
		vm_mem_region(vm, 7);
	if (arg == 1)
		addr_gpa2hva(vm, TEST_MEM_BASE_GPA);
	addr_gva2gpa(vm, TEST_MEM_BASE_GPA);
}

/* A shared scenario on real KVM (kvm_ring_target.c) whose vCPU exits HLT instead of running. */
static void provoke_scenario_case(long arg)
{
	static const enum ring_scenario_id ids[] = { SCENARIO_FIRST_WRITE_ORDER };
	struct kvm_scenario_arg args[ARRAY_SIZE(ids)];
	struct test_case cases[ARRAY_SIZE(ids)];

	kvm_scenario_cases(ids, ARRAY_SIZE(ids), 0, args, cases);
	cases[0].run(GUEST_CPL3, cases[0].arg);
}

/*
 * The checker (ring/ring_check.c), fed records no correct target makes: one
 * vCPU writes pages 0..19 of slot 0 (8 pages then a sync, then 12 more) into
 * a ring of 16 entries with a reserve of 4, so full exits belong at 12
 * entries used.
 */
enum checker_fault {
	CHK_CLEAN,		/* two rounds and a full exit, as KVM does them */
	CHK_INDEX_SKIPPED,	/* ring index 1 missing */
	CHK_NEVER_WRITTEN,	/* an entry for a page no store wrote */
	CHK_OUT_OF_ORDER,	/* pages 1 and 0 swapped */
	CHK_PAGE_LOST,		/* the ring drained with page 7 never reported */
	CHK_FULL_EARLY,		/* a full exit at 4 entries used */
	CHK_EXIT_ERROR,		/* the target's run failed */
	CHK_RAN_WHILE_FULL,	/* progress after a full exit without a reset */
	CHK_PROGRESS_BACK,	/* progress 8, then 6 */
	CHK_OVERSHOOT,		/* an exit with 13 entries used */
	CHK_OVERFLOW,		/* an exit with 17 entries used */
	CHK_AHEAD_OF_EXIT,	/* entries for 8 stores harvested, then an exit after 6 */
	CHK_RESET_COUNT,	/* a reset that counts 7 of 8 */
	CHK_RESET_STALE,	/* a reset that leaves a flag set */
	CHK_VCPU_UNKNOWN,	/* an event of vCPU 1 of 1 */
	CHK_EVENT_UNKNOWN,	/* an event of no known kind */
	CHK_BAD_CONFIG,		/* a reserve as large as the ring */
	/* round 1 in flushes of 4, reversed: pages 3 2 1 0 7 6 5 4 */
	CHK_REVERSED,		/* ... from a target whose flushes of 4 come reversed */
	CHK_REVERSED_UNCLAIMED,	/* ... from a target that claims store order */
	CHK_REVERSED_TOO_LONG,	/* 7..0: a block of 8, though flushes hold 4 */
	CHK_REVERSED_ACROSS,	/* 3 2 1 7 6 5 4 0: page 0 pushed after the next flush */
	CHK_BITMAP_COUNT,	/* a bitmap set of round 1 that counts 7 of its 8 entries */
	CHK_BITMAP_BIT,		/* ... whose bitmap has page 0 clear and page 8 set */
	CHK_DUPLICATE,		/* page 7 reported twice in one reset cycle, no emulation */
	CHK_WRAPPED,		/* a reaper finds page 16 where page 0 belongs */
};

#define CHK_FLUSH	4	/* the reversed flush of the CHK_REVERSED* targets */

#define CHK_RING	16
#define CHK_RESERVE	4

static void record_entries(struct ring_record *rec, u32 *index, u64 from, u64 n)
{
	u64 i;

	for (i = from; i < from + n; i++) {
		struct dirty_entry e = { .index = (*index)++, .slot = 0, .offset = i };

		ring_record_entry(rec, 0, &e);
	}
}

/* Pages from + n - 1 down to from, as a flush pushed newest first. */
static void record_entries_reversed(struct ring_record *rec, u32 *index, u64 from, u64 n)
{
	u64 i;

	for (i = from + n; i > from; i--)
		record_entries(rec, index, i - 1, 1);
}

static void record_exit(struct ring_record *rec, enum ring_exit exit, u64 stores, u32 op,
			u32 occupancy)
{
	struct ring_progress progress = { .stores = stores, .op = op };

	ring_record_run(rec, 0);
	ring_record_exit(rec, 0, exit, &progress, occupancy);
}

static void provoke_checker(long fault)
{
	const struct script_op script[] = {
		{ .kind = SCRIPT_WRITE, .slot = 0, .page = 0, .count = 8 },
		{ .kind = SCRIPT_SYNC },
		{ .kind = SCRIPT_WRITE, .slot = 0, .page = 8, .count = 12 },
		{ .kind = SCRIPT_END },
	};
	struct ring_check_config cfg = {
		.ring_size = CHK_RING, .reserve_min = CHK_RESERVE, .reserve_max = CHK_RESERVE,
		.nr_vcpus = 1, .script = { script },
	};
	const unsigned long round1_bits = 0xff, wrong_bits = 0x1fe;
	struct ring_verdict v;
	struct ring_record rec;
	u32 index = 0;

	if (fault == CHK_BAD_CONFIG)
		cfg.reserve_min = cfg.reserve_max = CHK_RING;
	if (fault >= CHK_REVERSED && fault != CHK_REVERSED_UNCLAIMED)
		cfg.reversed_flush = CHK_FLUSH;
	ring_record_init(&rec);
	ring_record_slot(&rec, RING_SLOT_ADD, 0, 20, KVM_MEM_LOG_DIRTY_PAGES);
	/* Round 1: 8 stores, a sync exit, 8 entries, a reset. */
	if (fault == CHK_WRAPPED) {
		/* While the vCPU runs: KVM pushed 17 entries into the ring of 16. */
		ring_record_run(&rec, 0);
		record_entries(&rec, &index, 16, 1);
	}
	if (fault == CHK_AHEAD_OF_EXIT) {
		/* A reaper harvests the 8 entries while the vCPU runs; it exits after 6. */
		ring_record_run(&rec, 0);
		record_entries(&rec, &index, 0, 8);
		ring_record_exit(&rec, 0, RING_EXIT_SYNC, &(struct ring_progress){ 6, 0 }, 0);
	}
	record_exit(&rec, fault == CHK_EXIT_ERROR ? RING_EXIT_ERROR :
		    fault == CHK_FULL_EARLY ? RING_EXIT_FULL : RING_EXIT_SYNC,
		    fault == CHK_AHEAD_OF_EXIT ? 6 : 8, 2,
		    fault == CHK_OVERSHOOT ? 13 : fault == CHK_OVERFLOW ? 17 :
		    fault == CHK_FULL_EARLY ? 4 : 8);
	if (fault == CHK_OUT_OF_ORDER) {
		record_entries(&rec, &index, 1, 1);
		record_entries(&rec, &index, 0, 1);
		record_entries(&rec, &index, 2, 6);
	} else if (fault == CHK_REVERSED || fault == CHK_REVERSED_UNCLAIMED) {
		record_entries_reversed(&rec, &index, 0, 4);
		record_entries_reversed(&rec, &index, 4, 4);
	} else if (fault == CHK_REVERSED_TOO_LONG) {
		record_entries_reversed(&rec, &index, 0, 8);
	} else if (fault == CHK_REVERSED_ACROSS) {
		record_entries_reversed(&rec, &index, 1, 3);
		record_entries_reversed(&rec, &index, 4, 4);
		record_entries(&rec, &index, 0, 1);
	} else if (fault == CHK_INDEX_SKIPPED) {
		record_entries(&rec, &index, 0, 1);
		index++;
		record_entries(&rec, &index, 1, 7);
	} else {
		record_entries(&rec, &index, 0, fault == CHK_PAGE_LOST ? 7 : 8);
	}
	if (fault == CHK_NEVER_WRITTEN)
		record_entries(&rec, &index, 15, 1);
	if (fault == CHK_DUPLICATE)
		record_entries(&rec, &index, 7, 1);
	ring_record_drained(&rec, 0);
	ring_record_reset(&rec, fault == CHK_RESET_COUNT ? 7 : 8, fault == CHK_RESET_STALE);
	/* The harvester's bitmap set of round 1: pages 0..7, from 8 entries. */
	ring_record_bitmap(&rec, 0, 20, fault == CHK_BITMAP_BIT ? &wrong_bits : &round1_bits,
			   fault == CHK_BITMAP_COUNT ? 7 : 8);
	if (fault == CHK_PROGRESS_BACK)
		record_exit(&rec, RING_EXIT_SYNC, 6, 2, 0);
	/* Round 2: a full exit at 12 used, the 12th store logged before it retired. */
	record_exit(&rec, RING_EXIT_FULL, 8 + 11, 2, 12);
	record_entries(&rec, &index, 8, 12);
	ring_record_drained(&rec, 0);
	if (fault != CHK_RAN_WHILE_FULL)
		ring_record_reset(&rec, 12, 0);
	record_exit(&rec, RING_EXIT_DONE, 20, 3, fault == CHK_RAN_WHILE_FULL ? 0 : 1);
	if (fault != CHK_RAN_WHILE_FULL)
		record_entries(&rec, &index, 19, 1);
	ring_record_drained(&rec, 0);
	if (fault == CHK_VCPU_UNKNOWN)
		ring_record_run(&rec, 1);
	if (fault == CHK_EVENT_UNKNOWN) {
		ring_record_run(&rec, 0);
		rec.ev[rec.nr - 1].kind = 99;
	}
	TEST_ASSERT(ring_check(&cfg, &rec, &v), "%s", v.msg);
	TEST_ASSERT_EQ(v.early, 1);
	TEST_ASSERT_EQ(v.replays, 1);
	ring_record_free(&rec);
}

/* The case runner (test_case.c) */

static void slow_case(enum guest_cpl cpl, const void *arg)
{
	sleep(60);
}

/* A program whose runner timeout is 14 s: its deadline, 2 s, cuts the case short. */
static void provoke_program_deadline(long arg)
{
	static const struct test_case cases[] = { { .name = "slow", .run = slow_case } };

	setenv("KSELFTEST_TIMEOUT", "14", 1);
	run_test_cases(cases, ARRAY_SIZE(cases), GUEST_CPL_ALL, 30);
}

/* A harm-sensitive case's own watch: arg 0, a WARNING logged; 1, the kernel was already tainted. */
static char scratch_dir[64];

static void provoke_harm_watch(long arg)
{
	char kmsg[96], tainted[96];
	struct host_harm_watch w;
	FILE *f;

	snprintf(kmsg, sizeof(kmsg), "%s/kmsg", scratch_dir);
	snprintf(tainted, sizeof(tainted), "%s/tainted", scratch_dir);
	f = fopen(tainted, "w");
	TEST_ASSERT(f && fprintf(f, "%lu\n", arg ? TAINT_WARN : 0) > 0 && !fclose(f), "%s",
		    tainted);
	f = fopen(kmsg, "w");
	TEST_ASSERT(f && !fclose(f), "%s", kmsg);
	host_harm_begin(&w, kmsg, tainted);
	f = fopen(kmsg, "a");
	TEST_ASSERT(f && fprintf(f, "4,1,1,-;%s\n", arg ? "kvm: a note" :
				  "WARNING: CPU: 0 PID: 1 at virt/kvm/dirty_ring.c:1 x") > 0 &&
		    !fclose(f), "%s", kmsg);
	test_case_harm_watch_end(&w);
}

/* The cases */

struct lib_check {
	const char *name;
	void (*provoke)(long arg);
	long arg;
	int code;		/* the exit expected: KSFT_PASS, the check stays quiet */
	const char *message;	/* a part of the diagnosis it prints (KSFT_PASS: none) */
	const char *absent;	/* what the output must not say */
	struct fake_fault fault;	/* the fake KVM's wrong answer, from the start */
};

/* A check fed a faulty producer fails, or skips, saying msg; fed a correct one, it is quiet. */
#define FIRES(n, fn, a, msg, ...)						\
	{ .name = n, .provoke = fn, .arg = a, .code = KSFT_FAIL, .message = msg, __VA_ARGS__ }
#define SKIPS(n, fn, a, msg, ...)						\
	{ .name = n, .provoke = fn, .arg = a, .code = KSFT_SKIP, .message = msg, __VA_ARGS__ }
#define QUIET(n, fn, a)		{ .name = n, .provoke = fn, .arg = a, .code = KSFT_PASS }
/* The fault: request req fails on fds of kind on (FAKE_NONE: any) with errno err. */
#define FAULT(r, o, e)		.fault = { .req = r, .on = o, .err = e }

static const struct lib_check checks[] = {
	/* dirty_log.c: the ring collector */
	QUIET("collect_clean_producer", provoke_clean_producer, 0),
	QUIET("collect_full_exit_at_soft_limit", provoke_collect, FILL_SOFT_LIMIT | RING_FULL),
	FIRES("collect_whole_ring_dirty", provoke_collect, FILL_WHOLE,
		"RING OVERFLOW: vCPU 0's ring of 256 entries held 256 DIRTY entries, all of it: KVM pushed past its reserve: fetch index 256"),
	FIRES("collect_push_ran_ahead", provoke_collect, FILL_GAP,
		"RING OVERFLOW: vCPU 0's ring of 256 entries has a DIRTY entry at 11 past an empty one: KVM's push index ran ahead of the harvest: fetch index 10 (flags 0), next DIRTY entry at 11"),
	FIRES("collect_full_exit_empty_ring", provoke_collect, FILL_NONE | RING_FULL,
		"RING OVERFLOW: vCPU 0's ring of 256 entries exited full with no DIRTY entry at the fetch index: fetch index 0 (flags 0), next DIRTY entry at 256"),
	QUIET("ring_check_at_soft_limit", provoke_ring_check, FILL_SOFT_LIMIT | RING_FULL),
	FIRES("ring_check_whole_ring_dirty", provoke_ring_check, FILL_WHOLE,
		"ring of 256 entries held 256 DIRTY entries, all of it"),
	FIRES("ring_check_push_ran_ahead", provoke_ring_check, FILL_GAP,
		"has a DIRTY entry at 11 past an empty one"),
	FIRES("ring_check_full_exit_empty_ring", provoke_ring_check, FILL_NONE | RING_FULL,
		"exited full with no DIRTY entry at the fetch index"),
	FIRES("reset_counts_fewer", provoke_reset_count, -1,
		"KVM_RESET_DIRTY_RINGS reset 9 entries, 10 were harvested, and no ring shows a gap"),
	FIRES("reset_counts_more", provoke_reset_count, 1,
		"KVM_RESET_DIRTY_RINGS reset 11 entries, 10 were harvested, and no ring shows a gap"),
	FIRES("reset_counts_fewer_ring_ran_ahead", provoke_reset_count_ring_ahead, 0,
		"RING OVERFLOW: KVM_RESET_DIRTY_RINGS reset 8 entries, 10 were harvested; vCPU 0's ring has a DIRTY entry at 12, ahead of its fetch index 10"),
	FIRES("first_diagnosis_kept", provoke_first_diagnosis_kept, 0,
		"has a DIRTY entry at 11 past an empty one", .absent = "were harvested"),
	FIRES("reset_fails", provoke_reset_fails, false,
		"KVM_RESET_DIRTY_RINGS failed, rc: -1 (errno 14",
		FAULT(KVM_RESET_DIRTY_RINGS, FAKE_VM, EFAULT)),
	FIRES("reset_on_dead_vm", provoke_reset_fails, true,
		"KVM_RESET_DIRTY_RINGS failed, rc: -1; VM dead: KVM answers EIO to every ioctl on it"),
	FIRES("collect_stray_slot", provoke_stray, 5,
		"1 entries outside the slots collected, first: index 1 slot 0x5 offset 2"),
	FIRES("collect_stray_as_id", provoke_stray, DIRTY_RING_SLOT(1, 0),
		"1 entries outside the slots collected, first: index 1 slot 0x10000 offset 2"),
	FIRES("collect_stray_offset_past_slot", provoke_stray, 0,
		"1 entries outside the slots collected, first: index 1 slot 0 offset 64"),
	QUIET("log_mode_ring_clean", provoke_log_mode_ring, FILL_SOFT_LIMIT),
	FIRES("log_mode_ring_overflow", provoke_log_mode_ring, FILL_WHOLE,
		"RING OVERFLOW: vCPU 0's ring of 256 entries held 256 DIRTY entries"),
	QUIET("wait_ring_released", provoke_wait_released, 3),
	SKIPS("log_mode_ring_not_offered", provoke_log_modes, 1u << LOG_MODE_RING,
		"log mode ring: KVM does not offer a ring cap"),
	SKIPS("log_mode_clear_not_offered", provoke_log_modes,
		(1u << LOG_MODE_GET_LOG) | (1u << LOG_MODE_CLEAR_LOG),
		"log mode clear_log: KVM does not offer KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 with KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE"),
	QUIET("log_modes_offered", provoke_log_modes, -1),
	QUIET("log_mode_names_exact", provoke_log_mode_parse, 0),
	FIRES("wait_ring_never_released", provoke_wait_released, 0,
		"RING OVERFLOW: vCPU 0's ring of 256 entries exits full for 50 ms while nothing resets its ring"),
	/* dirty_ring.c: capabilities, enabling and mapping the ring, the bitmap ioctls */
	SKIPS("require_ring_offered", provoke_require_ring, 0,
		"KVM offers neither KVM_CAP_DIRTY_LOG_RING nor KVM_CAP_DIRTY_LOG_RING_ACQ_REL"),
	SKIPS("require_ring_large_enough", provoke_require_ring, 4096,
		"KVM's ring caps offer rings of up to 256 entries, 1024 needed"),
	QUIET("smallest_ring_probed", provoke_min_bytes, 16384),
	FIRES("smallest_ring_none_accepted", provoke_min_bytes, 0,
		"no ring size up to the maximum 1048576 bytes is accepted"),
	FIRES("smallest_ring_refused_not_einval", provoke_min_bytes, 4096,
		"errno 1, wanted EINVAL", FAULT(KVM_ENABLE_CAP, FAKE_VM, EPERM)),
	QUIET("ring_option_smallest", provoke_entries_option, 0),
	FIRES("ring_option_not_power_of_two", provoke_entries_option, 300,
		"-r 300: a ring size must be a power of two from 256 to 65536 entries on this host"),
	FIRES("ring_option_too_large", provoke_entries_option, 131072,
		"-r 131072: a ring size must be a power of two from 256 to 65536 entries on this host"),
	FIRES("enable_ring_refused", provoke_enable_ring, 0,
		"enabling a dirty ring of 256 entries (4096 bytes, plain) failed, rc: -1",
		FAULT(KVM_ENABLE_CAP, FAKE_VM, EBUSY)),
	FIRES("map_ring_not_enabled", provoke_map_without_ring, 0,
		"no dirty ring enabled on this VM"),
	FIRES("map_ring_refused", provoke_map_refused, 0,
		"mmap of the dirty ring of vCPU 0 (errno 19"),
	FIRES("get_dirty_log_fails", provoke_bitmap_ioctls, 0,
		"KVM_GET_DIRTY_LOG slot 3 failed, rc: -1 (errno 2",
		FAULT(KVM_GET_DIRTY_LOG, FAKE_VM, ENOENT)),
	FIRES("clear_dirty_log_fails", provoke_bitmap_ioctls, 0,
		"KVM_CLEAR_DIRTY_LOG slot 3 pages 0+64 failed, rc: -1 (errno 2",
		FAULT(KVM_CLEAR_DIRTY_LOG, FAKE_VM, ENOENT)),
	/* kvm_util.c: KVM's answers */
	SKIPS("no_dev_kvm", provoke_vm, 0,
		"cannot open /dev/kvm: No such file or directory", .fault.no_dev_kvm = true),
	QUIET("vm_created", provoke_vm, 2),
	FIRES("check_cap_fails", provoke_vm, 0,
		"KVM_CHECK_EXTENSION 192 on /dev/kvm failed, rc: -1",
		FAULT(KVM_CHECK_EXTENSION, FAKE_KVM, EINVAL)),
	FIRES("vm_check_cap_fails", provoke_vm, 0,
		"KVM_CHECK_EXTENSION 10 on the VM failed, rc: -1",
		FAULT(KVM_CHECK_EXTENSION, FAKE_VM, EINVAL)),
	FIRES("create_vm_fails", provoke_vm, 0, "KVM_CREATE_VM failed, rc: -1",
	      FAULT(KVM_CREATE_VM, FAKE_KVM, ENOMEM)),
	FIRES("nr_memslots_too_few", provoke_nr_memslots, 1, "KVM_CAP_NR_MEMSLOTS is 1"),
	FIRES("create_vcpu_fails", provoke_vm, 1, "KVM_CREATE_VCPU 0 failed, rc: -1",
	      FAULT(KVM_CREATE_VCPU, FAKE_VM, EEXIST)),
	FIRES("vcpu_mmap_size_too_small", provoke_vcpu_mmap_size, 16,
		"KVM_GET_VCPU_MMAP_SIZE: 16"),
	FIRES("kvm_run_map_refused", provoke_vm, 1, "mmap of kvm_run for vCPU 0",
	      .fault.vcpu_no_mmap = true),
	FIRES("enable_cap_fails", provoke_enable_cap, 0,
		"KVM_ENABLE_CAP 168 (arg 0x1) failed, rc: -1",
		FAULT(KVM_ENABLE_CAP, FAKE_VM, EINVAL)),
	FIRES("memslot_refused", provoke_memslot, false,
		"KVM_SET_USER_MEMORY_REGION slot 3 flags 0x1 gpa 0x40000000 size 0x10000 failed, rc: -1 (errno 5",
		FAULT(KVM_SET_USER_MEMORY_REGION, FAKE_VM, EIO), .absent = "VM dead"),
	FIRES("memslot_on_dead_vm", provoke_memslot, true,
		"failed, rc: -1; VM dead: KVM answers EIO to every ioctl on it"),
	QUIET("vcpu_setup", provoke_vcpu_setup, 0),
	FIRES("supported_cpuid_fails", provoke_vcpu_setup, 0,
		"KVM_GET_SUPPORTED_CPUID failed (errno 14",
		FAULT(KVM_GET_SUPPORTED_CPUID, FAKE_KVM, EFAULT)),
	QUIET("memslot_id_reused", provoke_memslot_reuse, 0),
	FIRES("memslot_deleted_gpa_gone", provoke_memslot_reuse, 1,
		"guest physical address 0x40000000 is in no memslot"),
	FIRES("gpa_past_slot_end", provoke_memslot_reuse, 2,
		"guest physical address 0x40018000 is in no memslot"),
	FIRES("memslot_deleted_id_gone", provoke_memslot_reuse, 3, "no memslot 4 in this VM"),
	QUIET("thp_slot_2m_aligned", provoke_thp_alignment, 0),
	QUIET("watchdog_disarmed_after_run", provoke_watchdog_disarmed, 0),
	FIRES("memslot_unknown", provoke_lookup, 0, "no memslot 7 in this VM"),
	FIRES("gpa_in_no_memslot", provoke_lookup, 1,
		"guest physical address 0x40000000 is in no memslot"),
	FIRES("gva_not_mapped", provoke_lookup, 2,
		"guest virtual address 0x40000000 is not mapped"),
	QUIET("ioctl_wrappers", provoke_ioctl_wrappers, false),
	FIRES("kvm_ioctl_fails", provoke_ioctl_wrappers, false,
		"ioctl KVM_CHECK_EXTENSION failed, rc: -1 (errno 22",
		FAULT(KVM_CHECK_EXTENSION, FAKE_KVM, EINVAL)),
	FIRES("vm_ioctl_fails", provoke_ioctl_wrappers, false,
		"ioctl KVM_RESET_DIRTY_RINGS failed, rc: -1 (errno 22",
		FAULT(KVM_RESET_DIRTY_RINGS, FAKE_VM, EINVAL)),
	FIRES("vcpu_ioctl_fails", provoke_ioctl_wrappers, false,
		"ioctl KVM_GET_REGS failed, rc: -1 (errno 14",
		FAULT(KVM_GET_REGS, FAKE_VCPU, EFAULT)),
	FIRES("vm_ioctl_on_dead_vm", provoke_ioctl_wrappers, true,
		"ioctl KVM_RESET_DIRTY_RINGS failed, rc: -1; VM dead: KVM answers EIO to every ioctl on it"),
	FIRES("vcpu_ioctl_sets_cpuid_fails", provoke_vcpu_setup, 0,
		"ioctl KVM_SET_CPUID2 failed, rc: -1", FAULT(KVM_SET_CPUID2, FAKE_VCPU, EINVAL)),
	QUIET("run_exit_expected", provoke_run_exit, KVM_EXIT_HLT),
	FIRES("run_stuck", provoke_run_exit, KVM_EXIT_HLT,
		"vCPU 0: KVM_RUN did not return within", FAULT(KVM_RUN, FAKE_VCPU, EINTR)),
	FIRES("run_fails", provoke_run_exit, KVM_EXIT_HLT, "KVM_RUN failed, rc: -1 (errno 14",
	      FAULT(KVM_RUN, FAKE_VCPU, EFAULT)),
	FIRES("run_exit_shutdown", provoke_run_exit, KVM_EXIT_SHUTDOWN,
		"vCPU 0: guest shutdown (triple fault) at RIP 0x4242"),
	FIRES("run_exit_internal_error", provoke_run_exit, KVM_EXIT_INTERNAL_ERROR,
		"vCPU 0: KVM internal error, suberror 3"),
	FIRES("run_exit_fail_entry", provoke_run_exit, KVM_EXIT_FAIL_ENTRY,
		"vCPU 0: VM entry failed, reason 0x21"),
	FIRES("run_exit_unexpected", provoke_run_exit, KVM_EXIT_DIRTY_RING_FULL,
		"vCPU 0: wanted exit HLT (5), got DIRTY_RING_FULL ("),
	/* ucall.c: what the guest reports */
	QUIET("ucall_expected", provoke_ucall, UCALL_SYNC),
	FIRES("ucall_guest_exception", provoke_ucall, UCALL_UNHANDLED,
		"vCPU 0: unhandled guest exception #PF (vector 14) at RIP 0x1234, error code 0x2, CR2 0xdead000, CS 0x2b"),
	FIRES("ucall_guest_assertion", provoke_ucall, UCALL_ABORT,
		"vCPU 0: guest assertion 'x == y' failed at guest.c:7, values 0x1 (1) vs 0x2 (2)"),
	FIRES("ucall_unexpected", provoke_ucall, UCALL_DONE,
		"vCPU 0: wanted ucall 1, got ucall 2 (exit IO) at RIP 0x4242"),
	/* guest_script.c: the guest's progress in its write script */
	FIRES("script_progress_backwards", provoke_script_progress, 1,
		"guest reports 1 ops done, after 2, of 3"),
	FIRES("script_progress_past_end", provoke_script_progress, 4,
		"guest reports 4 ops done, after 2, of 3"),
	FIRES("script_write_past_slot", provoke_script_layout, 60,
		"script writes pages 60..69 of slot 0, which has 64"),
	FIRES("script_slot_not_in_layout", provoke_script_layout, -1,
		"script writes to slot 9, which is not in the layout"),
	/* kvm_ring_target.c: a shared scenario's verdict on KVM, the host's guarantees */
	QUIET("host_facts_pml_order_cpl0", provoke_host_facts, 0),
	FIRES("scenario_verdict_reported", provoke_scenario_case, 0,
		"code == KSFT_PASS: first_write_order ("),
	/* ring/ring_check.c: the one checker */
	QUIET("checker_clean_record", provoke_checker, CHK_CLEAN),
	FIRES("checker_index_skipped", provoke_checker, CHK_INDEX_SKIPPED,
		"vcpu 0 entry 1: ring index 2, expected 1 (entries skipped or repeated)"),
	FIRES("checker_entry_never_written", provoke_checker, CHK_NEVER_WRITTEN,
		"vcpu 0 entry 8 (ring index 8): expected nothing (8 stores executed, all reported), observed slot 0 offset 0xf"),
	FIRES("checker_entries_out_of_order", provoke_checker, CHK_OUT_OF_ORDER,
		"vcpu 0 entry 0 (ring index 0): expected slot 0 offset 0 (op 0, store 0), observed slot 0 offset 0x1"),
	FIRES("checker_page_lost", provoke_checker, CHK_PAGE_LOST,
		"expected slot 0 offset 0x7 (op 0, store 7), observed nothing: ring drained with 1 pages lost"),
	FIRES("checker_full_exit_early", provoke_checker, CHK_FULL_EARLY,
		"vcpu 0: full exit with 4 entries used, below the lowest soft limit 12 (ring 16, reserve at most 4)"),
	FIRES("checker_exit_error", provoke_checker, CHK_EXIT_ERROR,
		"vcpu 0: unexpected exit at op 2 after 8 stores"),
	FIRES("checker_ran_while_full", provoke_checker, CHK_RAN_WHILE_FULL,
		"vcpu 0: ran while its ring was full: done exit after 20 stores, expected a full exit after 19"),
	FIRES("checker_progress_back", provoke_checker, CHK_PROGRESS_BACK,
		"vcpu 0: progress went back from 8 to 6 stores"),
	FIRES("checker_ring_wrapped", provoke_checker, CHK_WRAPPED,
		"vcpu 0 entry 0 (ring index 0): RING OVERFLOW: observed slot 0 offset 0x10, which a store logs 16 entries later, where slot 0 offset 0 (op 0, store 0) belongs: KVM pushed past the ring of 16 entries and overwrote it"),
	FIRES("checker_soft_limit_overshoot", provoke_checker, CHK_OVERSHOOT,
		"vcpu 0: SOFT LIMIT OVERSHOOT: sync exit with 13 entries used (13 not harvested), above the soft limit 12 (ring 16, reserve at least 4)"),
	FIRES("checker_ring_overflow", provoke_checker, CHK_OVERFLOW,
		"vcpu 0: RING OVERFLOW: sync exit with 17 entries used (17 not harvested), above the soft limit 12 (ring 16, reserve at least 4): entries were overwritten"),
	FIRES("checker_entries_ahead_of_exit", provoke_checker, CHK_AHEAD_OF_EXIT,
		"vcpu 0: entries were reported for 8 stores, but the vCPU exited (sync) after 6"),
	FIRES("checker_reset_count", provoke_checker, CHK_RESET_COUNT,
		"reset returned 7, but 8 entries were harvested since the last reset"),
	FIRES("checker_reset_stale", provoke_checker, CHK_RESET_STALE,
		"reset left 1 harvested entries with flags not 0"),
	FIRES("checker_vcpu_unknown", provoke_checker, CHK_VCPU_UNKNOWN,
		"record names vCPU 1 of 1"),
	FIRES("checker_event_unknown", provoke_checker, CHK_EVENT_UNKNOWN,
		"unknown record event 99"),
	QUIET("checker_flushes_reversed", provoke_checker, CHK_REVERSED),
	FIRES("checker_reversed_unclaimed", provoke_checker, CHK_REVERSED_UNCLAIMED,
		"vcpu 0 entry 0 (ring index 0): expected slot 0 offset 0 (op 0, store 0), observed slot 0 offset 0x3"),
	FIRES("checker_reversed_past_flush", provoke_checker, CHK_REVERSED_TOO_LONG,
		"vcpu 0 entry 0 (ring index 0): expected slot 0 offset 0 (op 0, store 0), observed slot 0 offset 0x7"),
	FIRES("checker_reversed_across_flushes", provoke_checker, CHK_REVERSED_ACROSS,
		"vcpu 0 entry 3 (ring index 3): expected slot 0 offset 0 (op 0, store 0) next in a flush reversed down to store 0, observed slot 0 offset 0x7"),
	FIRES("checker_bitmap_count", provoke_checker, CHK_BITMAP_COUNT,
		"bitmap set counts 7 harvested entries, 8 were harvested since it was cleared"),
	FIRES("checker_bitmap_page", provoke_checker, CHK_BITMAP_BIT,
		"bitmap of slot 0: page 0 is clear, but an entry named it since the bitmap set was cleared"),
	FIRES("checker_duplicate_not_emulated", provoke_checker, CHK_DUPLICATE,
		"vcpu 0 entry 8 (ring index 8): expected nothing (8 stores executed, all reported), observed slot 0 offset 0x7"),
	FIRES("checker_bad_config", provoke_checker, CHK_BAD_CONFIG,
		"bad reserve bounds 16..16 for a ring of 16"),
	/* test_case.c: the case runner */
	FIRES("program_deadline_cuts_case", provoke_program_deadline, 0,
		"# FAIL [slow] the program deadline (2 s, below the runner's timeout) passed while this case ran"),
	FIRES("harm_watch_warning", provoke_harm_watch, 0,
		"host kernel: the host kernel logged 1 WARNING/BUG/Oops lines during the case"),
	SKIPS("harm_watch_blind", provoke_harm_watch, 1, HARM_BLIND_WARN),
};

/* In the grandchild: a fresh fake KVM, the check's fault, then its provoking code. */
static void provoke_child(const void *arg)
{
	const struct lib_check *c = arg;

	fake_init();
	fake.fault = c->fault;
	test_set_context("%s", c->name);
	c->provoke(c->arg);
}

/* Run the provoking code in a grandchild; return its exit code and what it printed. */
static int provoke(const struct lib_check *c, char *out, size_t size)
{
	int status = test_run_captured(provoke_child, c, true, out, size);

	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void scratch_remove(void)
{
	static const char *const files[] = { "kmsg", "tainted" };
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", scratch_dir, files[i]);
		unlink(path);
	}
	rmdir(scratch_dir);
}

/* One case: the check's exit and its diagnosis, or its silence. */
static void run_check(void *arg)
{
	const struct lib_check *c = arg;
	const char *tmp = getenv("TMPDIR"), *line, *end;
	char out[OUTPUT_MAX];
	bool said, quiet;
	int code;

	snprintf(scratch_dir, sizeof(scratch_dir), "%s/lib_checks_test.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	TEST_ASSERT(mkdtemp(scratch_dir), "mkdtemp %s", scratch_dir);
	code = provoke(c, out, sizeof(out));
	scratch_remove();
	said = !c->message || strstr(out, c->message);
	quiet = (!c->absent || !strstr(out, c->absent)) &&
		(c->code != KSFT_PASS || !strstr(out, "# FAIL"));
	if (code != c->code || !said || !quiet) {
		for (line = out; *line; line = *end ? end + 1 : end) {
			end = strchrnul(line, '\n');
			printf("# %.*s\n", (int)(end - line), line);
		}
		printf("# FAIL [%s] wanted exit %d%s%s%s%s%s, got exit %d%s\n", c->name, c->code,
		       c->message ? " saying \"" : "", c->message ?: "", c->message ? "\"" : "",
		       c->absent ? " and not " : "", c->absent ?: "", code,
		       said ? "" : " without that diagnosis");
		exit(KSFT_FAIL);
	}
	if (c->message) {
		line = strstr(out, c->message);
		while (line > out && line[-1] != '\n')
			line--;
		printf("# %.*s\n", (int)(strchrnul(line, '\n') - line), line);
	}
}

int main(int argc, char *argv[])
{
	struct ksft_case_status st;
	size_t i;

	if (argc > 1) {
		fprintf(stderr, "usage: %s\n  checks that every consistency check of the KVM test library fires\n",
			argv[0]);
		return KSFT_FAIL;
	}
	ksft_print_header();
	ksft_set_deadline(ksft_deadline_below(ksft_runner_timeout(RUNNER_TIMEOUT_S)),
			  "lib_checks_test");
	ksft_set_plan(ARRAY_SIZE(checks));
	for (i = 0; i < ARRAY_SIZE(checks); i++) {
		int code = ksft_run_forked(run_check, (void *)&checks[i], CASE_TIMEOUT_S, &st);

		ksft_report_case(code, &st, "%s", checks[i].name);
	}
	ksft_finished();
}
