// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mutation matrix: every scenario against every mutant of the catalogue.
 *
 * A suite is only as good as the bugs it catches.  Each mutant injects one
 * realistic KVM or harvester bug (ring_mutants.h) into the model or the
 * harvester; every mutant must be killed by at least one scenario, i.e. the
 * checker must fail that scenario (or the run must crash, as the kernel
 * would).  A survivor means a missing scenario or a blind checker.  The
 * clean model must pass every scenario first, or the matrix means nothing:
 * the exact model and the batch-mode model the batch mutants are bugs of,
 * and that batch mode with its flushes newest first.
 * The columns are the scenarios at their own ring sizes, and the large-ring
 * exit point at 16384 and 65536 entries too.
 *
 * Output: one KTAP line per scenario on the clean model, one per mutant
 * naming the first scenario that killed it and its divergence message, the
 * matrix (K: killed by the checker, C: crashed, H: hung, killed by the
 * watchdog, .: survived, -: not run: after a hang, after the first kill in
 * the sanitizer build, or the program deadline had passed) and the kill
 * rate.  Exits non-zero on a survivor or a clean failure.
 *
 * Every program ends by itself: a mutant's run that has used HANG_CPU_S
 * seconds of CPU is a hang (a loaded machine stretches wall time, not CPU
 * time; the slowest run that ended is printed against that limit), a
 * mutant that hung once is not run on the remaining scenarios ('-'), as
 * each would only hang again, and the whole matrix runs under a program
 * deadline below the runner's timeout.
 */
#include <sys/resource.h>

#include "ring_model.h"
#include "ring_scenario.h"

#define CASE_TIMEOUT_S		20
#define HANG_CPU_S		6
#define RUNNER_TIMEOUT_S	120	/* kvm/settings */
#define MODEL_RESERVE		64

/*
 * The matrix's columns: every scenario at its own ring size, then the
 * large-ring exit point at more sizes (its own is 8192).
 */
struct column {
	enum ring_scenario_id id;
	u32 ring_size;		/* 0: the scenario's */
};

#define NR_SIZED_COLUMNS	2
#define NR_COLUMNS		(NR_RING_SCENARIOS + NR_SIZED_COLUMNS)

_Static_assert(NR_COLUMNS <= 26, "matrix columns are letters");
static struct column columns[NR_COLUMNS];

static void init_columns(void)
{
	static const struct column sized[NR_SIZED_COLUMNS] = {
		{ SCENARIO_FULL_EXIT_POINT, 16384 },
		{ SCENARIO_FULL_EXIT_POINT, 65536 },
	};
	u32 j;

	for (j = 0; j < NR_RING_SCENARIOS; j++)
		columns[j] = (struct column){ j, 0 };
	for (j = 0; j < NR_SIZED_COLUMNS; j++)
		columns[NR_RING_SCENARIOS + j] = sized[j];
}

static const char *column_name(u32 j, char *buf, size_t len)
{
	const struct ring_scenario *s = &ring_scenarios[columns[j].id];

	if (!columns[j].ring_size)
		return s->name;
	snprintf(buf, len, "%s_r%u", s->name, columns[j].ring_size);
	return buf;
}

static char matrix[NR_RING_MUTANTS][NR_COLUMNS + 1];

/*
 * The sanitizer build runs the matrix for memory errors, not for the kill
 * table, and each run costs it several times more: it stops each mutant at
 * its first kill (ring.mk defines MUTATION_FIRST_KILL there).
 */
#ifdef MUTATION_FIRST_KILL
static const bool first_kill_only = true;
#else
static const bool first_kill_only;
#endif
static long long slowest_cpu_ms;
static char slowest[96];

static long long children_cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000LL +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

static int run_one(u32 col, enum ring_mutant_id id, u32 batch, bool reversed,
		   struct ring_verdict *v)
{
	const struct ring_scenario *s = &ring_scenarios[columns[col].id];
	char buf[64];
	long long cpu0 = children_cpu_ms(), cpu;
	int code;

	struct ring_model_target_config cfg = {
		.reserve = MODEL_RESERVE,
		.replay_full_store = true,
		.batch = batch,
		.reversed = reversed,
		.mutant = id,
	};
	struct ring_target_factory f;

	ring_model_factory_init(&f, &cfg);
	ring_scenario_cpu_limit_s = id == MUT_NONE ? 0 : HANG_CPU_S;
	code = ring_scenario_run_forked(s, &f, ring_mutant_harvester(id), columns[col].ring_size,
					CASE_TIMEOUT_S * 1000, v);
	cpu = children_cpu_ms() - cpu0;
	if (strncmp(v->msg, RING_HANG_MSG, strlen(RING_HANG_MSG)) && cpu > slowest_cpu_ms) {
		slowest_cpu_ms = cpu;
		snprintf(slowest, sizeof(slowest), "%s on %s", ring_mutants[id].name,
			 column_name(col, buf, sizeof(buf)));
	}
	return code;
}

/*
 * The clean model, exact, in the batch mode of the batch mutants, and in
 * that batch mode with each flush pushed newest first (Intel PML before
 * Linux 6.14), which the checker must accept because the target says so.
 */
