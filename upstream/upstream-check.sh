#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# upstream/upstream-check.sh: check the upstream patch series in upstream/
# against Debian's linux-source-7.3 (trixie-backports), without touching the
# machine's apt sources (vm/debian-apt.sh).
#
#   upstream/upstream-check.sh [-w WORKDIR] quick
#       extract the parts of linux-source-7.3 the series needs into a
#       scratch git tree, `git am` the series, run scripts/checkpatch.pl
#       --strict on it, build upstream's KVM selftests (with the new test)
#       for x86_64 and, with aarch64-linux-gnu-gcc, for arm64.
#   upstream/upstream-check.sh [-w WORKDIR] regen [SENDER]
#       rewrite upstream/*.patch from the scratch tree (after quick): with
#       SENDER ("Full Name <address>"), as that author with a Signed-off-by.
#
# UPSTREAM_KSELFTESTS=new builds only the library and the new test (about
# a third of the time), =all (default) all of upstream's KVM selftests.
# WORKDIR: $UPSTREAM_WORK, default upstream/work.  Debian's package lists and
# downloads: $DEBIAN_APT_DIR, default WORKDIR/debian-apt.  Exit status: 0 all
# checks passed, 1 a check failed (said which), 4 a prerequisite is missing
# (said which, with the command that installs it).

set -euo pipefail
prog=upstream-check
top=$(cd "$(dirname "$0")/.." && pwd)
up=$top/upstream
work=${UPSTREAM_WORK:-$up/work}
src_pkg=linux-source-7.3
# The scratch tree's base commit is reproducible: fixed identity and dates.
base_ident=(-c user.name="Debian linux-source-7.3" -c user.email=linux-source@invalid)
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
# Parts of the source the series, checkpatch, get_maintainer.pl, `make
# headers` and the selftests need (checkpatch wants the top-level layout).
parts=(Makefile Kbuild Kconfig COPYING CREDITS MAINTAINERS README .gitignore .mailmap
	LICENSES scripts include init ipc kernel lib fs usr virt tools
	arch/Kconfig arch/x86 arch/arm64 Documentation/virt
	drivers/dma/ioat drivers/dma/idxd drivers/net/ethernet/intel/igb)

fail() { echo "$prog: FAIL: $*" >&2; exit 1; }
skip() { echo "$prog: SKIP: $*" >&2; exit 4; }
step() { step_start=$(date +%s); echo "== $*"; }
step_done() { echo "   ($(( $(date +%s) - step_start )) s)"; }

usage()
{
	echo "usage: $0 [-w WORKDIR] quick | regen [SENDER]" >&2
	exit 2
}

while getopts "w:h" opt; do
	case $opt in
	w) work=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
cmd=$1
shift
mkdir -p "$work"
work=$(cd "$work" && pwd)
tree=$work/tree
series=()
for p in "$up"/0[0-9][0-9][0-9]-*.patch; do
	[ -f "$p" ] && [ "${p##*/}" != 0000-cover-letter.patch ] && series+=("$p")
