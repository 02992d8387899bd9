#!/usr/bin/env bats
# art-scope-check: did the agent stay in its scope?

load helper

setup() {
	setup_repo
	# base files a run can touch: protected ones, one outside every scope,
	# and an ignore list
	printf 'all:\n\techo ok\n' > Makefile
	printf 'hello\n' > README.md
	mkdir -p tools docs
	printf 'print("index")\n' > tools/ssot_index.py
	printf '# Docs\n' > docs/a.md
	printf '*.log\n/out/\n' > .gitignore
	git add -A
	git commit -qm "chore(repo): base files"
	init_art
}

teardown() {
	teardown_repo
}

# start_run [PROFILE_JQ [REGISTRY_JQ]]: edit tom's profile and the registry
# with jq, commit, open T1/tom and cd into its worktree.  BASE is the
# manifest's base, WT the worktree.
start_run() {
	edit_agents "$@"
	art-start --agent tom --ticket T1 </dev/null > "$ART_TMP/start.json"
	BASE=$(jq -r .base "$ART_TMP/start.json")
	[ "$BASE" = "$(git rev-parse HEAD)" ]
	WT="$REPO/.worktrees/T1/tom"
	cd "$WT"
}

# viol PATH REASON: the violation of PATH for REASON, compact (empty: none).
viol() {
	printf '%s' "$output" | jq -c --arg p "$1" --arg r "$2" '.violations[] | select(.path == $p and .reason == $r)'
}

# file_entry PATH: the --files entry of PATH, compact.
file_entry() {
	printf '%s' "$output" | jq -c --arg p "$1" '.files[] | select(.path == $p)'
}

# approved PATH: the "approved" entry of PATH, compact.
approved() {
	printf '%s' "$output" | jq -c --arg p "$1" '.approved[] | select(.path == $p)'
}

# jc FILTER: jq -c of FILTER on $output.
jc() {
	printf '%s' "$output" | jq -c "$1"
}

# vlist: "path:change:reason" of every violation, in output order.
vlist() {
	json '[.violations[] | .path + ":" + .change + ":" + .reason] | join(",")'
}

# chars PATTERN N: PATTERN repeated, cut to N characters (fake tokens are
# built from pieces, never written out whole).
chars() {
	local s=""
	while [ "${#s}" -lt "$2" ]; do s+="$1"; done
	printf '%s' "${s:0:$2}"
}

# ---------------------------------------------------------------- clean run

@test "a clean run: changes inside the allowlist are exit 0 with the exact fields" {
	start_run
	printf 'int x;\n' > src/x.c
	git add src/x.c && git commit -qm "feat(src): add x"
	echo '/* more */' >> src/main.c && git commit -qam "feat(src): more"
	echo '/* again */' >> src/main.c
	printf 'doc\n' > docs/b.md
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(json '[keys_unsorted[]] | join(",")')" = "ok,agent,ticket,base,head,mode,checked,violations,approved,skipped" ]
	[ "$(json .ok)" = true ]
	[ "$(json .agent)" = tom ]
	[ "$(json .ticket)" = T1 ]
	[ "$(json .base)" = "$BASE" ]
	[ "$(json .head)" = "$(git rev-parse HEAD)" ]
	[ "$(json .mode)" = worktree ]
	# src/x.c, src/main.c (two commits and the working tree: once), docs/b.md
	[ "$(json .checked)" = 3 ]
	[ "$(jc .violations)" = "[]" ]
	[ "$(jc .approved)" = "[]" ]
	[ "$(jc .skipped)" = "[]" ]
	[ "$(json 'has("files")')" = false ]
}

@test "the run named by flags from the main checkout is checked in its own worktree" {
	start_run
	echo '/* more */' >> src/main.c && git commit -qam "feat(src): more"
	echo 'x' > outside.txt
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	first="$output"
	head=$(git rev-parse HEAD)
	cd "$REPO"
	run --separate-stderr art-scope-check --agent tom --ticket T1 </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "$first" ]
	[ "$(json .head)" = "$head" ]
	[ "$(vlist)" = "outside.txt:added:outside_allowlist" ]
}

@test "--pretty indents the output" {
	start_run
	run --separate-stderr art-scope-check --pretty </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "{" ]
	[ "${lines[1]}" = '  "ok": true,' ]
	[ "$(printf '%s' "$output" | jq -c .)" = "$(art-scope-check </dev/null)" ]
}

# ------------------------------------------------------------------ modes

@test "default mode sees committed, staged, unstaged and untracked changes" {
	start_run
	echo c > committed.txt
	git add committed.txt && git commit -qm "feat(x): committed"
	echo s > staged.txt && git add staged.txt
	echo u >> README.md
	mkdir notes && echo n > notes/untracked.txt
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(json .ok)" = false ]
	[ "$(json .mode)" = worktree ]
	[ "$(json .checked)" = 4 ]
	[ "$(vlist)" = "README.md:modified:outside_allowlist,committed.txt:added:outside_allowlist,notes/untracked.txt:added:outside_allowlist,staged.txt:added:outside_allowlist" ]
	[ "$(viol README.md outside_allowlist)" = '{"path":"README.md","change":"modified","reason":"outside_allowlist","rule":null,"line":null}' ]
}

@test "--staged sees only the index against HEAD" {
	start_run
	echo c > committed.txt
	git add committed.txt && git commit -qm "feat(x): committed"
	echo s > staged.txt && git add staged.txt
	echo u >> README.md
	echo n > untracked.txt
	run --separate-stderr art-scope-check --staged </dev/null
	[ "$status" -eq 1 ]
	[ "$(json .mode)" = staged ]
	[ "$(json .base)" = "$BASE" ]
	[ "$(json .head)" = "$(git rev-parse HEAD)" ]
	[ "$(json .checked)" = 1 ]
	[ "$(vlist)" = "staged.txt:added:outside_allowlist" ]
	# nothing staged: nothing to check
	git reset -q
	run --separate-stderr art-scope-check --staged </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .checked)" = 0 ]
}

@test "--range A..B sees only the commits" {
	start_run
	echo c > committed.txt
	git add committed.txt && git commit -qm "feat(x): committed"
	echo '/* more */' >> src/main.c && git commit -qam "feat(src): more"
	echo s > staged.txt && git add staged.txt
	echo u >> README.md
	echo n > untracked.txt
	run --separate-stderr art-scope-check --range "$BASE..HEAD" </dev/null
	[ "$status" -eq 1 ]
	[ "$(json .mode)" = range ]
	[ "$(json .base)" = "$BASE" ]
	[ "$(json .head)" = "$(git rev-parse HEAD)" ]
	[ "$(json .checked)" = 2 ]
	[ "$(vlist)" = "committed.txt:added:outside_allowlist" ]
	# only the last commit
	run --separate-stderr art-scope-check --range "HEAD~1..HEAD" </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .base)" = "$(git rev-parse HEAD~1)" ]
	[ "$(json .checked)" = 1 ]
}

