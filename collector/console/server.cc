#include "console/server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

namespace vigil::collector::console {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

// Pending alerts for one open event stream. Touched only on the io thread.
struct EventChannel {
  explicit EventChannel(net::any_io_executor ex) : timer(ex) {}
  std::deque<std::string> frames;
  net::steady_timer timer;
};

class BeastConsoleServer final : public ConsoleServer {
 public:
  BeastConsoleServer(Router& router, AlertHub& hub) : router_(router), hub_(hub), acceptor_(ioc_) {}
  ~BeastConsoleServer() override { stop(); }

  Result<void> listen(const ServerOptions& o) {
    const auto colon = o.listen.rfind(':');
    if (colon == std::string::npos) return make_error(ErrorCode::kInvalidArgument, "--console must be HOST:PORT, not \"" + o.listen + "\"");
    std::string host = o.listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (host == "localhost") host = "127.0.0.1";
    beast::error_code ec;
    const auto address = net::ip::make_address(host, ec);
    if (ec) return make_error(ErrorCode::kInvalidArgument, "--console: \"" + host + "\" is not an IP address");
    int port = 0;
    try {
      port = std::stoi(o.listen.substr(colon + 1));
    } catch (...) {
      port = -1;
    }
    if (port < 0 || port > 65535) return make_error(ErrorCode::kInvalidArgument, "--console: bad port in \"" + o.listen + "\"");
    if (o.tls) {
      ssl_.emplace(ssl::context::tls_server);
      ssl_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                        ssl::context::no_tlsv1_1);
      ssl_->use_certificate_chain(net::buffer(o.tls->chain_pem), ec);
      if (!ec) ssl_->use_private_key(net::buffer(o.tls->key_pem), ssl::context::pem, ec);
      if (ec) return make_error(ErrorCode::kInvalidArgument, "console certificate: " + ec.message());
    }
    const tcp::endpoint endpoint(address, static_cast<uint16_t>(port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return make_error(ErrorCode::kIo, "console: cannot listen on " + o.listen + ": " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    net::co_spawn(ioc_, accept_loop(), net::detached);
    thread_ = std::thread([this] { ioc_.run(); });
    return {};
  }

  uint16_t port() const override { return port_; }

  void stop() override {
    if (stopped_.exchange(true)) return;
    net::post(ioc_, [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
    // The hub outlives this server: no alert may be posted into the io_context while it is torn down.
    std::lock_guard lock(streams_mutex_);
    for (int id : streams_) hub_.unsubscribe(id);
    streams_.clear();
  }

 private:
  net::awaitable<void> accept_loop() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(net::redirect_error(net::use_awaitable, ec));
      if (ec == net::error::operation_aborted || !acceptor_.is_open()) co_return;
      if (ec) continue;  // e.g. EMFILE: keep accepting once descriptors free up
      if (connections_ >= kMaxConnections) {
        socket.close(ec);
        continue;
      }
      net::co_spawn(ioc_, connection(std::move(socket)), net::detached);
    }
  }

  net::awaitable<void> connection(tcp::socket socket) {
    ++connections_;
    struct Count {
      int& n;
      ~Count() { --n; }
    } count{connections_};
    beast::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    const std::string remote = ec ? "unknown" : peer.address().to_string();
    beast::tcp_stream stream(std::move(socket));
    try {
      if (ssl_) {
        beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), *ssl_);
        beast::get_lowest_layer(tls).expires_after(kHandshakeTimeout);
        co_await tls.async_handshake(ssl::stream_base::server, net::use_awaitable);
        co_await serve(tls, remote, true);
        beast::get_lowest_layer(tls).expires_after(std::chrono::seconds(2));
        co_await tls.async_shutdown(net::redirect_error(net::use_awaitable, ec));
      } else {
        co_await serve(stream, remote, false);
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
      }
    } catch (const std::exception& e) {
      spdlog::debug("console connection from {}: {}", remote, e.what());
    }
  }

