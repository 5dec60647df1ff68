// A Genesys notification relayed by a Process Automation data action (docs/genesys.md, path 3).
// A trigger hands its workflow only the event body (Flow.jsonData with dataFormat Json), never
// the topic name or metadata, and Architect can pass a data action only its declared inputs. So
// the data action `cxbridge genesys setup-trigger` creates declares two string inputs and posts
//   {"topicName": "<the trigger's topic, e.g. v2.detail.events.conversation.{id}.customer.end>",
//    "version": "2", "eventBody": "<the event body, serialized by the workflow>"}
// and the envelope rebuilds the notification frame from that: the eventBody string is parsed (it
// must hold a JSON object) and the topic's {id}s are filled from the body where the topic family
// names them (ConcreteTopic), so the event gets the same detail-type, detail and idempotency key
// as the same notification over the WebSocket or EventBridge.
// Thread-safety: pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"

namespace cxbridge::ingest {

// Rebuilds a relayed frame in place; a frame whose eventBody is already an object is left as it
// is except for its topic. kInvalidArgument (fit for a 400) when eventBody is a string that is
// not a JSON object.
Status RebuildRelayedFrame(json::Value* frame);

// `topic` with each {id} replaced by the id the event body carries for it:
//   v2.detail.events.conversation.{id}.*  conversationId     v2.detail.events.agent.{id}.*  userId
//   v2.conversations.{id}.*               conversationId     v2.speechandtextanalytics.conversation.{id}.*  conversationId
//   v2.analytics.conversation.{id}.*      conversationId     v2.integrations.inbound.webhook.{id}.*  webhookId
//   v2.audits.entitytype.{id}.entityid.{id}  entityType, entity.id
// (field names from the topics' schemas in platform-client-sdk-python 257). A topic of another
// family, or a body without the fields, comes back unchanged: its {id} stays, and detail-type is
// right either way.
std::string ConcreteTopic(std::string_view topic, const json::Value& event_body);

}  // namespace cxbridge::ingest
