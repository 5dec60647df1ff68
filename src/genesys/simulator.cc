#include "genesys/simulator.h"

#include <algorithm>
#include <cctype>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "common/ids.h"
#include "genesys/fake_genesys.h"
#include "genesys/topics.h"
#include "ingest/topic_pattern.h"

namespace cxbridge::genesys {
namespace {

using json::Value;

// Rewrites every ISO time member into epoch ms, or every `eventTime` epoch into ISO.
void FlipTimes(Value& v) {
  if (v.is_object()) {
    for (auto& [k, m] : v.members()) {
      if (m.is_string() && (k.ends_with("Time") || k.ends_with("Date"))) {
        if (auto ms = ParseRfc3339(m.as_string())) m = Value::Int(*ms);
      } else if (m.is_number() && k == "eventTime") {
        int64_t ms = 0;
        if (m.as_int64(&ms)) m = Value::String(FormatRfc3339Millis(ms));
      } else {
        FlipTimes(m);
      }
    }
  } else if (v.is_array()) {
    for (auto& i : v.items()) FlipTimes(i);
  }
}

// A schema variant of a frame. Real ones are shapes Genesys has sent: the SDK's model history
// (MyPureCloud/platform-client-sdk-python, reference/genesys.md §3) and the developer center's
// transcription-notifications page (which introduced `…transcription`) date them. Synthetic ones
// are invented stress for normalization rules, and are counted and named as such.
struct Variant {
  const char* name;
  bool synthetic;
  bool (*applies)(const SimFrame&);
  void (*apply)(SimFrame&);
};

bool IsAcdEnd(const SimFrame& f) { return f.topic.ends_with(".acd.end") && f.body.Find("flowType") != nullptr; }
bool IsRoutingStatus(const SimFrame& f) { return f.topic.ends_with(".routingStatus") && f.body.Find("id") != nullptr; }
bool IsTranscription(const SimFrame& f) { return f.topic.ends_with(".transcription"); }
bool IsOnQueuePresence(const SimFrame& f) {
  const Value* sp = f.body.FindPath("presenceDefinition.systemPresence");
  return f.topic.ends_with(".presence") && sp != nullptr && sp->is_string();
}
bool HasTimes(const SimFrame&) { return true; }

constexpr Variant kVariants[] = {
    // The topic's name until the 2021 rename to v2.conversations.{id}.transcription.
    {"transcriptions topic (before 2021-06)", false, IsTranscription, [](SimFrame& f) { f.topic += "s"; }},
    // routingStatus events gained their top-level `id` (the user) in 2022-04.
    {"routingStatus without id (before 2022-04)", false, IsRoutingStatus, [](SimFrame& f) { f.body.Erase("id"); }},
    // acd.end gained `flowType` in 2024-09.
    {"acd.end without flowType (before 2024-09)", false, IsAcdEnd, [](SimFrame& f) { f.body.Erase("flowType"); }},
    // Invented: an upper-case, underscored systemPresence ("ON_QUEUE"); Genesys sends "On Queue".
    {"ON_QUEUE spelling", true, IsOnQueuePresence,
     [](SimFrame& f) {
       Value* p = f.body.Find("presenceDefinition");
       std::string sp = p->Find("systemPresence")->as_string();
       std::transform(sp.begin(), sp.end(), sp.begin(), [](char c) { return c == ' ' ? '_' : std::toupper(c); });
       p->Set("systemPresence", Value::String(sp));
     }},
    // Invented: ISO times as epoch ms and detail events' epoch eventTime as ISO.
    {"time format flip", true, HasTimes, [](SimFrame& f) { FlipTimes(f.body); }},
};

// Applies one variant that fits the frame (`pick` chooses among them); returns it.
const Variant& ApplyVariant(SimFrame& f, uint64_t pick) {
  std::vector<const Variant*> fit;
  for (const Variant& v : kVariants)
    if (v.applies(f)) fit.push_back(&v);
  const Variant& chosen = *fit[pick % fit.size()];  // never empty: the time flip fits every frame
  chosen.apply(f);
  return chosen;
}

struct Sender {
  const SimulateOptions& opt;
  http::HttpClient client;
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;  // guarded by mu
  SimulateSummary sum;  // counters guarded by mu

  explicit Sender(const SimulateOptions& o) : opt(o) {}

