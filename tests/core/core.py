#!/usr/bin/env python3
"""A loopback Core for art's tests: a test double, not a real Core.

Core is the job control plane that art talks to (art-auth, art-poll,
art-claim); its HTTP contract is the "Core API" page the project keeps.  This
server implements every route of that contract on the loopback interface,
over plain HTTP, so that the bats tests (and a user trying the job loop by
hand) have a Core to talk to.  It adds what a real Core does not have:

  - the whole state lives in DIR/state.json, rewritten atomically after every
    change and read back at start, so killing the server and starting it again
    on the same DIR and port is a restart that keeps its state;
  - every request is logged as one JSON line in DIR/requests.jsonl, which the
    tests read to assert what art sent, when and how often;
  - /_admin/* routes (no auth, not logged) add jobs, flip policy features,
    change timings, queue faults (429, 5xx, resets, stalls, redirects...),
    cancel jobs, expire leases, revoke tokens and push hints;
  - a second listener, the "other origin", answers every request 200
    {"other": true}; it is the target of cross-origin redirects, so a test can
    check that art did not carry its token there.

    python3 tests/core/core.py --state DIR [--port N] [--other-port N] [--host H]

Python 3.11 standard library only.  Nothing here is secure: tokens are kept in
clear in state.json and the admin routes need no auth.  Loopback only.
"""
import argparse
import copy
import hashlib
import hmac
import json
import math
import os
import queue
import re
import secrets
import select
import signal
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

DEFAULT_CONFIG = {
    "poll_interval_s": 1,        # advertised by GET /jobs and GET /policy
    "token_ttl_s": 3600,         # expires_in of every minted token
    "lease_ttl_s": 120,          # claim and heartbeat extend the lease by this
    "heartbeat_interval_s": 30,
    "device_interval": 1,        # RFC 8628 interval handed out by /auth/device
    "device_pending": 2,         # authorization_pending answers before the result
    "device_result": "approve",  # approve | deny | expire
    "device_expires_in": 600,
    "rotate_grace_s": 300,       # how long a rotated-out secret keeps working
    "login_max_failures": 5,     # failures in a row before the lockout
    "login_lockout_s": 300,
    "idempotency_ttl_s": 86400,  # Core keeps first responses for 24 h
    "hints_keepalive_s": 10,     # SSE comment sent on an idle /hints stream
}
DEVICE_RESULTS = ("approve", "deny", "expire")
DEFAULT_FEATURES = {"jobs.discovery": True, "jobs.claim": True,
                    "jobs.submit": True, "push.hints": False}
REASON_CODES = ("EXEC_ERROR", "SCOPE_VIOLATION", "DOD_FAILED", "CANCELED",
                "TIMEOUT", "SANDBOX_DENIED")
# art must never call these: they are out of an agent's scope.  Answering 404
# (and logging) lets a test assert they were never tried.
FORBIDDEN_WORDS = ("move", "purge", "delete")
DEVICE_USER = "device-user"
# No vowels, so a user code never spells a word (RFC 8628 section 6.1).
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
POLL_ROUTES = ("GET /jobs", "GET /policy")

FAULT_KINDS = ("slow_down", "too_many", "429_nocode", "500", "502", "503",
               "reset", "stall", "not_json", "redirect_other", "redirect_same",
               "token_expired", "lease_expired", "delay", "status", "crash_after")

# (method, path pattern, handler name, bearer required, Idempotency-Key required)
ROUTES = [
    ("POST", "/auth/login", "login", False, True),
    ("POST", "/auth/device", "device", False, False),
    ("POST", "/auth/device/token", "device_token", False, False),
    ("POST", "/auth/clients/token", "client_token", False, True),
    ("POST", "/auth/clients/rotate", "rotate", False, False),
    ("GET", "/activate", "activate", False, False),
    ("GET", "/policy", "policy", True, False),
    ("GET", "/jobs", "list_jobs", True, False),
    ("GET", "/jobs/{id}", "get_job", True, False),
    ("POST", "/jobs/{id}/claim", "claim", True, True),
    ("POST", "/jobs/{id}/heartbeat", "heartbeat", True, False),
    ("POST", "/jobs/{id}/submit", "submit", True, True),
    ("POST", "/jobs/{id}/fail", "fail", True, True),
    ("GET", "/hints", "hints", True, False),
]
# Responses kept for an Idempotency-Key: the outcomes of the operation.  Auth
# errors, validation errors, feature switches, 429 and 5xx are not outcomes:
# a retry with the same key must be evaluated again.
IDEMPOTENT_STATUSES = (200, 404, 409)


# ---------------------------------------------------------------- helpers

def rfc3339(t, up=False):
    """RFC 3339 UTC with milliseconds.  Rounded down by default (a deadline
    read by the client comes a little early, never late); up=True for a
    not-before, so that a client waiting for it is never early."""
    ms = math.ceil(t * 1000) if up else math.floor(t * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + \
        ".%03dZ" % (ms % 1000)


def body_hash(body):
    """Hash of the parsed JSON body, so whitespace or key order do not make a
    retry look like another request."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def write_atomic(path, text):
    tmp = "%s.tmp.%d.%d" % (path, os.getpid(), threading.get_ident())
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def route_regex(pattern):
    """'/jobs/{id}/claim' -> ^/jobs/([^/]+)/claim$ ({id} is one segment)."""
    return re.compile("^" + re.escape(pattern).replace(r"\{id\}", "([^/]+)") + "$")


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def sse_frame(data, hint_id=None):
    lines = [] if hint_id is None else ["id: %s" % hint_id]
    lines += ["data: " + line for line in data.split("\n")]
    return ("\n".join(lines) + "\n\n").encode()


class ApiError(Exception):
    """An error answer in the contract's one shape."""

    def __init__(self, status, code, message, headers=None, **extra):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}
        self.extra = extra

    def reply(self):
        err = {"code": self.code, "message": self.message, **self.extra}
        headers = dict(self.headers)
        if "retry_after_s" in self.extra:
            headers["Retry-After"] = str(math.ceil(self.extra["retry_after_s"]))
        if self.status == 401:
            headers.setdefault("WWW-Authenticate", "Bearer")
        return Reply(self.status, {"error": err}, headers)


