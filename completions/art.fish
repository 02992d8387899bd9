# fish completion for art(7): `art <verb> ...` and the art-<verb> commands.
#
# fish loads the completions of a command from a file named after it, so this
# one file is installed under each name (art.fish, art-init.fish, ...).  Each
# copy defines them all, after erasing what an earlier copy defined, so that
# loading it again adds nothing twice.  `art VERB ...` completes as
# `art-VERB ...` would.  Values that come from the repository (agent ids,
# tickets, git refs) are printed by the functions below and never evaluated.
#
# One `complete` a line, each starting `complete -c COMMAND`: the tests read
# this file to check that every flag of a command's --help is here.

for c in art art-init art-start art-prompt art-scope-check art-close art-verify \
        art-log art-vm art-auth art-poll art-claim art-doctor
    complete -c $c -e
end

# The words of the command line before the cursor, the command taken off.
function __art_args
    set -l tokens (commandline -opc)
    set -e tokens[1]
    for t in $tokens
        printf '%s\n' $t
    end
end

# Whether flag $argv[1] of art-auth takes a value (in the next word): art-auth's
# flags may come before its subcommand, and these values are no subcommand.
function __art_auth_valued
    contains -- $argv[1] --core --store --client-id --secret-file --secret-fd \
        --username --password-file --password-fd
end

# The subcommand of art-log, art-vm or art-auth: the first word after the
# command that is neither a flag nor (for art-auth) the value of one.
function __art_sub
    set -l tokens (commandline -opc)
    set -l auth
    test (string replace -r -- '.*/' '' $tokens[1]) = art-auth; and set auth 1
    set -e tokens[1]
    set -l skip
    for t in $tokens
        if set -q skip[1]
            set -e skip
        else if set -q auth[1]; and __art_auth_valued $t
            set skip 1
        else if not string match -q -- '-*' $t
            printf '%s\n' $t
            return 0
        end
    end
    return 1
end

# Whether the subcommand is one of $argv.
function __art_sub_is
    set -l sub (__art_sub); or return 1
    contains -- $sub $argv
end

# Whether there is no subcommand yet, and the word being completed is not the
# value of a flag (of art-auth: --secret-file F client).
function __art_no_sub
    __art_sub >/dev/null; and return 1
    set -l tokens (commandline -opc)
    set -q tokens[2]; or return 0
    not __art_auth_valued $tokens[-1]
end

# Whether a -- comes before the cursor: art-vm run and art-claim --run take a
# command and its arguments after it.
function __art_dashdash
    contains -- -- (__art_args)
end

# The command after --, then its arguments, completed as fish would complete
# that command line.
function __art_command
    set -l rest
    set -l seen
    for t in (__art_args)
        if set -q seen[1]
            set -a rest $t
        else if test "$t" = --
            set seen 1
        end
    end
    complete --do-complete=(string join ' ' -- (string escape -- $rest) (commandline -ct))
end

# The top-level directory of the current git repository, or nothing.
function __art_toplevel
    git rev-parse --show-toplevel 2>/dev/null
end

# Agent ids of agents/agents_registry.json, one a line.
function __art_agents
    set -l top (__art_toplevel); or return 0
    set -l reg $top/agents/agents_registry.json
    test -n "$top" -a -r "$reg"; or return 0
    string match -r -a -- '"agent"\s*:\s*"[^"]*"' <$reg 2>/dev/null |
        string replace -r -- '.*"([^"]*)"$' '$1'
end

# Tickets that have a run: the directories under the worktree root
# (git config art.worktreeRoot, .worktrees by default), one a line.
function __art_tickets
    set -l top (__art_toplevel); or return 0
    test -n "$top"; or return 0
    set -l root (git config --get art.worktreeRoot 2>/dev/null)
    test -n "$root"; or set root .worktrees
    string match -q -- '/*' $root; or set root $top/$root
    test -d "$root"; or return 0
    for d in $root/*/
        string replace -r -- '.*/([^/]+)/$' '$1' $d
    end
end

# Git refs (branches, tags, ...) in short form, one a line.
function __art_refs
    git for-each-ref --format='%(refname:short)' 2>/dev/null
end

# Run records, refs/art/runs/TICKET/agent in full, one a line.
function __art_run_refs
    git for-each-ref --format='%(refname)' refs/art/runs 2>/dev/null
end

# Runs that have a record, TICKET/agent (refs/art/runs/ taken off), one a line.
function __art_runs
    __art_run_refs | string replace -- refs/art/runs/ ''
end

# A range of commits, A..B or A...B: a ref, and after the dots the end of the
# range.
function __art_range
    set -l cur (string replace -r -- '^--range=' '' (commandline -ct))
    set -l pfx
    if string match -q -- '*..*' $cur
        set pfx (string replace -r -- '\.\.[^.]*$' '..' $cur)
    end
    for r in (__art_refs)
        printf '%s%s\n' $pfx $r
    end
