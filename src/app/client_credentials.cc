#include "app/client_credentials.h"

#include <cstdlib>

#include "common/secret.h"

namespace cxbridge::app {

Result<aws::AwsCredentials> ClientCredentials(const config::Config& cfg) {
  aws::AwsCredentials creds;
  if (const char* id = std::getenv("AWS_ACCESS_KEY_ID"); id != nullptr && *id != '\0') {
    creds.access_key_id = id;
    if (const char* s = std::getenv("AWS_SECRET_ACCESS_KEY")) creds.secret_access_key = s;
    if (const char* t = std::getenv("AWS_SESSION_TOKEN")) creds.session_token = t;
    return creds;
  }
  const json::Value* keys = cfg.api.Find("access_keys");
  if (keys == nullptr || !keys->is_array() || keys->items().empty()) return creds;
  const json::Value& k = keys->items()[0];
  if (const json::Value* id = k.Find("id"); id != nullptr && id->is_string())
    creds.access_key_id = id->as_string();
  if (const json::Value* s = k.Find("secret")) {
    auto secret = ResolveSecret(*s);
    if (!secret.ok())
      return Status::InvalidArgument("api.access_keys[0].secret: " + secret.status().message());
    creds.secret_access_key = *secret;
  }
  return creds;
}

}  // namespace cxbridge::app
