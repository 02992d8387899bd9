#!/usr/bin/env bats
# art-doctor: one record per check, a fix for each failure, exit 1 only
# when something art needs is missing.

load core_helper

CHECKS="libgit2 jansson libcurl libsodium libseccomp sqlite pcre2 keyutils git userns seccomp landlock kvm qemu store signing_key registry core summary"

# Every test has a loopback Core at hand, but none configured unless it
# says so.
setup() {
	setup_core
	unset ART_CORE_URL
	CORE_URL="http://127.0.0.1:$CORE_PORT"
}
teardown() { teardown_core; }

# rec CHECK [JQ]: the record of CHECK in $output, or JQ applied to it.
rec() {
	printf '%s\n' "$output" | jq -r --arg c "$1" "select(.check == \$c) | ${2:-.}"
}

# Can this machine make a user namespace at all, by another tool's word?
userns_here() {
	command -v unshare >/dev/null && unshare -Ur true 2>/dev/null
}

@test "art-doctor: every record has check, ok, needed, value; a fix when not ok; the summary last" {
	skip_under_valgrind "valgrind 3.19 knows neither seccomp(2) nor Landlock's calls: those checks fail there"
	init_art
	run --separate-stderr art-doctor
	[ -z "$stderr" ]
	[ "$(printf '%s\n' "$output" | jq -r .check | tr '\n' ' ')" = "$CHECKS " ]
	printf '%s\n' "$output" | jq -se '[.[] | select(.check != "summary")] |
		all((.check | type) == "string" and (.ok | type) == "boolean" and
		    (.needed | type) == "boolean" and has("value"))'
	printf '%s\n' "$output" | jq -se 'all(.[]; .ok or (.fix | type) == "string" and (.fix | length) > 0)'
	# the summary lists exactly the needed checks that failed, and the
	# exit status follows it
	want=$(printf '%s\n' "$output" | jq -sc '[.[] | select(.check != "summary" and .needed and (.ok | not)) | .check]')
	[ "$(rec summary '.failed | tojson')" = "$want" ]
	if [ "$want" = "[]" ]; then
		[ "$status" -eq 0 ]
		[ "$(rec summary .ok)" = true ]
	else
		[ "$status" -eq 1 ]
		[ "$(rec summary .ok)" = false ]
	fi
	# what is needed, and what is not
	for c in libgit2 jansson libcurl libsodium libseccomp sqlite pcre2 keyutils git userns seccomp signing_key registry; do
		[ "$(rec "$c" .needed)" = true ] || { echo "$c not needed"; return 1; }
	done
	for c in kvm qemu store core; do
		[ "$(rec "$c" .needed)" = false ] || { echo "$c needed"; return 1; }
	done
	# Landlock: needed as root, whom art-vm refuses without it
	if [ "$(id -u)" -eq 0 ]; then [ "$(rec landlock .needed)" = true ]; else [ "$(rec landlock .needed)" = false ]; fi
}

@test "art-doctor: on this machine, every needed check passes: exit 0" {
	skip_under_valgrind "valgrind 3.19 knows neither seccomp(2) nor Landlock's calls: those checks fail there"
	userns_here || skip "no user namespaces on this machine (unshare -Ur fails)"
	init_art
	run --separate-stderr art-doctor
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$(rec summary '.failed | length')" -eq 0 ]
	[ "$(rec summary .ok)" = true ]
	[ "$(rec userns .ok)" = true ]
	[ "$(rec seccomp .value.listener)" = true ]
	[ "$(rec seccomp .value.libseccomp_api)" -ge 5 ]
	# the versions come from the libraries themselves
	[ "$(rec libgit2 .value.version)" = "$(pkg-config --modversion libgit2 2>/dev/null || rec libgit2 .value.version)" ]
	[ "$(rec sqlite .value.version)" = "$(sqlite3 --version | cut -d' ' -f1)" ]
	[ "$(rec git .value.version)" = "$(git --version | cut -d' ' -f3)" ]
	[ "$(rec git .value.minimum)" = 2.32.0 ]
	[ "$(rec registry .value.path)" = agents/agents_registry.json ]
	[ "$(rec registry .value.agents)" -eq 1 ]
	[ "$(rec store .value.backend)" = file ]
}

@test "art-doctor --pretty: the same records, indented" {
	run --separate-stderr art-doctor --pretty
	[ "$(printf '%s\n' "$output" | jq -r .check | tr '\n' ' ')" = "$CHECKS " ]
	[ "$(printf '%s\n' "$output" | head -1)" = "{" ]
}

