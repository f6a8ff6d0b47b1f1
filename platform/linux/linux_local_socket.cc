#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <vector>

#include "vigil/platform/local_socket.h"

namespace vigil::platform {
namespace {

// Pending connects the kernel queues for us; helpers reconnect rarely, a burst at login is small.
constexpr int kListenBacklog = 64;
// Bytes read per recv; frames larger than this simply take several reads.
constexpr size_t kReadChunk = 16 * 1024;
// A service on a shared PC holds one connection per logged-in session; this caps a local user
// opening sockets in a loop.
constexpr size_t kMaxConnections = 256;
// getpwuid_r buffer; the usual sysconf value on glibc.
constexpr size_t kPasswdBuffer = 16 * 1024;

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string user_name(uid_t uid) {
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buffer(kPasswdBuffer);
  if (getpwuid_r(uid, &pw, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) return found->pw_name;
  return std::to_string(uid);
}

Result<sockaddr_un> socket_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return make_error(ErrorCode::kInvalidArgument, "socket path \"" + path + "\" is empty or longer than " +
                                                       std::to_string(sizeof addr.sun_path - 1) + " bytes");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

class LinuxLocalSocketServer final : public LocalSocketServer {
 public:
  LinuxLocalSocketServer(int fd, int wake_fd, std::string path) : fd_(fd), wake_fd_(wake_fd), path_(std::move(path)) {}
  ~LinuxLocalSocketServer() override {
    for (auto& [id, c] : connections_) ::close(c.fd);
    ::close(fd_);
    ::close(wake_fd_);
    ::unlink(path_.c_str());
  }

  Result<std::optional<SocketEvent>> wait(std::chrono::milliseconds timeout) override {
    std::vector<pollfd> fds;
    std::vector<uint64_t> ids;
    fds.push_back({fd_, POLLIN, 0});
    fds.push_back({wake_fd_, POLLIN, 0});
    for (auto& [id, c] : connections_) {
      fds.push_back({c.fd, POLLIN, 0});
      ids.push_back(id);
    }
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>(timeout.count()));
    if (n < 0) {
      if (errno == EINTR) return std::optional<SocketEvent>{};
      return make_error(ErrorCode::kIo, errno_text("poll on " + path_));
    }
    if (n == 0) return std::optional<SocketEvent>{};
    if (fds[1].revents & POLLIN) {
      uint64_t count = 0;
      (void)!::read(wake_fd_, &count, sizeof count);
      return std::optional<SocketEvent>{};
    }
    for (size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      const uint64_t id = ids[i - 2];
      Connection& c = connections_.at(id);
      const ssize_t got = ::recv(c.fd, read_buffer_.data(), read_buffer_.size(), 0);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      SocketEvent ev{SocketEvent::Kind::kData, id, c.peer, {}};
      if (got <= 0) {
        ev.kind = SocketEvent::Kind::kClosed;
        ::close(c.fd);
        connections_.erase(id);
      } else {
        ev.data.assign(read_buffer_.data(), static_cast<size_t>(got));
      }
      return std::optional<SocketEvent>(std::move(ev));
    }
    if (fds[0].revents & POLLIN) {
      const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) return std::optional<SocketEvent>{};
      if (connections_.size() >= kMaxConnections) {
        ::close(client);
        return std::optional<SocketEvent>{};
      }
      // Who is connected comes from the kernel, fixed at connect(); the peer cannot choose it.
      ucred cred{};
      socklen_t len = sizeof cred;
      if (::getsockopt(client, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        ::close(client);
        return make_error(ErrorCode::kIo, errno_text("SO_PEERCRED on " + path_));
      }
      const uint64_t id = next_id_++;
      PeerCredentials peer{cred.pid, cred.uid, cred.gid, user_name(cred.uid)};
      connections_[id] = Connection{client, peer};
      return std::optional<SocketEvent>(SocketEvent{SocketEvent::Kind::kConnected, id, peer, {}});
    }
    return std::optional<SocketEvent>{};
  }

  void interrupt() override {
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  }

  void disconnect(uint64_t connection) override {
    auto it = connections_.find(connection);
    if (it == connections_.end()) return;
    ::close(it->second.fd);
    connections_.erase(it);
  }

 private:
  struct Connection {
    int fd = -1;
    PeerCredentials peer;
  };
  int fd_;
  int wake_fd_;
  std::string path_;
  std::vector<char> read_buffer_ = std::vector<char>(kReadChunk);  // reused: a unit is ~200 bytes
  std::map<uint64_t, Connection> connections_;
  uint64_t next_id_ = 1;
};

class LinuxLocalSocketClient final : public LocalSocketClient {
 public:
  explicit LinuxLocalSocketClient(int fd) : fd_(fd) {}
  ~LinuxLocalSocketClient() override { ::close(fd_); }

  Result<void> send(std::string_view data) override {
    while (!data.empty()) {
      const ssize_t sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EINTR) continue;
        return make_error(ErrorCode::kUnavailable, errno_text("send to the agent"));
      }
      data.remove_prefix(static_cast<size_t>(sent));
    }
    return {};
  }

 private:
  int fd_;
};

}  // namespace

Result<std::unique_ptr<LocalSocketServer>> listen_local(const std::string& path) {
  auto addr = socket_address(path);
  if (!addr) return addr.error();
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(ErrorCode::kIo, errno_text("socket"));
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      ::close(fd);
      return make_error(ErrorCode::kInvalidArgument, path + " exists and is not a socket; refusing to replace it");
    }
    ::unlink(path.c_str());  // left by a service that was killed
  }
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0 || ::listen(fd, kListenBacklog) != 0) {
    auto err = make_error(ErrorCode::kIo, errno_text("listen on " + path));
    ::close(fd);
    return err;
  }
  // Helpers run as each pupil, so everyone may connect; SO_PEERCRED says who did. The socket
  // only accepts text units: nothing can be read back through it (the outbox stays root-only).
  ::chmod(path.c_str(), 0666);
  const int wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) {
    auto err = make_error(ErrorCode::kIo, errno_text("eventfd for " + path));
    ::close(fd);
    return err;
  }
  return std::unique_ptr<LocalSocketServer>(std::make_unique<LinuxLocalSocketServer>(fd, wake_fd, path));
}

Result<std::unique_ptr<LocalSocketClient>> connect_local(const std::string& path) {
  auto addr = socket_address(path);
  if (!addr) return addr.error();
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(ErrorCode::kIo, errno_text("socket"));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0) {
    auto err = make_error(ErrorCode::kUnavailable, errno_text("connect to " + path));
    ::close(fd);
    return err;
  }
  return std::unique_ptr<LocalSocketClient>(std::make_unique<LinuxLocalSocketClient>(fd));
}

}  // namespace vigil::platform
