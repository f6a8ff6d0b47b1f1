#pragma once
// Shared pieces of every page: the layout (navigation by role, the live-alert region for DSLs),
// the CSRF field for forms, JSON replies and the audit call that must precede any content.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "console/console_deps.h"

namespace vigil::collector::console {

std::string layout(const RequestContext& ctx, std::string_view title, std::string_view body_html);
Reply html_reply(std::string html, http::status status = http::status::ok);
Reply json_reply(const nlohmann::json& body, http::status status = http::status::ok);
// <input type="hidden" name="csrf" value="..."> for the signed-in session.
std::string csrf_field(const RequestContext& ctx);
// Writes who/what/when/where to the audit log. Content is shown only if this succeeded.
Result<void> audit(ConsoleDeps& deps, const RequestContext& ctx, const std::string& action, const std::string& target);
// A 500 reply for a store error; the detail goes to the log, not the page.
Reply store_failure(const RequestContext& ctx, const Error& error);
// The capture source as a word ("keyboard", "window title", ...).
std::string_view source_label(int source);
// Severity as a labelled badge.
std::string severity_badge(int severity);
// The pupil's display name: "Name (username)" or just the user name when nobody imported it.
std::string pupil_label(const triage::Pupil& pupil);

}  // namespace vigil::collector::console
