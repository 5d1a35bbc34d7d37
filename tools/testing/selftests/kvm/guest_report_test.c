// SPDX-License-Identifier: GPL-2.0-only
/*
 * guest_report_test: the library reports guest failures; it does not hide them.
 *
 * Every other test relies on a guest problem turning into a failing case
 * with a diagnosis, never a silent shutdown or a hang.  Each case here runs a
 * guest that misbehaves, in a child process, and checks that the child fails
 * (exit 1) with the expected one-line diagnosis:
 *   - an unhandled guest exception names its vector and RIP;
 *   - GUEST_ASSERT_EQ names the expression, file, line and both values;
 *   - a guest stuck in a loop is stopped by the vCPU watchdog, which names
 *     the vCPU and the RIP;
 *   - an ioctl on a VM that KVM answers with EIO on every ioctl (a dead VM;
 *     here provoked by using it from a process that did not create it) says
 *     so and points at the kernel log;
 *   - a ring case (run once per ring cap, test_case.h) that has KVM enable a
 *     ring with the other cap fails, and so does one that enables none: the
 *     ACQ_REL variants of the other tests cannot pass on the plain cap;
 * and that host and guest share globals through sync_global_to/from_guest().
 */
#include <sys/wait.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_case.h"
#include "ucall.h"

#define UNMAPPED_GVA		0xdead000ul
#define WATCHDOG_TEST_S		1

static u64 shared_value;

static void guest_page_fault(void)
{
	*(volatile u64 *)UNMAPPED_GVA = 1;
	GUEST_DONE();
}

static void guest_assert_eq(void)
{
	u64 seven = 7;

	GUEST_ASSERT_EQ(seven, 0x2a);
	GUEST_DONE();
}

static void guest_spin(void)
{
	for (;;)
		asm volatile("");
}

static void guest_shared_global(void)
{
	GUEST_ASSERT_EQ(shared_value, 0x1234);
	shared_value = 0x5678;
	GUEST_DONE();
}

static void run_guest(enum guest_cpl cpl, void *guest_code)
{
	struct kvm_vm *vm = vm_create_cpl(cpl);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_code);

	vcpu->watchdog_s = WATCHDOG_TEST_S;
	vcpu_run_expect_ucall(vcpu, UCALL_DONE);
	kvm_vm_free(vm);
}

/* KVM_RUN from a process that did not create the VM: EIO, as on a dead VM. */
static void run_guest_in_other_process(enum guest_cpl cpl, void *guest_code)
{
	struct kvm_vm *vm = vm_create_cpl(cpl);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_code);
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		vcpu_run(vcpu);
		exit(KSFT_PASS);
	}
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	exit(WIFEXITED(status) ? WEXITSTATUS(status) : KSFT_FAIL);
}

struct child_body {
	void (*body)(enum guest_cpl cpl, void *guest_code);
	enum guest_cpl cpl;
	void *guest_code;
};

static void run_child_body(const void *arg)
{
	const struct child_body *c = arg;

	c->body(c->cpl, c->guest_code);
}

/*
 * Run body(cpl, guest_code) in a child; require exit 1 and both strings in
 * its stderr.
 */
static void expect_child_failure(enum guest_cpl cpl,
				 void (*body)(enum guest_cpl cpl, void *guest_code),
				 void *guest_code, const char *want, const char *want2)
{
	const struct child_body c = { body, cpl, guest_code };
	char out[4096], *report;
	int status;

	status = test_run_captured(run_child_body, &c, false, out, sizeof(out));
	report = strncmp(out, "# FAIL ", 7) ? out : out + 7;
	ksft_print_msg("child reported, as expected: %.*s", (int)strcspn(report, "\n") + 1, report);
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == KSFT_FAIL,
		    "child status %#x, wanted exit %d", status, KSFT_FAIL);
	TEST_ASSERT(strstr(out, want), "child's report lacks '%s'", want);
	TEST_ASSERT(strstr(out, want2), "child's report lacks '%s'", want2);
}

static void test_exception_reported(enum guest_cpl cpl, const void *arg)
{
	expect_child_failure(cpl, run_guest, guest_page_fault, GUEST_FAULT_REPORT,
			     GUEST_FAULT_ADDR_REPORT);
}

static void test_assert_eq_reported(enum guest_cpl cpl, const void *arg)
{
	expect_child_failure(cpl, run_guest, guest_assert_eq,
			     "guest assertion 'seven == 0x2a' failed at guest_report_test.c:",
			     "values 0x7 (7) vs 0x2a (42)");
}

