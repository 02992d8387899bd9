#!/usr/bin/env bats
# art-poll: Core's timing rules, across restarts; strict policy; hints.

load core_helper

setup() {
	setup_core
	login_client
}
teardown() { teardown_core; }

# The schedule art-poll keeps, for one route.
sched() { # sched ROUTE FIELD
	art-poll --schedule --scope jobs:backend | jq -r ".routes[\"$1\"].$2"
}

@test "art-poll --once: the policy, then the jobs, one line each" {
	add_job j_1
	add_job j_2
	run --separate-stderr art-poll --once --scope jobs:backend
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(jq -r .type <<<"${lines[0]}")" = policy ]
	[ "$(jq -r '.effective_feature_enabled["jobs.discovery"]' <<<"${lines[0]}")" = true ]
	[ "$(jq -r .type <<<"${lines[1]}")" = job ]
	[ "$(jq -r .id <<<"${lines[1]}")" = j_1 ]
	[ "$(jq -r .payload.agent <<<"${lines[1]}")" = tom ]
	[ "$(jq -r .id <<<"${lines[2]}")" = j_2 ]
	[ "$(jq -r .state <<<"${lines[2]}")" = queued ]
}

@test "art-poll --once: without --scope, the scopes Core granted the token" {
	add_job j_1
	run --separate-stderr art-poll --once
	[ "$status" -eq 0 ]
	[ "$(requests | jq -rs '[.[] | select(.path == "/jobs")][0].query.scope')" = jobs:backend ]
	grep -q '"id":"j_1"' <<<"$output"
}

@test "art-poll --once: never polls early, even from a new process" {
	admin config '{"poll_interval_s":30}' >/dev/null
	admin policy '{"poll_interval_s":30}' >/dev/null
	art-poll --once --scope jobs:backend >/dev/null
	[ "$(count_requests GET '^/jobs$')" -eq 1 ]
	# a cron minute later, as far as the process knows: nothing is due
	run --separate-stderr art-poll --once --scope jobs:backend
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(count_requests GET '^/jobs$')" -eq 1 ]
	[ "$(count_requests GET '^/policy$')" -eq 1 ]
	# next poll: the interval plus 0-20 %, and not before Core's word
	last=$(requests | jq -s '[.[] | select(.path == "/jobs")][-1].t * 1000 | floor')
	next=$(sched 'jobs?scope=jobs:backend' next_poll_ms)
	[ "$next" -ge $((last + 30000 - 50)) ]
	[ "$next" -le $((last + 36000 + 1000)) ]
	[ "$(requests | jq -s '[.[] | select(.early)] | length')" -eq 0 ]
}

@test "art-poll --once: five runs in a row never poll early" {
	skip_under_valgrind "a timing of 0.4 s steps, shorter than the start of a process there"
	admin config '{"poll_interval_s":1}' >/dev/null
	for i in 1 2 3 4 5; do
		art-poll --once --scope jobs:backend >/dev/null
		sleep 0.4
	done
	# 2 s of runs at 1 s intervals: two or three polls, none early
	n=$(count_requests GET '^/jobs$')
	[ "$n" -ge 2 ] && [ "$n" -le 3 ]
	gaps=$(requests | jq -s '[.[] | select(.path == "/jobs") | .t] | [range(1; length) as $i | .[$i] - .[$i-1]]')
	[ "$(jq 'all(. >= 0.99)' <<<"$gaps")" = true ]
	[ "$(requests | jq -s '[.[] | select(.early)] | length')" -eq 0 ]
}

@test "art-poll: two clients failing together do not retry in lock-step" {
	other="$ART_TMP/other-state"
	XDG_STATE_HOME=$other art-auth client --client-id c-42 --secret-file "$ART_TMP/secret" >/dev/null
	art-poll --once --scope jobs:backend >/dev/null
	XDG_STATE_HOME=$other art-poll --once --scope jobs:backend >/dev/null 2>&1 || true
	# three failures each: each delay is drawn from [0, 4 s]
	for i in 1 2 3; do
		admin faults '{"route":"GET /jobs","faults":[{"kind":"500"},{"kind":"500"}]}' >/dev/null
		for st in "$XDG_STATE_HOME" "$other"; do
			sqlite3 "$st/art/client.db" "UPDATE schedule SET not_before_ms = 0 WHERE route LIKE 'jobs%'"
			XDG_STATE_HOME=$st art-poll --once --scope jobs:backend >/dev/null 2>&1 || true
		done
	done
	a=$(art-poll --schedule --scope jobs:backend | jq '.routes["jobs?scope=jobs:backend"].next_poll_ms')
	b=$(XDG_STATE_HOME=$other art-poll --schedule --scope jobs:backend | jq '.routes["jobs?scope=jobs:backend"].next_poll_ms')
	[ "$(art-poll --schedule --scope jobs:backend | jq '.routes["jobs?scope=jobs:backend"].failures')" -eq 3 ]
	[ "$a" != "$b" ]
}

