#!/usr/bin/env bats
# share/art/systemd: the user units that take Core's jobs every minute.
# systemd-analyze checks them where it can run; the checks of this file
# hold without it: the keys a user relies on, the sandbox, and the
# service's command, run as systemd would run it, against stand-ins for
# art-poll and art-claim.

load helper

setup() {
	ART_TMP=$(mktemp -d)
	UNITS="$(cd "$BATS_TEST_DIRNAME/.." && pwd)/share/art/systemd"
	SERVICE="$UNITS/art-poll@.service"
	TIMER="$UNITS/art-poll@.timer"
	export HOME="$ART_TMP/home" XDG_CONFIG_HOME="$ART_TMP/home/.config"
	mkdir -p "$HOME" "$ART_TMP/run"
	chmod 0700 "$ART_TMP/run"
}

teardown() {
	cd /
	rm -rf "$ART_TMP"
}

# The instances, beside their templates.  The instance is "backend", not
# "jobs:backend": systemd-analyze verify takes a colon in a file name for
# something else ("Couldn't process aliases"), systemctl does not.
instances() {
	mkdir -p "$ART_TMP/units"
	cp "$SERVICE" "$TIMER" "$ART_TMP/units/"
	cp "$SERVICE" "$ART_TMP/units/art-poll@backend.service"
	cp "$TIMER" "$ART_TMP/units/art-poll@backend.timer"
}

# need_analyze: skip, saying why, when systemd-analyze cannot verify even
# a trivial unit here.
need_analyze() {
	command -v systemd-analyze >/dev/null || skip "no systemd-analyze (Debian package systemd)"
	printf '[Service]\nExecStart=/bin/true\n' > "$ART_TMP/probe.service"
	local err
	err=$(XDG_RUNTIME_DIR="$ART_TMP/run" systemd-analyze verify --man=no "$@" "$ART_TMP/probe.service" 2>&1) ||
		skip "systemd-analyze cannot run here: $err"
}