@test "art-doctor: usage; -h on stdout, exit 0; a bad flag or an operand, exit 2" {
	run --separate-stderr art-doctor -h
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: art-doctor"* ]]
	run --separate-stderr art-doctor --help
	[ "$status" -eq 0 ]
	run --separate-stderr art-doctor --nope
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == *"usage: art-doctor"* ]]
	run --separate-stderr art-doctor userns
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == *"userns: unexpected argument"* ]]
	run --separate-stderr art-doctor --core
	[ "$status" -eq 2 ]
}

@test "art-doctor: a lost write to stdout is exit 7" {
	run --separate-stderr bash -c 'art-doctor >&-'
	[ "$status" -eq 7 ]
}

# No user namespaces, for real rather than through a seam: in a user
# namespace of its own, whose root may set that namespace's
# user.max_user_namespaces, set to 0.  Where unshare -r itself fails, the
# machine has none already, and art-doctor must say so as it stands.
@test "art-doctor: no user namespaces: userns fails, needed, exit 1, the fix names the sysctl" {
	init_art
	if userns_here && unshare -r sh -c 'echo 0 > /proc/sys/user/max_user_namespaces' 2>/dev/null; then
		run --separate-stderr unshare -r sh -c 'echo 0 > /proc/sys/user/max_user_namespaces && exec art-doctor'
		[ "$(rec userns .value.max_user_namespaces)" -eq 0 ]
		[[ "$(rec userns .fix)" == *"sysctl -w user.max_user_namespaces="* ]]
		[[ "$(rec userns .value.error)" == "clone: "* ]]
	else
		run --separate-stderr art-doctor
		[[ "$(rec userns .fix)" == *user.max_user_namespaces* ||
		   "$(rec userns .fix)" == *kernel.unprivileged_userns_clone* ||
		   "$(rec userns .fix)" == *apparmor_restrict_unprivileged_userns* ||
		   "$(rec userns .fix)" == *"container's seccomp or AppArmor profile"* ]]
	fi
	[ "$status" -eq 1 ]
	[ "$(rec userns .ok)" = false ]
	[ "$(rec userns .needed)" = true ]
	rec summary '.failed' | jq -e 'index("userns") != null'
	[ "$(rec summary .ok)" = false ]
}

@test "art-doctor: an invalid registry fails the registry check with the file and the field, exit 1" {
	init_art
	edit_agents '' '.agents = "tom"'
	run --separate-stderr art-doctor
	[ "$status" -eq 1 ]
	[ "$(rec registry .ok)" = false ]
	[ "$(rec registry .needed)" = true ]
	[ "$(rec registry .value.path)" = agents/agents_registry.json ]
	[[ "$(rec registry .value.error)" == 'agents/agents_registry.json: field "agents": '* ]]
	[[ "$(rec registry .fix)" == 'agents/agents_registry.json: field "agents": '*"art-registry(5)"* ]]
	rec summary '.failed' | jq -e 'index("registry") != null'
}

@test "art-doctor: an invalid profile fails the registry check with the profile and the field" {
	init_art
	edit_agents '.scopeAllowlist = 5'
	run --separate-stderr art-doctor
	[ "$status" -eq 1 ]
	[ "$(rec registry .ok)" = false ]
	[[ "$(rec registry .value.error)" == 'agents/profiles/tom_agent.json: field "scopeAllowlist"'* ]]
}

@test "art-doctor: a repository without a registry: not ok, not needed, says art init; exit 0 for that" {
	run --separate-stderr art-doctor
	[ "$(rec registry .ok)" = false ]
	[ "$(rec registry .needed)" = false ]
	[[ "$(rec registry .fix)" == *"art init"* ]]
	rec summary '.failed' | jq -e 'index("registry") == null'
	# nothing was made
	[ ! -e agents ]
}

@test "art-doctor: outside a repository the registry check is skipped, and says so" {
	mkdir "$ART_TMP/elsewhere"
	cd "$ART_TMP/elsewhere"
	export GIT_CEILING_DIRECTORIES="$ART_TMP"
	run --separate-stderr art-doctor
	[ "$(rec registry .ok)" = true ]
	[ "$(rec registry .needed)" = false ]
	[ "$(rec registry .value)" = null ]
	[[ "$(rec registry .skipped)" == "not a git repository"* ]]
	rec summary '.failed' | jq -e 'index("registry") == null'
}