end

# The URL of Core: the configured one (git config art.core), if any.
function __art_core
    git config --get art.core 2>/dev/null
end

# The manual topics of `art help`.
function __art_help_topics
    printf '%s\t%s\n' \
        init 'art-init(1), set a repository up' \
        start 'art-start(1), open a run' \
        prompt 'art-prompt(1), print the instructions' \
        scope-check 'art-scope-check(1), check the scope of a run' \
        close 'art-close(1), end a run' \
        verify 'art-verify(1), check a receipt' \
        log 'art-log(1), the event log' \
        vm 'art-vm(1), the cage' \
        auth 'art-auth(1), credentials for Core' \
        poll 'art-poll(1), discover jobs from Core' \
        claim 'art-claim(1), claim a Core job' \
        doctor 'art-doctor(1), check what art needs of this machine' \
        registry 'art-registry(5), agents/agents_registry.json' \
        manifest 'art-manifest(5), the run manifest' \
        receipt 'art-receipt(5), the signed receipt' \
        events 'art-events(7), the events and the log'
end

# art: no verb yet, the verb being $argv, or art VERB ... completed as
# art-VERB ...
function __art_no_verb
    set -l args (__art_args)
    not set -q args[1]
end

function __art_verb_is
    set -l args (__art_args)
    set -q args[1]; and contains -- $args[1] $argv
end

function __art_verb
    set -l args (__art_args)
    set args[1] art-$args[1]
    complete --do-complete=(string join ' ' -- (string escape -- $args) (commandline -ct))
end

# art
complete -c art -f
complete -c art -n __art_no_verb -l version -d 'print the version and exit'
complete -c art -n __art_no_verb -s h -l help -d 'print the usage and exit'
complete -c art -n __art_no_verb -a init -d 'set a repository up for art'
complete -c art -n __art_no_verb -a start -d 'open a run: branch, worktree, manifest'
complete -c art -n __art_no_verb -a prompt -d "print the agent's instructions"
complete -c art -n __art_no_verb -a scope-check -d 'check that the changes of a run stay inside its scope'
complete -c art -n __art_no_verb -a close -d 'end a run: definition of done, report, signed receipt'
complete -c art -n __art_no_verb -a verify -d 'check a receipt: signature, commit, report, log'
complete -c art -n __art_no_verb -a log -d 'append to, show, verify and replay the event log'
complete -c art -n __art_no_verb -a vm -d 'run a command in the cage of a run'
complete -c art -n __art_no_verb -a auth -d 'credentials for Core: log in, store, rotate, show'
complete -c art -n __art_no_verb -a poll -d 'discover jobs from Core at its pace'
complete -c art -n __art_no_verb -a claim -d 'claim a Core job and see it through'
complete -c art -n __art_no_verb -a doctor -d 'check what art needs of this machine, and say how to fix it'
complete -c art -n __art_no_verb -a help -d 'show the manual of art or of a verb'
complete -c art -n '__art_verb_is help; and test (count (__art_args)) -eq 1' -a '(__art_help_topics)'
complete -c art -n '__art_verb_is init start prompt scope-check close verify log vm auth poll claim doctor' -a '(__art_verb)'

# art-init
complete -c art-init -f
complete -c art-init -l agent -x -a '(__art_agents)' -d 'id of the first agent in the registry (default tom)'
complete -c art-init -l hooks -d "install art's git hooks (pre-commit, commit-msg, pre-push)"
complete -c art-init -l uninstall -d 'with --hooks: remove them, and give back the hooks they chained to'
complete -c art-init -l pretty -d 'indent the JSON result'
complete -c art-init -s h -l help -d 'print the usage and exit'

# art-start
complete -c art-start -f
complete -c art-start -l agent -x -a '(__art_agents)' -d 'agent that does the run (with --ticket)'
complete -c art-start -l ticket -x -a '(__art_tickets)' -d 'ticket the run is for (with --agent)'
complete -c art-start -l base -x -a '(__art_refs)' -d 'commit the run branches from (default HEAD)'
complete -c art-start -l by -x -d 'who starts the run (default git user.name)'
complete -c art-start -l resume -d 'print the run if it exists already'
complete -c art-start -l pretty -d 'indent the JSON result'
complete -c art-start -s h -l help -d 'print the usage and exit'

# art-prompt
complete -c art-prompt -f
complete -c art-prompt -l agent -x -a '(__art_agents)' -d 'agent of the run (with --ticket)'
complete -c art-prompt -l ticket -x -a '(__art_tickets)' -d 'ticket of the run (with --agent)'
complete -c art-prompt -l template -r -F -d 'template to render instead of the built-in one'
complete -c art-prompt -s r -l raw -d 'print the prompt text, not JSON'
complete -c art-prompt -l pretty -d 'indent the JSON result'
complete -c art-prompt -s h -l help -d 'print the usage and exit'

