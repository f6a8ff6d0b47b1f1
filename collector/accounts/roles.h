#pragma once
// The four console roles. What each may see is decided on the server, per request, from this.

#include <optional>
#include <string_view>

namespace vigil::collector {

enum class Role {
  kDsl,             // designated safeguarding lead: capture content, triage, audit log
  kDeputyDsl,       // same powers as the DSL, so cover never depends on one person
  kNetworkManager,  // devices, rule packs, policies, exception approvals; never capture content
  kGovernor,        // anonymous aggregates only
};

std::string_view role_name(Role role);
std::optional<Role> parse_role(std::string_view name);
// Roles that may see what pupils typed.
inline bool sees_content(Role role) { return role == Role::kDsl || role == Role::kDeputyDsl; }

}  // namespace vigil::collector
