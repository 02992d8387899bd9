#!/usr/bin/env bats
# art-vm and git's own housekeeping: a run whose ref git packed (git gc,
# git pack-refs) is still found; a pack the agent's git wrote in the cage
# (git repack, git gc) reaches the store; a worktree removed behind art's
# back is named, not guessed at.  art-vm's own failures are exit 125.

load helper

setup_file() {
	probe_cage
}

setup() {
	setup_repo
	init_art
	art-start --agent tom --ticket T1 </dev/null >/dev/null
	WT="$REPO/.worktrees/T1/tom"
}

teardown() {
	teardown_repo
}

@test "vm: a run whose ref git packed is found, by name and from its worktree" {
	need_cage
	git pack-refs --all
	[ ! -e .git/refs/art/runs/T1/tom ]
	grep -q ' refs/art/runs/T1/tom$' .git/packed-refs
	run --separate-stderr art-vm run --agent tom --ticket T1 -- pwd </dev/null
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$output" = "$WT" ]
	cd "$WT"
	run --separate-stderr art-vm run -- pwd </dev/null
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$output" = "$WT" ]
	# and a run that is in neither place is not
	cd "$REPO"
	run --separate-stderr art-vm run --agent tom --ticket T2 -- true </dev/null
	[ "$status" -eq 125 ]
	[ "$stderr" = "art-vm: no run T2/tom in this repository (no refs/art/runs/T2/tom)" ]
}

@test "vm: a pack the agent's git wrote in the cage reaches the store; fsck is clean" {
	need_cage
	cd "$WT"
	run --separate-stderr art-vm run -- sh -c 'echo packed > src/packed.c && git add src/packed.c &&
		git commit -qm "feat(src): packed" && git repack -q -d 2>/dev/null;
		ls "$GIT_OBJECT_DIRECTORY/pack" | grep -c "\.pack$"' </dev/null
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$output" = 1 ] # the commit's objects were in a pack, not loose
	[ "$(git -C "$REPO" show feat/T1-tom:src/packed.c)" = packed ]
	git -C "$REPO" fsck --no-progress --no-dangling
	[ -z "$(ls -A "$REPO/.git/worktrees/T1+tom/art-objects")" ]
}

@test "vm: a worktree removed behind art's back is named (125); nothing runs" {
	need_cage
	git worktree remove --force "$WT"
	events=$(event_count)
	run --separate-stderr art-vm run --agent tom --ticket T1 -- true </dev/null
	[ "$status" -eq 125 ]
	[ "$stderr" = "art-vm: run T1/tom: git knows no worktree T1+tom (was it removed?)" ]
	# refused before the start: no art.vm.started in the log
	[ "$(event_count)" -eq "$events" ]
}

@test "vm: outside a repository, with GIT_DIR set, or --agent alone: 125, saying why" {
	cd "$ART_TMP"
	run --separate-stderr art-vm run -- true </dev/null
	[ "$status" -eq 125 ]
	[ "$stderr" = "art-vm: not in a git repository" ]
	cd "$REPO"
	run --separate-stderr env GIT_DIR="$REPO/.git" art-vm run --agent tom --ticket T1 -- true </dev/null
	[ "$status" -eq 125 ]
	[ "$stderr" = "art-vm: GIT_DIR is set: art-vm finds the repository from the current directory only" ]
	run --separate-stderr art-vm run --agent tom -- true </dev/null
	[ "$status" -eq 125 ]
	[ "$stderr" = "art-vm: --agent and --ticket go together" ]
}
