#include "vigil/platform/desktop_source.h"

namespace vigil::platform {

// The Windows session helper (low-level keyboard hook, UI Automation IsPassword) is not built
// yet; the helper reports this as a coverage gap rather than running blind.
Result<std::unique_ptr<DesktopSource>> open_desktop_source() {
  return make_error(ErrorCode::kUnavailable, "keystroke capture is not implemented on Windows yet");
}

Result<std::unique_ptr<PasswordDetector>> start_password_detector() {
  return make_error(ErrorCode::kUnavailable, "password-field detection is not implemented on Windows yet");
}

}  // namespace vigil::platform
