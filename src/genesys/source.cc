#include "genesys/source.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <algorithm>
#include <random>
#include <set>

#include "common/ids.h"
#include "common/json.h"
#include "common/secret.h"
#include "genesys/api_client.h"
#include "genesys/gap_event.h"
#include "genesys/metrics.h"
#include "genesys/runtime.h"
#include "genesys/ws_client.h"

namespace cxbridge::genesys {
namespace {

constexpr int64_t kConnectTimeoutMs = 15'000;
constexpr int64_t kRetireGraceMs = 10'000;  // Genesys allows a minute for the switch
constexpr char kPing[] = R"({"message":"ping"})";

// One WebSocket of a channel. Lives on the I/O thread.
struct Socket {
  std::shared_ptr<WsConnection> conn;
  int64_t last_rx_steady = 0;
  int64_t last_rx_wall = 0;
  int64_t ping_sent_steady = 0;
  bool ping_outstanding = false;
  bool writing = false;
  bool retiring = false;  // being replaced (socket_closing): its close is not a gap
  bool closed = false;
};

// One notification channel and its subscriptions. Lives on the I/O thread.
struct Slot {
  int index = 0;
  std::vector<Subscription> subs;
  std::vector<std::string> topics;  // concrete topic names of the permitted subscriptions
  Channel channel;
  bool channel_ready = false;       // created, socket opened once, subscribed
  int64_t channel_expires_ms = 0;   // wall clock
  bool resubscribe_due = false;
  int64_t next_resubscribe_steady = 0;  // after a failed resubscribe
  std::shared_ptr<Socket> active;
  std::vector<std::weak_ptr<Socket>> sockets;  // every socket whose reader may still run
  bool rotate = false;
  bool gap_open = false;
  int64_t gap_start_ms = 0;
  std::string gap_reason;
  int failures = 0;
  std::set<std::string> logged_rejections;
  // another_channel_subscribed: times in a row this channel lost its topics to another channel,
  // and when that last happened (steady ms); the resubscription waits Backoff(displaced).
  int displaced = 0;
  int64_t displaced_at_steady = 0;
};

std::string JoinStrings(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

struct NotificationSource::Impl {
  Impl(NotificationsSettings s, std::unique_ptr<FrameEnveloper> env, bus::EventSink& sink, Clock& clock)
      : settings(std::move(s)), enveloper(std::move(env)), sink(sink), clock(clock), rt(clock, settings.tick_ms) {}

  // ---- configuration, set before the thread starts ----
  NotificationsSettings settings;
  std::unique_ptr<FrameEnveloper> enveloper;
  const NotificationSource* owner = nullptr;  // for stats() snapshots
  bus::EventSink& sink;
  Clock& clock;
  // Declared before everything the I/O thread touches, so it is destroyed (joined) last.
  Runtime rt;
  mutable std::mutex plan_mu;
  std::vector<std::vector<Subscription>> plan;  // guarded by plan_mu (written once)
  std::vector<std::unique_ptr<Slot>> slots;  // I/O thread after Start
  std::unique_ptr<ApiClient> api;            // I/O thread after Start
  std::mt19937_64 rng{std::random_device{}()};
  std::atomic<bool> started{false};        // api is set before it turns true
  std::unique_ptr<SourceMetrics> metrics;  // updated on the I/O thread

  // ---- counters, any thread ----
  struct Counters {
    std::atomic<uint64_t> frames{0}, heartbeats{0}, pongs{0}, pings_sent{0}, submitted{0}, stored{0},
        duplicate{0}, rejected{0}, retried{0}, dropped{0}, malformed{0}, channels_created{0},
        subscribe_calls{0}, topics_rejected{0}, connects{0}, rotations{0}, gaps{0}, open_gaps{0}, displaced{0};
  } c;

  // ---- events waiting for the sink's answer / a retry, any thread ----
  std::mutex mu;
  std::condition_variable cv;
  uint64_t in_flight = 0;                       // guarded by mu
  std::deque<bus::IncomingEvent> retry_queue;   // guarded by mu
  int retry_failures = 0;                       // I/O thread
  int64_t next_retry_steady = 0;                // I/O thread

  // ---------------------------------------------------------------- accept path
  void Submit(bus::IncomingEvent e, bool retry) {
    auto copy = std::make_shared<bus::IncomingEvent>(e);
    {
      std::lock_guard<std::mutex> lock(mu);
      ++in_flight;
    }
    (retry ? c.retried : c.submitted)++;
    std::vector<bus::IncomingEvent> batch;
    batch.push_back(std::move(e));
    sink.Submit(std::move(batch), [this, copy](std::vector<bus::AcceptResult> results) {
      const bus::AcceptResult r = results.empty() ? bus::AcceptResult{} : results[0];
      std::lock_guard<std::mutex> lock(mu);
      switch (r.outcome) {
        case bus::AcceptOutcome::kStored:
        case bus::AcceptOutcome::kQuarantined:  // stored too, in the quarantine
          c.stored++;
          break;
        case bus::AcceptOutcome::kDuplicate: c.duplicate++; break;
        case bus::AcceptOutcome::kRejected:
          c.rejected++;
          spdlog::error("genesys source {}: event {} rejected by the accept path: {}", settings.name,
                        copy->detail_type, r.reason);
          break;
        case bus::AcceptOutcome::kUnavailable:
          if (retry_queue.size() < kMaxRetryEvents) {
            retry_queue.push_back(std::move(*copy));
          } else {
            c.dropped++;
            spdlog::error("genesys source {}: store unavailable and retry queue full; event dropped ({})",
                          settings.name, r.reason);
          }
          break;
      }
      --in_flight;
      cv.notify_all();
    });
  }

  // Resubmits what the sink could not store, with backoff (I/O thread, from Housekeeping).
  void DrainRetries() {
    const int64_t now = clock.SteadyMs();
    if (now < next_retry_steady) return;
    std::deque<bus::IncomingEvent> take;
    {
      std::lock_guard<std::mutex> lock(mu);
      take.swap(retry_queue);
    }
    if (take.empty()) {
      retry_failures = 0;
      return;
    }
    ++retry_failures;
    next_retry_steady = now + Backoff(retry_failures);
    for (auto& e : take) Submit(std::move(e), /*retry=*/true);
  }

  int64_t Backoff(int failures) {
    int64_t ms = settings.backoff_initial_ms;
    for (int i = 1; i < failures && ms < settings.backoff_max_ms; ++i) ms *= 2;
    ms = std::min(ms, settings.backoff_max_ms);
    // Full jitter on the upper half, so many sources do not reconnect in lockstep.
    return ms / 2 + static_cast<int64_t>(rng() % static_cast<uint64_t>(ms / 2 + 1));
  }

  // ---------------------------------------------------------------- gaps
  void OpenGap(Slot& s, int64_t start_ms, std::string reason) {
    if (s.gap_open || rt.stopping()) return;
    s.gap_open = true;
    s.gap_start_ms = start_ms;
    s.gap_reason = std::move(reason);
    c.open_gaps++;
    spdlog::warn("genesys source {}: channel {} lost its stream ({}); events from {} on are not received",
                 settings.name, s.index, s.gap_reason, FormatRfc3339Millis(start_ms));
  }

  void CloseGap(Slot& s) {
    if (!s.gap_open) return;
    s.gap_open = false;
    c.open_gaps--;
    const int64_t end = clock.NowMs();
    c.gaps++;
    spdlog::warn("genesys source {}: channel {} receiving again; gap {} → {} recorded", settings.name,
                 s.index, FormatRfc3339Millis(s.gap_start_ms), FormatRfc3339Millis(end));
    Submit(MakeGapEvent(settings, s.channel.id, s.topics, s.gap_reason, s.gap_start_ms, end), false);
  }

  // ---------------------------------------------------------------- frames
  void OnFrame(Slot& s, Socket& sock, const std::string& text) {
    c.frames++;
    auto doc = json::Parse(text);
    if (!doc.ok() || !doc->is_object()) {
      c.malformed++;
      return;
    }
    const json::Value* topic = doc->Find("topicName");
    if (topic == nullptr || !topic->is_string()) {
      // Answers to socket-level subscribe requests and other control frames.
      spdlog::debug("genesys source {}: control frame {}", settings.name, text.substr(0, 200));
      return;
    }
    const std::string t = topic->as_string();
    if (t == "channel.metadata") {
      const json::Value* m = doc->FindPath("eventBody.message");
      if (m != nullptr && m->is_string() && m->as_string() == "pong") {
        c.pongs++;
      } else {
        c.heartbeats++;
      }
      return;
    }
    if (t.starts_with("v2.system.")) return OnSystemFrame(s, sock, t, *doc);
    auto e = enveloper->Envelope(std::move(*doc), clock.NowMs());
    if (!e.ok()) {
      c.malformed++;
      spdlog::warn("genesys source {}: frame on {} not enveloped: {}", settings.name, t, e.status().message());
      return;
    }
    e->bus = settings.bus;
    Submit(std::move(*e), false);
  }

  void OnSystemFrame(Slot& s, Socket& sock, const std::string& t, const json::Value& doc) {
    const json::Value* type = doc.FindPath("eventBody.systemTopicType");
    const std::string kind = type != nullptr && type->is_string() ? type->as_string() : "";
    if (t == "v2.system.socket_closing") {
      spdlog::info("genesys source {}: channel {} socket closing for maintenance; rotating", settings.name, s.index);
      if (!sock.retiring) s.rotate = true;
    } else if (t.starts_with("v2.system.no_longer_subscribed") || kind == "no_longer_subscribed") {
      OnNoLongerSubscribed(s, doc);
    } else if (t.starts_with("v2.system.token_revoked") || kind == "token_revoked") {
      OpenGap(s, clock.NowMs(), "token_revoked");
      api->InvalidateToken();
      s.channel_ready = false;  // a revoked token's channel is dead: build a new one
      DropSocket(s);
    } else {
      spdlog::info("genesys source {}: system message {}", settings.name, t);
    }
  }

  // The channel's subscriptions were taken away. With reason another_channel_subscribed another
  // channel of the same OAuth client subscribed the same topics: most often a second cxbridge
  // replica with the same client, or a `cxbridge genesys check` probe. Resubscribing at once would
  // take them back and make the other side do the same, forever; so the resubscription waits
  // Backoff(n) for the n-th displacement in a row (doubling up to backoff_max), and the counter
  // resets once the channel has kept its topics for 2 × backoff_max.
  void OnNoLongerSubscribed(Slot& s, const json::Value& doc) {
    auto str = [&](const char* path) {
      const json::Value* v = doc.FindPath(path);
      return v != nullptr && v->is_string() ? v->as_string() : std::string();
    };
    const std::string reason = str("eventBody.reason"), message = str("eventBody.message");
    const int64_t now = clock.SteadyMs();
    s.resubscribe_due = true;
    if (reason != "another_channel_subscribed") {
      spdlog::warn("genesys source {}: channel {} no longer subscribed (reason: {}{}{}); resubscribing", settings.name,
                   s.index, reason.empty() ? "none given" : reason, message.empty() ? "" : ", message: ", message);
      OpenGap(s, clock.NowMs(), reason.empty() ? "no_longer_subscribed" : "no_longer_subscribed: " + reason);
      s.next_resubscribe_steady = 0;
      return;
    }
    c.displaced++;
    if (s.displaced > 0 && now - s.displaced_at_steady >= 2 * settings.backoff_max_ms) s.displaced = 0;
    s.displaced_at_steady = now;
    const int64_t wait = Backoff(++s.displaced);
    spdlog::error("genesys source {}: channel {} lost its subscriptions to another channel (reason "
                  "another_channel_subscribed{}{}): another cxbridge replica or a `cxbridge genesys check` using the "
                  "same OAuth client? Run one source per OAuth client. Resubscribing in {} ms (displacement {} in a row)",
                  settings.name, s.index, message.empty() ? "" : ", message: ", message, wait, s.displaced);
    OpenGap(s, clock.NowMs(), "no_longer_subscribed: another_channel_subscribed");
    s.next_resubscribe_steady = now + wait;
  }

  void DropSocket(Slot& s) {
    if (!s.active) return;
    auto sock = std::move(s.active);
    sock->conn->Abort();
  }

  // ---------------------------------------------------------------- sockets
  std::shared_ptr<Socket> Adopt(Slot& s, std::shared_ptr<WsConnection> conn) {
    auto sock = std::make_shared<Socket>();
    sock->conn = std::move(conn);
    sock->last_rx_steady = clock.SteadyMs();
    sock->last_rx_wall = clock.NowMs();
    s.sockets.erase(std::remove_if(s.sockets.begin(), s.sockets.end(), [](auto& w) { return w.expired(); }),
                    s.sockets.end());
    s.sockets.push_back(sock);
    c.connects++;
    asio::co_spawn(rt.io(), ReadLoop(s, sock), asio::detached);
    return sock;
  }

  asio::awaitable<void> ReadLoop(Slot& s, std::shared_ptr<Socket> sock) {
    std::string why;
    while (true) {
      auto r = co_await sock->conn->Read();
      if (!r.ok()) {
        why = r.status().message();
        break;
      }
      sock->last_rx_steady = clock.SteadyMs();
      sock->last_rx_wall = clock.NowMs();
      sock->ping_outstanding = false;
      OnFrame(s, *sock, *r);
    }
    sock->closed = true;
    if (s.active == sock) {
      s.active.reset();
      if (!sock->retiring) OpenGap(s, clock.NowMs(), "socket closed: " + why);
    }
  }

  asio::awaitable<void> Ping(std::shared_ptr<Socket> sock) {
    Status st = co_await sock->conn->Write(kPing);
    sock->writing = false;
    if (!st.ok()) spdlog::debug("genesys source {}: ping failed: {}", settings.name, st.message());
  }

  // Genesys closes a channel's older socket once a newer one connects, after the frames already
  // routed to it; closing it ourselves first would make Beast discard those frames while it
  // waits for the close reply. So the old socket is only closed by us after a grace period.
  asio::awaitable<void> CloseOld(std::shared_ptr<Socket> old) {
    const bool waited = co_await rt.SleepFor(kRetireGraceMs);
    if (waited && !old->closed) co_await old->conn->Close();
    co_return;
  }

  void Watchdog(Slot& s) {
    if (!s.active) return;
    Socket& k = *s.active;
    const int64_t now = clock.SteadyMs();
    if (k.ping_outstanding) {
      if (now - k.ping_sent_steady >= settings.pong_timeout_ms) {
        OpenGap(s, k.last_rx_wall, "no pong within " + std::to_string(settings.pong_timeout_ms) + " ms");
        DropSocket(s);
      }
      return;
    }
    if (now - k.last_rx_steady >= settings.ping_after_ms && !k.writing) {
      k.ping_outstanding = true;
      k.ping_sent_steady = now;
      c.pings_sent++;
      k.writing = true;  // before scheduling: Beast allows one write at a time
      asio::co_spawn(rt.io(), Ping(s.active), asio::detached);
    }
  }

  // ---------------------------------------------------------------- channel upkeep
  void RecordSubscription(Slot& s, const std::vector<TopicState>& states) {
    std::set<std::string> permitted_ids;
    for (const auto& st : states) {
      if (st.permitted) {
        permitted_ids.insert(st.id);
        continue;
      }
      if (s.logged_rejections.insert(st.id).second) {
        c.topics_rejected++;
        spdlog::error("genesys source {}: topic {} rejected: {}{}{}", settings.name, st.id,
                      st.rejection_reason.empty() ? "no reason given" : st.rejection_reason,
                      st.missing_permissions.empty() ? "" : "; missing permissions: ",
                      JoinStrings(st.missing_permissions, ", "));
      }
    }
    // A combined subscription ("v2.users.<id>?presence&routingStatus") may come back as sent or
    // as its expanded topics, one entity each (each then permitted or rejected on its own).
    s.topics.clear();
    for (const auto& sub : s.subs) {
      if (permitted_ids.count(sub.id)) {
        s.topics.insert(s.topics.end(), sub.topics.begin(), sub.topics.end());
        continue;
      }
      for (const auto& t : sub.topics)
        if (permitted_ids.count(t)) s.topics.push_back(t);
    }
  }

  asio::awaitable<Status> Resubscribe(Slot& s) {
    c.subscribe_calls++;
    auto states = co_await api->Subscribe(s.channel.id, s.subs);
    if (!states.ok()) co_return states.status();
    RecordSubscription(s, *states);
    s.channel_expires_ms = clock.NowMs() + settings.channel_lifetime_ms;
    s.resubscribe_due = false;
    co_return Status::Ok();
  }

  asio::awaitable<Status> EstablishChannel(Slot& s) {
    DropSocket(s);
    auto ch = co_await api->CreateChannel();
    if (!ch.ok()) co_return ch.status();
    c.channels_created++;
    s.channel = *ch;
    auto conn = co_await WsConnection::Connect(rt.io(), s.channel.connect_uri, kConnectTimeoutMs);
    if (!conn.ok()) co_return conn.status();
    if (rt.stopping()) co_return Status::Unavailable("stopping");
    s.active = Adopt(s, std::move(*conn));
    s.rotate = false;
    Status st = co_await Resubscribe(s);
    if (!st.ok()) {
      DropSocket(s);
      co_return st;
    }
    const int64_t lifetime_end = clock.NowMs() + settings.channel_lifetime_ms;
    s.channel_expires_ms = s.channel.expires_ms > 0 ? std::min(s.channel.expires_ms, lifetime_end) : lifetime_end;
    s.channel_ready = true;
    spdlog::info("genesys source {}: channel {} ({}) streaming {} topics", settings.name, s.index, s.channel.id,
                 s.topics.size());
    co_return Status::Ok();
  }

  asio::awaitable<Status> Reconnect(Slot& s) {
    auto conn = co_await WsConnection::Connect(rt.io(), s.channel.connect_uri, kConnectTimeoutMs);
    if (!conn.ok()) {
      auto exists = co_await api->ChannelExists(s.channel.id);
      if (exists.ok() && !*exists) s.channel_ready = false;
      co_return conn.status();
    }
    if (rt.stopping()) co_return Status::Unavailable("stopping");
    s.active = Adopt(s, std::move(*conn));
    s.rotate = false;
    co_return Status::Ok();
  }

  asio::awaitable<void> Rotate(Slot& s) {
    std::shared_ptr<Socket> old = s.active;
    if (old) old->retiring = true;
    auto conn = co_await WsConnection::Connect(rt.io(), s.channel.connect_uri, kConnectTimeoutMs);
    if (!conn.ok() || rt.stopping()) {
      spdlog::warn("genesys source {}: channel {} rotation failed: {}", settings.name, s.index,
                   conn.ok() ? "stopping" : conn.status().message());
      if (old) old->retiring = false;
      if (old && old->closed) OpenGap(s, old->last_rx_wall, "socket_closing without a new socket");
      co_return;
    }
    s.active = Adopt(s, std::move(*conn));
    c.rotations++;
    // The old socket is drained: its reader keeps returning frames until the close completes.
    if (old && !old->closed) asio::co_spawn(rt.io(), CloseOld(old), asio::detached);
  }

  asio::awaitable<void> Supervise(Slot& s) {
    while (!rt.stopping()) {
      Status st;
      if (!s.channel_ready) {
        st = co_await EstablishChannel(s);
      } else if (!s.active) {
        st = co_await Reconnect(s);
      }
      if (rt.stopping()) break;
      if (!st.ok()) {
        ++s.failures;
        const int64_t wait = Backoff(s.failures);
        spdlog::warn("genesys source {}: channel {}: {}; retrying in {} ms", settings.name, s.index,
                     st.message(), wait);
        const bool slept = co_await rt.SleepFor(wait);
        if (!slept) break;
        continue;
      }
      s.failures = 0;
      if (s.rotate) {
        s.rotate = false;
        co_await Rotate(s);
      }
      const int64_t now_steady = clock.SteadyMs();
      const bool expiring = clock.NowMs() >= s.channel_expires_ms - settings.resubscribe_before_ms;
      if (s.active && (s.resubscribe_due || expiring) && now_steady >= s.next_resubscribe_steady) {
        Status rs = co_await Resubscribe(s);
        if (rs.code() == StatusCode::kNotFound) {
          OpenGap(s, clock.NowMs(), "channel gone");
          s.channel_ready = false;
          DropSocket(s);
          continue;
        }
        if (!rs.ok()) {
          spdlog::warn("genesys source {}: channel {} resubscribe failed: {}", settings.name, s.index, rs.message());
          s.next_resubscribe_steady = clock.SteadyMs() + Backoff(1);
        }
      }
      if (s.active && s.gap_open && !s.resubscribe_due) CloseGap(s);
      Watchdog(s);
      const bool slept = co_await rt.SleepFor(rt.tick_ms());
      if (!slept) break;
    }
  }

  asio::awaitable<void> Housekeeping() {
    while (!rt.stopping()) {
      if (api->RefreshDue()) {
        Status st = co_await api->RefreshToken();
        if (st.ok()) {
          for (auto& s : slots) s->resubscribe_due = true;  // bind the channels to the new token
        } else if (!rt.stopping()) {
          spdlog::error("genesys source {}: token refresh failed: {}", settings.name, st.message());
        }
      }
      DrainRetries();
      if (metrics) metrics->Update(owner->stats());
      const bool slept = co_await rt.SleepFor(rt.tick_ms());
      if (!slept) break;
    }
  }

  // Plans subscriptions and channels from settings.ids and builds the slots (before the
  // supervisors run; on the I/O thread when ids are discovered).
  Status MakePlan() {
    auto subs = PlanSubscriptions(settings.topics, settings.ids, settings.combine_topics);
    if (subs.empty()) return Status::InvalidArgument("no topics after expanding the id lists");
    auto packed = PackChannels(std::move(subs), settings.max_topics_per_channel, settings.max_channels);
    if (!packed.ok()) return packed.status();
    size_t n = 0;
    for (size_t i = 0; i < packed->size(); ++i) {
      auto slot = std::make_unique<Slot>();
      slot->index = static_cast<int>(i);
      slot->subs = (*packed)[i];
      n += slot->subs.size();
      slots.push_back(std::move(slot));
    }
    spdlog::info("genesys source {}: {} subscriptions on {} channel(s) via {}", settings.name, n, packed->size(),
                 settings.api_base_url);
    std::lock_guard<std::mutex> lock(plan_mu);
    plan = std::move(*packed);
    return Status::Ok();
  }

  void SpawnSupervisors() {
    for (auto& slot : slots) asio::co_spawn(rt.io(), Supervise(*slot), asio::detached);
  }

  // Lists every entity of `path` (pageSize/pageNumber paging) into `out`.
  asio::awaitable<Status> ListIds(const std::string& path, std::vector<std::string>* out) {
    for (int page = 1; page <= 500; ++page) {
      http::ClientResponse r =
          co_await api->Call("GET", path + "?pageSize=100&pageNumber=" + std::to_string(page), "");
      auto doc = json::Parse(r.body);
      const json::Value* entities = r.status == 200 && doc.ok() ? doc->Find("entities") : nullptr;
      if (entities == nullptr || !entities->is_array()) {
        co_return Status::Unavailable("GET " + path + ": HTTP " + std::to_string(r.status) + " " + r.error);
      }
      for (const auto& e : entities->items())
        if (const json::Value* id = e.Find("id"); id != nullptr && id->is_string()) out->push_back(id->as_string());
      int64_t pages = 0;
      const json::Value* pc = doc->Find("pageCount");
      if (entities->items().empty() || pc == nullptr || !pc->as_int64(&pages) || page >= pages) break;
    }
    co_return Status::Ok();
  }

  // Fills the discovered id lists (retrying with backoff), then plans and starts the channels.
  asio::awaitable<void> DiscoverThenRun() {
    for (int failures = 0; !rt.stopping();) {
      Status st;
      for (const auto& d : settings.discover) {
        std::vector<std::string> ids;
        st = co_await ListIds(d.path, &ids);
        if (!st.ok()) break;
        spdlog::info("genesys source {}: ids.{} discovered: {} from {}", settings.name, d.list, ids.size(), d.path);
        auto& list = settings.ids[d.list];
        list.insert(list.end(), ids.begin(), ids.end());
      }
      if (st.ok()) break;
      for (const auto& d : settings.discover) settings.ids[d.list].clear();
      const int64_t wait = Backoff(++failures);
      spdlog::warn("genesys source {}: id discovery failed: {}; retrying in {} ms", settings.name, st.message(), wait);
      const bool slept = co_await rt.SleepFor(wait);
      if (!slept) co_return;
    }
    if (rt.stopping()) co_return;
    Status planned = MakePlan();
    if (!planned.ok()) {
      spdlog::error("genesys source {}: cannot plan the discovered topics: {}", settings.name, planned.message());
      co_return;
    }
    SpawnSupervisors();
  }

  void OnStop() {
    for (auto& s : slots) {
      for (auto& w : s->sockets)
        if (auto k = w.lock()) k->conn->Abort();
      s->active.reset();
    }
  }
};

NotificationSource::NotificationSource(NotificationsSettings settings, std::unique_ptr<FrameEnveloper> enveloper,
                                       bus::EventSink& sink, Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(enveloper), sink, clock)) {
  impl_->owner = this;
}

void NotificationSource::ExportMetrics(prometheus::Registry& registry) {
  impl_->metrics = std::make_unique<SourceMetrics>(registry, impl_->settings.name);
}

NotificationSource::~NotificationSource() { Stop(); }

const std::string& NotificationSource::name() const { return impl_->settings.name; }

std::vector<std::vector<Subscription>> NotificationSource::plan() const {
  std::lock_guard<std::mutex> lock(impl_->plan_mu);
  return impl_->plan;
}

Status NotificationSource::Start() {
  Impl& m = *impl_;
  if (m.started) return Status::FailedPrecondition("already started");
  const auto& s = m.settings;
  auto id = ResolveSecret(s.client_id);
  if (!id.ok()) return Status::InvalidArgument("client_id: " + id.status().message());
  auto secret = ResolveSecret(s.client_secret);
  if (!secret.ok()) return Status::InvalidArgument("client_secret: " + secret.status().message());
  m.api = std::make_unique<ApiClient>(m.rt, s.login_base_url, s.api_base_url, *id, *secret, s.request_timeout_ms);
  m.rt.OnStop([&m] { m.OnStop(); });
  if (s.discover.empty()) {
    CXB_RETURN_IF_ERROR(m.MakePlan());  // config errors surface here
    m.SpawnSupervisors();
  } else {
    asio::co_spawn(m.rt.io(), m.DiscoverThenRun(), asio::detached);
  }
  asio::co_spawn(m.rt.io(), m.Housekeeping(), asio::detached);
  m.started = true;
  m.rt.Start();
  return Status::Ok();
}

void NotificationSource::Stop() {
  Impl& m = *impl_;
  m.rt.Stop();
  std::unique_lock<std::mutex> lock(m.mu);
  if (!m.cv.wait_for(lock, std::chrono::seconds(10), [&] { return m.in_flight == 0; })) {
    spdlog::error("genesys source {}: {} events still unanswered by the store at shutdown", m.settings.name,
                  m.in_flight);
  }
  if (!m.retry_queue.empty()) {
    m.c.dropped += m.retry_queue.size();
    spdlog::error("genesys source {}: {} events could not be stored before shutdown", m.settings.name,
                  m.retry_queue.size());
    m.retry_queue.clear();
  }
}

SourceStats NotificationSource::stats() const {
  const auto& c = impl_->c;
  SourceStats s;
  s.frames = c.frames;
  s.heartbeats = c.heartbeats;
  s.pongs = c.pongs;
  s.pings_sent = c.pings_sent;
  s.events_submitted = c.submitted;
  s.events_stored = c.stored;
  s.events_duplicate = c.duplicate;
  s.events_rejected = c.rejected;
  s.events_retried = c.retried;
  s.events_dropped = c.dropped;
  s.malformed_frames = c.malformed;
  s.channels_created = c.channels_created;
  s.subscribe_calls = c.subscribe_calls;
  s.topics_rejected = c.topics_rejected;
  s.connects = c.connects;
  s.rotations = c.rotations;
  s.gaps = c.gaps;
  if (impl_->started) {  // api is set before started and never replaced
    s.tokens_fetched = impl_->api->counters().tokens_fetched;
    s.rate_limited = impl_->api->counters().rate_limited;
  }
  s.open_gaps = c.open_gaps;
  s.subscriptions_displaced = c.displaced;
  return s;
}

}  // namespace cxbridge::genesys
