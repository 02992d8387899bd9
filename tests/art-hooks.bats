#!/usr/bin/env bats
# art-init --hooks: art's git hooks, chained to the user's own, and the
# pre-receive hook of a central repository.

load helper

setup() {
	setup_repo
	init_art
	art-start --agent tom --ticket T1 </dev/null >/dev/null
	WT="$REPO/.worktrees/T1/tom"
	H="$REPO/.git/hooks"
	SRC="$BATS_TEST_DIRNAME/../share/art/hooks"
}

teardown() {
	teardown_repo
}

# user_hook NAME EXIT: a hook of the user's that leaves a trace of its
# arguments and standard input in $ART_TMP/NAME.args and NAME.stdin.
user_hook() {
	printf '#!/bin/sh\nprintf "%%s\\n" "$@" > "%s/%s.args"\ncat > "%s/%s.stdin"\necho "user %s says %s" >&2\nexit %s\n' \
		"$ART_TMP" "$1" "$ART_TMP" "$1" "$1" "$2" "$2" > "$H/$1"
	chmod 755 "$H/$1"
}

# snapshot DIR: each entry's name, type, mode, inode and content hash.
snapshot() {
	local f
	for f in "$1"/* "$1"/.[!.]*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		printf '%s %s ' "${f##*/}" "$(stat -c '%F %a %i' "$f")"
		if [ -L "$f" ]; then readlink "$f"; else sha256sum < "$f"; fi
	done
}

# ------------------------------------------------------------ install

@test "install: one script under three names, and the JSON says where" {
	run --separate-stderr art-init --hooks
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(json '[.hooks[].name] | join(",")')" = pre-commit,commit-msg,pre-push ]
	[ "$(json '[.hooks[].path] | join(",")')" = "$H/pre-commit,$H/commit-msg,$H/pre-push" ]
	[ "$(json '[.hooks[].chained] | any')" = false ]
	[ "$(json '[.hooks[].changed] | all')" = true ]
	[ "$(json '.hooks[0] | keys | join(",")')" = chained,changed,name,path ]
	[ "$(json .hooksPath)" = "$H" ]
	for n in pre-commit commit-msg pre-push; do
		cmp "$SRC/art-hook" "$H/$n"
		[ -x "$H/$n" ]
		[ ! -e "$H/$n.art-chained" ]
	done
}

@test "install twice: the second changes nothing, not even an inode" {
	user_hook pre-commit 0
	art-init --hooks >/dev/null
	before=$(snapshot "$H")
	run --separate-stderr art-init --hooks
	[ "$status" -eq 0 ]
	[ "$(json '[.hooks[].changed] | any')" = false ]
	[ "$(json '[.hooks[].chained] | join(",")')" = true,false,false ]
	[ "$(snapshot "$H")" = "$before" ]
	[ ! -e "$H/pre-commit.art-chained.art-chained" ]
	grep -q "user pre-commit" "$H/pre-commit.art-chained"
}

@test "install over an older art hook replaces it instead of chaining to it" {
	printf '#!/bin/sh\n# art:hook-dispatcher - an older one\nexit 0\n' > "$H/pre-push"
	chmod 755 "$H/pre-push"
	run --separate-stderr art-init --hooks
	[ "$status" -eq 0 ]
	[ "$(json '.hooks[2].chained')" = false ]
	[ "$(json '.hooks[2].changed')" = true ]
	cmp "$SRC/art-hook" "$H/pre-push"
	[ ! -e "$H/pre-push.art-chained" ]
}

@test "install refuses (exit 4) when a user's hook cannot be chained: its .art-chained name is taken" {
	user_hook pre-commit 0
	echo 'someone else' > "$H/pre-commit.art-chained"
	before=$(snapshot "$H")
	run --separate-stderr art-init --hooks
	[ "$status" -eq 4 ]
	[ -z "$output" ]
	[[ "$stderr" == "art-init: $H/pre-commit is not art's hook and $H/pre-commit.art-chained is taken"* ]]
	[ "$(snapshot "$H")" = "$before" ]
}

