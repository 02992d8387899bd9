#!/usr/bin/env bats
# art-start: open a run, and refuse cleanly.

load helper

setup() {
	setup_repo
	init_art
}

teardown() {
	teardown_repo
}

@test "start creates the branch, the worktree, the manifest, the run ref and the event" {
	run --separate-stderr art-start --agent tom --ticket TKT_backend_mvp_api </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .agent)" = tom ]
	[ "$(json .ticket)" = TKT_backend_mvp_api ]
	[ "$(json .branch)" = feat/TKT_backend_mvp_api-tom ]
	[ "$(json .worktreePath)" = .worktrees/TKT_backend_mvp_api/tom ]
	[ "$(json .worktree)" = "$REPO/.worktrees/TKT_backend_mvp_api/tom" ]
	[ "$(json .base)" = "$(git rev-parse HEAD)" ]
	[ "$(json .schema)" = art.manifest.v1 ]
	[ "$(json .seq)" = 1 ]
	[ "$(json .createdBy)" = "Test User" ]
	[ "$(json '.scopeAllowlist | join(",")')" = "src/**,tests/**,docs/**" ]
	[ "$(json '.protected | index("Makefile") != null')" = true ]
	# exact key set and order of the output
	[ "$(json '[keys_unsorted[]] | join(",")')" = "schema,agent,displayName,role,ticket,branch,worktreePath,base,scopeAllowlist,scopeDenylist,protected,protectedApproved,dod,createdAt,createdBy,worktree,seq" ]
	[ "$(git -C .worktrees/TKT_backend_mvp_api/tom rev-parse --abbrev-ref HEAD)" = feat/TKT_backend_mvp_api-tom ]
	[ -f .worktrees/TKT_backend_mvp_api/tom/src/main.c ]
	# the manifest on disk is the output less worktree and seq
	diff <(jq -S 'del(.worktree, .seq)' <<<"$output") <(jq -S . .worktrees/TKT_backend_mvp_api/tom/.agent/manifest.json)
	# the run record in git holds the same manifest
	diff <(git show refs/art/runs/TKT_backend_mvp_api/tom:manifest.json) .worktrees/TKT_backend_mvp_api/tom/.agent/manifest.json
	[ "$(sqlite3 .git/art/art.db "SELECT type || ' ' || subject FROM events")" = "art.run.started TKT_backend_mvp_api/tom" ]
	[ "$(sqlite3 .git/art/art.db "SELECT state FROM runs")" = running ]
	# .worktrees/ and .agent/ are ignored: the main checkout stays clean
	grep -qx '.worktrees/' .git/info/exclude
	grep -qx '.agent/' .git/info/exclude
	[ -z "$(git status --porcelain)" ]
	[ -z "$(git -C .worktrees/TKT_backend_mvp_api/tom status --porcelain)" ]
	git fsck --no-progress
}

@test "the event envelope carries the chain fields" {
	art-start --agent tom --ticket T1 </dev/null >/dev/null
	art-start --agent tom --ticket T2 </dev/null >/dev/null
	body1=$(sqlite3 .git/art/art.db "SELECT body FROM events WHERE seq = 1")
	body2=$(sqlite3 .git/art/art.db "SELECT body FROM events WHERE seq = 2")
	hash1=$(sqlite3 .git/art/art.db "SELECT hash FROM events WHERE seq = 1")
	[ "$(jq -r '[keys_unsorted[]] | join(",")' <<<"$body1")" = "specversion,id,source,type,time,subject,seq,prev,correlationid,causationid,data" ]
	[ "$(jq -r .prev <<<"$body1")" = null ]
	[ "$(jq -r .prev <<<"$body2")" = "$hash1" ]
	[ "$(jq -r .source <<<"$body1")" = art-start ]
	[ "$(jq -r .data.branch <<<"$body2")" = feat/T2-tom ]
	# hash = sha256("art.event.v1\n" + stored bytes)
	[ "$(printf 'art.event.v1\n%s' "$body1" | sha256sum | cut -d' ' -f1)" = "$hash1" ]
}

