#!/usr/bin/env bats
# End to end: a repository with the three agents of seed 001 (Tom, Bruce,
# Eva), the loopback Core holding three jobs, and the cron pipeline of
# cli.md, `art-poll --once | art-claim --run -- art-job`, run once per job
# with a scripted agent (tests/e2e/art-job and tests/e2e/agent):
#   j_1  Tom stays in scope: submitted with the receipt's digest
#   j_2  Bruce edits the Makefile, a protected file: SCOPE_VIOLATION
#   j_3  Eva works until Core cancels the job: stopped, CANCELED
# then the event log verifies and each run's replay is stable.
#
# The tests share one repository and one Core (setup_file) and run in this
# order, each on the job the one before left queued next.

load core_helper

BATS_NO_PARALLELIZE_WITHIN_FILE=true

TOM=TKT_backend_mvp_api/tom
BRUCE=TKT_backend_mvp_db/bruce
EVA=TKT_backend_mvp_security/eva

# Can this kernel build a cage (helper.bash)?  If not, the agent runs
# outside the cage (E2E_NO_CAGE) and everything else is tested all the
# same.
probe_cage_or_not() {
	probe_cage || return 1
	if [ -s "$BATS_FILE_TMPDIR/no-cage" ]; then
		export E2E_NO_CAGE=1
		printf '# e2e: no cage on this kernel, the agent runs without art-vm: %s\n' \
			"$(cat "$BATS_FILE_TMPDIR/no-cage")" >&3
	fi
}

# The registry and profiles of seed 001 (§4.3 and §5), its definition of
# done (§7.1: make ssot-check), committed as a user would.
seed_agents() {
	art-init >/dev/null
	cat > agents/agents_registry.json <<-'JSON'
	{"version": 1,
	 "agents": [{"agent": "tom"}, {"agent": "bruce"}, {"agent": "eva"}],
	 "protected": [".github/workflows/**", "scripts/guards/**", "tools/ssot_*.py",
	  "tools/agent_runtime.py", "docs/40-security/**", "Makefile", ".gitignore",
	  "agents/**", ".art/**"],
	 "dod": [{"id": "ssot", "title": "make ssot-check OK", "run": ["make", "-s", "ssot-check"]}]}
	JSON
	cat > agents/profiles/tom_agent.json <<-'JSON'
	{"agent": "tom", "displayName": "Tom", "role": "Backend API",
	 "scopeAllowlist": ["backend_django/apps/**", "backend_django/pixel_backend/**",
	  "docs/30-tech_specs/backend/**", "tests/backend/**"],
	 "scopeDenylist": ["backend_django/.env*", "backend_django/pixel_backend/settings/prod.py"],
	 "prompt": "You own the backend API."}
	JSON
	cat > agents/profiles/bruce_agent.json <<-'JSON'
	{"agent": "bruce", "displayName": "Bruce", "role": "Database",
	 "scopeAllowlist": ["backend_django/apps/**/models.py", "backend_django/apps/**/migrations/**",
	  "docs/00-foundations/DB_SETUP.md", "docs/30-tech_specs/backend/**"],
	 "scopeDenylist": ["backend_django/.env*"],
	 "prompt": "You own the database models and migrations."}
	JSON
	cat > agents/profiles/eva_agent.json <<-'JSON'
	{"agent": "eva", "displayName": "Eva", "role": "Security",
	 "scopeAllowlist": ["docs/40-security/**", "backend_django/apps/**/views.py",
	  "backend_django/apps/**/serializers.py", "frontend_nuxt/scripts/guards/**", "tests/security/**"],
	 "scopeDenylist": ["**/.env*", "**/secrets/**"],
	 "prompt": "You audit security."}
	JSON
	printf 'ssot-check:\n\t@echo "ssot: ok"\n' > Makefile
	git add agents Makefile
	git commit -qm "chore(agents): the agents of seed 001, and make ssot-check"
}

