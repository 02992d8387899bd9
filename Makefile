# art - hand-written Makefile.  make; make check; make check-asan;
# make install [PREFIX=/usr/local] [DESTDIR=]; make bench.

VERSION   = 0.1.0
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
SHAREDIR ?= $(PREFIX)/share/art
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/vendor-completions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
SYSCONFDIR  ?= /etc

# Build directory: make check-asan builds a second tree beside this one.
B ?= build

CC      ?= cc
CFLAGS  ?= -O2 -g
PKG_CONFIG ?= pkg-config
DEPS     = libgit2 jansson libcurl libsodium libseccomp sqlite3 libpcre2-8 libkeyutils

# Appended after the user's CFLAGS so that they cannot be turned off.
ART_CFLAGS = -std=gnu11 -pthread -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wformat=2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
	-Ilib -I$(B)/gen \
	-DART_VERSION='"$(VERSION)"' -DART_SYSCONFDIR='"$(SYSCONFDIR)"' \
	$(shell $(PKG_CONFIG) --cflags $(DEPS))
ART_LIBS = -pthread -Wl,--as-needed $(shell $(PKG_CONFIG) --libs $(DEPS))

COMMANDS = art art-init art-start art-prompt art-scope-check art-log art-close art-verify art-vm art-auth art-poll art-claim art-doctor
MAN1 = $(wildcard man/*.1)
MAN5 = $(wildcard man/*.5)
MAN7 = $(wildcard man/*.7)
TEMPLATES = share/art/prompt.md share/art/agents_registry.json share/art/profile.json
# The client-side git hook, built into art-init (art init --hooks).
HOOK = share/art/hooks/art-hook

LIB_SRCS = $(wildcard lib/*.c)
LIB_OBJS = $(LIB_SRCS:lib/%.c=$(B)/lib/%.o) $(B)/gen/embedded.o
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
TOOLS = $(B)/tests/globmatch

BINS = $(COMMANDS:%=$(B)/bin/%)
MANS = $(MAN1:man/%=$(B)/share/man/man1/%) $(MAN5:man/%=$(B)/share/man/man5/%) \
       $(MAN7:man/%=$(B)/share/man/man7/%)

all: $(BINS) $(MANS)

$(B)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(ART_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/cmd/%.o: cmd/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(ART_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tools/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(ART_CFLAGS) -o $@ $<

$(B)/gen/embedded.c: $(B)/tools/embed $(TEMPLATES) $(HOOK)
	@mkdir -p $(@D)
	$(B)/tools/embed $@ art_embedded_prompt_md=share/art/prompt.md \
		art_embedded_registry_json=share/art/agents_registry.json \
		art_embedded_profile_json=share/art/profile.json \
		art_embedded_hook_sh=share/art/hooks/art-hook

$(B)/gen/embedded.o: $(B)/gen/embedded.c lib/embedded.h
	$(CC) $(CFLAGS) $(ART_CFLAGS) -c -o $@ $<

# The init of art-vm's microVM (guest/init.c): a static program of its
# own, with libc and lib/vmproto.c only, built into art-vm (vmbuild.c
# puts it in the image).  Never sanitized: it runs in the guest.
GUEST_CC ?= $(CC)
GUEST_CFLAGS = -std=gnu11 -Os -g0 -static -Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Ilib -ffile-prefix-map=$(CURDIR)=.
$(B)/guest/init: $(wildcard guest/*.c guest/*.h) lib/vmproto.c lib/vmproto.h
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -o $@ $(wildcard guest/*.c) lib/vmproto.c

$(B)/gen/vminit.c: $(B)/tools/embed $(B)/guest/init
	@mkdir -p $(@D)
	$(B)/tools/embed $@.tmp art_embedded_vm_init=$(B)/guest/init
	echo 'const unsigned long art_embedded_vm_init_size = sizeof art_embedded_vm_init - 1;' >> $@.tmp
	echo "const char art_embedded_vm_init_sha256[] = \"$$(sha256sum < $(B)/guest/init | cut -d' ' -f1)\";" >> $@.tmp
	mv $@.tmp $@

$(B)/gen/vminit.o: $(B)/gen/vminit.c lib/embedded.h
	$(CC) $(CFLAGS) $(ART_CFLAGS) -c -o $@ $<

$(B)/bin/art-vm: $(B)/cmd/art-vm.o $(B)/gen/vminit.o $(B)/libart.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/gen/vminit.o $(B)/libart.a $(ART_LIBS)

$(B)/libart.a: $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/bin/%: $(B)/cmd/%.o $(B)/libart.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libart.a $(ART_LIBS)

$(B)/share/man/man1/%: man/%
	@mkdir -p $(@D)
	cp $< $@
$(B)/share/man/man5/%: man/%
	@mkdir -p $(@D)
	cp $< $@
$(B)/share/man/man7/%: man/%
	@mkdir -p $(@D)
	cp $< $@

$(B)/tests/%: tests/unit/%.c tests/unit/check.h $(B)/libart.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(ART_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libart.a $(ART_LIBS)

# Unit tests of lib/, then the bats suite against the binaries just built.
check: all $(UNIT_BINS) $(TOOLS)
	@set -e; for t in $(UNIT_BINS); do echo "$$t"; $$t; done
	ART_BIN=$(abspath $(B)/bin) ART_TESTS_BIN=$(abspath $(B)/tests) ART_BUILD=$(B) \
		bats $(BATS_FLAGS) tests/

# The same under AddressSanitizer and UndefinedBehaviorSanitizer.
SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
check-asan:
	$(MAKE) B=build/asan CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp):print_suppressions=0 \
		UBSAN_OPTIONS=print_stacktrace=1 check

# In-process timing of receipts, for bench/receipt.
$(B)/bench/%: bench/%.c $(B)/libart.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(ART_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libart.a $(ART_LIBS)

# Every benchmark of bench/ (BENCH="start scope": those), one table of the
# results, also in $(B)/bench.md (bench/run.sh).
bench: all $(B)/bench/receipt_time $(B)/bench/poll_anchor
	ART_BIN=$(abspath $(B)/bin) bench/run.sh -o $(B) $(BENCH)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(SHAREDIR) $(DESTDIR)$(SHAREDIR)/hooks $(DESTDIR)$(SHAREDIR)/systemd \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	install -m 644 $(TEMPLATES) $(DESTDIR)$(SHAREDIR)
	install -m 755 share/art/demo.sh $(DESTDIR)$(SHAREDIR)
	install -m 755 share/art/hooks/art-hook share/art/hooks/pre-receive $(DESTDIR)$(SHAREDIR)/hooks
	install -m 644 share/art/art.mk $(DESTDIR)$(SHAREDIR)
	install -m 644 share/art/systemd/art-poll@.service share/art/systemd/art-poll@.timer \
		$(DESTDIR)$(SHAREDIR)/systemd
	install -m 644 completions/_art $(DESTDIR)$(ZSHCOMPDIR)/_art
	# bash and fish load a command's completions from a file of its name
	for c in $(COMMANDS); do \
		install -m 644 completions/art.bash $(DESTDIR)$(BASHCOMPDIR)/$$c || exit 1; \
		install -m 644 completions/art.fish $(DESTDIR)$(FISHCOMPDIR)/$$c.fish || exit 1; \
	done

uninstall:
	rm -f $(COMMANDS:%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(MAN1:man/%=$(DESTDIR)$(MANDIR)/man1/%) \
	      $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%) \
	      $(MAN7:man/%=$(DESTDIR)$(MANDIR)/man7/%)
	rm -rf $(DESTDIR)$(SHAREDIR)
	rm -f $(COMMANDS:%=$(DESTDIR)$(BASHCOMPDIR)/%) $(DESTDIR)$(ZSHCOMPDIR)/_art \
	      $(COMMANDS:%=$(DESTDIR)$(FISHCOMPDIR)/%.fish)

clean:
	rm -rf build

# The hardening targets: make fuzz, check-valgrind, coverage, analyze.
include mk/fuzz.mk mk/valgrind.mk mk/coverage.mk mk/analyze.mk

.PHONY: all check check-asan bench install uninstall clean
.SECONDARY:
# a recipe that fails leaves no half-made target behind
.DELETE_ON_ERROR:

-include $(wildcard $(B)/lib/*.d $(B)/cmd/*.d)