@test "art-poll: a continuous poller keeps the interval plus jitter" {
	skip_under_valgrind "a timing: three polls in the 4.5 s from the start, which takes seconds there"
	add_job j_1
	art-poll --scope jobs:backend >"$ART_TMP/out" 2>"$ART_TMP/err" &
	pid=$!
	sleep 4.5
	kill -TERM "$pid"
	wait "$pid" || true
	# poll_interval_s is 1: at least 1 s apart, at most 1.2 s plus slack
	gaps=$(requests | jq -s '[.[] | select(.path == "/jobs") | .t] | [range(1; length) as $i | .[$i] - .[$i-1]]')
	[ "$(jq length <<<"$gaps")" -ge 2 ]
	[ "$(jq 'all(. >= 0.99)' <<<"$gaps")" = true ]
	[ "$(jq 'all(. <= 1.45)' <<<"$gaps")" = true ]
	[ "$(requests | jq -s '[.[] | select(.early)] | length')" -eq 0 ]
	grep -q '"id":"j_1"' "$ART_TMP/out"
}

@test "art-poll: SLOW_DOWN sets max(body, Retry-After, old + 5 s)" {
	skip_under_valgrind "a timing: the next poll measured from after art-poll ended, which takes seconds there"
	art-poll --once --scope jobs:backend >/dev/null
	[ "$(sched 'jobs?scope=jobs:backend' interval_s)" = 1 ]
	admin faults '{"route":"GET /jobs","faults":[{"kind":"slow_down","retry_after_s":3,"poll_interval_s":4}]}' >/dev/null
	sleep 1.3
	run --separate-stderr art-poll --once --scope jobs:backend
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"slow down"* ]]
	# old 1 + 5 = 6 beats 4 and 3
	[ "$(sched 'jobs?scope=jobs:backend' interval_s)" = 6 ]
	[ "$(sched 'jobs?scope=jobs:backend' slowed)" = true ]
	now=$(date +%s%3N)
	next=$(sched 'jobs?scope=jobs:backend' next_poll_ms)
	[ "$next" -ge $((now + 5000)) ]
	admin faults '{"route":"GET /jobs","faults":[{"kind":"slow_down","retry_after_s":20,"poll_interval_s":4}]}' >/dev/null
	sqlite3 "$XDG_STATE_HOME/art/client.db" "UPDATE schedule SET not_before_ms = 0"
	art-poll --once --scope jobs:backend >/dev/null 2>&1 || true
	[ "$(sched 'jobs?scope=jobs:backend' interval_s)" = 20 ]
}

@test "art-poll: TOO_MANY_ATTEMPTS: nothing before retry_after_s" {
	admin faults '{"route":"GET /jobs","faults":[{"kind":"too_many","retry_after_s":40}]}' >/dev/null
	run --separate-stderr art-poll --once --scope jobs:backend
	[ "$status" -eq 6 ]
	now=$(date +%s%3N)
	next=$(sched 'jobs?scope=jobs:backend' next_poll_ms)
	[ "$next" -ge $((now + 38000)) ]
	# even with the schedule cleared, the route stays closed
	sqlite3 "$XDG_STATE_HOME/art/client.db" "UPDATE schedule SET not_before_ms = 0 WHERE route LIKE 'jobs%'"
	run --separate-stderr art-poll --once --scope jobs:backend
	[ "$status" -eq 6 ]
	[ "$(count_requests GET '^/jobs$')" -eq 1 ]
}

@test "art-poll: 500, reset, not JSON: full-jitter backoff, exit 6" {
	# the policy stays fresh: each run below makes one request, /jobs
	admin policy '{"poll_interval_s":30}' >/dev/null
	art-poll --once --scope jobs:backend >/dev/null
	for kind in 500 reset not_json 429_nocode; do
		admin faults "{\"route\":\"GET /jobs\",\"faults\":[{\"kind\":\"$kind\"}]}" >/dev/null
		sqlite3 "$XDG_STATE_HOME/art/client.db" "UPDATE schedule SET not_before_ms = 0 WHERE route LIKE 'jobs%'"
		run --separate-stderr art-poll --once --scope jobs:backend
		[ "$status" -eq 6 ] || { echo "$kind: $status $stderr"; false; }
	done
	# four failures in a row: the delay stays within the 60 s cap
	[ "$(sched 'jobs?scope=jobs:backend' failures)" -eq 4 ]
	now=$(date +%s%3N)
	[ "$(sched 'jobs?scope=jobs:backend' next_poll_ms)" -le $((now + 60000)) ]
	# the next 200 clears the failures
	sqlite3 "$XDG_STATE_HOME/art/client.db" "UPDATE schedule SET not_before_ms = 0 WHERE route LIKE 'jobs%'"
	run art-poll --once --scope jobs:backend
	[ "$status" -eq 0 ]
	[ "$(sched 'jobs?scope=jobs:backend' failures)" -eq 0 ]
}

