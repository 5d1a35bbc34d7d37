// SPDX-License-Identifier: GPL-2.0-only
/*
 * Watching the host kernel for WARNING/BUG/Oops during a case (host_harm.h).
 */
#include <fcntl.h>
#include <unistd.h>

#include "host_harm.h"

#define KMSG_RECORD_MAX		8192	/* a /dev/kmsg read returns one whole record */

static bool read_taint(const char *path, unsigned long *taint, int *err)
{
	char buf[64], *end;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*err = errno;
		return false;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	*err = n < 0 ? errno : EINVAL;
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	errno = 0;
	*taint = strtoul(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		return false;
	*err = 0;
	return true;
}

void host_harm_begin(struct host_harm_watch *w, const char *kmsg_path,
		     const char *tainted_path)
{
	memset(w, 0, sizeof(*w));
	w->kmsg_path = kmsg_path ? kmsg_path : HOST_KMSG_PATH;
	w->tainted_path = tainted_path ? tainted_path : HOST_TAINTED_PATH;
	w->kmsg_fd = open(w->kmsg_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (w->kmsg_fd >= 0 && lseek(w->kmsg_fd, 0, SEEK_END) < 0) {
		w->kmsg_errno = errno;
		close(w->kmsg_fd);
		w->kmsg_fd = -1;
	} else if (w->kmsg_fd < 0) {
		w->kmsg_errno = errno;
	}
	w->taint_known = read_taint(w->tainted_path, &w->taint_before, &w->taint_errno);
}

bool host_harm_is_harm_line(const char *msg)
{
	return !strncmp(msg, "WARNING:", 8) || !strncmp(msg, "BUG:", 4) ||
	       !strncmp(msg, "Oops", 4) || strstr(msg, "kernel BUG at") ||
	       strstr(msg, "general protection fault");
}

/*
 * One line of the log: a /dev/kmsg record ("prio,seq,time,flags;text") or a
 * plain line; continuation lines (" KEY=value") are not messages.
 */
static void log_line(char *line, const char *ctx, struct host_harm_report *r)
{
	const char *msg = strchr(line, ';');

	if (line[0] == ' ' || !line[0])
		return;
	msg = msg ? msg + 1 : line;
	if (!host_harm_is_harm_line(msg))
		return;
	ksft_print_msg("[%s] kernel log: %s\n", ctx, msg);
	r->log_lines++;
}

/* Every line appended to the log since begin; whole lines only. */
static void read_log(struct host_harm_watch *w, const char *ctx, struct host_harm_report *r)
{
	char buf[KMSG_RECORD_MAX + 1];
	size_t have = 0;

	for (;;) {
		char *line, *nl;
		ssize_t n = read(w->kmsg_fd, buf + have, KMSG_RECORD_MAX - have);

		if (n < 0 && errno == EPIPE) {	/* records overwritten: go on */
			r->log_lost++;
			continue;
		}
		if (n <= 0)
			break;
		have += n;
		buf[have] = '\0';
		for (line = buf; (nl = strchr(line, '\n')); line = nl + 1) {
			*nl = '\0';
			log_line(line, ctx, r);
		}
		have -= line - buf;
		memmove(buf, line, have);
		if (have == KMSG_RECORD_MAX) {	/* a line longer than the buffer */
			buf[have] = '\0';
			log_line(buf, ctx, r);
			have = 0;
		}
	}
	if (have) {
		buf[have] = '\0';
		log_line(buf, ctx, r);
	}
}

static void taint_letters(unsigned long taint, char *out)
{
	*out = '\0';
	if (taint & TAINT_DIE)
		strcat(out, "D");
	if (taint & TAINT_WARN)
		strcat(out, "W");
}

static void judge(const struct host_harm_watch *w, bool taint_after_known, int after_errno,
		  struct host_harm_report *r)
{
	unsigned long new_taint = 0;
	char letters[4];
	int len;

	if (w->taint_known && taint_after_known)
		new_taint = r->taint_after & ~r->taint_before & HARM_TAINTS;
	if (r->log_lines || new_taint) {
		r->verdict = HARM_FOUND;
		taint_letters(new_taint, letters);
		if (r->log_lines)
			len = snprintf(r->why, sizeof(r->why), HARM_LOG_LINES_FMT, r->log_lines);
		else
			len = snprintf(r->why, sizeof(r->why),
				       "the host kernel was tainted during the case, with no WARNING/BUG/Oops line read from its log");
		if (new_taint && len < (int)sizeof(r->why))
			snprintf(r->why + len, sizeof(r->why) - len,
				 "; taint flags %#lx -> %#lx (new: %s)", r->taint_before,
				 r->taint_after, letters);
		return;
	}
	if (!w->taint_known || !taint_after_known) {
		r->verdict = HARM_BLIND;
		snprintf(r->why, sizeof(r->why),
			 "harm check blind: the taint flags cannot be read (%s: %s), so an earlier WARN cannot be ruled out",
			 w->tainted_path, strerror(w->taint_known ? after_errno : w->taint_errno));
	} else if (r->taint_before & TAINT_WARN) {
		r->verdict = HARM_BLIND;
		snprintf(r->why, sizeof(r->why), HARM_BLIND_WARN);
	} else if (w->kmsg_fd < 0 && (r->taint_before & TAINT_DIE)) {
		r->verdict = HARM_BLIND;
		snprintf(r->why, sizeof(r->why),
			 "harm check blind: kernel log unreadable and kernel already tainted by an earlier BUG/Oops");
	} else {
		r->verdict = HARM_NONE;
	}
}

void host_harm_end(struct host_harm_watch *w, const char *ctx, struct host_harm_report *r)
{
	bool after_known;
	int after_errno = 0;

	memset(r, 0, sizeof(*r));
	if (w->kmsg_fd >= 0) {
		read_log(w, ctx, r);
		close(w->kmsg_fd);
		w->kmsg_fd = -1;
	} else {
		ksft_print_msg("[%s] kernel log unreadable (%s: %s): judged by the taint flags alone\n",
			       ctx, w->kmsg_path, strerror(w->kmsg_errno));
	}
	if (r->log_lost)
		ksft_print_msg("[%s] kernel log: %u records overwritten before they were read\n",
			       ctx, r->log_lost);
	after_known = read_taint(w->tainted_path, &r->taint_after, &after_errno);
	r->taint_before = w->taint_before;
	judge(w, after_known, after_errno, r);
	if (r->verdict == HARM_BLIND)
		ksft_print_msg("[%s] %s (taint flags %#lx before the case)\n", ctx, r->why,
			       r->taint_before);
}

int host_harm_case_code(int code, const struct host_harm_report *r)
{
	if (r->verdict == HARM_FOUND)
		return KSFT_FAIL;
	if (code == KSFT_PASS && r->verdict == HARM_BLIND)
		return KSFT_SKIP;
	return code;
}
