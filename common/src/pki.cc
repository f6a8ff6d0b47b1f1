#include "vigil/hex.h"
#include "vigil/openssl_handles.h"
#include "vigil/pki.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <cctype>
#include <ctime>
#include <memory>

namespace vigil::pki {
namespace {

using openssl::Bio;
using openssl::Cert;
using openssl::Key;
using openssl::Req;

Error openssl_error(const std::string& what) { return openssl::error(what); }

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

Result<Cert> read_cert(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return openssl_error("not a PEM certificate");
  return cert;
}

Result<Key> read_key(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return openssl_error("not a PEM private key");
  return key;
}

bool is_hex(std::string_view s, size_t length) {
  if (s.size() != length) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

constexpr size_t kSecretBytes = 16;

}  // namespace

Result<std::string> generate_key_pem() {
  Key key(EVP_EC_gen("P-256"));
  if (!key) return openssl_error("generating an EC P-256 key");
  Bio bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) return openssl_error("writing key");
  return bio_string(bio.get());
}

Result<std::string> make_csr_pem(const std::string& key_pem, const std::string& common_name) {
  auto key = read_key(key_pem);
  if (!key) return key.error();
  Req req(X509_REQ_new());
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  if (X509_REQ_set_pubkey(req.get(), key->get()) != 1 || X509_REQ_sign(req.get(), key->get(), EVP_sha256()) <= 0) {
    return openssl_error("signing the certificate request");
  }
  Bio bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509_REQ(bio.get(), req.get()) != 1) return openssl_error("writing the certificate request");
  return bio_string(bio.get());
}

Result<std::string> certificate_sha256(const std::string& cert_pem) {
  auto cert = read_cert(cert_pem);
  if (!cert) return cert.error();
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert->get(), EVP_sha256(), md, &n) != 1) return openssl_error("hashing certificate");
  return to_hex(md, n);
}

Result<std::string> certificate_common_name(const std::string& cert_pem) {
  auto cert = read_cert(cert_pem);
  if (!cert) return cert.error();
  char buf[256] = {};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert->get()), NID_commonName, buf, sizeof buf) < 0) {
    return make_error(ErrorCode::kInvalidArgument, "certificate has no common name");
  }
  return std::string(buf);
}

Result<Validity> certificate_validity(const std::string& cert_pem) {
  auto cert = read_cert(cert_pem);
  if (!cert) return cert.error();
  std::tm before{};
  std::tm after{};
  if (ASN1_TIME_to_tm(X509_get0_notBefore(cert->get()), &before) != 1 || ASN1_TIME_to_tm(X509_get0_notAfter(cert->get()), &after) != 1) {
    ERR_clear_error();
    return make_error(ErrorCode::kInvalidArgument, "certificate validity dates are unreadable");
  }
  return Validity{static_cast<int64_t>(timegm(&before)), static_cast<int64_t>(timegm(&after))};
}

Result<bool> signed_by(const std::string& cert_pem, const std::string& issuer_pem) {
  auto cert = read_cert(cert_pem);
  if (!cert) return cert.error();
  auto issuer = read_cert(issuer_pem);
  if (!issuer) return issuer.error();
  EVP_PKEY* issuer_key = X509_get0_pubkey(issuer->get());
  const bool ok = issuer_key != nullptr && X509_verify(cert->get(), issuer_key) == 1;
  ERR_clear_error();
  return ok;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &n, EVP_sha256(), nullptr);
  return to_hex(md, n);
}

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes));
  return to_hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

std::string format_token(const EnrollToken& token) { return std::string(kTokenPrefix) + "." + token.ca_sha256 + "." + token.secret; }

Result<EnrollToken> parse_token(std::string_view text) {
  const auto bad = [](const std::string& why) {
    return make_error(ErrorCode::kInvalidArgument, "enrollment token: " + why + " (expected vigil1.<64 hex>.<32 hex>)");
  };
  const auto first = text.find('.');
  const auto second = first == std::string_view::npos ? first : text.find('.', first + 1);
  if (second == std::string_view::npos) return bad("not three dot-separated parts");
  if (text.substr(0, first) != kTokenPrefix) return bad("unknown version \"" + std::string(text.substr(0, first)) + "\"");
  EnrollToken token{std::string(text.substr(first + 1, second - first - 1)), std::string(text.substr(second + 1))};
  if (!is_hex(token.ca_sha256, 64)) return bad("the CA fingerprint is not 64 lowercase hex digits");
  if (!is_hex(token.secret, kSecretBytes * 2)) return bad("the secret is not 32 lowercase hex digits");
  return token;
}

}  // namespace vigil::pki
