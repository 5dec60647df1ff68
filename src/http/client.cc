#include "http/client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "common/thread_name.h"
#include "http/address_guard.h"

namespace cxbridge::http {

const std::string* ClientResponse::Header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers)
    if (k == lower_name) return &v;
  return nullptr;
}

bool HasLineBreakOrNul(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

namespace {
struct Transfer {
  ClientRequest req;
  std::function<void(ClientResponse)> done;
  ClientResponse resp;
  curl_slist* header_list = nullptr;
  CURL* easy = nullptr;
  char errbuf[CURL_ERROR_SIZE] = {0};
  std::string refused;  // why the address guard refused a connection; empty when it did not
  std::string too_large;  // which cap the response passed; empty when none
  size_t header_bytes = 0;
};

// Returning less than it was given makes libcurl abort the transfer (CURLE_WRITE_ERROR): a peer
// that streams without end costs at most max_response_bytes of memory.
size_t OnBody(char* ptr, size_t size, size_t n, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  const size_t len = size * n;
  if (len > t->req.max_response_bytes - std::min(t->req.max_response_bytes, t->resp.body.size())) {
    t->too_large = "response body exceeds the limit of " + std::to_string(t->req.max_response_bytes) +
                   " bytes; the transfer was aborted";
    return 0;
  }
  t->resp.body.append(ptr, len);
  return len;
}

size_t OnHeader(char* ptr, size_t size, size_t n, void* ud) {
  std::string_view line(ptr, size * n);
  auto* t = static_cast<Transfer*>(ud);
  t->header_bytes += line.size();
  if (t->header_bytes > kMaxResponseHeaderBytes) {
    t->too_large = "response headers exceed the limit of " + std::to_string(kMaxResponseHeaderBytes) +
                   " bytes; the transfer was aborted";
    return 0;
  }
  if (line.starts_with("HTTP/")) t->resp.headers.clear();  // a new response (e.g. after 100)
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    t->resp.headers.emplace_back(std::move(name), std::string(value));
  }
  return size * n;
}

// The address guard, on each socket before it connects: the address here is the one connect()
// will use, after DNS resolution, so a rebinding resolver cannot swap it afterwards.
curl_socket_t OpenCheckedSocket(void* ud, curlsocktype purpose, curl_sockaddr* a) {
  auto* t = static_cast<Transfer*>(ud);
  if (purpose == CURLSOCKTYPE_IPCXN) {
    std::string why = NonPublicAddressReason(&a->addr);
    if (!why.empty()) {
      char host[64] = {0};
      if (a->family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&a->addr)->sin_addr, host, sizeof host);
      } else if (a->family == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&a->addr)->sin6_addr, host, sizeof host);
      }
      t->refused = std::string(host) + " is " + why;
      return CURL_SOCKET_BAD;
    }
  }
  return socket(a->family, a->socktype, a->protocol);
}

// The address guard again, once the connection a request will use is known: it may be a
// kept-alive connection opened earlier for another request, which OpenCheckedSocket never saw.
int CheckConnection(void* ud, char* primary_ip, char*, int, int) {
  auto* t = static_cast<Transfer*>(ud);
  std::string why = NonPublicAddressReason(std::string_view(primary_ip));
  if (why.empty()) return CURL_PREREQFUNC_OK;
  t->refused = std::string(primary_ip) + " is " + why;
  return CURL_PREREQFUNC_ABORT;
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};
}  // namespace

struct HttpClient::Impl {
  CURLM* multi = nullptr;
  std::mutex mu;
  std::deque<std::unique_ptr<Transfer>> incoming;  // guarded by mu
  std::atomic<bool> stop{false};
  std::atomic<size_t> active{0};
  std::thread thread;
  std::unordered_set<Transfer*> running;  // client thread only (and the destructor after join)

