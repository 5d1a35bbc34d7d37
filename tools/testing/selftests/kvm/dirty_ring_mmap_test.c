// SPDX-License-Identifier: GPL-2.0-only
/*
 * dirty_ring_mmap_test: every way of mapping a vCPU's dirty ring, and what
 * KVM lets through.
 *
 * The ring is KVM memory at page KVM_DIRTY_LOG_PAGE_OFFSET of the vCPU fd
 * (api.rst, KVM_GET_VCPU_MMAP_SIZE), and userspace must share it with KVM:
 * a private copy would hide KVM's pushes or swallow the RESET flags, and it
 * must never be executable.  kvm_vcpu_mmap() refuses, with EINVAL, a mapping
 * that is private or executable if its FIRST or LAST page is a ring page.
 * A host whose anon inodes are noexec refuses every executable mapping of a
 * vCPU fd with EPERM before KVM sees it: both are accepted, the one seen is
 * printed.
 *
 * The matrix: every mapping that overlaps the ring (first page from two
 * before the ring to its last page, last page from its first page to two
 * after it), shared or private, with and without PROT_EXEC.  Every mapping
 * that is accepted must behave: its ring pages are the ring (a store through
 * a shared mapping is seen by KVM's side and the other way round; a private
 * one is copy-on-write and never reaches the ring) and the page after the
 * ring faults.  Each rule is one case:
 *   - shared, not executable: always accepted, and aliases the ring;
 *   - private, first or last page in the ring: EINVAL;
 *   - executable, first or last page in the ring: EINVAL or EPERM;
 *   - a mapping that covers the whole ring with both ends outside it: KVM's
 *     rule does not look at it; refused or accepted, it must stay harmless
 *     (no private store reaches the ring), and the test prints which;
 *   - mprotect() adding PROT_WRITE to a read-only ring mapping works;
 *     adding PROT_EXEC is refused where the exec mapping was refused by the
 *     noexec rule (EACCES), else accepted or refused as printed;
 *   - mremap() moves, grows, shrinks and duplicates a ring mapping: the
 *     result still aliases the ring, the old range is gone, growth faults;
 *   - a mapping outlives the vCPU and VM fds: the entries stay readable and
 *     writable until munmap;
 *   - a forked child harvests through its inherited mapping; its reset
 *     ioctl is refused (KVM serves only the VM's own process), the parent's
 *     reset counts the child's harvest and the pages are logged again.
 * The ring's page offset and size come from the uapi header and the caps.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvm_util.h"
#include "test_case.h"
#include "ucall.h"

#ifndef KVM_DIRTY_LOG_PAGE_OFFSET
#define KVM_DIRTY_LOG_PAGE_OFFSET	0	/* this arch's uapi has no ring */
#endif

#define RING_PAGES_WANTED	4	/* so that the ring has inner pages */
#define RING_PAGES_MAX		16	/* the matrix's room (Intel PML rings: 4) */
#define EDGE_PAGES		2	/* pages tried before and after the ring */
#define MATRIX_DIM		(RING_PAGES_MAX + EDGE_PAGES)
#define MARK			((u64)0x6d6d61702d72696eull)	/* stored in an entry's offset */
#define TEST_SLOT		1
#define TEST_SLOT_PAGES		16
#define GUEST_PAGES		5

enum map_mode {
	MODE_SHARED,
	MODE_PRIVATE,
	MODE_SHARED_EXEC,
	MODE_PRIVATE_EXEC,
	NR_MODES,
};

static const char *const mode_names[NR_MODES] = {
	"shared", "private", "shared+exec", "private+exec",
};

struct ring_ctx {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct dirty_ring *ref;		/* the library's shared mapping */
	long page;
	u64 first;			/* page offset of the ring in the vCPU fd */
	u64 npages;
	u32 per_page;			/* entries per page */
	int pipe[2];			/* for probing addresses without a signal */
};

/* Outcome of one mmap of the matrix: 0 accepted, else the errno. */
struct matrix {
	u64 s0, s1, e0, e1;		/* first pages s0..s1, last pages e0..e1 */
	int err[NR_MODES][MATRIX_DIM][MATRIX_DIM];
};

