#include "cluster/client.h"

#include <cstring>

namespace cxbridge::cluster {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;

std::string Text(natsStatus s) {
  const char* t = natsStatus_GetText(s);
  std::string out = t ? t : "unknown";
  // cnats keeps a per-thread last error with the server's words (e.g. "wrong last sequence: 4").
  const char* last = nats_GetLastError(nullptr);
  if (last != nullptr && *last != '\0' && std::strstr(last, out.c_str()) == nullptr) {
    out += ": ";
    out += last;
  }
  return out;
}

}  // namespace

Status FromNats(natsStatus s, std::string_view what, jsErrCode code) {
  if (s == NATS_OK) return Status::Ok();
  std::string msg = std::string(what) + ": " + Text(s);
  if (s == NATS_NO_RESPONDERS) {
    // cnats reports this with JSNotEnabledErr, but on a publish or an API call to a working
    // cluster it means nobody answered *now*: a stream leader being elected, or no stream bound
    // to the subject yet. Transient; JetStream::CheckEnabled tells "not enabled" apart.
    return Status::Unavailable(
        msg + " (no JetStream server answered: leader election, or no stream for it)");
  }
  if (code != 0) msg += " (JetStream error " + std::to_string(static_cast<int>(code)) + ")";
  switch (static_cast<int>(code)) {
    case JSStreamNotFoundErr:
    case JSConsumerNotFoundErr:
    case JSNoMessageFoundErr:
      return Status::NotFound(msg);
    case JSStreamWrongLastSequenceErr:
    case JSStreamWrongLastMsgIDErr:
      return Status::FailedPrecondition(msg);
    case JSStreamNameExistErr:
      return Status::AlreadyExists(msg);
    case JSNotEnabledErr:
    case JSNotEnabledForAccountErr:
      return Status::FailedPrecondition(msg);
    case JSInsufficientResourcesErr:
    case JSStreamStoreFailedErr:
    case JSMaximumStreamsLimitErr:
      return Status::ResourceExhausted(msg);
    case JSClusterNotAvailErr:
    case JSClusterNotLeaderErr:
    case JSClusterNoPeersErr:
      return Status::Unavailable(msg);
    default:
      break;
  }
  switch (s) {
    case NATS_NOT_FOUND:
      return Status::NotFound(msg);
    case NATS_CONNECTION_AUTH_FAILED:
    case NATS_NOT_PERMITTED:
    case NATS_SECURE_CONNECTION_WANTED:
    case NATS_SECURE_CONNECTION_REQUIRED:
      return Status::FailedPrecondition(msg);
    case NATS_MAX_PAYLOAD:
      return Status::ResourceExhausted(msg);
    case NATS_INVALID_ARG:
    case NATS_INVALID_SUBJECT:
      return Status::InvalidArgument(msg);
    default:
      // Timeouts, no server, closed/disconnected connection, IO errors and server errors
      // without a code we know: transient from the caller's point of view.
      return Status::Unavailable(msg);
  }
}

// ---------------------------------------------------------------------------------------------
// Message

Message& Message::operator=(Message&& o) noexcept {
  if (this != &o) {
    if (m_) natsMsg_Destroy(m_);
    m_ = std::exchange(o.m_, nullptr);
  }
  return *this;
}

Message::~Message() {
  if (m_) natsMsg_Destroy(m_);
}

std::string_view Message::subject() const {
  const char* s = m_ ? natsMsg_GetSubject(m_) : nullptr;
  return s ? s : "";
}

std::string_view Message::data() const {
  if (!m_) return {};
  const char* d = natsMsg_GetData(m_);
  return d ? std::string_view(d, static_cast<size_t>(natsMsg_GetDataLength(m_)))
           : std::string_view();
}

std::string_view Message::reply() const {
  const char* s = m_ ? natsMsg_GetReply(m_) : nullptr;
  return s ? s : "";
}

std::optional<std::string> Message::Header(const char* key) const {
  const char* v = nullptr;
  if (!m_ || natsMsgHeader_Get(m_, key, &v) != NATS_OK || v == nullptr) return std::nullopt;
  return std::string(v);
}

