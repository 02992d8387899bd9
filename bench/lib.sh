# shellcheck shell=bash
# bench/lib.sh - what the benchmarks of bench/ share.  Sourced, not run.
#
# A benchmark is an executable file of bench/ whose name has no dot
# (bench/start, bench/vm-qemu); `make bench` runs each through bench/run.sh
# (`make bench BENCH="start scope"`: only those), which gathers their
# results into one Markdown table, also written to $(B)/bench.md.
#
# THE PROTOCOL.  A benchmark sets BENCH_NAME (e.g. "bench/start"), runs
# under `set -euo pipefail`, sources this file, measures, and reports each
# result through these three (progress and samples go to standard error):
#
#   bench_row BENCHMARK ART ANCHOR RATIO TARGET
#       one row of the table: what was measured (Markdown, e.g.
#       "`bench/start`: open a run on ..."), art's figure and the anchor's,
#       each with its unit and, where it helps, the command ("`art-start`
#       1334.0 ms"), the ratio art/anchor (or whatever the BENCHMARK text
#       says it is), and the target, each of which may be empty.  TARGET
#       is clauses joined by ", ": "OP NUMBER" holds the ratio to NUMBER,
#       "OP NUMBER UNIT" holds art's figure, its first number followed by
#       UNIT ("< 10 ms"); OP is <, <=, > or >=.  The row is "met" when
#       every clause holds, "not met" when one does not, and "n/a" when a
#       clause has nothing to hold (no ratio, no such figure).
#   bench_note TEXT
#       a line under the table: the conditions (rounds, sizes), a figure
#       that has no target.
#   bench_skip BENCHMARK WHY
#       a row that could not be measured here and why ("bwrap not
#       found"); the benchmark then goes on or exits 0.  A benchmark that
#       cannot run at all says so with bench_skip, not with die.
#
# Each also prints a line for people on standard output.  When
# BENCH_RESULTS names a file, each appends one record to it, fields
# separated by tabs (tabs and newlines in a field become spaces):
#
#   row   SCRIPT BENCHMARK ART ANCHOR RATIO TARGET VERDICT
#   note  SCRIPT TEXT
#
# VERDICT is met, not met, n/a, empty (no target) or "skipped: WHY".
# A benchmark that fails exits non-zero (die): bench/run.sh then adds a
# "failed" row with the last line it said, and goes on with the next.
# Exit 0 with no row at all is a failure too.  A helper the benchmark
# builds from the library goes in the prerequisites of the Makefile's
# bench target, as receipt_time does.  The shape of one:
#
#   BENCH_NAME=bench/vm-qemu
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   if ! command -v qemu-system-x86_64 >/dev/null; then
#       bench_skip "\`bench/vm-qemu\`: a microVM" "qemu not found"; exit 0
#   fi
#   bench_rounds; bench_scratch; ...
#   bench_note "medians of $ROUNDS runs"
#   bench_row "\`bench/vm-qemu\`: \`art-vm run --backend qemu -- true\`" \
#       "$a ms" "\`qemu-system-x86_64 ...\` $q ms" "$(bench_ratio "$a" "$q")" "<= 1.5"
#
# It also gets:
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
#   now_us VAR, timed CMD ARGS..., median, bench_ratio A B, bench_commas N
#
# Environment read here: ART_BIN, BENCH_RESULTS, BENCH_ROUNDS, BENCH_DIR,
# TMPDIR.

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

# bench_commas N: N with a comma every three digits (50000 -> 50,000).
bench_commas() {
	printf '%s' "$1" | sed ':a; s/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/; ta'
}

# --- results (the protocol above) ---------------------------------------------
# A field of a record: one line, no tab.
bench_field() {
	local f=${1//$'\t'/ }
	printf '%s' "${f//$'\n'/ }"
}

# bench_record FIELD...: one record into $BENCH_RESULTS, when it is set.
bench_record() {
	[ -n "${BENCH_RESULTS:-}" ] || return 0
	local f line=""
	for f in "$@"; do
		line+="${line:+$'\t'}$(bench_field "$f")"
	done
	printf '%s\n' "$line" >>"$BENCH_RESULTS"
}

# bench_verdict ART RATIO TARGET: met, not met, n/a, or nothing without a
# target (see bench_row).
bench_verdict() {
	[ -n "$3" ] || return 0
	awk -v art="$1" -v ratio="$2" -v target="$3" '
	function holds(v, op, n) {
		return op == "<" ? v < n : op == "<=" ? v <= n : op == ">" ? v > n : v >= n
	}
	BEGIN {
		verdict = "met"
		nc = split(target, clause, /, */)
		for (i = 1; i <= nc; i++) {
			nw = split(clause[i], w, / +/)
			if (w[1] !~ /^(<|<=|>|>=)$/ || w[2] !~ /^[0-9.]+$/ || nw > 3) {
				verdict = "n/a"; continue
			}
			if (nw == 2) {
				# the ratio
				if (ratio !~ /^[0-9.]+$/) { if (verdict == "met") verdict = "n/a"; continue }
				v = ratio
			} else {
				# art figure: the first number followed by the unit
				if (!match(art, "[0-9][0-9.]* *" w[3])) { if (verdict == "met") verdict = "n/a"; continue }
				v = substr(art, RSTART, RLENGTH); sub(/[^0-9.].*$/, "", v)
			}
			if (!holds(v + 0, w[1], w[2] + 0)) verdict = "not met"
		}
		print verdict
	}'
}

# bench_row BENCHMARK ART ANCHOR RATIO TARGET (the protocol above).
bench_row() {
	local verdict
	verdict=$(bench_verdict "$2" "$4" "$5")
	bench_record row "$BENCH_NAME" "$1" "$2" "$3" "$4" "$5" "$verdict"
	printf '%s\n    art: %s\n' "$1" "$2"
	[ -z "$3" ] || printf '    anchor: %s\n' "$3"
	[ -z "$4" ] || printf '    ratio: %s\n' "$4"
	[ -z "$5" ] || printf '    target: %s (%s)\n' "$5" "$verdict"
}

# bench_note TEXT (the protocol above).
bench_note() {
	bench_record note "$BENCH_NAME" "$1"
	printf '%s\n' "$1"
}

# bench_skip BENCHMARK WHY (the protocol above).
bench_skip() {
	bench_record row "$BENCH_NAME" "$1" "" "" "" "" "skipped: $2"
	printf '%s\n    skipped: %s\n' "$1" "$2"
	say "skipped: $2"
}