def too_many(code, message, retry_after_s, **extra):
    return ApiError(429, code, message, retry_after_s=retry_after_s, **extra)


class Reply:
    """What to answer.  body is a dict sent as JSON (request_id added when
    sent), raw is sent as is; stream marks the /hints event stream."""

    def __init__(self, status, body=None, headers=None, raw=None,
                 content_type="application/json"):
        self.status, self.body, self.headers = status, body, dict(headers or {})
        self.raw, self.content_type = raw, content_type
        self.replayed = False
        self.stream = False
        self.exit_after = False
        self.not_before = None  # next_poll_not_before given (GET /jobs)


class Request:
    """One parsed request, plus what Core learnt about it (for the log)."""

    def __init__(self, origin, method, target, headers, raw_body):
        url = urlsplit(target)
        self.t = time.time()
        self.origin, self.method = origin, method
        self.path, self.query_string = url.path, url.query
        self.query = dict(parse_qsl(url.query, keep_blank_values=True))
        self.headers = headers
        self.raw_body = raw_body
        self.body, self.body_ok = None, True
        if raw_body:
            try:
                self.body = json.loads(raw_body)
            except ValueError:
                self.body_ok = False
        self.rid = None
        self.auth, self.token_id, self.subject = "none", None, None
        self.client = None
        self.early = False
        self.replayed = False
        self.fault = None

    @property
    def route(self):
        return "%s %s" % (self.method, self.path)

    def obj(self):
        """The body as a JSON object ({} when empty), else 400."""
        if not self.body_ok or (self.body is not None and not isinstance(self.body, dict)):
            raise ApiError(400, "VALIDATION_FAILED", "body must be a JSON object")
        return self.body or {}


def field(body, name, kind=str, required=True):
    v = body.get(name)
    if v is None and not required:
        return None
    if kind is str and not (isinstance(v, str) and v):
        raise ApiError(400, "VALIDATION_FAILED", "%s must be a non-empty string" % name)
    if kind is dict and not isinstance(v, dict):
        raise ApiError(400, "VALIDATION_FAILED", "%s must be an object" % name)
    if kind is bool and not isinstance(v, bool):
        raise ApiError(400, "VALIDATION_FAILED", "%s must be true or false" % name)
    if kind is float and not is_number(v):
        raise ApiError(400, "VALIDATION_FAILED", "%s must be a number" % name)
    return v


# ---------------------------------------------------------------- hints

class HintBroker:
    """Fans pushed hints out to the open /hints streams.  A hint pushed while
    no stream is open waits for the next one, so a test need not race art's
    connection."""

    def __init__(self):
        self.lock = threading.Lock()
        self.subs = []
        self.pending = []

    def subscribe(self):
        q = queue.Queue()
        with self.lock:
            self.subs.append(q)
            for frame in self.pending:
                q.put(frame)
            self.pending.clear()
        return q

    def unsubscribe(self, q, unsent=()):
        with self.lock:
            if q in self.subs:
                self.subs.remove(q)
            if not self.subs:
                self.pending.extend(unsent)

    def push(self, frame):
        with self.lock:
            for q in self.subs:
                q.put(frame)
            if not self.subs:
                self.pending.append(frame)
            return len(self.subs)

    def counts(self):
        with self.lock:
            return len(self.subs), len(self.pending)


# ---------------------------------------------------------------- state

def fresh_state():
    return {
        "counters": {"request": 0, "token": 0, "lease": 0, "job": 0, "hint": 0},
        "config": dict(DEFAULT_CONFIG),
        "users": {"ops": "pw-ops-123456"},
        "clients": {"c-42": {"secret": "sk-c42-initial-secret-0001",
                             "scopes": ["jobs:backend"],
                             "old_secret": None, "old_secret_until": None}},
        # token_id -> {token, subject, kind, scopes, issued_at, expires_at, revoked}
        "tokens": {},
        "jobs": {},
        # json [client, "METHOD /path", key] -> {status, body, headers, hash, at}
        "idempotency": {},
        "policy": {"policy_version": 1,
                   "effective_feature_enabled": dict(DEFAULT_FEATURES)},
        "device_codes": {},
        "login_failures": {},
        # "METHOD /pattern" or "*" -> FIFO of faults
        "faults": {},
        # "client|METHOD /route" -> epoch seconds before which a poll is early
        "poll_schedule": {},
    }


