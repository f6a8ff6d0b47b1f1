#include "console/pages/item_json.h"

#include <google/protobuf/util/time_util.h>

namespace vigil::collector::console {

namespace {

nlohmann::json capture_json(const v1::Capture& c) {
  nlohmann::json hits = nlohmann::json::array();
  for (const auto& h : c.hits()) {
    hits.push_back({{"rule", h.rule_id()}, {"category", h.category()}, {"severity", h.severity()}, {"start", h.start()}, {"end", h.end()}});
  }
  return {{"app", c.application().process_name()},
          {"title", c.window_title()},
          {"url", c.url()},
          {"text", c.text()},
          {"source", static_cast<int>(c.source())},
          {"deleted", c.deleted()},
          {"unsubmitted", c.unsubmitted()},
          {"observed_at", google::protobuf::util::TimeUtil::TimestampToMilliseconds(c.observed_at())},
          {"hits", hits}};
}

}  // namespace

nlohmann::json item_summary_json(const triage::ItemSummary& s) {
  return {{"id", s.id},
          {"user", s.user},
          {"pupil", {{"name", s.pupil.name}, {"year_group", s.pupil.year_group}, {"form", s.pupil.form}}},
          {"category", s.category},
          {"severity", s.max_severity},
          {"status", std::string(triage::status_name(s.status))},
          {"assignee", s.assignee},
          {"first_at", s.first_at},
          {"last_at", s.last_at},
          {"captures", s.capture_count},
          {"device", s.device_id},
          {"hostname", s.hostname},
          {"latest", capture_json(s.latest)}};
}

nlohmann::json capture_view_json(const triage::CaptureView& v) {
  nlohmann::json j = capture_json(v.capture);
  j["seq"] = v.seq;
  j["item"] = v.item_id;
  j["hostname"] = v.hostname;
  j["received_at"] = v.received_at;
  return j;
}

}  // namespace vigil::collector::console