  template <class Stream>
  net::awaitable<void> serve(Stream& stream, const std::string& remote, bool secure) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(kHeaderLimit);
      parser.body_limit(kBodyLimit);
      beast::get_lowest_layer(stream).expires_after(kReadTimeout);
      beast::error_code ec;
      co_await http::async_read_header(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
      if (!ec) {
        const auto target = parser.get().target();
        if (std::string_view(target.data(), target.size()).substr(0, target.find('?')) == kUploadPath) parser.body_limit(kUploadBodyLimit);
        co_await http::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
      }
      if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::eof || ec == net::error::connection_reset ||
          ec == net::error::operation_aborted) {
        co_return;
      }
      if (ec) {
        // Bad HTTP gets a reason, then the connection closes: the stream position is unknown.
        const auto status = ec == http::error::body_limit     ? http::status::payload_too_large
                            : ec == http::error::header_limit ? http::status::request_header_fields_too_large
                                                              : http::status::bad_request;
        Request dummy;
        Reply reply = error_reply(dummy, status, "malformed request: " + ec.message());
        add_security_headers(reply.response, secure, false);
        reply.response.keep_alive(false);
        beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
        co_await http::async_write(stream, reply.response, net::redirect_error(net::use_awaitable, ec));
        co_return;
      }
      const Request request = parser.release();
      Reply reply = router_.handle(request, remote, secure);
      if (reply.event_stream) {
        co_await stream_events(stream, reply);
        co_return;
      }
      const bool keep_alive = reply.response.keep_alive();
      beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
      co_await http::async_write(stream, reply.response, net::use_awaitable);
      if (!keep_alive) co_return;
    }
  }

  // Server-sent events: headers once, then one frame per alert and a comment every
  // kEventKeepAlive so proxies keep the connection and a signed-out session is noticed.
  template <class Stream>
  net::awaitable<void> stream_events(Stream& stream, Reply& reply) {
    auto channel = std::make_shared<EventChannel>(co_await net::this_coro::executor);
    const int id = hub_.subscribe([weak = std::weak_ptr<EventChannel>(channel), ex = ioc_.get_executor()](const triage::AlertCandidate& a) {
      net::post(ex, [weak, frame = alert_event_frame(a)] {
        if (auto c = weak.lock()) {
          c->frames.push_back(frame);
          c->timer.cancel();
        }
      });
    });
    {
      std::lock_guard lock(streams_mutex_);
      streams_.insert(id);
    }
    struct Unsubscribe {
      BeastConsoleServer& server;
      int id;
      ~Unsubscribe() {
        server.hub_.unsubscribe(id);
        std::lock_guard lock(server.streams_mutex_);
        server.streams_.erase(id);
      }
    } unsubscribe{*this, id};
    std::string head = "HTTP/1.1 200 OK\r\n";
    for (const auto& field : reply.response.base()) {
      if (field.name() == http::field::content_length) continue;
      head += std::string(field.name_string()) + ": " + std::string(field.value()) + "\r\n";
    }
    head += "\r\nretry: 3000\n\n";
    beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
    co_await net::async_write(stream, net::buffer(head), net::use_awaitable);
    while (router_.sessions().alive(reply.session_token)) {
      std::string out;
      while (!channel->frames.empty()) {
        out += channel->frames.front();
        channel->frames.pop_front();
      }
      if (out.empty()) {
        channel->timer.expires_after(kEventKeepAlive);
        beast::error_code ec;
        co_await channel->timer.async_wait(net::redirect_error(net::use_awaitable, ec));
        if (stopped_) co_return;
        if (ec == net::error::operation_aborted) continue;  // woken by an alert
        out = ": keep-alive\n\n";
      }
      beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
      co_await net::async_write(stream, net::buffer(out), net::use_awaitable);
    }
  }

  Router& router_;
  AlertHub& hub_;
  net::io_context ioc_{1};
  std::optional<ssl::context> ssl_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  uint16_t port_ = 0;
  int connections_ = 0;  // io thread only
  std::atomic<bool> stopped_{false};
  std::mutex streams_mutex_;
  std::set<int> streams_;  // hub subscriptions of open event streams
};

}  // namespace

Result<std::unique_ptr<ConsoleServer>> ConsoleServer::start(const ServerOptions& options, Router& router, AlertHub& hub) {
  auto server = std::make_unique<BeastConsoleServer>(router, hub);
  if (auto r = server->listen(options); !r) return r.error();
  return std::unique_ptr<ConsoleServer>(std::move(server));
}

}  // namespace vigil::collector::console
