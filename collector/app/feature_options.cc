#include "app/feature_options.h"

#include <fstream>

namespace vigil::collector {

void add_feature_options(CLI::App& serve, FeatureOptions& o) {
  serve.add_option("--alert-config", o.alert_config_file, "TOML file with an [alerts] table (keys in collector/alerts/README.md)");
  serve.add_option("--alert-min-severity", o.alert_min_severity, "alert at or above this severity, 1..5 (default 5)");
  serve.add_option("--alert-webhook", o.alert_webhook, "POST a JSON alert here (Teams, Slack or any https:// receiver)");
  serve.add_option("--alert-smtp", o.alert_smtp, "mail server for alerts: smtp://HOST:PORT (STARTTLS when offered) or smtps://HOST:PORT");
  serve.add_option("--alert-email-to", o.alert_email_to, "alert recipient; repeat for several");
  serve.add_option("--alert-email-from", o.alert_email_from, "sender address of alert emails");
  serve.add_option("--alert-smtp-user", o.alert_smtp_user, "SMTP login, if the server needs one");
  serve.add_option("--alert-smtp-password-file", o.alert_smtp_password_file, "file whose first line is the SMTP password");
  serve.add_option("--console-url", o.console_url, "the console's address as DSLs reach it, for links in alerts");
  serve.add_option("--retention-months", o.retention_months, "purge resolved items this many months after resolution")->capture_default_str();
}

Result<AlertConfig> resolve_alert_config(const FeatureOptions& o) {
  AlertConfig c;
  if (!o.alert_config_file.empty()) {
    if (auto r = load_alert_config(o.alert_config_file, c); !r) return r.error();
  }
  if (o.alert_min_severity != 0) {
    if (o.alert_min_severity < 1 || o.alert_min_severity > 5) {
      return make_error(ErrorCode::kInvalidArgument, "--alert-min-severity must be 1..5, not " + std::to_string(o.alert_min_severity));
    }
    c.min_severity = static_cast<uint32_t>(o.alert_min_severity);
  }
  if (!o.alert_webhook.empty()) c.webhook_url = o.alert_webhook;
  if (!o.alert_smtp.empty()) c.smtp_url = o.alert_smtp;
  if (!o.alert_email_to.empty()) c.email_to = o.alert_email_to;
  if (!o.alert_email_from.empty()) c.smtp_from = o.alert_email_from;
  if (!o.alert_smtp_user.empty()) c.smtp_username = o.alert_smtp_user;
  if (!o.console_url.empty()) c.console_url = o.console_url;
  if (!o.alert_smtp_password_file.empty()) {
    std::ifstream in(o.alert_smtp_password_file);
    if (!in) return make_error(ErrorCode::kInvalidArgument, "--alert-smtp-password-file: cannot read " + o.alert_smtp_password_file);
    std::getline(in, c.smtp_password);
  }
  if (auto v = validate(c); !v) return v.error();
  return c;
}

}  // namespace vigil::collector
