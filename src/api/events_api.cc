#include "api/events_api.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "api/api_context.h"
#include "api/operations.h"
#include "api/pattern_engine.h"
#include "api/replay_engine.h"
#include "aws/sigv4.h"
#include "api/validation.h"
#include "common/ids.h"
#include "common/thread_name.h"

namespace cxbridge::api {
namespace {

struct OpEntry {
  const char* name;
  ControlOp op;
  bool mutates;  // pushes definitions after success
};

// The served control operations (PutEvents and TestEventPattern are dispatched before this table).
const OpEntry kControlOps[] = {
    {"CreateEventBus", CreateEventBus, true},
    {"DescribeEventBus", DescribeEventBus, false},
    {"ListEventBuses", ListEventBuses, false},
    {"UpdateEventBus", UpdateEventBus, true},
    {"DeleteEventBus", DeleteEventBus, true},
    {"PutRule", PutRule, true},
    {"DescribeRule", DescribeRule, false},
    {"ListRules", ListRules, false},
    {"DeleteRule", DeleteRule, true},
    {"EnableRule", EnableRule, true},
    {"DisableRule", DisableRule, true},
    {"ListRuleNamesByTarget", ListRuleNamesByTarget, false},
    {"PutTargets", PutTargets, true},
    {"RemoveTargets", RemoveTargets, true},
    {"ListTargetsByRule", ListTargetsByRule, false},
    {"CreateArchive", CreateArchive, true},
    {"DescribeArchive", DescribeArchive, false},
    {"ListArchives", ListArchives, false},
    {"UpdateArchive", UpdateArchive, true},
    {"DeleteArchive", DeleteArchive, true},
    {"StartReplay", StartReplay, false},
    {"DescribeReplay", DescribeReplay, false},
    {"ListReplays", ListReplays, false},
    {"CancelReplay", CancelReplay, false},
    {"CreateConnection", CreateConnection, false},
    {"DescribeConnection", DescribeConnection, false},
    {"ListConnections", ListConnections, false},
    {"UpdateConnection", UpdateConnection, false},
    {"DeleteConnection", DeleteConnection, false},
    {"DeauthorizeConnection", DeauthorizeConnection, false},
    {"CreateApiDestination", CreateApiDestination, false},
    {"DescribeApiDestination", DescribeApiDestination, false},
    {"ListApiDestinations", ListApiDestinations, false},
    {"UpdateApiDestination", UpdateApiDestination, false},
    {"DeleteApiDestination", DeleteApiDestination, false},
    {"CreatePartnerEventSource", CreatePartnerEventSource, false},
    {"DescribePartnerEventSource", DescribePartnerEventSource, false},
    {"ListPartnerEventSources", ListPartnerEventSources, false},
    {"ListPartnerEventSourceAccounts", ListPartnerEventSourceAccounts, false},
    {"DeletePartnerEventSource", DeletePartnerEventSource, false},
    {"DescribeEventSource", DescribeEventSource, false},
    {"ListEventSources", ListEventSources, false},
    {"ActivateEventSource", ActivateEventSource, false},
    {"DeactivateEventSource", DeactivateEventSource, false},
    {"PutPermission", PutPermission, false},
    {"RemovePermission", RemovePermission, false},
    {"TagResource", TagResource, false},
    {"UntagResource", UntagResource, false},
    {"ListTagsForResource", ListTagsForResource, false},
};

const OpEntry* FindControlOp(std::string_view name) {
  for (const auto& e : kControlOps)
    if (name == e.name) return &e;
  return nullptr;
}

}  // namespace

struct EventsApi::Impl {
  ApiContext ctx;
  aws::SigV4Verifier verifier;
  ReplayEngine engine;

  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<std::function<void()>> queue;  // guarded by queue_mu
  bool accepting = true;                    // guarded by queue_mu
  bool started = false;
  std::thread control;

