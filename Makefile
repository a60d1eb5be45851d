# Makefile - a thin wrapper over meson and ninja: deps, build, demo, check,
# bench, install. Only `make deps` and `make demo` install Debian packages
# (and say so first); on a fresh Debian 12 machine run `make deps` once,
# then any target works.

BUILD   ?= build
ASAN    ?= build-asan
PREFIX  ?= /usr/local
DESTDIR ?=
MESON   ?= meson
NINJA   ?= ninja
QUICK   ?=
FUZZ    ?= build-fuzz
FUZZ_TIME ?= 60
VALGRIND ?= valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
	    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
	    --track-fds=no --quiet

.PHONY: all deps build demo check check-unit check-asan check-valgrind \
	bench bench-ktls fuzz stress install clean

all: build

deps:
	@echo 'deps: installing the Debian packages that are missing (apt-get)'
	@tools/deps.sh

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) -Dwerror=true --prefix=$(PREFIX)

$(ASAN)/build.ninja:
	$(MESON) setup $(ASAN) -Dwerror=true -Db_sanitize=address,undefined \
	    -Db_lundef=false -Dbuildtype=debug

# clang with libFuzzer, ASan and UBSan; no bats, no man pages; no
# -Werror, so that a clang-only warning in an applet does not stop the
# fuzzing (the gcc builds of make check hold the line)
$(FUZZ)/build.ninja:
	CC=clang $(MESON) setup $(FUZZ) -Dfuzzing=true \
	    -Db_sanitize=address,undefined -Db_lundef=false -Dbats=false \
	    -Dman-pages=disabled

build: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

demo: deps build
	IPCTOOL=$(CURDIR)/$(BUILD)/ipctool tools/demo.sh

# Every test, then every test again built with AddressSanitizer + UBSan.
check: build $(ASAN)/build.ninja
	$(MESON) test -C $(BUILD) --print-errorlogs --num-processes 2
	$(NINJA) -C $(ASAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87 \
	    $(MESON) test -C $(ASAN) --print-errorlogs --num-processes 2 \
	    --timeout-multiplier 2

# The unit tests, the fuzz regression and the dispatch commands under
# valgrind: any memory error or leak fails (valgrind exits 99). Not io:
# its 2 ms timer storm livelocks under valgrind's signal emulation (it
# runs under ASan in make check).
VALGRIND_SKIP ?= io
check-valgrind: build
	$(MESON) test -C $(BUILD) --print-errorlogs --num-processes 2 \
	    --timeout-multiplier 4 --wrapper '$(VALGRIND)' \
	    $$($(MESON) test -C $(BUILD) --list --suite unit --suite fuzz \
	    2>/dev/null | sed -n 's|^.* / ||p' | grep -vxF \
	    "$$(printf '%s\n' $(VALGRIND_SKIP))")
	VALGRIND='$(VALGRIND)' tests/valgrind/dispatch.sh $(BUILD)/ipctool

# Each fuzz target for FUZZ_TIME seconds from its seed corpus (make check
# replays the corpus); prints executions and coverage per target.
fuzz: $(FUZZ)/build.ninja
	$(NINJA) -C $(FUZZ)
	tools/fuzz.sh $(FUZZ) $(FUZZ_TIME)

# The fault, load and integrity tests at full size:
# 1 GiB through every stream path, 100,000 messages through every message
# path, 1,000 clients per server (make check runs them small). The
# figures measured go to $(BUILD)/figures/*.txt and are printed at the end.
STRESS_TESTS ?= faults load integrity
stress: build
	STRESS=1 IPCTOOL=$(CURDIR)/$(BUILD)/ipctool IPCTOOL_SRCDIR=$(CURDIR) \
	    IPCTOOL_BUILDDIR=$(CURDIR)/$(BUILD) \
	    bats --tap $(patsubst %,tests/bats/%.bats,$(STRESS_TESTS))
	@cat $(patsubst %,$(BUILD)/figures/%.txt,$(STRESS_TESTS))

bench: build
	QUICK=$(QUICK) IPCTOOL=$(CURDIR)/$(BUILD)/ipctool bench/run.sh

# kernel TLS against OpenSSL's records, in a VM booting a kernel that has
# it (this machine's has not): bench/scenarios/15-stream-ktls.sh
bench-ktls: build
	BENCH_KTLS=1 QUICK=$(QUICK) IPCTOOL=$(CURDIR)/$(BUILD)/ipctool \
	    bench/run.sh 15-stream-ktls

# PREFIX and DESTDIR count every time: an existing build dir is
# reconfigured to PREFIX before it installs under DESTDIR
install: build
	$(MESON) configure $(BUILD) --prefix=$(PREFIX)
	$(MESON) install -C $(BUILD) $(if $(DESTDIR),--destdir '$(abspath $(DESTDIR))')

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ)
