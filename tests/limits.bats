#!/usr/bin/env bats
# The limits that protect the host from bad input (art(7), LIMITS): each
# accepted at the limit, refused one byte or one pattern over it, with
# the status and the message art(7) gives.

load helper

setup() {
	setup_repo
	init_art
	FAKE_PID=
}

teardown() {
	[ -z "$FAKE_PID" ] || { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; } || true
	teardown_repo
}

MiB=$((1 << 20))

# fill FILE SIZE PREFIX SUFFIX: PREFIX, "a" repeated, then SUFFIX: SIZE
# bytes in all (PREFIX and SUFFIX are ASCII).
fill() {
	local n=$(($2 - ${#3} - ${#4}))
	[ "$n" -ge 0 ]
	{ printf '%s' "$3"; head -c "$n" /dev/zero | tr '\0' a; printf '%s' "$4"; } >"$1"
	[ "$(wc -c <"$1")" -eq "$2" ]
}

# A run T1/tom of the default profile (src/** in scope); cwd its worktree.
start_run() {
	art-start --agent tom --ticket T1 </dev/null >/dev/null
	WT="$REPO/.worktrees/T1/tom"
	cd "$WT"
}

# ----------------------------------------------------------------- JSON input

@test "stdin: a JSON object of 16 MiB names the run; one byte more is exit 3" {
	start_run
	fill "$ART_TMP/in" $((16 * MiB)) '{"agent":"tom","ticket":"T1","pad":"' '"}'
	run --separate-stderr art-prompt -r <"$ART_TMP/in"
	[ "$status" -eq 0 ]
	[[ "$output" == *T1* ]]
	fill "$ART_TMP/in" $((16 * MiB + 1)) '{"agent":"tom","ticket":"T1","pad":"' '"}'
	run --separate-stderr art-prompt -r <"$ART_TMP/in"
	[ "$status" -eq 3 ]
	[ "$stderr" = "art-prompt: stdin: larger than the 16777216-byte limit" ]
	[ -z "$output" ]
}

# batch FILE SIZE EOL: one NDJSON line of SIZE bytes before its line end
# EOL ("lf" or "crlf"), an array of 17 events of under 1 MiB each.
batch() {
	python3 - "$@" <<'PY'
import sys
path, size, eol = sys.argv[1], int(sys.argv[2]), sys.argv[3]
n, head, tail = 17, '{"type":"limits.batch","data":{"s":"', '"}}'
each, extra = divmod(size - (2 + (n - 1) + n * (len(head) + len(tail))), n)
line = "[" + ",".join(head + "a" * (each + (i < extra)) + tail for i in range(n)) + "]"
assert len(line) == size
open(path, "w").write(line + ("\r\n" if eol == "crlf" else "\n"))
PY
}

@test "stdin: an NDJSON record of 16 MiB is taken, with LF or CRLF; one byte more is exit 3" {
	batch "$ART_TMP/in" $((16 * MiB)) lf
	run --separate-stderr art-log append <"$ART_TMP/in"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 17 ]
	batch "$ART_TMP/in" $((16 * MiB)) crlf
	run --separate-stderr art-log append <"$ART_TMP/in"
	[ "$status" -eq 0 ]
	[ "$(event_count)" -eq 34 ]
	batch "$ART_TMP/in" $((16 * MiB + 1)) lf
	run --separate-stderr art-log append <"$ART_TMP/in"
	[ "$status" -eq 3 ]
	[ "$stderr" = "art-log: stdin:1: record larger than the 16777216-byte limit" ]
	[ -z "$output" ]
	[ "$(event_count)" -eq 34 ]
}

@test "stdin: a line without end is refused once over the limit, not read whole" {
	head -c $((64 * MiB)) /dev/zero | tr '\0' a >"$ART_TMP/line"
	exec 5<"$ART_TMP/line"
	run --separate-stderr art-log append <&5
	# how far art-log read: the offset of the file description it shared
	pos=$(awk '$1 == "pos:" { print $2 }' "/proc/$$/fdinfo/5")
	exec 5<&-
	[ "$status" -eq 3 ]
	[ "$stderr" = "art-log: stdin:1: record larger than the 16777216-byte limit" ]
	[ "$pos" -le $((17 * MiB)) ]
	[ "$(event_count)" -eq 0 ]
}

# ----------------------------------------------------------------- events

@test "an event of 1 MiB as stored is appended; one byte more is exit 3 and stores nothing" {
	export ART_CORRELATION_ID=limits
	art-log append <<<'{"type":"limits.one","data":{"s":""}}' >/dev/null
	db="$(git rev-parse --git-common-dir)/art/art.db"
	first=$(sqlite3 "$db" "SELECT length(body) FROM events WHERE seq = 1")
	# the next ones have a prev of 64 hexadecimal digits where the first
	# has null: 62 bytes more, and then as many as the string holds
	k=$((MiB - first - 62))
	head='{"type":"limits.one","data":{"s":"' tail='"}}'
	fill "$ART_TMP/ev" $((${#head} + k + ${#tail})) "$head" "$tail"
	run --separate-stderr art-log append <"$ART_TMP/ev"
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$db" "SELECT length(body) FROM events WHERE seq = 2")" -eq "$MiB" ]
	fill "$ART_TMP/ev" $((${#head} + k + 1 + ${#tail})) "$head" "$tail"
	run --separate-stderr art-log append <"$ART_TMP/ev"
	[ "$status" -eq 3 ]
	[ "$stderr" = "art-log: stdin:1: event limits.one: 1048577 bytes, over the 1048576-byte limit of one event" ]
	[ -z "$output" ]
	[ "$(event_count)" -eq 2 ]
	# in a batch: which one, and none of the batch is stored
	{ printf '[{"type":"limits.small"},'; cat "$ART_TMP/ev"; printf ']\n'; } >"$ART_TMP/batch"
	run --separate-stderr art-log append <"$ART_TMP/batch"
	[ "$status" -eq 3 ]
	[[ "$stderr" == "art-log: stdin:1[1]: event limits.one: "*" bytes, over the 1048576-byte limit of one event" ]]
	[ "$(event_count)" -eq 2 ]
	art-log verify >/dev/null
}

# ----------------------------------------------------------------- Core

# fake_core: a Core on loopback that mints a token, has jobs.discovery on,
# and answers GET /jobs with the bytes of $ART_TMP/jobs, exactly.
fake_core() {
	python3 - "$ART_TMP" 3>&- <<'PY' &
import http.server, json, os, sys
d = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def answer(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.answer(json.dumps({"access_token": "tok-limits-0123456789abcdef",
                                "token_id": "t-1", "expires_in": 3600}).encode())
    def do_GET(self):
        if self.path.startswith("/policy"):
            self.answer(json.dumps({"policy_version": 1, "poll_interval_s": 1,
                                    "effective_feature_enabled": {"jobs.discovery": True}}).encode())
        else:
            self.answer(open(os.path.join(d, "jobs"), "rb").read())
    def log_message(self, *args):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(os.path.join(d, "port.tmp"), "w").write(str(s.server_port))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
s.serve_forever()
PY
	FAKE_PID=$!
	for _ in $(seq 100); do
		[ -s "$ART_TMP/port" ] && break
		sleep 0.05
	done
	export ART_CORE_URL="http://127.0.0.1:$(cat "$ART_TMP/port")"
	export ART_STORE=file ART_STORE_KEY_FILE="$ART_TMP/store.key"
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$ART_STORE_KEY_FILE"
	chmod 600 "$ART_STORE_KEY_FILE"
	printf 'sk-limits-secret-0001\n' >"$ART_TMP/secret"
}

# login STATE: art's client state in $ART_TMP/STATE, logged in.
login() {
	export XDG_STATE_HOME="$ART_TMP/$1"
	art-auth client --client-id c-limits --secret-file "$ART_TMP/secret" >/dev/null
}

@test "Core: an answer of 1 MiB is read; one byte more is exit 6" {
	fake_core
	fill "$ART_TMP/jobs" "$MiB" '{"jobs":[],"poll_interval_s":1,"pad":"' '"}'
	login a
	run --separate-stderr art-poll --once --scope jobs:limits
	[ "$status" -eq 0 ]
	[ "$(jq -r .type <<<"$output")" = policy ]
	fill "$ART_TMP/jobs" $((MiB + 1)) '{"jobs":[],"poll_interval_s":1,"pad":"' '"}'
	login b
	run --separate-stderr art-poll --once --scope jobs:limits
	[ "$status" -eq 6 ]
	[ "$stderr" = "art-poll: GET $ART_CORE_URL/jobs?scope=jobs%3Alimits: response body larger than 1048576 bytes" ]
}

# ----------------------------------------------------------------- manifests

# pad_manifest IN OUT SIZE: the manifest IN with a member "x-pad" that
# makes it SIZE bytes (unknown members are kept and ignored).
pad_manifest() {
	python3 - "$@" <<'PY'
import json, sys
src, dst, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
m = json.load(open(src))
m["x-pad"] = ""
m["x-pad"] = "a" * (size - len(json.dumps(m, indent=2)))
data = json.dumps(m, indent=2)
assert len(data) == size
open(dst, "w").write(data)
PY
}

@test "a manifest file of 1 MiB is read; one byte more is exit 3" {
	start_run
	pad_manifest .agent/manifest.json "$ART_TMP/m.json" "$MiB"
	run --separate-stderr art-scope-check --manifest "$ART_TMP/m.json"
	[ "$status" -eq 0 ]
	pad_manifest .agent/manifest.json "$ART_TMP/m.json" $((MiB + 1))
	run --separate-stderr art-scope-check --manifest "$ART_TMP/m.json"
	[ "$status" -eq 3 ]
	[ "$stderr" = "art-scope-check: $ART_TMP/m.json: larger than the 1048576-byte limit" ]
}

# record_manifest FILE: the run record of T1/tom, its manifest.json
# replaced by FILE (a run record can be fetched from anyone).
record_manifest() {
	local ref=refs/art/runs/T1/tom blob tree commit
	blob=$(git hash-object -w "$1")
	tree=$(git ls-tree "$ref" | awk -v b="$blob" -F'\t' \
		'$2 == "manifest.json" { print "100644 blob " b "\tmanifest.json"; next } { print }' | git mktree)
	commit=$(git commit-tree -p "$ref" -m "chore(limits): a manifest padded" "$tree")
	git update-ref "$ref" "$commit"
}

@test "a run record's manifest of 1 MiB is read; one byte more is exit 3" {
	start_run
	cd "$REPO"
	pad_manifest "$WT/.agent/manifest.json" "$ART_TMP/m.json" "$MiB"
	record_manifest "$ART_TMP/m.json"
	run --separate-stderr art-scope-check --agent tom --ticket T1
	[ "$status" -eq 0 ]
	pad_manifest "$WT/.agent/manifest.json" "$ART_TMP/m.json" $((MiB + 1))
	record_manifest "$ART_TMP/m.json"
	run --separate-stderr art-scope-check --agent tom --ticket T1
	[ "$status" -eq 3 ]
	[ "$stderr" = "art-scope-check: refs/art/runs/T1/tom: larger than the 1048576-byte limit" ]
	run --separate-stderr art-prompt --agent tom --ticket T1 -r
	[ "$status" -eq 3 ]
}

@test "art-start refuses a run whose manifest would be over 1 MiB, and leaves nothing" {
	# each file under 1 MiB, the manifest that joins them over it
	edit_agents '.scopeAllowlist = [range(1000) | "src/\(.)-" + ("a" * 600) + "/**"]' \
		'.protected = [range(1000) | "gen/\(.)-" + ("b" * 600) + "/**"]'
	[ "$(wc -c <agents/profiles/tom_agent.json)" -lt "$MiB" ]
	[ "$(wc -c <agents/agents_registry.json)" -lt "$MiB" ]
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[[ "$stderr" == "art-start: the manifest of run T1/tom would be "*" bytes, over the 1048576-byte limit: shorten the lists of the registry and the profile" ]]
	assert_no_traces
}

@test "a pattern list of 1000 patterns is taken; 1001 is exit 3, in a profile and in a manifest" {
	edit_agents '.scopeAllowlist = [range(1001) | "src/p\(.)/**"]'
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 3 ]
	[ "$stderr" = 'art-start: agents/profiles/tom_agent.json: field "scopeAllowlist": more than 1000 patterns' ]
	assert_no_traces
	edit_agents '.scopeAllowlist = [range(1000) | "src/p\(.)/**"]'
	start_run
	[ "$(jq '.scopeAllowlist | length' .agent/manifest.json)" -eq 1000 ]
	run --separate-stderr art-scope-check
	[ "$status" -eq 0 ]
	jq '.protected = [range(1001) | "x\(.)"]' .agent/manifest.json >"$ART_TMP/m.json"
	run --separate-stderr art-scope-check --manifest "$ART_TMP/m.json"
	[ "$status" -eq 3 ]
	[ "$stderr" = "art-scope-check: $ART_TMP/m.json: field \"protected\": more than 1000 patterns" ]
}

# ----------------------------------------------------------------- scanned files

@test "a file of 32 MiB is scanned for secrets; one byte more is skipped as too large" {
	start_run
	tok="ghp_$(head -c 36 /dev/zero | tr '\0' k)"
	fill src/at.txt $((32 * MiB)) '' $'\n'"key=$tok"$'\n'
	fill src/over.txt $((32 * MiB + 1)) '' $'\n'"key=$tok"$'\n'
	verdict() {
		[ "$status" -eq 1 ]
		[ "$(jq -c '[.violations[] | {path, reason}]' <<<"$output")" = '[{"path":"src/at.txt","reason":"secret"}]' ]
		[ "$(jq -c .skipped <<<"$output")" = '[{"path":"src/over.txt","why":"too large"}]' ]
		[[ "$output$stderr" != *"$tok"* ]]
	}
	# in the working tree, read there (both ways art-scope-check has)
	run --separate-stderr art-scope-check </dev/null
	verdict
	export ART_NO_FAST_SCAN=1
	run --separate-stderr art-scope-check </dev/null
	verdict
	unset ART_NO_FAST_SCAN
	# committed: read from git
	git add src/at.txt src/over.txt
	git commit -qm "feat(src): two large files"
	run --separate-stderr art-scope-check </dev/null
	verdict
}

@test "art-start: a .env file of 1 MiB in the base tree is scanned; one byte more fails unscanned" {
	fill .env.local "$MiB" '# ' $'\n'
	git add .env.local
	git commit -qm "chore(env): a large file of comments"
	run --separate-stderr art-start --agent tom --ticket T1 </dev/null
	[ "$status" -eq 0 ]
	fill .env.local $((MiB + 1)) '# ' $'\n'
	git add .env.local
	git commit -qm "chore(env): a larger one"
	run --separate-stderr art-start --agent tom --ticket T2 </dev/null
	[ "$status" -eq 1 ]
	[ "$(jq -c '.reasons' <<<"$output")" = '[{"check":"env_file","path":".env.local","message":"a .env file too large to scan is in the tree"}]' ]
}
