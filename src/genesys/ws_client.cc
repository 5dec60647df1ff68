#include "genesys/ws_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace cxbridge::genesys {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

Result<WsUrl> ParseWsUrl(const std::string& url) {
  WsUrl u;
  std::string rest;
  if (url.starts_with("wss://")) {
    u.tls = true;
    rest = url.substr(6);
  } else if (url.starts_with("ws://")) {
    rest = url.substr(5);
  } else {
    return Status::InvalidArgument("not a ws:// or wss:// URL: " + url);
  }
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = hostport.rfind(':');
  if (colon != std::string::npos && hostport.find(']') == std::string::npos) {
    u.host = hostport.substr(0, colon);
    u.port = hostport.substr(colon + 1);
  } else {
    u.host = hostport;
    u.port = u.tls ? "443" : "80";
  }
  if (u.host.empty() || u.port.empty()) return Status::InvalidArgument("no host in " + url);
  return u;
}

namespace {

template <class Stream>
class WsConnectionImpl : public WsConnection {
 public:
  explicit WsConnectionImpl(websocket::stream<Stream> ws) : ws_(std::move(ws)) {}
  template <class... Args>
  explicit WsConnectionImpl(Args&&... args) : ws_(std::forward<Args>(args)...) {}

  websocket::stream<Stream>& ws() { return ws_; }

  asio::awaitable<Result<std::string>> Read() override {
    beast::flat_buffer buf;
    boost::system::error_code ec;
    co_await ws_.async_read(buf, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return Status::Unavailable("websocket read: " + ec.message());
    co_return beast::buffers_to_string(buf.data());
  }

  asio::awaitable<Status> Write(std::string text) override {
    boost::system::error_code ec;
    ws_.text(true);
    co_await ws_.async_write(asio::buffer(text), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return Status::Unavailable("websocket write: " + ec.message());
    co_return Status::Ok();
  }

  asio::awaitable<void> Close() override {
    boost::system::error_code ec;
    if (!ws_.is_open()) co_return;
    co_await ws_.async_close(websocket::close_code::normal, asio::redirect_error(asio::use_awaitable, ec));
  }

  void Abort() override {
    boost::system::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

 private:
  websocket::stream<Stream> ws_;
};

void SetTimeouts(auto& ws) {
  // Idle detection is the source's ping watchdog (Genesys's {"message":"ping"} protocol), so
  // Beast's own idle timeout and RFC 6455 pings stay off.
  websocket::stream_base::timeout t;
  t.handshake_timeout = std::chrono::seconds(10);
  t.idle_timeout = websocket::stream_base::none();
  t.keep_alive_pings = false;
  ws.set_option(t);
  ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(beast::http::field::user_agent, "cxbridge-genesys");
  }));
  ws.read_message_max(16 << 20);
}

asio::ssl::context& ClientTlsContext() {
  static asio::ssl::context* ctx = [] {
    auto* c = new asio::ssl::context(asio::ssl::context::tls_client);
    c->set_default_verify_paths();
    c->set_verify_mode(asio::ssl::verify_peer);
    return c;
  }();
  return *ctx;
}

}  // namespace

asio::awaitable<Result<std::shared_ptr<WsConnection>>> WsConnection::Connect(asio::io_context& io,
                                                                            const std::string& url,
                                                                            int64_t timeout_ms) {
  auto u = ParseWsUrl(url);
  if (!u.ok()) co_return u.status();
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  auto endpoints = co_await resolver.async_resolve(u->host, u->port, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Status::Unavailable("resolve " + u->host + ": " + ec.message());
  const auto timeout = std::chrono::milliseconds(timeout_ms);
  if (!u->tls) {
    auto c = std::make_shared<WsConnectionImpl<beast::tcp_stream>>(io);
    auto& ws = c->ws();
    beast::get_lowest_layer(ws).expires_after(timeout);
    co_await beast::get_lowest_layer(ws).async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return Status::Unavailable("connect " + u->host + ":" + u->port + ": " + ec.message());
    beast::get_lowest_layer(ws).expires_never();
    SetTimeouts(ws);
    co_await ws.async_handshake(u->host + ":" + u->port, u->target, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return Status::Unavailable("websocket handshake with " + u->host + ": " + ec.message());
    co_return std::shared_ptr<WsConnection>(c);
  }
  auto c = std::make_shared<WsConnectionImpl<beast::ssl_stream<beast::tcp_stream>>>(io, ClientTlsContext());
  auto& ws = c->ws();
  beast::get_lowest_layer(ws).expires_after(timeout);
  co_await beast::get_lowest_layer(ws).async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Status::Unavailable("connect " + u->host + ":" + u->port + ": " + ec.message());
  if (!SSL_set_tlsext_host_name(ws.next_layer().native_handle(), u->host.c_str())) {
    co_return Status::Unavailable("cannot set SNI for " + u->host);
  }
  ws.next_layer().set_verify_callback(asio::ssl::host_name_verification(u->host));
  co_await ws.next_layer().async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Status::Unavailable("TLS handshake with " + u->host + ": " + ec.message());
  beast::get_lowest_layer(ws).expires_never();
  SetTimeouts(ws);
  co_await ws.async_handshake(u->host, u->target, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Status::Unavailable("websocket handshake with " + u->host + ": " + ec.message());
  co_return std::shared_ptr<WsConnection>(c);
}

}  // namespace cxbridge::genesys
