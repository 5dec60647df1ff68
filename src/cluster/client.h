// A small C++ layer over libnats (cnats 3.4): RAII for connections, JetStream contexts, messages
// and subscriptions, errors as Status values. Only what cxbridge's JetStream engine needs, in
// cxbridge's terms; nothing here knows about events or deliveries.
//
// Units: every duration here is milliseconds. cnats takes AckWait, BackOff and consumer times in
// nanoseconds but NakWithDelay in milliseconds (../shared/cluster.md: a nanosecond value passed
// as milliseconds meant 5.8 days); this layer converts, so callers never see nanoseconds.
//
// Thread-safety: a Connection and a JetStream are safe from any thread (cnats locks inside).
// A Subscription is used by one thread at a time. A Message is owned by one thread at a time.
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cluster/nats_settings.h"
#include "common/status.h"

namespace cxbridge::cluster {

// The one mapping from cnats outcomes to Status (`what` names the operation):
//   timeouts, no servers, connection closed/reconnecting, no responders (a stream leader being
//   elected), JetStream "not leader / temporarily unavailable"
//                                              → kUnavailable (retry later; for a publish the
//                                                outcome is unknown: retry with the same MsgId)
//   stream/consumer/message/key not found       → kNotFound
//   wrong last sequence (CAS lost)              → kFailedPrecondition
//   stream name in use with another config      → kAlreadyExists
//   authorization failed, not permitted          → kFailedPrecondition (the user must fix config)
//   max payload, insufficient resources, full    → kResourceExhausted
//   anything else                                → kUnavailable, with cnats' text
Status FromNats(natsStatus s, std::string_view what, jsErrCode code = static_cast<jsErrCode>(0));

// A consumed message (owned). Ack methods are no-ops on a message without a reply subject.
class Message {
 public:
  Message() = default;
  explicit Message(natsMsg* m) : m_(m) {}
  Message(Message&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
  Message& operator=(Message&& o) noexcept;
  ~Message();

  bool valid() const { return m_ != nullptr; }
  std::string_view subject() const;
  std::string_view data() const;
  std::string_view reply() const;  // for JetStream messages, the $JS.ACK subject
  // The header's value, or nullopt.
  std::optional<std::string> Header(const char* key) const;

  struct Meta {
    uint64_t stream_seq = 0, consumer_seq = 0;
    uint64_t num_delivered = 0, num_pending = 0;
    int64_t timestamp_ms = 0;  // when the stream stored it (server clock)
    std::string stream, consumer;
  };
  // JetStream metadata (from the reply subject). InvalidArgument for a non-JetStream message.
  Result<Meta> Metadata() const;

  Status Ack();
  Status AckSync(int64_t timeout_ms);  // waits for the server's confirmation
  Status Nak();
  Status NakWithDelay(int64_t delay_ms);
  Status InProgress();
  Status Term();

  natsMsg* raw() const { return m_; }

 private:
  natsMsg* m_ = nullptr;
};

// Connection state changes, called on a cnats thread (must not block).
struct ConnectionEvents {
  std::function<void()> disconnected, reconnected, closed;
};

class Connection {
 public:
  // Connects to one of `settings.servers` (tries each once, in order after the first random
  // pick as cnats does), with reconnection forever in the background afterwards.
  // Unavailable when no server answers; FailedPrecondition for refused credentials or TLS setup.
  static Result<std::unique_ptr<Connection>> Connect(const NatsSettings& settings,
                                                     ConnectionEvents events = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  struct Callbacks;  // (private in spirit: what cnats' callbacks reach; see client.cc)

  bool connected() const;
  std::string connected_url() const;  // "" when not connected
  Status Flush(int64_t timeout_ms);
  // Core NATS request/reply (no JetStream).
  Result<Message> Request(const std::string& subject, std::string_view data, int64_t timeout_ms);
  Status Publish(const std::string& subject, std::string_view data);
  natsConnection* raw() const { return nc_; }
  const NatsSettings& settings() const { return settings_; }

 private:
  // What cnats' callbacks reach. cnats runs them on its own thread, possibly after the
  // Connection is gone (the closed callback comes after natsConnection_Destroy returns), so they
  // hold this shared state, and the user's callbacks are dropped once the Connection is.
  Connection() = default;
  static void OnDisconnected(natsConnection*, void* box);
  static void OnReconnected(natsConnection*, void* box);
  static void OnClosed(natsConnection*, void* box);
  natsConnection* nc_ = nullptr;
  NatsSettings settings_;
  std::shared_ptr<Callbacks> callbacks_;
};

struct StreamSpec {
  std::string name;
  std::vector<std::string> subjects;
  int replicas = 1;
  int64_t max_age_ms = 0;  // 0: forever
  int64_t max_bytes = -1;  // -1: unlimited
  int64_t max_msgs_per_subject = -1;
  int64_t duplicates_ms = 120'000;  // MsgId window (must not exceed max_age when that is set)
  bool discard_new = false;         // when full, refuse new messages (else drop the oldest)
  bool allow_rollup = false;
  bool allow_direct = false;
  bool deny_delete = false;
};

struct ReplicaState {
  std::string name;
  bool current = false, offline = false;
  int64_t active_ms = 0;  // since the leader last heard from it
  uint64_t lag = 0;       // operations behind the leader
};

struct StreamState {
  std::string name;
  uint64_t messages = 0, bytes = 0, first_seq = 0, last_seq = 0;
  int64_t consumers = 0;
  int replicas = 1;                     // configured
  std::string cluster, leader;          // leader's server name; empty without a cluster or leader
  std::vector<ReplicaState> followers;  // excludes the leader
  uint64_t subject_messages = 0;        // with a subject filter: the messages on matching subjects
};

struct PublishOptions {
  std::string msg_id;                               // Nats-Msg-Id; empty: none
  std::optional<uint64_t> expect_last_subject_seq;  // CAS; 0 means "no message on the subject"
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t timeout_ms = 0;  // 0: the context's request timeout
};

struct PubAck {
  uint64_t seq = 0;
  bool duplicate = false;  // the stream already had this MsgId within its window
  std::string stream;
};

struct StoredMessage {
  std::string subject, data;
  uint64_t seq = 0;
  int64_t time_ms = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> Header(std::string_view key) const;
};

struct ConsumerSpec {
  std::string durable;  // empty: ephemeral
  std::string filter_subject;
  int64_t ack_wait_ms = 30'000;
  int64_t max_deliver = -1;
  int64_t max_ack_pending = 1000;
  std::vector<int64_t> backoff_ms;
  uint64_t start_seq = 0;  // 0: from the first message
  int replicas = 0;        // 0: the stream's
};

class Subscription;

class JetStream {
 public:
  // `request_timeout_ms` > 0 overrides the settings' request timeout for this context's API
  // calls and KV operations (e.g. short ones for lease renewals).
  static Result<std::unique_ptr<JetStream>> Create(Connection& conn,
                                                   int64_t request_timeout_ms = 0);
  ~JetStream();
  JetStream(const JetStream&) = delete;
  JetStream& operator=(const JetStream&) = delete;