Result<Message::Meta> Message::Metadata() const {
  jsMsgMetaData* md = nullptr;
  natsStatus s = m_ ? natsMsg_GetMetaData(&md, m_) : NATS_INVALID_ARG;
  if (s != NATS_OK)
    return Status::InvalidArgument("not a JetStream message: " +
                                   std::string(natsStatus_GetText(s)));
  Meta out;
  out.stream_seq = md->Sequence.Stream;
  out.consumer_seq = md->Sequence.Consumer;
  out.num_delivered = md->NumDelivered;
  out.num_pending = md->NumPending;
  out.timestamp_ms = md->Timestamp / kNsPerMs;
  out.stream = md->Stream ? md->Stream : "";
  out.consumer = md->Consumer ? md->Consumer : "";
  jsMsgMetaData_Destroy(md);
  return out;
}

Status Message::Ack() { return m_ ? FromNats(natsMsg_Ack(m_, nullptr), "ack") : Status::Ok(); }

Status Message::AckSync(int64_t timeout_ms) {
  if (!m_) return Status::Ok();
  jsOptions o;
  jsOptions_Init(&o);
  o.Wait = timeout_ms;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = natsMsg_AckSync(m_, &o, &code);
  return FromNats(s, "ack", code);
}

Status Message::Nak() { return m_ ? FromNats(natsMsg_Nak(m_, nullptr), "nak") : Status::Ok(); }

Status Message::NakWithDelay(int64_t delay_ms) {
  // cnats takes this delay in milliseconds (unlike AckWait/BackOff, in nanoseconds).
  return m_ ? FromNats(natsMsg_NakWithDelay(m_, delay_ms, nullptr), "nak") : Status::Ok();
}

Status Message::InProgress() {
  return m_ ? FromNats(natsMsg_InProgress(m_, nullptr), "in-progress") : Status::Ok();
}

Status Message::Term() { return m_ ? FromNats(natsMsg_Term(m_, nullptr), "term") : Status::Ok(); }

std::optional<std::string> StoredMessage::Header(std::string_view key) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == key.size() && strncasecmp(k.data(), key.data(), k.size()) == 0) return v;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Connection

struct Connection::Callbacks {
  std::mutex mu;
  ConnectionEvents events;  // guarded by mu; cleared when the Connection goes
  void Run(std::function<void()> ConnectionEvents::*which) {
    std::function<void()> fn;
    {
      std::lock_guard<std::mutex> lock(mu);
      fn = events.*which;
    }
    if (fn) fn();
  }
};

namespace {
// The closure cnats holds: a heap box with a reference to the shared callbacks. Freed by the
// closed callback, the last one cnats makes.
using CallbackBox = std::shared_ptr<Connection::Callbacks>;
}  // namespace

void Connection::OnDisconnected(natsConnection*, void* box) {
  (*static_cast<CallbackBox*>(box))->Run(&ConnectionEvents::disconnected);
}
void Connection::OnReconnected(natsConnection*, void* box) {
  (*static_cast<CallbackBox*>(box))->Run(&ConnectionEvents::reconnected);
}
void Connection::OnClosed(natsConnection*, void* box) {
  auto* b = static_cast<CallbackBox*>(box);
  (*b)->Run(&ConnectionEvents::closed);
  delete b;
}

