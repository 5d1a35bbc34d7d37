/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kselftest_forked.h: run one case of a selftest in a forked child under a
 * watchdog, and print its KTAP line.
 *
 *	struct ksft_case_status st;
 *	int code = ksft_run_forked(run_case, &args, 30, &st);
 *
 *	ksft_report_case(code, &st, "cpl3 %s", name);
 *
 * prints "ok 3 cpl3 name", "ok 3 cpl3 name # SKIP", "not ok 3 cpl3 name #
 * TIMEOUT 30 seconds", "not ok 3 cpl3 name # killed by signal SIGSEGV", ...
 *
 * Header-only, and built on nothing but the kselftest.h API that the
 * kernel's own header has had since 6.1 (the KSFT_* codes, ksft_test_num(),
 * ksft_inc_*_cnt()), so it works with this repository's kselftest.h and with
 * a kernel tree's.  It lives with the KVM tests because that directory must
 * build on its own inside a kernel tree; the framework's
 * kselftest_harness.h runs its cases through it too, so there is one fork
 * and watchdog implementation.
 *
 * A program deadline (ksft_set_deadline()) bounds the whole run: no case
 * runs past it, a case it cuts short is "not ok N name # TIMEOUT program
 * deadline S seconds", and a case started after it is "not ok N name #
 * program deadline S seconds passed, not run".  A parent stuck outside its
 * cases is ended by a backstop alarm a little later ("Bail out!").
 *
 * A case skips or fails with ksft_case_exit_skip() / exit(KSFT_FAIL): the
 * kernel's ksft_exit_skip() and ksft_exit_fail_msg() print result or
 * "Bail out!" lines of their own, which a case must not.
 */
#ifndef SELFTEST_KSELFTEST_FORKED_H
#define SELFTEST_KSELFTEST_FORKED_H

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

#include "kselftest.h"

/*
 * Shared by every file of the program, defined once in it (kvm/lib/test_util.c
 * for the KVM tests, kselftest_harness.h for a harness test):
 * ksft_in_forked_case is set in a ksft_run_forked() child (its parent prints
 * the case's result line); ksft_deadline_ms is the program deadline
 * (CLOCK_MONOTONIC, ms; 0: none) and ksft_deadline_s its length in seconds.
 */
extern int ksft_in_forked_case;
extern long long ksft_deadline_ms;
extern unsigned int ksft_deadline_s;

/*
 * ksft_vscnprintf() - vsnprintf() into buf[size] that returns what it wrote,
 * at most size - 1 characters (0 if size is 0), never what it would have
 * written: a message built in parts, each at buf + len in size - len, is cut
 * at the end of buf instead of running past it.  The one formatter of this
 * framework and of the KVM library (as the kernel's vscnprintf());
 * ksft_scnprintf() takes the arguments themselves.
 */
static inline __attribute__((format(printf, 3, 0)))
size_t ksft_vscnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	int n;

	if (!size)
		return 0;
	n = vsnprintf(buf, size, fmt, ap);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n < size ? (size_t)n : size - 1;
}

static inline __attribute__((format(printf, 3, 4)))
size_t ksft_scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = ksft_vscnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/*
 * Skip: in a ksft_run_forked() child, print "# SKIP reason" and end the
 * case with KSFT_SKIP (the parent prints "ok N name # SKIP"); elsewhere
 * ksft_exit_skip(), which skips the whole program.  ksft_case_skip_msg()
 * takes the message formatted.
 */
static inline __attribute__((noreturn)) void ksft_case_skip_msg(const char *msg)
{
	if (!ksft_in_forked_case)
		ksft_exit_skip("%s", msg);
	printf("# SKIP %s", msg);
	fflush(stdout);
	exit(KSFT_SKIP);
}

static inline __attribute__((format(printf, 1, 2), noreturn))
void ksft_case_exit_skip(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	ksft_vscnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ksft_case_skip_msg(msg);
}

