/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kselftest.h: KTAP output and exit codes for selftest programs.
 *
 * Header-only; every function is static inline, so a program may include
 * this from several files without link clashes, and the counters are
 * shared by all of them (see ksft_cnt).  The names and the output
 * follow the kernel's kselftest.h so that tests read the same:
 *
 *	ksft_print_header();
 *	ksft_set_plan(2);
 *	ksft_test_result(ok_a, "property a\n");
 *	ksft_test_result_skip("property b: needs root\n");
 *	ksft_finished();
 *
 * prints
 *
 *	TAP version 13
 *	1..2
 *	ok 1 property a
 *	ok 2 # SKIP property b: needs root
 *	# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:1 error:0
 *
 * As in the kernel, messages passed to the result functions end with "\n".
 * Every line is flushed as soon as it is printed, so a test that hangs or
 * crashes later still shows what it had reported, even behind a pipe.
 *
 * Additions over the kernel's header:
 *  - ksft_run_forked() runs a function in a forked child with a watchdog and
 *    classifies how it ended (pass, fail, skip, crash, timeout);
 *  - ksft_report_case() prints the KTAP line for such a run.
 *  kselftest_harness.h runs each of its cases through ksft_run_forked(), so
 *  there is a single fork/timeout implementation.
 *
 * ksft_finished() exits KSFT_FAIL if anything failed (fail, error, xpass) or
 * the plan was not met, KSFT_SKIP if every test that ran was skipped, and
 * KSFT_PASS otherwise.  The kernel's version exits KSFT_PASS when everything
 * was skipped; reporting SKIP instead lets the runner print "# SKIP".
 */
#ifndef SELFTEST_KSELFTEST_H
#define SELFTEST_KSELFTEST_H

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

/* Exit codes understood by kselftest/runner.sh. */
#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_XFAIL	2
#define KSFT_XPASS	3
#define KSFT_SKIP	4

#ifndef __printf
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#endif
#ifndef __noreturn
#define __noreturn	__attribute__((noreturn))
#endif

struct ksft_count {
	unsigned int ksft_pass;
	unsigned int ksft_fail;
	unsigned int ksft_xfail;
	unsigned int ksft_xpass;
	unsigned int ksft_xskip;
	unsigned int ksft_error;
};

/*
 * The plan and the counters are weak definitions rather than statics, so
 * every file of a program shares one copy: a result reported from a
 * library file counts in the totals that main() prints.
 */
extern struct ksft_count ksft_cnt;
extern unsigned int ksft_plan;
struct ksft_count ksft_cnt __attribute__((weak));
unsigned int ksft_plan __attribute__((weak));

/*
 * Set in a ksft_run_forked() child: its parent prints the case's result
 * line, so ksft_exit_skip() and ksft_exit_fail_msg() there print their
 * reason as a comment instead of a result or "Bail out!" line of their own.
 */
extern int ksft_in_forked_case;
int ksft_in_forked_case __attribute__((weak));

static inline unsigned int ksft_test_num(void)
{
	return ksft_cnt.ksft_pass + ksft_cnt.ksft_fail +
	       ksft_cnt.ksft_xfail + ksft_cnt.ksft_xpass +
	       ksft_cnt.ksft_xskip + ksft_cnt.ksft_error;
}

static inline void ksft_inc_pass_cnt(void) { ksft_cnt.ksft_pass++; }
static inline void ksft_inc_fail_cnt(void) { ksft_cnt.ksft_fail++; }
static inline void ksft_inc_xfail_cnt(void) { ksft_cnt.ksft_xfail++; }
static inline void ksft_inc_xpass_cnt(void) { ksft_cnt.ksft_xpass++; }
static inline void ksft_inc_xskip_cnt(void) { ksft_cnt.ksft_xskip++; }
static inline void ksft_inc_error_cnt(void) { ksft_cnt.ksft_error++; }

