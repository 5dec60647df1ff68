#include "cluster/server_info.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstring>

#include "common/json.h"

namespace cxbridge::cluster {

Result<ServerInfo> ParseInfoLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (!line.starts_with("INFO "))
    return Status::InvalidArgument("not a NATS server (no INFO line)");
  auto doc = json::Parse(line.substr(5));
  if (!doc.ok() || !doc->is_object())
    return Status::InvalidArgument("NATS INFO line is not a JSON object");
  ServerInfo out;
  auto str = [&](const char* k) {
    const json::Value* v = doc->Find(k);
    return v && v->is_string() ? v->as_string() : std::string();
  };
  auto flag = [&](const char* k) {
    const json::Value* v = doc->Find(k);
    return v && v->is_bool() && v->as_bool();
  };
  out.version = str("version");
  out.server_name = str("server_name");
  out.server_id = str("server_id");
  out.cluster = str("cluster");
  out.jetstream = flag("jetstream");
  out.tls_required = flag("tls_required");
  int* parts[3] = {&out.major, &out.minor, &out.patch};
  std::string_view v = out.version;
  for (int i = 0; i < 3 && !v.empty(); ++i) {
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), *parts[i]);
    if (ec != std::errc()) break;
    v.remove_prefix(static_cast<size_t>(p - v.data()));
    if (!v.empty() && v.front() == '.')
      v.remove_prefix(1);
    else
      break;
  }
  return out;
}

Result<ServerInfo> ProbeServerInfo(const std::string& host, int port, int64_t timeout_ms) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string where = host + ":" + std::to_string(port);
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 ||
      res == nullptr) {
    return Status::Unavailable("cannot resolve " + where);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto left_ms = [&] {
    auto d = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<int64_t>(0, d.count()));
  };
  Status last = Status::Unavailable("cannot connect to " + where);
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno != EINPROGRESS) {
      last = Status::Unavailable("cannot connect to " + where + ": " + std::strerror(errno));
      ::close(fd);
      continue;
    }
    std::string buf;
    bool done = false;
    while (!done) {
      pollfd p{fd, static_cast<short>(POLLIN), 0};
      int n = ::poll(&p, 1, left_ms());
      if (n <= 0) {
        last = Status::Unavailable("no INFO from " + where + " within " +
                                   std::to_string(timeout_ms) + " ms");
        break;
      }
      char chunk[1024];
      ssize_t r = ::recv(fd, chunk, sizeof(chunk), 0);
      if (r <= 0) {
        last = Status::Unavailable("connection to " + where + " closed before INFO");
        break;
      }
      buf.append(chunk, static_cast<size_t>(r));
      if (buf.find('\n') != std::string::npos) done = true;
      if (buf.size() > 64 * 1024) {
        last = Status::InvalidArgument(where + " is not a NATS server (no INFO line)");
        break;
      }
    }
    ::close(fd);
    if (done) {
      freeaddrinfo(res);
      auto info = ParseInfoLine(std::string_view(buf).substr(0, buf.find('\n')));
      if (!info.ok()) return Status::InvalidArgument(where + ": " + info.status().message());
      return info;
    }
  }
  freeaddrinfo(res);
  return last;
}

}  // namespace cxbridge::cluster