@test "--range A...B starts at the merge base; A..B base is A resolved" {
	start_run
	echo '/* more */' >> src/main.c && git commit -qam "feat(src): more"
	cd "$REPO"
	echo 'main moved' >> README.md && git commit -qam "docs(readme): main moves on"
	run --separate-stderr art-scope-check --manifest-ref refs/art/runs/T1/tom --range main...feat/T1-tom </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .base)" = "$BASE" ]
	[ "$(json .head)" = "$(git rev-parse feat/T1-tom)" ]
	[ "$(json .checked)" = 1 ]
	run --separate-stderr art-scope-check --manifest-ref refs/art/runs/T1/tom --range main..feat/T1-tom </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .base)" = "$(git rev-parse main)" ]
	[ "$(json .checked)" = 1 ]
}

@test "a merge commit counts only the paths that differ from every parent" {
	start_run
	echo '/* more */' >> src/main.c && git commit -qam "feat(src): more"
	(cd "$REPO" && echo 'main moved' >> README.md && git commit -qam "docs(readme): main moves on")
	git merge -q --no-edit main
	run --separate-stderr art-scope-check --range main..HEAD </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .checked)" = 1 ]
	# an evil merge: a path in neither parent
	git reset -q --hard HEAD~1
	git merge -q --no-commit main
	echo evil > evil.txt && git add evil.txt
	git commit -qm "merge(main): with a twist"
	run --separate-stderr art-scope-check --range main..HEAD </dev/null
	[ "$status" -eq 1 ]
	[ "$(vlist)" = "evil.txt:added:outside_allowlist" ]
}

# --------------------------------------------------------------- verdicts

@test "outside_allowlist, denylisted (deny beats allow) and protected are exit 1" {
	start_run
	echo x >> README.md
	mkdir -p src/secrets && echo k > src/secrets/k.txt
	echo 'x:' >> Makefile
	git add -A && git commit -qm "feat(x): three wrong changes"
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(json .ok)" = false ]
	[ "$(json .checked)" = 3 ]
	[ "$(json '.violations | length')" = 3 ]
	[ "$(jc '.violations[0]')" = '{"path":"Makefile","change":"modified","reason":"protected","rule":"Makefile","line":null}' ]
	[ "$(jc '.violations[1]')" = '{"path":"README.md","change":"modified","reason":"outside_allowlist","rule":null,"line":null}' ]
	[ "$(jc '.violations[2]')" = '{"path":"src/secrets/k.txt","change":"added","reason":"denylisted","rule":"**/secrets/**","line":null}' ]
	[ "$(jc .approved)" = "[]" ]
}

@test "one verdict per path: deny beats protected, protected beats allow" {
	start_run '.scopeAllowlist += ["tools/**", ".github/**"] | .scopeDenylist += ["Makefile"]'
	echo 'x:' >> Makefile
	echo 'print(2)' >> tools/ssot_index.py
	mkdir -p .github/workflows && echo 'on: push' > .github/workflows/ci.yml
	git add -A && git commit -qm "ci(x): touch the guard rails"
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(json '.violations | length')" = 3 ]
	[ "$(jc '.violations[0]')" = '{"path":".github/workflows/ci.yml","change":"added","reason":"protected","rule":".github/workflows/**","line":null}' ]
	[ "$(jc '.violations[1]')" = '{"path":"Makefile","change":"modified","reason":"denylisted","rule":"Makefile","line":null}' ]
	[ "$(jc '.violations[2]')" = '{"path":"tools/ssot_index.py","change":"modified","reason":"protected","rule":"tools/ssot_*.py","line":null}' ]
}

@test "a rename from a protected path to an allowed one: violation on the old path" {
	start_run
	git mv Makefile src/Makefile
	git commit -qm "refactor(build): move the makefile"
	run --separate-stderr art-scope-check --files </dev/null
	[ "$status" -eq 1 ]
	[ "$(json .checked)" = 2 ]
	[ "$(jc .violations)" = '[{"path":"Makefile","change":"renamed","reason":"protected","rule":"Makefile","line":null,"to":"src/Makefile"}]' ]
	[ "$(file_entry Makefile)" = '{"path":"Makefile","change":"renamed","ok":false,"to":"src/Makefile"}' ]
	[ "$(file_entry src/Makefile)" = '{"path":"src/Makefile","change":"renamed","ok":true,"from":"Makefile"}' ]
}

@test "a staged rename out of a protected path is seen by --staged" {
	start_run
	git mv tools/ssot_index.py src/ssot_index.py
	run --separate-stderr art-scope-check --staged --files </dev/null
	[ "$status" -eq 1 ]
	[ "$(json .checked)" = 2 ]
	[ "$(jc .violations)" = '[{"path":"tools/ssot_index.py","change":"renamed","reason":"protected","rule":"tools/ssot_*.py","line":null,"to":"src/ssot_index.py"}]' ]
	[ "$(file_entry src/ssot_index.py)" = '{"path":"src/ssot_index.py","change":"renamed","ok":true,"from":"tools/ssot_index.py"}' ]
}

@test "deleting a protected file and chmod +x of one are violations" {
	start_run
	chmod +x .gitignore
	git commit -qam "chore(repo): executable ignore list"
	git rm -q Makefile
	git commit -qm "chore(build): drop the makefile"
	rm tools/ssot_index.py
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(json .checked)" = 3 ]
	[ "$(jc '.violations[0]')" = '{"path":".gitignore","change":"mode","reason":"protected","rule":".gitignore","line":null}' ]
	[ "$(jc '.violations[1]')" = '{"path":"Makefile","change":"deleted","reason":"protected","rule":"Makefile","line":null}' ]
	[ "$(jc '.violations[2]')" = '{"path":"tools/ssot_index.py","change":"deleted","reason":"protected","rule":"tools/ssot_*.py","line":null}' ]
}

# ----------------------------------------------------------------- symlinks

@test "a symlink to /etc/passwd inside the allowlist is symlink_escape" {
	start_run
	ln -s /etc/passwd src/passwd
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .violations)" = '[{"path":"src/passwd","change":"added","reason":"symlink_escape","rule":null,"line":null,"target":"/etc/passwd"}]' ]
	git add src/passwd && git commit -qm "feat(src): link"
	run --separate-stderr art-scope-check --range "$BASE..HEAD" </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .violations)" = '[{"path":"src/passwd","change":"added","reason":"symlink_escape","rule":null,"line":null,"target":"/etc/passwd"}]' ]
}

