// The nats target against a real nats-server (JetStream enabled) on a loopback port.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "deliver/target.h"

namespace cxbridge::deliver {
namespace {

namespace fs = std::filesystem;

int FreePort() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t n = sizeof(a);
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(s);
  return ntohs(a.sin_port);
}

bool CanConnect(int port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(s);
  return ok;
}

// A real nats-server with JetStream and a temp store folder.
class NatsServer {
 public:
  explicit NatsServer(int port) : port_(port) {
    dir_ = fs::temp_directory_path() / ("cxb-nats-" + std::to_string(::getpid()) + "-" + std::to_string(port));
    fs::create_directories(dir_);
  }
  ~NatsServer() {
    Stop();
    fs::remove_all(dir_);
  }
  bool Start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string port = std::to_string(port_), sd = dir_.string(), log = (dir_ / "log").string();
      ::execlp("nats-server", "nats-server", "-js", "-a", "127.0.0.1", "-p", port.c_str(), "-sd", sd.c_str(),
               "-l", log.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 500; ++i) {
      if (CanConnect(port_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  void Stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

 private:
  int port_;
  pid_t pid_ = -1;
  fs::path dir_;
};

// A plain cnats client for the test's side: stream setup and reading back.
class Client {
 public:
  explicit Client(const std::string& url) {
    EXPECT_EQ(natsConnection_ConnectTo(&nc_, url.c_str()), NATS_OK);
    EXPECT_EQ(natsConnection_JetStream(&js_, nc_, nullptr), NATS_OK);
  }
  ~Client() {
    jsCtx_Destroy(js_);
    natsConnection_Destroy(nc_);
  }
  void AddStream(const char* name, const char* subject) {
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = name;
    const char* subjects[] = {subject};
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    jsStreamInfo* si = nullptr;
    jsErrCode ec;
    ASSERT_EQ(js_AddStream(&si, js_, &cfg, nullptr, &ec), NATS_OK) << ec;
    jsStreamInfo_Destroy(si);
  }
  uint64_t Count(const char* stream) {
    jsStreamInfo* si = nullptr;
    jsErrCode ec;
    if (js_GetStreamInfo(&si, js_, stream, nullptr, &ec) != NATS_OK) return 0;
    uint64_t n = si->State.Msgs;
    jsStreamInfo_Destroy(si);
    return n;
  }
  // Subject, payload and Nats-Msg-Id of the message at `seq`.
  std::tuple<std::string, std::string, std::string> Get(const char* stream, uint64_t seq) {
    natsMsg* m = nullptr;
    jsErrCode ec;
    if (js_GetMsg(&m, js_, stream, seq, nullptr, &ec) != NATS_OK) return {};
    const char* id = nullptr;
    natsMsgHeader_Get(m, "Nats-Msg-Id", &id);
    std::tuple<std::string, std::string, std::string> out{
        natsMsg_GetSubject(m), std::string(natsMsg_GetData(m), natsMsg_GetDataLength(m)), id ? id : ""};
    natsMsg_Destroy(m);
    return out;
  }
  natsConnection* nc() { return nc_; }

 private:
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
};

Result<std::shared_ptr<Target>> Make(const std::string& arn, const std::string& nats_json = "") {
  bus::TargetDef d;
  d.origin = bus::Origin::kConfig;  // a config-file target: a NATS server on loopback is fine
  d.id = "n";
  d.arn = arn;
  std::string raw = "{\"Id\":\"n\",\"Arn\":" + json::Quote(arn);
  if (!nats_json.empty()) raw += ",\"Nats\":" + nats_json;
  d.raw = *json::Parse(raw + "}");
  TargetRegistry reg;
  RegisterBuiltins(reg);
  return reg.Create(d, TargetEnv{});
}

SendResult SendSync(Target& t, const std::string& event, const std::string& id, const std::string& payload = "") {
  std::promise<SendResult> p;
  SendRequest req;
  req.event_id = id;
  req.event = std::make_shared<const std::string>(event);
  req.payload = payload.empty() ? event : payload;
  t.Send(req, [&p](SendResult r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

std::string Event(const std::string& id, const std::string& detail_type, const std::string& conv) {
  return R"({"version":"0","id":")" + id + R"(","detail-type":")" + detail_type +
         R"(","source":"genesys","detail":{"eventBody":{"conversationId":")" + conv + R"("}}})";
}

TEST(NatsTargetTest, JetStreamPublishTemplatesSubjectAndDedupsByEventId) {
  NatsServer server(FreePort());
  ASSERT_TRUE(server.Start());
  Client c(server.url());
  c.AddStream("GENESYS", "genesys.>");
  auto t = Make(server.url() + "/genesys.{detail-type}.{$.detail.eventBody.conversationId}", R"({"JetStream":true})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  SendResult r = SendSync(**t, Event("e-1", "conversation start", "c1"), "e-1");
  EXPECT_EQ(r.kind, SendResult::kOk) << r.error_code << " " << r.message;
  // A re-send of the same event (at-least-once) is acknowledged and dropped by the stream.
  EXPECT_EQ(SendSync(**t, Event("e-1", "conversation start", "c1"), "e-1").kind, SendResult::kOk);
  EXPECT_EQ(SendSync(**t, Event("e-2", "conversation end", "c1"), "e-2", "{\"x\":1}").kind, SendResult::kOk);
  EXPECT_EQ(c.Count("GENESYS"), 2u);
  auto [subject, data, id] = c.Get("GENESYS", 1);
  EXPECT_EQ(subject, "genesys.conversation_start.c1");
  EXPECT_EQ(id, "e-1");
  auto [subject2, data2, id2] = c.Get("GENESYS", 2);
  EXPECT_EQ(subject2, "genesys.conversation_end.c1");
  EXPECT_EQ(data2, "{\"x\":1}");  // the (transformed) payload, subject from the original event
}

TEST(NatsTargetTest, JetStreamWithoutAStreamIsRetryable) {
  NatsServer server(FreePort());
  ASSERT_TRUE(server.Start());
  auto t = Make(server.url() + "/nostream.{source}", R"({"JetStream":true,"TimeoutSeconds":2})");
  ASSERT_TRUE(t.ok());
  SendResult r = SendSync(**t, Event("e-1", "x", "c"), "e-1");
  EXPECT_EQ(r.kind, SendResult::kRetryable);
  EXPECT_EQ(r.error_code, "NO_STREAM") << r.message;
}

TEST(NatsTargetTest, CorePublishReachesASubscriber) {
  NatsServer server(FreePort());
  ASSERT_TRUE(server.Start());
  Client c(server.url());
  natsSubscription* sub = nullptr;
  ASSERT_EQ(natsConnection_SubscribeSync(&sub, c.nc(), "events.>"), NATS_OK);
  natsConnection_Flush(c.nc());
  auto t = Make(server.url() + "/events.{source}");
  ASSERT_TRUE(t.ok());
  // The target connects at creation; wait until a publish is accepted.
  SendResult r;
  for (int i = 0; i < 100; ++i) {
    r = SendSync(**t, Event("e-9", "x", "c"), "e-9");
    if (r.kind == SendResult::kOk) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(r.kind, SendResult::kOk) << r.error_code;
  natsMsg* m = nullptr;
  ASSERT_EQ(natsSubscription_NextMsg(&m, sub, 5000), NATS_OK);
  EXPECT_STREQ(natsMsg_GetSubject(m), "events.genesys");
  EXPECT_EQ(std::string(natsMsg_GetData(m), natsMsg_GetDataLength(m)), Event("e-9", "x", "c"));
  natsMsg_Destroy(m);
  natsSubscription_Destroy(sub);
}

TEST(NatsTargetTest, ServerDownAtStartIsRetryableThenRecovers) {
  int port = FreePort();
  NatsServer server(port);
  auto t = Make(server.url() + "/later.{source}", R"({"JetStream":true,"TimeoutSeconds":0.5})");
  ASSERT_TRUE(t.ok()) << t.status().ToString();  // creation does not need the server
  auto start = std::chrono::steady_clock::now();
  SendResult r = SendSync(**t, Event("e-1", "x", "c"), "e-1");
  EXPECT_EQ(r.kind, SendResult::kRetryable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_TRUE(server.Start());
  {
    Client c(server.url());
    c.AddStream("LATER", "later.>");
  }
  for (int i = 0; i < 100 && r.kind != SendResult::kOk; ++i) {
    r = SendSync(**t, Event("e-1", "x", "c"), "e-1");
    if (r.kind != SendResult::kOk) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(r.kind, SendResult::kOk) << r.error_code << " " << r.message;
  Client c(server.url());
  EXPECT_EQ(c.Count("LATER"), 1u);
}

// Issue 16: NATS targets saved through the API skipped the outbound address guard.
TEST(NatsTargetTest, ApiTargetsToPrivateAddressesAreRefused) {
  TargetRegistry reg;
  RegisterBuiltins(reg);
  auto def = [](const std::string& arn, bus::Origin origin) {
    bus::TargetDef d;
    d.id = "n";
    d.arn = arn;
    d.raw = *json::Parse("{\"Id\":\"n\",\"Arn\":" + json::Quote(arn) + "}");
    d.origin = origin;
    return d;
  };
  TargetEnv env;
  for (const char* arn : {"nats://127.0.0.1:4222/a", "nats://localhost:4222/a", "nats://10.1.2.3:4222/a",
                          "nats://u:p@169.254.169.254:4222/a", "nats://[::1]:4222/a",
                          "nats://192.168.0.10/a"}) {
    Status st = reg.Validate(def(arn, bus::Origin::kApi), env);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << arn;
    EXPECT_NE(st.message().find("allow_private_targets"), std::string::npos) << st.message();
    EXPECT_FALSE(reg.Create(def(arn, bus::Origin::kApi), env).ok()) << arn;
  }
  EXPECT_TRUE(reg.Validate(def("nats://203.0.113.7:4222/a", bus::Origin::kApi), env).ok());
  EXPECT_TRUE(reg.Validate(def("nats://127.0.0.1:4222/a", bus::Origin::kConfig), env).ok());
  env.allow_private_targets = true;
  EXPECT_TRUE(reg.Validate(def("nats://127.0.0.1:4222/a", bus::Origin::kApi), env).ok());
}

TEST(NatsTargetTest, ConfigIsValidated) {
  EXPECT_EQ(Make("nats://127.0.0.1:4222").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Make("nats://127.0.0.1:4222/").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Make("nats://127.0.0.1:4222/a.{detail-type").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Make("nats://127.0.0.1:4222/a.{}").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Make("nats://127.0.0.1:4222/a", R"({"JetStream":"yes"})").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Make("nats://127.0.0.1:4222/a", R"({"TimeoutSeconds":0})").status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cxbridge::deliver
