#!/usr/bin/env bats
# art-verify: a receipt's signature, its subjects, and the log behind it.

load helper

setup() {
	setup_repo
	init_art
	WT="$REPO/.worktrees/T1/tom"
	art-start --agent tom --ticket T1 </dev/null >/dev/null
	printf 'a\n' > "$WT/src/a.c"
	git -C "$WT" add src/a.c
	git -C "$WT" commit -qm "feat(src): add a"
	art-close --agent tom --ticket T1 </dev/null > "$ART_TMP/close.json"
	R="$WT/.agent/receipt.json"
	KEYFILE="$XDG_CONFIG_HOME/art/signing.key"
}

teardown() {
	teardown_repo
}

# tamper JQ: a copy of the receipt edited by jq, in $ART_TMP/bad.json.
tamper() {
	jq -c "$1" "$R" > "$ART_TMP/bad.json"
}

# statement: the receipt's payload, decoded.
statement() {
	jq -r .payload "$R" | base64 -d
}

@test "verify: a fresh receipt verifies, subjects and log" {
	run --separate-stderr art-verify "$R"
	[ "$status" -eq 0 ]
	[ "$(json .ok)" = true ]
	[ "$(json .keyid)" = "$(jq -r .keyid "$ART_TMP/close.json")" ]
	[ "$(json .agent)/$(json .ticket)" = tom/T1 ]
	[ "$(json .head)" = "$(git rev-parse feat/T1-tom)" ]
	[ "$(json .state)" = closed ]
	[ "$(json '[.subjects[].name] | join(",")')" = "feat/T1-tom,.agent/REPORT.md" ]
	[ "$(json '[.subjects[].ok] | all')" = true ]
	[ "$(json '.subjects[0].branch')" = head ]
	[ "$(json '.subjects[1].checked | length')" -eq 2 ]
	[ "$(json .log.checked)" = true ]
	[ "$(json .log.ok)" = true ]
}

@test "verify: the statement is in-toto v1 with art's predicate" {
	s=$(statement)
	[ "$(jq -r ._type <<<"$s")" = https://in-toto.io/Statement/v1 ]
	[ "$(jq -r .predicateType <<<"$s")" = urn:art:receipt:v1 ]
	[ "$(jq -r '.subject[0].digest.gitCommit' <<<"$s")" = "$(git rev-parse feat/T1-tom)" ]
	[ "$(jq -r '.subject[1].digest.sha256' <<<"$s")" = "$(sha256sum < "$WT/.agent/REPORT.md" | cut -d' ' -f1)" ]
	[ "$(jq -r '.predicate | [.agent, .ticket, .run, .branch] | join(" ")' <<<"$s")" = "tom T1 T1/tom feat/T1-tom" ]
	[ "$(jq -r '.predicate.base' <<<"$s")" = "$(git rev-parse main)" ]
	[ "$(jq -c '.predicate.changedFiles' <<<"$s")" = '[{"path":"src/a.c","change":"added"}]' ]
	[ "$(jq -r '.predicate.log.seq' <<<"$s")" -ge 2 ]
	[ "$(jq -r '.predicate.manifest.sha256' <<<"$s")" = "$(git cat-file blob refs/art/runs/T1/tom:manifest.json | sha256sum | cut -d' ' -f1)" ]
	[ "$(jq -r '.predicate.scope.ok, .predicate.commits.ok' <<<"$s" | tr '\n' ' ')" = "true true " ]
}

@test "verify: an independent DSSE verifier (securesystemslib) accepts the receipt" {
	art-verify --show-pubkey -r > "$ART_TMP/pub.pem"
	run /usr/bin/python3 "$BATS_TEST_DIRNAME/dsse.py" verify "$R" "$ART_TMP/pub.pem"
	[ "$status" -eq 0 ]
	[ "$(json .predicateType)" = urn:art:receipt:v1 ]
	# and refuses a tampered one, so the check above can fail
	tamper '.payload |= (.[0:10] + (if .[10:11] == "A" then "B" else "A" end) + .[11:])'
	run /usr/bin/python3 "$BATS_TEST_DIRNAME/dsse.py" verify "$ART_TMP/bad.json" "$ART_TMP/pub.pem"
	[ "$status" -eq 1 ]
}

@test "verify: --run T/A, --agent/--ticket, stdin and the worktree find the recorded receipt" {
	run art-verify --run T1/tom
	[ "$status" -eq 0 ]
	run art-verify --agent tom --ticket T1
	[ "$status" -eq 0 ]
	run art-verify < "$ART_TMP/close.json"
	[ "$status" -eq 0 ]
	run art-close --agent tom --ticket T1 </dev/null
	run bash -c 'cd "$1" && art-verify </dev/null' _ "$WT"
	[ "$status" -eq 0 ]
	[ "$(json .ok)" = true ]
}

@test "verify: one byte changed in the payload or the signature is exit 1" {
	tamper '.payload |= (.[0:40] + (if .[40:41] == "A" then "B" else "A" end) + .[41:])'
	run --separate-stderr art-verify "$ART_TMP/bad.json"
	[ "$status" -eq 1 ]
	[ "$(json .ok)" = false ]
	[[ "$stderr" == *"no signature"* ]]
	tamper '.signatures[0].sig |= (.[0:5] + (if .[5:6] == "A" then "B" else "A" end) + .[6:])'
	run --separate-stderr art-verify "$ART_TMP/bad.json"
	[ "$status" -eq 1 ]
	# a byte that breaks the JSON: not a receipt at all
	head -c 20 "$R" > "$ART_TMP/cut.json"
	run --separate-stderr art-verify "$ART_TMP/cut.json"
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"cut.json:1:"* ]]
}

