#include "enroll/certificate_renewal.h"

#include <grpcpp/grpcpp.h>

#include "vigil/files.h"
#include "vigil/v1/enrollment.grpc.pb.h"

namespace vigil::agent {
namespace {

constexpr std::chrono::seconds kRenewDeadline{30};

}  // namespace

bool renewal_due(const pki::Validity& validity, std::chrono::system_clock::time_point now) {
  int64_t issued = validity.not_before + pki::kCertificateBackdate.count();
  if (issued >= validity.not_after) issued = validity.not_before;  // not backdated
  const int64_t lifetime = validity.not_after - issued;
  const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return validity.not_after - now_s < lifetime / 3;
}

Result<std::string> renew_certificate(const std::string& collector, const DeviceIdentity& identity) {
  auto csr = pki::make_csr_pem(identity.key_pem, identity.device_id);
  if (!csr) return csr.error();
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = identity.ca_certificate_pem;
  tls.pem_private_key = identity.key_pem;
  tls.pem_cert_chain = identity.certificate_pem;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(std::string(pki::kCollectorServerName));
  auto channel = grpc::CreateCustomChannel(collector, grpc::SslCredentials(tls), args);
  auto stub = v1::Enrollment::NewStub(channel);
  v1::RenewRequest request;
  request.set_csr_pem(*csr);
  v1::EnrollResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRenewDeadline);
  const grpc::Status status = stub->Renew(&context, request, &response);
  if (!status.ok()) {
    const ErrorCode code = status.error_code() == grpc::StatusCode::PERMISSION_DENIED ? ErrorCode::kPermissionDenied : ErrorCode::kUnavailable;
    return make_error(code, "certificate renewal refused: " + status.error_message());
  }
  auto issued_by_ca = pki::signed_by(response.certificate_pem(), identity.ca_certificate_pem);
  if (!issued_by_ca || !*issued_by_ca) return make_error(ErrorCode::kPermissionDenied, "the renewed certificate is not signed by the pinned CA");
  auto name = pki::certificate_common_name(response.certificate_pem());
  if (!name || *name != identity.device_id) {
    return make_error(ErrorCode::kPermissionDenied, "the renewed certificate names another device");
  }
  return response.certificate_pem();
}

Result<void> save_certificate(const std::filesystem::path& data_dir, const std::string& certificate_pem) {
  const auto dir = data_dir / "identity";
  const auto tmp = dir / ("device.crt.tmp-" + pki::random_hex(8));
  if (auto r = write_file(tmp, certificate_pem, FileAccess::kWorldReadable); !r) return r;
  std::error_code ec;
  std::filesystem::rename(tmp, dir / "device.crt", ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return make_error(ErrorCode::kIo, (dir / "device.crt").string() + ": " + ec.message());
  }
  return {};
}

}  // namespace vigil::agent
