// Replay operations: StartReplay hands a job to the ReplayEngine; the engine's progress comes back
// through OnReplayProgress. At most max_concurrent_replays are active (STARTING/RUNNING/CANCELLING).
#include "api/operations.h"

namespace cxbridge::api {
namespace {

bool IsActive(const std::string& state) {
  return state == "STARTING" || state == "RUNNING" || state == "CANCELLING";
}

json::Value ReplayView(ApiContext& ctx, const json::Value& rec, bool describe) {
  std::string name = Str(rec, "ReplayName");
  json::Value out = json::Value::Object();
  out.Set("ReplayName", json::Value::String(name));
  if (describe) {
    out.Set("ReplayArn", json::Value::String(ctx.arn.Replay(name)));
    SetIfNotEmpty(&out, "Description", Str(rec, "Description"));
  }
  out.Set("EventSourceArn", json::Value::String(Str(rec, "EventSourceArn")));
  if (describe) {
    if (const json::Value* d = rec.Find("Destination")) out.Set("Destination", *d);
  }
  out.Set("State", json::Value::String(Str(rec, "State")));
  SetIfNotEmpty(&out, "StateReason", Str(rec, "StateReason"));
  out.Set("EventStartTime", EpochSeconds(IntOf(rec, "EventStartTimeMs")));
  out.Set("EventEndTime", EpochSeconds(IntOf(rec, "EventEndTimeMs")));
  if (Has(rec, "EventLastReplayedTimeMs"))
    out.Set("EventLastReplayedTime", EpochSeconds(IntOf(rec, "EventLastReplayedTimeMs")));
  out.Set("ReplayStartTime", EpochSeconds(IntOf(rec, "ReplayStartTimeMs")));
  if (Has(rec, "ReplayEndTimeMs")) out.Set("ReplayEndTime", EpochSeconds(IntOf(rec, "ReplayEndTimeMs")));
  return out;
}

ReplayJob JobFromRecord(const json::Value& rec) {
  ReplayJob job;
  job.name = Str(rec, "ReplayName");
  job.archive = Str(rec, "Archive");
  job.bus = Str(rec, "Bus");
  job.start_ms = IntOf(rec, "EventStartTimeMs");
  // EventEndTime is inclusive at second precision in AWS; the scan's end is exclusive.
  job.end_ms = IntOf(rec, "EventEndTimeMs") + 1;
  if (const json::Value* d = rec.Find("Destination")) {
    if (const json::Value* filters = d->Find("FilterArns"); filters && filters->is_array()) {
      for (const auto& arn : filters->items()) {
        if (!arn.is_string()) continue;
        // rule/<name> or rule/<bus>/<name>: the rule name is the last segment.
        std::string rest = ArnResource(arn.as_string(), "rule/");
        size_t slash = rest.rfind('/');
        job.only_rules.push_back(slash == std::string::npos ? rest : rest.substr(slash + 1));
      }
    }
  }
  return job;
}

}  // namespace

Reply StartReplay(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "ReplayName"), source = Str(req, "EventSourceArn");
  auto start = TimestampMs(*req.Find("EventStartTime"));
  auto end = TimestampMs(*req.Find("EventEndTime"));
  if (!start || !end || *start >= *end)
    return Reply::Validation("Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.");
  std::string archive = ArnResource(source, "archive/");
  auto ait = ctx.reg.archives.find(archive);
  if (archive.empty() || ait == ctx.reg.archives.end())
    return Reply::Validation("Parameter EventSourceArn is not valid. Reason: Archive " +
                             (archive.empty() ? source : archive) + " does not exist.");
  if (ctx.reg.replays.count(name)) return Reply::Err("ResourceAlreadyExistsException", "Replay " + name + " already exists.");
  const json::Value& destination = *req.Find("Destination");
  std::string dest_bus = ArnResource(Str(destination, "Arn"), "event-bus/");
  if (dest_bus.empty() || !ctx.BusExists(dest_bus))
    return Reply::NotFound(BusNotFound(dest_bus.empty() ? Str(destination, "Arn") : dest_bus));
  if (dest_bus != Str(ait->second, "Bus"))
    return Reply::Validation("Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.");
  int active = 0;
  for (const auto& [n, rec] : ctx.reg.replays) active += IsActive(Str(rec, "State"));
  if (active >= ctx.options.max_concurrent_replays)
    return Reply::Err("LimitExceededException", std::string(kLimitMessage));

