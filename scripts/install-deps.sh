#!/usr/bin/env bash
# Installs every Debian 12 package cxbridge needs to build, test and benchmark.
# Idempotent: does nothing when all packages are present. Needs root (CI and dev machines run as root).
set -euo pipefail
pkgs=(
  g++ cmake make pkg-config ninja-build
  libboost-dev libboost-system-dev libcurl4-openssl-dev libssl-dev
  libsimdjson-dev librocksdb-dev libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev
  prometheus-cpp-dev libnats-dev nats-server zlib1g-dev libgoogle-perftools-dev
  libre2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # The libFuzzer targets (make fuzz, and fuzz-smoke in make test): clang 14 and its runtimes
  # (libFuzzer, ASan, UBSan).
  clang-14 libclang-rt-14-dev
  python3 curl
  # Debian's botocore 1.29 still describes SQS with the query protocol: tests/e2e/test_sqs_query.py
  # drives the built-in queues with that model, as older SDKs do.
  python3-botocore
  # The web console's browser tests: headless Chromium driven through chromedriver.
  chromium chromium-driver
  # `make package` and its test: the service user is made with adduser.
  adduser
)
# The web console is bundled at build time (src/console/): node and npm. A machine that has them
# (from any source) keeps its own; elsewhere Debian's nodejs 18 and npm 9 do the job.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  pkgs+=(nodejs npm)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
