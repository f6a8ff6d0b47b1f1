#pragma once
// Real receivers for urgent-alert tests, on loopback: a tiny HTTP server that records POSTs and a
// tiny SMTP server that records messages. Each can be told to fail its first N attempts so the
// senders' retries are exercised against real sockets.

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vigil::test {

class LoopbackServer {
 public:
  LoopbackServer();
  virtual ~LoopbackServer();
  int port() const { return port_; }

 protected:
  void start();  // call from the subclass constructor once it is ready to serve
  void stop();   // call from the subclass destructor
  virtual void serve(int fd) = 0;

 private:
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

struct HttpRequest {
  std::string method;
  std::string target;
  std::string content_type;
  std::string body;
  int status = 0;  // what the receiver answered
};

class HttpReceiver final : public LoopbackServer {
 public:
  // The first `failures` requests get `failure_status` (e.g. 503); later ones 200.
  explicit HttpReceiver(int failures = 0, int failure_status = 503);
  ~HttpReceiver() override;
  std::string url(const std::string& path = "/hook") const { return "http://127.0.0.1:" + std::to_string(port()) + path; }
  std::vector<HttpRequest> requests() const;  // every request, failed ones included
  size_t accepted() const;                    // requests answered 2xx

 private:
  void serve(int fd) override;
  mutable std::mutex mutex_;
  std::vector<HttpRequest> requests_;
  int failures_;
  int failure_status_;
};

struct SmtpMessage {
  std::string from;
  std::vector<std::string> to;
  std::string data;  // the message as sent after DATA, dot-unstuffed, without the final "."
};

class SmtpReceiver final : public LoopbackServer {
 public:
  // The first `failures` transactions get "451 try again later" at MAIL FROM.
  explicit SmtpReceiver(int failures = 0);
  ~SmtpReceiver() override;
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port()); }
  std::vector<SmtpMessage> messages() const;
  int attempts() const;

 private:
  void serve(int fd) override;
  mutable std::mutex mutex_;
  std::vector<SmtpMessage> messages_;
  int failures_;
  int attempts_ = 0;
};

}  // namespace vigil::test
