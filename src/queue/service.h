// QueueService: cxbridge's built-in, durable, SQS-compatible queues (standard and FIFO), stored
// through the storage seam's QueueStore (store/queue_store.h; layout record.h) and indexed in memory
// (queue.h). Serves the SQS protocol handler (sqs_handler.h), the queue target
// (deliver/queue_target.cc) and `cxbridge consume` (through the protocol).
//
// Durability: Send with durable=true returns only after the messages are synced to disk (the
// WAL is fsync'd outside the lock, so concurrent senders share the wait); durable=false writes
// without the fsync — the queue target uses it, because its delivery record is deleted by a
// later write to the same WAL, so a crash can lose the message only together with that
// deletion (and the delivery is then repeated). Receives, deletes and visibility changes are
// unsynced: a lost one only makes a message visible again (at-least-once).
//
// Long polling: a receive that finds nothing waits up to WaitTimeSeconds without holding a
// thread: it is parked, and the service's one poller thread answers it when a message becomes
// visible or the wait ends. The poller also drops messages past their retention period.
//
// Thread-safety: every method is safe from any thread; one mutex guards the queues. `done`
// callbacks run on the caller's thread or on the poller thread, never under the lock.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "common/status.h"
#include "queue/errors.h"
#include "queue/queue.h"
#include "store/queue_store.h"

namespace cxbridge::queue {

struct SendInput {
  std::string body;
  json::Value attributes = json::Value::Object();  // MessageAttributes
  std::string group_id, dedup_id;
  int delay_seconds = -1;  // -1: the queue's DelaySeconds
  std::string sender_id;
};

struct SendOutput {
  std::string message_id;
  std::string md5_body, md5_attributes;
  std::string sequence_number;  // FIFO only
};

struct ReceivedMessage {
  std::string message_id, receipt_handle, body, md5_body;
  std::string attributes_json;  // MessageAttributes as stored ({} when none)
  std::string md5_attributes;
  std::string group_id, dedup_id, sequence_number, sender_id;
  int64_t sent_ms = 0, first_receive_ms = 0;
  uint32_t receive_count = 0;
};

struct ReceiveInput {
  std::string queue;
  int max_messages = 1;      // 1..10
  int visibility_seconds = -1;  // -1: the queue's VisibilityTimeout
  int wait_seconds = -1;        // -1: the queue's ReceiveMessageWaitTimeSeconds; 0..20
};

using ReceiveDone = std::function<void(QueueError, std::vector<ReceivedMessage>)>;

class QueueService {
 public:
  QueueService(store::QueueStore& store, Clock& clock, std::string account, std::string region);
  ~QueueService();

  // Loads every queue and message. Call once before Start.
  Status Open();
  // Starts the poller thread.
  void Start();
  // Answers every parked receive (empty) and stops the poller. Later receives do not wait.
  void Stop();
  // Wakes the poller (tests with a FakeClock call this after advancing time).
  void Wake();

  const std::string& account() const { return account_; }
  const std::string& region() const { return region_; }
  std::string Arn(const std::string& name) const;

  // `tags`: at most 50, keys 1-128 and values 0-256 characters. CreateQueue of an existing queue
  // with the same attributes succeeds and leaves its tags as they are (as SQS).
  QueueError CreateQueue(const std::string& name, const std::map<std::string, std::string>& attributes,
                         const std::map<std::string, std::string>& tags = {});
  QueueError TagQueue(const std::string& name, const std::map<std::string, std::string>& tags);
  QueueError UntagQueue(const std::string& name, const std::vector<std::string>& keys);
  QueueError ListTags(const std::string& name, std::map<std::string, std::string>* out);
  // The queues whose RedrivePolicy names `name` as their dead-letter queue.
  QueueError DeadLetterSources(const std::string& name, std::vector<std::string>* out);
  // AddPermission / RemovePermission: a statement (Sid = label) added to or removed from the
  // queue's Policy attribute, as SQS does. Stored, not enforced (every authenticated caller may
  // use every queue).
  QueueError AddPermission(const std::string& name, const std::string& label,
                           const std::vector<std::string>& accounts, const std::vector<std::string>& actions);
  QueueError RemovePermission(const std::string& name, const std::string& label);

