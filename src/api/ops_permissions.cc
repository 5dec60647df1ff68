// PutPermission / RemovePermission: the event bus's resource policy, as EventBridge keeps it (one
// statement per StatementId, or the whole Policy document given), returned as DescribeEventBus's
// Policy. Stored only: cxbridge authenticates callers with its own access keys and does not
// evaluate resource policies (src/api/README.md).
#include "api/operations.h"

namespace cxbridge::api {
namespace {

constexpr size_t kMaxPolicyChars = 10240;  // EventBridge's bus policy size quota

json::Value Statements(const json::Value& bus) {
  auto policy = json::Parse(Str(bus, "Policy"));
  if (policy.ok() && policy->is_object()) {
    if (const json::Value* st = policy->Find("Statement"); st != nullptr && st->is_array()) return *st;
  }
  return json::Value::Array();
}

json::Value PolicyWith(json::Value statements) {
  json::Value p = json::Value::Object();
  p.Set("Version", json::Value::String("2012-10-17"));
  p.Set("Statement", std::move(statements));
  return p;
}

Reply SavePolicy(ApiContext& ctx, json::Value bus, const std::string& policy) {
  if (policy.empty()) {
    bus.Erase("Policy");
  } else {
    if (policy.size() > kMaxPolicyChars)
      return Reply::Err("PolicyLengthExceededException", "The policy exceeds the maximum allowed length.");
    bus.Set("Policy", json::Value::String(policy));
  }
  bus.Set("LastModifiedTimeMs", json::Value::Int(ctx.NowMs()));
  if (Status st = ctx.SaveBus(bus); !st.ok()) return StoreError(st);
  return Reply::Ok(json::Value::Object());
}

}  // namespace

Reply PutPermission(ApiContext& ctx, const json::Value& req) {
  std::string name = BusNameFromNameOrArn(Str(req, "EventBusName"));
  auto it = ctx.reg.buses.find(name);
  if (it == ctx.reg.buses.end()) return Reply::NotFound(BusNotFound(name));
  if (Has(req, "Policy")) {
    auto doc = json::Parse(Str(req, "Policy"));
    if (!doc.ok() || !doc->is_object()) return Reply::Validation("Parameter Policy is not valid JSON.");
    return SavePolicy(ctx, it->second, json::Serialize(*doc));
  }
  std::string sid = Str(req, "StatementId"), principal = Str(req, "Principal"), action = Str(req, "Action");
  if (sid.empty() || principal.empty() || action.empty())
    return Reply::Validation("One of Policy, or Action, Principal and StatementId together, must be provided.");
  if (action != "events:PutEvents")
    return Reply::Validation("Provided value in parameter 'action' is not supported.");
  json::Value statements = Statements(it->second);
  for (const auto& s : statements.items()) {
    if (Str(s, "Sid") == sid)
      return Reply::Err("ResourceAlreadyExistsException", "Statement with the provided id already exists.");
  }
  json::Value st = json::Value::Object();
  st.Set("Sid", json::Value::String(sid));
  st.Set("Effect", json::Value::String("Allow"));
  if (principal == "*") {
    st.Set("Principal", json::Value::String("*"));
  } else {
    json::Value p = json::Value::Object();
    p.Set("AWS", json::Value::String("arn:aws:iam::" + principal + ":root"));
    st.Set("Principal", std::move(p));
  }
  st.Set("Action", json::Value::String(action));
  st.Set("Resource", json::Value::String(ctx.arn.Bus(name)));
  if (const json::Value* c = req.Find("Condition"); c != nullptr && c->is_object()) {
    json::Value kv = json::Value::Object();
    kv.Set(Str(*c, "Key"), json::Value::String(Str(*c, "Value")));
    json::Value cond = json::Value::Object();
    cond.Set(Str(*c, "Type"), std::move(kv));
    st.Set("Condition", std::move(cond));
  }
  statements.Push(std::move(st));
  return SavePolicy(ctx, it->second, json::Serialize(PolicyWith(std::move(statements))));
}

Reply RemovePermission(ApiContext& ctx, const json::Value& req) {
  std::string name = BusNameFromNameOrArn(Str(req, "EventBusName"));
  auto it = ctx.reg.buses.find(name);
  if (it == ctx.reg.buses.end()) return Reply::NotFound(BusNotFound(name));
  const json::Value* all = req.Find("RemoveAllPermissions");
  if (all != nullptr && all->is_bool() && all->as_bool()) return SavePolicy(ctx, it->second, "");
  std::string sid = Str(req, "StatementId");
  if (sid.empty()) return Reply::Validation("Either StatementId or RemoveAllPermissions must be provided.");
  if (Str(it->second, "Policy").empty())
    return Reply::NotFound("EventBus does not have a policy.");
  json::Value kept = json::Value::Array();
  bool found = false;
  const json::Value statements = Statements(it->second);  // kept alive for the loop
  for (const auto& s : statements.items()) {
    if (Str(s, "Sid") == sid) {
      found = true;
    } else {
      kept.Push(s);
    }
  }
  if (!found) return Reply::NotFound("Statement with the provided id does not exist.");
  if (kept.items().empty()) return SavePolicy(ctx, it->second, "");
  return SavePolicy(ctx, it->second, json::Serialize(PolicyWith(std::move(kept))));
}

}  // namespace cxbridge::api
