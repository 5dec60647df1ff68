# The project's entry points. `make run` and `make test` work on a fresh Debian 12 machine.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CONFIG     ?= examples/genesys.yaml
GENERATOR  := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: deps build build-asan run test test-cluster unit e2e bench package format format-check clean

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

run: build
	./$(BUILD)/cxbridge serve --config $(CONFIG)

# Unit tests under ASan+UBSan, then every test (unit and end-to-end) against the Release build.
test: build build-asan
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L unit
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE cluster

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
	rm -rf $(BUILD) $(ASAN_BUILD)
