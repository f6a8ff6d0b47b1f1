#pragma once
// Enrollment over the network: runs in vigil-delivery, the agent's only process that links gRPC.

#include <string>

#include "enroll/device_identity.h"
#include "vigil/result.h"

namespace vigil::agent {

// Enrolls with the collector at `collector` (HOST:PORT) using `token`: checks the collector's CA
// against the token's fingerprint before sending anything, then asks for a certificate.
Result<DeviceIdentity> enroll(const std::string& collector, const std::string& token, const std::string& hostname);

}  // namespace vigil::agent
