// ContactCenter: a discrete-event model of an inbound voice contact center that emits the
// Genesys Cloud notification topics and shapes of ../shared/genesys (detail events, routing and
// presence changes, queue/user conversation snapshots, queue membership, transcription) with
// consistent ids and timestamps:
//   calls arrive (Poisson) → IVR → queue (acd.start) → answered by the longest-idle agent
//   (acd.end ANSWERED, user.start, routingStatus INTERACTING) or abandoned after the caller's
//   patience (acd.end ABANDON) → talk (with hold for a share, transcription utterances for a
//   share) → customer.end / user.end → ACW → acw (wrap-up code) → routingStatus IDLE.
//   Agents also take breaks (presence Break + OFF_QUEUE, then back On Queue + IDLE).
// Deterministic for a given seed. Pure computation, no I/O.
// Thread-safety: not thread-safe; one instance per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "common/json.h"

namespace cxbridge::genesys {

struct ContactCenterOptions {
  int agents = 20;
  int queues = 2;
  double calls_per_hour = 0;  // 0: what the agents can take at ~85 % occupancy
  double mean_ivr_s = 40;
  double mean_talk_s = 300;
  double mean_acw_s = 45;
  double mean_patience_s = 240;
  double hold_share = 0.3;         // calls with a hold
  double transcript_share = 0.2;   // calls with transcription events
  double breaks_per_agent_hour = 0.5;
  double mean_break_s = 600;
  bool snapshots = true;           // v2.routing.queues.{id}.conversations and v2.users.{id}.conversations
  uint64_t seed = 1;
  int64_t start_ms = 1'773'842'400'000;  // 2026-03-18T14:00:00Z
  // Real ids to use (e.g. a genesys-notifications source's `ids:` lists, so its subscriptions
  // match); the rest are generated from the seed.
  std::vector<std::string> agent_ids, queue_ids;
};

struct SimFrame {
  int64_t time_ms = 0;  // when Genesys would emit it
  std::string topic;    // concrete topic name
  json::Value body;     // eventBody
};

struct ContactCenterStats {
  uint64_t calls = 0, answered = 0, abandoned = 0, completed = 0, waiting = 0, breaks = 0;
};

class ContactCenter {
 public:
  explicit ContactCenter(ContactCenterOptions options);
  ~ContactCenter();
  ContactCenter(const ContactCenter&) = delete;
  ContactCenter& operator=(const ContactCenter&) = delete;

  // Runs the model up to `until_ms` (absolute), appending each frame in time order. The first
  // call also emits the opening state (queue membership, presence, routing status of every agent).
  void RunUntil(int64_t until_ms, std::vector<SimFrame>* out);

  const std::vector<std::string>& agent_ids() const { return agent_ids_; }
  const std::vector<std::string>& queue_ids() const { return queue_ids_; }
  const ContactCenterStats& stats() const { return stats_; }
  int64_t now_ms() const { return now_; }

  struct Call;
  struct Agent;

 private:
  struct Scheduled {
    int64_t at;
    uint64_t seq;
    std::function<void()> run;
    bool operator>(const Scheduled& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  void At(int64_t at_ms, std::function<void()> f);
  double Exp(double mean_s);  // exponential, seconds
  int64_t ExpMs(double mean_s, int64_t min_ms = 1000);
  std::string Uuid();
  void Emit(std::string topic, json::Value body);
  void Start();
  void Arrive();
  void EnterQueue(std::shared_ptr<Call> c);
  void Route();
  void Answer(std::shared_ptr<Call> c, Agent& a);
  void Abandon(std::shared_ptr<Call> c);
  void EndTalk(std::shared_ptr<Call> c);
  void EndAcw(std::shared_ptr<Call> c);
  void Utterance(std::shared_ptr<Call> c, int n);
  void TakeBreak(Agent& a);
  void SetRouting(Agent& a, const char* status);
  void SetPresence(Agent& a, bool on_queue);
  json::Value DetailBase(const Call& c, const std::string& participant, const std::string& session);
  json::Value Snapshot(const Call& c);

  ContactCenterOptions opt_;
  std::mt19937_64 rng_;
  int64_t now_;
  uint64_t seq_ = 0;
  bool started_ = false;
  std::priority_queue<Scheduled, std::vector<Scheduled>, std::greater<>> events_;
  std::vector<SimFrame>* out_ = nullptr;
  std::vector<std::string> agent_ids_, queue_ids_;
  std::vector<Agent> agents_;
  std::vector<std::shared_ptr<Call>> waiting_;  // FIFO across queues
  ContactCenterStats stats_;
  std::string division_id_, wrapup_codes_[3];
};

}  // namespace cxbridge::genesys