/*
 * ksft_run_forked() - run fn(arg) in a forked child under a watchdog.
 *
 * The child gets its own process group, a line-buffered stdout (so what
 * it printed before a crash or a timeout is not lost), ksft_in_forked_case
 * set, SIGTERM at its default action and unblocked, and is killed
 * (SIGKILL) if this process dies first.  It runs fn(arg) and exits
 * KSFT_PASS; fn may instead exit() with any KSFT_* code.
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
	int deadline;		/* ... at the program deadline */
	int not_run;		/* the program deadline had passed: not run */
	unsigned int timeout_s;	/* the timeout the case ran with, 0: none */
};

/* How long the child has between SIGTERM and SIGKILL after a timeout. */
#define KSFT_KILL_GRACE_MS	2000
/* How long to wait for a SIGKILLed child before giving up on reaping it. */
#define KSFT_REAP_GRACE_MS	5000
/* Polling interval when pidfd_open() is not available. */
#define KSFT_POLL_MS		10
/* The backstop alarm: this long after the program deadline. */
#define KSFT_BACKSTOP_S		((KSFT_KILL_GRACE_MS + KSFT_REAP_GRACE_MS) / 1000 + 3)

static inline long long ksft_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char ksft_backstop_msg[128];

static inline void ksft_backstop(int sig)
{
	ssize_t r;

	(void)sig;
	r = write(STDOUT_FILENO, ksft_backstop_msg, strlen(ksft_backstop_msg));
	(void)r;
	_exit(KSFT_FAIL);
}

/*
 * ksft_set_deadline() - end the program's run seconds from now (0: never).
 * @what: names the program in the backstop's "Bail out!" line
 *
 * Cases run by ksft_run_forked() from now on are cut short at the deadline.
 * The program itself gets SIGALRM KSFT_BACKSTOP_S seconds after it, which
 * prints "Bail out! ..." and exits KSFT_FAIL: a program must not use
 * alarm() or SIGALRM itself once it has a deadline.
 */
static inline void ksft_set_deadline(unsigned int seconds, const char *what)
{
	ksft_deadline_s = seconds;
	ksft_deadline_ms = seconds ? ksft_now_ms() + seconds * 1000LL : 0;
	if (!seconds) {
		alarm(0);
		return;
	}
	snprintf(ksft_backstop_msg, sizeof(ksft_backstop_msg),
		 "Bail out! %s: still running %u s after its %u s deadline\n",
		 what, (unsigned int)KSFT_BACKSTOP_S, seconds);
	signal(SIGALRM, ksft_backstop);
	alarm(seconds + KSFT_BACKSTOP_S);
}

/* Whether the program deadline has passed. */
static inline int ksft_deadline_passed(void)
{
	return ksft_deadline_ms && ksft_now_ms() >= ksft_deadline_ms;
}

/*
 * The runner's timeout for this program: KSELFTEST_TIMEOUT (the runner's
 * override) when set, else settings_s, the "timeout=" of the settings file
 * the program was built with.  0 means none; a malformed value is ignored.
 */
static inline unsigned int ksft_runner_timeout(unsigned int settings_s)
{
	const char *env = getenv("KSELFTEST_TIMEOUT");
	unsigned long v;
	char *end;

	if (!env || !*env)
		return settings_s;
	errno = 0;
	v = strtoul(env, &end, 10);
	if (errno || *end || v > 86400)
		return settings_s;
	return (unsigned int)v;
}

/*
 * The deadline to set for a runner timeout: far enough below it that the
 * case cut short is killed and reported, and the remaining cases are
 * reported as not run, before the runner's own kill.
 */
static inline unsigned int ksft_deadline_below(unsigned int runner_s)
{
	unsigned int margin = runner_s / 10 > KSFT_BACKSTOP_S + 2 ?
			      runner_s / 10 : KSFT_BACKSTOP_S + 2;

	if (!runner_s)
		return 0;
	return runner_s > margin + 1 ? runner_s - margin : 1;
}

static inline int ksft_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;	/* the caller polls instead */
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

static inline __attribute__((noreturn))
void ksft_forked_child(void (*fn)(void *arg), void *arg, pid_t parent)
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
	/* The backstop is the parent's; the child has the watchdog. */
	signal(SIGALRM, SIG_DFL);

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
static inline int ksft_watch(pid_t pid, long long timeout_ms,
			     struct ksft_case_status *st, int *status)
{
	int pidfd = ksft_pidfd_open(pid);
	long long deadline = timeout_ms ? ksft_now_ms() + timeout_ms : -1;
	int cut = 0;
	int r;