@test "verify: a payload swapped in from another statement is exit 1" {
	other=$(statement | jq -c '.predicate.agent = "eva"' | base64 -w0)
	tamper ".payload = \"$other\""
	run --separate-stderr art-verify "$ART_TMP/bad.json"
	[ "$status" -eq 1 ]
}

@test "verify: a receipt checked with another key is exit 1; --pubkey reads PEM and hex" {
	art-verify --show-pubkey -r > "$ART_TMP/pub.pem"
	run art-verify --pubkey "$ART_TMP/pub.pem" "$R"
	[ "$status" -eq 0 ]
	art-verify --show-pubkey | jq -j .pubkey > "$ART_TMP/pub2.pem"
	cmp "$ART_TMP/pub.pem" "$ART_TMP/pub2.pem"
	# the raw key: the last 32 bytes of the PEM's DER
	sed '1d;$d' "$ART_TMP/pub.pem" | base64 -d | tail -c 32 | od -An -tx1 | tr -d ' \n' > "$ART_TMP/pub.hex"
	[ "$(wc -c < "$ART_TMP/pub.hex")" -eq 64 ]
	run art-verify --pubkey "$ART_TMP/pub.hex" "$R"
	[ "$status" -eq 0 ]
	# another key: a fresh config home makes a fresh key
	XDG_CONFIG_HOME="$ART_TMP/other" art-verify --show-pubkey -r > "$ART_TMP/other.pem"
	run --separate-stderr art-verify --pubkey "$ART_TMP/other.pem" "$R"
	[ "$status" -eq 1 ]
	[ "$(json .ok)" = false ]
	[ "$(json .keyid)" != "$(jq -r .keyid "$ART_TMP/close.json")" ]
	echo "not a key" > "$ART_TMP/junk"
	run --separate-stderr art-verify --pubkey "$ART_TMP/junk" "$R"
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"$ART_TMP/junk: not a public key"* ]]
}

@test "verify: a validly signed envelope of an unknown payload type is exit 1" {
	statement > "$ART_TMP/st.json"
	/usr/bin/python3 "$BATS_TEST_DIRNAME/dsse.py" sign application/x-other "$KEYFILE" < "$ART_TMP/st.json" > "$ART_TMP/bad.json"
	run --separate-stderr art-verify "$ART_TMP/bad.json"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"payloadType \"application/x-other\""* ]]
	# the same statement signed as in-toto by the same independent signer
	# verifies, where no log says which receipt art-close wrote (a clone)
	/usr/bin/python3 "$BATS_TEST_DIRNAME/dsse.py" sign application/vnd.in-toto+json "$KEYFILE" < "$ART_TMP/st.json" > "$ART_TMP/good.json"
	git clone -q "$REPO" "$ART_TMP/clone"
	git -C "$ART_TMP/clone" fetch -q origin 'refs/art/runs/*:refs/art/runs/*'
	cd "$ART_TMP/clone"
	run art-verify "$ART_TMP/good.json"
	[ "$status" -eq 0 ]
	[ "$(json .log.checked)" = false ]
}

