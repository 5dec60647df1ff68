// NatsSettings: how a cxbridge node reaches its NATS servers, written the way NATS users write it
// (nats.go/nats.c option names): a servers list (`nats://`, `tls://`, host:port), one kind of
// authentication (user/password, token, creds file, nkey seed), TLS files. Parsed once from the
// `storage:` block (config time) into this immutable value; secrets are resolved at parse time
// and never logged. Thread-safety: a plain value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace cxbridge::cluster {

struct NatsTls {
  std::string ca_file;    // PEM CA bundle to verify the servers; empty: the system's
  std::string cert_file;  // client certificate (mutual TLS), with key_file
  std::string key_file;
  bool skip_verify = false;  // tests only; refused beside a non-loopback server
};

struct NatsSettings {
  std::vector<std::string> servers;  // as given, e.g. "nats://10.0.0.1:4222", "tls://h:4222"
  std::string user, password;        // user/password (also accepted inside a URL)
  std::string token;
  std::string creds_file;            // JWT + nkey seed file (operator mode, NGS)
  std::string nkey, nkey_seed_file;  // NKey authentication: the user's public key and seed file
  bool tls = false;                  // true when `tls:` is set or any URL is tls://
  NatsTls tls_files;
  std::string name = "cxbridge";      // client name, shown in the servers' /connz
  int64_t connect_timeout_ms = 2000;  // per server attempt
  int64_t request_timeout_ms = 5000;  // JetStream API requests (stream info, KV get, ...)

  // What a log line may say: the servers list without credentials.
  std::string Describe() const;
};

// Reads a `storage:` block of type jetstream. Recognized keys: servers (list or comma-separated
// string), user, password, token, creds, nkey (+ nkey_seed_file), tls ({ca, cert, key,
// insecure_skip_verify}), name, connect_timeout_ms, request_timeout_ms. Other keys are not read
// here (the engine reads its own: replicas, partitions, ...). Errors name the key and say what is
// expected.
Result<NatsSettings> ParseNatsSettings(const json::Value& storage);

// "nats://user:pw@h:4222" → user "user", password "pw", url "nats://h:4222". A URL without
// scheme gets nats://. InvalidArgument for an unknown scheme or an empty host.
struct ParsedServerUrl {
  std::string url;  // without credentials
  std::string user, password;
  bool tls = false;
  std::string host;
  int port = 4222;
};
Result<ParsedServerUrl> ParseServerUrl(const std::string& text);

}  // namespace cxbridge::cluster
