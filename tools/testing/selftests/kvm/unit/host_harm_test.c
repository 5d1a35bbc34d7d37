// SPDX-License-Identifier: GPL-2.0-only
/*
 * host_harm_test: unit test of the host kernel harm watch (host_harm.h),
 * fed a fake taint file and a fake kernel log.
 *
 * The watch is what tells a KVM test that the host kernel WARNed; on a
 * host whose kernel is already WARN-tainted it is what says that the test
 * cannot tell.  Each case writes the "before" state, begins, appends log
 * lines or changes the taint as the kernel would during a case, ends, and
 * checks the verdict, the reason and the case code it gives:
 *   - nothing new: no harm, the case keeps its code;
 *   - a WARNING, a BUG, an Oops, a general protection fault line: harm, in
 *     the wording CI's known issues match on;
 *   - a new W or D taint bit without a log line (log unreadable or lost):
 *     harm;
 *   - W already set before: blind; a pass becomes SKIP with the reason, a
 *     failure stays a failure; a new WARNING line still fails it;
 *   - the taint flags unreadable: blind;
 *   - lines logged before the watch, continuation lines and a WARNING in
 *     the middle of a line are not harm.
 */
#include <fcntl.h>
#include <unistd.h>

#include "host_harm.h"

struct fake_host {
	char dir[256], kmsg[300], tainted[300];
};

