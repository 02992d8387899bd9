#!/usr/bin/env bats
# art-auth: credentials for Core, stored, renewed, never shown.

load core_helper

setup() { setup_core; }
teardown() { teardown_core; }

@test "art-auth client: stores the secret, mints a token, prints its id only" {
	run --separate-stderr art-auth client --client-id c-42 --secret-file "$ART_TMP/secret"
	[ "$status" -eq 0 ]
	[ "$(json '.mode')" = client ]
	[ "$(json '.client_id')" = c-42 ]
	[ "$(json '.store')" = file ]
	[[ "$(json '.token_id')" == tok_* ]]
	[ "$(json '.core')" = "$ART_CORE_URL" ]
	! grep -q "$CORE_SECRET" <<<"$output$stderr" || false
	# the store is sealed: neither the secret nor a token in clear
	[ "$(stat -c %a "$XDG_STATE_HOME/art/secrets")" = 600 ]
	! grep -q "$CORE_SECRET" "$XDG_STATE_HOME/art/secrets" || false
	! grep -rq "$CORE_SECRET" "$XDG_STATE_HOME/art/" || false
	# the mint carried an idempotency key
	[ "$(requests | jq -r 'select(.path == "/auth/clients/token") | .idempotency_key' | grep -c .)" -eq 1 ]
}

@test "art-auth status: token id, expiry, store; exit 1 when there is nothing" {
	run --separate-stderr art-auth status
	[ "$status" -eq 1 ]
	[ "$(json '.usable')" = false ]
	login_client
	run --separate-stderr art-auth status
	[ "$status" -eq 0 ]
	[ "$(json '.usable')" = true ]
	[ "$(json '.mode')" = client ]
	[ "$(json '.secret_stored')" = true ]
	[ "$(json '.token_stored')" = true ]
	[ "$(json '.expired')" = false ]
	[ "$(json '.scopes[0]')" = jobs:backend ]
	[[ "$(json '.expires_at')" =~ ^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T..:..:..Z$ ]]
	! grep -q "$CORE_SECRET" <<<"$output$stderr" || false
}

@test "art-auth client: a wrong secret is refused, exit 6, and not printed" {
	printf 'sk-wrong-secret-value-99\n' > "$ART_TMP/wrong"
	run --separate-stderr art-auth client --client-id c-42 --secret-file "$ART_TMP/wrong"
	[ "$status" -eq 6 ]
	[[ "$stderr" == *BAD_CREDENTIALS* ]]
	! grep -q sk-wrong-secret-value-99 <<<"$output$stderr" || false
	# a refused secret is not kept as if it worked
	run art-auth status
	[ "$status" -eq 1 ]
	[ "$(json '.usable')" = false ]
}

@test "art-auth: secrets never come from argv or the environment" {
	run art-auth client --client-id c-42 --secret "$CORE_SECRET"
	[ "$status" -eq 2 ]
	run art-auth client --client-id c-42
	[ "$status" -eq 2 ]
	run art-auth rotate
	[ "$status" -eq 2 ]
	run art-auth frobnicate
	[ "$status" -eq 2 ]
	run art-auth
	[ "$status" -eq 2 ]
}

@test "art-auth: http:// only for loopback; no Core at all is a usage error" {
	run --separate-stderr art-auth status --core http://core.example.com
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"loopback"* ]]
	run --separate-stderr art-auth status --core 'https://user:pw@core.example.com'
	[ "$status" -eq 2 ]
	# a name that starts like a loopback address is still a name
	run --separate-stderr art-auth status --core http://127.evil.example
	[ "$status" -eq 2 ]
	run --separate-stderr art-auth status --core 'http://[::1]:1'
	[ "$status" -eq 1 ]
	unset ART_CORE_URL
	run --separate-stderr art-auth status
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--core"* ]]
	# git config art.core is the third place
	git config art.core "http://127.0.0.1:$CORE_PORT"
	run --separate-stderr art-auth status
	[ "$status" -eq 1 ]
	[ "$(json '.core')" = "http://127.0.0.1:$CORE_PORT" ]
}

@test "art-auth client: a redirect would carry the secret to another origin: refused" {
	admin faults '{"route":"POST /auth/clients/token","faults":[{"kind":"redirect_other"}]}' >/dev/null
	run --separate-stderr art-auth client --client-id c-42 --secret-file "$ART_TMP/secret"
	[ "$status" -eq 5 ] || { echo "status $status: $stderr"; false; }
	[[ "$stderr" == *"redirect of its body to another origin"* ]]
	[ "$(requests | jq -s '[.[] | select(.origin == "other")] | length')" -eq 0 ]
}

@test "art-auth client: a secret from a file descriptor; an empty one is refused" {
	run --separate-stderr art-auth client --client-id c-42 --secret-fd 3 3<"$ART_TMP/secret"
	[ "$status" -eq 0 ]
	: > "$ART_TMP/empty"
	run --separate-stderr art-auth client --client-id c-42 --secret-file "$ART_TMP/empty"
	[ "$status" -eq 3 ]
	[[ "$stderr" == *empty* ]]
	run --separate-stderr art-auth client --client-id c-42 --secret-file "$ART_TMP/missing"
	[ "$status" -eq 3 ]
}

