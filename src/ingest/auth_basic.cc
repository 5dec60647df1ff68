// Scheme `basic`: HTTP Basic authentication (RFC 7617), as an EventBridge API destination
// connection of type BASIC or a Genesys data action with `basic` credentials sends it.
//   {scheme: basic, username: genesys, password: {env: P}}
//   {scheme: basic, credentials: [{username: a, password: {env: P1}}, {username: a, password: ...}]}
// `username` may be a plain string or a secret spec.
#include "common/encoding.h"
#include "common/secret.h"
#include "ingest/auth.h"
#include "ingest/config_util.h"

namespace cxbridge::ingest {

namespace {
struct Credential {
  std::string username;
  std::string password;
};

class BasicAuthenticator final : public Authenticator {
 public:
  explicit BasicAuthenticator(std::vector<Credential> creds) : creds_(std::move(creds)) {}

  AuthResult Verify(const RequestView& req, int64_t) const override {
    std::optional<std::string_view> value = req.Header("Authorization");
    if (!value.has_value() || TrimAscii(*value).empty()) {
      return AuthResult::Missing("missing Authorization header");
    }
    std::string_view v = TrimAscii(*value);
    if (!StartsWithIgnoreCase(v, "Basic ")) {
      return AuthResult::Invalid("Authorization header is not Basic");
    }
    std::optional<std::string> decoded = Base64Decode(TrimAscii(v.substr(6)));
    if (!decoded.has_value()) return AuthResult::Invalid("Authorization header is not valid base64");
    size_t colon = decoded->find(':');
    if (colon == std::string::npos) {
      return AuthResult::Invalid("Authorization header lacks user:password");
    }
    std::string_view user = std::string_view(*decoded).substr(0, colon);
    std::string_view pass = std::string_view(*decoded).substr(colon + 1);
    bool match = false;
    for (const Credential& c : creds_) {
      // Both halves are always compared (no short-circuit), so timing does not reveal which
      // half was wrong.
      bool u = ConstantTimeEquals(user, c.username);
      bool p = ConstantTimeEquals(pass, c.password);
      match |= u & p;
    }
    if (!match) return AuthResult::Invalid("invalid username or password");
    return AuthResult::Ok();
  }
  std::string_view scheme() const override { return "basic"; }

 private:
  std::vector<Credential> creds_;
};

Result<Credential> ReadCredential(const json::Value& obj, const std::string& where) {
  Credential c;
  const json::Value* user = obj.Find("username");
  const json::Value* pass = obj.Find("password");
  if (user == nullptr) return Status::InvalidArgument(where + ": 'username' is required");
  if (pass == nullptr) return Status::InvalidArgument(where + ": 'password' is required");
  auto u = ResolveSecret(*user);
  if (!u.ok() || u->empty()) {
    return Status::InvalidArgument(where + ": username: " +
                                   (u.ok() ? std::string("must not be empty") : u.status().message()));
  }
  if (u->find(':') != std::string::npos) {
    return Status::InvalidArgument(where + ": username must not contain ':'");
  }
  auto p = ResolveSecret(*pass);
  if (!p.ok() || p->empty()) {
    return Status::InvalidArgument(where + ": password: " +
                                   (p.ok() ? std::string("must not be empty") : p.status().message()));
  }
  c.username = std::move(*u);
  c.password = std::move(*p);
  return c;
}
}  // namespace

Result<std::unique_ptr<Authenticator>> MakeBasicAuthenticator(const json::Value& config) {
  const std::string where = "auth (basic)";
  CXB_RETURN_IF_ERROR(CheckKeys(config, where, {"scheme", "username", "password", "credentials"}));
  std::vector<Credential> creds;
  if (const json::Value* list = config.Find("credentials")) {
    if (config.Find("username") || config.Find("password")) {
      return Status::InvalidArgument(where + ": give either username/password or credentials, not both");
    }
    if (!list->is_array() || list->items().empty()) {
      return Status::InvalidArgument(where + ": 'credentials' must be a non-empty list");
    }
    for (size_t i = 0; i < list->items().size(); ++i) {
      std::string w = where + ": credentials[" + std::to_string(i) + "]";
      CXB_RETURN_IF_ERROR(CheckKeys(list->items()[i], w, {"username", "password"}));
      auto c = ReadCredential(list->items()[i], w);
      if (!c.ok()) return c.status();
      creds.push_back(std::move(*c));
    }
  } else {
    auto c = ReadCredential(config, where);
    if (!c.ok()) return c.status();
    creds.push_back(std::move(*c));
  }
  return std::unique_ptr<Authenticator>(new BasicAuthenticator(std::move(creds)));
}

}  // namespace cxbridge::ingest