@test "art-doctor: a Core configured and logged in: ok, its token_id, never a secret" {
	export ART_CORE_URL="$CORE_URL"
	login_client
	tok=$(art-auth status | jq -r .token_id)
	[[ "$tok" == tok_* ]]
	run --separate-stderr art-doctor
	[ "$(rec core .ok)" = true ]
	[ "$(rec core .needed)" = false ]
	[ "$(rec core .value.url)" = "$CORE_URL" ]
	[ "$(rec core .value.from)" = ART_CORE_URL ]
	[ "$(rec core .value.reachable)" = true ]
	[ "$(rec core .value.auth.token_id)" = "$tok" ]
	[ "$(rec core .value.auth.mode)" = client ]
	[ "$(rec core .value.auth.client_id)" = c-42 ]
	[ "$(rec core .value.auth.expired)" = false ]
	[ "$(rec core .value.auth.store)" = file ]
	[ "$(rec core 'has("fix")')" = false ]
	# (not "! grep": bats does not fail a test on a negated command)
	[[ "$output$stderr" != *"$CORE_SECRET"* ]]
	[[ "$output$stderr" != *access_token* && "$output$stderr" != *secret_key* ]]
	[[ "$output$stderr" != *[Bb]earer* ]]
	# the one call was an anonymous GET of the URL: no token sent
	[ "$(requests | jq -r 'select(.path == "/") | .authorization')" = none ]
	[ "$(count_requests GET '^/$')" -eq 1 ]
}

@test "art-doctor: a Core not logged in to: not ok, says art auth, exit 0" {
	run --separate-stderr art-doctor --core "$CORE_URL"
	[ "$(rec core .ok)" = false ]
	[ "$(rec core .value.from)" = --core ]
	[ "$(rec core .value.reachable)" = true ]
	[ "$(rec core .value.auth)" = null ]
	[[ "$(rec core .fix)" == *"art auth client"* ]]
	rec summary '.failed' | jq -e 'index("core") == null'
}

@test "art-doctor: an unreachable Core: not ok, not needed, exit 0" {
	skip_under_valgrind "valgrind 3.19 knows neither seccomp(2) nor Landlock's calls: those checks fail there"
	userns_here || skip "no user namespaces on this machine: exit 1 for that"
	init_art
	stop_core
	git config art.core "$CORE_URL"
	run --separate-stderr art-doctor
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$(rec core .ok)" = false ]
	[ "$(rec core .needed)" = false ]
	[ "$(rec core .value.from)" = "git config art.core" ]
	[ "$(rec core .value.reachable)" = false ]
	[ -n "$(rec core .value.error)" ]
	[[ "$(rec core .fix)" == *"did not answer at $CORE_URL"* ]]
	[ "$(rec summary .ok)" = true ]
}

@test "art-doctor: a Core URL art refuses: not ok, why, not a usage error" {
	run --separate-stderr art-doctor --core http://core.example
	[ "$status" -ne 2 ]
	[ "$(rec core .ok)" = false ]
	[[ "$(rec core .value.error)" == *"http:// is accepted only for a loopback address"* ]]
	rec summary '.failed' | jq -e 'index("core") == null'
}

@test "art-doctor: no Core configured: skipped, and no client state made" {
	run --separate-stderr art-doctor
	[ "$(rec core .ok)" = true ]
	[[ "$(rec core .skipped)" == "no Core configured"* ]]
	[ ! -e "$XDG_STATE_HOME/art" ]
}

@test "art-doctor: the signing key: absent is fine and not made; exposed fails, exit 1" {
	key="$XDG_CONFIG_HOME/art/signing.key"
	run --separate-stderr art-doctor
	[ "$(rec signing_key .ok)" = true ]
	[ "$(rec signing_key .value.path)" = "$key" ]
	[ "$(rec signing_key .value.exists)" = false ]
	[ ! -e "$key" ]
	art-verify --show-pubkey >/dev/null
	[ -f "$key" ]
	run --separate-stderr art-doctor
	[ "$(rec signing_key .ok)" = true ]
	[ "$(rec signing_key .value.mode)" = 0600 ]
	chmod 644 "$key"
	run --separate-stderr art-doctor
	[ "$status" -eq 1 ]
	[ "$(rec signing_key .ok)" = false ]
	[ "$(rec signing_key .needed)" = true ]
	[ "$(rec signing_key .value.mode)" = 0644 ]
	[[ "$(rec signing_key .fix)" == *"chmod 600 it"* ]]
	rec summary '.failed' | jq -e 'index("signing_key") != null'
	# the key was looked at, never read out
	seed=$(cut -d' ' -f3 "$key")
	[ -n "$seed" ]
	[[ "$output$stderr" != *"$seed"* ]]
}

@test "art-doctor: a secret store that cannot open: not ok, not needed" {
	printf 'not a key\n' > "$ART_TMP/bad.key"
	chmod 600 "$ART_TMP/bad.key"
	export ART_STORE_KEY_FILE="$ART_TMP/bad.key"
	run --separate-stderr art-doctor
	[ "$(rec store .ok)" = false ]
	[ "$(rec store .needed)" = false ]
	[[ "$(rec store .value.error)" == *"$ART_TMP/bad.key: not a key"* ]]
	[[ "$(rec store .fix)" == *ART_STORE_KEY_FILE* ]]
	rec summary '.failed' | jq -e 'index("store") == null'
}