Result<std::unique_ptr<Connection>> Connection::Connect(const NatsSettings& settings,
                                                        ConnectionEvents events) {
  std::unique_ptr<Connection> c(new Connection());
  c->settings_ = settings;
  c->callbacks_ = std::make_shared<Callbacks>();
  c->callbacks_->events = std::move(events);
  // Given to cnats as the callbacks' closure; freed by OnClosed, or below if connecting fails.
  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s != NATS_OK) return FromNats(s, "NATS options");
  struct OptsGuard {
    natsOptions* o;
    ~OptsGuard() { natsOptions_Destroy(o); }
  } guard{opts};
  std::vector<const char*> urls;
  for (const auto& u : settings.servers) urls.push_back(u.c_str());
  auto step = [&](natsStatus st, const char* what) -> Status { return FromNats(st, what); };
  CXB_RETURN_IF_ERROR(
      step(natsOptions_SetServers(opts, urls.data(), static_cast<int>(urls.size())), "servers"));
  CXB_RETURN_IF_ERROR(step(natsOptions_SetName(opts, settings.name.c_str()), "client name"));
  CXB_RETURN_IF_ERROR(
      step(natsOptions_SetTimeout(opts, settings.connect_timeout_ms), "connect timeout"));
  // Reconnect forever, quickly, with jitter: a JetStream server restart must not end the node.
  CXB_RETURN_IF_ERROR(step(natsOptions_SetMaxReconnect(opts, -1), "max reconnect"));
  CXB_RETURN_IF_ERROR(step(natsOptions_SetReconnectWait(opts, 250), "reconnect wait"));
  CXB_RETURN_IF_ERROR(step(natsOptions_SetReconnectJitter(opts, 100, 500), "reconnect jitter"));
  // Publishes made while reconnecting are buffered up to this much, then fail fast.
  CXB_RETURN_IF_ERROR(step(natsOptions_SetReconnectBufSize(opts, 8 << 20), "reconnect buffer"));
  CXB_RETURN_IF_ERROR(step(natsOptions_SetPingInterval(opts, 2000), "ping interval"));
  if (!settings.user.empty()) {
    CXB_RETURN_IF_ERROR(step(
        natsOptions_SetUserInfo(opts, settings.user.c_str(), settings.password.c_str()), "user"));
  }
  if (!settings.token.empty()) {
    CXB_RETURN_IF_ERROR(step(natsOptions_SetToken(opts, settings.token.c_str()), "token"));
  }
  if (!settings.creds_file.empty()) {
    CXB_RETURN_IF_ERROR(
        step(natsOptions_SetUserCredentialsFromFiles(opts, settings.creds_file.c_str(), nullptr),
             "creds file"));
  }
  if (!settings.nkey.empty()) {
    CXB_RETURN_IF_ERROR(step(
        natsOptions_SetNKeyFromSeed(opts, settings.nkey.c_str(), settings.nkey_seed_file.c_str()),
        "nkey"));
  }
  if (settings.tls) {
    CXB_RETURN_IF_ERROR(step(natsOptions_SetSecure(opts, true), "tls"));
    if (!settings.tls_files.ca_file.empty()) {
      CXB_RETURN_IF_ERROR(
          step(natsOptions_LoadCATrustedCertificates(opts, settings.tls_files.ca_file.c_str()),
               "tls.ca"));
    }
    if (!settings.tls_files.cert_file.empty()) {
      CXB_RETURN_IF_ERROR(
          step(natsOptions_LoadCertificatesChain(opts, settings.tls_files.cert_file.c_str(),
                                                 settings.tls_files.key_file.c_str()),
               "tls.cert/tls.key"));
    }
    if (settings.tls_files.skip_verify) {
      CXB_RETURN_IF_ERROR(
          step(natsOptions_SkipServerVerification(opts, true), "tls.insecure_skip_verify"));
    }
  }
  auto* box = new CallbackBox(c->callbacks_);
  natsOptions_SetDisconnectedCB(opts, &Connection::OnDisconnected, box);
  natsOptions_SetReconnectedCB(opts, &Connection::OnReconnected, box);
  natsOptions_SetClosedCB(opts, &Connection::OnClosed, box);
  s = natsConnection_Connect(&c->nc_, opts);
  if (s != NATS_OK) {
    // A connection that never opened makes no callbacks (checked against cnats 3.4): the box
    // is ours to free.
    delete box;
    Status st = FromNats(s, "connect to " + settings.Describe());
    c->nc_ = nullptr;
    return st;
  }
  return c;
}

