#!/usr/bin/env bats
# art-claim: read before write, one key per operation, heartbeats,
# cancel, lost leases.

load core_helper

setup() {
	setup_core
	login_client
	add_job j_1
}
teardown() { teardown_core; }

job_state() { admin "jobs/$1" | jq -r "$2"; }

@test "art-claim: claims the first job it can, prints the lease" {
	run --separate-stderr bash -c 'art-poll --once --scope jobs:backend | art-claim'
	[ "$status" -eq 0 ]
	[ "$(json '.type')" = lease ]
	[ "$(json '.job_id')" = j_1 ]
	[[ "$(json '.lease_id')" == l_* ]]
	[ "$(json '.payload.agent')" = tom ]
	[ "$(job_state j_1 .state)" = claimed ]
	# read before write: GET /jobs/j_1 came before the claim
	[ "$(requests | jq -rs '[.[] | select(.path | startswith("/jobs/j_1")) | "\(.method) \(.path)"] | join(",")')" = "GET /jobs/j_1,POST /jobs/j_1/claim" ]
	[ -n "$(requests | jq -rs '[.[] | select(.path == "/jobs/j_1/claim")][0].idempotency_key')" ]
}

@test "art-claim: a job already claimed is skipped; none left is exit 4" {
	add_job j_2
	art-claim --job j_1 >/dev/null
	printf '{"type":"job","id":"j_1"}\n{"type":"job","id":"j_2"}\n' > "$ART_TMP/jobs"
	run --separate-stderr art-claim < "$ART_TMP/jobs"
	[ "$status" -eq 0 ]
	[ "$(json '.job_id')" = j_2 ]
	run --separate-stderr art-claim < "$ART_TMP/jobs"
	[ "$status" -eq 4 ]
	# nothing claimable was not even tried: no POST after the reads
	[ "$(count_requests POST '^/jobs/j_1/claim$')" -eq 1 ]
}

@test "art-claim: empty input is nothing to do" {
	run --separate-stderr art-claim < /dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "art-claim: a job id that would bend the URL is refused" {
	printf '{"type":"job","id":"../auth/clients/token"}\n' > "$ART_TMP/jobs"
	run --separate-stderr art-claim < "$ART_TMP/jobs"
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"not a job id"* ]]
	[ "$(count_requests POST 'auth/clients/token' )" -eq 1 ]
}

@test "art-claim --run: payload on stdin, ids in the environment, result submitted" {
	cat > "$ART_TMP/job.sh" <<-'SH'
	#!/bin/sh
	payload=$(cat)
	printf 'working\n' >&2
	printf '{"summary":"done","job":"%s","lease":"%s","agent":%s}\n' \
		"$ART_JOB_ID" "$ART_LEASE_ID" "$(printf '%s' "$payload" | jq .agent)"
	SH
	chmod +x "$ART_TMP/job.sh"
	run --separate-stderr art-claim --job j_1 --run -- "$ART_TMP/job.sh"
	[ "$status" -eq 0 ]
	[ "$(json '.action')" = submit ]
	[ "$(json '.state')" = succeeded ]
	[ "$(job_state j_1 .state)" = succeeded ]
	[ "$(job_state j_1 .result.summary)" = done ]
	[ "$(job_state j_1 .result.job)" = j_1 ]
	[ "$(job_state j_1 .result.agent)" = tom ]
	[[ "$(job_state j_1 .result.lease)" == l_* ]]
	[[ "$stderr" == *working* ]]
	# read before write: the job read between the command and the submit
	[ "$(requests | jq -rs '[.[] | select(.path | startswith("/jobs/j_1")) | "\(.method) \(.path)"] | .[-2:] | join(",")')" = "GET /jobs/j_1,POST /jobs/j_1/submit" ]
}

@test "art-claim --run: a failing command fails the job, retryable, with its status" {
	run --separate-stderr art-claim --job j_1 --run -- sh -c 'cat >/dev/null; exit 3'
	[ "$status" -eq 3 ]
	[ "$(json '.action')" = fail ]
	[ "$(json '.reason_code')" = EXEC_ERROR ]
	[ "$(job_state j_1 .state)" = queued ]
	[ "$(job_state j_1 .attempt)" = 2 ]
	[ "$(requests | jq -rs '[.[] | select(.path == "/jobs/j_1/fail")][0].body.message')" = "exit status 3" ]
}

