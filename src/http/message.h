// HTTP request/response values shared by the server, the handlers (ingest, api, admin) and tests.
// Plain values; no Beast types leak past http/.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cxbridge::http {

struct Request {
  std::string method;  // "POST"
  std::string target;  // path plus query, as received
  std::string path;    // percent-decoding not applied
  std::string query;   // after '?', may be empty
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_addr;
  bool remote_is_loopback = false;

  // Case-insensitive; the first header of that name.
  std::optional<std::string_view> Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  static Response Json(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  // {"error": <code>, "message": <message>} with the given status.
  static Response Error(int status, std::string_view code, std::string_view message);
};

// Completes one request. May be called from any thread, exactly once.
using Respond = std::function<void(Response)>;

// A request handler. Handle runs on a server I/O thread and must not block: long work is handed
// to another thread, which calls `respond` when done.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void Handle(Request req, Respond respond) = 0;
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace cxbridge::http