Connection::~Connection() {
  if (callbacks_) {
    std::lock_guard<std::mutex> lock(callbacks_->mu);
    callbacks_->events = {};  // what they would reach may be gone with us
  }
  if (nc_) {
    // Close (flushes nothing more, unsubscribes), then free; callbacks may run during Close.
    natsConnection_Close(nc_);
    natsConnection_Destroy(nc_);
  }
}

bool Connection::connected() const {
  return nc_ && natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED;
}

std::string Connection::connected_url() const {
  char buf[512];
  if (!nc_ || natsConnection_GetConnectedUrl(nc_, buf, sizeof(buf)) != NATS_OK) return "";
  return buf;
}

Status Connection::Flush(int64_t timeout_ms) {
  return FromNats(natsConnection_FlushTimeout(nc_, timeout_ms), "flush");
}

Result<Message> Connection::Request(const std::string& subject, std::string_view data,
                                    int64_t timeout_ms) {
  natsMsg* reply = nullptr;
  natsStatus s = natsConnection_Request(&reply, nc_, subject.c_str(), data.data(),
                                        static_cast<int>(data.size()), timeout_ms);
  if (s != NATS_OK) return FromNats(s, "request " + subject);
  return Message(reply);
}

Status Connection::Publish(const std::string& subject, std::string_view data) {
  return FromNats(
      natsConnection_Publish(nc_, subject.c_str(), data.data(), static_cast<int>(data.size())),
      "publish " + subject);
}

// ---------------------------------------------------------------------------------------------
// JetStream

Result<std::unique_ptr<JetStream>> JetStream::Create(Connection& conn, int64_t request_timeout_ms) {
  jsOptions o;
  jsOptions_Init(&o);
  o.Wait = request_timeout_ms > 0 ? request_timeout_ms : conn.settings().request_timeout_ms;
  jsCtx* js = nullptr;
  natsStatus s = natsConnection_JetStream(&js, conn.raw(), &o);
  if (s != NATS_OK) return FromNats(s, "JetStream context");
  return std::unique_ptr<JetStream>(new JetStream(conn, js, o.Wait));
}

JetStream::~JetStream() {
  if (js_) jsCtx_Destroy(js_);
}

Status JetStream::CheckEnabled() {
  jsAccountInfo* ai = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetAccountInfo(&ai, js_, nullptr, &code);
  if (s == NATS_OK) {
    jsAccountInfo_Destroy(ai);
    return Status::Ok();
  }
  if (code == JSNotEnabledErr || code == JSNotEnabledForAccountErr || s == NATS_NO_RESPONDERS) {
    return Status::FailedPrecondition(
        "JetStream is not enabled on " + conn_.connected_url() +
        " for this account: start nats-server with -js (or a jetstream {} "
        "block) on every server, and give the account JetStream limits");
  }
  return FromNats(s, "JetStream account info", code);
}

namespace {

StreamState ToState(const jsStreamInfo* si) {
  StreamState st;
  if (si->Config) {
    st.name = si->Config->Name ? si->Config->Name : "";
    st.replicas = static_cast<int>(si->Config->Replicas);
  }
  st.messages = si->State.Msgs;
  st.bytes = si->State.Bytes;
  st.first_seq = si->State.FirstSeq;
  st.last_seq = si->State.LastSeq;
  st.consumers = si->State.Consumers;
  if (si->State.Subjects) {
    for (int i = 0; i < si->State.Subjects->Count; ++i)
      st.subject_messages += si->State.Subjects->List[i].Msgs;
  }
  if (si->Cluster) {
    st.cluster = si->Cluster->Name ? si->Cluster->Name : "";
    st.leader = si->Cluster->Leader ? si->Cluster->Leader : "";
    for (int i = 0; i < si->Cluster->ReplicasLen; ++i) {
      const jsPeerInfo* p = si->Cluster->Replicas[i];
      ReplicaState r;
      r.name = p->Name ? p->Name : "";
      r.current = p->Current;
      r.offline = p->Offline;
      r.active_ms = p->Active / kNsPerMs;
      r.lag = p->Lag;
      st.followers.push_back(std::move(r));
    }
  }
  return st;
}

}  // namespace

