#!/usr/bin/env bats
# art-vm run: the cage.  Each escape attempt must fail and leave the host
# as it was; the positive side (git, a compiler, reading the repository)
# must work.

load helper

PY=/usr/bin/python3

setup() {
	setup_repo
	init_art
	art-start --agent tom --ticket T1 </dev/null >/dev/null
	WT="$REPO/.worktrees/T1/tom"
	REP="$ART_TMP/report.json"
	OPTS=()
	# in the main checkout, which the cage shows: the suite's own directory
	# may be under /tmp, which the cage has of its own
	PROBE="$REPO/cage_probe.py"
	cp "$BATS_TEST_DIRNAME/cage_probe.py" "$PROBE"
	cd "$WT"
	need_cage
}

# Once: can this kernel build a cage at all?  If not, art-vm says so, and
# that is all there is to test here: every test skips, saying why.
setup_file() {
	probe_cage
}

teardown() {
	[ -n "${HOSTPID:-}" ] && kill "$HOSTPID" 2>/dev/null
	teardown_repo
}

# cage SCRIPT [ARG...]: sh -c SCRIPT ARG... in T1/tom's cage, from its
# worktree, with the art-vm options of the array OPTS, the report in $REP.
cage() {
	run --separate-stderr art-vm run --report "$REP" "${OPTS[@]}" -- sh -c "$@" </dev/null
}

# probe ATTEMPT [ARG...]: cage_probe.py inside the cage; $output is its
# verdict ("ok", or the errno's name).
probe() {
	run --separate-stderr art-vm run --report "$REP" -- "$PY" "$PROBE" "$@" </dev/null
}

rep() {
	jq -r "$1" "$REP"
}

need_python() {
	[ -x "$PY" ] || skip "no $PY"
}

need_x86_64() {
	[ "$(uname -m)" = x86_64 ] || skip "system call numbers are x86_64's"
}

# A home the cage can see (the main checkout is visible, read-only), with
# secrets in it; the cage's own /tmp would hide one under the test's /tmp.
visible_home() {
	export HOME="$REPO/home" XDG_CONFIG_HOME="$REPO/home/.config"
	mkdir -p "$HOME/.ssh" "$HOME/.aws" "$HOME/.config/art" "$HOME/.local/state/art"
	echo "SSH-PRIVATE-KEY-$RANDOM" > "$HOME/.ssh/id_ed25519"
	echo "aws_secret_access_key = AWS-$RANDOM" > "$HOME/.aws/credentials"
	echo "art-signing-key-v1 ed25519 SEED" > "$HOME/.config/art/signing.key"
	echo home/ >> "$REPO/.git/info/exclude"
}

# --- what works ----------------------------------------------------------------

@test "vm: the command runs in the worktree, writes there, and its status is art-vm's" {
	cage 'pwd; echo made > src/new.c; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = "$WT" ]
	[ "$(cat "$WT/src/new.c")" = made ]
	[ "$(rep .exit)" = 3 ]
	[ "$(rep .backend)" = cage ]
	[ "$(rep .signal)" = null ]
	[ "$(rep .timed_out)" = false ]
	[ "$(rep '.duration_ms | type')" = number ]
}

@test "vm: git commit inside the cage works; the branch moves on the host" {
	before=$(git -C "$REPO" rev-parse feat/T1-tom)
	cage 'echo x > src/x.c && git add src/x.c && git commit -qm "feat(src): x" && git log --oneline | wc -l'
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$(git -C "$REPO" rev-parse feat/T1-tom)" != "$before" ]
	[ "$(git -C "$REPO" log -1 --format=%s feat/T1-tom)" = "feat(src): x" ]
	[ "$(git -C "$REPO" log -1 --format=%an feat/T1-tom)" = "Test User" ]
	git -C "$REPO" fsck --no-progress >/dev/null
}

@test "vm: make and a compiler work, and a program can read the whole repository" {
	command -v cc >/dev/null || skip "no cc"
	command -v make >/dev/null || skip "no make"
	printf 'int main(void) { return 0; }\n' > hello.c
	printf 'hello: hello.c\n\tcc -o hello hello.c\n' > Makefile.cage
	cage 'make -s -f Makefile.cage && ./hello && git -C "$0" ls-files | wc -l && grep -rc main "$0/src" >/dev/null && echo read' "$REPO"
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[[ "$output" == *read* ]]
	[ -x hello ]
}

