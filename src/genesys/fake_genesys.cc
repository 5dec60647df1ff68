#include "genesys/fake_genesys.h"

#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "common/encoding.h"
#include "common/ids.h"
#include "common/json.h"
#include "genesys/fake_integrations.h"
#include "genesys/topics.h"

namespace cxbridge::genesys {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

struct FakeSocket {
  explicit FakeSocket(tcp::socket s) : ws(std::move(s)) {}
  websocket::stream<beast::tcp_stream> ws;
  std::string channel_id;
  std::deque<std::string> outbox;
  bool writing = false;
  bool close_after_flush = false;
  bool dead = false;
  int64_t last_heartbeat_steady = 0;
};

struct FakeChannel {
  std::string id;
  int64_t expires_ms = 0;
  int64_t last_used_ms = 0;
  std::vector<std::string> subscriptions;  // ids as subscribed (possibly combined)
  std::set<std::string> topics;            // expanded concrete topics
  std::shared_ptr<FakeSocket> socket;
};

struct Fault {
  std::string prefix, method;
  int count = 0;
  int status = 429;
  int retry_after_s = 1;
};

struct Rejection {
  std::string prefix, reason, permission;
};

}  // namespace

struct FakeGenesys::Impl {
  Impl(Clock& c, FakeGenesysOptions o) : clock(c), opt(std::move(o)), acceptor(io) {}

  Clock& clock;
  FakeGenesysOptions opt;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::thread thread;
  uint16_t port = 0;
  bool stopping = false;
  // ---- I/O thread state ----
  std::map<std::string, int64_t> tokens;  // token → expiry (wall ms)
  std::map<std::string, FakeChannel> channels;
  std::vector<Fault> faults;
  std::vector<Rejection> rejections;
  std::set<std::shared_ptr<FakeSocket>> sockets;
  bool answer_pings = true;
  bool heartbeats = true;
  FakeGenesysCounts counts;
  FakeIntegrations integrations;
  int next_id = 1;

  template <class F>
  auto Run(F f) -> decltype(f()) {
    if (!thread.joinable()) return f();  // not started, or stopped: no other thread touches state
    std::promise<decltype(f())> p;
    asio::post(io, [&] {
      if constexpr (std::is_void_v<decltype(f())>) {
        f();
        p.set_value();
      } else {
        p.set_value(f());
      }
    });
    return p.get_future().get();
  }

  // ---------------------------------------------------------------- sockets
  void Send(const std::shared_ptr<FakeSocket>& s, std::string text) {
    if (s->dead) return;
    s->outbox.push_back(std::move(text));
    StartWriter(s);
  }

  // Beast allows one write at a time: `writing` is set before the writer is even scheduled.
  void StartWriter(const std::shared_ptr<FakeSocket>& s) {
    if (s->writing) return;
    s->writing = true;
    asio::co_spawn(io, Writer(s), asio::detached);
  }

  asio::awaitable<void> Writer(std::shared_ptr<FakeSocket> s) {
    boost::system::error_code ec;
    while (!s->outbox.empty() && !s->dead) {
      std::string text = std::move(s->outbox.front());
      s->outbox.pop_front();
      s->ws.text(true);
      co_await s->ws.async_write(asio::buffer(text), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        Kill(s);
        break;
      }
    }
    if (s->close_after_flush && !s->dead) {
      co_await s->ws.async_close(websocket::close_code::going_away, asio::redirect_error(asio::use_awaitable, ec));
      Forget(s);
    }
    s->writing = false;
  }

  void CloseGracefully(const std::shared_ptr<FakeSocket>& s) {
    s->close_after_flush = true;
    StartWriter(s);
  }

  void Forget(const std::shared_ptr<FakeSocket>& s) {
    s->dead = true;
    sockets.erase(s);
    auto it = channels.find(s->channel_id);
    if (it != channels.end() && it->second.socket == s) it->second.socket.reset();
  }

  void Kill(const std::shared_ptr<FakeSocket>& s) {
    boost::system::error_code ec;
    beast::get_lowest_layer(s->ws).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(s->ws).socket().close(ec);
    Forget(s);
  }