@test "a hook that is a directory is exit 4, nothing written" {
	mkdir "$H/commit-msg"
	run --separate-stderr art-init --hooks
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"$H/commit-msg: not a file"* ]]
	[ ! -e "$H/pre-commit" ]
}

@test "usage: --uninstall needs --hooks, --hooks takes no --agent, no operands (exit 2)" {
	run --separate-stderr art-init --uninstall
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--uninstall goes with --hooks"* ]]
	run --separate-stderr art-init --hooks --agent eva
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"usage: art-init"* ]]
	run --separate-stderr art-init --hooks now
	[ "$status" -eq 2 ]
	[ ! -e "$H/pre-commit" ]
	run art-init -h
	[ "$status" -eq 0 ]
	[[ "$output" == *"art-init --hooks [--uninstall]"* ]]
}

@test "an agent worktree may neither install nor uninstall the hooks (exit 5)" {
	cd "$WT"
	run --separate-stderr art-init --hooks
	[ "$status" -eq 5 ]
	[[ "$stderr" == *"worktree of run T1/tom"* ]]
	[ ! -e "$H/pre-commit" ]
	cd "$REPO" && art-init --hooks >/dev/null && cd "$WT"
	run --separate-stderr art-init --hooks --uninstall
	[ "$status" -eq 5 ]
	cmp "$SRC/art-hook" "$H/pre-commit"
}

# ---------------------------------------------------------- pre-commit

@test "pre-commit: an agent's commit outside its scope is refused; in scope it passes; the main checkout is not checked" {
	art-init --hooks >/dev/null
	cd "$WT"
	head=$(git rev-parse HEAD)
	echo x > README.md
	git add README.md
	run --separate-stderr git commit -qm "docs(readme): x"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *'"path": "README.md"'* ]]
	[[ "$stderr" == *'"reason": "outside_allowlist"'* ]]
	[[ "$stderr" == *"art pre-commit: the staged changes leave the run's scope"* ]]
	[ "$(git rev-parse HEAD)" = "$head" ]
	git rm -q --cached README.md && rm README.md
	echo 'int a;' > src/a.c
	git add src/a.c
	git commit -qm "feat(src): a"
	[ "$(git log -1 --format=%s)" = "feat(src): a" ]
	cd "$REPO"
	echo x > README.md
	git add README.md
	git commit -qm "docs(readme): a human may"
	[ "$(git log -1 --format=%s)" = "docs(readme): a human may" ]
}

@test "pre-commit: when art-scope-check cannot check (no run record, a broken manifest), the commit is refused" {
	art-init --hooks >/dev/null
	cd "$WT"
	head=$(git rev-parse HEAD)
	git update-ref -d refs/art/runs/T1/tom
	echo '{"agent": ' > .agent/manifest.json
	echo 'int a;' > src/a.c
	git add src/a.c
	run --separate-stderr git commit -qm "feat(src): a"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"art pre-commit: art-scope-check --staged failed (exit "* ]]
	[ "$(git rev-parse HEAD)" = "$head" ]
}

@test "pre-commit: a user's hook that exits 1 still fails the commit, here and in the agent worktree" {
	user_hook pre-commit 1
	cp "$H/pre-commit" "$ART_TMP/mine"
	run --separate-stderr art-init --hooks
	[ "$(json '.hooks[0].chained')" = true ]
	cmp "$ART_TMP/mine" "$H/pre-commit.art-chained"
	head=$(git rev-parse HEAD)
	echo '/* more */' >> src/main.c
	run --separate-stderr git commit -qam "feat(src): more"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"user pre-commit says 1"* ]]
	[ "$(git rev-parse HEAD)" = "$head" ]
	cd "$WT"
	echo 'int a;' > src/a.c
	git add src/a.c
	head=$(git rev-parse HEAD)
	run --separate-stderr git commit -qm "feat(src): a"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"user pre-commit says 1"* ]]
	[ "$(git rev-parse HEAD)" = "$head" ]
}

