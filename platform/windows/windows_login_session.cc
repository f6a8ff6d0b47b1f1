// Windows: not built yet (WTSQuerySessionInformation's WTSConnectState would tell an active
// session from one logging off). Unknown keeps the helper's present behaviour.
#include "vigil/platform/login_session.h"

namespace vigil::platform {

LoginSessionState login_session_state(const std::string& /*state_dir*/) { return LoginSessionState::kUnknown; }

}  // namespace vigil::platform
