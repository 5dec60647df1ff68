// Scheme `api-key`: a configured header must carry one of the configured values, optionally
// after a prefix ("Bearer "). This is what an EventBridge API destination connection of type
// API_KEY sends, and what a Genesys data action with `userDefined` credentials sends.
//   {scheme: api-key, header: X-API-Key, secret: {env: KEY}}     # or secrets: [...] (rotation)
//   {scheme: api-key, header: Authorization, prefix: "Bearer ", secret: ...}
#include "ingest/auth.h"
#include "ingest/config_util.h"

#include "common/encoding.h"

namespace cxbridge::ingest {

namespace {
class ApiKeyAuthenticator final : public Authenticator {
 public:
  ApiKeyAuthenticator(std::string header, std::string prefix, std::vector<std::string> keys)
      : header_(std::move(header)), prefix_(std::move(prefix)), keys_(std::move(keys)) {}

  AuthResult Verify(const RequestView& req, int64_t) const override {
    std::optional<std::string_view> value = req.Header(header_);
    if (!value.has_value() || TrimAscii(*value).empty()) {
      return AuthResult::Missing("missing " + header_ + " header");
    }
    std::string_view v = TrimAscii(*value);
    if (!prefix_.empty()) {
      if (!StartsWithIgnoreCase(v, prefix_)) {
        return AuthResult::Invalid(header_ + " header must start with '" + prefix_ + "'");
      }
      v = TrimAscii(v.substr(prefix_.size()));
    }
    // Compare against every key (rotation). ConstantTimeEquals leaks only lengths.
    bool match = false;
    for (const std::string& k : keys_) match |= ConstantTimeEquals(v, k);
    if (!match) return AuthResult::Invalid("invalid " + header_ + " value");
    return AuthResult::Ok();
  }
  std::string_view scheme() const override { return "api-key"; }

 private:
  std::string header_;
  std::string prefix_;
  std::vector<std::string> keys_;
};
}  // namespace

Result<std::unique_ptr<Authenticator>> MakeApiKeyAuthenticator(const json::Value& config) {
  constexpr std::string_view kWhere = "auth (api-key)";
  CXB_RETURN_IF_ERROR(CheckKeys(config, kWhere, {"scheme", "header", "prefix", "secret", "secrets"}));
  auto header = OptionalString(config, "header", kWhere);
  if (!header.ok()) return header.status();
  std::string prefix;
  if (const json::Value* p = config.Find("prefix")) {
    if (!p->is_string()) return Status::InvalidArgument("auth (api-key): 'prefix' must be a string");
    prefix = p->as_string();
  }
  auto keys = ResolveSecretList(config, "secret", "secrets", kWhere);
  if (!keys.ok()) return keys.status();
  return std::unique_ptr<Authenticator>(new ApiKeyAuthenticator(
      header->value_or("X-API-Key"), std::move(prefix), std::move(*keys)));
}

}  // namespace cxbridge::ingest