static inline unsigned int ksft_get_pass_cnt(void) { return ksft_cnt.ksft_pass; }
static inline unsigned int ksft_get_fail_cnt(void) { return ksft_cnt.ksft_fail; }
static inline unsigned int ksft_get_xfail_cnt(void) { return ksft_cnt.ksft_xfail; }
static inline unsigned int ksft_get_xpass_cnt(void) { return ksft_cnt.ksft_xpass; }
static inline unsigned int ksft_get_xskip_cnt(void) { return ksft_cnt.ksft_xskip; }
static inline unsigned int ksft_get_error_cnt(void) { return ksft_cnt.ksft_error; }

/* Print and flush; keeps errno intact so "%m" in a caller's format works. */
static inline void ksft_vprint(const char *prefix, const char *msg, va_list ap)
{
	int saved_errno = errno;

	fputs(prefix, stdout);
	if (msg) {
		errno = saved_errno;
		vprintf(msg, ap);
	}
	fflush(stdout);
	errno = saved_errno;
}

/* Print the KTAP header, unless a parent runner already printed one. */
static inline void ksft_print_header(void)
{
	if (!getenv("KSFT_TAP_LEVEL"))
		printf("TAP version 13\n");
	fflush(stdout);
}

static inline void ksft_set_plan(unsigned int plan)
{
	ksft_plan = plan;
	printf("1..%u\n", plan);
	fflush(stdout);
}

static inline void ksft_print_cnts(void)
{
	if (ksft_plan != ksft_test_num())
		printf("# Planned tests != run tests (%u != %u)\n",
		       ksft_plan, ksft_test_num());
	printf("# Totals: pass:%u fail:%u xfail:%u xpass:%u skip:%u error:%u\n",
	       ksft_cnt.ksft_pass, ksft_cnt.ksft_fail, ksft_cnt.ksft_xfail,
	       ksft_cnt.ksft_xpass, ksft_cnt.ksft_xskip, ksft_cnt.ksft_error);
	fflush(stdout);
}

static inline __printf(1, 2) void ksft_print_msg(const char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	ksft_vprint("# ", msg, ap);
	va_end(ap);
}

static inline void ksft_perror(const char *msg)
{
	int err = errno;

	printf("# %s: %s (%d)\n", msg, strerror(err), err);
	fflush(stdout);
	errno = err;
}

/*
 * Result lines.  The number is that of the result being printed, so the
 * counter is bumped before the line is formatted.
 */
static inline void ksft_result_line(const char *tap, const char *directive,
				    const char *msg, va_list ap)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "%s %u %s", tap, ksft_test_num(),
		 directive);
	ksft_vprint(prefix, msg, ap);
}

static inline __printf(1, 2) void ksft_test_result_pass(const char *msg, ...)
{
	va_list ap;

	ksft_cnt.ksft_pass++;
	va_start(ap, msg);
	ksft_result_line("ok", "", msg, ap);
	va_end(ap);
}

static inline __printf(1, 2) void ksft_test_result_fail(const char *msg, ...)
{
	va_list ap;

	ksft_cnt.ksft_fail++;
	va_start(ap, msg);
	ksft_result_line("not ok", "", msg, ap);
	va_end(ap);
}

static inline __printf(1, 2) void ksft_test_result_xfail(const char *msg, ...)
{
	va_list ap;

	ksft_cnt.ksft_xfail++;
	va_start(ap, msg);
	ksft_result_line("ok", "# XFAIL ", msg, ap);
	va_end(ap);
}

static inline __printf(1, 2) void ksft_test_result_xpass(const char *msg, ...)
{
	va_list ap;

	ksft_cnt.ksft_xpass++;
	va_start(ap, msg);
	ksft_result_line("ok", "# XPASS ", msg, ap);
	va_end(ap);
}

static inline __printf(1, 2) void ksft_test_result_skip(const char *msg, ...)
{
	va_list ap;

	ksft_cnt.ksft_xskip++;
	va_start(ap, msg);
	ksft_result_line("ok", "# SKIP ", msg, ap);
	va_end(ap);
}

