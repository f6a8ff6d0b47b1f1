#pragma once
// `serve` options for urgent alerts and retention. Every flag is documented in
// collector/alerts/README.md and collector/retention/README.md.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "alerts/alert_config.h"
#include "retention/retention_policy.h"

namespace vigil::collector {

struct FeatureOptions {
  std::string alert_config_file;
  int alert_min_severity = 0;  // 0: not given on the command line
  std::string alert_webhook;
  std::string alert_smtp;
  std::vector<std::string> alert_email_to;
  std::string alert_email_from;
  std::string alert_smtp_user;
  std::string alert_smtp_password_file;
  std::string console_url;
  int retention_months = kDefaultRetentionMonths;
};

void add_feature_options(CLI::App& serve, FeatureOptions& options);

// The alert settings: the TOML file first, then flags given on the command line over it.
// Errors name the flag or FILE:LINE.
Result<AlertConfig> resolve_alert_config(const FeatureOptions& options);

}  // namespace vigil::collector
