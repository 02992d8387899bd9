#!/usr/bin/env bats
# Shell completions: completions/art.bash, completions/_art and
# completions/art.fish know every flag the commands print in their --help;
# the bash one completes verbs, flags and values with plain bash (no
# bash-completion package needed), and the fish one with fish itself, loaded
# by command name as it is installed (a copy of art.fish for each command).

bats_require_minimum_version 1.5.0

# The commands art.fish is installed for, as art.fish, art-init.fish, ...
FISH_NAMES="art art-init art-start art-prompt art-scope-check art-close art-verify art-log art-vm
	art-auth art-poll art-claim art-doctor"

setup() {
	TOP="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
	BASH_COMP="$TOP/completions/art.bash"
	ZSH_COMP="$TOP/completions/_art"
	FISH_COMP="$TOP/completions/art.fish"
	COMP_TMP=$(mktemp -d)
	# as installed: fish loads the completions of art-poll from art-poll.fish
	FISH_DIR="$COMP_TMP/fish-completions"
	mkdir -p "$FISH_DIR"
	for c in $FISH_NAMES; do
		cp "$FISH_COMP" "$FISH_DIR/$c.fish"
	done
	export HOME="$COMP_TMP/home" GIT_CONFIG_NOSYSTEM=1 XDG_CONFIG_HOME="$COMP_TMP/home/.config"
	export GIT_CEILING_DIRECTORIES="$COMP_TMP"
	mkdir -p "$HOME"
	cd "$COMP_TMP" || return 1
}

teardown() {
	cd /
	[ -n "${COMP_TMP:-}" ] && rm -rf "$COMP_TMP"
}

# The long flags a command prints in its --help, one a line.
help_flags() {
	"$@" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u
}

# Whether file $1 names flag $2 as a whole word (--by is not --bypass).
has_flag() {
	grep -Eq -- "(^|[^-[:alnum:]])$2([^-[:alnum:]_]|\$)" "$1"
}

# The subcommands of command $1, one a line: the first word of each
# alternative of its usage line ("usage: art-log append [--pretty] | show
# ..."), when that is a word and not a flag; and then that of each of its
# other usage lines ("usage: art-auth client ...", "       art-auth login
# ..."); nothing for a command without subcommands.
subcommands() {
	"$1" --help | awk -v name="${1##*/}" '
		function words(s,   n, i, alt, w) {
			n = split(s, alt, / [|] /)
			for (i = 1; i <= n; i++)
				if (split(alt[i], w, " ") && w[1] ~ /^[a-z][a-z-]*$/)
					print w[1]
		}
		NR == 1 { sub(/^usage: [^ ]* /, ""); subs = $1 ~ /^[a-z][a-z-]*$/; words($0) }
		NR > 1 && subs && $1 == name { sub(/^ *[^ ]* /, ""); words($0) }' | sort -u
}

# Whether art.fish gives command $1 flag $2: a line `complete -c $1 ...
# -l FLAG` (the file keeps one complete a line for this).
fish_has_flag() {
	grep -Eq -- "^complete -c $1( .*)? -l ${2#--}( |\$)" "$FISH_COMP"
}

