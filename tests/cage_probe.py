#!/usr/bin/python3
"""Escape attempts for tests/art-vm.bats, run inside the cage.

  cage_probe.py ATTEMPT [ARG...]

Each attempt prints one line: "ok" when the call succeeded (an escape, for
most of them), else the errno's name ("EPERM", ...), and exits 0; the
tests compare that line.  System calls without a Python wrapper go
through libc's syscall() with x86_64 numbers (the tests skip elsewhere).
"""
import ctypes
import errno
import fcntl
import os
import socket
import sys
import termios
import time

libc = ctypes.CDLL(None, use_errno=True)

# x86_64 system call numbers
NR = {"mount": 165, "umount2": 166, "pivot_root": 155, "setns": 308,
      "keyctl": 250, "add_key": 248, "bpf": 321, "io_uring_setup": 425,
      "perf_event_open": 298, "userfaultfd": 323, "process_vm_readv": 310,
      "unshare": 272, "open_tree": 428, "fsopen": 430, "kexec_load": 246,
      "init_module": 175}


def report(fn):
    try:
        r = fn()
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)))
        return
    if isinstance(r, int) and r < 0:
        err = ctypes.get_errno()
        print(errno.errorcode.get(err, str(err)))
    else:
        print("ok")


def raw(name, *args):
    return libc.syscall(NR[name], *[ctypes.c_long(a) for a in args])


def main(what, *args):
    if what == "syscall":            # syscall NAME: every argument 0
        report(lambda: raw(args[0], 0, 0, 0, 0, 0))
    elif what == "unshare-user":     # unshare(CLONE_NEWUSER)
        report(lambda: raw("unshare", 0x10000000))
    elif what == "socket":           # socket FAMILY TYPE (names)
        fam = getattr(socket, args[0])
        typ = getattr(socket, args[1])
        report(lambda: socket.socket(fam, typ, 0).close())
    elif what == "connect-tcp":      # connect-tcp HOST PORT
        def go():
            s = socket.socket(socket.AF_INET6 if ":" in args[0] else socket.AF_INET)
            s.settimeout(2)
            s.connect((args[0], int(args[1])))
        report(go)
    elif what == "connect-unix":     # connect-unix PATH
        def go():
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(args[0])
        report(go)
    elif what == "udp":              # udp HOST PORT: send a datagram
        report(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
            b"x", (args[0], int(args[1]))))
    elif what == "dns":              # dns NAME
        report(lambda: socket.getaddrinfo(args[0], 80))
    elif what == "ptrace-parent":    # PTRACE_ATTACH to the parent
        report(lambda: libc.ptrace(16, os.getppid(), 0, 0))
    elif what == "tiocsti":          # type a character into fd 0
        report(lambda: fcntl.ioctl(0, termios.TIOCSTI, b"x"))
    elif what == "socket-high":      # socket(FAMILY | 1 << 32, TYPE)
        fam = getattr(socket, args[0]) | 1 << 32
        typ = getattr(socket, args[1])
        report(lambda: libc.syscall(41, ctypes.c_long(fam), ctypes.c_long(typ), ctypes.c_long(0)))
    elif what == "dgram-pair":       # socketpair(AF_UNIX, SOCK_DGRAM)
        report(lambda: socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM))
    elif what == "kill":             # kill PID
        report(lambda: os.kill(int(args[0]), 15))
    elif what == "mknod":            # mknod PATH: a character device
        report(lambda: os.mknod(args[0], 0o600 | 0o020000, os.makedev(1, 3)))
    elif what == "storm":            # storm N: fork up to N sleepers
        n = 0
        for _ in range(int(args[0])):
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                time.sleep(60)
                os._exit(0)
            n += 1
        print(n, flush=True)
    else:
        print("unknown attempt", what, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(*sys.argv[1:])
