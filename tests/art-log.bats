#!/usr/bin/env bats
# art-log: append to, show, follow, verify and replay the event log.

load helper

setup() {
	setup_repo
	DB="$REPO/.git/art/art.db"
}

teardown() {
	teardown_repo
}

# sql QUERY: run QUERY on the store.
sql() {
	sqlite3 "$DB" "$1"
}

# stored SEQ: the full envelope of event SEQ as the store holds it (the
# stored bytes with "hash" added as the last member).
stored() {
	local body hash
	body=$(sql "SELECT body FROM events WHERE seq = $1")
	hash=$(sql "SELECT hash FROM events WHERE seq = $1")
	printf '%s,"hash":"%s"}' "${body%\}}" "$hash"
}

# note TYPE [SUBJECT]: append one event, quietly.
note() {
	if [ -n "${2:-}" ]; then
		printf '{"type":"%s","subject":"%s","data":{"n":"x"}}\n' "$1" "$2"
	else
		printf '{"type":"%s","data":{"n":"x"}}\n' "$1"
	fi | art-log append >/dev/null
}

@test "append prints the stored envelope; the next one chains to it" {
	run --separate-stderr art-log append <<<'{"type": "art.note", "subject": "T1/tom", "data": { "x" : 1, "s": "héllo", "a": [ 1, 2 ] }, "causationid": "cause-1"}'
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(json '[keys_unsorted[]] | join(",")')" = "specversion,id,source,type,time,subject,seq,prev,correlationid,causationid,data,hash" ]
	[ "$(json .specversion)" = 1.0 ]
	[[ "$(json .id)" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]]
	[ "$(json .source)" = art-log ]
	[ "$(json .type)" = art.note ]
	[[ "$(json .time)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$ ]]
	[ "$(json .subject)" = T1/tom ]
	[ "$(json .seq)" = 1 ]
	# the first event has no predecessor (art(7): null for the first)
	[ "$(json '.prev == null')" = true ]
	[ "$(json .causationid)" = cause-1 ]
	[ "$(json '.data | tojson')" = '{"x":1,"s":"héllo","a":[1,2]}' ]
	[[ "$output" == *'"data":{"x":1,"s":"héllo","a":[1,2]},"hash":'* ]]
	[[ "$(json .hash)" =~ ^[0-9a-f]{64}$ ]]
	# the output is the stored bytes plus the hash, not a re-serialisation
	[ "$output" = "$(stored 1)" ]
	# hash = sha256("art.event.v1\n" + stored bytes)
	[ "$(printf 'art.event.v1\n%s' "$(sql 'SELECT body FROM events WHERE seq = 1')" | sha256sum | cut -d' ' -f1)" = "$(json .hash)" ]
	[ "$(sql "SELECT id || ' ' || type || ' ' || subject FROM events")" = "$(json .id) art.note T1/tom" ]
	first="$output"
	hash1=$(json .hash)

	run --separate-stderr art-log append <<<'{"type":"ci.build.finished"}'
	[ "$status" -eq 0 ]
	[ "$(json .seq)" = 2 ]
	[ "$(json .prev)" = "$hash1" ]
	[ "$(json '.subject == null')" = true ]
	[ "$(json '.causationid == null')" = true ]
	[ "$(json '.data | tojson')" = '{}' ]
	[ "$output" = "$(stored 2)" ]
	second="$output"

	run --separate-stderr art-log show </dev/null
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "$first" ]
	[ "${lines[1]}" = "$second" ]

	run --separate-stderr art-log show --since 1 </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "$second" ]

	run --separate-stderr art-log show --since 2 </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "show --run prints only that run's events, in order" {
	note art.note T1/tom
	note art.note T2/eva
	note art.other
	note art.note T1/tom
	note art.note T1/tomas
	run --separate-stderr art-log show --run T1/tom </dev/null
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "$(stored 1)" ]
	[ "${lines[1]}" = "$(stored 4)" ]
	run --separate-stderr art-log show --run T1/tom --since 1 </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "$(stored 4)" ]
	run --separate-stderr art-log show --run T2/eva </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "$(stored 2)" ]
	run --separate-stderr art-log show --run T9/tom </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "show with no log yet prints nothing" {
	run --separate-stderr art-log show </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "looking at a repository without a log does not create one" {
	run --separate-stderr art-log show </dev/null
	[ "$status" -eq 0 ]
	run --separate-stderr art-log verify </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = '{"ok":true,"events":0,"head":""}' ]
	run --separate-stderr art-log replay --run T1/tom </dev/null
	[ "$status" -eq 3 ]
	[ ! -e "$(git rev-parse --git-common-dir)/art/art.db" ]
}