@test "vm: stdin and stdout pass through; a JSON line names the run in a pipeline" {
	run bash -c 'printf "hello\n" | art-vm run -- cat'
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
	cd "$REPO"
	run bash -c 'printf "{\"agent\":\"tom\",\"ticket\":\"T1\"}\npayload\n" | art-vm run -- cat'
	[ "$status" -eq 0 ]
	[ "$output" = payload ]
	run --separate-stderr art-vm run --agent tom --ticket T1 -- pwd </dev/null
	[ "$output" = "$WT" ]
}

@test "vm: the environment is an allowlist; HOME is a fresh /tmp; --env adds to it" {
	export DEPLOY_TOKEN=secret-value-123 SOME_VAR=visible
	cage 'env | sort'
	[ "$status" -eq 0 ]
	[[ "$output" != *secret-value-123* ]]
	[[ "$output" != *SOME_VAR* ]]
	[[ "$output" == *"HOME=/tmp"* ]]
	[[ "$output" == *"PATH="* ]]
	OPTS=(--env SOME_VAR)
	cage 'echo "$SOME_VAR"'
	[ "$output" = visible ]
	OPTS=(--keep-home)
	cage 'echo "$HOME"'
	[ "$output" = "$HOME" ]
}

@test "vm: events art.vm.started and art.vm.exited, with the command and its end" {
	cage 'exit 2'
	[ "$status" -eq 2 ]
	run art-log show --run T1/tom
	types=$(printf '%s\n' "$output" | jq -r .type | tr '\n' ' ')
	[ "$types" = "art.run.started art.vm.started art.vm.exited " ]
	last=$(printf '%s\n' "$output" | tail -1)
	[ "$(jq -r .data.exit <<<"$last")" = 2 ]
	[ "$(jq -r .source <<<"$last")" = art-vm ]
	[ "$(printf '%s\n' "$output" | sed -n 2p | jq -c .data.argv)" = '["sh","-c","exit 2"]' ]
	art-log verify >/dev/null
}

# --- the file system ---------------------------------------------------------------

@test "vm: nothing outside the worktree can be written; the host is unchanged" {
	sum=$(cat "$REPO/src/main.c" | sha256sum)
	cage 'echo x >> "$0/src/main.c"; echo x > "$0/new-file"; touch /usr/art-was-here; echo x > /etc/art-was-here; true' "$REPO"
	[ "$(cat "$REPO/src/main.c" | sha256sum)" = "$sum" ]
	[ ! -e "$REPO/new-file" ] && [ ! -e /usr/art-was-here ] && [ ! -e /etc/art-was-here ]
	[[ "$stderr" == *"Read-only file system"* ]]
}

@test "vm: .git/config, .git/hooks, the .git file and other worktrees are read-only" {
	(cd "$REPO" && art-start --agent tom --ticket T2 </dev/null >/dev/null)
	common="$REPO/.git"
	sums=$(cat "$common/config" "$WT/.git" "$REPO/.worktrees/T2/tom/src/main.c" | sha256sum)
	cage 'echo "[core] hooksPath = /tmp" >> "$0/config"; echo boom > "$0/hooks/pre-commit"; chmod +x "$0/hooks/pre-commit";
	      echo "gitdir: /tmp/evil" > .git; rm -f .git; echo x >> "$1/src/main.c";
	      echo "[core] fsmonitor = evil" > "$0/worktrees/T1+tom/config.worktree"; true' "$common" "$REPO/.worktrees/T2/tom"
	[ "$(cat "$common/config" "$WT/.git" "$REPO/.worktrees/T2/tom/src/main.c" | sha256sum)" = "$sums" ]
	[ ! -e "$common/hooks/pre-commit" ]
	[ ! -s "$common/worktrees/T1+tom/config.worktree" ]
	git -C "$WT" status >/dev/null
}

@test "vm: a symlink or a hardlink in the worktree does not reach outside" {
	sum=$(sha256sum < "$REPO/src/main.c")
	ln -s "$REPO/src/main.c" link
	cage 'echo x >> link; ln "$0/src/main.c" hard && echo linked; true' "$REPO"
	[ "$(sha256sum < "$REPO/src/main.c")" = "$sum" ]
	[ ! -e hard ]
	[[ "$output" != *linked* ]]
}

