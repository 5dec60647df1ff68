#include "blob/s3_blob_store.h"

#include <ctime>

#include "blob/blob_store_registry.h"
#include "common/encoding.h"
#include "common/secret.h"

namespace cxbridge::blob {
namespace {

bool AllOf(std::string_view s, std::string_view extra) {
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              extra.find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// S3's <Code> element from an error body, for messages.
std::string ErrorCode(const std::string& body) {
  size_t b = body.find("<Code>");
  size_t e = body.find("</Code>");
  if (b == std::string::npos || e == std::string::npos || e < b) return "";
  return body.substr(b + 6, e - b - 6);
}

// The one place an S3 answer becomes a Status (see the header).
Status StatusFromResponse(const http::ClientResponse& r, std::string_view what) {
  std::string op(what);
  if (r.status == 0) {
    return Status::Unavailable(op + ": " + (r.timed_out ? "timed out" : "no response: " + r.error));
  }
  std::string detail = op + ": HTTP " + std::to_string(r.status);
  if (std::string code = ErrorCode(r.body); !code.empty()) detail += " " + code;
  if (r.status >= 500 || r.status == 429) return Status::Unavailable(detail);
  if (r.status == 401 || r.status == 403) return Status::FailedPrecondition(detail);
  if (r.status == 404) return Status::FailedPrecondition(detail + " (bucket missing?)");
  return Status::Internal(detail);
}

Status CheckName(std::string_view sha256) {
  if (!IsSha256Hex(sha256)) {
    return Status::InvalidArgument("blob name must be 64 lower-case hex digits");
  }
  return Status::Ok();
}

// The text of the first <tag>…</tag> in [from, to) of xml, entities decoded.
std::string XmlText(std::string_view xml, std::string_view tag) {
  std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
  size_t b = xml.find(open);
  if (b == std::string_view::npos) return "";
  b += open.size();
  size_t e = xml.find(close, b);
  if (e == std::string_view::npos) return "";
  std::string_view raw = xml.substr(b, e - b);
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '&') {
      out.push_back(raw[i]);
      continue;
    }
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    bool matched = false;
    for (const auto& [name, c] : kEntities) {
      if (raw.substr(i, name.size()) == name) {
        out.push_back(c);
        i += name.size() - 1;
        matched = true;
        break;
      }
    }
    if (!matched) out.push_back('&');
  }
  return out;
}

// "2024-05-01T12:34:56.789Z" → epoch ms; 0 when unparsable.
int64_t ParseIsoMs(const std::string& s) {
  struct tm tm {};
  int ms = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
    return 0;
  }
  if (size_t dot = s.find('.'); dot != std::string::npos) {
    std::string frac = s.substr(dot + 1, 3);
    while (frac.size() < 3) frac.push_back('0');
    if (frac.find_first_not_of("0123456789") == std::string::npos) {
      ms = std::stoi(frac);
    }
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

}  // namespace

Result<std::unique_ptr<S3BlobStore>> S3BlobStore::Create(S3Options o,
                                                         std::shared_ptr<http::HttpClient> client) {
  if (!o.endpoint.starts_with("http://") && !o.endpoint.starts_with("https://")) {
    return Status::InvalidArgument("endpoint must start with http:// or https://");
  }
  while (o.endpoint.ends_with("/")) o.endpoint.pop_back();
  if (o.endpoint.find_first_of("?#", 0) != std::string::npos) {
    return Status::InvalidArgument("endpoint must not carry a query or fragment");
  }
  if (o.bucket.size() < 3 || o.bucket.size() > 63 || !AllOf(o.bucket, ".-") ||
      o.bucket != [&] {
        std::string l = o.bucket;
        for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return l;
      }()) {
    return Status::InvalidArgument("bucket must be 3-63 characters of [a-z0-9.-]");
  }
  // The prefix goes unencoded into paths and the list query; these characters need no encoding
  // in either, so the SigV4 canonical form and the wire form agree.
  if (!AllOf(o.prefix, "._/-") || o.prefix.size() > 512) {
    return Status::InvalidArgument("prefix may only contain [A-Za-z0-9._/-] (at most 512)");
  }
  if (o.region.empty() || !AllOf(o.region, "-")) {
    return Status::InvalidArgument("region must be like us-east-1");
  }
  if (o.credentials == nullptr) {
    return Status::InvalidArgument(
        "credentials are required: access_key_id and secret_access_key, or credentials: default");
  }
  if (o.timeout_ms <= 0) return Status::InvalidArgument("timeout_ms must be positive");
  if (o.list_page_size < 1 || o.list_page_size > 1000) {
    return Status::InvalidArgument("list_page_size must be 1-1000");
  }
  if (o.clock == nullptr) o.clock = &SystemClock();
  if (!client) client = std::make_shared<http::HttpClient>();
  return std::unique_ptr<S3BlobStore>(new S3BlobStore(std::move(o), std::move(client)));
}

std::string S3BlobStore::Uri(std::string_view sha256) const {
  return "s3://" + options_.bucket + "/" + options_.prefix + std::string(sha256);
}

http::ClientResponse S3BlobStore::Send(const std::string& method, const std::string& path_and_query,
                                       std::string body, std::string content_type) {
  http::ClientRequest req;
  req.max_response_bytes = SIZE_MAX;  // blobs; the store is the operator's configuration
  req.method = method;
  req.url = options_.endpoint + "/" + options_.bucket + path_and_query;
  req.timeout_ms = options_.timeout_ms;
  req.headers.emplace_back("x-amz-content-sha256", Sha256Hex(body));
  if (!content_type.empty()) req.headers.emplace_back("Content-Type", std::move(content_type));

  aws::SignInput in;
  in.method = method;
  in.url = req.url;
  in.headers = req.headers;
  in.body = body;
  in.region = options_.region;
  in.service = "s3";
  in.now_ms = options_.clock->NowMs();
  auto credentials = options_.credentials->Current();
  if (!credentials.ok()) {  // the default chain has none (yet): not sent, the store is unavailable
    http::ClientResponse none;
    none.error = credentials.status().message();
    return none;
  }
  for (auto& h : aws::SignV4(in, *credentials)) req.headers.push_back(std::move(h));
  req.body = std::move(body);
  return client_->SendSync(std::move(req));
}

Result<BlobRef> S3BlobStore::Put(std::string_view bytes, std::string_view content_type) {
  BlobRef ref;
  ref.sha256 = Sha256Hex(bytes);
  ref.size = bytes.size();
  ref.content_type = content_type.empty() ? std::string(kDefaultContentType)
                                          : std::string(content_type);
  if (ref.content_type.find_first_of("\r\n") != std::string::npos) {
    return Status::InvalidArgument("content type must be one line");
  }
  ref.uri = Uri(ref.sha256);
  http::ClientResponse r =
      Send("PUT", "/" + options_.prefix + ref.sha256, std::string(bytes), ref.content_type);
  if (r.status != 200) return StatusFromResponse(r, "PUT " + ref.sha256);
  return ref;
}

Result<Blob> S3BlobStore::Get(std::string_view sha256) {
  CXB_RETURN_IF_ERROR(CheckName(sha256));
  std::string name(sha256);
  http::ClientResponse r = Send("GET", "/" + options_.prefix + name, "", "");
  if (r.status == 404 && ErrorCode(r.body) != "NoSuchBucket") {
    return Status::NotFound("no blob " + name);
  }
  if (r.status != 200) return StatusFromResponse(r, "GET " + name);
  if (Sha256Hex(r.body) != sha256) {
    return Status::Corruption("blob " + name + " does not match its hash (" + Uri(name) + ")");
  }
  Blob blob;
  blob.bytes = std::move(r.body);
  const std::string* ct = r.Header("content-type");
  blob.content_type = ct != nullptr ? *ct : std::string(kDefaultContentType);
  return blob;
}

Result<bool> S3BlobStore::Exists(std::string_view sha256) {
  CXB_RETURN_IF_ERROR(CheckName(sha256));
  std::string name(sha256);
  http::ClientResponse r = Send("HEAD", "/" + options_.prefix + name, "", "");
  if (r.status == 200) return true;
  // A HEAD answer has no body, so a missing bucket also reads as 404 here: absent.
  if (r.status == 404) return false;
  return StatusFromResponse(r, "HEAD " + name);
}

Status S3BlobStore::Delete(std::string_view sha256) {
  CXB_RETURN_IF_ERROR(CheckName(sha256));
  std::string name(sha256);
  http::ClientResponse r = Send("DELETE", "/" + options_.prefix + name, "", "");
  if (r.status == 204 || r.status == 200) return Status::Ok();
  if (r.status == 404 && ErrorCode(r.body) != "NoSuchBucket") return Status::Ok();
  return StatusFromResponse(r, "DELETE " + name);
}

Status S3BlobStore::ForEach(const std::function<bool(const BlobInfo&)>& fn) {
  std::string start_after;
  for (;;) {
    // Query values use only characters that need no encoding (prefix validated; keys are
    // prefix + hex), so the signer's canonical query and the wire query agree.
    std::string query = "?list-type=2&max-keys=" + std::to_string(options_.list_page_size);
    if (!options_.prefix.empty()) query += "&prefix=" + options_.prefix;
    if (!start_after.empty()) query += "&start-after=" + start_after;
    http::ClientResponse r = Send("GET", "/" + query, "", "");
    if (r.status != 200) return StatusFromResponse(r, "ListObjectsV2");
    std::string_view xml = r.body;
    size_t pos = 0;
    std::string last_key;
    for (;;) {
      size_t b = xml.find("<Contents>", pos);
      if (b == std::string_view::npos) break;
      size_t e = xml.find("</Contents>", b);
      if (e == std::string_view::npos) return Status::Unavailable("ListObjectsV2: truncated XML");
      std::string_view item = xml.substr(b, e - b);
      pos = e + 11;
      std::string key = XmlText(item, "Key");
      last_key = key;
      if (!key.starts_with(options_.prefix)) continue;
      std::string name = key.substr(options_.prefix.size());
      if (!IsSha256Hex(name)) continue;  // not ours
      BlobInfo info;
      info.sha256 = name;
      std::string size = XmlText(item, "Size");
      info.size = size.empty() ? 0 : std::strtoull(size.c_str(), nullptr, 10);
      info.modified_ms = ParseIsoMs(XmlText(item, "LastModified"));
      if (!fn(info)) return Status::Ok();
    }
    if (XmlText(xml, "IsTruncated") != "true" || last_key.empty()) return Status::Ok();
    if (!AllOf(last_key, "._/-")) {
      return Status::Internal("ListObjectsV2: cannot page past key " + last_key);
    }
    start_after = last_key;
  }
}

Status S3BlobStore::CreateBucket() {
  http::ClientResponse r = Send("PUT", "", "", "");
  if (r.status == 200) return Status::Ok();
  if (r.status == 409 && ErrorCode(r.body) == "BucketAlreadyOwnedByYou") return Status::Ok();
  return StatusFromResponse(r, "CreateBucket " + options_.bucket);
}

}  // namespace cxbridge::blob