@test "--pretty indents append and show" {
	run --separate-stderr art-log append --pretty <<<'{"type":"art.note"}'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{' ]
	[ "${lines[1]}" = '  "specversion": "1.0",' ]
	[ "$(json 'tojson')" = "$(stored 1)" ]
	run --separate-stderr art-log show --pretty </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = '  "specversion": "1.0",' ]
	[ "$(json 'tojson')" = "$(stored 1)" ]
}

@test "a batch is one transaction: all its events are stored" {
	run --separate-stderr art-log append <<<'[{"type":"a.one","subject":"T1/tom"},{"type":"a.two"},{"type":"a.three","data":{"k":[1,2]}}]'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(printf '%s\n' "${lines[@]}" | jq -r .type | paste -sd,)" = a.one,a.two,a.three ]
	[ "$(printf '%s\n' "${lines[@]}" | jq -r .seq | paste -sd,)" = 1,2,3 ]
	[ "${lines[0]}" = "$(stored 1)" ]
	[ "${lines[1]}" = "$(stored 2)" ]
	[ "${lines[2]}" = "$(stored 3)" ]
	[ "$(jq -r .prev <<<"${lines[2]}")" = "$(jq -r .hash <<<"${lines[1]}")" ]
	# one command, one correlation id
	[ "$(printf '%s\n' "${lines[@]}" | jq -r .correlationid | sort -u | wc -l)" -eq 1 ]
	[ "$(event_count)" -eq 3 ]
}

@test "an invalid event inside a batch stores none of that line" {
	note art.before
	run --separate-stderr art-log append <<<'[{"type":"a.one"},{"type":"a.two","bogus":1},{"type":"a.three"}]'
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[[ "$stderr" == *"stdin:1[1]"* ]]
	[[ "$stderr" == *'"bogus"'* ]]
	[ "$(event_count)" -eq 1 ]
	# the same with an event that is only refused by the store
	run --separate-stderr art-log append <<<'[{"type":"a.one"},{"type":"a.two","expected_previous_seq":7}]'
	[ "$status" -eq 4 ]
	[ -z "$output" ]
	[ "$(event_count)" -eq 1 ]
	# and with a run transition refused after a legal one of the same line
	run --separate-stderr art-log append <<<'[{"type":"art.run.created","subject":"T1/tom"},{"type":"art.run.closed","subject":"T1/tom"}]'
	[ "$status" -eq 4 ]
	[ -z "$output" ]
	[ "$(event_count)" -eq 1 ]
	[ -z "$(sql "SELECT state FROM runs WHERE subject = 'T1/tom'")" ]
	# the log is still a good chain and goes on from seq 1
	run --separate-stderr art-log append <<<'{"type":"a.after"}'
	[ "$status" -eq 0 ]
	[ "$(json .seq)" = 2 ]
}

@test "malformed JSON on line 3: lines 1-2 are committed, 3-5 are not" {
	run --separate-stderr art-log append <<-'EOF'
	{"type":"l.one"}
	{"type":"l.two"}
	{"type":"l.three",}
	{"type":"l.four"}
	{"type":"l.five"}
	EOF
	[ "$status" -eq 3 ]
	[[ "$stderr" == "art-log: stdin:3:"* ]]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(jq -r .type <<<"${lines[0]}")" = l.one ]
	[ "$(jq -r .type <<<"${lines[1]}")" = l.two ]
	run --separate-stderr art-log show </dev/null
	[ "${#lines[@]}" -eq 2 ]
	[ "$(printf '%s\n' "${lines[@]}" | jq -r .type | paste -sd,)" = l.one,l.two ]
}

@test "blank lines are skipped; a record cut short on the last line names that line" {
	run --separate-stderr art-log append < <(printf '{"type":"l.one"}\n\n   \n{"type":\n')
	[ "$status" -eq 3 ]
	echo "stderr: $stderr"
	[[ "$stderr" == "art-log: stdin:4:"* ]]
	[ "$(event_count)" -eq 1 ]
}

@test "an unknown member is exit 3 and is named" {
	run --separate-stderr art-log append <<<'{"type":"art.note","idempotencyKey":"k1"}'
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[[ "$stderr" == "art-log: stdin:1"* ]]
	[[ "$stderr" == *'"idempotencyKey"'* ]]
	[ "$(event_count)" -eq 0 ]
}

@test "a missing or invalid type is exit 3" {
	long=$(printf 'a%.0s' $(seq 129))
	for ev in '{"data":{}}' '{"type":""}' '{"type":42}' '{"type":null}' '{"type":"1abc"}' \
		'{"type":".note"}' '{"type":"a b"}' '{"type":"a/b"}' '{"type":"tÿpe"}' "{\"type\":\"$long\"}"; do
		run --separate-stderr art-log append <<<"$ev"
		[ "$status" -eq 3 ] || { echo "[$ev] gave $status"; return 1; }
		[ -z "$output" ]
		[[ "$stderr" == *"stdin:1"*'"type"'* ]] || { echo "[$ev]: $stderr"; return 1; }
	done
	[ "$(event_count)" -eq 0 ]
	# the limits themselves are fine
	ok=$(printf 'a%.0s' $(seq 128))
	run --separate-stderr art-log append <<<"{\"type\":\"$ok\"}"
	[ "$status" -eq 0 ]
	run --separate-stderr art-log append <<<'{"type":"A"}'
	[ "$status" -eq 0 ]
	run --separate-stderr art-log append <<<'{"type":"ci.build-2_x.finished"}'
	[ "$status" -eq 0 ]
}