Result<StreamState> JetStream::EnsureStream(const StreamSpec& spec) {
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  std::vector<const char*> subjects;
  for (const auto& s : spec.subjects) subjects.push_back(s.c_str());
  cfg.Name = spec.name.c_str();
  cfg.Subjects = subjects.data();
  cfg.SubjectsLen = static_cast<int>(subjects.size());
  cfg.Storage = js_FileStorage;
  cfg.Retention = js_LimitsPolicy;
  cfg.Replicas = spec.replicas;
  cfg.MaxAge = spec.max_age_ms * kNsPerMs;
  cfg.MaxBytes = spec.max_bytes;
  cfg.MaxMsgsPerSubject = spec.max_msgs_per_subject;
  cfg.Duplicates = spec.duplicates_ms * kNsPerMs;
  cfg.Discard = spec.discard_new ? js_DiscardNew : js_DiscardOld;
  cfg.AllowRollup = spec.allow_rollup;
  cfg.AllowDirect = spec.allow_direct;
  cfg.DenyDelete = spec.deny_delete;
  jsStreamInfo* si = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(&si, js_, &cfg, nullptr, &code);
  if (s != NATS_OK && code == JSStreamNameExistErr) {
    // Exists with another config: bring it to this one (JetStream refuses what can't change).
    code = static_cast<jsErrCode>(0);
    s = js_UpdateStream(&si, js_, &cfg, nullptr, &code);
    if (s != NATS_OK) {
      Status st = FromNats(s, "update stream " + spec.name, code);
      if (st.code() == StatusCode::kUnavailable) return st;
      return Status::AlreadyExists(
          "stream " + spec.name +
          " exists with a configuration that cannot become this one: " + st.message());
    }
  } else if (s != NATS_OK) {
    return FromNats(s, "create stream " + spec.name, code);
  }
  StreamState out = ToState(si);
  jsStreamInfo_Destroy(si);
  return out;
}

Result<StreamState> JetStream::StreamInfo(const std::string& name,
                                          const std::string& subject_filter) {
  jsOptions o;
  jsOptions_Init(&o);
  o.Wait = timeout_ms_;
  if (!subject_filter.empty()) o.Stream.Info.SubjectsFilter = subject_filter.c_str();
  jsStreamInfo* si = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, js_, name.c_str(), &o, &code);
  if (s != NATS_OK) return FromNats(s, "stream info " + name, code);
  StreamState out = ToState(si);
  jsStreamInfo_Destroy(si);
  return out;
}

Status JetStream::DeleteStream(const std::string& name) {
  jsErrCode code = static_cast<jsErrCode>(0);
  return FromNats(js_DeleteStream(js_, name.c_str(), nullptr, &code), "delete stream " + name,
                  code);
}

Result<PubAck> JetStream::Publish(const std::string& subject, std::string_view data,
                                  const PublishOptions& o) {
  natsMsg* m = nullptr;
  natsStatus s =
      natsMsg_Create(&m, subject.c_str(), nullptr, data.data(), static_cast<int>(data.size()));
  if (s != NATS_OK) return FromNats(s, "message");
  Message owned(m);
  for (const auto& [k, v] : o.headers) natsMsgHeader_Add(m, k.c_str(), v.c_str());
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = o.timeout_ms > 0 ? o.timeout_ms : timeout_ms_;
  if (!o.msg_id.empty()) po.MsgId = o.msg_id.c_str();
  if (o.expect_last_subject_seq) {
    if (*o.expect_last_subject_seq == 0)
      po.ExpectNoMessage = true;
    else
      po.ExpectLastSubjectSeq = *o.expect_last_subject_seq;
  }
  jsPubAck* pa = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  s = js_PublishMsg(&pa, js_, m, &po, &code);
  if (s != NATS_OK) return FromNats(s, "publish " + subject, code);
  PubAck out{pa->Sequence, pa->Duplicate, pa->Stream ? pa->Stream : ""};
  jsPubAck_Destroy(pa);
  return out;
}

