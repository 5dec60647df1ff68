#include "aws/credentials.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "common/ids.h"
#include "common/json.h"
#include "common/thread_name.h"

namespace cxbridge::aws {
namespace {

class Static : public CredentialSource {
 public:
  explicit Static(AwsCredentials c) : c_(std::move(c)) {}
  Result<AwsCredentials> Current() const override { return c_; }
  std::string Describe() const override { return "config"; }

 private:
  AwsCredentials c_;
};

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// The keys of one profile of an INI-style shared credentials file.
std::optional<std::map<std::string, std::string>> ReadProfile(const std::string& path,
                                                              const std::string& profile) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::map<std::string, std::string> keys;
  bool found = false, inside = false;
  for (std::string line; std::getline(in, line);) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      inside = Trim(line.substr(1, line.size() - 2)) == profile;
      found = found || inside;
      continue;
    }
    size_t eq = line.find('=');
    if (inside && eq != std::string::npos)
      keys[Trim(line.substr(0, eq))] = Trim(line.substr(eq + 1));
  }
  if (!found) return std::map<std::string, std::string>{};
  return keys;
}

// {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}: the shape both the container
// endpoint and the instance metadata service answer with.
Result<AwsCredentials> ParseTemporary(const std::string& body, int64_t* expires_ms) {
  auto doc = json::Parse(body);
  if (!doc.ok() || !doc->is_object()) return Status::Unavailable("the answer is not a JSON object");
  auto str = [&](std::string_view k) -> std::string {
    const json::Value* v = doc->Find(k);
    return v != nullptr && v->is_string() ? v->as_string() : "";
  };
  if (const std::string code = str("Code"); !code.empty() && code != "Success") {
    return Status::Unavailable("the credentials answer has Code " + code + ": " + str("Message"));
  }
  AwsCredentials c{str("AccessKeyId"), str("SecretAccessKey"), str("Token")};
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Status::Unavailable("the answer has no AccessKeyId and SecretAccessKey");
  }
  *expires_ms = 0;
  if (const std::string exp = str("Expiration"); !exp.empty()) {
    auto ms = ParseRfc3339(exp);
    if (!ms) return Status::Unavailable("Expiration '" + exp + "' is not an RFC 3339 time");
    *expires_ms = *ms;
  }
  return c;
}

}  // namespace

std::shared_ptr<const CredentialSource> StaticCredentials(AwsCredentials credentials) {
  return std::make_shared<Static>(std::move(credentials));
}

DefaultCredentialChain::DefaultCredentialChain(http::HttpClient& client, Clock& clock,
                                               Options options)
    : client_(client), clock_(clock), options_(std::move(options)) {
  if (!options_.getenv) {
    options_.getenv = [](const std::string& name) -> std::optional<std::string> {
      const char* v = std::getenv(name.c_str());
      if (v == nullptr) return std::nullopt;
      return std::string(v);
    };
  }
}

DefaultCredentialChain::~DefaultCredentialChain() { Stop(); }

std::optional<std::string> DefaultCredentialChain::Env(const std::string& name) const {
  auto v = options_.getenv(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

Status DefaultCredentialChain::Start() {
  Status st = RefreshIfDue();
  std::lock_guard<std::mutex> lock(mu_);
  if (!thread_.joinable()) {
    stopping_ = false;
    thread_ = std::thread([this] {
      SetThreadName("cxb-aws-creds");
      std::unique_lock<std::mutex> lock(mu_);
      while (!stopping_) {
        // Checked every second against the (possibly fake) clock; a fetch takes the lock only
        // to publish its result.
        cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
        if (stopping_) break;
        lock.unlock();
        (void)RefreshIfDue();
        lock.lock();
      }
    });
  }
  return st;
}

void DefaultCredentialChain::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<AwsCredentials> DefaultCredentialChain::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (current_ && (current_->expires_ms == 0 || clock_.NowMs() < current_->expires_ms)) {
    return current_->credentials;
  }
  return Status::Unavailable("no AWS credentials from the default chain" +
                             (last_error_.empty() ? std::string() : ": " + last_error_));
}

std::string DefaultCredentialChain::Describe() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_ ? current_->description : "none yet";
}

