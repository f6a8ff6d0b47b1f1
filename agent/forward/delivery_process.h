#pragma once
// The service's transport: the collector is reached through a vigil-delivery process started when
// there is something to exchange and ended when the Forwarder releases the connection. That
// process alone loads gRPC and OpenSSL and reads the device's private key, so an idle service
// carries neither their code nor their memory (about a third of its footprint), and a crash in
// the network stack cannot take capture down with it.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "forward/message_transport.h"
#include "vigil/platform/child_process.h"

namespace vigil::agent {

struct DeliveryProcessConfig {
  std::vector<std::string> command;  // vigil-delivery and its arguments
  // Longest wait for one answer: the delivery process's own connect wait and RPC deadline, and a
  // certificate renewal before a heartbeat, all fit inside it.
  std::chrono::milliseconds answer_timeout{90 * 1000};
  // How long a released process may take to end before it is killed.
  std::chrono::milliseconds exit_timeout{10 * 1000};
};

class DeliveryProcess final : public MessageTransport {
 public:
  explicit DeliveryProcess(DeliveryProcessConfig config);
  ~DeliveryProcess() override;
  SendResult exchange(const v1::AgentMessage& message, v1::CollectorMessage& reply) override;
  // Closes the process's input; it finishes and exits (waited for, killed after exit_timeout).
  void release_connection() override;
  // The running delivery process's id, 0 when none runs.
  int64_t process_id() const { return child_ ? child_->id() : 0; }

 private:
  SendResult fail(const std::string& reason);  // ends the process and says why, as a retry
  std::string describe_exit();                 // ends the process; says how it ended

  DeliveryProcessConfig config_;
  std::unique_ptr<platform::ChildProcess> child_;
};

// <directory of this program>/vigil-delivery, the program DeliveryProcess starts.
Result<std::string> delivery_program();

// Runs vigil-delivery with `arguments` (e.g. enroll ...), sharing this process's standard streams,
// and returns its exit status (1 when it was killed).
Result<int> run_delivery_program(const std::vector<std::string>& arguments);

}  // namespace vigil::agent