@test "a symlink that climbs into another worktree is symlink_escape" {
	start_run
	ln -s ../../other-worktree/x src/other
	git add src/other && git commit -qm "feat(src): link"
	ln -s ../../../eva/src src/eva
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(viol src/other symlink_escape)" = '{"path":"src/other","change":"added","reason":"symlink_escape","rule":null,"line":null,"target":"../../other-worktree/x"}' ]
	[ "$(viol src/eva symlink_escape)" = '{"path":"src/eva","change":"added","reason":"symlink_escape","rule":null,"line":null,"target":"../../../eva/src"}' ]
	[ "$(json '.violations | length')" = 2 ]
}

@test "a symlink to a path inside the worktree is fine" {
	start_run
	ln -s main.c src/alias.c
	ln -s ../docs/a.md src/doc.md
	git add src/alias.c && git commit -qm "feat(src): alias"
	run --separate-stderr art-scope-check --files </dev/null
	[ "$status" -eq 0 ]
	[ "$(jc .violations)" = "[]" ]
	[ "$(json .checked)" = 2 ]
	[ "$(file_entry src/doc.md)" = '{"path":"src/doc.md","change":"added","ok":true}' ]
}

@test "a file replaced by a symlink is a typechange" {
	start_run
	rm README.md && ln -s docs/a.md README.md
	rm src/main.c && ln -s ../docs/a.md src/main.c
	git add -A && git commit -qm "refactor(src): links"
	run --separate-stderr art-scope-check --files </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .violations)" = '[{"path":"README.md","change":"typechange","reason":"outside_allowlist","rule":null,"line":null}]' ]
	[ "$(file_entry src/main.c)" = '{"path":"src/main.c","change":"typechange","ok":true}' ]
}

# --------------------------------------------------------------- submodules

@test "a new submodule is reason submodule" {
	git init -q -b main "$ART_TMP/sub"
	echo lib > "$ART_TMP/sub/lib.c"
	git -C "$ART_TMP/sub" add -A
	git -C "$ART_TMP/sub" -c user.name=T -c user.email=t@example.com commit -qm "feat(lib): lib"
	start_run
	git -c protocol.file.allow=always submodule add -q "$ART_TMP/sub" src/lib
	run --separate-stderr art-scope-check --files </dev/null
	[ "$status" -eq 1 ]
	[ "$(viol src/lib submodule)" = '{"path":"src/lib","change":"added","reason":"submodule","rule":null,"line":null}' ]
	[ "$(viol .gitmodules outside_allowlist)" = '{"path":".gitmodules","change":"added","reason":"outside_allowlist","rule":null,"line":null}' ]
	# the submodule's own files are not the run's changes
	[ "$(json '[.files[].path | select(startswith("src/lib/"))] | length')" = 0 ]
	git commit -qm "feat(src): vendor lib"
	run --separate-stderr art-scope-check --range "$BASE..HEAD" </dev/null
	[ "$status" -eq 1 ]
	[ "$(viol src/lib submodule)" = '{"path":"src/lib","change":"added","reason":"submodule","rule":null,"line":null}' ]
}

@test "an untracked directory holding its own .git is reason submodule" {
	start_run
	git init -q src/nested
	echo x > src/nested/f.c
	git -C src/nested add -A
	git -C src/nested -c user.name=T -c user.email=t@example.com commit -qm "feat(nested): f"
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc '[.violations[] | {path, reason}]')" = '[{"path":"src/nested","reason":"submodule"}]' ]
}

# --------------------------------------------------------------- file names

@test "file names with spaces, newlines, tabs, quotes, dashes and bad UTF-8 stay raw in valid JSON" {
	names=("with space.txt" $'new\nline.txt' $'tab\there.txt' 'quote"d.txt' "it's.txt" '-dash.txt' '--files' 'back\slash.txt' $'bad\xff.txt' 'ünï.txt')
	expect=("with space.txt" $'new\nline.txt' $'tab\there.txt' 'quote"d.txt' "it's.txt" '-dash.txt' '--files' 'back\slash.txt' $'bad\xef\xbf\xbd.txt' 'ünï.txt')
	# c/: in the base, modified in the working tree
	mkdir c
	for n in "${names[@]}"; do echo base > "c/$n"; done
	git add -A && git commit -qm "chore(repo): odd names"
	start_run
	mkdir k s u
	for n in "${names[@]}"; do
		echo changed >> "c/$n"
		echo k > "k/$n"
		echo s > "s/$n"
		echo u > "u/$n"
	done
	git add k && git commit -qm "feat(k): odd names"
	git add s
	run --separate-stderr art-scope-check --files </dev/null
	[ "$status" -eq 1 ]
	printf '%s' "$output" | jq -e . >/dev/null
	[ "$(json .checked)" = 40 ]
	[ "$(json '.violations | length')" = 40 ]
	for d in c k s u; do
		for n in "${expect[@]}"; do
			printf '%s' "$output" | jq -e --arg p "$d/$n" 'any(.violations[]; .path == $p and .reason == "outside_allowlist")' >/dev/null ||
				{ echo "no violation for [$d/$n]"; return 1; }
			printf '%s' "$output" | jq -e --arg p "$d/$n" 'any(.files[]; .path == $p and .ok == false)' >/dev/null ||
				{ echo "no file entry for [$d/$n]"; return 1; }
		done
	done
	[ "$(viol $'u/new\nline.txt' outside_allowlist)" = '{"path":"u/new\nline.txt","change":"added","reason":"outside_allowlist","rule":null,"line":null}' ]
	[ "$(viol $'c/new\nline.txt' outside_allowlist)" = '{"path":"c/new\nline.txt","change":"modified","reason":"outside_allowlist","rule":null,"line":null}' ]
	# no git quoting anywhere
	[[ "$output" != *'\"c/'* ]]
	[[ "$output" != *'\"k/'* ]]
	[[ "$output" != *'\\303'* ]]
	[[ "$output" != *'\\377'* ]]
}

@test "the staged and range paths keep odd names raw too, even a leading dash" {
	start_run
	echo s > $'new\nline.txt' && git add $'new\nline.txt'
	echo d > ./--staged && git add -- --staged
	want='[{"path":"--staged","change":"added","reason":"outside_allowlist","rule":null,"line":null},{"path":"new\nline.txt","change":"added","reason":"outside_allowlist","rule":null,"line":null}]'
	run --separate-stderr art-scope-check --staged </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .violations)" = "$want" ]
	git commit -qm "feat(x): odd names"
	run --separate-stderr art-scope-check --range "$BASE..HEAD" </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .violations)" = "$want" ]
}

@test "violations and files are sorted by the bytes of their paths" {
	start_run '.scopeAllowlist = ["a/**"]'
	mkdir a
	for n in "a_b.txt" "a-b.txt" "B.txt" "ä.txt" "Z.txt" "a.txt"; do echo x > "$n"; done
	echo x > a/b.txt
	run --separate-stderr art-scope-check --files </dev/null
	[ "$status" -eq 1 ]
	[ "$(json '[.violations[].path] | join("|")')" = "B.txt|Z.txt|a-b.txt|a.txt|a_b.txt|ä.txt" ]
	[ "$(json '[.files[].path] | join("|")')" = "B.txt|Z.txt|a-b.txt|a.txt|a/b.txt|a_b.txt|ä.txt" ]
}