// Factory (blob_store_registry.h).

namespace cxbridge::blob {
namespace {

Status StringField(const json::Value& cfg, std::string_view key, bool required, std::string* out) {
  const json::Value* v = cfg.Find(key);
  if (v == nullptr) {
    if (required) return Status::InvalidArgument("store." + std::string(key) + ": required for s3");
    return Status::Ok();
  }
  if (!v->is_string()) return Status::InvalidArgument("store." + std::string(key) + ": must be a string");
  *out = v->as_string();
  return Status::Ok();
}

Status SecretField(const json::Value& cfg, std::string_view key, bool required, std::string* out) {
  const json::Value* v = cfg.Find(key);
  if (v == nullptr) {
    if (required) {
      return Status::InvalidArgument("store." + std::string(key) +
                                     ": required for s3 (a secret spec, e.g. {env: NAME})");
    }
    return Status::Ok();
  }
  Result<std::string> s = ResolveSecret(*v);
  if (!s.ok()) return Status::InvalidArgument("store." + std::string(key) + ": " + s.status().message());
  *out = std::move(*s);
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<BlobStore>> S3BlobStoreFromConfig(const json::Value& config,
                                                         const StoreContext& ctx) {
  CXB_RETURN_IF_ERROR(
      CheckKnownKeys(config,
                     {"type", "endpoint", "bucket", "prefix", "region", "access_key_id",
                      "secret_access_key", "session_token", "credentials", "timeout_ms"},
                     "store"));
  S3Options o;
  CXB_RETURN_IF_ERROR(StringField(config, "endpoint", true, &o.endpoint));
  CXB_RETURN_IF_ERROR(StringField(config, "bucket", true, &o.bucket));
  CXB_RETURN_IF_ERROR(StringField(config, "prefix", false, &o.prefix));
  CXB_RETURN_IF_ERROR(StringField(config, "region", false, &o.region));
  if (const json::Value* c = config.Find("credentials"); c != nullptr && !c->is_null()) {
    if (!c->is_string() || c->as_string() != "default") {
      return Status::InvalidArgument(
          "store.credentials: the only value is 'default' (the AWS SDKs' default chain); give keys "
          "with access_key_id and secret_access_key instead");
    }
    if (config.Find("access_key_id") != nullptr || config.Find("secret_access_key") != nullptr) {
      return Status::InvalidArgument(
          "store: credentials: default and access_key_id exclude each other");
    }
    if (!ctx.default_credentials && !ctx.validate_only) {
      return Status::InvalidArgument("store.credentials: default is not available here");
    }
    if (!ctx.validate_only) o.credentials = ctx.default_credentials();
  } else {
    aws::AwsCredentials keys;
    CXB_RETURN_IF_ERROR(SecretField(config, "access_key_id", true, &keys.access_key_id));
    CXB_RETURN_IF_ERROR(SecretField(config, "secret_access_key", true, &keys.secret_access_key));
    CXB_RETURN_IF_ERROR(SecretField(config, "session_token", false, &keys.session_token));
    o.credentials = aws::StaticCredentials(std::move(keys));
  }
  if (const json::Value* t = config.Find("timeout_ms"); t != nullptr) {
    if (!t->is_number() || !t->as_int64(&o.timeout_ms) || o.timeout_ms <= 0) {
      return Status::InvalidArgument("store.timeout_ms: must be a positive integer");
    }
  }
  o.clock = ctx.clock;
  if (ctx.validate_only) return std::shared_ptr<BlobStore>();
  Result<std::unique_ptr<S3BlobStore>> store = S3BlobStore::Create(std::move(o), ctx.http_client);
  if (!store.ok()) return Status::InvalidArgument("store: " + store.status().message());
  return std::shared_ptr<BlobStore>(std::move(*store));
}

}  // namespace cxbridge::blob