class Core:
    """The state and every route.  One lock guards the state; each request
    takes it for its handling and the state is saved before the lock is let
    go, so state.json never shows half a change."""

    def __init__(self, state_dir, host):
        self.dir = state_dir
        self.host = host
        self.port = self.other_port = None
        self.lock = threading.RLock()
        self.log_lock = threading.Lock()
        self.state_path = os.path.join(state_dir, "state.json")
        self.state = self._load()
        self._saved_text = None
        self.hints = HintBroker()
        self.log_file = open(os.path.join(state_dir, "requests.jsonl"), "a")
        self.routes = [(m, route_regex(p), p, getattr(self, "r_" + name), auth, idem)
                       for m, p, name, auth, idem in ROUTES]
        with self.lock:
            self.save()

    # -- persistence and log

    def _load(self):
        state = fresh_state()
        if os.path.exists(self.state_path):
            with open(self.state_path) as f:
                saved = json.load(f)
            # Keys added to the server since the file was written get defaults.
            for key, value in saved.items():
                if isinstance(value, dict) and key in ("counters", "config"):
                    state[key].update(value)
                else:
                    state[key] = value
        return state

    def save(self):
        """Write state.json when it changed (caller holds the lock)."""
        text = json.dumps(self.state, sort_keys=True, indent=1)
        if text != self._saved_text:
            write_atomic(self.state_path, text)
            self._saved_text = text

    def log(self, req, status):
        entry = {
            "t": req.t, "origin": req.origin, "method": req.method,
            "path": req.path, "query": req.query,
            "authorization": req.auth, "token_id": req.token_id,
            "client": req.client,
            "idempotency_key": req.headers.get("Idempotency-Key"),
            "if_none_match": req.headers.get("If-None-Match"),
            "body": req.body if req.body_ok else None,
            "status": status, "early": req.early,
            "replayed": req.replayed, "fault": req.fault,
        }
        with self.log_lock:
            self.log_file.write(json.dumps(entry) + "\n")
            self.log_file.flush()

    # -- small accessors

    def cfg(self, key):
        return self.state["config"][key]

    def next_id(self, counter, prefix):
        self.state["counters"][counter] += 1
        return "%s%d" % (prefix, self.state["counters"][counter])

    def feature_on(self, name):
        # Strict, as the contract says: false or absent is off.
        return self.state["policy"]["effective_feature_enabled"].get(name) is True

    def require_feature(self, name):
        if not self.feature_on(name):
            raise ApiError(403, "FEATURE_DISABLED", "feature %s is off" % name)

    def job(self, job_id):
        job = self.state["jobs"].get(job_id)
        if job is None:
            raise ApiError(404, "JOB_NOT_FOUND", "no job %s" % job_id)
        self.expire_lease_if_due(job)
        return job

    # -- request life cycle (main origin)

    def begin(self, req):
        """Identify the request: id, token, client, early poll."""
        with self.lock:
            req.rid = self.next_id("request", "r-")
            self.classify_auth(req)
            req.client = req.subject or self.client_from_body(req)
            req.early = self.is_early(req)
            self.save()

    def classify_auth(self, req):
        header = req.headers.get("Authorization")
        if header is None:
            return
        scheme, _, value = header.strip().partition(" ")
        req.auth = "invalid"
        if scheme.lower() != "bearer" or not value.strip():
            return
        for token_id, tok in self.state["tokens"].items():
            if hmac.compare_digest(tok["token"], value.strip()):
                req.token_id, req.subject = token_id, tok["subject"]
                if tok["revoked"]:
                    req.auth = "revoked"
                elif time.time() >= tok["expires_at"]:
                    req.auth = "expired"
                else:
                    req.auth = "valid"
                return

    def client_from_body(self, req):
        """Who an unauthenticated /auth/* call speaks for (log, idempotency)."""
        body = req.body if isinstance(req.body, dict) else {}
        if req.path == "/auth/login":
            who = body.get("username")
        elif req.path == "/auth/device/token":
            code = self.state["device_codes"].get(body.get("device_code"), {})
            who = code.get("client_id")
        else:
            who = body.get("client_id")
        return who if isinstance(who, str) else None

    def is_early(self, req):
        if req.route not in POLL_ROUTES or req.client is None:
            return False
        not_before = self.state["poll_schedule"].get("%s|%s" % (req.client, req.route))
        return not_before is not None and req.t < not_before

    def note_poll(self, req, reply):
        """Remember, per client and route, when the next poll may come."""
        if req.route not in POLL_ROUTES or req.client is None:
            return
        key = "%s|%s" % (req.client, req.route)
        now = time.time()
        if reply.not_before is not None:
            not_before = reply.not_before
        elif req.route == "GET /policy" and reply.status in (200, 304):
            not_before = now + self.cfg("poll_interval_s")
        elif reply.status == 429 and isinstance(reply.body, dict) and "error" in reply.body:
            # A 429 with a hint: no poll before the larger of its two numbers.
            err = reply.body["error"]
            wait = max(err.get("retry_after_s") or 0, err.get("poll_interval_s") or 0)
            not_before = max(now + wait, self.state["poll_schedule"].get(key, 0))
        else:
            return
        self.state["poll_schedule"][key] = not_before

    def finish(self, req, reply):
        """Stamp, remember and log an answer; the caller then sends it."""
        with self.lock:
            if isinstance(reply.body, dict):
                reply.body.setdefault("request_id", req.rid)
            req.replayed = reply.replayed
            if req.origin == "main":
                self.note_poll(req, reply)
            self.save()
        self.log(req, reply.status)
        return reply

    def forbidden(self, req):
        path = req.path.lower()
        return req.method == "DELETE" or any(w in path for w in FORBIDDEN_WORDS)

    # -- faults

    def pop_fault(self, req):
        """The next queued fault for this request, or None.  The route's own
        queue first, then "*"."""
        with self.lock:
            faults = self.state["faults"]
            for pattern, fifo in faults.items():
                if pattern == "*" or not fifo:
                    continue
                method, _, path = pattern.partition(" ")
                if method == req.method and route_regex(path).match(req.path):
                    fault = fifo.pop(0)
                    break
            else:
                fifo = faults.get("*")
                if not fifo:
                    return None
                fault = fifo.pop(0)
            req.fault = fault["kind"]
            self.save()
            return fault

    def fault_reply(self, req, fault):
        """The answer a fault gives instead of the real handler:
          slow_down {retry_after_s=20, poll_interval_s=retry_after_s}: 429 SLOW_DOWN
          too_many {retry_after_s=60}: 429 TOO_MANY_ATTEMPTS
          429_nocode: 429, no error code, no Retry-After
          500, 502, 503: that status, code SERVER_ERROR
          not_json: 200 text/html <html>oops</html>
          redirect_other / redirect_same: 307 to the same path and query on
            the other origin / on this one (the next request is handled)
          token_expired: 401 TOKEN_EXPIRED; lease_expired: 409 LEASE_EXPIRED
          status {status=500, code=INJECTED, message?, retry_after_s?}
        reset, stall {seconds=30} and delay {seconds=1} are done by the
        HTTP handler: they act on the connection or the clock."""
        kind = fault["kind"]
        if kind == "slow_down":
            n = fault.get("retry_after_s", 20)
            m = fault.get("poll_interval_s", n)
            return too_many("SLOW_DOWN", "poll interval is %ss" % m, n,
                            poll_interval_s=m).reply()
        if kind == "too_many":
            return too_many("TOO_MANY_ATTEMPTS", "too many attempts",
                            fault.get("retry_after_s", 60)).reply()
        if kind == "429_nocode":
            return Reply(429, {})
        if kind in ("500", "502", "503"):
            return ApiError(int(kind), "SERVER_ERROR", "injected %s" % kind).reply()
        if kind == "not_json":
            return Reply(200, raw=b"<html>oops</html>", content_type="text/html")
        if kind in ("redirect_other", "redirect_same"):
            port = self.other_port if kind == "redirect_other" else self.port
            target = "http://%s:%d%s" % (self.host, port, req.path)
            if req.query_string:
                target += "?" + req.query_string
            return Reply(307, {"location": target}, {"Location": target})
        if kind == "token_expired":
            return ApiError(401, "TOKEN_EXPIRED", "token expired").reply()
        if kind == "lease_expired":
            return ApiError(409, "LEASE_EXPIRED", "lease expired").reply()
        # kind == "status"
        extra = {}
        if "retry_after_s" in fault or fault.get("status") == 429:
            extra["retry_after_s"] = fault.get("retry_after_s", 1)  # every 429 has one
        return ApiError(fault.get("status", 500), fault.get("code", "INJECTED"),
                        fault.get("message", "injected fault"), **extra).reply()

    # -- dispatch

    def dispatch(self, req):
        """Route a main-origin request to its handler; errors become replies."""
        with self.lock:
            try:
                if self.forbidden(req):
                    raise ApiError(404, "NOT_FOUND", "no such route")
                for method, regex, pattern, handler, auth, idem in self.routes:
                    m = regex.match(req.path)
                    if m and method == req.method:
                        break
                else:
                    raise ApiError(404, "NOT_FOUND", "no such route")
                if auth:
                    self.require_auth(req)
                args = m.groups()
                if idem:
                    return self.idempotent(req, pattern, lambda: handler(req, *args))
                return handler(req, *args)
            except ApiError as e:
                return e.reply()

    def require_auth(self, req):
        if req.auth == "valid":
            return
        if req.auth == "expired":
            raise ApiError(401, "TOKEN_EXPIRED", "token expired")
        if req.auth == "revoked":
            raise ApiError(401, "TOKEN_REVOKED", "token replaced by a newer one")
        raise ApiError(401, "BAD_CREDENTIALS", "a valid Bearer token is required")

    def idempotent(self, req, pattern, handler):
        """Run handler once per (client, route, Idempotency-Key); a replay of
        the same body gets the first answer back."""
        key = req.headers.get("Idempotency-Key")
        if not key:
            raise ApiError(400, "VALIDATION_FAILED", "Idempotency-Key header is required")
        digest = body_hash(req.obj())
        if req.client is None:
            return handler()  # nobody to file it under: the handler will refuse
        records = self.state["idempotency"]
        rec_id = json.dumps([req.client, req.route, key])
        rec = records.get(rec_id)
        if rec and time.time() - rec["at"] > self.cfg("idempotency_ttl_s"):
            del records[rec_id]  # kept 24 h, then the key is free again
            rec = None
        if rec:
            if rec["hash"] != digest:
                raise ApiError(409, "IDEMPOTENCY_KEY_REUSED",
                               "this Idempotency-Key was used with another body")
            reply = Reply(rec["status"], copy.deepcopy(rec["body"]), rec["headers"])
            reply.headers["Idempotency-Replayed"] = "true"
            reply.replayed = True
            return reply
        try:
            reply = handler()
        except ApiError as e:
            reply = e.reply()
        if reply.status in IDEMPOTENT_STATUSES:
            reply.body.setdefault("request_id", req.rid)
            records[rec_id] = {"status": reply.status, "body": copy.deepcopy(reply.body),
                               "headers": reply.headers, "hash": digest, "at": time.time()}
        return reply

    # -- tokens

    def mint(self, subject, kind, scopes):
        """A new token for subject; the one it had is revoked (one active
        token per client_id or username)."""
        replaced = None
        for token_id, tok in self.state["tokens"].items():
            if tok["subject"] == subject and not tok["revoked"]:
                tok["revoked"] = True
                replaced = token_id
        token_id = self.next_id("token", "tok_")
        now = time.time()
        self.state["tokens"][token_id] = {
            "token": secrets.token_urlsafe(32), "subject": subject, "kind": kind,
            "scopes": scopes, "issued_at": now,
            "expires_at": now + self.cfg("token_ttl_s"), "revoked": False}
        tok = self.state["tokens"][token_id]
        body = {"access_token": tok["token"], "token_type": "Bearer",
                "expires_in": self.cfg("token_ttl_s"), "token_id": token_id,
                "replaced_token_id": replaced}
        if scopes is not None:
            body["scopes"] = scopes
        return Reply(200, body, {"Cache-Control": "no-store"})

    def scopes_of(self, req):
        """The scopes a caller may see; None means every scope (a person)."""
        tok = self.state["tokens"][req.token_id]
        if tok["kind"] != "client":
            return None
        client = self.state["clients"].get(tok["subject"])
        return client["scopes"] if client else []

    def require_scope(self, req, scope):
        scopes = self.scopes_of(req)
        if scopes is not None and scope not in scopes:
            raise ApiError(403, "SCOPE_DENIED", "scope %s is not yours" % scope)

    def secret_ok(self, client, secret):
        if hmac.compare_digest(client["secret"], secret):
            return True
        old, until = client.get("old_secret"), client.get("old_secret_until")
        return bool(old) and time.time() < until and hmac.compare_digest(old, secret)

    # -- auth routes

    def r_login(self, req):
        body = req.obj()
        username, password = field(body, "username"), field(body, "password")
        fails = self.state["login_failures"].setdefault(
            username, {"count": 0, "locked_until": 0})
        now = time.time()
        if now < fails["locked_until"]:
            raise too_many("TOO_MANY_ATTEMPTS", "too many failed logins",
                           math.ceil(fails["locked_until"] - now))
        known = self.state["users"].get(username)
        if known is None or not hmac.compare_digest(known, password):
            fails["count"] += 1
            if fails["count"] >= self.cfg("login_max_failures"):
                fails.update(count=0, locked_until=now + self.cfg("login_lockout_s"))
            raise ApiError(401, "BAD_CREDENTIALS", "bad username or password")
        fails.update(count=0, locked_until=0)
        return self.mint(username, "user", None)

    def r_device(self, req):
        client_id = field(req.obj(), "client_id")
        code = secrets.token_urlsafe(24)
        letters = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
        now = time.time()
        self.state["device_codes"][code] = {
            "client_id": client_id, "user_code": letters[:4] + "-" + letters[4:],
            "issued_at": now, "expires_at": now + self.cfg("device_expires_in"),
            "interval": self.cfg("device_interval"), "last_poll": None,
            "pending_answered": 0, "done": False}
        rec = self.state["device_codes"][code]
        return Reply(200, {"device_code": code, "user_code": rec["user_code"],
                           "verification_uri": "http://%s:%d/activate" % (self.host, self.port),
                           "expires_in": self.cfg("device_expires_in"),
                           "interval": rec["interval"]})

    def r_device_token(self, req):
        code = field(req.obj(), "device_code")
        rec = self.state["device_codes"].get(code)
        if rec is None or rec["done"]:
            raise ApiError(400, "invalid_grant", "unknown or used device_code")
        now = time.time()
        if now >= rec["expires_at"]:
            raise ApiError(400, "expired_token", "device_code expired")
        # RFC 8628: polling faster than the interval adds 5 s to it for good.
        too_fast = rec["last_poll"] is not None and now - rec["last_poll"] < rec["interval"]
        rec["last_poll"] = now
        if too_fast:
            rec["interval"] += 5
            raise ApiError(400, "slow_down", "poll every %ss" % rec["interval"],
                           interval=rec["interval"])
        if rec["pending_answered"] < self.cfg("device_pending"):
            rec["pending_answered"] += 1
            raise ApiError(400, "authorization_pending", "waiting for the user")
        rec["done"] = True
        result = self.cfg("device_result")
        if result == "deny":
            raise ApiError(400, "access_denied", "the user said no")
        if result == "expire":
            raise ApiError(400, "expired_token", "device_code expired")
        return self.mint(DEVICE_USER, "user", None)

    def r_client_token(self, req):
        body = req.obj()
        client_id, secret = field(body, "client_id"), field(body, "secret_key")
        client = self.state["clients"].get(client_id)
        if client is None or not self.secret_ok(client, secret):
            raise ApiError(401, "BAD_CREDENTIALS", "bad client_id or secret_key")
        return self.mint(client_id, "client", list(client["scopes"]))

    def r_rotate(self, req):
        body = req.obj()
        client_id, secret = field(body, "client_id"), field(body, "secret_key")
        new_secret = field(body, "new_secret_key")
        client = self.state["clients"].get(client_id)
        if client is None or not hmac.compare_digest(client["secret"], secret):
            raise ApiError(401, "BAD_CREDENTIALS", "bad client_id or secret_key")
        now, grace = time.time(), self.cfg("rotate_grace_s")
        client.update(old_secret=client["secret"], old_secret_until=now + grace,
                      secret=new_secret)
        return Reply(200, {"rotated_at": rfc3339(now), "grace_s": grace},
                     {"Cache-Control": "no-store"})

    def r_activate(self, req):
        text = ("This is art's test Core: there is nothing to type here.\n"
                "Device codes are answered by the device_result setting (%s).\n"
                % self.cfg("device_result"))
        return Reply(200, raw=text.encode(), content_type="text/plain; charset=utf-8")

    # -- policy

    def etag(self):
        return '"p-%d"' % self.state["policy"]["policy_version"]

    def r_policy(self, req):
        etag = self.etag()
        inm = req.headers.get("If-None-Match")
        if inm:
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            if etag in tags or "*" in tags:
                return Reply(304, None, {"ETag": etag})
        pol = self.state["policy"]
        return Reply(200, {"policy_version": pol["policy_version"],
                           "poll_interval_s": self.cfg("poll_interval_s"),
                           "effective_feature_enabled": dict(pol["effective_feature_enabled"])},
                     {"ETag": etag})

    # -- jobs

    def expire_lease_if_due(self, job):
        """Leases run out lazily: a job read or touched after its lease ended
        goes back to the queue, or fails on its last attempt."""
        if job["state"] != "claimed" or time.time() < job["lease_expires_at"]:
            return
        job["history"].append({"at": time.time(), "event": "lease_expired",
                               "lease_id": job["lease_id"], "attempt": job["attempt"]})
        job.update(lease_id=None, lease_expires_at=None)
        if job["cancel_requested"]:
            job["state"] = "canceled"  # nobody works on it any more
        elif job["attempt"] < job["max_attempts"]:
            job.update(state="queued", attempt=job["attempt"] + 1)
        else:
            job.update(state="failed", fail={"reason_code": "LEASE_EXPIRED",
                                             "message": "lease expired",
                                             "retryable": False})

    def job_view(self, job):
        claimed = job["state"] == "claimed"
        return {"id": job["id"], "scope": job["scope"], "state": job["state"],
                "lease_id": job["lease_id"] if claimed else None,
                "lease_expires_at": rfc3339(job["lease_expires_at"]) if claimed else None,
                "cancel_requested": job["cancel_requested"],
                "attempt": job["attempt"], "max_attempts": job["max_attempts"]}

    def r_list_jobs(self, req):
        self.require_feature("jobs.discovery")
        scope = req.query.get("scope")
        if not scope:
            raise ApiError(400, "VALIDATION_FAILED", "scope is required")
        self.require_scope(req, scope)
        try:
            limit = int(req.query.get("limit", "10"))
        except ValueError:
            limit = 0
        if limit < 1:
            raise ApiError(400, "VALIDATION_FAILED", "limit must be a positive integer")
        jobs = []
        for job in self.state["jobs"].values():
            self.expire_lease_if_due(job)
            if job["scope"] == scope and job["state"] == "queued" and len(jobs) < limit:
                jobs.append({k: job[k] for k in ("id", "scope", "state", "created_at",
                                                  "attempt", "max_attempts", "payload")})
        interval = self.cfg("poll_interval_s")
        # Rounded up to the millisecond: the value given is the value checked.
        not_before = math.ceil((time.time() + interval) * 1000) / 1000
        reply = Reply(200, {"jobs": jobs, "poll_interval_s": interval,
                            "next_poll_not_before": rfc3339(not_before, up=True)})
        reply.not_before = not_before
        return reply

    def r_get_job(self, req, job_id):
        job = self.job(job_id)
        self.require_scope(req, job["scope"])
        return Reply(200, self.job_view(job))

    def r_claim(self, req, job_id):
        body = req.obj()
        self.require_feature("jobs.claim")
        job = self.job(job_id)
        self.require_scope(req, job["scope"])
        if job["state"] == "claimed":
            raise ApiError(409, "ALREADY_CLAIMED", "job %s is claimed" % job_id)
        if job["state"] != "queued":
            raise ApiError(409, "INVALID_STATE", "job %s is %s" % (job_id, job["state"]))
        now = time.time()
        job.update(state="claimed", lease_id=self.next_id("lease", "l_"),
                   lease_expires_at=now + self.cfg("lease_ttl_s"),
                   claimed_by=req.client, claimed_at=now,
                   client_instance_id=body.get("client_instance_id"))
        job["history"].append({"at": now, "event": "claimed", "lease_id": job["lease_id"],
                               "attempt": job["attempt"], "by": req.client})
        return Reply(200, {"job_id": job_id, "lease_id": job["lease_id"],
                           "lease_ttl_s": self.cfg("lease_ttl_s"),
                           "lease_expires_at": rfc3339(job["lease_expires_at"]),
                           "heartbeat_interval_s": self.cfg("heartbeat_interval_s"),
                           "payload": job["payload"], "attempt": job["attempt"],
                           "max_attempts": job["max_attempts"]})

    def leased_job(self, req, job_id, lease_id):
        """The job, if lease_id is its live lease (the fencing check)."""
        job = self.job(job_id)
        if job["state"] != "claimed" or job["lease_id"] != lease_id:
            raise ApiError(409, "LEASE_EXPIRED", "lease %s is not live" % lease_id)
        return job

    def r_heartbeat(self, req, job_id):
        body = req.obj()
        lease_id = field(body, "lease_id")
        progress = field(body, "progress", float, required=False)
        job = self.leased_job(req, job_id, lease_id)
        job.update(lease_expires_at=time.time() + self.cfg("lease_ttl_s"),
                   progress=progress, last_heartbeat_at=time.time())
        return Reply(200, {"lease_expires_at": rfc3339(job["lease_expires_at"]),
                           "heartbeat_interval_s": self.cfg("heartbeat_interval_s"),
                           "cancel_requested": job["cancel_requested"]})

    def r_submit(self, req, job_id):
        body = req.obj()
        self.require_feature("jobs.submit")
        lease_id, result = field(body, "lease_id"), field(body, "result", dict)
        job = self.leased_job(req, job_id, lease_id)
        now = time.time()
        job.update(state="succeeded", result=result, finished_at=now,
                   lease_expires_at=None)
        job["history"].append({"at": now, "event": "succeeded", "lease_id": lease_id})
        return Reply(200, {"job_id": job_id, "state": "succeeded"})

    def r_fail(self, req, job_id):
        body = req.obj()
        lease_id, reason = field(body, "lease_id"), field(body, "reason_code")
        if reason not in REASON_CODES:
            raise ApiError(400, "VALIDATION_FAILED", "reason_code must be one of "
                           + ", ".join(REASON_CODES))
        retryable = bool(field(body, "retryable", bool, required=False))
        message = body.get("message")
        job = self.leased_job(req, job_id, lease_id)
        now = time.time()
        job["fail"] = {"reason_code": reason, "message": message,
                       "retryable": retryable, "attempt": job["attempt"], "at": now}
        job["history"].append({"at": now, "event": "fail", "lease_id": lease_id,
                               "reason_code": reason, "attempt": job["attempt"]})
        job.update(lease_expires_at=None, finished_at=now)
        if reason == "CANCELED":
            state = job["state"] = "canceled"
        elif retryable and job["attempt"] < job["max_attempts"]:
            # requeued is a passing state: the job is queued again at once.
            state = "requeued"
            job.update(state="queued", attempt=job["attempt"] + 1, lease_id=None)
        else:
            state = job["state"] = "failed"
        return Reply(200, {"job_id": job_id, "state": state, "attempt": job["attempt"],
                           "max_attempts": job["max_attempts"]})

    def r_hints(self, req):
        self.require_feature("push.hints")
        reply = Reply(200, None, {"Cache-Control": "no-cache"},
                      content_type="text/event-stream")
        reply.stream = True
        return reply

    # -- the other origin

    def other(self, req):
        with self.lock:
            req.rid = self.next_id("request", "r-")
            self.classify_auth(req)
            req.client = req.subject
        return self.finish(req, Reply(200, {"other": True}))

    # -- admin

    def admin(self, method, path, raw):
        with self.lock:
            try:
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = None
                if not isinstance(body, dict):
                    raise ApiError(400, "VALIDATION_FAILED", "body must be a JSON object")
                reply = self.admin_route(method, path, body)
            except ApiError as e:
                reply = e.reply()
            if isinstance(reply.body, dict):
                reply.body.setdefault("request_id", self.next_id("request", "r-"))
            self.save()
            return reply

    def admin_route(self, method, path, body):
        m = re.match(r"^/_admin/jobs/([^/]+)$", path)
        if method == "GET" and m:
            return Reply(200, self.admin_job(m.group(1)))
        if method == "GET" and path == "/_admin/state":
            return Reply(200, self.admin_state())
        name = path[len("/_admin/"):]
        handler = getattr(self, "a_" + name, None) if re.fullmatch(r"[a-z_]+", name) else None
        if method != "POST" or handler is None:
            raise ApiError(404, "NOT_FOUND", "no such admin route")
        return Reply(200, handler(body))

    def admin_job(self, job_id):
        return copy.deepcopy(self.job(job_id))

    def admin_state(self):
        state = copy.deepcopy(self.state)
        for tok in state["tokens"].values():
            del tok["token"]  # token_id only, as in art's own logs
        for job in self.state["jobs"].values():
            self.expire_lease_if_due(job)
        state["jobs"] = copy.deepcopy(self.state["jobs"])
        subs, pending = self.hints.counts()
        state.update(port=self.port, other_port=self.other_port,
                     hint_subscribers=subs, hints_pending=pending)
        return state

    def a_jobs(self, body):
        job_id = body.get("id") or self.next_id("job", "j_")
        if job_id in self.state["jobs"]:
            raise ApiError(409, "ALREADY_EXISTS", "job %s exists" % job_id)
        max_attempts = body.get("max_attempts", 3)
        if not isinstance(max_attempts, int) or max_attempts < 1:
            raise ApiError(400, "VALIDATION_FAILED", "max_attempts must be >= 1")
        now = time.time()
        self.state["jobs"][job_id] = {
            "id": job_id, "scope": body.get("scope", "jobs:backend"), "state": "queued",
            "created_at": rfc3339(now), "attempt": 1, "max_attempts": max_attempts,
            "payload": body.get("payload", {}), "lease_id": None,
            "lease_expires_at": None, "cancel_requested": False, "claimed_by": None,
            "client_instance_id": None, "progress": None, "result": None,
            "fail": None, "history": []}
        return {"job": copy.deepcopy(self.state["jobs"][job_id])}

    def a_faults(self, body):
        route = body.get("route")
        if route != "*":
            method, _, path = (route or "").partition(" ")
            if not (method.isalpha() and path.startswith("/")):
                raise ApiError(400, "VALIDATION_FAILED", 'route is "*" or "METHOD /path"')
            route = method.upper() + " " + path
        faults = body.get("faults", [body["fault"]] if "fault" in body else None)
        if not isinstance(faults, list):
            raise ApiError(400, "VALIDATION_FAILED", "faults must be a list")
        for fault in faults:
            if not isinstance(fault, dict) or fault.get("kind") not in FAULT_KINDS:
                raise ApiError(400, "VALIDATION_FAILED",
                               "fault kind must be one of " + ", ".join(FAULT_KINDS))
        self.state["faults"].setdefault(route, []).extend(faults)
        return {"route": route, "queued": len(self.state["faults"][route])}

    def a_policy(self, body):
        features = body.get("effective_feature_enabled", {})
        if not isinstance(features, dict):
            raise ApiError(400, "VALIDATION_FAILED", "effective_feature_enabled: object")
        current = self.state["policy"]["effective_feature_enabled"]
        for name, value in features.items():
            if value is None:
                current.pop(name, None)  # null removes: "absent" is a case to test
            else:
                current[name] = value
        if "poll_interval_s" in body:
            self.set_config("poll_interval_s", body["poll_interval_s"])
        self.state["policy"]["policy_version"] += 1
        return {"policy_version": self.state["policy"]["policy_version"],
                "etag": self.etag(), "effective_feature_enabled": dict(current),
                "poll_interval_s": self.cfg("poll_interval_s")}

    def set_config(self, key, value):
        if key not in DEFAULT_CONFIG:
            raise ApiError(400, "VALIDATION_FAILED", "unknown config key %s" % key)
        if key == "device_result":
            if value not in DEVICE_RESULTS:
                raise ApiError(400, "VALIDATION_FAILED", "device_result: approve|deny|expire")
        elif not is_number(value) or value < 0:
            raise ApiError(400, "VALIDATION_FAILED", "%s must be a number >= 0" % key)
        self.state["config"][key] = value

    def a_config(self, body):
        for key, value in body.items():
            self.set_config(key, value)
        if "poll_interval_s" in body:
            # The policy document carries the interval: a new one is a new version.
            self.state["policy"]["policy_version"] += 1
        return {"config": dict(self.state["config"])}

    def a_cancel(self, body):
        job = self.job(field(body, "id"))
        if job["state"] == "queued":
            job["state"] = "canceled"  # nobody to tell: cancel it at once
        elif job["state"] == "claimed":
            job["cancel_requested"] = True
        return {"job": self.job_view(job)}

    def a_expire_lease(self, body):
        job = self.job(field(body, "id"))
        if job["state"] != "claimed":
            raise ApiError(409, "INVALID_STATE", "job %s is %s" % (job["id"], job["state"]))
        job["lease_expires_at"] = time.time()
        return {"job": {**self.job_view(job), "lease_expires_at": rfc3339(time.time())}}

    def a_revoke_tokens(self, body):
        revoked = [tid for tid, tok in self.state["tokens"].items() if not tok["revoked"]]
        for tid in revoked:
            self.state["tokens"][tid]["revoked"] = True
        return {"revoked": revoked}

    def a_hint(self, body):
        if "raw" in body:
            raw = body["raw"]
            data = raw if isinstance(raw, str) else json.dumps(raw)
            hint_id = body.get("id") or (raw.get("hint_id") if isinstance(raw, dict) else None)
        else:
            # A valid hint built here, so a test need not forge one.
            hint_id = body.get("id") or self.next_id("hint", "h-")
            data = json.dumps({"hint_id": hint_id, "topic": body.get("topic", "jobs"),
                               "issued_at": rfc3339(time.time()),
                               "ttl_s": body.get("ttl_s", 30)})
        delivered = self.hints.push(sse_frame(data, hint_id))
        return {"id": hint_id, "data": data, "delivered": delivered}

    def a_clients(self, body):
        client_id, secret = field(body, "client_id"), field(body, "secret")
        scopes = body.get("scopes", [])
        if not isinstance(scopes, list):
            raise ApiError(400, "VALIDATION_FAILED", "scopes must be a list")
        self.state["clients"][client_id] = {"secret": secret, "scopes": scopes,
                                            "old_secret": None, "old_secret_until": None}
        return {"client_id": client_id, "scopes": scopes}

    def a_users(self, body):
        username, password = field(body, "username"), field(body, "password")
        self.state["users"][username] = password
        return {"username": username}

    def a_exit(self, body):
        return {"exiting": True}