/* The ring size tried: a few pages if the host allows, else its smallest. */
static u64 ring_bytes(long page)
{
	u64 min = (u64)dirty_ring_min_entries() * DIRTY_GFN_SIZE;
	u64 want = RING_PAGES_WANTED * page;
	u64 max = (u64)dirty_ring_max_entries() * DIRTY_GFN_SIZE;

	return want >= min && want <= max ? want : min;
}

static void ctx_init(struct ring_ctx *c, struct kvm_vm *vm, void *guest_code)
{
	u64 bytes;

	c->page = sysconf(_SC_PAGESIZE);
	bytes = ring_bytes(c->page);
	c->vm = vm;
	vm_enable_dirty_ring_entries(vm, bytes / DIRTY_GFN_SIZE);
	c->vcpu = vm_vcpu_add(vm, 0, guest_code);
	c->ref = vcpu_map_dirty_ring(c->vcpu);
	c->first = KVM_DIRTY_LOG_PAGE_OFFSET;
	c->npages = bytes / c->page;
	c->per_page = c->page / DIRTY_GFN_SIZE;
	TEST_ASSERT(!pipe2(c->pipe, O_CLOEXEC), "pipe2");
}

static void ctx_bare(struct ring_ctx *c)
{
	ctx_init(c, __vm_create_bare(), NULL);
}

static void ctx_free(struct ring_ctx *c)
{
	close(c->pipe[0]);
	close(c->pipe[1]);
	kvm_vm_free(c->vm);
}

static bool in_ring(const struct ring_ctx *c, u64 pg)
{
	return pg >= c->first && pg < c->first + c->npages;
}

/* Whether the process can read 8 bytes at addr: EFAULT (SIGBUS, SIGSEGV) or not. */
static bool can_read(struct ring_ctx *c, const void *addr)
{
	char buf[8];
	ssize_t r = write(c->pipe[1], addr, sizeof(buf));

	if (r < 0) {
		TEST_ASSERT(errno == EFAULT, "probe read of %p: errno %d", addr, errno);
		return false;
	}
	TEST_ASSERT_EQ(read(c->pipe[0], buf, sizeof(buf)), sizeof(buf));
	return true;
}

/* Whether the process can store at addr (it stores `val`). */
static bool can_write(struct ring_ctx *c, void *addr, u64 val)
{
	char buf[8];
	ssize_t r;

	TEST_ASSERT_EQ(write(c->pipe[1], &val, sizeof(val)), sizeof(val));
	r = read(c->pipe[0], addr, sizeof(val));
	if (r < 0) {
		TEST_ASSERT(errno == EFAULT, "probe write of %p: errno %d", addr, errno);
		TEST_ASSERT_EQ(read(c->pipe[0], buf, sizeof(buf)), sizeof(buf));
		return false;
	}
	TEST_ASSERT_EQ(r, sizeof(val));
	return true;
}

/* The first entry of ring page p, through KVM's side (the reference mapping). */
static volatile __u64 *ref_word(const struct ring_ctx *c, u64 p)
{
	return &c->ref->gfns[p * c->per_page].offset;
}

/* The same entry through a mapping whose first page is `start`. */
static volatile __u64 *map_word(const struct ring_ctx *c, void *map, u64 start, u64 p)
{
	char *pg = (char *)map + (c->first + p - start) * c->page;

	return &((struct kvm_dirty_gfn *)pg)->offset;
}

static void *map_pages(struct ring_ctx *c, u64 s, u64 e, enum map_mode m, int *err)
{
	int prot = PROT_READ | PROT_WRITE;
	int flags = MAP_SHARED;
	void *map;

	if (m == MODE_SHARED_EXEC || m == MODE_PRIVATE_EXEC)
		prot |= PROT_EXEC;
	if (m == MODE_PRIVATE || m == MODE_PRIVATE_EXEC)
		flags = MAP_PRIVATE;
	map = mmap(NULL, (e - s + 1) * c->page, prot, flags, c->vcpu->fd, s * c->page);
	*err = map == MAP_FAILED ? errno : 0;
	return map;
}

/*
 * An accepted mapping of pages s..e behaves: each ring page in it is the
 * ring (a private one until written, and its stores stay private), the
 * page after the ring faults.  Entries are never pushed here (no vCPU
 * runs), so their offset words are free for markers.
 */
