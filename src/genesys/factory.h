// Building a `genesys-notifications` source from the config file, wired to the same envelope
// as webhook sources (ingest::BuildEnvelopeFromValue: detail-type = topic pattern, detail =
// {topicName, version, eventBody, metadata, timestamp}, the Genesys default idempotency key
// per topic family).
//
// The server (src/app/server_app.cc) does, for each config source with IsNotificationsSource():
//   auto src = genesys::MakeNotificationSource(sc, cfg.account, cfg.region, pipeline, clock, &metrics, blobs);
//   if (!src.ok()) → config error (names the source and line);
//   (*src)->Start();  ... on shutdown, before the pipeline stops: (*src)->Stop();
// and skips those sources when configuring the WebhookHandler (they have no `auth:`).
// Thread-safety: plain functions.
#pragma once

#include <memory>
#include <string>

#include "blob/claim_check.h"
#include "bus/event_sink.h"
#include "common/clock.h"
#include "config/config.h"
#include "genesys/source.h"

namespace cxbridge::genesys {

// The ingest envelope for frames of the source described by `settings` (its raw mapping holds
// event_source / detail_type / idempotency_key like a webhook source's, and may hold
// `claim_check:` as a webhook source's does: its events then carry that policy into the accept
// pipeline's ClaimCheck stage, with `blobs` as the store). Without `blobs` a claim_check is only
// validated (config check).
Result<std::unique_ptr<FrameEnveloper>> MakeIngestEnveloper(const NotificationsSettings& settings,
                                                            std::shared_ptr<blob::BlobStore> blobs = nullptr);

// Parses and validates the source (errors carry "source <name> (line N): ...") and builds it,
// not started. With `metrics`, the source publishes metrics.h's metrics there.
Result<std::unique_ptr<NotificationSource>> MakeNotificationSource(const config::SourceConfig& sc,
                                                                   const std::string& account,
                                                                   const std::string& region,
                                                                   bus::EventSink& sink, Clock& clock,
                                                                   prometheus::Registry* metrics = nullptr,
                                                                   std::shared_ptr<blob::BlobStore> blobs = nullptr);

}  // namespace cxbridge::genesys