@test "art-poll: a stalled body is given up, not waited for" {
	art-poll --once --scope jobs:backend >/dev/null
	sqlite3 "$XDG_STATE_HOME/art/client.db" "UPDATE schedule SET not_before_ms = 0"
	admin faults '{"route":"GET /jobs","faults":[{"kind":"stall","seconds":20}]}' >/dev/null
	start=$(date +%s)
	ART_CORE_STALL_S=1 run --separate-stderr art-poll --once --scope jobs:backend
	[ "$status" -eq 6 ] || { echo "status $status: $stderr"; false; }
	[ $(( $(date +%s) - start )) -lt 10 ]
}

@test "art-poll: jobs.discovery off (or absent) is exit 5, and /jobs is not called" {
	admin policy '{"effective_feature_enabled":{"jobs.discovery":false,"jobs.claim":true,"jobs.submit":true,"push.hints":false}}' >/dev/null
	run --separate-stderr art-poll --once --scope jobs:backend
	[ "$status" -eq 5 ]
	[[ "$stderr" == *jobs.discovery* ]]
	[ "$(count_requests GET '^/jobs$')" -eq 0 ]
	admin policy '{"effective_feature_enabled":{"jobs.discovery":null}}' >/dev/null
	sqlite3 "$XDG_STATE_HOME/art/client.db" "UPDATE schedule SET not_before_ms = 0"
	run --separate-stderr art-poll --once --scope jobs:backend
	[ "$status" -eq 5 ]
	[ "$(count_requests GET '^/jobs$')" -eq 0 ]
}

@test "art-poll: the policy is asked with its ETag; 304 prints nothing" {
	art-poll --once --scope jobs:backend >/dev/null
	sqlite3 "$XDG_STATE_HOME/art/client.db" "UPDATE schedule SET not_before_ms = 0"
	run --separate-stderr art-poll --once --scope jobs:backend
	[ "$status" -eq 0 ]
	[ "$(requests | jq -rs '[.[] | select(.path == "/policy")][1].if_none_match')" = '"p-1"' ]
	[ "$(requests | jq -rs '[.[] | select(.path == "/policy")][1].status')" = 304 ]
	! grep -q '"type":"policy"' <<<"$output" || false
}

@test "art-poll: a 401 mints one new token and retries once" {
	art-poll --once --scope jobs:backend >/dev/null
	admin revoke_tokens '{}' >/dev/null
	sqlite3 "$XDG_STATE_HOME/art/client.db" "UPDATE schedule SET not_before_ms = 0"
	run --separate-stderr art-poll --once --scope jobs:backend
	[ "$status" -eq 0 ]
	[ "$(count_requests POST '^/auth/clients/token$')" -eq 2 ]
}

@test "art-poll: ten processes after a revocation mint exactly one token" {
	art-poll --once --scope jobs:backend >/dev/null
	admin revoke_tokens '{}' >/dev/null
	sqlite3 "$XDG_STATE_HOME/art/client.db" "UPDATE schedule SET not_before_ms = 0"
	pids=()
	for i in $(seq 10); do
		art-poll --once --scope jobs:backend >/dev/null 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	[ "$(count_requests POST '^/auth/clients/token$')" -eq 2 ]
}

@test "art-poll: a renewal at 75 % of the token's life" {
	admin config '{"token_ttl_s":4}' >/dev/null
	art-auth client --client-id c-42 --secret-file "$ART_TMP/secret" >/dev/null
	[ "$(count_requests POST '^/auth/clients/token$')" -eq 2 ]
	sleep 3.2
	run art-poll --once --scope jobs:backend
	[ "$status" -eq 0 ]
	[ "$(count_requests POST '^/auth/clients/token$')" -eq 3 ]
	# and no request went out with an expired token
	[ "$(requests | jq -s '[.[] | select(.authorization == "expired")] | length')" -eq 0 ]
}

