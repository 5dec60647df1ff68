// Authentication of inbound webhook requests: one Authenticator per source, built once from the
// source's `auth:` config (secrets resolved at build time), then shared by every I/O thread.
//
// Schemes (one file each, registered in RegisterBuiltins() in auth.cc):
//   hmac               HMAC-SHA256 of the raw body in a header (base64|hex, optional prefix);
//                      presets: genesys-open-messaging (auth_hmac.cc)
//   standard-webhooks  webhook-id / webhook-timestamp / webhook-signature (auth_standard_webhooks.cc)
//   api-key            a configured header must carry a configured value (auth_api_key.cc)
//   basic              HTTP Basic (auth_basic.cc)
//   none               accepts everything; only when configured explicitly (auth_none.cc)
// Config keys of each scheme: src/ingest/README.md.
//
// Every comparison of a secret-derived value is constant-time. AuthResult::reason never contains
// a secret or a value derived from one; it is safe to log and to return to the sender.
// Thread-safety: Authenticator::Verify is const and safe to call concurrently from any thread.
// MakeAuthenticator is safe from any thread (the registry is immutable after first use).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"
#include "ingest/request.h"

namespace cxbridge::ingest {

// What the caller does next: kOk → go on; anything else → 401 with `reason`, store nothing.
enum class AuthOutcome {
  kOk,
  kMissing,  // no credentials/signature header at all
  kInvalid,  // present but wrong or malformed
  kStale,    // signed timestamp outside the tolerance window (replay protection)
};

std::string_view AuthOutcomeName(AuthOutcome outcome);  // "ok", "missing", "invalid", "stale"

struct AuthResult {
  AuthOutcome outcome = AuthOutcome::kInvalid;
  std::string reason;  // safe to log and return: names headers, never secrets

  static AuthResult Ok() { return {AuthOutcome::kOk, {}}; }
  static AuthResult Missing(std::string r) { return {AuthOutcome::kMissing, std::move(r)}; }
  static AuthResult Invalid(std::string r) { return {AuthOutcome::kInvalid, std::move(r)}; }
  static AuthResult Stale(std::string r) { return {AuthOutcome::kStale, std::move(r)}; }
  bool ok() const { return outcome == AuthOutcome::kOk; }
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Verifies one request. `now_ms` is wall-clock time (Clock::NowMs) for timestamped schemes.
  virtual AuthResult Verify(const RequestView& req, int64_t now_ms) const = 0;
  // The scheme name as configured ("hmac", "standard-webhooks", ...), for logs and metrics.
  virtual std::string_view scheme() const = 0;
};

// Builds an authenticator from the `auth:` object, e.g. {"scheme":"hmac","preset":...}.
// Resolves secrets (env/file/value) now; errors are kInvalidArgument and name the field (never a
// secret value).
Result<std::unique_ptr<Authenticator>> MakeAuthenticator(const json::Value& auth_config);

// The scheme registry. A factory validates its config and returns an immutable authenticator.
using AuthenticatorFactory =
    std::function<Result<std::unique_ptr<Authenticator>>(const json::Value& auth_config)>;

class AuthRegistry {
 public:
  // Registers `scheme`; a second registration of the same name replaces the first.
  void Add(std::string scheme, AuthenticatorFactory factory);
  const AuthenticatorFactory* Find(std::string_view scheme) const;
  std::string Names() const;  // "api-key, basic, ..." for error messages

 private:
  std::map<std::string, AuthenticatorFactory, std::less<>> factories_;
};

// Adds every built-in scheme: adding a scheme = one new file + one line here.
void RegisterBuiltins(AuthRegistry& registry);

// The process-wide registry with the built-ins, created on first use (thread-safe static init).
const AuthRegistry& BuiltinAuthRegistry();

// Builds from an explicit registry (tests, plugins).
Result<std::unique_ptr<Authenticator>> MakeAuthenticator(const AuthRegistry& registry,
                                                         const json::Value& auth_config);

}  // namespace cxbridge::ingest