@test "a rename with a small edit is still a rename" {
	start_run
	seq 1 20 > numbers.txt
	git add numbers.txt && git commit -qm "feat(x): numbers"
	c=$(git rev-parse HEAD)
	git mv numbers.txt src/numbers.txt
	echo 21 >> src/numbers.txt
	git add src/numbers.txt && git commit -qm "refactor(src): move numbers"
	run --separate-stderr art-scope-check --range "$c..HEAD" --files </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .violations)" = '[{"path":"numbers.txt","change":"renamed","reason":"outside_allowlist","rule":null,"line":null,"to":"src/numbers.txt"}]' ]
	[ "$(file_entry src/numbers.txt)" = '{"path":"src/numbers.txt","change":"renamed","ok":true,"from":"numbers.txt"}' ]
}

@test "a committed link made to escape in the working tree is symlink_escape" {
	start_run
	ln -s main.c src/alias.c
	git add src/alias.c && git commit -qm "feat(src): alias"
	ln -sfn /etc/shadow src/alias.c
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .violations)" = '[{"path":"src/alias.c","change":"added","reason":"symlink_escape","rule":null,"line":null,"target":"/etc/shadow"}]' ]
}

@test "run from a subdirectory of the worktree, paths stay relative to the top" {
	start_run
	echo x >> README.md
	run --separate-stderr art-scope-check </dev/null
	first="$output"
	cd src
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "$first" ]
}

@test "as a pre-commit hook, --staged refuses an out-of-scope commit, also with commit -a" {
	start_run
	hooks="$(git rev-parse --git-common-dir)/hooks"
	mkdir -p "$hooks"
	printf '#!/bin/sh\nexec art-scope-check --staged >/dev/null\n' > "$hooks/pre-commit"
	chmod +x "$hooks/pre-commit"
	head=$(git rev-parse HEAD)
	echo x >> README.md
	git add README.md
	run git commit -qm "docs(readme): out of scope"
	[ "$status" -ne 0 ]
	[ "$(git rev-parse HEAD)" = "$head" ]
	git reset -q
	run git commit -qam "docs(readme): out of scope"
	[ "$status" -ne 0 ]
	[ "$(git rev-parse HEAD)" = "$head" ]
	run git commit -qm "docs(readme): out of scope" -- README.md
	[ "$status" -ne 0 ]
	[ "$(git rev-parse HEAD)" = "$head" ]
	# in scope: the hook lets it through
	git checkout -q README.md
	echo '/* ok */' >> src/main.c
	git commit -qam "feat(src): in scope"
	[ "$(git rev-parse HEAD~1)" = "$head" ]
}

@test "malformed JSON on stdin is exit 3" {
	start_run
	cd "$REPO"
	run --separate-stderr bash -c "printf '{\"agent\": \"tom\",\n \"ticket\": }' | art-scope-check"
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"stdin:2:"* ]]
}

# ------------------------------------------------------------ glob matching

@test "backend_django/apps/** does not match apps_evil; tools/ssot_*.py does not match tools/sub/" {
	start_run '.scopeAllowlist = ["backend_django/apps/**", "tools/ssot_*.py"] | .scopeDenylist = []' \
		'.protected = ["Makefile"]'
	mkdir -p backend_django/apps/a backend_django/apps_evil tools/sub
	echo ok > backend_django/apps/a/b.py
	echo evil > backend_django/apps_evil/x
	echo ok > tools/ssot_new.py
	echo no > tools/sub/ssot_x.py
	run --separate-stderr art-scope-check --files </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .files)" = '[{"path":"backend_django/apps/a/b.py","change":"added","ok":true},{"path":"backend_django/apps_evil/x","change":"added","ok":false},{"path":"tools/ssot_new.py","change":"added","ok":true},{"path":"tools/sub/ssot_x.py","change":"added","ok":false}]' ]
	[ "$(vlist)" = "backend_django/apps_evil/x:added:outside_allowlist,tools/sub/ssot_x.py:added:outside_allowlist" ]
}

@test "the protected tools/ssot_*.py covers tools/ssot_x.py, not tools/sub/ssot_x.py" {
	start_run '.scopeAllowlist = ["**"] | .scopeDenylist = []'
	mkdir -p tools/sub
	echo no > tools/ssot_new.py
	echo ok > tools/sub/ssot_x.py
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .violations)" = '[{"path":"tools/ssot_new.py","change":"added","reason":"protected","rule":"tools/ssot_*.py","line":null}]' ]
}

# ------------------------------------------------------- what is a change

@test "a change staged then reverted in the working tree is still a change" {
	start_run
	echo changed >> README.md
	git add README.md
	git show HEAD:README.md > README.md
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(json '[.violations[] | .path + ":" + .reason] | join(",")')" = "README.md:outside_allowlist" ]
	run --separate-stderr art-scope-check --staged </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .violations)" = '[{"path":"README.md","change":"modified","reason":"outside_allowlist","rule":null,"line":null}]' ]
}

@test "an ignored file outside the scope is not a change" {
	start_run
	echo log > debug.log
	mkdir out && echo o > out/x.bin
	run --separate-stderr art-scope-check --files </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .checked)" = 0 ]
	[ "$(jc .files)" = "[]" ]
}

@test "every ignore source counts: nested .gitignore, info/exclude, core.excludesFile" {
	printf 'gen/\n' > src/.gitignore
	git add src/.gitignore && git commit -qm "chore(src): ignore generated files"
	echo '*.tmp' >> .git/info/exclude
	printf '*.swp\n' > "$ART_TMP/global-ignore"
	git config core.excludesFile "$ART_TMP/global-ignore"
	start_run
	mkdir -p src/gen && echo g > src/gen/out.c
	echo t > scratch.tmp
	echo s > .README.md.swp
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .checked)" = 0 ]
}

@test "a tracked file that matches an ignore pattern still counts when changed" {
	echo old > keep.log
	git add -f keep.log && git commit -qm "chore(repo): tracked log"
	start_run
	echo new >> keep.log
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .violations)" = '[{"path":"keep.log","change":"modified","reason":"outside_allowlist","rule":null,"line":null}]' ]
}

@test "a protected file changed then changed back is still a violation" {
	start_run
	echo 'evil:' >> Makefile && git commit -qam "build(make): evil"
	git show HEAD~1:Makefile > Makefile && git commit -qam "build(make): undo"
	[ -z "$(git diff "$BASE" HEAD)" ]
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc '[.violations[] | {path, reason, rule}]')" = '[{"path":"Makefile","reason":"protected","rule":"Makefile"}]' ]
	run --separate-stderr art-scope-check --range "$BASE..HEAD" </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc '[.violations[] | {path, reason, rule}]')" = '[{"path":"Makefile","reason":"protected","rule":"Makefile"}]' ]
}

