#pragma once
// Starts the real vigil-collector and vigil-agent binaries on loopback for integration tests.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "support/process.h"

namespace vigil::test {

std::string agent_binary();
std::string collector_binary();
std::string scan_binary();
std::string small_pack_dir();    // tests/data/pack_small: fixed rules for pipeline tests
std::string shipped_pack_dir();  // signatures/packs

class CollectorProcess {
 public:
  // Starts `vigil-collector serve` on 127.0.0.1 (a free port unless `port` is given) and waits
  // until it listens.
  // With `insecure_loopback` false it serves mutual TLS (the production mode).
  CollectorProcess(const std::filesystem::path& data_dir, const std::filesystem::path& log, int port = 0,
                   bool insecure_loopback = true);

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  ChildProcess& process() { return *process_; }
  // Stored captures, counted straight from the database (cheap enough to poll).
  uint64_t stored_count() const;
  // Stored captures through the public command line.
  std::vector<nlohmann::json> captures() const;
  // The first stored capture whose text contains `needle`, polling until `timeout`.
  std::optional<nlohmann::json> wait_for_capture(const std::string& needle, std::chrono::milliseconds timeout) const;
  std::vector<nlohmann::json> devices() const;
  // `vigil-collector evictions --json`: every eviction agents reported.
  std::vector<nlohmann::json> evictions() const;
  const std::filesystem::path& data_dir() const { return data_dir_; }
  // `vigil-collector enroll-token create`; the token it printed.
  std::string create_token(const std::vector<std::string>& extra = {}) const;

 private:
  std::filesystem::path data_dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// `vigil-agent` arguments for a replay run against `collector` with the small test pack.
std::vector<std::string> agent_args(const std::string& collector, const std::filesystem::path& data_dir,
                                    const std::filesystem::path& replay, bool once);

// `vigil-agent` arguments for the production mode: mutual TLS, after `enroll_agent`.
std::vector<std::string> secure_agent_args(const std::string& collector, const std::filesystem::path& data_dir,
                                           const std::filesystem::path& replay, bool once);
// Enrolls an agent data dir with `collector`; returns the device id (throws on failure).
std::string enroll_agent(const CollectorProcess& collector, const std::filesystem::path& agent_data_dir);

// Rows in the agent's outbox (captures not yet acknowledged).
uint64_t outbox_depth(const std::filesystem::path& agent_data_dir);

std::vector<nlohmann::json> parse_json_lines(const std::string& text);

}  // namespace vigil::test
