#include "cluster/publisher.h"

#include <chrono>
#include <vector>

namespace cxbridge::cluster {

Result<std::unique_ptr<AsyncPublisher>> AsyncPublisher::Create(Connection& conn, Options options) {
  std::unique_ptr<AsyncPublisher> p(new AsyncPublisher());
  p->options_ = options;
  jsOptions o;
  jsOptions_Init(&o);
  o.Wait = options.timeout_ms;
  o.PublishAsync.MaxPending = options.max_pending;
  o.PublishAsync.StallWait = options.stall_ms;
  o.PublishAsync.AckHandler = &AsyncPublisher::OnAck;
  o.PublishAsync.AckHandlerClosure = p.get();
  natsStatus s = natsConnection_JetStream(&p->js_, conn.raw(), &o);
  if (s != NATS_OK) return FromNats(s, "JetStream context");
  return p;
}

AsyncPublisher::~AsyncPublisher() {
  // Take back what cnats still holds and fail it; acks arriving later find nothing.
  bool any_pending = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    any_pending = !pending_.empty();
  }
  if (js_) {
    natsMsgList list{nullptr, 0};
    // cnats 3.4 crashes in js_PublishAsyncGetPendingList on a context that never published
    // asynchronously: ask only when something is pending.
    if (any_pending && js_PublishAsyncGetPendingList(&list, js_) == NATS_OK) {
      for (int i = 0; i < list.Count; ++i) {
        if (Done d = Take(list.Msgs[i])) {
          Finish(d, Status::Unavailable("publisher closed before the PubAck came"));
        }
      }
      natsMsgList_Destroy(&list);
    }
    jsCtx_Destroy(js_);
  }
  std::unordered_map<natsMsg*, Done> rest;
  {
    std::lock_guard<std::mutex> lock(mu_);
    rest.swap(pending_);
  }
  for (auto& [m, d] : rest) d(Status::Unavailable("publisher closed before the PubAck came"));
  // A callback cnats started before the list was taken back may still be running.
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return running_ == 0; });
}

AsyncPublisher::Done AsyncPublisher::Take(natsMsg* msg) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pending_.find(msg);
  if (it == pending_.end()) return nullptr;
  Done d = std::move(it->second);
  pending_.erase(it);
  ++running_;  // counted until its callback has returned (Drain waits for that too)
  return d;
}

void AsyncPublisher::Finish(Done& d, Result<PubAck> r) {
  d(std::move(r));
  std::lock_guard<std::mutex> lock(mu_);
  if (--running_ == 0 && pending_.empty()) idle_.notify_all();
}

void AsyncPublisher::OnAck(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* self) {
  auto* p = static_cast<AsyncPublisher*>(self);
  Done d = p->Take(msg);
  // The handler owns the message (cnats' contract); freed only after Take, so its address
  // cannot be reused by a new publish while still in the map.
  natsMsg_Destroy(msg);
  if (!d) return;
  if (pa != nullptr) {
    p->Finish(d, PubAck{pa->Sequence, pa->Duplicate, pa->Stream ? pa->Stream : ""});
    return;
  }
  if (pae != nullptr) {
    if (pae->Err == NATS_TIMEOUT) {
      p->Finish(d, Status::Unavailable(
                       "no PubAck within the timeout (the message may have been stored)"));
      return;
    }
    Status st = FromNats(pae->Err, "publish", pae->ErrCode);
    if (pae->ErrText != nullptr && *pae->ErrText != '\0') {
      st = Status(st.code(), st.message() + " — " + pae->ErrText);
    }
    p->Finish(d, st);
    return;
  }
  p->Finish(d, Status::Internal("PubAck handler called without an ack or an error"));
}

void AsyncPublisher::Publish(const std::string& subject, std::string_view data,
                             const PublishOptions& o, Done done) {
  natsMsg* m = nullptr;
  natsStatus s =
      natsMsg_Create(&m, subject.c_str(), nullptr, data.data(), static_cast<int>(data.size()));
  if (s != NATS_OK) {
    done(FromNats(s, "message"));
    return;
  }
  for (const auto& [k, v] : o.headers) natsMsgHeader_Add(m, k.c_str(), v.c_str());
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = o.timeout_ms > 0 ? o.timeout_ms : options_.timeout_ms;
  if (!o.msg_id.empty()) po.MsgId = o.msg_id.c_str();
  if (o.expect_last_subject_seq) {
    if (*o.expect_last_subject_seq == 0)
      po.ExpectNoMessage = true;
    else
      po.ExpectLastSubjectSeq = *o.expect_last_subject_seq;
  }
  {
    // Registered before the publish: the ack may arrive before js_PublishMsgAsync returns.
    std::lock_guard<std::mutex> lock(mu_);
    pending_.emplace(m, std::move(done));
  }
  natsMsg* owned = m;
  s = js_PublishMsgAsync(js_, &owned, &po);
  if (s != NATS_OK) {
    // cnats kept ownership (owned != nullptr): nothing was sent.
    Done d = Take(m);
    natsMsg_Destroy(owned);
    if (d) Finish(d, FromNats(s, "publish " + subject));
  }
}

Status AsyncPublisher::Drain(int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  if (idle_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                     [this] { return pending_.empty(); })) {
    return Status::Ok();
  }
  return Status::Unavailable(std::to_string(pending_.size()) + " publishes still without a PubAck");
}

size_t AsyncPublisher::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

}  // namespace cxbridge::cluster
