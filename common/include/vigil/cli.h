#pragma once
// Shared command-line conventions: --help and --version exit 0; bad usage prints one line naming
// what was wrong and exits 2, so scripts can tell misuse from failure.

#include <CLI/CLI.hpp>

#include <iostream>
#include <optional>
#include <string>

namespace vigil {

inline constexpr int kExitUsage = 2;

// Returns an exit code when the program should stop now, std::nullopt to carry on.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
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
    // CLI11 says which option or subcommand; keep it to one line.
    std::string message = e.what();
    for (char& c : message) {
      if (c == '\n') c = ' ';
    }
    std::cerr << app.get_name() << ": " << message << " (see --help)\n";
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace vigil
