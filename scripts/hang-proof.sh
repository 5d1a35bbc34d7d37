#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# scripts/hang-proof.sh (make check-hang-proof): proof that "make check"
# ends, red, in bounded time when the ring walk loops for ever.
#
# Copies the tree (what git has or would add, as it is in the working tree)
# to a scratch directory, turns the stop of dirty_ring_walk() at the first
# entry that is not DIRTY into a wait for it to become DIRTY (the
# walk_waits_for_dirty mutant of ring/ring_mutants.c, now in the real walk:
# with no vCPU pushing, it spins for ever), runs "make check" there and
# requires that it
#  - ends by itself within the limit (it is killed at the limit otherwise),
#  - fails,
#  - and says why: a case or a program reported as hung or timed out.
# The checkout and its build are never touched.  Prints the wall time of
# that make check and its diagnosis lines.
#
# Options: -l SECONDS  the limit (default 600)
#          -j N        make -jN (default 2)
#          -k          keep the scratch directory (its check.log, its build)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
walk_h=tools/testing/selftests/kvm/ring/include/dirty_ring_walk.h
limit=600
jobs=2
keep=

usage() {
	echo "usage: $0 [-l SECONDS] [-j N] [-k]" >&2
	exit 1
}

while getopts "l:j:kh" opt; do
	case $opt in
	l) [[ $OPTARG =~ ^[1-9][0-9]*$ ]] || usage; limit=$OPTARG ;;
	j) [[ $OPTARG =~ ^[1-9][0-9]*$ ]] || usage; jobs=$OPTARG ;;
	k) keep=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage

work=$(mktemp -d "${TMPDIR:-/tmp}/hang-proof.XXXXXX")
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT
copy=$work/src
log=$work/check.log

fail() {
	echo "hang-proof: FAIL: $*"
	[ -z "$keep" ] || echo "hang-proof: kept $work"
	exit 1
}

mkdir -p "$copy"
(cd "$repo" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) |
	tar -xf - -C "$copy"

# The stop "if (!DIRTY) break;" becomes the spin "while (!DIRTY) continue;".
stop='if (!dirty_gfn_is_dirty(__atomic_load_n(\&gfn->flags, __ATOMIC_ACQUIRE)))'
sed -i "/$stop/{s/if (/while (/;n;s/break;/continue;/}" "$copy/$walk_h"
grep -A1 'while (!dirty_gfn_is_dirty(__atomic_load_n(&gfn->flags, __ATOMIC_ACQUIRE)))' \
	"$copy/$walk_h" | grep -q 'continue;' ||
	fail "$walk_h: no longer stops at '$stop ... break;': update this script"
echo "hang-proof: in $copy, dirty_ring_walk() spins at the first entry that is not DIRTY:"
{ diff -u "$repo/$walk_h" "$copy/$walk_h" || true; } | sed -n '/^[-+]\t/p'

echo "hang-proof: make -j$jobs check there, at most $limit s"
start=$(date +%s)
rc=0
# Each line of the log gets the second it was printed (a bash builtin, no fork).
# It is a make check of its own: none of the caller's make flags (make -k, a jobserver).
(cd "$copy" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	timeout -k 30 "$limit" make -j"$jobs" check) 2>&1 |
	while IFS= read -r line; do printf '%(%s)T %s\n' -1 "$line"; done > "$log" ||
	rc=$?
end=$(date +%s)
wall=$((end - start))
unit_at=$(awk '/ make -C tools\/testing\/selftests\/kvm unit$/ { print $1; exit }' "$log")

hung=$(grep -E '# TIMEOUT|HANG: |hung: |program deadline|still running' "$log" | head -5 || true)
case $rc in
0) fail "make check passed with a walk that loops for ever ($wall s)" ;;
124|137) fail "make check did not end within $limit s" ;;
esac
[ -n "$hung" ] || { tail -30 "$log"; fail "make check failed (exit $rc, $wall s) without naming a hang"; }
echo "hang-proof: make check ended by itself after $wall s, red (exit $rc)," \
	"${unit_at:+$((end - unit_at)) s after the unit tests started; }what it said:"
echo "$hung" | cut -d' ' -f2- | sed 's/^/    /'
grep -E '^[0-9]+ unit: .* failed' "$log" | cut -d' ' -f2- | sed 's/^/    /' || true
echo "hang-proof: PASS ($wall s of at most $limit s)"
