// vigil-scan: scans text units (one per line) against a rule pack and prints one JSON line per
// line that matched. Used by people writing rules and by acceptance checks.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <optional>
#include <iostream>

#include "vigil/cli.h"
#include "vigil/signatures/matcher.h"
#include "vigil/signatures/normaliser.h"
#include "vigil/signatures/rule_pack.h"
#include "vigil/version.h"

namespace {

nlohmann::json hit_json(const vigil::signatures::Hit& h) {
  return {{"category", h.rule->category}, {"severity", h.rule->severity}, {"rule", h.rule->id}, {"start", h.start}, {"end", h.end}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Scan text (one unit per line) against a Vigil rule pack; prints a JSON line per line that matched."};
  app.name("vigil-scan");
  std::string rules_dir = vigil::signatures::default_rules_dir().string();
  std::string input = "-";
  bool explain = false;
  app.add_option("--rules", rules_dir, "rule pack directory")->capture_default_str();
  app.add_option("input", input, "file to scan, or - for standard input")->capture_default_str();
  app.add_flag("--explain", explain, "also print the normalised text and why each hit fired");
  bool stats = false;
  app.add_flag("--stats", stats, "print rule pack and compiled database figures to standard error");
  std::string cache_dir;
  app.add_option("--cache-dir", cache_dir, "keep compiled databases here (keyed by what is compiled and the engine version)");
  std::string phase = "all";
  app.add_option("--phase", phase, "the school's phase: rules meant only for the other phase are left out")
      ->check(CLI::IsMember({"primary", "secondary", "all"}))
      ->capture_default_str();
  app.set_version_flag("--version", std::string("vigil-scan ") + vigil::kVersion);
  if (auto exit_code = vigil::parse_command_line(app, argc, argv)) return *exit_code;

  auto pack = vigil::signatures::load_rule_pack(rules_dir);
  if (!pack) {
    std::cerr << "vigil-scan: " << pack.error().message << "\n";
    return 1;
  }
  vigil::signatures::select_phase(*pack, *vigil::signatures::parse_phase(phase));
  const auto compile_start = std::chrono::steady_clock::now();
  auto matcher = vigil::signatures::Matcher::compile(
      std::move(*pack), cache_dir.empty() ? std::nullopt : std::optional<std::filesystem::path>(cache_dir));
  if (!matcher) {
    std::cerr << "vigil-scan: " << matcher.error().message << "\n";
    return 1;
  }
  if (stats) {
    const auto& st = (*matcher)->stats();
    const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - compile_start).count();
    std::cerr << "rules " << (*matcher)->pack().rules.size() << ", literals " << st.literals << ", regexes " << st.regexes
              << ", database " << st.database_bytes << " bytes, " << (st.plan_from_cache ? "plans and databases loaded from cache" : st.from_cache ? "planned, databases loaded from cache" : "compiled") << " in " << ms
              << " ms\n";
  }
  auto scratch = (*matcher)->make_scratch();
  if (!scratch) {
    std::cerr << "vigil-scan: " << scratch.error().message << "\n";
    return 1;
  }

  std::ifstream file;
  if (input != "-") {
    file.open(input, std::ios::binary);
    if (!file) {
      std::cerr << "vigil-scan: " << input << ": cannot open\n";
      return vigil::kExitUsage;
    }
  }
  std::istream& in = input == "-" ? std::cin : file;
  std::string line;
  uint64_t number = 0;
  int status = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto hits = (*matcher)->scan(line, *scratch);
    if (!hits) {
      std::cerr << "vigil-scan: line " << number << ": " << hits.error().message << "\n";
      status = 1;
      continue;
    }
    if (hits->empty() && !explain) continue;
    nlohmann::json out;
    out["line"] = number;
    out["hits"] = nlohmann::json::array();
    for (const auto& h : *hits) out["hits"].push_back(hit_json(h));
    if (explain) {
      out["normalised"] = vigil::signatures::normalise(line).text;
      for (size_t i = 0; i < hits->size(); ++i) {
        const auto& h = (*hits)[i];
        out["hits"][i]["matched"] = line.substr(h.start, h.end - h.start);
        out["hits"][i]["patterns"] = h.rule->patterns;
      }
    }
    // Pupil text is attacker-controlled: never let invalid UTF-8 abort the dump.
    std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  return status;
}