static void check_mapping(struct ring_ctx *c, void *map, u64 s, u64 e, bool shared)
{
	u64 p, pg;

	for (pg = s; pg <= e; pg++) {
		volatile __u64 *mine;

		if (!in_ring(c, pg))
			continue;
		p = pg - c->first;
		mine = map_word(c, map, s, p);
		*ref_word(c, p) = MARK ^ p;
		TEST_ASSERT(*mine == (MARK ^ p),
			    "pages %lu-%lu: ring page %lu reads %#llx, KVM's side holds %#lx",
			    s, e, p, *mine, MARK ^ p);
		*mine = ~MARK ^ p;
		if (shared)
			TEST_ASSERT(*ref_word(c, p) == (~MARK ^ p),
				    "pages %lu-%lu: a store to ring page %lu did not reach the ring",
				    s, e, p);
		else
			TEST_ASSERT(*ref_word(c, p) == (MARK ^ p),
				    "pages %lu-%lu: a store through a private mapping reached ring page %lu",
				    s, e, p);
		*ref_word(c, p) = 0;
	}
	pg = c->first + c->npages;
	if (e >= pg)
		TEST_ASSERT(!can_read(c, (char *)map + (pg - s) * c->page),
			    "pages %lu-%lu: the page after the ring (%lu) is readable", s, e, pg);
}

static void matrix_run(struct ring_ctx *c, struct matrix *mx)
{
	u64 s, e;
	int m;

	TEST_ASSERT(c->npages <= RING_PAGES_MAX && c->first >= EDGE_PAGES,
		    "ring of %lu pages at page %lu: outside the matrix", c->npages, c->first);
	mx->s0 = c->first - EDGE_PAGES;
	mx->s1 = c->first + c->npages - 1;
	mx->e0 = c->first;
	mx->e1 = c->first + c->npages - 1 + EDGE_PAGES;
	for (m = 0; m < NR_MODES; m++)
		for (s = mx->s0; s <= mx->s1; s++)
			for (e = mx->e0; e <= mx->e1; e++) {
				int *err = &mx->err[m][s - mx->s0][e - mx->e0];
				void *map;

				if (e < s) {
					*err = -1;
					continue;
				}
				map = map_pages(c, s, e, m, err);
				if (*err)
					continue;
				check_mapping(c, map, s, e,
					      m == MODE_SHARED || m == MODE_SHARED_EXEC);
				munmap(map, (e - s + 1) * c->page);
			}
}

static const char *err_name(int err)
{
	switch (err) {
	case -1: return "-";
	case 0: return "ok";
	case EINVAL: return "EINVAL";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	default: return strerror(err);
	}
}

static void matrix_print(const struct ring_ctx *c, const struct matrix *mx, enum map_mode m)
{
	char line[256];
	size_t n;
	u64 s, e;

	n = ksft_scnprintf(line, sizeof(line), "%-13s last:", mode_names[m]);
	for (e = mx->e0; e <= mx->e1; e++)
		n += ksft_scnprintf(line + n, sizeof(line) - n, " %6lu%s", e,
				    in_ring(c, e) ? "r" : " ");
	ksft_print_msg("%s\n", line);
	for (s = mx->s0; s <= mx->s1; s++) {
		n = ksft_scnprintf(line, sizeof(line), "  first %4lu%s:", s,
				   in_ring(c, s) ? "r" : " ");
		for (e = mx->e0; e <= mx->e1; e++)
			n += ksft_scnprintf(line + n, sizeof(line) - n, " %7s",
					    err_name(mx->err[m][s - mx->s0][e - mx->e0]));
		ksft_print_msg("%s\n", line);
	}
}

static void matrix_header(const struct ring_ctx *c)
{
	ksft_print_msg("ring at page %lu of the vCPU fd, %lu pages of %ld bytes (%lu entries); "
		       "r = a ring page\n", c->first, c->npages, c->page,
		       c->npages * c->per_page);
}

/* Which rule owns a cell: its first or last page in the ring, or neither. */
static bool touches_edge(const struct ring_ctx *c, u64 s, u64 e)
{
	return in_ring(c, s) || in_ring(c, e);
}

