#!/bin/sh
# deb.sh - build art's Debian package from a scratch copy of this tree,
# check it with lintian, install it, run it, then purge it and check that
# nothing of it is left under /usr.
#
#   tests/deb.sh [--keep]
#
# Run as root on a Debian machine where the art package is not installed:
# it installs the build dependencies, the package and its dependencies,
# and removes the package again.  Not run by make check, since the build
# alone takes minutes.  --keep keeps the scratch directory (the build log,
# the .deb, the .changes, lintian's output) and prints where it is.
set -eu

usage() { echo "usage: tests/deb.sh [--keep]"; }

keep=0
case "${1-}" in
'') ;;
--keep) keep=1 ;;
-h|--help) usage; exit 0 ;;
*) usage >&2; exit 2 ;;
esac

say() { printf 'deb.sh: %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || { say "must run as root: it installs and removes packages"; exit 2; }
for tool in dpkg-buildpackage dpkg-parsechangelog lintian apt-get; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ say "$tool not found: apt-get install devscripts debhelper lintian build-essential fakeroot"; exit 2; }
done
# The purge at the end would take away an art installed by someone else.
if [ -n "$(dpkg-query -W -f='${Status}' art 2>/dev/null | grep -v 'not-installed$' || true)" ]; then
	say "the art package is already on this machine ($(dpkg-query -W -f='${Status}' art)): purge it first"
	exit 2
fi

top=$(cd "$(dirname "$0")/.." && pwd)
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
upstream=${version%-*}
arch=$(dpkg --print-architecture)
export DEBIAN_FRONTEND=noninteractive

scratch=$(mktemp -d "${TMPDIR:-/tmp}/art-deb.XXXXXX")
installed=0
cleanup() {
	if [ "$installed" -eq 1 ]; then
		say "purging the art package left by a failed check"
		apt-get remove --purge -y -qq art >/dev/null 2>&1 || true
	fi
	if [ "$keep" -eq 1 ]; then say "kept $scratch"; else rm -rf "$scratch"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The copy: what git tracks or would track (no build/, no leftovers of an
# earlier package build), so that no build product lands in the tree.
src=$scratch/art-$upstream
mkdir "$src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	# --ignore-failed-read: a tracked file deleted in the work tree is skipped
	git -C "$top" ls-files -z -co --exclude-standard |
		tar -C "$top" --null --ignore-failed-read -T - -cf - 2>/dev/null |
		tar -C "$src" -xf -
else
	tar -C "$top" --exclude=./build --exclude=./.git -cf - . | tar -C "$src" -xf -
fi
[ -x "$src/debian/rules" ] || fail "no debian/rules in the copy $src"

say "build dependencies"
if ! (cd "$src" && dpkg-checkbuilddeps) >/dev/null 2>&1; then
	apt-get update -qq
	apt-get build-dep -y -qq "$src/" >/dev/null
fi

# The source package too, from the clean copy, so that lintian sees
# debian/control, debian/copyright and debian/rules as the archive would:
# the upstream tarball is the tree without debian/.
say "source package (dpkg-source -b)"
tar -C "$scratch" --exclude="art-$upstream/debian" -czf "$scratch/art_$upstream.orig.tar.gz" "art-$upstream"
(cd "$scratch" && dpkg-source -b "art-$upstream") >"$scratch/source.log" 2>&1 ||
	{ cat "$scratch/source.log" >&2; fail "dpkg-source -b failed"; }
dsc=$scratch/art_$version.dsc

say "dpkg-buildpackage -us -uc -b in $src (log: $scratch/build.log)"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b -Jauto) >"$scratch/build.log" 2>&1; then
	tail -n 40 "$scratch/build.log" >&2
	fail "dpkg-buildpackage failed"
fi
deb=$scratch/art_${version}_$arch.deb
changes=$scratch/art_${version}_$arch.changes
[ -f "$deb" ] || fail "no $deb"
[ -f "$changes" ] || fail "no $changes"
# the unit tests ran in the build (debian/rules) and passed
grep -q '^build/tests/test_store$' "$scratch/build.log" || fail "the unit tests did not run in the build"

say "lintian $dsc $changes"
lintian -I --pedantic --fail-on error,warning "$dsc" "$changes" >"$scratch/lintian.txt" 2>&1 || {
	cat "$scratch/lintian.txt" >&2
	fail "lintian reports errors or warnings"
}
cat "$scratch/lintian.txt" >&2

# Every file the package ships is under /usr (its copyright and changelog
# included): nothing in /etc, /usr/local or elsewhere.
outside=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | grep -v -e '^\./$' -e '^\./usr/' || true)
[ -z "$outside" ] || fail "files outside /usr: $outside"

