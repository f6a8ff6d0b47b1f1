#pragma once
// `vigil-collector pupils import FILE --data-dir DIR`: loads the school MIS export into the pupil
// directory and prints the counts (added, updated, unchanged, rejected); each rejected row is
// listed on stderr as FILE:LINE: reason.

#include <CLI/CLI.hpp>

#include <string>

namespace vigil::collector {

struct PupilsCommand {
  CLI::App* import = nullptr;
  std::string file;
  std::string data_dir;
};

PupilsCommand& add_pupils_command(CLI::App& app);
int run_pupils_import(const PupilsCommand& command);

}  // namespace vigil::collector