# ---------------------------------------------------------------- HTTP

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "art-test-core/1"
    # Headers and body go out in separate writes: without TCP_NODELAY an
    # answer could wait ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass  # requests.jsonl is the log

    def do_GET(self):
        self.handle_one("GET")

    def do_POST(self):
        self.handle_one("POST")

    def do_PUT(self):
        self.handle_one("PUT")

    def do_PATCH(self):
        self.handle_one("PATCH")

    def do_DELETE(self):
        self.handle_one("DELETE")

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_one(self, method):
        core = self.server.core
        raw = self.read_body()
        if self.server.origin == "main" and self.path.startswith("/_admin/"):
            reply = core.admin(method, urlsplit(self.path).path, raw)
            self.send(reply)
            if urlsplit(self.path).path == "/_admin/exit" and reply.status == 200:
                self.wfile.flush()
                os._exit(0)  # state is saved after every change
            return
        req = Request(self.server.origin, method, self.path, self.headers, raw)
        if self.server.origin == "other":
            return self.send(core.other(req))
        core.begin(req)
        fault = None if core.forbidden(req) else core.pop_fault(req)
        if fault and fault["kind"] == "delay":
            time.sleep(fault.get("seconds", 1))
            fault = None
        if fault and fault["kind"] in ("reset", "stall"):
            core.finish(req, Reply(fault["kind"]))
            return self.reset() if fault["kind"] == "reset" else self.stall(fault)
        if fault and fault["kind"] == "crash_after":
            # Core does the work, keeps it, and dies before answering:
            # the client must retry under the same key after a restart.
            core.finish(req, core.dispatch(req))
            with core.lock:
                core.save()
                os._exit(0)
        reply = core.fault_reply(req, fault) if fault else core.dispatch(req)
        self.send(core.finish(req, reply))
        if reply.stream:
            self.stream(core)

    def send(self, reply):
        if reply.raw is not None:
            data = reply.raw
        elif reply.body is not None:
            data = json.dumps(reply.body).encode()
        else:
            data = b""
        self.send_response(reply.status)
        if reply.stream:
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Connection", "close")
            self.close_connection = True
        elif reply.status != 304:
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(data)))
        if isinstance(reply.body, dict) and "request_id" in reply.body:
            self.send_header("X-Request-Id", reply.body["request_id"])
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if reply.status != 304 and not reply.stream:
            self.wfile.write(data)

    def reset(self):
        """Close with SO_LINGER 0: the peer sees a TCP reset, no answer."""
        sock = self.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.rfile.close()
        sock.close()

    def stall(self, fault):
        """Promise 1000 bytes, send 10, go quiet, then close."""
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1000\r\n\r\n" + b'{"request_')
        self.wfile.flush()
        time.sleep(fault.get("seconds", 30))
        self.close_connection = True

    def peer_closed(self):
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def stream(self, core):
        """The /hints event stream: pushed hints as they come, a keepalive
        comment when idle; ends when the client goes away."""
        q = core.hints.subscribe()
        last = time.monotonic()
        frame = None
        try:
            while True:
                try:
                    frame = q.get(timeout=0.5)
                except queue.Empty:
                    frame = None
                    if self.peer_closed():
                        return
                    if time.monotonic() - last < core.cfg("hints_keepalive_s"):
                        continue
                    frame = b": keepalive\n\n"
                if self.peer_closed():
                    return
                self.wfile.write(frame)
                self.wfile.flush()
                frame, last = None, time.monotonic()
        except OSError:
            return
        finally:
            unsent = [f for f in [frame] + drain(q) if f and not f.startswith(b":")]
            core.hints.unsubscribe(q, unsent)


