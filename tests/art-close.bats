#!/usr/bin/env bats
# art-close: the definition of done, REPORT.md, the receipt, the final state.

load helper

setup() {
	setup_repo
	init_art
	WT="$REPO/.worktrees/T1/tom"
}

teardown() {
	teardown_repo
}

# start_run [PROFILE_JQ [REGISTRY_JQ]]: edit tom's profile and the
# registry with jq, commit, open T1/tom.
start_run() {
	edit_agents "$@"
	art-start --agent tom --ticket T1 </dev/null >/dev/null
	BASE=$(git rev-parse HEAD)
}

# agent_commit FILE MESSAGE: the agent changes FILE in its worktree and commits.
agent_commit() {
	mkdir -p "$(dirname "$WT/$1")"
	printf 'change %s\n' "$RANDOM" >> "$WT/$1"
	git -C "$WT" add -- "$1"
	git -C "$WT" commit -qm "$2"
}

# state: the run's state, from its last art.run.* event.
state() {
	art-log show --run T1/tom | jq -r 'select(.type | startswith("art.run.")) | .type' | tail -1
}

# payload: the receipt's in-toto statement, decoded.
payload() {
	jq -r .payload "$WT/.agent/receipt.json" | base64 -d
}

@test "close: a run that passes every check ends closed, with report, receipt and record" {
	start_run '.dod = [{"id": "tests", "title": "Tests backend OK", "run": ["true"]}]' \
		'.dod = [{"id": "ssot", "title": "make ssot-check OK", "run": "exit 0"}]'
	agent_commit src/a.c "feat(src): add a"
	agent_commit tests/a.t "test(src): cover a"
	HEAD=$(git -C "$WT" rev-parse HEAD)
	run --separate-stderr art-close --agent tom --ticket T1 --summary "Added a." --risk "not load-tested" --next "PR review by Eva" </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .ok)" = true ]
	[ "$(json .agent)" = tom ]
	[ "$(json .ticket)" = T1 ]
	[ "$(json .head)" = "$HEAD" ]
	[ "$(json .state)" = closed ]
	[ "$(json .report)" = "$WT/.agent/REPORT.md" ]
	[ "$(json .receipt)" = "$WT/.agent/receipt.json" ]
	[ "$(json '[.checks[].id] | join(",")')" = "ssot,tests,art-scope,art-commits" ]
	[ "$(json '.checks[0] | keys | join(",")')" = "duration_ms,exit,id,ok,title" ]
	[ "$(json '[.checks[].ok] | all')" = true ]
	[ "$(json '.checks[1].title')" = "Tests backend OK" ]
	[ "$(json '.keyid | length')" -eq 64 ]
	[ -f "$WT/.agent/REPORT.md" ] && [ -f "$WT/.agent/receipt.json" ]
	[ "$(state)" = art.run.closed ]
	# the record holds the three files, the same bytes as the worktree's
	[ "$(git ls-tree --name-only refs/art/runs/T1/tom | tr '\n' ' ')" = "REPORT.md manifest.json receipt.json " ]
	cmp <(git cat-file blob refs/art/runs/T1/tom:REPORT.md) "$WT/.agent/REPORT.md"
	cmp <(git cat-file blob refs/art/runs/T1/tom:receipt.json) "$WT/.agent/receipt.json"
	[ "$(git rev-list --count refs/art/runs/T1/tom)" -eq 2 ]
	# nothing pushed or merged: main did not move, no remote was touched
	[ "$(git rev-parse main)" = "$BASE" ]
}