@test "a bad subject is exit 3" {
	for s in '"T1"' '"T1/Tom"' '"../x/tom"' '"T1/"' '"/tom"' '"a..b/tom"' '"T1/tom/x"' '42' '""'; do
		run --separate-stderr art-log append <<<"{\"type\":\"art.note\",\"subject\":$s}"
		[ "$status" -eq 3 ] || { echo "subject [$s] gave $status"; return 1; }
		[[ "$stderr" == *'"subject"'* ]] || { echo "[$s]: $stderr"; return 1; }
	done
	[ "$(event_count)" -eq 0 ]
}

@test "other invalid members and values are exit 3" {
	for ev in '42' '"art.note"' 'null' '[1]' '{"type":"art.note","data":[1]}' '{"type":"art.note","data":"x"}' \
		'{"type":"art.note","causationid":""}' '{"type":"art.note","causationid":7}' \
		'{"type":"art.note","idempotency_key":""}' '{"type":"art.note","idempotency_key":3}' \
		'{"type":"art.note","expected_previous_seq":-1}' '{"type":"art.note","expected_previous_seq":"0"}' \
		'{"type":"art.note","expected_previous_seq":1.5}' '{"type":"art.note","type":"art.note"}' \
		'[]' '[{"type":"art.note"},42]'; do
		run --separate-stderr art-log append <<<"$ev"
		[ "$status" -eq 3 ] || { echo "[$ev] gave $status"; return 1; }
		[ -z "$output" ]
	done
	long=$(printf 'k%.0s' $(seq 257))
	run --separate-stderr art-log append <<<"{\"type\":\"art.note\",\"idempotency_key\":\"$long\"}"
	[ "$status" -eq 3 ]
	[ "$(event_count)" -eq 0 ]
	run --separate-stderr art-log append <<<"{\"type\":\"art.note\",\"idempotency_key\":\"${long:1}\"}"
	[ "$status" -eq 0 ]
}

@test "the same idempotency_key twice stores one event and prints the first both times" {
	run --separate-stderr art-log append <<<'{"type":"art.note","idempotency_key":"job-7","data":{"try":1}}'
	[ "$status" -eq 0 ]
	first="$output"
	[ "$(json .seq)" = 1 ]
	[ "$(json 'has("idempotency_key") or has("expected_previous_seq")')" = false ]
	run --separate-stderr art-log append <<<'{"type":"art.note","idempotency_key":"job-7","data":{"try":1}}'
	[ "$status" -eq 0 ]
	[ "$output" = "$first" ]
	[ "$(event_count)" -eq 1 ]
	# a replay returns the first result, even when the retry differs
	run --separate-stderr art-log append <<<'{"type":"art.other","idempotency_key":"job-7","data":{"try":2}}'
	[ "$status" -eq 0 ]
	[ "$output" = "$first" ]
	[ "$(event_count)" -eq 1 ]
	# within one input, and beside new events
	run --separate-stderr art-log append <<-'EOF'
	{"type":"art.note","idempotency_key":"job-8"}
	{"type":"art.note","idempotency_key":"job-7"}
	{"type":"art.note","idempotency_key":"job-8"}
	EOF
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(jq -r .seq <<<"${lines[0]}")" = 2 ]
	[ "${lines[1]}" = "$first" ]
	[ "${lines[2]}" = "${lines[0]}" ]
	[ "$(event_count)" -eq 2 ]
	[ "$(sql "SELECT idempotency_key FROM events ORDER BY seq" | paste -sd,)" = job-7,job-8 ]
}

@test "a retry of an idempotent append with expected_previous_seq returns the first result" {
	run --separate-stderr art-log append <<<'{"type":"art.note","idempotency_key":"k","expected_previous_seq":0}'
	[ "$status" -eq 0 ]
	first="$output"
	note art.other
	run --separate-stderr art-log append <<<'{"type":"art.note","idempotency_key":"k","expected_previous_seq":0}'
	[ "$status" -eq 0 ]
	[ "$output" = "$first" ]
	[ "$(event_count)" -eq 2 ]
}

@test "a retry of an idempotent run transition succeeds though the state machine would now refuse it" {
	run --separate-stderr art-log append <<<'{"type":"art.run.created","subject":"T1/tom","idempotency_key":"c1"}'
	[ "$status" -eq 0 ]
	first="$output"
	run --separate-stderr art-log append <<<'{"type":"art.run.created","subject":"T1/tom","idempotency_key":"c1"}'
	[ "$status" -eq 0 ]
	[ "$output" = "$first" ]
	[ "$(event_count)" -eq 1 ]
}

