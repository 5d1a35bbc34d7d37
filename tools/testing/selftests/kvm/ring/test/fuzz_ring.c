// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the model and the checker together: random rings, slots and write
 * scripts, random interleavings of runs, partial and full harvests, resets
 * and dirty-logging flag changes.  The clean model must always pass the
 * checker; a failure is a bug in one of them, and every KVM verdict built
 * on them would be suspect.
 *
 * Built with clang -fsanitize=fuzzer (RING_FUZZ_LIBFUZZER) this is a
 * libFuzzer target.  Otherwise it is a bounded random run that prints its
 * seed, and each failing input's own seed to reproduce it with -s SEED -i 1.
 * By default the run is deterministic (seed 1, DEFAULT_RUNS inputs); -r
 * takes the seed from the clock and -t bounds the run in seconds.  Each
 * input runs under a watchdog (SIGALRM after INPUT_TIMEOUT_S): an input that
 * hangs the model, the walk or the checker ends the run with "not ok" and
 * the input's seed.
 */
#include <getopt.h>

#include "ring_model.h"
#include "ring_scenario.h"

#define FUZZ_SLOTS		3
#define FUZZ_MAX_OPS		16
#define FUZZ_MAX_STEPS		300
#define FUZZ_DRAIN_ROUNDS	100000
#define FUZZ_INPUT_MAX		1024
#define DEFAULT_SECONDS		60
#define DEFAULT_RUNS		20000
#define DEFAULT_SEED		1
#define INPUT_TIMEOUT_S		10

static const u16 fuzz_slot_ids[FUZZ_SLOTS] = { 1, 7, 300 };

/* The input, consumed from the front; zeros once it is exhausted. */
struct input {
	const u8 *p;
	size_t n;
};

static u32 take(struct input *in, u32 range)
{
	u32 v = 0;

	if (in->n >= 2) {
		v = in->p[0] | in->p[1] << 8;
		in->p += 2;
		in->n -= 2;
	}
	return range ? v % range : v;
}

static void build_script(struct input *in, struct write_script *s, const u64 *npages)
{
	u32 nr_ops = 1 + take(in, FUZZ_MAX_OPS), i;

	for (i = 0; i < nr_ops; i++) {
		u32 slot = take(in, FUZZ_SLOTS), count, pad;
		u64 page = take(in, npages[slot]);

		if (!take(in, 5)) {
			script_add_sync(s);
			continue;
		}
		count = 1 + take(in, npages[slot] - page);
		pad = take(in, 3);
		script_add_write(s, (struct script_write){ .slot = fuzz_slot_ids[slot],
							   .page = page, .count = count,
							   .pad = pad });
	}
}

static void random_step(struct input *in, struct ring_ctx *ctx, u32 *flags)
{
	u32 nr_vcpus = ctx->t->nr_vcpus, v = take(in, nr_vcpus), slot;

	switch (take(in, 8)) {
	case 0 ... 2:
		scenario_run(ctx, v);
		break;
	case 3:
		scenario_harvest(ctx, v, 1 + take(in, ctx->t->ring_size));
		break;
	case 4:
		scenario_harvest_all(ctx, v);
		break;
	case 5:
		scenario_reset(ctx);
		break;
	case 6:
		scenario_collect(ctx);
		break;
	default:
		slot = take(in, FUZZ_SLOTS);
		flags[slot] ^= KVM_MEM_LOG_DIRTY_PAGES;
		scenario_slot_set_flags(ctx, fuzz_slot_ids[slot], flags[slot]);
		break;
	}
}

/* Run every vCPU to the end of its script, collecting as needed. */
static void drain(struct ring_ctx *ctx)
{
	u32 v, rounds;

	for (v = 0; v < ctx->t->nr_vcpus; v++) {
		for (rounds = 0; rounds < FUZZ_DRAIN_ROUNDS; rounds++) {
			enum ring_exit exit = scenario_run(ctx, v);

			scenario_collect(ctx);
			if (exit != RING_EXIT_SYNC && exit != RING_EXIT_FULL)
				break;
		}
	}
}

static void dump(struct ring_ctx *ctx)
{
	u32 v, i;

	for (v = 0; v < RING_MAX_VCPUS; v++) {
		for (i = 0; i < ctx->script[v].nr; i++) {
			const struct script_op *op = &ctx->script[v].ops[i];

			printf("# vcpu %u op %u: kind %u slot %u page %#lx count %u\n", v, i,
			       op->kind, op->slot, op->page, op->count);
		}
	}
	ring_record_print(&ctx->rec, 0, ctx->rec.nr);
}

