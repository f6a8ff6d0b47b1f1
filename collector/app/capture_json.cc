#include "app/capture_json.h"

#include <google/protobuf/util/time_util.h>

#include "vigil/uuid.h"

namespace vigil::collector {
namespace {

std::string iso(const google::protobuf::Timestamp& t) { return google::protobuf::util::TimeUtil::ToString(t); }
std::string iso(std::chrono::system_clock::time_point t) {
  return google::protobuf::util::TimeUtil::ToString(google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count()));
}

const char* source_name(v1::Source s) {
  switch (s) {
    case v1::SOURCE_KEYBOARD: return "keyboard";
    case v1::SOURCE_WINDOW_TITLE: return "window_title";
    case v1::SOURCE_URL: return "url";
    case v1::SOURCE_CLIPBOARD: return "clipboard";
    default: return "unspecified";
  }
}

}  // namespace

nlohmann::json capture_to_json(const StoredCapture& stored) {
  const v1::Capture& c = stored.capture;
  nlohmann::json hits = nlohmann::json::array();
  for (const auto& h : c.hits()) {
    hits.push_back({{"rule", h.rule_id()}, {"category", h.category()}, {"severity", h.severity()}, {"start", h.start()}, {"end", h.end()}});
  }
  return {
      {"id", uuid_to_string(c.id())},
      {"device", c.device_id()},
      {"user", c.user()},
      {"session", c.session_id()},
      {"source", source_name(c.source())},
      {"app", c.application().process_name()},
      {"app_path", c.application().path()},
      {"title", c.window_title()},
      {"url", c.url()},
      {"text", c.text()},
      {"context_offset", c.context_offset()},
      {"unit_length", c.unit_length()},
      {"deleted", c.deleted()},
      {"unsubmitted", c.unsubmitted()},
      {"hits", hits},
      {"observed_at", iso(c.observed_at())},
      {"captured_at", iso(c.captured_at())},
      {"received_at", iso(stored.received_at)},
      {"rule_pack_version", c.rule_pack_version()},
      {"agent_version", c.agent_version()},
  };
}

nlohmann::json device_to_json(const DeviceRecord& d, std::chrono::system_clock::time_point now) {
  const bool silent = now - d.last_seen > kHeartbeatInterval * kMissedHeartbeatsForSilent;
  // A source that cannot see what pupils do (a Wayland session without a capture route, a helper
  // without AT-SPI) is a coverage gap the network manager must see, never a silent hole.
  nlohmann::json sources = nlohmann::json::array();
  nlohmann::json gaps = nlohmann::json::array();
  for (const auto& [name, state] : d.sources) {
    sources.push_back({{"name", name}, {"state", state}});
    if (state.rfind("gap", 0) == 0 || state.rfind("unavailable", 0) == 0 || state.rfind("failed", 0) == 0) {
      gaps.push_back({{"source", name}, {"state", state}});
    }
  }
  return {
      {"sources", sources},
      {"coverage_gaps", gaps},
      {"id", d.id},
      {"hostname", d.hostname},
      {"last_seen", iso(d.last_seen)},
      {"state", silent ? "silent" : "ok"},
      {"agent_version", d.agent_version},
      {"rule_pack_version", d.rule_pack_version},
      {"outbox_depth", d.outbox_depth},
      {"last_error", d.last_error},
  };
}

}  // namespace vigil::collector
