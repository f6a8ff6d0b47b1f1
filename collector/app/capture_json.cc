#include "app/capture_json.h"

#include <google/protobuf/util/time_util.h>

#include "store/capture_source.h"
#include "vigil/uuid.h"

namespace vigil::collector {
namespace {

std::string iso(const google::protobuf::Timestamp& t) { return google::protobuf::util::TimeUtil::ToString(t); }
std::string iso(std::chrono::system_clock::time_point t) {
  return google::protobuf::util::TimeUtil::ToString(google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count()));
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

const char* device_state(const DeviceRecord& d, std::chrono::system_clock::time_point now) {
  if (d.revoked_at) return "revoked";
  // Silent after kMissedHeartbeatsForSilent of the device's own intervals: a device configured to
  // report every 10 s is missed sooner than one reporting every minute.
  const auto interval = d.heartbeat_interval.count() > 0 ? d.heartbeat_interval : kHeartbeatInterval;
  if (!d.last_seen || now - *d.last_seen > interval * kMissedHeartbeatsForSilent) return "silent";
  return "ok";
}

nlohmann::json device_to_json(const DeviceRecord& d, std::chrono::system_clock::time_point now) {
  const std::string state = device_state(d, now);
  nlohmann::json sources = nlohmann::json::parse(d.sources_json, nullptr, false);
  if (!sources.is_array()) sources = nlohmann::json::array();
  // Coverage answers the network manager's question "is this PC being watched right now?".
  std::string coverage = "none";
  if (state == "ok") {
    bool all_active = !sources.empty();
    // "active", or "active: 2 session helpers" from a source that says more.
    for (const auto& src : sources) {
      const std::string source_state = src.value("state", "");
      all_active = all_active && (source_state == "active" || source_state.rfind("active:", 0) == 0);
    }
    coverage = all_active ? "full" : "partial";
  }
  // A source that cannot see what pupils do (a Wayland session without a capture route, a helper
  // without AT-SPI) is a coverage gap the network manager must see, never a silent hole.
  nlohmann::json gaps = nlohmann::json::array();
  for (const auto& src : sources) {
    const std::string source_state = src.value("state", "");
    if (source_state.rfind("gap", 0) == 0 || source_state.rfind("unavailable", 0) == 0 || source_state.rfind("failed", 0) == 0) {
      gaps.push_back({{"source", src.value("name", "")}, {"state", source_state}});
    }
  }
  const auto optional_time = [](const std::optional<std::chrono::system_clock::time_point>& t) -> nlohmann::json {
    if (!t) return nullptr;
    return iso(*t);
  };
  return {
      {"id", d.id},
      {"hostname", d.hostname},
      {"last_seen", optional_time(d.last_seen)},
      {"state", state},
      {"agent_version", d.agent_version},
      {"rule_pack_version", d.rule_pack_version},
      {"heartbeat_interval_s", d.heartbeat_interval.count()},
      {"outbox_depth", d.outbox_depth},
      {"outbox_bytes", d.outbox_bytes},
      {"last_error", d.last_error},
      {"sources", sources},
      {"coverage_gaps", gaps},
      {"coverage", {{"state", coverage},
                    {"sources", sources},
                    {"evicted_captures", d.evicted_captures},
                    {"trimmed_captures", d.trimmed_captures},
                    {"outbox_problem", d.outbox_problem},
                    {"evictions_recorded", d.evictions_recorded}}},
      {"enrolled_at", optional_time(d.enrolled_at)},
      {"revoked_at", optional_time(d.revoked_at)},
  };
}

nlohmann::json eviction_to_json(const EvictionRecord& e) {
  return {
      {"device", e.device_id},
      {"id", uuid_to_string(e.capture_id)},
      {"severity", e.severity},
      {"category", e.category},
      {"created_at", iso(e.created_at)},
      {"evicted_at", iso(e.evicted_at)},
      {"reported_at", iso(e.reported_at)},
  };
}

nlohmann::json token_to_json(const EnrollTokenRecord& t, std::chrono::system_clock::time_point now) {
  std::string state = "active";
  if (t.revoked_at) state = "revoked";
  else if (t.uses_left <= 0) state = "used";
  else if (now >= t.expires_at) state = "expired";
  return {
      {"id", t.id},
      {"state", state},
      {"uses_left", t.uses_left},
      {"created_at", iso(t.created_at)},
      {"expires_at", iso(t.expires_at)},
      {"revoked_at", t.revoked_at ? nlohmann::json(iso(*t.revoked_at)) : nlohmann::json(nullptr)},
  };
}

}  // namespace vigil::collector
