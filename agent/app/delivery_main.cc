// vigil-delivery: the agent's link to the collector. vigil-agent starts it when it has something
// to exchange (agent/forward/delivery_process.h) and ends it when idle; it also carries out
// `vigil-agent enroll`. It is the only agent program that loads gRPC and reads the device key.
#include <sodium.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "enroll/device_identity.h"
#include "enroll/enrollment_client.h"
#include "forward/delivery_service.h"
#include "vigil/cli.h"
#include "vigil/platform/system_info.h"
#include "vigil/version.h"

namespace {

// Speaks as `vigil-agent enroll`, the command the network manager typed.
int enroll(const std::string& collector, const std::string& token, const std::string& data_dir) {
  if (auto existing = vigil::agent::load_identity(data_dir); existing && *existing) {
    std::cerr << "vigil-agent: already enrolled as device " << (*existing)->device_id << " (" << data_dir << "/identity)\n";
    return 1;
  }
  auto identity = vigil::agent::enroll(collector, token, vigil::platform::system_info().hostname());
  if (!identity) {
    std::cerr << "vigil-agent: enrollment failed: " << identity.error().message << "\n";
    return identity.error().code == vigil::ErrorCode::kInvalidArgument ? vigil::kExitUsage : 1;
  }
  if (auto r = vigil::agent::save_identity(data_dir, *identity); !r) {
    std::cerr << "vigil-agent: " << r.error().message << "\n";
    return 1;
  }
  std::cout << identity->device_id << std::endl;
  std::cerr << "vigil-agent: enrolled as device " << identity->device_id << "; from now on only mutual TLS to " << collector << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  vigil::agent::DeliveryServiceConfig config;
  std::string data_dir, log_level = "info";
  CLI::App app{"Vigil agent's delivery process: exchanges the messages vigil-agent gives it on standard input with the collector. "
               "vigil-agent starts it; it is not meant to be run by hand."};
  app.name("vigil-delivery");
  app.set_version_flag("--version", std::string("vigil-delivery ") + vigil::kVersion);
  app.add_option("--collector", config.collector, "collector address, HOST:PORT (required)");
  app.add_option("--data-dir", data_dir, "the agent's data directory, holding the device identity (required)");
  app.add_flag("--insecure-loopback", config.insecure_loopback, "development only: plaintext to a collector on loopback");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  std::string enroll_collector, enroll_token, enroll_data_dir;
  auto* enroll_cmd = app.add_subcommand("enroll", "what `vigil-agent enroll` runs");
  enroll_cmd->add_option("--collector", enroll_collector, "collector address, HOST:PORT")->required();
  enroll_cmd->add_option("--token", enroll_token, "the enrollment token")->required();
  enroll_cmd->add_option("--data-dir", enroll_data_dir, "the agent's data directory")->required();
  if (auto exit_code = vigil::parse_command_line(app, argc, argv)) return *exit_code;

  auto logger = spdlog::stderr_color_mt("vigil-delivery");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(log_level));
  if (sodium_init() < 0) {
    spdlog::critical("libsodium failed to initialise");
    return 1;
  }
  if (enroll_cmd->parsed()) return enroll(enroll_collector, enroll_token, enroll_data_dir);
  if (config.collector.empty()) return vigil::usage_error(app, "--collector is required");
  if (data_dir.empty()) return vigil::usage_error(app, "--data-dir is required");
  config.data_dir = data_dir;
  std::ios::sync_with_stdio(false);
  return vigil::agent::serve_deliveries(config, std::cin, std::cout);
}