# Check that the three completion files know every long flag of command $1,
# and that the bash completion, and fish when it is installed, offer each of
# them after -- (after one of its subcommands or another, for a command that
# has some).
check_flags() {
	local flags f offered fish_offered='' subs s name=${1##*/} missing=
	run help_flags "$1"
	[ "$status" -eq 0 ]
	flags=$output
	[ -n "$flags" ]
	subs=$(subcommands "$1")
	if [ -n "$subs" ]; then
		offered=$(for s in $subs; do comp "$name" "$s" --; done)
	else
		offered=$(comp "$name" --)
	fi
	if command -v fish >/dev/null; then
		if [ -n "$subs" ]; then
			fish_offered=$(for s in $subs; do fcomp "$name $s --"; done)
		else
			fish_offered=$(fcomp "$name --")
		fi
	fi
	for f in $flags; do
		has_flag "$BASH_COMP" "$f" || missing="$missing art.bash:$f"
		has_flag "$ZSH_COMP" "$f" || missing="$missing _art:$f"
		fish_has_flag "$name" "$f" || missing="$missing art.fish:$f"
		printf '%s\n' "$offered" | grep -qxF -- "$f" ||
			missing="$missing bash-offered:$f"
		if command -v fish >/dev/null; then
			printf '%s\n' "$fish_offered" | grep -qxF -- "$f" ||
				missing="$missing fish-offered:$f"
		fi
	done
	if [ -n "$missing" ]; then
		echo "$* --help prints flags the completions lack:$missing"
		return 1
	fi
}

# comp WORD...: run the bash completion function of WORD[0] with the last
# WORD being completed; prints COMPREPLY one a line.
comp() {
	local fn
	# shellcheck source=completions/art.bash
	source "$BASH_COMP"
	fn=$(complete -p "$1" | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
	[ -n "$fn" ] || { echo "no completion function for $1" >&2; return 1; }
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	((${#COMPREPLY[@]} == 0)) || printf '%s\n' "${COMPREPLY[@]}"
}

# fcomp LINE: what fish completes at the end of LINE, one candidate a line
# (descriptions cut off), sorted as fish sorts them.  The completions load
# the way they do once installed: fish looks for COMMAND.fish in
# fish_complete_path, for a command it finds in PATH.
# shellcheck disable=SC2016
fcomp() {
	local out
	out=$(PATH="${ART_BIN:?}:$PATH" fish --no-config -c '
		set fish_complete_path $argv[1] $__fish_data_dir/completions
		complete --do-complete=$argv[2]' "$FISH_DIR" "$1") || return
	[ -z "$out" ] || printf '%s\n' "$out" | cut -f1
}

need_fish() {
	command -v fish >/dev/null || skip "fish is not installed"
}

# Whether line $1 is one of the lines of $output.
in_output() {
	printf '%s\n' "$output" | grep -qxF -- "$1"
}

not_in_output() {
	! in_output "$1"
}

# A scratch repository whose registry lists the agents given.
scratch_repo() {
	local a list=
	git init -q -b main "$COMP_TMP/repo"
	cd "$COMP_TMP/repo" || return 1
	git config user.name "Test User"
	git config user.email test@example.com
	mkdir agents
	for a in "$@"; do
		list="$list${list:+,
}    {\"agent\": \"$a\", \"profile\": \"agents/profiles/${a}_agent.json\"}"
	done
	printf '{\n  "version": 1,\n  "agents": [\n%s\n  ],\n  "protected": [],\n  "dod": []\n}\n' \
		"$list" >agents/agents_registry.json
	git add -A
	git commit -qm "chore(agents): registry"
}

@test "completions know every flag of art --help" {
	: "${ART_BIN:?ART_BIN must name the directory of the built commands (make check sets it)}"
	check_flags "$ART_BIN/art"
}

@test "completions know every verb art --help lists" {
	local verbs v
	verbs=$("$ART_BIN/art" --help | sed -n 's/^verbs: *\([a-z -]*\).*/\1/p' | sed 's/ *(.*//')
	[ -n "$verbs" ]
	for v in $verbs; do
		grep -q "_art_verbs=.*\\b$v\\b" "$BASH_COMP" || { echo "art.bash lacks verb $v"; return 1; }
		grep -q "'$v:" "$ZSH_COMP" || { echo "_art lacks verb $v"; return 1; }
		grep -q "^complete -c art -n __art_no_verb -a $v " "$FISH_COMP" ||
			{ echo "art.fish lacks verb $v"; return 1; }
	done
}

@test "completions know every flag of art-init --help" {
	check_flags "$ART_BIN/art-init"
}

@test "completions know every flag of art-start --help" {
	check_flags "$ART_BIN/art-start"
}

@test "completions know every flag of art-prompt --help" {
	check_flags "$ART_BIN/art-prompt"
}

@test "completions know every flag of art-scope-check --help" {
	check_flags "$ART_BIN/art-scope-check"
}

@test "completions know every flag of art-close --help" {
	check_flags "$ART_BIN/art-close"
}

@test "completions know every flag of art-verify --help" {
	check_flags "$ART_BIN/art-verify"
}

@test "completions know every flag of art-log --help" {
	check_flags "$ART_BIN/art-log"
}

@test "completions know every flag of art-doctor --help" {
	[ -x "$ART_BIN/art-doctor" ] || skip "art-doctor is not built yet"
	check_flags "$ART_BIN/art-doctor"
}

@test "bash: each art-log subcommand offers exactly the flags of its usage" {
	local usage alt sub flags offered
	usage=$("$ART_BIN/art-log" --help | sed -n '1s/^usage: art-log //p')
	[ -n "$usage" ]
	while IFS= read -r alt; do
		sub=$(awk '{ print $1 }' <<<"$alt")
		[ -n "$sub" ]
		flags=$(grep -o -- '--[a-z][a-z0-9-]*' <<<"$alt" | sort -u)
		offered=$(comp art-log "$sub" -- | grep -vx -- --help | sort)
		[ "$offered" = "$flags" ] || {
			echo "art-log $sub: the usage has [$flags], bash offers [$offered]"
			return 1
		}
		offered=$(comp art log "$sub" -- | grep -vx -- --help | sort)
		[ "$offered" = "$flags" ] || {
			echo "art log $sub: the usage has [$flags], bash offers [$offered]"
			return 1
		}
		grep -q "'$sub:" "$ZSH_COMP" || { echo "_art lacks art-log $sub"; return 1; }
	done < <(tr '|' '\n' <<<"$usage")
}

@test "completions know every art-<verb> that is built, and its flags" {
	local cmd name verb
	# shellcheck source=completions/art.bash
	source "$BASH_COMP"
	for cmd in "$ART_BIN"/art-*; do
		name=${cmd##*/} verb=${name#art-}
		complete -p "$name" >/dev/null || { echo "art.bash does not register $name"; return 1; }
		head -n 1 "$ZSH_COMP" | grep -qw -- "$name" || { echo "_art: #compdef lacks $name"; return 1; }
		grep -q "_art_verbs=.*\\b$verb\\b" "$BASH_COMP" || { echo "art.bash lacks verb $verb"; return 1; }
		grep -q "'$verb:" "$ZSH_COMP" || { echo "_art lacks verb $verb"; return 1; }
		grep -q "^complete -c $name " "$FISH_COMP" || { echo "art.fish lacks $name"; return 1; }
		[[ " ${FISH_NAMES//[[:space:]]/ } " == *" $name "* ]] || { echo "FISH_NAMES lacks $name"; return 1; }
		check_flags "$cmd"
	done
}

@test "bash: art registers art and every art-<verb>" {
	local c
	# shellcheck source=completions/art.bash
	source "$BASH_COMP"
	for c in art art-init art-start art-prompt art-scope-check art-close art-verify art-log art-vm \
		art-auth art-poll art-claim art-doctor; do
		complete -p "$c" >/dev/null
	done
}

@test "bash: art st completes to start" {
	run --separate-stderr comp art st
	[ "$status" -eq 0 ]
	[ "$output" = start ]
	[ -z "$stderr" ]
}

@test "bash: art with nothing typed offers every verb, and - its options" {
	run --separate-stderr comp art ''
	[ "$status" -eq 0 ]
	for v in init start prompt scope-check close verify log vm auth poll claim doctor help; do
		in_output "$v"
	done
	run --separate-stderr comp art --
	in_output --version
	in_output --help
}

@test "bash: art help offers the manual topics" {
	run --separate-stderr comp art help ''
	[ "$status" -eq 0 ]
	for t in init start prompt scope-check close verify log vm auth poll claim \
		doctor registry manifest receipt events; do
		in_output "$t"
	done
	run --separate-stderr comp art help reg
	[ "$output" = registry ]
}

@test "bash: art-start --ag completes to --agent" {
	run --separate-stderr comp art-start --ag
	[ "$status" -eq 0 ]
	[ "$output" = --agent ]
	[ -z "$stderr" ]
}

@test "bash: art <verb> completes that verb's flags" {
	run --separate-stderr comp art start --re
	[ "$output" = --resume ]
	run --separate-stderr comp art prompt --t
	in_output --ticket
	in_output --template
	run --separate-stderr comp art init --
	in_output --agent
	in_output --pretty
	not_in_output --ticket
	run --separate-stderr comp art-prompt -
	in_output -r
	in_output --raw
	run --separate-stderr comp art scope-check --man
	in_output --manifest
	in_output --manifest-ref
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ]
	run --separate-stderr comp art-scope-check --s
	[ "$output" = --staged ]
}

@test "bash: art-log completes its subcommands, then their flags" {
	run --separate-stderr comp art-log ''
	[ "$status" -eq 0 ]
	for s in append show verify replay; do in_output "$s"; done
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 4 ]
	[ -z "$stderr" ]
	run --separate-stderr comp art log s
	[ "$output" = show ]
	run --separate-stderr comp art-log -
	in_output --help
	in_output -h
	not_in_output --run
	not_in_output append
	run --separate-stderr comp art-log show --f
	[ "$output" = --follow ]
	run --separate-stderr comp art-log show --run TKT_one/tom --s
	[ "$output" = --since ]
	run --separate-stderr comp art log replay --
	in_output --run
	not_in_output --pretty
	not_in_output --follow
	run --separate-stderr comp art-log append --
	in_output --pretty
	not_in_output --run
	run --separate-stderr comp art-log verify --p
	[ "$output" = --pretty ]
}

@test "bash: art-log --run completes the runs that have a record, as TICKET/agent" {
	scratch_repo tom
	git update-ref refs/art/runs/TKT_one/tom HEAD
	git update-ref refs/art/runs/TKT_two/eva HEAD
	git branch feat/TKT_one-tom
	run --separate-stderr comp art-log show --run ''
	[ "$status" -eq 0 ]
	in_output TKT_one/tom
	in_output TKT_two/eva
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ]
	[ -z "$stderr" ]
	run --separate-stderr comp art log replay --run TKT_t
	[ "$output" = TKT_two/eva ]
	run --separate-stderr comp art-log show --run=TKT_o
	[ "$output" = --run=TKT_one/tom ]
	run --separate-stderr comp art-log show --run = TKT_o
	[ "$output" = TKT_one/tom ]
	# --since takes a sequence number: nothing to offer
	run --separate-stderr comp art-log show --since ''
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "bash: art-scope-check --manifest-ref completes the run records" {
	scratch_repo tom
	git update-ref refs/art/runs/TKT_one/tom HEAD
	git update-ref refs/art/runs/TKT_two/eva HEAD
	git branch feat/TKT_one-tom
	run --separate-stderr comp art-scope-check --manifest-ref ''
	[ "$status" -eq 0 ]
	in_output refs/art/runs/TKT_one/tom
	in_output refs/art/runs/TKT_two/eva
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ]
	[ -z "$stderr" ]
	run --separate-stderr comp art scope-check --manifest-ref refs/art/runs/TKT_t
	[ "$output" = refs/art/runs/TKT_two/eva ]
}

@test "bash: art-scope-check --range completes a ref on each side of the dots" {
	scratch_repo tom
	git branch feat/TKT_one-tom
	run --separate-stderr comp art-scope-check --range ma
	[ "$output" = main ]
	run --separate-stderr comp art-scope-check --range main..feat/
	[ "$output" = main..feat/TKT_one-tom ]
	run --separate-stderr comp art scope-check --range main...fe
	[ "$output" = main...feat/TKT_one-tom ]
	run --separate-stderr comp art-scope-check --range main..
	in_output main..main
	in_output main..feat/TKT_one-tom
}

@test "bash: art-scope-check --manifest completes files, and --agent and --ticket as elsewhere" {
	scratch_repo tom eva
	: >run-manifest.json
	mkdir -p .worktrees/TKT_one/tom
	run --separate-stderr comp art-scope-check --manifest run-
	[ "$output" = run-manifest.json ]
	run --separate-stderr comp art-scope-check --agent e
	[ "$output" = eva ]
	run --separate-stderr comp art scope-check --ticket TKT_
	[ "$output" = TKT_one ]
}

@test "bash: --agent completes the agents of the registry" {
	scratch_repo tom eva
	mkdir sub
	cd sub
	run --separate-stderr comp art-start --agent ''
	[ "$status" -eq 0 ]
	in_output tom
	in_output eva
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ]
	[ -z "$stderr" ]
	run --separate-stderr comp art prompt --agent e
	[ "$output" = eva ]
	# --agent=VALUE, split at = as bash does by default
	run --separate-stderr comp art init --agent = t
	[ "$output" = tom ]
	run --separate-stderr comp art init --agent =
	in_output tom
	in_output eva
}

@test "bash: --ticket completes the tickets under .worktrees" {
	scratch_repo tom
	mkdir -p .worktrees/TKT_one/tom .worktrees/TKT_two/eva
	: >.worktrees/not_a_dir
	run --separate-stderr comp art-start --ticket ''
	[ "$status" -eq 0 ]
	in_output TKT_one
	in_output TKT_two
	not_in_output not_a_dir
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ]
	run --separate-stderr comp art-prompt --ticket TKT_o
	[ "$output" = TKT_one ]
}

@test "bash: --base completes git refs" {
	scratch_repo tom
	git branch feat/x
	git tag v1
	run --separate-stderr comp art-start --base ''
	[ "$status" -eq 0 ]
	in_output main
	in_output feat/x
	in_output v1
	run --separate-stderr comp art start --base fe
	[ "$output" = feat/x ]
}

@test "bash: --template completes files" {
	scratch_repo tom
	: >my-template.md
	run --separate-stderr comp art-prompt --template my-
	[ "$status" -eq 0 ]
	[ "$output" = my-template.md ]
}

@test "bash: outside a git repository values complete to nothing, silently" {
	mkdir plain
	cd plain
	for w in --agent --ticket --base; do
		run --separate-stderr comp art-start "$w" ''
		[ "$status" -eq 0 ]
		[ -z "$output" ]
		[ -z "$stderr" ]
	done
	run --separate-stderr comp art-log show --run ''
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

# shellcheck disable=SC2016
@test "bash: registry values are offered literally, never expanded" {
	scratch_repo 'x$(touch PWNED)' tom
	run --separate-stderr comp art-start --agent ''
	[ "$status" -eq 0 ]
	[ ! -e PWNED ]
	in_output 'x$(touch PWNED)'
	in_output tom
}

@test "zsh: completions/_art parses" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run zsh -n "$ZSH_COMP"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	head -n 1 "$ZSH_COMP" | grep -qx '#compdef art art-init art-start art-prompt art-scope-check art-close art-verify art-log art-vm art-auth art-poll art-claim art-doctor'
}

@test "bash: art-vm completes run, its flags, and the command after --" {
	run --separate-stderr comp art-vm ''
	[ "$output" = $'run\nimage' ]
	run --separate-stderr comp art-vm image ''
	[ "$output" = $'build\nstatus' ]
	run --separate-stderr comp art-vm image build --k
	[ "$output" = --kernel ]
	run --separate-stderr comp art-vm run --mem
	[ "$output" = --memory ]
	run --separate-stderr comp art-vm run --ne
	[ "$output" = --net ]
	run --separate-stderr comp art-vm run --net ''
	[ "$output" = $'none\nloopback' ]
	run --separate-stderr comp art vm run --backend c
	[ "$output" = cage ]
	run --separate-stderr comp art-vm run --timeout 5 -- bas
	in_output bash
}

@test "bash: art-auth completes its subcommands, after flags and their values too" {
	run --separate-stderr comp art-auth ''
	[ "$status" -eq 0 ]
	[ "$output" = $'client\nlogin\ndevice\nrotate\nstatus\nlogout' ]
	[ -z "$stderr" ]
	run --separate-stderr comp art auth lo
	[ "$output" = $'login\nlogout' ]
	run --separate-stderr comp art-auth --store file --core https://core.example ''
	in_output client
	in_output status
	run --separate-stderr comp art-auth --core = https://core.example st
	[ "$output" = status ]
	run --separate-stderr comp art-auth -
	in_output --core
	in_output --store
	in_output -v
	not_in_output --username
	not_in_output client
}

@test "bash: each art-auth subcommand offers exactly the flags of its usage" {
	local line sub flags common offered
	common=$("$ART_BIN/art-auth" --help | sed -n 's/^common: //p' |
		grep -o -- '--[a-z][a-z0-9-]*')
	[ -n "$common" ]
	while IFS= read -r line; do
		sub=$(awk '{ print $2 }' <<<"$line")
		flags=$( (grep -o -- '--[a-z][a-z0-9-]*' <<<"$line"; printf '%s\n' "$common") | sort -u)
		offered=$(comp art-auth "$sub" -- | grep -vx -e --help -e --verbose | sort)
		[ "$offered" = "$flags" ] || {
			echo "art-auth $sub: the usage has [$flags], bash offers [$offered]"
			return 1
		}
		grep -q "'$sub:" "$ZSH_COMP" || { echo "_art lacks art-auth $sub"; return 1; }
	done < <("$ART_BIN/art-auth" --help | sed -n 's/^\(usage:\)\{0,1\} *\(art-auth [a-z]\)/\2/p')
}

@test "bash: art-auth completes --store, the secret files, and --core from git config" {
	scratch_repo tom
	: >secret.txt
	run --separate-stderr comp art-auth --store ''
	[ "$output" = $'keyring\nfile' ]
	run --separate-stderr comp art auth status --store=k
	[ "$output" = --store=keyring ]
	run --separate-stderr comp art-auth client --secret-file sec
	[ "$output" = secret.txt ]
	run --separate-stderr comp art-auth login --password-file sec
	[ "$output" = secret.txt ]
	# a descriptor or a client id: nothing to offer, and no subcommand
	run --separate-stderr comp art-auth --secret-fd ''
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run --separate-stderr comp art-auth --core ''
	[ -z "$output" ]
	git config art.core https://core.example
	run --separate-stderr comp art-auth --core ''
	[ "$output" = https://core.example ]
	run --separate-stderr comp art poll --core ht
	[ "$output" = https://core.example ]
	run --separate-stderr comp art-claim --core=ht
	[ "$output" = --core=https://core.example ]
}

@test "bash: art-poll completes its flags, and --hints sse or a FIFO" {
	mkfifo hints.fifo
	run --separate-stderr comp art-poll --sc
	[ "$output" = $'--scope\n--schedule' ]
	run --separate-stderr comp art-poll --hints ''
	in_output sse
	in_output hints.fifo
	run --separate-stderr comp art poll --hints hi
	[ "$output" = hints.fifo ]
	run --separate-stderr comp art-poll --limit ''
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "bash: art-claim completes its flags, and the command after --run --" {
	: >payload.json
	run --separate-stderr comp art-claim --g
	[ "$output" = --grace ]
	run --separate-stderr comp art-claim --job ''
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run --separate-stderr comp art-claim --job 7 --run -- bas
	in_output bash
	not_in_output --grace
	run --separate-stderr comp art claim --run -- cat pay
	[ "$output" = payload.json ]
}

# art-doctor and art-init --hooks are checked here whether they are built yet
# or not; "completions know every flag of ..." checks them against --help.
@test "bash: art-init offers --hooks and --uninstall, art-doctor its flags and --core" {
	scratch_repo tom
	run --separate-stderr comp art-init --
	for f in --agent --hooks --uninstall --pretty --help; do in_output "$f"; done
	run --separate-stderr comp art init --u
	[ "$output" = --uninstall ]
	run --separate-stderr comp art-init --h
	[ "$output" = $'--hooks\n--help' ]
	run --separate-stderr comp art-doctor --
	[ "$output" = $'--core\n--pretty\n--help' ]
	run --separate-stderr comp art-doctor -
	in_output -h
	run --separate-stderr comp art doctor --p
	[ "$output" = --pretty ]
	git config art.core https://core.example
	run --separate-stderr comp art-doctor --core ''
	[ "$output" = https://core.example ]
	run --separate-stderr comp art doctor --core=ht
	[ "$output" = --core=https://core.example ]
	run --separate-stderr comp art d
	[ "$output" = doctor ]
	[ -z "$stderr" ]
}

@test "zsh: _art knows art-init --hooks and --uninstall, and art-doctor" {
	grep -q -- "'(--agent)--hooks\[" "$ZSH_COMP"
	grep -q -- "'(--agent)--uninstall\[" "$ZSH_COMP"
	grep -q -- "'(--hooks --uninstall)--agent=\[" "$ZSH_COMP"
	grep -q "'doctor:" "$ZSH_COMP"
	sed -n '/^  doctor)$/,/;;/p' "$ZSH_COMP" | grep -q -- "'--core=\[.*:_art_core'"
	sed -n '/^  doctor)$/,/;;/p' "$ZSH_COMP" | grep -q -- "'--pretty\["
}

# shellcheck disable=SC2016
@test "fish: completions/art.fish parses, and loading it twice adds nothing twice" {
	need_fish
	run fish --no-config -n "$FISH_COMP"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	local c once twice
	for c in $FISH_NAMES; do
		once=$(fish --no-config -c 'source $argv[1]; complete -c $argv[2]' "$FISH_COMP" "$c")
		[ -n "$once" ] || { echo "art.fish defines nothing for $c"; return 1; }
		twice=$(fish --no-config -c 'source $argv[1]; source $argv[1]; complete -c $argv[2]' "$FISH_COMP" "$c")
		[ "$once" = "$twice" ] || { echo "loading art.fish twice doubles the completions of $c"; return 1; }
	done
}

@test "fish: art-poll -- lists the flags of art-poll --help, loaded from art-poll.fish" {
	need_fish
	run --separate-stderr fcomp 'art-poll --'
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	# --help and --verbose (-h and -v in the usage) besides
	[ "$(grep -vx -e --help -e --verbose <<<"$output" | sort)" = "$(help_flags "$ART_BIN/art-poll")" ]
	in_output --help
	in_output --verbose
	# and only from there: without it in fish_complete_path, nothing
	rm "$FISH_DIR/art-poll.fish"
	run --separate-stderr fcomp 'art-poll --'
	[ -z "$output" ]
}

@test "fish: art offers every verb, art st completes to start, art - its options" {
	need_fish
	run --separate-stderr fcomp 'art '
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	for v in init start prompt scope-check close verify log vm auth poll claim doctor help; do
		in_output "$v"
	done
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 13 ]
	run --separate-stderr fcomp 'art st'
	[ "$output" = start ]
	run --separate-stderr fcomp 'art -'
	[ "$output" = $'-h\n--help\n--version' ]
	# after the verb, art's own options are gone
	run --separate-stderr fcomp 'art start --v'
	[ -z "$output" ]
}

@test "fish: art help offers the manual topics" {
	need_fish
	run --separate-stderr fcomp 'art help '
	[ "$status" -eq 0 ]
	for t in init start prompt scope-check close verify log vm auth poll claim \
		doctor registry manifest receipt events; do
		in_output "$t"
	done
	run --separate-stderr fcomp 'art help reg'
	[ "$output" = registry ]
	run --separate-stderr fcomp 'art help log '
	[ -z "$output" ]
}

@test "fish: art <verb> completes as art-<verb> does" {
	need_fish
	run --separate-stderr fcomp 'art-start --ag'
	[ "$output" = --agent ]
	run --separate-stderr fcomp 'art start --re'
	[ "$output" = --resume ]
	run --separate-stderr fcomp 'art prompt --t'
	[ "$output" = $'--template\n--ticket' ]
	run --separate-stderr fcomp 'art init --'
	in_output --agent
	in_output --hooks
	in_output --uninstall
	not_in_output --ticket
	run --separate-stderr fcomp 'art-prompt -'
	in_output -r
	in_output --raw
	in_output -h
	run --separate-stderr fcomp 'art scope-check --man'
	[ "$output" = $'--manifest\n--manifest-ref' ]
	run --separate-stderr fcomp 'art doctor --'
	[ "$output" = $'--core\n--help\n--pretty' ]
	[ -z "$stderr" ]
}

@test "fish: art-log completes its subcommands, then exactly the flags of each one's usage" {
	need_fish
	local usage alt sub flags offered
	run --separate-stderr fcomp 'art-log '
	[ "$output" = $'append\nreplay\nshow\nverify' ]
	[ -z "$stderr" ]
	run --separate-stderr fcomp 'art log s'
	[ "$output" = show ]
	run --separate-stderr fcomp 'art-log -'
	[ "$output" = $'-h\n--help' ]
	usage=$("$ART_BIN/art-log" --help | sed -n '1s/^usage: art-log //p')
	[ -n "$usage" ]
	while IFS= read -r alt; do
		sub=$(awk '{ print $1 }' <<<"$alt")
		flags=$(grep -o -- '--[a-z][a-z0-9-]*' <<<"$alt" | sort -u)
		offered=$(fcomp "art-log $sub --" | grep -vx -- --help | sort)
		[ "$offered" = "$flags" ] || {
			echo "art-log $sub: the usage has [$flags], fish offers [$offered]"
			return 1
		}
		offered=$(fcomp "art log $sub --" | grep -vx -- --help | sort)
		[ "$offered" = "$flags" ] || {
			echo "art log $sub: the usage has [$flags], fish offers [$offered]"
			return 1
		}
	done < <(tr '|' '\n' <<<"$usage")
}

@test "fish: art-auth completes its subcommands, after flags and their values too" {
	need_fish
	run --separate-stderr fcomp 'art-auth '
	[ "$output" = $'client\ndevice\nlogin\nlogout\nrotate\nstatus' ]
	[ -z "$stderr" ]
	run --separate-stderr fcomp 'art auth lo'
	[ "$output" = $'login\nlogout' ]
	run --separate-stderr fcomp 'art-auth --store file --core https://core.example '
	in_output client
	in_output status
	run --separate-stderr fcomp 'art-auth --core=https://core.example st'
	[ "$output" = status ]
	# the value of a flag is no place for a subcommand
	run --separate-stderr fcomp 'art-auth --secret-fd '
	[ -z "$output" ]
	run --separate-stderr fcomp 'art-auth -'
	in_output --core
	in_output --store
	in_output -v
	not_in_output --username
	not_in_output client
}

@test "fish: each art-auth subcommand offers exactly the flags of its usage" {
	need_fish
	local line sub flags common offered
	common=$("$ART_BIN/art-auth" --help | sed -n 's/^common: //p' |
		grep -o -- '--[a-z][a-z0-9-]*')
	[ -n "$common" ]
	while IFS= read -r line; do
		sub=$(awk '{ print $2 }' <<<"$line")
		flags=$( (grep -o -- '--[a-z][a-z0-9-]*' <<<"$line"; printf '%s\n' "$common") | sort -u)
		offered=$(fcomp "art-auth $sub --" | grep -vx -e --help -e --verbose | sort)
		[ "$offered" = "$flags" ] || {
			echo "art-auth $sub: the usage has [$flags], fish offers [$offered]"
			return 1
		}
	done < <("$ART_BIN/art-auth" --help | sed -n 's/^\(usage:\)\{0,1\} *\(art-auth [a-z]\)/\2/p')
}

@test "fish: --agent, --ticket, --base and --template complete as in bash" {
	need_fish
	scratch_repo tom eva
	mkdir -p .worktrees/TKT_one/tom .worktrees/TKT_two/eva sub
	: >.worktrees/not_a_dir
	: >my-template.md
	git branch feat/x
	git tag v1
	run --separate-stderr fcomp 'art-start --agent '
	[ "$output" = $'eva\ntom' ]
	[ -z "$stderr" ]
	run --separate-stderr fcomp 'art prompt --agent e'
	[ "$output" = eva ]
	run --separate-stderr fcomp 'art init --agent=t'
	[ "$output" = --agent=tom ]
	run --separate-stderr fcomp 'art-start --ticket '
	[ "$output" = $'TKT_one\nTKT_two' ]
	run --separate-stderr fcomp 'art-vm run --ticket TKT_o'
	[ "$output" = TKT_one ]
	run --separate-stderr fcomp 'art start --base '
	[ "$output" = $'feat/x\nmain\nv1' ]
	run --separate-stderr fcomp 'art-prompt --template my-'
	[ "$output" = my-template.md ]
	# from a subdirectory, the registry of the top-level
	cd sub
	run --separate-stderr fcomp 'art-close --agent t'
	[ "$output" = tom ]
	# the worktree root of git config art.worktreeRoot
	mkdir -p ../wt/TKT_three
	git config art.worktreeRoot wt
	run --separate-stderr fcomp 'art-close --ticket '
	[ "$output" = TKT_three ]
}

@test "fish: --run, --manifest-ref and --range complete the runs and refs" {
	need_fish
	scratch_repo tom
	git update-ref refs/art/runs/TKT_one/tom HEAD
	git update-ref refs/art/runs/TKT_two/eva HEAD
	git branch feat/TKT_one-tom
	: >run-manifest.json
	run --separate-stderr fcomp 'art-log show --run '
	[ "$output" = $'TKT_one/tom\nTKT_two/eva' ]
	[ -z "$stderr" ]
	run --separate-stderr fcomp 'art log replay --run TKT_t'
	[ "$output" = TKT_two/eva ]
	run --separate-stderr fcomp 'art-log show --run=TKT_o'
	[ "$output" = --run=TKT_one/tom ]
	run --separate-stderr fcomp 'art-verify --run TKT_o'
	[ "$output" = TKT_one/tom ]
	run --separate-stderr fcomp 'art-log show --since '
	[ -z "$output" ]
	run --separate-stderr fcomp 'art scope-check --manifest-ref '
	[ "$output" = $'refs/art/runs/TKT_one/tom\nrefs/art/runs/TKT_two/eva' ]
	run --separate-stderr fcomp 'art-scope-check --manifest run-'
	[ "$output" = run-manifest.json ]
	run --separate-stderr fcomp 'art-scope-check --range ma'
	[ "$output" = main ]
	run --separate-stderr fcomp 'art-scope-check --range main..feat/'
	[ "$output" = main..feat/TKT_one-tom ]
	run --separate-stderr fcomp 'art scope-check --range=main...fe'
	[ "$output" = --range=main...feat/TKT_one-tom ]
	run --separate-stderr fcomp 'art-scope-check --range main..'
	in_output main..main
	in_output main..feat/TKT_one-tom
	in_output main..art/runs/TKT_two/eva
	[ "$(printf '%s\n' "$output" | grep -vc '^main\.\.')" -eq 0 ]
}

@test "fish: outside a git repository values complete to nothing, silently" {
	need_fish
	mkdir plain
	cd plain
	for w in --agent --ticket --base; do
		run --separate-stderr fcomp "art-start $w "
		[ "$status" -eq 0 ]
		[ -z "$output" ]
		[ -z "$stderr" ]
	done
	run --separate-stderr fcomp 'art-log show --run '
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

# shellcheck disable=SC2016
@test "fish: registry values are offered literally, never expanded" {
	need_fish
	scratch_repo 'x$(touch PWNED)' 'y(touch PWNED2)' tom
	run --separate-stderr fcomp 'art-start --agent '
	[ "$status" -eq 0 ]
	[ ! -e PWNED ]
	[ ! -e PWNED2 ]
	in_output 'x$(touch PWNED)'
	in_output 'y(touch PWNED2)'
	in_output tom
}

@test "fish: art-vm completes run, its flags and values, and the command after --" {
	need_fish
	: >report.json
	run --separate-stderr fcomp 'art-vm '
	[ "$output" = $'image\nrun' ]
	run --separate-stderr fcomp 'art-vm image '
	[ "$output" = $'build\nstatus' ]
	run --separate-stderr fcomp 'art-vm -'
	[ "$output" = $'-h\n--help' ]
	run --separate-stderr fcomp 'art-vm run --ne'
	[ "$output" = --net ]
	run --separate-stderr fcomp 'art-vm run --net '
	[ "$output" = $'loopback\nnone' ]
	run --separate-stderr fcomp 'art vm run --backend '
	[ "$output" = $'auto\ncage\nqemu' ]
	run --separate-stderr fcomp 'art-vm run --report rep'
	[ "$output" = report.json ]
	export ART_COMP_TEST_VAR=1
	run --separate-stderr fcomp 'art-vm run --env ART_COMP_T'
	[ "$output" = ART_COMP_TEST_VAR ]
	run --separate-stderr fcomp 'art-vm run --timeout 5 -- bas'
	in_output bash
	not_in_output --timeout
	run --separate-stderr fcomp 'art vm run -- cat rep'
	[ "$output" = report.json ]
	[ -z "$stderr" ]
}

@test "fish: art-auth completes --store, the secret files, and --core from git config" {
	need_fish
	scratch_repo tom
	: >secret.txt
	run --separate-stderr fcomp 'art-auth --store '
	[ "$output" = $'file\nkeyring' ]
	run --separate-stderr fcomp 'art auth status --store=k'
	[ "$output" = --store=keyring ]
	run --separate-stderr fcomp 'art-auth client --secret-file sec'
	[ "$output" = secret.txt ]
	run --separate-stderr fcomp 'art-auth login --password-file sec'
	[ "$output" = secret.txt ]
	run --separate-stderr fcomp 'art-auth client --client-id '
	[ -z "$output" ]
	run --separate-stderr fcomp 'art-auth --core '
	[ -z "$output" ]
	git config art.core https://core.example
	run --separate-stderr fcomp 'art-auth --core '
	[ "$output" = https://core.example ]
	run --separate-stderr fcomp 'art poll --core ht'
	[ "$output" = https://core.example ]
	run --separate-stderr fcomp 'art-claim --core=ht'
	[ "$output" = --core=https://core.example ]
	run --separate-stderr fcomp 'art doctor --core '
	[ "$output" = https://core.example ]
	[ -z "$stderr" ]
}

@test "fish: art-poll --hints completes sse or a FIFO, --limit nothing" {
	need_fish
	mkfifo hints.fifo
	run --separate-stderr fcomp 'art-poll --sc'
	[ "$output" = $'--schedule\n--scope' ]
	run --separate-stderr fcomp 'art-poll --hints '
	in_output sse
	in_output hints.fifo
	run --separate-stderr fcomp 'art poll --hints hi'
	[ "$output" = hints.fifo ]
	run --separate-stderr fcomp 'art-poll --limit '
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "fish: art-claim completes its flags, and the command after --run --" {
	need_fish
	: >payload.json
	run --separate-stderr fcomp 'art-claim --g'
	[ "$output" = --grace ]
	run --separate-stderr fcomp 'art-claim --job '
	[ -z "$output" ]
	run --separate-stderr fcomp 'art-claim --job 7 --run -- bas'
	in_output bash
	not_in_output --grace
	run --separate-stderr fcomp 'art claim --run -- cat pay'
	[ "$output" = payload.json ]
	# no files where the commands take no operand
	run --separate-stderr fcomp 'art-claim pay'
	[ -z "$output" ]
	run --separate-stderr fcomp 'art-verify pay'
	[ "$output" = payload.json ]
}
