#include "enroll/enrollment_service.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "vigil/pki.h"
#include "vigil/uuid.h"

namespace vigil::collector {
namespace {

// Addresses remembered at most; the fullest buckets (no recent failures) are forgotten first.
constexpr size_t kMaxTrackedAddresses = 100000;

}  // namespace

std::string peer_address(const std::string& grpc_peer) {
  if (grpc_peer.rfind("ipv4:", 0) != 0 && grpc_peer.rfind("ipv6:", 0) != 0) return grpc_peer;
  std::string rest = grpc_peer.substr(5);
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    return close == std::string::npos ? rest : rest.substr(1, close - 1);
  }
  const auto colon = rest.rfind(':');
  return colon == std::string::npos ? rest : rest.substr(0, colon);
}

FailureLimiter::Bucket& FailureLimiter::refill(const std::string& address, Clock::time_point now) {
  auto it = buckets_.find(address);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxTrackedAddresses) {
      for (auto b = buckets_.begin(); b != buckets_.end();) b = b->second.tokens >= burst_ - 1 ? buckets_.erase(b) : std::next(b);
    }
    it = buckets_.emplace(address, Bucket{static_cast<double>(burst_), now}).first;
  }
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.updated).count();
  b.tokens = std::min<double>(burst_, b.tokens + elapsed / static_cast<double>(refill_.count()));
  b.updated = now;
  return b;
}

std::chrono::seconds FailureLimiter::wait_for(const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const Bucket& b = refill(address, now);
  if (b.tokens >= 1) return std::chrono::seconds(0);
  const auto wait_ms = std::llround((1 - b.tokens) * static_cast<double>(refill_.count()) * 1000);
  return std::chrono::seconds((wait_ms + 999) / 1000);
}

void FailureLimiter::record_failure(const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  Bucket& b = refill(address, now);
  b.tokens = std::max(0.0, b.tokens - 1);
}

grpc::Status EnrollmentService::Enroll(grpc::ServerContext* context, const v1::EnrollRequest* request, v1::EnrollResponse* response) {
  const std::string address = peer_address(context->peer());
  if (const auto wait = limiter_.wait_for(address, FailureLimiter::Clock::now()); wait.count() > 0) {
    spdlog::warn("refused enrollment from {}: too many failed attempts", context->peer());
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "too many failed enrollment attempts from " + address + "; try again in " +
                                                                  std::to_string(wait.count()) + " s");
  }
  grpc::Status status = enroll(context, request, response);
  // A collector that could not answer (UNAVAILABLE) is not the client's fault.
  if (!status.ok() && status.error_code() != grpc::StatusCode::UNAVAILABLE) limiter_.record_failure(address, FailureLimiter::Clock::now());
  return status;
}

grpc::Status EnrollmentService::enroll(grpc::ServerContext* context, const v1::EnrollRequest* request, v1::EnrollResponse* response) {
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
  auto certificate = issue_device_certificate(pki_, request->csr_pem(), device_id, device_cert_lifetime_);
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

grpc::Status EnrollmentService::Renew(grpc::ServerContext* context, const v1::RenewRequest* request, v1::EnrollResponse* response) {
  const auto auth = context->auth_context();
  // Set by gRPC only for a client certificate that verified against the collector CA (and has
  // not expired): renewal must happen while the old certificate is still valid.
  const auto names = auth ? auth->FindPropertyValues("x509_common_name") : std::vector<grpc::string_ref>{};
  if (names.empty()) return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "renewal needs the device's current certificate");
  const std::string device(names.front().data(), names.front().size());
  auto access = store_.device_access(device);
  if (!access) return grpc::Status(grpc::StatusCode::UNAVAILABLE, access.error().message);
  if (*access == DeviceAccess::kRevoked) return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "device " + device + " has been revoked");
  if (*access != DeviceAccess::kEnrolled) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "device " + device + " is not enrolled with this collector");
  }
  if (request->csr_pem().empty() || request->csr_pem().size() > kMaxCsrBytes) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "csr_pem: missing or longer than " + std::to_string(kMaxCsrBytes) + " bytes");
  }
  // The identity comes from the authenticated certificate, never from the request.
  auto certificate = issue_device_certificate(pki_, request->csr_pem(), device, device_cert_lifetime_);
  if (!certificate) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, certificate.error().message);
  spdlog::info("renewed the certificate of device {} ({})", device, context->peer());
  response->set_device_id(device);
  response->set_certificate_pem(*certificate);
  response->set_ca_certificate_pem(pki_.ca_cert_pem);
  response->set_seal_public_key(pki_.seal_public_key);
  return grpc::Status::OK;
}

}  // namespace vigil::collector
