# Strata's entry points. `make demo` and `make test` install their own dependencies
# (scripts/install_deps.sh), so both work on a fresh Debian 12 machine as root.

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
PREFIX     ?= /usr/local

CMAKE_GEN := -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
FORMATTED := $(shell git ls-files '*.cc' '*.h' 2>/dev/null)

.PHONY: all deps build build-asan demo test test-release test-asan format format-check install \
        bench clean

all: build

deps:
	@bash scripts/install_deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)

demo: build
	bash scripts/demo.sh $(BUILD)/strata

# Every test, in the release build and again under AddressSanitizer + UndefinedBehaviorSanitizer,
# after the formatting check.
test: format-check test-release test-asan

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

format:
	clang-format -i $(FORMATTED)

format-check: deps
	@clang-format --dry-run --Werror $(FORMATTED) && echo "format-check: clean"

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

bench: build
	bash bench/put_get.sh $(BUILD)/strata

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
