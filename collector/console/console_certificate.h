#pragma once
// The console's HTTPS certificate, issued by the collector's own CA (pki/ca.crt) and kept in
// <data-dir>/pki/console.crt and console.key. Browsers will warn until the school trusts ca.crt.

#include <filesystem>
#include <string>

#include "console/server.h"
#include "pki/certificate_authority.h"

namespace vigil::collector::console {

// Loads the console certificate, issuing it on first use for `host` (from --console), this
// machine's host name, localhost and the loopback addresses. Delete the two files to reissue.
Result<TlsIdentity> load_or_issue_console_certificate(const std::filesystem::path& data_dir, const CollectorPki& pki, const std::string& host);

}  // namespace vigil::collector::console