@test "expected_previous_seq in a batch counts the batch's events before it" {
	run --separate-stderr art-log append <<<'[{"type":"b.one","expected_previous_seq":0},{"type":"b.two","expected_previous_seq":1}]'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	run --separate-stderr art-log append <<<'[{"type":"b.three","expected_previous_seq":2},{"type":"b.four","expected_previous_seq":2}]'
	[ "$status" -eq 4 ]
	[ -z "$output" ]
	[ "$(event_count)" -eq 2 ]
}

@test "expected_previous_seq: a match is stored, a mismatch is exit 4 and nothing is" {
	run --separate-stderr art-log append <<<'{"type":"art.note","expected_previous_seq":0}'
	[ "$status" -eq 0 ]
	[ "$(json .seq)" = 1 ]
	run --separate-stderr art-log append <<<'{"type":"art.note","expected_previous_seq":1}'
	[ "$status" -eq 0 ]
	[ "$(json .seq)" = 2 ]
	for exp in 1 0 3 99; do
		run --separate-stderr art-log append <<<"{\"type\":\"art.note\",\"expected_previous_seq\":$exp}"
		[ "$status" -eq 4 ] || { echo "expected $exp gave $status"; return 1; }
		[ -z "$output" ]
		[[ "$stderr" == *expected_previous_seq* ]]
	done
	[ "$(event_count)" -eq 2 ]
	# the lines before a mismatch are committed, the ones after it are not
	run --separate-stderr art-log append <<-'EOF'
	{"type":"s.one","expected_previous_seq":2}
	{"type":"s.two","expected_previous_seq":2}
	{"type":"s.three"}
	EOF
	[ "$status" -eq 4 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(json .seq)" = 3 ]
	[ "$(event_count)" -eq 3 ]
}

@test "run events follow the state machine" {
	init_art
	# no run yet: closing it is a conflict
	run --separate-stderr art-log append <<<'{"type":"art.run.closed","subject":"T1/tom"}'
	[ "$status" -eq 4 ]
	[ -z "$output" ]
	[ "$(event_count)" -eq 0 ]
	# a real run: art-start appends art.run.started (state running)
	art-start --agent tom --ticket T1 </dev/null >/dev/null
	[ "$(sql "SELECT state FROM runs WHERE subject = 'T1/tom'")" = running ]
	run --separate-stderr art-log append <<<'{"type":"art.run.started","subject":"T1/tom"}'
	[ "$status" -eq 4 ]
	run --separate-stderr art-log append <<<'{"type":"art.run.created","subject":"T1/tom"}'
	[ "$status" -eq 4 ]
	run --separate-stderr art-log append <<<'{"type":"art.run.bogus","subject":"T1/tom"}'
	[ "$status" -eq 4 ]
	[ "$(event_count)" -eq 1 ]
	# from inside the agent's worktree: the same store
	cd .worktrees/T1/tom
	run --separate-stderr art-log append <<<'{"type":"art.run.closing","subject":"T1/tom"}'
	[ "$status" -eq 0 ]
	[ "$(json .seq)" = 2 ]
	cd "$REPO"
	[ ! -e .worktrees/T1/tom/.git/art ]
	[ "$(sql "SELECT state FROM runs WHERE subject = 'T1/tom'")" = closing ]
	# other types leave the state alone
	run --separate-stderr art-log append <<<'{"type":"art.note","subject":"T1/tom"}'
	[ "$status" -eq 0 ]
	run --separate-stderr art-log append <<<'{"type":"art.run.closed","subject":"T1/tom"}'
	[ "$status" -eq 0 ]
	[ "$(json .seq)" = 4 ]
	[ "$(sql "SELECT state FROM runs WHERE subject = 'T1/tom'")" = closed ]
	# closed is final
	for t in art.run.closed art.run.failed art.run.canceled art.run.closing art.run.started; do
		run --separate-stderr art-log append <<<"{\"type\":\"$t\",\"subject\":\"T1/tom\"}"
		[ "$status" -eq 4 ] || { echo "$t gave $status"; return 1; }
	done
	[ "$(event_count)" -eq 4 ]
	# created -> canceled through art-log alone
	run --separate-stderr art-log append <<<'[{"type":"art.run.created","subject":"T2/tom"},{"type":"art.run.canceled","subject":"T2/tom"}]'
	[ "$status" -eq 0 ]
	[ "$(sql "SELECT state FROM runs WHERE subject = 'T2/tom'")" = canceled ]
	run --separate-stderr art-log verify </dev/null
	[ "$status" -eq 0 ]
}

@test "ART_CORRELATION_ID sets correlationid" {
	ART_CORRELATION_ID=abc run --separate-stderr art-log append <<<'[{"type":"a.one"},{"type":"a.two"}]'
	[ "$status" -eq 0 ]
	[ "$(jq -r .correlationid <<<"${lines[0]}")" = abc ]
	[ "$(jq -r .correlationid <<<"${lines[1]}")" = abc ]
	# without it: one random UUID for the events of one command
	run --separate-stderr art-log append < <(printf '{"type":"a.three"}\n{"type":"a.four"}\n')
	[ "$status" -eq 0 ]
	c1=$(jq -r .correlationid <<<"${lines[0]}")
	[[ "$c1" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]]
	[ "$(jq -r .correlationid <<<"${lines[1]}")" = "$c1" ]
	run --separate-stderr art-log append <<<'{"type":"a.five"}'
	[ "$(json .correlationid)" != "$c1" ]
	[ "$(json .correlationid)" != abc ]
}

@test "a governor's veto is exit 5 and only art.governor.denied is stored" {
	mkdir -p .art/governors.d
	printf '#!/bin/sh\ncat > "%s/action.json"\necho "no logging today"\nexit 1\n' "$ART_TMP" > .art/governors.d/deny
	chmod +x .art/governors.d/deny
	run --separate-stderr art-log append <<<'{"type":"art.note","subject":"T1/tom","data":{"k":1}}'
	[ "$status" -eq 5 ]
	[ -z "$output" ]
	[[ "$stderr" == *"denied by governor .art/governors.d/deny: no logging today"* ]]
	[ "$(jq -r .action "$ART_TMP/action.json")" = log.append ]
	[ "$(jq -cS '.events' "$ART_TMP/action.json")" = '[{"data":{"k":1},"subject":"T1/tom","type":"art.note"}]' ]
	[ "$(event_count)" -eq 1 ]
	[ "$(sql "SELECT type FROM events")" = art.governor.denied ]
	[ "$(sql "SELECT json_extract(body, '$.data.action') || ' ' || json_extract(body, '$.data.reason')  FROM events")" = "log.append no logging today" ]
	[ "$(sql "SELECT json_extract(body, '$.data.governor') FROM events")" = .art/governors.d/deny ]
	# a batch is put to the governors whole
	run --separate-stderr art-log append <<<'[{"type":"a.one"},{"type":"a.two"}]'
	[ "$status" -eq 5 ]
	[ "$(jq -r '[.events[].type] | join(",")' "$ART_TMP/action.json")" = a.one,a.two ]
	[ "$(sql "SELECT type FROM events ORDER BY seq" | paste -sd,)" = art.governor.denied,art.governor.denied ]
	run --separate-stderr art-log verify </dev/null
	[ "$status" -eq 0 ]
}

@test "a veto stops at its line: the lines before it stay committed" {
	mkdir -p .art/governors.d
	printf '#!/bin/sh\nif grep -q bad; then echo "not that one"; exit 1; fi\nexit 0\n' > .art/governors.d/pick
	chmod +x .art/governors.d/pick
	run --separate-stderr art-log append <<-'EOF'
	{"type":"g.good"}
	{"type":"g.bad"}
	{"type":"g.later"}
	EOF
	[ "$status" -eq 5 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(json .type)" = g.good ]
	[ "$(sql "SELECT type FROM events ORDER BY seq" | paste -sd,)" = g.good,art.governor.denied ]
}

@test "empty stdin is nothing to do" {
	run --separate-stderr art-log append </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	run --separate-stderr art-log append < <(printf '\n  \n\t\n')
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(event_count)" -eq 0 ]
}

@test "verify: an intact log and an empty one" {
	run --separate-stderr art-log verify </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = '{"ok":true,"events":0,"head":""}' ]
	note art.one
	note art.two T1/tom
	note art.three
	run --separate-stderr art-log verify </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "{\"ok\":true,\"events\":3,\"head\":\"$(sql 'SELECT hash FROM events WHERE seq = 3')\"}" ]
	run --separate-stderr art-log verify --pretty </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = '  "ok": true,' ]
}

