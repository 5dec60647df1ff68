#include "ingest/auth.h"

#include "ingest/config_util.h"

namespace cxbridge::ingest {

// Built-in schemes, one file each. Declared here, next to the one place that registers them.
Result<std::unique_ptr<Authenticator>> MakeHmacAuthenticator(const json::Value& config);
Result<std::unique_ptr<Authenticator>> MakeStandardWebhooksAuthenticator(const json::Value& config);
Result<std::unique_ptr<Authenticator>> MakeApiKeyAuthenticator(const json::Value& config);
Result<std::unique_ptr<Authenticator>> MakeBasicAuthenticator(const json::Value& config);
Result<std::unique_ptr<Authenticator>> MakeNoneAuthenticator(const json::Value& config);

void RegisterBuiltins(AuthRegistry& registry) {
  registry.Add("hmac", MakeHmacAuthenticator);                            // auth_hmac.cc
  registry.Add("standard-webhooks", MakeStandardWebhooksAuthenticator);  // auth_standard_webhooks.cc
  registry.Add("api-key", MakeApiKeyAuthenticator);                       // auth_api_key.cc
  registry.Add("basic", MakeBasicAuthenticator);                          // auth_basic.cc
  registry.Add("none", MakeNoneAuthenticator);                            // auth_none.cc
}

std::string_view AuthOutcomeName(AuthOutcome outcome) {
  switch (outcome) {
    case AuthOutcome::kOk: return "ok";
    case AuthOutcome::kMissing: return "missing";
    case AuthOutcome::kInvalid: return "invalid";
    case AuthOutcome::kStale: return "stale";
  }
  return "invalid";
}

void AuthRegistry::Add(std::string scheme, AuthenticatorFactory factory) {
  factories_[std::move(scheme)] = std::move(factory);
}

const AuthenticatorFactory* AuthRegistry::Find(std::string_view scheme) const {
  auto it = factories_.find(scheme);
  return it == factories_.end() ? nullptr : &it->second;
}

std::string AuthRegistry::Names() const {
  std::string out;
  for (const auto& [name, f] : factories_) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

const AuthRegistry& BuiltinAuthRegistry() {
  static const AuthRegistry* registry = [] {
    auto* r = new AuthRegistry;
    RegisterBuiltins(*r);
    return r;
  }();
  return *registry;
}

Result<std::unique_ptr<Authenticator>> MakeAuthenticator(const AuthRegistry& registry,
                                                         const json::Value& auth_config) {
  if (!auth_config.is_object()) {
    return Status::InvalidArgument("auth must be a mapping with a 'scheme' (one of: " +
                                   registry.Names() + ")");
  }
  const json::Value* scheme = auth_config.Find("scheme");
  if (scheme == nullptr || !scheme->is_string() || scheme->as_string().empty()) {
    return Status::InvalidArgument("auth: 'scheme' is required (one of: " + registry.Names() + ")");
  }
  const AuthenticatorFactory* factory = registry.Find(scheme->as_string());
  if (factory == nullptr) {
    return Status::InvalidArgument("auth: unknown scheme '" + scheme->as_string() +
                                   "' (one of: " + registry.Names() + ")");
  }
  return (*factory)(auth_config);
}

Result<std::unique_ptr<Authenticator>> MakeAuthenticator(const json::Value& auth_config) {
  return MakeAuthenticator(BuiltinAuthRegistry(), auth_config);
}

}  // namespace cxbridge::ingest