@test "ART_CORRELATION_ID passes through to the event" {
	ART_CORRELATION_ID=job-42 art-start --agent tom --ticket T1 </dev/null >/dev/null
	[ "$(sqlite3 .git/art/art.db "SELECT json_extract(body, '$.correlationid') FROM events")" = job-42 ]
}

@test "a second start of the same run is exit 4; --resume prints it" {
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	first="$output"
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 4 ]
	[ -z "$output" ]
	[[ "$stderr" == *"art-start: run T1/tom already exists"* ]]
	run --separate-stderr art-start --agent tom --ticket T1 --resume </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "$first" ]
	[ "$(event_count)" -eq 1 ]
}

@test "--resume of a run that does not exist starts it" {
	run --separate-stderr art-start --agent tom --ticket T1 --resume </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .seq)" = 1 ]
}

@test "--base starts from another commit" {
	first=$(git rev-parse HEAD)
	echo more >> src/main.c
	git commit -qam "feat(src): more"
	run --separate-stderr art-start --agent tom --ticket T1 --base HEAD~1 </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .base)" = "$first" ]
	[ "$(git rev-parse feat/T1-tom)" = "$first" ]
}

@test "a job record on stdin opens the run" {
	run --separate-stderr art-start <<<'{"agent":"tom","ticket":"TKT_42","by":"core","payload":{"x":1}}'
	[ "$status" -eq 0 ]
	[ "$(json .ticket)" = TKT_42 ]
	[ "$(json .createdBy)" = core ]
}

@test "empty stdin in a pipeline is nothing to do" {
	run --separate-stderr art-start < <(true)
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	assert_no_traces
}

@test "malformed JSON on stdin is exit 3 with line and column" {
	run --separate-stderr art-start <<<$'{"agent": "tom",\n "ticket": }'
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"stdin:2:"* ]]
	assert_no_traces
}

@test "--pretty indents the output" {
	run --separate-stderr art-start --agent tom --ticket T1 --pretty </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = '  "schema": "art.manifest.v1",' ]
}

@test "usage errors are exit 2; -h is usage on stdout" {
	run --separate-stderr art-start --bogus
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"usage: art-start"* ]]
	run --separate-stderr art-start --agent tom </dev/null
	[ "$status" -eq 2 ]
	run --separate-stderr art-start extra
	[ "$status" -eq 2 ]
	run --separate-stderr art-start -h
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: art-start"* ]]
	assert_no_traces
}

@test "not a git repository is exit 3" {
	cd "$ART_TMP"
	mkdir plain && cd plain
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"not a git repository"* ]]
}

@test "a bare repository is exit 3" {
	git clone -q --bare "$REPO" "$ART_TMP/bare.git"
	cd "$ART_TMP/bare.git"
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"bare repository"* ]]
	[ -z "$(git for-each-ref refs/heads/feat)" ]
}

@test "an unborn HEAD is exit 3" {
	git init -q -b main "$ART_TMP/empty"
	cp -r agents "$ART_TMP/empty/"
	cd "$ART_TMP/empty"
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"unborn"* ]]
	assert_no_traces
}

@test "malformed registry JSON names the file, line and column" {
	printf '{"version": 1,\n "agents": [\n   {"agent": "tom",}\n]}\n' > agents/agents_registry.json
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == "art-start: agents/agents_registry.json:3:"* ]]
	assert_no_traces
}

@test "the art init hint is only for a missing registry" {
	echo '[]' > agents/agents_registry.json
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" != *"art init"* ]]
}

@test "a missing registry says to run art init" {
	rm -r agents
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"agents/agents_registry.json"*"art init"* ]]
	assert_no_traces
}

@test "a profile without scopeAllowlist names the file and the field" {
	jq 'del(.scopeAllowlist)' agents/profiles/tom_agent.json > p && mv p agents/profiles/tom_agent.json
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *'agents/profiles/tom_agent.json: field "scopeAllowlist": missing'* ]]
	assert_no_traces
}

