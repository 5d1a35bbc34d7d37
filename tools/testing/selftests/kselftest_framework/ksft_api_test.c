// SPDX-License-Identifier: GPL-2.0
/*
 * ksft_api_test: unit test of kselftest.h.
 *
 * Each scenario runs in a child whose stdout is captured; the test compares
 * the exact text and the exit code with what the KTAP conventions require:
 * "1..0 # SKIP" for a program skipped before any result, the totals line,
 * the exit code ksft_finished() picks, the "Planned tests != run tests"
 * warning.  ksft_run_forked() (kvm/include/kselftest_forked.h, which the
 * harness runs on) is checked for every way a case can end (pass, exit
 * codes, crash, timeout with and without a SIGTERM handler, a skip from
 * the case), for not leaving zombies or a changed signal mask behind, and
 * for working when the caller ignores SIGCHLD; ksft_scnprintf() for cutting
 * a message built in parts at the end of its buffer.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "kvm/include/kselftest_forked.h"

int ksft_in_forked_case;
long long ksft_deadline_ms;
unsigned int ksft_deadline_s;

/* A scenario that hangs is a bug in the header: give up on it. */
#define SCENARIO_TIMEOUT_S	10
#define CAPTURE_MAX		4096

struct capture {
	pid_t pid;
	int fd;
	char out[CAPTURE_MAX];
	int exit_code;		/* -1 if the scenario did not exit */
};

/*
 * Start scenario() in a child with a fresh kselftest state and its stdout
 * to a pipe.  Several captures may run at once (the slow timeout cases do):
 * their output is far below the pipe's capacity.
 */
static void capture_start(void (*scenario)(void), struct capture *cap)
{
	int pipefd[2];

	memset(cap, 0, sizeof(*cap));
	if (pipe(pipefd))
		ksft_exit_fail_perror("pipe");
	fflush(stdout);
	cap->pid = fork();
	if (cap->pid < 0)
		ksft_exit_fail_perror("fork");
	if (cap->pid == 0) {
		close(pipefd[0]);
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[1]);
		memset(&ksft_cnt, 0, sizeof(ksft_cnt));
		ksft_plan = 0;
		alarm(SCENARIO_TIMEOUT_S);
		scenario();
		exit(100);
	}
	close(pipefd[1]);
	cap->fd = pipefd[0];
}