done
[ ${#series[@]} -gt 0 ] || [ "$cmd" = regen ] || fail "no patches in $up"

need_tools()
{
	local t
	for t in git perl make gcc python3 xz; do
		command -v "$t" > /dev/null || skip "$t missing (apt-get install $t)"
	done
	/usr/bin/python3 -c 'import ply, git' 2> /dev/null ||
		skip "checkpatch's SPDX check needs ply and GitPython (apt-get install python3-ply python3-git)"
	[ -e /usr/include/uuid/uuid.h ] ||
		skip "the 7.3 KVM selftests link libuuid (apt-get install uuid-dev)"
	command -v aarch64-linux-gnu-gcc > /dev/null ||
		skip "no arm64 cross compiler (apt-get install gcc-aarch64-linux-gnu)"
}

# prepare_tree: $tree = the needed parts of linux-source-7.3, committed.
prepare_tree()
{
	local tarball=$work/src/usr/src/$src_pkg.tar.xz p
	local -a members=()

	# shellcheck source=../vm/debian-apt.sh
	. "$top/vm/debian-apt.sh"
	debian_apt_init "${DEBIAN_APT_DIR:-$work/debian-apt}"
	step "fetch $src_pkg"
	debian_apt_update
	src_ver=$(debian_apt_cache policy "$src_pkg" | sed -n 's/^ *Candidate: //p')
	[ -n "$src_ver" ] && [ "$src_ver" != "(none)" ] ||
		fail "$src_pkg is in none of Debian's suites: see $debian_apt_dir/update.log"
	if [ "$(cat "$work/src.version" 2> /dev/null)" != "$src_ver" ] || [ ! -f "$tarball" ]; then
		rm -rf "$work/src"
		debian_unpack "$work/src" "$src_pkg=$src_ver"
		echo "$src_ver" > "$work/src.version"
	fi
	echo "   $src_pkg $src_ver"
	step_done

	step "extract the parts the series needs"
	rm -rf "$tree"
	mkdir -p "$tree"
	for p in "${parts[@]}"; do
		members+=("$src_pkg/$p")
	done
	tar -xJf "$tarball" -C "$tree" --strip-components=1 "${members[@]}"
	git -C "$tree" init -q
	# No detached auto-gc that outlives this script.
	git -C "$tree" config gc.auto 0
	# Debian's top-level .gitignore ignores everything: add by force.
	git -C "$tree" add -f -A .
	git -C "$tree" "${base_ident[@]}" commit -q -m "$src_pkg $src_ver (parts)"
	base=$(git -C "$tree" rev-parse HEAD)
	echo "$base" > "$work/base"
	echo "   base $base ($(du -sh "$tree" | cut -f1))"
	step_done
}

check_base()
{
	local want
	want=$(sed -n 's/^base-commit: //p' "$up/0000-cover-letter.patch")
	if [ "$want" = "$base" ]; then
		echo "   base $base: the series' base-commit"
	else
		echo "   note: the series was made on base $want; this $src_pkg gives $base"
		echo "   (another Debian upload or different parts): it must still apply"
	fi
}

apply_series()
{
	step "git am the series (${#series[@]} patches)"
	git -C "$tree" -c user.name=upstream-check -c user.email=upstream-check@invalid \
		am -q "${series[@]}" || fail "the series does not apply to $src_pkg $src_ver"
	git -C "$tree" log --oneline "$base..HEAD" | sed 's/^/   /'
	step_done
}

# checkpatch: --strict, clean but for the sender's missing Signed-off-by.
# Ignored: UNKNOWN_COMMIT_ID (the scratch tree has no history; the ids are
# checked in upstream/README.md) and FILE_PATH_CHANGES for files that an
# existing MAINTAINERS entry covers (checked here with get_maintainer.pl).
run_checkpatch()
{
	local p out f bad=0 totals
	step "checkpatch --strict"
	for p in "${series[@]}"; do
		out=$(cd "$tree" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl --strict \
			--ignore UNKNOWN_COMMIT_ID,FILE_PATH_CHANGES "$p" 2>&1) || true
		totals=$(echo "$out" | grep '^total:' || true)
		if [ "$totals" != "total: 1 errors, 0 warnings, 0 checks,${totals#*checks,}" ] ||
		   [ "$(echo "$out" | grep -c '^ERROR:')" != 1 ] ||
		   ! echo "$out" | grep -q '^ERROR: Missing Signed-off-by: line(s)$' ||
		   echo "$out" | grep -q 'Traceback\|Error:'; then
			echo "$out"
			echo "   $(basename "$p"): NOT clean"
			bad=1
		else
			echo "   $(basename "$p"): clean but for the sender's Signed-off-by (${totals#total: })"
		fi
	done
	for f in $(git -C "$tree" diff --name-only --diff-filter=A "$base..HEAD"); do
		(cd "$tree" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
			-f "$f" 2> /dev/null) | grep -q 'kvm@vger.kernel.org' ||
			{ echo "   new file $f: no MAINTAINERS entry covers it"; bad=1; }
	done
	[ $bad = 0 ] || fail "checkpatch"
	echo "   recipients (scripts/get_maintainer.pl on the series):"
	(cd "$tree" && perl scripts/get_maintainer.pl --no-git --no-git-fallback --no-rolestats \
		"${series[@]}" 2> /dev/null) | sed 's/^/     /'
	step_done
}

# build_selftests ARCH: upstream's KVM selftests with the new test.
build_selftests()
{
	local arch=$1 obj=$work/obj-$1 out=$work/kselftest-$1 sysroot=$work/sysroot-arm64
	local -a mk=()
	step "KVM selftests for $arch"
	if [ "$arch" = arm64 ]; then
		mk=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
		# libuuid for arm64, unpacked (never installed: foreign arch).
		if [ ! -e "$sysroot/usr/include/uuid/uuid.h" ]; then
			debian_unpack "$sysroot" uuid-dev:arm64 libuuid1:arm64
		fi
		mk+=(EXTRA_CFLAGS="-isystem $sysroot/usr/include"
		     USERLDFLAGS="-L$sysroot/usr/lib/aarch64-linux-gnu")
	fi
	rm -rf "$obj" "$out"
	mkdir -p "$obj" "$out"
	make -s -C "$tree" O="$obj" "${mk[@]:0:1}" headers > "$work/headers-$arch.log" 2>&1 ||
		{ tail -20 "$work/headers-$arch.log"; fail "make headers for $arch"; }
	# UPSTREAM_KSELFTESTS=new: the library and the new test only (CI).
	[ "${UPSTREAM_KSELFTESTS:-all}" = all ] || mk+=("$out/dirty_ring_reset_test")
	make -C "$tree/tools/testing/selftests/kvm" -j"$(nproc)" OUTPUT="$out" \
		KHDR_INCLUDES="-isystem $obj/usr/include" "${mk[@]}" \
		> "$work/kselftest-$arch.log" 2>&1 ||
		{ grep -B5 -A10 -m3 'error' "$work/kselftest-$arch.log"; fail "KVM selftests for $arch"; }
	[ -x "$out/dirty_ring_reset_test" ] || fail "no dirty_ring_reset_test built for $arch"
	echo "   $(find "$out" -maxdepth 2 -type f -perm -u+x | wc -l) programs, dirty_ring_reset_test: $(file -b "$out/dirty_ring_reset_test" | cut -d, -f1-2)"
	if grep -n 'warning:' "$work/kselftest-$arch.log" | grep dirty_ring_reset_test; then
		fail "compiler warnings in dirty_ring_reset_test for $arch"
	fi
	step_done
}

# ---- kvm.ko and kvm-amd.ko for Debian's 7.3.4, and the boots ----

# kernel_prepare: $krel, Debian's kernel ($kroot: vmlinuz and modules) and
# headers ($hdr) of the same version as the source, and trixie's loader
# for the headers' host tools (built for glibc 2.38+, newer than bookworm's).
kernel_prepare()
{
	local upv=${src_ver%%-*} abi p real libdir=$work/trixie/usr/lib/x86_64-linux-gnu
	step "Debian's $upv kernel, headers and trixie's loader"
	abi=$(debian_apt_cache pkgnames "linux-headers-$upv+" |
		sed -n "s/^linux-headers-\($upv+deb[0-9]*\)-amd64$/\1/p" | head -n 1)
	[ -n "$abi" ] || fail "no linux-headers-$upv+debN-amd64 in Debian's lists"
	krel=$abi-amd64
	hroot=$work/headers
	hdr=$hroot/usr/src/linux-headers-$krel
	kroot=$work/kernel
	if [ ! -f "$hroot/done" ]; then
		rm -rf "$hroot"
		debian_unpack "$hroot" "linux-headers-$krel=$src_ver" \
			"linux-headers-$abi-common=$src_ver" "linux-kbuild-$abi=$src_ver"
		# The headers name their other halves by absolute paths.
		sed -i "s|/usr/src/|$hroot/usr/src/|g" "$hdr/Makefile"
		touch "$hroot/done"
	fi
	if [ ! -f "$work/trixie/done" ]; then
		rm -rf "$work/trixie"
		debian_unpack "$work/trixie" libc6/trixie libelf1t64/trixie zlib1g/trixie \
			libzstd1/trixie
		touch "$work/trixie/done"
	fi
	# Debian's wrappers exec NAME.real-*: run those through trixie's loader.
	for real in "$hroot/usr/lib/linux-kbuild-$abi/scripts/mod/modpost.real-lsb-64" \
		    "$hroot/usr/lib/linux-kbuild-$abi/tools/objtool/objtool.real-x86"; do
		[ -f "$real.bin" ] || mv "$real" "$real.bin"
		printf '#!/bin/sh\nexec %s --library-path %s %s "$@"\n' \
			"$libdir/ld-linux-x86-64.so.2" "$libdir" "$real.bin" > "$real"
		chmod 755 "$real"
	done
	if [ ! -f "$kroot/done" ]; then
		rm -rf "$kroot"
		debian_unpack "$kroot" "linux-binary-unsigned-$krel=$src_ver" \
			"linux-modules-$krel=$src_ver"
		touch "$kroot/done"
	fi
	kimage=$(ls "$kroot/usr/lib/modules/$krel"/vmlinuz* 2> /dev/null | head -n 1)
	[ -n "$kimage" ] || fail "no vmlinuz in linux-binary-unsigned-$krel"
	echo "   $krel: kernel, modules, headers $src_ver"
	step_done
}

# build_modules NAME REV: kvm.ko and kvm-amd.ko from the tree at REV into
# $work/modules-NAME/out, checked against Debian's kernel.
build_modules()
{
	local name=$1 rev=$2 m=$work/modules-$1 ko want vm rv crc sym n how
	local ref=$kroot/usr/lib/modules/$krel/kernel/arch/x86/kvm kmake
	step "kvm.ko and kvm-amd.ko for $krel: $name ($(git -C "$tree" log --format=%s -1 "$rev"))"
	rm -rf "$m"
	mkdir -p "$m/tree" "$m/out"
	git -C "$tree" archive "$rev" arch/x86/kvm virt/kvm | tar -x -C "$m/tree"
	# Out of tree, $(srctree) is the headers, without virt/kvm and
	# arch/x86/kvm: point the Makefile at our copies (trace.h includes
	# itself relative to an include directory: tree/include/trace).
	kmake=$m/tree/arch/x86/kvm/Makefile
	sed -i -e 's|\$(srctree)/virt/kvm/Makefile.kvm|$(src)/../../../virt/kvm/Makefile.kvm|' \
		-e 's|-I \$(srctree)/arch/x86/kvm|-I $(src) -I $(src)/../../../include/trace|' "$kmake"
	grep -q 'src)/../../../virt/kvm/Makefile.kvm' "$kmake" || fail "Makefile layout changed: $kmake"
	mkdir -p "$m/tree/include/trace"
	# Debian builds with gcc 14; bookworm's gcc 12 lacks two of its features.
	make -C "$hdr" M="$m/tree/arch/x86/kvm" CC=x86_64-linux-gnu-gcc CONFIG_KVM_INTEL= \
		CONFIG_CC_HAS_MIN_FUNCTION_ALIGNMENT= CONFIG_DEBUG_INFO_BTF_MODULES= \
		-j"$(nproc)" modules > "$m/build.log" 2>&1 ||
		{ tail -30 "$m/build.log"; fail "building the $name modules (log $m/build.log)"; }
	# pahole only matters for BTF, which is off (no pahole on bookworm's side).
	if grep -n 'warning:' "$m/build.log" | grep -v 'warning: pahole version differs'; then
		fail "the $name module build printed warnings (log $m/build.log)"
	fi
	for ko in kvm kvm-amd; do
		[ -f "$m/tree/arch/x86/kvm/$ko.ko" ] || fail "no $ko.ko built"
		cp "$m/tree/arch/x86/kvm/$ko.ko" "$m/out/"
		vm=$(modinfo -F vermagic "$m/out/$ko.ko")
		rv=$(modinfo -F vermagic "$ref/$ko.ko.xz")
		[ "$vm" = "$rv" ] || fail "$ko.ko vermagic '$vm', Debian's $ko.ko.xz '$rv'"
		if grep -q '^CONFIG_MODVERSIONS=y' "$hdr/.config"; then
			# Every imported symbol with the CRC the kernel exports it with.
			/sbin/modprobe --dump-modversions "$m/out/$ko.ko" > "$m/$ko.crcs" ||
				fail "no modversions in $ko.ko, the kernel has CONFIG_MODVERSIONS"
			n=0
			while read -r crc sym; do
				want=$(awk -v s="$sym" '$2 == s { print $1; exit }' "$hdr/Module.symvers")
				[ -n "$want" ] || continue	# exported by kvm.ko itself
				[ "$((crc))" -eq "$((want))" ] ||
					fail "$ko.ko imports $sym with CRC $crc, the kernel's is $want"
				n=$((n + 1))
			done < "$m/$ko.crcs"
			how="$n imported CRCs match Module.symvers"
		else
			# No modversions (Debian 7.x): every undefined symbol must be
			# exported, by the kernel or its modules, or by our kvm.ko.
			n=0
			for sym in $(nm -u "$m/out/$ko.ko" | awk '{ print $2 }'); do
				awk -v s="$sym" '$2 == s { f = 1; exit } END { exit !f }' \
					"$hdr/Module.symvers" ||
					{ [ "$ko" = kvm-amd ] && nm --defined-only "$m/out/kvm.ko" |
					  awk -v s="$sym" '$3 == s { f = 1; exit } END { exit !f }'; } ||
					fail "$ko.ko needs $sym, which neither the kernel nor kvm.ko exports"
				n=$((n + 1))
			done
			how="no modversions in this kernel; its $n undefined symbols are all exported"
		fi
		echo "   $ko.ko: vermagic '$vm' as Debian's; $how"
	done
	step_done
}

# build_guest_tests: dirty_ring_reset_test static, for vm-check's guest.
build_guest_tests()
{
	local b=$work/guest-build
	step "dirty_ring_reset_test, static, for the guest"
	rm -rf "$b" "$work/guest-tests"
	mkdir -p "$b" "$work/guest-tests"
	[ -d "$work/obj-x86_64/usr/include" ] ||
		make -s -C "$tree" O="$work/obj-x86_64" headers > "$work/headers-x86_64.log" 2>&1 ||
		fail "make headers (log $work/headers-x86_64.log)"
	# Upstream builds x86 selftests for x86-64-v2; vm-check's guest CPU
	# (qemu64) is baseline x86-64: a compiler that builds for that.
	cat > "$b/gcc-x86-64" <<'CC'
#!/bin/sh
for a; do
	shift
	[ "$a" = -march=x86-64-v2 ] && a=-march=x86-64
	set -- "$@" "$a"
done
exec gcc "$@"
CC
	chmod 755 "$b/gcc-x86-64"
	make -C "$tree/tools/testing/selftests/kvm" OUTPUT="$b" USERLDFLAGS=-static CC="$b/gcc-x86-64" \
		KHDR_INCLUDES="-isystem $work/obj-x86_64/usr/include" "$b/dirty_ring_reset_test" \
		> "$work/guest-build.log" 2>&1 || fail "static dirty_ring_reset_test (log $work/guest-build.log)"
	cp "$b/dirty_ring_reset_test" "$work/guest-tests/"
	step_done
}

# vm_check NAME MODULES NPT VM-CHECK-ARGS...: one vm-check run on Debian's
# 7.3.4 with MODULES' kvm.ko and kvm-amd.ko; its output and reports are
# kept in $work/boots/NAME; sets vm_rc.
vm_check()
{
	local name=$1 mods=$2 npt=$3 o=$work/vm-out
	shift 3
	step "vm-check $name: $krel, kvm_amd npt=$npt, modules from $mods"
	vm_rc=0
	# Only this run's reports: vm-check reuses its runs/ directories.
	rm -rf "$o/runs" "$work/boots/$name"
	DEBIAN_APT_DIR=$debian_apt_dir "$top/vm/vm-check.sh" -k "$kimage" \
		-m "$kroot/usr/lib/modules/$krel" -M "$mods" -n "$npt" -O "$o" "$@" \
		> "$work/boots/$name.log" 2>&1 || vm_rc=$?
	mkdir -p "$work/boots/$name/runs"
	(cd "$o" && find runs -name '*.console' -o -name '*.ktap' -o -name '*.verdict' \
		-o -name '*.serial' -o -name '*.times' | cpio -pdm --quiet "$work/boots/$name") ||
		fail "cannot keep the reports of $name"
	[ ! -f "$o/results.tsv" ] || cp "$o/results.tsv" "$work/boots/$name/"
	grep -E '^vm-check:   |NEW FAILURE|known host issue|^(not )?ok [0-9]+ selftests' \
		"$work/boots/$name.log" | sed 's/^/   /'
	echo "   vm-check exit $vm_rc; log $work/boots/$name.log"
	step_done
}

# The upstream test's verdicts in a boot: "CASE ok|not ok|skip" lines.
case_results()
{
	sed -n 's/^# \(not ok\|ok\) [0-9]* \(dirty_ring\.[a-z_]*\)\( # SKIP\)\{0,1\}.*/\2 \1\3/p' \
		"$work/boots/$1.log" | sed 's/ # SKIP/ skip/'
}

# boots: fail-before / pass-after on 7.3.4, both MMUs, then the project's
# suite with the patched modules.
boots()
{
	local npt res
	mkdir -p "$work/boots"
	for npt in 1 0; do
		vm_check "stock-npt$npt" "$work/modules-stock/out" "$npt" \
			-x upstream="$work/guest-tests" -t upstream:dirty_ring_reset_test
		res=$(case_results "stock-npt$npt")
		echo "$res" | sed 's/^/   stock: /'
		[ "$vm_rc" != 0 ] && echo "$res" | grep -qx 'dirty_ring.reset_beyond_push not ok' &&
			echo "$res" | grep -qx 'dirty_ring.signal_during_reset not ok' ||
			fail "stock 7.3.4 npt=$npt: dirty_ring_reset_test did not fail both cases"
		grep -q 'KVM_RESET_DIRTY_RINGS reset [0-9]* entries for [0-9]* harvested' \
			"$work/boots/stock-npt$npt/runs/"*/*.ktap ||
			fail "stock npt=$npt: reset_beyond_push failed without naming the reset count"
		vm_check "patched-npt$npt" "$work/modules-patched/out" "$npt" \
			-x upstream="$work/guest-tests" -t upstream:dirty_ring_reset_test
		res=$(case_results "patched-npt$npt")
		echo "$res" | sed 's/^/   patched: /'
		[ "$vm_rc" = 0 ] && echo "$res" | grep -qx 'dirty_ring.reset_beyond_push ok' &&
			echo "$res" | grep -qx 'dirty_ring.signal_during_reset ok' ||
			fail "patched 7.3.4 npt=$npt: dirty_ring_reset_test did not pass both cases"
		if grep -q 'WARNING:.*dirty_ring' "$work/boots/patched-npt$npt/runs/"*/*.console; then
			fail "patched npt=$npt: a dirty ring WARN in the kernel log"
		fi
	done
	for npt in ${UPSTREAM_SUITE_NPT-1}; do
		vm_check "patched-suite-npt$npt" "$work/modules-patched/out" "$npt"
		[ "$vm_rc" = 0 ] || fail "patched 7.3.4 npt=$npt: the project's suite is not green"
		if grep -h '^known host issue' "$work/boots/patched-suite-npt$npt/runs/"*/*.verdict |
		   grep -E 'reset|signal|push'; then
			fail "patched npt=$npt: a known-issue entry was still needed (above)"
		fi
	done
}

# use_tree: the scratch tree of an earlier quick run, as it is.
use_tree()
{
	[ -d "$tree/.git" ] && [ -f "$work/base" ] && [ -f "$work/src.version" ] ||
		fail "no scratch tree in $work: run quick first"
	base=$(cat "$work/base")
	src_ver=$(cat "$work/src.version")
	# shellcheck source=../vm/debian-apt.sh
	. "$top/vm/debian-apt.sh"
	debian_apt_init "${DEBIAN_APT_DIR:-$work/debian-apt}"
	debian_apt_update
}

regen()
{
	local sender=${1:-} out=$work/regen name mail head
	local -a ident=(-c user.name="SENDER NAME" -c user.email=sender@example.invalid)
	[ -d "$tree/.git" ] && [ -f "$work/base" ] || fail "no scratch tree in $work: run quick first"
	base=$(cat "$work/base")
	git -C "$tree" rev-parse -q --verify "$base" > /dev/null || fail "no base $base"
	if [ -n "$sender" ]; then
		echo "$sender" | grep -q '^[^<>]* <[^<>@]*@[^<>]*>$' ||
			fail "SENDER must read 'Full Name <address>', got '$sender'"
		name=${sender% <*}
		mail=$(echo "$sender" | sed 's/.*<\(.*\)>/\1/')
		ident=(-c user.name="$name" -c user.email="$mail")
		# The sender becomes author and signs off, with today's dates;
		# the tree gets the unsigned series back after.
		head=$(git -C "$tree" rev-parse HEAD)
		unset GIT_AUTHOR_DATE GIT_COMMITTER_DATE
		env -u GIT_AUTHOR_DATE -u GIT_COMMITTER_DATE \
			GIT_AUTHOR_NAME="$name" GIT_AUTHOR_EMAIL="$mail" \
			GIT_COMMITTER_NAME="$name" GIT_COMMITTER_EMAIL="$mail" \
			git -C "$tree" rebase -q --exec \
			"git commit -q --amend --no-edit --reset-author --signoff" "$base" \
			> /dev/null || fail "could not sign the series"
	fi
	rm -rf "$out"
	git -C "$tree" config branch.master.description "$(cat "$up/cover-letter.txt")"
	git -C "$tree" "${ident[@]}" format-patch -q --cover-letter --cover-from-description=subject \
		--base="$base" -o "$out" "$base..HEAD"
	if [ -n "$sender" ]; then
		git -C "$tree" reset -q --hard "$head"
		echo "signed series in $out: check it, then send it as upstream/README.md says"
	else
		rm -f "$up"/0[0-9][0-9][0-9]-*.patch
		cp "$out"/*.patch "$up"/
		echo "upstream/*.patch rewritten from $tree"
	fi
}

# quick_part: the series applied to the 7.3 tree, checkpatch, and
# upstream's KVM selftests built for x86_64 and arm64.
quick_part()
{
	need_tools
	prepare_tree
	check_base
	apply_series
	run_checkpatch
	build_selftests x86_64
	build_selftests arm64
}

case $cmd in
quick)
	[ $# -eq 0 ] || usage
	t0=$(date +%s)
	quick_part
	echo "upstream-check quick: PASS ($(( $(date +%s) - t0 )) s)"
	;;
full)
	[ $# -eq 0 ] || usage
	t0=$(date +%s)
	quick_part
	echo "upstream-check quick part: PASS ($(( $(date +%s) - t0 )) s)"
	kernel_prepare
	build_modules stock "$base"
	build_modules patched HEAD
	build_guest_tests
	boots
	echo "upstream-check: PASS ($(( $(date +%s) - t0 )) s)"
	;;
modules|boots)
	# On the tree of an earlier quick run: the module builds (and boots).
	[ $# -eq 0 ] || usage
	use_tree
	kernel_prepare
	build_modules stock "$base"
	build_modules patched HEAD
	if [ "$cmd" = boots ]; then
		build_guest_tests
		boots
	fi
	;;
regen)
	[ $# -le 1 ] || usage
	regen "${1:-}"
	;;
*)
	usage ;;
esac