@test "a non-string pattern names its index" {
	jq '.scopeAllowlist = ["src/**", 42]' agents/profiles/tom_agent.json > p && mv p agents/profiles/tom_agent.json
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *'agents/profiles/tom_agent.json: field "scopeAllowlist[1]": expected a string, got an integer'* ]]
	assert_no_traces
}

@test "registry errors name the field" {
	jq '.version = 2' agents/agents_registry.json > r && mv r agents/agents_registry.json
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *'field "version"'* ]]
	jq '.version = 1 | .agents += [{"agent": "tom"}]' agents/agents_registry.json > r && mv r agents/agents_registry.json
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *'field "agents[1].agent": "tom" is listed twice'* ]]
	jq '.agents = [{"agent": "tom", "profile": "../outside.json"}]' agents/agents_registry.json > r && mv r agents/agents_registry.json
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *'field "agents[0].profile"'* ]]
	jq '.agents = [{"agent": "tom"}] | .dod = [{"id": "a", "run": "true"}, {"id": "a", "run": ["true"]}]' agents/agents_registry.json > r && mv r agents/agents_registry.json
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *'field "dod[1].id"'* ]]
	assert_no_traces
}

@test "a profile that is a symlink is refused" {
	mv agents/profiles/tom_agent.json "$ART_TMP/elsewhere.json"
	ln -s "$ART_TMP/elsewhere.json" agents/profiles/tom_agent.json
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"symbolic link"* ]]
	assert_no_traces
}

@test "a profile whose agent does not match is refused" {
	jq '.agent = "eva"' agents/profiles/tom_agent.json > p && mv p agents/profiles/tom_agent.json
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *'field "agent"'* ]]
	assert_no_traces
}

@test "an unknown agent is exit 3 and lists the known ones" {
	run --separate-stderr art-start --agent bob --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *'unknown agent "bob"'*"tom"* ]]
	assert_no_traces
}

@test "bad ticket ids are exit 3 before anything is written" {
	long=$(printf 'A%.0s' $(seq 200))
	for t in ../x a/b "" "$long" $'a\nb' "tické" "a..b" "x.lock" "abc." "-x" ".x"; do
		run --separate-stderr art-start --agent tom --ticket "$t" </dev/null
		[ "$status" -eq 3 ] || { echo "ticket [$t] gave $status"; return 1; }
		[[ "$stderr" == *"ticket id"* ]]
	done
	assert_no_traces
}

@test "bad agent ids are exit 3" {
	for a in Tom ../x "" 1abc "a b"; do
		run --separate-stderr art-start --agent "$a" --ticket T1 </dev/null
		[ "$status" -eq 3 ] || { echo "agent [$a] gave $status"; return 1; }
	done
	assert_no_traces
}

@test "a base that does not resolve is exit 3" {
	run --separate-stderr art-start --agent tom --ticket T1 --base no-such-ref </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *'base "no-such-ref" does not resolve'* ]]
	assert_no_traces
}

@test "an existing branch is exit 4 and is left alone" {
	git branch feat/T1-tom
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"branch feat/T1-tom already exists"* ]]
	[ "$(git rev-parse feat/T1-tom)" = "$(git rev-parse HEAD)" ]
	[ -z "$(git for-each-ref refs/art)" ]
	[ ! -e .worktrees/T1 ]
}

@test "an existing worktree directory is exit 4 and is left alone" {
	mkdir -p .worktrees/T1/tom
	echo mine > .worktrees/T1/tom/keep
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 4 ]
	[ "$(cat .worktrees/T1/tom/keep)" = mine ]
	[ -z "$(git branch --list 'feat/*')" ]
	[ -z "$(git for-each-ref refs/art)" ]
}

@test "a repository path with spaces works" {
	mkdir -p "$ART_TMP/with space"
	git clone -q "$REPO" "$ART_TMP/with space/my repo"
	cd "$ART_TMP/with space/my repo"
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 0 ]
	[ -f "$ART_TMP/with space/my repo/.worktrees/T1/tom/.agent/manifest.json" ]
	[ "$(json .worktree)" = "$ART_TMP/with space/my repo/.worktrees/T1/tom" ]
}

