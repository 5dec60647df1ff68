#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "common/thread_name.h"
#include "http/request_parse.h"

namespace cxbridge::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

bool IsLoopbackAddress(const std::string& address) {
  if (address == "localhost") return true;
  boost::system::error_code ec;
  auto a = asio::ip::make_address(address, ec);
  return !ec && a.is_loopback();
}

struct Server::Impl {
  ServerOptions options;
  Handler& handler;
  // Declared before the io_context: sessions its destructor frees still count themselves out.
  std::atomic<uint64_t> in_flight{0};
  std::atomic<bool> accepting{false};
  std::atomic<int> connections{0};
  std::atomic<uint64_t> accept_errors{0};
  int max_connections = 1;  // the effective cap, set by Start
  std::mutex accept_mu;
  bool accept_waiting = false;  // guarded by accept_mu: at the cap, no accept is outstanding
  asio::io_context ioc;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> accept_retry;
  std::vector<std::thread> threads;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};

  Impl(ServerOptions o, Handler& h) : options(std::move(o)), handler(h) {}
  void DoAccept();
  // A connection closed: accept again if the cap had stopped it.
  void OnConnectionClosed();
};

namespace {

using RequestParser = bhttp::request_parser<bhttp::string_body>;

void SetLimits(RequestParser& parser, size_t max_body_bytes) {
  parser.body_limit(max_body_bytes);
  parser.header_limit(kMaxHeaderBytes);
}

// The answer to a read that failed with `ec` (not a closed or timed-out connection).
Response Refusal(const beast::error_code& ec, size_t max_body_bytes) {
  if (ec == bhttp::error::body_limit) {
    return Response::Error(413, "PayloadTooLarge",
                           "request body exceeds the limit of " + std::to_string(max_body_bytes) + " bytes");
  }
  // Anything else the parser refuses is a malformed request.
  return Response::Error(400, "BadRequest", "malformed HTTP request: " + ec.message());
}

Request ToRequest(bhttp::request<bhttp::string_body>&& msg, const std::string& remote, bool loopback) {
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  size_t q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  req.headers.reserve(16);
  for (const auto& f : msg) req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  req.body = std::move(msg.body());
  req.remote_addr = remote;
  req.remote_is_loopback = loopback;
  return req;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl* server)
      : stream_(std::move(socket)), server_(server) {
    server_->connections++;
    buffer_.reserve(16 * 1024);  // one allocation per connection, not per request
    boost::system::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      remote_ = ep.address().to_string();
      loopback_ = ep.address().is_loopback();
    }
  }

  ~Session() { server_->OnConnectionClosed(); }

  void Start() { DoRead(); }

 private:
  void DoRead() {
    parser_.emplace();
    SetLimits(*parser_, server_->options.max_body_bytes);
    stream_.expires_after(std::chrono::seconds(server_->options.idle_timeout_seconds));
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      return Close();
    }
    if (ec) return Write(Refusal(ec, server_->options.max_body_bytes), false, false);
    auto msg = parser_->release();
    const bool keep_alive = msg.keep_alive();
    version_ = msg.version();
    Request req = ToRequest(std::move(msg), remote_, loopback_);
    server_->in_flight++;
    auto self = shared_from_this();
    server_->handler.Handle(std::move(req), [self, keep_alive](Response resp) {
      asio::post(self->stream_.get_executor(), [self, resp = std::move(resp), keep_alive]() mutable {
        self->Write(std::move(resp), keep_alive, true);
      });
    });
  }

  void Write(Response resp, bool keep_alive, bool counted) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(resp.status), version_ ? version_ : 11);
    res->set(bhttp::field::server, "cxbridge");
    if (!resp.content_type.empty()) res->set(bhttp::field::content_type, resp.content_type);
    for (auto& [k, v] : resp.headers) res->set(k, v);
    res->body() = std::move(resp.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    stream_.expires_after(std::chrono::seconds(server_->options.idle_timeout_seconds));
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res, keep_alive, counted](beast::error_code ec, size_t) {
                         if (counted) self->server_->in_flight--;
                         if (ec || !keep_alive) return self->Close();
                         self->DoRead();
                       });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  Server::Impl* server_;
  std::string remote_;
  bool loopback_ = false;
  unsigned version_ = 11;
};

}  // namespace