@test "close: REPORT.md follows seed 001 §7.2, section by section" {
	start_run '.dod = [{"id": "tests", "title": "Tests backend OK", "run": ["true"]}]'
	agent_commit src/a.c "feat(src): add a"
	git -C "$WT" mv src/a.c src/b.c
	git -C "$WT" commit -qm "refactor(src): rename a"
	agent_commit docs/x.md "docs(src): explain"
	art-close --agent tom --ticket T1 --summary "Did the thing." --risk "rate limiting untested" --next "PR review" --next "merge" </dev/null >/dev/null
	R="$WT/.agent/REPORT.md"
	[ "$(grep '^#' "$R" | tr '\n' '|')" = "# Agent Run Report|## Metadata|## Summary|## Files Modified|## DoD Checklist|## Risks & Notes|## Next Actions|" ]
	grep -qx -- '- \*\*Agent\*\*: tom' "$R"
	grep -qx -- '- \*\*Ticket\*\*: T1' "$R"
	grep -qx -- '- \*\*Branch\*\*: feat/T1-tom' "$R"
	grep -q -- '^- \*\*Started\*\*: 20' "$R"
	grep -q -- '^- \*\*Closed\*\*: 20' "$R"
	grep -qx 'Did the thing.' "$R"
	grep -qx -- '- `src/b.c` (added)' "$R"
	grep -qx -- '- `docs/x.md` (added)' "$R"
	grep -qx -- '- \[x\] Tests backend OK' "$R"
	grep -qx -- '- \[x\] Scope check OK' "$R"
	grep -qx -- '- \[x\] Conventional commits' "$R"
	grep -qx -- '- rate limiting untested' "$R"
	grep -qx -- '- \[ \] PR review' "$R"
	grep -qx -- '- \[ \] merge' "$R"
}

@test "close: a failing DoD command fails the run; the report is still written, box unticked" {
	start_run '.dod = [{"id": "tests", "title": "Tests backend OK", "run": "echo 3 tests failed >&2; exit 3"}]'
	agent_commit src/a.c "feat(src): add a"
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 1 ]
	[ "$(json .ok)" = false ]
	[ "$(json .state)" = failed ]
	[ "$(json '.checks[0].exit')" -eq 3 ]
	[ "$(json '.checks[0].ok')" = false ]
	[ "$(json '.checks[1].ok')" = true ]
	[[ "$stderr" == *"failed its definition of done"* ]]
	grep -qx -- '- \[ \] Tests backend OK (exit 3, 0.0 s)' "$WT/.agent/REPORT.md"
	grep -qx '3 tests failed' "$WT/.agent/REPORT.md"
	[ "$(state)" = art.run.failed ]
	[ "$(payload | jq '.predicate.ok')" = false ]
	[ "$(payload | jq -r '.predicate.checks[0].output')" = "3 tests failed" ]
}

@test "close: a DoD command that hangs is stopped at its timeout" {
	start_run '.dod = [{"id": "hang", "title": "Hangs", "run": "sleep 1000 & sleep 1000", "timeout": 1}]'
	agent_commit src/a.c "feat(src): add a"
	SECONDS=0
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 1 ]
	[ "$SECONDS" -lt 10 ]
	[ "$(json '.checks[0].exit')" -eq 124 ]
	[ "$(payload | jq '.predicate.checks[0].timed_out')" = true ]
	grep -qx -- '- \[ \] Hangs (timed out, 1.0 s)' "$WT/.agent/REPORT.md" ||
		grep -q -- '^- \[ \] Hangs (timed out' "$WT/.agent/REPORT.md"
	! pgrep -f "sleep 1000" >/dev/null || false
}

@test "close: --timeout is the limit of items without their own" {
	start_run '.dod = [{"id": "slow", "run": ["sleep", "30"]}]'
	agent_commit src/a.c "feat(src): add a"
	run --separate-stderr art-close --agent tom --ticket T1 --timeout 1 </dev/null
	[ "$status" -eq 1 ]
	[ "$(json '.checks[0].exit')" -eq 124 ]
	[ "$(json '.checks[0].duration_ms')" -lt 5000 ]
}

@test "close: megabytes of output keep a bounded tail and an exact count" {
	start_run '.dod = [{"id": "loud", "run": "head -c 5000000 /dev/zero | tr \"\\\\0\" x | fold -w 100; echo; echo last line; exit 1"}]'
	agent_commit src/a.c "feat(src): add a"
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 1 ]
	[ "$(payload | jq '.predicate.checks[0].output_bytes')" -eq $((5000000 + 50000 + 10)) ]
	[ "$(payload | jq '.predicate.checks[0].output | length')" -le 4096 ]
	[ "$(payload | jq -r '.predicate.checks[0].output | rtrimstr("\n")' | tail -1)" = "last line" ]
	[ "$(stat -c %s "$WT/.agent/REPORT.md")" -lt 10000 ]
	[ "$(stat -c %s "$WT/.agent/receipt.json")" -lt 20000 ]
}

