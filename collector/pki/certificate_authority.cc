#include "pki/certificate_authority.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "vigil/files.h"
#include "vigil/openssl_handles.h"
#include "vigil/pki.h"

namespace vigil::collector {
namespace {

namespace fs = std::filesystem;

// Validity periods. Device certificates outlive a school year with margin; renewal is a later issue.
constexpr long kCaValidDays = 20 * 365;
constexpr long kServerValidDays = 10 * 365;
constexpr long kDeviceValidDays = 2 * 365;
constexpr int kSerialBytes = 16;
constexpr auto kSecondsPerDay = 24L * 60 * 60;
// School PCs often have wrong clocks (a flat CMOS battery, a VM restored from an old snapshot).
// A certificate the agent checks must not look "not yet valid" to a slow clock, or the PC would
// silently stop delivering: validity starts this long before issue. Trust comes from the pinned
// CA, not from the dates.
constexpr long kBackdateDays = 5 * 365;

using openssl::Bio;
using openssl::Cert;
using openssl::Key;
using openssl::Req;

Error ssl_error(const std::string& what) { return openssl::error(what); }

Key read_key(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}
Cert read_cert(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}
std::string cert_pem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// One certificate: `issuer`/`issuer_key` null means self-signed.
Result<std::string> make_certificate(EVP_PKEY* subject_key, const std::string& common_name, long days, X509* issuer,
                                     EVP_PKEY* issuer_key, const std::vector<std::pair<int, std::string>>& extensions) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[kSerialBytes];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // serials are positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateDays * kSecondsPerDay);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * kSecondsPerDay);
  X509_set_pubkey(cert.get(), subject_key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Vigil"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  for (const auto& [nid, value] : extensions) {
    if (!add_ext(cert.get(), issuer ? issuer : cert.get(), nid, value.c_str())) return ssl_error("certificate extension");
  }
  if (X509_sign(cert.get(), issuer_key ? issuer_key : subject_key, EVP_sha256()) <= 0) return ssl_error("signing certificate");
  return cert_pem(cert.get());
}

Result<void> create_pki(const fs::path& dir) {
  auto ca_key_pem = pki::generate_key_pem();
  auto server_key_pem = pki::generate_key_pem();
  if (!ca_key_pem) return ca_key_pem.error();
  if (!server_key_pem) return server_key_pem.error();
  Key ca_key = read_key(*ca_key_pem);
  Key server_key = read_key(*server_key_pem);
  auto ca = make_certificate(ca_key.get(), "Vigil collector CA", kCaValidDays, nullptr, nullptr,
                             {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                              {NID_key_usage, "critical,keyCertSign,cRLSign"},
                              {NID_subject_key_identifier, "hash"}});
  if (!ca) return ca.error();
  Cert ca_cert = read_cert(*ca);
  auto server = make_certificate(server_key.get(), std::string(pki::kCollectorServerName), kServerValidDays, ca_cert.get(), ca_key.get(),
                                 {{NID_basic_constraints, "critical,CA:FALSE"},
                                  {NID_key_usage, "critical,digitalSignature"},
                                  {NID_ext_key_usage, "serverAuth"},
                                  {NID_subject_alt_name, "DNS:" + std::string(pki::kCollectorServerName)}});
  if (!server) return server.error();
  std::string seal_pk(crypto_box_PUBLICKEYBYTES, '\0');
  std::string seal_sk(crypto_box_SECRETKEYBYTES, '\0');
  crypto_box_keypair(reinterpret_cast<unsigned char*>(seal_pk.data()), reinterpret_cast<unsigned char*>(seal_sk.data()));
  const std::string chain = *server + *ca;
  const struct {
    const char* name;
    const std::string& bytes;
    bool secret;
  } files[] = {{"ca.key", *ca_key_pem, true},   {"ca.crt", *ca, false},        {"server.key", *server_key_pem, true},
               {"server.crt", chain, false},    {"seal.key", seal_sk, true},   {"seal.pub", seal_pk, false}};
  for (const auto& f : files) {
    if (auto r = write_file(dir / f.name, f.bytes, f.secret ? FileAccess::kOwnerOnly : FileAccess::kWorldReadable); !r) return r;
  }
  return {};
}

}  // namespace