  void Post(std::string body) {
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return in_flight < std::max(1, opt.concurrency); });
      ++in_flight;
      ++sum.sent;
    }
    http::ClientRequest req;
    req.url = opt.target_url;
    req.timeout_ms = opt.request_timeout_ms;
    req.headers.emplace_back("Content-Type", "application/json");
    if (opt.sign) {
      Status st = opt.sign(body, &req.headers);
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        --in_flight;
        ++sum.errors;
        ++sum.by_status[0];
        cv.notify_all();
        return;
      }
    }
    req.body = std::move(body);
    client.Send(std::move(req), [this](http::ClientResponse r) {
      std::lock_guard<std::mutex> lock(mu);
      --in_flight;
      ++sum.by_status[r.status];
      if (r.status >= 200 && r.status < 300) {
        ++sum.acknowledged;
      } else if (r.status >= 400 && r.status < 500) {
        ++sum.rejected;
      } else {
        ++sum.errors;
      }
      cv.notify_all();
    });
  }

  void Drain() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return in_flight == 0; });
  }
};

}  // namespace

std::string FrameBody(const SimFrame& f, const std::string& correlation_id) {
  std::string out = "{\"topicName\":" + json::Quote(f.topic) + ",\"version\":\"2\",\"eventBody\":";
  json::SerializeTo(f.body, &out);
  out += ",\"metadata\":{\"CorrelationId\":\"" + correlation_id + "\"}}";
  return out;
}

std::string EventBridgeBody(const SimFrame& f, const std::string& source, const std::string& correlation_id) {
  std::string out = "{\"version\":\"0\",\"id\":\"" + NewUuid4() + "\",\"detail-type\":" + json::Quote(ingest::TopicPattern(f.topic)) +
                    ",\"source\":" + json::Quote(source) + ",\"account\":\"123456789012\",\"time\":\"" +
                    FormatRfc3339(f.time_ms) + "\",\"region\":\"us-east-1\",\"resources\":[],\"detail\":";
  std::string frame = FrameBody(f, correlation_id);
  frame.pop_back();
  out += frame + ",\"timestamp\":\"" + FormatRfc3339Millis(f.time_ms) + "\"}}";
  return out;
}

