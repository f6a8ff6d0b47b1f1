#include "ingest/capture_validation.h"

namespace vigil::collector {

std::optional<std::string> invalid_reason(const v1::Capture& c) {
  if (c.id().size() != 16) return "id must be 16 bytes, got " + std::to_string(c.id().size());
  if (c.device_id().empty()) return std::string("device_id is empty");
  if (c.source() == v1::SOURCE_UNSPECIFIED || !v1::Source_IsValid(c.source())) return std::string("source is missing or unknown");
  if (c.text().size() > kMaxContextBytes) return "text is " + std::to_string(c.text().size()) + " bytes, over the context bound";
  for (const std::string* field : {&c.user(), &c.window_title(), &c.url(), &c.application().process_name(), &c.application().path(),
                                   &c.device_id(), &c.session_id()}) {
    if (field->size() > kMaxFieldBytes) return std::string("a text field is over 2048 bytes");
  }
  if (c.hits_size() == 0) return std::string("a capture needs at least one hit");
  if (c.hits_size() > kMaxHitsPerCapture) return std::string("too many hits");
  for (const auto& h : c.hits()) {
    if (h.rule_id().empty() || h.category().empty()) return std::string("hit without rule_id or category");
    if (h.severity() < 1 || h.severity() > 5) return "hit " + h.rule_id() + ": severity must be 1..5";
    if (h.start() >= h.end() || h.end() > c.text().size()) return "hit " + h.rule_id() + ": offsets outside the text";
  }
  if (!c.has_observed_at()) return std::string("observed_at is missing");
  return std::nullopt;
}

}  // namespace vigil::collector
