#!/usr/bin/env bats
# share/art/art.mk: the agent targets of a project's Makefile, from the
# source tree, against the art just built.  Each target must do what its
# art command does, stop before doing anything when a variable is
# missing, and never let a variable's value run as a command.

load helper

setup() {
	setup_repo
	# a make of our own, not a sub-make of make check's
	unset MAKEFLAGS MFLAGS MAKELEVEL
	ART_MK="$(cd "$BATS_TEST_DIRNAME/.." && pwd)/share/art/art.mk"
	# a project's own Makefile, with its own default goal after the include
	printf 'include %s\n\nall:\n\t@echo project default\n' "$ART_MK" > Makefile
	git add Makefile
	git commit -qm "build(make): the agent targets"
	init_art
	WT="$REPO/.worktrees/T1/tom"
	MARK="$ART_TMP/injected"
}

teardown() {
	teardown_repo
}

# Once: can this kernel build a cage (helper.bash)?  Only agent-run
# needs one.
setup_file() {
	probe_cage
}

# mk ARG...: make in the repository, quiet (no command echo), stdout and
# stderr apart.
mk() {
	run --separate-stderr make -s --no-print-directory "$@" </dev/null
}

start_t1() {
	art-start --agent tom --ticket T1 </dev/null >/dev/null
}

@test "including art.mk keeps the project's default goal" {
	mk
	[ "$status" -eq 0 ]
	[ "$output" = "project default" ]
	assert_no_traces
}

@test "agent-start creates the worktree, the branch and the run record" {
	mk agent-start AGENT=tom TICKET=T1
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$(json .agent)" = tom ]
	[ "$(json .ticket)" = T1 ]
	[ "$(json .branch)" = feat/T1-tom ]
	[ "$(json .worktree)" = "$WT" ]
	[ "$(json .base)" = "$(git rev-parse HEAD)" ]
	[ "$(git -C "$WT" rev-parse --abbrev-ref HEAD)" = feat/T1-tom ]
	[ -f "$WT/.agent/manifest.json" ]
	git rev-parse -q --verify refs/art/runs/T1/tom >/dev/null
	# a second start is art's exit 4, shown by make
	mk agent-start AGENT=tom TICKET=T1
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"agent-start] Error 4"* ]]
}

@test "agent-start with BASE starts the branch there" {
	base=$(git rev-parse HEAD)
	echo more > src/more.c
	git add src && git commit -qm "feat(src): more"
	mk agent-start AGENT=tom TICKET=T1 BASE="$base"
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$(json .base)" = "$base" ]
	[ "$(git rev-parse feat/T1-tom)" = "$base" ]
}

@test "the values reach art in the environment, never in the shell's command line" {
	run --separate-stderr make --no-print-directory agent-start AGENT=tom TICKET=T1 </dev/null
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | head -n 1)" = '"$ART_MK_ART" start --agent "$ART_MK_AGENT" --ticket "$ART_MK_TICKET"' ]
	[ "$(printf '%s\n' "$output" | sed -n 2p | jq -r .branch)" = feat/T1-tom ]
}

@test "agent-prompt prints the prompt alone, as text" {
	start_t1
	mk agent-prompt AGENT=tom TICKET=T1
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	# not echoed even without -s: the prompt alone on stdout, to pipe
	run --separate-stderr make --no-print-directory agent-prompt AGENT=tom TICKET=T1 </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "$(art-prompt --agent tom --ticket T1 -r </dev/null)" ]
	[[ "$output" == *"ticket T1"* ]]
	[[ "$output" == *".worktrees/T1/tom"* ]]
	run jq -e . <<<"$output"
	[ "$status" -ne 0 ]
}

@test "agent-scope-check passes a run in scope and fails on a violation" {
	start_t1
	echo 'int f(void);' > "$WT/src/f.c"
	mk agent-scope-check AGENT=tom TICKET=T1
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$(json .ok)" = true ]
	[ "$(json .checked)" = 1 ]
	# the agent touched the Makefile, a protected file
	echo 'evil:' >> "$WT/Makefile"
	mk agent-scope-check AGENT=tom TICKET=T1
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"agent-scope-check] Error 1"* ]]
	[ "$(json .ok)" = false ]
	[ "$(printf '%s' "$output" | jq -c '.violations | map([.path, .reason])')" = '[["Makefile","protected"]]' ]
}

@test "agent-close closes the run: report, receipt, run record" {
	start_t1
	echo 'int f(void);' > "$WT/src/f.c"
	git -C "$WT" add src
	git -C "$WT" commit -qm "feat(src): f"
	mk agent-close AGENT=tom TICKET=T1 SUMMARY="f is done; it's \$(tested) \`ok\`"
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$(json .ok)" = true ]
	[ "$(json .state)" = closed ]
	[ "$(json .report)" = "$WT/.agent/REPORT.md" ]
	[ "$(json .receipt)" = "$WT/.agent/receipt.json" ]
	[ -f "$WT/.agent/REPORT.md" ]
	[ -f "$WT/.agent/receipt.json" ]
	# the summary reached the report as written, quotes and all
	grep -qxF "f is done; it's \$(tested) \`ok\`" "$WT/.agent/REPORT.md"
	git cat-file -e refs/art/runs/T1/tom:receipt.json
	art-verify "$WT/.agent/receipt.json" </dev/null >/dev/null
	[ "$(sqlite3 .git/art/art.db "SELECT state FROM runs")" = closed ]
	# closing again is art's exit 4
	mk agent-close AGENT=tom TICKET=T1
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"agent-close] Error 4"* ]]
}

