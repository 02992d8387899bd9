"""bench/poll_hint.py - the measuring side of bench/poll.

Python 3 standard library only; run by bench/poll, not by hand (it is not
executable, so `make bench` does not run it on its own).

    python3 bench/poll_hint.py run --seconds S --log LOG --client ID -- CMD ARG...

Starts CMD (standard output to /dev/null) and lets it run S seconds.  At
--settle seconds (default 2: start-up done, first polls made) and at S it
reads the process's CPU clock (all threads, ns); at S, its peak RSS, VmHWM
of /proc/PID/status.  (Not wait4's ru_maxrss: posix_spawn's child records
the RSS of the memory it exec'd from, this Python's, as its peak.)  Then
SIGTERM, and wait4(2) for the CPU time of the whole run, user + system.
In Core's request log LOG (tests/core/core.py's requests.jsonl) it counts
the GET /policy and GET /jobs of client ID made while CMD ran, and those
between the two clock readings.  Prints one line:

    PEAK_RSS_KIB CPU_US GETS STEADY_CPU_US STEADY_GETS EARLY REFUSED

EARLY: polls Core flagged as before their time; REFUSED: answers other
than 200 (or 304 for the policy).  Exit 1 when CMD did not exit 0.

    python3 bench/poll_hint.py hints --fifo F --log LOG --client ID \
        --interval S --samples N [--margin-ms M] [--core URL] \
        [--db CLIENT_DB [--route ROUTE]]

Against an art-poll --hints F that polls GET /jobs every S seconds (plus
its random 0 to 20 %): waits for a GET /jobs of ID in LOG, arrived at T
(as Core logged it); finds the earliest instant E the schedule allows the
next one: with --db, from art's client state (read-only; the row of
ROUTE, default "jobs?scope=jobs:backend": the answer's time plus the
interval, or Core's next_poll_not_before if later), else T + S; sleeps
until E + M ms (default 5), inside the jitter window, where the schedule
allows a poll but the random delay has not yet run out; writes one valid
hint of topic jobs to F, at time H; and takes the first GET /jobs after
T: the delay is its arrival minus H.  A sample whose poll came at or
before H (the random delay ran out first) is discarded, and the next
period, which that hint moves, is let pass; one with no poll within S + 1
s is counted as missed.  N kept samples, then one line:

    KEPT DISCARDED MISSED MEDIAN_MS P90_MS MIN_MS MAX_MS FLOOR_MS LATE

FLOOR_MS is Core's own share of any delay: the median time from sending
a request (here, 20 unauthenticated GET /policy on a kept-alive
connection) to its arrival in LOG; 0 without --core.  LATE: the polls
whose answer reached art more than 20 ms after their arrival (with --db).
Samples go to standard error.
"""

import argparse
import http.client
import json
import math
import os
import signal
import sqlite3
import sys
import time
from urllib.parse import urlsplit


class Log:
    """Core's request log, read as it grows."""

    def __init__(self, path, from_end=False):
        self.f = open(path)
        if from_end:
            self.f.seek(0, os.SEEK_END)
        self.buf = ""
        self.pending = []

    def entries(self):
        """The entries logged since the last call."""
        out, self.pending = self.pending, []
        chunk = self.f.read()
        if not chunk:
            return out
        self.buf += chunk
        *lines, self.buf = self.buf.split("\n")
        for line in lines:
            if line.strip():
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def unread(self, entries):
        """Give entries back, for the next call."""
        self.pending = list(entries) + self.pending


def is_poll(e, client, paths=("/policy", "/jobs")):
    return e.get("method") == "GET" and e.get("path") in paths and e.get("client") == client


# ------------------------------------------------------------------ run

def cpu_ns(pid):
    """The process-wide CPU time of pid, all its threads, in ns: the CPU
    clock of clock_getcpuclockid(3), CPUCLOCK_SCHED of the process."""
    return time.clock_gettime_ns((~pid << 3) | 2)