	if (ksft_deadline_ms && (deadline < 0 || ksft_deadline_ms < deadline)) {
		deadline = ksft_deadline_ms;
		cut = 1;
	}
	r = ksft_wait_until(pid, pidfd, deadline, status);
	if (r == 0) {
		st->timed_out = 1;
		st->deadline = cut;
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

/* ksft_run_forked() with a timeout in milliseconds (0: none). */
static inline int ksft_run_forked_ms(void (*fn)(void *arg), void *arg,
				     unsigned int timeout_ms,
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
	st->timeout_s = (timeout_ms + 999) / 1000;
	if (ksft_deadline_passed()) {
		st->timed_out = st->deadline = st->not_run = 1;
		return st->code;
	}

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
		if (ksft_watch(pid, timeout_ms, st, &status) > 0)
			ksft_classify(status, st);
		else
			st->code = KSFT_FAIL;
	}

	if (restore_chld)
		sigaction(SIGCHLD, &old_chld, NULL);
	fflush(stdout);
	return st->code;
}

static inline int ksft_run_forked(void (*fn)(void *arg), void *arg,
				  unsigned int timeout_s,
				  struct ksft_case_status *st)
{
	return ksft_run_forked_ms(fn, arg, timeout_s * 1000, st);
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
 * Count the result and print "ok N name", "ok N name # SKIP reason",
 * "not ok N name # reason" (reason may be NULL).
 */
static inline void ksft_case_result(int code, const char *name, const char *reason)
{
	const char *tap = "ok", *directive = NULL;

	switch (code) {
	case KSFT_PASS:
		ksft_inc_pass_cnt();
		break;
	case KSFT_XFAIL:
		ksft_inc_xfail_cnt();
		directive = "XFAIL";
		break;
	case KSFT_XPASS:
		ksft_inc_xpass_cnt();
		directive = "XPASS";
		break;
	case KSFT_SKIP:
		ksft_inc_xskip_cnt();
		directive = "SKIP";
		break;
	default:
		ksft_inc_fail_cnt();
		tap = "not ok";
		break;
	}
	printf("%s %u %s", tap, ksft_test_num(), name);
	if (directive)
		printf(" # %s%s%s", directive, reason ? " " : "", reason ? reason : "");
	else if (reason)
		printf(" # %s", reason);
	printf("\n");
	fflush(stdout);
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
	char why[80];

	if (code == KSFT_FAIL && st && st->not_run) {
		snprintf(why, sizeof(why), "program deadline %u seconds passed, not run",
			 ksft_deadline_s);
		reason = why;
	} else if (code == KSFT_FAIL && st && st->deadline) {
		snprintf(why, sizeof(why), "TIMEOUT program deadline %u seconds",
			 ksft_deadline_s);
		reason = why;
	} else if (code == KSFT_FAIL && st && st->timed_out) {
		snprintf(why, sizeof(why), "TIMEOUT %u seconds", st->timeout_s);
		reason = why;
	} else if (code == KSFT_FAIL && st && st->signal) {
		signame = ksft_signame(st->signal);
		if (signame)
			snprintf(why, sizeof(why), "killed by signal %s", signame);
		else
			snprintf(why, sizeof(why), "killed by signal %d", st->signal);
		reason = why;
	} else if (code == KSFT_FAIL && st && st->exit_status > KSFT_SKIP) {
		snprintf(why, sizeof(why), "exit=%d", st->exit_status);
		reason = why;
	}
	ksft_case_result(code, name, reason);
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
 *	not ok 8 name # TIMEOUT program deadline 108 seconds
 *	not ok 9 name # program deadline 108 seconds passed, not run
 */
static inline __attribute__((format(printf, 3, 4)))
void ksft_report_case(int code, const struct ksft_case_status *st, const char *fmt, ...)
{
	char name[512];
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	len = ksft_vscnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (len && name[len - 1] == '\n')
		name[len - 1] = '\0';
	ksft_report_case_reason(code, st, name, NULL);
}

#endif /* SELFTEST_KSELFTEST_FORKED_H */
