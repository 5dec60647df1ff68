#include "api/api_config.h"

#include "common/config_keys.h"
#include "common/secret.h"

namespace cxbridge::api {

Result<ApiOptions> ParseApiConfig(const json::Value& section, const std::string& account, const std::string& region) {
  ApiOptions o;
  o.account = account;
  o.region = region;
  if (section.is_null()) return o;
  if (!section.is_object()) return Status::InvalidArgument("api: must be a mapping");
  CXB_RETURN_IF_ERROR(CheckKeys(section, "api", {"enabled", "max_put_events_bytes", "access_keys"}));
  for (const auto& [key, v] : section.members()) {
    if (key == "enabled") {
      if (!v.is_bool()) return Status::InvalidArgument("api.enabled: must be true or false");
      o.enabled = v.as_bool();
    } else if (key == "max_put_events_bytes") {
      int64_t n;
      if (!v.is_number() || !v.as_int64(&n) || n < 1 || n > 1024 * 1024)
        return Status::InvalidArgument("api.max_put_events_bytes: must be an integer in 1..1048576");
      o.max_put_events_bytes = static_cast<size_t>(n);
    } else if (key == "access_keys") {
      if (!v.is_array()) return Status::InvalidArgument("api.access_keys: must be a list of {id, secret}");
      for (size_t i = 0; i < v.items().size(); ++i) {
        const json::Value& k = v.items()[i];
        std::string where = "api.access_keys[" + std::to_string(i) + "]";
        CXB_RETURN_IF_ERROR(CheckKeys(k, where, {"id", "secret"}));
        const json::Value* id = k.Find("id");
        const json::Value* secret = k.Find("secret");
        if (!id || !id->is_string() || id->as_string().empty() || !secret)
          return Status::InvalidArgument(where + ": needs `id` and `secret`");
        auto resolved = ResolveSecret(*secret);
        if (!resolved.ok()) return Status::InvalidArgument(where + ".secret: " + resolved.status().message());
        // An empty secret would let anyone who knows the key id sign requests.
        if (resolved->empty()) return Status::InvalidArgument(where + ".secret: must not be empty");
        o.access_keys[id->as_string()] = *resolved;
      }
    }
  }
  return o;
}

}  // namespace cxbridge::api