@test "chained hooks that exit 0 run first, with git's arguments and standard input" {
	user_hook pre-commit 0
	user_hook commit-msg 0
	user_hook pre-push 0
	git init -q --bare "$ART_TMP/remote.git"
	git remote add origin "$ART_TMP/remote.git"
	art-init --hooks >/dev/null
	echo '/* more */' >> src/main.c
	git commit -qam "feat(src): more"
	# no arguments, no input (git gives it /dev/null)
	[ "$(cat "$ART_TMP/pre-commit.args")" = "" ] && [ ! -s "$ART_TMP/pre-commit.stdin" ]
	[ "$(cat "$ART_TMP/commit-msg.args")" = .git/COMMIT_EDITMSG ]
	run --separate-stderr git push origin main
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"user pre-push says 0"* ]]
	[ "$(cat "$ART_TMP/pre-push.args")" = "$(printf 'origin\n%s' "$ART_TMP/remote.git")" ]
	[ "$(cat "$ART_TMP/pre-push.stdin")" = "refs/heads/main $(git rev-parse main) refs/heads/main 0000000000000000000000000000000000000000" ]
	# the same in the agent worktree, where art's own checks run too
	cd "$WT"
	echo 'int a;' > src/a.c
	git add src/a.c
	git commit -qm "feat(src): a"
	grep -qx 'feat(src): a' "$(cat "$ART_TMP/commit-msg.args")"
	# theirs run first: art's refusal comes after their trace
	rm "$ART_TMP/pre-commit.args"
	echo x > README.md
	git add README.md
	run --separate-stderr git commit -qm "docs(readme): x"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"user pre-commit says 0"*"leave the run's scope"* ]]
	[ -f "$ART_TMP/pre-commit.args" ]
	git commit -q --no-verify -m "docs(readme): x"
	# both read the same refs: theirs keeps them, art's refuses on them
	run --separate-stderr git push origin feat/T1-tom
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"user pre-push says 0"*"feat/T1-tom: commits leave the scope of run T1/tom"* ]]
	[ "$(cat "$ART_TMP/pre-push.stdin")" = "refs/heads/feat/T1-tom $(git rev-parse HEAD) refs/heads/feat/T1-tom 0000000000000000000000000000000000000000" ]
}

@test "without art in PATH the hooks refuse in an agent worktree and do nothing elsewhere" {
	art-init --hooks >/dev/null
	noart=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$ART_BIN" | paste -sd: -)
	! PATH=$noart command -v art-scope-check >/dev/null || skip "art is installed outside the build tree"
	cd "$WT"
	echo 'int a;' > src/a.c
	git add src/a.c
	run --separate-stderr env PATH="$noart" git commit -qm "feat(src): a"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"art pre-commit: art-scope-check is not in PATH"* ]]
	git commit -q --no-verify -m "feat(src): a"
	git init -q --bare "$ART_TMP/remote.git"
	git remote add origin "$ART_TMP/remote.git"
	run --separate-stderr env PATH="$noart" git push origin feat/T1-tom
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"art pre-push: art-scope-check is not in PATH"* ]]
	[ -z "$(git --git-dir="$ART_TMP/remote.git" branch --list 'feat/*')" ]
	cd "$REPO"
	echo '/* more */' >> src/main.c
	env PATH="$noart" git commit -qam "feat(src): more"
	[ "$(git log -1 --format=%s)" = "feat(src): more" ]
	env PATH="$noart" git push -q origin main feat/T1-tom
	[ "$(git --git-dir="$ART_TMP/remote.git" rev-parse feat/T1-tom)" = "$(git rev-parse feat/T1-tom)" ]
}

# ---------------------------------------------------------- commit-msg

@test "commit-msg: a bad message is refused in an agent worktree, accepted in the main checkout" {
	art-init --hooks >/dev/null
	cd "$WT"
	head=$(git rev-parse HEAD)
	echo 'int a;' > src/a.c
	git add src/a.c
	run --separate-stderr git commit -qm "wip"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *'art commit-msg: commit message "wip": does not start with type(area)'* ]]
	[ "$(git rev-parse HEAD)" = "$head" ]
	# what git will keep is judged: blank and comment lines go
	printf '\n# a template comment\nfix(src): a\n\nWhy.\n' > "$ART_TMP/msg"
	git commit -q --cleanup=strip -F "$ART_TMP/msg"
	[ "$(git log -1 --format=%s)" = "fix(src): a" ]
	cd "$REPO"
	echo '/* more */' >> src/main.c
	git commit -qam "wip"
	[ "$(git log -1 --format=%s)" = wip ]
}

