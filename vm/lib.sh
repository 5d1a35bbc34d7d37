# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2154,SC2034 # globals shared with the sourcing script
#
# vm/lib.sh: what vm-check.sh, vng-check.sh, lava.sh and vmm/vmm-check.sh
# share, sourced by each: Debian kernels fetched and unpacked, a kernel's
# release read from its bzImage, kvm_amd and its dependencies packed into
# an initramfs (with replacement modules and load-time parameters), one
# boot of the outer QEMU whose second serial port is streamed line by
# line, killed when it stalls or at a deadline, and a guest's report
# judged.  For the three runners of the suite (vm-check, vng-check, lava)
# also their shared options, the suite's static build, the choice of tests
# and boots, and the guest's initramfs.
#
# The caller sets: prog (the prefix of messages, e.g. "vm-check"), top,
# selftests and kvmdir (the tree), out (the output directory), modules_dir
# (-m), kvm_modules (-M), and before pack_modules initrd_root and kmods
# (resolve_kernel sets kmods); a runner also its usage() and boot().

die()
{
	echo "$prog: $*" >&2
	exit 1
}

is_number()
{
	[[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -gt 0 ]
}

# require_tools TOOL...: each one on PATH, and busybox static.
require_tools()
{
	local tool
	for tool in "$@" busybox; do
		command -v "$tool" > /dev/null ||
			die "$tool is missing (Debian: apt-get install qemu-system-x86 busybox-static cpio kmod make binutils)"
	done
	busybox_bin=$(command -v busybox)
	if ldd "$busybox_bin" > /dev/null 2>&1; then
		die "$busybox_bin is linked dynamically: apt-get install busybox-static"
	fi
}

# The outer VM's CPU: SVM with nested paging under TCG (thread=single:
# thread=multi hangs kvm_amd guests).
cpu_model="qemu64,+svm,+npt"

# usage_modules: the help text of -m, -M, -p and -n.
usage_modules()
{
	cat <<EOF
  -m DIR       modules of a PATH kernel: a modules directory
               (INSTALL_MOD_PATH/lib/modules/VERSION) or the kernel build
               tree; kvm-amd.ko and what it depends on are taken from there.
               Without -m (and no lib/modules beside the kernel), KVM is
               built in and npt is set as kvm_amd.npt= on the command line
  -M DIR       replacement modules: a NAME.ko[.xz|.zst|.gz] here is loaded
               instead of the kernel's NAME module (e.g. a patched kvm.ko and
               kvm-amd.ko built out of tree for that kernel)
  -p PARAMS    module parameters given at load, MODULE.PARAM=VALUE words
               (e.g. "kvm.halt_poll_ns=0"; kvm_amd's npt is -n's)
  -n 0|1       kvm_amd npt (1: nested paging, 0: shadow paging); default 1
EOF
}

# conf_modules: the lines of /vm-check.conf that tell /init which modules
# to load with which parameters.
conf_modules()
{
	echo "VM_MODULE_ORDER=$(conf_quote "${order[*]}")"
	echo "VM_VENDOR=kvm_amd"
	echo "VM_VENDOR_FILE=kvm_amd"
	echo "VM_VENDOR_PARAMS=$(conf_quote "npt=$npt")"
	echo "VM_MODULE_PARAMS=$(conf_quote "$module_params")"
	echo "VM_NPT=$npt"
}

# ---- kernels ----

vm_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=vm/debian-apt.sh
. "$vm_lib_dir/debian-apt.sh"

# The Debian kernel flavour (amd64; arm64 for arm64 guests).
debian_flavour=${debian_flavour:-amd64}

# A Debian kernel version as package names carry it: 6.1.0-57,
# 6.12.118+deb12, 7.3.4+deb13 (extended regular expressions: what follows
# the three numbers, and the whole).
DEBIAN_KVER_TAIL='(-[0-9]+)?(\+(deb[0-9]+|bpo))?'
DEBIAN_KVER_RE="[0-9]+\\.[0-9]+\\.[0-9]+$DEBIAN_KVER_TAIL"

# debian_apt_ready: the private apt configuration ($DEBIAN_APT_DIR, else
# $out/apt) with fresh package lists of every suite.
debian_apt_ready()
{
	[ -n "${debian_apt_dir:-}" ] && return 0
	debian_apt_init "${DEBIAN_APT_DIR:-$out/apt}"
	debian_apt_update
}

