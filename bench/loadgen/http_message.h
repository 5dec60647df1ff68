// HTTP/1.1 message framing, enough for the servers measured here: Content-Length or chunked
// bodies, keep-alive, Connection: close. Re-parses from the start of the buffer on every call;
// messages are small and usually arrive in one read.
// Shared by the load client (responses) and the sink (requests).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cxbridge::loadgen {

enum class Frame { kIncomplete, kComplete, kMalformed };

struct Message {
  int status = 0;                   // responses
  std::string_view method, target;  // requests (views into the buffer)
  size_t total = 0;                 // bytes the message occupies, headers and body
  size_t body_off = 0, body_len = 0;  // the body, when not chunked
  bool chunked = false;
  bool close = false;
};

// Frames one message at the start of data[0, n): a request, or a response when `response`.
// `chunked_body`, when given, receives the decoded body of a chunked message.
Frame ParseMessage(const char* data, size_t n, bool response, Message* m,
                   std::string* chunked_body = nullptr);

}  // namespace cxbridge::loadgen