def drain(q):
    items = []
    while True:
        try:
            items.append(q.get_nowait())
        except queue.Empty:
            return items


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, addr, core, origin):
        super().__init__(addr, Handler)
        self.core, self.origin = core, origin


def main():
    ap = argparse.ArgumentParser(description="loopback Core for art's tests")
    ap.add_argument("--state", required=True, help="state directory")
    ap.add_argument("--port", type=int, default=0, help="main port (0: any free)")
    ap.add_argument("--other-port", type=int, default=0, help="other origin port")
    ap.add_argument("--host", default="127.0.0.1")
    args = ap.parse_args()

    os.makedirs(args.state, exist_ok=True)
    core = Core(args.state, args.host)
    main_srv = Server((args.host, args.port), core, "main")
    other_srv = Server((args.host, args.other_port), core, "other")
    core.port, core.other_port = main_srv.server_address[1], other_srv.server_address[1]

    def stop(signum, frame):
        with core.lock:  # never exit in the middle of a change
            os._exit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    for srv in (main_srv, other_srv):
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    write_atomic(os.path.join(args.state, "port"), "%d\n" % core.port)
    write_atomic(os.path.join(args.state, "other_port"), "%d\n" % core.other_port)
    print("core listening on http://%s:%d" % (args.host, core.port), flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
