// SPDX-License-Identifier: GPL-2.0-only
/*
 * VMs, memslots, vCPUs and the guest image.
 *
 * Every VM built by vm_create_cpl() has a system slot (the highest slot id, not dirty-logged)
 * at guest physical 0 that holds the page tables, descriptor tables, stacks
 * and a copy of the test binary's loadable segments, mapped at the same
 * virtual addresses as in the host.  Guest code is therefore ordinary C in
 * the test binary, and host and guest see each global at the same address
 * (each in its own copy: see sync_global_to_guest()).
 */
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall.h"

#define HUGE_2M			(2ul << 20)
#define LIB_GVA_BASE		0x10000000ul
#define DEFAULT_WATCHDOG_S	20

const char *guest_cpl_name(enum guest_cpl cpl)
{
	return cpl == GUEST_CPL3 ? GUEST_USER_LEVEL_NAME : GUEST_KERNEL_LEVEL_NAME;
}

bool guest_cpl_parse(const char *arg, unsigned int *mask)
{
	if (!strcmp(arg, GUEST_KERNEL_LEVEL_NAME))
		*mask = 1u << GUEST_CPL0;
	else if (!strcmp(arg, GUEST_USER_LEVEL_NAME))
		*mask = 1u << GUEST_CPL3;
	else if (!strcmp(arg, "all"))
		*mask = GUEST_CPL_ALL;
	else
		return false;
	return true;
}

