# mk/valgrind.mk - make check-valgrind: the unit tests, then the bats
# suite, with every art process under valgrind's memcheck; it fails on any
# memory error or definite leak, and prints the log of each.
#
#   make check-valgrind [VG_JOBS=2] [VG_TESTS="tests/art-log.bats"]
#
# The binaries are built without sanitizers in build/valgrind.  The bats
# suite runs art's commands from build/valgrind/vg/bin (ART_BIN), wrappers
# made by tests/valgrind/wrap.sh that exec valgrind on the real binary,
# one log per process in build/valgrind/vg/logs; the commands that the
# tests reach through PATH, git hooks, art.mk, art's dispatch to art-<verb>
# or art-claim's jobs are these wrappers too, and so are the test tools
# (ART_TESTS_BIN: globmatch, the fuzz replays).  Valgrind keeps the
# command's exit status (no --error-exitcode: the tests assert the
# statuses); tests/valgrind/scan.sh reads the logs afterwards.
#
# Run natively:
#   art-vm  (VG_NATIVE) builds the cage with Landlock and a seccomp
#           listener, system calls that valgrind 3.19 (Debian 12) does not
#           know: under it art-vm only says "the cage needs Landlock", and
#           no test of the cage would run.  make check-asan covers it.
#   globmatch (VG_NATIVE), the tool of glob.bats, 170 runs of the matcher
#           over this repository's files: about a minute, for code that
#           test_glob and the fuzz replays of glob run under valgrind.
#   a command started with stdin, stdout or stderr closed: valgrind would
#           open its log there (wrap.sh).
# ART_VALGRIND=1 lets the few tests that valgrind cannot reproduce (a
# sub-second timing, a kernel call it does not know) skip, saying why
# (skip_under_valgrind, tests/helper.bash).
#
# Options: no --track-origins (it doubles the time); a definite leak is an
# error, the other kinds are not shown; no libc freeres at exit, which
# flushes stdio and would print a forked child's copy of its parent's
# unwritten output; no gdbserver; no chasing of jumps while translating
# (a tenth of the time: a process spends most of its run being translated,
# about a second of CPU each, and the suite runs some 2200).
# tests/valgrind/art.supp: what is not art's.  VG_JOBS=N runs N bats tests
# at a time (GNU parallel; by default one per CPU where it is installed).

VG_B      = build/valgrind
VALGRIND ?= valgrind
VG_NATIVE = art-vm globmatch
VG_JOBS  ?= $(if $(shell command -v parallel),$(shell nproc),1)
VG_TESTS ?= tests/
VG_OPTS   = --tool=memcheck --vgdb=no --run-libc-freeres=no --vex-guest-chase=no \
	--leak-check=full --show-leak-kinds=definite \
	--errors-for-leak-kinds=definite --num-callers=20 \
	--suppressions=$(abspath tests/valgrind/art.supp)
VG_UNIT   = $(UNIT_SRCS:tests/unit/%.c=$(VG_B)/tests/%)
VG_TOOLS  = $(patsubst $(B)/%,$(VG_B)/%,$(TOOLS))
VG_OUT    = $(abspath $(VG_B)/vg)

check-valgrind:
	$(MAKE) B=$(VG_B) CFLAGS="-O1 -g" LDFLAGS= all $(VG_UNIT) $(VG_TOOLS)
	@set -e; for t in $(VG_UNIT); do echo "$$t (valgrind)"; \
		$(VALGRIND) -q $(VG_OPTS) --error-exitcode=99 $$t; done
	rm -rf $(VG_OUT)/logs
	tests/valgrind/wrap.sh $(VG_B) $(VG_OUT) $(VG_OUT)/logs "$(VG_NATIVE)" $(VALGRIND) $(VG_OPTS)
	@# a test may run a command as another user (setpriv)
	chmod 1777 $(VG_OUT)/logs
	@rc=0; ART_VALGRIND=1 ART_BIN=$(VG_OUT)/bin ART_TESTS_BIN=$(VG_OUT)/tests ART_BUILD=$(VG_B) \
		bats $(if $(filter-out 1,$(VG_JOBS)),--jobs $(VG_JOBS)) $(VG_BATS_FLAGS) $(VG_TESTS) || rc=$$?; \
	tests/valgrind/scan.sh $(VG_OUT)/logs && exit $$rc

.PHONY: check-valgrind