@test "art-poll: a redirect to another origin loses the token" {
	admin faults '{"route":"GET /policy","faults":[{"kind":"redirect_other"}]}' >/dev/null
	run --separate-stderr art-poll --once --scope jobs:backend
	[ "$(requests | jq -rs '[.[] | select(.origin == "other")] | length')" -eq 1 ]
	[ "$(requests | jq -rs '[.[] | select(.origin == "other")][0].authorization')" = none ]
}

@test "art-poll: Core restarting between polls keeps the job loop going" {
	add_job j_1
	art-poll --once --scope jobs:backend >/dev/null
	admin exit '{}' >/dev/null || true
	wait "$CORE_PID" 2>/dev/null || true
	start_core "$CORE_PORT"
	sqlite3 "$XDG_STATE_HOME/art/client.db" "UPDATE schedule SET not_before_ms = 0"
	run --separate-stderr art-poll --once --scope jobs:backend
	[ "$status" -eq 0 ]
	grep -q '"id":"j_1"' <<<"$output"
}

@test "art-poll --hints FIFO: refused hints are counted, never printed" {
	admin policy '{"poll_interval_s":1,"effective_feature_enabled":{"jobs.discovery":true,"jobs.claim":true,"jobs.submit":true,"push.hints":true}}' >/dev/null
	mkfifo "$ART_TMP/hints"
	art-poll -v --scope jobs:backend --hints "$ART_TMP/hints" >"$ART_TMP/out" 2>"$ART_TMP/err" &
	pid=$!
	sleep 1.5
	now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	{
		echo "{\"hint_id\":\"h-1\",\"topic\":\"jobs\",\"issued_at\":\"$now\",\"ttl_s\":30}"
		echo "{\"hint_id\":\"h-1\",\"topic\":\"jobs\",\"issued_at\":\"$now\",\"ttl_s\":30}"
		echo "{\"hint_id\":\"h-2\",\"topic\":\"jobs\",\"issued_at\":\"$now\",\"ttl_s\":30,\"token\":\"tok-sensitive-value-123\"}"
		echo "{\"hint_id\":\"h-3\",\"topic\":\"jobs\",\"issued_at\":\"2020-01-01T00:00:00Z\",\"ttl_s\":30}"
		echo "{\"hint_id\":\"h-4\",\"topic\":\"jobs\",\"issued_at\":\"2099-01-01T00:00:00Z\",\"ttl_s\":30}"
		echo "not json at all"
	} > "$ART_TMP/hints"
	sleep 1.5
	kill -TERM "$pid"
	wait "$pid" || true
	! grep -q tok-sensitive-value-123 "$ART_TMP/err" "$ART_TMP/out" || false
	run art-poll --schedule --scope jobs:backend
	[ "$(json '.hints.duplicate')" -eq 1 ]
	[ "$(json '.hints.sensitive')" -eq 1 ]
	[ "$(json '.hints.expired')" -eq 1 ]
	[ "$(json '.hints.malformed')" -eq 1 ]
	[ "$(json '.hints.future')" -eq 1 ]
	[ "$(json '.hints.accepted')" -eq 1 ]
	[ "$(requests | jq -s '[.[] | select(.early)] | length')" -eq 0 ]
}

@test "art-poll --hints sse: a hint from Core's stream moves the poll, never before its time" {
	admin config '{"poll_interval_s":3}' >/dev/null
	admin policy '{"poll_interval_s":3,"effective_feature_enabled":{"jobs.discovery":true,"jobs.claim":true,"jobs.submit":true,"push.hints":true}}' >/dev/null
	art-poll --scope jobs:backend --hints sse >"$ART_TMP/out" 2>"$ART_TMP/err" &
	pid=$!
	for _ in $(seq 50); do
		[ "$(count_requests GET '^/hints$')" -ge 1 ] && break
		sleep 0.1
	done
	now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	admin hint "{\"raw\":{\"hint_id\":\"h-9\",\"topic\":\"jobs\",\"issued_at\":\"$now\",\"ttl_s\":30}}" >/dev/null
	sleep 4
	kill -TERM "$pid"
	wait "$pid" || true
	[ "$(count_requests GET '^/hints$')" -ge 1 ]
	[ "$(count_requests GET '^/jobs$')" -ge 2 ]
	[ "$(requests | jq -s '[.[] | select(.early)] | length')" -eq 0 ]
	run art-poll --schedule --scope jobs:backend
	[ "$(json '.hints.accepted')" -ge 1 ]
}

@test "art-poll: usage errors" {
	run art-poll --once --hints sse
	[ "$status" -eq 2 ]
	run art-poll --limit 0
	[ "$status" -eq 2 ]
	run art-poll extra
	[ "$status" -eq 2 ]
	run art-poll --bogus
	[ "$status" -eq 2 ]
}