@test "commit-msg agrees with art-close's conventional-commit rule, reason by reason" {
	art-init --hooks >/dev/null
	cd "$WT"
	a64=$(printf 'a%.0s' $(seq 64))
	msgs=(
		"feat(core): do a thing" "fix(core): x" "docs(core): x" "test(core): x"
		"chore(core): x" "refactor(core): x" $'feat(scope-check): a body follows\n\nWhy.\n'
		"fix(lib/glob.c): areas may hold dots and slashes" "docs(a): x"
		"feat($a64): x" "feat(${a64}a): x" "feat(${a64:1}é): two bytes too many"
		"wip stuff" "feat: no area" "Feat(core): capital" "style(core): not a type"
		"feature(core): a longer word" "" "feat(): x" "feat(a b): x" "feat(a(b)): x"
		"feat(a:b): x" "feat(core" $'feat(core\n): x' "feat(core):x" "feat(core) : x"
		"feat(core)!: breaking" "feat(core): " "feat(core):  two spaces"
		$'feat(core): \nbody' $'feat(a\tb): x' $'feat(core): \tx' $'feat(core): \r'
		$'feat(core): x\r' "refactor(x)): y" "fix(é): x"
	)
	declare -A hook_why
	for m in "${msgs[@]}"; do
		printf '%s' "$m" > "$ART_TMP/msg"
		git commit -q --allow-empty --allow-empty-message --no-verify --cleanup=verbatim -F "$ART_TMP/msg"
		cmp <(git cat-file commit HEAD | sed '1,/^$/d') "$ART_TMP/msg"
		why=$("$H/commit-msg" "$ART_TMP/msg" 2>&1) && why=ok
		hook_why[$(git rev-parse HEAD)]=$why
	done
	run --separate-stderr art-close --summary "rules" </dev/null
	[ "$status" -eq 1 ]
	payload=$(jq -r .payload .agent/receipt.json | base64 -d)
	[ "$(jq '.predicate.commits.checked' <<<"$payload")" -eq "${#msgs[@]}" ]
	declare -A close_why
	while IFS=$'\t' read -r c w; do
		close_why[$c]=$w
	done < <(jq -r '.predicate.commits.nonconventional[] | [.commit, .why] | @tsv' <<<"$payload")
	bad=0
	for c in "${!hook_why[@]}"; do
		if [ "${hook_why[$c]}" = ok ]; then
			[ -z "${close_why[$c]:-}" ] || { echo "$c: art-close refuses what the hook accepts: ${close_why[$c]}"; bad=1; }
		else
			[ -n "${close_why[$c]:-}" ] || { echo "$c: the hook refuses what art-close accepts: ${hook_why[$c]}"; bad=1; }
			[[ "${hook_why[$c]}" == *": ${close_why[$c]:-} (an agent's commits"* ]] || { echo "$c: ${hook_why[$c]} / ${close_why[$c]:-}"; bad=1; }
		fi
	done
	[ "$bad" -eq 0 ]
	# both sides judged them all alike: 12 accepted, the rest refused
	[ "${#close_why[@]}" -eq $(( ${#msgs[@]} - 12 )) ]
}

# ------------------------------------------------------------ pre-push

@test "pre-push: an agent worktree may not push to the default branch; its branch is scope-checked from anywhere" {
	git init -q --bare "$ART_TMP/remote.git"
	git remote add origin "$ART_TMP/remote.git"
	art-init --hooks >/dev/null
	git push -q origin main
	main=$(git rev-parse main)
	cd "$WT"
	echo 'int a;' > src/a.c
	git add src/a.c
	git commit -qm "feat(src): a"
	for to in main master; do
		run --separate-stderr git push origin HEAD:$to
		[ "$status" -ne 0 ]
		[[ "$stderr" == *"refusing to push to refs/heads/$to, the default branch, from an agent worktree"* ]]
	done
	[ "$(git --git-dir="$ART_TMP/remote.git" rev-parse main)" = "$main" ]
	[ -z "$(git --git-dir="$ART_TMP/remote.git" branch --list master)" ]
	# the remote's HEAD names its default branch too
	git symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/trunk
	run --separate-stderr git push origin HEAD:trunk
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"refs/heads/trunk, the default branch"* ]]
	# its own branch, in scope: pushed
	git push -q origin feat/T1-tom
	good=$(git rev-parse HEAD)
	[ "$(git --git-dir="$ART_TMP/remote.git" rev-parse feat/T1-tom)" = "$good" ]
	# a commit out of scope that skipped pre-commit: the push is refused
	echo x > README.md
	git add README.md
	git commit -q --no-verify -m "docs(readme): x"
	run --separate-stderr git push origin feat/T1-tom
	[ "$status" -ne 0 ]
	[[ "$stderr" == *'"path": "README.md"'* ]]
	[[ "$stderr" == *"feat/T1-tom: commits leave the scope of run T1/tom"* ]]
	[ "$(git --git-dir="$ART_TMP/remote.git" rev-parse feat/T1-tom)" = "$good" ]
	# and from the main checkout, under another name too
	cd "$REPO"
	run --separate-stderr git push origin feat/T1-tom:refs/heads/elsewhere
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"feat/T1-tom: commits leave the scope of run T1/tom"* ]]
	[ -z "$(git --git-dir="$ART_TMP/remote.git" branch --list elsewhere)" ]
	# while the main checkout pushes main as it likes
	echo '/* more */' >> src/main.c
	git commit -qam "feat(src): more"
	git push -q origin main
	[ "$(git --git-dir="$ART_TMP/remote.git" rev-parse main)" = "$(git rev-parse main)" ]
}

