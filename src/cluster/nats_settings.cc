#include "cluster/nats_settings.h"

#include <charconv>

#include "common/secret.h"

namespace cxbridge::cluster {
namespace {

Status Expect(const std::string& key, const std::string& what) {
  return Status::InvalidArgument("storage." + key + ": expected " + what);
}

Result<std::string> Str(const json::Value& v, const std::string& key) {
  if (!v.is_string()) return Expect(key, "a string");
  return v.as_string();
}

Result<std::string> Secret(const json::Value& v, const std::string& key) {
  auto s = ResolveSecret(v);
  if (!s.ok()) return Status::InvalidArgument("storage." + key + ": " + s.status().message());
  return *s;
}

Result<int64_t> Millis(const json::Value& v, const std::string& key, int64_t lo, int64_t hi) {
  int64_t n = 0;
  if (!v.is_number() || !v.as_int64(&n) || n < lo || n > hi) {
    return Expect(key, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return n;
}

}  // namespace

Result<ParsedServerUrl> ParseServerUrl(const std::string& text) {
  ParsedServerUrl out;
  std::string rest = text;
  if (size_t p = rest.find("://"); p != std::string::npos) {
    std::string scheme = rest.substr(0, p);
    if (scheme == "tls") {
      out.tls = true;
    } else if (scheme != "nats") {
      return Status::InvalidArgument("NATS server URL " + text +
                                     ": scheme must be nats:// or tls://");
    }
    rest = rest.substr(p + 3);
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('/') != std::string::npos) {
    return Status::InvalidArgument("NATS server URL " + text +
                                   " has a path; expected scheme://host:port");
  }
  if (size_t at = rest.rfind('@'); at != std::string::npos) {
    std::string cred = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (size_t c = cred.find(':'); c != std::string::npos) {
      out.user = cred.substr(0, c);
      out.password = cred.substr(c + 1);
    } else {
      out.user = cred;  // a lone name is a token in NATS URLs; kept as user, see ParseNatsSettings
    }
  }
  std::string host = rest;
  if (!rest.empty() && rest.front() == '[') {  // [v6]:port
    size_t close = rest.find(']');
    if (close == std::string::npos)
      return Status::InvalidArgument("NATS server URL " + text + ": unclosed [");
    host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() == ':')
      rest = rest.substr(1);
    else
      rest.clear();
  } else if (size_t c = rest.rfind(':'); c != std::string::npos) {
    host = rest.substr(0, c);
    rest = rest.substr(c + 1);
  } else {
    rest.clear();
  }
  if (host.empty()) return Status::InvalidArgument("NATS server URL " + text + " has no host");
  out.host = host;
  if (!rest.empty()) {
    int port = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), port);
    if (ec != std::errc() || ptr != rest.data() + rest.size() || port <= 0 || port > 65535) {
      return Status::InvalidArgument("NATS server URL " + text + ": bad port " + rest);
    }
    out.port = port;
  }
  const bool v6 = host.find(':') != std::string::npos;
  out.url = std::string(out.tls ? "tls://" : "nats://") + (v6 ? "[" + host + "]" : host) + ":" +
            std::to_string(out.port);
  return out;
}

std::string NatsSettings::Describe() const {
  std::string s;
  for (const auto& u : servers) {
    if (!s.empty()) s += ",";
    auto p = ParseServerUrl(u);
    s += p.ok() ? p->url : "<bad url>";
  }
  return s;
}