static void write_file(const char *path, const char *text, bool append)
{
	FILE *f = fopen(path, append ? "a" : "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		ksft_exit_fail_msg("%s: %s\n", path, strerror(errno));
}

static void fake_host_init(struct fake_host *h, const char *taint, const char *log)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(h->dir, sizeof(h->dir), "%s/host_harm_test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(h->dir))
		ksft_exit_fail_msg("mkdtemp: %s\n", strerror(errno));
	snprintf(h->kmsg, sizeof(h->kmsg), "%s/kmsg", h->dir);
	snprintf(h->tainted, sizeof(h->tainted), "%s/tainted", h->dir);
	write_file(h->tainted, taint, false);
	write_file(h->kmsg, log, false);
}

static void fake_host_fini(struct fake_host *h)
{
	unlink(h->kmsg);
	unlink(h->tainted);
	rmdir(h->dir);
}

struct expect {
	enum host_harm_verdict verdict;
	u32 log_lines;
	const char *why;	/* exact reason, or NULL: none checked */
	const char *why_has;	/* a part of the reason, or NULL */
	int pass_becomes;	/* host_harm_case_code(KSFT_PASS, ...) */
};

static bool check(const char *name, const struct host_harm_report *r, const struct expect *e)
{
	bool ok = r->verdict == e->verdict && r->log_lines == e->log_lines &&
		  (!e->why || !strcmp(r->why, e->why)) &&
		  (!e->why_has || strstr(r->why, e->why_has)) &&
		  host_harm_case_code(KSFT_PASS, r) == e->pass_becomes &&
		  host_harm_case_code(KSFT_FAIL, r) == KSFT_FAIL &&
		  host_harm_case_code(KSFT_SKIP, r) ==
			(e->verdict == HARM_FOUND ? KSFT_FAIL : KSFT_SKIP);

	if (!ok)
		ksft_print_msg("%s: verdict %d, %u lines, why '%s'; expected verdict %d, %u lines, why '%s'/'%s'\n",
			       name, r->verdict, r->log_lines, r->why, e->verdict, e->log_lines,
			       e->why ? e->why : "", e->why_has ? e->why_has : "");
	return ok;
}

/*
 * One case: the host before (taint flags, log), then what happens during
 * the watch (log lines appended, new taint flags; NULL: unchanged).
 */
static void run(const char *name, const char *taint_before, const char *log_during,
		const char *taint_after, const struct expect *e)
{
	static const char earlier[] =
		"4,100,5000,-;WARNING: CPU: 0 PID: 1 at virt/kvm/dirty_ring.c:225 kvm_dirty_ring_push\n";
	struct host_harm_watch w;
	struct host_harm_report r;
	struct fake_host h;

	fake_host_init(&h, taint_before, earlier);
	host_harm_begin(&w, h.kmsg, h.tainted);
	if (log_during)
		write_file(h.kmsg, log_during, true);
	if (taint_after)
		write_file(h.tainted, taint_after, false);
	host_harm_end(&w, name, &r);
	ksft_test_result(check(name, &r, e), "%s\n", name);
	fake_host_fini(&h);
}

static const char warn_line[] =
	"4,200,9000,-;------------[ cut here ]------------\n"
	"4,201,9001,-;WARNING: CPU: 1 PID: 77 at virt/kvm/dirty_ring.c:179 kvm_dirty_ring_push+0xe2/0xf0\n"
	" SUBSYSTEM=kvm\n";

static void test_unreadable(void)
{
	const struct expect clean = { HARM_NONE, 0, "", NULL, KSFT_PASS };
	const struct expect oops = { HARM_FOUND, 0, NULL, "(new: D)", KSFT_FAIL };
	const struct expect blind = { HARM_BLIND, 0, NULL, "harm check blind: the taint flags cannot be read",
				      KSFT_SKIP };
	struct host_harm_watch w;
	struct host_harm_report r;
	struct fake_host h;

	fake_host_init(&h, "0\n", "");
	host_harm_begin(&w, "/nonexistent/kmsg", h.tainted);
	host_harm_end(&w, "log unreadable", &r);
	ksft_test_result(check("log unreadable", &r, &clean), "log_unreadable_taint_clean\n");
	host_harm_begin(&w, "/nonexistent/kmsg", h.tainted);
	write_file(h.tainted, "128\n", false);
	host_harm_end(&w, "log unreadable, oops", &r);
	ksft_test_result(check("log unreadable, oops", &r, &oops), "log_unreadable_new_die_taint\n");
	host_harm_begin(&w, h.kmsg, "/nonexistent/tainted");
	host_harm_end(&w, "taint unreadable", &r);
	ksft_test_result(check("taint unreadable", &r, &blind), "taint_unreadable_is_blind\n");
	fake_host_fini(&h);
}

int main(void)
{
	const struct expect clean = { HARM_NONE, 0, "", NULL, KSFT_PASS };
	const struct expect one_warn = {
		HARM_FOUND, 1,
		"the host kernel logged 1 WARNING/BUG/Oops lines during the case (printed above)",
		NULL, KSFT_FAIL,
	};
	const struct expect warn_and_taint = {
		HARM_FOUND, 1, NULL,
		"the host kernel logged 1 WARNING/BUG/Oops lines during the case (printed above); taint flags 0x1000 -> 0x1200 (new: W)",
		KSFT_FAIL,
	};
	const struct expect taint_only = { HARM_FOUND, 0, NULL, "(new: W)", KSFT_FAIL };
	const struct expect four = { HARM_FOUND, 4, NULL, "logged 4 WARNING/BUG/Oops lines",
				     KSFT_FAIL };
	const struct expect blind = { HARM_BLIND, 0, HARM_BLIND_WARN, NULL, KSFT_SKIP };
	const struct expect blind_but_warned = { HARM_FOUND, 1, NULL, "logged 1 WARNING",
						 KSFT_FAIL };

	ksft_print_header();
	ksft_set_plan(14);
	run("nothing_new", "0\n", NULL, NULL, &clean);
	run("benign_lines_and_other_taint", "4096\n",
	    "6,300,9100,-;kvm: some note\n"
	    "4,301,9101,-;Speculative Return Stack Overflow: WARNING: See the docs\n"
	    " DEVICE=+kvm:0\n", "4097\n", &clean);
	run("warning_line", "0\n", warn_line, NULL, &one_warn);
	run("warning_line_and_taint", "4096\n", warn_line, "4608\n", &warn_and_taint);
	run("taint_without_line", "0\n", NULL, "512\n", &taint_only);
	run("bug_oops_gpf_lines", "0\n",
	    "1,400,9200,-;BUG: unable to handle page fault for address: ffff\n"
	    "4,401,9201,-;Oops: 0002 [#1] SMP PTI\n"
	    "4,402,9202,-;kernel BUG at arch/x86/kvm/mmu/mmu.c:1234!\n"
	    "4,403,9203,-;general protection fault, probably for non-canonical address\n",
	    NULL, &four);
	run("bug_line_alone", "0\n", "2,410,9210,-;BUG: kernel NULL pointer dereference, address: 0\n",
	    NULL, &(struct expect){ HARM_FOUND, 1, NULL, "logged 1 WARNING/BUG/Oops lines",
				    KSFT_FAIL });
	run("plain_lines_in_pieces", "0\n", "WARNING: at x\nOops", NULL, &(struct expect){
		HARM_FOUND, 2, NULL, "logged 2 WARNING", KSFT_FAIL });
	run("already_warn_tainted", "512\n", NULL, NULL, &blind);
	run("already_warn_tainted_new_warning", "512\n", warn_line, NULL, &blind_but_warned);
	run("already_warn_tainted_benign_lines", "513\n", "6,500,9300,-;kvm: note\n", NULL, &blind);
	test_unreadable();
	ksft_finished();
}