@test "vm: /proc/self/root, /proc/1/cwd and an inherited descriptor do not write outside" {
	sum=$(sha256sum < "$REPO/src/main.c")
	: > "$ART_TMP/host-file"
	run --separate-stderr art-vm run --report "$REP" -- sh -c 'echo x >> "/proc/self/root$0/src/main.c"; echo x >> /proc/1/cwd/escaped; echo x >&9; true' "$REPO" 9>>"$ART_TMP/host-file" </dev/null
	[ "$(sha256sum < "$REPO/src/main.c")" = "$sum" ]
	[ ! -s "$ART_TMP/host-file" ]
	[ ! -e "$WT/escaped" ] || [ "$(cat "$WT/escaped")" = x ] # /proc/1/cwd is the worktree, at most
	[[ "$stderr" == *"Bad file descriptor"* ]]
}

@test "vm: the home's secrets, art's keys and /proc/1/environ cannot be read" {
	visible_home
	cage 'cat ~/.ssh/id_ed25519 "$0/.ssh/id_ed25519" "$0/.aws/credentials" "$0/.config/art/signing.key" /proc/1/environ; ls -A "$0/.ssh" | wc -l' "$HOME"
	[[ "$output" != *SSH-PRIVATE-KEY* ]]
	[[ "$output" != *AWS-* ]]
	[[ "$output" != *SEED* ]]
	[[ "$output" != *PATH=* ]]
	[ "$(printf '%s\n' "$output" | tail -1)" = 0 ]
	# still there on the host
	grep -q SSH-PRIVATE-KEY "$HOME/.ssh/id_ed25519"
}

@test "vm: --hide covers more, --allow-write opens more; neither may take the worktree" {
	mkdir "$ART_TMP/out" "$REPO/private"
	echo confidential > "$REPO/private/notes"
	echo private/ >> "$REPO/.git/info/exclude"
	OPTS=(--hide "$REPO/private" --allow-write "$ART_TMP/out")
	cage 'cat "$0/private/notes"; echo written > "$1/file"' "$REPO" "$ART_TMP/out"
	[[ "$output" != *confidential* ]]
	[ "$(cat "$ART_TMP/out/file")" = written ]
	OPTS=(--hide "$REPO")
	cage 'true'
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"the worktree is in it"* ]]
	OPTS=(--allow-write /)
	cage 'true'
	[ "$status" -eq 125 ]
}

@test "vm: a setuid binary copied into the worktree gains nothing; mknod is refused" {
	need_python
	[ "$(id -u)" -eq 0 ] || skip "needs root to make the setuid file"
	command -v setpriv >/dev/null || skip "no setpriv"
	probe mknod "$WT/dev-null"
	[ "$output" = EPERM ]
	[ ! -e "$WT/dev-null" ]
	chown -R 65534:65534 "$ART_TMP"
	cp /usr/bin/id "$WT/suid-id"
	chown 0:0 "$WT/suid-id"
	chmod 4755 "$WT/suid-id"
	run setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$ART_TMP/home" art-vm run -- ./suid-id -u </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = 65534 ]
}

# --- processes -------------------------------------------------------------------------

@test "vm: host processes are invisible and cannot be signalled; the parent cannot be traced" {
	need_python
	sleep 300 &
	HOSTPID=$!
	cage 'ls /proc | grep -c "^[0-9]"; test -e /proc/$0 && echo visible; true' "$HOSTPID"
	[ "$(printf '%s\n' "$output" | head -1)" -lt 10 ]
	[[ "$output" != *visible* ]]
	probe kill "$HOSTPID"
	[ "$output" = ESRCH ]
	kill -0 "$HOSTPID"
	probe ptrace-parent
	[ "$output" = EPERM ]
	[ "$(rep '.denied_calls.ptrace')" = 1 ]
}

@test "vm: a double-forked, setsid'd child does not outlive the run" {
	command -v setsid >/dev/null || skip "no setsid"
	cage 'setsid sh -c "sleep 1005 & sleep 1006" >/dev/null 2>&1 < /dev/null & sleep 0.2; echo left'
	[ "$status" -eq 0 ]
	[ "$output" = left ]
	! pgrep -f "sleep 100[56]" >/dev/null || false
}

