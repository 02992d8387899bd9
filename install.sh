#!/bin/sh
# install.sh - install art on Debian (12 or later) and what it needs.
#
#   ./install.sh [--prefix DIR] [--demo] [--deps-only] [--with-test-deps]
#
# Installs the missing Debian packages (as root, or through sudo), builds,
# and installs under /usr/local as root or ~/.local otherwise.  Running it
# again changes nothing that is already in place.
set -eu

usage() {
	echo "usage: ./install.sh [--prefix DIR] [--demo] [--deps-only] [--with-test-deps]"
}

prefix=
demo=0
deps_only=0
test_deps=0
while [ $# -gt 0 ]; do
	case "$1" in
	--prefix) [ $# -ge 2 ] || { usage >&2; exit 2; }; prefix=$2; shift ;;
	--prefix=*) prefix=${1#--prefix=} ;;
	--demo) demo=1 ;;
	--deps-only) deps_only=1 ;;
	--with-test-deps) test_deps=1 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

say() { printf 'install.sh: %s\n' "$*" >&2; }

cd "$(dirname "$0")"

# Build and run dependencies: the libraries of the design card.
pkgs="build-essential pkg-config git libgit2-dev libjansson-dev libcurl4-openssl-dev
libsodium-dev libseccomp-dev libsqlite3-dev libpcre2-dev libkeyutils-dev man-db"
# What the tests use on top: make check and check-asan (the microVM's
# tests need QEMU, a kernel and busybox), make fuzz (libFuzzer),
# check-valgrind, analyze and coverage.
[ "$test_deps" -eq 1 ] && pkgs="$pkgs bats jq sqlite3 mandoc clang zsh python3-securesystemslib python3-cryptography bubblewrap keyutils curl fish
qemu-system-x86 busybox-static linux-image-amd64 xz-utils
libclang-rt-14-dev valgrind parallel cppcheck clang-tidy lcov"

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -eq 0 ]; then
		sudo=
	elif command -v sudo >/dev/null 2>&1; then
		sudo=sudo
	else
		say "missing packages:$missing; run as root or install sudo"
		exit 1
	fi
	say "installing Debian packages:$missing"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086 # one word per package
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
	say "Debian packages already installed"
fi
[ "$deps_only" -eq 1 ] && exit 0

if [ -z "$prefix" ]; then
	if [ "$(id -u)" -eq 0 ]; then prefix=/usr/local; else prefix=$HOME/.local; fi
fi
jobs=$(nproc 2>/dev/null || echo 2)
say "building (make -j$jobs)"
make -s -j"$jobs"
say "installing into $prefix"
make -s install PREFIX="$prefix"
case ":$PATH:" in
*":$prefix/bin:"*) ;;
*) say "note: $prefix/bin is not in your PATH; add it to use art" ;;
esac
say "installed: $("$prefix/bin/art" --version)"

if [ "$demo" -eq 1 ]; then
	PATH="$prefix/bin:$PATH" sh "$prefix/share/art/demo.sh"
fi