  int64_t now = ctx.NowMs();
  json::Value rec = json::Value::Object();
  rec.Set("ReplayName", json::Value::String(name));
  SetIfNotEmpty(&rec, "Description", Str(req, "Description"));
  rec.Set("EventSourceArn", json::Value::String(source));
  rec.Set("Archive", json::Value::String(archive));
  rec.Set("Bus", json::Value::String(dest_bus));
  rec.Set("Destination", destination);
  rec.Set("EventStartTimeMs", json::Value::Int(*start));
  rec.Set("EventEndTimeMs", json::Value::Int(*end));
  rec.Set("ReplayStartTimeMs", json::Value::Int(now));
  rec.Set("State", json::Value::String("STARTING"));
  if (Status st = ctx.Save(kKindReplay, ctx.reg.replays, name, rec); !st.ok()) return StoreError(st);
  ctx.replays->Add(JobFromRecord(rec));
  json::Value out = json::Value::Object();
  out.Set("ReplayArn", json::Value::String(ctx.arn.Replay(name)));
  out.Set("State", json::Value::String("STARTING"));
  out.Set("ReplayStartTime", EpochSeconds(now));
  return Reply::Ok(std::move(out));
}

Reply DescribeReplay(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "ReplayName");
  auto it = ctx.reg.replays.find(name);
  if (it == ctx.reg.replays.end()) return Reply::NotFound("Replay " + name + " does not exist.");
  return Reply::Ok(ReplayView(ctx, it->second, true));
}

Reply ListReplays(ApiContext& ctx, const json::Value& req) {
  std::string prefix = Str(req, "NamePrefix"), state = Str(req, "State"), source = Str(req, "EventSourceArn");
  if (!prefix.empty() + !source.empty() + !state.empty() > 1)
    return Reply::Validation("At most one filter is allowed for ListReplays. Use either : State, EventSourceArn, or NamePrefix.");
  std::vector<PageItem> items;
  for (const auto& [name, rec] : ctx.reg.replays) {
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    if (!state.empty() && Str(rec, "State") != state) continue;
    if (!source.empty() && Str(rec, "EventSourceArn") != source) continue;
    items.push_back({name, ReplayView(ctx, rec, false)});
  }
  json::Value out = json::Value::Object();
  if (auto err = Paginate(std::move(items), req, "Replays", &out)) return Reply::Err(err->type, err->message);
  return Reply::Ok(std::move(out));
}

Reply CancelReplay(ApiContext& ctx, const json::Value& req) {
  std::string name = Str(req, "ReplayName");
  auto it = ctx.reg.replays.find(name);
  if (it == ctx.reg.replays.end()) return Reply::NotFound("Replay " + name + " does not exist.");
  std::string state = Str(it->second, "State");
  if (state != "STARTING" && state != "RUNNING")
    return Reply::Err("IllegalStatusException", "Replay " + name + " is not in a valid state for this operation.");
  json::Value rec = it->second;
  rec.Set("State", json::Value::String("CANCELLING"));
  if (Status st = ctx.Save(kKindReplay, ctx.reg.replays, name, rec); !st.ok()) return StoreError(st);
  ctx.replays->Cancel(name);
  json::Value out = json::Value::Object();
  out.Set("ReplayArn", json::Value::String(ctx.arn.Replay(name)));
  out.Set("State", json::Value::String("CANCELLING"));
  return Reply::Ok(std::move(out));
}

void OnReplayProgress(ApiContext& ctx, const ReplayProgress& p) {
  std::lock_guard<std::mutex> lock(ctx.mu);
  auto it = ctx.reg.replays.find(p.name);
  if (it == ctx.reg.replays.end()) return;
  json::Value rec = it->second;
  std::string state = p.state;
  // A cancel requested while a batch ran wins over RUNNING.
  if (state == "RUNNING" && Str(rec, "State") == "CANCELLING") state = "CANCELLING";
  rec.Set("State", json::Value::String(state));
  if (!p.reason.empty()) rec.Set("StateReason", json::Value::String(p.reason));
  if (p.last_replayed_ms >= 0) rec.Set("EventLastReplayedTimeMs", json::Value::Int(p.last_replayed_ms));
  if (state == "COMPLETED" || state == "CANCELLED" || state == "FAILED")
    rec.Set("ReplayEndTimeMs", json::Value::Int(p.now_ms));
  // A failed write leaves the previous progress on disk; the next report rewrites it.
  (void)ctx.Save(kKindReplay, ctx.reg.replays, p.name, rec);
}

void ResumeReplays(ApiContext& ctx) {
  for (auto& [name, rec] : ctx.reg.replays) {
    std::string state = Str(rec, "State");
    if (state == "CANCELLING") {
      json::Value updated = rec;
      updated.Set("State", json::Value::String("CANCELLED"));
      updated.Set("ReplayEndTimeMs", json::Value::Int(ctx.NowMs()));
      (void)ctx.resources.Put(kKindReplay, name, json::Serialize(updated));
      rec = std::move(updated);
    } else if (state == "STARTING" || state == "RUNNING") {
      ReplayJob job = JobFromRecord(rec);
      if (Has(rec, "EventLastReplayedTimeMs")) job.resume_from_ms = IntOf(rec, "EventLastReplayedTimeMs");
      ctx.replays->Add(std::move(job));
    }
  }
}

}  // namespace cxbridge::api
