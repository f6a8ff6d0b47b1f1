#pragma once
// A TCP proxy on loopback that sits between an agent and a collector and misbehaves on purpose:
// it drops connections, delays them, duplicates bytes and cuts connections in the middle of a
// frame. Used by the fault suite to show delivery survives a bad network.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace vigil::test {

class TcpProxy {
 public:
  enum class Mode {
    kPass,   // forward faithfully
    kChaos,  // every new connection gets one fault: dropped at once, cut mid-frame, a duplicated chunk, or delayed then cut
  };
  struct Stats {
    uint64_t connections = 0;
    uint64_t dropped = 0;
    uint64_t cut = 0;
    uint64_t duplicated = 0;
    uint64_t delayed = 0;
  };

  explicit TcpProxy(int target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  void set_mode(Mode mode) { mode_ = mode; }
  void set_target(int target_port) { target_port_ = target_port; }
  Stats stats() const;

 private:
  void accept_loop();
  void serve(int client, uint64_t seed);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> target_port_;
  std::atomic<Mode> mode_{Mode::kPass};
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::vector<std::thread> workers_;
  Stats stats_;
};

}  // namespace vigil::test
