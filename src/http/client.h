// HttpClient: outbound HTTP on libcurl's multi interface, driven by one thread. Many transfers
// run concurrently; a slow peer occupies only its own transfers. Callbacks run on the client's
// thread and must not block (hand the result to your own queue).
// Thread-safety: Send is safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cxbridge::http {

// The default cap on a response's body (ClientRequest::max_response_bytes): what a delivery
// target or an OAuth token endpoint may send back. Past it the transfer is aborted.
inline constexpr size_t kDefaultMaxResponseBytes = size_t{1} << 20;
// The cap on a response's header bytes (all header lines together).
inline constexpr size_t kMaxResponseHeaderBytes = 64 * 1024;

// Only these schemes are ever fetched (libcurl's CURLOPT_PROTOCOLS_STR); redirects are never
// followed. A URL of another scheme (file://, gopher://, dict://, …) fails without a connection.
inline constexpr const char* kAllowedProtocols = "http,https";

// True when `value` holds a CR, LF or NUL: such a header value (or name) would split the
// request or add headers on the wire. HttpClient refuses to send it (ClientResponse::error).
bool HasLineBreakOrNul(std::string_view value);

struct ClientRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int64_t timeout_ms = 5000;
  // Refuse to connect to a non-public address (address_guard.h). Checked on the address each
  // socket is about to connect to (after DNS, so DNS rebinding cannot bypass it) and again on
  // the connection a request is about to use (a kept-alive one included). Behind an HTTP proxy
  // it is the proxy's address that is checked.
  bool refuse_private_addresses = false;
  // Connect directly, ignoring http_proxy/https_proxy from the environment (link-local metadata
  // endpoints such as EC2's instance metadata, which the AWS SDKs never reach through a proxy).
  bool no_proxy = false;
  // The response body is read up to this many bytes; a longer one aborts the transfer, which
  // completes with status 0, body_too_large and an error saying so. Raise it only for peers the
  // operator configured (the S3 blob store, the CLI talking to its own server), never for a URL
  // an API caller chose. SIZE_MAX: no limit.
  size_t max_response_bytes = kDefaultMaxResponseBytes;
};

struct ClientResponse {
  int status = 0;           // 0: no HTTP response (see error / timed_out)
  bool timed_out = false;
  std::string error;        // transport error text, empty when a response arrived
  bool address_refused = false;  // refuse_private_addresses stopped it (error says why)
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  bool body_too_large = false;   // the body or headers passed their cap (error says which)
  bool not_sent = false;         // the request itself was refused (a header with CR/LF/NUL)
  const std::string* Header(std::string_view lower_name) const;
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();  // stops: transfers still running are completed with error "client stopped"

  void Send(ClientRequest req, std::function<void(ClientResponse)> done);
  // Convenience for the command line: blocks until the response arrives.
  ClientResponse SendSync(ClientRequest req);
  size_t active() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cxbridge::http