@test "art-auth login: password from a descriptor; a wrong one is exit 6" {
	printf 'pw-ops-123456\n' > "$ART_TMP/pw"
	run --separate-stderr art-auth login --username ops --password-fd 3 3<"$ART_TMP/pw"
	[ "$status" -eq 0 ]
	[ "$(json '.mode')" = login ]
	[ "$(json '.username')" = ops ]
	! grep -q pw-ops-123456 <<<"$output$stderr" || false
	# a person's password is not kept
	run art-auth status
	[ "$(json '.secret_stored')" = false ]
	[ "$(json '.usable')" = true ]
	printf 'not-the-password\n' > "$ART_TMP/bad"
	run --separate-stderr art-auth login --username ops --password-file "$ART_TMP/bad"
	[ "$status" -eq 6 ]
	[[ "$stderr" == *BAD_CREDENTIALS* ]]
	! grep -q not-the-password <<<"$output$stderr" || false
}

@test "art-auth login: TOO_MANY_ATTEMPTS closes the route for every process" {
	admin faults '{"route":"POST /auth/login","faults":[{"kind":"too_many","retry_after_s":300}]}'
	printf 'pw-ops-123456\n' > "$ART_TMP/pw"
	run --separate-stderr art-auth login --username ops --password-file "$ART_TMP/pw"
	[ "$status" -eq 6 ]
	[[ "$stderr" == *TOO_MANY_ATTEMPTS* ]]
	# a second process does not even call
	run --separate-stderr art-auth login --username ops --password-file "$ART_TMP/pw"
	[ "$status" -eq 6 ]
	[ "$(count_requests POST '^/auth/login$')" -eq 1 ]
}

@test "art-auth device: the code goes to stderr, the token is kept" {
	admin config '{"device_interval":1,"device_pending":1}' >/dev/null
	run --separate-stderr timeout 30 art-auth device
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"/activate"* ]]
	[[ "$stderr" =~ [A-Z]{4}-[A-Z]{4} ]]
	[ "$(json '.mode')" = device ]
	[[ "$(json '.token_id')" == tok_* ]]
	# pending once, then the token: two polls of the token route
	[ "$(count_requests POST '^/auth/device/token$')" -eq 2 ]
}

@test "art-auth device: a denied sign-in is exit 6" {
	admin config '{"device_interval":1,"device_pending":0,"device_result":"deny"}' >/dev/null
	run --separate-stderr timeout 30 art-auth device
	[ "$status" -eq 6 ]
	[[ "$stderr" == *access_denied* ]]
}

@test "art-auth rotate: new secret at Core and here, a new token, no reinstall" {
	login_client
	old=$(art-auth status | jq -r .token_id)
	printf 'sk-c42-rotated-secret-0002\n' > "$ART_TMP/new"
	run --separate-stderr art-auth rotate --secret-file "$ART_TMP/new"
	[ "$status" -eq 0 ]
	[ "$(json '.grace_s')" = 300 ]
	[ "$(json '.token_id')" != "$old" ]
	! grep -q sk-c42-rotated-secret-0002 <<<"$output$stderr" || false
	# the token was minted with the new secret
	[ "$(requests | jq -r 'select(.path == "/auth/clients/token") | .body.secret_key' | tail -1)" = sk-c42-rotated-secret-0002 ]
	! grep -q sk-c42-rotated-secret-0002 "$XDG_STATE_HOME/art/secrets" || false
}

@test "art-auth rotate: refused by Core, the old secret stays, the new one goes" {
	login_client
	admin faults '{"route":"POST /auth/clients/rotate","faults":[{"kind":"status","status":401,"code":"BAD_CREDENTIALS"}]}' >/dev/null
	printf 'sk-c42-rotated-secret-0003\n' > "$ART_TMP/new"
	run --separate-stderr art-auth rotate --secret-file "$ART_TMP/new"
	[ "$status" -eq 6 ]
	run art-auth status
	[ "$(json '.secret_pending')" = false ]
	[ "$(json '.usable')" = true ]
	# the old secret still mints
	admin revoke_tokens '{}' >/dev/null
	run art-poll --once --scope jobs:backend
	[ "$status" -eq 0 ]
	[ "$(requests | jq -r 'select(.path == "/auth/clients/token") | .body.secret_key' | tail -1)" = "$CORE_SECRET" ]
}

@test "art-auth logout: forgets token and secret" {
	login_client
	run art-auth logout
	[ "$status" -eq 0 ]
	[ "$(json '.removed')" = true ]
	run art-auth status
	[ "$status" -eq 1 ]
	[ "$(json '.usable')" = false ]
}

@test "art-auth: the kernel keyring store" {
	if ! keyctl show @u >/dev/null 2>&1; then
		skip "no kernel keyring here"
	fi
	unset ART_STORE ART_STORE_KEY_FILE
	run --separate-stderr art-auth client --store keyring --client-id c-42 --secret-file "$ART_TMP/secret"
	[ "$status" -eq 0 ]
	[ "$(json '.store')" = keyring ]
	[ ! -e "$XDG_STATE_HOME/art/secrets" ]
	run art-auth status
	[ "$(json '.store')" = keyring ]
	[ "$(json '.secret_stored')" = true ]
	run art-auth logout
	[ "$status" -eq 0 ]
}

@test "art-auth -v: the trace shows headers, never the token or the secret" {
	run --separate-stderr art-auth -v client --client-id c-42 --secret-file "$ART_TMP/secret"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"> POST /auth/clients/token"* ]]
	! grep -q "$CORE_SECRET" <<<"$stderr" || false
	run --separate-stderr art-poll -v --once --scope jobs:backend
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"Authorization: [REDACTED]"* ]]
	! grep -iE 'authorization: bearer [a-z0-9_-]{8}' <<<"$stderr" || false
}