int open_kvm_dev_path_or_exit(void)
{
	int fd = open(KVM_DEV_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		test_skip("cannot open %s: %s", KVM_DEV_PATH, strerror(errno));
	return fd;
}

int kvm_check_cap(long cap)
{
	int fd = open_kvm_dev_path_or_exit();
	int ret = __kvm_ioctl(fd, KVM_CHECK_EXTENSION, (void *)cap);

	TEST_ASSERT(ret >= 0, "KVM_CHECK_EXTENSION %ld on /dev/kvm failed, rc: %d", cap, ret);
	close(fd);
	return ret;
}

static u32 max_vcpus_of(int max, int nr)
{
	return max > 0 ? max : nr > 0 ? nr : 4;
}

u32 kvm_max_vcpus(void)
{
	return max_vcpus_of(kvm_check_cap(KVM_CAP_MAX_VCPUS), kvm_check_cap(KVM_CAP_NR_VCPUS));
}

int vm_check_cap(struct kvm_vm *vm, long cap)
{
	int ret = __vm_ioctl(vm, KVM_CHECK_EXTENSION, (void *)cap);

	TEST_ASSERT(ret >= 0, "KVM_CHECK_EXTENSION %ld on the VM failed, rc: %d%s", cap, ret,
		    vm_dead_note(vm));
	return ret;
}

static const char vm_dead_msg[] =
	"; VM dead: KVM answers EIO to every ioctl on it (killed by KVM, check the kernel log; or used from a process that did not create it)";

const char *vm_dead_note(struct kvm_vm *vm)
{
	const char *note = "";
	int err = errno;

	if (err == EIO && __vm_ioctl(vm, KVM_CHECK_EXTENSION, (void *)KVM_CAP_USER_MEMORY) < 0 &&
	    errno == EIO)
		note = vm_dead_msg;
	errno = err;
	return note;
}

static void (*enable_cap_observer)(struct kvm_vm *vm, u32 cap);

void vm_enable_cap_observe(void (*observer)(struct kvm_vm *vm, u32 cap))
{
	enable_cap_observer = observer;
}

int __vm_enable_cap(struct kvm_vm *vm, u32 cap, u64 arg0)
{
	struct kvm_enable_cap ec = { .cap = cap, .args[0] = arg0 };
	int ret = __vm_ioctl(vm, KVM_ENABLE_CAP, &ec);
	int err = errno;

	if (!ret && enable_cap_observer)
		enable_cap_observer(vm, cap);
	errno = err;
	return ret;
}

void vm_enable_cap(struct kvm_vm *vm, u32 cap, u64 arg0)
{
	int ret = __vm_enable_cap(vm, cap, arg0);

	TEST_ASSERT(!ret, "KVM_ENABLE_CAP %u (arg %#lx) failed, rc: %d%s", cap, arg0, ret,
		    vm_dead_note(vm));
}

struct kvm_vm *__vm_create_bare(void)
{
	struct kvm_vm *vm = calloc(1, sizeof(*vm));

	TEST_ASSERT(vm, "out of memory");
	vm->kvm_fd = open_kvm_dev_path_or_exit();
	vm->fd = __kvm_ioctl(vm->kvm_fd, KVM_CREATE_VM, NULL);
	TEST_ASSERT(vm->fd >= 0, "KVM_CREATE_VM failed, rc: %d", vm->fd);
	vm->nr_memslots = vm_check_cap(vm, KVM_CAP_NR_MEMSLOTS);
	TEST_ASSERT(vm->nr_memslots >= 2, "KVM_CAP_NR_MEMSLOTS is %u", vm->nr_memslots);
	vm->max_vcpus = max_vcpus_of(vm_check_cap(vm, KVM_CAP_MAX_VCPUS),
				     vm_check_cap(vm, KVM_CAP_NR_VCPUS));
	vm->vcpus = calloc(vm->max_vcpus, sizeof(*vm->vcpus));
	TEST_ASSERT(vm->vcpus, "out of memory");
	return vm;
}

gpa_t vm_phys_pages_alloc(struct kvm_vm *vm, u64 npages)
{
	gpa_t gpa = vm->next_phys;

	TEST_ASSERT(gpa + npages * GUEST_PAGE_SIZE <= SYSTEM_SLOT_BYTES,
		    "system slot exhausted: %lu pages wanted at %#lx", npages, gpa);
	vm->next_phys += npages * GUEST_PAGE_SIZE;
	return gpa;
}

gva_t vm_vaddr_alloc(struct kvm_vm *vm, u64 npages)
{
	gva_t gva = vm->next_virt;
	gpa_t gpa = vm_phys_pages_alloc(vm, npages);

	virt_map(vm, gva, gpa, npages);
	/* one unmapped guard page after each allocation */
	vm->next_virt += (npages + 1) * GUEST_PAGE_SIZE;
	return gva;
}

/* Copy one loadable segment of the test binary into the guest, same GVAs. */
static void load_segment(struct kvm_vm *vm, u64 vaddr, u64 memsz)
{
	gva_t start = ALIGN_DOWN(vaddr, GUEST_PAGE_SIZE);
	gva_t end = ALIGN_UP(vaddr + memsz, GUEST_PAGE_SIZE);
	gva_t gva;
	gpa_t gpa;

	for (gva = start; gva < end; gva += GUEST_PAGE_SIZE) {
		if (!virt_translate(vm, gva, &gpa)) {
			gpa = vm_phys_pages_alloc(vm, 1);
			virt_map_page(vm, gva, gpa);
		}
		memcpy(addr_gpa2hva(vm, gpa), (void *)gva, GUEST_PAGE_SIZE);
	}
}

static int load_image_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct kvm_vm *vm = data;
	int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD)
			load_segment(vm, info->dlpi_addr + ph->p_vaddr, ph->p_memsz);
	}
	return 1;	/* the first object is the test binary itself */
}

struct kvm_vm *vm_create_cpl(enum guest_cpl cpl)
{
	struct kvm_vm *vm = __vm_create_bare();

	vm_add_system(vm, cpl);
	return vm;
}

void vm_add_system(struct kvm_vm *vm, enum guest_cpl cpl)
{
	vm->cpl = cpl;
	vm->system_slot = vm->nr_memslots - 1;
	vm_mem_region_add(vm, BACKING_ANON, vm->system_slot, 0,
			  SYSTEM_SLOT_BYTES / GUEST_PAGE_SIZE, 0);
	vm->next_phys = 0;
	vm->next_virt = LIB_GVA_BASE;
	vm_arch_setup(vm);
	dl_iterate_phdr(load_image_cb, vm);
}

static void vcpu_free(struct kvm_vcpu *vcpu)
{
	if (vcpu->ring.gfns)
		munmap(vcpu->ring.gfns, vcpu->ring.size * DIRTY_GFN_SIZE);
	munmap(vcpu->run, vcpu->run_size);
	close(vcpu->fd);
	free(vcpu);
}

