# bash completion for art(7): `art <verb> ...` and the art-<verb> commands.
#
# Works with plain bash (complete/compgen, COMP_WORDS/COMP_CWORD); the
# bash-completion package is not needed.  Values that come from the
# repository (agent ids, tickets, git refs) are matched literally and never
# passed through `compgen -W`, which would expand $(...) in them.

# Verbs `art` runs, and the manual topics of `art help`.
_art_verbs=(init start prompt scope-check close verify log vm auth poll claim doctor help)
_art_help_topics=(init start prompt scope-check close verify log vm auth poll claim
	doctor registry manifest receipt events)

# Subcommands of art-log, art-vm and art-auth.
_art_log_subcommands=(append show verify replay)
_art_vm_subcommands=(run image)
_art_auth_subcommands=(client login device rotate status logout)

# Whether flag $1 of art-auth takes a value (in the next word): art-auth's
# flags may come before its subcommand, and these values are no subcommand.
_art_auth_valued()
{
	case $1 in
	--core | --store | --client-id | --secret-file | --secret-fd | \
	--username | --password-file | --password-fd) return 0 ;;
	esac
	return 1
}

# The top-level directory of the current git repository, or nothing.
_art_toplevel()
{
	git rev-parse --show-toplevel 2>/dev/null
}

# Agent ids of agents/agents_registry.json, one a line.
_art_agents()
{
	local top
	top=$(_art_toplevel) || return 0
	[[ -n $top && -r $top/agents/agents_registry.json ]] || return 0
	grep -o '"agent"[[:space:]]*:[[:space:]]*"[^"]*"' \
		"$top/agents/agents_registry.json" 2>/dev/null |
		sed 's/.*"\([^"]*\)"$/\1/'
}

# Tickets that have a run: the directories under the worktree root
# (git config art.worktreeRoot, .worktrees by default), one a line.
_art_tickets()
{
	local top root d
	top=$(_art_toplevel) || return 0
	[[ -n $top ]] || return 0
	root=$(git config --get art.worktreeRoot 2>/dev/null)
	[[ -n $root ]] || root=.worktrees
	[[ $root == /* ]] || root=$top/$root
	[[ -d $root ]] || return 0
	for d in "$root"/*; do
		[[ -d $d ]] && printf '%s\n' "${d##*/}"
	done
}

# Git refs (branches, tags, ...) in short form, one a line.
_art_refs()
{
	git for-each-ref --format='%(refname:short)' 2>/dev/null
}

# Run records, refs/art/runs/TICKET/agent in full, one a line.
_art_run_refs()
{
	git for-each-ref --format='%(refname)' refs/art/runs 2>/dev/null
}

# Runs that have a record, TICKET/agent (refs/art/runs/ taken off), one a
# line.
_art_runs()
{
	local r
	git for-each-ref --format='%(refname)' refs/art/runs 2>/dev/null |
		while IFS= read -r r; do
			printf '%s\n' "${r#refs/art/runs/}"
		done
}

# Append to COMPREPLY each line of standard input that starts with $1,
# prefixed by $2.
_art_filter()
{
	local w
	while IFS= read -r w; do
		[[ -n $w && $w == "$1"* ]] && COMPREPLY+=("$2$w")
	done
	return 0
}

# Flags of art-<verb>, or of "log SUBCOMMAND" (vm, auth); $2 is "long" or
# "all" (with the short ones).
_art_flags()
{
	local -a long short=(-h)
	case $1 in
	init) long=(--agent --hooks --uninstall --pretty --help) ;;
	start) long=(--agent --ticket --base --by --resume --pretty --help) ;;
	prompt) long=(--agent --ticket --template --raw --pretty --help)
		short=(-r -h) ;;
	scope-check) long=(--agent --ticket --manifest --manifest-ref --staged
		--range --files --pretty --help) ;;
	close) long=(--agent --ticket --summary --summary-file --risk --next
		--timeout --pretty --help) ;;
	verify) long=(--run --agent --ticket --pubkey --show-pubkey --raw
		--pretty --help)
		short=(-r -h) ;;
	log) long=(--help) ;;
	'log append' | 'log verify') long=(--pretty --help) ;;
	'log show') long=(--run --since --follow --pretty --help) ;;
	'log replay') long=(--run --help) ;;
	vm) long=(--help) ;;
	'vm run') long=(--agent --ticket --backend --net --allow-write --hide
		--env --keep-home --allow-unix --timeout --max-procs --memory --cpus
		--report --help) ;;
	'vm image') long=(--kernel --help) ;;
	auth) long=(--core --store --pretty --verbose --help)
		short=(-v -h) ;;
	'auth client') long=(--client-id --secret-file --secret-fd --core
		--store --pretty --verbose --help)
		short=(-v -h) ;;
	'auth login') long=(--username --password-file --password-fd --core
		--store --pretty --verbose --help)
		short=(-v -h) ;;
	'auth device') long=(--client-id --core --store --pretty --verbose
		--help)
		short=(-v -h) ;;
	'auth rotate') long=(--secret-file --secret-fd --core --store --pretty
		--verbose --help)
		short=(-v -h) ;;
	'auth status' | 'auth logout') long=(--core --store --pretty --verbose
		--help)
		short=(-v -h) ;;
	poll) long=(--core --scope --limit --once --hints --schedule --pretty
		--verbose --help)
		short=(-v -h) ;;
	claim) long=(--core --job --run --grace --pretty --verbose --help)
		short=(-v -h) ;;
	doctor) long=(--core --pretty --help) ;;
	*) return 0 ;;
	esac
	printf '%s\n' "${long[@]}"
	[[ $2 != all ]] || printf '%s\n' "${short[@]}"
}

