#pragma once
// The state of the login session this process belongs to. A session helper asked to stop while
// its session is still active was stopped by someone sitting in it (a pupil's `pkill`), not by
// logout, and must not tell the service all is well.
//
// Implementations: logind's session files on Linux; unknown elsewhere for now.

#include <string>

namespace vigil::platform {

enum class LoginSessionState { kUnknown, kActive, kClosing };

// `state_dir` overrides where the session manager keeps its state (logind: /run/systemd/sessions),
// for tests; empty means the system's.
LoginSessionState login_session_state(const std::string& state_dir = {});

}  // namespace vigil::platform
