# For the Core client's tests: a loopback Core (tests/core/core.py) per
# test, art's client state and secret store in the test's own directory.
load helper

CORE_SECRET=sk-c42-initial-secret-0001

setup_core() {
	setup_repo
	CORE_DIR="$ART_TMP/core"
	mkdir -p "$CORE_DIR"
	export XDG_STATE_HOME="$ART_TMP/state"
	export ART_STORE=file ART_STORE_KEY_FILE="$ART_TMP/store.key"
	unset ART_CORE_URL http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$ART_STORE_KEY_FILE"
	chmod 600 "$ART_STORE_KEY_FILE"
	printf '%s\n' "$CORE_SECRET" > "$ART_TMP/secret"
	start_core
}

# start_core [PORT]: (again, on the same port: a restart that keeps state)
start_core() {
	rm -f "$CORE_DIR/port"
	python3 "$BATS_TEST_DIRNAME/core/core.py" --state "$CORE_DIR" ${1:+--port "$1"} \
		>"$CORE_DIR/stdout" 2>"$CORE_DIR/stderr" 3>&- &
	CORE_PID=$!
	for _ in $(seq 100); do
		[ -s "$CORE_DIR/port" ] && break
		sleep 0.05
	done
	[ -s "$CORE_DIR/port" ] || { cat "$CORE_DIR/stderr"; return 1; }
	CORE_PORT=$(cat "$CORE_DIR/port")
	export ART_CORE_URL="http://127.0.0.1:$CORE_PORT"
}

stop_core() {
	[ -n "${CORE_PID:-}" ] && kill "$CORE_PID" 2>/dev/null && wait "$CORE_PID" 2>/dev/null
	CORE_PID=
}

teardown_core() {
	stop_core || true
	teardown_repo
}

# admin ROUTE [JSON]: a call to the Core's test-only admin routes.
admin() {
	if [ $# -ge 2 ]; then
		curl -sf -X POST -H 'Content-Type: application/json' \
			--data "$2" "http://127.0.0.1:$CORE_PORT/_admin/$1"
	else
		curl -sf "http://127.0.0.1:$CORE_PORT/_admin/$1"
	fi
}

# Requests Core received, one JSON object a line.
requests() {
	cat "$CORE_DIR/requests.jsonl" 2>/dev/null || true
}

# count_requests METHOD PATH-REGEX
count_requests() {
	requests | jq -s --arg m "$1" --arg p "$2" \
		'[.[] | select(.method == $m and (.path | test($p)))] | length'
}

# A logged-in client, as a fleet machine has.
login_client() {
	art-auth client --client-id c-42 --secret-file "$ART_TMP/secret" >/dev/null
}

add_job() { # add_job ID [SCOPE]
	admin jobs "{\"id\":\"$1\",\"scope\":\"${2:-jobs:backend}\",\"payload\":{\"agent\":\"tom\",\"ticket\":\"T1\",\"base\":\"main\"}}" >/dev/null
}