Result<CollectorPki> load_pki(const fs::path& data_dir) {
  const fs::path dir = data_dir / "pki";
  CollectorPki pki;
  std::pair<const char*, std::string*> files[] = {{"ca.crt", &pki.ca_cert_pem},        {"ca.key", &pki.ca_key_pem},
                                                  {"server.crt", &pki.server_chain_pem}, {"server.key", &pki.server_key_pem},
                                                  {"seal.pub", &pki.seal_public_key},    {"seal.key", &pki.seal_secret_key}};
  for (auto& [name, target] : files) {
    auto content = read_file(dir / name);
    if (!content) return make_error(ErrorCode::kNotFound, content.error().message + " (has `serve` run with this --data-dir?)");
    *target = std::move(*content);
  }
  if (pki.seal_public_key.size() != crypto_box_PUBLICKEYBYTES || pki.seal_secret_key.size() != crypto_box_SECRETKEYBYTES) {
    return make_error(ErrorCode::kCorrupt, (dir / "seal.key").string() + ": not an X25519 key pair");
  }
  auto fingerprint = pki::certificate_sha256(pki.ca_cert_pem);
  if (!fingerprint) return make_error(ErrorCode::kCorrupt, (dir / "ca.crt").string() + ": " + fingerprint.error().message);
  pki.ca_sha256 = *fingerprint;
  return pki;
}

Result<CollectorPki> load_or_create_pki(const fs::path& data_dir) {
  const fs::path dir = data_dir / "pki";
  std::error_code ec;
  if (!fs::exists(dir)) {
    const fs::path tmp = data_dir / ("pki.tmp-" + pki::random_hex(8));
    fs::create_directories(tmp, ec);
    if (ec) return make_error(ErrorCode::kIo, tmp.string() + ": " + ec.message());
    fs::permissions(tmp, fs::perms::owner_all, ec);
    if (auto r = create_pki(tmp); !r) {
      fs::remove_all(tmp, ec);
      return r.error();
    }
    // rename() of a directory onto an existing non-empty one fails: if two processes race, the
    // first CA wins and the other's is discarded.
    fs::rename(tmp, dir, ec);
    if (ec) fs::remove_all(tmp, ec);
  }
  return load_pki(data_dir);
}

Result<std::string> issue_device_certificate(const CollectorPki& pki, const std::string& csr_pem, const std::string& device_id) {
  Bio bio(BIO_new_mem_buf(csr_pem.data(), static_cast<int>(csr_pem.size())));
  Req req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) return ssl_error("csr_pem is not a PEM certificate request");
  Key subject_key(X509_REQ_get_pubkey(req.get()));
  if (!subject_key || X509_REQ_verify(req.get(), subject_key.get()) != 1) return ssl_error("csr_pem: signature does not verify");
  Key ca_key = read_key(pki.ca_key_pem);
  Cert ca_cert = read_cert(pki.ca_cert_pem);
  if (!ca_key || !ca_cert) return ssl_error("collector CA unreadable");
  return make_certificate(subject_key.get(), device_id, kDeviceValidDays, ca_cert.get(), ca_key.get(),
                          {{NID_basic_constraints, "critical,CA:FALSE"},
                           {NID_key_usage, "critical,digitalSignature"},
                           {NID_ext_key_usage, "clientAuth"}});
}

Result<IssuedCertificate> issue_server_certificate(const CollectorPki& pki, const std::string& common_name,
                                                   const std::vector<std::string>& subject_alt_names) {
  auto key_pem = pki::generate_key_pem();
  if (!key_pem) return key_pem.error();
  Key key = read_key(*key_pem);
  Key ca_key = read_key(pki.ca_key_pem);
  Cert ca_cert = read_cert(pki.ca_cert_pem);
  if (!key || !ca_key || !ca_cert) return ssl_error("collector CA unreadable");
  std::string sans;
  for (const auto& name : subject_alt_names) sans += (sans.empty() ? "" : ",") + name;
  std::vector<std::pair<int, std::string>> extensions = {{NID_basic_constraints, "critical,CA:FALSE"},
                                                         {NID_key_usage, "critical,digitalSignature"},
                                                         {NID_ext_key_usage, "serverAuth"}};
  if (!sans.empty()) extensions.emplace_back(NID_subject_alt_name, sans);
  auto cert = make_certificate(key.get(), common_name, kServerValidDays, ca_cert.get(), ca_key.get(), extensions);
  if (!cert) return cert.error();
  return IssuedCertificate{*key_pem, *cert + pki.ca_cert_pem};
}

}  // namespace vigil::collector
