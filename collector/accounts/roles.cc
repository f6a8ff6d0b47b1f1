#include "accounts/roles.h"

namespace vigil::collector {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kDsl: return "dsl";
    case Role::kDeputyDsl: return "deputy_dsl";
    case Role::kNetworkManager: return "network_manager";
    case Role::kGovernor: return "governor";
  }
  return "governor";
}

std::optional<Role> parse_role(std::string_view name) {
  for (Role r : {Role::kDsl, Role::kDeputyDsl, Role::kNetworkManager, Role::kGovernor}) {
    if (role_name(r) == name) return r;
  }
  return std::nullopt;
}

}  // namespace vigil::collector
