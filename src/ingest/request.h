// RequestView: what the ingest stage's pure logic (authentication, envelope) sees of one HTTP
// request. It borrows everything: the caller owns the bytes and keeps them alive for the call.
// Thread-safety: a plain value; `header` must be callable from the thread that uses the view.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

namespace cxbridge::ingest {

struct RequestView {
  std::string_view method;
  std::string_view path;  // without the query string
  std::string_view body;  // raw bytes exactly as received (signatures cover these bytes)
  // Case-insensitive header lookup; empty optional when the header is absent. May be empty
  // (no headers at all).
  std::function<std::optional<std::string_view>(std::string_view name)> header;

  std::optional<std::string_view> Header(std::string_view name) const {
    if (!header) return std::nullopt;
    return header(name);
  }
};

}  // namespace cxbridge::ingest
