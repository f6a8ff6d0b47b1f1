#include "support/alert_receivers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>

namespace vigil::test {
namespace {

// How long accept() waits between looks at the stop flag: shutdown latency, not synchronisation.
constexpr int kAcceptPollMs = 50;
constexpr int kReadTimeoutMs = 5000;

// Reads until `needle` is in `buffer` (or the peer goes quiet or away).
bool read_until(int fd, std::string& buffer, std::string_view needle) {
  while (buffer.find(needle) == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, kReadTimeoutMs) <= 0) return false;
    char chunk[4096];
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  return true;
}

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

LoopbackServer::LoopbackServer() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("cannot listen on loopback");
  }
  port_ = ntohs(addr.sin_port);
}

LoopbackServer::~LoopbackServer() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void LoopbackServer::start() {
  thread_ = std::thread([this] {
    while (!stopping_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, kAcceptPollMs) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      serve(fd);
      ::close(fd);
    }
  });
}

void LoopbackServer::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

HttpReceiver::HttpReceiver(int failures, int failure_status) : failures_(failures), failure_status_(failure_status) { start(); }
HttpReceiver::~HttpReceiver() { stop(); }

void HttpReceiver::serve(int fd) {
  std::string buffer;
  if (!read_until(fd, buffer, "\r\n\r\n")) return;
  const size_t header_end = buffer.find("\r\n\r\n");
  HttpRequest req;
  const std::string head = buffer.substr(0, header_end);
  const size_t sp1 = head.find(' ');
  const size_t sp2 = head.find(' ', sp1 + 1);
  req.method = head.substr(0, sp1);
  req.target = head.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t content_length = 0;
  size_t at = head.find("\r\n");
  while (at != std::string::npos && at < head.size()) {
    const size_t next = head.find("\r\n", at + 2);
    const std::string line = head.substr(at + 2, (next == std::string::npos ? head.size() : next) - at - 2);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      const std::string name = lower(line.substr(0, colon));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      if (name == "content-length") content_length = std::stoul(value);
      if (name == "content-type") req.content_type = value;
    }
    at = next;
  }
  buffer.erase(0, header_end + 4);
  while (buffer.size() < content_length) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, kReadTimeoutMs) <= 0) return;
    char chunk[4096];
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  req.body = buffer.substr(0, content_length);
  int status = 200;
  {
    std::lock_guard lock(mutex_);
    if (failures_ > 0) {
      --failures_;
      status = failure_status_;
    }
    req.status = status;
    requests_.push_back(req);
  }
  write_all(fd, "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

std::vector<HttpRequest> HttpReceiver::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

size_t HttpReceiver::accepted() const {
  std::lock_guard lock(mutex_);
  return static_cast<size_t>(std::count_if(requests_.begin(), requests_.end(), [](const HttpRequest& r) { return r.status / 100 == 2; }));
}

SmtpReceiver::SmtpReceiver(int failures) : failures_(failures) { start(); }
SmtpReceiver::~SmtpReceiver() { stop(); }

void SmtpReceiver::serve(int fd) {
  write_all(fd, "220 localhost test ESMTP\r\n");
  std::string buffer;
  SmtpMessage msg;
  while (read_until(fd, buffer, "\r\n")) {
    const size_t eol = buffer.find("\r\n");
    const std::string line = buffer.substr(0, eol);
    buffer.erase(0, eol + 2);
    const std::string verb = lower(line.substr(0, 4));
    if (verb == "ehlo" || verb == "helo") {
      write_all(fd, "250-localhost\r\n250 8BITMIME\r\n");
    } else if (verb == "mail") {
      bool fail = false;
      {
        std::lock_guard lock(mutex_);
        ++attempts_;
        if (failures_ > 0) {
          --failures_;
          fail = true;
        }
      }
      if (fail) {
        write_all(fd, "451 4.3.0 try again later\r\n");
        continue;
      }
      msg = SmtpMessage{};
      const size_t lt = line.find('<');
      msg.from = line.substr(lt + 1, line.find('>') - lt - 1);
      write_all(fd, "250 OK\r\n");
    } else if (verb == "rcpt") {
      const size_t lt = line.find('<');
      msg.to.push_back(line.substr(lt + 1, line.find('>') - lt - 1));
      write_all(fd, "250 OK\r\n");
    } else if (verb == "data") {
      write_all(fd, "354 end with .\r\n");
      if (!read_until(fd, buffer, "\r\n.\r\n")) return;
      const size_t end = buffer.find("\r\n.\r\n");
      std::string data = buffer.substr(0, end + 2);
      buffer.erase(0, end + 5);
      // Undo dot-stuffing (RFC 5321 4.5.2).
      std::string unstuffed;
      size_t pos = 0;
      while (pos < data.size()) {
        size_t nl = data.find("\r\n", pos);
        if (nl == std::string::npos) nl = data.size();
        std::string l = data.substr(pos, nl - pos);
        if (!l.empty() && l[0] == '.') l.erase(0, 1);
        unstuffed += l + "\r\n";
        pos = nl + 2;
      }
      msg.data = unstuffed;
      {
        std::lock_guard lock(mutex_);
        messages_.push_back(msg);
      }
      write_all(fd, "250 OK queued\r\n");
    } else if (verb == "quit") {
      write_all(fd, "221 bye\r\n");
      return;
    } else if (verb == "rset" || verb == "noop") {
      write_all(fd, "250 OK\r\n");
    } else {
      write_all(fd, "502 not implemented\r\n");
    }
  }
}

std::vector<SmtpMessage> SmtpReceiver::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

int SmtpReceiver::attempts() const {
  std::lock_guard lock(mutex_);
  return attempts_;
}

}  // namespace vigil::test
