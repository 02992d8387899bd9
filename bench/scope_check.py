"""bench/scope_check.py - the comparison point of bench/scope.

A straightforward Python implementation of the seed's scope check, the
kind art-scope-check replaces: ask git for the changes of the checkout
against the manifest's base and for the untracked files, then match every
changed path (both paths of a rename) with fnmatch against the manifest's
scopeDenylist, protected and scopeAllowlist patterns, in that order.

    python3 bench/scope_check.py [--manifest FILE] [-C DIR]

FILE defaults to .agent/manifest.json of DIR (default: the current
directory).  Prints one JSON object; exit status 0 when there is no
violation, 1 when there are, 2 on an error.  Standard library only.
"""

import argparse
import fnmatch
import json
import os
import subprocess
import sys


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, check=True,
                          stdout=subprocess.PIPE).stdout.decode("utf-8", "replace")


def changes(cwd, base):
    """(path, change, other) for every changed or untracked path."""
    out = []
    fields = git(cwd, "diff", "--name-status", "-M", "-z", base).split("\0")
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i]
        if status[0] in "RC":
            old, new = fields[i + 1], fields[i + 2]
            i += 3
            out.append((old, "renamed", {"to": new}))
            out.append((new, "renamed", {"from": old}))
            continue
        path = fields[i + 1]
        i += 2
        kind = {"A": "added", "D": "deleted", "T": "typechange"}.get(status[0], "modified")
        out.append((path, kind, {}))
    for path in git(cwd, "ls-files", "--others", "--exclude-standard", "-z").split("\0"):
        if path:
            out.append((path, "added", {}))
    return [c for c in out if not c[0].startswith(".agent/")]


def verdict(path, manifest):
    """(reason, rule) of the first rule that refuses path, else None."""
    for pattern in manifest.get("scopeDenylist", []):
        if fnmatch.fnmatch(path, pattern):
            return "denylisted", pattern
    approved = [p for a in manifest.get("protectedApproved", [])
                if a.get("ticket") == manifest.get("ticket")
                for p in a.get("paths", [])]
    for pattern in manifest.get("protected", []):
        if fnmatch.fnmatch(path, pattern):
            if any(fnmatch.fnmatch(path, p) for p in approved):
                return None
            return "protected", pattern
    for pattern in manifest.get("scopeAllowlist", []):
        if fnmatch.fnmatch(path, pattern):
            return None
    return "outside_allowlist", None


def main():
    ap = argparse.ArgumentParser(description="check a checkout's changes against its manifest")
    ap.add_argument("--manifest", help="the manifest (default: DIR/.agent/manifest.json)")
    ap.add_argument("-C", dest="dir", default=".", help="the checkout (default: .)")
    args = ap.parse_args()
    path = args.manifest or os.path.join(args.dir, ".agent", "manifest.json")
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
        changed = changes(args.dir, manifest["base"])
    except (OSError, ValueError, KeyError, subprocess.CalledProcessError) as e:
        print("scope_check.py: %s: %s" % (path, e), file=sys.stderr)
        return 2

    violations = []
    for p, change, extra in changed:
        v = verdict(p, manifest)
        if v:
            violations.append(dict(path=p, change=change, reason=v[0], rule=v[1], **extra))
    violations.sort(key=lambda v: (v["path"].encode(), v["reason"]))
    json.dump({
        "ok": not violations,
        "agent": manifest.get("agent"),
        "ticket": manifest.get("ticket"),
        "base": manifest["base"],
        "checked": len({c[0] for c in changed}),
        "violations": violations,
    }, sys.stdout)
    sys.stdout.write("\n")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
