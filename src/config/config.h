// The cxbridge configuration: YAML on disk, parsed once into this immutable value.
// Module-specific sections (sources, schemas, api, target details) are converted to json::Value
// and validated by their own modules; errors carry the YAML line of the section they come from.
// See docs/configuration.md for every key.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bus/model.h"
#include "common/json.h"
#include "common/status.h"

namespace cxbridge::config {

struct SourceConfig {
  std::string name;   // the {source} of POST /webhooks/{source}
  json::Value raw;    // the source's mapping, as JSON
  int line = 0;       // where it starts in the YAML file (1-based)
};

struct Config {
  std::string path;  // the file it came from; empty for built-in defaults

  // server:
  std::string address = "127.0.0.1";
  uint16_t port = 8088;
  int threads = 2;
  size_t max_body_bytes = 1 << 20;
  json::Value admin_token;  // secret spec; null = none configured
  std::string account = "123456789012";
  std::string region = "us-east-1";
  // Let API destinations and HTTP targets saved through the API reach loopback, private and
  // link-local addresses (deliver/README.md, outbound address guard).
  bool allow_private_targets = false;
  bool allow_api_local_targets = false;  // command:// and file:// targets through PutTargets

  // storage:
  std::string data_dir = "./cxbridge-data";
  int64_t dedup_ttl_seconds = 24 * 3600;
  int64_t event_retention_seconds = 3600;  // how long delivered events stay in the log
  uint64_t min_free_disk_bytes = 64ull << 20;  // below this, ingest answers 503

  // delivery:
  int64_t backoff_base_ms = 1000;
  int64_t backoff_max_ms = 300'000;
  int target_concurrency = 16;

  std::vector<SourceConfig> sources;
  std::vector<bus::BusDef> buses;
  std::vector<bus::RuleDef> rules;
  json::Value schemas;  // the `schemas:` section (transform/), null when absent
  json::Value api;      // the `api:` section (api/), null when absent
  json::Value blobs;    // the `blobs:` store for claim checks (blob/), null: <data_dir>/blobs
  json::Value aws;      // the `aws:` section: credentials and endpoints of AWS targets (deliver/)
};

// Reads and validates a config file.
Result<Config> LoadConfig(const std::string& path);
// Parses config text; `path` is used in error messages only.
Result<Config> ParseConfig(std::string_view yaml, const std::string& path);

}  // namespace cxbridge::config
