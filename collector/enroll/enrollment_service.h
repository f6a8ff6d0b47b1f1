#pragma once
// Enrollment: spends a token, signs the device's certificate request, records the device.

#include "pki/certificate_authority.h"
#include "store/store.h"
#include "vigil/v1/enrollment.grpc.pb.h"

namespace vigil::collector {

// Hostnames are for display only; anything longer is not a hostname.
inline constexpr size_t kMaxHostnameBytes = 255;
inline constexpr size_t kMaxCsrBytes = 8 * 1024;

class EnrollmentService final : public v1::Enrollment::Service {
 public:
  EnrollmentService(Store& store, const CollectorPki& pki) : store_(store), pki_(pki) {}
  grpc::Status Enroll(grpc::ServerContext* context, const v1::EnrollRequest* request, v1::EnrollResponse* response) override;

 private:
  Store& store_;
  const CollectorPki& pki_;
};

}  // namespace vigil::collector