add_e2e_job() { # add_e2e_job ID AGENT TICKET TASK
	admin jobs "$(jq -nc --arg id "$1" --arg a "$2" --arg t "$3" --arg task "$4" \
		'{id: $id, scope: "jobs:backend", payload: {agent: $a, ticket: $t, base: "main", task: $task}}')" >/dev/null
}

setup_file() {
	setup_core
	# the tests run in other processes: they need these
	export ART_TMP REPO CORE_DIR CORE_PORT CORE_PID
	probe_cage_or_not
	login_client
	seed_agents
	# the agent where the cage can read it: the main checkout (the suite's
	# directory may be under /tmp, which the cage has of its own)
	mkdir "$REPO/.e2e"
	cp "$BATS_TEST_DIRNAME/e2e/agent" "$REPO/.e2e/agent"
	echo /.e2e/ >> "$REPO/.git/info/exclude"
	export E2E_AGENT="$REPO/.e2e/agent" JOB="$BATS_TEST_DIRNAME/e2e/art-job"
	# a quick heartbeat, so that a cancel is seen within a second; a quick
	# poll, so that the next cron run of the pipeline need not wait long
	admin config '{"heartbeat_interval_s":1,"poll_interval_s":0.2}' >/dev/null
	add_e2e_job j_1 tom TKT_backend_mvp_api in-scope
	add_e2e_job j_2 bruce TKT_backend_mvp_db protected
	add_e2e_job j_3 eva TKT_backend_mvp_security sleep
}

teardown_file() {
	teardown_core
}

setup() {
	cd "$REPO"
}

job() { # job ID FILTER: Core's record of the job
	admin "jobs/$1" | jq -r "$2"
}

worktree() { # worktree TICKET/AGENT
	echo "$REPO/.worktrees/$1"
}

# assert_types RUN TYPE...: the run's events are of these types, in this
# order; without a cage, the cage's own (art.vm.*) are left out of both.
assert_types() {
	local r=$1 got want
	shift
	got=$(art-log show --run "$r" | jq -r .type | paste -sd ' ')
	want="$*"
	if [ -n "${E2E_NO_CAGE:-}" ]; then
		got=$(tr ' ' '\n' <<<"$got" | grep -v '^art\.vm\.' | paste -sd ' ')
		want=$(tr ' ' '\n' <<<"$want" | grep -v '^art\.vm\.' | paste -sd ' ')
	fi
	[ "$got" = "$want" ] || { printf 'events of %s:\n  got  %s\n  want %s\n' "$r" "$got" "$want"; return 1; }
}

# Wait until Core's schedule lets the jobs route be polled again, as the
# next cron run would: `art-poll --once` does not poll early, it prints
# nothing and art-claim has nothing to do.
wait_due() {
	local next now
	next=$(art-poll --schedule --scope jobs:backend | jq '.routes["jobs?scope=jobs:backend"].next_poll_ms')
	now=$(date +%s%3N)
	[ "$next" -le "$now" ] || sleep "$(( (next - now) / 1000 )).$(printf '%03d' $(( (next - now) % 1000 )))"
}

PIPELINE='art-poll --once --scope jobs:backend | art-claim --run -- "$JOB"'

