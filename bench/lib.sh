# shellcheck shell=bash
# bench/lib.sh - what the benchmarks of bench/ share.  Sourced, not run
# (`make bench` runs every executable file of bench/, so this one is not).
#
# The sourcing script sets BENCH_NAME (e.g. "bench/start") first and runs
# under `set -euo pipefail`.  It gets:
#
#   say, die                 progress and fatal errors on standard error
#   bench_tool VAR NAME      art's NAME (from $ART_BIN, else ../build/bin
#                            beside bench/, else PATH) into the variable VAR
#   bench_rounds             ROUNDS from $BENCH_ROUNDS (default 7, at least 5)
#   bench_scratch            TMP, a scratch directory removed on exit; a
#                            clean HOME and git configuration; fixed git
#                            identities and dates; REPO="$TMP/repo"
#   G                        git without fsmonitor or automatic gc
#   bench_cache_file VERSION the tarball of $BENCH_DIR for VERSION (empty
#                            without BENCH_DIR)
#   bench_cache_save DIR FILE  DIR's contents into the tarball FILE
#   bench_base_repo          the repository of 50,000 files in $REPO (from
#                            the $BENCH_DIR cache when there), cwd there
#   now_us VAR, timed CMD ARGS..., median, bench_ratio A B
#
# Environment read here: ART_BIN, BENCH_ROUNDS, BENCH_DIR, TMPDIR.

say() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# The bench/ directory.
BENCH_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# --- art's binaries --------------------------------------------------------
# bench_tool VAR NAME: the path of art's command NAME into VAR; status 1
# when it is nowhere to be found.
bench_tool() {
	local p
	if [ -n "${ART_BIN:-}" ]; then
		p=$ART_BIN/$2
	elif [ -x "$BENCH_HERE/../build/bin/$2" ]; then
		p=$BENCH_HERE/../build/bin/$2
	else
		p=$(command -v "$2" || true)
	fi
	[ -n "$p" ] && [ -x "$p" ] || return 1
	printf -v "$1" '%s' "$p"
}

# --- rounds ------------------------------------------------------------------
bench_rounds() {
	ROUNDS=${BENCH_ROUNDS:-7}
	case $ROUNDS in '' | *[!0-9]*) die "BENCH_ROUNDS must be a number" ;; esac
	if [ "$ROUNDS" -lt 5 ]; then
		say "BENCH_ROUNDS=$ROUNDS is too few for a median; using 5"
		ROUNDS=5
	fi
}

# --- scratch space -----------------------------------------------------------
# A cache tarball being written (removed if the script dies meanwhile).
BENCH_PARTIAL=""