static void test_shared_aliases_ring(enum guest_cpl cpl, const void *arg)
{
	struct matrix mx;
	struct ring_ctx c;
	u64 s, e;

	ctx_bare(&c);
	matrix_run(&c, &mx);
	matrix_header(&c);
	matrix_print(&c, &mx, MODE_SHARED);
	for (s = mx.s0; s <= mx.s1; s++)
		for (e = s > mx.e0 ? s : mx.e0; e <= mx.e1; e++)
			TEST_ASSERT(!mx.err[MODE_SHARED][s - mx.s0][e - mx.e0],
				    "shared mapping of pages %lu-%lu refused: %s",
				    s, e, err_name(mx.err[MODE_SHARED][s - mx.s0][e - mx.e0]));
	ctx_free(&c);
}

/* Every cell of mode m whose first or last page is in the ring is refused. */
static int check_edge_refused(const struct ring_ctx *c, const struct matrix *mx,
			      enum map_mode m, int want, int alt)
{
	int seen = 0;
	u64 s, e;

	for (s = mx->s0; s <= mx->s1; s++)
		for (e = s > mx->e0 ? s : mx->e0; e <= mx->e1; e++) {
			int err = mx->err[m][s - mx->s0][e - mx->e0];

			if (!touches_edge(c, s, e))
				continue;
			TEST_ASSERT(err == want || err == alt,
				    "%s mapping of pages %lu-%lu (ring %lu-%lu): %s, wanted %s",
				    mode_names[m], s, e, c->first, c->first + c->npages - 1,
				    err_name(err), err_name(want));
			if (!seen)
				seen = err;
			TEST_ASSERT(err == seen, "%s mapping of pages %lu-%lu: %s, others %s",
				    mode_names[m], s, e, err_name(err), err_name(seen));
		}
	return seen;
}

static void test_private_refused(enum guest_cpl cpl, const void *arg)
{
	struct matrix mx;
	struct ring_ctx c;

	ctx_bare(&c);
	matrix_run(&c, &mx);
	matrix_header(&c);
	matrix_print(&c, &mx, MODE_PRIVATE);
	check_edge_refused(&c, &mx, MODE_PRIVATE, EINVAL, EINVAL);
	ctx_free(&c);
}

static void print_exec_errno(int err)
{
	ksft_print_msg("executable mappings refused with %s (%s)\n", err_name(err),
		       err == EPERM ? "the noexec rule, before KVM" : "by KVM");
}

static void test_exec_refused(enum guest_cpl cpl, const void *arg)
{
	struct matrix mx;
	struct ring_ctx c;
	int a, b;

	ctx_bare(&c);
	matrix_run(&c, &mx);
	matrix_header(&c);
	matrix_print(&c, &mx, MODE_SHARED_EXEC);
	matrix_print(&c, &mx, MODE_PRIVATE_EXEC);
	a = check_edge_refused(&c, &mx, MODE_SHARED_EXEC, EINVAL, EPERM);
	b = check_edge_refused(&c, &mx, MODE_PRIVATE_EXEC, EINVAL, EPERM);
	TEST_ASSERT(a == b, "shared exec mappings refused with %s, private ones with %s",
		    err_name(a), err_name(b));
	print_exec_errno(a);
	ctx_free(&c);
}

/*
 * Mappings from before the ring to after it: kvm_vcpu_mmap() checks only
 * their first and last page.  Each accepted one passed check_mapping()
 * during the matrix run; here what happened is counted and printed.
 */
