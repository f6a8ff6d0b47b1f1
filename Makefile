# The two commands: `make demo` and `make test`. Each installs what is missing first.
BUILD_DIR      ?= build
TEST_BUILD_DIR ?= build-test
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS   ?= 600
GENERATOR      := -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache

# Cache compiles across checkouts (CI builds a fresh clone): paths are hashed relative to the tree.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all bootstrap build test unit-test fuzz demo demo-stop bench format clean

all: build

bootstrap:
	@scripts/bootstrap

# Optimised build for the demo and benchmarks.
build: bootstrap
	@cmake -S . -B $(BUILD_DIR) $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_BUILD_TESTS=OFF >/dev/null
	@cmake --build $(BUILD_DIR)

# Every test, built with AddressSanitizer and UndefinedBehaviorSanitizer and warnings as errors.
test: bootstrap
	@cmake -S . -B $(TEST_BUILD_DIR) $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_SANITIZE=ON -DVIGIL_WERROR=ON >/dev/null
	@cmake --build $(TEST_BUILD_DIR)
	@scripts/run-tests $(TEST_BUILD_DIR)
	@scripts/fuzz $(FUZZ_BUILD_DIR) 15

# Unit tests only: the quick loop while editing.
unit-test: bootstrap
	@cmake -S . -B $(TEST_BUILD_DIR) $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_SANITIZE=ON -DVIGIL_WERROR=ON >/dev/null
	@cmake --build $(TEST_BUILD_DIR)
	@cd $(TEST_BUILD_DIR) && ctest -L unit --output-on-failure

# Every fuzz target for FUZZ_SECONDS each (libFuzzer, clang-15), corpus kept in build-fuzz/corpus.
fuzz: bootstrap
	@scripts/fuzz $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS)

demo: build
	@scripts/demo $(BUILD_DIR)

demo-stop:
	@scripts/demo --stop

bench: build
	@scripts/bench $(BUILD_DIR)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(TEST_BUILD_DIR) $(FUZZ_BUILD_DIR)
