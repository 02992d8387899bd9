# mk/fuzz.mk - make fuzz: every libFuzzer target of tests/fuzz/, each for
# FUZZ_SECONDS, on its seed corpus and its regressions.
#
#   make fuzz [FUZZ_SECONDS=30] [FUZZ_TARGETS="json sse"] [FUZZ_JOBS=1]
#
# builds lib/ with clang under libFuzzer's coverage, ASan and UBSan in a
# tree of its own ($(FUZZ_B), through the Makefile's own rules), links one
# binary per target, and runs them FUZZ_JOBS at a time.  New inputs go to
# $(FUZZ_B)/corpus/<target>/ (the repository's corpora are only read), a
# crash, timeout or leak to $(FUZZ_B)/artifacts/<target>/, and the run
# fails if any target found one.  Needs clang and libFuzzer (Debian:
# clang-14 and libclang-rt-14-dev).
#
# `make check` replays every file of tests/fuzz/corpus/<target>/ and
# tests/fuzz/regressions/<target>/ through the same targets linked with a
# plain main (tests/fuzz/replay.c) and the normal CC: tests/fuzz.bats.

FUZZ_B ?= build/fuzz
FUZZ_SECONDS ?= 30
FUZZ_JOBS ?= 1
FUZZ_CC ?= $(or $(firstword $(shell command -v clang clang-14 2>/dev/null)),clang)
FUZZ_ALL = $(sort $(basename $(notdir $(filter-out tests/fuzz/replay.c,$(wildcard tests/fuzz/*.c)))))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_HDRS = tests/fuzz/fuzz.h

# Each target's largest input: what the code it feeds accepts (a hint
# payload is 4 KiB, a pattern 4 KiB...), or what keeps a run quick.
FUZZ_MAXLEN_config = 65536
FUZZ_MAXLEN_core = 65536
FUZZ_MAXLEN_dsse = 16384
FUZZ_MAXLEN_eventin = 16384
FUZZ_MAXLEN_eventlog = 4096
FUZZ_MAXLEN_glob = 9000
FUZZ_MAXLEN_glob_git = 256
FUZZ_MAXLEN_json = 65536
FUZZ_MAXLEN_secrets = 65536
FUZZ_MAXLEN_sse = 65536

# The replay binaries of `make check` (normal CC and CFLAGS).
FUZZ_REPLAY = $(FUZZ_ALL:%=$(B)/tests/fuzz-%)
TOOLS += $(FUZZ_REPLAY)
# check's prerequisites were expanded before this file was read
check: $(FUZZ_REPLAY)

$(B)/tests/fuzz-%: tests/fuzz/%.c tests/fuzz/replay.c $(FUZZ_HDRS) $(B)/libart.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(ART_CFLAGS) -Itests/fuzz $(LDFLAGS) -o $@ $< \
		tests/fuzz/replay.c $(B)/libart.a $(ART_LIBS)

# The libFuzzer binaries, made inside the fuzz tree (B=$(FUZZ_B)).
$(B)/fuzz/%: tests/fuzz/%.c $(FUZZ_HDRS) $(B)/libart.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(ART_CFLAGS) -Itests/fuzz -fsanitize=fuzzer -o $@ $< \
		$(B)/libart.a $(ART_LIBS)

fuzz:
	@command -v $(FUZZ_CC) >/dev/null || \
		{ echo "make fuzz: needs clang (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 7; }
	$(MAKE) B=$(FUZZ_B) CC=$(FUZZ_CC) \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
		LDFLAGS="$(FUZZ_SAN)" $(FUZZ_TARGETS:%=$(FUZZ_B)/fuzz/%)
	@rm -rf $(FUZZ_B)/log
	$(MAKE) -j$(FUZZ_JOBS) B=$(FUZZ_B) $(FUZZ_TARGETS:%=fuzz-run-%)
	@fail=0; for t in $(FUZZ_TARGETS); do \
		log=$(FUZZ_B)/log/$$t.log; \
		runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log | tail -n 1); \
		secs=$$(sed -n 's/^stat::average_exec_per_sec: *//p' $$log | tail -n 1); \
		if [ -e $(FUZZ_B)/log/$$t.failed ]; then \
			fail=1; echo "fuzz $$t: FAILED (see $$log, $(FUZZ_B)/artifacts/$$t/):"; \
			grep -v '^#[0-9]' $$log | tail -n 30; \
		else \
			echo "fuzz $$t: ok, $${runs:-?} runs ($${secs:-?}/s)"; \
		fi; \
	done; exit $$fail

# One target's run: never stops the others; its log says how it went.
# ASan's leak check is on: a leak is a finding too.
fuzz-run-%:
	@mkdir -p $(FUZZ_B)/log $(FUZZ_B)/corpus/$* $(FUZZ_B)/artifacts/$*
	@echo "fuzz $*: $(FUZZ_SECONDS) s"
	@dict=; [ ! -f tests/fuzz/$*.dict ] || dict=-dict=tests/fuzz/$*.dict; \
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp):print_suppressions=0 \
	$(FUZZ_B)/fuzz/$* -max_total_time=$(FUZZ_SECONDS) \
		-max_len=$(or $(FUZZ_MAXLEN_$*),4096) -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix=$(FUZZ_B)/artifacts/$*/ $$dict \
		$(FUZZ_B)/corpus/$* tests/fuzz/corpus/$* \
		$$([ -d tests/fuzz/regressions/$* ] && echo tests/fuzz/regressions/$*) \
		>$(FUZZ_B)/log/$*.log 2>&1 || touch $(FUZZ_B)/log/$*.failed

.PHONY: fuzz
