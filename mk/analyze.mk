# mk/analyze.mk - static analysis, included by the Makefile.
#   make analyze            cppcheck and clang-tidy; fails on any finding
#   make analyze-cppcheck   cppcheck alone (suppressions: tests/cppcheck.supp)
#   make analyze-tidy       clang-tidy alone (checks: .clang-tidy)
# Both read the sources with the build's own flags (ART_CFLAGS), so they see
# the same headers and macros as the compiler.  ANALYZE_JOBS=2 by default.

CPPCHECK     ?= cppcheck
CLANG_TIDY   ?= clang-tidy
ANALYZE_JOBS ?= 2
ANALYZE_SRCS  = $(wildcard cmd/*.c lib/*.c guest/*.c tools/*.c bench/*.c tests/unit/*.c)

# cppcheck reads the system headers too, so that it knows the libraries'
# types and macros (json_array_foreach, ...).  It is told the compiler's
# target macros, but only these: given all of them (__GNUC_MINOR__ at least)
# cppcheck 2.10 spends minutes in curl.h.
ANALYZE_MACROS = ^(__GNUC__|__STDC__|__STDC_VERSION__|__linux__|__unix__|__CHAR_BIT__|__SIZEOF_[A-Z0-9_]+__|__LP64__|_LP64|__ILP32__|__x86_64__|__aarch64__|__i386__|__arm__|__riscv|__riscv_xlen|__powerpc64__|__s390x__|__BYTE_ORDER__|__ORDER_[A-Z]+_ENDIAN__)$$
CPPCHECK_DEFS = $(shell $(CC) -std=gnu11 -dM -E -x c /dev/null | \
	awk '$$2 ~ /$(ANALYZE_MACROS)/ { print "-D" $$2 "=" $$3 }')
CPPCHECK_SYSINC = $(shell $(CC) -E -Wp,-v -x c /dev/null 2>&1 >/dev/null | \
	sed -n 's|^ \(/[^ ]*\)$$|-I\1|p')
CPPCHECK_FLAGS = -q -j$(ANALYZE_JOBS) --std=c11 \
	--enable=warning,style,performance,portability \
	--library=posix --library=gnu --inline-suppr \
	--suppressions-list=tests/cppcheck.supp --error-exitcode=1 \
	--cppcheck-build-dir=$(B)/analyze/cppcheck \
	--template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
	$(CPPCHECK_DEFS) $(filter -I% -D%,$(ART_CFLAGS)) $(CPPCHECK_SYSINC)

# -O2: glibc's _FORTIFY_SOURCE wants optimisation, else a #warning (-Werror).
TIDY_FLAGS = -O2 $(ART_CFLAGS)

analyze: analyze-cppcheck analyze-tidy

analyze-cppcheck: | $(B)/gen/embedded.c
	@mkdir -p $(B)/analyze/cppcheck
	$(CPPCHECK) $(CPPCHECK_FLAGS) $(ANALYZE_SRCS)

# One clang-tidy per file, ANALYZE_JOBS at a time; its "N warnings
# generated" (the system headers', not shown) is dropped, findings are kept.
analyze-tidy: | $(B)/gen/embedded.c
	@echo "$(CLANG_TIDY): $(words $(ANALYZE_SRCS)) files, $(ANALYZE_JOBS) at a time"
	@printf '%s\n' $(ANALYZE_SRCS) | xargs -P$(ANALYZE_JOBS) -I{} \
		sh -c 'f=$$1; shift; out=$$("$$0" --quiet "$$f" -- "$$@" 2>&1); \
			rc=$$?; printf "%s\n" "$$out" | \
			grep -v -e "^[0-9]* warnings\{0,1\} generated\.$$" -e "^$$"; \
			exit $$rc' $(CLANG_TIDY) {} $(TIDY_FLAGS)

.PHONY: analyze analyze-cppcheck analyze-tidy
