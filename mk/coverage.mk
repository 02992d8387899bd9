# mk/coverage.mk - make coverage: the line coverage of lib/ by the unit
# tests and the bats suite (gcc's gcov, lcov's geninfo and genhtml).
#
#   make coverage [COVERAGE_MIN=85]
#
# builds a tree of its own with --coverage at -O0 (each line its own
# code), runs `make check` on it, and prints the figure of each file of
# lib/, weakest first, and the total; the report is
# build/coverage/html/index.html.  With COVERAGE_MIN, a total below it
# fails the target.  A failing test fails it too, after the report.  A
# file of lib/ that no process ran (or whose object was rebuilt during
# the run) counts, at 0 % (lcov's --initial).
#
# A process writes its counts when it exits or execs (gcc wraps exec*),
# under a lock per .gcda file, so the many processes of the suite add up.
# pid 1 of art-vm's cage ends by _exit in a read-only view of the host:
# it writes its own through a handle it keeps (cageinit.c), once
# __gcov_dump is linked in.  What the figure cannot see: the cage's
# command between fork and exec (sealed: cageinit.c's run_command,
# cageseal.c's art_cage_seal_apply), and other forked children's lines
# before execvpe or _exit (jobrun.c, doctorsys.c).

COV_B = build/coverage
# gcc's: its gcov reads the counts (clang's need llvm-cov)
COV_CC ?= gcc
COV_CFLAGS = -O0 -g --coverage
COV_LDFLAGS = --coverage -Wl,--undefined=__gcov_dump
COVERAGE_MIN ?=
COV_UNIT = $(UNIT_SRCS:tests/unit/%.c=$(COV_B)/tests/%)

# The cage's command would write its counts at exec, inside a read-only
# view, and complain on the command's own stderr: no counts at that exec.
$(COV_B)/lib/cageinit.o: ART_CFLAGS += -fno-builtin-execvp

coverage:
	@command -v geninfo >/dev/null && command -v genhtml >/dev/null || \
		{ echo "make coverage: needs lcov (apt-get install lcov)" >&2; exit 7; }
	$(MAKE) B=$(COV_B) CC=$(COV_CC) CFLAGS="$(COV_CFLAGS)" LDFLAGS="$(COV_LDFLAGS)" all $(COV_UNIT) $(COV_B)/tests/globmatch
	@# no counts of an earlier run; an empty .gcda for each object, which
	@# any user may write: tests run some commands as nobody, and libgcov
	@# would say on their stderr that it cannot write
	@find $(COV_B) -name '*.gcda' -delete
	@find $(COV_B) -name '*.gcno' | sed 's/\.gcno$$/.gcda/' | \
		while read -r f; do : > "$$f" && chmod 666 "$$f" || exit 7; done
	@st=0; $(MAKE) B=$(COV_B) CC=$(COV_CC) CFLAGS="$(COV_CFLAGS)" LDFLAGS="$(COV_LDFLAGS)" check || st=$$?; \
	find $(COV_B) -name '*.gcda' -empty -delete; \
	info() { geninfo --quiet --rc lcov_branch_coverage=0 --base-directory $(CURDIR) \
		"$$@" $(COV_B)/lib 2>$(COV_B)/geninfo.log; r=$$?; \
		grep -v ' redefined at ' $(COV_B)/geninfo.log >&2; return $$r; }; \
	info --initial --output-filename $(COV_B)/base.info && \
	info --ignore-errors gcov --output-filename $(COV_B)/run.info && \
	lcov --quiet --rc lcov_branch_coverage=0 --add-tracefile $(COV_B)/base.info \
		--add-tracefile $(COV_B)/run.info --output-file $(COV_B)/all.info && \
	lcov --quiet --rc lcov_branch_coverage=0 --extract $(COV_B)/all.info \
		'$(CURDIR)/lib/*.c' --output-file $(COV_B)/lib.info && \
	genhtml --quiet --rc genhtml_branch_coverage=0 --prefix $(CURDIR) \
		--title "art lib/" --output-directory $(COV_B)/html $(COV_B)/lib.info && \
	awk -F: -v min="$(COVERAGE_MIN)" -v dir="$(CURDIR)/" -v html="$(COV_B)/html/index.html" ' \
		/^SF:/ { f = substr($$0, 4); sub("^" dir, "", f) } \
		/^LF:/ { lf[f] = $$2; tf += $$2 } \
		/^LH:/ { lh[f] = $$2; th += $$2 } \
		END { for (f in lf) \
			printf "%6.1f %%  %5d of %5d  %s\n", lf[f] ? 100 * lh[f] / lf[f] : 100, lh[f], lf[f], f \
				| "sort -n"; close("sort -n"); \
		      t = tf ? 100 * th / tf : 0; \
		      printf "lib/ line coverage: %.1f %% (%d of %d lines); report: %s\n", t, th, tf, html; \
		      if (min != "" && t < min) { \
			printf "make coverage: %.1f %% is below COVERAGE_MIN=%s\n", t, min > "/dev/stderr"; exit 1 } }' \
		$(COV_B)/lib.info || { [ $$st -ne 0 ] || st=1; }; \
	exit $$st

.PHONY: coverage
