// Storage engines for the contract suite (storage_contract.h): each opens one engine in a
// folder, closes it and opens it again (a restart), and hands out the storage interfaces.
//   EmbeddedEngine                the RocksDB engine (store/embedded.h, store/event_log.h)
//   FaultInjectingEngine<Inner>   Inner's interfaces wrapped by fault_injecting.h, with its Faults
// Another engine (cluster mode) provides the same members:
//   Engine(FakeClock& clock, std::string dir); Status Open(); void Close();
//   EventLog& log(); DedupStore& dedup(); DeliveryQueue& deliveries(); ResourceStore& resources();
//   ArchiveStore& archives(); QueueStore& queues(); Faults* faults() (null when the engine injects none).
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "store/archive_store.h"
#include "store/db.h"
#include "store/embedded.h"
#include "store/event_log.h"
#include "store/fault_injecting.h"
#include "store/resource_store.h"
#include "store/storage.h"

namespace cxbridge::store::testing {

class EmbeddedEngine {
 public:
  EmbeddedEngine(FakeClock& clock, std::string dir) : clock_(clock), dir_(std::move(dir)) {}
  ~EmbeddedEngine() { Close(); }

  Status Open() {
    auto db = Db::Open(dir_, clock_);
    if (!db.ok()) return db.status();
    db_ = std::move(*db);
    log_ = std::make_unique<EmbeddedEventLog>(*db_, clock_, EmbeddedEventLog::Options{});
    CXB_RETURN_IF_ERROR(log_->Start());
    dedup_ = std::make_unique<EmbeddedDedupStore>(*log_);
    deliveries_ = std::make_unique<EmbeddedDeliveryQueue>(*db_, *log_);
    resources_ = std::make_unique<EmbeddedResourceStore>(*db_);
    archives_ = std::make_unique<EmbeddedArchiveStore>(*db_);
    queues_ = std::make_unique<EmbeddedQueueStore>(*db_);
    return Status::Ok();
  }
  void Close() {
    if (log_) log_->Stop();
    queues_.reset();
    archives_.reset();
    resources_.reset();
    deliveries_.reset();
    dedup_.reset();
    log_.reset();
    db_.reset();
  }

  EventLog& log() { return *log_; }
  DedupStore& dedup() { return *dedup_; }
  DeliveryQueue& deliveries() { return *deliveries_; }
  ResourceStore& resources() { return *resources_; }
  ArchiveStore& archives() { return *archives_; }
  QueueStore& queues() { return *queues_; }
  Faults* faults() { return nullptr; }

 private:
  FakeClock& clock_;
  std::string dir_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<EmbeddedEventLog> log_;
  std::unique_ptr<EmbeddedDedupStore> dedup_;
  std::unique_ptr<EmbeddedDeliveryQueue> deliveries_;
  std::unique_ptr<EmbeddedResourceStore> resources_;
  std::unique_ptr<EmbeddedArchiveStore> archives_;
  std::unique_ptr<EmbeddedQueueStore> queues_;
};

template <typename Inner>
class FaultInjectingEngine {
 public:
  FaultInjectingEngine(FakeClock& clock, std::string dir) : inner_(clock, std::move(dir)) {}
  ~FaultInjectingEngine() { Close(); }

  Status Open() {
    CXB_RETURN_IF_ERROR(inner_.Open());
    log_ = std::make_unique<FaultInjectingEventLog>(inner_.log(), faults_);
    dedup_ = std::make_unique<FaultInjectingDedupStore>(inner_.dedup(), faults_);
    deliveries_ = std::make_unique<FaultInjectingDeliveryQueue>(inner_.deliveries(), faults_);
    resources_ = std::make_unique<FaultInjectingResourceStore>(inner_.resources(), faults_);
    archives_ = std::make_unique<FaultInjectingArchiveStore>(inner_.archives(), faults_);
    queues_ = std::make_unique<FaultInjectingQueueStore>(inner_.queues(), faults_);
    return Status::Ok();
  }
  // A restart also ends a failed sync's aftermath (as the embedded engine's reopen does).
  void Close() {
    queues_.reset();
    archives_.reset();
    resources_.reset();
    deliveries_.reset();
    dedup_.reset();
    log_.reset();
    inner_.Close();
    faults_.Heal();
  }

  EventLog& log() { return *log_; }
  DedupStore& dedup() { return *dedup_; }
  DeliveryQueue& deliveries() { return *deliveries_; }
  ResourceStore& resources() { return *resources_; }
  ArchiveStore& archives() { return *archives_; }
  QueueStore& queues() { return *queues_; }
  Faults* faults() { return &faults_; }

 private:
  Inner inner_;
  Faults faults_;
  std::unique_ptr<FaultInjectingEventLog> log_;
  std::unique_ptr<FaultInjectingDedupStore> dedup_;
  std::unique_ptr<FaultInjectingDeliveryQueue> deliveries_;
  std::unique_ptr<FaultInjectingResourceStore> resources_;
  std::unique_ptr<FaultInjectingArchiveStore> archives_;
  std::unique_ptr<FaultInjectingQueueStore> queues_;
};

}  // namespace cxbridge::store::testing
