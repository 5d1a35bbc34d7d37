// SPDX-License-Identifier: GPL-2.0-only
/*
 * Assertions, the failure context, option parsing and time.
 */
#include <inttypes.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "test_util.h"

int ksft_in_forked_case;
long long ksft_deadline_ms;
unsigned int ksft_deadline_s;

static char context_buf[256];

void test_set_context(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ksft_vscnprintf(context_buf, sizeof(context_buf), fmt, ap);
	va_end(ap);
}

const char *test_context(void)
{
	return context_buf;
}

void test_assert_fail(const char *file, unsigned int line, const char *expr,
		      const char *fmt, ...)
{
	int saved_errno = errno;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	ksft_vscnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	fflush(stdout);
	fprintf(stderr, "# FAIL [%s] %s:%u: %s: %s (errno %d: %s)\n",
		context_buf, file, line, expr, msg, saved_errno,
		strerror(saved_errno));
	fflush(stderr);
	exit(KSFT_FAIL);
}

static char *skip_reason;
static size_t skip_reason_size;

void test_set_skip_reason_buffer(char *buf, size_t size)
{
	skip_reason = buf;
	skip_reason_size = size;
}

void test_skip(const char *fmt, ...)
{
	char msg[sizeof(context_buf) + 512];
	size_t start = 0, len;
	va_list ap;

	if (context_buf[0])
		start = ksft_scnprintf(msg, sizeof(msg), "%s: ", context_buf);
	va_start(ap, fmt);
	len = start + ksft_vscnprintf(msg + start, sizeof(msg) - start - 1, fmt, ap);
	va_end(ap);
	if (skip_reason) {
		ksft_scnprintf(skip_reason, skip_reason_size, "%s", msg + start);
		skip_reason[strcspn(skip_reason, "\n")] = '\0';
	}
	msg[len] = '\n';
	msg[len + 1] = '\0';
	ksft_case_skip_msg(msg);
}

static void __attribute__((noreturn)) bad_option(const char *what, const char *arg)
{
	fprintf(stderr, "invalid value for %s: '%s'\n", what, arg);
	exit(KSFT_FAIL);
}

/* Decimal or 0x-hex, optional K/M/G suffix (binary units). */
u64 parse_size(const char *arg, const char *what)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	errno = 0;
	if (!arg || !*arg || *arg == '-')
		bad_option(what, arg ? arg : "");
	v = strtoull(arg, &end, 0);
	if (errno || end == arg)
		bad_option(what, arg);
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	}
	if (shift)
		end++;
	if (*end || (shift && v > (~0ull >> shift)))
		bad_option(what, arg);
	return (u64)v << shift;
}

u64 parse_u64(const char *arg, const char *what, u64 min, u64 max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!arg || !*arg || *arg == '-')
		bad_option(what, arg ? arg : "");
	v = strtoull(arg, &end, 0);
	if (errno || end == arg || *end)
		bad_option(what, arg);
	if (v < min || v > max) {
		fprintf(stderr, "%s must be in [%" PRIu64 ", %" PRIu64 "], got %llu\n",
			what, min, max, v);
		exit(KSFT_FAIL);
	}
	return v;
}

int test_run_captured(void (*fn)(const void *arg), const void *arg, bool with_stdout,
		      char *out, size_t size)
{
	size_t len = 0;
	int fds[2], status;
	char discard[256];
	ssize_t r;
	pid_t pid;

	TEST_ASSERT(!pipe(fds), "pipe");
	fflush(NULL);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		close(fds[0]);
		if (with_stdout) {
			dup2(fds[1], STDOUT_FILENO);
			setvbuf(stdout, NULL, _IOLBF, 0);
		}
		dup2(fds[1], STDERR_FILENO);
		fn(arg);
		exit(KSFT_PASS);
	}
	close(fds[1]);
	for (;;) {
		r = read(fds[0], len < size - 1 ? out + len : discard,
			 len < size - 1 ? size - 1 - len : sizeof(discard));
		if (r <= 0 && !(r < 0 && errno == EINTR))
			break;
		if (r > 0 && len < size - 1)
			len += r;
	}
	out[len] = '\0';
	close(fds[0]);
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	return status;
}

u64 parse_power_of_2(const char *arg, const char *what, u64 min, u64 max)
{
	u64 v = parse_u64(arg, what, min, max);

	if (!IS_POWER_OF_2(v)) {
		fprintf(stderr, "%s must be a power of two, got %" PRIu64 "\n", what, v);
		exit(KSFT_FAIL);
	}
	return v;
}

/*
 * KVM_SELFTEST_TIMEOUT_SCALE=N (1 to 100, default 1) multiplies every
 * case's timeout and the vCPU watchdog, for hosts whose guests run many
 * times slower than natively, such as KVM nested in QEMU under TCG
 * (vm/vm-check.sh sets it).  A malformed value fails the test.
 */
unsigned int test_timeout_scale(void)
{
	static unsigned int scale;
	const char *env;

	if (!scale) {
		env = getenv("KVM_SELFTEST_TIMEOUT_SCALE");
		scale = env ? parse_u64(env, "KVM_SELFTEST_TIMEOUT_SCALE", 1, 100) : 1;
	}
	return scale;
}

void *array_reserve(void *array, u64 nr, u64 *cap, size_t size, u64 first)
{
	if (nr < *cap)
		return array;
	*cap = *cap ? *cap * 2 : first;
	array = realloc(array, *cap * size);
	TEST_ASSERT(array, "out of memory for %lu elements of %zu bytes", *cap, size);
	return array;
}

u64 time_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}