bench_scratch() {
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/art-bench-${BENCH_NAME##*/}.XXXXXX")
	trap 'cd / && rm -rf "$TMP" ${BENCH_PARTIAL:+"$BENCH_PARTIAL"}' EXIT
	trap 'exit 130' INT TERM

	# Keep the user's configuration out of every side's way.
	export HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/home/.config" GIT_CONFIG_NOSYSTEM=1
	export LC_ALL=C TZ=UTC
	unset ART_CORRELATION_ID GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
	mkdir -p "$HOME"

	# Fixed identities and dates: the same commit ids on every run.
	export GIT_AUTHOR_NAME="Bench" GIT_AUTHOR_EMAIL="bench@example.com"
	export GIT_COMMITTER_NAME="Bench" GIT_COMMITTER_EMAIL="bench@example.com"
	export GIT_AUTHOR_DATE="2024-01-01T00:00:00Z" GIT_COMMITTER_DATE="2024-01-01T00:00:00Z"

	REPO="$TMP/repo"
}

G() { git -c core.fsmonitor=false -c gc.auto=0 "$@"; }

# --- the $BENCH_DIR cache ------------------------------------------------------
# bench_cache_file VERSION: where the tarball of VERSION lives, or nothing
# when BENCH_DIR is not set.
bench_cache_file() {
	[ -n "${BENCH_DIR:-}" ] || return 0
	mkdir -p "$BENCH_DIR"
	printf '%s/%s.tar' "$(cd "$BENCH_DIR" && pwd)" "$1"
}

# bench_cache_save DIR FILE: write DIR's contents to FILE, atomically.
bench_cache_save() {
	say "caching ${2##*/} in \$BENCH_DIR"
	BENCH_PARTIAL="$2.tmp.$$"
	tar -C "$1" -cf "$BENCH_PARTIAL" .
	mv -f "$BENCH_PARTIAL" "$2"
	BENCH_PARTIAL=""
}

# --- the base repository -------------------------------------------------------
# 50,000 files in 500 directories (d00..d49/e0..e9, 100 files each), one
# commit on main.  Bump the version when the generated data changes so that
# cached copies are not reused.
BENCH_BASE_VERSION=start-v1-50000x500
NTOP=50 NSUB=10 NFILES=100
NDIRS=$((NTOP * NSUB))
TOTAL=$((NDIRS * NFILES))

# The files, one commit, packed as a real repository would be.
bench_generate_base() {
	local t0=$SECONDS
	say "generating $TOTAL files in $NDIRS directories"
	mkdir -p "$REPO"
	G init -q -b main "$REPO"
	cd "$REPO" || exit
	G config core.fsmonitor false
	G config gc.auto 0
	# mkdir in one go, then every file from one awk process
	awk -v nt="$NTOP" -v ns="$NSUB" 'BEGIN {
		for (d = 0; d < nt; d++) for (e = 0; e < ns; e++)
			printf "d%02d/e%d\n", d, e
	}' | xargs mkdir -p
	awk -v nt="$NTOP" -v ns="$NSUB" -v nf="$NFILES" 'BEGIN {
		for (d = 0; d < nt; d++) for (e = 0; e < ns; e++) for (f = 0; f < nf; f++) {
			p = sprintf("d%02d/e%d/f%02d.txt", d, e, f)
			printf "%s\nline 2 of %s\nseed %d\n", p, p, (d * 7919 + e * 104729 + f * 31) % 1000003 > p
			close(p)
		}
	}'
	say "committing"
	G add -A
	G commit -q -m "bench: $TOTAL files in $NDIRS directories"
	say "packing"
	G gc -q --prune=now
	cd /
	say "generated in $((SECONDS - t0)) s"
}

# The base repository in $REPO, from the cache when there; cwd $REPO.
bench_base_repo() {
	local cache
	cache=$(bench_cache_file "$BENCH_BASE_VERSION")
	if [ -n "$cache" ] && [ -f "$cache" ]; then
		say "reusing ${cache##*/} from \$BENCH_DIR"
		mkdir -p "$REPO"
		tar -C "$REPO" -xf "$cache"
	else
		bench_generate_base
		if [ -n "$cache" ]; then
			bench_cache_save "$REPO" "$cache"
		fi
	fi
	cd "$REPO" || exit
	# A fresh extraction has new inodes: bring the index up to date untimed.
	G update-index -q --refresh >/dev/null || true
	[ "$(G ls-files | wc -l)" -eq "$TOTAL" ] || die "the repository does not hold $TOTAL files"
	say "base commit $(G rev-parse --short HEAD)"
}

# --- timing ------------------------------------------------------------------
# Wall clock in microseconds into the variable named $1: from bash itself
# when it can (bash 5, no fork), else from date(1).
if [ -n "${EPOCHREALTIME:-}" ]; then
	now_us() { printf -v "$1" '%s' "${EPOCHREALTIME/[.,]/}"; }
else
	now_us() { printf -v "$1" '%s' "$(($(date +%s%N) / 1000))"; }
fi

# Prints the elapsed milliseconds (three decimals) of the command "$@";
# fails, printing nothing, when the command fails.
timed() {
	local t0 t1
	now_us t0
	"$@" || return
	now_us t1
	awk -v d="$((t1 - t0))" 'BEGIN { printf "%.3f", d / 1000 }'
}

# The median of the numbers on standard input, one decimal.
median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR % 2) printf "%.1f", v[(NR + 1) / 2]
		else printf "%.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

# bench_ratio A B: A/B with two decimals (0 when B is 0).
bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}
