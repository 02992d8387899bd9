#!/usr/bin/env bats
# The registry and the profiles (art-registry(5), VALIDATION): every field
# art-start checks, refused with exit 3 and one message naming the file
# and the field, before anything is written; git config art.registry.

load helper

setup() {
	setup_repo
	init_art
	cp agents/agents_registry.json "$ART_TMP/registry.json"
	cp agents/profiles/tom_agent.json "$ART_TMP/profile.json"
}

teardown() {
	teardown_repo
}

REG=agents/agents_registry.json
PROF=agents/profiles/tom_agent.json

# refusals FILE ORIGINAL: each line of stdin is "JQ EDIT => MESSAGE": FILE
# made from ORIGINAL by the edit, then art-start must be exit 3 with
# stderr "art-start: FILE: MESSAGE" exactly, nothing on stdout, and leave
# no trace.  The first case that does not hold fails the test, shown.
refusals() {
	local file=$1 orig=$2 line edit want n=0
	while IFS= read -r line; do
		edit=${line%% => *} want=${line#* => }
		[ -n "$edit" ] || continue
		cp "$ART_TMP/registry.json" "$REG"
		cp "$ART_TMP/profile.json" "$PROF"
		jq "$edit" "$orig" > "$file"
		run --separate-stderr art-start --agent tom --ticket T1 </dev/null
		if [ "$status" -ne 3 ] || [ -n "$output" ] ||
			[ "$stderr" != "art-start: $file: $want" ]; then
			printf 'edit: %s\nstatus: %s\nstdout: %s\nstderr: %s\nwanted: art-start: %s: %s\n' \
				"$edit" "$status" "$output" "$stderr" "$file" "$want"
			return 1
		fi
		assert_no_traces || { echo "after: $edit"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}

@test "registry: its version and agents, each refused naming the field" {
	refusals "$REG" "$ART_TMP/registry.json" <<-'EOF'
	del(.version) => field "version": missing (must be 1)
	.version = "1" => field "version": unsupported (this art reads version 1)
	.version = 2 => field "version": unsupported (this art reads version 1)
	del(.agents) => field "agents": missing (an array of agents)
	.agents = {} => field "agents": expected an array, got an object
	.agents = ["tom"] => field "agents[0]": expected an object, got a string
	.agents = [{"profile": "agents/profiles/tom_agent.json"}] => field "agents[0].agent": expected an agent id string (missing)
	.agents = [{"agent": 7}] => field "agents[0].agent": expected an agent id string
	.agents = [{"agent": "Tom Smith"}] => field "agents[0].agent": agent id "Tom Smith": must start with a lowercase letter
	.agents[0].profile = "../outside.json" => field "agents[0].profile": expected a relative path inside the repository
	.agents[0].profile = "/etc/passwd" => field "agents[0].profile": expected a relative path inside the repository
	[.] => expected a JSON object, got an array
	EOF
}

@test "registry: protected patterns and their approvals, each refused naming the field" {
	refusals "$REG" "$ART_TMP/registry.json" <<-'EOF'
	.protected = "Makefile" => field "protected": expected an array of glob patterns, got a string
	.protected = ["Makefile", 3] => field "protected[1]": expected a string, got an integer
	.protected = [""] => field "protected[0]": empty pattern
	.protected = ["src/../x"] => field "protected[0]": '.' or '..' segment (patterns start at the top of the repository)
	.protectedApprovals = {} => field "protectedApprovals": expected an array of approvals, got an object
	.protectedApprovals = [1] => field "protectedApprovals[0]": expected an object, got an integer
	.protectedApprovals = [{"paths": ["Makefile"]}] => field "protectedApprovals[0].ticket": expected a ticket id string (missing)
	.protectedApprovals = [{"ticket": "T 1", "paths": ["Makefile"]}] => field "protectedApprovals[0].ticket": ticket id "T 1": character 2 is not one of [A-Za-z0-9._-]
	.protectedApprovals = [{"ticket": "T1"}] => field "protectedApprovals[0].paths": missing (an array of glob patterns)
	.protectedApprovals = [{"ticket": "T1", "paths": []}] => field "protectedApprovals[0].paths": empty (an approval names at least one pattern)
	.protectedApprovals = [{"ticket": "T1", "paths": ["Makefile"]}, {"ticket": "T2", "paths": [1]}] => field "protectedApprovals[1].paths[0]": expected a string, got an integer
	.protectedApprovals = [{"ticket": "T1", "paths": ["Makefile"], "by": 7}] => field "protectedApprovals[0].by": expected a string, got an integer
	.protectedApprovals = [{"ticket": "T1", "paths": ["Makefile"], "reason": ["x"]}] => field "protectedApprovals[0].reason": expected a string, got an array
	EOF
}

@test "registry: definition-of-done items, each refused naming the field" {
	refusals "$REG" "$ART_TMP/registry.json" <<-'EOF'
	.dod = {} => field "dod": expected an array of definition-of-done items, got an object
	.dod = ["make"] => field "dod[0]": expected an object, got a string
	.dod = [{"run": "true"}] => field "dod[0].id": expected a non-empty string
	.dod = [{"id": "", "run": "true"}] => field "dod[0].id": expected a non-empty string
	.dod = [{"id": "a", "title": 1, "run": "true"}] => field "dod[0].title": expected a string, got an integer
	.dod = [{"id": "a", "run": ""}] => field "dod[0].run": empty command
	.dod = [{"id": "a", "run": []}] => field "dod[0].run": expected a command string or a non-empty argv array
	.dod = [{"id": "a"}] => field "dod[0].run": expected a command string or a non-empty argv array (missing)
	.dod = [{"id": "a", "run": ["make", 1]}] => field "dod[0].run[1]": expected a string, got an integer
	.dod = [{"id": "a", "run": "true", "env": "X"}] => field "dod[0].env": expected an array of variable names, got a string
	.dod = [{"id": "a", "run": "true", "env": ["OK", "1X"]}] => field "dod[0].env[1]": expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)
	.dod = [{"id": "a", "run": "true", "timeout": 0}] => field "dod[0].timeout": expected a number of seconds from 1 to 86400
	.dod = [{"id": "a", "run": "true", "timeout": 86401}] => field "dod[0].timeout": expected a number of seconds from 1 to 86400
	.dod = [{"id": "a", "run": "true", "timeout": "5"}] => field "dod[0].timeout": expected a number of seconds from 1 to 86400
	EOF
}

@test "profile: each field refused naming it" {
	refusals "$PROF" "$ART_TMP/profile.json" <<-'EOF'
	del(.agent) => field "agent": missing (the agent id)
	.agent = 5 => field "agent": expected the agent id string, got an integer
	.agent = "bob" => field "agent": "bob" does not match the registry entry "tom"
	.displayName = 5 => field "displayName": expected a string, got an integer
	.role = false => field "role": expected a string, got a boolean
	.prompt = {} => field "prompt": expected a string, got an object
	.scopeAllowlist = "src/**" => field "scopeAllowlist": expected an array of glob patterns, got a string
	.scopeAllowlist = ["src/**", "/"] => field "scopeAllowlist[1]": pattern is only '/'
	.scopeDenylist = "x" => field "scopeDenylist": expected an array of glob patterns, got a string
	.scopeDenylist = [null] => field "scopeDenylist[0]": expected a string, got null
	.dod = [{"id": "a", "run": "true", "timeout": 90000}] => field "dod[0].timeout": expected a number of seconds from 1 to 86400
	EOF
}

@test "profile: a definition-of-done id the registry has already is refused" {
	jq '.dod = [{"id": "ssot", "run": "true"}]' "$ART_TMP/registry.json" > "$REG"
	jq '.dod = [{"id": "tests", "run": "true"}, {"id": "ssot", "run": ["make"]}]' "$ART_TMP/profile.json" > "$PROF"
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[ "$stderr" = "art-start: $PROF: field \"dod[1].id\": \"ssot\" is already a registry definition-of-done id" ]
	assert_no_traces
}

@test "a valid approval reaches the manifest of its ticket's runs only" {
	jq '.protectedApprovals = [{"ticket": "T1", "paths": ["Makefile"], "by": "alice", "reason": "build change"}, {"ticket": "T2", "paths": [".gitignore"]}]' \
		"$ART_TMP/registry.json" > "$REG"
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | jq -c .protectedApproved)" = '[{"ticket":"T1","paths":["Makefile"],"by":"alice","reason":"build change"}]' ]
}