# debian_versions PREFIX-RE: every kernel version of flavour
# $debian_flavour in any suite whose version matches PREFIX-RE, oldest
# first (the image packages up to 6.x, the modules packages from 7.x on).
debian_versions()
{
	local re="^linux-(image|modules)-($1)-$debian_flavour(-unsigned)?\$"
	debian_pkgnames | grep -E "$re" |
		sed -E "s/^linux-(image|modules)-//; s/-$debian_flavour(-unsigned)?\$//" |
		grep -E "^$DEBIAN_KVER_RE\$" | sort -uV
}

# debian_version SPEC: the Debian kernel version SPEC names: "newest" (the
# newest of every suite), a series (6.12, 7.3: its newest), a major (7:
# its newest) or a version (6.12.117+deb12, 6.1.0-57; must exist).
debian_version()
{
	local spec=$1 v
	case "$spec" in
	newest) v=$(debian_versions "$DEBIAN_KVER_RE" | tail -n 1) ;;
	*.*.*)	# exact, or without its Debian suffix (6.12.117: its newest build)
		v=$(debian_versions "$DEBIAN_KVER_RE" |
			awk -v s="$spec" '$0 == s || index($0, s "+") == 1' | tail -n 1) ;;
	*.*) v=$(debian_versions "${spec//./\\.}\\.[0-9]+$DEBIAN_KVER_TAIL" | tail -n 1) ;;
	*) v=$(debian_versions "$spec\\.[0-9]+\\.[0-9]+$DEBIAN_KVER_TAIL" | tail -n 1) ;;
	esac
	[ -n "$v" ] || die "no Debian kernel '$spec' for $debian_flavour in $debian_suites (looked for linux-image-$spec*-${debian_flavour}[-unsigned] and linux-modules-$spec*-$debian_flavour in $debian_apt_dir)"
	echo "$v"
}

# debian_kernel_packages VERSION: the packages holding that kernel's image
# and modules: linux-image-V-F-unsigned (one package, up to 6.x), else the
# 7.x split: linux-binary-V-F (or linux-binary-unsigned-V-F, whose image
# is vmlinuz.unsigned) and linux-modules-V-F.
debian_kernel_packages()
{
	local v=$1 f=$debian_flavour p
	p=linux-image-$v-$f-unsigned
	debian_has "$p" && { echo "$p"; return 0; }
	if debian_has "linux-modules-$v-$f"; then
		for p in "linux-binary-$v-$f" "linux-binary-unsigned-$v-$f"; do
			if debian_has "$p"; then
				echo "$p linux-modules-$v-$f"
				return 0
			fi
		done
	fi
	p="linux-image-$v-$f"
	debian_has "$p" && { echo "$p"; return 0; }
	die "Debian kernel $v: none of linux-image-$v-$f-unsigned, linux-binary[-unsigned]-$v-$f with linux-modules-$v-$f, linux-image-$v-$f in $debian_apt_dir"
}

