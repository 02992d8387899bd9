#!/bin/sh
# scan.sh LOGS: the verdict of make check-valgrind on the logs that the
# wrappers of wrap.sh left in LOGS, one per process.  A log fails the scan,
# and is printed, when it counts errors (a definite leak is one, see
# valgrind.mk), when the process died of a crash signal (SEGV, BUS, ILL,
# FPE, ABRT), or, without a count (the process exec'd or was killed), when
# it still holds a stack trace, which only a report prints here.
# Exit 0 when no log fails, 1 otherwise.
set -eu

if [ $# -ne 1 ] || [ ! -d "$1" ]; then echo "usage: scan.sh LOGS" >&2; exit 2; fi
total=0 bad=0 cut=0
for f in "$1"/*.log; do
	[ -e "$f" ] || continue
	total=$((total + 1))
	if grep -Eq '^==[0-9]+== Process terminating with default action of signal (4|6|7|8|11) ' "$f"; then
		:
	elif grep -q '== ERROR SUMMARY: ' "$f"; then
		grep -q '== ERROR SUMMARY: 0 errors' "$f" && continue
	else
		cut=$((cut + 1))
		grep -Eq '^==[0-9]+== +(at|by) 0x' "$f" || continue
	fi
	bad=$((bad + 1))
	printf '\n=== %s\n' "$f"
	cat "$f"
done
printf 'valgrind: %d processes, %d with errors, definite leaks or crashes (%d logs end without a summary: exec or kill)\n' \
	"$total" "$bad" "$cut"
# what valgrind could not emulate: the tests saw ENOSYS there
calls=$(cat "$1"/*.log 2>/dev/null | sed -n 's/.*WARNING: unhandled amd64-linux syscall: \([0-9]*\)$/\1/p' |
	sort -n | uniq -c | awk '{ printf " %s (%s processes)", $2, $1 }')
[ -z "$calls" ] || echo "valgrind: system calls it does not know, answered ENOSYS:$calls"
if [ -s "$1/native" ]; then
	printf 'valgrind: %d runs native, a standard descriptor closed (wrap.sh):' "$(wc -l < "$1/native")"
	sort "$1/native" | uniq -c | awk '{ printf " %s %s", $2, $1 }'
	echo
fi
[ "$total" -gt 0 ] || { echo "valgrind: no log at all: were the wrappers run?" >&2; exit 1; }
[ "$bad" -eq 0 ]
