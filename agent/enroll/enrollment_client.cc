#include "enroll/enrollment_client.h"

#include <grpcpp/grpcpp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sodium.h>

#include <memory>

#include "vigil/pki.h"
#include "vigil/v1/enrollment.grpc.pb.h"

namespace vigil::agent {
namespace {

constexpr std::chrono::seconds kEnrollDeadline{30};

std::string pem_of(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

// Opens a TLS connection without trusting anything yet, and returns the CA certificate the
// collector presents in its chain if, and only if, its SHA-256 is the one in the token and it
// signed the server's certificate. This replaces trust on first use with the token's pin.
Result<std::string> fetch_pinned_ca(const std::string& collector, const std::string& ca_sha256) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx) return make_error(ErrorCode::kInternal, "TLS context");
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);  // checked against the pin below, not a trust store
  static const unsigned char kAlpn[] = {2, 'h', '2'};
  SSL_CTX_set_alpn_protos(ctx.get(), kAlpn, sizeof kAlpn);
  std::unique_ptr<BIO, decltype(&BIO_free_all)> bio(BIO_new_ssl_connect(ctx.get()), BIO_free_all);
  BIO_set_conn_hostname(bio.get(), collector.c_str());
  SSL* ssl = nullptr;
  BIO_get_ssl(bio.get(), &ssl);
  SSL_set_tlsext_host_name(ssl, std::string(pki::kCollectorServerName).c_str());
  if (BIO_do_connect(bio.get()) <= 0 || BIO_do_handshake(bio.get()) <= 0) {
    ERR_clear_error();
    return make_error(ErrorCode::kUnavailable, "cannot open a TLS connection to " + collector + " (is `vigil-collector serve` running there without --insecure-loopback?)");
  }
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (!chain || !leaf) return make_error(ErrorCode::kPermissionDenied, collector + " presented no certificate");
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    const std::string pem = pem_of(sk_X509_value(chain, i));
    auto fingerprint = pki::certificate_sha256(pem);
    if (!fingerprint || *fingerprint != ca_sha256) continue;
    auto ok = pki::signed_by(pem_of(leaf), pem);
    if (ok && *ok) return pem;
  }
  return make_error(ErrorCode::kPermissionDenied, collector + " is not the collector this token belongs to: its CA does not match the token's fingerprint");
}

}  // namespace

Result<DeviceIdentity> enroll(const std::string& collector, const std::string& token_text, const std::string& hostname) {
  auto token = pki::parse_token(token_text);
  if (!token) return token.error();
  auto ca = fetch_pinned_ca(collector, token->ca_sha256);
  if (!ca) return ca.error();
  auto key = pki::generate_key_pem();
  if (!key) return key.error();
  auto csr = pki::make_csr_pem(*key, hostname);
  if (!csr) return csr.error();

  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = *ca;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(std::string(pki::kCollectorServerName));
  auto channel = grpc::CreateCustomChannel(collector, grpc::SslCredentials(tls), args);
  auto stub = v1::Enrollment::NewStub(channel);
  v1::EnrollRequest request;
  request.set_token_secret(token->secret);
  request.set_csr_pem(*csr);
  request.set_hostname(hostname);
  v1::EnrollResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kEnrollDeadline);
  const grpc::Status status = stub->Enroll(&context, request, &response);
  if (!status.ok()) {
    const ErrorCode code = status.error_code() == grpc::StatusCode::PERMISSION_DENIED ? ErrorCode::kPermissionDenied : ErrorCode::kUnavailable;
    return make_error(code, "collector refused enrollment: " + status.error_message());
  }
  auto issued_by_ca = pki::signed_by(response.certificate_pem(), *ca);
  if (!issued_by_ca || !*issued_by_ca) return make_error(ErrorCode::kPermissionDenied, "the certificate the collector sent is not signed by its CA");
  if (response.seal_public_key().size() != crypto_box_PUBLICKEYBYTES) {
    return make_error(ErrorCode::kInvalidArgument, "the collector sent no usable sealing key");
  }
  return DeviceIdentity{response.device_id(), *key, response.certificate_pem(), *ca, response.seal_public_key()};
}

}  // namespace vigil::agent
