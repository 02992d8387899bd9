#!/usr/bin/env bats
# make install: PREFIX and DESTDIR, and an installed art finds its pages.

load helper

setup() {
	ART_TMP=$(mktemp -d)
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
}

teardown() {
	rm -rf "$ART_TMP"
}

@test "make install honours PREFIX and DESTDIR" {
	make -s -C "$top" B="${ART_BUILD:-build}" install DESTDIR="$ART_TMP/stage" PREFIX=/opt/art
	root="$ART_TMP/stage/opt/art"
	for cmd in art art-init art-start art-prompt; do
		[ -x "$root/bin/$cmd" ] || { echo "no $cmd"; return 1; }
	done
	[ -f "$root/share/man/man1/art-start.1" ]
	[ -f "$root/share/man/man5/art-registry.5" ]
	[ -f "$root/share/man/man7/art.7" ]
	[ -f "$root/share/art/prompt.md" ]
	[ -x "$root/share/art/demo.sh" ]
	# bash and fish find completions by the command's name
	for cmd in art art-poll art-doctor; do
		[ -f "$root/share/bash-completion/completions/$cmd" ] || { echo "no bash $cmd"; return 1; }
		[ -f "$root/share/fish/vendor_completions.d/$cmd.fish" ] || { echo "no fish $cmd"; return 1; }
	done
	[ -f "$root/share/zsh/vendor-completions/_art" ]
	[ -x "$root/share/art/hooks/art-hook" ]
	[ -x "$root/share/art/hooks/pre-receive" ]
	[ -f "$root/share/art/art.mk" ]
	[ -f "$root/share/art/systemd/art-poll@.service" ]
	[ -f "$root/share/art/systemd/art-poll@.timer" ]
	command -v man >/dev/null || skip "no man"
	run env MANPAGER=cat PAGER=cat "$root/bin/art" help start
	[ "$status" -eq 0 ]
	[[ "$output" == *"art-start"* ]]
	make -s -C "$top" B="${ART_BUILD:-build}" uninstall DESTDIR="$ART_TMP/stage" PREFIX=/opt/art
	[ -z "$(find "$ART_TMP/stage" -type f)" ]
}

@test "the demo runs art's main job start to finish: close, receipt, verify" {
	export HOME="$ART_TMP/home" XDG_CONFIG_HOME="$ART_TMP/home/.config" TMPDIR="$ART_TMP"
	mkdir -p "$HOME"
	run --separate-stderr env PATH="$ART_BIN:$PATH" sh "$top/share/art/demo.sh"
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	# the JSON of art close and art verify, each on a line of its own
	closed=$(printf '%s\n' "$output" | jq -c 'select(.receipt? and .checks?)')
	[ "$(jq -r .state <<<"$closed")" = closed ]
	[ "$(jq -r '[.checks[].id] | join(",")' <<<"$closed")" = "tests,art-scope,art-commits" ]
	verified=$(printf '%s\n' "$output" | jq -c 'select(.subjects?)')
	[ "$(jq -r .ok <<<"$verified")" = true ]
	[ -f "$(jq -r .receipt <<<"$closed")" ]
	[[ "$stderr" == *"# Agent Run Report"* ]]
	# the agent worked in the cage, which kept it in its worktree
	[ "$(printf '%s\n' "$output" | jq -r 'select(.backend?) | .backend')" = cage ]
	[[ "$stderr" == *"the agent cannot write outside: Read-only file system"* ]]
}