def peak_rss_kib(pid):
    """VmHWM: the peak RSS of pid's memory since its exec."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def sleep_until(t):
    d = t - time.time()
    if d > 0:
        time.sleep(d)


def cmd_run(a):
    out = os.open(os.devnull, os.O_WRONLY)
    t0 = time.time()
    pid = os.posix_spawnp(a.cmd[0], a.cmd, os.environ,
                          file_actions=[(os.POSIX_SPAWN_DUP2, out, 1)])
    os.close(out)
    sleep_until(t0 + a.settle)
    t_mark, c_mark = time.time(), cpu_ns(pid)
    sleep_until(t0 + a.seconds)
    rss = peak_rss_kib(pid)
    t_end, c_end = time.time(), cpu_ns(pid)
    os.kill(pid, signal.SIGTERM)
    _, status, ru = os.wait4(pid, 0)
    t1 = time.time()
    gets = steady = early = refused = 0
    with open(a.log) as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if not (is_poll(e, a.client) and t0 <= e["t"] <= t1):
                continue
            gets += 1
            steady += t_mark < e["t"] <= t_end
            early += bool(e.get("early"))
            ok = (200, 304) if e["path"] == "/policy" else (200,)
            refused += e.get("status") not in ok
    cpu_us = (ru.ru_utime + ru.ru_stime) * 1e6
    print("%d %.0f %d %.0f %d %d %d" % (rss, cpu_us, gets, (c_end - c_mark) / 1e3,
                                         steady, early, refused))
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print("poll_hint.py: %s exited %d" % (a.cmd[0], code), file=sys.stderr)
        return 1
    return 0


# ------------------------------------------------------------------ hints

def floor_ms(core, log_path, n=20):
    """Median ms from sending a request to Core logging its arrival."""
    u = urlsplit(core)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    log = Log(log_path, from_end=True)
    gaps = []
    for i in range(n):
        sent = time.time()
        conn.request("GET", "/policy?bench_probe=%d" % i)
        conn.getresponse().read()
        for _ in range(1000):
            hit = [e for e in log.entries()
                   if e.get("path") == "/policy" and e.get("query", {}).get("bench_probe") == str(i)]
            if hit:
                gaps.append((hit[0]["t"] - sent) * 1000)
                break
            time.sleep(0.001)
        time.sleep(0.01)
    conn.close()
    gaps.sort()
    return gaps[len(gaps) // 2] if gaps else 0.0


def open_fifo(path, timeout=30):
    """The write end, once art-poll holds the read end."""
    end = time.time() + timeout
    while True:
        try:
            return os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            if time.time() > end:
                raise
            time.sleep(0.05)


def next_jobs_poll(log, client, after, timeout, seen=None):
    """The arrival time of the first GET /jobs of client after `after`, or
    None when none came before the timeout.  The client's GET /policy
    passed on the way are appended to seen."""
    end = time.time() + timeout
    while True:
        got = log.entries()
        for i, e in enumerate(got):
            if is_poll(e, client, ("/jobs",)) and e["t"] > after:
                log.unread(got[i + 1:])
                return e["t"]
            if seen is not None and is_poll(e, client, ("/policy",)):
                seen.append(e["t"])
        if time.time() > end:
            return None
        time.sleep(0.0005)


class Schedule:
    """art's own schedule of one route, read (read-only) from its client
    state, client.db: when the answer of the last poll came back, and so
    the earliest instant a hint may bring the next poll to."""

    def __init__(self, path, route):
        self.db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=5)
        self.route = route

    def after(self, t, timeout=2.0):
        """(earliest, last_ok) in seconds once art has recorded the answer
        of the poll that arrived at t; None when it did not, or when the
        route failed or was slowed down (a hint moves nothing then)."""
        end = time.time() + timeout
        while time.time() < end:
            row = self.db.execute(
                "SELECT interval_s, server_nb_ms, last_ok_ms, blocked_until_ms, failures, slowed"
                " FROM schedule WHERE route = ?", (self.route,)).fetchone()
            if row and row[2] and row[2] >= math.floor(t * 1000):
                iv, nb, ok, blocked, failures, slowed = row
                if failures or slowed:
                    return None
                return max(ok + iv * 1000, nb or 0, blocked or 0) / 1000, ok / 1000
            time.sleep(0.001)
        return None


def percentile(v, p):
    """Nearest rank."""
    v = sorted(v)
    return v[max(0, min(len(v) - 1, math.ceil(p / 100 * len(v)) - 1))]


def cmd_hints(a):
    floor = floor_ms(a.core, a.log) if a.core else 0.0
    log = Log(a.log)
    fd = open_fifo(a.fifo)
    kept, discarded, missed = [], 0, 0
    t = next_jobs_poll(log, a.client, 0, 30)
    if t is None:
        print("poll_hint.py: art-poll does not poll GET /jobs", file=sys.stderr)
        return 1
    # the log may hold earlier polls: start from the newest one
    while True:
        u = next_jobs_poll(log, a.client, t, 0)
        if u is None:
            break
        t = u
    sched = Schedule(a.db, a.route) if a.db else None
    late = 0
    i = 0
    while len(kept) < a.samples and missed + discarded < 5 * a.samples:
        i += 1
        target = t + a.interval + a.margin_ms / 1000
        if sched:
            got = sched.after(t)
            if got is None:
                print("poll_hint.py: art did not record the poll at %.3f as a success"
                      " within 2 s" % t,
                      file=sys.stderr)
                return 1
            target = got[0] + a.margin_ms / 1000
            if got[1] - t > 0.02:
                late += 1
                print("poll %d: its answer took %.1f ms" % (i, (got[1] - t) * 1000),
                      file=sys.stderr)
        d = target - time.time()
        if d > 0:
            time.sleep(d)
        hint = json.dumps({"hint_id": "bench-%d-%d" % (os.getpid(), i), "topic": "jobs",
                           "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                           "ttl_s": 30}, separators=(",", ":")) + "\n"
        h = time.time()
        os.write(fd, hint.encode())
        policy = []
        u = next_jobs_poll(log, a.client, t, a.interval + 1, policy)
        if u is None:
            missed += 1
            print("hint %d: no poll followed" % i, file=sys.stderr)
            u = next_jobs_poll(log, a.client, t, 30)
            if u is None:
                print("poll_hint.py: art-poll stopped polling", file=sys.stderr)
                return 1
        elif u <= h:
            discarded += 1
            print("hint %d: discarded, the jittered poll came %.1f ms before it"
                  % (i, (h - u) * 1000), file=sys.stderr)
            # that hint moves the period after u: let it pass unmeasured
            u = next_jobs_poll(log, a.client, u, a.interval + 1) or u
        else:
            kept.append((u - h) * 1000)
            print("hint %d: %.2f ms%s" % (i, kept[-1], " (a GET /policy went first)"
                                           if any(h < p < u for p in policy) else ""),
                  file=sys.stderr)
        t = u
    os.close(fd)
    if not kept:
        print("0 %d %d 0 0 0 0 %.2f %d" % (discarded, missed, floor, late))
        return 0
    s = sorted(kept)
    med = s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2
    print("%d %d %d %.2f %.2f %.2f %.2f %.2f %d" % (len(kept), discarded, missed, med,
                                                   percentile(kept, 90), s[0], s[-1], floor, late))
    return 0


def main():
    ap = argparse.ArgumentParser(description="the measuring side of bench/poll")
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("run")
    r.add_argument("--seconds", type=float, required=True)
    r.add_argument("--log", required=True)
    r.add_argument("--client", required=True)
    r.add_argument("--settle", type=float, default=2.0)
    r.add_argument("cmd", nargs="+")
    h = sub.add_parser("hints")
    h.add_argument("--fifo", required=True)
    h.add_argument("--log", required=True)
    h.add_argument("--client", required=True)
    h.add_argument("--interval", type=float, required=True)
    h.add_argument("--samples", type=int, required=True)
    h.add_argument("--margin-ms", type=float, default=5.0)
    h.add_argument("--core")
    h.add_argument("--db")
    h.add_argument("--route", default="jobs?scope=jobs:backend")
    a = ap.parse_args()
    return cmd_run(a) if a.what == "run" else cmd_hints(a)


if __name__ == "__main__":
    sys.exit(main())
