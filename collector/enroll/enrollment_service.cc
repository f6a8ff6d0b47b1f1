#include "enroll/enrollment_service.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include "vigil/pki.h"
#include "vigil/uuid.h"

namespace vigil::collector {

grpc::Status EnrollmentService::Enroll(grpc::ServerContext* context, const v1::EnrollRequest* request, v1::EnrollResponse* response) {
  if (request->hostname().size() > kMaxHostnameBytes) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "hostname: longer than " + std::to_string(kMaxHostnameBytes) + " bytes");
  }
  if (request->csr_pem().empty() || request->csr_pem().size() > kMaxCsrBytes) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "csr_pem: missing or longer than " + std::to_string(kMaxCsrBytes) + " bytes");
  }
  std::array<uint8_t, 10> random;
  randombytes_buf(random.data(), random.size());
  const Uuid uuid = make_uuid_v7(std::chrono::system_clock::now(), random);
  const std::string device_id = uuid_to_string(std::string(uuid.begin(), uuid.end()));
  // The request is checked before the token is spent, so a broken agent does not burn a token.
  auto certificate = issue_device_certificate(pki_, request->csr_pem(), device_id);
  if (!certificate) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, certificate.error().message);
  if (auto r = store_.consume_enroll_token(pki::sha256_hex(request->token_secret()), std::chrono::system_clock::now()); !r) {
    spdlog::warn("refused enrollment from {}: {}", context->peer(), r.error().message);
    const auto code = r.error().code == ErrorCode::kPermissionDenied ? grpc::StatusCode::PERMISSION_DENIED : grpc::StatusCode::UNAVAILABLE;
    return grpc::Status(code, r.error().message);
  }
  if (auto r = store_.add_enrolled_device(device_id, request->hostname()); !r) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, r.error().message);
  }
  spdlog::info("enrolled device {} ({}) from {}", device_id, request->hostname(), context->peer());
  response->set_device_id(device_id);
  response->set_certificate_pem(*certificate);
  response->set_ca_certificate_pem(pki_.ca_cert_pem);
  response->set_seal_public_key(pki_.seal_public_key);
  return grpc::Status::OK;
}

}  // namespace vigil::collector
