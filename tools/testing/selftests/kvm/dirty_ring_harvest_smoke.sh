#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# dirty_ring_harvest_smoke.sh: the harvest benchmark as a short test.
#
# dirty_ring_harvest_bench is a benchmark, run at full size by "make bench"
# (bench/run_bench.sh).  Here it runs one round at its default ring size:
# every harvester must hand over each entry exactly once (its assertion);
# the timings it prints are not judged.
exec "$(dirname "$0")/dirty_ring_harvest_bench" -r 1 "$@"
