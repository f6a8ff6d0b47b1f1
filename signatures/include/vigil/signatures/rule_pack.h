#pragma once
// A rule pack as loaded from disk: the format is documented in signatures/README.md.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "vigil/result.h"
#include "vigil/signatures/pattern.h"

namespace vigil::signatures {

enum class AgePhase { kAll, kPrimary, kSecondary };

// A new field must also be carried across by Matcher::compact_rules (matcher.cc).
struct Rule {
  std::string id;
  std::string category;
  int severity = 1;                     // 1..5
  std::vector<std::string> patterns;    // alternatives; each in the pattern language
  std::vector<std::string> unless;      // phrases that cancel an overlapping hit
  // The same, parsed while the pack was validated (the matcher takes them over).
  std::vector<ParsedPattern> parsed_patterns;
  std::vector<ParsedPattern> parsed_unless;
  AgePhase phase = AgePhase::kAll;
  std::vector<std::string> matches;     // examples the rule must catch
  std::vector<std::string> not_matches; // near misses it must not catch
  std::string note;
  std::string file;                     // where it was defined, for error messages
  int line = 0;
};

struct RulePack {
  std::string name;
  std::string version;                  // manifest version, reported on captures
  std::string digest;                   // BLAKE2b-256 (hex) over every pack file's name and bytes
  std::vector<std::string> categories;
  std::vector<Rule> rules;
};

inline constexpr int kMinSeverity = 1;
inline constexpr int kMaxSeverity = 5;
inline constexpr int kPackFormat = 1;

struct PackFile {
  std::string name;   // file name, e.g. "suicide.toml"
  std::string bytes;
};

// Validates a pack given as its files' names and bytes (what load_rule_pack reads from disk).
Result<RulePack> parse_rule_pack(std::vector<PackFile> files);

// Loads and validates a pack directory. A broken pack is refused as a whole with
// "file:line: rule <id>: <reason>" so a network manager can fix it.
Result<RulePack> load_rule_pack(const std::filesystem::path& dir);

// Keeps the rules meant for a school of `phase`: rules for every age, and those for that phase.
// An all-through school (kAll) keeps every rule.
void select_phase(RulePack& pack, AgePhase phase);
// Drops what only people and tests read (examples, notes), for a process that only scans.
void drop_examples(RulePack& pack);
// "primary", "secondary" or "all"; std::nullopt for anything else.
std::optional<AgePhase> parse_phase(std::string_view name);

// Where the shipped pack lives: $VIGIL_RULES_DIR, else the installed copy, else the source tree.
std::filesystem::path default_rules_dir();

}  // namespace vigil::signatures