# Complete the arguments of art-<$1>, whose first argument is COMP_WORDS[$2].
_art_verb()
{
	local verb=$1 first=$2 cur=${COMP_WORDS[COMP_CWORD]} prev='' opt='' pfx=''
	local flags=$1 i
	((COMP_CWORD > first)) && prev=${COMP_WORDS[COMP_CWORD - 1]}

	# art-log SUBCOMMAND [flags], art-vm run [flags] -- CMD: no flag
	# before the subcommand takes a value, so it is the first word that is
	# not a flag.  art-auth [flags] SUBCOMMAND [flags]: the first word that
	# is neither a flag nor the value of one.
	if [[ $verb == log || $verb == vm || $verb == auth ]]; then
		for ((i = first; i < COMP_CWORD; i++)); do
			if [[ $verb == auth ]] && _art_auth_valued "${COMP_WORDS[i]}"; then
				# --flag VALUE, or --flag = VALUE split at =
				[[ ${COMP_WORDS[i + 1]} == = ]] && i=$((i + 1))
				i=$((i + 1))
			elif [[ ${COMP_WORDS[i]} != -* ]]; then
				flags="$verb ${COMP_WORDS[i]}" first=$((i + 1))
				break
			fi
		done
		prev=''
		((COMP_CWORD > first)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	fi

	# The value of an option: `--opt VALUE` or `--opt=VALUE`, which bash
	# splits into `--opt` `=` `VALUE` when = is in COMP_WORDBREAKS.
	if [[ $cur == = && $prev == --* ]]; then
		opt=$prev cur=''
	elif [[ $prev == = ]] && ((COMP_CWORD - 2 >= first)); then
		opt=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $cur == --*=* ]]; then
		opt=${cur%%=*} pfx=${cur%%=*}= cur=${cur#*=}
	else
		opt=$prev
	fi

	# No subcommand yet: offer them, unless this is the value of a flag
	if [[ ($verb == log || $verb == vm || $verb == auth) && \
		$flags == "$verb" && $cur != -* ]] &&
		! { [[ $verb == auth ]] && _art_auth_valued "$opt"; }; then
		local -n subs=_art_${verb}_subcommands
		_art_filter "$cur" "" <<<"$(printf '%s\n' "${subs[@]}")"
		return 0
	fi

	# art-vm image build|status
	if [[ $flags == 'vm image' && $cur != -* && $opt != --kernel ]]; then
		_art_filter "$cur" "" <<<$'build\nstatus'
		return 0
	fi

	# art-vm run ... -- CMD ARG..., art-claim ... --run -- CMD ARG...: a
	# command, then its arguments
	if [[ $verb == vm || $verb == claim ]]; then
		for ((i = first; i < COMP_CWORD; i++)); do
			[[ ${COMP_WORDS[i]} == -- ]] || continue
			if ((COMP_CWORD == i + 1)); then
				_art_filter "$cur" "" <<<"$(compgen -c -- "$cur")"
			else
				compopt -o filenames 2>/dev/null
				_art_filter "$cur" "" <<<"$(compgen -f -- "$cur")"
			fi
			return 0
		done
	fi

	case $verb:$opt in
	init:--agent | start:--agent | prompt:--agent | scope-check:--agent | \
	close:--agent | verify:--agent | vm:--agent)
		_art_filter "$cur" "$pfx" <<<"$(_art_agents)"
		return 0 ;;
	start:--ticket | prompt:--ticket | scope-check:--ticket | \
	close:--ticket | verify:--ticket | vm:--ticket)
		_art_filter "$cur" "$pfx" <<<"$(_art_tickets)"
		return 0 ;;
	start:--base)
		_art_filter "$cur" "$pfx" <<<"$(_art_refs)"
		return 0 ;;
	start:--by | close:--summary | close:--risk | close:--next | \
	close:--timeout | vm:--timeout | vm:--max-procs | vm:--memory | vm:--cpus)
		return 0 ;;
	vm:--kernel)
		# the releases /boot has a kernel of
		_art_filter "$cur" "$pfx" <<<"$(compgen -G '/boot/vmlinuz-*' | sed 's|^/boot/vmlinuz-||')"
		return 0 ;;
	vm:--backend)
		_art_filter "$cur" "$pfx" <<<$'cage\nqemu\nauto'
		return 0 ;;
	vm:--net)
		_art_filter "$cur" "$pfx" <<<$'none\nloopback'
		return 0 ;;
	vm:--env)
		_art_filter "$cur" "$pfx" <<<"$(compgen -e -- "$cur")"
		return 0 ;;
	vm:--allow-write | vm:--hide | vm:--report)
		compopt -o filenames 2>/dev/null
		_art_filter "$cur" "$pfx" <<<"$(compgen -f -- "$cur")"
		return 0 ;;
	prompt:--template | scope-check:--manifest | close:--summary-file | \
	verify:--pubkey)
		compopt -o filenames 2>/dev/null
		_art_filter "$cur" "$pfx" <<<"$(compgen -f -- "$cur")"
		return 0 ;;
	auth:--core | poll:--core | claim:--core | doctor:--core)
		# a URL: the configured one, if there is one
		_art_filter "$cur" "$pfx" <<<"$(git config --get art.core 2>/dev/null)"
		return 0 ;;
	auth:--store)
		_art_filter "$cur" "$pfx" <<<$'keyring\nfile'
		return 0 ;;
	auth:--secret-file | auth:--password-file)
		compopt -o filenames 2>/dev/null
		_art_filter "$cur" "$pfx" <<<"$(compgen -f -- "$cur")"
		return 0 ;;
	poll:--hints)
		# Core's event stream, or a FIFO
		compopt -o filenames 2>/dev/null
		_art_filter "$cur" "$pfx" <<<sse
		_art_filter "$cur" "$pfx" <<<"$(compgen -f -- "$cur")"
		return 0 ;;
	auth:--client-id | auth:--secret-fd | auth:--username | \
	auth:--password-fd | poll:--scope | poll:--limit | claim:--job | \
	claim:--grace)
		return 0 ;;
	scope-check:--manifest-ref)
		_art_filter "$cur" "$pfx" <<<"$(_art_run_refs)"
		return 0 ;;
	log:--run | verify:--run)
		_art_filter "$cur" "$pfx" <<<"$(_art_runs)"
		return 0 ;;
	log:--since)
		# a sequence number: nothing to offer
		return 0 ;;
	scope-check:--range)
		# A..B or A...B: after the dots, the end of the range
		if [[ $cur == *..* ]]; then
			pfx=$pfx${cur%..*}.. cur=${cur##*..}
		fi
		_art_filter "$cur" "$pfx" <<<"$(_art_refs)"
		return 0 ;;
	esac

	# No option value here: the commands take no operands, only flags,
	# except art-verify's receipt file.
	if [[ $verb == verify && $cur != -* ]]; then
		compopt -o filenames 2>/dev/null
		_art_filter "$cur" "" <<<"$(compgen -f -- "$cur")"
		return 0
	fi
	if [[ $cur == -* ]]; then
		_art_filter "$cur" "" <<<"$(_art_flags "$flags" all)"
	else
		_art_filter "$cur" "" <<<"$(_art_flags "$flags" long)"
	fi
	return 0
}

# The completion function of art and of every art-<verb>.
_art()
{
	local cmd=${COMP_WORDS[0]##*/} cur=${COMP_WORDS[COMP_CWORD]}
	local IFS=$' \t\n'
	COMPREPLY=()

	case $cmd in
	art-*)
		_art_verb "${cmd#art-}" 1
		return 0 ;;
	esac

	if ((COMP_CWORD == 1)); then
		if [[ $cur == -* ]]; then
			_art_filter "$cur" "" <<<$'--version\n--help\n-h'
		else
			_art_filter "$cur" "" <<<"$(printf '%s\n' "${_art_verbs[@]}")"
		fi
		return 0
	fi
	case ${COMP_WORDS[1]} in
	help)
		((COMP_CWORD == 2)) &&
			_art_filter "$cur" "" <<<"$(printf '%s\n' "${_art_help_topics[@]}")"
		;;
	init | start | prompt | scope-check | close | verify | log | vm | auth | \
	poll | claim | doctor)
		_art_verb "${COMP_WORDS[1]}" 2 ;;
	esac
	return 0
}

complete -F _art art art-init art-start art-prompt art-scope-check art-close art-verify art-log art-vm \
	art-auth art-poll art-claim art-doctor