  void Start(std::unique_ptr<Transfer> t) {
    // A CR, LF or NUL in a header would split the request on the wire (libcurl sends header
    // lines as given): refuse the request instead of sending it.
    for (const auto& [k, v] : t->req.headers) {
      if (HasLineBreakOrNul(k) || HasLineBreakOrNul(v)) {
        t->resp.not_sent = true;
        t->resp.error = "refused to send: header " + (HasLineBreakOrNul(k) ? std::string("name") : k) +
                        " contains a CR, LF or NUL character";
        active--;
        t->done(std::move(t->resp));
        return;
      }
    }
    CURL* e = curl_easy_init();
    t->easy = e;
    curl_easy_setopt(e, CURLOPT_URL, t->req.url.c_str());
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, t->req.method.c_str());
    if (t->req.method != "GET" && t->req.method != "HEAD") {
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->req.body.data());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->req.body.size()));
    }
    if (t->req.method == "HEAD") curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    bool has_expect = false;
    for (const auto& [k, v] : t->req.headers) {
      std::string line = k + ": " + v;
      t->header_list = curl_slist_append(t->header_list, line.c_str());
      if (k == "Expect") has_expect = true;
    }
    // No "Expect: 100-continue" round trip for bodies over 1 KiB.
    if (!has_expect) t->header_list = curl_slist_append(t->header_list, "Expect:");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->header_list);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(t->req.timeout_ms));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<int64_t>(t->req.timeout_ms, 10000)));
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, kAllowedProtocols);
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, kAllowedProtocols);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    if (t->req.no_proxy) curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    if (t->req.refuse_private_addresses) {
      curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, OpenCheckedSocket);
      curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t.get());
      curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, CheckConnection);
      curl_easy_setopt(e, CURLOPT_PREREQDATA, t.get());
    }
    curl_multi_add_handle(multi, e);
    running.insert(t.get());
    t.release();  // owned by the easy handle's PRIVATE pointer until completion
  }

  void Finish(Transfer* t, CURLcode code) {
    std::unique_ptr<Transfer> owner(t);
    running.erase(t);
    if (code == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
      t->resp.status = static_cast<int>(status);
    } else {
      t->resp.status = 0;
      t->resp.timed_out = code == CURLE_OPERATION_TIMEDOUT;
      t->resp.error = t->errbuf[0] ? t->errbuf : curl_easy_strerror(code);
      if (!t->refused.empty()) {
        t->resp.address_refused = true;
        t->resp.error = "refused to connect: " + t->refused;
      } else if (!t->too_large.empty()) {
        t->resp.body_too_large = true;
        t->resp.error = t->too_large;
        t->resp.body.clear();
        t->resp.headers.clear();
      }
    }
    curl_multi_remove_handle(multi, t->easy);
    curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->header_list);
    active--;
    t->done(std::move(t->resp));
  }

  void Loop() {
    while (!stop.load()) {
      std::deque<std::unique_ptr<Transfer>> batch;
      {
        std::lock_guard<std::mutex> lock(mu);
        batch.swap(incoming);
      }
      for (auto& t : batch) Start(std::move(t));
      int running = 0;
      curl_multi_perform(multi, &running);
      int left = 0;
      while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
        if (m->msg != CURLMSG_DONE) continue;
        Transfer* t = nullptr;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
        Finish(t, m->data.result);
      }
      int numfds = 0;
      curl_multi_poll(multi, nullptr, 0, 100, &numfds);
    }
    // Complete whatever is left so no caller waits forever.
    {
      std::lock_guard<std::mutex> lock(mu);
      for (auto& t : incoming) {
        t->resp.error = "client stopped";
        active--;
        t->done(std::move(t->resp));
      }
      incoming.clear();
    }
  }
};

HttpClient::HttpClient() : impl_(std::make_unique<Impl>()) {
  static CurlGlobal global;
  impl_->multi = curl_multi_init();
  curl_multi_setopt(impl_->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 64L);
  impl_->thread = std::thread([this] {
    SetThreadName("cxb-http-client");
    impl_->Loop();
  });
}

HttpClient::~HttpClient() {
  impl_->stop = true;
  curl_multi_wakeup(impl_->multi);
  impl_->thread.join();
  // Abort transfers still running.
  std::vector<Transfer*> left(impl_->running.begin(), impl_->running.end());
  for (Transfer* t : left) {
    std::snprintf(t->errbuf, sizeof t->errbuf, "client stopped");
    impl_->Finish(t, CURLE_ABORTED_BY_CALLBACK);
  }
  curl_multi_cleanup(impl_->multi);
}

void HttpClient::Send(ClientRequest req, std::function<void(ClientResponse)> done) {
  auto t = std::make_unique<Transfer>();
  t->req = std::move(req);
  t->done = std::move(done);
  impl_->active++;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->incoming.push_back(std::move(t));
  }
  curl_multi_wakeup(impl_->multi);
}

ClientResponse HttpClient::SendSync(ClientRequest req) {
  std::promise<ClientResponse> p;
  auto f = p.get_future();
  Send(std::move(req), [&p](ClientResponse r) { p.set_value(std::move(r)); });
  return f.get();
}

size_t HttpClient::active() const { return impl_->active.load(); }

}  // namespace cxbridge::http
