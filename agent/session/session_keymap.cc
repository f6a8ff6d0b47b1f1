#include "session/session_keymap.h"

#include <sstream>

namespace vigil::agent {
namespace {

std::string unquote(std::string v) {
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.pop_back();
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) return v.substr(1, v.size() - 2);
  return v;
}

}  // namespace

platform::KeymapNames parse_default_keyboard(const std::string& text) {
  platform::KeymapNames names;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    const size_t eq = line.find('=', start);
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(start, eq - start);
    const std::string value = unquote(line.substr(eq + 1));
    if (key == "XKBMODEL") names.model = value;
    else if (key == "XKBLAYOUT") names.layout = value;
    else if (key == "XKBVARIANT") names.variant = value;
    else if (key == "XKBOPTIONS") names.options = value;
  }
  return names;
}

platform::KeymapNames session_keymap(const std::function<const char*(const char*)>& env, const std::string& system_file) {
  platform::KeymapNames names;
  bool from_env = false;
  for (auto [var, target] : {std::pair{"XKB_DEFAULT_RULES", &names.rules}, {"XKB_DEFAULT_MODEL", &names.model},
                             {"XKB_DEFAULT_LAYOUT", &names.layout}, {"XKB_DEFAULT_VARIANT", &names.variant},
                             {"XKB_DEFAULT_OPTIONS", &names.options}}) {
    if (const char* v = env(var); v && *v) {
      *target = v;
      from_env = true;
    }
  }
  if (from_env && !names.layout.empty()) return names;
  platform::KeymapNames system = parse_default_keyboard(system_file);
  if (!system.layout.empty()) {
    // A compositor that sets only XKB_DEFAULT_OPTIONS (say) still uses the system layout.
    if (!names.rules.empty()) system.rules = names.rules;
    if (!names.model.empty()) system.model = names.model;
    if (!names.options.empty()) system.options = names.options;
    return system;
  }
  if (names.layout.empty()) names.layout = "us";
  return names;
}

}  // namespace vigil::agent
