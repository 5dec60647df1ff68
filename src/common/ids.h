// Identifiers and timestamps in the formats EventBridge uses. Safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cxbridge {

// A random (version 4) UUID, lower-case, 36 characters.
std::string NewUuid4();

// "2024-05-01T12:00:00Z" (seconds precision, as EventBridge's `time`).
std::string FormatRfc3339(int64_t unix_ms);
// "2024-05-01T12:00:00.123Z".
std::string FormatRfc3339Millis(int64_t unix_ms);
// Parses RFC 3339 / ISO-8601 with 'Z' or a numeric offset and optional fraction; unix ms.
std::optional<int64_t> ParseRfc3339(std::string_view text);

}  // namespace cxbridge