static void test_spanning_harmless(enum guest_cpl cpl, const void *arg)
{
	unsigned int accepted[NR_MODES] = {}, total = 0;
	struct matrix mx;
	struct ring_ctx c;
	u64 s, e;
	int m;

	ctx_bare(&c);
	matrix_run(&c, &mx);
	for (m = MODE_PRIVATE; m < NR_MODES; m++) {
		int refused = 0;

		total = 0;
		for (s = mx.s0; s < c.first; s++)
			for (e = c.first + c.npages; e <= mx.e1; e++) {
				int err = mx.err[m][s - mx.s0][e - mx.e0];

				total++;
				if (!err) {
					accepted[m]++;
					continue;
				}
				TEST_ASSERT(err == EINVAL || (m != MODE_PRIVATE && err == EPERM),
					    "%s mapping of pages %lu-%lu: %s",
					    mode_names[m], s, e, err_name(err));
				TEST_ASSERT(!refused || refused == err,
					    "%s spanning mappings refused with %s and %s",
					    mode_names[m], err_name(refused), err_name(err));
				refused = err;
			}
		ksft_print_msg("%s mappings over the whole ring, both ends outside: %u of %u accepted%s%s\n",
			       mode_names[m], accepted[m], total, refused ? ", refused with " : "",
			       refused ? err_name(refused) : "");
	}
	if (accepted[MODE_PRIVATE] || accepted[MODE_SHARED_EXEC] || accepted[MODE_PRIVATE_EXEC])
		ksft_print_msg("KVM checks only the first and last page of a ring mapping: the accepted ones read the ring, and private stores stayed private (checked)\n");
	if (accepted[MODE_SHARED_EXEC] || accepted[MODE_PRIVATE_EXEC])
		ksft_print_msg("NOTE: so the ring can be mapped executable, by a mapping that spans it\n");
	ctx_free(&c);
}

static void *map_ring(struct ring_ctx *c, int prot)
{
	void *map = mmap(NULL, c->npages * c->page, prot, MAP_SHARED, c->vcpu->fd,
			 c->first * c->page);

	TEST_ASSERT(map != MAP_FAILED, "shared mapping of the ring, prot %#x", prot);
	return map;
}

static void test_mprotect_write(enum guest_cpl cpl, const void *arg)
{
	struct ring_ctx c;
	void *map;

	ctx_bare(&c);
	map = map_ring(&c, PROT_READ);
	TEST_ASSERT(can_read(&c, map), "read-only ring mapping not readable");
	TEST_ASSERT(!can_write(&c, map, 0), "a store to a read-only ring mapping went through");
	TEST_ASSERT(!mprotect(map, c.npages * c.page, PROT_READ | PROT_WRITE),
		    "mprotect adding PROT_WRITE to the ring mapping");
	check_mapping(&c, map, c.first, c.first + c.npages - 1, true);
	munmap(map, c.npages * c.page);
	ctx_free(&c);
}

static int exec_mmap_errno(struct ring_ctx *c)
{
	int err;
	void *map = map_pages(c, c->first, c->first, MODE_SHARED_EXEC, &err);

	TEST_ASSERT(map == MAP_FAILED, "a shared executable mapping of the ring was accepted");
	return err;
}

static void test_mprotect_exec(enum guest_cpl cpl, const void *arg)
{
	int mmap_err, ret, err;
	struct ring_ctx c;
	void *map;

	ctx_bare(&c);
	mmap_err = exec_mmap_errno(&c);
	print_exec_errno(mmap_err);
	map = map_ring(&c, PROT_READ | PROT_WRITE);
	ret = mprotect(map, c.npages * c.page, PROT_READ | PROT_WRITE | PROT_EXEC);
	err = ret ? errno : 0;
	ksft_print_msg("mprotect adding PROT_EXEC to a shared ring mapping: %s\n",
		       ret ? err_name(err) : "accepted (KVM checks PROT_EXEC at mmap time only); "
		       "NOTE: so the ring can be made executable");
	TEST_ASSERT(!ret || err == EACCES, "mprotect PROT_EXEC: errno %d", err);
	/* The noexec rule clears VM_MAYEXEC: mprotect must not get around it. */
	if (mmap_err == EPERM)
		TEST_ASSERT(ret && err == EACCES,
			    "mprotect made the ring executable where mmap refused exec (EPERM)");
	check_mapping(&c, map, c.first, c.first + c.npages - 1, true);
	munmap(map, c.npages * c.page);
	ctx_free(&c);
}