namespace {

Result<StoredMessage> ToStored(natsMsg* m) {
  Message owned(m);
  StoredMessage out;
  out.subject = std::string(owned.subject());
  out.data = std::string(owned.data());
  out.seq = natsMsg_GetSequence(m);
  out.time_ms = natsMsg_GetTime(m) / kNsPerMs;
  const char** keys = nullptr;
  int n = 0;
  if (natsMsgHeader_Keys(m, &keys, &n) == NATS_OK) {
    for (int i = 0; i < n; ++i) {
      const char* v = nullptr;
      if (natsMsgHeader_Get(m, keys[i], &v) == NATS_OK && v) out.headers.emplace_back(keys[i], v);
    }
    free(keys);
  }
  return out;
}

}  // namespace

Result<StoredMessage> JetStream::GetMessage(const std::string& stream, uint64_t seq) {
  natsMsg* m = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetMsg(&m, js_, stream.c_str(), seq, nullptr, &code);
  if (s != NATS_OK)
    return FromNats(s, "get message " + std::to_string(seq) + " of " + stream, code);
  return ToStored(m);
}

Result<StoredMessage> JetStream::GetLastMessage(const std::string& stream,
                                                const std::string& subject) {
  natsMsg* m = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetLastMsg(&m, js_, stream.c_str(), subject.c_str(), nullptr, &code);
  if (s != NATS_OK) return FromNats(s, "get last message on " + subject, code);
  return ToStored(m);
}

Status JetStream::DeleteMessage(const std::string& stream, uint64_t seq) {
  jsErrCode code = static_cast<jsErrCode>(0);
  return FromNats(js_DeleteMsg(js_, stream.c_str(), seq, nullptr, &code),
                  "delete message " + std::to_string(seq) + " of " + stream, code);
}

Status JetStream::Purge(const std::string& stream, const std::string& subject, uint64_t below_seq) {
  jsOptions o;
  jsOptions_Init(&o);
  o.Wait = timeout_ms_;
  if (!subject.empty()) o.Stream.Purge.Subject = subject.c_str();
  o.Stream.Purge.Sequence = below_seq;
  jsErrCode code = static_cast<jsErrCode>(0);
  return FromNats(js_PurgeStream(js_, stream.c_str(), &o, &code), "purge " + stream, code);
}

Status JetStream::EnsureConsumer(const std::string& stream, const ConsumerSpec& spec) {
  jsConsumerConfig cc;
  jsConsumerConfig_Init(&cc);
  if (!spec.durable.empty()) cc.Durable = spec.durable.c_str();
  if (!spec.filter_subject.empty()) cc.FilterSubject = spec.filter_subject.c_str();
  cc.AckPolicy = js_AckExplicit;
  cc.AckWait = spec.ack_wait_ms * kNsPerMs;
  cc.MaxDeliver = spec.max_deliver;
  cc.MaxAckPending = spec.max_ack_pending;
  std::vector<int64_t> backoff;
  for (int64_t ms : spec.backoff_ms) backoff.push_back(ms * kNsPerMs);
  if (!backoff.empty()) {
    cc.BackOff = backoff.data();
    cc.BackOffLen = static_cast<int>(backoff.size());
  }
  if (spec.start_seq > 0) {
    cc.DeliverPolicy = js_DeliverByStartSequence;
    cc.OptStartSeq = spec.start_seq;
  }
  cc.Replicas = spec.replicas;
  jsConsumerInfo* ci = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_AddConsumer(&ci, js_, stream.c_str(), &cc, nullptr, &code);
  if (s != NATS_OK && !spec.durable.empty()) {
    // Exists with another config (e.g. a changed AckWait): update it.
    code = static_cast<jsErrCode>(0);
    s = js_UpdateConsumer(&ci, js_, stream.c_str(), &cc, nullptr, &code);
  }
  if (s != NATS_OK) return FromNats(s, "consumer " + spec.durable + " on " + stream, code);
  jsConsumerInfo_Destroy(ci);
  return Status::Ok();
}

