// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bridge between the ring verification library (ring/) and the KVM
 * test library: real KVM as a ring_target, and the shared scenarios as the
 * cases of a KVM selftest.  The only library file that includes both.
 *
 * Each test memslot gets its own guest physical range above
 * TEST_MEM_BASE_GPA, mapped at GVA == GPA.  load() copies the script into
 * the guest and restarts the vCPU at the interpreter; run() maps the vCPU's
 * exit to a ring_exit and reads its progress from guest memory
 * (script_stores_retired()).
 *
 * store_dups and reversed_flush come from the host (kvm_host_facts_read()):
 * duplicates are allowed at CPL0 only where KVM emulates CPL0 guest code
 * (kvm_pvm), and reversed flushes only on kvm_intel with PML before 6.14.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "kvm_ring_target.h"
#include "processor.h"
#include "ring_scenario.h"
#include "ucall.h"
#include "guest_script.h"

#define SLOT_ALIGN_PAGES	512	/* 2 MiB */
#define KVM_TARGET_MAX_SLOTS		16

struct kvm_target {
	struct ring_target t;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpus[RING_MAX_VCPUS];
	gva_t prog[RING_MAX_VCPUS];
	struct script_progress progress[RING_MAX_VCPUS];
	gpa_t slot_gpa[KVM_TARGET_MAX_SLOTS];
	u64 slot_room[KVM_TARGET_MAX_SLOTS];	/* pages reserved at slot_gpa */
	u16 slot_id[KVM_TARGET_MAX_SLOTS];
	u32 nr_slots;
	gpa_t next_gpa;
};

static struct kvm_target *kvm_target_of(struct ring_target *t)
{
	return (struct kvm_target *)t;
}

static int kvm_target_slot_index(struct kvm_target *kt, u16 id)
{
	u32 i;

	for (i = 0; i < kt->nr_slots; i++)
		if (kt->slot_id[i] == id)
			return i;
	return -1;
}

static int kvm_target_slot_add(struct ring_target *t, u16 id, u64 npages, u32 flags)
{
	struct kvm_target *kt = kvm_target_of(t);
	int i = kvm_target_slot_index(kt, id);

	/* A slot id added again keeps its place, so loaded scripts still find it. */
	if (i < 0) {
		TEST_ASSERT(kt->nr_slots < KVM_TARGET_MAX_SLOTS, "too many slots");
		i = kt->nr_slots++;
		kt->slot_id[i] = id;
		kt->slot_gpa[i] = kt->next_gpa;
		kt->slot_room[i] = ALIGN_UP(npages, SLOT_ALIGN_PAGES);
		kt->next_gpa += kt->slot_room[i] * GUEST_PAGE_SIZE;
	}
	TEST_ASSERT(npages <= kt->slot_room[i], "slot %u re-added with %lu pages, room for %lu",
		    id, npages, kt->slot_room[i]);
	vm_mem_region_add(kt->vm, BACKING_ANON, id, kt->slot_gpa[i], npages, flags);
	virt_map(kt->vm, kt->slot_gpa[i], kt->slot_gpa[i], npages);
	return 0;
}

static int kvm_target_slot_set_flags(struct ring_target *t, u16 id, u32 flags)
{
	vm_mem_region_set_flags(kvm_target_of(t)->vm, id, flags);
	return 0;
}

static int kvm_target_slot_delete(struct ring_target *t, u16 id)
{
	vm_mem_region_delete(kvm_target_of(t)->vm, id);
	return 0;
}

static void kvm_target_load(struct ring_target *t, u32 vcpu, const struct script_op *script,
			    const struct script_layout *layout)
{
	struct kvm_target *kt = kvm_target_of(t);
	struct script_layout l = *layout;
	u64 nr_ops = 1;
	u32 i;

	for (i = 0; i < l.nr_slots; i++) {
		int s = kvm_target_slot_index(kt, l.slot[i]);

		TEST_ASSERT(s >= 0, "script names slot %u, never added", l.slot[i]);
		l.gva[i] = kt->slot_gpa[s];
	}
	while (script[nr_ops - 1].kind != SCRIPT_END)
		nr_ops++;
	kt->prog[vcpu] = guest_script_load(kt->vm, script, nr_ops, &l);
	kt->progress[vcpu] = (struct script_progress) {};
	vcpu_set_entry(kt->vcpus[vcpu], guest_script_main);
	vcpu_args_set(kt->vcpus[vcpu], 1, kt->prog[vcpu]);
}

