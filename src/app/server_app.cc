#include "app/server_app.h"

#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <future>
#include <mutex>

#include "admin/admin.h"
#include "admin/console_api.h"
#include "admin/rate_sampler.h"
#include "console/console_handler.h"
#include "console/session.h"
#include "deliver/history_recorder.h"
#include "store/embedded_history.h"
#include "app/config_check.h"
#include "api/api_config.h"
#include "api/events_api.h"
#include "aws/sigv4.h"
#include "blob/blob_handler.h"
#include "blob/blob_store_registry.h"
#include "blob/sweeper.h"
#include "bus/pipeline.h"
#include "bus/replays.h"
#include "bus/router.h"
#include "bus/scheduled_rules.h"
#include "common/clock.h"
#include "common/secret.h"
#include "deliver/api_destination.h"
#include "deliver/aws_settings.h"
#include "deliver/dead_letters.h"
#include "deliver/scheduler.h"
#include "genesys/factory.h"
#include "genesys/settings.h"
#include "http/client.h"
#include "http/host_check.h"
#include "http/server.h"
#include "ingest/webhook.h"
#include "queue/service.h"
#include "queue/sqs_handler.h"
#include "store/blob_refs.h"
#include "store/db.h"
#include "store/embedded.h"
#include "store/event_log.h"

namespace cxbridge::app {

// Sends each request to the module that serves its path.
class FrontHandler : public http::Handler {
 public:
  http::Handler* webhooks = nullptr;
  http::Handler* admin = nullptr;
  http::Handler* api = nullptr;
  http::Handler* sqs = nullptr;  // the built-in queues (X-Amz-Target: AmazonSQS.*)
  http::Handler* console = nullptr;  // the web console (/console)
  // server.max_body_bytes. The HTTP server reads SQS requests up to kMaxRequestBytes (a legal
  // 1 MiB message grows when JSON- or form-encoded); every other body is held to this limit here.
  size_t max_body_bytes = 1 << 20;
  // Set while the server listens on loopback without an admin token: nothing then authenticates
  // the admin surface, the console or (without access keys) the APIs, and a page the operator
  // opens could reach them by DNS rebinding (its own name resolved to 127.0.0.1, so its requests
  // are "same-origin"). They then must name this server in Host: a loopback name or one of
  // server.allowed_hosts. Webhooks (their sources authenticate them) and the health probes are
  // not checked.
  std::optional<http::HostAllowlist> hosts;
  void Handle(http::Request req, http::Respond respond) override {
    const bool webhook = req.path.starts_with("/webhooks/");
    if (hosts && !webhook && req.path != "/healthz" && req.path != "/readyz" &&
        !hosts->Allows(req.Header("Host"))) {
      return respond(http::Response::Error(
          403, "ForbiddenHost",
          "Host " + std::string(req.Header("Host").value_or("")) +
              " is not a name of this server (loopback names, or server.allowed_hosts; an admin "
              "token lifts this check)"));
    }
    if (!webhook && queue::SqsHandler::Serves(req) && !admin::AdminHandler::Serves(req.path)) {
      if (sqs) return sqs->Handle(std::move(req), std::move(respond));
      return respond(ApiDisabled());
    }
    if (req.body.size() > max_body_bytes) {
      return respond(http::Response::Error(
          413, "PayloadTooLarge", "request body exceeds the limit of " + std::to_string(max_body_bytes) + " bytes"));
    }
    if (webhook) return webhooks->Handle(std::move(req), std::move(respond));
    if (req.Header("X-Amz-Target")) {
      if (api) return api->Handle(std::move(req), std::move(respond));
      return respond(ApiDisabled());
    }
    if (admin::AdminHandler::Serves(req.path)) return admin->Handle(std::move(req), std::move(respond));
    if (console && console::ConsoleHandler::Serves(req.path)) return console->Handle(std::move(req), std::move(respond));
    respond(http::Response::Error(404, "NotFound", "no route for " + req.method + " " + req.path));
  }

