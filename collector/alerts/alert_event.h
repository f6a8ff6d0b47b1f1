#pragma once
// What the alert path knows about a new hit: deliberately no capture text, no window title, no
// URL and no pupil name, so nothing here can carry content out of the collector.

#include <chrono>
#include <cstdint>
#include <string>

namespace vigil::collector {

struct AlertEvent {
  std::string item_key;  // the triage item the hit belongs to: one alert per item
  uint32_t severity = 0;
  std::string category;
  std::string year_group;  // empty when the pupil is not in the directory
  std::string device;      // device id or hostname
  std::chrono::system_clock::time_point observed_at;
  std::string console_path;  // e.g. "/items/<id>"; joined to the configured console URL
};

}  // namespace vigil::collector
