# pipewright — build, test and install.
#
#   make            build/pipewright
#   make check      install test dependencies, then unit + end-to-end tests
#   make asan       the whole suite again under address + undefined sanitizers
#   make demo       the main job end to end on a local AWS emulator
#   make bench      benchmarks against their references (BENCH=provision,seed picks some);
#                   writes docs/performance.md
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       Debian packages + the Python test environment (.venv)
#
# Sources are found by folder, so a new file needs no Makefile edit.

BUILD     ?= build
PREFIX    ?= /usr/local
DESTDIR   ?=
CC        ?= cc
PKGS      := libcurl openssl yaml-0.1 libcjson zlib expat
VENV      ?= .venv
PYTHON    := $(VENV)/bin/python

# Debian packages the build and the tests need (make deps installs them).
DEB_PKGS  := build-essential pkg-config libcurl4-openssl-dev libssl-dev libyaml-dev \
             libcjson-dev zlib1g-dev libexpat1-dev libcmocka-dev valgrind python3-venv

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation
CFLAGS    ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) \
             $(SAN_FLAGS) -I. $(PKG_CFLAGS) -MMD -MP
LDLIBS    := $(filter-out -lcurl,$(PKG_LIBS)) -ldl -lpthread -lm

LIB_SRC   := $(sort $(wildcard provision/aws/*.c provision/spec/*.c provision/*.c pipeline/*.c))
CMD_SRC   := $(sort $(wildcard cmd/*.c))
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
TOOL_SRC  := $(sort $(wildcard tests/tools/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ   := $(CMD_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BIN  := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)
LIBPW     := $(BUILD)/libpipewright.a
BIN       := $(BUILD)/pipewright

# Quiet by default; `make V=1` shows every command.
ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all check unit e2e asan demo install deps venv clean bench
all: $(BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBPW): $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BIN): $(CMD_OBJ) $(LIBPW)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(CMD_OBJ) $(LIBPW) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBPW)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBPW) $(LDLIBS) -lcmocka

# Test drivers the end-to-end tests run beside the binary (they use the library directly).
$(BUILD)/tests/tools/%: tests/tools/%.c $(LIBPW)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TOOL    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBPW) $(LDLIBS)

# --- tests -------------------------------------------------------------------

# The stamp records that deps ran for this checkout; delete it to force a re-run.
DEPS_STAMP := $(VENV)/.deps-ok
$(DEPS_STAMP): tests/requirements.txt
	@bash tests/install-deps.sh "$(VENV)" $(DEB_PKGS)
	@touch $@

deps: $(DEPS_STAMP)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; PW_FIXTURES=tests/fixtures $$t; done

# The crash test (20,000 changes, 10 SIGKILLs; ~6 min) runs in `make check`; `make asan` leaves
# it out (it would take three times as long there and proves nothing about memory errors).
CRASH_TEST ?= 1

e2e: $(BIN) $(TOOL_BIN) $(DEPS_STAMP)
	PW_CRASH_TEST=$(CRASH_TEST) PIPEWRIGHT=$(abspath $(BIN)) $(PYTHON) -m pytest -q tests/e2e

check: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory e2e

# Sanitizer build lives in its own folder, so it never mixes objects with the normal build.
asan: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory BUILD=build/asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	  SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" CRASH_TEST=0 unit e2e

demo: $(BIN) $(DEPS_STAMP)
	@PIPEWRIGHT=$(abspath $(BIN)) $(PYTHON) tests/demo.py

bench: $(BIN) $(DEPS_STAMP)
	@BENCH=$(BENCH) PIPEWRIGHT=$(abspath $(BIN)) $(PYTHON) tests/bench/run.py

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/pipewright
	@if [ -f docs/pipewright.1 ]; then install -d $(DESTDIR)$(PREFIX)/share/man/man1 && \
	  install -m 0644 docs/pipewright.1 $(DESTDIR)$(PREFIX)/share/man/man1/pipewright.1; fi

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d)