ParsedRequest ParseRequestBytes(std::string_view bytes, size_t max_body_bytes) {
  ParsedRequest out;
  if (bytes.empty()) return out;
  RequestParser parser;
  SetLimits(parser, max_body_bytes);
  parser.eager(true);
  beast::error_code ec;
  size_t used = 0;
  while (!parser.is_done()) {
    if (used == bytes.size()) {
      // The client closed its side: what the parser makes of the end of the stream.
      parser.put_eof(ec);
      if (!ec && !parser.is_done()) ec = bhttp::error::partial_message;
      break;
    }
    size_t n = parser.put(asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    used += n;
    if (ec == bhttp::error::need_more) ec = {};
    if (ec) break;
    if (n == 0) used = bytes.size();  // needs more than there is: the stream ends here
  }
  out.consumed = used;
  if (ec == bhttp::error::end_of_stream) return out;  // nothing but whitespace: closed, no answer
  if (ec) {
    out.refusal = Refusal(ec, max_body_bytes);
    return out;
  }
  auto msg = parser.release();
  out.keep_alive = msg.keep_alive();
  out.request = ToRequest(std::move(msg), "127.0.0.1", true);
  return out;
}

void Server::Impl::DoAccept() {
  acceptor->async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (!accepting.load() || ec == asio::error::operation_aborted) return;
    if (ec) {
      // EMFILE and the like: the pending connection stays in the backlog and would fail again at
      // once; wait a little (descriptors free up as connections close) instead of spinning.
      accept_errors++;
      accept_retry->expires_after(std::chrono::milliseconds(kAcceptRetryMs));
      accept_retry->async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && accepting.load()) DoAccept();
      });
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    std::make_shared<Session>(std::move(socket), this)->Start();
    if (connections.load() >= max_connections) {
      std::lock_guard<std::mutex> lock(accept_mu);
      // Re-checked under the lock: a connection that closed before this line saw no waiting
      // flag, so accepting must go on here; one that closes after it will see the flag.
      if (connections.load() >= max_connections) {
        accept_waiting = true;
        return;
      }
    }
    DoAccept();
  });
}

void Server::Impl::OnConnectionClosed() {
  if (--connections >= max_connections) return;
  std::lock_guard<std::mutex> lock(accept_mu);
  if (!accept_waiting || !accepting.load()) return;
  accept_waiting = false;
  asio::post(ioc, [this] {
    if (accepting.load()) DoAccept();
  });
}

Server::Server(ServerOptions options, Handler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

Server::~Server() { Stop(0); }

Status Server::Start() {
  boost::system::error_code ec;
  std::string address = impl_->options.address == "localhost" ? "127.0.0.1" : impl_->options.address;
  auto addr = asio::ip::make_address(address, ec);
  if (ec) return Status::InvalidArgument("bad listen address " + impl_->options.address);
  tcp::endpoint ep(addr, impl_->options.port);
  auto acc = std::make_unique<tcp::acceptor>(impl_->ioc);
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("cannot listen on " + address + ":" +
                               std::to_string(impl_->options.port) + ": " + ec.message());
  }
  impl_->acceptor = std::move(acc);
  impl_->accept_retry = std::make_unique<asio::steady_timer>(impl_->ioc);
  // Half the descriptors at most: the rest are for storage, outbound connections and the like.
  impl_->max_connections = std::max(1, impl_->options.max_connections);
  if (rlimit nofile{}; ::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY) {
    impl_->max_connections =
        static_cast<int>(std::min<rlim_t>(impl_->max_connections, std::max<rlim_t>(16, nofile.rlim_cur / 2)));
  }
  impl_->accepting = true;
  impl_->DoAccept();
  int n = std::max(1, impl_->options.threads);
  for (int i = 0; i < n; ++i)
    impl_->threads.emplace_back([this] {
      SetThreadName("cxb-http-io");
      impl_->ioc.run();
    });
  return Status::Ok();
}

uint16_t Server::port() const {
  boost::system::error_code ec;
  return impl_->acceptor ? impl_->acceptor->local_endpoint(ec).port() : 0;
}

void Server::StopAccepting() {
  if (!impl_->acceptor) return;
  impl_->accepting = false;
  asio::post(impl_->ioc, [this] {
    boost::system::error_code ec;
    impl_->acceptor->close(ec);
    impl_->accept_retry->cancel();
  });
}

void Server::Stop(int drain_ms) {
  if (impl_->threads.empty()) return;
  StopAccepting();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(drain_ms);
  while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

uint64_t Server::in_flight() const { return impl_->in_flight.load(); }
int Server::connections() const { return impl_->connections.load(); }
uint64_t Server::accept_errors() const { return impl_->accept_errors.load(); }

}  // namespace cxbridge::http