# three events, then the tampering in $1; verify must find seq $2 bad.
tampered() {
	note art.one
	note art.two T1/tom
	note art.three
	sql "$1"
	run --separate-stderr art-log verify </dev/null
	[ "$status" -eq 1 ] || { echo "status $status: $output $stderr"; return 1; }
	[ "$(json .ok)" = false ]
	[ "$(json .bad_seq)" = "$2" ] || { echo "$output"; return 1; }
	[ "$(json '[keys_unsorted[]] | join(",")')" = ok,events,head,bad_seq,why ]
	# events and head describe the intact part before the bad one
	[ "$(json .events)" = "$(($2 - 1))" ]
	if [ "$2" -gt 1 ]; then
		[ "$(json .head)" = "$(sql "SELECT hash FROM events WHERE seq = $(($2 - 1))")" ]
	else
		[ "$(json .head)" = "" ]
	fi
	[ -n "$(json .why)" ]
}

@test "verify finds an edited row" {
	tampered "UPDATE events SET body = replace(body, '\"x\"', '\"y\"') WHERE seq = 2" 2
}

@test "verify finds an edited first row" {
	tampered "UPDATE events SET body = replace(body, '\"x\"', '\"y\"') WHERE seq = 1" 1
}

@test "verify finds an edited hash" {
	tampered "UPDATE events SET hash = replace(hash, substr(hash, 1, 1), 'g') WHERE seq = 2" 2
}