@test "e2e: job 1, in scope: submitted with the receipt's digest; the receipt verifies" {
	wait_due
	run --separate-stderr bash -c "$PIPELINE"
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$(json .type)" = result ]
	[ "$(json .job_id)" = j_1 ]
	[ "$(json .action)" = submit ]
	[ "$(json .state)" = succeeded ]
	wt=$(worktree $TOM)
	sha=$(sha256sum < "$wt/.agent/receipt.json" | cut -c1-64)
	# Core has the result: the receipt's digest, the branch and its head
	[ "$(job j_1 .state)" = succeeded ]
	[ "$(job j_1 .result.receipt_sha256)" = "$sha" ]
	[ "$(job j_1 .result.branch)" = feat/TKT_backend_mvp_api-tom ]
	[ "$(job j_1 .result.head)" = "$(git rev-parse feat/TKT_backend_mvp_api-tom)" ]
	[ "$(job j_1 .result.summary)" = "run TKT_backend_mvp_api/tom closed" ]
	[ "$(job j_1 .result.ok)" = true ]
	[ "$(job j_1 .result.state)" = closed ]
	[ "$(job j_1 '.result.violations | length')" -eq 0 ]
	[ "$(job j_1 '[.result.checks[] | "\(.id)=\(.ok)"] | join(" ")')" = "ssot=true art-scope=true art-commits=true" ]
	[ "$(job j_1 '.result | has("receipt") or has("report")')" = false ]
	# the same digest as the receipt of the run record, and the close event's
	[ "$(git show refs/art/runs/$TOM:receipt.json | sha256sum | cut -c1-64)" = "$sha" ]
	[ "$(art-log show --run $TOM | jq -r 'select(.type == "art.run.closed") | .data.receipt')" = "$sha" ]
	# the agent's work is on the branch
	[ "$(git log -1 --format=%s feat/TKT_backend_mvp_api-tom)" = "feat(api): add contact endpoint" ]
	[ "$(git diff --name-only main feat/TKT_backend_mvp_api-tom)" = backend_django/apps/contact/views.py ]
	# the receipt verifies: the worktree's file, and the run record's
	run --separate-stderr art-verify "$wt/.agent/receipt.json"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; return 1; }
	[ "$(json .ok)" = true ]
	run --separate-stderr art-verify --run $TOM
	[ "$status" -eq 0 ]
	[ "$(json .ok)" = true ]
	# what happened, in order; the commands of the job script carry the
	# job's correlation id (art-claim's own events carry another, its own)
	assert_types $TOM art.job.claimed art.run.started art.vm.started art.vm.exited \
		art.run.closing art.run.closed art.job.submitted
	[ "$(art-log show --run $TOM | jq -r 'select(.source != "art-claim") | .correlationid' | sort -u)" = job-j_1 ]
	if [ -z "${E2E_NO_CAGE:-}" ]; then
		[ "$(art-log show --run $TOM | jq -r 'select(.type == "art.vm.exited") | "\(.data.backend) \(.data.exit)"')" = "cage 0" ]
	fi
}

@test "e2e: job 2, a protected file changed: failed SCOPE_VIOLATION; the report says why" {
	wait_due
	run --separate-stderr bash -c "$PIPELINE"
	[ "$status" -eq 1 ] || { echo "$output $stderr"; return 1; }
	[ "$(json .job_id)" = j_2 ]
	[ "$(json .action)" = fail ]
	[ "$(json .reason_code)" = SCOPE_VIOLATION ]
	[ "$(json .state)" = failed ]
	# Core's record: failed for good, not requeued
	[ "$(job j_2 .state)" = failed ]
	[ "$(job j_2 .fail.reason_code)" = SCOPE_VIOLATION ]
	[ "$(job j_2 .fail.retryable)" = false ]
	[ "$(job j_2 .fail.message)" = "exit status 1" ]
	[ "$(job j_2 .result)" = null ]
	# the run was closed, failed: its report names the file and the reason
	wt=$(worktree $BRUCE)
	# ("- `Makefile`: protected (Makefile)": the path, the reason, the rule)
	sed -n '/^## Scope Violations$/,/^## /p' "$wt/.agent/REPORT.md" > "$ART_TMP/violations"
	grep -q '^- `Makefile`: protected' "$ART_TMP/violations"
	# its model, in scope, is no violation
	[ "$(grep -c '^- ' "$ART_TMP/violations")" -eq 1 ]
	git show refs/art/runs/$BRUCE:REPORT.md | cmp - "$wt/.agent/REPORT.md"
	# the scope check says the same, and the failed run's receipt verifies
	run --separate-stderr art-scope-check --agent bruce --ticket TKT_backend_mvp_db
	[ "$status" -eq 1 ]
	[ "$(json '[.violations[] | "\(.path) \(.reason)"] | join(",")')" = "Makefile protected" ]
	run --separate-stderr art-verify --run $BRUCE
	[ "$status" -eq 0 ]
	[ "$(json .state)" = failed ]
	assert_types $BRUCE art.job.claimed art.run.started art.vm.started art.vm.exited \
		art.run.closing art.run.failed art.job.failed
	[ "$(art-log show --run $BRUCE | jq -r 'select(.type == "art.job.failed") | .data.reason_code')" = SCOPE_VIOLATION ]
}