  // A SystemMessageSystemMessage body (platform-client-sdk-python 257: channelId, systemTopicType,
  // reason, message, ...).
  static std::string SystemBody(const std::string& channel_id, const std::string& type, const std::string& reason) {
    json::Value b = json::Value::Object({{"channelId", json::Value::String(channel_id)},
                                         {"systemTopicType", json::Value::String(type)}});
    if (!reason.empty()) b.Set("reason", json::Value::String(reason));
    b.Set("message", json::Value::String("fake: " + type + (reason.empty() ? "" : " (" + reason + ")")));
    return json::Serialize(b);
  }

  // exclusive_topics: `taker` now holds `topics`; every other channel holding one of them loses
  // the subscriptions that carried it and is told so.
  void Displace(const FakeChannel& taker, const std::set<std::string>& topics) {
    for (auto& [id, other] : channels) {
      if (id == taker.id) continue;
      bool lost = false;
      std::vector<std::string> kept;
      for (const auto& sub : other.subscriptions) {
        bool overlaps = false;
        for (const auto& t : ExpandCombinedTopic(sub)) overlaps = overlaps || topics.count(t) > 0;
        if (overlaps) {
          lost = true;
          for (const auto& t : ExpandCombinedTopic(sub)) other.topics.erase(t);
        } else {
          kept.push_back(sub);
        }
      }
      if (!lost) continue;
      other.subscriptions = std::move(kept);
      counts.displacements++;
      if (other.socket) {
        Send(other.socket, Frame("v2.system.no_longer_subscribed." + other.id,
                                 SystemBody(other.id, "no_longer_subscribed", "another_channel_subscribed")));
      }
    }
  }

  static std::string Frame(const std::string& topic, const std::string& body_json) {
    return "{\"topicName\":" + json::Quote(topic) + ",\"version\":\"2\",\"eventBody\":" + body_json +
           ",\"metadata\":{\"CorrelationId\":\"" + NewUuid4() + "\"}}";
  }

