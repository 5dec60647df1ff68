#include "ingest/sign.h"

#include "common/encoding.h"
#include "common/ids.h"
#include "common/secret.h"
#include "ingest/config_util.h"

namespace cxbridge::ingest {
namespace {

std::string Str(const json::Value& o, const char* key, std::string def = "") {
  const json::Value* v = o.Find(key);
  return v && v->is_string() ? v->as_string() : def;
}

// The first of `single` or `list` (rotation lists put the current secret first).
Result<std::string> FirstSecret(const json::Value& auth, const char* single, const char* list) {
  if (const json::Value* l = auth.Find(list); l != nullptr && l->is_array() && !l->items().empty()) {
    return ResolveSecret(l->items()[0]);
  }
  const json::Value* s = auth.Find(single);
  if (s == nullptr) return Status::InvalidArgument(std::string("auth has no ") + single + " or " + list);
  return ResolveSecret(*s);
}

}  // namespace

Status SignBody(const json::Value& auth, std::string_view body, int64_t now_ms, HeaderList* headers) {
  const std::string scheme = Str(auth, "scheme");
  if (scheme == "none") return Status::Ok();
  if (scheme == "hmac") {
    auto key = FirstSecret(auth, "secret", "secrets");
    if (!key.ok()) return key.status();
    const std::string preset = Str(auth, "preset");
    std::string header = Str(auth, "header"), encoding = Str(auth, "encoding", "base64"), prefix = Str(auth, "prefix");
    if (preset == "genesys-open-messaging") {  // what Open Messaging sends (auth_hmac.cc)
      header = "X-Hub-Signature-256";
      prefix = "sha256=";
      encoding = "base64";
    } else if (!preset.empty()) {
      return Status::InvalidArgument("unknown hmac preset '" + preset + "'");
    }
    if (header.empty()) return Status::InvalidArgument("hmac auth needs a header or preset");
    const std::string mac = HmacSha256(*key, body);
    headers->emplace_back(header, prefix + (encoding == "hex" ? HexEncode(mac) : Base64Encode(mac)));
    return Status::Ok();
  }
  if (scheme == "standard-webhooks") {
    auto secret = FirstSecret(auth, "secret", "secrets");
    if (!secret.ok()) return secret.status();
    std::string_view raw = *secret;
    if (raw.starts_with("whsec_")) raw.remove_prefix(6);
    auto key = Base64Decode(raw);
    if (!key) return Status::InvalidArgument("standard-webhooks secret is not base64");
    const std::string prefix = Str(auth, "header_prefix", "webhook");
    const std::string id = "msg_" + NewUuid4();
    const std::string ts = std::to_string(now_ms / 1000);
    std::string signed_text = id + "." + ts + ".";
    signed_text.append(body);
    headers->emplace_back(prefix + "-id", id);
    headers->emplace_back(prefix + "-timestamp", ts);
    headers->emplace_back(prefix + "-signature", "v1," + Base64Encode(HmacSha256(*key, signed_text)));
    return Status::Ok();
  }
  if (scheme == "api-key") {
    auto key = FirstSecret(auth, "secret", "secrets");
    if (!key.ok()) return key.status();
    headers->emplace_back(Str(auth, "header", "X-API-Key"), Str(auth, "prefix") + *key);
    return Status::Ok();
  }
  if (scheme == "basic") {
    const json::Value* who = &auth;
    if (const json::Value* l = auth.Find("credentials"); l != nullptr && l->is_array() && !l->items().empty()) {
      who = &l->items()[0];
    }
    const json::Value* user = who->Find("username");
    const json::Value* pass = who->Find("password");
    if (user == nullptr || pass == nullptr) return Status::InvalidArgument("basic auth needs username and password");
    auto u = ResolveSecret(*user);
    if (!u.ok()) return u.status();
    auto p = ResolveSecret(*pass);
    if (!p.ok()) return p.status();
    headers->emplace_back("Authorization", "Basic " + Base64Encode(*u + ":" + *p));
    return Status::Ok();
  }
  return Status::InvalidArgument("unknown auth scheme '" + scheme + "'");
}

}  // namespace cxbridge::ingest