Result<SimulateSummary> RunSimulation(const SimulateOptions& opt, Clock& clock) {
  if (opt.notifications == nullptr && !opt.target_url.starts_with("http://") && !opt.target_url.starts_with("https://")) {
    return Status::InvalidArgument("--target must be an http(s) URL or 'notifications'");
  }
  if (opt.body_format != "frame" && opt.body_format != "eventbridge") {
    return Status::InvalidArgument("--format is frame or eventbridge");
  }
  for (double p : {opt.duplicate_pct, opt.out_of_order_pct, opt.oversized_pct, opt.variant_pct}) {
    if (p < 0 || p > 100) return Status::InvalidArgument("percentages are 0..100");
  }
  ContactCenter center(opt.center);
  Sender sender(opt);
  std::mt19937_64 rng(opt.center.seed ^ 0x5eed);
  std::uniform_real_distribution<double> pct(0, 100);
  std::map<std::string, std::string> correlation;  // conversation/user → CorrelationId (one per stream)
  std::deque<std::string> held;                    // out-of-order frames waiting

  auto deliver = [&](const std::string& topic, const std::string& body_text, const SimFrame& f) {
    if (opt.notifications != nullptr) {
      opt.notifications->Publish(topic, json::Serialize(f.body));
      std::lock_guard<std::mutex> lock(sender.mu);
      ++sender.sum.sent;
      ++sender.sum.acknowledged;
      return;
    }
    sender.Post(body_text);
  };

  const int64_t real_start = clock.SteadyMs();
  const int64_t sim_start = opt.center.start_ms;
  const int64_t sim_end = sim_start + opt.duration_ms;
  int64_t last_progress = 0;
  auto progress = [&](bool final) {
    if (opt.progress == nullptr) return;
    const int64_t now = clock.SteadyMs();
    if (!final && now - last_progress < (opt.progress_tty ? 250 : 5000)) return;
    last_progress = now;
    std::lock_guard<std::mutex> lock(sender.mu);
    const auto& s = sender.sum;
    const double secs = std::max<int64_t>(1, now - real_start) / 1000.0;
    std::ostringstream line;
    line << "simulate  t+" << (center.now_ms() - sim_start) / 1000 << "s  calls " << center.stats().calls
         << " (waiting " << center.stats().waiting << ")  sent " << s.sent << "  acked " << s.acknowledged
         << "  dup " << sender.sum.duplicates_injected << "  ooo " << s.reordered << "  big " << s.oversized
         << "  var " << s.variants << "  4xx " << s.rejected << "  err " << s.errors << "  "
         << static_cast<int64_t>(s.sent / secs) << "/s";
    if (opt.progress_tty) {
      *opt.progress << "\r" << line.str() << "\033[K" << (final ? "\n" : "") << std::flush;
    } else {
      *opt.progress << line.str() << "\n" << std::flush;
    }
  };

  std::vector<SimFrame> frames;
  for (int64_t t = sim_start; t < sim_end;) {
    const int64_t step_end = std::min(sim_end, t + 1000);
    frames.clear();
    center.RunUntil(step_end, &frames);
    for (SimFrame& f : frames) {
      if (opt.speed > 0) {  // pace: the frame's simulated time, scaled into real time
        const int64_t due = real_start + static_cast<int64_t>((f.time_ms - sim_start) / opt.speed);
        while (clock.SteadyMs() < due) {
          std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(50, due - clock.SteadyMs())));
          progress(false);
        }
      }
      {
        std::lock_guard<std::mutex> lock(sender.mu);
        ++sender.sum.frames;
      }
      if (pct(rng) < opt.variant_pct) {
        const Variant& v = ApplyVariant(f, rng());
        std::lock_guard<std::mutex> lock(sender.mu);
        ++sender.sum.variants;
        ++sender.sum.variants_by_kind[std::string(v.synthetic ? "synthetic: " : "real: ") + v.name];
      }
      if (pct(rng) < opt.oversized_pct) {
        Value pad = Value::Object({{"cxbridge.simulator.padding", Value::String(std::string(opt.oversized_bytes, 'x'))}});
        f.body.Set("attributes", std::move(pad));
        std::lock_guard<std::mutex> lock(sender.mu);
        ++sender.sum.oversized;
      }
      // One CorrelationId per conversation (or user) stream, as in the real captures.
      const std::string key = f.body.Find("conversationId") && f.body.Find("conversationId")->is_string()
                                  ? f.body.Find("conversationId")->as_string()
                                  : f.topic;
      auto [it, fresh] = correlation.emplace(key, "");
      if (fresh) it->second = NewUuid4();
      const std::string body = opt.body_format == "eventbridge" ? EventBridgeBody(f, opt.event_source, it->second)
                                                                : FrameBody(f, it->second);
      if (opt.notifications == nullptr && pct(rng) < opt.out_of_order_pct) {
        held.push_back(body);
        std::lock_guard<std::mutex> lock(sender.mu);
        ++sender.sum.reordered;
        continue;
      }
      deliver(f.topic, body, f);
      if (pct(rng) < opt.duplicate_pct) {
        deliver(f.topic, body, f);
        std::lock_guard<std::mutex> lock(sender.mu);
        ++sender.sum.duplicates_injected;
      }
      // A held frame goes out after 1-3 later ones.
      if (!held.empty() && rng() % 3 == 0) {
        sender.Post(held.front());
        held.pop_front();
      }
      progress(false);
    }
    t = step_end;
  }
  while (!held.empty()) {
    sender.Post(held.front());
    held.pop_front();
  }
  sender.Drain();
  progress(true);
  SimulateSummary s;
  {
    std::lock_guard<std::mutex> lock(sender.mu);
    s = sender.sum;
  }
  s.center = center.stats();
  s.elapsed_ms = clock.SteadyMs() - real_start;
  return s;
}

std::string FormatSummary(const SimulateSummary& s) {
  std::ostringstream o;
  o << "calls " << s.center.calls << " (answered " << s.center.answered << ", abandoned " << s.center.abandoned
    << ", completed " << s.center.completed << "), agent breaks " << s.center.breaks << "\n";
  o << "frames " << s.frames << ", sent " << s.sent << ", acknowledged " << s.acknowledged << ", rejected (4xx) "
    << s.rejected << ", errors " << s.errors << "\n";
  o << "injected: duplicates " << s.duplicates_injected << ", out-of-order " << s.reordered << ", oversized "
    << s.oversized << ", schema variants " << s.variants << "\n";
  // Real variants are shapes Genesys has sent; synthetic ones are invented (docs/genesys.md).
  for (const auto& [kind, n] : s.variants_by_kind) o << "  variant " << kind << ": " << n << "\n";
  o << "status:";
  for (const auto& [code, n] : s.by_status) o << " " << (code == 0 ? std::string("transport") : std::to_string(code)) << "×" << n;
  o << "\nelapsed " << s.elapsed_ms << " ms";
  if (s.elapsed_ms > 0) o << " (" << s.sent * 1000 / std::max<int64_t>(1, s.elapsed_ms) << " req/s)";
  o << "\n";
  return o.str();
}

}  // namespace cxbridge::genesys
