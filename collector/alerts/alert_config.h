#pragma once
// Urgent alert settings: from `serve` flags or the [alerts] table of a TOML file. Every key is
// documented in collector/alerts/README.md. Unknown keys are errors.

#include <filesystem>
#include <string>
#include <vector>

#include "vigil/result.h"

namespace vigil::collector {

struct AlertConfig {
  uint32_t min_severity = 5;      // alert at or above this severity (5 = risk to life)
  std::string console_url;        // e.g. https://vigil.school.example:8443; links in alerts
  std::string webhook_url;        // http(s):// endpoint taking a JSON POST (Teams, Slack, other)
  std::string smtp_url;           // smtp://host:port (STARTTLS when offered) or smtps://host:port
  std::string smtp_from = "vigil@localhost";
  std::vector<std::string> email_to;
  std::string smtp_username;
  std::string smtp_password;      // read from smtp_password_file, never given on a command line
  bool smtp_require_tls = false;  // refuse to send mail in clear (STARTTLS must succeed)
  std::string ca_file;            // extra CA bundle for webhook/SMTP TLS, when the school runs its own CA

  bool enabled() const { return !webhook_url.empty() || !smtp_url.empty(); }
};

// Checks the values (URL schemes, addresses, severity range); messages name the key.
Result<void> validate(const AlertConfig& config);

// Reads the [alerts] table of a TOML file over `config` (keys present override).
Result<void> load_alert_config(const std::filesystem::path& file, AlertConfig& config);

}  // namespace vigil::collector