# unpack_once DIR PKG...: Debian's packages PKG... downloaded and unpacked
# into DIR/root (vm/debian-apt.sh), once: DIR/.unpacked marks a finished
# unpacking, and a later call that finds it does nothing.  Its messages go
# to stderr.
unpack_once()
{
	local dir=$1
	shift
	[ ! -e "$dir/.unpacked" ] || return 0
	echo "$prog: unpacking $1$([ $# -eq 1 ] || echo " and $(($# - 1)) more") into $dir" >&2
	debian_apt_ready
	rm -rf "$dir" && mkdir -p "$dir"
	debian_unpack "$dir/root" "$@" >&2
	touch "$dir/.unpacked"
}

# fetch_debian SPEC: download and unpack a Debian kernel once
# (debian_kernel_packages: its packages); prints the root it is unpacked
# in (boot/vmlinuz-* and lib/modules/*, or from 7.x
# usr/lib/modules/*/{vmlinuz,kernel}).
fetch_debian()
{
	local spec=$1 v pkgs dir
	debian_apt_ready
	v=$(debian_version "$spec") || exit 1
	pkgs=$(debian_kernel_packages "$v") || exit 1
	dir=$out/kernels/${pkgs%% *}
	# shellcheck disable=SC2086 # the packages are words
	unpack_once "${dir%%:*}" $pkgs
	echo "${dir%%:*}/root"
}

# check_kernel_spec SPEC: a usage error unless SPEC is a path that exists
# or looks like a Debian series, major, version or "newest".
check_kernel_spec()
{
	[[ "$1" != */* ]] || [ -e "$1" ] || die_usage "kernel '$1': no such file or directory"
	[[ "$1" == */* ]] || [ "$1" = newest ] || [[ "$1" =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
		[[ "$1" =~ ^$DEBIAN_KVER_RE$ ]] ||
		die_usage "kernel '$1': newest, a Debian major, series or version (7, 6.12, 6.12.117+deb12, 6.1.0-57) or a path"
}

# kernel_in_tree ROOT: the kernel image of an unpacked kernel package or
# install tree: boot/vmlinuz-*, (usr/)lib/modules/*/vmlinuz[.unsigned], or
# ROOT/vmlinuz[.unsigned] (ROOT is a modules directory).  Prints nothing when there is none.
kernel_in_tree()
{
	local f
	for f in "$1"/boot/vmlinuz-* "$1"/{usr/lib,lib}/modules/*/vmlinuz{,.unsigned} \
		"$1"/vmlinuz{,.unsigned}; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 0
}

# modules_in_tree ROOT RELEASE: the modules directory of RELEASE in ROOT
# ((usr/)lib/modules/RELEASE, or ROOT itself when it is one), else the
# only one there is.  Prints nothing when there is none.
modules_in_tree()
{
	local d
	for d in "$1/lib/modules/$2" "$1/usr/lib/modules/$2"; do
		[ -d "$d/kernel" ] && { echo "$d/"; return 0; }
	done
	[ -d "$1/kernel" ] && { echo "$1/"; return 0; }
	for d in "$1"/lib/modules/*/ "$1"/usr/lib/modules/*/; do
		[ -d "$d/kernel" ] && { echo "$d"; return 0; }
	done
	return 0
}

# locate_kernel SPEC: for resolve_kernel, the kernel SPEC names: root, an
# unpacked kernel (SPEC's directory, or the Debian kernel SPEC names,
# fetched), empty for a kernel image file; bzimage, its image (SPEC's
# file, or the one kernel_in_tree finds in root) as an absolute path.
locate_kernel()
{
	local spec=$1
	root=""
	if [ -d "$spec" ]; then
		root=$spec
	elif [ -f "$spec" ]; then
		bzimage=$spec
	elif [[ "$spec" != */* ]]; then
		root=$(fetch_debian "$spec") || exit 1
	else
		die_usage "kernel '$spec': neither a file, a directory nor a Debian kernel"
	fi
	if [ -n "$root" ]; then
		bzimage=$(kernel_in_tree "$root")
		[ -n "$bzimage" ] ||
			die "no kernel image in $root (looked for boot/vmlinuz-*, usr/lib/modules/*/vmlinuz, lib/modules/*/vmlinuz, vmlinuz; also vmlinuz.unsigned)"
	fi
	bzimage=$(cd "$(dirname "$bzimage")" && pwd)/$(basename "$bzimage")
}

# resolve_kernel SPEC: sets bzimage, kmods (-m's, else the modules beside
# an unpacked kernel; may be empty) and kname.
resolve_kernel()
{
	local root
	locate_kernel "$1"
	kname=$(kernel_release "$bzimage")
	[ -n "$kname" ] || die "$bzimage is not a bzImage (no setup header)"
	kmods=$modules_dir
	[ -z "$root" ] || [ -n "$kmods" ] || kmods=$(modules_in_tree "$root" "$kname")
}

# kernel_release BZIMAGE: the release string of the boot protocol header
# (its "HdrS" magic at 0x202, the version string at 0x200 + the offset at
# 0x20e), as uname -r will print it.
kernel_release()
{
	local off
	[ "$(dd if="$1" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ] || return 0
	off=$(od -An -tu2 -j 526 -N 2 "$1" | tr -d ' ')
	dd if="$1" bs=1 skip=$((off + 512)) count=256 2>/dev/null | tr '\0' '\n' |
		head -n 1 | cut -d' ' -f1
}

# ---- modules ----

# find_module NAME: the file of module NAME (- and _ alike), replacements first.
find_module()
{
	local base=${1//_/-} d f n
	for d in $kvm_modules $kmods; do
		for n in "$base" "${1//-/_}"; do
			f=$(find -L "$d" \( -name "$n.ko" -o -name "$n.ko.xz" -o -name "$n.ko.zst" \
				-o -name "$n.ko.gz" \) -print -quit 2>/dev/null)
			[ -z "$f" ] || { echo "$f"; return 0; }
		done
	done
	return 1
}

# add_module NAME: NAME's dependencies, then NAME, into the load order.
add_module()
{
	local name=${1//-/_} file dep deps
	[[ " ${order[*]} " == *" $name "* ]] && return 0
	file=$(find_module "$name") || die "module $name not found in ${kvm_modules:+$kvm_modules and }$kmods"
	deps=$(modinfo -F depends "$file" 2>/dev/null) ||
		die "modinfo $file failed (a compressed module needs kmod with xz/zstd)"
	for dep in ${deps//,/ }; do
		add_module "$dep"
	done
	order+=("$name")
	local dst=$initrd_root/modules/$name.ko
	case "$file" in
	*.xz) xz -dc "$file" > "$dst" ;;
	*.zst) zstd -qdc "$file" > "$dst" ;;
	*.gz) gzip -dc "$file" > "$dst" ;;
	*) cp "$file" "$dst" ;;
	esac || die "cannot unpack $file"
	local from=""
	[ -z "$kvm_modules" ] || [[ "$file" != "$kvm_modules"* ]] || from=" (replacement)"
	echo "$prog: module $name: $file$from"
}

# pack_module_loader: what the guest's /init sources to load the modules
# and check the vendor module, vm/guest-modules.sh, as
# $initrd_root/kvm/guest-modules.sh.
pack_module_loader()
{
	install -D -m 644 "$vm_lib_dir/guest-modules.sh" "$initrd_root/kvm/guest-modules.sh"
}

# pack_modules: kvm_amd and its dependencies into $initrd_root/modules in
# load order (sets order); none when the kernel has no modules directory,
# KVM is then built in (sets builtin_kvm).
pack_modules()
{
	pack_module_loader
	mkdir -p "$initrd_root/modules"
	order=()
	builtin_kvm=""
	if [ -n "$kmods" ]; then
		add_module kvm_amd
	else
		builtin_kvm=1
		echo "$prog: no modules directory: KVM and kvm_amd must be built into $bzimage"
	fi
}

# check_outer_options: a usage error unless the options both scripts
# share are well formed: -n, -s, -d, -c, -r, -m, -M and -p.
check_outer_options()
{
	[[ "$npt" =~ ^[01]$ ]] || die_usage "bad -n '$npt': 0 or 1"
	is_number "$stall" || die_usage "bad -s '$stall': seconds"
	is_number "$deadline" || die_usage "bad -d '$deadline': seconds"
	is_number "$cpus" || die_usage "bad -c '$cpus': a number of vCPUs"
	[[ "$mem" =~ ^[0-9]+[MG]?$ ]] || die_usage "bad -r '$mem': e.g. 2G or 2048M"
	[ -z "$modules_dir" ] || [ -d "$modules_dir" ] || die_usage "-m $modules_dir: no such directory"
	[ -z "$kvm_modules" ] || [ -d "$kvm_modules" ] || die_usage "-M $kvm_modules: no such directory"
	check_module_params "$module_params"
}

# check_module_params PARAMS: a usage error unless every word is
# MODULE.PARAM=VALUE (what -p takes).
check_module_params()
{
	local p
	for p in $1; do
		[[ "$p" =~ ^[a-z][a-z0-9_-]*\.[a-z][a-z0-9_]*=[^\ ]*$ ]] ||
			die_usage "bad -p '$p': MODULE.PARAM=VALUE, e.g. kvm.halt_poll_ns=0"
	done
}

# ---- the runners: vm-check.sh, vng-check.sh and lava.sh ----

# The options the three runners share, for getopts; each adds its own
# ($runner_own_opts: vm-check's -f and -x, vng-check's -f, lava's -u).
runner_optstring=k:m:M:p:n:t:T:o:s:d:O:c:r:h

# runner_defaults: the defaults of the shared options but -O's (the
# caller's), and of what vm/arm64.sh changes for arm64 guests.
runner_defaults()
{
	kernels=() tests=() extras=()
	modules_dir="" kvm_modules="" module_params="" npt=1
	fresh_spec="dirty_ring_forged_test x86_64/dirty_ring_address_space_test"
	test_timeout="" scale=4 stall=300 deadline=1500 cpus=2 mem=2G
	guest_levels="cpl0 cpl3"
	suite_make_args=() strip_tool=strip
}

# usage_runner KILLED WATCHED OUTPUT: the help text of the shared options
# after -k and usage_modules': -t, -f (when the caller takes it), -T, -o,
# -s and -d (KILLED is what they kill, WATCHED what -s watches), -O
# (OUTPUT: what goes there), -c and -r.
usage_runner()
{
	echo "  -t TEST      run this test (repeatable or a list); default: every test"
	[[ "$runner_own_opts" != *f:* ]] || cat <<EOT
  -f TESTS     tests that get fresh boots of their own, one per guest
               level unless their KSELFTEST_<TEST>_ARGS has a -g (a WARN
               fires once per boot); default "$fresh_spec"; "" for none
EOT
	cat <<EOT
  -T N         KVM_SELFTEST_TIMEOUT_SCALE in the guest: case timeouts and
               vCPU watchdogs times N (nested KVM under TCG runs guests many
               times slower); default $scale
  -o SECONDS   timeout of each test (the runner's -o); default: N times
               the settings file's
  -s SECONDS   kill $1 when $2 prints nothing for this long;
               default $stall
  -d SECONDS   kill $1 after this long per boot; default $deadline
  -O DIR       output: $3; default $out
  -c CPUS      guest vCPUs; default $cpus
  -r MEM       guest memory: MiB, or with an M or G suffix; default $mem
EOT
}

die_usage()
{
	echo "$0: $1" >&2
	usage >&2
	exit 2
}

# runner_option OPT ARG: one option getopts read: a shared one (and -f)
# taken, -h the caller's usage, anything else a usage error.
runner_option()
{
	local words
	case "$1" in
	k) read -r -a words <<< "$2"; kernels+=("${words[@]}") ;;
	m) modules_dir=$2 ;;
	M) kvm_modules=$2 ;;
	p) module_params+=${module_params:+ }$2 ;;
	n) npt=$2 ;;
	t) read -r -a words <<< "$2"; tests+=("${words[@]}") ;;
	f) fresh_spec=$2 ;;
	T) scale=$2 ;;
	o) test_timeout=$2 ;;
	s) stall=$2 ;;
	d) deadline=$2 ;;
	O) out=$2 ;;
	c) cpus=$2 ;;
	r) mem=$2 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
}