@test "start from inside an agent worktree is refused (exit 5)" {
	art-start --agent tom --ticket T1 </dev/null >/dev/null
	cd .worktrees/T1/tom
	run --separate-stderr art-start --agent tom --ticket T2 </dev/null
	[ "$status" -eq 5 ]
	[[ "$stderr" == *"worktree of run T1/tom"* ]]
	# its own run with --resume is fine, and found from the manifest
	run --separate-stderr art-start --resume </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .ticket)" = T1 ]
	cd "$REPO"
	[ -z "$(git branch --list 'feat/T2*')" ]
	[ "$(event_count)" -eq 1 ]
}

@test "start works from a linked worktree that is not an agent's" {
	git worktree add -q "$ART_TMP/side" -b side
	cd "$ART_TMP/side"
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .worktree)" = "$REPO/.worktrees/T1/tom" ]
	[ "$(sqlite3 "$REPO/.git/art/art.db" "SELECT count(*) FROM events")" -eq 1 ]
}

@test "ten concurrent starts of one run: exactly one wins, the others exit 4" {
	for i in $(seq 10); do
		( rc=0; art-start --agent tom --ticket TKT_race </dev/null >/dev/null 2>"$ART_TMP/err.$i" || rc=$?; echo $rc > "$ART_TMP/rc.$i" ) &
	done
	wait
	cat "$ART_TMP"/rc.* | sort | uniq -c
	[ "$(grep -lx 0 "$ART_TMP"/rc.* | wc -l)" -eq 1 ]
	[ "$(grep -lx 4 "$ART_TMP"/rc.* | wc -l)" -eq 9 ]
	[ "$(git worktree list | wc -l)" -eq 2 ]
	[ "$(event_count)" -eq 1 ]
	git fsck --no-progress
	git worktree list --porcelain | grep -q 'branch refs/heads/feat/TKT_race-tom'
}

@test "an empty allowlist fails the start checks (exit 1) and writes nothing" {
	jq '.scopeAllowlist = []' agents/profiles/tom_agent.json > p && mv p agents/profiles/tom_agent.json
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 1 ]
	[ "$(json .ok)" = false ]
	[ "$(json '.reasons[0].check')" = scope_allowlist ]
	assert_no_traces
}

@test "a .env file with a value fails the start checks and the value is never printed" {
	mkdir -p backend
	printf '# settings\nDEBUG=\nexport API_KEY = sk_live_SECRETVALUE123\n' > backend/.env
	printf 'API_KEY=changeme\n' > .env.example
	git add -A && git commit -qm "chore(env): add env"
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 1 ]
	[ "$(json '.reasons | length')" = 1 ]
	[ "$(json '.reasons[0].check')" = env_file ]
	[ "$(json '.reasons[0].path')" = backend/.env ]
	[ "$(json '.reasons[0].line')" = 3 ]
	[[ "$output$stderr" != *SECRETVALUE* ]]
	assert_no_traces
}

@test "a .env file with empty values passes" {
	printf 'API_KEY=\nTOKEN=""\n' > .env
	git add -A && git commit -qm "chore(env): empty env"
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 0 ]
}

@test "a governor's veto is exit 5, logged, and nothing else is written" {
	mkdir -p .art/governors.d
	printf '#!/bin/sh\ncat > "%s/action.json"\necho "tickets need approval first"\nexit 1\n' "$ART_TMP" > .art/governors.d/10-approval
	chmod +x .art/governors.d/10-approval
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 5 ]
	[[ "$stderr" == *"denied by governor .art/governors.d/10-approval: tickets need approval first"* ]]
	[ "$(jq -r .action "$ART_TMP/action.json")" = start ]
	[ "$(jq -r .agent "$ART_TMP/action.json")" = tom ]
	[ "$(jq -r .base "$ART_TMP/action.json")" = "$(git rev-parse HEAD)" ]
	[ "$(sqlite3 .git/art/art.db "SELECT type || ' ' || json_extract(body, '$.data.reason') FROM events")" = "art.governor.denied tickets need approval first" ]
	[ -z "$(git branch --list 'feat/*')" ]
	[ -z "$(git for-each-ref refs/art)" ]
	[ ! -e .worktrees/T1 ]
}