# ------------------------------------------------------- core.hooksPath

@test "core.hooksPath is where the hooks go, ~ and relative paths included" {
	git config core.hooksPath "$ART_TMP/shared-hooks"
	run --separate-stderr art-init --hooks
	[ "$status" -eq 0 ]
	[ "$(json .hooksPath)" = "$ART_TMP/shared-hooks" ]
	[ "$(json '.hooks[0].path')" = "$ART_TMP/shared-hooks/pre-commit" ]
	cmp "$SRC/art-hook" "$ART_TMP/shared-hooks/commit-msg"
	[ ! -e "$H/pre-commit" ] && [ ! -e "$H/commit-msg" ]
	cd "$WT"
	echo x > README.md
	git add README.md
	run --separate-stderr git commit -qm "docs(readme): x"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *outside_allowlist* ]]
	cd "$REPO"
	git config core.hooksPath "~/hooks"
	run --separate-stderr art-init --hooks
	[ "$(json .hooksPath)" = "$HOME/hooks" ]
	[ -x "$HOME/hooks/pre-push" ]
	git config core.hooksPath .githooks
	run --separate-stderr art-init --hooks
	[ "$status" -eq 0 ]
	[ "$(json .hooksPath)" = "$REPO/.githooks" ]
	[[ "$stderr" == *"core.hooksPath is relative"* ]]
}

@test "a hooks directory that is not writable is exit 7, with its path, and nothing written" {
	# a path that cannot be a directory at all
	echo file > "$ART_TMP/plain"
	git config core.hooksPath "$ART_TMP/plain/hooks"
	run --separate-stderr art-init --hooks
	[ "$status" -eq 7 ]
	[[ "$stderr" == *"cannot create hooks directory $ART_TMP/plain/hooks: Not a directory"* ]]
	# a read-only one
	mkdir "$ART_TMP/ro"
	chmod 555 "$ART_TMP/ro"
	git config core.hooksPath "$ART_TMP/ro"
	if [ "$(id -u)" -eq 0 ]; then
		# root writes anywhere: ask as an unprivileged user
		command -v setpriv >/dev/null || skip "no setpriv"
		chown -R 65534:65534 "$ART_TMP"
		run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
			env HOME="$HOME" art-init --hooks
	else
		run --separate-stderr art-init --hooks
	fi
	[ "$status" -eq 7 ]
	[ -z "$output" ]
	[[ "$stderr" == "art-init: hooks directory $ART_TMP/ro is not writable: Permission denied" ]]
	[ -z "$(ls -A "$ART_TMP/ro")" ]
}

