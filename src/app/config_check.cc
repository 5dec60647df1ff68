#include "app/config_check.h"

#include <algorithm>
#include <ostream>

#include "api/api_config.h"
#include "blob/blob_store_registry.h"
#include "blob/sweeper.h"
#include "bus/router.h"
#include "deliver/aws_settings.h"
#include "deliver/target.h"
#include "genesys/factory.h"
#include "genesys/settings.h"
#include "ingest/webhook.h"
#include "transform/normalizer.h"

namespace cxbridge::app {
namespace {

class Collector {
 public:
  explicit Collector(const config::Config& cfg) : pos_(*cfg.positions) {}

  // A module's error about the section at `path` ('/'-joined), its message prefixed by `what`.
  void Add(const std::string& path, const std::string& what, const Status& st) {
    if (st.ok()) return;
    for (auto& p : config::LocateProblems(pos_, path, what, st)) problems.push_back(std::move(p));
  }

  std::vector<config::Problem> problems;

 private:
  const config::Positions& pos_;
};

void CheckSources(const config::Config& cfg, Collector* c) {
  for (const auto& sc : cfg.sources) {
    const std::string path = "sources/" + sc.name;
    const std::string what = "sources." + sc.name;
    if (genesys::IsNotificationsSource(sc.raw)) {
      auto settings = genesys::ParseNotificationsSettings(sc.name, sc.raw, cfg.account, cfg.region);
      if (!settings.ok()) {
        c->Add(path, what, settings.status());
        continue;
      }
      c->Add(path, what, genesys::MakeIngestEnveloper(*settings).status());
      continue;
    }
    // A source may name a bus created through the EventBridge API, which only the running server
    // knows: the bus is checked when the server starts, not here.
    const json::Value* bus = sc.raw.Find("bus");
    std::vector<std::string> buses = {bus != nullptr && bus->is_string() ? bus->as_string() : "default"};
    c->Add(path, what, ingest::WebhookHandler::CheckSource(sc, cfg.account, cfg.region, buses));
  }
}

void CheckRules(const config::Config& cfg, Collector* c) {
  deliver::TargetRegistry kinds;
  deliver::RegisterBuiltins(kinds);
  deliver::TargetEnv env;
  env.account = cfg.account;
  env.region = cfg.region;
  env.allow_private_targets = cfg.allow_private_targets;
  env.allow_api_local_targets = cfg.allow_api_local_targets;
  auto aws = deliver::ParseAwsSettings(cfg.aws);
  if (aws.ok()) env.aws = std::make_shared<const deliver::AwsSettings>(std::move(*aws));
  for (size_t i = 0; i < cfg.rules.size(); ++i) {
    const bus::RuleDef& rule = cfg.rules[i];
    const config::Config::RulePlace* place = i < cfg.rule_places.size() ? &cfg.rule_places[i] : nullptr;
    const std::string rule_path = place ? place->path : "rules";
    const std::string what = "rule " + rule.name;  // "rule r target t: ..." as the router says it
    // Patterns, transforms, retry policies: the router compiles the rule alone.
    bus::Router router(cfg.account, cfg.region);
    bus::RuleDef alone = rule;
    c->Add(rule_path, "", router.SetConfigDefinitions(cfg.buses, {alone}));
    for (size_t j = 0; j < rule.targets.size(); ++j) {
      const bus::TargetDef& t = rule.targets[j];
      const std::string target_path =
          place && j < place->targets.size() ? place->targets[j] : rule_path;
      c->Add(target_path, what + " target " + t.id,
             kinds.Validate(t, env));
    }
  }
}

}  // namespace

std::vector<config::Problem> CheckModules(const config::Config& cfg) {
  Collector c(cfg);
  c.Add("aws", "", deliver::ParseAwsSettings(cfg.aws).status());
  c.Add("api", "", api::ParseApiConfig(cfg.api, cfg.account, cfg.region).status());
  {
    json::Value store_cfg;
    blob::SweeperOptions retention;
    Status st = blob::SplitRetention(
        cfg.blobs.is_null() ? json::Value::Object({{"type", json::Value::String("local")}}) : cfg.blobs,
        &store_cfg, &retention);
    if (st.ok()) {
      blob::BlobStoreRegistry kinds;
      blob::RegisterBuiltins(&kinds);
      blob::StoreContext ctx;
      ctx.data_dir = cfg.data_dir;
      ctx.validate_only = true;
      st = kinds.Create(store_cfg, ctx).status();
    }
    c.Add("blobs", "blobs", st);
  }
  if (!cfg.schemas.is_null()) {
    c.Add("schemas", "schemas", transform::CompileNormalizer(cfg.schemas).status());
  }
  CheckSources(cfg, &c);
  CheckRules(cfg, &c);
  std::stable_sort(c.problems.begin(), c.problems.end(), [](const auto& a, const auto& b) {
    return a.mark.line != b.mark.line ? a.mark.line < b.mark.line : a.mark.column < b.mark.column;
  });
  return std::move(c.problems);
}

namespace {
std::vector<config::Problem> AllProblems(const config::Checked& checked) {
  std::vector<config::Problem> all = checked.problems;
  for (auto& p : CheckModules(checked.config)) all.push_back(std::move(p));
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.mark.line != b.mark.line ? a.mark.line < b.mark.line : a.mark.column < b.mark.column;
  });
  return all;
}
}  // namespace

Result<config::Config> LoadCheckedConfig(const std::string& path) {
  config::Checked checked = config::LoadConfigChecked(path);
  std::vector<config::Problem> all = AllProblems(checked);
  if (!all.empty()) return config::ProblemsStatus(path, all);
  return std::move(checked.config);
}

int RunConfigCheck(const std::string& path, std::ostream& out) {
  config::Checked checked = config::LoadConfigChecked(path);
  std::vector<config::Problem> all = AllProblems(checked);
  for (const auto& p : all) out << config::FormatProblem(path, p) << "\n";
  if (!all.empty()) {
    out << all.size() << (all.size() == 1 ? " problem" : " problems") << " in " << path << "\n";
    return 1;
  }
  out << path << ": OK (" << checked.config.sources.size() << " sources, "
      << checked.config.rules.size() << " rules)\n";
  return 0;
}

}  // namespace cxbridge::app