@test "vm: --timeout stops the command (124) and everything it started" {
	SECONDS=0
	OPTS=(--timeout 1)
	cage 'sleep 1007 & sleep 1008'
	[ "$status" -eq 124 ]
	[ "$SECONDS" -lt 10 ]
	[ "$(rep .timed_out)" = true ]
	[ "$(rep .exit)" = 124 ]
	! pgrep -f "sleep 100[78]" >/dev/null || false
}

@test "vm: a process storm stops at --max-procs; the host survives; all die with the run" {
	need_python
	run --separate-stderr art-vm run --report "$REP" --max-procs 10 -- "$PY" "$PROBE" storm 40 </dev/null
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$output" -le 9 ]
	[ "$output" -ge 1 ]
	[ "$(rep .pids_limit)" = cgroup ] || [ "$(rep .pids_limit)" = rlimit ]
	[ "$(rep .pids_limit)" != cgroup ] || [ "$(rep .pids_limit_hit)" = true ]
	! pgrep -f "cage_probe.py storm" >/dev/null || false
}

@test "vm: exit statuses: 128+n for a signal, 127 not found, 126 not executable, 125 art-vm's own" {
	cage 'kill -TERM $$'
	[ "$status" -eq 143 ]
	[ "$(rep .signal)" = 15 ]
	run -127 --separate-stderr art-vm run -- no-such-program </dev/null
	[ "$status" -eq 127 ]
	printf 'echo hi\n' > notexec.sh
	run -126 --separate-stderr art-vm run -- ./notexec.sh </dev/null
	[ "$status" -eq 126 ]
	cd "$REPO"
	run --separate-stderr art-vm run -- true </dev/null
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"which run?"* ]]
}

# --- network ---------------------------------------------------------------------------

# a TCP listener on the host's loopback, its port in $PORT
host_listener() {
	need_python
	"$PY" -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(300)' > "$ART_TMP/port" &
	HOSTPID=$!
	for _ in $(seq 50); do [ -s "$ART_TMP/port" ] && break; sleep 0.1; done
	PORT=$(cat "$ART_TMP/port")
}

@test "vm: no network by default: TCP, UDP, IPv6 and DNS all fail, and are counted" {
	host_listener
	probe connect-tcp 127.0.0.1 "$PORT"
	[ "$output" = EPERM ]
	[ "$(rep .denied_calls.socket)" = 1 ]
	probe udp 127.0.0.1 53
	[ "$output" = EPERM ]
	probe socket AF_INET6 SOCK_STREAM
	[ "$output" = EPERM ]
	probe dns example.com
	[ "$output" != ok ]
	[ "$(rep .net)" = none ]
}

@test "vm: --net loopback has the cage's own loopback, not the host's" {
	host_listener
	run --separate-stderr art-vm run --net loopback -- "$PY" "$PROBE" connect-tcp 127.0.0.1 "$PORT" </dev/null
	[ "$output" = ECONNREFUSED ]
	run --separate-stderr art-vm run --net loopback -- "$PY" -c 'import socket
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); c=socket.create_connection(s.getsockname()); print("loopback")' </dev/null
	[ "$output" = loopback ]
}

@test "vm: a host unix socket cannot be reached; netlink, packet and vsock sockets are refused" {
	need_python
	"$PY" -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); time.sleep(300)' "$REPO/host.sock" &
	HOSTPID=$!
	for _ in $(seq 50); do [ -S "$REPO/host.sock" ] && break; sleep 0.1; done
	probe connect-unix "$REPO/host.sock"
	[ "$output" = EPERM ]
	for fam in AF_NETLINK AF_PACKET AF_VSOCK; do
		probe socket "$fam" SOCK_RAW
		[ "$output" = EPERM ] || [ "$output" = EPERM ] || { echo "$fam: $output"; return 1; }
	done
	# a socketpair is no way out, and stays possible
	run art-vm run -- "$PY" -c 'import socket; socket.socketpair(); print("pair")' </dev/null
	[ "$output" = pair ]
}

# --- the kernel's doors ------------------------------------------------------------

