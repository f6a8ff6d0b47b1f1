#include "export/printable_record.h"

#include <openssl/evp.h>

#include <algorithm>

#include "export/text_safety.h"

namespace vigil::collector {
namespace {

// Kept in one constant: the CSP hash is computed over exactly these bytes.
constexpr std::string_view kStyle = R"css(
body{font:11pt/1.4 "DejaVu Sans",Arial,sans-serif;color:#000;margin:2em}
h1{font-size:16pt;margin:0 0 .2em}h2{font-size:13pt;border-bottom:1px solid #000;margin-top:1.5em}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #666;padding:.25em .4em;text-align:left;vertical-align:top}
th{background:#eee;width:22%}.text{white-space:pre-wrap;word-break:break-word;font-family:"DejaVu Sans Mono",monospace}
mark{background:#ffe08a;font-weight:bold}.meta{color:#333;font-size:9pt}.item{page-break-inside:avoid}
@media print{body{margin:0}.item{page-break-after:always}.item:last-child{page-break-after:auto}@page{margin:15mm}}
)css";

std::string sha256_base64(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &n, EVP_sha256(), nullptr);
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  return out;
}

// The capture text with each hit marked. Offsets come from the agent: a span that is out of
// range, overlapping or not on a character boundary is not marked, the text is still shown.
std::string marked_text(const ExportCapture& c) {
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  const auto boundary = [&](uint32_t at) {
    return at == c.text.size() || (at < c.text.size() && (static_cast<unsigned char>(c.text[at]) & 0xC0) != 0x80);
  };
  for (const auto& h : c.hits) {
    if (h.start < h.end && h.end <= c.text.size() && boundary(h.start) && boundary(h.end)) spans.emplace_back(h.start, h.end);
  }
  std::sort(spans.begin(), spans.end());
  std::string out;
  size_t at = 0;
  for (const auto& [start, end] : spans) {
    if (start < at) continue;
    out += html_escape(std::string_view(c.text).substr(at, start - at));
    out += "<mark>" + html_escape(std::string_view(c.text).substr(start, end - start)) + "</mark>";
    at = end;
  }
  out += html_escape(std::string_view(c.text).substr(at));
  return out;
}

void row(std::string& out, std::string_view label, const std::string& escaped_value) {
  out += "<tr><th>";
  out += label;
  out += "</th><td>" + escaped_value + "</td></tr>\n";
}

}  // namespace

std::string printable_record_csp() {
  return "default-src 'none'; style-src 'sha256-" + sha256_base64(kStyle) + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";
}

std::string printable_record_html(const std::vector<ExportItem>& items, const PrintableRecordContext& context) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">\n<title>Safeguarding record";
  if (!context.school.empty()) out += " - " + html_escape(context.school);
  out += "</title>\n<style>";
  out += kStyle;
  out += "</style></head><body>\n";
  out += "<p class=\"meta\">Exported from Vigil by " + html_escape(context.exported_by) + " at " + utc_iso8601(context.exported_at) +
         " (UTC). Confidential: safeguarding record.</p>\n";
  for (const auto& item : items) {
    const std::string who = item.pupil_name.empty() ? item.username + " (not in the pupil directory)" : item.pupil_name;
    out += "<section class=\"item\">\n<h1>" + html_escape(who) + "</h1>\n<table>\n";
    row(out, "Item", html_escape(item.id));
    row(out, "Username", html_escape(item.username));
    row(out, "Year group", html_escape(item.year_group));
    row(out, "Form", html_escape(item.form));
    row(out, "Category", html_escape(item.category));
    row(out, "Severity", std::to_string(item.severity) + " of 5");
    row(out, "Status", html_escape(item.status));
    row(out, "First seen", utc_iso8601(item.first_seen));
    row(out, "Last seen", utc_iso8601(item.last_seen));
    if (item.legal_hold) row(out, "Legal hold", "yes: kept beyond the retention period");
    out += "</table>\n";
    out += "<h2>Captures (" + std::to_string(item.captures.size()) + ")</h2>\n";
    for (const auto& c : item.captures) {
      out += "<table>\n";
      row(out, "When", utc_iso8601(c.observed_at));
      row(out, "Device", html_escape(c.device));
      row(out, "Source", html_escape(c.source));
      if (!c.application.empty()) row(out, "Application", html_escape(c.application));
      if (!c.window_title.empty()) row(out, "Window", html_escape(c.window_title));
      if (!c.url.empty()) row(out, "URL", html_escape(c.url));  // text only, never a link
      std::string rules;
      for (const auto& h : c.hits) {
        if (!rules.empty()) rules += "<br>";
        rules += html_escape(h.rule) + " (" + html_escape(h.category) + ", severity " + std::to_string(h.severity) + ")";
      }
      row(out, "Matched", rules);
      std::string flags;
      if (c.deleted) flags += "typed and then deleted. ";
      if (c.unsubmitted) flags += "never submitted.";
      if (!flags.empty()) row(out, "Note", flags);
      row(out, "Text", "<div class=\"text\">" + marked_text(c) + "</div>");
      out += "</table>\n";
    }
    out += "<h2>Notes (" + std::to_string(item.notes.size()) + ")</h2>\n";
    if (!item.notes.empty()) {
      out += "<table>\n";
      for (const auto& n : item.notes) {
        row(out, html_escape(utc_iso8601(n.at) + " " + n.author), "<div class=\"text\">" + html_escape(n.text) + "</div>");
      }
      out += "</table>\n";
    }
    out += "</section>\n";
  }
  out += "</body></html>\n";
  return out;
}

}  // namespace vigil::collector
