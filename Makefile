# The README's entry points. `make run` and `make test` work on a fresh Debian 12 machine.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
DEPS = cmake make g++ ccache libboost-dev libboost-system-dev libssl-dev libsimdjson-dev \
       libconcurrentqueue-dev libabsl-dev libbenchmark-dev libgtest-dev libgmock-dev zlib1g-dev prometheus
FUZZ_DEPS = clang libclang-rt-14-dev
BENCH_DEPS = nlohmann-json3-dev libreaderwriterqueue-dev
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps install-missing configure build run run-local connectors test bench live-tail soak clean asan tsan fuzz fuzz-build

deps:
	@$(MAKE) --no-print-directory install-missing PKGS="$(DEPS)"

install-missing:
	@missing=""; for p in $(PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; fi

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS) >/dev/null

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/dmabot run --env .env.mock

# binance-sim on the ports of .env.local, then the engine with .env.local; Ctrl-C stops the engine,
# then the sim (tools/run_local.sh; docs/LIVE.md).
run-local: build
	DMABOT=$(BUILD_DIR)/dmabot RUN_LOCAL_DIR=$(BUILD_DIR)/binance-sim tools/run_local.sh

# The binance-sim client tests use Binance's official Node connectors, pinned by
# tests/binance_clients/package-lock.json: installed here (a no-op when node_modules matches).
connectors:
	@bash tests/binance_clients/install.sh

test: build connectors
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 300

# nlohmann::json and moodycamel::ReaderWriterQueue are competitors in bench/ only (found at compile
# time, so they are installed before the build).
bench:
	@$(MAKE) --no-print-directory install-missing PKGS="$(BENCH_DEPS)"
	@$(MAKE) --no-print-directory build
	$(BUILD_DIR)/bench/run_benchmarks.sh $(BUILD_DIR)

# The live engine's tick-to-order tail per thread layout, from each run's recording (bench/live_tail.sh:
# LIVE_SECONDS per run, LIVE_RUNS runs, LIVE_CONFIGS). Not part of `make bench`: minutes of wall clock.
live-tail: build
	bench/live_tail.sh $(BUILD_DIR)

# Every binance-sim fault at once against the engine for SOAK_SECONDS (half Spot, half USD-M); prints
# orders sent, faults injected and drift found (tests/tools/binance_soak.cpp). Not part of `make test`.
SOAK_SECONDS ?= 300
soak: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target dmabot tools_binance_soak
	SOAK_SECONDS=$(SOAK_SECONDS) $(BUILD_DIR)/tests/tools/tools_binance_soak

# Sanitizers and fuzzers (docs/RELIABILITY.md; .ci/sanitizers.sh runs all three). Each has its own
# build directory. `make tsan` runs the whole suite under TSan; TSAN_LABEL=x only the tests labelled x.
TSAN_LABEL ?=
FUZZ_SECONDS ?= 30
FUZZ_BUILD_DIR ?= build-fuzz

# Optimisation levels are chosen for build time on a 2-core machine (measured in docs/RELIABILITY.md):
# gcc's UBSan with -O1/-O2 makes a Beast-heavy file compile 4-9x slower than at -O0, so the ASan+UBSan
# build is -O0; TSan costs nothing extra at -O1. -g1 (line tables) is all a sanitizer's stack needs.
asan:
	$(MAKE) test BUILD_DIR=build-asan BUILD_TYPE=Sanitize CMAKE_ARGS="-DDMABOT_ASAN=ON -DDMABOT_BUILD_BENCH=OFF -DCMAKE_CXX_FLAGS_SANITIZE='-O0 -g1 -DNDEBUG'"

tsan:
	$(MAKE) build BUILD_DIR=build-tsan BUILD_TYPE=Sanitize CMAKE_ARGS="-DDMABOT_TSAN=ON -DDMABOT_BUILD_BENCH=OFF -DCMAKE_CXX_FLAGS_SANITIZE='-O1 -g1 -DNDEBUG'"
	cd build-tsan && ctest --output-on-failure -j $(JOBS) --timeout 600 $(if $(TSAN_LABEL),-L '$(TSAN_LABEL)')

fuzz-build: deps
	@$(MAKE) --no-print-directory install-missing PKGS="$(FUZZ_DEPS)"
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD_DIR) -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE='-O1 -g1 -DNDEBUG' -DDMABOT_FUZZ=ON \
	  -DDMABOT_BUILD_TESTS=OFF -DDMABOT_BUILD_BENCH=OFF >/dev/null
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target fuzzers

fuzz: fuzz-build
	tests/fuzz/run_fuzzers.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD_DIR)
