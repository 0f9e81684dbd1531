# Strata's entry points. `make demo` and `make test` install their own dependencies
# (scripts/install_deps.sh), so both work on a fresh Debian 12 machine as root.

BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30
FUZZ_TARGETS := safetensors http_request
# The binaries of the tests labelled `unit` (the ThreadSanitizer build makes only these).
UNIT_TESTS := core_test net_test store_test meta_test cache_test peer_test fs_test load_test hub_test \
              server_test fuse_test
JOBS       ?= $(shell nproc)
PREFIX     ?= /usr/local

CMAKE_GEN := -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
FORMATTED := $(shell git ls-files '*.cc' '*.h' 2>/dev/null)

.PHONY: all deps build build-asan build-tsan build-fuzz demo test test-release test-asan test-tsan \
        fuzz tidy format \
        format-check install bench bench-cold-start clean

all: build

deps:
	@bash scripts/install_deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)

build-tsan: deps
	cmake -S . -B $(TSAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_TSAN=ON >/dev/null
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target $(UNIT_TESTS)

demo: build
	bash scripts/demo.sh $(BUILD)/strata

build-fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSTRATA_FUZZ=ON -DSTRATA_BUILD_TESTS=OFF >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(addsuffix _fuzz,$(FUZZ_TARGETS))

# Every test, in the release build and again under AddressSanitizer + UndefinedBehaviorSanitizer,
# after the formatting check, clang-tidy with the thread-safety analysis (.clang-tidy) and a
# bounded run of the fuzz targets, and the unit tests under ThreadSanitizer (ctest's summary
# comes last).
test: format-check tidy fuzz test-release test-asan test-tsan

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

test-tsan: build-tsan
	cd $(TSAN_BUILD) && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --output-on-failure -j $(JOBS) -L unit

# Each fuzzer starts from its seed corpus in tests/fuzz/corpus/ and writes what it learns to a
# scratch copy; a crash leaves its input in $(FUZZ_BUILD)/ and fails the target.
fuzz: build-fuzz
	@for t in $(FUZZ_TARGETS); do \
	  rm -rf $(FUZZ_BUILD)/corpus-$$t && cp -r tests/fuzz/corpus/$$t $(FUZZ_BUILD)/corpus-$$t && \
	  $(FUZZ_BUILD)/$${t}_fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -dict=tests/fuzz/$$t.dict -artifact_prefix=$(FUZZ_BUILD)/$$t- -print_final_stats=1 \
	    $(FUZZ_BUILD)/corpus-$$t >$(FUZZ_BUILD)/fuzz-$$t.log 2>&1 || \
	    { tail -40 $(FUZZ_BUILD)/fuzz-$$t.log; exit 1; }; \
	  grep -E 'stat::number_of_executed_units|stat::new_units_added' $(FUZZ_BUILD)/fuzz-$$t.log; \
	  echo "fuzz: $$t survived $(FUZZ_SECONDS)s"; \
	done

# The checks of .clang-tidy, and -Wthread-safety over the GUARDED_BY/REQUIRES annotations
# (base/mutex.h), on every source file of src/ in the release build's compile commands.
tidy: build
	@run-clang-tidy -p $(BUILD) -j $(JOBS) -quiet -extra-arg=-Wthread-safety '$(CURDIR)/src/' \
	  >$(BUILD)/tidy.log 2>&1 || \
	  { sed 's/\x1b\[[0-9;]*m//g' $(BUILD)/tidy.log | grep -E 'error:|warning:' -A3; exit 1; }
	@echo "tidy: clean ($$(grep -c '^clang-tidy' $(BUILD)/tidy.log) files)"

format:
	clang-format -i $(FORMATTED)

format-check: deps
	@clang-format --dry-run --Werror $(FORMATTED) && echo "format-check: clean"

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

bench: build
	bash bench/put_get.sh $(BUILD)/strata

# Issue 3's cold start against rclone and s3fs over an emulated S3 link (root, ~7 min).
bench-cold-start: build
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	  rclone s3fs fuse3 python3-matplotlib >/dev/null
	bash bench/cold_start.sh $(BUILD)/strata

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