# check_runner_options: after getopts, a usage error unless the shared
# options are well formed; kernels: $default_kernels when -k named none;
# fresh: the tests of -f.
check_runner_options()
{
	local k
	[ ${#kernels[@]} -gt 0 ] || read -r -a kernels <<< "$default_kernels"
	[ -z "$test_timeout" ] || [[ "$test_timeout" =~ ^[0-9]+$ ]] ||
		die_usage "bad -o '$test_timeout': seconds"
	is_number "$scale" && [ "$scale" -le 100 ] || die_usage "bad -T '$scale': 1 to 100"
	check_outer_options
	if [ -n "$modules_dir" ] && [ ${#kernels[@]} -ne 1 ]; then
		die_usage "-m goes with exactly one -k PATH kernel"
	fi
	for k in "${kernels[@]}"; do
		check_kernel_spec "$k"
	done
	read -r -a fresh <<< "$fresh_spec"
}

# build_suite: the suite built static ($suite_make_args) into $out/build
# and installed in install_dir; all_tests: its tests, then those of -x
# (add_extra_tests).
build_suite()
{
	local log=$out/build.log
	echo "$prog: building the suite static in $out/build (log: $log)"
	if ! make -C "$selftests" TARGETS=kvm "${suite_make_args[@]}" O="$out/build" \
		LDFLAGS=-static KSFT_INSTALL_PATH="$out/build/install" install > "$log" 2>&1; then
		tail -n 20 "$log" >&2
		die "building the suite failed"
	fi
	install_dir=$out/build/install
	mapfile -t all_tests < <(sed -n 's/^kvm://p' "$install_dir/kselftest-list.txt")
	add_extra_tests
}

# extra_programs DIR: the executable files in DIR (a -x directory), one a
# line.
extra_programs()
{
	local f
	for f in "$1"/*; do
		if [ -f "$f" ] && [ -x "$f" ]; then
			echo "$f"
		fi
	done
}

# add_extra_tests: each -x NAME=DIR (extras) checked, and its programs
# appended to all_tests as NAME:PROGRAM.
add_extra_tests()
{
	local x name dir f
	for x in "${extras[@]}"; do
		name=${x%%=*} dir=${x#*=}
		[[ "$x" == *=* && "$name" =~ ^[a-z0-9_]+$ && "$name" != kvm ]] ||
			die_usage "bad -x '$x': NAME=DIR, NAME of a-z 0-9 _ and not kvm"
		[ -d "$dir" ] || die_usage "-x $x: no directory $dir"
		while IFS= read -r f; do
			all_tests+=("$name:${f##*/}")
		done < <(extra_programs "$dir")
		[[ " ${all_tests[*]} " == *" $name:"* ]] || die_usage "-x $x: no executable in $dir"
	done
}

# select_tests: tests (-t's, else all_tests) and fresh checked against
# all_tests; test_timeout: -o's, else the settings file's times -T's
# scale; guest_env: the environment of the runner in the guest, the
# timeout scale and the KSELFTEST_<TEST>_ARGS of ours.
select_tests()
{
	local t var settings_timeout
	[ ${#tests[@]} -gt 0 ] || tests=("${all_tests[@]}")
	for t in "${tests[@]}"; do
		[[ " ${all_tests[*]} " == *" $t "* ]] ||
			die_usage "no test '$t' (tests: ${all_tests[*]})"
	done
	for t in "${fresh[@]}"; do
		[[ " ${all_tests[*]} " == *" $t "* ]] || die_usage "-f: no test '$t'"
	done
	if [ -z "$test_timeout" ]; then
		settings_timeout=$(sed -n 's/^timeout=//p' "$kvmdir/settings" | tail -n 1)
		test_timeout=$((${settings_timeout:-45} * scale))
	fi
	declare -gA guest_env=([KVM_SELFTEST_TIMEOUT_SCALE]=$scale)
	while IFS='=' read -r var _; do
		if [[ "$var" =~ ^KSELFTEST_[A-Z0-9_]+_ARGS$ ]]; then
			guest_env[$var]=${!var}
		fi
	done < <(env)
}

# args_var TEST: the name of TEST's KSELFTEST_<TEST>_ARGS variable (the
# runner's has the test's base name).
args_var()
{
	local v=${1##*/}
	v=${v^^}
	echo "KSELFTEST_${v//[^A-Z0-9_]/_}_ARGS"
}

# boot_env: boot_args, the runner's environment in the next boot's guest:
# guest_env.
boot_env()
{
	local var
	declare -gA boot_args=()
	for var in "${!guest_env[@]}"; do
		boot_args[$var]=${guest_env[$var]}
	done
}

# boot_tests: the boots of one kernel, each the caller's boot NAME
# RUNNER-ARGS... with boot_label and boot_args set: the tests -f does not
# name in one, the programs of each -x collection in one, and each test -f
# names in one per guest level ($guest_levels; one boot when its
# KSELFTEST_<TEST>_ARGS picks a level with -g).
boot_tests()
{
	local runner=(-o "$test_timeout") shared=() own=() ext=() levels t x g var n=0
	for t in "${tests[@]}"; do
		if [[ " ${fresh[*]} " == *" $t "* ]]; then
			own+=("$t")
		elif [[ "$t" != *:* ]]; then	# not of a -x collection
			shared+=(-t "kvm:$t")
		fi
	done
	if [ ${#shared[@]} -gt 0 ]; then
		n=$((n + 1))
		boot_env
		boot_label="$(( ${#shared[@]} / 2 )) test(s)"
		boot "boot$n" "${runner[@]}" "${shared[@]}"
	fi
	for x in "${extras[@]}"; do
		ext=()
		for t in "${tests[@]}"; do
			[ "${t%%:*}" != "${x%%=*}" ] || ext+=(-t "$t")
		done
		[ ${#ext[@]} -gt 0 ] || continue
		n=$((n + 1))
		boot_env
		boot_label="${x%%=*}: $(( ${#ext[@]} / 2 )) program(s)"
		boot "boot$n" "${runner[@]}" "${ext[@]}"
	done
	for t in "${own[@]}"; do
		var=$(args_var "$t")
		if [[ " ${guest_env[$var]:-} " == *" -g "* ]]; then
			levels=("")
		else
			read -r -a levels <<< "$guest_levels"
		fi
		for g in "${levels[@]}"; do
			n=$((n + 1))
			boot_env
			[ -z "$g" ] || boot_args[$var]="-g $g${guest_env[$var]:+ ${guest_env[$var]}}"
			boot_label="$t${g:+ -g $g} (a boot of its own)"
			boot "boot$n" "${runner[@]}" -t "kvm:$t"
		done
	done
}

# running_test KTAP: the test whose result line has not come yet.
running_test()
{
	sed -n -e 's/^# selftests: [^:]*: \(.*\)$/\1/p' \
		-e 's/^\(not \)\{0,1\}ok [0-9]* selftests: [^:]*: \([^ ]*\).*$/done \2/p' "$1" |
		tail -n 1 | grep -v '^done ' || true
}

# boot_outcome KILLED STOPPED GUEST-OUTPUT [PREFIX]: after run_outer or
# run_guarded (which set why; the caller's line hook sets ended and writes
# the report $ktap): boot_ok, emptied when the boot failed: KILLED (QEMU,
# vng) was killed (the test running and the report's last lines printed),
# the guest stopped before its end line (STOPPED: what the host saw of
# it), or the guest's output GUEST-OUTPUT has its "PREFIX: FAILED" line
# (PREFIX: $prog unless given).
boot_outcome()
{
	local cur
	boot_ok=1
	if [ -n "$why" ]; then
		boot_ok=""
		echo "$prog: $1 killed: $why"
		cur=$(running_test "$ktap")
		echo "$prog: test running: ${cur:-none (before or after the tests)}; its last lines:"
		tail -n 15 "$ktap" | sed "s/^/$prog:   /"
	elif [ -z "$ended" ]; then
		boot_ok=""
		echo "$prog: the guest stopped before the end of its run ($2)"
	fi
	if grep -q "^${4:-$prog}: FAILED" "$3"; then
		boot_ok=""
	fi
}

# judge_boot NAME SECS: the verdict on boot NAME's report $kdir/NAME.ktap
# (judge_report, saved to $kdir/NAME.verdict) and its line in summary
# (SECS: how long it took); boot_ok, and all_ok, emptied when it failed.
judge_boot()
{
	judge_report "$kvmdir/known-issues.txt" "$kdir/$1.ktap" "$kdir/$1.verdict" || boot_ok=""
	summary+=("$(printf '%-24s npt=%s  %-52s %4d s  %s' "$kname" "$npt" "$boot_label" \
		"$2" "$([ -n "$boot_ok" ] && echo green || echo FAILED)")")
	[ -n "$boot_ok" ] || all_ok=""
}

# runner_end: the summary of every boot, then the verdict: exit 1 unless
# every boot was green.
runner_end()
{
	echo "$prog: summary"
	printf '%s\n' "${summary[@]}" | sed "s/^/$prog:   /"
	[ -n "$all_ok" ] || { echo "$prog: FAILED"; exit 1; }
	echo "$prog: all reports green"
}

# ---- the guest's initramfs ----

# pack_guest_base INIT: $initrd_root anew, with busybox as /bin/sh, INIT
# as /init and /kvm/host_info.sh.
pack_guest_base()
{
	rm -rf "$initrd_root" && mkdir -p "$initrd_root"/{bin,kvm}
	cp "$busybox_bin" "$initrd_root/bin/busybox"
	ln -s busybox "$initrd_root/bin/sh"
	install -m 755 "$1" "$initrd_root/init"
	install -m 755 "$kvmdir/host_info.sh" "$initrd_root/kvm/host_info.sh"
}

# pack_suite: the installed suite (install_dir) into
# $initrd_root/kselftest, its programs stripped of their debug
# information with $strip_tool (scripts and data stay as they are).
pack_suite()
{
	local f
	mkdir -p "$initrd_root/kselftest"
	cp -a "$install_dir"/. "$initrd_root/kselftest/"
	for f in "$initrd_root"/kselftest/kvm/*; do
		"$strip_tool" --strip-debug "$f" 2>/dev/null || true
	done
}

# ---- one boot ----

kill_qemu()
{
	kill -TERM "$qpid" 2>/dev/null || return 0
	local i
	for i in 1 2 3 4 5; do
		kill -0 "$qpid" 2>/dev/null || return 0
		sleep 1
	done
	kill -KILL "$qpid" 2>/dev/null || true
}

now_ms()
{
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

# report_line LINE: a line of the report port: printed, and unless it is
# one of /init's own ("vm-check: ...") appended to $ktap; "vm-check: end"
# sets ended.
report_line()
{
	printf '%s\n' "$1"
	case "$1" in
	"vm-check: end") ended=1 ;;
	"vm-check: "*) ;;
	*) printf '%s\n' "$1" >> "$ktap" ;;
	esac
}

# outer_qemu CPIO SERIAL CONSOLE: run the outer QEMU (x86_64; vm/arm64.sh
# has arm64's): the kernel console to CONSOLE, the report port to SERIAL.
outer_qemu()
{
	local append
	# no_timer_check: under TCG on a loaded host the kernel's check of
	# the IO-APIC timer can miss its ticks and panic the boot ("IO-APIC +
	# timer doesn't work!", seen once in make vm-check at load 13).
	append="console=ttyS0 panic=-1 rdinit=/init no_timer_check"
	[ -z "$builtin_kvm" ] || append+=" kvm_amd.npt=$npt${module_params:+ $module_params}"
	exec qemu-system-x86_64 -accel tcg,thread=single -cpu "$cpu_model" \
		-smp "$cpus" -m "$mem" -nodefaults -display none -no-reboot \
		-kernel "$bzimage" -initrd "$1" -append "$append" \
		-chardev file,id=con,path="$3" -serial chardev:con \
		-chardev file,id=rep,path="$2" -serial chardev:rep
}

# run_outer CPIO SERIAL CONSOLE LOG LINE-HOOK: boot $bzimage with CPIO
# in QEMU TCG ($cpu_model, $cpus, $mem; kvm_amd's npt=$npt and the -p
# parameters on the command line when KVM is built in) in the
# background, stdout and stderr to LOG, the kernel console to CONSOLE and
# the report port to SERIAL, and stream SERIAL, calling LINE-HOOK LINE
# for each line (now: the time of the line in ms).  QEMU is killed after
# $stall s without output or after $deadline s in all.  Sets why (empty,
# or why QEMU was killed) and boot_secs.
run_outer()
{
	local cpio=$1 serial=$2 console=$3 log=$4 hook=$5
	local fd start last chunk buf="" line rc
	: > "$serial"; : > "$console"
	outer_qemu "$cpio" "$serial" "$console" > "$log" 2>&1 &
	qpid=$!
	exec {fd}< <(tail -n +1 -F --pid="$qpid" "$serial" 2>/dev/null)
	start=$(now_ms)
	last=$start
	why=""
	while :; do
		chunk=""
		rc=0
		IFS= read -r -t 1 -u "$fd" chunk || rc=$?
		if [ "$rc" -eq 0 ]; then
			line=${buf}${chunk}
			buf=""
			line=${line//$'\r'/}
			now=$(now_ms)
			last=$now
			"$hook" "$line"
			continue
		fi
		if [ "$rc" -le 128 ]; then	# EOF: QEMU is gone
			[ -z "$buf$chunk" ] || "$hook" "${buf}${chunk}"
			break
		fi
		buf+=$chunk
		[ -z "$chunk" ] || last=$(now_ms)
		now=$(now_ms)
		if [ -z "$why" ] && [ $((now - last)) -ge $((stall * 1000)) ]; then
			why="no output for $stall s"
		elif [ -z "$why" ] && [ $((now - start)) -ge $((deadline * 1000)) ]; then
			why="deadline of $deadline s reached"
		fi
		if [ -n "$why" ]; then
			kill_qemu
		fi
	done
	exec {fd}<&-
	wait "$qpid" 2>/dev/null || true
	boot_secs=$(( ($(now_ms) - start) / 1000 ))
}

# conf_quote VALUE: VALUE as a single-quoted sh word.
conf_quote()
{
	printf "'%s'" "${1//\'/\'\\\'\'}"
}

# judge_report KNOWN KTAP VERDICT: the gate's verdict (ktap_check.sh with
# KNOWN) on a guest's report KTAP, printed and saved to VERDICT; returns
# the gate's status, not that of the printing.  A guest's report must name
# its host (the "# kvm-host:" line its init prints before the suite): the
# gate would judge a report without one as made on this machine, so that
# this machine's known issues could excuse the guest's failures; such a
# report fails.
judge_report()
{
	local rc

	if ! grep -q '^# kvm-host: ' "$2"; then
		echo "$prog: $2 has no kvm-host line: a guest's report must name its host to be judged" |
			tee "$3"
		return 1
	fi
	"$top/tools/testing/selftests/kvm/ktap_check.sh" "$1" "$2" > "$3" 2>&1
	rc=$?
	cat "$3"
	return "$rc"
}