static void test_mremap(enum guest_cpl cpl, const void *arg)
{
	struct ring_ctx c;
	size_t len;
	void *map, *moved, *dup, *hole;

	ctx_bare(&c);
	len = c.npages * c.page;
	map = map_ring(&c, PROT_READ | PROT_WRITE);

	/* Move to a fixed place: the new range is the ring, the old one is gone. */
	hole = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(hole != MAP_FAILED, "reserving %zu bytes", len);
	moved = mremap(map, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, hole);
	TEST_ASSERT(moved == hole, "mremap moving the ring mapping: %p, errno %d", moved, errno);
	TEST_ASSERT(!can_read(&c, map), "the old range of a moved ring mapping is still readable");
	check_mapping(&c, moved, c.first, c.first + c.npages - 1, true);

	/* Duplicate it (old size 0, shared mappings only). */
	dup = mremap(moved, 0, len, MREMAP_MAYMOVE);
	TEST_ASSERT(dup != MAP_FAILED, "mremap duplicating the ring mapping, errno %d", errno);
	check_mapping(&c, dup, c.first, c.first + c.npages - 1, true);
	munmap(dup, len);

	/* Grow it past the ring: the new page is not the ring. */
	map = mremap(moved, len, len + c.page, MREMAP_MAYMOVE);
	if (map == MAP_FAILED) {
		TEST_ASSERT(errno == EFAULT, "mremap growing the ring mapping: errno %d", errno);
		ksft_print_msg("growing a ring mapping refused (EFAULT: VM_DONTEXPAND)\n");
		map = moved;
	} else {
		ksft_print_msg("growing a ring mapping by a page: accepted, the new page faults\n");
		check_mapping(&c, map, c.first, c.first + c.npages, true);
		/* Shrink it back to one page: that page is still the ring's first. */
		map = mremap(map, len + c.page, c.page, 0);
		TEST_ASSERT(map != MAP_FAILED, "mremap shrinking the ring mapping, errno %d",
			    errno);
		check_mapping(&c, map, c.first, c.first, true);
		len = c.page;
	}
	munmap(map, len);
	ctx_free(&c);
}

/* Guest of the cases that need real entries: writes pages, syncs, repeats. */
static void guest_code(u64 base)
{
	u64 round, i;

	for (round = 1;; round++) {
		for (i = 0; i < GUEST_PAGES; i++)
			*(volatile u64 *)(base + i * 2 * GUEST_PAGE_SIZE) = round;
		GUEST_SYNC_VALUE(round);
	}
}

static void ctx_guest(struct ring_ctx *c, enum guest_cpl cpl)
{
	struct kvm_vm *vm = vm_create_cpl(cpl);

	vm_mem_region_add(vm, BACKING_ANON, TEST_SLOT, TEST_MEM_BASE_GPA, TEST_SLOT_PAGES,
			  KVM_MEM_LOG_DIRTY_PAGES);
	virt_map(vm, TEST_MEM_BASE_GPA, TEST_MEM_BASE_GPA, TEST_SLOT_PAGES);
	ctx_init(c, vm, guest_code);
	vcpu_args_set(c->vcpu, 1, TEST_MEM_BASE_GPA);
}

/* The round's entries at ring index `from`: DIRTY, the test slot, pages 0, 2, 4, ... */
static void check_round(const struct kvm_dirty_gfn *gfns, u32 from, u32 flags)
{
	u32 i;

	for (i = 0; i < GUEST_PAGES; i++) {
		const struct kvm_dirty_gfn *g = &gfns[from + i];

		TEST_ASSERT(g->flags == flags && g->slot == TEST_SLOT && g->offset == 2 * i,
			    "entry %u: flags %#x slot %#x offset %llu, wanted flags %#x slot %#x offset %u",
			    from + i, g->flags, g->slot, g->offset, flags, TEST_SLOT, 2 * i);
	}
	TEST_ASSERT_EQ(gfns[from + GUEST_PAGES].flags, 0);
}

static bool maps_name_vcpu(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	TEST_ASSERT(f, "open /proc/self/maps");
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "kvm-vcpu"))
			found = true;
	fclose(f);
	return found;
}

