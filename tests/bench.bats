#!/usr/bin/env bats
# make bench's machinery: bench/run.sh and the protocol of bench/lib.sh,
# on made-up benchmarks (the real ones take minutes: make bench).

bats_require_minimum_version 1.5.0

setup() {
	D=$(mktemp -d)
	mkdir "$D/bench"
	cp "$BATS_TEST_DIRNAME/../bench/run.sh" "$BATS_TEST_DIRNAME/../bench/lib.sh" "$D/bench/"
	# bench NAME BODY: an executable benchmark that sources lib.sh
	bench() {
		printf '#!/usr/bin/env bash\nset -euo pipefail\nBENCH_NAME=bench/%s\n. "$(dirname "$0")/lib.sh"\n%s\n' \
			"$1" "$2" >"$D/bench/$1"
		chmod +x "$D/bench/$1"
	}
	bench good '
say "measuring"
bench_note "3 rounds."
bench_row "\`bench/good\`: a start" "\`art\` 7.0 ms" "anchor 5.0 ms" 1.40 "<= 1.0, < 10 ms"
bench_row "\`bench/good\`: a rate | piped" "900 events/s" "800 lines/s" 1.13 ">= 0.8"
bench_row "\`bench/good\`: no target" "187 µs / 341 µs" "" "" ""
bench_row "\`bench/good\`: art alone" "1285 ms" "" "" "< 2000 ms"
bench_row "\`bench/good\`: no anchor here" "8.0 ms" "" "" "<= 1.0"'
	bench bad 'say "setting up"; die "no tool here"'
	bench skip 'bench_skip "\`bench/skip\`: the cage" "bwrap not found"'
	bench silent 'say "nothing to report"'
	# not benchmarks: a name with a dot, a file that is not executable
	bench helper.py 'bench_row never "" "" "" ""'
	printf 'exit 1\n' >"$D/bench/plain"
}

teardown() {
	rm -rf "$D"
}

@test "bench/run.sh: one table of every row, failures and skips included" {
	unset BENCH_ROUNDS
	run --separate-stderr "$D/bench/run.sh" -o "$D/out"
	[ "$status" -eq 1 ] # bad and silent failed
	cmp <(printf '%s\n' "$output" | sed -n '/^Measured/,$p') "$D/out/bench.md"
	md=$(cat "$D/out/bench.md")
	[[ "$(head -n 1 <<<"$md")" == "Measured "*" UTC on "*" CPUs ("*"), "*" GiB of memory, Linux "*"; art "* ]]
	[[ "$(head -n 1 <<<"$md")" != *BENCH_ROUNDS* ]]
	diff -u - <(grep '^|' <<<"$md") <<'EOF'
| benchmark | art | anchor | ratio | target | verdict |
|---|---|---|---|---|---|
| `bench/bad` |  |  |  |  | **failed** (exit 1): bench/bad: error: no tool here |
| `bench/good`: a start | `art` 7.0 ms | anchor 5.0 ms | 1.40 | ≤ 1.0, < 10 ms | **not met** |
| `bench/good`: a rate \| piped | 900 events/s | 800 lines/s | 1.13 | ≥ 0.8 | met |
| `bench/good`: no target | 187 µs / 341 µs |  |  |  |  |
| `bench/good`: art alone | 1285 ms |  |  | < 2000 ms | met |
| `bench/good`: no anchor here | 8.0 ms |  |  | ≤ 1.0 | n/a |
| `bench/silent` |  |  |  |  | **failed**: exit 0 without a result row |
| `bench/skip`: the cage |  |  |  |  | skipped: bwrap not found |
EOF
	[[ "$md" == *'- `bench/good` ('*' s): 3 rounds.'* ]]
	[[ "$md" == *'- `bench/bad` ('*' s): no notes.'* ]]
	# the records, and what each benchmark said
	[ "$(grep -c '^row' "$D/out/bench.tsv")" -eq 8 ]
	grep -qx 'note	bench/good	3 rounds.' "$D/out/bench.tsv"
	grep -q '^=== bench/bad (exit 1, ' "$D/out/bench.log"
	grep -qx 'bench/good: measuring' "$D/out/bench.log"
	# the people's lines on standard output
	[[ "$output" == *'`bench/good`: a start'$'\n''    art: `art` 7.0 ms'* ]]
	[[ "$output" == *'    target: <= 1.0, < 10 ms (not met)'* ]]
	[[ "$stderr" == *"bench/bad: error: no tool here"* ]]
	[[ "$output$stderr" != *never* ]]
}

@test "bench/run.sh NAME: only those, and the knobs set are named" {
	BENCH_ROUNDS=3 run --separate-stderr "$D/bench/run.sh" good bench/skip
	[ "$status" -eq 0 ]
	[[ "$(grep '^Measured' <<<"$output")" == *"; with BENCH_ROUNDS=3." ]]
	[ "$(grep -c '^| `bench/good`' <<<"$output")" -eq 5 ]
	[ "$(grep -c '^| `bench/skip`' <<<"$output")" -eq 1 ]
	[[ "$output" != *bench/bad* ]]
}

@test "bench/run.sh: an unknown benchmark is exit 2, and names those there are" {
	for n in nope helper.py plain; do
		run --separate-stderr "$D/bench/run.sh" "$n"
		[ "$status" -eq 2 ]
		[ "$stderr" = "bench/run.sh: no benchmark $n (there are: bad good silent skip)" ]
	done
}

@test "bench_row without BENCH_RESULTS: the lines for people only" {
	run --separate-stderr bash -c 'unset BENCH_RESULTS; BENCH_NAME=bench/x; . "$1/bench/lib.sh"; cd "$1"
		bench_row "x" "2.0 ms" "1.0 ms" 2.00 ">= 1.5"' _ "$D"
	[ "$status" -eq 0 ]
	[ "$output" = $'x\n    art: 2.0 ms\n    anchor: 1.0 ms\n    ratio: 2.00\n    target: >= 1.5 (met)' ]
	[ -z "$(ls "$D" | grep -v '^bench$')" ]
}
