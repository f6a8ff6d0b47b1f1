#include "support/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <stdexcept>

namespace vigil::test {
namespace {

constexpr int kPollMs = 50;
constexpr size_t kChunk = 16 * 1024;
// Cut points, in bytes from the agent: small enough to land inside the TLS handshake or an
// HTTP/2 frame, large enough that some batches get through first.
constexpr uint64_t kMinCutBytes = 1;
constexpr uint64_t kMaxCutBytes = 64 * 1024;
constexpr std::chrono::milliseconds kChaosDelay{150};

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool write_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(int target_port) : target_port_(target_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0) {
    throw std::runtime_error("proxy cannot listen");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

TcpProxy::~TcpProxy() {
  stop_ = true;
  acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    workers.swap(workers_);
  }
  for (auto& w : workers) w.join();
  ::close(listen_fd_);
}

TcpProxy::Stats TcpProxy::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void TcpProxy::accept_loop() {
  uint64_t seed = 1;
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    std::lock_guard lock(mutex_);
    ++stats_.connections;
    workers_.emplace_back([this, client, s = seed++] { serve(client, s); });
  }
}

void TcpProxy::serve(int client, uint64_t seed) {
  std::mt19937_64 rng(seed);
  enum class Fault { kNone, kDrop, kCut, kDuplicate, kDelay } fault = Fault::kNone;
  if (mode_ == Mode::kChaos) fault = static_cast<Fault>(1 + rng() % 4);
  uint64_t cut_after = std::uniform_int_distribution<uint64_t>(kMinCutBytes, kMaxCutBytes)(rng);
  {
    std::lock_guard lock(mutex_);
    if (fault == Fault::kDrop) ++stats_.dropped;
    if (fault == Fault::kCut) ++stats_.cut;
    if (fault == Fault::kDuplicate) ++stats_.duplicated;
    if (fault == Fault::kDelay) ++stats_.delayed;
  }
  if (fault == Fault::kDrop) {
    ::close(client);
    return;
  }
  const int server = connect_to(target_port_);
  if (server < 0) {
    ::close(client);
    return;
  }
  const int nodelay = 1;
  ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay);
  ::setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay);
  uint64_t upstream_bytes = 0;
  bool duplicated = false;
  std::vector<char> buf(kChunk);
  while (!stop_) {
    pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    if (::poll(p, 2, kPollMs) < 0) break;
    bool closed = false;
    for (int i = 0; i < 2 && !closed; ++i) {
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const int from = p[i].fd;
      const int to = i == 0 ? server : client;
      const ssize_t n = ::recv(from, buf.data(), buf.size(), 0);
      if (n <= 0) {
        closed = true;
        break;
      }
      size_t len = static_cast<size_t>(n);
      if (fault == Fault::kDelay) std::this_thread::sleep_for(kChaosDelay);  // the fault itself, not synchronisation
      if (i == 0 && (fault == Fault::kCut || fault == Fault::kDelay) && upstream_bytes + len >= cut_after) {
        // Forward part of this chunk, then cut both sides: the frame in flight is never completed.
        write_all(to, buf.data(), static_cast<size_t>(cut_after - upstream_bytes));
        closed = true;
        break;
      }
      if (!write_all(to, buf.data(), len)) {
        closed = true;
        break;
      }
      if (i == 0 && fault == Fault::kDuplicate && !duplicated && upstream_bytes + len >= cut_after) {
        // The same bytes again, as a misbehaving middlebox might; TLS detects it and drops the connection.
        write_all(to, buf.data(), len);
        duplicated = true;
      }
      if (i == 0) upstream_bytes += len;
    }
    if (closed) break;
  }
  ::close(server);
  ::close(client);
}

}  // namespace vigil::test
