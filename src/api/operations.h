// The EventBridge operations, one family per file (ops_*.cc). Each takes a request body that has
// already passed ValidateRequest (model constraints) and returns the reply. Control operations run
// on the control thread with ctx.mu held (see api_context.h). Adding an operation: write it in its
// family's file, declare it here, add one line to the table in events_api.cc and its name to
// gen_shapes.py's OPERATIONS.
#pragma once

#include <functional>
#include <optional>

#include "api/api_context.h"
#include "api/protocol.h"
#include "api/replay_engine.h"

namespace cxbridge::api {

using ControlOp = Reply (*)(ApiContext&, const json::Value&);

// ops_events.cc — run on the caller's thread, without ctx.mu (they read only options).
void PutEvents(ApiContext& ctx, const json::Value& req, std::function<void(Reply)> done);
Reply TestEventPattern(ApiContext& ctx, const json::Value& req);

// ops_buses.cc
Reply CreateEventBus(ApiContext& ctx, const json::Value& req);
Reply DescribeEventBus(ApiContext& ctx, const json::Value& req);
Reply ListEventBuses(ApiContext& ctx, const json::Value& req);
Reply UpdateEventBus(ApiContext& ctx, const json::Value& req);
Reply DeleteEventBus(ApiContext& ctx, const json::Value& req);

// ops_rules.cc
Reply PutRule(ApiContext& ctx, const json::Value& req);
Reply DescribeRule(ApiContext& ctx, const json::Value& req);
Reply ListRules(ApiContext& ctx, const json::Value& req);
Reply DeleteRule(ApiContext& ctx, const json::Value& req);
Reply EnableRule(ApiContext& ctx, const json::Value& req);
Reply DisableRule(ApiContext& ctx, const json::Value& req);
Reply ListRuleNamesByTarget(ApiContext& ctx, const json::Value& req);
// "Parameter ScheduleExpression is not valid." unless rate(...) or a valid 6-field cron(...).
bool IsValidScheduleExpression(std::string_view expr);
// ManagedRuleException for a rule an archive manages, unless the request sets Force.
std::optional<Reply> CheckNotManaged(const json::Value& rule_record, const json::Value& req);

// ops_targets.cc
Reply PutTargets(ApiContext& ctx, const json::Value& req);
Reply RemoveTargets(ApiContext& ctx, const json::Value& req);
Reply ListTargetsByRule(ApiContext& ctx, const json::Value& req);

// ops_archives.cc
Reply CreateArchive(ApiContext& ctx, const json::Value& req);
Reply DescribeArchive(ApiContext& ctx, const json::Value& req);
Reply ListArchives(ApiContext& ctx, const json::Value& req);
Reply UpdateArchive(ApiContext& ctx, const json::Value& req);
Reply DeleteArchive(ApiContext& ctx, const json::Value& req);
// Deletes archived events older than each archive's RetentionDays (0 = keep forever).
void SweepArchiveRetention(ApiContext& ctx);
// The managed rule's pattern: the archive's pattern plus "replay-name": [{"exists": false}].
std::string ArchiveRulePattern(const std::string& archive_pattern);

// ops_replays.cc
Reply StartReplay(ApiContext& ctx, const json::Value& req);
Reply DescribeReplay(ApiContext& ctx, const json::Value& req);
Reply ListReplays(ApiContext& ctx, const json::Value& req);
Reply CancelReplay(ApiContext& ctx, const json::Value& req);
// Applies engine progress to the replay record (takes ctx.mu).
void OnReplayProgress(ApiContext& ctx, const ReplayProgress& p);
// After Load(): hands replays that were STARTING/RUNNING back to the engine; CANCELLING → CANCELLED.
void ResumeReplays(ApiContext& ctx);
// Asks ApiOptions::authorize_connection to authorize a connection saved AUTHORIZING; the result
// is saved later from the control thread. ResumeAuthorizations does it for every such connection
// (at Start: a restart interrupted them).
void StartAuthorization(ApiContext& ctx, const json::Value& connection);
void ResumeAuthorizations(ApiContext& ctx);

// ops_connections.cc
Reply CreateConnection(ApiContext& ctx, const json::Value& req);
Reply DescribeConnection(ApiContext& ctx, const json::Value& req);
Reply ListConnections(ApiContext& ctx, const json::Value& req);
Reply UpdateConnection(ApiContext& ctx, const json::Value& req);
Reply DeleteConnection(ApiContext& ctx, const json::Value& req);
Reply DeauthorizeConnection(ApiContext& ctx, const json::Value& req);
Reply CreateApiDestination(ApiContext& ctx, const json::Value& req);
Reply DescribeApiDestination(ApiContext& ctx, const json::Value& req);
Reply ListApiDestinations(ApiContext& ctx, const json::Value& req);
Reply UpdateApiDestination(ApiContext& ctx, const json::Value& req);
Reply DeleteApiDestination(ApiContext& ctx, const json::Value& req);

// ops_tags.cc
// Partner event sources (ops_partner_sources.cc).
Reply CreatePartnerEventSource(ApiContext& ctx, const json::Value& req);
Reply DescribePartnerEventSource(ApiContext& ctx, const json::Value& req);
Reply ListPartnerEventSources(ApiContext& ctx, const json::Value& req);
Reply ListPartnerEventSourceAccounts(ApiContext& ctx, const json::Value& req);
Reply DeletePartnerEventSource(ApiContext& ctx, const json::Value& req);
Reply DescribeEventSource(ApiContext& ctx, const json::Value& req);
Reply ListEventSources(ApiContext& ctx, const json::Value& req);
Reply ActivateEventSource(ApiContext& ctx, const json::Value& req);
Reply DeactivateEventSource(ApiContext& ctx, const json::Value& req);
// PutPartnerEvents as the PutEvents request it becomes (each entry to its source's bus), or the
// refusal (an unknown or deactivated source). Requires ctx.mu.
std::optional<Reply> PartnerEventsAsPutEvents(ApiContext& ctx, const json::Value& req, json::Value* put_events);
Reply PutPermission(ApiContext& ctx, const json::Value& req);
Reply RemovePermission(ApiContext& ctx, const json::Value& req);
Reply TagResource(ApiContext& ctx, const json::Value& req);
Reply UntagResource(ApiContext& ctx, const json::Value& req);
Reply ListTagsForResource(ApiContext& ctx, const json::Value& req);

}  // namespace cxbridge::api
