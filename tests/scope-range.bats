#!/usr/bin/env bats
# art-scope-check: what it refuses rather than check half: a --range that
# is not one, or has no merge base; a merge of more parents than it
# checks; a manifest whose base is not in the repository.  Each is exit 3
# with nothing on stdout: no verdict at all, never a passing one.

load helper

setup() {
	setup_repo
	init_art
	art-start --agent tom --ticket T1 </dev/null >/dev/null
	WT="$REPO/.worktrees/T1/tom"
	cd "$WT"
}

teardown() {
	teardown_repo
}

# refused ARGS... -- WANT: art-scope-check ARGS is exit 3, stdout empty,
# stderr "art-scope-check: WANT" (WANT ending in * matches a prefix).
refused() {
	local args=() want
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	want=$2
	run --separate-stderr art-scope-check "${args[@]}" </dev/null
	[ "$status" -eq 3 ] || { echo "${args[*]}: status $status: $stderr"; return 1; }
	[ -z "$output" ] || { echo "${args[*]}: stdout: $output"; return 1; }
	# shellcheck disable=SC2053
	[[ "$stderr" == art-scope-check:\ $want ]] || { echo "${args[*]}: $stderr"; return 1; }
}

@test "--range: not a range, a revision that is not there, a tree, no merge base: exit 3" {
	refused --range HEAD -- '--range HEAD: expected a range A..B'
	refused --range main -- '--range main: expected a range A..B'
	refused --range nosuch..HEAD -- '--range nosuch..HEAD: *nosuch*'
	refused --range HEAD..nosuch -- '--range HEAD..nosuch: *nosuch*'
	refused --range 'main..HEAD^{tree}' -- '--range main..HEAD^{tree}: *'
	# a history of its own shares no commit with the run's
	git checkout -q --orphan other
	git commit -qm "feat(src): another history"
	git checkout -q feat/T1-tom
	refused --range feat/T1-tom...other -- '--range feat/T1-tom...other: no merge base*'
	# A..B needs none: B's commits, its root against nothing, so that
	# every protected file it holds is added
	run --separate-stderr art-scope-check --range feat/T1-tom..other </dev/null
	[ "$status" -eq 1 ]
	[ "$(json .mode)" = range ]
	[ "$(json '[.violations[] | select(.change == "added" and .reason == "protected") | .path] | sort | join(",")')" = \
		agents/agents_registry.json,agents/profiles/tom_agent.json ]
}

# octopus N: HEAD becomes a merge of N parents: the run's branch and N-1
# branches from the base, branch b2 changing the protected Makefile.
octopus() {
	local base i heads=()
	base=$(git rev-parse HEAD)
	for i in $(seq 1 $(($1 - 1))); do
		git checkout -q -b "b$i" "$base"
		if [ "$i" -eq 2 ]; then
			printf 'all:\n' > Makefile
			git add Makefile
		else
			printf '%s\n' "$i" > "src/f$i.c"
			git add "src/f$i.c"
		fi
		git commit -qm "feat(src): part $i"
		heads+=("b$i")
	done
	git checkout -q feat/T1-tom
	git merge -q --no-ff --no-edit "${heads[@]}" >/dev/null
	[ "$(git log -1 --format=%p | wc -w)" -eq "$1" ]
}

@test "a merge of 8 parents is checked, the protected change in one found; one of 9 is refused, not passed" {
	octopus 8
	run --separate-stderr art-scope-check --range main..HEAD </dev/null
	[ "$status" -eq 1 ]
	[ "$(json '[.violations[] | select(.path == "Makefile")] | length')" -eq 1 ]
	git reset -q --hard main
	for i in $(seq 1 7); do git branch -q -D "b$i"; done
	octopus 9
	merge=$(git rev-parse HEAD)
	refused --range main..HEAD -- "commit $merge: a merge of 9 parents is more than art checks"
	# the same in the worktree mode, which walks the same commits
	refused -- "commit $merge: a merge of 9 parents is more than art checks"
}

@test "a manifest whose base is not a commit of this repository is exit 3" {
	jq '.base = "0000000000000000000000000000000000000000"' .agent/manifest.json > "$ART_TMP/m.json"
	refused --manifest "$ART_TMP/m.json" -- \
		"the manifest's base 0000000000000000000000000000000000000000 is not a commit of this repository"
}
