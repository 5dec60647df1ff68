#include "genesys/contact_center.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "common/ids.h"

namespace cxbridge::genesys {
namespace {

using json::Value;

// The fixed system "On Queue" presence definition id (reference samples); the others are this
// model's own stable ids.
constexpr char kOnQueueId[] = "e08eaf1b-ee47-4fa9-a231-1200e284798f";
constexpr char kBreakId[] = "a6f2c1d4-8b7e-4c3a-9f5d-2e1b0c9a8d7f";
constexpr const char* kFirst[] = {"Maria", "James", "Aisha", "Chen", "Lucas", "Priya", "Noah", "Sofia", "Omar", "Elena"};
constexpr const char* kLast[] = {"Lopez", "Smith", "Khan", "Wei", "Martin", "Patel", "Brown", "Rossi", "Haddad", "Novak"};
constexpr const char* kQueueNames[] = {"Billing Support", "Technical Support", "Sales", "Retention", "Claims"};
constexpr const char* kPhrases[] = {
    "thank you for calling how can I help you today", "I have a question about my last invoice",
    "let me pull up your account", "can you confirm the last four digits", "I see the charge from March",
    "I will apply a credit to your account", "is there anything else I can help with", "no that is all thanks"};

Value Str(std::string s) { return Value::String(std::move(s)); }
Value Int(int64_t v) { return Value::Int(v); }

}  // namespace

struct ContactCenter::Agent {
  std::string id, name;
  bool on_queue = true;
  std::string routing = "IDLE";
  int64_t idle_since = 0;
};

struct ContactCenter::Call {
  std::string id, queue_id, ani, customer_pid, customer_sid, acd_pid, acd_sid, agent_pid, agent_sid, correlation;
  std::string customer_call_id, agent_call_id;
  int agent = -1;
  int64_t arrived = 0, queued = 0, answered = 0, ended = 0, held_ms = 0;
  bool waiting = false, transcribed = false;
};

ContactCenter::ContactCenter(ContactCenterOptions options)
    : opt_(std::move(options)), rng_(opt_.seed), now_(opt_.start_ms) {
  opt_.agents = std::max(1, opt_.agents);
  opt_.queues = std::max(1, opt_.queues);
  if (opt_.calls_per_hour <= 0) {
    const double handle_s = opt_.mean_talk_s + opt_.mean_acw_s;
    opt_.calls_per_hour = opt_.agents * 0.85 * 3600.0 / handle_s;
  }
  division_id_ = Uuid();
  for (auto& w : wrapup_codes_) w = Uuid();
  opt_.queues = std::max<int>(opt_.queues, static_cast<int>(opt_.queue_ids.size()));
  opt_.agents = std::max<int>(opt_.agents, static_cast<int>(opt_.agent_ids.size()));
  for (int i = 0; i < opt_.queues; ++i) {
    queue_ids_.push_back(i < static_cast<int>(opt_.queue_ids.size()) ? opt_.queue_ids[i] : Uuid());
  }
  for (int i = 0; i < opt_.agents; ++i) {
    Agent a;
    a.id = i < static_cast<int>(opt_.agent_ids.size()) ? opt_.agent_ids[i] : Uuid();
    a.name = std::string(kFirst[i % 10]) + " " + kLast[(i / 10 + i) % 10];
    agent_ids_.push_back(a.id);
    agents_.push_back(std::move(a));
  }
}

ContactCenter::~ContactCenter() = default;

std::string ContactCenter::Uuid() {
  const uint64_t a = rng_(), b = rng_();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

double ContactCenter::Exp(double mean_s) {
  std::exponential_distribution<double> d(1.0 / std::max(mean_s, 0.001));
  return d(rng_);
}

int64_t ContactCenter::ExpMs(double mean_s, int64_t min_ms) {
  return std::max<int64_t>(min_ms, static_cast<int64_t>(Exp(mean_s) * 1000));
}

void ContactCenter::At(int64_t at_ms, std::function<void()> f) { events_.push({at_ms, seq_++, std::move(f)}); }

void ContactCenter::Emit(std::string topic, Value body) { out_->push_back({now_, std::move(topic), std::move(body)}); }

void ContactCenter::RunUntil(int64_t until_ms, std::vector<SimFrame>* out) {
  out_ = out;
  if (!started_) {
    started_ = true;
    Start();
  }
  while (!events_.empty() && events_.top().at <= until_ms) {
    Scheduled s = events_.top();
    events_.pop();
    now_ = s.at;
    s.run();
  }
  now_ = std::max(now_, until_ms);
  out_ = nullptr;
}

void ContactCenter::Start() {
  for (size_t i = 0; i < agents_.size(); ++i) {
    Agent& a = agents_[i];
    a.idle_since = now_;
    for (const auto& q : queue_ids_) {
      Emit("v2.routing.queues." + q + ".users",
           Value::Object({{"id", Str(a.id)}, {"user", Value::Object({{"id", Str(a.id)}})}, {"queueId", Str(q)},
                          {"joined", Value::Bool(true)}}));
    }
    SetPresence(a, true);
    SetRouting(a, "IDLE");
    if (opt_.breaks_per_agent_hour > 0) {
      At(now_ + ExpMs(3600.0 / opt_.breaks_per_agent_hour), [this, i] { TakeBreak(agents_[i]); });
    }
  }
  At(now_ + ExpMs(3600.0 / opt_.calls_per_hour, 1), [this] { Arrive(); });
}

void ContactCenter::SetPresence(Agent& a, bool on_queue) {
  a.on_queue = on_queue;
  Emit("v2.users." + a.id + ".presence",
       Value::Object({{"source", Str("PURECLOUD")},
                      {"presenceDefinition", Value::Object({{"id", Str(on_queue ? kOnQueueId : kBreakId)},
                                                            {"systemPresence", Str(on_queue ? "On Queue" : "Break")}})},
                      {"primary", Value::Bool(true)},
                      {"message", Str("")},
                      {"modifiedDate", Str(FormatRfc3339Millis(now_))}}));
}

void ContactCenter::SetRouting(Agent& a, const char* status) {
  a.routing = status;
  if (a.routing == "IDLE") a.idle_since = now_;
  Emit("v2.users." + a.id + ".routingStatus",
       Value::Object({{"id", Str(a.id)},
                      {"routingStatus", Value::Object({{"status", Str(status)},
                                                       {"startTime", Str(FormatRfc3339Millis(now_))}})}}));
}

void ContactCenter::TakeBreak(Agent& a) {
  const size_t i = &a - agents_.data();
  if (a.routing != "IDLE" || !a.on_queue) {  // busy: try again after this call
    At(now_ + 60'000, [this, i] { TakeBreak(agents_[i]); });
    return;
  }
  stats_.breaks++;
  SetPresence(a, false);
  SetRouting(a, "OFF_QUEUE");
  At(now_ + ExpMs(opt_.mean_break_s, 60'000), [this, i] {
    Agent& b = agents_[i];
    SetPresence(b, true);
    SetRouting(b, "IDLE");
    Route();
    At(now_ + ExpMs(3600.0 / opt_.breaks_per_agent_hour), [this, i] { TakeBreak(agents_[i]); });
  });
}

Value ContactCenter::DetailBase(const Call& c, const std::string& participant, const std::string& session) {
  return Value::Object({{"eventTime", Int(now_)},
                        {"conversationId", Str(c.id)},
                        {"participantId", Str(participant)},
                        {"sessionId", Str(session)},
                        {"mediaType", Str("VOICE")},
                        {"provider", Str("Edge")},
                        {"direction", Str("INBOUND")},
                        {"ani", Str(c.ani)},
                        {"dnis", Str("tel:+18005550199")}});
}

Value ContactCenter::Snapshot(const Call& c) {
  auto call = [&](const std::string& id, const char* state, int64_t connected) {
    Value v = Value::Object({{"id", Str(id)}, {"state", Str(state)}, {"initialState", Str("offering")},
                             {"recording", Value::Bool(true)}, {"muted", Value::Bool(false)},
                             {"held", Value::Bool(false)}, {"direction", Str("inbound")}, {"provider", Str("Edge")},
                             {"connectedTime", Str(FormatRfc3339Millis(connected))}});
    if (std::string(state) == "terminated") v.Set("disconnectedTime", Str(FormatRfc3339Millis(now_)));
    return v;
  };
  const bool over = c.ended > 0;
  Value customer = Value::Object({{"id", Str(c.customer_pid)},
                                  {"connectedTime", Str(FormatRfc3339Millis(c.arrived))},
                                  {"name", Str("Customer")},
                                  {"queueId", Str(c.queue_id)},
                                  {"purpose", Str("customer")},
                                  {"address", Str(c.ani)},
                                  {"wrapupRequired", Value::Bool(false)},
                                  {"attributes", Value::Object({{"IVR.Intent", Str("billing_dispute")}})},
                                  {"calls", Value::Array({call(c.customer_call_id, over ? "terminated" : "connected", c.arrived)})}});
  Value participants = Value::Array({std::move(customer)});
  if (c.agent >= 0) {
    const Agent& a = agents_[c.agent];
    participants.Push(Value::Object({{"id", Str(c.agent_pid)},
                                     {"connectedTime", Str(FormatRfc3339Millis(c.answered))},
                                     {"name", Str(a.name)},
                                     {"userId", Str(a.id)},
                                     {"queueId", Str(c.queue_id)},
                                     {"purpose", Str("agent")},
                                     {"wrapupRequired", Value::Bool(true)},
                                     {"attributes", Value::Object()},
                                     {"calls", Value::Array({call(c.agent_call_id, over ? "terminated" : "connected", c.answered)})}}));
  }
  return Value::Object({{"id", Str(c.id)}, {"maxParticipants", Int(c.agent >= 0 ? 2 : 1)},
                        {"participants", std::move(participants)}});
}

void ContactCenter::Arrive() {
  At(now_ + ExpMs(3600.0 / opt_.calls_per_hour, 1), [this] { Arrive(); });
  auto c = std::make_shared<Call>();
  stats_.calls++;
  c->id = Uuid();
  c->queue_id = queue_ids_[rng_() % queue_ids_.size()];
  char ani[32];
  std::snprintf(ani, sizeof ani, "tel:+1317555%04u", static_cast<unsigned>(rng_() % 10000));
  c->ani = ani;
  c->customer_pid = Uuid();
  c->customer_sid = Uuid();
  c->customer_call_id = Uuid();
  c->arrived = now_;
  c->transcribed = std::uniform_real_distribution<double>(0, 1)(rng_) < opt_.transcript_share;
  Emit("v2.detail.events.conversation." + c->id + ".customer.start", DetailBase(*c, c->customer_pid, c->customer_sid));
  At(now_ + ExpMs(opt_.mean_ivr_s, 5000), [this, c] { EnterQueue(c); });
}

void ContactCenter::EnterQueue(std::shared_ptr<Call> c) {
  c->acd_pid = Uuid();
  c->acd_sid = Uuid();
  c->queued = now_;
  c->waiting = true;
  Value b = DetailBase(*c, c->acd_pid, c->acd_sid);
  b.Set("queueId", Str(c->queue_id));
  b.Set("divisionId", Str(division_id_));
  b.Set("routingPriority", Int(0));
  Emit("v2.detail.events.conversation." + c->id + ".acd.start", std::move(b));
  if (opt_.snapshots) Emit("v2.routing.queues." + c->queue_id + ".conversations", Snapshot(*c));
  waiting_.push_back(c);
  stats_.waiting++;
  At(now_ + ExpMs(opt_.mean_patience_s, 10'000), [this, c] { Abandon(c); });
  Route();
}

void ContactCenter::Route() {
  while (!waiting_.empty()) {
    int best = -1;
    for (size_t i = 0; i < agents_.size(); ++i) {
      const Agent& a = agents_[i];
      if (a.on_queue && a.routing == "IDLE" && (best < 0 || a.idle_since < agents_[best].idle_since)) {
        best = static_cast<int>(i);
      }
    }
    if (best < 0) return;
    auto c = waiting_.front();
    waiting_.erase(waiting_.begin());
    Answer(std::move(c), agents_[best]);
  }
}

void ContactCenter::Answer(std::shared_ptr<Call> c, Agent& a) {
  c->waiting = false;
  stats_.waiting--;
  stats_.answered++;
  c->agent = static_cast<int>(&a - agents_.data());
  c->answered = now_;
  c->agent_pid = Uuid();
  c->agent_sid = Uuid();
  c->agent_call_id = Uuid();
  Value end = DetailBase(*c, c->acd_pid, c->acd_sid);
  end.Set("disconnectType", Str("TRANSFER"));
  end.Set("queueId", Str(c->queue_id));
  end.Set("acdOutcome", Str("ANSWERED"));
  end.Set("answeredUserId", Str(a.id));
  end.Set("usedRouting", Str("STANDARD"));
  end.Set("connectedDurationMs", Int(now_ - c->queued));
  end.Set("flowType", Str("INBOUNDCALL"));
  Emit("v2.detail.events.conversation." + c->id + ".acd.end", std::move(end));
  SetRouting(a, "INTERACTING");
  Value start = DetailBase(*c, c->agent_pid, c->agent_sid);
  start.Set("userId", Str(a.id));
  start.Set("queueId", Str(c->queue_id));
  Emit("v2.detail.events.conversation." + c->id + ".user.start", std::move(start));
  if (opt_.snapshots) {
    Emit("v2.routing.queues." + c->queue_id + ".conversations", Snapshot(*c));
    Emit("v2.users." + a.id + ".conversations", Snapshot(*c));
  }
  const int64_t talk = ExpMs(opt_.mean_talk_s, 20'000);
  if (std::uniform_real_distribution<double>(0, 1)(rng_) < opt_.hold_share) c->held_ms = talk / 8;
  if (c->transcribed) At(now_ + 4000, [this, c] { Utterance(c, 0); });
  At(now_ + talk, [this, c] { EndTalk(c); });
}

void ContactCenter::Utterance(std::shared_ptr<Call> c, int n) {
  if (c->ended > 0) return;
  const std::string text = kPhrases[n % 8];
  Value words = Value::Array();
  int64_t offset = now_ - c->answered;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t sp = text.find(' ', pos);
    std::string w = text.substr(pos, sp == std::string::npos ? std::string::npos : sp - pos);
    words.Push(Value::Object({{"confidence", Value::Double(0.9)}, {"offsetMs", Int(offset)}, {"durationMs", Int(240)}, {"word", Str(w)}}));
    offset += 300;
    pos = sp == std::string::npos ? text.size() : sp + 1;
  }
  Value alt = Value::Object({{"confidence", Value::Double(0.91)}, {"offsetMs", Int(now_ - c->answered)},
                             {"durationMs", Int(offset - (now_ - c->answered))}, {"transcript", Str(text)},
                             {"words", std::move(words)}, {"decoratedTranscript", Str(text)}});
  Value body = Value::Object({{"eventTime", Str(FormatRfc3339Millis(now_))},
                              {"conversationId", Str(c->id)},
                              {"communicationId", Str(c->agent_call_id)},
                              {"sessionStartTimeMs", Int(c->answered)},
                              {"transcriptionStartTimeMs", Int(c->answered)},
                              {"transcripts", Value::Array({Value::Object({{"utteranceId", Str(Uuid())},
                                                                          {"isFinal", Value::Bool(true)},
                                                                          {"channel", Str(n % 2 ? "EXTERNAL" : "INTERNAL")},
                                                                          {"alternatives", Value::Array({std::move(alt)})}})})}});
  Emit("v2.conversations." + c->id + ".transcription", std::move(body));
  At(now_ + ExpMs(5, 2000), [this, c, n] { Utterance(c, n + 1); });
}

void ContactCenter::Abandon(std::shared_ptr<Call> c) {
  if (!c->waiting) return;
  c->waiting = false;
  stats_.waiting--;
  stats_.abandoned++;
  waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), c), waiting_.end());
  Value end = DetailBase(*c, c->acd_pid, c->acd_sid);
  end.Set("disconnectType", Str("PEER"));
  end.Set("queueId", Str(c->queue_id));
  end.Set("acdOutcome", Str("ABANDON"));
  end.Set("connectedDurationMs", Int(now_ - c->queued));
  Emit("v2.detail.events.conversation." + c->id + ".acd.end", std::move(end));
  c->ended = now_;
  Value cend = DetailBase(*c, c->customer_pid, c->customer_sid);
  cend.Set("disconnectType", Str("PEER"));
  cend.Set("interactingDurationMs", Int(now_ - c->arrived));
  Emit("v2.detail.events.conversation." + c->id + ".customer.end", std::move(cend));
  if (opt_.snapshots) Emit("v2.routing.queues." + c->queue_id + ".conversations", Snapshot(*c));
}

void ContactCenter::EndTalk(std::shared_ptr<Call> c) {
  c->ended = now_;
  stats_.completed++;
  Agent& a = agents_[c->agent];
  Value cend = DetailBase(*c, c->customer_pid, c->customer_sid);
  cend.Set("disconnectType", Str("PEER"));
  cend.Set("interactingDurationMs", Int(now_ - c->arrived));
  Emit("v2.detail.events.conversation." + c->id + ".customer.end", std::move(cend));
  Value uend = DetailBase(*c, c->agent_pid, c->agent_sid);
  uend.Set("disconnectType", Str("PEER"));
  uend.Set("userId", Str(a.id));
  uend.Set("queueId", Str(c->queue_id));
  uend.Set("interactingDurationMs", Int(now_ - c->answered));
  uend.Set("heldDurationMs", Int(c->held_ms));
  uend.Set("alertingDurationMs", Int(0));
  Emit("v2.detail.events.conversation." + c->id + ".user.end", std::move(uend));
  if (opt_.snapshots) {
    Emit("v2.routing.queues." + c->queue_id + ".conversations", Snapshot(*c));
    Emit("v2.users." + a.id + ".conversations", Snapshot(*c));
  }
  At(now_ + ExpMs(opt_.mean_acw_s, 5000), [this, c] { EndAcw(c); });
}

void ContactCenter::EndAcw(std::shared_ptr<Call> c) {
  Agent& a = agents_[c->agent];
  Value acw = DetailBase(*c, c->agent_pid, c->agent_sid);
  acw.Set("userId", Str(a.id));
  acw.Set("queueId", Str(c->queue_id));
  acw.Set("wrapupCode", Str(wrapup_codes_[rng_() % 3]));
  acw.Set("wrapupNotes", Str("Simulated call handled."));
  acw.Set("wrapupDurationMs", Int(now_ - c->ended));
  Emit("v2.detail.events.conversation." + c->id + ".acw", std::move(acw));
  SetRouting(a, "IDLE");
  Route();
}

}  // namespace cxbridge::genesys