@test "a path added then deleted in history is a deleted change" {
	start_run
	echo x > other.txt && git add other.txt && git commit -qm "feat(x): other"
	git rm -q other.txt && git commit -qm "feat(x): no other"
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .violations)" = '[{"path":"other.txt","change":"deleted","reason":"outside_allowlist","rule":null,"line":null}]' ]
}

@test "the run's own files in .agent/ never count" {
	start_run
	echo note > .agent/notes.md
	mkdir -p .agent/sub && echo y > .agent/sub/y
	echo '{}' > .agent/manifest.json
	run --separate-stderr art-scope-check --files </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .checked)" = 0 ]
	[ "$(jc .files)" = "[]" ]
}

@test "files committed under .agent/ are changes, and a rename does not launder them" {
	start_run
	tok="ghp_$(chars a 36)"
	printf 'token=%s\n' "$tok" > .agent/stash.txt
	ln -s /etc .agent/etc
	git add -f .agent/stash.txt .agent/etc && git commit -qm "chore(agent): stash"
	c1=$(git rev-parse HEAD)
	mkdir -p src && git mv .agent/stash.txt src/stash.txt && git commit -qm "feat(src): move"
	for args in "" "--range $BASE..HEAD"; do
		# shellcheck disable=SC2086
		run --separate-stderr art-scope-check $args </dev/null
		[ "$status" -eq 1 ]
		[ "$(viol .agent/stash.txt secret | jq -r '.rule + " " + (.line|tostring) + " " + .commit')" = "github-pat 1 $c1" ]
		[ -n "$(viol .agent/stash.txt outside_allowlist)" ]
		[ "$(viol .agent/etc symlink_escape | jq -r .target)" = /etc ]
		[[ "$output$stderr" != *"$tok"* ]]
	done
}

@test "a secret in a file first committed as binary is found when it turns to text" {
	start_run
	tok="glpat-$(chars b 20)"
	printf 'x\0y\nkey=%s\n' "$tok" > src/a.txt
	git add src/a.txt && git commit -qm "feat(src): blob"
	printf 'x y\nkey=%s\n' "$tok" > src/b.txt
	git rm -q src/a.txt && git add src/b.txt && git commit -qm "feat(src): text"
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(viol src/b.txt secret | jq -r '.rule + " " + (.line|tostring)')" = "gitlab-pat 2" ]
	[ "$(jc '.skipped')" = '[{"path":"src/a.txt","why":"binary"}]' ]
}

@test "a submodule replaced, removed or turned into a link in the working tree is seen" {
	git init -q "$ART_TMP/subrepo"
	git -C "$ART_TMP/subrepo" -c user.name=T -c user.email=t@example.com commit -q --allow-empty -m "feat(sub): one"
	git -c protocol.file.allow=always submodule add -q "$ART_TMP/subrepo" src/mod
	git commit -qm "feat(src): a submodule"
	start_run '.scopeAllowlist = ["**"]'
	git -c protocol.file.allow=always submodule update -q --init
	for mode in fast slow; do
		env=""; [ "$mode" = slow ] && env="ART_NO_FAST_SCAN=1"
		rm -rf src/mod && printf 'key=ghp_%s\n' "$(chars c 36)" > src/mod
		run --separate-stderr env $env art-scope-check </dev/null
		[ "$status" -eq 1 ]
		[ "$(viol src/mod submodule | jq -r .change)" = typechange ]
		[ "$(viol src/mod secret | jq -r .rule)" = github-pat ]
		rm -f src/mod && ln -s /etc src/mod
		run --separate-stderr env $env art-scope-check </dev/null
		[ "$(viol src/mod symlink_escape | jq -r .target)" = /etc ]
		rm -f src/mod
		run --separate-stderr env $env art-scope-check </dev/null
		[ "$(viol src/mod submodule | jq -r .change)" = deleted ]
	done
}

@test "a symlink whose target is a token is a secret, and the target is not printed" {
	start_run
	tok="ghp_$(chars d 36)"
	ln -s "$tok" src/rel
	ln -s "/$tok" src/abs
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(viol src/rel secret | jq -r .rule)" = github-pat ]
	[ "$(viol src/abs symlink_escape | jq -r .target)" = "[REDACTED]" ]
	[[ "$output$stderr" != *"$tok"* ]]
}

@test "a committed blob missing from the object store is exit 7, not a pass" {
	start_run
	id=$(printf 'key=ghp_%s\n' "$(chars e 36)" | git hash-object --stdin)
	git update-index --add --cacheinfo "100644,$id,src/ghost.txt"
	tree=$(git write-tree --missing-ok)
	commit=$(git commit-tree "$tree" -p HEAD -m "feat(src): ghost")
	git update-ref HEAD "$commit"
	run --separate-stderr art-scope-check --range "$BASE..HEAD" </dev/null
	[ "$status" -eq 7 ]
	[[ "$stderr" == *"src/ghost.txt"*"$id"* ]]
}

@test "patterns that can match nothing are refused: ./x, a//b, a/../b" {
	start_run
	for bad in './Makefile' 'src//x' 'src/../Makefile'; do
		jq --arg p "$bad" '.protected = [$p]' .agent/manifest.json > "$ART_TMP/m"
		run --separate-stderr art-scope-check --manifest "$ART_TMP/m" </dev/null
		[ "$status" -eq 3 ] || { echo "$bad: $status $stderr"; return 1; }
		[[ "$stderr" == *'"protected[0]"'* ]]
	done
}

@test "the run record's manifest wins over an edited worktree copy" {
	start_run
	jq '.scopeAllowlist = ["**"] | .protected = []' .agent/manifest.json > "$ART_TMP/m" && mv "$ART_TMP/m" .agent/manifest.json
	echo x >> README.md
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(vlist)" = "README.md:modified:outside_allowlist" ]
}

# ----------------------------------------------------------------- secrets

@test "a secret added then removed in a later commit is still a violation, never printed" {
	start_run
	tok="ghp_$(chars Ab1Cd2Ef3Gh4 36)"
	printf 'import os\n\nTOKEN = "%s"\n' "$tok" > src/config.py
	git add src/config.py && git commit -qm "feat(src): config"
	c1=$(git rev-parse HEAD)
	printf 'import os\n\nTOKEN = os.environ["TOKEN"]\n' > src/config.py
	git commit -qam "fix(src): token from the environment"
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .violations)" = "[{\"path\":\"src/config.py\",\"change\":\"added\",\"reason\":\"secret\",\"rule\":\"github-pat\",\"line\":3,\"commit\":\"$c1\"}]" ]
	[[ "$output$stderr" != *"$tok"* ]]
	[[ "$output$stderr" != *"$(chars Ab1Cd2Ef3Gh4 36)"* ]]
	run --separate-stderr art-scope-check --range "$BASE..HEAD" </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .violations)" = "[{\"path\":\"src/config.py\",\"change\":\"added\",\"reason\":\"secret\",\"rule\":\"github-pat\",\"line\":3,\"commit\":\"$c1\"}]" ]
	[[ "$output$stderr" != *"$(chars Ab1Cd2Ef3Gh4 36)"* ]]
}