@test "close: a secret a DoD command prints from the environment is redacted everywhere" {
	secret="s3cr3t-$RANDOM-value-never-shown"
	start_run '.dod = [{"id": "leak", "env": ["DEPLOY_TOKEN"], "run": "echo token is $DEPLOY_TOKEN; echo $DEPLOY_TOKEN | tr -d \"\\\\n\" | base64; printf %s \"$DEPLOY_TOKEN\" | od -An -tx1 | tr -d \" \\\\n\"; echo; exit 1"}]'
	agent_commit src/a.c "feat(src): add a"
	export DEPLOY_TOKEN="$secret"
	run --separate-stderr art-close --agent tom --ticket T1 --summary "see $secret" </dev/null
	[ "$status" -eq 1 ]
	b64=$(printf '%s' "$secret" | base64)
	hex=$(printf '%s' "$secret" | od -An -tx1 | tr -d ' \n')
	for where in "$output" "$stderr" "$(cat "$WT/.agent/REPORT.md")" "$(payload)" \
		"$(cat "$WT/.agent/receipt.json")" "$(art-log show)" "$(git cat-file -p refs/art/runs/T1/tom:REPORT.md)"; do
		[[ "$where" != *"$secret"* ]]
		[[ "$where" != *"$b64"* ]]
		[[ "$where" != *"$hex"* ]]
	done
	grep -qx 'token is \[REDACTED\]' "$WT/.agent/REPORT.md"
	grep -qx 'see \[REDACTED\]' "$WT/.agent/REPORT.md"
}

@test "close: a non-conventional commit fails the commit check and is named" {
	start_run
	agent_commit src/a.c "feat(src): add a"
	agent_commit src/b.c "wip stuff"
	agent_commit src/c.c "feat: no area"
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 1 ]
	[ "$(json '.checks[] | select(.id == "art-commits") | .ok')" = false ]
	[ "$(payload | jq -r '[.predicate.commits.nonconventional[].subject] | join("|")')" = "wip stuff|feat: no area" ]
	[ "$(payload | jq '.predicate.commits.checked')" -eq 3 ]
	grep -qx -- '- \[ \] Conventional commits (exit 1, 0.0 s)' "$WT/.agent/REPORT.md"
	grep -q '`wip stuff`' "$WT/.agent/REPORT.md"
	[ "$(state)" = art.run.failed ]
}

@test "close: a commit outside the scope fails the scope check" {
	start_run
	agent_commit lib/x.c "feat(lib): out of scope"
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 1 ]
	[ "$(json '.checks[] | select(.id == "art-scope") | .ok')" = false ]
	[ "$(payload | jq -c '.predicate.scope.violations[0] | [.path, .reason]')" = '["lib/x.c","outside_allowlist"]' ]
	grep -q '^## Scope Violations' "$WT/.agent/REPORT.md"
}

@test "close: closing a closed run is exit 4 and changes nothing" {
	start_run
	agent_commit src/a.c "feat(src): add a"
	art-close --agent tom --ticket T1 </dev/null >/dev/null
	before=$(event_count)
	rec=$(git rev-parse refs/art/runs/T1/tom)
	sum=$(sha256sum "$WT/.agent/REPORT.md")
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 4 ]
	[ -z "$output" ]
	[[ "$stderr" == *"is closed already"* ]]
	[ "$(event_count)" -eq "$before" ]
	[ "$(git rev-parse refs/art/runs/T1/tom)" = "$rec" ]
	[ "$(sha256sum "$WT/.agent/REPORT.md")" = "$sum" ]
}

@test "close: a failed run cannot be closed again either" {
	start_run '.dod = [{"id": "no", "run": ["false"]}]'
	agent_commit src/a.c "feat(src): add a"
	run art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 1 ]
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"is failed already"* ]]
}

