// The two source kinds that send this server's own stored events through the accept pipeline
// again (source_kind.h):
//   - quarantine replay (SourceKind::kQuarantineReplay): quarantined events, so the current
//     `schemas:` rules normalize them. One that now passes is stored (durably, then delivered)
//     and leaves the quarantine; one that still fails is refused by the pipeline (not
//     quarantined a second time) and stays;
//   - console replay (SourceKind::kConsoleReplay): one stored event through the rules again.
// Archive replays are the API's (api/replay_engine.h).
// Thread-safety: both block until the events' fate is known; call them from a worker thread
// (the admin handler's), never from the committer.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bus/event_sink.h"
#include "common/status.h"
#include "store/storage.h"

namespace cxbridge::bus {

struct QuarantineReplayResult {
  std::vector<std::string> replayed;
  std::vector<std::pair<std::string, std::string>> failed;  // id, why
};

// Replays `ids`, or every quarantined event when `all`.
// `quarantine` is the delivery queue's quarantine (store/storage.h).
QuarantineReplayResult ReplayQuarantine(store::DeliveryQueue& quarantine, EventSink& sink,
                                        const std::vector<std::string>& ids, bool all);

// Sends one stored event (its JSON text) to `bus` again, without an idempotency key (never taken
// for a duplicate). OK once stored; kUnavailable with the pipeline's reason otherwise.
Status ReplayStoredEvent(EventSink& sink, const std::string& bus, const std::string& event_json);

}  // namespace cxbridge::bus