  // OK when JetStream answers for this account; FailedPrecondition (saying how to enable it)
  // when the server or account has no JetStream; Unavailable when it does not answer.
  Status CheckEnabled();

  // Creates the stream, or updates an existing one to `spec` (replicas, limits). AlreadyExists
  // when the name is taken by a stream JetStream won't update to this spec (e.g. other subjects).
  Result<StreamState> EnsureStream(const StreamSpec& spec);
  // `subject_filter` non-empty: also counts the messages on matching subjects.
  Result<StreamState> StreamInfo(const std::string& name, const std::string& subject_filter = "");
  Status DeleteStream(const std::string& name);

  Result<PubAck> Publish(const std::string& subject, std::string_view data,
                         const PublishOptions& o = {});

  Result<StoredMessage> GetMessage(const std::string& stream, uint64_t seq);
  // The last message on `subject`; NotFound when there is none.
  Result<StoredMessage> GetLastMessage(const std::string& stream, const std::string& subject);
  Status DeleteMessage(const std::string& stream, uint64_t seq);
  // Removes the messages on `subject` (all subjects when empty) with a sequence below
  // `below_seq` (all when 0).
  Status Purge(const std::string& stream, const std::string& subject, uint64_t below_seq);

  Status EnsureConsumer(const std::string& stream, const ConsumerSpec& spec);
  Status DeleteConsumer(const std::string& stream, const std::string& durable);
  struct ConsumerState {
    uint64_t num_pending = 0, num_ack_pending = 0, num_redelivered = 0, num_waiting = 0;
    uint64_t delivered_stream_seq = 0, ack_floor_stream_seq = 0;
  };
  Result<ConsumerState> ConsumerInfo(const std::string& stream, const std::string& durable);

  // An ordered consumer on `subject` of `stream`: every message from `start_seq` (1 = the first)
  // or, with start_time_ms > 0, from that stream time, in stream order, gaps recovered by cnats.
  // Read it with Subscription::Next.
  Result<std::unique_ptr<Subscription>> SubscribeOrdered(const std::string& stream,
                                                         const std::string& subject,
                                                         uint64_t start_seq,
                                                         int64_t start_time_ms = 0);
  // A pull subscription bound to the durable consumer `durable` (create it with EnsureConsumer).
  Result<std::unique_ptr<Subscription>> PullSubscribe(const std::string& stream,
                                                      const std::string& durable,
                                                      const std::string& filter_subject);

  jsCtx* raw() const { return js_; }
  Connection& connection() const { return conn_; }
  int64_t request_timeout_ms() const { return timeout_ms_; }

 private:
  JetStream(Connection& conn, jsCtx* js, int64_t timeout_ms)
      : conn_(conn), js_(js), timeout_ms_(timeout_ms) {}
  Connection& conn_;
  jsCtx* js_ = nullptr;
  int64_t timeout_ms_;
};

class Subscription {
 public:
  explicit Subscription(natsSubscription* s) : s_(s) {}
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  // The next message, or Unavailable("timeout") after `timeout_ms` with none.
  Result<Message> Next(int64_t timeout_ms);
  // Pull subscriptions: up to `batch` messages; an empty list when none came within timeout_ms.
  Result<std::vector<Message>> Fetch(int batch, int64_t timeout_ms);
  natsSubscription* raw() const { return s_; }

 private:
  natsSubscription* s_ = nullptr;
};

}  // namespace cxbridge::cluster