  Impl(ApiOptions options, store::ResourceStore& resources, store::ArchiveStore& archives,
       bus::EventSink& events, bus::DefinitionSink& definitions, Clock& clock, const PatternEngine& patterns)
      : ctx(std::move(options), resources, archives, events, definitions, clock, patterns),
        verifier(ctx.options.access_keys),
        engine(archives, events, clock, [this](const ReplayProgress& p) { OnReplayProgress(ctx, p); }) {
    ctx.replays = &engine;
    ctx.post_control = [this](std::function<void()> fn) {
      std::lock_guard<std::mutex> lock(queue_mu);
      if (!accepting)
        return;  // stopping: a connection left AUTHORIZING is retried at the next Start
      queue.push_back([this, fn = std::move(fn)] {
        std::lock_guard<std::mutex> ctx_lock(ctx.mu);
        fn();
      });
      queue_cv.notify_one();
    };
  }

  void Enqueue(std::function<void()> fn, const http::Respond& respond, const std::string& request_id) {
    {
      std::lock_guard<std::mutex> lock(queue_mu);
      if (accepting) {
        queue.push_back(std::move(fn));
        queue_cv.notify_one();
        return;
      }
    }
    respond(ToHttpResponse(Reply::Err("ServiceUnavailable", "The service is shutting down."), request_id));
  }

  void ControlLoop() {
    constexpr int64_t kRetentionEveryMs = 3600 * 1000;
    int64_t last_sweep_ms = -kRetentionEveryMs;
    for (;;) {
      if (ctx.clock.SteadyMs() - last_sweep_ms >= kRetentionEveryMs) {
        last_sweep_ms = ctx.clock.SteadyMs();
        std::lock_guard<std::mutex> lock(ctx.mu);
        SweepArchiveRetention(ctx);
      }
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(queue_mu);
        queue_cv.wait_for(lock, std::chrono::minutes(1), [this] { return !queue.empty() || !accepting; });
        if (queue.empty()) {
          if (!accepting) return;
          continue;
        }
        fn = std::move(queue.front());
        queue.pop_front();
      }
      fn();
    }
  }

  Reply RunControl(const OpEntry& e, const json::Value& body) {
    std::lock_guard<std::mutex> lock(ctx.mu);
    Reply r = e.op(ctx, body);
    if (r.ok() && e.mutates) ctx.PushDefinitions();
    return r;
  }
};

EventsApi::EventsApi(ApiOptions options, store::ResourceStore& resources, store::ArchiveStore& archives,
                     bus::EventSink& events, bus::DefinitionSink& definitions, Clock& clock,
                     const PatternEngine* patterns)
    : impl_(std::make_unique<Impl>(std::move(options), resources, archives, events, definitions, clock,
                                   patterns ? *patterns : BuiltinPatternEngine())) {}

EventsApi::~EventsApi() { Stop(); }

Status EventsApi::Start() {
  {
    std::lock_guard<std::mutex> lock(impl_->ctx.mu);
    CXB_RETURN_IF_ERROR(impl_->ctx.Load());
    impl_->ctx.PushDefinitions();
    ResumeReplays(impl_->ctx);
    ResumeAuthorizations(impl_->ctx);
  }
  impl_->started = true;
  impl_->control = std::thread([this] {
    SetThreadName("cxb-api-control");
    impl_->ControlLoop();
  });
  if (impl_->ctx.options.run_replay_thread) impl_->engine.StartThread();
  return Status::Ok();
}

void EventsApi::Stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->queue_mu);
    impl_->accepting = false;
    impl_->queue_cv.notify_all();
  }
  if (impl_->control.joinable()) impl_->control.join();
  impl_->engine.Stop();
}

bool EventsApi::RunReplaysOnce() { return impl_->engine.RunOnce(); }

EventsApi::ApiDestinationRecords EventsApi::FindApiDestination(std::string_view arn) const {
  std::shared_ptr<const DestinationSnapshot> snap = impl_->ctx.destination_snapshot.load();
  ApiDestinationRecords out;
  auto d = snap->destinations.find(std::string(arn));
  if (d == snap->destinations.end()) return out;
  out.destination = d->second;
  auto c = snap->connections.find(Str(*d->second, "ConnectionArn"));
  if (c != snap->connections.end()) out.connection = c->second;
  return out;
}

void EventsApi::RunRetentionOnce() {
  std::lock_guard<std::mutex> lock(impl_->ctx.mu);
  SweepArchiveRetention(impl_->ctx);
}