  static http::Response ApiDisabled() {
    return http::Response::Error(404, "NotFound",
                                 "the EventBridge and SQS APIs are disabled on this server (api.enabled: false)");
  }
};

// The API's connections and API destinations, as the deliver stage reads them at send time.
// Before the API is started (config-file targets are checked first) nothing is found.
class ApiDestinations : public deliver::ApiDestinationDirectory {
 public:
  explicit ApiDestinations(const std::unique_ptr<api::EventsApi>& api) : api_(api) {}
  Result<deliver::ApiDestinationDefinition> Find(std::string_view arn) const override {
    if (!api_) return Status::NotFound("the EventBridge API is not started");
    api::EventsApi::ApiDestinationRecords r = api_->FindApiDestination(arn);
    if (!r.destination) return Status::NotFound("no API destination " + std::string(arn));
    return deliver::ApiDestinationDefinition{std::move(r.destination), std::move(r.connection)};
  }

 private:
  const std::unique_ptr<api::EventsApi>& api_;
};

struct ServerApp::Impl {
  config::Config cfg;
  ServeOverrides overrides;
  Clock& clock = SystemClock();
  prometheus::Registry metrics;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<store::EmbeddedEventLog> log;
  std::unique_ptr<store::EmbeddedResourceStore> resources;
  std::unique_ptr<store::EmbeddedArchiveStore> archives;
  std::unique_ptr<store::EmbeddedDeliveryQueue> deliveries;
  std::unique_ptr<store::EmbeddedQueueStore> queue_store;
  std::unique_ptr<queue::QueueService> queues;
  std::unique_ptr<queue::SqsHandler> sqs;
  std::unique_ptr<bus::Router> router;
  std::unique_ptr<bus::Pipeline> pipeline;
  std::unique_ptr<http::HttpClient> client;
  // `aws: {credentials: default}`: fetches through `client`, refreshes on its own thread.
  std::unique_ptr<aws::DefaultCredentialChain> aws_chain;
  std::unique_ptr<api::EventsApi> api;
  deliver::OAuthTokenCaches
      oauth_tokens;  // shared by API destination deliveries and connection authorization
  std::unique_ptr<bus::ScheduledRules> scheduled_rules;  // rules with a ScheduleExpression
  // Outlives the scheduler whose targets read it; reads `api`.
  ApiDestinations api_destinations{api};
  deliver::TargetRegistry targets;
  std::unique_ptr<deliver::Scheduler> scheduler;
  std::unique_ptr<deliver::DeadLetters> dead_letters;
  std::unique_ptr<ingest::WebhookHandler> webhooks;
  std::unique_ptr<admin::AdminHandler> admin;
  // The delivery history and the web console (console/, admin/console_api.h).
  std::unique_ptr<store::EmbeddedHistoryStore> history;
  std::unique_ptr<deliver::HistoryRecorder> recorder;
  std::unique_ptr<admin::RateSampler> rates;
  std::unique_ptr<console::Sessions> sessions;
  std::unique_ptr<console::ConsoleHandler> console_handler;
  std::unique_ptr<admin::ConsoleApi> console_api;
  std::shared_ptr<blob::BlobStore> blobs;  // claim-checked payloads (`blobs:`, default <data_dir>/blobs)
  std::unique_ptr<blob::BlobHandler> blob_handler;
  std::unique_ptr<blob::Sweeper> blob_sweeper;  // deletes blobs no stored event references
  FrontHandler front;
  std::unique_ptr<http::Server> server;
  std::mutex reload_mu;

  // --- genesys-notifications sources (src/genesys/factory.h); started after the accept path,
  // stopped before it. Not reloaded: a change to them needs a restart. ---
  std::vector<std::unique_ptr<genesys::NotificationSource>> genesys_sources;