@test "verify: a signed statement that is not art's receipt is exit 1" {
	statement | jq -c '.predicateType = "https://slsa.dev/provenance/v1"' > "$ART_TMP/st.json"
	/usr/bin/python3 "$BATS_TEST_DIRNAME/dsse.py" sign application/vnd.in-toto+json "$KEYFILE" < "$ART_TMP/st.json" > "$ART_TMP/bad.json"
	run --separate-stderr art-verify "$ART_TMP/bad.json"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"predicateType"* ]]
}

@test "verify: an edited report is exit 1, naming the copy" {
	echo "- [x] Security review done" >> "$WT/.agent/REPORT.md"
	run --separate-stderr art-verify "$R"
	[ "$status" -eq 1 ]
	[ "$(json '.subjects[1].ok')" = false ]
	[[ "$(json '.why[0]')" == *".worktrees/T1/tom/.agent/REPORT.md does not have the receipt's digest"* ]]
}

@test "verify: a branch rewritten without the commit is exit 1; one that moved on is fine" {
	printf 'b\n' > "$WT/src/b.c"
	git -C "$WT" add src/b.c
	git -C "$WT" commit -qm "feat(src): add b"
	run art-verify "$R"
	[ "$status" -eq 0 ]
	[ "$(json '.subjects[0].branch')" = ancestor ]
	git -C "$WT" reset -q --hard main
	run --separate-stderr art-verify "$R"
	[ "$status" -eq 1 ]
	[ "$(json '.subjects[0].branch')" = off ]
}

@test "verify: a tampered log is exit 1; no log at all is said, not failed" {
	db="$(git rev-parse --git-common-dir)/art/art.db"
	cp "$db" "$ART_TMP/db.bak"
	sqlite3 "$db" "UPDATE events SET body = replace(body, 'feat/T1-tom', 'feat/T1-eve') WHERE seq = 1"
	run --separate-stderr art-verify "$R"
	[ "$status" -eq 1 ]
	[ "$(json .log.bad)" -eq 1 ]
	# rewritten from the start, every hash recomputed, is another log
	rm -f "$db" "$db-wal" "$db-shm"
	echo '{"type": "x.y"}' | art-log append >/dev/null
	echo '{"type": "x.y"}' | art-log append >/dev/null
	echo '{"type": "x.y"}' | art-log append >/dev/null
	run --separate-stderr art-verify "$R"
	[ "$status" -eq 1 ]
	[[ "$(json '.why[0]')" == *"not the one the receipt saw"* ]]
	# a log that is not a database is a failure, not "no log"
	rm -f "$db" "$db-wal" "$db-shm"
	head -c 5000 /dev/urandom > "$db"
	run --separate-stderr art-verify "$R"
	[ "$status" -eq 1 ]
	[ "$(json .log.checked)" = false ]
	# gone, where the run was worked on: its history is lost, a failure
	rm -f "$db" "$db-wal" "$db-shm"
	run --separate-stderr art-verify "$R"
	[ "$status" -eq 1 ]
	[[ "$(json '.why[0]')" == *"there is none, but run T1/tom was worked on"* ]]
	# a repository where the run never was (a clone in CI) has no log:
	# said, not failed
	cp "$R" "$ART_TMP/receipt.json"
	art-verify --show-pubkey -r > "$ART_TMP/pub.pem"
	git clone -q "$REPO" "$ART_TMP/clone"
	git -C "$ART_TMP/clone" fetch -q origin 'refs/art/runs/*:refs/art/runs/*'
	cd "$ART_TMP/clone"
	run --separate-stderr art-verify --pubkey "$ART_TMP/pub.pem" --run T1/tom
	[ "$status" -eq 0 ]
	[ "$(json .log.checked)" = false ]
	[ "$(json .subjects[0].branch)" = head ]
	[ "$(json .subjects[0].ref)" = refs/remotes/origin/feat/T1-tom ]
	[ "$(json '.subjects[1].checked | join(",")')" = "refs/art/runs/T1/tom:REPORT.md" ]
}