# ----------------------------------------------------------- uninstall

@test "uninstall puts the user's hooks back byte for byte, mode and symlink included" {
	user_hook pre-commit 0
	chmod 741 "$H/pre-commit"
	printf '#!/bin/sh\nexit 0\n' > "$ART_TMP/theirs"
	chmod 700 "$ART_TMP/theirs"
	ln -s "$ART_TMP/theirs" "$H/pre-push"
	before=$(snapshot "$H")
	art-init --hooks >/dev/null
	[ "$(readlink "$H/pre-push.art-chained")" = "$ART_TMP/theirs" ]
	run --separate-stderr art-init --hooks --uninstall
	[ "$status" -eq 0 ]
	[ "$(json '[.hooks[].removed] | all')" = true ]
	[ "$(json '[.hooks[].restored] | join(",")')" = true,false,true ]
	[ "$(json '.hooks[0] | keys | join(",")')" = name,path,removed,restored ]
	[ "$(json .hooksPath)" = "$H" ]
	[ "$(snapshot "$H")" = "$before" ]
	[ -z "$(ls "$H" | grep -e art-chained -e '\.tmp\.')" ]
	# once more: nothing left to do
	run --separate-stderr art-init --hooks --uninstall
	[ "$status" -eq 0 ]
	[ "$(json '[.hooks[].removed, .hooks[].restored] | any')" = false ]
	[ "$(snapshot "$H")" = "$before" ]
}

@test "uninstall leaves a hook that is not art's, and refuses (exit 4) to put a chained one over it" {
	art-init --hooks >/dev/null
	user_hook commit-msg 0
	run --separate-stderr art-init --hooks --uninstall
	[ "$status" -eq 0 ]
	[ "$(json '[.hooks[].removed] | join(",")')" = true,false,true ]
	grep -q "user commit-msg" "$H/commit-msg"
	# a user's hook where art's was, and the one art chained to waiting
	art-init --hooks >/dev/null
	[ -e "$H/commit-msg.art-chained" ]
	echo '#!/bin/sh' > "$H/commit-msg"
	before=$(snapshot "$H")
	run --separate-stderr art-init --hooks --uninstall
	[ "$status" -eq 4 ]
	[[ "$stderr" == "art-init: $H/commit-msg is not art's hook, and $H/commit-msg.art-chained waits to be put back in its place"* ]]
	[ "$(snapshot "$H")" = "$before" ]
}

# --------------------------------------------------------- pre-receive

# server: a bare repository with art's pre-receive, as origin.
server() {
	S="$ART_TMP/server.git"
	git init -q --bare "$S"
	install -m 755 "$SRC/pre-receive" "$S/hooks/pre-receive"
	git remote add origin "$S"
	git push -q origin main
}

@test "pre-receive refuses an agent branch that leaves its recorded scope, and accepts one that does not" {
	server
	cd "$WT"
	echo 'int a;' > src/a.c
	git add src/a.c
	git commit -qm "feat(src): a"
	good=$(git rev-parse HEAD)
	cd "$REPO"
	# the run record and the branch in one push: checked from the base
	run --separate-stderr git push origin feat/T1-tom refs/art/runs/T1/tom
	[ "$status" -eq 0 ]
	[ "$(git --git-dir="$S" rev-parse feat/T1-tom)" = "$good" ]
	[ "$(git --git-dir="$S" rev-parse refs/art/runs/T1/tom)" = "$(git rev-parse refs/art/runs/T1/tom)" ]
	# an update with a commit out of scope: OLD..NEW, refused
	cd "$WT"
	echo x > README.md
	git add README.md
	git commit -qm "docs(readme): out of scope"
	cd "$REPO"
	run --separate-stderr git push origin feat/T1-tom
	[ "$status" -ne 0 ]
	[[ "$stderr" == *'"path": "README.md"'* ]]
	[[ "$stderr" == *'"reason": "outside_allowlist"'* ]]
	[[ "$stderr" == *"art pre-receive: feat/T1-tom: commits leave the scope of run T1/tom"* ]]
	[ "$(git --git-dir="$S" rev-parse feat/T1-tom)" = "$good" ]
	# nor by deleting the run record in the same push
	run --separate-stderr git push origin feat/T1-tom :refs/art/runs/T1/tom
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"refs/art/runs/T1/tom: a run record is kept once written"* ]]
	[ "$(git --git-dir="$S" rev-parse feat/T1-tom)" = "$good" ]
	git --git-dir="$S" rev-parse -q --verify refs/art/runs/T1/tom >/dev/null
}

