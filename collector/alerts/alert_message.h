#pragma once
// The words of an urgent alert. Privacy: built from an AlertEvent only, which carries no capture
// text, title, URL or name; the DSL reads the content in the console, where the view is audited.

#include <chrono>
#include <string>
#include <vector>

#include "alerts/alert_event.h"

namespace vigil::collector {

struct AlertMessage {
  std::string subject;  // one line, ASCII
  std::string text;     // plain text body
  std::string link;     // console link, empty when no console URL is configured
};

AlertMessage render_alert(const AlertEvent& event, const std::string& console_url);

// JSON body for a webhook: {"text": ...} is what Slack incoming webhooks and Teams connectors
// (and Teams workflows' "post to channel" trigger) display; "vigil" carries the same facts as
// fields for other receivers.
std::string webhook_body(const AlertEvent& event, const AlertMessage& message);

// RFC 5322 message (CRLF line ends) for SMTP. Header values are single-line ASCII.
std::string email_body(const AlertMessage& message, const std::string& from, const std::vector<std::string>& to,
                       std::chrono::system_clock::time_point date, const std::string& message_id);

}  // namespace vigil::collector