@test "verify finds a deleted row" {
	tampered "DELETE FROM events WHERE seq = 2" 2
}

@test "verify finds two swapped rows" {
	tampered "UPDATE events SET seq = -1 WHERE seq = 2; UPDATE events SET seq = 2 WHERE seq = 3; UPDATE events SET seq = 3 WHERE seq = -1" 2
}

@test "verify reports the first of several bad rows" {
	tampered "UPDATE events SET body = replace(body, '\"x\"', '\"y\"') WHERE seq >= 2" 2
}

@test "verify finds an edit whose hash was recomputed, at the next event" {
	note art.one
	note art.two T1/tom
	note art.three
	body=$(sql "SELECT body FROM events WHERE seq = 2")
	body=${body/'"n":"x"'/'"n":"y"'}
	hash=$(printf 'art.event.v1\n%s' "$body" | sha256sum | cut -d' ' -f1)
	sql "UPDATE events SET body = CAST('$body' AS BLOB), hash = '$hash' WHERE seq = 2"
	run --separate-stderr art-log verify </dev/null
	[ "$status" -eq 1 ]
	[ "$(json .ok)" = false ]
	[ "$(json .bad_seq)" = 3 ]
}

@test "replay prints the run's stored envelopes, the same bytes every time" {
	note art.note T1/tom
	note art.note T2/eva
	run --separate-stderr art-log append <<<'{"type":"art.other","subject":"T1/tom","data":{"z":1,"a":[true,null,1.5,"é"]}}'
	note art.note
	note art.last T1/tom
	art-log replay --run T1/tom </dev/null > "$ART_TMP/r1"
	art-log replay --run T1/tom </dev/null > "$ART_TMP/r2"
	cmp "$ART_TMP/r1" "$ART_TMP/r2"
	printf '%s\n' "$(stored 1)" "$(stored 3)" "$(stored 5)" > "$ART_TMP/expect"
	cmp "$ART_TMP/r1" "$ART_TMP/expect"
	[ "$(sed -n 2p "$ART_TMP/r1")" = "$output" ]
	run --separate-stderr art-log replay --run T2/eva </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "$(stored 2)" ]
}

@test "replay of a run without events is exit 3" {
	note art.note T1/tom
	run --separate-stderr art-log replay --run T9/tom </dev/null
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[[ "$stderr" == "art-log: "* ]]
}

@test "show --follow prints the events appended after it started" {
	note art.before
	art-log show --follow </dev/null > "$ART_TMP/follow" 2>"$ART_TMP/follow.err" 3>&- &
	pid=$!
	run --separate-stderr art-log append <<<'{"type":"art.after","data":{"m":"followed"}}'
	[ "$status" -eq 0 ]
	id=$(json .id)
	for _ in $(seq 50); do
		grep -q "$id" "$ART_TMP/follow" && break
		sleep 0.1
	done
	kill "$pid"
	wait "$pid" || true
	[ "$(wc -l < "$ART_TMP/follow")" -eq 2 ]
	[ "$(sed -n 1p "$ART_TMP/follow")" = "$(stored 1)" ]
	[ "$(sed -n 2p "$ART_TMP/follow")" = "$output" ]
}

@test "show --follow --run --since filter what they follow" {
	note art.one T1/tom
	note art.two T1/tom
	art-log show --follow --run T1/tom --since 1 </dev/null > "$ART_TMP/follow" 2>/dev/null 3>&- &
	pid=$!
	note art.three T2/eva
	note art.four T1/tom
	for _ in $(seq 50); do
		grep -q art.four "$ART_TMP/follow" && break
		sleep 0.1
	done
	kill "$pid"
	wait "$pid" || true
	[ "$(jq -r .type "$ART_TMP/follow" | paste -sd,)" = art.two,art.four ]
}