@test "vm: unshare -Ur then a remount, mount, pivot_root, setns are refused" {
	need_python
	need_x86_64
	cage 'unshare -Ur sh -c "mount -o remount,rw /" && echo escaped; true'
	[[ "$output" != *escaped* ]]
	[ "$(rep '.denied_calls.unshare')" = 1 ]
	for call in mount pivot_root setns umount2 open_tree fsopen; do
		probe syscall "$call"
		[ "$output" = EPERM ] || { echo "$call: $output"; return 1; }
	done
	probe unshare-user
	[ "$output" = EPERM ]
}

@test "vm: keyctl, bpf, io_uring, perf_event_open, userfaultfd, process_vm_readv, kexec, modules are refused and counted" {
	need_python
	need_x86_64
	for call in keyctl add_key bpf io_uring_setup perf_event_open userfaultfd process_vm_readv kexec_load init_module; do
		probe syscall "$call"
		[ "$output" = EPERM ] || { echo "$call: $output"; return 1; }
		[ "$(rep .denied)" -ge 1 ] || { echo "$call not counted"; return 1; }
	done
}

@test "vm: TIOCSTI cannot type into a terminal" {
	need_python
	probe tiocsti
	[ "$output" = EPERM ]
	[ "$(rep '.denied_calls.ioctl')" = 1 ]
}

@test "vm: Landlock is a second layer where the kernel has it" {
	cage 'true'
	abi=$(rep .landlock)
	[ "$abi" = false ] || [ "$abi" -ge 1 ]
}

# --- users and refusals ---------------------------------------------------------------

@test "vm: works as an unprivileged user too" {
	[ "$(id -u)" -eq 0 ] || skip "the suite runs unprivileged already"
	command -v setpriv >/dev/null || skip "no setpriv"
	chown -R 65534:65534 "$ART_TMP"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HOME="$ART_TMP/home" art-vm run --report "$REP" -- sh -c 'id -u; echo x > src/mine.c; echo y >> "$0/src/main.c"; true' "$REPO" </dev/null
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$(printf '%s\n' "$output" | head -1)" = 65534 ]
	[ "$(stat -c %u src/mine.c)" = 65534 ]
	! grep -q y "$REPO/src/main.c" || false
}

@test "vm: a governor can veto it: 125, nothing runs, the veto is logged" {
	mkdir -p "$REPO/.art/governors.d"
	printf '#!/bin/sh\ngrep -q "\\"action\\":\\"vm.run\\"" && { echo "no cages today"; exit 1; }\nexit 0\n' > "$REPO/.art/governors.d/10-no"
	chmod +x "$REPO/.art/governors.d/10-no"
	cage 'echo ran > ran.txt'
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"no cages today"* ]]
	[ ! -e ran.txt ]
	[ "$(rep .exit)" = 125 ]
	art-log show --run T1/tom | jq -r .type | grep -qx art.governor.denied
	! art-log show --run T1/tom | jq -r .type | grep -q art.vm.started || false
}

@test "vm: a closed run, an unknown run, usage errors: 125; art-vm alone: 2" {
	cd "$REPO"
	run --separate-stderr art-vm run --agent tom --ticket T9 -- true </dev/null
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"no run T9/tom"* ]]
	echo '{"type":"art.run.canceled","subject":"T1/tom"}' | art-log append >/dev/null
	run --separate-stderr art-vm run --agent tom --ticket T1 -- true </dev/null
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"is canceled"* ]]
	for args in "--bogus -- true" "--net wifi -- true" "--timeout 0 -- true" "--env 1X -- true" "" "--backend qemu -- true"; do
		# shellcheck disable=SC2086
		run --separate-stderr art-vm run $args </dev/null
		[ "$status" -eq 125 ] || { echo "$args: $status"; return 1; }
	done
	run --separate-stderr art-vm </dev/null
	[ "$status" -eq 2 ]
	run art-vm --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
}

@test "vm: the host's secrets are hidden even from a cage run as root; hidden files read empty" {
	[ "$(id -u)" -eq 0 ] || skip "only root could read them"
	[ -e /etc/shadow ] || skip "no /etc/shadow"
	visible_home
	echo "//registry.npmjs.org/:_authToken=NPM-$RANDOM" > "$HOME/.npmrc"
	cage 'wc -c < /etc/shadow; wc -c < "$0/.npmrc"; cat "$0/.npmrc"' "$HOME"
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$output" = $'0\n0' ]
}