@test "a governor that closes its stdout and hangs is killed at the deadline and vetoes" {
	mkdir -p .art/governors.d
	printf '#!/bin/sh\nexec >/dev/null\nsleep 5\nexit 0\n' > .art/governors.d/10-slow
	chmod +x .art/governors.d/10-slow
	ART_GOVERNOR_TIMEOUT_MS=300 run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 5 ]
	[[ "$stderr" == *"10-slow: no answer within 300 ms"* ]]
	[ -z "$(git branch --list 'feat/*')" ]
}

@test "governors that allow, and ones that are not executable, let the start through" {
	mkdir -p .art/governors.d
	printf '#!/bin/sh\nexit 0\n' > .art/governors.d/10-ok
	printf '#!/bin/sh\nexit 1\n' > .art/governors.d/20-not-executable
	printf '#!/bin/sh\nexit 1\n' > .art/governors.d/.hidden
	chmod +x .art/governors.d/10-ok .art/governors.d/.hidden
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 0 ]
}

@test "a failure after the worktree exists undoes everything" {
	# refs/art/runs/TX exists as a ref, so refs/art/runs/TX/tom cannot
	git update-ref refs/art/runs/TX HEAD
	run --separate-stderr art-start --agent tom --ticket TX </dev/null
	[ "$status" -eq 7 ]
	[[ "$stderr" == *"cannot write run record"* ]]
	[ -z "$(git branch --list 'feat/*')" ]
	[ "$(git worktree list | wc -l)" -eq 1 ]
	[ ! -e .worktrees/TX ]
	[ ! -e .git/worktrees/TX+tom ]
	[ "$(event_count)" -eq 0 ]
	git fsck --no-progress
}

@test "a relative art.worktreeRoot of more than one directory is exit 3" {
	git config art.worktreeRoot wt/deep
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"art.worktreeRoot"* ]]
	assert_no_traces
}

@test "git config art.worktreeRoot moves the worktrees" {
	git config art.worktreeRoot wt
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .worktreePath)" = wt/T1/tom ]
	[ -f wt/T1/tom/.agent/manifest.json ]
	grep -qx '/wt/' .git/info/exclude
}

@test "a lost write to stdout is exit 7, said once" {
	run --separate-stderr bash -c 'art-start --agent tom --ticket T1 </dev/null >&-'
	[ "$status" -eq 7 ]
	[ "$(grep -c "cannot write to standard output" <<<"$stderr")" -eq 1 ]
}

@test "the worktree has the base's symlinks, executable bits and nested files, and git agrees" {
	mkdir -p tools/deep/er
	printf '#!/bin/sh\necho hi\n' > tools/run.sh
	chmod +x tools/run.sh
	ln -s ../src/main.c tools/main-link.c
	for i in $(seq 300); do echo "$i" > "tools/deep/er/f$i.txt"; done
	git add -A && git commit -qm "feat(tools): more files"
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 0 ]
	wt=.worktrees/T1/tom
	[ -x "$wt/tools/run.sh" ]
	[ ! -x "$wt/src/main.c" ]
	[ "$(readlink "$wt/tools/main-link.c")" = ../src/main.c ]
	[ "$(cat "$wt/tools/deep/er/f300.txt")" = 300 ]
	[ -z "$(git -C "$wt" status --porcelain)" ]
	[ "$(git -C "$wt" ls-files | wc -l)" -eq "$(git ls-files | wc -l)" ]
	git -C "$wt" diff --quiet HEAD
	# git itself can manage and remove the worktree
	git worktree list --porcelain | grep -qx "worktree $REPO/$wt"
	git worktree remove --force "$wt"
	[ ! -e "$wt" ]
}

@test "with .gitattributes the general checkout applies the filters" {
	printf '*.txt text eol=crlf\n' > .gitattributes
	printf 'one\ntwo\n' > notes.txt
	git add -A && git commit -qm "docs(notes): crlf notes"
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 0 ]
	[ "$(od -An -c .worktrees/T1/tom/notes.txt | tr -d ' \n')" = 'one\r\ntwo\r\n' ]
	[ -z "$(git -C .worktrees/T1/tom status --porcelain)" ]
}