# unit_get FILE SECTION KEY: each value of KEY in SECTION, one a line,
# continuation lines joined as systemd joins them.
unit_get() {
	awk -v sec="[$2]" -v key="$3" '
		{ line = $0 }
		cont != "" { line = cont " " line; cont = "" }
		/\\$/ { cont = substr(line, 1, length(line) - 1); next }
		line ~ /^[#;]/ || line ~ /^[ \t]*$/ { next }
		line ~ /^\[/ { cur = line; next }
		cur == sec {
			i = index(line, "=")
			k = substr(line, 1, i - 1); gsub(/[ \t]+$/, "", k)
			if (k == key) { v = substr(line, i + 1); sub(/^[ \t]+/, "", v); print v }
		}' "$1"
}

@test "systemd-analyze verify: both units clean, as system and as user units" {
	need_analyze
	instances
	cd "$ART_TMP/units"
	run systemd-analyze verify --man=no ./art-poll@backend.service ./art-poll@backend.timer
	[ "$status" -eq 0 ]
	[ -z "$output" ] || { echo "$output"; return 1; }
	need_analyze --user
	XDG_RUNTIME_DIR="$ART_TMP/run" run systemd-analyze verify --man=no --user ./art-poll@backend.service ./art-poll@backend.timer
	[ "$status" -eq 0 ]
	[ -z "$output" ] || { echo "$output"; return 1; }
}

@test "systemd-analyze verify catches what these checks are for" {
	need_analyze
	instances
	cd "$ART_TMP/units"
	# a program that is not there: the check can fail
	sed -i 's|^ExecStart=/bin/bash|ExecStart=/nonexistent/bash|' art-poll@backend.service
	run systemd-analyze verify --man=no ./art-poll@backend.service
	[ "$status" -ne 0 ]
	[[ "$output" == *"/nonexistent/bash"* ]]
}

@test "systemd-analyze security: the service's exposure is rated OK or better" {
	need_analyze
	systemd-analyze security --help 2>/dev/null | grep -q -- '--offline' || skip "systemd-analyze security has no --offline"
	instances
	cd "$ART_TMP/units"
	XDG_RUNTIME_DIR="$ART_TMP/run" run systemd-analyze security --offline=true --user ./art-poll@backend.service
	[ "$status" -eq 0 ] || skip "systemd-analyze security cannot run here: $output"
	level=$(printf '%s\n' "$output" | sed -n 's/.*Overall exposure level for art-poll@backend.service: \([0-9.]*\).*/\1/p')
	[ -n "$level" ] || { echo "$output" | tail -3; return 1; }
	# below 5.0 is what systemd calls OK; the unit without its sandbox
	# rates far above
	awk -v l="$level" 'BEGIN { exit !(l < 5.0) }' || { echo "exposure $level"; return 1; }
}

@test "the timer starts the service every minute, and is enabled under timers.target" {
	[ "$(unit_get "$TIMER" Timer OnCalendar)" = minutely ]
	[ "$(unit_get "$TIMER" Install WantedBy)" = timers.target ]
	[ -n "$(unit_get "$TIMER" Unit Description)" ]
	# no Unit= in [Timer]: the instance starts the service of its own name
	[ -z "$(unit_get "$TIMER" Timer Unit)" ]
	if command -v systemd-analyze >/dev/null; then
		run systemd-analyze calendar minutely
		[ "$status" -eq 0 ]
	fi
}

@test "the service: a oneshot, an absolute program, optional environment files" {
	[ "$(unit_get "$SERVICE" Service Type)" = oneshot ]
	[ -n "$(unit_get "$SERVICE" Unit Description)" ]
	exec=$(unit_get "$SERVICE" Service ExecStart)
	[ "$(printf '%s\n' "$exec" | wc -l)" -eq 1 ]
	[[ "$exec" == "/bin/bash -o pipefail -c "* ]]
	[[ "$exec" == *"art-poll --once --scope"* ]]
	[[ "$exec" == *"art-claim --run --"* ]]
	[ -x /bin/bash ]
	# the files are optional ("-"), in the user's configuration directory
	[ "$(unit_get "$SERVICE" Service EnvironmentFile)" = "-%E/art/poll.env
-%E/art/poll-%i.env" ]
	# art in ~/.local/bin (install.sh as a user) or /usr/local/bin
	unit_get "$SERVICE" Service Environment | grep -qx 'PATH=%h/.local/bin:/usr/local/bin:/usr/bin:/bin'
	unit_get "$SERVICE" Service Environment | grep -qx 'ART_POLL_SCOPE=%I'
	# no [Install]: the timer starts it
	[ -z "$(unit_get "$SERVICE" Install WantedBy)" ]
}

@test "the service's sandbox: the options a user relies on, and none that breaks the cage" {
	want='PrivateUsers=yes
NoNewPrivileges=yes
KeyringMode=private
CapabilityBoundingSet=
UMask=0077
ProtectSystem=strict
ReadWritePaths=%h
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectProc=invisible
LockPersonality=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
RestrictNamespaces=user mnt pid net ipc uts
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
SystemCallArchitectures=native
SystemCallFilter=~@clock @cpu-emulation @debug @module @obsolete @raw-io @reboot @swap
SystemCallErrorNumber=EPERM'
	while IFS= read -r kv; do
		[ "$(unit_get "$SERVICE" Service "${kv%%=*}")" = "${kv#*=}" ] ||
			{ echo "want $kv, have: $(unit_get "$SERVICE" Service "${kv%%=*}")"; return 1; }
	done <<<"$want"
	# each would keep art-vm from building its cage, or kill an agent's JIT
	for k in ProtectKernelTunables ProtectHostname MemoryDenyWriteExecute PrivateNetwork; do
		[ -z "$(unit_get "$SERVICE" Service "$k")" ] || { echo "$k is set"; return 1; }
	done
	# art-vm's cage makes exactly these namespaces (lib/cage.c)
	top="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
	[ "$(grep -o 'CLONE_NEW[A-Z]*' "$top/lib/cage.c" | sort -u | tr '\n' ' ')" = "CLONE_NEWIPC CLONE_NEWNET CLONE_NEWNS CLONE_NEWPID CLONE_NEWUSER CLONE_NEWUTS " ]
}

@test "Documentation= names man pages that exist" {
	top="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
	for f in "$SERVICE" "$TIMER"; do
		docs=$(unit_get "$f" Unit Documentation)
		[ -n "$docs" ]
		for d in $docs; do
			[[ "$d" =~ ^man:([a-z-]+)\(([0-9])\)$ ]] || { echo "not a man page: $d"; return 1; }
			[ -f "$top/man/${BASH_REMATCH[1]}.${BASH_REMATCH[2]}" ] || { echo "no page $d"; return 1; }
		done
	done
}

# exec_start INSTANCE [NAME=VALUE...]: run the service's ExecStart as
# systemd would, in an environment of the unit's Environment= lines and
# then the NAME=VALUE given, as an environment file would add them:
# specifiers expanded (%i %I %E %h %%), the words split as systemd splits
# them, $$ made $, the word $ART_JOB replaced by the words of its value.
# Any other construct is refused, so that the emulation cannot drift from
# the unit unnoticed.
exec_start() {
	python3 - "$SERVICE" "$@" <<'PY' > "$ART_TMP/exec" || return 1
import os, re, shlex, sys
path, inst, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
text = open(path).read().replace("\\\n", " ")
spec = {"i": inst, "I": inst, "E": os.environ["XDG_CONFIG_HOME"], "h": os.environ["HOME"], "%": "%"}
def expand(s):
    def sub(m):
        if m.group(1) not in spec:
            sys.exit("unknown specifier %" + m.group(1))
        return spec[m.group(1)]
    return re.sub(r"%(.)", sub, s)
def values(key):
    return [l[len(key) + 1:] for l in text.splitlines() if l.startswith(key + "=")]
env = {"HOME": os.environ["HOME"], "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"]}
for v in values("Environment"):
    for a in shlex.split(expand(v)):
        k, _, x = a.partition("=")
        env[k] = x
for a in pairs:
    k, _, x = a.partition("=")
    env[k] = x
line = expand(values("ExecStart")[0])
if "\\" in line:
    sys.exit("a backslash escape: not emulated")
argv = []
for w in shlex.split(line):
    if w == "$ART_JOB":
        argv += env.get("ART_JOB", "").split()
        continue
    if "$" in w.replace("$$", ""):
        sys.exit("a variable other than $ART_JOB: not emulated: " + w)
    argv.append(w.replace("$$", "$"))
sys.stdout.write("\0".join([k + "=" + v for k, v in env.items()] + argv))
PY
	local -a words
	mapfile -d '' words < "$ART_TMP/exec"
	run --separate-stderr env -i "${words[@]}"
}

# Stand-ins for art-poll and art-claim: each records its arguments and
# directory, art-claim its standard input too, and exits with the status
# of POLL_EXIT or CLAIM_EXIT.
fakes() {
	mkdir -p "$ART_TMP/bin" "$ART_TMP/rec"
	cat > "$ART_TMP/bin/art-poll" <<EOF
#!/bin/sh
printf '%s\n' "\$@" > "$ART_TMP/rec/poll.args"
pwd > "$ART_TMP/rec/poll.pwd"
echo '{"type":"job","id":"j_1"}'
exit \${POLL_EXIT:-0}
EOF
	cat > "$ART_TMP/bin/art-claim" <<EOF
#!/bin/sh
printf '%s\n' "\$@" > "$ART_TMP/rec/claim.args"
cat > "$ART_TMP/rec/claim.stdin"
exit \${CLAIM_EXIT:-0}
EOF
	chmod +x "$ART_TMP/bin/art-poll" "$ART_TMP/bin/art-claim"
	FAKEPATH="$ART_TMP/bin:/usr/bin:/bin"
	mkdir -p "$ART_TMP/shop"
}

@test "the service polls its scope in ART_REPO and hands the job to ART_JOB" {
	command -v python3 >/dev/null || skip "no python3"
	fakes
	exec_start jobs:backend PATH="$FAKEPATH" ART_REPO="$ART_TMP/shop" ART_JOB="art-job --fast  -v"
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$(cat "$ART_TMP/rec/poll.args")" = "--once
--scope
jobs:backend" ]
	[ "$(cat "$ART_TMP/rec/poll.pwd")" = "$ART_TMP/shop" ]
	[ "$(cat "$ART_TMP/rec/claim.args")" = "--run
--
art-job
--fast
-v" ]
	[ "$(cat "$ART_TMP/rec/claim.stdin")" = '{"type":"job","id":"j_1"}' ]
}

@test "the service fails with art-claim's status, else art-poll's" {
	command -v python3 >/dev/null || skip "no python3"
	fakes
	set -- PATH="$FAKEPATH" ART_REPO="$ART_TMP/shop" ART_JOB=art-job
	exec_start backend "$@"
	[ "$status" -eq 0 ]
	# Core unreachable: art-claim sees no job and exits 0, the service 6
	exec_start backend "$@" POLL_EXIT=6
	[ "$status" -eq 6 ]
	exec_start backend "$@" CLAIM_EXIT=4
	[ "$status" -eq 4 ]
	exec_start backend "$@" POLL_EXIT=6 CLAIM_EXIT=4
	[ "$status" -eq 4 ]
}

@test "the service without ART_REPO or ART_JOB says which, and where to set it" {
	command -v python3 >/dev/null || skip "no python3"
	fakes
	exec_start backend PATH="$FAKEPATH" ART_JOB=art-job
	[ "$status" -eq 2 ]
	[ "$stderr" = "ART_REPO is not set: add ART_REPO=DIR to $XDG_CONFIG_HOME/art/poll-backend.env" ]
	[ ! -e "$ART_TMP/rec/poll.args" ]
	exec_start backend PATH="$FAKEPATH" ART_REPO="$ART_TMP/shop"
	[ "$status" -eq 2 ]
	[ "$stderr" = "ART_JOB is not set: add ART_JOB=COMMAND to $XDG_CONFIG_HOME/art/poll-backend.env" ]
	[ ! -e "$ART_TMP/rec/poll.args" ]
	exec_start backend PATH="$FAKEPATH" ART_REPO="$ART_TMP/nonexistent" ART_JOB=art-job
	[ "$status" -eq 7 ]
	[ ! -e "$ART_TMP/rec/poll.args" ]
}

@test "the service's PATH finds art in ~/.local/bin" {
	command -v python3 >/dev/null || skip "no python3"
	fakes
	mkdir -p "$HOME/.local"
	mv "$ART_TMP/bin" "$HOME/.local/bin"
	exec_start backend ART_REPO="$ART_TMP/shop" ART_JOB=art-job
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$(cat "$ART_TMP/rec/claim.args")" = "--run
--
art-job" ]
}