@test "pre-receive checks a new branch from the manifest's base when the run record is already there" {
	server
	art-start --agent tom --ticket T2 </dev/null >/dev/null
	git push -q origin refs/art/runs/T2/tom
	W2="$REPO/.worktrees/T2/tom"
	echo x > "$W2/Makefile"
	git -C "$W2" add Makefile
	git -C "$W2" commit -qm "chore(build): protected"
	echo 'int b;' > "$W2/src/b.c"
	git -C "$W2" add src/b.c
	git -C "$W2" commit -qm "feat(src): b"
	run --separate-stderr git push origin feat/T2-tom
	[ "$status" -ne 0 ]
	[[ "$stderr" == *'"path": "Makefile"'* ]]
	[[ "$stderr" == *'"reason": "protected"'* ]]
	[ -z "$(git --git-dir="$S" branch --list 'feat/*')" ]
	# the branch without that commit passes
	git -C "$W2" rebase -q --onto HEAD~2 HEAD~1
	git push -q origin feat/T2-tom
	[ "$(git --git-dir="$S" rev-parse feat/T2-tom)" = "$(git -C "$W2" rev-parse HEAD)" ]
	# a branch with no run record is no agent's: not checked
	git push -q origin main:refs/heads/feat/T9-eva
}

@test "pre-receive refuses a change to a recorded manifest, and fails closed without art" {
	server
	git push -q origin refs/art/runs/T1/tom
	git show refs/art/runs/T1/tom:manifest.json | jq '.scopeAllowlist = ["**"]' > "$ART_TMP/m.json"
	blob=$(git hash-object -w "$ART_TMP/m.json")
	tree=$(printf '100644 blob %s\tmanifest.json\n' "$blob" | git mktree)
	forged=$(git commit-tree "$tree" -p refs/art/runs/T1/tom -m "art: widen")
	run --separate-stderr git push origin "$forged:refs/art/runs/T1/tom"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"refs/art/runs/T1/tom: a run's manifest is fixed when the run starts"* ]]
	[ "$(git --git-dir="$S" rev-parse refs/art/runs/T1/tom)" = "$(git rev-parse refs/art/runs/T1/tom)" ]
	# art-scope-check missing on the server: an agent branch is refused
	noart=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$ART_BIN" | paste -sd: -)
	! PATH=$noart command -v art-scope-check >/dev/null || skip "art is installed outside the build tree"
	run --separate-stderr env PATH="$noart" git push origin feat/T1-tom
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"feat/T1-tom: art-scope-check is not in PATH on the server"* ]]
	[ -z "$(git --git-dir="$S" branch --list 'feat/*')" ]
	# other refs pass without it
	env PATH="$noart" git push -q origin main:refs/heads/other
}

@test "pre-receive chains to the server's own hook: same refs on stdin, its refusal stands" {
	server
	printf '#!/bin/sh\ncat > "%s/chained.stdin"\nexit 1\n' "$ART_TMP" > "$S/hooks/pre-receive.art-chained"
	chmod 755 "$S/hooks/pre-receive.art-chained"
	run --separate-stderr git push origin main:refs/heads/other
	[ "$status" -ne 0 ]
	[ "$(cat "$ART_TMP/chained.stdin")" = "0000000000000000000000000000000000000000 $(git rev-parse main) refs/heads/other" ]
	[ -z "$(git --git-dir="$S" branch --list other)" ]
}
