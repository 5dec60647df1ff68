// Reading requests from bytes as a server session reads them from its socket: the same Beast
// parser with the same limits, the same conversion to Request and the same refusals (400/413).
// server.cc's sessions use the pieces; ParseRequestBytes runs them on a buffer for the fuzzer
// (fuzz/http_fuzz.cc) and tests. Pure; safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "http/message.h"

namespace cxbridge::http {

// The most header bytes a request may have (the server answers 400 beyond).
inline constexpr size_t kMaxHeaderBytes = 64 * 1024;

struct ParsedRequest {
  std::optional<Request> request;   // a complete request
  std::optional<Response> refusal;  // what the server answers instead, then closes the connection
  bool keep_alive = false;          // with `request`: whether the connection stays open after it
  size_t consumed = 0;              // bytes of `bytes` the request used
};

// Parses the first request of `bytes`, the client then closing its side (so a truncated request
// is refused as the server refuses it). Neither request nor refusal: `bytes` was empty.
ParsedRequest ParseRequestBytes(std::string_view bytes, size_t max_body_bytes);

}  // namespace cxbridge::http