@test "close: a run whose worktree was deleted is refused, and stays running" {
	start_run
	agent_commit src/a.c "feat(src): add a"
	rm -rf "$WT"
	before=$(event_count)
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"worktree .worktrees/T1/tom is gone"* ]]
	[ "$(event_count)" -eq "$before" ]
	[ "$(state)" = art.run.started ]
	[ "$(git rev-list --count refs/art/runs/T1/tom)" -eq 1 ]
}

@test "close: uncommitted work is refused before anything changes" {
	start_run
	agent_commit src/a.c "feat(src): add a"
	echo more >> "$WT/src/a.c"
	echo new > "$WT/src/new.c"
	before=$(event_count)
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"2 uncommitted changes"* ]]
	[ "$(event_count)" -eq "$before" ]
	[ ! -e "$WT/.agent/REPORT.md" ]
}

@test "close: a worktree moved off its branch is refused" {
	start_run
	agent_commit src/a.c "feat(src): add a"
	git -C "$WT" checkout -q --detach
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"not on its branch feat/T1-tom"* ]]
}

@test "close: a run that was never started is exit 4" {
	run --separate-stderr art-close --agent tom --ticket T9 </dev/null
	[ "$status" -eq 4 ]
	[ -z "$output" ]
}

@test "close: finds the run from stdin (art-start's output) and from inside the worktree" {
	git add agents && git commit -qm "chore(agents): x" --allow-empty
	art-start --agent tom --ticket T1 </dev/null > "$ART_TMP/start.json"
	agent_commit src/a.c "feat(src): add a"
	run --separate-stderr art-close < "$ART_TMP/start.json"
	[ "$status" -eq 0 ]
	[ "$(json .ticket)" = T1 ]
	art-start --agent tom --ticket T2 </dev/null >/dev/null
	cd "$REPO/.worktrees/T2/tom"
	echo x > src/z.c && git add src/z.c && git commit -qm "feat(src): z"
	run --separate-stderr art-close </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .ticket)" = T2 ]
	# empty stdin in a pipeline: nothing to do
	cd "$REPO"
	run --separate-stderr bash -c 'printf "" | art-close'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "close: summary, risks and next from stdin; a summary cannot fake a section" {
	start_run
	agent_commit src/a.c "feat(src): add a"
	jq -n '{agent: "tom", ticket: "T1", summary: "line one\n## DoD Checklist\n- [x] all good\nx\n---", risks: ["r1\n- [x] sneaky"], next: ["n1"]}' |
		art-close > "$ART_TMP/out.json"
	R="$WT/.agent/REPORT.md"
	[ "$(grep -c '^## DoD Checklist' "$R")" -eq 1 ]
	grep -qx '\\## DoD Checklist' "$R"
	grep -qx '\\---' "$R"
	grep -qx -- '- r1 - \[x\] sneaky' "$R"
	grep -qx -- '- \[ \] n1' "$R"
}

@test "close: --summary-file is read; a missing one is exit 3" {
	start_run
	agent_commit src/a.c "feat(src): add a"
	run --separate-stderr art-close --agent tom --ticket T1 --summary-file "$ART_TMP/none" </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"$ART_TMP/none"* ]]
	printf 'From a file.\n' > "$ART_TMP/s.md"
	run art-close --agent tom --ticket T1 --summary-file "$ART_TMP/s.md" </dev/null
	[ "$status" -eq 0 ]
	grep -qx 'From a file.' "$WT/.agent/REPORT.md"
}

@test "close: usage errors are exit 2" {
	for args in "--bogus" "--timeout 0" "--timeout x" "--summary a --summary-file b" "extra"; do
		# shellcheck disable=SC2086
		run --separate-stderr art-close --agent tom --ticket T1 $args </dev/null
		[ "$status" -eq 2 ]
		[[ "$stderr" == *usage:* ]]
	done
}

@test "close: a governor can veto it (exit 5), and the run stays running" {
	start_run
	agent_commit src/a.c "feat(src): add a"
	mkdir -p .art/governors.d
	printf '#!/bin/sh\ngrep -q "\\"action\\":\\"close\\"" && { echo "no closing on Fridays"; exit 1; }\nexit 0\n' > .art/governors.d/10-friday
	chmod +x .art/governors.d/10-friday
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 5 ]
	[[ "$stderr" == *"no closing on Fridays"* ]]
	[ "$(state)" = art.run.started ]
	[ ! -e "$WT/.agent/REPORT.md" ]
}

