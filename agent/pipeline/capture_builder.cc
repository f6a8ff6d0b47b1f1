#include "pipeline/capture_builder.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>

#include "vigil/uuid.h"
#include "vigil/v1/capture.pb.h"

namespace vigil::agent {
namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Moves `pos` by up to `n` characters (UTF-8 aware) towards the start or the end of `s`.
size_t step_back(const std::string& s, size_t pos, size_t n) {
  while (n > 0 && pos > 0) {
    --pos;
    while (pos > 0 && is_continuation(static_cast<unsigned char>(s[pos]))) --pos;
    --n;
  }
  return pos;
}

size_t step_forward(const std::string& s, size_t pos, size_t n) {
  while (n > 0 && pos < s.size()) {
    ++pos;
    while (pos < s.size() && is_continuation(static_cast<unsigned char>(s[pos]))) ++pos;
    --n;
  }
  return pos;
}

size_t count_chars(const std::string& s, size_t begin, size_t end) {
  size_t n = 0;
  for (size_t i = begin; i < end; ++i) n += !is_continuation(static_cast<unsigned char>(s[i]));
  return n;
}

v1::Source to_proto(TextSource s) {
  switch (s) {
    case TextSource::kKeyboard: return v1::SOURCE_KEYBOARD;
    case TextSource::kWindowTitle: return v1::SOURCE_WINDOW_TITLE;
    case TextSource::kUrl: return v1::SOURCE_URL;
    case TextSource::kClipboard: return v1::SOURCE_CLIPBOARD;
  }
  return v1::SOURCE_UNSPECIFIED;
}

google::protobuf::Timestamp to_timestamp(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  return google::protobuf::util::TimeUtil::MillisecondsToTimestamp(ms);
}

}  // namespace

ContextWindow context_window(const std::string& unit, const std::vector<signatures::Hit>& hits, size_t max_chars) {
  size_t first = unit.size();
  size_t last = 0;
  for (const auto& h : hits) {
    first = std::min<size_t>(first, h.start);
    last = std::max<size_t>(last, h.end);
  }
  const size_t span = count_chars(unit, first, last);
  if (span >= max_chars) return {first, step_forward(unit, first, max_chars)};
  const size_t spare = max_chars - span;
  size_t begin = step_back(unit, first, spare / 2);
  const size_t used_before = count_chars(unit, begin, first);
  size_t end = step_forward(unit, last, spare - used_before);
  // Near the end of the unit, give the unused allowance back to the left side.
  const size_t used_after = count_chars(unit, last, end);
  begin = step_back(unit, begin, spare - used_before - used_after);
  return {begin, end};
}

OutboxEntry build_capture(const TextEvent& event, const std::vector<signatures::Hit>& hits, const CaptureIdentity& identity,
                          std::chrono::system_clock::time_point now, const std::array<uint8_t, 10>& random) {
  const ContextWindow window = context_window(event.text, hits, identity.context_chars);
  v1::Capture c;
  const Uuid id = make_uuid_v7(now, random);
  c.set_id(std::string(id.begin(), id.end()));
  c.set_device_id(identity.device_id);
  c.set_user(event.user);
  c.set_session_id(event.session_id);
  c.set_source(to_proto(event.source));
  c.mutable_application()->set_process_name(event.app);
  c.mutable_application()->set_path(event.app_path);
  c.set_window_title(event.title);
  c.set_url(event.url);
  c.set_text(event.text.substr(window.begin, window.end - window.begin));
  c.set_context_offset(static_cast<uint32_t>(window.begin));
  c.set_unit_length(static_cast<uint32_t>(event.text.size()));
  int severity = 0;
  std::string category;
  for (const auto& h : hits) {
    if (h.start < window.begin || h.end > window.end) continue;  // outside the context that leaves the PC
    auto* hit = c.add_hits();
    hit->set_rule_id(h.rule->id);
    hit->set_category(h.rule->category);
    hit->set_severity(static_cast<uint32_t>(h.rule->severity));
    hit->set_start(static_cast<uint32_t>(h.start - window.begin));
    hit->set_end(static_cast<uint32_t>(h.end - window.begin));
    if (h.rule->severity > severity) category = h.rule->category;
    severity = std::max(severity, h.rule->severity);
  }
  *c.mutable_observed_at() = to_timestamp(event.observed_at);
  *c.mutable_captured_at() = to_timestamp(now);
  c.set_rule_pack_version(identity.rule_pack_version);
  c.set_agent_version(identity.agent_version);
  c.set_deleted(event.deleted);
  c.set_unsubmitted(event.unsubmitted);
  OutboxEntry entry{c.id(), severity, c.SerializeAsString()};
  entry.category = std::move(category);
  return entry;
}

}  // namespace vigil::agent