# Dependencies first, then a picture of /usr, so that what the package
# itself adds and leaves behind can be told apart from what they bring.
say "dependencies: $(dpkg-deb -f "$deb" Depends); $(dpkg-deb -f "$deb" Recommends)"
apt-get satisfy -y -qq "$(dpkg-deb -f "$deb" Depends)" "$(dpkg-deb -f "$deb" Recommends)" >/dev/null
find /usr -xdev | LC_ALL=C sort >"$scratch/usr.before"

say "apt-get install $deb"
installed=1
apt-get install -y -qq "$deb" >/dev/null
[ "$(dpkg-query -W -f='${Status} ${Version}' art)" = "install ok installed $version" ] ||
	fail "art $version is not installed: $(dpkg-query -W -f='${Status} ${Version}' art)"
find /usr -xdev | LC_ALL=C sort >"$scratch/usr.installed"
[ -n "$(LC_ALL=C comm -13 "$scratch/usr.before" "$scratch/usr.installed")" ] ||
	fail "installing the package added nothing under /usr"

say "art --version"
out=$(art --version) || fail "art --version exited $?"
[ "$out" = "art $upstream" ] || fail "art --version printed '$out', not 'art $upstream'"

# shellcheck disable=SC2013 # the words of one line
for c in $(sed -n 's/^COMMANDS *= *//p' "$src/Makefile"); do
	[ -x "/usr/bin/$c" ] || fail "/usr/bin/$c missing"
done

if [ -f "$src/cmd/art-doctor.c" ]; then
	say "art doctor"
	# 0: all is well, 1: a check failed on this machine; anything else (2:
	# art did not find art-doctor) is a broken package
	rc=0
	out=$(art doctor) || rc=$?
	printf '%s\n' "$out" >&2
	[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "art doctor exited $rc"
	[ -n "$out" ] || fail "art doctor printed nothing on stdout"
	# what the package's dependencies bring must be there and work; the
	# kernel's checks (user namespaces, seccomp, Landlock) are the machine's
	for c in libgit2 jansson libcurl libsodium libseccomp sqlite pcre2 keyutils git; do
		line=$(printf '%s\n' "$out" | grep "\"check\":\"$c\"") ||
			fail "art doctor has no $c check"
		case "$line" in
		*'"ok":true'*) ;;
		*) fail "art doctor: $line" ;;
		esac
	done
else
	say "no art-doctor in this tree yet: art init --help instead"
	out=$(art init --help) || fail "art init --help exited $?"
	case "$out" in
	*usage:*art-init*) ;;
	*) fail "art init --help printed no usage: $out" ;;
	esac
fi

say "man pages and completions"
for page in "$src"/man/*.[157]; do
	name=${page##*/}
	sec=${name##*.}
	[ -f "/usr/share/man/man$sec/$name.gz" ] || fail "/usr/share/man/man$sec/$name.gz missing"
done
if command -v man >/dev/null 2>&1; then
	# art help finds its pages where Debian put them (compressed, in man's path)
	out=$(MANPAGER=cat PAGER=cat MANWIDTH=80 art help start 2>&1) || fail "art help start: $out"
	case "$out" in
	*art-start*) ;;
	*) fail "art help start did not show art-start(1): $out" ;;
	esac
fi
bashcomp=/usr/share/bash-completion/completions/art
zshcomp=/usr/share/zsh/vendor-completions/_art
[ -f "$bashcomp" ] || fail "$bashcomp missing"
[ -f "$zshcomp" ] || fail "$zshcomp missing"
bash -c '. "$1" && complete -p art' sh "$bashcomp" >/dev/null ||
	fail "$bashcomp does not define a completion for art"
head -n 1 "$zshcomp" | grep -q '^#compdef .*art' || fail "$zshcomp has no #compdef line for art"
# fish's, once the Makefile installs one (FISHCOMPDIR)
if grep -q 'art\.fish' "$src/Makefile"; then
	[ -f /usr/share/fish/vendor_completions.d/art.fish ] ||
		fail "/usr/share/fish/vendor_completions.d/art.fish missing"
fi
[ -f /usr/share/doc/art/copyright ] || fail "/usr/share/doc/art/copyright missing"

say "apt-get remove --purge art"
dpkg -L art | LC_ALL=C sort >"$scratch/art.files"
apt-get remove --purge -y -qq art >/dev/null
installed=0
[ -z "$(dpkg-query -W -f='${Status}' art 2>/dev/null | grep -v 'not-installed$' || true)" ] ||
	fail "art is still known to dpkg after the purge: $(dpkg-query -W -f='${Status}' art)"
find /usr -xdev | LC_ALL=C sort >"$scratch/usr.after"
left=$(LC_ALL=C comm -13 "$scratch/usr.before" "$scratch/usr.after")
[ -z "$left" ] || fail "left under /usr after the purge: $left"
left=$(LC_ALL=C comm -12 "$scratch/art.files" "$scratch/usr.after" |
	LC_ALL=C comm -23 - "$scratch/usr.before")
[ -z "$left" ] || fail "the package's files left after the purge: $left"

say "ok: art $version built, lintian-clean, installed, run and purged"