@test "agent-run runs CMD in the run's cage, all of it" {
	need_cage
	start_t1
	mk agent-run AGENT=tom TICKET=T1 CMD="pwd && echo \"it's \$0\" > src/out.txt; touch '$REPO/src/escaped'"
	# the touch outside the worktree ran in the cage too, and failed there
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"agent-run] Error 1"* ]]
	[ "$output" = "$WT" ]
	[ "$(cat "$WT/src/out.txt")" = "it's sh" ]
	[ ! -e "$REPO/src/escaped" ]
	[ "$(sqlite3 .git/art/art.db "SELECT count(*) FROM events WHERE type = 'art.vm.started'")" = 1 ]
	# CMD's status is art-vm's, which make shows
	mk agent-run AGENT=tom TICKET=T1 CMD='exit 7'
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"agent-run] Error 7"* ]]
	mk agent-run AGENT=tom TICKET=T1 CMD='test -w .'
	[ "$status" -eq 0 ]
}

@test "a missing variable stops the target with a message, and nothing changes" {
	mk agent-start
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"AGENT is not set: make agent-start AGENT=tom TICKET=T-1"* ]]
	mk agent-start AGENT=tom
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"TICKET is not set: make agent-start AGENT=tom TICKET=T-1"* ]]
	mk agent-start TICKET=T1 AGENT=
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"AGENT is not set: make agent-start AGENT=tom TICKET=T-1"* ]]
	mk agent-start TICKET=T1 AGENT='  '
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"AGENT is not set"* ]]
	[ -z "$output" ]
	assert_no_traces
	start_t1
	before=$(event_count)
	for t in agent-prompt agent-scope-check agent-close agent-run; do
		mk "$t" TICKET=T1
		[ "$status" -eq 2 ]
		[[ "$stderr" == *"AGENT is not set: make $t AGENT=tom TICKET=T-1"* ]] || { echo "$t: $stderr"; return 1; }
		mk "$t" AGENT=tom
		[ "$status" -eq 2 ]
		[[ "$stderr" == *"TICKET is not set: make $t AGENT=tom TICKET=T-1"* ]] || { echo "$t: $stderr"; return 1; }
		[ -z "$output" ]
	done
	mk agent-run AGENT=tom TICKET=T1
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"CMD is not set: make agent-run AGENT=tom TICKET=T-1 CMD='make test'"* ]]
	[ "$(event_count)" -eq "$before" ]
	[ ! -e "$WT/.agent/REPORT.md" ]
	[ "$(sqlite3 .git/art/art.db "SELECT state FROM runs")" = running ]
}

@test "a TICKET or AGENT with shell or make syntax is art's exit 3, and runs nothing" {
	for t in "T1;touch $MARK" "T1\$(touch $MARK)" "T1\`touch $MARK\`" "T1' ; touch $MARK ; '" \
		"\$(shell touch $MARK)" "T1
touch $MARK"; do
		mk agent-start AGENT=tom TICKET="$t"
		[ "$status" -eq 2 ]
		[[ "$stderr" == *"art-start: ticket id"* ]] || { echo "$t: $stderr"; return 1; }
		[[ "$stderr" == *"agent-start] Error 3"* ]]
		[ ! -e "$MARK" ] || { echo "injected by: $t"; return 1; }
	done
	# even when make ignores errors and would go on to a next line
	mk -i agent-start AGENT=tom TICKET="T1'
touch $MARK
'"
	[ ! -e "$MARK" ]
	mk agent-start AGENT="tom;touch $MARK" TICKET=T1
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"agent-start] Error 3"* ]]
	mk agent-start AGENT='$(shell touch '"$MARK"')' TICKET=T1
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"agent-start] Error 3"* ]]
	[ ! -e "$MARK" ]
	assert_no_traces
}

@test "a value from the environment is taken as written too" {
	TICKET="\$(shell touch $MARK)" mk agent-start AGENT=tom
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"agent-start] Error 3"* ]]
	[ ! -e "$MARK" ]
	assert_no_traces
	AGENT=tom TICKET=T1 mk agent-start
	[ "$status" -eq 0 ]
	[ "$(json .branch)" = feat/T1-tom ]
}

@test "ART names the art program, as one word" {
	mkdir "$ART_TMP/my bin"
	ln -s "$ART_BIN/art" "$ART_TMP/my bin/art"
	mk agent-start AGENT=tom TICKET=T1 ART="$ART_TMP/my bin/art"
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$(json .branch)" = feat/T1-tom ]
	mk agent-prompt AGENT=tom TICKET=T1 ART="$ART_TMP/no such/art"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"agent-prompt] Error 127"* ]]
}