static enum ring_exit kvm_target_run(struct ring_target *t, u32 vcpu,
				     struct ring_progress *progress)
{
	struct kvm_target *kt = kvm_target_of(t);
	struct kvm_vcpu *v = kt->vcpus[vcpu];
	enum ring_exit exit = RING_EXIT_ERROR;
	struct ucall uc;

	vcpu_run(v);
	switch (get_ucall_checked(v, &uc)) {
	case UCALL_SYNC:
		exit = RING_EXIT_SYNC;
		break;
	case UCALL_DONE:
		exit = RING_EXIT_DONE;
		break;
	case UCALL_NONE:
		if (v->run->exit_reason == KVM_EXIT_DIRTY_RING_FULL) {
			exit = RING_EXIT_FULL;
			break;
		}
		fallthrough;
	default:
		fprintf(stderr, "# [%s] vCPU %u: unexpected exit %s\n", test_context(), vcpu,
			exit_reason_str(v->run->exit_reason));
	}
	progress->stores = script_stores_retired(kt->vm, kt->prog[vcpu], &kt->progress[vcpu],
						 &progress->op);
	return exit;
}

static struct dirty_ring *kvm_target_ring(struct ring_target *t, u32 vcpu)
{
	return &kvm_target_of(t)->vcpus[vcpu]->ring;
}

static u32 kvm_target_reset(struct ring_target *t)
{
	return vm_reset_dirty_rings(kvm_target_of(t)->vm);
}

static void kvm_target_destroy(struct ring_target *t)
{
	kvm_vm_free(kvm_target_of(t)->vm);
	free(t);
}

/*
 * The largest reserve this host may use.  KVM reserves 64 entries, plus 512
 * with Intel PML (KVM_RING_RESERVE_MAX), and refuses a ring smaller than its
 * reserve: a host whose smallest ring is below 64 + 512 entries reserves 64,
 * exactly, so its full exits come at exactly size - 64.
 */
static u32 kvm_target_reserve_max(u64 min_entries, u32 size)
{
	u32 reserve = min_entries >= KVM_RING_RESERVE_MAX ? KVM_RING_RESERVE_MAX :
			KVM_RING_RESERVE_MIN;

	return reserve < size ? reserve : size - 1;
}

