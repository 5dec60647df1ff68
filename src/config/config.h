// The cxbridge configuration: YAML on disk, parsed once into this immutable value.
// Module-specific sections (sources, schemas, api, target details) are converted to json::Value
// and validated by their own modules. Every key is checked: a key no parser knows is an error
// (common/config_keys.h). Problems carry file:line:column; `Positions` lets the caller place a
// module's error about a section (app/config_check.h runs every module's checks).
// See docs/configuration.md for every key.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bus/model.h"
#include "common/json.h"
#include "common/status.h"

namespace cxbridge::config {

// A place in the config file, 1-based; 0 when unknown.
struct Mark {
  int line = 0;
  int column = 0;
};

// Where every mapping key and list item of a config file is. A path names them from the root,
// keys and list indexes joined by '/': "sources/crm/auth/hedaer", "rules/0/Targets/1".
// Immutable once built; safe to read from any thread.
class Positions {
 public:
  void Add(std::string path, Mark mark);
  // The node at `path`, else its nearest ancestor that has a mark; {0,0} when none.
  Mark Find(std::string_view path) const;
  // The first key named `key` at or below `path`, in file order; Find(path) when there is none.
  Mark FindKey(std::string_view path, std::string_view key) const;

 private:
  std::vector<std::pair<std::string, Mark>> entries_;  // file order
};

// One problem in a config file.
struct Problem {
  Mark mark;
  std::string message;
};
// "file:line:column: message" ("file: message" without a mark).
std::string FormatProblem(const std::string& file, const Problem& p);
// Places a module's error about the section at `path`: each unknown key it names
// (common/config_keys.h) at that key, anything else at the section itself. `what` prefixes the
// message ("sources.crm"); one problem per line of the error's message.
std::vector<Problem> LocateProblems(const Positions& positions, std::string_view path,
                                    std::string_view what, const Status& error);

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
  // Host names (besides the loopback ones) that requests to the admin surface and the APIs may
  // name in their Host header while the server listens on loopback without an admin token (the
  // DNS-rebinding check, http/host_check.h). E.g. the name a local reverse proxy forwards.
  std::vector<std::string> allowed_hosts;

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

  // Where each key is in the file (empty for built-in defaults); shared, never modified.
  std::shared_ptr<const Positions> positions = std::make_shared<Positions>();
  // rules[i]'s path in `positions` ("rules/3") and its targets' ("rules/3/Targets/0"): a rule or
  // target with a problem is left out of `rules`, so indexes alone do not tell.
  struct RulePlace {
    std::string path;
    std::vector<std::string> targets;
  };
  std::vector<RulePlace> rule_places;
};

// A parsed config and every problem this module found in it (file order). The config holds
// what could be read; it must not be used when there are problems.
struct Checked {
  Config config;
  std::vector<Problem> problems;
};
Checked ParseConfigChecked(std::string_view yaml, const std::string& path);
Checked LoadConfigChecked(const std::string& path);

// Problems joined one per line ("file:line:column: message"), as an InvalidArgument.
Status ProblemsStatus(const std::string& file, const std::vector<Problem>& problems);

// Reads and validates a config file (this module's checks; app/config_check.h adds the modules').
Result<Config> LoadConfig(const std::string& path);
// Parses config text; `path` is used in error messages only.
Result<Config> ParseConfig(std::string_view yaml, const std::string& path);

}  // namespace cxbridge::config
