#!/usr/bin/env bats
# art: the dispatcher, --version and help.

load helper

setup() {
	setup_repo
}

teardown() {
	teardown_repo
}

@test "art --version" {
	run --separate-stderr art --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^art\ [0-9]+\.[0-9]+\.[0-9]+ ]]
}

@test "art <verb> runs art-<verb> with its arguments" {
	run --separate-stderr art init --agent eva
	[ "$status" -eq 0 ]
	[ "$(json '.profiles[0]')" = agents/profiles/eva_agent.json ]
	run --separate-stderr art start --agent eva --ticket T1 </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .branch)" = feat/T1-eva ]
}

@test "the status of the verb is art's status" {
	run --separate-stderr art start --agent tom --ticket ../x </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == "art-start: "* ]]
}

@test "an unknown verb is exit 2" {
	run --separate-stderr art frobnicate
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"'frobnicate' is not an art command"* ]]
	run --separate-stderr art ../bin/sh
	[ "$status" -eq 2 ]
	run --separate-stderr art
	[ "$status" -eq 2 ]
	run --separate-stderr art --bogus
	[ "$status" -eq 2 ]
}

@test "art -h prints usage on stdout" {
	run --separate-stderr art -h
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: art"* ]]
}

@test "art help <verb> opens the manual page" {
	command -v man >/dev/null || command -v mandoc >/dev/null || skip "no man viewer"
	for verb in init start prompt scope-check close verify log vm registry manifest receipt events; do
		run --separate-stderr env MANPAGER=cat PAGER=cat MANWIDTH=80 art help "$verb"
		[ "$status" -eq 0 ] || { echo "$verb: $stderr"; return 1; }
		[[ "$output" == *"art-$verb"* ]]
		[[ "$output" == *"NAME"* ]]
	done
	run --separate-stderr env MANPAGER=cat PAGER=cat art help
	[ "$status" -eq 0 ]
	[[ "$output" == *"EXIT STATUS"* ]]
}

@test "every manual page is clean under mandoc -Tlint" {
	command -v mandoc >/dev/null || skip "mandoc not installed"
	for page in "$BATS_TEST_DIRNAME"/../man/*.[157]; do
		run mandoc -Tlint -W warning "$page"
		[ "$status" -eq 0 ] || { echo "$page: $output"; return 1; }
	done
}

@test "every command has a manual page with the exit status table" {
	for cmd in "$ART_BIN"/art-*; do
		page="$BATS_TEST_DIRNAME/../man/$(basename "$cmd").1"
		[ -f "$page" ] || { echo "no $page"; return 1; }
		for code in 0 1 2 3 4 5 6 7; do
			grep -q "^\.It $code\$" "$page" || grep -q "^\.It Sy $code\$" "$page" || grep -Eq "^$code\b|\b$code\b" "$page" || { echo "$page lacks $code"; return 1; }
		done
		grep -q '^\.Sh EXIT STATUS' "$page" || { echo "$page lacks EXIT STATUS"; return 1; }
	done
}

@test "a lost write to stdout is exit 7" {
	run --separate-stderr bash -c 'art --version >&-'
	[ "$status" -eq 7 ]
}
