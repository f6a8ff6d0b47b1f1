// logind writes one file per session, /run/systemd/sessions/ID, with a STATE= line ("online",
// "active", "closing"); pam_systemd puts the session's ID in $XDG_SESSION_ID. Reading the file
// needs no D-Bus connection and no libsystemd.
#include <cstdlib>
#include <fstream>
#include <string>

#include "vigil/platform/login_session.h"

namespace vigil::platform {

LoginSessionState login_session_state(const std::string& state_dir) {
  const char* id = std::getenv("XDG_SESSION_ID");
  if (!id || !*id || std::string(id).find('/') != std::string::npos) return LoginSessionState::kUnknown;
  std::ifstream in((state_dir.empty() ? std::string("/run/systemd/sessions") : state_dir) + "/" + id);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("STATE=", 0) != 0) continue;
    const std::string state = line.substr(6);
    if (state == "closing") return LoginSessionState::kClosing;
    if (state == "active" || state == "online") return LoginSessionState::kActive;
    return LoginSessionState::kUnknown;
  }
  return LoginSessionState::kUnknown;
}

}  // namespace vigil::platform
