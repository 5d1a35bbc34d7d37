#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vm/debian-apt.sh: packages from every Debian suite (bookworm and its
# updates, security and backports; trixie and trixie-backports; sid) for
# amd64 and arm64, through a private apt configuration: its own sources
# list, package lists and cache in one directory.  The machine's apt
# sources, lists and installed packages are never touched; packages are
# only downloaded (apt-get download) and unpacked (dpkg-deb -x).
#
# Sourced (vm-check, vmm-check, upstream-check) or run:
#   vm/debian-apt.sh [-D DIR] update
#   vm/debian-apt.sh [-D DIR] cache ARGS...      apt-cache with the private lists
#   vm/debian-apt.sh [-D DIR] unpack DEST PKG... download PKG... and unpack
#                                                them all into DEST
# DIR: $DEBIAN_APT_DIR, default ./debian-apt.  The lists are fetched again
# when they are older than $DEBIAN_APT_MAX_AGE seconds (default 3600).

debian_mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
debian_security_mirror=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
debian_suites="bookworm bookworm-updates bookworm-backports trixie trixie-backports sid"
debian_arches="amd64 arm64"
debian_keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# debian_apt_options: apt's options for the private configuration in
# $debian_apt_dir, one per line.
debian_apt_options()
{
	local d=$debian_apt_dir a
	printf '%s\n' -o "Dir::Etc::sourcelist=$d/sources.list" -o "Dir::Etc::sourceparts=-" \
		-o "Dir::State::lists=$d/lists" -o "Dir::Cache=$d/cache" \
		-o "Debug::NoLocking=1" -o "APT::Architectures::="
	for a in $debian_arches; do
		printf '%s\n' -o "APT::Architectures::=$a"
	done
}

debian_apt_fail()
{
	echo "${prog:-debian-apt}: $*" >&2
	exit 1
}

# debian_apt_init [DIR]: set debian_apt_dir and write its sources list.
debian_apt_init()
{
	debian_apt_dir=${1:-${DEBIAN_APT_DIR:-$PWD/debian-apt}}
	mkdir -p "$debian_apt_dir/lists/partial" "$debian_apt_dir/cache/archives/partial" ||
		debian_apt_fail "cannot create $debian_apt_dir"
	debian_apt_dir=$(cd "$debian_apt_dir" && pwd)
	[ -r "$debian_keyring" ] ||
		debian_apt_fail "no $debian_keyring (Debian: apt-get install debian-archive-keyring)"
	# a name of its own: parallel runs share the directory
	local s arch=${debian_arches// /,} list=$debian_apt_dir/sources.list.$BASHPID
	{
		for s in $debian_suites; do
			echo "deb [arch=$arch signed-by=$debian_keyring] $debian_mirror $s main"
		done
		echo "deb [arch=$arch signed-by=$debian_keyring] $debian_security_mirror bookworm-security main"
	} > "$list"
	if cmp -s "$list" "$debian_apt_dir/sources.list"; then
		rm -f "$list"
	else
		mv "$list" "$debian_apt_dir/sources.list"
		rm -f "$debian_apt_dir/updated"
	fi
}

# debian_apt_update: fetch the package lists unless they are fresh; one
# process at a time per directory (parallel vm-checks share it).
debian_apt_update()
{
	local max=${DEBIAN_APT_MAX_AGE:-3600} stamp=$debian_apt_dir/updated now age
	local -a opts
	mapfile -t opts < <(debian_apt_options)
	exec {lock}> "$debian_apt_dir/lock"
	flock "$lock"
	now=$(date +%s)
	age=$max
	[ ! -e "$stamp" ] || age=$((now - $(stat -c %Y "$stamp")))
	if [ "$age" -ge "$max" ]; then
		echo "${prog:-debian-apt}: fetching the package lists of $debian_suites" >&2
		if ! apt-get "${opts[@]}" -q update > "$debian_apt_dir/update.log" 2>&1 ||
			grep -q '^[WE]: ' "$debian_apt_dir/update.log"; then
			tail -n 5 "$debian_apt_dir/update.log" >&2
			exec {lock}>&-
			debian_apt_fail "apt-get update of the private lists in $debian_apt_dir failed (log: $debian_apt_dir/update.log)"
		fi
		touch "$stamp"
	fi
	exec {lock}>&-
}

# debian_apt_cache ARGS...: apt-cache over the private lists.
debian_apt_cache()
{
	local -a opts
	mapfile -t opts < <(debian_apt_options)
	apt-cache "${opts[@]}" "$@"
}

# debian_pkgnames_file: the file of every package name of the private
# lists, one per line (made once per update).
debian_pkgnames_file()
{
	local names=$debian_apt_dir/pkgnames
	if [ ! -s "$names" ] || [ "$names" -ot "$debian_apt_dir/updated" ]; then
		debian_apt_cache pkgnames > "$names.$$" && mv "$names.$$" "$names" ||
			debian_apt_fail "apt-cache pkgnames over $debian_apt_dir failed"
	fi
	echo "$names"
}

# debian_pkgnames: every package name of the private lists.
debian_pkgnames()
{
	cat "$(debian_pkgnames_file)"
}

# debian_has PKG: is there a package PKG in some suite?
debian_has()
{
	grep -Fxq -- "$1" "$(debian_pkgnames_file)"
}

# debian_unpack DEST PKG...: download each package (NAME or NAME:ARCH) and
# unpack it into DEST (created); the .debs are removed after.
debian_unpack()
{
	local dest=$1 deb tmp
	local -a opts
	shift
	mapfile -t opts < <(debian_apt_options)
	mkdir -p "$dest" || debian_apt_fail "cannot create $dest"
	tmp=$(mktemp -d "$debian_apt_dir/download.XXXXXX")
	if ! (cd "$tmp" && apt-get "${opts[@]}" -q download "$@" > download.log 2>&1); then
		cat "$tmp/download.log" >&2
		rm -rf "$tmp"
		debian_apt_fail "apt-get download $* failed"
	fi
	for deb in "$tmp"/*.deb; do
		dpkg-deb -x "$deb" "$dest" || { rm -rf "$tmp"; debian_apt_fail "dpkg-deb -x $deb failed"; }
	done
	rm -rf "$tmp"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	prog=debian-apt
	dir=""
	if [ "${1:-}" = -D ]; then
		dir=${2:?-D needs a directory}
		shift 2
	fi
	cmd=${1:-}
	[ $# -eq 0 ] || shift
	debian_apt_init "$dir"
	case "$cmd" in
	update) DEBIAN_APT_MAX_AGE=0 debian_apt_update ;;
	cache) debian_apt_update; debian_apt_cache "$@" ;;
	unpack)
		[ $# -ge 2 ] || { echo "usage: $0 [-D DIR] unpack DEST PKG..." >&2; exit 2; }
		debian_apt_update
		debian_unpack "$@" ;;
	*)
		echo "usage: $0 [-D DIR] update | cache ARGS... | unpack DEST PKG..." >&2
		exit 2 ;;
	esac
fi
