#include "genesys/settings.h"

#include <utility>

#include "common/config_keys.h"
#include "ingest/envelope.h"

namespace cxbridge::genesys {
namespace {

struct RegionEnv {
  std::string_view region;
  std::string_view env;
};

// reference/genesys.md §6 (Python SDK purecloud_region_hosts.py).
constexpr RegionEnv kRegions[] = {
    {"us-east-1", "mypurecloud.com"},   {"us-east-2", "use2.us-gov-pure.cloud"},
    {"us-west-2", "usw2.pure.cloud"},   {"ca-central-1", "cac1.pure.cloud"},
    {"sa-east-1", "sae1.pure.cloud"},   {"mx-central-1", "mxc1.pure.cloud"},
    {"eu-west-1", "mypurecloud.ie"},    {"eu-west-2", "euw2.pure.cloud"},
    {"eu-central-1", "mypurecloud.de"}, {"eu-central-2", "euc2.pure.cloud"},
    {"me-central-1", "mec1.pure.cloud"}, {"ap-south-1", "aps1.pure.cloud"},
    {"ap-southeast-1", "apse1.pure.cloud"}, {"ap-southeast-2", "mypurecloud.com.au"},
    {"ap-northeast-1", "mypurecloud.jp"}, {"ap-northeast-2", "apne2.pure.cloud"},
    {"ap-northeast-3", "apne3.pure.cloud"},
};

std::string TrimSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

Status ReadInt(const json::Value& raw, const char* key, int64_t min, int64_t max, int64_t scale,
               int64_t* out) {
  const json::Value* v = raw.Find(key);
  if (v == nullptr) return Status::Ok();
  int64_t n = 0;
  if (!v->is_number() || !v->as_int64(&n) || n < min || n > max) {
    return Status::InvalidArgument(std::string(key) + " must be an integer in [" +
                                   std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  *out = n * scale;
  return Status::Ok();
}

// "v2.routing.queues.{id}.users" → "queues": the segment naming the entity whose id fills {id}.
std::string ListNameFor(std::string_view pattern) {
  size_t at = pattern.find(".{id}");
  if (at == std::string_view::npos) return "";
  std::string_view before = pattern.substr(0, at);
  size_t dot = before.rfind('.');
  return std::string(dot == std::string_view::npos ? before : before.substr(dot + 1));
}

}  // namespace

std::optional<std::string> RegionEnvironment(std::string_view region) {
  for (const auto& r : kRegions)
    if (r.region == region) return std::string(r.env);
  return std::nullopt;
}

bool IsNotificationsSource(const json::Value& raw) {
  const json::Value* t = raw.Find("type");
  return t != nullptr && t->is_string() && t->as_string() == kSourceType;
}

Result<NotificationsSettings> ParseNotificationsSettings(const std::string& name,
                                                         const json::Value& raw,
                                                         const std::string& account,
                                                         const std::string& aws_region) {
  if (!raw.is_object()) return Status::InvalidArgument("the source must be a mapping");
  {
    // The channel's keys and the envelope's (ingest/envelope.h): anything else is a typo.
    std::vector<std::string_view> keys = {
        "type", "bus", "region", "api_base_url", "login_base_url", "client_id", "client_secret",
        "ids", "topics", "combine_topics", "max_topics_per_channel", "max_channels",
        "ping_after_seconds", "pong_timeout_seconds", "channel_lifetime_seconds",
        "resubscribe_before_seconds", "backoff_initial_ms", "backoff_max_ms", "request_timeout_ms",
        "eventbridge", "claim_check"};
    keys.insert(keys.end(), ingest::EnvelopeKeys().begin(), ingest::EnvelopeKeys().end());
    CXB_RETURN_IF_ERROR(CheckKeys(raw, "", keys));
    if (const json::Value* eb = raw.Find("eventbridge"); eb != nullptr) {
      CXB_RETURN_IF_ERROR(
          CheckKeys(*eb, "eventbridge", {"aws_account_id", "aws_region", "suffix", "name", "topics"}));
    }
  }
  NotificationsSettings s;
  s.name = name;
  s.raw = raw;
  s.account = account;
  s.aws_region = aws_region;
  auto str = [&](const char* key) -> std::string {
    const json::Value* v = raw.Find(key);
    return v != nullptr && v->is_string() ? v->as_string() : "";
  };
  if (const json::Value* b = raw.Find("bus"); b != nullptr) {
    if (!b->is_string() || b->as_string().empty()) return Status::InvalidArgument("bus must be a name");
    s.bus = b->as_string();
  }
  s.region = str("region");
  s.api_base_url = TrimSlash(str("api_base_url"));
  s.login_base_url = TrimSlash(str("login_base_url"));
  if (!s.region.empty()) {
    auto env = RegionEnvironment(s.region);
    if (!env) return Status::InvalidArgument("unknown Genesys Cloud region '" + s.region + "'");
    if (s.api_base_url.empty()) s.api_base_url = "https://api." + *env;
    if (s.login_base_url.empty()) s.login_base_url = "https://login." + *env;
  }
  if (s.api_base_url.empty() || s.login_base_url.empty()) {
    return Status::InvalidArgument("needs region (e.g. us-east-1) or both api_base_url and login_base_url");
  }
  for (const char* key : {"client_id", "client_secret"}) {
    const json::Value* v = raw.Find(key);
    if (v == nullptr || !(v->is_string() || v->is_object())) {
      return Status::InvalidArgument(std::string(key) + " is required ({env: NAME}, {file: path} or a value)");
    }
  }
  s.client_id = *raw.Find("client_id");
  s.client_secret = *raw.Find("client_secret");

  if (const json::Value* ids = raw.Find("ids"); ids != nullptr) {
    if (!ids->is_object()) return Status::InvalidArgument("ids must map a list name to a list of ids");
    for (const auto& [list, v] : ids->members()) {
      if (v.is_object()) CXB_RETURN_IF_ERROR(CheckKeys(v, "ids." + list, {"discover"}));
      if (const json::Value* d = v.is_object() ? v.Find("discover") : nullptr; d != nullptr) {
        IdDiscovery disc{list, ""};
        if (d->is_string() && d->as_string() == "all" && (list == "queues" || list == "users")) {
          disc.path = list == "queues" ? "/api/v2/routing/queues" : "/api/v2/users";
        } else if (d->is_object() && d->Find("group") && d->Find("group")->is_string() &&
                   CheckKeys(*d, "", {"group"}).ok() &&
                   !d->Find("group")->as_string().empty()) {
          disc.path = "/api/v2/groups/" + d->Find("group")->as_string() + "/members";
        } else {
          return Status::InvalidArgument("ids." + list +
                                         ".discover must be all (for queues or users) or {group: <id>}");
        }
        s.ids[list];  // filled when the source starts
        s.discover.push_back(std::move(disc));
        continue;
      }
      if (!v.is_array()) return Status::InvalidArgument("ids." + list + " must be a list of ids or {discover: ...}");
      auto& out = s.ids[list];
      for (const auto& id : v.items()) {
        if (!id.is_string() || id.as_string().empty() ||
            id.as_string().find_first_of(".?&{} ") != std::string::npos) {
          return Status::InvalidArgument("ids." + list + " holds something that is not an id");
        }
        out.push_back(id.as_string());
      }
    }
  }
  const json::Value* topics = raw.Find("topics");
  if (topics == nullptr || !topics->is_array() || topics->items().empty()) {
    return Status::InvalidArgument("topics must be a non-empty list");
  }
  for (const auto& t : topics->items()) {
    TopicSpec spec;
    if (t.is_string()) {
      spec.pattern = t.as_string();
      spec.ids = ListNameFor(spec.pattern);
    } else if (t.is_object() && t.Find("pattern") != nullptr && t.Find("pattern")->is_string()) {
      CXB_RETURN_IF_ERROR(CheckKeys(t, "topics", {"pattern", "ids"}));
      spec.pattern = t.Find("pattern")->as_string();
      const json::Value* l = t.Find("ids");
      spec.ids = l != nullptr && l->is_string() ? l->as_string() : ListNameFor(spec.pattern);
    } else {
      return Status::InvalidArgument("each topic is a string or {pattern, ids}");
    }
    if (!spec.pattern.starts_with("v2.")) {
      return Status::InvalidArgument("topic '" + spec.pattern + "' does not start with v2.");
    }
    const bool has_id = spec.pattern.find("{id}") != std::string::npos;
    if (!has_id) spec.ids.clear();
    if (has_id && spec.pattern.find("{id}") != spec.pattern.rfind("{id}")) {
      return Status::InvalidArgument("topic '" + spec.pattern + "' has more than one {id}");
    }
    if (has_id && s.ids.find(spec.ids) == s.ids.end()) {
      return Status::InvalidArgument("topic '" + spec.pattern + "' needs ids." + spec.ids);
    }
    s.topics.push_back(std::move(spec));
  }
  if (const json::Value* c = raw.Find("combine_topics"); c != nullptr) {
    if (!c->is_bool()) return Status::InvalidArgument("combine_topics must be true or false");
    s.combine_topics = c->as_bool();
  }
  int64_t n = s.max_topics_per_channel;
  CXB_RETURN_IF_ERROR(ReadInt(raw, "max_topics_per_channel", 1, 1000, 1, &n));
  s.max_topics_per_channel = static_cast<int>(n);
  n = s.max_channels;
  CXB_RETURN_IF_ERROR(ReadInt(raw, "max_channels", 1, 20, 1, &n));
  s.max_channels = static_cast<int>(n);
  CXB_RETURN_IF_ERROR(ReadInt(raw, "ping_after_seconds", 1, 3600, 1000, &s.ping_after_ms));
  CXB_RETURN_IF_ERROR(ReadInt(raw, "pong_timeout_seconds", 1, 600, 1000, &s.pong_timeout_ms));
  CXB_RETURN_IF_ERROR(ReadInt(raw, "channel_lifetime_seconds", 60, 86400, 1000, &s.channel_lifetime_ms));
  CXB_RETURN_IF_ERROR(ReadInt(raw, "resubscribe_before_seconds", 10, 43200, 1000, &s.resubscribe_before_ms));
  CXB_RETURN_IF_ERROR(ReadInt(raw, "backoff_initial_ms", 10, 600'000, 1, &s.backoff_initial_ms));
  CXB_RETURN_IF_ERROR(ReadInt(raw, "backoff_max_ms", 10, 3'600'000, 1, &s.backoff_max_ms));
  CXB_RETURN_IF_ERROR(ReadInt(raw, "request_timeout_ms", 100, 120'000, 1, &s.request_timeout_ms));
  if (s.resubscribe_before_ms >= s.channel_lifetime_ms) {
    return Status::InvalidArgument("resubscribe_before_seconds must be less than channel_lifetime_seconds");
  }
  if (s.backoff_max_ms < s.backoff_initial_ms) s.backoff_max_ms = s.backoff_initial_ms;
  return s;
}

}  // namespace cxbridge::genesys