@test "art-claim --run: submit retried under one idempotency key" {
	admin faults '{"route":"POST /jobs/{id}/submit","faults":[{"kind":"500"},{"kind":"reset"},{"kind":"503"}]}' >/dev/null
	run --separate-stderr art-claim --job j_1 --run -- sh -c 'cat >/dev/null; echo "{\"summary\":\"ok\"}"'
	[ "$status" -eq 0 ]
	[ "$(job_state j_1 .state)" = succeeded ]
	[ "$(count_requests POST '^/jobs/j_1/submit$')" -eq 4 ]
	[ "$(requests | jq -rs '[.[] | select(.path == "/jobs/j_1/submit") | .idempotency_key] | unique | length')" -eq 1 ]
}

@test "art-claim --run: Core restarted during a submit: the submit lands once" {
	admin faults '{"route":"POST /jobs/{id}/submit","faults":[{"kind":"crash_after"}]}' >/dev/null
	art-claim --job j_1 --run -- sh -c 'cat >/dev/null; echo "{\"summary\":\"once\"}"' \
		>"$ART_TMP/out" 2>"$ART_TMP/err" &
	pid=$!
	# Core dies in the middle of the submit; bring it back on its port
	wait "$CORE_PID" 2>/dev/null || true
	start_core "$CORE_PORT"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 0 ]
	[ "$(job_state j_1 .state)" = succeeded ]
	[ "$(job_state j_1 .result.summary)" = once ]
	# two submits under one key: the work, then its replay
	[ "$(count_requests POST '^/jobs/j_1/submit$')" -eq 2 ]
	[ "$(requests | jq -rs '[.[] | select(.path == "/jobs/j_1/submit") | .idempotency_key] | unique | length')" -eq 1 ]
	[ "$(requests | jq -rs '[.[] | select(.path == "/jobs/j_1/submit")][1].replayed')" = true ]
}

@test "art-claim --run: a cancel stops the command (TERM) and fails CANCELED" {
	admin config '{"heartbeat_interval_s":1}' >/dev/null
	art-claim --job j_1 --run -- sh -c 'trap "echo term >&2; exit 143" TERM; cat >/dev/null; while :; do sleep 0.1; done' \
		>"$ART_TMP/out" 2>"$ART_TMP/err" &
	pid=$!
	for _ in $(seq 50); do
		[ "$(job_state j_1 .state)" = claimed ] && break
		sleep 0.1
	done
	admin cancel '{"id":"j_1"}' >/dev/null
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 143 ]
	grep -q term "$ART_TMP/err"
	[ "$(job_state j_1 .state)" = canceled ]
	[ "$(jq -r .reason_code "$ART_TMP/out")" = CANCELED ]
}

@test "art-claim --run: a lost lease stops the command; nothing is submitted; exit 4" {
	admin config '{"heartbeat_interval_s":1}' >/dev/null
	art-claim --job j_1 --run -- sh -c 'cat >/dev/null; sleep 30' >"$ART_TMP/out" 2>"$ART_TMP/err" &
	pid=$!
	for _ in $(seq 50); do
		[ "$(job_state j_1 .state)" = claimed ] && break
		sleep 0.1
	done
	admin expire_lease '{"id":"j_1"}' >/dev/null
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 4 ]
	grep -q "lease" "$ART_TMP/err"
	[ "$(count_requests POST '^/jobs/j_1/submit$')" -eq 0 ]
	[ "$(count_requests POST '^/jobs/j_1/fail$')" -eq 0 ]
}

@test "art-claim --run: heartbeats failing past the lease's margin stop the work" {
	admin config '{"heartbeat_interval_s":1,"lease_ttl_s":4}' >/dev/null
	admin faults '{"route":"POST /jobs/{id}/heartbeat","faults":[{"kind":"500"},{"kind":"500"},{"kind":"500"},{"kind":"500"},{"kind":"500"},{"kind":"500"},{"kind":"500"},{"kind":"500"}]}' >/dev/null
	start=$(date +%s)
	run --separate-stderr art-claim --job j_1 --run -- sh -c 'cat >/dev/null; sleep 30'
	[ "$status" -eq 4 ]
	# given up before the lease ran out (4 s), not at the command's end
	[ $(( $(date +%s) - start )) -lt 10 ]
	[ "$(count_requests POST '^/jobs/j_1/submit$')" -eq 0 ]
}

@test "art-claim: a feature turned off stops claims at the next poll" {
	add_job j_2
	run --separate-stderr art-claim --job j_1
	[ "$status" -eq 0 ]
	admin policy '{"effective_feature_enabled":{"jobs.claim":false}}' >/dev/null
	sleep 1.3 # the policy's interval: the next poll may happen
	run --separate-stderr art-claim --job j_2
	[ "$status" -eq 5 ]
	[ "$(count_requests POST '^/jobs/j_2/claim$')" -eq 0 ]
}

