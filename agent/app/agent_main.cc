// vigil-agent: the per-machine service. Reads text events from its sources, scans them, keeps hits
// in the outbox and forwards them to the collector.
#include <sodium.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <random>
#include <thread>

#include "app/agent_options.h"
#include "app/agent_runner.h"
#include "vigil/cli.h"
#include "vigil/platform/shutdown_signal.h"
#include "vigil/signatures/rule_pack.h"
#include "vigil/version.h"

int main(int argc, char** argv) {
  auto shutdown = vigil::platform::make_shutdown_signal();  // before any thread starts

  vigil::agent::AgentOptions options;
  options.rules_dir = vigil::signatures::default_rules_dir().string();
  CLI::App app{"Vigil agent: scans what is typed on this PC for safeguarding risks and forwards hits to the collector."};
  app.name("vigil-agent");
  app.set_version_flag("--version", std::string("vigil-agent ") + vigil::kVersion);
  app.add_option("--collector", options.collector, "collector address, HOST:PORT")->required();
  app.add_option("--data-dir", options.data_dir, "directory for the outbox and device identity")->required();
  app.add_option("--source", options.sources, "event source; repeatable: replay:FILE (JSON Lines), session:SOCKET (listen for vigil-session helpers)")->required();
  app.add_option("--rules", options.rules_dir, "rule pack directory")->capture_default_str();
  app.add_flag("--once", options.once, "exit 0 once every source has ended and every capture is acknowledged");
  int64_t timeout_s = options.timeout.count();
  app.add_option("--timeout", timeout_s, "with --once: seconds before giving up (exit 1)")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_flag("--insecure-loopback", options.insecure_loopback, "development only: plaintext to a collector on loopback");
  int64_t heartbeat_s = options.heartbeat_interval.count();
  app.add_option("--heartbeat-interval", heartbeat_s, "seconds between heartbeats")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--batch-size", options.batch_size, "most captures per batch sent to the collector")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  int64_t backoff_initial_ms = options.backoff_initial.count();
  int64_t backoff_max_ms = options.backoff_max.count();
  app.add_option("--backoff-initial-ms", backoff_initial_ms, "first retry delay ceiling (full jitter)")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--backoff-max-ms", backoff_max_ms, "retry delay cap")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--log-level", options.log_level, "trace, debug, info, warn, error")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  if (auto exit_code = vigil::parse_command_line(app, argc, argv)) return *exit_code;
  options.timeout = std::chrono::seconds(timeout_s);
  options.heartbeat_interval = std::chrono::seconds(heartbeat_s);
  options.backoff_initial = std::chrono::milliseconds(backoff_initial_ms);
  options.backoff_max = std::chrono::milliseconds(backoff_max_ms);

  auto logger = spdlog::stderr_color_mt("vigil-agent");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(options.log_level));
  if (sodium_init() < 0) {
    spdlog::critical("libsodium failed to initialise");
    return 1;
  }

  auto config = vigil::agent::validate(options);
  if (!config) {
    std::cerr << "vigil-agent: " << config.error().message << "\n";
    return vigil::kExitUsage;
  }
  vigil::agent::AgentRunner runner(std::move(*config));
  shutdown->start([&runner] { runner.request_stop(); });
  const int status = runner.run();
  shutdown->stop();
  return status;
}
