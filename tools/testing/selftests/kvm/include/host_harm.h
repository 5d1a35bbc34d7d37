/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Harm to the host kernel during a test case: a WARNING, BUG or Oops.
 *
 * Two witnesses, read before and after the case:
 *   - the kernel log (/dev/kmsg, root or CAP_SYSLOG): every WARNING/BUG/Oops
 *     line logged meanwhile is printed and counted;
 *   - the taint flags (/proc/sys/kernel/tainted, world-readable): a WARN sets
 *     TAINT_WARN, bit 9 ('W'), and a BUG or Oops sets TAINT_DIE, bit 7 ('D')
 *     (Documentation/admin-guide/tainted-kernels.rst); they stay set until
 *     reboot.
 * A new line or a new W/D bit is harm.  A kernel that was already W-tainted
 * before the case leaves the check blind: a WARN_ON_ONCE() that fired
 * earlier in this boot cannot fire again, so KVM could hit it once more
 * without a trace.  The case then cannot claim a clean pass.  The watch
 * covers every task of the host, not only the test's.
 */
#ifndef SELFTEST_KVM_HOST_HARM_H
#define SELFTEST_KVM_HOST_HARM_H

#include "test_util.h"

#define HOST_KMSG_PATH		"/dev/kmsg"
#define HOST_TAINTED_PATH	"/proc/sys/kernel/tainted"
#define TAINT_DIE		(1ul << 7)
#define TAINT_WARN		(1ul << 9)
#define HARM_TAINTS		(TAINT_DIE | TAINT_WARN)

/* The failure wording CI's known-issues entries match on: keep it stable. */
#define HARM_LOG_LINES_FMT \
	"the host kernel logged %u WARNING/BUG/Oops lines during the case (printed above)"
#define HARM_BLIND_WARN		"harm check blind: kernel already tainted by an earlier WARN"

struct host_harm_watch {
	const char *kmsg_path, *tainted_path;
	int kmsg_fd;			/* -1: the log cannot be read */
	int kmsg_errno;
	bool taint_known;
	int taint_errno;
	unsigned long taint_before;
};

enum host_harm_verdict {
	HARM_NONE,	/* nothing logged or tainted, and the check could see */
	HARM_FOUND,	/* a WARNING/BUG/Oops line or a new W/D taint */
	HARM_BLIND,	/* nothing seen, but the check could not have seen it */
};

struct host_harm_report {
	enum host_harm_verdict verdict;
	u32 log_lines;			/* WARNING/BUG/Oops lines during the watch */
	u32 log_lost;			/* records overwritten before they were read */
	unsigned long taint_before, taint_after;
	char why[320];			/* FOUND or BLIND: one line saying why */
};

/*
 * Start watching.  NULL paths mean HOST_KMSG_PATH and HOST_TAINTED_PATH;
 * the unit test passes files of its own.
 */
void host_harm_begin(struct host_harm_watch *w, const char *kmsg_path,
		     const char *tainted_path);

/*
 * Stop watching: print each WARNING/BUG/Oops line as "# [ctx] kernel log:
 * <line>", and notes on what could not be read, then judge into *r.
 */
void host_harm_end(struct host_harm_watch *w, const char *ctx, struct host_harm_report *r);

/*
 * The KSFT code of a harm-sensitive case from the code of its other checks
 * and the harm report: harm fails the case whatever else happened; a case
 * that failed or skipped keeps its code; a pass with a blind harm check is
 * a SKIP (r->why is the reason).
 */
int host_harm_case_code(int code, const struct host_harm_report *r);

/* Whether a kernel log message is a WARNING, BUG or Oops line. */
bool host_harm_is_harm_line(const char *msg);

#endif /* SELFTEST_KVM_HOST_HARM_H */
