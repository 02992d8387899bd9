#!/usr/bin/env bats
# The fuzz targets' corpora and regressions, replayed without libFuzzer:
# every file of tests/fuzz/corpus/<target>/ and tests/fuzz/regressions/
# <target>/ through $ART_TESTS_BIN/fuzz-<target> (the target linked with
# tests/fuzz/replay.c), so that a crash once found stays fixed and the
# seeds keep working.  A target aborts on a crash or a failed property;
# make check-asan runs the same under ASan and UBSan.

FUZZ_DIR="$BATS_TEST_DIRNAME/fuzz"

setup() {
	export TMPDIR="$BATS_TEST_TMPDIR"
}

# Replay the corpus and regressions of target $1; at least one input.
replay() {
	local t=$1 files=()

	files=("$FUZZ_DIR/corpus/$t"/*)
	if [ -d "$FUZZ_DIR/regressions/$t" ]; then
		files+=("$FUZZ_DIR/regressions/$t"/*)
	fi
	[ -e "${files[0]}" ] || { echo "no corpus for $t"; return 1; }
	run "$ART_TESTS_BIN/fuzz-$t" "${files[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "${#files[@]} inputs" ]
}

@test "every target has a corpus and a replay binary" {
	local src t n=0
	for src in "$FUZZ_DIR"/*.c; do
		t=$(basename "$src" .c)
		[ "$t" != replay ] || continue
		[ -x "$ART_TESTS_BIN/fuzz-$t" ] || { echo "no $ART_TESTS_BIN/fuzz-$t"; return 1; }
		compgen -G "$FUZZ_DIR/corpus/$t/*" >/dev/null || { echo "no corpus for $t"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -ge 10 ]
	# a corpus or regression directory names a target that exists
	for src in "$FUZZ_DIR"/corpus/* "$FUZZ_DIR"/regressions/*; do
		[ -d "$src" ] || continue
		[ -f "$FUZZ_DIR/$(basename "$src").c" ] || { echo "$src: no such target"; return 1; }
	done
}

@test "replay: config (registry, profile, manifest validation)" {
	replay config
}

@test "replay: core (Core's answers)" {
	replay core
}

@test "replay: dsse (envelope verification, receipts)" {
	replay dsse
}

@test "replay: eventin (proposed events)" {
	replay eventin
}

@test "replay: eventlog (verification of a damaged event log)" {
	replay eventlog
}

@test "replay: glob (the path matcher)" {
	replay glob
}

@test "replay: glob_git (the path matcher against git)" {
	replay glob_git
}

@test "replay: json (JSON input)" {
	replay json
}

@test "replay: secrets (the secret scanner)" {
	replay secrets
}

@test "replay: sse (push hints: SSE, FIFO lines, hint checks)" {
	replay sse
}

@test "a replay binary fails on a file it cannot read" {
	run "$ART_TESTS_BIN/fuzz-json" "$BATS_TEST_TMPDIR/none"
	[ "$status" -eq 1 ]
	[[ "$output" == *"none"* ]]
}
