#!/usr/bin/env bash
# bench/run.sh - run the benchmarks of bench/ and print one table of their
# results: what `make bench` does.
#
# usage: bench/run.sh [-o DIR] [NAME...]
#
# Runs bench/NAME for each NAME given (start, bench/scope, ...), else every
# benchmark (the executable files of bench/ whose names have no dot), one
# after the other, each with BENCH_RESULTS set to a file of its records
# (bench/lib.sh describes them).  Their output and progress pass through.
# Then prints the Markdown table of every row, with the verdict of each
# target, under a line that says when, on what machine and at which commit
# it was measured, and over the notes of each benchmark and the time it
# took.  A benchmark that fails (non-zero exit, or no row) is a row that
# says so, with the last line it wrote on standard error; the others still
# run.  With -o DIR the table also goes to DIR/bench.md, the records to
# DIR/bench.tsv and everything the benchmarks wrote to DIR/bench.log.
#
# Exit status: 0 when every benchmark ran (whatever the verdicts; a skipped
# row is not a failure), 1 when one failed, 2 on a usage error, 130 when
# interrupted (the table of what ran is still printed).
#
# Environment: passed on to every benchmark (ART_BIN, BENCH_ROUNDS,
# BENCH_SECONDS, ...); the BENCH_* variables set are listed in the table's
# header line.  Without BENCH_DIR, the benchmarks share a cache of the
# repositories they generate for this run only.
set -euo pipefail

BENCH_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { printf 'usage: bench/run.sh [-o DIR] [NAME...]\n' >&2; exit 2; }

OUT=""
while getopts o: opt; do
	case $opt in
	o) OUT=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))

# Every benchmark, by name.
all=()
for f in "$BENCH_HERE"/*; do
	n=${f##*/}
	[ -f "$f" ] && [ -x "$f" ] && [[ $n != *.* ]] && all+=("$n")
done

names=()
if [ $# -eq 0 ]; then
	names=("${all[@]}")
else
	for n in "$@"; do
		n=${n#bench/}
		if [[ $n == *.* ]] || ! [ -f "$BENCH_HERE/$n" ] || ! [ -x "$BENCH_HERE/$n" ]; then
			printf 'bench/run.sh: no benchmark %s (there are: %s)\n' "$n" "${all[*]}" >&2
			exit 2
		fi
		names+=("$n")
	done
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/art-bench-run.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
if [ -n "$OUT" ]; then
	mkdir -p "$OUT"
	: >"$OUT/bench.log"
fi
RECORDS="$WORK/records"
: >"$RECORDS"
# Without a BENCH_DIR of the user's, one for this run: bench/start and
# bench/scope generate the same repository, once.
cache=${BENCH_DIR:-$WORK/cache}

# A record into $RECORDS, fields as bench/lib.sh makes them.
record() {
	local IFS=$'\t'
	printf '%s\n' "$*" >>"$RECORDS"
}

# "95 s", "12 min 5 s"
duration() {
	if [ "$1" -lt 60 ]; then printf '%d s' "$1"; else printf '%d min %d s' $(($1 / 60)) $(($1 % 60)); fi
}

# The one line that says where and when: date, machine, system, commit.
header() {
	local cpu mem os commit knobs v
	cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
	[ -n "$cpu" ] || cpu=$(uname -m)
	mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)
	# shellcheck disable=SC1091
	os=$(. /etc/os-release 2>/dev/null && printf '%s' "${PRETTY_NAME:-}")
	if [ -r /etc/debian_version ]; then
		# shellcheck disable=SC1091
		os="Debian $(cat /etc/debian_version)$(. /etc/os-release 2>/dev/null &&
			printf '%s' "${VERSION_CODENAME:+ ($VERSION_CODENAME)}")"
	fi
	commit=$(git -C "$BENCH_HERE/.." rev-parse --short HEAD 2>/dev/null || true)
	if [ -n "$commit" ] && ! git -C "$BENCH_HERE/.." --no-optional-locks diff-index --quiet HEAD -- 2>/dev/null; then
		commit="$commit with local changes"
	fi
	knobs=""
	for v in $(compgen -e | grep '^BENCH_' | grep -v '^BENCH_RESULTS$' | sort); do
		knobs+=" $v=${!v}"
	done
	printf 'Measured %s on %s CPUs (%s), %s of memory, Linux %s, %s; art %s%s.\n' \
		"$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc)" "$cpu" "${mem:-? GiB}" \
		"$(uname -r)" "${os:-unknown system}" "${commit:-(not a git checkout)}" \
		"${knobs:+; with$knobs}"
}

