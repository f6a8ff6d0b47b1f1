#include "alerts/alert_message.h"

#include <nlohmann/json.hpp>

#include <ctime>

#include "export/export_item.h"
#include "export/text_safety.h"

namespace vigil::collector {
namespace {

// Header-safe: one line, printable ASCII only (non-ASCII would need RFC 2047 encoding).
std::string header_value(std::string_view s) {
  std::string out = single_line(s);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) >= 0x80) c = '?';
  }
  return out;
}

std::string rfc5322_date(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

}  // namespace

AlertMessage render_alert(const AlertEvent& e, const std::string& console_url) {
  AlertMessage m;
  const std::string category = single_line(e.category);
  const std::string year = e.year_group.empty() ? "pupil not in the directory" : single_line(e.year_group);
  m.subject = header_value("Vigil urgent alert: severity " + std::to_string(e.severity) + ", " + category + " (" + year + ")");
  if (!console_url.empty()) {
    std::string base = console_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    m.link = base + single_line(e.console_path);
  }
  m.text = "A safeguarding concern at or above the alert threshold has reached Vigil.\n\n";
  m.text += "Severity: " + std::to_string(e.severity) + " of 5\n";
  m.text += "Category: " + category + "\n";
  m.text += "Year group: " + year + "\n";
  m.text += "Device: " + single_line(e.device) + "\n";
  m.text += "Time: " + utc_iso8601(e.observed_at) + " (UTC)\n\n";
  m.text += m.link.empty() ? "Open the Vigil console to review it.\n" : "Review it in the console: " + m.link + "\n";
  m.text += "\nThis message deliberately holds no pupil name or typed text; the console records who viewed them.\n";
  return m;
}

std::string webhook_body(const AlertEvent& e, const AlertMessage& m) {
  nlohmann::json j = {{"text", m.subject + (m.link.empty() ? std::string() : "\n" + m.link)},
                      {"vigil",
                       {{"severity", e.severity},
                        {"category", single_line(e.category)},
                        {"year_group", single_line(e.year_group)},
                        {"device", single_line(e.device)},
                        {"observed_at", utc_iso8601(e.observed_at)},
                        {"link", m.link}}}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string email_body(const AlertMessage& m, const std::string& from, const std::vector<std::string>& to,
                       std::chrono::system_clock::time_point date, const std::string& message_id) {
  std::string to_list;
  for (const auto& t : to) to_list += (to_list.empty() ? "" : ", ") + header_value(t);
  std::string out;
  out += "Date: " + rfc5322_date(date) + "\r\n";
  out += "From: " + header_value(from) + "\r\n";
  out += "To: " + to_list + "\r\n";
  out += "Subject: " + header_value(m.subject) + "\r\n";
  out += "Message-ID: <" + header_value(message_id) + ">\r\n";
  out += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n";
  out += "X-Priority: 1\r\nImportance: high\r\nAuto-Submitted: auto-generated\r\n\r\n";
  for (const char c : m.text) {
    if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace vigil::collector