@test "git config art.registry: the registry read from there; a path outside the repository is exit 3" {
	git config art.registry conf/registry.json
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[ "$stderr" = "art-start: conf/registry.json: No such file or directory (run 'art init' to create one)" ]
	mkdir conf
	jq '.dod = [{"id": "from-conf", "run": "true"}]' "$ART_TMP/registry.json" > conf/registry.json
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 0 ]
	[ "$(json '.dod[0].id')" = from-conf ]
	for bad in ../registry.json /etc/registry.json; do
		git config art.registry "$bad"
		run --separate-stderr art-start --agent tom --ticket T2 </dev/null
		[ "$status" -eq 3 ] || { echo "$bad: $status"; return 1; }
		[ "$stderr" = "art-start: git config art.registry \"$bad\": expected a relative path inside the repository" ]
	done
}

@test "a registry or profile that is a FIFO or a directory is exit 3, read without blocking" {
	for f in "$REG" "$PROF"; do
		rm "$f"
		mkfifo "$f"
		# a FIFO no one writes would block a plain open forever
		run --separate-stderr timeout 10 art-start --agent tom --ticket T1 </dev/null
		[ "$status" -eq 3 ] || { echo "$f (FIFO): $status $stderr"; return 1; }
		[ "$stderr" = "art-start: $f: not a regular file" ]
		rm "$f"
		mkdir "$f"
		run --separate-stderr art-start --agent tom --ticket T1 </dev/null
		[ "$status" -eq 3 ] || { echo "$f (directory): $status $stderr"; return 1; }
		[ "$stderr" = "art-start: $f: not a regular file" ]
		rmdir "$f"
		git checkout -q -- "$f"
		assert_no_traces
	done
}
