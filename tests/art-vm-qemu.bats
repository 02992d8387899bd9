#!/usr/bin/env bats
# art-vm run --backend qemu: the command in a microVM of its own kernel.
# Each test boots QEMU, under TCG when the machine has no working KVM:
# a few seconds each, so they are few and their commands short.

load helper

# Once: the image, in a cache shared by the tests of this file (the first
# run also decides, once, whether KVM works here).
setup_file() {
	export XDG_CACHE_HOME="$BATS_FILE_TMPDIR/cache"
	if ! command -v qemu-system-x86_64 >/dev/null || ! [ -x /bin/busybox ] ||
		! compgen -G '/boot/vmlinuz-*' >/dev/null; then
		export QEMU_SKIP="needs qemu-system-x86, busybox-static and linux-image-amd64 (./install.sh --with-test-deps)"
		return 0
	fi
	"$ART_BIN/art-vm" image build >"$BATS_FILE_TMPDIR/image.json"
}

setup() {
	[ -z "${QEMU_SKIP:-}" ] || skip "$QEMU_SKIP"
	setup_repo
	init_art
	art-start --agent tom --ticket T1 </dev/null >/dev/null
	WT="$REPO/.worktrees/T1/tom"
	REP="$ART_TMP/report.json"
	OPTS=()
	cd "$WT"
}

teardown() {
	[ -n "${HOSTPID:-}" ] && kill "$HOSTPID" 2>/dev/null
	teardown_repo
}

# vm SCRIPT: sh -c SCRIPT in T1/tom's microVM, options from OPTS, input
# from $IN (none by default), the report in $REP.  A guest that hangs
# fails its test at 300 s (OPTS may set a shorter --timeout: the last wins)
# instead of holding the suite.
vm() {
	run --separate-stderr art-vm run --backend qemu --timeout 300 --report "$REP" "${OPTS[@]}" \
		-- sh -c "$1" <<<"${IN-}"
}

@test "qemu: input, output and exit status travel as if the command ran here" {
	IN=hello
	vm 'read line; echo "got $line"; echo to-stderr >&2; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = "got hello" ]
	[[ "$stderr" == *to-stderr* ]]
	[ "$(jq -r '.exit, .backend, .signal' "$REP" | tr '\n' ' ')" = "3 qemu null " ]
	jq -e '.accel == "kvm" or .accel == "tcg"' "$REP"
	# the log has the run's two vm events, as the cage's
	[ "$(art-log show --run T1/tom | jq -r 'select(.type == "art.vm.exited") | .data.backend + " " + (.data.exit|tostring)')" = "qemu 3" ]
}

@test "qemu: a command killed by a signal is 128+n" {
	vm 'kill -9 $$'
	[ "$status" -eq 137 ]
	[ "$(jq -r '.exit, .signal' "$REP" | tr '\n' ' ')" = "137 9 " ]
}

@test "qemu: the worktree is shared and git works; /etc/shadow, ~/.ssh and the main checkout are not there" {
	mkdir -p "$HOME/.ssh" && echo key > "$HOME/.ssh/id_ed25519"
	vm "echo made-inside > inside.txt && git add inside.txt &&
	    git commit -qm 'feat(vm): from the guest' && echo committed
	    for p in /etc/shadow '$HOME/.ssh' '$REPO/src/main.c' '$REPO/agents'; do
	        test -e \"\$p\" && echo \"VISIBLE \$p\"
	    done
	    touch '$REPO/.git/config' 2>/dev/null && echo CONFIG-WRITABLE
	    id -u; exit 0"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | head -1)" = committed ]
	[[ "$output" != *VISIBLE* ]]
	[[ "$output" != *CONFIG-WRITABLE* ]]
	# as the owner of the worktree, with no capability
	[ "${lines[-1]}" = "$(stat -c %u "$WT")" ]
	[ "$(cat "$WT/inside.txt")" = made-inside ]
	[ "$(git -C "$WT" log -1 --format=%s)" = "feat(vm): from the guest" ]
	git -C "$WT" fsck --no-progress >/dev/null
}

@test "qemu: no network; with --net loopback, only the guest's own" {
	PORT=$((20000 + RANDOM % 20000))
	python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
c, _ = s.accept(); open(sys.argv[2], "w").write("reached")' "$PORT" "$ART_TMP/reached" &
	HOSTPID=$!
	OPTS=(--net loopback)
	vm "ls /sys/class/net; nc -w 2 127.0.0.1 $PORT </dev/null && echo CONNECTED; exit 0"
	[ "$status" -eq 0 ]
	[ "$output" = lo ]
	[ ! -e "$ART_TMP/reached" ]
	[ "$(jq -r .net "$REP")" = loopback ]
	OPTS=()
	vm 'cat /sys/class/net/lo/operstate; ls /sys/class/net'
	[ "${lines[*]}" = "down lo" ]
}

