#!/usr/bin/env bats
# A tree the agent made deeper than art walks (ART_TREE_DEPTH_MAX, 1024
# levels) is an error that says so, not a crash and not a pass.

load helper

setup() {
	setup_repo
	init_art
	art-start --agent tom --ticket T1 </dev/null >/dev/null
	cd "$REPO/.worktrees/T1/tom"
}

teardown() {
	teardown_repo
}

# deep N: N nested untracked directories d/d/..., a file at the bottom.
deep() {
	local p
	p=$(printf 'd/%.0s' $(seq "$1"))
	mkdir -p "$p"
	echo x > "${p}f"
}

# (One test only: libgit2's ignore rules cost each level as many lookups
# as it is deep, so a tree this deep takes art-scope-check seconds.)
@test "untracked directories 1025 deep are an error, exit 7, saying so" {
	deep 1025
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 7 ]
	[[ "$stderr" == *"more than 1024 directories deep, art goes no further: d/d/"* ]]
}
