# Shared by every bats file: a scratch repository per test, removed after.
bats_require_minimum_version 1.5.0
# ART_BIN (absolute) is set by `make check`; tests run the binaries built
# there, never an installed art.

setup_repo() {
	ART_TMP=$(mktemp -d)
	REPO="$ART_TMP/repo"
	export HOME="$ART_TMP/home" GIT_CONFIG_NOSYSTEM=1 XDG_CONFIG_HOME="$ART_TMP/home/.config"
	export PATH="$ART_BIN:$PATH"
	unset ART_CORRELATION_ID
	mkdir -p "$HOME"
	git init -q -b main "$REPO"
	cd "$REPO"
	git config user.name "Test User"
	git config user.email test@example.com
	mkdir -p src
	printf 'int main(void) { return 0; }\n' > src/main.c
	git add -A
	git commit -qm "feat(src): initial"
}

teardown_repo() {
	cd /
	[ -n "${ART_TMP:-}" ] && rm -rf "$ART_TMP"
}

# art init plus a commit of the registry, as a user would do.
init_art() {
	art-init "$@" >/dev/null
	git add agents
	git commit -qm "chore(agents): art registry"
}

# edit_agents [PROFILE_JQ [REGISTRY_JQ]]: edit tom's profile and the
# registry with jq, and commit them when they changed, as a user would.
edit_agents() {
	if [ -n "${1:-}" ]; then
		jq "$1" agents/profiles/tom_agent.json > "$ART_TMP/p" && mv "$ART_TMP/p" agents/profiles/tom_agent.json
	fi
	if [ -n "${2:-}" ]; then
		jq "$2" agents/agents_registry.json > "$ART_TMP/r" && mv "$ART_TMP/r" agents/agents_registry.json
	fi
	git add agents
	git diff --cached --quiet || git commit -qm "chore(agents): the agents for T1"
}

# Number of events in the log (0 when there is no log yet).
event_count() {
	local db
	db="$(git rev-parse --git-common-dir)/art/art.db"
	[ -f "$db" ] || { echo 0; return; }
	sqlite3 "$db" "SELECT count(*) FROM events"
}

# Assert that no run left anything behind: no agent branch, no extra
# worktree, no run ref, no event.
assert_no_traces() {
	[ -z "$(git branch --list 'feat/*')" ] || { echo "branch left: $(git branch --list 'feat/*')"; return 1; }
	[ "$(git worktree list | wc -l)" -eq 1 ] || { git worktree list; return 1; }
	[ -z "$(git for-each-ref refs/art)" ] || { git for-each-ref refs/art; return 1; }
	[ "$(event_count)" -eq 0 ] || { echo "events: $(event_count)"; return 1; }
	[ ! -d .worktrees ] || [ -z "$(ls -A .worktrees)" ] || { ls -R .worktrees; return 1; }
}

# json FIELD: the value of a jq filter on $output.
json() {
	printf '%s' "$output" | jq -r "$1"
}

# Once per file (from setup_file): can this kernel build a cage at all
# (user namespaces allowed, Landlock for root)?  When it cannot, for one
# of the reasons art-vm names, the reason goes to
# $BATS_FILE_TMPDIR/no-cage and the caller skips or works around what
# needs the cage; any other failure of art-vm fails the probe.
probe_cage() {
	local d="$BATS_FILE_TMPDIR/probe" err
	mkdir -p "$d/home"
	err=$(cd "$d" && export HOME="$d/home" XDG_CONFIG_HOME="$d/home/.config" PATH="$ART_BIN:$PATH" GIT_CONFIG_NOSYSTEM=1 &&
		git init -q -b main r && cd r && git -c user.name=t -c user.email=t@e commit -q --allow-empty -m "chore(x): probe" &&
		art-init >/dev/null && git add agents && git -c user.name=t -c user.email=t@e commit -qm "chore(agents): probe" &&
		art-start --agent tom --ticket P1 </dev/null >/dev/null && cd .worktrees/P1/tom && art-vm run -- true 2>&1 </dev/null) && return 0
	case $err in
	*"user namespaces are disabled"* | *"cannot create its namespaces"* | *"needs Landlock"*)
		printf '%s\n' "$err" > "$BATS_FILE_TMPDIR/no-cage" ;;
	*)	printf 'art-vm cannot run here: %s\n' "$err"; return 1 ;;
	esac
}

# In a test that needs the cage: skip, saying why, where there is none.
need_cage() {
	[ ! -s "$BATS_FILE_TMPDIR/no-cage" ] || skip "no cage on this kernel: $(cat "$BATS_FILE_TMPDIR/no-cage")"
}

# In a test whose subject valgrind cannot reproduce (a timing, a kernel
# call valgrind does not know): skip under make check-valgrind, which sets
# ART_VALGRIND, saying why.
skip_under_valgrind() {
	[ -z "${ART_VALGRIND:-}" ] || skip "under valgrind: $*"
}
