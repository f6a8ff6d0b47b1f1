#pragma once
// A way to deliver an alert. send() tries once and says what happened; it never sleeps or
// retries itself: only the dispatcher schedules retries (with backoff), as for the agent's
// transports.

#include <memory>
#include <string>

#include "alerts/alert_config.h"
#include "alerts/alert_event.h"
#include "alerts/alert_message.h"

namespace vigil::collector {

enum class SendResult {
  kSent,
  kRetry,   // worth trying again: unreachable, timeout, 5xx, 408/429, SMTP 4xx
  kReject,  // will never work as configured: 4xx, SMTP 5xx; logged loudly, not retried
};

struct SendOutcome {
  SendResult result = SendResult::kRetry;
  std::string detail;  // for the log: status code or curl's reason, never content
};

class AlertSender {
 public:
  virtual ~AlertSender() = default;
  virtual std::string name() const = 0;  // "webhook", "email": for logs
  virtual SendOutcome send(const AlertEvent& event, const AlertMessage& message) = 0;
};

// Each attempt is bounded by this, so a hung receiver cannot stall the other channel for long.
inline constexpr std::chrono::seconds kSendTimeout{8};

std::unique_ptr<AlertSender> make_webhook_sender(const AlertConfig& config);
std::unique_ptr<AlertSender> make_smtp_sender(const AlertConfig& config);

}  // namespace vigil::collector