# The table of the rows of $RECORDS, then the notes of each benchmark that
# ran, in the order they ran (awk: a tab-separated field may be empty).
table() {
	local n order=""
	header
	for n in "${ran[@]}"; do order+="bench/$n=${took[$n]}"$'\t'; done
	awk -F'\t' -v order="$order" '
	# a cell: pipes escaped, <= and >= as the signs
	function cell(c) {
		gsub(/\|/, "\\|", c); gsub(/<=/, "≤", c); gsub(/>=/, "≥", c)
		return c
	}
	BEGIN { printf "\n| benchmark | art | anchor | ratio | target | verdict |\n|---|---|---|---|---|---|\n" }
	$1 == "row" {
		v = $8
		if (v == "not met") v = "**not met**"
		else if (v ~ /^failed/) v = "**failed**" substr(v, 7)
		printf "| %s | %s | %s | %s | %s | %s |\n", cell($3), cell($4), cell($5), cell($6), cell($7), cell(v)
	}
	$1 == "note" { t = $3; sub(/\.$/, "", t); notes[$2] = notes[$2] " " t "." }
	END {
		printf "\n"
		n = split(order, o, "\t")
		for (i = 1; i <= n; i++) {
			if (o[i] == "") continue
			eq = index(o[i], "="); s = substr(o[i], 1, eq - 1)
			printf "- `%s` (%s):%s\n", s, substr(o[i], eq + 1), (s in notes ? notes[s] : " no notes.")
		}
	}' "$RECORDS"
}

# Ctrl-C stops the benchmark running (it exits 130) and the loop, not
# the table of what ran.
trap ':' INT
ran=()
declare -A took
failed=0 status=0
for n in "${names[@]}"; do
	rows="$WORK/$n.tsv" err="$WORK/$n.err"
	: >"$rows"
	printf '\n=== bench/%s\n' "$n" >&2
	t0=$SECONDS
	set +e
	# stdout passes through; stderr too, and into $err for the last line
	{ BENCH_RESULTS=$rows BENCH_DIR=$cache "$BENCH_HERE/$n" 2>&1 1>&3 3>&- | tee "$err" >&2; } 3>&1
	status=${PIPESTATUS[0]}
	set -e
	took[$n]=$(duration $((SECONDS - t0)))
	ran+=("$n")
	[ -z "$OUT" ] || { printf '=== bench/%s (exit %d, %s)\n' "$n" "$status" "${took[$n]}"; cat "$err"; } >>"$OUT/bench.log"
	cat "$rows" >>"$RECORDS"
	last=$(grep -v '^[[:space:]]*$' "$err" | tail -n 1 | cut -c1-200 || true)
	if [ "$status" -ne 0 ]; then
		failed=1
		record row "bench/$n" "\`bench/$n\`" "" "" "" "" "failed (exit $status): ${last:-no message}"
		[ "$status" -ne 130 ] || break
	elif ! grep -q '^row' "$rows"; then
		failed=1
		record row "bench/$n" "\`bench/$n\`" "" "" "" "" "failed: exit 0 without a result row"
	fi
done

if [ -n "$OUT" ]; then
	table | tee "$OUT/bench.md"
	cp "$RECORDS" "$OUT/bench.tsv"
	printf '\n(written to %s/bench.md)\n' "$OUT" >&2
else
	table
fi
[ "$status" -ne 130 ] || exit 130
exit "$failed"
