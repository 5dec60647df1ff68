# The project's entry points. `make run` and `make test` work on a fresh Debian 12 machine.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
# make fuzz: seconds per target (docs/fuzzing.md); make fuzz-smoke runs each for FUZZ_SMOKE_SECONDS.
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 4
FUZZ_CXX   ?= clang++-14
FUZZ_CC    ?= clang-14
JOBS       ?= $(shell nproc)
CONFIG     ?= examples/genesys.yaml
GENERATOR  := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: deps build build-asan build-fuzz fuzz fuzz-smoke run test test-cluster unit e2e bench package format format-check clean

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(ASAN_BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=Debug -DCXBRIDGE_SANITIZE=ON -DCXBRIDGE_E2E=OFF

build-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# libFuzzer targets (fuzz/, docs/fuzzing.md): clang with fuzzer, ASan and UBSan instrumentation.
$(FUZZ_BUILD)/CMakeCache.txt: | deps
	CC=$(FUZZ_CC) CXX=$(FUZZ_CXX) cmake -S . -B $(FUZZ_BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCXBRIDGE_FUZZ=ON -DCXBRIDGE_E2E=OFF

build-fuzz: deps $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all

# Every target for FUZZ_SECONDS (FUZZ_TARGETS="json_fuzz http_fuzz" to pick some).
fuzz: build-fuzz
	bash scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# A few seconds per target from the seed corpora: part of `make test`.
fuzz-smoke: build-fuzz
	bash scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS)

run: build
	./$(BUILD)/cxbridge serve --config $(CONFIG)

# Unit tests under ASan+UBSan, then every test (unit and end-to-end) against the Release build,
# then a short run of every fuzz target.
test: build build-asan build-fuzz
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L unit
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE cluster
	$(MAKE) fuzz-smoke

# Cluster mode's tests against real nats-server clusters (three servers, several cxbridge nodes,
# SIGKILLs): bounded to a few minutes, run one at a time (they start many processes).
test-cluster: build
	cd $(BUILD) && ctest --output-on-failure -L cluster

unit: build-asan
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

e2e: build
	cd $(BUILD) && ctest --output-on-failure -L e2e

bench: build
	bash bench/run.sh $(BUILD)

# A Debian package of the Release build (binary, hardened systemd unit, /etc/cxbridge/cxbridge.yaml):
# $(BUILD)/package/cxbridge_<version>_<arch>.deb. `dpkg -i` it; docs: README "Install".
package: build
	bash scripts/make-deb.sh $(BUILD) $(BUILD)/package

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

format-check:
	git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