@test "e2e: job 3, cancelled at Core mid-run: the agent is stopped, the job CANCELED" {
	wait_due
	bash -c "$PIPELINE" >"$ART_TMP/j3.out" 2>"$ART_TMP/j3.err" 3>&- &
	pid=$!
	# the agent is at work
	for _ in $(seq 100); do
		grep -q 'agent: sleep: working' "$ART_TMP/j3.err" && break
		sleep 0.1
	done
	grep -q 'agent: sleep: working' "$ART_TMP/j3.err" || { cat "$ART_TMP/j3.err"; kill "$pid"; return 1; }
	[ "$(job j_3 .state)" = claimed ]
	start=$(date +%s)
	admin cancel '{"id":"j_3"}' >/dev/null
	status=0
	wait "$pid" || status=$?
	# stopped at the next heartbeat (1 s), not at the agent's end (30 s)
	[ $(( $(date +%s) - start )) -lt 10 ]
	# SIGTERM, passed on to the agent by art-vm: 128 + 15
	[ "$status" -eq 143 ] || { cat "$ART_TMP/j3.err"; return 1; }
	[ "$(jq -r .job_id "$ART_TMP/j3.out")" = j_3 ]
	[ "$(jq -r .action "$ART_TMP/j3.out")" = fail ]
	[ "$(jq -r .reason_code "$ART_TMP/j3.out")" = CANCELED ]
	[ "$(jq -r .state "$ART_TMP/j3.out")" = canceled ]
	[ "$(job j_3 .state)" = canceled ]
	[ "$(job j_3 .fail.reason_code)" = CANCELED ]
	[ "$(job j_3 .fail.retryable)" = false ]
	# the agent is gone, and did not finish: nothing of it runs, nothing
	# written after the stop, nothing committed
	[ -z "$(pgrep -f "$E2E_AGENT")" ]
	[ ! -e "$(worktree $EVA)/late.txt" ]
	[ "$(git rev-parse feat/TKT_backend_mvp_security-eva)" = "$(git rev-parse main)" ]
	assert_types $EVA art.job.claimed art.run.started art.vm.started art.job.cancel_requested \
		art.vm.exited art.job.failed
	if [ -z "${E2E_NO_CAGE:-}" ]; then
		[ "$(art-log show --run $EVA | jq -r 'select(.type == "art.vm.exited") | .data.exit')" -eq 143 ]
	fi
	# no run was closed, no receipt written
	[ ! -e "$(worktree $EVA)/.agent/receipt.json" ]
}

@test "e2e: the event log verifies; each run's replay is the same twice" {
	run --separate-stderr art-log verify
	[ "$status" -eq 0 ]
	[ "$(json .ok)" = true ]
	[ "$(json .events)" -eq "$(art-log show | wc -l)" ]
	[ "$(json .events)" -gt 0 ]
	for r in $TOM $BRUCE $EVA; do
		art-log replay --run "$r" > "$ART_TMP/replay1"
		art-log replay --run "$r" > "$ART_TMP/replay2"
		cmp "$ART_TMP/replay1" "$ART_TMP/replay2"
		[ -s "$ART_TMP/replay1" ]
		# the run's events, and only them
		[ "$(jq -r .subject "$ART_TMP/replay1" | sort -u)" = "$r" ]
		[ "$(wc -l < "$ART_TMP/replay1")" -eq "$(art-log show --run "$r" | wc -l)" ]
	done
	# every job was seen through: none left queued or claimed at Core
	[ "$(admin state | jq -r '[.jobs[] | "\(.id)=\(.state)"] | join(" ")')" = "j_1=succeeded j_2=failed j_3=canceled" ]
}
