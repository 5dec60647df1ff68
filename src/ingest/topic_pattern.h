// Genesys topic names → topic patterns, the way Genesys's own EventBridge integration fills
// `detail-type`: the concrete `topicName` with every id segment replaced by `{id}`
// ("v2.users.d4c3…1c0d.presence" → "v2.users.{id}.presence"; for audits the entity type is an
// {id} too: "v2.audits.entitytype.UserPresence.entityid.<uuid>" → "v2.audits.entitytype.{id}.entityid.{id}").
//
// How: the topic is matched segment by segment against the table of published topic patterns
// (genesys_topics.cc, from the Genesys SDK's notificationMappings.json); `{id}` matches any one
// segment and, when several patterns match, the one with more literal segments wins (so
// "v2.system.socket_closing" stays literal while "v2.system.<a>.<b>" becomes "v2.system.{id}.{id}").
// A topic no pattern matches (a newer topic than the table) falls back to replacing segments that
// look like ids: UUIDs (8-4-4-4-12 hex) and 32-hex-digit ids.
// Thread-safety: pure functions over an immutable table; safe from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace cxbridge::ingest {

std::string TopicPattern(std::string_view topic_name);

// True for a segment that looks like a Genesys id (UUID or 32 hex digits).
bool LooksLikeId(std::string_view segment);

// The known topic patterns (genesys_topics.cc).
std::span<const std::string_view> KnownGenesysTopicPatterns();

}  // namespace cxbridge::ingest