static inline __printf(1, 2) void ksft_test_result_error(const char *msg, ...)
{
	va_list ap;

	ksft_cnt.ksft_error++;
	va_start(ap, msg);
	ksft_result_line("not ok", "# error ", msg, ap);
	va_end(ap);
}

/* Pass if cond is true, fail otherwise; same message either way. */
#define ksft_test_result(cond, fmt, ...)			\
	do {							\
		if (cond)					\
			ksft_test_result_pass(fmt, ##__VA_ARGS__); \
		else						\
			ksft_test_result_fail(fmt, ##__VA_ARGS__); \
	} while (0)

static inline void ksft_count_code(int code)
{
	switch (code) {
	case KSFT_PASS:
		ksft_cnt.ksft_pass++;
		break;
	case KSFT_XFAIL:
		ksft_cnt.ksft_xfail++;
		break;
	case KSFT_XPASS:
		ksft_cnt.ksft_xpass++;
		break;
	case KSFT_SKIP:
		ksft_cnt.ksft_xskip++;
		break;
	default:
		ksft_cnt.ksft_fail++;
		break;
	}
}

/* KTAP keyword and directive for a KSFT_* code. */
static inline const char *ksft_code_tap(int code)
{
	switch (code) {
	case KSFT_PASS:
	case KSFT_XFAIL:
	case KSFT_XPASS:
	case KSFT_SKIP:
		return "ok";
	default:
		return "not ok";
	}
}

static inline const char *ksft_code_directive(int code)
{
	switch (code) {
	case KSFT_XFAIL:
		return "XFAIL";
	case KSFT_XPASS:
		return "XPASS";
	case KSFT_SKIP:
		return "SKIP";
	default:
		return NULL;
	}
}

/*
 * One result line for a named test: "ok N name", "not ok N name # msg",
 * "ok N name # SKIP msg".  msg may be NULL; unlike the other result
 * functions, neither test_name nor msg carries the trailing newline.
 */
static inline __printf(3, 4) void ksft_test_result_code(int code,
							 const char *test_name,
							 const char *msg, ...)
{
	const char *directive = ksft_code_directive(code);
	int saved_errno = errno;
	char text[512] = "";
	va_list ap;

	if (msg) {
		va_start(ap, msg);
		vsnprintf(text, sizeof(text), msg, ap);
		va_end(ap);
	}
	ksft_count_code(code);
	printf("%s %u %s", ksft_code_tap(code), ksft_test_num(), test_name);
	if (directive)
		printf(" # %s%s%s", directive, text[0] ? " " : "", text);
	else if (text[0])
		printf(" # %s", text);
	printf("\n");
	fflush(stdout);
	errno = saved_errno;
}

static inline __noreturn void ksft_exit_pass(void)
{
	ksft_print_cnts();
	exit(KSFT_PASS);
}

static inline __noreturn void ksft_exit_fail(void)
{
	ksft_print_cnts();
	exit(KSFT_FAIL);
}

static inline __noreturn void ksft_exit_xfail(void)
{
	ksft_print_cnts();
	exit(KSFT_XFAIL);
}

static inline __noreturn void ksft_exit_xpass(void)
{
	ksft_print_cnts();
	exit(KSFT_XPASS);
}

/* Exit KSFT_PASS if cond is true, KSFT_FAIL otherwise. */
#define ksft_exit(cond)				\
	do {					\
		if (cond)			\
			ksft_exit_pass();	\
		else				\
			ksft_exit_fail();	\
	} while (0)

/* The exit code ksft_finished() would use; see the top of this file. */
static inline int ksft_result_code(void)
{
	unsigned int run = ksft_test_num();

	if (ksft_cnt.ksft_fail || ksft_cnt.ksft_error || ksft_cnt.ksft_xpass)
		return KSFT_FAIL;
	if (ksft_plan != run)
		return KSFT_FAIL;
	if (run && ksft_cnt.ksft_xskip == run)
		return KSFT_SKIP;
	return KSFT_PASS;
}

static inline __noreturn void ksft_finished(void)
{
	ksft_print_cnts();
	exit(ksft_result_code());
}

/* "Bail out!" the whole program: a failure outside of any single test. */
static inline __printf(1, 2) __noreturn void ksft_exit_fail_msg(const char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	ksft_vprint(ksft_in_forked_case ? "# " : "Bail out! ", msg, ap);
	va_end(ap);
	if (!ksft_in_forked_case)
		ksft_print_cnts();
	exit(KSFT_FAIL);
}

/* Fail the whole program with the errno-based reason of msg. */
static inline __noreturn void ksft_exit_fail_perror(const char *msg)
{
	int err = errno;

	ksft_exit_fail_msg("%s: %s (%d)\n", msg, strerror(err), err);
}

/*
 * Skip the whole program.  Before any plan or result this prints
 * "1..0 # SKIP msg", the KTAP way to say "nothing to run here"; afterwards
 * it records one more skipped result so the numbering stays right.
 */
static inline __printf(1, 2) __noreturn void ksft_exit_skip(const char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	if (ksft_in_forked_case) {
		ksft_vprint("# SKIP ", msg, ap);
		va_end(ap);
		exit(KSFT_SKIP);
	}
	if (ksft_plan || ksft_test_num()) {
		char prefix[64];

		ksft_cnt.ksft_xskip++;
		snprintf(prefix, sizeof(prefix), "ok %u # SKIP ", ksft_test_num());
		ksft_vprint(prefix, msg, ap);
	} else {
		ksft_vprint("1..0 # SKIP ", msg, ap);
	}
	va_end(ap);
	if (ksft_test_num())
		ksft_print_cnts();
	exit(KSFT_SKIP);
}

/*
 * ksft_run_forked() - run fn(arg) in a forked child under a watchdog.
 *
 * The child gets its own process group, a line-buffered stdout (so what
 * it printed before a crash or a timeout is not lost), ksft_in_forked_case
 * set (ksft_exit_skip() and ksft_exit_fail_msg() then just print their
 * reason and exit with their code), SIGTERM at its
 * default action and unblocked, and is killed (SIGKILL) if this process
 * dies first.  It runs
 * fn(arg) and exits KSFT_PASS; fn may instead exit() with any KSFT_* code.
 * stdout and stderr are flushed before the fork.
 *
 * If timeout_s is not 0 and the child is still running after timeout_s
 * seconds, its whole process group gets SIGTERM and, 2 seconds later,
 * SIGKILL.  A child that wants to print a diagnosis when it times out (what
 * it was waiting for, the last ring entries, ...) can install a SIGTERM
 * handler; the handler should only use async-signal-safe calls (write(2))
 * and end with _exit(KSFT_FAIL).  The case is a timeout failure however the
 * child then ends.
 *
 * The caller's signal mask and handlers are left as they were.  SIGCHLD
 * being ignored by the caller is undone for the duration of the call, so
 * the child's status can still be collected.
 *
 * Returns the case's KSFT_* code, also stored in st->code when st is not
 * NULL:  the child's exit code when it is one of KSFT_PASS..KSFT_SKIP,
 * KSFT_FAIL for any other exit code, a death by signal or a timeout.
 */
struct ksft_case_status {
	int code;		/* KSFT_* result of the case */
	int exit_status;	/* exit code, or -1 if killed by a signal */
	int signal;		/* signal that killed the child, or 0 */
	int timed_out;		/* the watchdog fired */
	unsigned int timeout_s;	/* the timeout the case ran with, 0: none */
};

/* How long the child has between SIGTERM and SIGKILL after a timeout. */
#define KSFT_KILL_GRACE_MS	2000
/* How long to wait for a SIGKILLed child before giving up on reaping it. */
#define KSFT_REAP_GRACE_MS	5000
/* Polling interval when pidfd_open() is not available. */
#define KSFT_POLL_MS		10

static inline long long ksft_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int ksft_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * Reap pid, waiting at most until deadline_ms (CLOCK_MONOTONIC, ms; a
 * negative deadline waits for ever).  Returns 1 and fills *status if the
 * child was reaped, 0 if the deadline passed, -1 on a waitpid() error.
 */
static inline int ksft_wait_until(pid_t pid, int pidfd, long long deadline_ms,
				  int *status)
{
	for (;;) {
		long long left;
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
		if (r < 0)
			continue;

		left = deadline_ms < 0 ? 1000 : deadline_ms - ksft_now_ms();
		if (left <= 0)
			return 0;
		if (pidfd >= 0) {
			struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

			poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
		} else {
			struct timespec ts = { 0, KSFT_POLL_MS * 1000000L };

			if (left < KSFT_POLL_MS)
				ts.tv_nsec = left * 1000000L;
			nanosleep(&ts, NULL);
		}
	}
}

static inline void ksft_kill_case(pid_t pid, int sig)
{
	/* The group, and the child itself in case setpgid() lost a race. */
	kill(-pid, sig);
	kill(pid, sig);
}

static inline __noreturn void ksft_forked_child(void (*fn)(void *arg), void *arg,
						 pid_t parent)
{
	sigset_t term;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(KSFT_FAIL);
	ksft_in_forked_case = 1;
	/* Whole lines survive a crash or a kill, even behind a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &term, NULL);

	fn(arg);
	exit(KSFT_PASS);
}

/* Classify how the child ended into st. */
static inline void ksft_classify(int status, struct ksft_case_status *st)
{
	if (WIFEXITED(status)) {
		st->exit_status = WEXITSTATUS(status);
		st->code = st->exit_status <= KSFT_SKIP ? st->exit_status : KSFT_FAIL;
	} else if (WIFSIGNALED(status)) {
		st->signal = WTERMSIG(status);
		st->code = KSFT_FAIL;
	}
	if (st->timed_out)
		st->code = KSFT_FAIL;
}

/* The watchdog: wait, then SIGTERM, then SIGKILL, never for ever. */
static inline int ksft_watch(pid_t pid, unsigned int timeout_s,
			     struct ksft_case_status *st, int *status)
{
	int pidfd = ksft_pidfd_open(pid);
	long long deadline = timeout_s ? ksft_now_ms() + timeout_s * 1000LL : -1;
	int r;

	r = ksft_wait_until(pid, pidfd, deadline, status);
	if (r == 0) {
		st->timed_out = 1;
		ksft_kill_case(pid, SIGTERM);
		r = ksft_wait_until(pid, pidfd,
				    ksft_now_ms() + KSFT_KILL_GRACE_MS, status);
	}
	if (r == 0) {
		ksft_kill_case(pid, SIGKILL);
		r = ksft_wait_until(pid, pidfd,
				    ksft_now_ms() + KSFT_REAP_GRACE_MS, status);
		if (r == 0)
			printf("# ksft_run_forked: pid %d did not die after SIGKILL, not reaped\n",
			       (int)pid);
	}
	if (pidfd >= 0)
		close(pidfd);
	return r;
}

static inline int ksft_run_forked(void (*fn)(void *arg), void *arg,
				  unsigned int timeout_s,
				  struct ksft_case_status *st)
{
	struct ksft_case_status local;
	struct sigaction old_chld, dfl_chld;
	int restore_chld = 0;
	pid_t parent = getpid();
	int status = 0;
	pid_t pid;

	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	st->code = KSFT_FAIL;
	st->exit_status = -1;
	st->timeout_s = timeout_s;

	/* An ignored SIGCHLD would let the kernel reap the child for us. */
	sigaction(SIGCHLD, NULL, &old_chld);
	if (old_chld.sa_handler == SIG_IGN || (old_chld.sa_flags & SA_NOCLDWAIT)) {
		memset(&dfl_chld, 0, sizeof(dfl_chld));
		dfl_chld.sa_handler = SIG_DFL;
		sigaction(SIGCHLD, &dfl_chld, NULL);
		restore_chld = 1;
	}

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0)
		ksft_forked_child(fn, arg, parent);
	if (pid < 0) {
		printf("# ksft_run_forked: fork: %s\n", strerror(errno));
	} else {
		setpgid(pid, pid);
		if (ksft_watch(pid, timeout_s, st, &status) > 0)
			ksft_classify(status, st);
		else
			st->code = KSFT_FAIL;
	}

	if (restore_chld)
		sigaction(SIGCHLD, &old_chld, NULL);
	fflush(stdout);
	return st->code;
}

/* "SIGSEGV" for SIGSEGV; NULL for a signal without a known name. */
static inline const char *ksft_signame(int sig)
{
	switch (sig) {
	case SIGHUP: return "SIGHUP";
	case SIGINT: return "SIGINT";
	case SIGQUIT: return "SIGQUIT";
	case SIGILL: return "SIGILL";
	case SIGTRAP: return "SIGTRAP";
	case SIGABRT: return "SIGABRT";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGKILL: return "SIGKILL";
	case SIGUSR1: return "SIGUSR1";
	case SIGSEGV: return "SIGSEGV";
	case SIGUSR2: return "SIGUSR2";
	case SIGPIPE: return "SIGPIPE";
	case SIGALRM: return "SIGALRM";
	case SIGTERM: return "SIGTERM";
	case SIGXCPU: return "SIGXCPU";
	case SIGXFSZ: return "SIGXFSZ";
	case SIGSYS: return "SIGSYS";
	default: return NULL;
	}
}

/*
 * The KTAP line for a case run by ksft_run_forked(), with an optional
 * reason (NULL: none).  Used by ksft_report_case() and the harness.
 */
static inline void ksft_report_case_reason(int code,
					   const struct ksft_case_status *st,
					   const char *name, const char *reason)
{
	const char *signame;

	if (code != KSFT_FAIL || !st) {
		ksft_test_result_code(code, name, reason ? "%s" : NULL, reason);
		return;
	}
	if (st->timed_out) {
		ksft_test_result_code(code, name, "TIMEOUT %u seconds",
				      st->timeout_s);
		return;
	}
	if (st->signal) {
		signame = ksft_signame(st->signal);
		if (signame)
			ksft_test_result_code(code, name, "killed by signal %s",
					      signame);
		else
			ksft_test_result_code(code, name, "killed by signal %d",
					      st->signal);
		return;
	}
	if (st->exit_status > KSFT_SKIP) {
		ksft_test_result_code(code, name, "exit=%d", st->exit_status);
		return;
	}
	ksft_test_result_code(code, name, reason ? "%s" : NULL, reason);
}

/*
 * ksft_report_case() - print and count the KTAP line of a forked case.
 * @code: the value ksft_run_forked() returned
 * @st: its status (may be NULL: plain ok/not ok)
 * @fmt: printf format of the case name; a trailing newline is dropped
 *
 *	ok 1 name
 *	ok 2 name # SKIP
 *	ok 3 name # XFAIL
 *	not ok 4 name
 *	not ok 5 name # TIMEOUT 10 seconds
 *	not ok 6 name # killed by signal SIGSEGV
 *	not ok 7 name # exit=42
 */
static inline __printf(3, 4) void ksft_report_case(int code,
						    const struct ksft_case_status *st,
						    const char *fmt, ...)
{
	char name[512];
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	len = strlen(name);
	if (len && name[len - 1] == '\n')
		name[len - 1] = '\0';
	ksft_report_case_reason(code, st, name, NULL);
}

#endif /* SELFTEST_KSELFTEST_H */
