// vigil-agent: the per-machine service. Reads text events from its sources, scans them, keeps hits
// in the outbox and forwards them to the collector.
#include <sodium.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <random>
#include <thread>

#include "app/agent_options.h"
#include "app/agent_runner.h"
#include "forward/delivery_process.h"
#include "rules/child_rule_compiler.h"
#include "rules/rule_pack_watcher.h"
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
  // Required unless a subcommand runs; checked below, since CLI11 would demand them for `enroll` too.
  app.add_option("--collector", options.collector, "collector address, HOST:PORT (required)");
  app.add_option("--data-dir", options.data_dir, "directory for the outbox and device identity (required)");
  app.add_option("--source", options.sources, "event source; repeatable: replay:FILE (JSON Lines), session:SOCKET (listen for vigil-session helpers), evdev (keyboards under "
                 "/dev/input, for Wayland sessions paired through session:SOCKET), evdev:PATH (one evdev device or FIFO) (required)");
  int64_t helper_grace_s = options.helper_grace.count();
  app.add_option("--helper-grace", helper_grace_s,
                 "seconds a session helper that ended without saying goodbye may take to come back before its user's session is "
                 "reported as a coverage gap")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--rules", options.rules_dir, "rule pack directory")->capture_default_str();
  app.add_option("--phase", options.phase, "the school's age phase: rules meant only for the other phase are left out")
      ->check(CLI::IsMember({"primary", "secondary", "all"}))
      ->capture_default_str();
  int64_t rules_check_s = options.rules_check_interval.count();
  app.add_option("--rules-check-interval", rules_check_s, "seconds between checks of the rules directory for a new pack (0: never)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--once", options.once, "exit 0 once every source has ended and every capture is acknowledged");
  int64_t timeout_s = options.timeout.count();
  app.add_option("--timeout", timeout_s, "with --once: seconds before giving up (exit 1)")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_flag("--insecure-loopback", options.insecure_loopback, "development only: plaintext to a collector on loopback");
  int64_t heartbeat_s = options.heartbeat_interval.count();
  app.add_option("--heartbeat-interval", heartbeat_s, "seconds between heartbeats")->capture_default_str()->check(CLI::PositiveNumber);
  double linger_s = static_cast<double>(options.connection_linger.count()) / 1000;
  app.add_option("--connection-linger", linger_s,
                 "seconds the connection to the collector (and the vigil-delivery process holding it) stays after its last exchange")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
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
  app.add_option("--outbox-max-bytes", options.outbox_max_bytes, "outbox bound; beyond it the lowest severity, oldest captures are evicted")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{4096}, uint64_t{1} << 40));

  std::string enroll_collector, enroll_token, enroll_data_dir;
  auto* enroll_cmd = app.add_subcommand("enroll", "enroll this device with a collector using a token from `vigil-collector enroll-token create`");
  enroll_cmd->add_option("--collector", enroll_collector, "collector address, HOST:PORT")->required();
  enroll_cmd->add_option("--token", enroll_token, "the enrollment token")->required();
  enroll_cmd->add_option("--data-dir", enroll_data_dir, "the agent's data directory")->required();
  std::string compile_rules_dir, compile_phase = "all", compile_cache_dir;
  auto* compile_cmd = app.add_subcommand(vigil::agent::kCompileRulesCommand,
                                         "compile a rule pack into a cache directory and exit (the agent runs this itself for a pack "
                                         "not yet compiled, so its own memory stays small)");
  compile_cmd->add_option("--rules", compile_rules_dir, "rule pack directory")->required();
  compile_cmd->add_option("--phase", compile_phase, "the school's age phase")->check(CLI::IsMember({"primary", "secondary", "all"}))->capture_default_str();
  compile_cmd->add_option("--cache-dir", compile_cache_dir, "where the compiled databases are stored")->required();
  if (auto exit_code = vigil::parse_command_line(app, argc, argv)) return *exit_code;

  if (compile_cmd->parsed()) {
    spdlog::set_default_logger(spdlog::stderr_color_mt("vigil-agent"));
    vigil::agent::RulePackWatcher rules(compile_rules_dir, *vigil::signatures::parse_phase(compile_phase), compile_cache_dir);
    auto matcher = rules.load();
    if (!matcher) {
      std::cerr << "vigil-agent: rule pack: " << matcher.error().message << "\n";
      return 1;
    }
    if (!(*matcher)->stats().from_cache && !(*matcher)->stats().stored_in_cache) {
      std::cerr << "vigil-agent: could not store the compiled rule pack in " << compile_cache_dir << "\n";
      return 1;
    }
    return 0;
  }

  if (enroll_cmd->parsed()) {
    if (enroll_collector.rfind(':') == std::string::npos) return vigil::usage_error(app, "--collector must be HOST:PORT, not \"" + enroll_collector + "\"");
    // Enrollment talks to the collector, which only vigil-delivery does (it alone links gRPC).
    auto status = vigil::agent::run_delivery_program({"enroll", "--collector", enroll_collector, "--token", enroll_token, "--data-dir", enroll_data_dir});
    if (!status) {
      std::cerr << "vigil-agent: enrollment: " << status.error().message << "\n";
      return 1;
    }
    return *status;
  }
  if (options.collector.empty()) return vigil::usage_error(app, "--collector is required");
  if (options.data_dir.empty()) return vigil::usage_error(app, "--data-dir is required");
  if (options.sources.empty()) return vigil::usage_error(app, "--source is required");
  options.timeout = std::chrono::seconds(timeout_s);
  options.heartbeat_interval = std::chrono::seconds(heartbeat_s);
  options.connection_linger = std::chrono::milliseconds(static_cast<int64_t>(linger_s * 1000));
  options.helper_grace = std::chrono::seconds(helper_grace_s);
  options.rules_check_interval = std::chrono::seconds(rules_check_s);
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
