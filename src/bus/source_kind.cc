#include "bus/source_kind.h"

#include <array>

namespace cxbridge::bus {
namespace {

// The one registry of entry points (source_kind.h).
constexpr std::array<SourceKindInfo, 8> kSourceKinds = {{
    //  kind                             name                  sender_content quarantine_on_failure
    {SourceKind::kWebhook, "webhook", true, true},
    {SourceKind::kDataActionRelay, "data-action-relay", true, true},
    {SourceKind::kGenesysWebSocket, "genesys-websocket", true, true},
    {SourceKind::kPutEvents, "put-events", true, true},
    {SourceKind::kScheduledRule, "scheduled-rule", false, true},
    {SourceKind::kArchiveReplay, "archive-replay", false, true},
    {SourceKind::kQuarantineReplay, "quarantine-replay", false, false},
    {SourceKind::kConsoleReplay, "console-replay", false, true},
}};

constexpr bool InEnumOrder() {
  for (size_t i = 0; i < kSourceKinds.size(); ++i)
    if (static_cast<size_t>(kSourceKinds[i].kind) != i) return false;
  return true;
}
static_assert(InEnumOrder(), "kSourceKinds must list every SourceKind in the enum's order");

}  // namespace

std::span<const SourceKindInfo> SourceKinds() { return kSourceKinds; }

const SourceKindInfo& Info(SourceKind kind) { return kSourceKinds[static_cast<size_t>(kind)]; }

}  // namespace cxbridge::bus
