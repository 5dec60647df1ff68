// The `archive` target kind: Arn "arn:aws:events:<region>:<account>:archive/<name>", the target of
// an archive's managed rule. Appends the event to the ArchiveStore, keyed by the event's `time`.
#include "common/ids.h"
#include "common/json.h"
#include "deliver/target.h"
#include "store/archive_store.h"

namespace cxbridge::deliver {
namespace {

class ArchiveTarget : public Target {
 public:
  ArchiveTarget(store::ArchiveStore* store, Clock* clock, std::string name)
      : store_(store), clock_(clock), name_(std::move(name)) {}

  void Send(const SendRequest& req, std::function<void(SendResult)> done) override {
    SendResult r;
    int64_t t = clock_->NowMs();
    auto ev = json::Parse(req.payload);
    if (ev.ok()) {
      if (const json::Value* time = ev->Find("time"); time && time->is_string()) {
        if (auto ms = ParseRfc3339(time->as_string())) t = *ms;
      }
    }
    Status st = store_->Append(name_, t, req.payload);
    if (!st.ok()) {
      r.kind = SendResult::kRetryable;
      r.error_code = "ARCHIVE_WRITE";
      r.message = st.message();
    }
    done(std::move(r));
  }

 private:
  store::ArchiveStore* store_;
  Clock* clock_;
  std::string name_;
};

class ArchiveTargetKind : public TargetKind {
 public:
  std::string_view name() const override { return "archive"; }
  bool Handles(const bus::TargetDef& def) const override {
    return def.arn.starts_with("arn:aws:events:") && def.arn.find(":archive/") != std::string::npos;
  }
  Result<std::shared_ptr<Target>> Create(const bus::TargetDef& def, const TargetEnv& env) const override {
    std::string name = def.arn.substr(def.arn.find(":archive/") + 9);
    if (name.empty()) return Status::InvalidArgument("archive ARN without a name: " + def.arn);
    if (env.archives == nullptr) return Status::Internal("archive target without an archive store");
    return std::shared_ptr<Target>(std::make_shared<ArchiveTarget>(env.archives, env.clock, name));
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewArchiveTargetKind() { return std::make_unique<ArchiveTargetKind>(); }

}  // namespace cxbridge::deliver