  // SigV4 for the SQS API (service "sqs"), with SQS's error codes; null (open) without keys.
  static queue::SqsHandler::Authenticate SqsAuthentication(
      const std::map<std::string, std::string>& keys, Clock& clock) {
    if (keys.empty()) return nullptr;
    auto verifier = std::make_shared<const aws::SigV4Verifier>(keys, "sqs");
    return [verifier, &clock](const http::Request& req) {
      aws::AuthResult r = verifier->Verify(req, clock.NowMs());
      switch (r.outcome) {
        case aws::AuthOutcome::kOk:
          return queue::QueueError::Ok();
        case aws::AuthOutcome::kMissingToken:
          return queue::QueueError{queue::Errc::kMissingAuthenticationToken, r.message};
        case aws::AuthOutcome::kIncomplete:
          return queue::QueueError{queue::Errc::kIncompleteSignature, r.message};
        case aws::AuthOutcome::kUnknownAccessKey:
          return queue::QueueError{queue::Errc::kInvalidClientTokenId, r.message};
        case aws::AuthOutcome::kBadSignature:
        case aws::AuthOutcome::kExpired:
          break;
      }
      return queue::QueueError{queue::Errc::kSignatureDoesNotMatch, r.message};
    };
  }

  static std::vector<config::SourceConfig> WebhookSources(const std::vector<config::SourceConfig>& all) {
    std::vector<config::SourceConfig> out;
    for (const auto& s : all)
      if (!genesys::IsNotificationsSource(s.raw)) out.push_back(s);
    return out;
  }

  Status StartGenesysSources() {
    const auto buses = BusNames();
    for (const auto& sc : cfg.sources) {
      if (!genesys::IsNotificationsSource(sc.raw)) continue;
      auto src = genesys::MakeNotificationSource(sc, cfg.account, cfg.region, *pipeline, clock, &metrics, blobs);
      if (!src.ok()) return src.status();
      const json::Value* bus = sc.raw.Find("bus");
      const std::string bus_name = bus != nullptr && bus->is_string() ? bus->as_string() : "default";
      if (std::find(buses.begin(), buses.end(), bus_name) == buses.end()) {
        return Status::InvalidArgument("source " + sc.name + " (line " + std::to_string(sc.line) + "): unknown bus " + bus_name);
      }
      CXB_RETURN_IF_ERROR((*src)->Start());
      genesys_sources.push_back(std::move(*src));
    }
    return Status::Ok();
  }
  // --- end genesys-notifications sources ---

  // The sources as the console's overview shows them.
  json::Value SourceStates() const {
    json::Value out = json::Value::Array();
    for (const auto& sc : cfg.sources) {
      const bool genesys_source = genesys::IsNotificationsSource(sc.raw);
      json::Value o = json::Value::Object({{"name", json::Value::String(sc.name)},
                                           {"kind", json::Value::String(genesys_source ? "genesys-notifications" : "webhook")}});
      if (!genesys_source) {
        const json::Value* auth = sc.raw.Find("auth");
        const json::Value* scheme = auth != nullptr ? auth->Find("scheme") : nullptr;
        o.Set("auth", json::Value::String(scheme != nullptr && scheme->is_string() ? scheme->as_string() : "?"));
        o.Set("state", json::Value::String("listening"));
      }
      for (const auto& g : genesys_sources) {
        if (g->name() != sc.name) continue;
        const genesys::SourceStats st = g->stats();
        size_t topics = 0;
        const auto plan = g->plan();
        for (const auto& channel : plan) topics += channel.size();
        o.Set("state", json::Value::String(st.connects == 0 ? "connecting" : st.open_gaps > 0 ? "degraded" : "connected"));
        o.Set("channels", json::Value::Int(static_cast<int64_t>(plan.size())));
        o.Set("topics", json::Value::Int(static_cast<int64_t>(topics)));
        o.Set("heartbeats", json::Value::Int(static_cast<int64_t>(st.heartbeats)));
        o.Set("rotations", json::Value::Int(static_cast<int64_t>(st.rotations)));
        o.Set("eventsStored", json::Value::Int(static_cast<int64_t>(st.events_stored)));
        if (st.open_gaps > 0) o.Set("detail", json::Value::String(std::to_string(st.open_gaps) + " channel(s) without a live subscription"));
      }
      out.Push(std::move(o));
    }
    return out;
  }

