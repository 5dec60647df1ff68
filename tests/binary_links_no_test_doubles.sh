#!/bin/sh
# The cxbridge binary must not link the Genesys API double, the contact-center simulator or the
# storage fault injection (issue 11): they live in cxb_genesys_testing / cxb_genesys_sim /
# cxb_store_testing, linked by tests and by the cxbridge-simulate tool only. Reads the binary's symbol table; a stripped binary is an error,
# not a pass (a production symbol must be found first).
set -eu
bin="$1"
syms=$(nm -C "$bin" 2>/dev/null) || { echo "cannot read symbols of $bin" >&2; exit 1; }
echo "$syms" | grep -q 'cxbridge::genesys::NotificationSource::Start' \
  || { echo "no symbols for the notification source in $bin: stripped? cannot check" >&2; exit 1; }
bad=$(echo "$syms" | grep -E 'cxbridge::genesys::(FakeGenesys|FakeIntegrations|ContactCenter|RunSimulation|RunSimulateCommand)|cxbridge::store::FaultInjecting' | head -5 || true)
if [ -n "$bad" ]; then
  echo "cxbridge links test doubles or the simulator:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "ok: $bin links no Genesys double, no simulator and no storage fault injection"
