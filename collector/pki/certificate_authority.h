#pragma once
// The collector's own PKI, created on first start under <data-dir>/pki/: a CA (EC P-256) that
// signs the server certificate and every device certificate, and the X25519 key pair agents seal
// captures to. Files are written to a temporary directory and renamed into place, so a crash
// mid-creation never leaves half a CA.

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "vigil/result.h"

namespace vigil::collector {

struct CollectorPki {
  std::string ca_cert_pem;
  std::string ca_key_pem;
  std::string server_chain_pem;  // server certificate followed by the CA: agents pin the CA from the chain
  std::string server_key_pem;
  std::string seal_public_key;   // 32 bytes (crypto_box_PUBLICKEYBYTES)
  std::string seal_secret_key;   // 32 bytes; never leaves the collector
  std::string ca_sha256;         // what enrollment tokens pin
};

// Loads <data_dir>/pki, creating it on first use.
Result<CollectorPki> load_or_create_pki(const std::filesystem::path& data_dir);
// Loads an existing <data_dir>/pki without creating anything.
Result<CollectorPki> load_pki(const std::filesystem::path& data_dir);

// Signs the public key of `csr_pem` (after checking the request's own signature) into a client
// certificate whose common name is `device_id`; the request's subject is ignored, so a device
// cannot choose its identity.
Result<std::string> issue_device_certificate(const CollectorPki& pki, const std::string& csr_pem, const std::string& device_id);

// A TLS server certificate signed by the collector CA for another listener of this collector
// (the console), with its own key. `subject_alt_names` are OpenSSL SAN entries: "DNS:host", "IP:127.0.0.1".
struct IssuedCertificate {
  std::string key_pem;
  std::string chain_pem;  // certificate followed by the CA
};
Result<IssuedCertificate> issue_server_certificate(const CollectorPki& pki, const std::string& common_name,
                                                   const std::vector<std::string>& subject_alt_names);

}  // namespace vigil::collector
