#pragma once
// Shared command-line conventions: --help and --version exit 0; bad usage prints one line naming
// what was wrong and exits 2, so scripts can tell misuse from failure.

#include <CLI/CLI.hpp>

#include <iostream>
#include <optional>
#include <string>

namespace vigil {

inline constexpr int kExitUsage = 2;

inline void allow_extras_everywhere(CLI::App& app) {
  app.allow_extras(true);
  for (CLI::App* sub : app.get_subcommands({})) allow_extras_everywhere(*sub);
}

inline int usage_error(const CLI::App& app, std::string message) {
  for (char& c : message) {
    if (c == '\n') c = ' ';
  }
  std::cerr << app.get_name() << ": " << message << " (see --help)\n";
  return kExitUsage;
}

// Returns an exit code when the program should stop now, std::nullopt to carry on.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  // CLI11 checks required options before unknown ones; a typo should be reported as a typo, so
  // extras are collected and reported first.
  allow_extras_everywhere(app);
  auto unexpected = [&]() -> std::optional<int> {
    const auto extras = app.remaining(true);
    if (extras.empty()) return std::nullopt;
    return usage_error(app, "unexpected argument " + extras.front());
  };
  try {
    app.parse(argc, argv);
    if (auto code = unexpected()) return code;
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    if (auto code = unexpected()) return code;
    return usage_error(app, e.what());  // CLI11 names the option or subcommand at fault
  }
  return std::nullopt;
}

}  // namespace vigil