@test "art-claim --run: two workers on 50 jobs run every job exactly once" {
	for i in $(seq -w 1 49); do add_job "k_$i"; done
	art-poll --once --scope jobs:backend --limit 100 | grep '"type":"job"' > "$ART_TMP/jobs"
	[ "$(wc -l < "$ART_TMP/jobs")" -eq 50 ]
	worker() {
		while art-claim --run -- sh -c 'cat >/dev/null; echo "$ART_JOB_ID" >> "$0"; echo "{}"' \
			"$ART_TMP/ran" < "$ART_TMP/jobs" >/dev/null 2>>"$ART_TMP/err.$1"; do :; done
	}
	worker a & a=$!
	worker b & b=$!
	wait "$a" "$b"
	[ "$(wc -l < "$ART_TMP/ran")" -eq 50 ]
	[ "$(sort -u "$ART_TMP/ran" | wc -l)" -eq 50 ]
	[ "$(admin state | jq '[.jobs[] | select(.state == "succeeded")] | length')" -eq 50 ]
}

@test "art-claim --run: a command deaf to TERM gets KILL after the grace" {
	admin config '{"heartbeat_interval_s":1}' >/dev/null
	art-claim --grace 1 --job j_1 --run -- sh -c 'trap "" TERM; cat >/dev/null; while :; do sleep 0.1; done' \
		>"$ART_TMP/out" 2>"$ART_TMP/err" &
	pid=$!
	for _ in $(seq 50); do
		[ "$(job_state j_1 .state)" = claimed ] && break
		sleep 0.1
	done
	admin cancel '{"id":"j_1"}' >/dev/null
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 137 ]
	[ "$(job_state j_1 .state)" = canceled ]
	[ "$(jq -r .reason_code "$ART_TMP/out")" = CANCELED ]
}

