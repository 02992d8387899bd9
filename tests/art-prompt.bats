#!/usr/bin/env bats
# art-prompt: the agent's instructions, from the manifest and the profile.

load helper

setup() {
	setup_repo
	init_art
	jq '.prompt = "You own the backend API." | .role = "Backend API" | .dod = [{"id": "tests", "title": "Tests backend OK", "run": "make -C backend test"}]' \
		agents/profiles/tom_agent.json > p && mv p agents/profiles/tom_agent.json
	git commit -qam "chore(agents): tom's prompt"
	art-start --agent tom --ticket TKT_1 </dev/null >/dev/null
}

teardown() {
	teardown_repo
}

@test "prompt prints agent, ticket and the rendered prompt" {
	run --separate-stderr art-prompt --agent tom --ticket TKT_1 </dev/null
	[ "$status" -eq 0 ]
	[ "$(json '[keys_unsorted[]] | join(",")')" = agent,ticket,prompt ]
	[ "$(json .agent)" = tom ]
	[ "$(json .ticket)" = TKT_1 ]
	prompt=$(json .prompt)
	[[ "$prompt" == "# Tom: Backend API"* ]]
	[[ "$prompt" == *"You own the backend API."* ]]
	[[ "$prompt" == *'- `src/**`'* ]]
	[[ "$prompt" == *'- `Makefile`'* ]]
	[[ "$prompt" == *'- [ ] Tests backend OK: `make -C backend test`'* ]]
	[[ "$prompt" == *"branch \`feat/TKT_1-tom\`"* ]]
	[[ "$prompt" == *"Never push to main"* ]]
	[[ "$prompt" == *"Never put a secret"* ]]
}

@test "-r prints the text alone" {
	run --separate-stderr art-prompt -r --agent tom --ticket TKT_1 </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "# Tom: Backend API" ]
	expected=$(art-prompt --agent tom --ticket TKT_1 </dev/null | jq -r .prompt)
	[ "$output" = "$expected" ]
}

@test "inside the agent worktree the run is found from its manifest" {
	cd .worktrees/TKT_1/tom
	run --separate-stderr art-prompt </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .ticket)" = TKT_1 ]
}

@test "the output of art-start pipes into art-prompt" {
	art-start --agent tom --ticket TKT_2 </dev/null | art-prompt -r > "$ART_TMP/p.md"
	grep -q 'working on ticket TKT_2' "$ART_TMP/p.md"
}

@test "the scope comes from the manifest, not from a registry edited later" {
	jq '.scopeAllowlist = ["elsewhere/**"]' agents/profiles/tom_agent.json > p && mv p agents/profiles/tom_agent.json
	run --separate-stderr art-prompt -r --agent tom --ticket TKT_1 </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *'- `src/**`'* ]]
	[[ "$output" != *elsewhere* ]]
}

@test "a custom template renders its placeholders" {
	printf 'Agent {{agent}} on {{ticket}}\nDeny:\n{{scopeDenylist}}\n' > "$ART_TMP/t.md"
	run --separate-stderr art-prompt -r --agent tom --ticket TKT_1 --template "$ART_TMP/t.md" </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Agent tom on TKT_1" ]
	[ "${lines[2]}" = '- `**/.env*`' ]
}

@test "an unknown placeholder names the template line (exit 3)" {
	printf 'line one\nline {{two}}\n' > "$ART_TMP/t.md"
	run --separate-stderr art-prompt --agent tom --ticket TKT_1 --template "$ART_TMP/t.md" </dev/null
	[ "$status" -eq 3 ]
	[ "$stderr" = "art-prompt: $ART_TMP/t.md:2: unknown placeholder {{two}}" ]
	[ -z "$output" ]
}

@test "an unclosed placeholder is exit 3" {
	printf 'a {{agent\n' > "$ART_TMP/t.md"
	run --separate-stderr art-prompt --agent tom --ticket TKT_1 --template "$ART_TMP/t.md" </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"t.md:1:"* ]]
}

@test "a missing template is an error naming it" {
	run --separate-stderr art-prompt --agent tom --ticket TKT_1 --template "$ART_TMP/none.md" </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"none.md"* ]]
}

@test "a run that does not exist is exit 3 saying so" {
	run --separate-stderr art-prompt --agent tom --ticket NOPE </dev/null
	[ "$status" -eq 3 ]
	[ "$stderr" = "art-prompt: run NOPE/tom does not exist (no refs/art/runs/NOPE/tom, no .worktrees/NOPE/tom)" ]
}

@test "the manifest comes from the run record: editing the worktree copy changes nothing" {
	jq '.scopeAllowlist = ["**"] | .protected = []' .worktrees/TKT_1/tom/.agent/manifest.json > m
	mv m .worktrees/TKT_1/tom/.agent/manifest.json
	run --separate-stderr art-prompt -r --agent tom --ticket TKT_1 </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *'- `src/**`'* ]]
	[[ "$output" == *'- `Makefile`'* ]]
	run --separate-stderr art-start --agent tom --ticket TKT_1 --resume </dev/null
	[ "$status" -eq 0 ]
	[ "$(json '.scopeAllowlist | join(",")')" = "src/**,tests/**,docs/**" ]
}

@test "without a run record, a malformed worktree manifest is exit 3 naming the file" {
	git update-ref -d refs/art/runs/TKT_1/tom
	echo '{"schema": "art.manifest.v1", "agent": 1}' > .worktrees/TKT_1/tom/.agent/manifest.json
	run --separate-stderr art-prompt --agent tom --ticket TKT_1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == *'.worktrees/TKT_1/tom/.agent/manifest.json: field "agent"'* ]]
}

@test "no run given and none to find is a usage error" {
	run --separate-stderr art-prompt </dev/null
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"which run?"* ]]
}

@test "empty stdin in a pipeline is nothing to do" {
	run --separate-stderr art-prompt < <(true)
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "stdin that lacks a ticket is exit 3" {
	run --separate-stderr art-prompt <<<'{"agent":"tom"}'
	[ "$status" -eq 3 ]
	[[ "$stderr" == *'stdin: field "ticket": missing'* ]]
}
