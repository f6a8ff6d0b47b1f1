#pragma once
// The JSON shape of a stored capture, as printed by `vigil-collector captures --json`.

#include <nlohmann/json.hpp>

#include "store/store.h"

namespace vigil::collector {

nlohmann::json capture_to_json(const StoredCapture& stored);
nlohmann::json device_to_json(const DeviceRecord& device, std::chrono::system_clock::time_point now);
nlohmann::json eviction_to_json(const EvictionRecord& eviction);
nlohmann::json token_to_json(const EnrollTokenRecord& token, std::chrono::system_clock::time_point now);

// A device is "silent" after this many missed heartbeats.
inline constexpr int kMissedHeartbeatsForSilent = 3;
inline constexpr std::chrono::seconds kHeartbeatInterval{60};

}  // namespace vigil::collector
