#pragma once
// Facts about this machine and session that the agent reports. std types only: implementations
// live in platform/linux and platform/windows, picked by CMake.

#include <string>

namespace vigil::platform {

class SystemInfo {
 public:
  virtual ~SystemInfo() = default;
  virtual std::string hostname() const = 0;
  virtual std::string current_user() const = 0;  // login name of the process owner
};

// The implementation for the OS this binary was built for.
const SystemInfo& system_info();

}  // namespace vigil::platform