@test "close: an .agent directory replaced by a symlink is not written through" {
	start_run
	agent_commit src/a.c "feat(src): add a"
	mkdir "$ART_TMP/elsewhere"
	mv "$WT/.agent" "$ART_TMP/agent-dir"
	ln -s "$ART_TMP/elsewhere" "$WT/.agent"
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *".agent is not a directory"* ]]
	[ -z "$(ls -A "$ART_TMP/elsewhere")" ]
	# refused before the run moved
	[ "$(state)" = art.run.started ]
}

@test "close: an interrupted close (run left closing) is taken up again" {
	start_run
	agent_commit src/a.c "feat(src): add a"
	echo '{"type": "art.run.closing", "subject": "T1/tom"}' | art-log append >/dev/null
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 0 ]
	[ "$(state)" = art.run.closed ]
	[ "$(art-log show --run T1/tom | jq -r .type | grep -c art.run.closing)" -eq 1 ]
}

@test "close: two closes at once: the second is exit 4 while the first runs" {
	start_run '.dod = [{"id": "slow", "run": ["sleep", "3"]}]'
	agent_commit src/a.c "feat(src): add a"
	art-close --agent tom --ticket T1 </dev/null > "$ART_TMP/first.json" &
	pid=$!
	for _ in $(seq 50); do
		[ "$(state)" = art.run.closing ] && break
		sleep 0.1
	done
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"another art-close"* ]]
	wait "$pid"
	[ "$(jq -r .state "$ART_TMP/first.json")" = closed ]
}

@test "close: the log records closing then closed, with the report and receipt digests" {
	start_run
	agent_commit src/a.c "feat(src): add a"
	art-close --agent tom --ticket T1 </dev/null >/dev/null
	run art-log show --run T1/tom
	[ "$(printf '%s' "$output" | jq -rs '[.[].type] | join(",")')" = "art.run.started,art.run.closing,art.run.closed" ]
	last=$(printf '%s' "$output" | tail -1)
	[ "$(printf '%s' "$last" | jq -r .data.report)" = "$(sha256sum < "$WT/.agent/REPORT.md" | cut -d' ' -f1)" ]
	[ "$(printf '%s' "$last" | jq -r .data.receipt)" = "$(sha256sum < "$WT/.agent/receipt.json" | cut -d' ' -f1)" ]
	art-log verify >/dev/null
}

@test "close: an .agent directory the agent removed is made again" {
	start_run
	agent_commit src/a.c "feat(src): add a"
	rm -rf "$WT/.agent"
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 0 ]
	[ -f "$WT/.agent/REPORT.md" ] && [ -f "$WT/.agent/receipt.json" ]
	art-verify --run T1/tom >/dev/null
}

@test "close: a DoD program that does not exist is a failed check (127), not an error" {
	skip_under_valgrind "posix_spawn cannot report a failed exec there (its child is a fork): the check sees exit 127 only"
	start_run '.dod = [{"id": "lint", "title": "Lint OK", "run": ["no-such-linter-here", "--all"]}]'
	agent_commit src/a.c "feat(src): add a"
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 1 ]
	[ "$(json '.checks[0].exit')" -eq 127 ]
	[[ "$(payload | jq -r '.predicate.checks[0].output')" == *"cannot run no-such-linter-here"* ]]
	[ "$(state)" = art.run.failed ]
}

@test "close: what a passing DoD command leaves running is stopped, and not waited for" {
	start_run '.dod = [{"id": "bg", "run": "sleep 1001 >/dev/null 2>&1 & sleep 1002 & echo started"}]'
	agent_commit src/a.c "feat(src): add a"
	SECONDS=0
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 0 ]
	[ "$SECONDS" -lt 10 ]
	[ "$(json '.checks[0].ok')" = true ]
	! pgrep -f "sleep 100[12]" >/dev/null || false
}