static bool fuzz_one(const u8 *data, size_t size, char *msg, size_t msg_size)
{
	struct input in = { data, size };
	struct ring_model_target_config tc = {
		.reserve = 1 + take(&in, 80),
		.emulated = take(&in, 2),
		.replay_full_store = take(&in, 2),
	};
	u32 ring_size = 1u << (3 + take(&in, 8)), nr_vcpus = 1 + take(&in, 3);
	struct ring_target_factory f;
	u32 flags[FUZZ_SLOTS];
	u64 npages[FUZZ_SLOTS];
	struct ring_ctx *ctx;
	u32 i, step;
	bool ok;

	ctx = calloc(1, sizeof(*ctx));
	TEST_ASSERT(ctx, "out of memory");
	ring_model_factory_init(&f, &tc);
	ctx->factory = &f;
	ctx->walk = dirty_ring_walk_indirect;
	ctx->bitmap_clear = dirty_bitmap_set_clear;
	ring_record_init(&ctx->rec);
	TEST_ASSERT(scenario_begin(ctx, nr_vcpus, ring_size), "model refused: %s", f.why);

	for (i = 0; i < FUZZ_SLOTS; i++) {
		npages[i] = 1 + take(&in, 300);
		flags[i] = take(&in, 4) ? KVM_MEM_LOG_DIRTY_PAGES : 0;
		scenario_slot_add(ctx, fuzz_slot_ids[i], npages[i], flags[i]);
	}
	for (i = 0; i < nr_vcpus; i++) {
		build_script(&in, &ctx->script[i], npages);
		scenario_load(ctx, i);
	}
	for (step = 0; step < FUZZ_MAX_STEPS && in.n; step++)
		random_step(&in, ctx, flags);
	drain(ctx);

	ok = scenario_end(ctx);
	if (!ok && getenv("RING_FUZZ_DUMP"))
		dump(ctx);
	if (!ok)
		snprintf(msg, msg_size, "ring %u, reserve %u, %u vCPUs, %s%s: %s", ring_size,
			 tc.reserve, nr_vcpus, tc.emulated ? "emulated" : "hardware",
			 tc.replay_full_store ? ", replay" : "", ctx->verdict.msg);
	for (i = 0; i < RING_MAX_VCPUS; i++)
		write_script_free(&ctx->script[i]);
	ring_record_free(&ctx->rec);
	free(ctx);
	return ok;
}

#ifdef RING_FUZZ_LIBFUZZER

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	char msg[RING_VERDICT_MSG + 128];

	if (!fuzz_one(data, size, msg, sizeof(msg))) {
		fprintf(stderr, "# FAIL clean model rejected by the checker: %s\n", msg);
		abort();
	}
	return 0;
}

#else

static void random_input(u64 seed, u8 *buf, size_t *len)
{
	size_t i;

	*len = 64 + prng_next(&seed) % (FUZZ_INPUT_MAX - 64);
	for (i = 0; i < *len; i++)
		buf[i] = prng_next(&seed);
}

/* The input being run, for the watchdog: "...hung: input seed N ...". */
static char hang_msg[256];

static void input_hung(int sig)
{
	ssize_t r;

	(void)sig;
	r = write(STDOUT_FILENO, hang_msg, strlen(hang_msg));
	(void)r;
	_exit(KSFT_FAIL);
}

static void watch_input(const char *prog, u64 input_seed, u64 runs)
{
	snprintf(hang_msg, sizeof(hang_msg),
		 "# input seed %lu still running after %u s (reproduce: %s -s %lu -i 1)\n"
		 "not ok 1 fuzz_ring: input %lu, seed %lu # TIMEOUT %u seconds\n",
		 input_seed, INPUT_TIMEOUT_S, prog, input_seed, runs + 1, input_seed,
		 INPUT_TIMEOUT_S);
	alarm(INPUT_TIMEOUT_S);
}

int main(int argc, char **argv)
{
	u64 seed = DEFAULT_SEED, first_seed, seconds = DEFAULT_SECONDS, max_runs = DEFAULT_RUNS;
	u64 runs, t_end;
	char msg[RING_VERDICT_MSG + 128];
	u8 buf[FUZZ_INPUT_MAX];
	u64 failures = 0;
	int opt;

	while ((opt = getopt(argc, argv, "rs:t:i:h")) != -1) {
		switch (opt) {
		case 'r':
			seed = time_now_ns();
			max_runs = UINT64_MAX;
			break;
		case 's':
			seed = parse_u64(optarg, "-s", 0, UINT64_MAX);
			break;
		case 't':
			seconds = parse_u64(optarg, "-t", 1, 3600);
			break;
		case 'i':
			max_runs = parse_u64(optarg, "-i", 1, UINT64_MAX);
			break;
		default:
			printf("usage: %s [-r | -s seed (default %u)] [-t seconds (default %u)] [-i runs (default %u)]\n",
			       argv[0], DEFAULT_SEED, DEFAULT_SECONDS, DEFAULT_RUNS);
			return opt == 'h' ? KSFT_PASS : KSFT_FAIL;
		}
	}
	ksft_print_header();
	ksft_set_plan(1);
	first_seed = seed;
	fflush(stdout);
	signal(SIGALRM, input_hung);
	ksft_print_msg("seed %lu, %lu s\n", seed, seconds);
	t_end = time_now_ns() + seconds * 1000000000ull;
	for (runs = 0; runs < max_runs && time_now_ns() < t_end; runs++) {
		u64 input_seed = runs ? prng_next(&seed) : seed;
		size_t len;

		random_input(input_seed, buf, &len);
		watch_input(argv[0], input_seed, runs);
		if (fuzz_one(buf, len, msg, sizeof(msg)))
			continue;
		if (!failures++)
			ksft_print_msg("input seed %lu (reproduce: %s -s %lu -i 1): %s\n",
				       input_seed, argv[0], input_seed, msg);
	}
	alarm(0);
	ksft_test_result(!failures, "fuzz_ring: %lu random runs, %lu failed, seed %lu\n", runs,
			 failures, first_seed);
	ksft_finished();
}

#endif