static void test_outlives_fds(enum guest_cpl cpl, const void *arg)
{
	struct kvm_dirty_gfn *gfns;
	struct ring_ctx c;
	size_t len;
	u32 i;

	ctx_guest(&c, cpl);
	len = c.npages * c.page;
	gfns = map_ring(&c, PROT_READ | PROT_WRITE);
	TEST_ASSERT_EQ(vcpu_run_expect_ucall(c.vcpu, UCALL_SYNC), 1);
	check_round(gfns, 0, KVM_DIRTY_GFN_F_DIRTY);

	/* Close every fd (the library's own ring mapping goes too). */
	ctx_free(&c);
	TEST_ASSERT(maps_name_vcpu(), "no kvm-vcpu mapping left after closing the fds");
	check_round(gfns, 0, KVM_DIRTY_GFN_F_DIRTY);
	for (i = 0; i < GUEST_PAGES; i++)
		WRITE_ONCE(gfns[i].flags, KVM_DIRTY_GFN_F_RESET);
	check_round(gfns, 0, KVM_DIRTY_GFN_F_RESET);
	TEST_ASSERT(!munmap(gfns, len), "munmap of the ring after its fds were closed");
	TEST_ASSERT(!maps_name_vcpu(), "a kvm-vcpu mapping is left after munmap");
}

static void child_harvest(struct ring_ctx *c, struct kvm_dirty_gfn *gfns)
{
	int ret;
	u32 i;

	check_round(gfns, 0, KVM_DIRTY_GFN_F_DIRTY);
	for (i = 0; i < GUEST_PAGES; i++)
		__atomic_store_n(&gfns[i].flags, KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
	ret = __vm_reset_dirty_rings(c->vm);
	TEST_ASSERT(ret == -1, "KVM_RESET_DIRTY_RINGS from a forked child returned %d", ret);
	ksft_print_msg("child: harvested %u entries through the inherited mapping; "
		       "its KVM_RESET_DIRTY_RINGS failed with errno %d (%s)\n",
		       GUEST_PAGES, errno, strerror(errno));
}

static void test_forked_child(enum guest_cpl cpl, const void *arg)
{
	struct kvm_dirty_gfn *gfns;
	struct ring_ctx c;
	int status;
	pid_t pid;

	ctx_guest(&c, cpl);
	gfns = map_ring(&c, PROT_READ | PROT_WRITE);
	TEST_ASSERT_EQ(vcpu_run_expect_ucall(c.vcpu, UCALL_SYNC), 1);

	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		child_harvest(&c, gfns);
		fflush(stdout);
		_exit(KSFT_PASS);
	}
	TEST_ASSERT_EQ(waitpid(pid, &status, 0), pid);
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == KSFT_PASS,
		    "the child failed (status %#x)", status);

	check_round(gfns, 0, KVM_DIRTY_GFN_F_RESET);
	TEST_ASSERT_EQ(vm_reset_dirty_rings(c.vm), GUEST_PAGES);
	TEST_ASSERT_EQ(vcpu_run_expect_ucall(c.vcpu, UCALL_SYNC), 2);
	check_round(gfns, GUEST_PAGES, KVM_DIRTY_GFN_F_DIRTY);
	munmap(gfns, c.npages * c.page);
	ctx_free(&c);
}

static const struct test_case cases[] = {
	{ .name = "shared_mappings_alias_ring", .run = test_shared_aliases_ring },
	{ .name = "private_touching_ring_refused", .run = test_private_refused },
	{ .name = "exec_touching_ring_refused", .run = test_exec_refused },
	{ .name = "spanning_mappings_harmless", .run = test_spanning_harmless },
	{ .name = "mprotect_add_write", .run = test_mprotect_write },
	{ .name = "mprotect_add_exec", .run = test_mprotect_exec },
	{ .name = "mremap_move_dup_grow_shrink", .run = test_mremap },
	{ .name = "mapping_outlives_fds", .run = test_outlives_fds, .guest = true,
	  .ring_caps = true },
	{ .name = "forked_child_harvests", .run = test_forked_child, .guest = true,
	  .ring_caps = true },
};

static void help(const char *prog)
{
	printf("usage: %s [-g cpl0|cpl3|all]\n"
	       "Maps a vCPU's dirty ring every way that overlaps it and checks what KVM\n"
	       "refuses and how accepted mappings behave, one KTAP line per rule.\n"
	       TEST_COMMON_USAGE, prog);
}

int main(int argc, char *argv[])
{
	unsigned int cpl_mask = test_parse_common_args(argc, argv, help);

	kvm_require_dirty_ring(0);
	TEST_REQUIRE(KVM_DIRTY_LOG_PAGE_OFFSET > 0);

	run_test_cases(cases, ARRAY_SIZE(cases), cpl_mask, TEST_CASE_TIMEOUT_S);
}