/* The first line of path, without its newline; false if unreadable. */
static bool read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, size, f);
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static bool module_loaded(const char *sys_module, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", sys_module, name);
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

void kvm_host_facts_read(const char *sys_module, const char *osrelease,
			 struct kvm_host_facts *facts)
{
	char path[256], buf[128];
	bool pml;

	memset(facts, 0, sizeof(*facts));
	if (!read_line(osrelease, buf, sizeof(buf)) ||
	    sscanf(buf, "%u.%u", &facts->major, &facts->minor) != 2)
		facts->major = facts->minor = 0;
	if (module_loaded(sys_module, "kvm_intel")) {
		facts->vendor = "kvm_intel";
		snprintf(path, sizeof(path), "%s/kvm_intel/parameters/pml", sys_module);
		pml = read_line(path, buf, sizeof(buf)) && (buf[0] == 'Y' || buf[0] == '1');
		/* an unreadable version is taken as old: the weaker order */
		if (pml && (facts->major < 6 || (facts->major == 6 && facts->minor < 14)))
			facts->reversed_flush = KVM_PML_ENTRIES;
	} else if (module_loaded(sys_module, "kvm_amd")) {
		facts->vendor = "kvm_amd";
	} else {
		facts->vendor = module_loaded(sys_module, "kvm_pvm") ? "kvm_pvm" : "unknown";
		facts->cpl0_emulated = true;
	}
}

void kvm_host_guarantees(const struct kvm_host_facts *facts, enum guest_cpl cpl,
			 bool *store_dups, u32 *reversed_flush)
{
	*store_dups = cpl == GUEST_CPL0 && facts->cpl0_emulated;
	*reversed_flush = facts->reversed_flush;
}

static struct ring_target *kvm_target_create(struct ring_target_factory *f,
					     const struct ring_target_params *p)
{
	const struct kvm_ring_target_config *cfg = f->opaque;
	u64 max_entries = dirty_ring_max_entries();
	u64 min_entries = dirty_ring_min_entries();
	struct kvm_host_facts host;
	struct kvm_target *kt;
	u32 i;

	u32 size = p->ring_size > min_entries ? p->ring_size : min_entries;

	/* A host may need a bigger ring than asked (PML); scenarios read t->ring_size. */
	if (!IS_POWER_OF_2(p->ring_size) || size > max_entries || !p->nr_vcpus ||
	    p->nr_vcpus > RING_MAX_VCPUS) {
		snprintf(f->why, sizeof(f->why),
			 "KVM takes rings of %lu..%lu entries, asked %u vCPUs with %u",
			 min_entries, max_entries, p->nr_vcpus, p->ring_size);
		return NULL;
	}
	kvm_host_facts_read("/sys/module", "/proc/sys/kernel/osrelease", &host);
	kt = calloc(1, sizeof(*kt));
	TEST_ASSERT(kt, "out of memory");
	kt->t = (struct ring_target) {
		.name = f->name,
		.nr_vcpus = p->nr_vcpus,
		.ring_size = size,
		.reserve_min = KVM_RING_RESERVE_MIN,
		.reserve_max = kvm_target_reserve_max(min_entries, size),
		/* A PML flush is inside the larger reserve: no batch beyond it. */
		.batch = 1,
		.slot_add = kvm_target_slot_add,
		.slot_set_flags = kvm_target_slot_set_flags,
		.slot_delete = kvm_target_slot_delete,
		.load = kvm_target_load,
		.run = kvm_target_run,
		.ring = kvm_target_ring,
		.reset = kvm_target_reset,
		.destroy = kvm_target_destroy,
	};
	kvm_host_guarantees(&host, cfg->cpl, &kt->t.store_dups, &kt->t.reversed_flush);
	kt->next_gpa = TEST_MEM_BASE_GPA;
	kt->vm = vm_create_cpl(cfg->cpl);
	/* every id below the system slot */
	kt->t.max_slot_id = kt->vm->system_slot - 1;
	vm_enable_dirty_ring_entries(kt->vm, size);
	for (i = 0; i < p->nr_vcpus; i++) {
		kt->vcpus[i] = vm_vcpu_add(kt->vm, i, guest_script_main);
		vcpu_map_dirty_ring(kt->vcpus[i]);
	}
	return &kt->t;
}

void kvm_ring_factory_init(struct ring_target_factory *f, struct kvm_ring_target_config *cfg)
{
	memset(f, 0, sizeof(*f));
	f->name = cfg->cpl == GUEST_CPL3 ? "kvm-cpl3" : "kvm-cpl0";
	f->create = kvm_target_create;
	f->opaque = cfg;
}

/* The shared scenarios as KVM selftest cases */

static void run_scenario_case(enum guest_cpl cpl, const void *arg)
{
	const struct kvm_scenario_arg *a = arg;
	const struct ring_scenario *s = a->s;
	struct kvm_ring_target_config cfg = { .cpl = cpl };
	struct ring_target_factory factory;
	struct ring_verdict verdict;
	int code;

	kvm_ring_factory_init(&factory, &cfg);
	code = ring_scenario_run(s, &factory, NULL, a->ring_size, &verdict);
	if (code == KSFT_SKIP)
		test_skip("%s", verdict.msg);
	TEST_ASSERT(code == KSFT_PASS, "%s (%s): %s", s->name, s->what, verdict.msg);
	ksft_print_msg("[%s] %lu entries, %lu full exits, %lu resets, %lu emulated-write duplicates, %lu early, %lu replayed\n",
		       test_context(), verdict.entries, verdict.full_exits, verdict.resets,
		       verdict.dups, verdict.early, verdict.replays);
}

unsigned int kvm_scenario_cases(const enum ring_scenario_id *ids, unsigned int nr_ids,
				u32 ring_size, struct kvm_scenario_arg *args,
				struct test_case *cases)
{
	unsigned int i;

	for (i = 0; i < nr_ids; i++) {
		struct kvm_scenario_arg *a = &args[i];

		a->s = &ring_scenarios[ids[i]];
		a->ring_size = ring_size;
		if (ring_size)
			snprintf(a->name, sizeof(a->name), "%s_r%u", a->s->name, ring_size);
		else
			snprintf(a->name, sizeof(a->name), "%s", a->s->name);
		cases[i] = (struct test_case) {
			.name = a->name,
			.run = run_scenario_case,
			.arg = a,
			.guest = true,
			.ring_caps = true,
		};
	}
	return nr_ids;
}
