// EventsApi: the Amazon EventBridge-compatible API (AWS JSON 1.1, `POST /` with
// `X-Amz-Target: AWSEvents.<Operation>`), so the aws CLI and boto3 drive cxbridge unchanged.
// It verifies SigV4 when access keys are configured, validates every request against the botocore
// model's constraints, runs the operation and answers in AWS's shapes and error texts.
//
// Threading: Handle() is called on server I/O threads and never blocks on storage. PutEvents and
// TestEventPattern run on the calling thread (PutEvents answers when the EventSink's completion
// arrives, from the sink's thread). Every other operation is queued to one control thread that
// owns the resource registry, so control operations are serialized. Replays run on the replay
// engine's thread. Start() and Stop() are called once each, from one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "bus/event_sink.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/status.h"
#include "http/message.h"
#include "store/archive_store.h"
#include "store/resource_store.h"

namespace cxbridge::api {

class PatternEngine;
struct ApiContext;

struct ApiOptions {
  std::string account = "123456789012";
  std::string region = "us-east-1";
  // Access key id → secret access key. Empty: no authentication (every request is accepted); the
  // server refuses to start that way beyond loopback (app/server_app.cc).
  std::map<std::string, std::string> access_keys;
  // `api.enabled`. False: the server mounts neither this API nor the built-in queues' SQS API
  // (the EventsApi still runs for the console and the rules it stores).
  bool enabled = true;
  // PutEvents total entry size limit (EventBridge: 256 KiB classic; up to 1 MiB).
  size_t max_put_events_bytes = 256 * 1024;
  int max_rules_per_bus = 300;
  int max_targets_per_rule = 5;
  int max_event_buses = 100;
  int max_concurrent_replays = 10;
  // Tests drive the replay engine by hand (RunReplaysOnce) when false.
  bool run_replay_thread = true;
  // Checks a target when PutTargets saves it (deliver's TargetRegistry::Validate: e.g. an AWS
  // target without AWS credentials); an error refuses the call with ValidationException.
  std::function<Status(const bus::TargetDef&)> check_target;
  // Checks an API destination's InvocationEndpoint (`what` "InvocationEndpoint") or an OAuth
  // connection's AuthorizationEndpoint when Create/Update saves it (deliver::CheckEndpointScheme:
  // https unless private targets are allowed); an error refuses the call with
  // ValidationException. Unset: anything is saved.
  std::function<Status(const std::string& url, std::string_view what)> check_endpoint;
  // Authorizes an OAUTH_CLIENT_CREDENTIALS connection (fetches a token with its credentials) and
  // calls `done` once, from any thread, with OK or why it failed. When set, such connections are
  // AUTHORIZING after Create/UpdateConnection (and at Start, if a restart interrupted that) and
  // become AUTHORIZED or DEAUTHORIZED (StateReason says why) as EventBridge's do. Unset: every
  // connection is AUTHORIZED at once.
  std::function<void(const json::Value& connection, std::function<void(Status)> done)>
      authorize_connection;
};

class EventsApi : public http::Handler {
 public:
  // All references must outlive the EventsApi. `patterns` defaults to the linked pattern engine.
  EventsApi(ApiOptions options, store::ResourceStore& resources, store::ArchiveStore& archives,
            bus::EventSink& events, bus::DefinitionSink& definitions, Clock& clock,
            const PatternEngine* patterns = nullptr);
  ~EventsApi() override;

  // Loads the persisted resources, pushes the API definitions to the DefinitionSink, resumes
  // replays that were running, and starts the control and replay threads.
  Status Start();
  // Stops accepting control operations (they answer ServiceUnavailable), finishes the queued
  // ones, and joins the threads. Idempotent.
  void Stop();

  void Handle(http::Request req, http::Respond respond) override;
  // Runs `operation` as Handle would for an authenticated request (the admin console, which
  // authenticated its user itself): the same validation, the same answers and error texts.
  void Invoke(std::string_view operation, std::string body, http::Respond respond);

  // Gives each running replay one batch; for tests with run_replay_thread = false.
  bool RunReplaysOnce();
  // Applies archive retention now (the control thread does it hourly on its own).
  void RunRetentionOnce();

  // The stored API destination with exactly this ARN and its connection, secrets included, for
  // the deliver stage (null members when absent). Reads an immutable snapshot: safe from any
  // thread, never waits for the control thread, sees every change answered before the call.
  struct ApiDestinationRecords {
    std::shared_ptr<const json::Value> destination, connection;
  };
  ApiDestinationRecords FindApiDestination(std::string_view arn) const;

 private:
  void Serve(const std::string& op, std::string body, http::Respond respond, const std::string& request_id);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cxbridge::api