@test "every secret rule is detected on an added line, with its line and commit" {
	start_run
	a36=$(chars Ab1Cd2Ef3Gh4 36)
	declare -A tok
	tok[aws-access-key-id]="AKIA$(chars QX7ZR2 16)"
	tok[aws-access-key-id-asia]="ASIA$(chars Z2Y3X4W5V6 16)"
	tok[github-pat]="ghp_$a36"
	tok[github-oauth]="gho_$a36"
	tok[github-app-token]="ghu_$a36"
	tok[github-app-token-ghs]="ghs_$a36"
	tok[github-fine-grained-pat]="github_pat_$(chars Ab1_Cd2 82)"
	tok[gitlab-pat]="glpat-$(chars Ab1-Cd_2 20)"
	tok[slack-token]="xoxb-""123456789012-1234567890123-""abcdefghijABCDEFGHIJ1234"
	tok[slack-token-xoxp]="xoxp-""123456789012-1234567890123-""abcdefghijABCDEFGHIJ1234"
	tok[slack-webhook]="https://hooks.slack.com/services/""T0000AAAA/B0000BBBB/$(chars Xy9Zw8 24)"
	tok[stripe-live-key]="sk_live_$(chars Ab1Cd2 24)"
	tok[stripe-live-key-rk]="rk_live_$(chars Ab1Cd2 24)"
	tok[gcp-api-key]="AIza$(chars Sy-_Ab1 35)"
	tok[npm-token]="npm_$a36"
	tok[jwt]="eyJ""hbGciOiJIUzI1NiJ9.""eyJ""zdWIiOiIxMjM0NTY3ODkwIn0.$(chars SflKxwRJSMeKKF2QT4 43)"
	tok[private-key]="-----BEGIN ""RSA PRIVATE KEY-----"
	tok[private-key-openssh]="-----BEGIN ""OPENSSH PRIVATE KEY-----"
	tok[private-key-pkcs8]="-----BEGIN ""PRIVATE KEY-----"
	for k in "${!tok[@]}"; do
		printf 'first line\nvalue = %s\nlast line\n' "${tok[$k]}" > "src/s_$k.txt"
	done
	git add src && git commit -qm "feat(src): leak everything"
	c=$(git rev-parse HEAD)
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	bad=""
	for k in "${!tok[@]}"; do
		rule=${k%-asia}; rule=${rule%-ghs}; rule=${rule%-xoxp}; rule=${rule%-rk}
		rule=${rule%-openssh}; rule=${rule%-pkcs8}
		want="{\"path\":\"src/s_$k.txt\",\"change\":\"added\",\"reason\":\"secret\",\"rule\":\"$rule\",\"line\":2,\"commit\":\"$c\"}"
		got=$(viol "src/s_$k.txt" secret)
		[ "$got" = "$want" ] || bad+=" $k(got: ${got:-nothing})"
		[[ "$output$stderr" != *"${tok[$k]}"* ]] || bad+=" $k(printed)"
	done
	[ -z "$bad" ] || { echo "missed:$bad"; return 1; }
	[ "$(json '.violations | length')" = "${#tok[@]}" ]
}

@test "short look-alikes are not secrets" {
	start_run
	printf 'ghp_abc\nAKIA1234\nsk_live_x\nnpm_install\n-----BEGIN PUBLIC KEY-----\n' > src/notes.txt
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 0 ]
	[ "$(jc .violations)" = "[]" ]
}

@test "secrets in the index and the working tree have commit null and their line" {
	start_run
	tok="glpat-$(chars Ab1-Cd_2 20)"
	printf 'a\n%s\n' "$tok" > src/staged.txt && git add src/staged.txt
	printf '/* x */\n/* y */\nconst char *k = "%s";\n' "$tok" >> src/main.c
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(viol src/main.c secret)" = '{"path":"src/main.c","change":"modified","reason":"secret","rule":"gitlab-pat","line":4,"commit":null}' ]
	[ "$(viol src/staged.txt secret)" = '{"path":"src/staged.txt","change":"added","reason":"secret","rule":"gitlab-pat","line":2,"commit":null}' ]
	[[ "$output$stderr" != *"$tok"* ]]
}

@test "a .env file is env-file, besides being denylisted; the value is never printed" {
	start_run
	printf 'DEBUG=1\nAPI_KEY=SUPERSECRETVALUE42\n' > src/.env
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .violations)" = '[{"path":"src/.env","change":"added","reason":"denylisted","rule":"**/.env*","line":null},{"path":"src/.env","change":"added","reason":"secret","rule":"env-file","line":null,"commit":null}]' ]
	[[ "$output$stderr" != *SUPERSECRETVALUE42* ]]
}

@test "a committed .env file is env-file with its commit member; a deleted one is not" {
	printf 'API_KEY=\n' > .env.local
	git add -A && git commit -qm "chore(env): empty env"
	start_run
	printf 'DEBUG=1\nAPI_KEY=SUPERSECRETVALUE42\n' > src/.env
	git add -f src/.env && git commit -qm "feat(src): env"
	c=$(git rev-parse HEAD)
	git rm -q .env.local
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc '[.violations[] | select(.reason == "secret") | .path]')" = '["src/.env"]' ]
	[ "$(viol src/.env secret)" = "{\"path\":\"src/.env\",\"change\":\"added\",\"reason\":\"secret\",\"rule\":\"env-file\",\"line\":null,\"commit\":\"$c\"}" ]
	[ "$(viol .env.local denylisted)" = '{"path":".env.local","change":"deleted","reason":"denylisted","rule":"**/.env*","line":null}' ]
	[[ "$output$stderr" != *SUPERSECRETVALUE42* ]]
}

@test "a secret already in the base is not the run's: removed or left beside a change" {
	tok="npm_$(chars Ab1Cd2Ef3Gh4 36)"
	printf 'one\n%s\n' "$tok" > src/legacy.txt
	printf 'keep = %s\n' "$tok" > src/old.txt
	git add -A && git commit -qm "chore(src): legacy"
	start_run
	printf 'one\n' > src/legacy.txt
	printf 'more\n' >> src/old.txt
	git commit -qam "fix(src): drop the token"
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 0 ]
	[ "$(jc .violations)" = "[]" ]
	[ "$(json .checked)" = 2 ]
}

