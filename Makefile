# mcbot - a microconference call for proposals run by email.
# GNU make.  `make check` and `make demo` install missing Debian packages first.

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
SBINDIR  ?= $(PREFIX)/sbin
DATADIR  ?= $(PREFIX)/share/mcbot
SYSCONFDIR ?= /etc
UNITDIR  ?= /lib/systemd/system
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

deps:
	@sh build-aux/ensure-deps

# Unit tests (also under ASan+UBSan), then integration tests against a
# private Dovecot and Postfix.  prove prints the totals.
check: deps
	$(MAKE) all units tools
	$(MAKE) BUILD=build-san CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' units
	MCBOT=$(CURDIR)/$(BUILD)/mcbot MCBOT_TOP=$(CURDIR) prove --timer --exec '' \
		$(UNIT_BIN) $(UNIT_BIN:$(BUILD)/%=build-san/%) tests/integration/*.t

unit: all units
	prove --exec '' $(UNIT_BIN)

demo: deps all
	@sh build-aux/demo $(CURDIR)/$(BUILD)/mcbot

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(SYSCONFDIR)/mcbot
	install -m 0755 $(BUILD)/mcbot $(DESTDIR)$(BINDIR)/mcbot
	install -m 0644 templates/*.txt templates/form.in $(DESTDIR)$(DATADIR)/templates/
	install -m 0644 config/mcbot.conf $(DESTDIR)$(SYSCONFDIR)/mcbot/mcbot.conf.example
	install -d $(DESTDIR)$(UNITDIR)
	install -m 0644 systemd/*.service systemd/*.timer $(DESTDIR)$(UNITDIR)/ 2>/dev/null || true

clean:
	rm -rf build build-san demo-run

.PHONY: all units tools deps check unit demo install clean
-include $(LIB_OBJ:.o=.d) $(BUILD)/bot/main.d
