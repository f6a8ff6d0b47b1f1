#pragma once
// Enrollment: spends a token, signs the device's certificate request, records the device. Renewal:
// an enrolled device, over mutual TLS, gets a fresh certificate for the same identity.

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "pki/certificate_authority.h"
#include "store/store.h"
#include "vigil/v1/enrollment.grpc.pb.h"

namespace vigil::collector {

// Hostnames are for display only; anything longer is not a hostname.
inline constexpr size_t kMaxHostnameBytes = 255;
inline constexpr size_t kMaxCsrBytes = 8 * 1024;

// Failed enrollments tolerated per source address: a burst, refilled one every interval. Only
// failures count, so a whole school enrolling through one NAT address is never throttled, while
// anyone guessing tokens (or hammering the CA) from one address is.
inline constexpr int kEnrollFailureBurst = 10;
inline constexpr std::chrono::seconds kEnrollFailureRefill{30};

// Token bucket per address. Time is passed in, so it is tested without waiting.
class FailureLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  FailureLimiter(int burst, std::chrono::seconds refill) : burst_(burst), refill_(refill) {}
  // How long `address` must wait before it may try again; zero if it may try now.
  std::chrono::seconds wait_for(const std::string& address, Clock::time_point now);
  void record_failure(const std::string& address, Clock::time_point now);

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
  };
  Bucket& refill(const std::string& address, Clock::time_point now);

  std::mutex mutex_;
  int burst_;
  std::chrono::seconds refill_;
  std::map<std::string, Bucket> buckets_;
};

// "ipv4:192.0.2.7:51234" -> "192.0.2.7"; "ipv6:[::1]:5" -> "::1".
std::string peer_address(const std::string& grpc_peer);

class EnrollmentService final : public v1::Enrollment::Service {
 public:
  EnrollmentService(Store& store, const CollectorPki& pki, std::chrono::seconds device_cert_lifetime = kDefaultDeviceCertLifetime)
      : store_(store), pki_(pki), device_cert_lifetime_(device_cert_lifetime), limiter_(kEnrollFailureBurst, kEnrollFailureRefill) {}
  grpc::Status Enroll(grpc::ServerContext* context, const v1::EnrollRequest* request, v1::EnrollResponse* response) override;
  grpc::Status Renew(grpc::ServerContext* context, const v1::RenewRequest* request, v1::EnrollResponse* response) override;

 private:
  grpc::Status enroll(grpc::ServerContext* context, const v1::EnrollRequest* request, v1::EnrollResponse* response);

  Store& store_;
  const CollectorPki& pki_;
  std::chrono::seconds device_cert_lifetime_;
  FailureLimiter limiter_;
};

}  // namespace vigil::collector