@test "a secret staged then removed from the working tree is still a violation" {
	start_run
	tok="AIza$(chars Sy-_Ab1 35)"
	printf 'k = "%s"\n' "$tok" > src/keys.js
	git add src/keys.js
	printf 'k = process.env.K\n' > src/keys.js
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .violations)" = '[{"path":"src/keys.js","change":"added","reason":"secret","rule":"gcp-api-key","line":1,"commit":null}]' ]
	[[ "$output$stderr" != *"$tok"* ]]
}

@test "an untracked file with a secret has commit null" {
	start_run
	tok="sk_live_$(chars Ab1Cd2 24)"
	printf 'x\ny\nz = %s\n' "$tok" > src/new.py
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .violations)" = '[{"path":"src/new.py","change":"added","reason":"secret","rule":"stripe-live-key","line":3,"commit":null}]' ]
	[[ "$output$stderr" != *"$tok"* ]]
}

@test "a binary file with a token is skipped as binary, not scanned" {
	start_run
	tok="ghp_$(chars Ab1Cd2Ef3Gh4 36)"
	printf 'BIN\0\1\2\n%s\n' "$tok" > src/a.bin
	git add src/a.bin && git commit -qm "feat(src): blob"
	printf 'BIN\0\3\4\n%s\n' "$tok" > src/b.bin
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 0 ]
	[ "$(jc .violations)" = "[]" ]
	[ "$(jc '.skipped | sort_by(.path)')" = '[{"path":"src/a.bin","why":"binary"},{"path":"src/b.bin","why":"binary"}]' ]
	[[ "$output$stderr" != *"$tok"* ]]
}

@test "a file over 32 MiB is skipped as too large" {
	start_run
	head -c $((33 * 1024 * 1024)) /dev/zero | tr '\0' a > src/big.txt
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 0 ]
	[ "$(jc .skipped)" = '[{"path":"src/big.txt","why":"too large"}]' ]
}

# -------------------------------------------------------- protected approvals

@test "a registry approval for the run's ticket allows the protected change" {
	start_run '' '.protectedApprovals = [
		{"ticket": "T1", "paths": ["Makefile"], "by": "alice", "reason": "build change for T1"},
		{"ticket": "T1", "paths": [".github/workflows/**"]},
		{"ticket": "T2", "paths": ["tools/ssot_*.py"], "by": "bob"}]'
	[ "$(jq -c '[.protectedApproved[].ticket]' "$ART_TMP/start.json")" = '["T1","T1"]' ]
	echo 'x:' >> Makefile
	mkdir -p .github/workflows && echo 'on: push' > .github/workflows/ci.yml
	echo 'print(2)' >> tools/ssot_index.py
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(approved Makefile)" = '{"path":"Makefile","change":"modified","rule":"Makefile","approval":"Makefile","ticket":"T1","by":"alice"}' ]
	[ "$(approved .github/workflows/ci.yml)" = '{"path":".github/workflows/ci.yml","change":"added","rule":".github/workflows/**","approval":".github/workflows/**","ticket":"T1","by":null}' ]
	[ "$(json '.approved | length')" = 2 ]
	# T2's approval does not count for T1
	[ "$(jc .violations)" = '[{"path":"tools/ssot_index.py","change":"modified","reason":"protected","rule":"tools/ssot_*.py","line":null}]' ]
	git checkout -q tools/ssot_index.py
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .ok)" = true ]
	[ "$(json '.approved | length')" = 2 ]
}

@test "an approval recorded for another ticket in the manifest does not count" {
	start_run
	echo 'x:' >> Makefile
	jq '.protectedApproved = [{"ticket": "T2", "paths": ["Makefile"], "by": "eve"}]' .agent/manifest.json > "$ART_TMP/other.json"
	run --separate-stderr art-scope-check --manifest "$ART_TMP/other.json" </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .approved)" = "[]" ]
	[ "$(jc .violations)" = '[{"path":"Makefile","change":"modified","reason":"protected","rule":"Makefile","line":null}]' ]
	jq '.protectedApproved = [{"ticket": "T1", "paths": ["Makefile"], "by": "eve"}]' .agent/manifest.json > "$ART_TMP/same.json"
	run --separate-stderr art-scope-check --manifest "$ART_TMP/same.json" </dev/null
	[ "$status" -eq 0 ]
	[ "$(jc .approved)" = '[{"path":"Makefile","change":"modified","rule":"Makefile","approval":"Makefile","ticket":"T1","by":"eve"}]' ]
}

# ------------------------------------------------------ which manifest, errors

@test "a manifest without protectedApproved (an older art's) is read as no approval" {
	start_run
	echo 'x:' >> Makefile
	jq 'del(.protectedApproved)' .agent/manifest.json > "$ART_TMP/old.json"
	run --separate-stderr art-scope-check --manifest "$ART_TMP/old.json" </dev/null
	[ "$status" -eq 1 ]
	[ "$(jc .approved)" = "[]" ]
	[ "$(vlist)" = "Makefile:modified:protected" ]
}

@test "--manifest FILE checks the current checkout and does not read stdin" {
	start_run
	cp .agent/manifest.json "$ART_TMP/m.json"
	echo x >> README.md
	run --separate-stderr art-scope-check </dev/null
	first="$output"
	run --separate-stderr bash -c 'echo "not json" | art-scope-check --manifest "$0"' "$ART_TMP/m.json"
	[ "$status" -eq 1 ]
	[ "$output" = "$first" ]
	# from the main checkout: the main checkout's changes
	cd "$REPO"
	echo y > main-only.txt
	run --separate-stderr art-scope-check --manifest "$ART_TMP/m.json" </dev/null
	[ "$status" -eq 1 ]
	[ "$(json .head)" = "$(git rev-parse HEAD)" ]
	[ "$(vlist)" = "main-only.txt:added:outside_allowlist" ]
}

@test "a malformed manifest file is exit 3 naming the file" {
	start_run
	printf '{"schema": "art.manifest.v1",\n "agent": }\n' > "$ART_TMP/bad.json"
	run --separate-stderr art-scope-check --manifest "$ART_TMP/bad.json" </dev/null
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[[ "$stderr" == *"$ART_TMP/bad.json"* ]]
	jq '.schema = "art.manifest.v2"' .agent/manifest.json > "$ART_TMP/v2.json"
	run --separate-stderr art-scope-check --manifest "$ART_TMP/v2.json" </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"$ART_TMP/v2.json"*'"schema"'* ]]
}

@test "a missing manifest file is exit 3 naming the file" {
	start_run
	run --separate-stderr art-scope-check --manifest "$ART_TMP/none.json" </dev/null
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[[ "$stderr" == *"$ART_TMP/none.json"* ]]
}

