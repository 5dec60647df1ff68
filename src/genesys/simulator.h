// The `cxbridge simulate` engine: plays a ContactCenter in (scaled) real time and delivers each
// notification frame either as an HTTP POST to a webhook URL (signed by the caller's Signer, as
// the source's `auth:` requires) or into a FakeGenesys, so a `genesys-notifications` source
// receives it over the WebSocket. It can inject faults the gateway must survive:
//   duplicates    the same body sent twice (a Genesys channel overlap / retry)
//   out-of-order  a frame held back and sent after later ones
//   oversized     a frame padded beyond the body limit (a huge participant attribute)
//   variants      schema variants: real ones Genesys has sent (the pre-2021 topic name
//                 `…transcriptions`, routingStatus without `id` before 2022-04, acd.end without
//                 `flowType` before 2024-09) and synthetic ones, invented and labelled so
//                 ("ON_QUEUE" presence spelling, ISO/epoch time flips)
// and reports progress (one live line) and a final summary. Also the benchmarks' load generator.
// Thread-safety: Run blocks the calling thread; HTTP completions run on the client's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "genesys/contact_center.h"
#include "http/client.h"

namespace cxbridge::genesys {

class FakeGenesys;

// Adds the auth headers for `body` (e.g. app's Sign for the source's `auth:` section).
using Signer = std::function<Status(const std::string& body, std::vector<std::pair<std::string, std::string>>* headers)>;

struct SimulateOptions {
  ContactCenterOptions center;
  int64_t duration_ms = 60'000;  // simulated time
  double speed = 1.0;            // simulated seconds per real second; 0 = as fast as possible
  std::string target_url;        // webhook URL (POST); ignored when `notifications` is set
  FakeGenesys* notifications = nullptr;
  Signer sign;                   // may be empty (no auth)
  std::string body_format = "frame";  // "frame" = {topicName,version,eventBody,metadata}; "eventbridge"
  std::string event_source = "aws.partner/genesys.com/cloud/6c8a2f4e-1b3d-4e5f-9a7b-2c4d6e8f0a1b/cxbridge-sim";
  double duplicate_pct = 0;
  double out_of_order_pct = 0;
  double oversized_pct = 0;
  size_t oversized_bytes = 300 * 1024;
  double variant_pct = 0;
  int concurrency = 32;
  int64_t request_timeout_ms = 10'000;
  std::ostream* progress = nullptr;  // live line (\r-updated when `progress_tty`)
  bool progress_tty = false;
};

struct SimulateSummary {
  uint64_t frames = 0;         // frames the model produced
  uint64_t sent = 0;           // requests sent (frames + injected duplicates)
  uint64_t acknowledged = 0;   // 2xx
  uint64_t duplicates_injected = 0, reordered = 0, oversized = 0, variants = 0;
  std::map<std::string, uint64_t> variants_by_kind;  // "real: <name>" / "synthetic: <name>"
  uint64_t rejected = 0;       // 4xx (413 for oversized is expected)
  uint64_t errors = 0;         // 5xx and transport errors
  std::map<int, uint64_t> by_status;  // 0 = transport error
  ContactCenterStats center;
  int64_t elapsed_ms = 0;
};

// Runs the whole simulation. kInvalidArgument for bad options.
Result<SimulateSummary> RunSimulation(const SimulateOptions& options, Clock& clock = SystemClock());

// A few lines for humans.
std::string FormatSummary(const SimulateSummary& s);

// The Genesys EventBridge integration's envelope around one frame (for body_format "eventbridge").
std::string EventBridgeBody(const SimFrame& f, const std::string& source, const std::string& correlation_id);
// The WebSocket frame text for one SimFrame.
std::string FrameBody(const SimFrame& f, const std::string& correlation_id);

}  // namespace cxbridge::genesys