  asio::awaitable<void> WsSession(std::shared_ptr<FakeSocket> s, bhttp::request<bhttp::string_body> req) {
    boost::system::error_code ec;
    co_await s->ws.async_accept(req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    auto it = channels.find(s->channel_id);
    if (it == channels.end()) {  // the channel vanished during the handshake
      Kill(s);
      co_return;
    }
    counts.ws_connects++;
    sockets.insert(s);
    s->last_heartbeat_steady = clock.SteadyMs();
    // One socket per channel: the newer one takes over, the older is closed after its backlog.
    if (it->second.socket) CloseGracefully(it->second.socket);
    it->second.socket = s;
    it->second.last_used_ms = clock.NowMs();
    beast::flat_buffer buf;
    while (!s->dead) {
      co_await s->ws.async_read(buf, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      std::string text = beast::buffers_to_string(buf.data());
      buf.consume(buf.size());
      auto doc = json::Parse(text);
      const json::Value* m = doc.ok() ? doc->Find("message") : nullptr;
      if (m != nullptr && m->is_string() && m->as_string() == "ping") {
        counts.pings++;
        if (answer_pings) Send(s, R"({"topicName":"channel.metadata","eventBody":{"message":"pong"}})");
      } else if (m != nullptr && m->is_string() && m->as_string() == "subscribe") {
        Send(s, R"({"result":"200","status":"subscribed"})");
      }
    }
    if (!s->dead) Forget(s);
  }

  // ---------------------------------------------------------------- REST
  using Req = bhttp::request<bhttp::string_body>;
  using Res = bhttp::response<bhttp::string_body>;

  static Res Reply(const Req& req, int status, std::string body) {
    Res res{static_cast<bhttp::status>(status), req.version()};
    res.set(bhttp::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  }

  static Res Error(const Req& req, int status, const std::string& code, const std::string& message) {
    return Reply(req, status, FakeIntegrations::ErrorBody(status, code, message));
  }

  bool Authorized(const Req& req) {
    auto h = req.find(bhttp::field::authorization);
    if (h == req.end()) return false;
    std::string v(h->value());
    if (!v.starts_with("Bearer ")) return false;
    auto it = tokens.find(v.substr(7));
    return it != tokens.end() && clock.NowMs() < it->second;
  }

  std::string Listing(const FakeChannel& ch, const std::vector<json::Value>* states) {
    json::Value entities = json::Value::Array();
    if (states != nullptr) {
      for (const auto& s : *states) entities.Push(s);
    } else {
      for (const auto& sub : ch.subscriptions) {
        const std::vector<std::string> listed =
            opt.expand_combined_in_answers ? ExpandCombinedTopic(sub) : std::vector<std::string>{sub};
        for (const auto& id : listed) {
          entities.Push(json::Value::Object({{"id", json::Value::String(id)}, {"state", json::Value::String("Permitted")}}));
        }
      }
    }
    return json::Serialize(json::Value::Object({{"entities", std::move(entities)}}));
  }

  Res Subscriptions(const Req& req, FakeChannel& ch, const std::string& query) {
    const std::string method(req.method_string());
    if (method == "GET") return Reply(req, 200, Listing(ch, nullptr));
    if (method == "DELETE") {
      ch.subscriptions.clear();
      ch.topics.clear();
      return Reply(req, 200, "");
    }
    auto doc = json::Parse(req.body());
    if (!doc.ok() || !doc->is_array()) return Error(req, 400, "bad.request", "body must be a list of {id}");
    if (static_cast<int>(doc->items().size()) > opt.max_topics_per_channel) {
      return Error(req, 400, "notification.too.many.topics", "a channel holds at most " +
                                                                  std::to_string(opt.max_topics_per_channel) + " topics");
    }
    counts.subscribe_calls++;
    const bool ignore_errors = query.find("ignoreErrors=true") != std::string::npos;
    std::vector<json::Value> states;
    std::vector<std::string> permitted;
    bool any_rejected = false;
    for (const auto& item : doc->items()) {
      const json::Value* id = item.Find("id");
      if (id == nullptr || !id->is_string()) return Error(req, 400, "bad.request", "each topic needs an id");
      const std::string& t = id->as_string();
      const Rejection* rej = nullptr;
      for (const auto& r : rejections)
        if (t.starts_with(r.prefix)) rej = &r;
      // "A combined topic can contain up to 200 characters" (the Notifications API docs).
      const bool combined = t.find('?') != std::string::npos;
      if (!t.starts_with("v2.") || (combined && t.size() > kMaxCombinedTopicChars)) {
        static const Rejection kInvalid{"", "Invalid topic", ""};
        rej = &kInvalid;
      }
      std::vector<std::string> listed{t};
      if (combined && opt.expand_combined_in_answers) listed = ExpandCombinedTopic(t);
      for (const auto& id_listed : listed) {
        json::Value st = json::Value::Object({{"id", json::Value::String(id_listed)}});
        if (rej == nullptr) {
          st.Set("state", json::Value::String("Permitted"));
        } else {
          st.Set("state", json::Value::String("Rejected"));
          st.Set("rejectionReason", json::Value::String(rej->reason));
          json::Value perms = json::Value::Array();
          if (!rej->permission.empty()) perms.Push(json::Value::String(rej->permission));
          st.Set("missingPermissions", std::move(perms));
        }
        states.push_back(std::move(st));
      }
      if (rej == nullptr) {
        permitted.push_back(t);
      } else {
        any_rejected = true;
      }
    }
    if (any_rejected && !ignore_errors) return Error(req, 400, "notification.topic.rejected", "a topic was rejected");
    if (method == "PUT") {
      ch.subscriptions.clear();
      ch.topics.clear();
    }
    std::set<std::string> taken;
    for (const auto& t : permitted) {
      ch.subscriptions.push_back(t);
      for (auto& x : ExpandCombinedTopic(t)) {
        taken.insert(x);
        ch.topics.insert(std::move(x));
      }
    }
    if (opt.exclusive_topics) Displace(ch, taken);
    ch.expires_ms = clock.NowMs() + opt.channel_lifetime_ms;
    ch.last_used_ms = clock.NowMs();
    return Reply(req, 200, Listing(ch, &states));
  }

  Res CreateChannel(const Req& req) {
    if (static_cast<int>(channels.size()) >= opt.max_channels) {
      // "Creating a 21st channel will remove the channel with oldest last used date. Channels
      // without an active connection will be removed first."
      auto victim = channels.end();
      for (auto it = channels.begin(); it != channels.end(); ++it) {
        if (victim == channels.end()) {
          victim = it;
          continue;
        }
        const bool a = it->second.socket != nullptr, b = victim->second.socket != nullptr;
        if (a != b ? !a : it->second.last_used_ms < victim->second.last_used_ms) victim = it;
      }
      if (victim->second.socket) Kill(victim->second.socket);
      channels.erase(victim);
    }
    FakeChannel ch;
    ch.id = "streaming-0-" + HexEncode(RandomBytes(12));
    ch.expires_ms = clock.NowMs() + opt.channel_lifetime_ms;
    ch.last_used_ms = clock.NowMs();
    counts.channels_created++;
    std::string body = "{\"connectUri\":\"ws://127.0.0.1:" + std::to_string(port) + "/channels/" + ch.id +
                       "\",\"id\":\"" + ch.id + "\",\"expires\":\"" + FormatRfc3339Millis(ch.expires_ms) + "\"}";
    channels[ch.id] = std::move(ch);
    return Reply(req, 200, body);
  }

  Res Token(const Req& req) {
    auto h = req.find(bhttp::field::authorization);
    const std::string want = "Basic " + Base64Encode(opt.client_id + ":" + opt.client_secret);
    if (h == req.end() || std::string(h->value()) != want) {
      return Reply(req, 401, R"({"error":"invalid_client","description":"client authentication failed"})");
    }
    if (req.body().find("grant_type=client_credentials") == std::string::npos) {
      return Reply(req, 400, R"({"error":"unsupported_grant_type"})");
    }
    std::string token = "fake-token-" + std::to_string(next_id++) + "-" + HexEncode(RandomBytes(8));
    tokens[token] = clock.NowMs() + opt.token_lifetime_s * 1000;
    counts.tokens_issued++;
    return Reply(req, 200, "{\"access_token\":\"" + token + "\",\"token_type\":\"bearer\",\"expires_in\":" +
                               std::to_string(opt.token_lifetime_s) + "}");
  }

  Res Handle(const Req& req) {
    const std::string target(req.target());
    const size_t q = target.find('?');
    const std::string path = target.substr(0, q);
    const std::string query = q == std::string::npos ? "" : target.substr(q + 1);
    for (auto& f : faults) {
      if (f.count > 0 && path.starts_with(f.prefix) && (f.method.empty() || f.method == req.method_string())) {
        --f.count;
        counts.rate_limited++;
        Res r = Error(req, f.status, f.status == 429 ? "too.many.requests" : "injected", "injected failure");
        if (f.retry_after_s >= 0) r.set(bhttp::field::retry_after, std::to_string(f.retry_after_s));
        return r;
      }
    }
    const std::string method(req.method_string());
    if (path == "/oauth/token" && method == "POST") return Token(req);
    if (!path.starts_with("/api/v2/")) return Error(req, 404, "not.found", "no route " + path);
    if (!Authorized(req)) {
      counts.unauthorized++;
      return Error(req, 401, "authentication.required", "No authentication bearer token specified or expired");
    }
    const std::string kChannels = "/api/v2/notifications/channels";
    if (path == kChannels && method == "POST") return CreateChannel(req);
    if (path.starts_with(kChannels + "/")) {
      std::string rest = path.substr(kChannels.size() + 1);
      const size_t slash = rest.find('/');
      const std::string id = rest.substr(0, slash);
      auto it = channels.find(id);
      if (it == channels.end()) return Error(req, 404, "not.found", "channel " + id + " not found");
      if (slash == std::string::npos && method == "HEAD") return Reply(req, 200, "");
      if (rest.substr(slash + 1) == "subscriptions") return Subscriptions(req, it->second, query);
    }
    int status = 0;
    std::string body;
    if (integrations.Handle(method, path, query, req.body(), &status, &body)) return Reply(req, status, body);
    return Error(req, 404, "not.found", "no route " + method + " " + path);
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buf;
    boost::system::error_code ec;
    while (!stopping) {
      Req req;
      co_await bhttp::async_read(stream, buf, req, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      if (websocket::is_upgrade(req)) {
        const std::string target(req.target());
        const std::string id = target.starts_with("/channels/") ? target.substr(10) : "";
        if (channels.find(id) == channels.end()) {
          Res r = Error(req, 404, "not.found", "channel not found");
          r.keep_alive(false);
          co_await bhttp::async_write(stream, r, asio::redirect_error(asio::use_awaitable, ec));
          co_return;
        }
        auto s = std::make_shared<FakeSocket>(stream.release_socket());
        s->channel_id = id;
        co_await WsSession(std::move(s), std::move(req));
        co_return;
      }
      Res res = Handle(req);
      const bool keep = res.keep_alive();
      co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !keep) co_return;
    }
  }

  asio::awaitable<void> Accept() {
    while (!stopping) {
      boost::system::error_code ec;
      tcp::socket s = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(io, Session(std::move(s)), asio::detached);
    }
  }

  asio::awaitable<void> Ticker() {
    asio::steady_timer timer(io);
    while (!stopping) {
      const int64_t now = clock.NowMs(), steady = clock.SteadyMs();
      for (auto it = channels.begin(); it != channels.end();) {
        if (now >= it->second.expires_ms) {
          counts.channels_expired++;
          if (it->second.socket) Kill(it->second.socket);
          it = channels.erase(it);
        } else {
          ++it;
        }
      }
      if (heartbeats) {
        for (const auto& s : std::vector<std::shared_ptr<FakeSocket>>(sockets.begin(), sockets.end())) {
          if (steady - s->last_heartbeat_steady >= opt.heartbeat_ms) {
            s->last_heartbeat_steady = steady;
            Send(s, R"({"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}})");
          }
        }
      }
      timer.expires_after(std::chrono::milliseconds(opt.tick_ms));
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
};

FakeGenesys::FakeGenesys(Clock& clock, FakeGenesysOptions options)
    : impl_(std::make_unique<Impl>(clock, std::move(options))) {}

FakeGenesys::~FakeGenesys() { Stop(); }

Status FakeGenesys::Start() {
  Impl& m = *impl_;
  boost::system::error_code ec;
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), m.opt.port);
  m.acceptor.open(ep.protocol(), ec);
  if (!ec) m.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) m.acceptor.bind(ep, ec);
  if (!ec) m.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("fake genesys: " + ec.message());
  m.port = m.acceptor.local_endpoint().port();
  asio::co_spawn(m.io, m.Accept(), asio::detached);
  asio::co_spawn(m.io, m.Ticker(), asio::detached);
  m.thread = std::thread([&m] { m.io.run(); });
  return Status::Ok();
}

