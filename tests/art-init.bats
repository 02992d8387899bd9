#!/usr/bin/env bats
# art-init: the starter registry and profile, never over the user's files.

load helper

setup() {
	setup_repo
}

teardown() {
	teardown_repo
}

@test "init writes the registry and the profile and says so" {
	run --separate-stderr art-init
	[ "$status" -eq 0 ]
	[ "$output" = '{"registry":"agents/agents_registry.json","profiles":["agents/profiles/tom_agent.json"],"excluded":[".worktrees/",".agent/"]}' ]
	[ "$(jq -r '.agents[0].agent' agents/agents_registry.json)" = tom ]
	[ "$(jq -r .version agents/agents_registry.json)" = 1 ]
	[ "$(jq -r .displayName agents/profiles/tom_agent.json)" = Tom ]
	[ "$(jq -r '.scopeAllowlist | length' agents/profiles/tom_agent.json)" -gt 0 ]
	grep -qx '.worktrees/' .git/info/exclude
	grep -qx '.agent/' .git/info/exclude
}

@test "init --agent names the starter agent" {
	run --separate-stderr art-init --agent eva
	[ "$status" -eq 0 ]
	[ "$(json '.profiles[0]')" = agents/profiles/eva_agent.json ]
	[ "$(jq -r .agent agents/profiles/eva_agent.json)" = eva ]
	[ "$(jq -r .displayName agents/profiles/eva_agent.json)" = Eva ]
	[ "$(jq -r '.agents[0].agent' agents/agents_registry.json)" = eva ]
}

@test "what init writes is a valid registry: a run starts from it" {
	art-init >/dev/null
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 0 ]
}

@test "init refuses to overwrite (exit 4) and changes nothing" {
	mkdir -p agents
	echo '{"mine": true}' > agents/agents_registry.json
	run --separate-stderr art-init
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"agents/agents_registry.json exists"* ]]
	[ "$(cat agents/agents_registry.json)" = '{"mine": true}' ]
	[ ! -e agents/profiles ]
	[ ! -e .git/info/exclude ] || ! grep -q '.agent/' .git/info/exclude
}

@test "init refuses when only the profile exists" {
	mkdir -p agents/profiles
	echo keep > agents/profiles/tom_agent.json
	run --separate-stderr art-init
	[ "$status" -eq 4 ]
	[ ! -e agents/agents_registry.json ]
	[ "$(cat agents/profiles/tom_agent.json)" = keep ]
}

@test "init never writes through a symlinked directory" {
	mkdir "$ART_TMP/outside"
	ln -s "$ART_TMP/outside" agents
	run --separate-stderr art-init
	[ "$status" -eq 3 ]
	[ -z "$(ls -A "$ART_TMP/outside")" ]
}

@test "the exclude lines are added once" {
	printf '# mine\n.agent/\n' > .git/info/exclude
	run --separate-stderr art-init
	[ "$status" -eq 0 ]
	[ "$(json '.excluded | join(",")')" = ".worktrees/" ]
	[ "$(grep -cx '.agent/' .git/info/exclude)" -eq 1 ]
	grep -qx '# mine' .git/info/exclude
}

@test "init with a bad agent id is exit 3" {
	run --separate-stderr art-init --agent Bad
	[ "$status" -eq 3 ]
	[ ! -e agents ]
}

@test "init outside a repository is exit 3" {
	cd "$ART_TMP"
	run --separate-stderr art-init
	[ "$status" -eq 3 ]
	[[ "$stderr" == "art-init: not a git repository"* ]]
}

@test "init inside an agent worktree is refused (exit 5)" {
	init_art
	art-start --agent tom --ticket T1 </dev/null >/dev/null
	cd .worktrees/T1/tom
	rm -r agents
	run --separate-stderr art-init
	[ "$status" -eq 5 ]
	[ ! -e agents ]
}

@test "usage: unknown flag is exit 2, -h is exit 0" {
	run --separate-stderr art-init --nope
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"usage: art-init"* ]]
	run --separate-stderr art-init -h
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: art-init"* ]]
	[ ! -e agents ]
}