@test "vm: a repository under /run is bound into the cage's own /run" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to write in /run"
	[ -d /run ] || skip "no /run"
	dir=$(mktemp -d /run/art-vm-test.XXXXXX)
	git clone -q "$REPO" "$dir/repo"
	git -C "$dir/repo" config user.name "Test User"
	git -C "$dir/repo" config user.email test@example.com
	cd "$dir/repo"
	art-start --agent tom --ticket T1 </dev/null >/dev/null
	cd .worktrees/T1/tom
	run --separate-stderr art-vm run -- sh -c 'ls /run | wc -l; echo x > f && echo wrote' </dev/null
	rc=$status out=$output
	cd / && rm -rf "$dir"
	[ "$rc" -eq 0 ]
	[ "$out" = $'1\nwrote' ]
}

@test "vm: empty stdin is nothing to do; --env HOME keeps HOME once; a report that cannot be written stops it first" {
	cd "$REPO"
	run --separate-stderr bash -c 'printf "" | art-vm run -- touch ran'
	[ "$status" -eq 0 ]
	[ -z "$output" ] && [ ! -e ran ] && [ ! -e "$WT/ran" ]
	cd "$WT"
	OPTS=(--env HOME)
	cage 'env | grep -c "^HOME="; echo "$HOME"'
	[ "$output" = $'1\n'"$HOME" ]
	OPTS=(--report "$ART_TMP/no/such/dir/report.json")
	cage 'touch ran'
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"cannot write there"* ]]
	[ ! -e ran ]
}

@test "vm: a ^C at the terminal reaches the command once" {
	need_python
	command -v setsid >/dev/null || skip "no setsid"
	# art-vm leads a process group, as a shell's foreground job does
	setsid art-vm run -- "$PY" -c 'import signal, time, sys
n = 0
def on(s, f):
    global n; n += 1
signal.signal(signal.SIGINT, on)
print("ready", flush=True)
time.sleep(2)
print(n, flush=True)' > "$ART_TMP/out" 2>&1 </dev/null &
	for _ in $(seq 50); do grep -q ready "$ART_TMP/out" 2>/dev/null && break; sleep 0.1; done
	pgid=$(ps -o pgid= -p "$!" | tr -d ' ')
	kill -INT -- "-$pgid"
	wait "$!" || true
	[ "$(tail -1 "$ART_TMP/out")" = 1 ]
}

@test "vm: the governors see every option" {
	mkdir -p "$REPO/.art/governors.d"
	printf '#!/bin/sh\ncat > "%s"\n' "$ART_TMP/action.json" > "$REPO/.art/governors.d/10-see"
	chmod +x "$REPO/.art/governors.d/10-see"
	OPTS=(--allow-unix --keep-home --env LANG --timeout 30 --max-procs 50 --net loopback)
	cage 'true'
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.action, .unix, .keep_home, .env, .timeout, .max_procs, .net]' "$ART_TMP/action.json")" = '["vm.run",true,true,["LANG"],30,50,"loopback"]' ]
}

@test "vm: a socket family with high bits set, or a datagram socketpair, is refused too" {
	need_python
	need_x86_64
	for fam in AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_VSOCK; do
		probe socket-high "$fam" SOCK_STREAM
		[ "$output" = EPERM ] || { echo "$fam: $output"; return 1; }
	done
	probe dgram-pair
	[ "$output" = EPERM ]
	OPTS=(--allow-unix)
	cage "$PY $PROBE dgram-pair"
	[ "$output" = ok ]
}

@test "vm: the kernel's settings in /proc are read-only, even to a cage run as root" {
	cage 'echo "|/bin/true" > /proc/sys/kernel/core_pattern && echo written; echo 1 > /proc/sysrq-trigger && echo sysrq; true'
	[[ "$output" != *written* ]]
	[[ "$output" != *sysrq* ]]
	[ "$(cat /proc/sys/kernel/core_pattern)" != "|/bin/true" ]
}