namespace {
// The operation's name is echoed only when it could be one (ASCII letters and digits, as every
// EventBridge operation is): bytes from the X-Amz-Target header may be anything, invalid UTF-8
// included, and an answer must stay valid JSON.
std::string UnknownOperationMessage(std::string_view op) {
  bool nameable = !op.empty() && op.size() <= 64;
  for (char c : op) nameable = nameable && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
  if (!nameable) return "This operation is not supported by cxbridge.";
  return "Operation " + std::string(op) + " is not supported by cxbridge.";
}
}  // namespace

void EventsApi::Handle(http::Request req, http::Respond respond) {
  const std::string request_id = NewUuid4();
  auto answer = [&](const Reply& r) { respond(ToHttpResponse(r, request_id)); };

  std::string_view target = req.Header("X-Amz-Target").value_or("");
  std::string op;
  if (target.substr(0, kTargetPrefix.size()) == kTargetPrefix) op = std::string(target.substr(kTargetPrefix.size()));
  if (req.method != "POST" || op.empty())
    return answer(Reply::Err("UnknownOperationException", "Expected POST / with an X-Amz-Target: AWSEvents.<Operation> header."));

  aws::AuthResult auth = impl_->verifier.Verify(req, impl_->ctx.clock.NowMs());
  if (auth.outcome != aws::AuthOutcome::kOk) return answer(Reply::Err(aws::AuthErrorType(auth.outcome), auth.message));
  // One region: a request signed for another is refused, never answered with this region's ARNs.
  if (std::string wrong = aws::WrongRegionMessage(req, impl_->ctx.options.region); !wrong.empty())
    return answer(Reply::Err("InvalidSignatureException", wrong));
  Serve(op, std::move(req.body), std::move(respond), request_id);
}

void EventsApi::Invoke(std::string_view operation, std::string body, http::Respond respond) {
  Serve(std::string(operation), std::move(body), std::move(respond), NewUuid4());
}

void EventsApi::Serve(const std::string& op, std::string request_body, http::Respond respond,
                      const std::string& request_id) {
  auto answer = [&](const Reply& r) { respond(ToHttpResponse(r, request_id)); };

  const OpEntry* control = FindControlOp(op);
  if (!control && op != "PutEvents" && op != "PutPartnerEvents" && op != "TestEventPattern")
    return answer(Reply::Err("UnknownOperationException", UnknownOperationMessage(op)));

  json::Value body = json::Value::Object();
  if (!request_body.empty()) {
    auto parsed = json::Parse(request_body);
    if (!parsed.ok()) return answer(Reply::Err("SerializationException", "The request body is not valid JSON."));
    body = std::move(*parsed);
  }
  ValidationFailure vf = ValidateRequest(op, body);
  if (!vf.ok()) return answer(Reply::Err(vf.error_type, vf.message));

  if (op == "PutEvents" && Has(body, "EndpointId")) {
    // Global endpoints (failover between regions) are not served: an EndpointId is refused, never
    // accepted and ignored.
    return answer(Reply::Validation(
        "Parameter EndpointId is not valid. Reason: cxbridge does not serve global endpoints; send "
        "PutEvents to the event bus without EndpointId."));
  }
  if (op == "PutEvents") {
    PutEvents(impl_->ctx, body, [respond, request_id](Reply r) { respond(ToHttpResponse(r, request_id)); });
    return;
  }
  if (op == "PutPartnerEvents") {
    json::Value put_events;
    std::optional<Reply> refused;
    {
      std::lock_guard<std::mutex> lock(impl_->ctx.mu);
      refused = PartnerEventsAsPutEvents(impl_->ctx, body, &put_events);
    }
    if (refused) return answer(*refused);
    PutEvents(impl_->ctx, put_events, [respond, request_id](Reply r) { respond(ToHttpResponse(r, request_id)); });
    return;
  }
  if (op == "TestEventPattern") return answer(TestEventPattern(impl_->ctx, body));

  Impl* impl = impl_.get();
  impl->Enqueue(
      [impl, control, body = std::move(body), respond, request_id]() {
        respond(ToHttpResponse(impl->RunControl(*control, body), request_id));
      },
      respond, request_id);
}

}  // namespace cxbridge::api