@test "show --follow ends with exit 0 when its reader goes away" {
	note art.one
	( sh -c 'echo $$ > "$1"; exec art-log show --follow' sh "$ART_TMP/pid" </dev/null 2>"$ART_TMP/follow.err" | head -n 1 > "$ART_TMP/head"; echo "${PIPESTATUS[0]}" > "$ART_TMP/rc" ) 3>&- &
	sub=$!
	# keep appending until the follower notices that nobody reads
	for _ in $(seq 50); do
		[ -s "$ART_TMP/rc" ] && break
		note art.more
		sleep 0.1
	done
	if [ ! -s "$ART_TMP/rc" ]; then
		kill "$(cat "$ART_TMP/pid")" || true
		wait "$sub" || true
		echo "the follower did not stop"
		return 1
	fi
	wait "$sub"
	[ "$(cat "$ART_TMP/head")" = "$(stored 1)" ]
	cat "$ART_TMP/follow.err"
	[ "$(cat "$ART_TMP/rc")" -eq 0 ]
}

@test "append streams: each line is acknowledged before the next one arrives" {
	mkfifo "$ART_TMP/in"
	art-log append < "$ART_TMP/in" > "$ART_TMP/out" 2>"$ART_TMP/err" 3>&- &
	pid=$!
	exec 4> "$ART_TMP/in"
	echo '{"type":"s.one"}' >&4
	for _ in $(seq 50); do
		[ -s "$ART_TMP/out" ] && break
		sleep 0.1
	done
	[ "$(jq -r .type "$ART_TMP/out")" = s.one ]
	[ "$(event_count)" -eq 1 ]
	echo '[{"type":"s.two"},{"type":"s.three"}]' >&4
	for _ in $(seq 50); do
		[ "$(wc -l < "$ART_TMP/out")" -eq 3 ] && break
		sleep 0.1
	done
	[ "$(jq -r .type "$ART_TMP/out" | paste -sd,)" = s.one,s.two,s.three ]
	exec 4>&-
	rc=0; wait "$pid" || rc=$?
	[ "$rc" -eq 0 ]
	[ "$(event_count)" -eq 3 ]
}

@test "a store that is not a database is exit 7" {
	mkdir -p .git/art
	printf 'this is not an SQLite database, not at all, no: just text\n%.0s' $(seq 100) > .git/art/art.db
	run --separate-stderr art-log append <<<'{"type":"art.note"}'
	[ "$status" -eq 7 ]
	[ -z "$output" ]
	[[ "$stderr" == "art-log: "* ]]
	run --separate-stderr art-log show </dev/null
	[ "$status" -eq 7 ]
	run --separate-stderr art-log verify </dev/null
	[ "$status" -eq 7 ]
}

@test "two concurrent appenders of 1000 events each: one gapless chain" {
	note art.before
	for w in a b; do
		seq 1 1000 | awk -v w=$w '{ printf "{\"type\":\"load.%s\",\"data\":{\"i\":%d}}\n", w, $1 }' > "$ART_TMP/in.$w"
	done
	art-log append < "$ART_TMP/in.a" > "$ART_TMP/out.a" 2>"$ART_TMP/err.a" 3>&- &
	pa=$!
	art-log append < "$ART_TMP/in.b" > "$ART_TMP/out.b" 2>"$ART_TMP/err.b" 3>&- &
	pb=$!
	rca=0; wait "$pa" || rca=$?
	rcb=0; wait "$pb" || rcb=$?
	cat "$ART_TMP/err.a" "$ART_TMP/err.b"
	[ "$rca" -eq 0 ]
	[ "$rcb" -eq 0 ]
	[ "$(wc -l < "$ART_TMP/out.a")" -eq 1000 ]
	[ "$(wc -l < "$ART_TMP/out.b")" -eq 1000 ]
	run --separate-stderr art-log verify </dev/null
	[ "$status" -eq 0 ]
	[ "$(json .ok)" = true ]
	[ "$(json .events)" = 2001 ]
	[ "$(json .head)" = "$(sql 'SELECT hash FROM events WHERE seq = 2001')" ]
	[ "$(sql "SELECT count(*) || ' ' || count(DISTINCT seq) || ' ' || min(seq) || ' ' || max(seq) FROM events")" = "2001 2001 1 2001" ]
	[ "$(sql "SELECT count(*) FROM events WHERE type = 'load.a'")" -eq 1000 ]
	[ "$(sql "SELECT count(*) FROM events WHERE type = 'load.b'")" -eq 1000 ]
	# each appender's events are in its input order, and its output is what was stored
	[ "$(jq -r .data.i "$ART_TMP/out.a" | paste -sd,)" = "$(seq 1 1000 | paste -sd,)" ]
	[ "$(sql "SELECT json_extract(body, '$.data.i') FROM events WHERE type = 'load.b' ORDER BY seq" | paste -sd,)" = "$(seq 1 1000 | paste -sd,)" ]
	art-log show --since 1 </dev/null | sort > "$ART_TMP/all"
	sort "$ART_TMP/out.a" "$ART_TMP/out.b" | cmp - "$ART_TMP/all"
}

