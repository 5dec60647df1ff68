// Scheme `standard-webhooks` (Standard Webhooks 1.0, symmetric v1; reference/peers.md §4):
//   webhook-id: msg_...        webhook-timestamp: <unix seconds>
//   webhook-signature: v1,<base64(HMAC-SHA256(key, id "." timestamp "." body))> [v1,<...> ...]
// Several space-separated signatures support zero-downtime rotation on the sender's side;
// several configured secrets support it on ours. Entries other than v1 (v1a = ed25519) are
// skipped. Secrets are `whsec_<base64>`; the key is the base64-decoded part.
//   {scheme: standard-webhooks, secrets: [{env: A}, {file: b}], tolerance_seconds: 300,
//    header_prefix: webhook}        # header_prefix: svix → svix-id / svix-timestamp / svix-signature
#include "common/encoding.h"
#include "ingest/auth.h"
#include "ingest/config_util.h"
#include "ingest/hmac.h"

namespace cxbridge::ingest {

namespace {

// Timestamps longer than this many digits are malformed (also keeps ts * 1000 far from overflow).
constexpr size_t kMaxTimestampDigits = 12;

class StandardWebhooksAuthenticator final : public Authenticator {
 public:
  StandardWebhooksAuthenticator(std::string header_prefix, const std::vector<std::string>& keys,
                                int64_t tolerance_s)
      : id_header_(header_prefix + "-id"),
        ts_header_(header_prefix + "-timestamp"),
        sig_header_(header_prefix + "-signature"),
        tolerance_ms_(tolerance_s * 1000) {
    for (const std::string& k : keys) keys_.push_back(std::make_unique<HmacSha256Key>(k));
  }

  AuthResult Verify(const RequestView& req, int64_t now_ms) const override {
    auto id = req.Header(id_header_);
    auto ts = req.Header(ts_header_);
    auto sig = req.Header(sig_header_);
    if (!id || !ts || !sig) {
      std::string missing;
      for (auto [h, v] : {std::pair{&id_header_, &id}, {&ts_header_, &ts}, {&sig_header_, &sig}}) {
        if (v->has_value()) continue;
        if (!missing.empty()) missing += ", ";
        missing += *h;
      }
      return AuthResult::Missing("missing " + missing + " header");
    }
    std::string_view msg_id = TrimAscii(*id);
    std::string_view ts_text = TrimAscii(*ts);
    if (msg_id.empty()) return AuthResult::Invalid(id_header_ + " is empty");
    // The spec: ids must not contain '.', or id/timestamp/body boundaries in the signed
    // content `id.timestamp.body` could be shifted.
    if (msg_id.find('.') != std::string_view::npos) {
      return AuthResult::Invalid(id_header_ + " must not contain '.'");
    }
    int64_t ts_s = 0;
    if (ts_text.empty() || ts_text.size() > kMaxTimestampDigits) {
      return AuthResult::Invalid(ts_header_ + " is not a unix timestamp in seconds");
    }
    for (char c : ts_text) {
      if (c < '0' || c > '9') {
        return AuthResult::Invalid(ts_header_ + " is not a unix timestamp in seconds");
      }
      ts_s = ts_s * 10 + (c - '0');
    }
    const int64_t ts_ms = ts_s * 1000;
    if (now_ms - ts_ms > tolerance_ms_) {
      return AuthResult::Stale(ts_header_ + " is too old (tolerance " +
                               std::to_string(tolerance_ms_ / 1000) + " s)");
    }
    if (ts_ms - now_ms > tolerance_ms_) {
      return AuthResult::Stale(ts_header_ + " is too far in the future (tolerance " +
                               std::to_string(tolerance_ms_ / 1000) + " s)");
    }

    // Collect the decoded v1 signatures.
    std::vector<std::string> candidates;
    std::string_view rest = *sig;
    while (!rest.empty()) {
      size_t sp = rest.find(' ');
      std::string_view entry = rest.substr(0, sp);
      rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
      entry = TrimAscii(entry);
      if (entry.size() < 3 || entry.substr(0, 3) != "v1,") continue;
      std::optional<std::string> raw = Base64Decode(entry.substr(3));
      if (raw.has_value() && raw->size() == HmacSha256Key::kDigestBytes) {
        candidates.push_back(std::move(*raw));
      }
    }
    if (candidates.empty()) {
      return AuthResult::Invalid(sig_header_ + " has no well-formed v1 signature");
    }
    unsigned char mac[HmacSha256Key::kDigestBytes];
    for (const auto& key : keys_) {
      key->Compute({msg_id, ".", ts_text, ".", req.body}, mac);
      std::string_view computed(reinterpret_cast<const char*>(mac), sizeof mac);
      for (const std::string& c : candidates) {
        if (ConstantTimeEquals(computed, c)) return AuthResult::Ok();
      }
    }
    return AuthResult::Invalid("no signature in " + sig_header_ + " matches");
  }
  std::string_view scheme() const override { return "standard-webhooks"; }

 private:
  std::string id_header_, ts_header_, sig_header_;
  int64_t tolerance_ms_;
  std::vector<std::unique_ptr<HmacSha256Key>> keys_;
};

}  // namespace

Result<std::unique_ptr<Authenticator>> MakeStandardWebhooksAuthenticator(const json::Value& config) {
  constexpr std::string_view kWhere = "auth (standard-webhooks)";
  CXB_RETURN_IF_ERROR(CheckKeys(
      config, kWhere, {"scheme", "secret", "secrets", "tolerance_seconds", "header_prefix"}));
  auto tolerance = OptionalInt(config, "tolerance_seconds", kWhere, 300, 1, 7 * 86400);
  if (!tolerance.ok()) return tolerance.status();
  auto prefix = OptionalString(config, "header_prefix", kWhere);
  if (!prefix.ok()) return prefix.status();
  auto secrets = ResolveSecretList(config, "secret", "secrets", kWhere);
  if (!secrets.ok()) return secrets.status();
  std::vector<std::string> keys;
  for (size_t i = 0; i < secrets->size(); ++i) {
    std::string_view s = (*secrets)[i];
    if (s.substr(0, 6) == "whsec_") s.remove_prefix(6);
    std::optional<std::string> key = Base64Decode(s);
    if (!key.has_value() || key->empty()) {
      return Status::InvalidArgument("auth (standard-webhooks): secret #" + std::to_string(i + 1) +
                                     " is not whsec_<base64>");
    }
    keys.push_back(std::move(*key));
  }
  return std::unique_ptr<Authenticator>(
      new StandardWebhooksAuthenticator(prefix->value_or("webhook"), keys, *tolerance));
}

}  // namespace cxbridge::ingest