@test "--manifest-ref on a ref that does not exist is exit 3 naming the ref" {
	start_run
	cd "$REPO"
	run --separate-stderr art-scope-check --manifest-ref refs/art/runs/NOPE/tom --range "$BASE..feat/T1-tom" </dev/null
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[[ "$stderr" == *"refs/art/runs/NOPE/tom"* ]]
	# a ref without a manifest.json
	run --separate-stderr art-scope-check --manifest-ref main --range "$BASE..feat/T1-tom" </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"main"* ]]
}

@test "an unknown run is exit 3" {
	start_run
	cd "$REPO"
	run --separate-stderr art-scope-check --agent tom --ticket NOPE </dev/null
	[ "$status" -eq 3 ]
	[ -z "$output" ]
}

@test "--range with a bad revision or a value that is not a range is exit 3" {
	start_run
	for r in "nope..HEAD" "$BASE..nope" "HEAD" ""; do
		run --separate-stderr art-scope-check --range "$r" </dev/null
		[ "$status" -eq 3 ] || { echo "--range [$r] gave $status: $stderr"; return 1; }
		[ -z "$output" ]
	done
}

@test "usage errors are exit 2; -h is usage on stdout" {
	start_run
	run --separate-stderr art-scope-check --staged --range "$BASE..HEAD" </dev/null
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	run --separate-stderr art-scope-check --bogus </dev/null
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"usage: art-scope-check"* ]]
	run --separate-stderr art-scope-check extra </dev/null
	[ "$status" -eq 2 ]
	run --separate-stderr art-scope-check --manifest .agent/manifest.json --manifest-ref refs/art/runs/T1/tom </dev/null
	[ "$status" -eq 2 ]
	run --separate-stderr art-scope-check --agent tom --ticket T1 --manifest .agent/manifest.json </dev/null
	[ "$status" -eq 2 ]
	run --separate-stderr art-scope-check --range </dev/null
	[ "$status" -eq 2 ]
	run --separate-stderr art-scope-check -h
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: art-scope-check"* ]]
	run --separate-stderr art-scope-check --help
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: art-scope-check"* ]]
}

@test "a lost write to stdout is exit 7" {
	start_run
	run --separate-stderr bash -c 'art-scope-check </dev/null >&-'
	[ "$status" -eq 7 ]
}

# ------------------------------------------------------------------- CI

@test "--manifest-ref with --range works from the main checkout, without the worktree" {
	start_run
	echo '/* more */' >> src/main.c && git commit -qam "feat(src): work"
	echo y >> README.md && git commit -qam "docs(readme): out of scope"
	head=$(git rev-parse HEAD)
	cd "$REPO"
	echo junk > junk.txt
	run --separate-stderr art-scope-check --manifest-ref refs/art/runs/T1/tom --range "$BASE..feat/T1-tom" </dev/null
	[ "$status" -eq 1 ]
	[ "$(json .agent)" = tom ]
	[ "$(json .ticket)" = T1 ]
	[ "$(json .mode)" = range ]
	[ "$(json .base)" = "$BASE" ]
	[ "$(json .head)" = "$head" ]
	[ "$(json .checked)" = 2 ]
	[ "$(jc .violations)" = '[{"path":"README.md","change":"modified","reason":"outside_allowlist","rule":null,"line":null}]' ]
	first="$output"
	# CI: a clone with the pushed branch and run record, no worktree at all
	git clone -q "$REPO" "$ART_TMP/ci"
	cd "$ART_TMP/ci"
	git fetch -q origin 'refs/art/runs/*:refs/art/runs/*'
	run --separate-stderr art-scope-check --manifest-ref refs/art/runs/T1/tom --range "$BASE..origin/feat/T1-tom" </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "$first" ]
}

@test "--range with the run's flags from the main checkout needs no worktree" {
	start_run
	echo y >> README.md && git commit -qam "docs(readme): out of scope"
	cd "$REPO"
	git worktree remove --force .worktrees/T1/tom
	run --separate-stderr art-scope-check --agent tom --ticket T1 --range "$BASE..feat/T1-tom" </dev/null
	[ "$status" -eq 1 ]
	[ "$(vlist)" = "README.md:modified:outside_allowlist" ]
}

@test "a removed gitlink is reason submodule too" {
	git init -q -b main "$ART_TMP/sub"
	echo lib > "$ART_TMP/sub/lib.c"
	git -C "$ART_TMP/sub" add -A
	git -C "$ART_TMP/sub" -c user.name=T -c user.email=t@example.com commit -qm "feat(lib): lib"
	start_run
	cd "$REPO"
	git checkout -q -b vendor
	git -c protocol.file.allow=always submodule add -q "$ART_TMP/sub" src/lib
	git commit -qm "feat(src): vendor lib"
	c1=$(git rev-parse HEAD)
	git rm -q src/lib
	git commit -qm "feat(src): unvendor lib"
	run --separate-stderr art-scope-check --manifest-ref refs/art/runs/T1/tom --range "$c1..HEAD" </dev/null
	[ "$status" -eq 1 ]
	[ "$(viol src/lib submodule)" = '{"path":"src/lib","change":"deleted","reason":"submodule","rule":null,"line":null}' ]
}

# ----------------------------------------------------------------- --files

@test "--files adds the per-file list; without it there is none" {
	start_run
	echo x >> src/main.c
	echo y >> README.md
	printf 'int z;\n' > src/z.c
	run --separate-stderr art-scope-check </dev/null
	[ "$status" -eq 1 ]
	[ "$(json 'has("files")')" = false ]
	run --separate-stderr art-scope-check --files </dev/null
	[ "$status" -eq 1 ]
	[ "$(json '[keys_unsorted[]] | join(",")')" = "ok,agent,ticket,base,head,mode,checked,violations,approved,skipped,files" ]
	[ "$(jc .files)" = '[{"path":"README.md","change":"modified","ok":false},{"path":"src/main.c","change":"modified","ok":true},{"path":"src/z.c","change":"added","ok":true}]' ]
}

# ------------------------------------------------------------------ stdin

@test "empty stdin in a pipeline is nothing to do" {
	start_run
	echo y >> README.md
	cd "$REPO"
	run --separate-stderr bash -c ': | art-scope-check'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "a job record on stdin finds the run from the main checkout" {
	start_run
	echo y >> README.md
	head=$(git rev-parse HEAD)
	cd "$REPO"
	run --separate-stderr bash -c "echo '{\"agent\":\"tom\",\"ticket\":\"T1\"}' | art-scope-check"
	[ "$status" -eq 1 ]
	[ "$(json .agent)" = tom ]
	[ "$(json .ticket)" = T1 ]
	[ "$(json .base)" = "$BASE" ]
	[ "$(json .head)" = "$head" ]
	[ "$(json .mode)" = worktree ]
	[ "$(vlist)" = "README.md:modified:outside_allowlist" ]
}