@test "close: art-close interrupted stops the DoD command; the run stays closing and closes later" {
	start_run '.dod = [{"id": "slow", "run": "sleep 1003; true"}]'
	agent_commit src/a.c "feat(src): add a"
	art-close --agent tom --ticket T1 </dev/null > "$ART_TMP/out.json" 2> "$ART_TMP/err.txt" &
	pid=$!
	for _ in $(seq 100); do
		pgrep -f "sleep 1003" >/dev/null && break
		sleep 0.1
	done
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 7 ]
	grep -q "interrupted" "$ART_TMP/err.txt"
	! pgrep -f "sleep 1003" >/dev/null || false
	[ "$(state)" = art.run.closing ]
	[ ! -s "$ART_TMP/out.json" ]
	# taken up again, this time with too little time for the item
	run --separate-stderr art-close --agent tom --ticket T1 --timeout 1 </dev/null
	[ "$status" -eq 1 ]
	[ "$(json .state)" = failed ]
	[ "$(json '.checks[0].exit')" -eq 124 ]
}

@test "close: a DoD script that sends its output elsewhere is waited for" {
	start_run '.dod = [{"id": "quiet", "run": "exec >/dev/null 2>&1; sleep 1; exit 0"}]'
	agent_commit src/a.c "feat(src): add a"
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 0 ]
	[ "$(json '.checks[0].ok')" = true ]
	[ "$(json '.checks[0].duration_ms')" -ge 900 ]
}

@test "close: a signing key that cannot be read is refused before the run moves" {
	start_run
	agent_commit src/a.c "feat(src): add a"
	mkdir -p "$XDG_CONFIG_HOME/art"
	echo "not a key" > "$XDG_CONFIG_HOME/art/signing.key"
	chmod 600 "$XDG_CONFIG_HOME/art/signing.key"
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"signing.key"* ]]
	[ "$(state)" = art.run.started ]
	[ ! -e "$WT/.agent/REPORT.md" ]
}

@test "close: a summary file with a NUL byte is exit 3; a mode change is listed as one" {
	start_run
	agent_commit src/a.c "feat(src): add a"
	chmod +x "$WT/src/main.c"
	git -C "$WT" commit -qam "chore(src): executable"
	printf 'a\0b' > "$ART_TMP/nul"
	run --separate-stderr art-close --agent tom --ticket T1 --summary-file "$ART_TMP/nul" </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"NUL byte"* ]]
	art-close --agent tom --ticket T1 </dev/null >/dev/null
	[ "$(payload | jq -r '.predicate.changedFiles[] | select(.path == "src/main.c") | .change')" = mode ]
	grep -qx -- '- `src/main.c` (mode)' "$WT/.agent/REPORT.md"
}

@test "close: DoD commands do not get the environment's secrets unless an item names them" {
	start_run '.dod = [{"id": "env", "run": "echo \"token=${DEPLOY_TOKEN:-unset} key=${MY_API_KEY:-unset} plain=${PLAIN_VAR:-unset}\"; exit 1"}, {"id": "named", "env": ["MY_API_KEY"], "run": "test -n \"$MY_API_KEY\""}]'
	agent_commit src/a.c "feat(src): add a"
	DEPLOY_TOKEN=t0ken-value-xyz MY_API_KEY=k3y-value-xyz PLAIN_VAR=plain run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 1 ]
	[ "$(payload | jq -r '.predicate.checks[0].output')" = "token=unset key=unset plain=plain" ]
	[ "$(json '.checks[1].ok')" = true ]
}

@test "close: a bad env list in a DoD item is exit 3, naming the field" {
	start_run
	jq '.dod = [{"id": "x", "run": ["true"], "env": ["BAD-NAME"]}]' agents/profiles/tom_agent.json > "$ART_TMP/p"
	mv "$ART_TMP/p" agents/profiles/tom_agent.json
	git commit -qam "chore(agents): bad env"
	run --separate-stderr art-start --agent tom --ticket T5 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *'field "dod[0].env[0]"'* ]]
}

