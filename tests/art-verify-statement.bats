#!/usr/bin/env bats
# art-verify on statements signed with the right key that art still cannot
# rely on (another signer, an older art, a forgery by the key's holder):
# each field a receipt needs, a subject art cannot check, a log position
# that does not exist or that no close follows.  All exit 1, saying why.

load helper

PY=/usr/bin/python3

setup() {
	"$PY" -c 'import securesystemslib, cryptography' 2>/dev/null ||
		skip "no python3 with securesystemslib and cryptography (tests/dsse.py)"
	setup_repo
	init_art
	WT="$REPO/.worktrees/T1/tom"
	art-start --agent tom --ticket T1 </dev/null >/dev/null
	printf 'a\n' > "$WT/src/a.c"
	git -C "$WT" add src/a.c
	git -C "$WT" commit -qm "feat(src): add a"
	art-close --agent tom --ticket T1 </dev/null >/dev/null
	R="$WT/.agent/receipt.json"
	KEYFILE="$XDG_CONFIG_HOME/art/signing.key"
	BAD="$ART_TMP/bad.json"
}

teardown() {
	teardown_repo
}

# resign JQ: the receipt's statement edited by jq, signed again with the
# same key by the independent signer, in $BAD.
resign() {
	jq -r .payload "$R" | base64 -d | jq -c "$1" |
		"$PY" "$BATS_TEST_DIRNAME/dsse.py" sign application/vnd.in-toto+json "$KEYFILE" > "$BAD"
}

@test "verify statement: each field a receipt needs, refused by name (exit 1)" {
	local line edit want n=0
	while IFS= read -r line; do
		edit=${line%% => *} want=${line#* => }
		resign "$edit"
		run --separate-stderr art-verify "$BAD"
		if [ "$status" -ne 1 ] || [ "$stderr" != "art-verify: $BAD: signed, but $want" ] ||
			[ "$(json .ok)" != false ] || [ "$(json '.why | length')" -ne 1 ] ||
			[ "$(json '.why[0]')" != "$BAD: signed, but $want" ]; then
			printf 'edit: %s\nstatus: %s\nstdout: %s\nstderr: %s\nwanted: %s\n' \
				"$edit" "$status" "$output" "$stderr" "$want"
			return 1
		fi
		n=$((n + 1))
	done <<-'EOF'
	._type = "https://in-toto.io/Statement/v0.1" => not an in-toto Statement v1
	del(._type) => not an in-toto Statement v1
	[.] => not an in-toto Statement v1
	.subject = [] => it has no subject
	del(.subject) => it has no subject
	.subject[1].digest = "e167fe51" => a subject lacks its name or digest
	del(.subject[0].name) => a subject lacks its name or digest
	.predicate.agent = "Tom" => its predicate names no valid agent and ticket
	del(.predicate.ticket) => its predicate names no valid agent and ticket
	.predicate = [] => its predicate names no valid agent and ticket
	.predicate.head = "e4d8b80" => its predicate has no head and base commits
	.predicate.base |= ascii_upcase => its predicate has no head and base commits
	.predicate.log.seq = 0 => its predicate has no log seq and hash
	.predicate.log.seq = "2" => its predicate has no log seq and hash
	.predicate.log.hash = "not hex" => its predicate has no log seq and hash
	del(.predicate.log) => its predicate has no log seq and hash
	EOF
	[ "$n" -eq 16 ]
}

@test "verify statement: a signed payload that is not JSON is exit 1" {
	printf 'not json' | "$PY" "$BATS_TEST_DIRNAME/dsse.py" sign application/vnd.in-toto+json "$KEYFILE" > "$BAD"
	run --separate-stderr art-verify "$BAD"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "art-verify: $BAD: signed, but its payload is not JSON: "* ]]
}

@test "verify statement: a subject art cannot check fails the receipt, listed as not ok" {
	resign '.subject += [{"name": "sbom.json", "digest": {"sha256": "00"}}]'
	run --separate-stderr art-verify "$BAD"
	[ "$status" -eq 1 ]
	[ "$(json '[.why[] | select(. == "subject \"sbom.json\": art does not know how to check it")] | length')" -eq 1 ]
	[ "$(json '.subjects[] | select(.name == "sbom.json") | .ok')" = false ]
	# the others still check out
	[ "$(json '[.subjects[] | select(.name != "sbom.json") | .ok] | all')" = true ]
}

@test "verify statement: a commit subject that is not the predicate's head is exit 1" {
	base=$(jq -r .payload "$R" | base64 -d | jq -r .predicate.base)
	resign ".predicate.head = \"$base\""
	run --separate-stderr art-verify "$BAD"
	[ "$status" -eq 1 ]
	head=$(git rev-parse feat/T1-tom)
	[ "$(json '[.why[] | select(. == "the commit subject '"$head"' is not the predicate'"'"'s head '"$base"'")] | length')" -eq 1 ]
}

@test "verify statement: a log position past the log's end is exit 1" {
	resign '.predicate.log.seq = 99'
	run --separate-stderr art-verify "$BAD"
	[ "$status" -eq 1 ]
	[ "$(json .log.checked)" = true ]
	[ "$(json .log.ok)" = false ]
	[ "$(json '[.why[] | select(. == "event log: it ends before event 99, the one the receipt names")] | length')" -eq 1 ]
}

@test "verify statement: a log position after the run's close is exit 1: no close follows it" {
	echo '{"type":"note.added","subject":"T1/tom"}' | art-log append > "$ART_TMP/ev.json"
	seq=$(jq .seq "$ART_TMP/ev.json")
	hash=$(jq -r .hash "$ART_TMP/ev.json")
	resign ".predicate.log.seq = $seq | .predicate.log.hash = \"$hash\""
	run --separate-stderr art-verify "$BAD"
	[ "$status" -eq 1 ]
	[ "$(json .log.ok)" = false ]
	[ "$(json '[.why[] | select(. == "event log: no close of run T1/tom after event '"$seq"': art-close did not finish this receipt")] | length')" -eq 1 ]
	# the receipt art-close wrote still verifies against the same log
	run art-verify "$R"
	[ "$status" -eq 0 ]
}