void FakeGenesys::Stop() {
  Impl& m = *impl_;
  if (!m.thread.joinable()) return;
  m.Run([&m] {
    m.stopping = true;
    boost::system::error_code ec;
    m.acceptor.close(ec);
    for (const auto& s : std::vector<std::shared_ptr<FakeSocket>>(m.sockets.begin(), m.sockets.end())) m.Kill(s);
  });
  // Sessions blocked in reads end when their sockets close; idle keep-alive HTTP sessions are
  // ended by stopping the context.
  m.io.stop();
  m.thread.join();
}

std::string FakeGenesys::base_url() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }

void FakeGenesys::FailNext(const std::string& path_prefix, int count, int status, int retry_after_s,
                           const std::string& method) {
  impl_->Run([&] { impl_->faults.push_back({path_prefix, method, count, status, retry_after_s}); });
}

void FakeGenesys::RejectTopics(const std::string& prefix, const std::string& reason, const std::string& permission) {
  impl_->Run([&] { impl_->rejections.push_back({prefix, reason, permission}); });
}

int FakeGenesys::Publish(const std::string& topic, const std::string& event_body_json) {
  return impl_->Run([&] {
    Impl& m = *impl_;
    int sent = 0;
    std::string frame;
    for (auto& [id, ch] : m.channels) {
      if (!ch.socket || ch.socket->close_after_flush || !ch.topics.count(topic)) continue;
      if (frame.empty()) frame = Impl::Frame(topic, event_body_json);
      m.Send(ch.socket, frame);
      ++sent;
    }
    m.counts.frames_published += sent;
    if (sent == 0) m.counts.frames_unrouted++;
    return sent;
  });
}

