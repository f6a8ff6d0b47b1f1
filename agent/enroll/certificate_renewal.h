#pragma once
// Device certificate renewal: before a third of its lifetime is left, the agent asks the collector
// (over mutual TLS, with the certificate it still has) for a new one for the same key and device
// id, and swaps it in. An agent that was off for longer than that renews on its next start, as
// long as the old certificate has not expired.

#include <chrono>
#include <filesystem>
#include <string>

#include "enroll/device_identity.h"
#include "vigil/pki.h"
#include "vigil/result.h"

namespace vigil::agent {

// True once less than a third of the certificate's real lifetime (from issue, not from its
// backdated start) is left at `now`.
bool renewal_due(const pki::Validity& validity, std::chrono::system_clock::time_point now);

// Asks `collector` for a new certificate for `identity`'s key; checks it names the same device
// and was signed by the pinned CA. Returns the certificate PEM.
Result<std::string> renew_certificate(const std::string& collector, const DeviceIdentity& identity);

// Replaces <data_dir>/identity/device.crt in one rename: a crash leaves the old or the new one.
Result<void> save_certificate(const std::filesystem::path& data_dir, const std::string& certificate_pem);

}  // namespace vigil::agent