@test "qemu: --timeout stops a sleeping command, and QEMU is gone" {
	export TMPDIR="$ART_TMP/tmp"
	mkdir -p "$TMPDIR"
	OPTS=(--timeout 2)
	vm 'sleep 300'
	[ "$status" -eq 124 ]
	[ "$(jq -r .timed_out "$REP")" = true ]
	# QEMU's console log lived under TMPDIR: nothing names it any more
	! pgrep -f "$TMPDIR" || false
	[ -z "$(ls -A "$TMPDIR")" ]
}

@test "qemu: the command's output cannot forge its exit status" {
	# an END frame saying "exited 0" on stdout and stderr, and an attempt
	# at every port and console the guest might have
	vm "printf 'X\\000\\000\\000\\020\\000\\000\\000\\001\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000'
	    printf 'X\\000\\000\\000\\020\\000\\000\\000\\001' >&2
	    for d in /dev/vport* /dev/hvc* /dev/virtio-ports/*; do [ -e \"\$d\" ] && echo \"PORT \$d\" >&2; done
	    exit 7"
	[ "$status" -eq 7 ]
	[ "$(jq -r .exit "$REP")" = 7 ]
	[[ "$stderr" != *PORT* ]]
	# what it printed arrived as it was
	[ "$(printf '%s' "$output" | head -c 1)" = X ]
}

@test "qemu: a tampered rootfs.cpio is refused before boot" {
	export XDG_CACHE_HOME="$ART_TMP/cache"
	cp -r "$BATS_FILE_TMPDIR/cache" "$XDG_CACHE_HOME"
	art-vm image status >/dev/null
	printf 'Z' | dd of="$XDG_CACHE_HOME/art/vm/rootfs.cpio" bs=1 seek=4096 conv=notrunc status=none
	vm 'echo RAN'
	[ "$status" -eq 125 ]
	[[ "$output" != *RAN* ]]
	[[ "$stderr" == *"$XDG_CACHE_HOME/art/vm/rootfs.cpio: its SHA-256 is"* ]]
	[ "$(jq -r .exit "$REP")" = 125 ]
	run art-vm image status
	[ "$status" -eq 1 ]
	[ "$(jq -r .ok <<<"$output")" = false ]
	[[ "$(jq -r .problem <<<"$output")" == *rootfs.cpio* ]]
}

@test "qemu: image build twice gives the same bytes" {
	export XDG_CACHE_HOME="$ART_TMP/cache"
	art-vm image build >"$ART_TMP/one.json" 2>/dev/null
	art-vm image build >"$ART_TMP/two.json" 2>/dev/null
	one=$(jq -r '.kernel.sha256 + " " + .rootfs.sha256' "$ART_TMP/one.json")
	[ "$one" = "$(jq -r '.kernel.sha256 + " " + .rootfs.sha256' "$ART_TMP/two.json")" ]
	[ "$one" = "$(jq -r '.kernel.sha256 + " " + .rootfs.sha256' "$BATS_FILE_TMPDIR/image.json")" ]
	[ "$(sha256sum < "$XDG_CACHE_HOME/art/vm/rootfs.cpio" | cut -d' ' -f1)" = "$(jq -r .rootfs.sha256 "$ART_TMP/two.json")" ]
	run art-vm image status
	[ "$status" -eq 0 ]
	[ "$(jq -r .ok <<<"$output")" = true ]
}

@test "qemu: --backend auto takes the microVM only where KVM works" {
	run --separate-stderr art-vm run --backend auto --timeout 300 --report "$REP" -- true
	[ "$status" -eq 0 ]
	if jq -e '.why' "$XDG_CACHE_HOME/art/vm/kvm-probe.json" >/dev/null; then
		[ "$(jq -r .backend "$REP")" = cage ]
	else
		[ "$(jq -r '.backend + " " + .accel' "$REP")" = "qemu kvm" ]
	fi
}

@test "qemu: on a terminal, the command gets one of the guest's; --cpus and --memory size the machine" {
	command -v script >/dev/null || skip "no script(1)"
	cat >"$WT/probe.sh" <<'SH'
tty
nproc
awk '/^MemTotal:/ { print $2 }' /proc/meminfo
test -t 0 && echo stdin-tty
SH
	script -qec "art-vm run --backend qemu --timeout 300 --cpus 2 --memory 256 -- sh ./probe.sh" \
		/dev/null </dev/null >"$ART_TMP/typescript"
	tr -d '\r' <"$ART_TMP/typescript" >"$ART_TMP/out"
	# (script's own input, echoed by the guest's terminal, may come first)
	grep -q '/dev/pts/[0-9]*$' "$ART_TMP/out"
	grep -qx 2 "$ART_TMP/out"
	grep -qx stdin-tty "$ART_TMP/out"
	kb=$(grep -x '[0-9]\{5,\}' "$ART_TMP/out")
	[ "$kb" -gt 150000 ] && [ "$kb" -le 262144 ]
}