Status DefaultCredentialChain::RefreshIfDue() {
  Kind kind = Kind::kNone;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now = clock_.NowMs();
    if (now < next_attempt_ms_) return Status::Ok();
    if (current_) {
      if (current_->expires_ms == 0) return Status::Ok();  // long-term keys
      if (now < current_->expires_ms - options_.refresh_margin_ms) {
        next_attempt_ms_ = current_->expires_ms - options_.refresh_margin_ms;
        return Status::Ok();
      }
      kind = current_->kind;
    }
  }
  if (kind == Kind::kNone) {  // nothing answered yet: walk the chain
    Status st = Probe();
    if (!st.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      next_attempt_ms_ = clock_.NowMs() + options_.retry_ms;
    }
    return st;
  }
  // A refresh asks the source that answered before.
  Result<Fetched> got = FetchTemporary(kind);
  std::lock_guard<std::mutex> lock(mu_);
  if (got.ok()) {
    spdlog::info("AWS credentials refreshed from {}; they expire at {}", got->description,
                 FormatRfc3339(got->expires_ms));
    current_ = std::move(*got);
    last_error_.clear();
    next_attempt_ms_ = 0;
    return Status::Ok();
  }
  // Keep the credentials while they still work; try again soon.
  last_error_ = got.status().message();
  next_attempt_ms_ = clock_.NowMs() + options_.retry_ms;
  spdlog::warn("AWS credentials could not be refreshed: {}", last_error_);
  return got.status();
}

Status DefaultCredentialChain::Probe() {
  std::string why;
  const std::pair<const char*, std::function<Result<Fetched>()>> sources[] = {
      {"environment", [this] { return FromEnvironment(); }},
      {"shared credentials file", [this] { return FromSharedFile(); }},
      {"container credentials", [this] { return FromContainer(); }},
      {"instance metadata", [this] { return FromInstanceMetadata(); }},
  };
  for (const auto& [name, fetch] : sources) {
    Result<Fetched> got = fetch();
    if (got.ok()) {
      spdlog::info("AWS credentials from {}", got->description);
      std::lock_guard<std::mutex> lock(mu_);
      current_ = std::move(*got);
      last_error_.clear();
      next_attempt_ms_ = 0;
      return Status::Ok();
    }
    why += std::string(why.empty() ? "" : "; ") + name + ": " + got.status().message();
  }
  std::lock_guard<std::mutex> lock(mu_);
  last_error_ = why;
  return Status::Unavailable("no AWS credentials found (" + why + ")");
}

Result<DefaultCredentialChain::Fetched> DefaultCredentialChain::FromEnvironment() const {
  auto id = Env("AWS_ACCESS_KEY_ID"), secret = Env("AWS_SECRET_ACCESS_KEY");
  if (!id || !secret)
    return Status::NotFound("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set");
  Fetched f;
  f.credentials = {*id, *secret, Env("AWS_SESSION_TOKEN").value_or("")};
  f.kind = Kind::kEnvironment;
  f.description = "the environment (AWS_ACCESS_KEY_ID)";
  return f;
}

Result<DefaultCredentialChain::Fetched> DefaultCredentialChain::FromSharedFile() const {
  std::string path;
  if (auto p = Env("AWS_SHARED_CREDENTIALS_FILE")) {
    path = *p;
  } else if (auto home = Env("HOME")) {
    path = *home + "/.aws/credentials";
  } else {
    return Status::NotFound("neither AWS_SHARED_CREDENTIALS_FILE nor HOME is set");
  }
  const std::string profile = Env("AWS_PROFILE").value_or("default");
  auto keys = ReadProfile(path, profile);
  if (!keys) return Status::NotFound(path + " cannot be read");
  auto id = keys->find("aws_access_key_id"), secret = keys->find("aws_secret_access_key");
  if (id == keys->end() || secret == keys->end() || id->second.empty() || secret->second.empty()) {
    return Status::NotFound(path + " has no profile [" + profile +
                            "] with aws_access_key_id and aws_secret_access_key");
  }
  Fetched f;
  f.credentials.access_key_id = id->second;
  f.credentials.secret_access_key = secret->second;
  if (auto t = keys->find("aws_session_token"); t != keys->end())
    f.credentials.session_token = t->second;
  f.kind = Kind::kSharedFile;
  f.description = path + " (profile " + profile + ")";
  return f;
}