# art-scope-check
complete -c art-scope-check -f
complete -c art-scope-check -l agent -x -a '(__art_agents)' -d 'agent of the run (with --ticket)'
complete -c art-scope-check -l ticket -x -a '(__art_tickets)' -d 'ticket of the run (with --agent)'
complete -c art-scope-check -l manifest -r -F -d 'judge by this manifest file'
complete -c art-scope-check -l manifest-ref -x -a '(__art_run_refs)' -d 'judge by the manifest.json of this run record'
complete -c art-scope-check -l staged -d 'check the index against HEAD only'
complete -c art-scope-check -l range -x -a '(__art_range)' -d 'check the commits of a range A..B'
complete -c art-scope-check -l files -d 'list every path checked'
complete -c art-scope-check -l pretty -d 'indent the JSON result'
complete -c art-scope-check -s h -l help -d 'print the usage and exit'

# art-close
complete -c art-close -f
complete -c art-close -l agent -x -a '(__art_agents)' -d 'agent of the run (with --ticket)'
complete -c art-close -l ticket -x -a '(__art_tickets)' -d 'ticket of the run (with --agent)'
complete -c art-close -l summary -x -d 'what the run did, for the report'
complete -c art-close -l summary-file -r -F -d 'read the summary from a file'
complete -c art-close -l risk -x -d 'a risk or note for the report (repeatable)'
complete -c art-close -l next -x -d 'a next action for the report (repeatable)'
complete -c art-close -l timeout -x -d 'seconds a definition-of-done command may take (default 600)'
complete -c art-close -l pretty -d 'indent the JSON result'
complete -c art-close -s h -l help -d 'print the usage and exit'

# art-verify [FILE]: the receipt file is its one operand
complete -c art-verify -l run -x -a '(__art_runs)' -d 'verify the recorded receipt of run TICKET/agent'
complete -c art-verify -l agent -x -a '(__art_agents)' -d 'agent of the run (with --ticket)'
complete -c art-verify -l ticket -x -a '(__art_tickets)' -d 'ticket of the run (with --agent)'
complete -c art-verify -l pubkey -r -F -d 'public key of the signer (PEM or hex)'
complete -c art-verify -l show-pubkey -d "print this user's public signing key"
complete -c art-verify -s r -l raw -d 'with --show-pubkey: print the PEM text, not JSON'
complete -c art-verify -l pretty -d 'indent the JSON result'
complete -c art-verify -s h -l help -d 'print the usage and exit'

# art-log SUBCOMMAND [flags]
complete -c art-log -f
complete -c art-log -n __art_no_sub -a append -d 'append events (NDJSON on stdin), one transaction a line'
complete -c art-log -n __art_no_sub -a show -d 'print the events (of a run, after a seq), or follow them'
complete -c art-log -n __art_no_sub -a verify -d 'walk the hash chain and report the first broken event'
complete -c art-log -n __art_no_sub -a replay -d 'print the events of one run, the same bytes every time'
complete -c art-log -n '__art_sub_is show replay' -l run -x -a '(__art_runs)' -d 'the events of this run (TICKET/agent)'
complete -c art-log -n '__art_sub_is show' -l since -x -d 'only the events after this seq'
complete -c art-log -n '__art_sub_is show' -l follow -d 'then wait for new events and print them'
complete -c art-log -n '__art_sub_is append show verify' -l pretty -d 'indent the JSON output'
complete -c art-log -s h -l help -d 'print the usage and exit'

# art-vm run [flags] -- CMD [ARG...]
complete -c art-vm -f
complete -c art-vm -n __art_no_sub -a run -d 'run a command in the cage or the microVM of a run'
complete -c art-vm -n __art_no_sub -a image -d "build or check the microVM's image"
complete -c art-vm -n '__art_sub_is image' -a 'build status' -d 'action'
complete -c art-vm -n '__art_sub_is image' -l kernel -x -a '(string replace /boot/vmlinuz- "" /boot/vmlinuz-*)' -d 'the kernel release to build from'
complete -c art-vm -n '__art_sub_is run' -l agent -x -a '(__art_agents)' -d 'agent of the run (with --ticket)'
complete -c art-vm -n '__art_sub_is run' -l ticket -x -a '(__art_tickets)' -d 'ticket of the run (with --agent)'
complete -c art-vm -n '__art_sub_is run' -l backend -x -a 'cage qemu auto' -d 'where the command runs'
complete -c art-vm -n '__art_sub_is run' -l net -x -a 'none loopback' -d 'network of the cage (default none)'
complete -c art-vm -n '__art_sub_is run' -l allow-write -r -F -d 'one more writable path (repeatable)'
complete -c art-vm -n '__art_sub_is run' -l hide -r -F -d 'one more hidden path (repeatable)'
complete -c art-vm -n '__art_sub_is run' -l env -x -a '(set --names --export)' -d 'pass this variable to the command (repeatable)'
complete -c art-vm -n '__art_sub_is run' -l keep-home -d "keep HOME, the user's, instead of a fresh /tmp"
complete -c art-vm -n '__art_sub_is run' -l allow-unix -d 'let the command make AF_UNIX sockets'
complete -c art-vm -n '__art_sub_is run' -l timeout -x -d 'seconds before the command is stopped'
complete -c art-vm -n '__art_sub_is run' -l max-procs -x -d 'at most this many processes in the cage'
complete -c art-vm -n '__art_sub_is run' -l memory -x -d "the microVM's memory in MiB"
complete -c art-vm -n '__art_sub_is run' -l cpus -x -d "the microVM's processors"
complete -c art-vm -n '__art_sub_is run' -l report -r -F -d 'write the JSON report there'
complete -c art-vm -s h -l help -d 'print the usage and exit'
complete -c art-vm -n __art_dashdash -a '(__art_command)'