@test "ART_NO_FAST_CHECKOUT gives the same worktree through libgit2" {
	ln -s src/main.c link.c
	git add -A && git commit -qm "feat(src): link"
	ART_NO_FAST_CHECKOUT=1 art-start --agent tom --ticket T1 </dev/null >/dev/null
	art-start --agent tom --ticket T2 </dev/null >/dev/null
	diff -r -x .git -x .agent .worktrees/T1/tom .worktrees/T2/tom
	[ -z "$(git -C .worktrees/T1/tom status --porcelain)" ]
	[ -z "$(git -C .worktrees/T2/tom status --porcelain)" ]
}

@test "a stdin field of the wrong type is exit 3" {
	run --separate-stderr art-start <<<'{"agent":"tom","ticket":"T1","base":42}'
	[ "$status" -eq 3 ]
	[[ "$stderr" == *'stdin: field "base": expected a string, got an integer'* ]]
	assert_no_traces
}

@test "--resume works even after the agent left the registry" {
	art-start --agent tom --ticket T1 </dev/null >/dev/null
	rm agents/profiles/tom_agent.json
	run --separate-stderr art-start --agent tom --ticket T1 --resume </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .ticket)" = T1 ]
}

@test "a crafted tree with a '..' entry cannot write outside the worktree" {
	blob=$(echo pwned | git hash-object -w --stdin)
	sub=$(printf '100644 blob %s\tescaped\n' "$blob" | git mktree)
	{ git cat-file -p 'HEAD^{tree}'; printf '040000 tree %s\t..\n' "$sub"; } | git mktree > "$ART_TMP/top"
	git update-ref refs/heads/evil "$(git commit-tree "$(cat "$ART_TMP/top")" -p HEAD -m evil)"
	run --separate-stderr art-start --agent tom --ticket T1 --base evil </dev/null
	[ "$status" -eq 7 ]
	[[ "$stderr" == *"invalid path"* ]]
	[ ! -e "$REPO/.worktrees/escaped" ]
	[ ! -e "$REPO/escaped" ]
	[ -z "$(git branch --list 'feat/*')" ]
	[ "$(git worktree list | wc -l)" -eq 1 ]
}

@test "a symlinked worktree root is refused and nothing is written through it" {
	mkdir "$ART_TMP/victim"
	ln -s "$ART_TMP/victim" .worktrees
	git add .worktrees && git commit -qm "chore(repo): link"
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *".worktrees is a symbolic link"* ]]
	[ -z "$(ls -A "$ART_TMP/victim")" ]
	[ -z "$(git branch --list 'feat/*')" ]
}

@test "an agent that deletes its manifest still cannot open runs" {
	art-start --agent tom --ticket T1 </dev/null >/dev/null
	cd .worktrees/T1/tom
	rm .agent/manifest.json
	run --separate-stderr art-start --agent tom --ticket T2 </dev/null
	[ "$status" -eq 5 ]
	cd "$REPO"
	[ -z "$(git branch --list 'feat/T2*')" ]
}

@test "a .env symlink and a committed .agent fail the start checks" {
	ln -s "$HOME/.env" .env
	mkdir .agent && echo x > .agent/notes
	git add -A && git add -f .agent && git commit -qm "chore(repo): env link"
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 1 ]
	[ "$(json '[.reasons[].check] | sort | join(",")')" = "agent_dir,env_file" ]
	assert_no_traces
}

@test "a governors path that cannot be read vetoes (fails closed)" {
	mkdir -p .art
	echo "not a directory" > .art/governors.d
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 5 ]
	[[ "$stderr" == *"cannot read the directory"* ]]
	[ -z "$(git branch --list 'feat/*')" ]
}

@test "files art writes follow the user's umask" {
	umask 077
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 0 ]
	[ "$(stat -c %a .worktrees/T1/tom/.agent/manifest.json)" = 600 ]
}