  std::vector<std::string> BusNames() const {
    std::vector<std::string> names;
    for (const auto& [n, b] : router->table()->buses) names.push_back(n);
    return names;
  }
};

Status PrepareDataDir(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    // Each missing level is created 0700 (not only the last), whatever the umask.
    std::filesystem::path built;
    for (const auto& part : std::filesystem::path(dir)) {
      built /= part;
      if (::mkdir(built.c_str(), 0700) != 0 && errno != EEXIST) {
        return Status::IOError("cannot create the data folder " + built.string() + ": " +
                               std::strerror(errno));
      }
    }
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    return Status::IOError("cannot read the data folder " + dir + ": " + std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0 && st.st_uid == ::geteuid()) {
    spdlog::warn("data folder {} was readable by others (mode {:o}); setting it to 0700", dir,
                 st.st_mode & 0777);
    if (::chmod(dir.c_str(), 0700) != 0) {
      return Status::IOError("cannot set the data folder " + dir + " to 0700: " + std::strerror(errno));
    }
  }
  return Status::Ok();
}

Status CheckExposure(const std::string& address, bool has_admin_token, const api::ApiOptions& api) {
  if (http::IsLoopbackAddress(address)) return Status::Ok();
  std::vector<std::string> missing;
  if (!has_admin_token) {
    missing.push_back("server.admin_token is required when listening on " + address +
                      " (beyond loopback): without it anyone who can reach the port can use /admin");
  }
  if (api.enabled && api.access_keys.empty()) {
    missing.push_back("api.access_keys is required when listening on " + address +
                      " (beyond loopback): without it anyone who can reach the port can call the EventBridge "
                      "and SQS APIs (put rules and targets, send events, read queues); set api.access_keys, or "
                      "api.enabled: false to serve without those APIs (see docs/security.md)");
  }
  if (missing.empty()) return Status::Ok();
  std::string text = missing[0];
  for (size_t i = 1; i < missing.size(); ++i) text += "\n" + missing[i];
  return Status::InvalidArgument(text);
}

ServerApp::ServerApp() : impl_(std::make_unique<Impl>()) {}
ServerApp::~ServerApp() { Stop(); }

uint16_t ServerApp::port() const { return impl_->server ? impl_->server->port() : 0; }

Status ServerApp::Start(const ServeOverrides& o) {
  Impl& m = *impl_;
  m.overrides = o;
  if (!o.config_path.empty()) {
    auto c = LoadCheckedConfig(o.config_path);  // every problem of every section, or nothing
    if (!c.ok()) return c.status();
    m.cfg = std::move(*c);
  }
  if (o.port >= 0) m.cfg.port = static_cast<uint16_t>(o.port);
  if (!o.address.empty()) m.cfg.address = o.address;
  if (!o.data_dir.empty()) m.cfg.data_dir = o.data_dir;
  if (o.allow_private_targets) m.cfg.allow_private_targets = true;

  std::string token;
  if (!m.cfg.admin_token.is_null()) {
    auto t = ResolveSecret(m.cfg.admin_token);
    if (!t.ok()) return Status::InvalidArgument("server.admin_token: " + t.status().message());
    token = *t;
  }
  auto api_opts = api::ParseApiConfig(m.cfg.api, m.cfg.account, m.cfg.region);
  if (!api_opts.ok()) return Status::InvalidArgument("api: " + api_opts.status().message());
  CXB_RETURN_IF_ERROR(CheckExposure(m.cfg.address, !token.empty(), *api_opts));

  // Storage. The data folder is the owner's alone (0700): it holds every event and the API's
  // connection secrets. An existing folder that others could read is tightened, with a warning.
  CXB_RETURN_IF_ERROR(PrepareDataDir(m.cfg.data_dir));
  store::Db::Options dbo;
  dbo.min_free_bytes = m.cfg.min_free_disk_bytes;
  auto db = store::Db::Open(m.cfg.data_dir, m.clock, dbo);
  if (!db.ok()) return db.status();
  m.db = std::move(*db);
  store::EmbeddedEventLog::Options lo;
  m.log = std::make_unique<store::EmbeddedEventLog>(*m.db, m.clock, lo);
  CXB_RETURN_IF_ERROR(m.log->Start());
  m.resources = std::make_unique<store::EmbeddedResourceStore>(*m.db);
  m.archives = std::make_unique<store::EmbeddedArchiveStore>(*m.db);
  m.deliveries = std::make_unique<store::EmbeddedDeliveryQueue>(*m.db, *m.log);

  // Built-in queues: loaded before delivery recovery, since queue targets write to them.
  m.queue_store = std::make_unique<store::EmbeddedQueueStore>(*m.db);
  m.queues = std::make_unique<queue::QueueService>(*m.queue_store, m.clock, m.cfg.account, m.cfg.region);
  CXB_RETURN_IF_ERROR(m.queues->Open());
  m.queues->Start();

  // Target kinds, and the check that refuses a target that cannot work when it is saved (config
  // rules here, API rules in PutTargets); e.g. an AWS target without `aws:` credentials.
  deliver::RegisterBuiltins(m.targets);
  auto aws = deliver::ParseAwsSettings(m.cfg.aws);
  if (!aws.ok()) return aws.status();
  m.client = std::make_unique<http::HttpClient>();
  // The AWS SDKs' default credential chain, started on first use (`aws: {credentials: default}`,
  // an S3 blob store's `credentials: default`) and shared by both.
  auto default_credentials = [&m]() -> std::shared_ptr<const aws::CredentialSource> {
    if (!m.aws_chain) {
      m.aws_chain = std::make_unique<aws::DefaultCredentialChain>(
          *m.client, m.clock, aws::DefaultCredentialChain::Options{});
      Status found = m.aws_chain->Start();
      if (!found.ok()) {
        spdlog::warn(
            "AWS credentials (credentials: default): {}; AWS requests fail as retryable "
            "until the chain finds some",
            found.message());
      }
    }
    // Non-owning: the chain outlives its users (it is destroyed after the scheduler and the
    // blob store).
    return std::shared_ptr<const aws::CredentialSource>(
        std::shared_ptr<const aws::CredentialSource>(), m.aws_chain.get());
  };
  if (aws->use_default_chain) aws->credentials = default_credentials();
  auto aws_settings = std::make_shared<const deliver::AwsSettings>(std::move(*aws));
  deliver::TargetEnv check_env;
  check_env.account = m.cfg.account;
  check_env.region = m.cfg.region;
  check_env.aws = aws_settings;
  check_env.api_destinations = &m.api_destinations;
  check_env.allow_private_targets = m.cfg.allow_private_targets;
  check_env.allow_api_local_targets = m.cfg.allow_api_local_targets;
  auto check_target = [&m, check_env](const bus::TargetDef& def) { return m.targets.Validate(def, check_env); };

  // Routing.
  m.router = std::make_unique<bus::Router>(m.cfg.account, m.cfg.region);
  m.router->SetTargetCheck(check_target);
  CXB_RETURN_IF_ERROR(m.router->SetConfigDefinitions(m.cfg.buses, m.cfg.rules));

  // Delivery.
  deliver::SchedulerOptions so;
  so.backoff_base_ms = m.cfg.backoff_base_ms;
  so.backoff_max_ms = m.cfg.backoff_max_ms;
  so.concurrency = m.cfg.target_concurrency;
  so.event_retention_ms = m.cfg.event_retention_seconds * 1000;
  deliver::TargetEnv env{m.client.get(), m.archives.get(), &m.clock, m.cfg.account, m.cfg.region};
  env.queues = m.queues.get();
  env.aws = aws_settings;
  env.metrics = &m.metrics;
  env.api_destinations = &m.api_destinations;
  env.allow_private_targets = m.cfg.allow_private_targets;
  env.allow_api_local_targets = m.cfg.allow_api_local_targets;
  env.oauth_tokens = &m.oauth_tokens;
  {
    blob::BlobStoreRegistry blob_kinds;
    blob::RegisterBuiltins(&blob_kinds);
    json::Value blob_cfg;
    blob::SweeperOptions retention;
    CXB_RETURN_IF_ERROR(blob::SplitRetention(
        m.cfg.blobs.is_null() ? json::Value::Object({{"type", json::Value::String("local")}}) : m.cfg.blobs,
        &blob_cfg, &retention));
    auto store = blob_kinds.Create(
        blob_cfg, blob::StoreContext{m.cfg.data_dir, nullptr, &m.clock, default_credentials});
    if (!store.ok()) return Status::InvalidArgument("blobs: " + store.status().message());
    m.blobs = std::move(*store);
    m.blob_handler = std::make_unique<blob::BlobHandler>(m.blobs);
    m.blob_sweeper = std::make_unique<blob::Sweeper>(
        m.blobs, [db = m.db.get()] { return store::CollectBlobRefs(*db); }, retention, m.clock);
  }
  env.blobs = m.blobs.get();
  m.scheduler = std::make_unique<deliver::Scheduler>(*m.deliveries, *m.log, m.targets, env, m.clock, m.metrics, so);
  m.scheduler->OnTable(m.router->table());
  m.router->OnChange([s = m.scheduler.get()](auto t) { s->OnTable(std::move(t)); });
  m.dead_letters = std::make_unique<deliver::DeadLetters>(*m.deliveries, m.clock, m.router.get(),
                                                          m.scheduler.get());

  // Accept path.
  m.pipeline = std::make_unique<bus::Pipeline>(*m.router, *m.log, m.clock, m.metrics,
                                               bus::Pipeline::Options{m.cfg.dedup_ttl_seconds * 1000});
  // The delivery history sees every stored event and every attempt (off the hot path: the
  // recorder only queues; its own thread writes).
  m.history = std::make_unique<store::EmbeddedHistoryStore>(*m.db);
  {
    deliver::HistoryRecorder::Options ho;
    ho.retention_ms = m.cfg.event_retention_seconds * 1000;
    m.recorder = std::make_unique<deliver::HistoryRecorder>(*m.history, m.clock, &m.metrics, ho);
  }
  m.recorder->Start();
  m.scheduler->SetObserver(m.recorder.get());
  m.pipeline->SetOnStored([s = m.scheduler.get(), r = m.recorder.get()](std::vector<bus::StoredEvent> e) {
    r->Accepted(e);
    s->Enqueue(std::move(e));
  });
  {
    auto schemas = bus::Pipeline::CompileSchemas(m.cfg.schemas);
    if (!schemas.ok()) return schemas.status();
    m.pipeline->SetSchemas(*schemas);
  }

  // The EventBridge API: its rules join the router before pending deliveries are recovered (so
  // they find their targets) and before the first event is accepted.
  api_opts->check_target = check_target;
  api_opts->check_endpoint = [env](const std::string& url, std::string_view what) {
    return deliver::CheckEndpointScheme(url, what, env);
  };
  api_opts->authorize_connection = [env](const json::Value& connection,
                                         std::function<void(Status)> done) {
    deliver::AuthorizeConnection(connection, env, std::move(done));
  };
  // The built-in queues' SQS API takes the same access keys as the EventBridge API.
  m.sqs = std::make_unique<queue::SqsHandler>(
      *m.queues, Impl::SqsAuthentication(api_opts->access_keys, m.clock));
  m.api = std::make_unique<api::EventsApi>(*api_opts, *m.resources, *m.archives, *m.pipeline,
                                           *m.router, m.clock);
  CXB_RETURN_IF_ERROR(m.api->Start());
  // Scheduled rules fire into the pipeline like any accepted event, once the API's rules are in.
  m.scheduled_rules =
      std::make_unique<bus::ScheduledRules>(*m.pipeline, m.clock, m.cfg.account, m.cfg.region);
  m.router->OnChange([s = m.scheduled_rules.get()](auto t) { s->OnTable(t); });
  m.scheduled_rules->OnTable(m.router->table());

  CXB_RETURN_IF_ERROR(m.scheduler->Recover());
  m.scheduler->Start();
  m.scheduled_rules->Start();

  m.webhooks = std::make_unique<ingest::WebhookHandler>(*m.pipeline, m.clock, m.metrics);
  CXB_RETURN_IF_ERROR(m.webhooks->Configure(Impl::WebhookSources(m.cfg.sources), m.cfg.account, m.cfg.region,
                                            m.BusNames(), m.blobs));
  CXB_RETURN_IF_ERROR(m.StartGenesysSources());
  m.blob_sweeper->Start();

  admin::AdminDeps deps;
  deps.metrics = &m.metrics;
  deps.log = m.log.get();
  deps.dead_letters = m.dead_letters.get();
  deps.scheduler = m.scheduler.get();
  deps.store = m.deliveries.get();
  deps.quarantine_replay = [&m](const std::vector<std::string>& ids, bool all) {
    bus::QuarantineReplayResult r = bus::ReplayQuarantine(*m.deliveries, *m.pipeline, ids, all);
    return std::make_pair(std::move(r.replayed), std::move(r.failed));
  };
  deps.token = token;
  deps.blobs = m.blob_handler.get();
  m.rates = std::make_unique<admin::RateSampler>(m.metrics, m.clock);
  m.rates->Start();
  m.sessions = std::make_unique<console::Sessions>(m.clock);
  m.console_handler = std::make_unique<console::ConsoleHandler>(token, *m.sessions, m.clock);
  {
    admin::ConsoleApiDeps cd;
    cd.history = m.history.get();
    cd.recorder = m.recorder.get();
    cd.scheduler = m.scheduler.get();
    cd.router = m.router.get();
    cd.rates = m.rates.get();
    cd.clock = &m.clock;
    cd.event_json = [&m](uint64_t seq) -> std::optional<std::string> {
      auto rec = m.deliveries->GetEvent(seq);
      if (!rec.ok()) return std::nullopt;
      return std::move(rec->event_json);
    };
    cd.redeliver = [&m](const std::string& bus, const std::string& rule, const std::string& target,
                        const std::string& event_json) {
      return m.dead_letters->Redeliver(bus, rule, target, event_json);
    };
    cd.replay = [&m](const std::string& bus, const std::string& event_json) {
      return bus::ReplayStoredEvent(*m.pipeline, bus, event_json);
    };
    cd.api = [&m](std::string op, std::string body, http::Respond respond) {
      m.api->Invoke(op, std::move(body), std::move(respond));
    };
    cd.sources = [&m]() { return m.SourceStates(); };
    m.console_api = std::make_unique<admin::ConsoleApi>(std::move(cd));
  }
  deps.sessions = m.sessions.get();
  deps.console = m.console_api.get();
  if (!o.config_path.empty()) deps.reload = [this] { return Reload(); };
  m.admin = std::make_unique<admin::AdminHandler>(std::move(deps));

  m.front.webhooks = m.webhooks.get();
  m.front.admin = m.admin.get();
  // `api.enabled: false`: neither API is reachable over HTTP (404); the EventsApi still keeps the
  // rules it stored routing, and the console (behind the admin token) still edits them.
  m.front.api = api_opts->enabled ? m.api.get() : nullptr;
  m.front.sqs = api_opts->enabled ? m.sqs.get() : nullptr;
  m.front.console = m.console_handler.get();

  http::ServerOptions ho;
  ho.address = m.cfg.address;
  ho.port = m.cfg.port;
  ho.threads = m.cfg.threads;
  ho.max_body_bytes = m.sqs ? std::max(m.cfg.max_body_bytes, queue::SqsHandler::kMaxRequestBytes)
                           : m.cfg.max_body_bytes;
  m.front.max_body_bytes = m.cfg.max_body_bytes;
  if (token.empty()) m.front.hosts.emplace(m.cfg.allowed_hosts);
  m.server = std::make_unique<http::Server>(ho, m.front);
  CXB_RETURN_IF_ERROR(m.server->Start());
  if (!o.port_file.empty()) {
    std::ofstream pf(o.port_file + ".tmp");
    pf << m.server->port() << "\n";
    pf.close();
    std::rename((o.port_file + ".tmp").c_str(), o.port_file.c_str());
  }
  spdlog::info("cxbridge listening on http://{}:{} (data: {}, sources: {}, rules: {})", m.cfg.address,
               m.server->port(), m.cfg.data_dir, m.cfg.sources.size(), m.cfg.rules.size());
  return Status::Ok();
}

Status ServerApp::Reload() {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.reload_mu);
  if (m.overrides.config_path.empty()) return Status::FailedPrecondition("started without a config file");
  auto c = LoadCheckedConfig(m.overrides.config_path);
  if (!c.ok()) return c.status();
  auto schemas = bus::Pipeline::CompileSchemas(c->schemas);
  if (!schemas.ok()) return schemas.status();  // validated before anything changes
  CXB_RETURN_IF_ERROR(m.router->SetConfigDefinitions(c->buses, c->rules));
  m.pipeline->SetSchemas(*schemas);
  CXB_RETURN_IF_ERROR(m.webhooks->Configure(Impl::WebhookSources(c->sources), m.cfg.account, m.cfg.region,
                                            m.BusNames(), m.blobs));
  spdlog::info("config reloaded: {} sources, {} rules", c->sources.size(), c->rules.size());
  return Status::Ok();
}

