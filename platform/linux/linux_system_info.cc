#include <pwd.h>
#include <unistd.h>

#include <array>

#include "vigil/platform/system_info.h"

namespace vigil::platform {
namespace {

class LinuxSystemInfo final : public SystemInfo {
 public:
  std::string hostname() const override {
    std::array<char, 256> buffer{};
    if (gethostname(buffer.data(), buffer.size() - 1) != 0) return "unknown";
    return buffer.data();
  }

  std::string current_user() const override {
    struct passwd pw {};
    struct passwd* result = nullptr;
    std::array<char, 4096> buffer{};
    if (getpwuid_r(getuid(), &pw, buffer.data(), buffer.size(), &result) == 0 && result) return result->pw_name;
    return "uid-" + std::to_string(getuid());
  }
};

}  // namespace

const SystemInfo& system_info() {
  static const LinuxSystemInfo instance;
  return instance;
}

}  // namespace vigil::platform
