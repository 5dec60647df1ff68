// Source kinds: every way an event enters the accept pipeline, registered in one place.
//
// A source kind only adapts its input (verify what it must, build the event) and maps the one
// closed outcome type (AcceptOutcome, event_sink.h) to its own protocol, in one function of its
// own. Everything between — claim check, normalization, routing, dedup and the durable log — is
// the Pipeline's (pipeline.h), the same for every kind. docs/pipeline.md draws the flow.
//
// Adding a kind: a value here, its row in kSourceKinds (source_kind.cc), the adapter in its module.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace cxbridge::bus {

enum class SourceKind : uint8_t {
  kWebhook,            // POST /webhooks/{source} (ingest/webhook.h)
  kDataActionRelay,    // a Genesys notification relayed by a Process Automation data action
                       // (a webhook body; ingest/genesys_relay.h)
  kGenesysWebSocket,   // a genesys-notifications source's WebSocket frames (genesys/source.h)
  kPutEvents,          // the EventBridge API's PutEvents (api/ops_events.cc)
  kScheduledRule,      // a rule's ScheduleExpression firing (bus/scheduled_rules.h)
  kArchiveReplay,      // StartReplay: archived events sent again (api/replay_engine.h)
  kQuarantineReplay,   // quarantined events normalized again (bus/quarantine_replay.h)
  kConsoleReplay,      // the console's "replay through the rules" of a stored event
};

struct SourceKindInfo {
  SourceKind kind;
  std::string_view name;  // as metrics, logs and docs name it
  // The sender wrote the event's content. Claim-check references (`$ref`) in it are refused:
  // only this server makes them, and a forged one (a blob hash seen elsewhere) would make a
  // ResolveClaimCheck target receive another sender's blob. Events of the other kinds come from
  // this server's own log, archive or quarantine; the references in them are its own.
  bool sender_content;
  // An event that fails normalization goes to the quarantine (the sender still gets 2xx). False
  // for the quarantine's own replay: such an event is refused and stays where it is.
  bool quarantine_on_failure;
};

// Every kind, in the order of the enum.
std::span<const SourceKindInfo> SourceKinds();
const SourceKindInfo& Info(SourceKind kind);

}  // namespace cxbridge::bus
