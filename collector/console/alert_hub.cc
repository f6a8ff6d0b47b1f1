#include "console/alert_hub.h"

#include <nlohmann/json.hpp>

namespace vigil::collector::console {

int AlertHub::subscribe(AlertListener listener) {
  std::lock_guard lock(mutex_);
  listeners_[next_id_] = std::move(listener);
  return next_id_++;
}

void AlertHub::unsubscribe(int id) {
  std::lock_guard lock(mutex_);
  listeners_.erase(id);
}

void AlertHub::publish(const triage::AlertCandidate& alert) {
  std::lock_guard lock(mutex_);
  for (auto& [id, listener] : listeners_) listener(alert);
}

std::string alert_event_frame(const triage::AlertCandidate& a) {
  const nlohmann::json j = {{"item", a.item_id}, {"severity", a.severity}, {"category", a.category},
                            {"user", a.user},    {"pupil", a.pupil_name},  {"at", a.at}};
  // One line of JSON: SSE data ends at a newline, and dump() escapes any inside strings.
  return "event: alert\nid: " + std::to_string(a.item_id) + "\ndata: " + j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
}

}  // namespace vigil::collector::console
