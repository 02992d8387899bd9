#!/bin/sh
# demo.sh - art's main job, start to finish, on a scratch repository:
# art init, art start, art prompt, then a scripted agent at work in its
# worktree, and art scope-check on what it did.  JSON of each step on stdout, progress on stderr.  Needs no
# network and no Core.  The scratch repository is kept for you to explore.
set -eu

step() { printf '\n==> %s\n' "$*" >&2; }

command -v art >/dev/null 2>&1 || { echo "demo.sh: art is not in PATH" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/art-demo.XXXXXX")
repo=$dir/shop
step "a scratch repository: $repo"
git init -q -b main "$repo"
cd "$repo"
git config user.name "art demo"
git config user.email "demo@example.invalid"
mkdir -p src tests docs
printf 'def price(cents):\n    return cents / 100\n' > src/shop.py
printf 'from src.shop import price\n\ndef test_price():\n    assert price(250) == 2.5\n' > tests/test_shop.py
printf 'test:\n\tpython3 -m pytest -q tests\n' > Makefile
git add -A
git commit -qm "feat(shop): first price function"

step "art init: a starter registry and the profile of agent tom"
art init
git add agents
git commit -qm "chore(agents): art registry"

step "art start: one agent, one ticket, one worktree, one branch"
art start --agent tom --ticket TKT_demo_prices </dev/null
wt=$repo/.worktrees/TKT_demo_prices/tom

step "art prompt: the instructions the agent gets"
art prompt --agent tom --ticket TKT_demo_prices </dev/null

step "the agent at work, in its worktree, on its branch"
cd "$wt"
printf 'def price(cents):\n    """Cents to a decimal price."""\n    return round(cents / 100, 2)\n' > src/shop.py
git commit -qam "fix(shop): round prices to cents"
git log --format='{"commit":"%H","branch":"%D","subject":"%s"}' -1

step "art scope-check: did the agent stay in its scope?"
art scope-check </dev/null

step "an agent that edits a protected file is caught (exit 1)"
printf '# the agent was here\n' >> Makefile
if art scope-check </dev/null; then
	echo "demo.sh: art scope-check missed a protected file" >&2
	exit 1
fi
git checkout -q -- Makefile

step "done: the run is in the event log and in git"
cd "$repo"
printf '{"worktree":"%s","run_ref":"%s","events":"%s"}\n' "$wt" \
	"$(git rev-parse refs/art/runs/TKT_demo_prices/tom)" \
	"$repo/.git/art/art.db"
echo "Explore it: cd $wt" >&2