static const struct clean_model {
	u32 batch;
	bool reversed;
} clean_models[] = { { 0, false }, { MUT_BATCH, false }, { MUT_BATCH, true } };

static bool run_clean(void)
{
	bool all = true;
	u32 i, j;

	for (i = 0; i < ARRAY_SIZE(clean_models); i++) {
		const struct clean_model *cm = &clean_models[i];

		for (j = 0; j < NR_COLUMNS; j++) {
			struct ring_verdict v;
			int code = run_one(j, MUT_NONE, cm->batch, cm->reversed, &v);
			char name[96], buf[64];

			all = all && code == KSFT_PASS;
			if (cm->batch)
				snprintf(name, sizeof(name), "clean batch %u%s %s", cm->batch,
					 cm->reversed ? " reversed" : "",
					 column_name(j, buf, sizeof(buf)));
			else
				snprintf(name, sizeof(name), "clean %s",
					 column_name(j, buf, sizeof(buf)));
			ksft_test_result_code(code, name, code == KSFT_PASS ? NULL : "%s", v.msg);
		}
	}
	return all;
}

static bool run_mutant(enum ring_mutant_id id)
{
	const struct ring_mutant *m = &ring_mutants[id];
	char killer[RING_VERDICT_MSG + 80] = "";
	u32 j, kills = 0, cut = 0, hangs = 0, ran = 0;

	for (j = 0; j < NR_COLUMNS; j++) {
		struct ring_verdict v;
		char buf[64];
		int code;

		if (hangs || (first_kill_only && kills)) {
			matrix[id][j] = '-';
			continue;
		}
		code = run_one(j, id, m->batch, m->reversed, &v);
		ran++;
		/* The program deadline cutting a run short is no kill. */
		bool deadline = code == KSFT_FAIL && (strstr(v.msg, "not run: ") ||
						      strstr(v.msg, "at the program deadline"));
		bool killed = code == KSFT_FAIL && !deadline;
		bool hung = killed && !strncmp(v.msg, RING_HANG_MSG, strlen(RING_HANG_MSG));
		bool by_checker = killed && !hung && !strstr(v.msg, "crashed: ") &&
				  !strstr(v.msg, "before a verdict");

		cut += deadline;
		if (deadline)
			matrix[id][j] = '-';
		else if (!killed)
			matrix[id][j] = '.';
		else
			matrix[id][j] = hung ? 'H' : by_checker ? 'K' : 'C';
		hangs += hung;
		if (hung)
			ksft_print_msg("mutant %s, %s: %s\n", m->name,
				       column_name(j, buf, sizeof(buf)), v.msg);
		if (killed && !kills++)
			snprintf(killer, sizeof(killer), "%s: %s", column_name(j, buf, sizeof(buf)),
				 v.msg);
	}
	matrix[id][NR_COLUMNS] = '\0';
	if (cut) {
		ksft_test_result_fail("mutant %s: %u scenarios cut short by the program deadline of %u s\n",
				      m->name, cut, ksft_deadline_s);
		return false;
	}
	if (kills && ran < NR_COLUMNS)
		ksft_test_result_pass("mutant %s killed by %u/%u, first %s; %u not run after its %s\n",
				      m->name, kills, ran, killer, NR_COLUMNS - ran,
				      hangs ? "hang" : "first kill");
	else if (kills)
		ksft_test_result_pass("mutant %s killed by %u/%u, first %s\n", m->name, kills,
				      NR_COLUMNS, killer);
	else
		ksft_test_result_fail("mutant %s survived every scenario (%s)\n", m->name, m->bug);
	return kills;
}

static void print_matrix(void)
{
	char buf[64];
	u32 i, j;

	ksft_print_msg("scenarios:\n");
	for (j = 0; j < NR_COLUMNS; j++)
		ksft_print_msg("  %c %s\n", 'a' + j, column_name(j, buf, sizeof(buf)));
	ksft_print_msg("%-26s %.*s\n", "mutant \\ scenario", (int)NR_COLUMNS,
		       "abcdefghijklmnopqrstuvwxyz");
	for (i = 1; i < NR_RING_MUTANTS; i++)
		ksft_print_msg("%-26s %s\n", ring_mutants[i].name, matrix[i]);
}

int main(void)
{
	u32 i, killed = 0, total = NR_RING_MUTANTS - 1;
	bool clean;

	ksft_print_header();
	ksft_set_deadline(ksft_deadline_below(ksft_runner_timeout(RUNNER_TIMEOUT_S)),
			  "mutation_test");
	init_columns();
	ksft_set_plan(ARRAY_SIZE(clean_models) * NR_COLUMNS + total);
	clean = run_clean();
	for (i = 1; i < NR_RING_MUTANTS; i++)
		killed += run_mutant(i);
	print_matrix();
	ksft_print_msg("slowest run that ended: %s, %lld ms of CPU; a mutant's run is a hang at %u s\n",
		       slowest, slowest_cpu_ms, HANG_CPU_S);
	ksft_print_msg("kill rate: %u/%u mutants (%u%%), clean model %s\n", killed, total,
		       killed * 100 / total, clean ? "passes every scenario" : "FAILS");
	ksft_finished();
}