Result<NatsSettings> ParseNatsSettings(const json::Value& storage) {
  NatsSettings out;
  const json::Value* servers = storage.Find("servers");
  if (servers == nullptr || servers->is_null()) {
    return Status::InvalidArgument(
        "storage.servers: required for type jetstream (e.g. [nats://127.0.0.1:4222])");
  }
  std::vector<std::string> raw;
  if (servers->is_string()) {
    std::string list = servers->as_string();
    size_t i = 0;
    while (i <= list.size()) {
      size_t c = list.find(',', i);
      if (c == std::string::npos) c = list.size();
      std::string one = list.substr(i, c - i);
      while (!one.empty() && one.front() == ' ') one.erase(one.begin());
      while (!one.empty() && one.back() == ' ') one.pop_back();
      if (!one.empty()) raw.push_back(one);
      i = c + 1;
    }
  } else if (servers->is_array()) {
    for (const auto& v : servers->items()) {
      if (!v.is_string()) return Expect("servers", "a list of URLs (strings)");
      raw.push_back(v.as_string());
    }
  } else {
    return Expect("servers", "a list of URLs");
  }
  if (raw.empty()) return Expect("servers", "at least one URL");
  std::string url_user, url_password;
  for (const auto& r : raw) {
    auto p = ParseServerUrl(r);
    if (!p.ok()) return Status::InvalidArgument("storage.servers: " + p.status().message());
    if (p->tls) out.tls = true;
    if (!p->user.empty() || !p->password.empty()) {
      if (!url_user.empty() && (url_user != p->user || url_password != p->password)) {
        return Status::InvalidArgument(
            "storage.servers: the URLs carry different credentials; use user/password");
      }
      url_user = p->user;
      url_password = p->password;
    }
    out.servers.push_back(p->url);
  }
  if (const json::Value* v = storage.Find("user")) {
    auto s = Str(*v, "user");
    if (!s.ok()) return s.status();
    out.user = *s;
  }
  if (const json::Value* v = storage.Find("password")) {
    auto s = Secret(*v, "password");
    if (!s.ok()) return s.status();
    out.password = *s;
  }
  if (const json::Value* v = storage.Find("token")) {
    auto s = Secret(*v, "token");
    if (!s.ok()) return s.status();
    out.token = *s;
  }
  if (const json::Value* v = storage.Find("creds")) {
    auto s = Str(*v, "creds");
    if (!s.ok()) return s.status();
    out.creds_file = *s;
  }
  if (const json::Value* v = storage.Find("nkey")) {
    auto s = Str(*v, "nkey");
    if (!s.ok()) return s.status();
    out.nkey = *s;
  }
  if (const json::Value* v = storage.Find("nkey_seed_file")) {
    auto s = Str(*v, "nkey_seed_file");
    if (!s.ok()) return s.status();
    out.nkey_seed_file = *s;
  }
  if (out.nkey.empty() != out.nkey_seed_file.empty()) {
    return Status::InvalidArgument(
        "storage.nkey and storage.nkey_seed_file go together (public key, seed file)");
  }
  if (out.user.empty() && out.password.empty() && !url_user.empty()) {
    if (url_password.empty()) {
      out.token = out.token.empty() ? url_user : out.token;  // nats://TOKEN@host
    } else {
      out.user = url_user;
      out.password = url_password;
    }
  }
  int kinds = (!out.user.empty() || !out.password.empty()) + !out.token.empty() +
              !out.creds_file.empty() + !out.nkey.empty();
  if (kinds > 1) {
    return Status::InvalidArgument(
        "storage: give one kind of NATS authentication (user/password, token, creds or nkey), not "
        "several");
  }
  if (!out.password.empty() && out.user.empty())
    return Expect("user", "a user name beside password");
  if (const json::Value* t = storage.Find("tls")) {
    if (t->is_bool()) {
      out.tls = out.tls || t->as_bool();
    } else if (t->is_object()) {
      out.tls = true;
      for (const auto& m : t->members()) {
        const std::string key = "tls." + m.first;
        if (m.first == "ca" || m.first == "cert" || m.first == "key") {
          auto s = Str(m.second, key);
          if (!s.ok()) return s.status();
          (m.first == "ca"     ? out.tls_files.ca_file
           : m.first == "cert" ? out.tls_files.cert_file
                               : out.tls_files.key_file) = *s;
        } else if (m.first == "insecure_skip_verify") {
          if (!m.second.is_bool()) return Expect(key, "true or false");
          out.tls_files.skip_verify = m.second.as_bool();
        } else {
          return Status::InvalidArgument("storage." + key +
                                         ": unknown key (ca, cert, key, insecure_skip_verify)");
        }
      }
      if (out.tls_files.cert_file.empty() != out.tls_files.key_file.empty()) {
        return Status::InvalidArgument("storage.tls: cert and key go together (mutual TLS)");
      }
    } else {
      return Expect("tls", "true or {ca, cert, key}");
    }
  }
  if (const json::Value* v = storage.Find("name")) {
    auto s = Str(*v, "name");
    if (!s.ok()) return s.status();
    out.name = *s;
  }
  if (const json::Value* v = storage.Find("connect_timeout_ms")) {
    auto n = Millis(*v, "connect_timeout_ms", 100, 600000);
    if (!n.ok()) return n.status();
    out.connect_timeout_ms = *n;
  }
  if (const json::Value* v = storage.Find("request_timeout_ms")) {
    auto n = Millis(*v, "request_timeout_ms", 100, 600000);
    if (!n.ok()) return n.status();
    out.request_timeout_ms = *n;
  }
  return out;
}

}  // namespace cxbridge::cluster