# art-auth [flags] SUBCOMMAND [flags]
complete -c art-auth -f
complete -c art-auth -n __art_no_sub -a client -d 'store a client id and secret, then get a token with them'
complete -c art-auth -n __art_no_sub -a login -d 'log in as a person with a username and password'
complete -c art-auth -n __art_no_sub -a device -d 'log in through a browser, with a device code'
complete -c art-auth -n __art_no_sub -a rotate -d 'replace the stored client secret, at Core and here'
complete -c art-auth -n __art_no_sub -a status -d 'show what is stored and whether it works, never a secret'
complete -c art-auth -n __art_no_sub -a logout -d 'forget the token and secret of this Core'
complete -c art-auth -n '__art_sub_is client device' -l client-id -x -d 'id of the client'
complete -c art-auth -n '__art_sub_is client rotate' -l secret-file -r -F -d 'read the client secret from a file'
complete -c art-auth -n '__art_sub_is client rotate' -l secret-fd -x -d 'read the client secret from a descriptor'
complete -c art-auth -n '__art_sub_is login' -l username -x -d 'who logs in (default: the login name, USER)'
complete -c art-auth -n '__art_sub_is login' -l password-file -r -F -d 'read the password from a file'
complete -c art-auth -n '__art_sub_is login' -l password-fd -x -d 'read the password from a descriptor'
complete -c art-auth -l core -x -a '(__art_core)' -d 'URL of Core (default git config art.core)'
complete -c art-auth -l store -x -a 'keyring file' -d 'where the credentials are kept'
complete -c art-auth -l pretty -d 'indent the JSON result'
complete -c art-auth -s v -l verbose -d 'trace the calls to Core on stderr'
complete -c art-auth -s h -l help -d 'print the usage and exit'

# art-poll
complete -c art-poll -f
complete -c art-poll -l core -x -a '(__art_core)' -d 'URL of Core (default git config art.core)'
complete -c art-poll -l scope -x -d 'poll the jobs of this scope (repeatable)'
complete -c art-poll -l limit -x -d 'at most this many jobs a poll (1 to 1000)'
complete -c art-poll -l once -d 'poll each route once, then exit'
complete -c art-poll -l hints -r -F -a sse -d 'poll sooner on push hints: sse, or a FIFO'
complete -c art-poll -l schedule -d 'print the schedule of every route and the hint counts, and exit'
complete -c art-poll -l pretty -d 'indent the JSON output'
complete -c art-poll -s v -l verbose -d 'trace the calls to Core on stderr'
complete -c art-poll -s h -l help -d 'print the usage and exit'

# art-claim [flags] [--run -- CMD [ARG...]]
complete -c art-claim -f
complete -c art-claim -l core -x -a '(__art_core)' -d 'URL of Core (default git config art.core)'
complete -c art-claim -l job -x -d 'claim this job (default: the job records on stdin)'
complete -c art-claim -l run -d 'run the command after -- for the job, and submit or fail it'
complete -c art-claim -l grace -x -d 'seconds from TERM to KILL when the command is stopped (0 to 3600)'
complete -c art-claim -l pretty -d 'indent the JSON result'
complete -c art-claim -s v -l verbose -d 'trace the calls to Core on stderr'
complete -c art-claim -s h -l help -d 'print the usage and exit'
complete -c art-claim -n __art_dashdash -a '(__art_command)'

# art-doctor
complete -c art-doctor -f
complete -c art-doctor -l core -x -a '(__art_core)' -d 'URL of Core (default git config art.core)'
complete -c art-doctor -l pretty -d 'indent the JSON result'
complete -c art-doctor -s h -l help -d 'print the usage and exit'