Status JetStream::DeleteConsumer(const std::string& stream, const std::string& durable) {
  jsErrCode code = static_cast<jsErrCode>(0);
  return FromNats(js_DeleteConsumer(js_, stream.c_str(), durable.c_str(), nullptr, &code),
                  "delete consumer " + durable, code);
}

Result<JetStream::ConsumerState> JetStream::ConsumerInfo(const std::string& stream,
                                                         const std::string& durable) {
  jsConsumerInfo* ci = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetConsumerInfo(&ci, js_, stream.c_str(), durable.c_str(), nullptr, &code);
  if (s != NATS_OK) return FromNats(s, "consumer info " + durable, code);
  ConsumerState out;
  out.num_pending = ci->NumPending;
  out.num_ack_pending = static_cast<uint64_t>(ci->NumAckPending);
  out.num_redelivered = static_cast<uint64_t>(ci->NumRedelivered);
  out.num_waiting = static_cast<uint64_t>(ci->NumWaiting);
  out.delivered_stream_seq = ci->Delivered.Stream;
  out.ack_floor_stream_seq = ci->AckFloor.Stream;
  jsConsumerInfo_Destroy(ci);
  return out;
}

Result<std::unique_ptr<Subscription>> JetStream::SubscribeOrdered(const std::string& stream,
                                                                  const std::string& subject,
                                                                  uint64_t start_seq,
                                                                  int64_t start_time_ms) {
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.Ordered = true;
  if (start_time_ms > 0) {
    so.Config.DeliverPolicy = js_DeliverByStartTime;
    so.Config.OptStartTime = start_time_ms * kNsPerMs;
  } else if (start_seq > 1) {
    so.Config.DeliverPolicy = js_DeliverByStartSequence;
    so.Config.OptStartSeq = start_seq;
  } else {
    so.Config.DeliverPolicy = js_DeliverAll;
  }
  natsSubscription* sub = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_SubscribeSync(&sub, js_, subject.c_str(), nullptr, &so, &code);
  if (s != NATS_OK) return FromNats(s, "ordered consumer on " + subject, code);
  // An ordered consumer may hold many messages before they are read (flow control bounds it);
  // lift cnats' default pending limits (65,536 msgs / 64 MiB) so a fast replay isn't a slow
  // consumer: flow control, not the client, paces it.
  natsSubscription_SetPendingLimits(sub, -1, 256 << 20);
  return std::make_unique<Subscription>(sub);
}

Result<std::unique_ptr<Subscription>> JetStream::PullSubscribe(const std::string& stream,
                                                               const std::string& durable,
                                                               const std::string& filter_subject) {
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.Consumer = durable.c_str();
  natsSubscription* sub = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s =
      js_PullSubscribe(&sub, js_, filter_subject.c_str(), durable.c_str(), nullptr, &so, &code);
  if (s != NATS_OK) return FromNats(s, "pull subscribe " + durable, code);
  return std::make_unique<Subscription>(sub);
}

// ---------------------------------------------------------------------------------------------
// Subscription

Subscription::~Subscription() {
  if (s_) {
    natsSubscription_Unsubscribe(s_);
    natsSubscription_Destroy(s_);
  }
}

Result<Message> Subscription::Next(int64_t timeout_ms) {
  natsMsg* m = nullptr;
  natsStatus s = natsSubscription_NextMsg(&m, s_, timeout_ms);
  if (s != NATS_OK) return FromNats(s, "next message");
  return Message(m);
}

Result<std::vector<Message>> Subscription::Fetch(int batch, int64_t timeout_ms) {
  natsMsgList list{nullptr, 0};
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = natsSubscription_Fetch(&list, s_, batch, timeout_ms, &code);
  std::vector<Message> out;
  if (s == NATS_TIMEOUT && list.Count == 0) return out;
  if (s != NATS_OK && list.Count == 0) return FromNats(s, "fetch", code);
  for (int i = 0; i < list.Count; ++i) {
    out.emplace_back(list.Msgs[i]);
    list.Msgs[i] = nullptr;  // now owned by `out`
  }
  natsMsgList_Destroy(&list);
  return out;
}

}  // namespace cxbridge::cluster