@test "verify: a signed statement without its commit or its report subject is exit 1" {
	for drop in 0 1; do
		statement | jq -c "del(.subject[$drop])" > "$ART_TMP/st.json"
		/usr/bin/python3 "$BATS_TEST_DIRNAME/dsse.py" sign application/vnd.in-toto+json "$KEYFILE" < "$ART_TMP/st.json" > "$ART_TMP/bad.json"
		run --separate-stderr art-verify "$ART_TMP/bad.json"
		[ "$status" -eq 1 ]
		[[ "$(json '.why | join(" ")')" == *"subjects"*"not one"* ]]
	done
}

@test "verify: a run that was not closed has no receipt (exit 4); one that never was says so" {
	art-start --agent tom --ticket T2 </dev/null >/dev/null
	run --separate-stderr art-verify --run T2/tom
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"has no receipt"* ]]
	run --separate-stderr art-verify --run T3/tom
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"no run T3/tom in this repository"* ]]
}

@test "verify: usage errors are exit 2" {
	for args in "--bogus" "a b" "--run T1/tom $R" "--show-pubkey $R" "-r $R" "--run T1/tom --agent tom"; do
		# shellcheck disable=SC2086
		run --separate-stderr art-verify $args </dev/null
		[ "$status" -eq 2 ]
		[[ "$stderr" == *usage:* ]]
	done
	run --separate-stderr art-verify --run nonsense </dev/null
	[ "$status" -eq 3 ]
}

@test "verify: without --pubkey and without a local key, says how to give one" {
	run --separate-stderr env XDG_CONFIG_HOME="$ART_TMP/nokey" art-verify "$R"
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"--pubkey"* ]]
	[ ! -e "$ART_TMP/nokey/art/signing.key" ]
}

@test "verify: a run record whose manifest was replaced is exit 1" {
	rec=refs/art/runs/T1/tom
	wide=$(git cat-file blob "$rec:manifest.json" | jq -c '.scopeAllowlist = ["**"] | .dod = []' | git hash-object -w --stdin)
	tree=$(git ls-tree "$rec" | sed "s/[0-9a-f]\{40\}\tmanifest.json/$wide\tmanifest.json/" | git mktree)
	git update-ref "$rec" "$(git commit-tree -p "$rec" -m "art: widen" "$tree")"
	run --separate-stderr art-verify --run T1/tom
	[ "$status" -eq 1 ]
	[ "$(json .manifest.ok)" = false ]
	[[ "$(json '.why | join(" ")')" == *"manifest.json is not the manifest the run was closed with"* ]]
}

@test "verify: a receipt re-signed with the key is caught by the log; the log's close is hash-checked" {
	# whoever holds the key can sign; the log art-close wrote says what it found
	statement | jq -c '.predicate.ok = false' > "$ART_TMP/st.json"
	/usr/bin/python3 "$BATS_TEST_DIRNAME/dsse.py" sign application/vnd.in-toto+json "$KEYFILE" < "$ART_TMP/st.json" > "$ART_TMP/forged.json"
	run --separate-stderr art-verify "$ART_TMP/forged.json"
	[ "$status" -eq 1 ]
	[ "$(json .log.ok)" = false ]
	[[ "$(json '.why | join(" ")')" == *"records another receipt than this one"* ]]
	# the genuine one names the close event
	run art-verify "$R"
	[ "$(json .log.close)" -gt "$(json .log.seq)" ]
	# the close itself cannot be edited to name the forgery
	close=$(json .log.close)
	db="$(git rev-parse --git-common-dir)/art/art.db"
	sqlite3 "$db" "UPDATE events SET body = replace(body, '\"ok\":true', '\"ok\":false') WHERE seq = $close"
	run --separate-stderr art-verify "$R"
	[ "$status" -eq 1 ]
	[ "$(json .log.bad)" -eq "$close" ]
}

@test "verify: a run record without its manifest is exit 1" {
	rec=refs/art/runs/T1/tom
	tree=$(git ls-tree "$rec" | grep -v 'manifest.json$' | git mktree)
	git update-ref "$rec" "$(git commit-tree -p "$rec" -m "art: no manifest" "$tree")"
	run --separate-stderr art-verify --run T1/tom
	[ "$status" -eq 1 ]
	[[ "$(json '.why | join(" ")')" == *"has no manifest.json"* ]]
}
