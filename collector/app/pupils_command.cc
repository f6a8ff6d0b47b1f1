#include "app/pupils_command.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "app/command_error.h"
#include "directory/pupil_directory.h"

namespace vigil::collector {

PupilsCommand& add_pupils_command(CLI::App& app) {
  static PupilsCommand command;
  auto* pupils = app.add_subcommand("pupils", "the pupil directory (names, year groups, forms) from the school MIS");
  pupils->require_subcommand(1);
  command.import = pupils->add_subcommand("import", "add or update pupils from a CSV exported by SIMS, Arbor, Bromcom or similar");
  command.import->add_option("FILE", command.file, "the CSV file (UTF-8, with or without BOM)")->required();
  command.import->add_option("--data-dir", command.data_dir, "the collector's data directory")->required();
  return command;
}

int run_pupils_import(const PupilsCommand& c) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(c.file, ec);
  if (ec) {
    std::cerr << "vigil-collector: " << c.file << ": " << ec.message() << "\n";
    return 1;
  }
  if (size > kMaxMisFileBytes) {
    std::cerr << "vigil-collector: " << c.file << ": " << size << " bytes is larger than the " << kMaxMisFileBytes << "-byte limit\n";
    return 1;
  }
  std::ifstream in(c.file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) {
    std::cerr << "vigil-collector: " << c.file << ": cannot read\n";
    return 1;
  }
  std::filesystem::create_directories(c.data_dir, ec);
  auto directory = PupilDirectory::open(c.data_dir);
  if (!directory) return command_failed(directory.error());
  auto report = import_pupil_csv(*directory, text.str(), c.file);
  if (!report) return command_failed(report.error());
  for (const auto& line : report->rejected) std::cerr << line << "\n";
  const auto& n = report->counts;
  std::cout << "added " << n.added << ", updated " << n.updated << ", unchanged " << n.unchanged << ", rejected " << n.rejected << "\n";
  // Rows that were fine are imported either way; a non-zero status tells a script to look.
  return n.rejected == 0 ? 0 : 1;
}

}  // namespace vigil::collector