@test "art-claim: no secret or token in any byte art wrote, nor in /proc" {
	admin config '{"heartbeat_interval_s":1}' >/dev/null
	art-claim -v --job j_1 --run -- sh -c 'cat >/dev/null; sleep 2; echo "{}"' \
		>"$ART_TMP/out" 2>"$ART_TMP/err" &
	pid=$!
	sleep 1
	# the command line and environment of every art process
	: > "$ART_TMP/proc"
	for p in $(pgrep -f 'art-claim|art-poll'); do
		tr '\0' '\n' < "/proc/$p/cmdline" >> "$ART_TMP/proc" 2>/dev/null || true
		tr '\0' '\n' < "/proc/$p/environ" >> "$ART_TMP/proc" 2>/dev/null || true
	done
	wait "$pid"
	art-poll -v --once --scope jobs:backend >>"$ART_TMP/out" 2>>"$ART_TMP/err" || true
	token=$(jq -r '.tokens[] | select(.revoked | not) | .token' "$CORE_DIR/state.json" | tail -1)
	[ -n "$token" ]
	forms=("$CORE_SECRET" "$token")
	for v in "$CORE_SECRET" "$token"; do
		forms+=("$(printf '%s' "$v" | base64 -w0)" "$(printf '%s' "$v" | base64 -w0 | tr '+/' '-_' | tr -d '=')"
			"$(jq -rn --arg v "$v" '$v|@uri')")
	done
	db="$(git rev-parse --git-common-dir)/art/art.db"
	for f in "$ART_TMP/out" "$ART_TMP/err" "$ART_TMP/proc" "$db" "$db-wal" "$XDG_STATE_HOME"/art/*; do
		[ -f "$f" ] || continue
		for v in "${forms[@]}"; do
			if grep -aqF -- "$v" "$f"; then
				echo "found a secret form in $f"
				return 1
			fi
		done
	done
	grep -q '> POST /jobs/j_1/claim' "$ART_TMP/err"
}

@test "art-claim: jobs.claim off is exit 5 and no claim goes out" {
	admin policy '{"effective_feature_enabled":{"jobs.discovery":true,"jobs.claim":false,"jobs.submit":true}}' >/dev/null
	run --separate-stderr art-claim --job j_1
	[ "$status" -eq 5 ]
	[[ "$stderr" == *jobs.claim* ]]
	[ "$(count_requests POST '^/jobs/j_1/claim$')" -eq 0 ]
}

@test "art-claim --run: jobs.submit off: the job is not even claimed" {
	admin policy '{"effective_feature_enabled":{"jobs.submit":false}}' >/dev/null
	run --separate-stderr art-claim --job j_1 --run -- true
	[ "$status" -eq 5 ]
	[[ "$stderr" == *jobs.submit* ]]
	[ "$(count_requests POST '^/jobs/j_1/claim$')" -eq 0 ]
}

@test "art-claim --run: a submit vetoed by a governor hands the job back" {
	mkdir -p .art/governors.d
	cat > .art/governors.d/nosubmit <<-'SH'
	#!/bin/sh
	grep -q '"action":"submit"' && { echo "no submits"; exit 1; }
	exit 0
	SH
	chmod +x .art/governors.d/nosubmit
	run --separate-stderr art-claim --job j_1 --run -- sh -c 'cat >/dev/null; echo "{}"'
	[ "$status" -eq 5 ]
	[[ "$stderr" == *"no submits"* ]]
	[ "$(count_requests POST '^/jobs/j_1/submit$')" -eq 0 ]
	[ "$(job_state j_1 .state)" = queued ]
}

@test "art-claim --run: a process the command left holding its stdout does not hold art-claim" {
	start=$(date +%s)
	run --separate-stderr art-claim --job j_1 --run -- sh -c 'cat >/dev/null; sleep 60 & echo "{\"summary\":\"left one behind\"}"'
	[ "$status" -eq 0 ]
	[ $(( $(date +%s) - start )) -lt 20 ]
	[ "$(job_state j_1 .result.summary)" = "left one behind" ]
	! pgrep -f "sleep 60" >/dev/null || false
}

@test "art-claim --run: the command gets none of the ways to the secret store" {
	run --separate-stderr art-claim --job j_1 --run -- sh -c 'cat >/dev/null; printf "{\"store\":\"%s\",\"key\":\"%s\"}\n" "${ART_STORE:-}" "${ART_STORE_KEY_FILE:-}"'
	[ "$status" -eq 0 ]
	[ "$(job_state j_1 .result.store)" = "" ]
	[ "$(job_state j_1 .result.key)" = "" ]
}

@test "art-claim --run: the command can reach neither the keyring nor art-claim's connections" {
	command -v keyctl >/dev/null || skip "no keyctl"
	run --separate-stderr art-claim --job j_1 --run -- sh -c 'cat >/dev/null
		if keyctl show @u >/dev/null 2>&1; then k=open; else k=shut; fi
		s=$(ls -l /proc/self/fd | grep -c socket)
		printf "{\"keyring\":\"%s\",\"sockets\":%s}\n" "$k" "$s"'
	[ "$status" -eq 0 ]
	[ "$(job_state j_1 .result.keyring)" = shut ]
	[ "$(job_state j_1 .result.sockets)" = 0 ]
}

@test "art-claim: a governor can veto the claim" {
	mkdir -p .art/governors.d
	printf '#!/bin/sh\necho "no claims today"\nexit 1\n' > .art/governors.d/no
	chmod +x .art/governors.d/no
	run --separate-stderr art-claim --job j_1
	[ "$status" -eq 5 ]
	[[ "$stderr" == *"no claims today"* ]]
	[ "$(count_requests POST '^/jobs/j_1/claim$')" -eq 0 ]
}

@test "art-claim --run: events in the repository's log; no token in them" {
	run --separate-stderr art-claim --job j_1 --run -- sh -c 'cat >/dev/null; echo "{}"'
	[ "$status" -eq 0 ]
	run art-log show
	[ "$status" -eq 0 ]
	types=$(printf '%s\n' "$output" | jq -r .type | tr '\n' ' ')
	[[ "$types" == *"art.job.claimed"* ]]
	[[ "$types" == *"art.job.submitted"* ]]
	[ "$(printf '%s\n' "$output" | jq -r 'select(.type == "art.job.claimed") | .subject')" = T1/tom ]
	# one correlation id for the job, unless the pipeline set one
	[ "$(printf '%s\n' "$output" | jq -r 'select(.type | startswith("art.job.")) | .correlationid' | sort -u)" = job-j_1 ]
	! grep -q "$CORE_SECRET" <<<"$output" || false
	! grep -qi bearer <<<"$output" || false
}

@test "art-claim: never calls a move, purge or delete route" {
	art-claim --job j_1 --run -- sh -c 'cat >/dev/null; exit 1' >/dev/null 2>&1 || true
	[ "$(requests | jq -s '[.[] | select(.path | test("move|purge|delete")) ] | length')" -eq 0 ]
	[ "$(requests | jq -s '[.[] | select(.method == "DELETE")] | length')" -eq 0 ]
}

@test "art-claim: usage errors" {
	run art-claim --run
	[ "$status" -eq 2 ]
	run art-claim extra
	[ "$status" -eq 2 ]
	run art-claim --grace -1
	[ "$status" -eq 2 ]
}
