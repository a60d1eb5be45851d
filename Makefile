# Makefile - a thin wrapper over meson and ninja: deps, build, demo, check,
# bench, install. Each target works alone on a fresh Debian 12 machine.

BUILD   ?= build
ASAN    ?= build-asan
PREFIX  ?= /usr/local
MESON   ?= meson
NINJA   ?= ninja
QUICK   ?=

.PHONY: all deps build demo check check-unit check-asan bench fuzz install clean

all: build

deps:
	@tools/deps.sh

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) -Dwerror=true --prefix=$(PREFIX)

$(ASAN)/build.ninja:
	$(MESON) setup $(ASAN) -Dwerror=true -Db_sanitize=address,undefined \
	    -Db_lundef=false -Dbuildtype=debug

build: deps $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

demo: build
	IPCTOOL=$(CURDIR)/$(BUILD)/ipctool tools/demo.sh

# Every test, then every test again built with AddressSanitizer + UBSan.
check: build $(ASAN)/build.ninja
	$(MESON) test -C $(BUILD) --print-errorlogs --num-processes 2
	$(NINJA) -C $(ASAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87 \
	    $(MESON) test -C $(ASAN) --print-errorlogs --num-processes 2 \
	    --timeout-multiplier 2

bench: build
	QUICK=$(QUICK) IPCTOOL=$(CURDIR)/$(BUILD)/ipctool bench/run.sh

install: build
	$(MESON) install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN)