void FakeGenesys::SendSocketClosing() {
  impl_->Run([&] {
    Impl& m = *impl_;
    for (const auto& s : m.sockets) {
      m.Send(s, Impl::Frame("v2.system.socket_closing",
                            "{\"channelId\":\"" + s->channel_id +
                                "\",\"message\":\"Socket closing for maintenance; reconnect within 1 minute\"}"));
    }
  });
}

void FakeGenesys::SendSystemMessage(const std::string& topic, const std::string& system_topic_type,
                                    const std::string& reason) {
  impl_->Run([&] {
    Impl& m = *impl_;
    for (const auto& s : m.sockets) {
      m.Send(s, Impl::Frame(topic, Impl::SystemBody(s->channel_id, system_topic_type, reason)));
      if (system_topic_type == "no_longer_subscribed") {
        auto it = m.channels.find(s->channel_id);
        if (it != m.channels.end()) {
          it->second.subscriptions.clear();
          it->second.topics.clear();
        }
      }
    }
  });
}

void FakeGenesys::KillSockets() {
  impl_->Run([&] {
    for (const auto& s : std::vector<std::shared_ptr<FakeSocket>>(impl_->sockets.begin(), impl_->sockets.end())) {
      impl_->Kill(s);
    }
  });
}

void FakeGenesys::DeleteChannels() {
  impl_->Run([&] {
    for (auto& [id, ch] : impl_->channels)
      if (ch.socket) impl_->Kill(ch.socket);
    impl_->channels.clear();
  });
}

