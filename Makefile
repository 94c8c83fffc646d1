# mcbot - a microconference call for proposals run by email.
# GNU make.  `make check` and `make demo` install missing Debian packages first.

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
SBINDIR  ?= $(PREFIX)/sbin
DATADIR  ?= $(PREFIX)/share/mcbot
SYSCONFDIR ?= /etc
UNITDIR  ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
MANDIR   ?= $(PREFIX)/share/man
DESTDIR  ?=

BUILD    ?= build
CC       ?= cc
PKGS     := gmime-3.0 libetpan libcurl glib-2.0 json-glib-1.0 gnutls libsystemd
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter -Wno-format-nonliteral
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libetpan's .pc adds a gcc-only -specs= flag; leave it out.
PKG_LIBS := $(filter-out -specs=%,$(shell pkg-config --libs $(PKGS) 2>/dev/null))
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(PKG_CFLAGS) -DMCBOT_DATADIR='"$(DATADIR)"' \
	-DMCBOT_SYSCONFDIR='"$(SYSCONFDIR)"' -MMD -MP
ALL_LDFLAGS = $(LDFLAGS)

LIB_SRC  := $(filter-out bot/main.c,$(wildcard bot/*.c handlers/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)

all: $(BUILD)/mcbot

Q := $(if $(V),,@)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libmcbot.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/mcbot: $(BUILD)/bot/main.o $(BUILD)/libmcbot.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libmcbot.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -I. -o $@ $< $(BUILD)/libmcbot.a $(ALL_LDFLAGS) $(PKG_LIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c $(BUILD)/libmcbot.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -I. -o $@ $< $(BUILD)/libmcbot.a $(ALL_LDFLAGS) $(PKG_LIBS)

units: $(UNIT_BIN)
tools: $(TOOL_BIN)

# libFuzzer targets (tests/fuzz/fuzz_*.c), built with clang in build-fuzz/.
# `make fuzz FUZZ_SECONDS=N` runs each for N seconds; `make check` runs
# each briefly (tests/integration/85-fuzz.t).
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all -Wno-missing-field-initializers

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(BUILD)/libmcbot.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -I. -o $@ $< $(BUILD)/libmcbot.a $(ALL_LDFLAGS) $(PKG_LIBS)

fuzzers: $(FUZZ_BIN)

fuzz-build:
	$(MAKE) BUILD=build-fuzz CC=clang CFLAGS='$(FUZZ_CFLAGS)' fuzzers

fuzz:
	@sh build-aux/ensure-deps fuzz
	$(MAKE) fuzz-build
	sh tests/fuzz/run-fuzzers build-fuzz $(FUZZ_SECONDS)

deps:
	@sh build-aux/ensure-deps

# Two passes of prove, each printing its totals: the normal build, then
# the sanitized one (build-san/: ASan, UBSan, LeakSanitizer), run through
# tests/lib/san-exec, which fails a test when any program it ran wrote a
# sanitizer report.  Unit tests run in both.  The sanitized pass runs every
# integration test that runs mcbot (86-leaks.t only there), 80-crash-steps.t
# crashing at every third step; the normal pass runs those that depend on
# the shipped build (memory bound, timing, signals, CPU time, every crash
# step, the install) and those that run no mcbot code (the stack, the
# fuzzers): doing all of them twice would take some 20 min on 2 cores.
# Measured from clean on 2 cores shared with other work: 8.1 min before
# (prove 421 s), 9.9 min now (build 1.4 min, normal pass 211 s, sanitized
# pass 300 s, of which 80-crash-steps 37 s, 84-kill9 40 s, 86-leaks 13 s).
SAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ITESTS := $(wildcard tests/integration/*.t)
NORMAL_ONLY := $(addprefix tests/integration/,00-stack.t 71-systemd.t 85-fuzz.t)
NORMAL_TOO := $(NORMAL_ONLY) $(addprefix tests/integration/,10-imap.t 30-e2e.t \
	73-daemon.t 80-crash-steps.t 82-parse-guard.t 84-kill9.t)

check: deps
	$(MAKE) all units tools
	$(MAKE) BUILD=build-san CFLAGS='$(SAN_CFLAGS)' all units tools
	@status=0; \
	MCBOT=$(CURDIR)/$(BUILD)/mcbot MCBOT_TOP=$(CURDIR) prove --timer --exec '' \
		$(UNIT_BIN) $(filter $(NORMAL_TOO),$(ITESTS)) || status=1; \
	MCBOT=$(CURDIR)/build-san/mcbot MCBOT_TOP=$(CURDIR) MCBOT_CRASH_EVERY=3 prove --timer \
		--exec 'sh $(CURDIR)/tests/lib/san-exec' $(UNIT_BIN:$(BUILD)/%=build-san/%) \
		$(filter-out $(NORMAL_ONLY),$(ITESTS)) || status=1; \
	exit $$status

unit: all units
	prove --exec '' $(UNIT_BIN)

# Drain rates, memory and IDLE latency against a private Dovecot and
# Postfix (root, like the integration tests); see tests/bench/run.
bench: deps all tools
	MCBOT=$(CURDIR)/$(BUILD)/mcbot MCBOT_TOP=$(CURDIR) bash tests/bench/run

demo: deps all
	@sh build-aux/demo $(CURDIR)/$(BUILD)/mcbot

# The units name /usr/local/bin/mcbot and /etc/mcbot: rewritten for BINDIR and SYSCONFDIR.
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(SYSCONFDIR)/mcbot \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BUILD)/mcbot $(DESTDIR)$(BINDIR)/mcbot
	install -m 0644 templates/*.txt templates/form.in $(DESTDIR)$(DATADIR)/templates/
	install -m 0644 config/mcbot.conf $(DESTDIR)$(SYSCONFDIR)/mcbot/mcbot.conf.example
	for u in systemd/*.service systemd/*.timer; do \
		sed -e 's|/usr/local/bin/mcbot|$(BINDIR)/mcbot|g' \
		    -e 's|/etc/mcbot/|$(SYSCONFDIR)/mcbot/|g' "$$u" >"$(DESTDIR)$(UNITDIR)/$${u##*/}" && \
		chmod 0644 "$(DESTDIR)$(UNITDIR)/$${u##*/}" || exit 1; \
	done
	install -m 0644 systemd/mcbot.sysusers $(DESTDIR)$(SYSUSERSDIR)/mcbot.conf
	install -m 0644 man/mcbot.8 $(DESTDIR)$(MANDIR)/man8/mcbot.8
	install -m 0644 man/mcbot.conf.5 $(DESTDIR)$(MANDIR)/man5/mcbot.conf.5

clean:
	rm -rf build build-san build-fuzz demo-run

.PHONY: all units tools fuzzers fuzz-build fuzz deps check unit bench demo install clean
-include $(LIB_OBJ:.o=.d) $(BUILD)/bot/main.d
