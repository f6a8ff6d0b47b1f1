#pragma once
// The vigil-delivery side of DeliveryProcess: reads each message the service wants exchanged with
// the collector, exchanges it over gRPC and writes back the answer, until its input ends. An
// enrolled device's certificate is renewed here, before a heartbeat, when it is due.

#include <filesystem>
#include <iosfwd>
#include <string>

namespace vigil::agent {

struct DeliveryServiceConfig {
  std::string collector;  // host:port
  std::filesystem::path data_dir;
  bool insecure_loopback = false;  // plaintext to a loopback collector (development)
};

// Exit status for the process: 0 at the end of input, 1 when it cannot serve (no identity,
// a broken frame, the service gone).
int serve_deliveries(const DeliveryServiceConfig& config, std::istream& in, std::ostream& out);

}  // namespace vigil::agent