@test "vm: the object store is read-only; new objects reach it after the run; fsck is clean" {
	blob=$(git -C "$REPO" rev-parse HEAD:src/main.c)
	obj="$REPO/.git/objects/${blob:0:2}/${blob:2}"
	[ -f "$obj" ]
	sum=$(sha256sum < "$obj")
	cage 'chmod u+w "$0" 2>/dev/null; echo garbage > "$0" || echo refused; rm -f "$0" || echo kept;
	      echo new > src/new.c && git add src/new.c && git commit -qm "feat(src): new" && echo committed' "$obj"
	[ "$status" -eq 0 ]
	[[ "$output" == *refused* ]] && [[ "$output" == *kept* ]] && [[ "$output" == *committed* ]]
	[ "$(sha256sum < "$obj")" = "$sum" ]
	git -C "$REPO" fsck --no-progress --no-dangling
	[ "$(git -C "$REPO" show feat/T1-tom:src/new.c)" = new ]
	[ -z "$(ls -A "$REPO/.git/worktrees/T1+tom/art-objects")" ]
}

@test "vm: objects a killed art-vm left in its quarantine reach the store on the next run" {
	q="$REPO/.git/worktrees/T1+tom/art-objects/leftover"
	mkdir -p "$q"
	echo made by a cage > "$WT/src/left.c"
	blob=$(GIT_OBJECT_DIRECTORY="$q" GIT_ALTERNATE_OBJECT_DIRECTORIES="$REPO/.git/objects" git -C "$WT" hash-object -w src/left.c)
	ln -s /etc/passwd "$q/planted"
	! git -C "$REPO" cat-file -e "$blob" 2>/dev/null || false
	cage 'true'
	git -C "$REPO" cat-file -e "$blob"
	[ ! -e "$q" ]
}

@test "vm: no link or FIFO can be left in git's data for git outside the cage to follow" {
	cage 'gd=$(git rev-parse --git-dir); ln -s /etc/passwd "$gd/logs/planted" && echo linked; mkfifo "$gd/fifo" && echo fifo; true'
	[ ! -L "$REPO/.git/worktrees/T1+tom/logs/planted" ]
	[ ! -p "$REPO/.git/worktrees/T1+tom/fifo" ]
}

@test "vm: a repository planted inside the worktree is not followed" {
	mkdir -p sub/.cache
	git init -q sub/.cache/fake
	printf 'gitdir: .cache/fake/.git\n' > sub/.git
	cd sub
	run --separate-stderr art-vm run -- true </dev/null
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"a repository inside a worktree"* ]]
}

@test "vm: --allow-write of a path in the worktree is refused (a link left by an earlier run)" {
	cage 'ln -s "$0" build-out' "$ART_TMP"
	OPTS=(--allow-write build-out)
	cage 'echo pwn > build-out/pwned'
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"in the worktree, writable already"* ]]
	[ ! -e "$ART_TMP/pwned" ]
}

@test "vm: the terminal's settings are the user's again after the run" {
	command -v script >/dev/null || skip "no script(1)"
	run script -qec "art-vm run -- stty -echo -icanon; stty -a" /dev/null
	[[ "$output" == *" echo "* ]] || [[ "$output" == *" echo"$'\r'* ]] || [[ "$output" == *";"*" echo "* ]]
	[[ "$output" != *"-echo "* ]]
	[[ "$output" != *"-icanon"* ]]
}

@test "vm: an object planted under the name of content written later does not stand in for it" {
	need_python
	oid=$(printf 'future\n' | git hash-object --stdin)
	cage "$PY"' -c "import os, sys, zlib
q = os.environ[\"GIT_OBJECT_DIRECTORY\"]; oid = sys.argv[1]
os.makedirs(q + \"/\" + oid[:2], exist_ok=True)
open(q + \"/\" + oid[:2] + \"/\" + oid[2:], \"wb\").write(zlib.compress(b\"blob 7\\0planted\"))
print(\"planted\")" "$0"' "$oid"
	[ "$output" = planted ] || { echo "$stderr"; return 1; }
	new=$(printf 'future\n' | git -C "$REPO" hash-object -w --stdin)
	[ "$new" = "$oid" ]
	[ "$(git -C "$REPO" cat-file -p "$oid")" = future ]
	git -C "$REPO" fsck --no-progress --no-dangling
}