@test "art-doctor: git older than 2.32, or none: the git check fails, exit 1" {
	mkdir "$ART_TMP/oldgit"
	printf '#!/bin/sh\necho "git version 2.31.8"\n' > "$ART_TMP/oldgit/git"
	chmod +x "$ART_TMP/oldgit/git"
	PATH="$ART_TMP/oldgit:$PATH" run --separate-stderr art-doctor
	[ "$status" -eq 1 ]
	[ "$(rec git .ok)" = false ]
	[ "$(rec git .value.path)" = "$ART_TMP/oldgit/git" ]
	[ "$(rec git .value.version)" = 2.31.8 ]
	[[ "$(rec git .fix)" == *"upgrade git to 2.32.0 or later"*GIT_CONFIG_GLOBAL* ]]
	rec summary '.failed' | jq -e 'index("git") != null'
	# exactly the minimum is enough
	printf '#!/bin/sh\necho "git version 2.32.0"\n' > "$ART_TMP/oldgit/git"
	PATH="$ART_TMP/oldgit:$PATH" run --separate-stderr art-doctor
	[ "$(rec git .ok)" = true ]
	# none at all
	mkdir "$ART_TMP/empty"
	run --separate-stderr env PATH="$ART_TMP/empty" "$ART_BIN/art-doctor"
	[ "$status" -eq 1 ]
	[ "$(rec git .ok)" = false ]
	[ "$(rec git .value.path)" = null ]
	[[ "$(rec git .fix)" == "install git 2.32.0 or later"* ]]
}

@test "art-doctor: QEMU and the microVM image are informational, never needed" {
	mkdir "$ART_TMP/qemu"
	export XDG_CACHE_HOME="$ART_TMP/cache"
	printf '#!/bin/sh\nexit 0\n' > "$ART_TMP/qemu/qemu-system-$(uname -m)"
	chmod +x "$ART_TMP/qemu/qemu-system-$(uname -m)"
	PATH="$ART_TMP/qemu:$PATH" run --separate-stderr art-doctor
	[ "$(rec qemu .value.path)" = "$ART_TMP/qemu/qemu-system-$(uname -m)" ]
	[ "$(rec qemu .ok)" = false ]
	[ "$(rec qemu .needed)" = false ]
	rec summary '.failed' | jq -e 'index("qemu") == null'
	[ "$(rec qemu .value.image.record)" = "$ART_TMP/cache/art/vm/image.json" ]
	[ "$(rec qemu .value.image.built)" = false ]
	[[ "$(rec qemu .fix)" == "build the microVM image: art-vm image build"* ]]
	mkdir -p "$ART_TMP/cache/art/vm"
	echo '{"schema":1,"release":"6.1.0-test"}' > "$ART_TMP/cache/art/vm/image.json"
	PATH="$ART_TMP/qemu:$PATH" run --separate-stderr art-doctor
	[ "$(rec qemu .ok)" = true ]
	[ "$(rec qemu .value.image.release)" = 6.1.0-test ]
	[ "$(rec qemu .needed)" = false ]
}

@test "art-doctor: KVM is never needed, and a failure says what to do" {
	run --separate-stderr art-doctor
	[ "$(rec kvm .needed)" = false ]
	[ "$(rec kvm .value.device)" = /dev/kvm ]
	if [ "$(rec kvm .ok)" = true ]; then
		[ "$(rec kvm .value.api)" -eq 12 ]
	else
		[ -n "$(rec kvm .fix)" ]
	fi
	rec summary '.failed' | jq -e 'index("kvm") == null'
}

@test "art-doctor: a user who may not open /dev/kvm is told to join its group" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to become another user"
	command -v setpriv >/dev/null || skip "no setpriv"
	[ -c /dev/kvm ] || skip "no /dev/kvm"
	setpriv --reuid=65534 --regid=65534 --clear-groups test -r /dev/kvm && skip "nobody may open /dev/kvm here"
	cd /
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent/.config "$ART_BIN/art-doctor"
	[ "$(rec kvm .ok)" = false ]
	[ "$(rec kvm .needed)" = false ]
	[ "$(rec kvm .value.error)" = "Permission denied" ]
	[[ "$(rec kvm .fix)" == *"usermod -aG kvm"* ]]
	[ "$(rec landlock .needed)" = false ]
	[ "$(rec userns .value.root)" = false ]
}
