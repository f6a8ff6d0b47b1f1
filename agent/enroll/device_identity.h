#pragma once
// What enrollment leaves on the device, under <data-dir>/identity/: the device key (generated
// here, never sent anywhere), the certificate the collector signed, the pinned collector CA and
// the collector's public sealing key. Written to a temporary directory and renamed into place, so
// an agent killed mid-enrollment is either enrolled or not, never half.

#include <filesystem>
#include <optional>
#include <string>

#include "vigil/result.h"

namespace vigil::agent {

struct DeviceIdentity {
  std::string device_id;
  std::string key_pem;
  std::string certificate_pem;
  std::string ca_certificate_pem;
  std::string seal_public_key;  // 32 bytes
};

// std::nullopt when the device has not enrolled; an error when the files are damaged.
Result<std::optional<DeviceIdentity>> load_identity(const std::filesystem::path& data_dir);
Result<void> save_identity(const std::filesystem::path& data_dir, const DeviceIdentity& identity);

}  // namespace vigil::agent