void kvm_vm_free(struct kvm_vm *vm)
{
	unsigned int i;

	if (!vm)
		return;
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu_free(vm->vcpus[i]);
	close(vm->fd);
	for (i = 0; i < VM_MAX_REGIONS; i++)
		if (vm->regions[i].in_use)
			munmap(vm->regions[i].mmap_start, vm->regions[i].mmap_size);
	close(vm->kvm_fd);
	free(vm->vcpus);
	free(vm);
}

int __vm_set_user_memory_region(struct kvm_vm *vm, u32 slot, u32 flags,
				gpa_t gpa, u64 size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (u64)hva,
	};

	return __vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
}

int __kvm_set_user_memory_region2(int vm_fd, u32 slot, u32 flags, gpa_t gpa, u64 size,
				  void *hva, int guest_memfd)
{
	struct kvm_userspace_memory_region2 r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (u64)hva,
		.guest_memfd = guest_memfd,
	};

	return ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION2, &r);
}

struct mem_region *vm_mem_region(struct kvm_vm *vm, u32 slot)
{
	unsigned int i;

	for (i = 0; i < VM_MAX_REGIONS; i++)
		if (vm->regions[i].in_use && vm->regions[i].kvm.slot == slot)
			return &vm->regions[i];
	TEST_FAIL("no memslot %u in this VM", slot);
}

static struct mem_region *vm_free_region(struct kvm_vm *vm)
{
	unsigned int i;

	for (i = 0; i < VM_MAX_REGIONS; i++)
		if (!vm->regions[i].in_use)
			return &vm->regions[i];
	TEST_FAIL("more than %d memslots", VM_MAX_REGIONS);
}

static void vm_region_commit(struct kvm_vm *vm, struct mem_region *r)
{
	struct kvm_userspace_memory_region *k = &r->kvm;
	int ret = __vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, k);

	TEST_ASSERT(!ret, "KVM_SET_USER_MEMORY_REGION slot %u flags %#x gpa %#llx size %#llx failed, rc: %d%s",
		    k->slot, k->flags, k->guest_phys_addr, k->memory_size, ret, vm_dead_note(vm));
}