Result<DefaultCredentialChain::Fetched> DefaultCredentialChain::FromContainer() {
  std::string url;
  if (auto full = Env("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    url = *full;
  } else if (auto rel = Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    url = "http://169.254.170.2" + *rel;
  } else {
    return Status::NotFound("AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI are not set");
  }
  http::ClientRequest req;
  req.method = "GET";
  req.url = url;
  req.timeout_ms = options_.metadata_timeout_ms;
  req.no_proxy = true;  // link-local or loopback endpoints, never through a proxy
  std::optional<std::string> token = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  if (!token) {
    if (auto file = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
      std::ifstream in(*file);
      if (!in)
        return Status::Unavailable("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + *file +
                                   " cannot be read");
      std::stringstream ss;
      ss << in.rdbuf();
      token = Trim(ss.str());
    }
  }
  if (token) req.headers.emplace_back("Authorization", *token);
  http::ClientResponse resp = client_.SendSync(std::move(req));
  if (resp.status != 200) {
    return Status::Unavailable(
        url + " answered " +
        (resp.status == 0 ? resp.error : "HTTP " + std::to_string(resp.status)));
  }
  Fetched f;
  auto c = ParseTemporary(resp.body, &f.expires_ms);
  if (!c.ok()) return Status::Unavailable(url + ": " + c.status().message());
  f.credentials = std::move(*c);
  f.kind = Kind::kContainer;
  f.description = "container credentials (" + url + ")";
  return f;
}

Result<DefaultCredentialChain::Fetched> DefaultCredentialChain::FromInstanceMetadata() {
  if (auto off = Env("AWS_EC2_METADATA_DISABLED"); off && (*off == "true" || *off == "TRUE")) {
    return Status::NotFound("AWS_EC2_METADATA_DISABLED is true");
  }
  std::string base = Env("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("http://169.254.169.254");
  while (base.ends_with("/")) base.pop_back();
  auto call = [&](std::string method, std::string path,
                  std::vector<std::pair<std::string, std::string>> headers) {
    http::ClientRequest req;
    req.method = std::move(method);
    req.url = base + path;
    req.headers = std::move(headers);
    req.timeout_ms = options_.metadata_timeout_ms;
    req.no_proxy = true;  // link-local or loopback endpoints, never through a proxy
    return client_.SendSync(std::move(req));
  };
  auto failed = [&](const std::string& path, const http::ClientResponse& r) {
    return Status::Unavailable(base + path + " answered " +
                               (r.status == 0 ? r.error : "HTTP " + std::to_string(r.status)));
  };
  // IMDSv2: a session token first (IMDSv1 is not used).
  const std::string token_path = "/latest/api/token";
  auto token = call("PUT", token_path, {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}});
  if (token.status != 200) return failed(token_path, token);
  const std::pair<std::string, std::string> auth{"X-aws-ec2-metadata-token", Trim(token.body)};
  const std::string roles_path = "/latest/meta-data/iam/security-credentials/";
  auto roles = call("GET", roles_path, {auth});
  if (roles.status != 200) return failed(roles_path, roles);
  std::string role = Trim(roles.body.substr(0, roles.body.find('\n')));
  if (role.empty()) return Status::Unavailable("the instance has no IAM role");
  auto creds = call("GET", roles_path + role, {auth});
  if (creds.status != 200) return failed(roles_path + role, creds);
  Fetched f;
  auto c = ParseTemporary(creds.body, &f.expires_ms);
  if (!c.ok()) return Status::Unavailable(base + roles_path + role + ": " + c.status().message());
  f.credentials = std::move(*c);
  f.kind = Kind::kInstanceMetadata;
  f.description = "instance metadata (role " + role + ")";
  return f;
}

Result<DefaultCredentialChain::Fetched> DefaultCredentialChain::FetchTemporary(Kind kind) {
  return kind == Kind::kContainer ? FromContainer() : FromInstanceMetadata();
}

}  // namespace cxbridge::aws