void FakeGenesys::SetDirectory(std::vector<std::string> queues, std::vector<std::string> users,
                               std::map<std::string, std::vector<std::string>> groups) {
  impl_->Run([&] {
    impl_->integrations.queues = std::move(queues);
    impl_->integrations.users = std::move(users);
    impl_->integrations.groups = std::move(groups);
  });
}

void FakeGenesys::RevokeTokens() {
  impl_->Run([&] { impl_->tokens.clear(); });
}

void FakeGenesys::SetAnswerPings(bool answer) {
  impl_->Run([&] { impl_->answer_pings = answer; });
}

void FakeGenesys::SetHeartbeats(bool send) {
  impl_->Run([&] { impl_->heartbeats = send; });
}

FakeGenesysCounts FakeGenesys::counts() const {
  return impl_->Run([&] {
    FakeGenesysCounts c = impl_->counts;
    c.live_sockets = static_cast<int>(impl_->sockets.size());
    return c;
  });
}

std::vector<std::string> FakeGenesys::subscriptions() const {
  return impl_->Run([&] {
    std::vector<std::string> out;
    for (const auto& [id, ch] : impl_->channels) out.insert(out.end(), ch.subscriptions.begin(), ch.subscriptions.end());
    return out;
  });
}

std::vector<std::string> FakeGenesys::integrations() const {
  return impl_->Run([&] {
    std::vector<std::string> out;
    for (const auto& [id, i] : impl_->integrations.integrations()) {
      out.push_back(json::Serialize(json::Value::Object({{"id", json::Value::String(i.id)},
                                                         {"type", json::Value::String(i.type)},
                                                         {"intendedState", json::Value::String(i.intended_state)},
                                                         {"config", i.config}})));
    }
    return out;
  });
}

std::vector<std::string> FakeGenesys::created(const std::string& kind) const {
  return impl_->Run([&] {
    std::vector<std::string> out;
    for (const auto& e : impl_->integrations.created[kind]) out.push_back(json::Serialize(e));
    return out;
  });
}

void FakeGenesys::SeedIntegrations(int count) {
  impl_->Run([&] { impl_->integrations.SeedIntegrations(count); });
}

void FakeGenesys::SeedTriggers(int count, const std::string& topic) {
  impl_->Run([&] { impl_->integrations.SeedTriggers(count, topic); });
}

void FakeGenesys::SetAvailableTopics(std::vector<std::pair<std::string, std::vector<std::string>>> topics) {
  impl_->Run([&] { impl_->integrations.available_topics = std::move(topics); });
}

void FakeGenesys::SetTriggerTopics(std::vector<std::string> topics) {
  impl_->Run([&] { impl_->integrations.trigger_topics = std::move(topics); });
}

int FakeGenesys::integration_writes() const {
  return impl_->Run([&] { return impl_->integrations.writes(); });
}

}  // namespace cxbridge::genesys