void vm_mem_region_add(struct kvm_vm *vm, enum mem_backing backing, u32 slot,
		       gpa_t gpa, u64 npages, u32 flags)
{
	struct mem_region *r = vm_free_region(vm);
	size_t size = npages * GUEST_PAGE_SIZE;
	size_t align = backing == BACKING_ANON_THP ? HUGE_2M : GUEST_PAGE_SIZE;
	char *mem;

	TEST_ASSERT(npages, "memslot %u with no pages", slot);
	r->mmap_size = size + align;
	r->mmap_start = mmap(NULL, r->mmap_size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(r->mmap_start != MAP_FAILED, "mmap of %zu bytes for slot %u", r->mmap_size,
		    slot);
	mem = (char *)ALIGN_UP((u64)r->mmap_start, align);
	madvise(mem, size, backing == BACKING_ANON_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	r->host_mem = mem;
	r->kvm = (struct kvm_userspace_memory_region) {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (u64)mem,
	};
	r->in_use = true;
	vm_region_commit(vm, r);
}

void vm_mem_region_set_flags(struct kvm_vm *vm, u32 slot, u32 flags)
{
	struct mem_region *r = vm_mem_region(vm, slot);

	r->kvm.flags = flags;
	vm_region_commit(vm, r);
}

void vm_mem_region_move(struct kvm_vm *vm, u32 slot, gpa_t new_gpa)
{
	struct mem_region *r = vm_mem_region(vm, slot);

	r->kvm.guest_phys_addr = new_gpa;
	vm_region_commit(vm, r);
}

void vm_mem_region_delete(struct kvm_vm *vm, u32 slot)
{
	struct mem_region *r = vm_mem_region(vm, slot);
	u64 size = r->kvm.memory_size;

	r->kvm.memory_size = 0;
	vm_region_commit(vm, r);
	r->kvm.memory_size = size;
	munmap(r->mmap_start, r->mmap_size);
	r->in_use = false;
}

void *addr_gpa2hva(struct kvm_vm *vm, gpa_t gpa)
{
	unsigned int i;

	for (i = 0; i < VM_MAX_REGIONS; i++) {
		struct mem_region *r = &vm->regions[i];

		if (r->in_use && gpa >= r->kvm.guest_phys_addr &&
		    gpa - r->kvm.guest_phys_addr < r->kvm.memory_size)
			return (char *)r->host_mem + (gpa - r->kvm.guest_phys_addr);
	}
	TEST_FAIL("guest physical address %#lx is in no memslot", gpa);
}

gpa_t addr_gva2gpa(struct kvm_vm *vm, gva_t gva)
{
	gpa_t gpa;

	TEST_ASSERT(virt_translate(vm, gva, &gpa), "guest virtual address %#lx is not mapped", gva);
	return gpa;
}

void *addr_gva2hva(struct kvm_vm *vm, gva_t gva)
{
	return addr_gpa2hva(vm, addr_gva2gpa(vm, gva));
}

u64 *virt_pte_4level(struct kvm_vm *vm, gva_t gva, bool alloc, u64 present, u64 table_bits,
		     u64 addr_mask)
{
	u64 *table = addr_gpa2hva(vm, vm->pgd);
	int level;

	for (level = 3; level > 0; level--) {
		u64 *entry = &table[(gva >> (12 + 9 * level)) & 511];

		if ((*entry & present) != present) {
			if (!alloc)
				return NULL;
			*entry = vm_phys_pages_alloc(vm, 1) | table_bits;
		}
		table = addr_gpa2hva(vm, *entry & addr_mask);
	}
	return &table[(gva >> 12) & 511];
}

void virt_map(struct kvm_vm *vm, gva_t gva, gpa_t gpa, u64 npages)
{
	u64 i;

	for (i = 0; i < npages; i++)
		virt_map_page(vm, gva + i * GUEST_PAGE_SIZE, gpa + i * GUEST_PAGE_SIZE);
}

/*
 * The vCPU watchdog: a per-thread timer interrupts a KVM_RUN that has not
 * returned within vcpu->watchdog_s, so a guest stuck in a loop becomes a
 * failure naming the vCPU and its RIP instead of a hang.
 */
static __thread timer_t watchdog_timer;
static __thread bool watchdog_ready;

static void watchdog_signal(int sig)
{
	(void)sig;
}

static void watchdog_arm(unsigned int seconds)
{
	struct itimerspec its = { .it_value.tv_sec = seconds };

	if (!watchdog_ready) {
		struct sigaction sa = { .sa_handler = watchdog_signal };
		struct sigevent sev = {
			.sigev_notify = SIGEV_THREAD_ID,
			.sigev_signo = SIGUSR2,
		};

		sigaction(SIGUSR2, &sa, NULL);
		sev._sigev_un._tid = syscall(SYS_gettid);
		TEST_ASSERT(!timer_create(CLOCK_MONOTONIC, &sev, &watchdog_timer),
			    "timer_create for the vCPU watchdog");
		watchdog_ready = true;
	}
	timer_settime(watchdog_timer, 0, &its, NULL);
}

/* What the case watchdog prints if the whole case is killed. */
static volatile u32 trace_vcpu, trace_exit;
static volatile u64 trace_enter_ns;
static volatile bool trace_in_run;

int __vcpu_run(struct kvm_vcpu *vcpu)
{
	int ret;

	trace_vcpu = vcpu->id;
	trace_enter_ns = time_now_ns();
	trace_in_run = true;
	watchdog_arm(vcpu->watchdog_s);
	ret = __vcpu_ioctl(vcpu, KVM_RUN, NULL);
	if (!ret)
		vcpu_arch_run_done(vcpu);
	watchdog_arm(0);
	trace_in_run = false;
	trace_exit = vcpu->run->exit_reason;
	return ret;
}

void vcpu_run(struct kvm_vcpu *vcpu)
{
	int ret = __vcpu_run(vcpu);

	if (ret < 0 && errno == EINTR)
		TEST_FAIL("vCPU %u: KVM_RUN did not return within %u s, guest stuck at "
			  ARCH_PC_NAME " %#lx", vcpu->id, vcpu->watchdog_s, vcpu_arch_pc(vcpu));
	TEST_ASSERT(!ret, "KVM_RUN failed, rc: %d%s", ret, vm_dead_note(vcpu->vm));
	switch (vcpu->run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		TEST_FAIL("vCPU %u: guest shutdown (triple fault) at " ARCH_PC_NAME " %#lx "
			  ARCH_SP_NAME " %#lx", vcpu->id, vcpu_arch_pc(vcpu), vcpu_arch_sp(vcpu));
	case KVM_EXIT_INTERNAL_ERROR:
		TEST_FAIL("vCPU %u: KVM internal error, suberror %u",
			  vcpu->id, vcpu->run->internal.suberror);
	case KVM_EXIT_FAIL_ENTRY:
		TEST_FAIL("vCPU %u: VM entry failed, reason %#llx", vcpu->id,
			  (unsigned long long)vcpu->run->fail_entry.hardware_entry_failure_reason);
	}
	ucall_assert_no_exception(vcpu);
}

static void case_watchdog_handler(int sig)
{
	char buf[512];
	int n;

	if (trace_in_run)
		n = snprintf(buf, sizeof(buf),
			     "# WATCHDOG [%s] case killed: vCPU %u inside KVM_RUN for %lu ms\n",
			     test_context(), trace_vcpu,
			     (unsigned long)((time_now_ns() - trace_enter_ns) / 1000000));
	else
		n = snprintf(buf, sizeof(buf),
			     "# WATCHDOG [%s] case killed: host side stuck, last exit of vCPU %u was %s\n",
			     test_context(), trace_vcpu, exit_reason_str(trace_exit));
	if (n > 0 && write(STDERR_FILENO, buf, n) < 0)
		n = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

__attribute__((constructor)) static void install_case_watchdog(void)
{
	signal(SIGTERM, case_watchdog_handler);
}

struct kvm_vcpu *vm_vcpu_add(struct kvm_vm *vm, u32 id, void *guest_code)
{
	struct kvm_vcpu *vcpu = calloc(1, sizeof(*vcpu));
	int size;

	TEST_ASSERT(vcpu, "out of memory");
	TEST_ASSERT(vm->nr_vcpus < vm->max_vcpus, "vCPU %u: the VM takes %u vCPUs (KVM_CAP_MAX_VCPUS)",
		    id, vm->max_vcpus);
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->watchdog_s = DEFAULT_WATCHDOG_S * test_timeout_scale();
	vcpu->fd = __vm_ioctl(vm, KVM_CREATE_VCPU, (void *)(long)id);
	TEST_ASSERT(vcpu->fd >= 0, "KVM_CREATE_VCPU %u failed, rc: %d%s", id, vcpu->fd,
		    vm_dead_note(vm));
	size = __kvm_ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	TEST_ASSERT(size >= (int)sizeof(struct kvm_run), "KVM_GET_VCPU_MMAP_SIZE: %d", size);
	vcpu->run_size = size;
	vcpu->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	TEST_ASSERT(vcpu->run != MAP_FAILED, "mmap of kvm_run for vCPU %u", id);
	vm->vcpus[vm->nr_vcpus++] = vcpu;
	if (guest_code)
		vcpu_arch_setup(vcpu, guest_code);
	return vcpu;
}

static const char *const exit_reasons[] = {
	[KVM_EXIT_UNKNOWN] = "UNKNOWN",
	[KVM_EXIT_EXCEPTION] = "EXCEPTION",
	[KVM_EXIT_IO] = "IO",
	[KVM_EXIT_HYPERCALL] = "HYPERCALL",
	[KVM_EXIT_DEBUG] = "DEBUG",
	[KVM_EXIT_HLT] = "HLT",
	[KVM_EXIT_MMIO] = "MMIO",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
	[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
	[KVM_EXIT_INTR] = "INTR",
	[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
	[KVM_EXIT_DIRTY_RING_FULL] = "DIRTY_RING_FULL",
};

const char *exit_reason_str(u32 exit_reason)
{
	if (exit_reason < ARRAY_SIZE(exit_reasons) && exit_reasons[exit_reason])
		return exit_reasons[exit_reason];
	return "(other)";
}

void vcpu_assert_exit(struct kvm_vcpu *vcpu, u32 exit_reason)
{
	u32 got = vcpu->run->exit_reason;

	if (got == exit_reason)
		return;
	TEST_FAIL("vCPU %u: wanted exit %s (%u), got %s (%u) at " ARCH_PC_NAME " %#lx",
		  vcpu->id, exit_reason_str(exit_reason), exit_reason,
		  exit_reason_str(got), got, vcpu_arch_pc(vcpu));
}
