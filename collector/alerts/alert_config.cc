#include "alerts/alert_config.h"

#include <toml++/toml.h>

#include <fstream>
#include <set>
#include <sstream>

namespace vigil::collector {
namespace {

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

bool has_control(const std::string& s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return true;
  }
  return false;
}

// A bare address only: no display name, nothing that could add a header or a recipient.
bool plausible_address(const std::string& a) {
  const auto at = a.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == a.size() || a.size() > 254) return false;
  for (const char c : a) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' || c == 0x7F) return false;
  }
  return true;
}

}  // namespace

Result<void> validate(const AlertConfig& c) {
  const auto bad = [](std::string m) { return make_error(ErrorCode::kInvalidArgument, std::move(m)); };
  if (c.min_severity < 1 || c.min_severity > 5) return bad("alerts.min_severity must be 1..5, not " + std::to_string(c.min_severity));
  if (!c.webhook_url.empty() && ((!starts_with(c.webhook_url, "https://") && !starts_with(c.webhook_url, "http://")) || has_control(c.webhook_url))) {
    return bad("alerts.webhook_url must start with https:// or http://, not \"" + c.webhook_url + "\"");
  }
  if (!c.smtp_url.empty()) {
    if ((!starts_with(c.smtp_url, "smtp://") && !starts_with(c.smtp_url, "smtps://")) || has_control(c.smtp_url)) {
      return bad("alerts.smtp_url must be smtp://HOST:PORT or smtps://HOST:PORT, not \"" + c.smtp_url + "\"");
    }
    if (c.email_to.empty()) return bad("alerts.email_to: at least one address is needed when alerts.smtp_url is set");
    if (!plausible_address(c.smtp_from)) return bad("alerts.smtp_from: \"" + c.smtp_from + "\" is not an email address");
    for (const auto& to : c.email_to) {
      if (!plausible_address(to)) return bad("alerts.email_to: \"" + to + "\" is not an email address");
    }
  } else if (!c.email_to.empty()) {
    return bad("alerts.email_to is set but alerts.smtp_url is not");
  }
  if (!c.console_url.empty() && ((!starts_with(c.console_url, "https://") && !starts_with(c.console_url, "http://")) || has_control(c.console_url))) {
    return bad("alerts.console_url must start with https:// or http://, not \"" + c.console_url + "\"");
  }
  return {};
}

Result<void> load_alert_config(const std::filesystem::path& file, AlertConfig& config) {
  const std::string name = file.string();
  toml::table root;
  try {
    root = toml::parse_file(name);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    return make_error(ErrorCode::kInvalidArgument, name + ":" + std::to_string(at.line) + ": " + std::string(e.description()));
  }
  for (const auto& entry : root) {
    if (entry.first.str() != "alerts") {
      return make_error(ErrorCode::kInvalidArgument, name + ": unknown table or key \"" + std::string(entry.first.str()) + "\" (expected [alerts])");
    }
  }
  const toml::table* alerts = root["alerts"].as_table();
  if (alerts == nullptr) return make_error(ErrorCode::kInvalidArgument, name + ": no [alerts] table");
  static const std::set<std::string> kKnown = {"min_severity", "console_url", "webhook_url", "smtp_url", "smtp_from", "email_to",
                                               "smtp_username", "smtp_password_file", "smtp_require_tls", "ca_file"};
  for (const auto& entry : *alerts) {
    const std::string k(entry.first.str());
    const toml::node& value = entry.second;  // a plain reference: clang 15 cannot capture bindings
    const auto where = [&] { return name + ":" + std::to_string(value.source().begin.line) + ": alerts." + k; };
    if (!kKnown.count(k)) return make_error(ErrorCode::kInvalidArgument, where() + " is not a known key");
    const auto need_string = [&](std::string& out) -> Result<void> {
      if (auto s = value.value<std::string>()) {
        out = *s;
        return {};
      }
      return make_error(ErrorCode::kInvalidArgument, where() + " must be a string");
    };
    Result<void> r;
    if (k == "min_severity") {
      auto n = value.value<int64_t>();
      if (!n || *n < 1 || *n > 5) return make_error(ErrorCode::kInvalidArgument, where() + " must be an integer 1..5");
      config.min_severity = static_cast<uint32_t>(*n);
    } else if (k == "smtp_require_tls") {
      auto b = value.value<bool>();
      if (!b) return make_error(ErrorCode::kInvalidArgument, where() + " must be true or false");
      config.smtp_require_tls = *b;
    } else if (k == "email_to") {
      const toml::array* list = value.as_array();
      if (list == nullptr) return make_error(ErrorCode::kInvalidArgument, where() + " must be an array of addresses");
      config.email_to.clear();
      for (const auto& address : *list) {
        auto s = address.value<std::string>();
        if (!s) return make_error(ErrorCode::kInvalidArgument, where() + " must hold strings only");
        config.email_to.push_back(*s);
      }
    } else if (k == "smtp_password_file") {
      std::string path;
      if (r = need_string(path); !r) return r;
      std::ifstream in(path);
      if (!in) return make_error(ErrorCode::kIo, where() + ": cannot read " + path);
      std::getline(in, config.smtp_password);  // first line only: files often end with a newline
    } else if (k == "console_url") {
      r = need_string(config.console_url);
    } else if (k == "webhook_url") {
      r = need_string(config.webhook_url);
    } else if (k == "smtp_url") {
      r = need_string(config.smtp_url);
    } else if (k == "smtp_from") {
      r = need_string(config.smtp_from);
    } else if (k == "smtp_username") {
      r = need_string(config.smtp_username);
    } else if (k == "ca_file") {
      r = need_string(config.ca_file);
    }
    if (!r) return r;
  }
  if (auto v = validate(config); !v) return make_error(ErrorCode::kInvalidArgument, name + ": " + v.error().message);
  return {};
}

}  // namespace vigil::collector