void ServerApp::Stop() {
  Impl& m = *impl_;
  if (!m.server) return;
  spdlog::info("shutting down: draining in-flight requests");
  for (auto& g : m.genesys_sources) g->Stop();  // genesys: their last events reach the log first
  m.queues->Stop();  // answers parked long polls now, so the drain below does not wait for them
  m.server->Stop(10000);  // stop accepting; answer what is in flight (their events are committed)
  m.scheduled_rules->Stop();
  m.api->Stop();
  m.scheduler->Stop(5000);
  m.recorder->Stop();  // after the scheduler: its last attempts are written
  m.rates->Stop();
  m.blob_sweeper->Stop();
  m.log->Stop();
  m.server.reset();
  if (m.aws_chain) m.aws_chain->Stop();  // its fetches go through the client
  m.client.reset();
  spdlog::info("stopped");
}

int RunServe(const ServeOverrides& o) {
  // Everything the server creates (the data folder's files, blobs, file targets' output, logs)
  // is the owner's alone: events and connection secrets are in there.
  ::umask(077);
  // Signals are taken synchronously by this thread; block them before any thread starts.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  ServerApp app;
  Status st = app.Start(o);
  if (!st.ok()) {
    spdlog::error("cannot start: {}", st.ToString());
    // Config problems, one per line, as a person reads them (the log line above escapes them).
    if (st.code() == StatusCode::kInvalidArgument && st.message().find('\n') != std::string::npos) {
      std::fprintf(stderr, "%s\n", st.message().c_str());
    }
    return 1;
  }
  for (;;) {
    int sig = 0;
    sigwait(&set, &sig);
    if (sig == SIGHUP) {
      Status r = app.Reload();
      if (!r.ok()) spdlog::error("reload failed, keeping the old config: {}", r.ToString());
      continue;
    }
    break;
  }
  app.Stop();
  return 0;
}

}  // namespace cxbridge::app
