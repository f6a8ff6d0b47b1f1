#include <windows.h>

#include "vigil/platform/system_info.h"

namespace vigil::platform {
namespace {

class WindowsSystemInfo final : public SystemInfo {
 public:
  std::string hostname() const override {
    char buffer[MAX_COMPUTERNAME_LENGTH + 1];
    DWORD size = sizeof buffer;
    if (!GetComputerNameA(buffer, &size)) return "unknown";
    return std::string(buffer, size);
  }

  std::string current_user() const override {
    char buffer[257];
    DWORD size = sizeof buffer;
    if (!GetUserNameA(buffer, &size)) return "unknown";
    return std::string(buffer);
  }
};

}  // namespace

const SystemInfo& system_info() {
  static const WindowsSystemInfo instance;
  return instance;
}

}  // namespace vigil::platform