static void capture_finish(struct capture *cap)
{
	size_t len = 0;
	ssize_t n;
	int status;

	while ((n = read(cap->fd, cap->out + len, sizeof(cap->out) - 1 - len)) > 0)
		len += n;
	close(cap->fd);
	waitpid(cap->pid, &status, 0);
	cap->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void capture(void (*scenario)(void), struct capture *cap)
{
	capture_start(scenario, cap);
	capture_finish(cap);
}

/* One KTAP result for "scenario printed exactly this and exited so". */
static void check_scenario(const char *name, void (*scenario)(void),
			   const char *expected_out, int expected_code)
{
	struct capture cap;
	bool out_ok, code_ok;

	capture(scenario, &cap);
	out_ok = !strcmp(cap.out, expected_out);
	code_ok = cap.exit_code == expected_code;
	if (!out_ok)
		ksft_print_msg("%s: expected output:\n%sseen:\n%s", name,
			       expected_out, cap.out);
	if (!code_ok)
		ksft_print_msg("%s: expected exit %d, seen %d\n", name,
			       expected_code, cap.exit_code);
	ksft_test_result(out_ok && code_ok, "%s\n", name);
}

static void skip_before_any_result(void)
{
	ksft_print_header();
	ksft_exit_skip("no /dev/kvm\n");
}

static void skip_after_a_result(void)
{
	ksft_print_header();
	ksft_set_plan(2);
	ksft_test_result_pass("first\n");
	ksft_exit_skip("no dirty ring\n");
}

static void case_skip_outside_a_case(void)
{
	ksft_print_header();
	ksft_case_exit_skip("no %s\n", "/dev/kvm");
}

static void every_result_kind(void)
{
	ksft_print_header();
	ksft_set_plan(6);
	ksft_test_result_pass("a pass\n");
	ksft_test_result_fail("a fail\n");
	ksft_test_result_skip("a skip\n");
	ksft_test_result_xfail("an xfail\n");
	ksft_test_result(1 == 1, "cond %d\n", 1);
	ksft_test_result_code(KSFT_SKIP, "named", "reason %d", 7);
	ksft_finished();
}

static void all_pass(void)
{
	ksft_set_plan(1);
	ksft_test_result_pass("p\n");
	ksft_finished();
}

static void all_skipped(void)
{
	ksft_set_plan(2);
	ksft_test_result_skip("s1\n");
	ksft_test_result_skip("s2\n");
	ksft_finished();
}

static void plan_not_met(void)
{
	ksft_set_plan(3);
	ksft_test_result_pass("only one\n");
	ksft_finished();
}

static void bail_out(void)
{
	ksft_set_plan(1);
	ksft_exit_fail_msg("cannot open %s\n", "/dev/kvm");
}

static void check_output_api(void)
{
	check_scenario("ksft_exit_skip before any result", skip_before_any_result,
		       "TAP version 13\n1..0 # SKIP no /dev/kvm\n", KSFT_SKIP);
	check_scenario("ksft_case_exit_skip outside a forked case", case_skip_outside_a_case,
		       "TAP version 13\n1..0 # SKIP no /dev/kvm\n", KSFT_SKIP);
	check_scenario("ksft_exit_skip after a result", skip_after_a_result,
		       "TAP version 13\n1..2\nok 1 first\nok 2 # SKIP no dirty ring\n"
		       "# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:1 error:0\n",
		       KSFT_SKIP);
	check_scenario("every result kind and the totals", every_result_kind,
		       "TAP version 13\n1..6\nok 1 a pass\nnot ok 2 a fail\n"
		       "ok 3 # SKIP a skip\nok 4 # XFAIL an xfail\nok 5 cond 1\n"
		       "ok 6 named # SKIP reason 7\n"
		       "# Totals: pass:2 fail:1 xfail:1 xpass:0 skip:2 error:0\n",
		       KSFT_FAIL);
	check_scenario("ksft_finished when all pass", all_pass,
		       "1..1\nok 1 p\n"
		       "# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0\n",
		       KSFT_PASS);
	check_scenario("ksft_finished when all skipped", all_skipped,
		       "1..2\nok 1 # SKIP s1\nok 2 # SKIP s2\n"
		       "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:2 error:0\n",
		       KSFT_SKIP);
	check_scenario("ksft_finished when the plan is not met", plan_not_met,
		       "1..3\nok 1 only one\n# Planned tests != run tests (3 != 1)\n"
		       "# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0\n",
		       KSFT_FAIL);
	check_scenario("ksft_exit_fail_msg", bail_out,
		       "1..1\nBail out! cannot open /dev/kvm\n# Planned tests != run tests (1 != 0)\n"
		       "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:0 error:0\n",
		       KSFT_FAIL);
}

/* Children for ksft_run_forked(). */

static void child_returns(void *arg)
{
	(void)arg;
}

static void child_exits(void *arg)
{
	exit(*(int *)arg);
}

static void child_crashes(void *arg)
{
	(void)arg;
	raise(SIGSEGV);
}

static void child_hangs(void *arg)
{
	(void)arg;
	for (;;)
		pause();
}

static void on_sigterm(int sig)
{
	static const char msg[] = "diagnosis from the SIGTERM handler\n";

	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(KSFT_SKIP);
	_exit(KSFT_FAIL);
}

static void child_hangs_with_handler(void *arg)
{
	(void)arg;
	signal(SIGTERM, on_sigterm);
	for (;;)
		pause();
}

/* A SIGTERM handler that exits 0: the case still timed out. */
static void exit_pass_on_sigterm(int sig)
{
	(void)sig;
	_exit(KSFT_PASS);
}

static void child_hangs_exits_pass_on_sigterm(void *arg)
{
	(void)arg;
	signal(SIGTERM, exit_pass_on_sigterm);
	for (;;)
		pause();
}

static void child_ignores_sigterm(void *arg)
{
	(void)arg;
	signal(SIGTERM, SIG_IGN);
	for (;;)
		pause();
}

static void child_case_exit_skip(void *arg)
{
	(void)arg;
	ksft_case_exit_skip("no %s\n", "vmx");
}

static void child_checks_pgid(void *arg)
{
	(void)arg;
	exit(getpgrp() == getpid() ? KSFT_PASS : KSFT_FAIL);
}

/* Expected classification of one ksft_run_forked() run. */
struct forked_case {
	const char *name;
	void (*fn)(void *arg);
	int arg;
	unsigned int timeout_s;
	int code;
	int exit_status;
	int signal;
	int timed_out;
	const char *report;	/* the ksft_report_case() line, after "N " */
	const char *child_out;	/* what the child prints itself, or NULL */
};

static const struct forked_case forked_cases[] = {
	{ "returns", child_returns, 0, 0, KSFT_PASS, 0, 0, 0, "returns", NULL },
	{ "exits skip", child_exits, KSFT_SKIP, 5, KSFT_SKIP, 4, 0, 0, "exits skip # SKIP", NULL },
	{ "exits xfail", child_exits, KSFT_XFAIL, 5, KSFT_XFAIL, 2, 0, 0,
	  "exits xfail # XFAIL", NULL },
	{ "exits fail", child_exits, KSFT_FAIL, 5, KSFT_FAIL, 1, 0, 0, "exits fail", NULL },
	{ "exits 42", child_exits, 42, 5, KSFT_FAIL, 42, 0, 0, "exits 42 # exit=42", NULL },
	{ "crashes", child_crashes, 0, 5, KSFT_FAIL, -1, SIGSEGV, 0,
	  "crashes # killed by signal SIGSEGV", NULL },
	{ "own process group", child_checks_pgid, 0, 5, KSFT_PASS, 0, 0, 0,
	  "own process group", NULL },
	{ "hangs", child_hangs, 0, 1, KSFT_FAIL, -1, SIGTERM, 1,
	  "hangs # TIMEOUT 1 seconds", NULL },
	{ "hangs with a SIGTERM handler", child_hangs_with_handler, 0, 1,
	  KSFT_FAIL, KSFT_FAIL, 0, 1,
	  "hangs with a SIGTERM handler # TIMEOUT 1 seconds",
	  "diagnosis from the SIGTERM handler\n" },
	{ "ksft_case_exit_skip in the child", child_case_exit_skip, 0, 5, KSFT_SKIP, 4, 0, 0,
	  "ksft_case_exit_skip in the child # SKIP", "# SKIP no vmx\n" },
	{ "hangs, exits 0 on SIGTERM", child_hangs_exits_pass_on_sigterm, 0, 1,
	  KSFT_FAIL, KSFT_PASS, 0, 1, "hangs, exits 0 on SIGTERM # TIMEOUT 1 seconds", NULL },
	{ "ignores SIGTERM", child_ignores_sigterm, 0, 1, KSFT_FAIL, -1, SIGKILL, 1,
	  "ignores SIGTERM # TIMEOUT 1 seconds", NULL },
};

static bool no_zombie_left(void)
{
	return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

/*
 * In a captured child: run the case, print its report line, exit 0 if
 * the status was classified as expected (else print why and exit 1).
 */
static const struct forked_case *current_case;

static void forked_scenario(void)
{
	const struct forked_case *fc = current_case;
	struct ksft_case_status st;
	int arg = fc->arg;
	int code;

	code = ksft_run_forked(fc->fn, &arg, fc->timeout_s, &st);
	ksft_report_case(code, &st, "%s\n", fc->name);
	if (code == fc->code && st.code == fc->code &&
	    st.exit_status == fc->exit_status && st.signal == fc->signal &&
	    st.timed_out == fc->timed_out && st.timeout_s == fc->timeout_s &&
	    no_zombie_left())
		exit(0);
	printf("code %d/%d exit %d signal %d timed_out %d timeout %u\n",
	       code, st.code, st.exit_status, st.signal, st.timed_out, st.timeout_s);
	exit(1);
}

static void check_forked_case(const struct forked_case *fc, struct capture *cap)
{
	char expected[256];

	snprintf(expected, sizeof(expected), "%s%s 1 %s\n",
		 fc->child_out ? fc->child_out : "",
		 fc->code == KSFT_FAIL ? "not ok" : "ok", fc->report);
	if (strcmp(cap->out, expected))
		ksft_print_msg("%s: expected:\n%sseen:\n%s", fc->name, expected,
			       cap->out);
	ksft_test_result(!strcmp(cap->out, expected) && cap->exit_code == 0,
			 "ksft_run_forked: %s\n", fc->name);
}

/* All cases at once, so the timeouts overlap; results in table order. */
static void check_forked_cases(void)
{
	enum { NR = ARRAY_SIZE(forked_cases) };
	static struct capture caps[NR];
	unsigned int i;

	for (i = 0; i < NR; i++) {
		current_case = &forked_cases[i];
		capture_start(forked_scenario, &caps[i]);
	}
	for (i = 0; i < NR; i++) {
		capture_finish(&caps[i]);
		check_forked_case(&forked_cases[i], &caps[i]);
	}
}

/* The caller's signal mask and an ignored SIGCHLD survive a run. */
static void check_caller_state(void)
{
	struct ksft_case_status st;
	sigset_t block, after;
	bool mask_kept, chld_kept;
	int arg = KSFT_SKIP;
	int code;

	signal(SIGCHLD, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);

	code = ksft_run_forked(child_exits, &arg, 5, &st);

	sigprocmask(SIG_BLOCK, NULL, &after);
	mask_kept = sigismember(&after, SIGUSR1) && !sigismember(&after, SIGCHLD) &&
		    !sigismember(&after, SIGTERM);
	chld_kept = signal(SIGCHLD, SIG_DFL) == SIG_IGN;
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	if (code != KSFT_SKIP || !mask_kept || !chld_kept)
		ksft_print_msg("code %d exit %d, mask kept %d, SIGCHLD kept %d\n",
			       code, st.exit_status, mask_kept, chld_kept);
	ksft_test_result(code == KSFT_SKIP && st.exit_status == KSFT_SKIP &&
			 mask_kept && chld_kept,
			 "ksft_run_forked: ignored SIGCHLD and signal mask\n");
}

/* A message built in parts is cut at the end of its buffer, never past it. */
static void check_scnprintf(void)
{
	char buf[8];
	size_t a, b, c, none;

	a = ksft_scnprintf(buf, sizeof(buf), "%s", "abc");
	b = a + ksft_scnprintf(buf + a, sizeof(buf) - a, "%d", 123456);
	c = b + ksft_scnprintf(buf + b, sizeof(buf) - b, "x");
	none = ksft_scnprintf(buf, 0, "x");
	if (a != 3 || b != 7 || c != 7 || none || strcmp(buf, "abc1234"))
		ksft_print_msg("lengths %zu %zu %zu %zu, text \"%s\"\n", a, b, c, none, buf);
	ksft_test_result(a == 3 && b == 7 && c == 7 && !none && !strcmp(buf, "abc1234"),
			 "ksft_scnprintf: appends stop at the end of the buffer\n");
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(8 + ARRAY_SIZE(forked_cases) + 2);
	check_output_api();
	check_forked_cases();
	check_caller_state();
	check_scnprintf();
	ksft_finished();
}
