// Small helpers shared by the ingest config factories (auth schemes, envelope options) and the
// request parsers: strict key checking, typed field access with messages that name the field,
// secret lists, ASCII case-insensitive comparison. Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config_keys.h"
#include "common/json.h"
#include "common/status.h"

namespace cxbridge::ingest {

// kInvalidArgument when `obj` is not an object or has keys outside `allowed`, one line per key:
// "auth (hmac): unknown key 'hedaer' (did you mean 'header'?)" (common/config_keys.h).
using ::cxbridge::CheckKeys;

// The string at obj[key]: nullopt when absent; an error when present but not a non-empty string.
Result<std::optional<std::string>> OptionalString(const json::Value& obj, std::string_view key,
                                                  std::string_view where);
// As OptionalString, but absence is an error.
Result<std::string> RequiredString(const json::Value& obj, std::string_view key,
                                   std::string_view where);
// An integer in [min, max] at obj[key], or `fallback` when absent.
Result<int64_t> OptionalInt(const json::Value& obj, std::string_view key, std::string_view where,
                            int64_t fallback, int64_t min, int64_t max);

// Resolves the secret(s) named by `single_key` (one secret spec) or `list_key` (a list of specs,
// for rotation): exactly one of the two must be present, the list must not be empty.
Result<std::vector<std::string>> ResolveSecretList(const json::Value& obj,
                                                   std::string_view single_key,
                                                   std::string_view list_key,
                                                   std::string_view where);

std::string_view TrimAscii(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix);

}  // namespace cxbridge::ingest