@test "kill -9 at random times: every acknowledged event is in the store" {
	skip_under_valgrind "every kill (within 0.3 s) comes before art-log has started there"
	for k in $(seq 50); do
		art-log append < <(exec 3>&-; for i in $(seq 40); do printf '{"type":"dur.ev","data":{"k":%d,"i":%d}}\n' "$k" "$i" || exit 0; sleep 0.01; done 2>/dev/null) \
			> "$ART_TMP/ack.$k" 2>/dev/null 3>&- &
		pid=$!
		sleep "0.$((RANDOM % 3))$RANDOM"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	run --separate-stderr art-log verify </dev/null
	[ "$status" -eq 0 ] || { echo "$output $stderr"; return 1; }
	[ "$(json .ok)" = true ]
	n=$(json .events)
	[ "$(sql "SELECT count(*) || ' ' || max(seq) FROM events")" = "$n $n" ]
	art-log show </dev/null > "$ART_TMP/store"
	# an acknowledgement is a complete line of output; each must be stored as printed
	acked=0
	for k in $(seq 50); do
		while IFS= read -r line; do
			acked=$((acked + 1))
			grep -qxF -- "$line" "$ART_TMP/store" || { echo "lost: $line"; return 1; }
		done < "$ART_TMP/ack.$k"
	done
	echo "acknowledged $acked of $n stored"
	[ "$acked" -gt 0 ]
	[ "$acked" -le "$n" ]
	# nothing stored twice
	[ "$(jq -r '"\(.data.k)/\(.data.i)"' "$ART_TMP/store" | sort | uniq -d | wc -l)" -eq 0 ]
}

@test "a line over 16 MiB is exit 3" {
	{ printf '{"type":"art.big","data":{"s":"'; head -c 17000000 /dev/zero | tr '\0' a; printf '"}}\n'; } > "$ART_TMP/big"
	run --separate-stderr art-log append < "$ART_TMP/big"
	[ "$status" -eq 3 ]
	[[ "$stderr" == "art-log: stdin:1"* ]]
	[ "$(event_count)" -eq 0 ]
}

@test "outside a git repository or in a bare one is exit 3" {
	mkdir "$ART_TMP/plain"
	cd "$ART_TMP/plain"
	run --separate-stderr art-log show </dev/null
	[ "$status" -eq 3 ]
	git clone -q --bare "$REPO" "$ART_TMP/bare.git"
	cd "$ART_TMP/bare.git"
	run --separate-stderr art-log append <<<'{"type":"art.note"}'
	[ "$status" -eq 3 ]
	[ ! -e "$ART_TMP/bare.git/art" ]
}

@test "a lost write to stdout is exit 7" {
	run --separate-stderr bash -c 'art-log append <<<"{\"type\":\"art.note\"}" >&-'
	[ "$status" -eq 7 ]
	[[ "$stderr" == *"standard output"* ]]
}

@test "usage errors are exit 2; --help is usage on stdout" {
	run --separate-stderr art-log </dev/null
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == *"usage: art-log"* ]]
	run --separate-stderr art-log bogus </dev/null
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"usage: art-log"* ]]
	run --separate-stderr art-log show --bogus </dev/null
	[ "$status" -eq 2 ]
	run --separate-stderr art-log --bogus </dev/null
	[ "$status" -eq 2 ]
	run --separate-stderr art-log replay </dev/null
	[ "$status" -eq 2 ]
	run --separate-stderr art-log verify extra </dev/null
	[ "$status" -eq 2 ]
	for bad in "--since x" "--since -1" "--since 1x" "--run T1" "--run T1/Tom" "--run ../x/tom"; do
		run --separate-stderr art-log show $bad </dev/null
		[ "$status" -eq 2 ] || { echo "show $bad gave $status"; return 1; }
	done
	run --separate-stderr art-log replay --run T1 </dev/null
	[ "$status" -eq 2 ]
	[ "$(event_count)" -eq 0 ]
	run --separate-stderr art-log --help
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: art-log"* ]]
	run --separate-stderr art-log -h
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: art-log"* ]]
	for sub in append show verify replay; do
		for h in -h --help; do
			run --separate-stderr art-log $sub $h </dev/null
			[ "$status" -eq 0 ] || { echo "$sub $h gave $status"; return 1; }
			[[ "$output" == "usage: art-log"* ]]
		done
	done
	run --separate-stderr art-log append extra </dev/null
	[ "$status" -eq 2 ]
	run --separate-stderr art-log append --since 1 </dev/null
	[ "$status" -eq 2 ]
	run --separate-stderr art-log verify --run T1/tom </dev/null
	[ "$status" -eq 2 ]
	run --separate-stderr art-log replay --run T1/tom --follow </dev/null
	[ "$status" -eq 2 ]
	[ "$(event_count)" -eq 0 ]
}

@test "replay takes no --pretty (exit 2): its output is the stored bytes" {
	note art.note T1/tom
	run --separate-stderr art-log replay --run T1/tom --pretty </dev/null
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == *"usage: art-log"* ]]
}
