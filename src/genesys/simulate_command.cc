#include "genesys/simulate_command.h"

#include <unistd.h>

#include <charconv>
#include <iostream>

#include "common/secret.h"
#include "config/config.h"
#include "genesys/fake_genesys.h"
#include "genesys/settings.h"
#include "ingest/sign.h"

namespace cxbridge::genesys {

Result<int64_t> ParseDuration(const std::string& text) {
  if (text.empty()) return Status::InvalidArgument("empty duration");
  double n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc()) return Status::InvalidArgument("bad duration '" + text + "'");
  const std::string unit(end, text.data() + text.size());
  double scale = 1000;
  if (unit == "ms") scale = 1;
  else if (unit == "m") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else if (!unit.empty() && unit != "s") return Status::InvalidArgument("bad duration unit in '" + text + "'");
  if (n <= 0) return Status::InvalidArgument("duration must be positive");
  return static_cast<int64_t>(n * scale);
}

namespace {

std::vector<std::string> IdList(const json::Value& raw, const char* list) {
  std::vector<std::string> out;
  const json::Value* l = raw.FindPath(std::string("ids.") + list);
  if (l != nullptr && l->is_array()) {
    for (const auto& v : l->items())
      if (v.is_string()) out.push_back(v.as_string());
  }
  return out;
}

}  // namespace

int RunSimulateCommand(const SimulateArgs& a) {
  SimulateOptions o;
  auto duration = ParseDuration(a.duration);
  if (!duration.ok()) {
    std::cerr << duration.status().message() << "\n";
    return 2;
  }
  o.duration_ms = *duration;
  o.speed = a.speed;
  o.center.agents = a.agents;
  o.center.queues = a.queues;
  o.center.calls_per_hour = a.calls_per_hour;
  o.center.transcript_share = a.transcripts / 100.0;
  o.center.snapshots = !a.no_snapshots;
  o.center.seed = a.seed;
  o.body_format = a.format;
  o.duplicate_pct = a.duplicates;
  o.out_of_order_pct = a.out_of_order;
  o.oversized_pct = a.oversized;
  o.oversized_bytes = a.oversized_bytes;
  o.variant_pct = a.variants;
  o.concurrency = a.concurrency;
  o.progress = &std::cerr;
  o.progress_tty = isatty(STDERR_FILENO) != 0;

  // The source (optional): where to post, how to sign, or which credentials/ids to serve.
  const config::SourceConfig* src = nullptr;
  config::Config cfg;
  if (!a.config_path.empty() || !a.source.empty()) {
    if (a.config_path.empty() || a.source.empty()) {
      std::cerr << "--config and --source go together\n";
      return 2;
    }
    auto loaded = config::LoadConfig(a.config_path);
    if (!loaded.ok()) {
      std::cerr << loaded.status().message() << "\n";
      return 2;
    }
    cfg = std::move(*loaded);
    for (const auto& s : cfg.sources)
      if (s.name == a.source) src = &s;
    if (src == nullptr) {
      std::cerr << "no source named " << a.source << " in " << a.config_path << "\n";
      return 2;
    }
  }

  std::unique_ptr<FakeGenesys> fake;
  if (a.target == "notifications") {
    FakeGenesysOptions fo;
    fo.port = a.listen_port;
    if (src != nullptr) {
      if (!IsNotificationsSource(src->raw)) {
        std::cerr << "source " << a.source << " is not of type genesys-notifications\n";
        return 2;
      }
      auto id = ResolveSecret(src->raw.Find("client_id") ? *src->raw.Find("client_id") : json::Value());
      auto secret = ResolveSecret(src->raw.Find("client_secret") ? *src->raw.Find("client_secret") : json::Value());
      if (!id.ok() || !secret.ok()) {
        std::cerr << "cannot resolve the source's client credentials\n";
        return 2;
      }
      fo.client_id = *id;
      fo.client_secret = *secret;
      o.center.agent_ids = IdList(src->raw, "users");
      o.center.queue_ids = IdList(src->raw, "queues");
    }
    fake = std::make_unique<FakeGenesys>(SystemClock(), fo);
    Status st = fake->Start();
    if (!st.ok()) {
      std::cerr << st.message() << "\n";
      return 2;
    }
    std::cerr << "simulate: Genesys API + notification WebSocket on " << fake->base_url()
              << " (client id " << fo.client_id << "); waiting for a subscription...\n";
    while (fake->subscriptions().empty()) usleep(100'000);
    o.notifications = fake.get();
  } else {
    o.target_url = a.target;
    if (src != nullptr) {
      if (o.target_url.empty()) {
        std::string host = cfg.address == "0.0.0.0" ? "127.0.0.1" : cfg.address;
        o.target_url = "http://" + host + ":" + std::to_string(cfg.port) + "/webhooks/" + src->name;
      }
      if (const json::Value* auth = src->raw.Find("auth"); auth != nullptr) {
        // Resolve the secrets once now, so a bad secret is a usage error before anything is sent.
        ingest::HeaderList probe;
        Status st = ingest::SignBody(*auth, "{}", SystemClock().NowMs(), &probe);
        if (!st.ok()) {
          std::cerr << "cannot sign for source " << src->name << ": " << st.message() << "\n";
          return 2;
        }
        o.sign = [auth = *auth](const std::string& body, ingest::HeaderList* headers) {
          return ingest::SignBody(auth, body, SystemClock().NowMs(), headers);
        };
      }
    }
  }
  auto summary = RunSimulation(o);
  if (fake) fake->Stop();
  if (!summary.ok()) {
    std::cerr << summary.status().message() << "\n";
    return 2;
  }
  std::cout << FormatSummary(*summary);
  // Oversized bodies may be refused (413) by design; anything else unacknowledged is a failure.
  const uint64_t expected_refusals = summary->by_status.count(413) ? summary->by_status.at(413) : 0;
  return summary->acknowledged + expected_refusals == summary->sent ? 0 : 1;
}

}  // namespace cxbridge::genesys
