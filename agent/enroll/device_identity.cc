#include "enroll/device_identity.h"

#include <sodium.h>

#include "vigil/files.h"

namespace vigil::agent {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFiles[] = {"device_id", "device.key", "device.crt", "ca.crt", "seal.pub"};

// libsodium rather than vigil/pki.h: the service reads identities too, and must not link OpenSSL.
std::string random_suffix() {
  unsigned char raw[8];
  randombytes_buf(raw, sizeof raw);
  char hex[2 * sizeof raw + 1];
  return sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
}

}  // namespace

Result<std::optional<DeviceIdentity>> load_identity(const fs::path& data_dir) {
  const fs::path dir = data_dir / "identity";
  if (!fs::exists(dir)) return std::optional<DeviceIdentity>();
  DeviceIdentity id;
  std::string* targets[] = {&id.device_id, &id.key_pem, &id.certificate_pem, &id.ca_certificate_pem, &id.seal_public_key};
  for (size_t i = 0; i < std::size(kFiles); ++i) {
    auto content = read_file(dir / kFiles[i]);
    if (!content) return content.error();
    *targets[i] = std::move(*content);
  }
  if (id.seal_public_key.size() != crypto_box_PUBLICKEYBYTES) {
    return make_error(ErrorCode::kCorrupt, (dir / "seal.pub").string() + ": not a sealing public key");
  }
  return std::optional<DeviceIdentity>(std::move(id));
}

Result<void> save_identity(const fs::path& data_dir, const DeviceIdentity& id) {
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  const fs::path tmp = data_dir / ("identity.tmp-" + random_suffix());
  fs::create_directories(tmp, ec);
  if (ec) return make_error(ErrorCode::kIo, tmp.string() + ": " + ec.message());
  fs::permissions(tmp, fs::perms::owner_all, ec);
  const std::string* sources[] = {&id.device_id, &id.key_pem, &id.certificate_pem, &id.ca_certificate_pem, &id.seal_public_key};
  for (size_t i = 0; i < std::size(kFiles); ++i) {
    if (auto r = write_file(tmp / kFiles[i], *sources[i], i == 1 ? FileAccess::kOwnerOnly : FileAccess::kWorldReadable); !r) return r;
  }
  const fs::path dir = data_dir / "identity";
  if (fs::exists(dir)) {
    fs::remove_all(tmp, ec);
    return make_error(ErrorCode::kInvalidArgument, dir.string() + " exists: this device is already enrolled (delete it to enroll again)");
  }
  fs::rename(tmp, dir, ec);
  if (ec) return make_error(ErrorCode::kIo, dir.string() + ": " + ec.message());
  return {};
}

}  // namespace vigil::agent