static void test_stuck_guest_reported(enum guest_cpl cpl, const void *arg)
{
	expect_child_failure(cpl, run_guest, guest_spin, "KVM_RUN did not return within 1 s",
			     "guest stuck at " ARCH_PC_NAME " 0x");
}

static void test_dead_vm_reported(enum guest_cpl cpl, const void *arg)
{
	expect_child_failure(cpl, run_guest_in_other_process, guest_spin,
			     "KVM_RUN failed, rc: -1; VM dead: KVM answers EIO to every ioctl on it",
			     "check the kernel log");
}

/* A ring on a VM of its own, enabled with the case's cap or the other one. */
static void enable_ring(bool other_cap)
{
	struct kvm_vm *vm = __vm_create_bare();
	bool acq_rel = dirty_ring_cap_acq_rel() != other_cap;

	vm_enable_dirty_ring_cap(vm, kvm_dirty_ring_min_bytes(acq_rel) / DIRTY_GFN_SIZE,
				     acq_rel);
	kvm_vm_free(vm);
}

static void ring_with_other_cap(enum guest_cpl cpl, void *guest_code)
{
	enable_ring(true);
}

/* What the case runner does around a ring case, with nothing in between. */
static void no_ring(enum guest_cpl cpl, void *guest_code)
{
	dirty_ring_cap_select(dirty_ring_cap_acq_rel());
	dirty_ring_assert_cap_used();
}

static void test_ring_other_cap_reported(enum guest_cpl cpl, const void *arg)
{
	bool acq_rel = dirty_ring_cap_acq_rel();
	char want[160];

	if (!kvm_dirty_ring_max_bytes(!acq_rel))
		test_skip("KVM does not offer the other ring cap, %s",
			  dirty_ring_cap_name(!acq_rel));
	/* The case's own cap passes the check (and the case needs a ring of it). */
	enable_ring(false);
	snprintf(want, sizeof(want), "a case of %s: KVM_ENABLE_CAP enabled a ring with %s",
		 dirty_ring_cap_name(acq_rel), dirty_ring_cap_name(!acq_rel));
	expect_child_failure(cpl, ring_with_other_cap, NULL, want, "lib/dirty_ring.c:");
}

static void test_no_ring_reported(enum guest_cpl cpl, const void *arg)
{
	char want[160];

	enable_ring(false);
	snprintf(want, sizeof(want), "a case of %s: KVM_ENABLE_CAP never enabled a ring with it",
		 dirty_ring_cap_name(dirty_ring_cap_acq_rel()));
	expect_child_failure(cpl, no_ring, NULL, want, "lib/dirty_ring.c:");
}

static void test_shared_globals(enum guest_cpl cpl, const void *arg)
{
	struct kvm_vm *vm = vm_create_cpl(cpl);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_shared_global);

	shared_value = 0x1234;
	sync_global_to_guest(vm, shared_value);
	shared_value = 0;
	vcpu_run_expect_ucall(vcpu, UCALL_DONE);
	TEST_ASSERT_EQ(shared_value, 0);
	sync_global_from_guest(vm, shared_value);
	TEST_ASSERT_EQ(shared_value, 0x5678);
	kvm_vm_free(vm);
}

static const struct test_case cases[] = {
	{ .name = "exception_names_vector_and_rip", .run = test_exception_reported, .guest = true },
	{ .name = "guest_assert_eq_names_values", .run = test_assert_eq_reported, .guest = true },
	{ .name = "stuck_guest_stopped_by_watchdog", .run = test_stuck_guest_reported,
	  .guest = true },
	{ .name = "dead_vm_reported_as_dead", .run = test_dead_vm_reported },
	{ .name = "ring_case_given_other_cap_fails", .run = test_ring_other_cap_reported,
	  .ring_caps = true },
	{ .name = "ring_case_without_ring_fails", .run = test_no_ring_reported,
	  .ring_caps = true },
	{ .name = "globals_shared_with_guest", .run = test_shared_globals, .guest = true },
};

static void help(const char *prog)
{
	printf("usage: %s [-g cpl0|cpl3|all]\n"
	       "Checks that guest exceptions, guest assertions, stuck guests, a dead VM and\n"
	       "ring cases on the wrong ring cap fail a test with a diagnosis.\n"
	       TEST_COMMON_USAGE, prog);
}

int main(int argc, char *argv[])
{
	unsigned int cpl_mask = test_parse_common_args(argc, argv, help);

	close(open_kvm_dev_path_or_exit());
	run_test_cases(cases, ARRAY_SIZE(cases), cpl_mask, TEST_CASE_TIMEOUT_S);
}
