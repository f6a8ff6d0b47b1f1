#pragma once
// RAII owners for the OpenSSL objects Vigil handles, and OpenSSL's error queue turned into an
// Error, shared by the device side (common/pki) and the collector's certificate authority.

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "vigil/result.h"

namespace vigil::openssl {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Req = std::unique_ptr<X509_REQ, Deleter<X509_REQ, X509_REQ_free>>;

// `what` failed; OpenSSL's own reason is appended and its error queue cleared.
inline Error error(const std::string& what) {
  std::string detail;
  if (const unsigned long e = ERR_get_error(); e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    detail = std::string(": ") + buf;
  }
  ERR_clear_error();
  return make_error(ErrorCode::kInvalidArgument, what + detail);
}

}  // namespace vigil::openssl
