// Strict settings: every settings parser (config/, ingest/, genesys/, deliver/, api/, blob/,
// transform/) refuses keys it does not know, with one message format, so a typo never silently
// falls back to a default and `cxbridge config check` can place each unknown key in the file.
//
//   "sources.crm: unknown key 'evnt_source' (did you mean 'event_source'?)"
//   "aws: unknown key 'regoin' (allowed: access_key_id, secret_access_key, ...)"
//
// One line per unknown key; several lines are joined by '\n'. config/'s locator reads the key
// back out of such a line (UnknownKeysIn) to find its line and column: keep the format.
// Pure functions; safe from any thread.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace cxbridge {

// The entry of `known` that `key` is most likely a typo of, or "" when none is close: the same
// key in another case or with '-'/'_' swapped, or within a small edit distance (one edit for keys
// up to 4 characters, two up to 8, three beyond; a swap of two neighbours counts as one edit).
std::string ClosestKey(std::string_view key, const std::vector<std::string_view>& known);

// OK when `obj` is a mapping whose keys are all in `allowed`. Otherwise kInvalidArgument with one
// line per unknown key: "<where>: unknown key '<key>' (did you mean '<close>'?)" or, when none is
// close, "(allowed: a, b, c)". `where` names the section ("aws", "auth (hmac)"); empty: no prefix.
Status CheckKeys(const json::Value& obj, std::string_view where,
                 std::initializer_list<std::string_view> allowed);
Status CheckKeys(const json::Value& obj, std::string_view where,
                 const std::vector<std::string_view>& allowed);

// The line for one unknown key, without the where prefix: "unknown key 'k' (did you mean ...)".
std::string UnknownKeyMessage(std::string_view key, const std::vector<std::string_view>& allowed);

// The keys named as unknown in a message made of UnknownKeyMessage lines, in order.
std::vector<std::string> UnknownKeysIn(std::string_view message);

}  // namespace cxbridge
