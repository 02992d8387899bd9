#!/bin/sh
# demo.sh - art's main job, start to finish, on a scratch repository:
# art init, art start, art prompt, then a scripted agent at work in its
# worktree, in the cage of art vm, art scope-check on what it did, art
# close (definition of done, report, signed receipt) and art verify.
# JSON of each step on stdout, progress on stderr.  Needs no network and
# no Core.  The scratch repository is kept for you to explore.
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
printf '# price CENTS: the price in euros\nprice() { echo $(($1 / 100)); }\n' > src/shop.sh
printf '. src/shop.sh\ngot=$(price 250)\n[ "$got" = 2.50 ] || { echo "price 250: got $got, want 2.50"; exit 1; }\necho "1 test passed"\n' > tests/test_shop.sh
printf 'test:\n\tsh tests/test_shop.sh\n' > Makefile
git add -A
git commit -qm "feat(shop): first price function"

step "art init: a starter registry and the profile of agent tom"
art init
# tom's definition of done: the tests pass
cat > agents/profiles/tom_agent.json <<'JSON'
{
  "agent": "tom",
  "displayName": "Tom",
  "role": "Developer",
  "scopeAllowlist": ["src/**", "tests/**", "docs/**"],
  "scopeDenylist": ["**/.env*", "**/secrets/**"],
  "dod": [{"id": "tests", "title": "Tests OK", "run": ["sh", "tests/test_shop.sh"]}],
  "prompt": "You own the shop's prices."
}
JSON
git add agents
git commit -qm "chore(agents): art registry"

step "art start: one agent, one ticket, one worktree, one branch"
art start --agent tom --ticket TKT_demo_prices </dev/null
wt=$repo/.worktrees/TKT_demo_prices/tom

step "art prompt: the instructions the agent gets"
art prompt --agent tom --ticket TKT_demo_prices </dev/null

step "the agent at work in the cage: its worktree writable, nothing else"
cd "$wt"
# a scripted agent: it fixes the price function and commits
agent='printf "# price CENTS: the price in euros, to the cent\nprice() { awk -v c=\"\$1\" '"'"'BEGIN { printf \"%%.2f\\\\n\", c / 100 }'"'"'; }\n" > src/shop.sh &&
git commit -qam "fix(shop): prices to the cent" &&
echo "the agent cannot write outside: $(touch ../../../src/x 2>&1 | sed "s/.*: //")" >&2'
status=0
art vm run --report "$dir/vm-report.json" -- sh -c "$agent" </dev/null || status=$?
if [ "$status" -eq 125 ]; then
	# no user namespaces here (a container, a hardened kernel): say so, and
	# let the demo go on without the cage
	echo "demo.sh: art vm could not build the cage (see above); the agent runs without it" >&2
	sh -c "$agent"
elif [ "$status" -ne 0 ]; then
	exit "$status"
else
	cat "$dir/vm-report.json"; echo
fi
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

step "art close: the definition of done, REPORT.md and a signed receipt"
art close --summary "Prices are now exact to the cent." --next "Review by Eva" </dev/null
cat .agent/REPORT.md >&2

step "art verify: the receipt's signature, commit, report and the log behind it"
art verify .agent/receipt.json </dev/null

step "art log verify: the event log's hash chain is intact"
art log verify

step "done: the run is in the event log and in git"
cd "$repo"
printf '{"worktree":"%s","run_ref":"%s","events":"%s"}\n' "$wt" \
	"$(git rev-parse refs/art/runs/TKT_demo_prices/tom)" \
	"$repo/.git/art/art.db"
echo "Explore it: cd $wt; art log show --run TKT_demo_prices/tom" >&2
