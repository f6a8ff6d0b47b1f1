#pragma once
// Every vigil-agent option in one table-like struct, with its default.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace vigil::agent {

struct AgentOptions {
  std::string collector;                 // host:port
  std::string data_dir;
  std::vector<std::string> sources;      // "replay:FILE", "session:SOCKET", "evdev", "evdev:PATH"
  std::string rules_dir;
  std::string phase = "all";                        // the school's age phase: primary, secondary, all
  std::chrono::seconds rules_check_interval{60};    // how often the rules directory is checked for a new pack; 0: never
  bool once = false;                     // exit after every source ends and the outbox drains
  std::chrono::seconds timeout{300};     // --once gives up after this long
  bool insecure_loopback = false;        // plaintext gRPC; only to a loopback collector
  std::chrono::seconds heartbeat_interval{60};
  std::chrono::milliseconds connection_linger{5 * 1000};  // see ForwarderConfig::connection_linger
  std::chrono::seconds helper_grace{10};  // a helper gone without goodbye is a coverage gap after this long
  size_t batch_size = 256;               // captures per batch sent to the collector
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_max{5 * 60 * 1000};
  std::string log_level = "info";
  uint64_t outbox_max_bytes = 64ull * 1024 * 1024;  // DESIGN: bounded outbox; lowest severity evicted first
};

}  // namespace vigil::agent
