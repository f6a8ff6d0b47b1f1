#include "forward/delivery_service.h"

#include <spdlog/spdlog.h>

#include <istream>
#include <optional>
#include <ostream>

#include "enroll/certificate_renewal.h"
#include "enroll/device_identity.h"
#include "forward/delivery_frames.h"
#include "forward/grpc_transport.h"
#include "vigil/pki.h"
#include "vigil/v1/delivery.pb.h"

namespace vigil::agent {
namespace {

// A renewal the collector refused or could not answer is tried again after this long.
constexpr std::chrono::minutes kRenewRetry{1};

// Mutual TLS with the device's certificate.
std::shared_ptr<grpc::ChannelCredentials> device_credentials(const DeviceIdentity& id) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = id.ca_certificate_pem;
  tls.pem_private_key = id.key_pem;
  tls.pem_cert_chain = id.certificate_pem;
  return grpc::SslCredentials(tls);
}

// Renews the device certificate when less than a third of its lifetime is left.
class Renewal {
 public:
  Renewal(const DeliveryServiceConfig& config, DeviceIdentity& identity, GrpcTransport& transport)
      : config_(config), identity_(identity), transport_(transport) {}

  void check() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_check_) return;
    auto validity = pki::certificate_validity(identity_.certificate_pem);
    if (!validity || !renewal_due(*validity, std::chrono::system_clock::now())) return;
    auto renewed = renew_certificate(config_.collector, identity_);
    if (renewed) {
      if (auto r = save_certificate(config_.data_dir, *renewed); !r) renewed = r.error();
    }
    if (!renewed) {
      next_check_ = now + kRenewRetry;
      spdlog::warn("device certificate expires soon and could not be renewed ({}); retrying in {} s", renewed.error().message,
                   std::chrono::duration_cast<std::chrono::seconds>(kRenewRetry).count());
      return;
    }
    identity_.certificate_pem = *renewed;
    transport_.set_credentials(device_credentials(identity_));
    auto fresh = pki::certificate_validity(identity_.certificate_pem);
    spdlog::info("renewed the device certificate; valid until {} (Unix time)", fresh ? fresh->not_after : 0);
  }

 private:
  const DeliveryServiceConfig& config_;
  DeviceIdentity& identity_;
  GrpcTransport& transport_;
  std::chrono::steady_clock::time_point next_check_{};
};

v1::DeliveryReply::Outcome outcome_of(SendStatus status) {
  switch (status) {
    case SendStatus::kAck:
      return v1::DeliveryReply::ACK;
    case SendStatus::kReject:
      return v1::DeliveryReply::REJECT;
    case SendStatus::kRetry:
      break;
  }
  return v1::DeliveryReply::RETRY;
}

}  // namespace

int serve_deliveries(const DeliveryServiceConfig& config, std::istream& in, std::ostream& out) {
  GrpcTransportConfig transport_config{config.collector, std::chrono::seconds(30), ""};
  std::optional<DeviceIdentity> identity;
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (config.insecure_loopback) {
    credentials = grpc::InsecureChannelCredentials();  // the service checked the target is loopback
  } else {
    auto loaded = load_identity(config.data_dir);
    if (!loaded || !*loaded) {
      spdlog::critical("device identity: {}", loaded ? "this device is not enrolled" : loaded.error().message);
      return 1;
    }
    identity = std::move(**loaded);
    // Mutual TLS: the pinned collector CA is the only trust root, and the device certificate is
    // what the collector checks (and can revoke) on every message.
    credentials = device_credentials(*identity);
    transport_config.tls_server_name = std::string(pki::kCollectorServerName);
  }
  GrpcTransport transport(transport_config, credentials);
  std::optional<Renewal> renewal;
  if (identity) renewal.emplace(config, *identity, transport);

  for (;;) {
    v1::DeliveryRequest request;
    auto more = read_frame(in, request);
    if (!more) {
      spdlog::error("{}", more.error().message);
      return 1;
    }
    if (!*more) return 0;
    if (renewal && request.message().has_heartbeat()) renewal->check();
    v1::DeliveryReply answer;
    const SendResult result = transport.exchange(request.message(), *answer.mutable_reply());
    answer.set_outcome(outcome_of(result.status));
    answer.set_error(result.error);
    if (result.status != SendStatus::kAck) answer.clear_reply();
    if (auto r = write_frame(out, answer); !r) {
      spdlog::error("{}", r.error().message);
      return 1;
    }
  }
}

}  // namespace vigil::agent