  // Message move tasks (DLQ redrive as the SQS console does it). A task moves every message
  // visible in `source` (a dead-letter queue) to `destination` — or, when that is "", to the one
  // queue whose RedrivePolicy names `source` (cxbridge does not record each message's source
  // queue, so with several it must be given) — at once, in chunks under the lock, and is then
  // COMPLETED. Tasks are kept in memory (the last 100 per source), not across restarts.
  struct MoveTask {
    std::string handle, source, destination, status;  // COMPLETED | FAILED
    std::string failure_reason;
    int64_t started_ms = 0, moved = 0, to_move = 0;
    int max_per_second = 0;  // as given; the move does not wait
  };
  QueueError StartMoveTask(const std::string& source, const std::string& destination, int max_per_second,
                           MoveTask* out);
  std::vector<MoveTask> MoveTasks(const std::string& source);
  // Tasks here finish within their Start call: cancelling one is ResourceNotFound, as SQS answers
  // for a task that is no longer running.
  QueueError CancelMoveTask(const std::string& handle);
  QueueError DeleteQueue(const std::string& name);
  QueueError SetAttributes(const std::string& name, const std::map<std::string, std::string>& attributes);
  // `names` may hold "All". Unknown names are an error, as in SQS.
  QueueError GetAttributes(const std::string& name, const std::vector<std::string>& names,
                           std::map<std::string, std::string>* out);
  std::vector<std::string> ListQueues(const std::string& prefix);
  // Whether the queue exists, and whether it is FIFO.
  std::optional<bool> IsFifo(const std::string& name);

  // Sends each entry; per-entry results (a batch can partly fail, as SendMessageBatch).
  // `durable`: see the header comment.
  std::vector<std::pair<QueueError, SendOutput>> Send(const std::string& name, std::vector<SendInput> entries,
                                                      bool durable);
  void Receive(const ReceiveInput& in, ReceiveDone done);
  QueueError DeleteMessage(const std::string& name, const std::string& receipt_handle);
  // Deletes each entry, under one lock and in one write (DeleteMessageBatch); per-entry results.
  std::vector<QueueError> DeleteMessages(const std::string& name,
                                         const std::vector<std::string>& receipt_handles);
  QueueError ChangeVisibility(const std::string& name, const std::string& receipt_handle, int visibility_seconds);
  QueueError Purge(const std::string& name);

 private:
  struct Waiter {
    ReceiveInput in;
    int64_t deadline_ms;
    ReceiveDone done;
  };
  using Answer = std::pair<ReceiveDone, std::vector<ReceivedMessage>>;

  static QueueError NoQueue();
  static QueueError CheckTags(const std::map<std::string, std::string>& tags);
  // The RedrivePolicy's dead-letter queue exists and is of the same type (requires mu_).
  QueueError CheckDeadLetterTarget(const QueueConfig& cfg);
  // Writes `cfg` (synced) and applies it (requires mu_).
  QueueError SaveConfig(Queue& q, QueueConfig cfg);
  Queue* Find(const std::string& name);  // requires mu_
  // Receives from `q` now (requires mu_); writes the state changes.
  QueueError ReceiveLocked(Queue& q, const ReceiveInput& in, std::vector<ReceivedMessage>* out);
  Status Write(const store::QueueWrite& wb);
  void Loop();
  // Answers parked receives that can be answered now (requires mu_).
  void ServeWaiters(int64_t now, std::vector<Answer>* answers);
  // After a change that may let a parked receive be answered: asks the poller to look, and says
  // whether to notify it (only when a receive is parked; the poller wakes on its own otherwise).
  bool WakeForWaitersLocked();

  store::QueueStore& store_;
  Clock& clock_;
  const std::string account_, region_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::unique_ptr<Queue>> queues_;  // guarded by mu_
  std::vector<Waiter> waiters_;                           // guarded by mu_
  std::vector<MoveTask> move_tasks_;                      // guarded by mu_
  uint64_t next_seq_ = 1;                                 // guarded by mu_
  bool stopping_ = false, started_ = false;               // guarded by mu_
  bool woken_ = false;                                    // guarded by mu_
  int64_t last_expire_ms_ = 0;                            // poller thread
  std::thread poller_;
};

// Receipt handles: opaque to clients; name the queue, the message and the receive.
std::string MakeReceiptHandle(const std::string& queue, uint64_t seq, uint64_t nonce);
bool ParseReceiptHandle(const std::string& handle, std::string* queue, uint64_t* seq, uint64_t* nonce);
// SQS queue names: 1-80 of [A-Za-z0-9_-], FIFO names end in ".fifo".
bool ValidQueueName(const std::string& name);

}  // namespace cxbridge::queue