@test "close: the signing key a DoD command prints is redacted" {
	start_run '.dod = [{"id": "steal", "run": "cat \"$XDG_CONFIG_HOME/art/signing.key\"; exit 1"}]'
	agent_commit src/a.c "feat(src): add a"
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 1 ]
	seed=$(cut -d' ' -f3 "$XDG_CONFIG_HOME/art/signing.key")
	[ -n "$seed" ]
	! grep -qF "${seed:0:40}" "$WT/.agent/REPORT.md" || false
	[[ "$(payload)" != *"${seed:0:40}"* ]]
	grep -qx 'art-signing-key-v1 ed25519 \[REDACTED\]' "$WT/.agent/REPORT.md"
}

@test "close: a DoD command that moves the branch leaves the run closing (exit 4)" {
	start_run '.dod = [{"id": "sneaky", "run": "echo fix >> src/a.c && git commit -qam \"fix(src): after the checks\""}]'
	agent_commit src/a.c "feat(src): add a"
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"the branch moved"* ]]
	[ "$(state)" = art.run.closing ]
	[ ! -e "$WT/.agent/receipt.json" ]
}

@test "close: a directory where the report goes is refused before the run moves" {
	start_run
	agent_commit src/a.c "feat(src): add a"
	mkdir -p "$WT/.agent/receipt.json"
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"receipt.json is a directory"* ]]
	[ "$(state)" = art.run.started ]
}

@test "close: a summary cannot open a code fence or an HTML comment over the checklist" {
	start_run '.dod = [{"id": "t", "title": "Tests OK", "run": "echo \"## DoD Checklist\"; exit 1"}]'
	agent_commit src/a.c "feat(src): add a"
	art-close --agent tom --ticket T1 --summary $'All good.\n```\n' --risk '<!-- hide' --next '~~~' </dev/null >/dev/null || true
	R="$WT/.agent/REPORT.md"
	grep -qx '\\```' "$R"
	grep -qx -- '- &lt;!-- hide' "$R"
	grep -qx -- '- \[ \] \\~~~' "$R"
	# the only fences are those art opened around the output
	[ "$(grep -c '^```' "$R")" -eq 2 ]
}

@test "close: a secret in a file name is redacted in the report and the receipt" {
	secret="fn-s3cr3t-$RANDOM-zz"
	start_run '.scopeAllowlist = ["**"]'
	agent_commit "src/$secret.txt" "feat(src): a file"
	DEPLOY_TOKEN="$secret" run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	! grep -qF "$secret" "$WT/.agent/REPORT.md" || false
	[[ "$(payload)" != *"$secret"* ]]
	grep -qF 'src/[REDACTED].txt' "$WT/.agent/REPORT.md"
}

@test "close: the end of a token too long to recognise is not kept when the tail cuts it" {
	start_run '.dod = [{"id": "t", "run": "printf \"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJ%s.SIGNATURExyz0123456789\\n\" $(head -c 6000 /dev/zero | tr \"\\0\" a); exit 1"}]'
	agent_commit src/a.c "feat(src): add a"
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 1 ]
	! grep -q SIGNATURE "$WT/.agent/REPORT.md" || false
	[[ "$(payload | jq -r '.predicate.checks[0].output')" != *aaaa* ]]
}

@test "close: what a DoD command detached with setsid is stopped too" {
	command -v setsid >/dev/null || skip "no setsid"
	start_run '.dod = [{"id": "d", "run": "setsid sh -c \"sleep 1004\" >/dev/null 2>&1 < /dev/null & sleep 0.2; echo ok"}]'
	agent_commit src/a.c "feat(src): add a"
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 0 ]
	! pgrep -f "sleep 1004" >/dev/null || false
}

@test "close: an uncommitted file's name is quoted, not sent to the terminal as is" {
	start_run
	agent_commit src/a.c "feat(src): add a"
	touch "$WT/src/x"$'\e]0;pwned\a'
	run --separate-stderr art-close --agent tom --ticket T1 </dev/null
	[ "$status" -eq 4 ]
	[[ "$stderr" != *$'\e'* ]]
	[[ "$stderr" == *'uncommitted: "src/x\u001B]0;pwned\u0007"'* ]]
}
