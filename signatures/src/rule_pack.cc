#include "vigil/hex.h"
#include "vigil/signatures/rule_pack.h"

#include <sodium.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <toml++/toml.h>

#include "vigil/signatures/pattern.h"

namespace vigil::signatures {
namespace {

constexpr size_t kDigestBytes = 32;

// Thrown inside this file only; load_rule_pack turns it into an Error at the module edge.
struct PackError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string where(const std::string& file, const toml::node& node) {
  return file + ":" + std::to_string(node.source().begin.line);
}

[[noreturn]] void fail_at(const std::string& file, const toml::node& node, const std::string& rule_id,
                          const std::string& reason) {
  std::string prefix = where(file, node) + ": ";
  if (!rule_id.empty()) prefix += "rule " + rule_id + ": ";
  throw PackError(prefix + reason);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw PackError(path.string() + ": cannot read");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

toml::table parse_toml(const std::filesystem::path& path, const std::string& bytes) {
  try {
    return toml::parse(bytes, path.string());
  } catch (const toml::parse_error& e) {
    throw PackError(path.filename().string() + ":" + std::to_string(e.source().begin.line) + ": " +
                    std::string(e.description()));
  }
}

std::vector<std::string> string_list(const std::string& file, const toml::node& node, const std::string& rule_id,
                                     const std::string& key) {
  std::vector<std::string> out;
  if (auto s = node.as_string()) {
    out.push_back(s->get());
  } else if (auto arr = node.as_array()) {
    for (const auto& item : *arr) {
      auto s_item = item.as_string();
      if (!s_item) fail_at(file, item, rule_id, "'" + key + "' must hold strings");
      out.push_back(s_item->get());
    }
  } else {
    fail_at(file, node, rule_id, "'" + key + "' must be a string or an array of strings");
  }
  for (const auto& s : out) {
    if (s.empty()) fail_at(file, node, rule_id, "'" + key + "' has an empty entry");
  }
  return out;
}

const std::set<std::string> kRuleKeys = {"id", "severity", "pattern", "unless", "phase", "matches", "not_matches", "note"};
bool only_chars(const std::string& s, std::string_view extra) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || extra.find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

Rule parse_rule(const std::string& file, const std::string& category, const toml::table& t) {
  Rule rule;
  rule.file = file;
  rule.line = static_cast<int>(t.source().begin.line);
  rule.category = category;
  if (auto id = t["id"].value<std::string>()) {
    rule.id = *id;
  } else {
    fail_at(file, t, "", "rule without a string 'id'");
  }
  const std::string& id = rule.id;
  if (!only_chars(id, "._-")) fail_at(file, t, id, "id may only use [a-z0-9._-]");
  if (id.rfind(category + ".", 0) != 0) fail_at(file, t, id, "id must start with '" + category + ".'");
  for (const auto& [key, value] : t) {
    if (!kRuleKeys.count(std::string(key.str()))) fail_at(file, value, id, "unknown key '" + std::string(key.str()) + "'");
  }

  auto severity = t["severity"].value<int64_t>();
  if (!severity) fail_at(file, t, id, "missing integer 'severity'");
  if (*severity < kMinSeverity || *severity > kMaxSeverity) fail_at(file, *t.get("severity"), id, "severity must be 1..5");
  rule.severity = static_cast<int>(*severity);

  const toml::node* pattern = t.get("pattern");
  if (!pattern) fail_at(file, t, id, "missing 'pattern'");
  rule.patterns = string_list(file, *pattern, id, "pattern");
  for (const auto& p : rule.patterns) {
    auto expanded = parse_pattern(p);
    if (!expanded) fail_at(file, *pattern, id, "pattern \"" + p + "\": " + expanded.error().message);
    rule.parsed_patterns.push_back(std::move(*expanded));
  }
  if (const toml::node* unless = t.get("unless")) {
    rule.unless = string_list(file, *unless, id, "unless");
    for (const auto& p : rule.unless) {
      auto expanded = parse_pattern(p);
      if (!expanded) fail_at(file, *unless, id, "unless \"" + p + "\": " + expanded.error().message);
      rule.parsed_unless.push_back(std::move(*expanded));
    }
  }
  if (const toml::node* phase = t.get("phase")) {
    const auto parsed = parse_phase(phase->value<std::string>().value_or(""));
    if (!parsed) fail_at(file, *phase, id, "phase must be \"primary\", \"secondary\" or \"all\"");
    rule.phase = *parsed;
  }
  const toml::node* matches = t.get("matches");
  if (!matches) fail_at(file, t, id, "missing 'matches' examples (at least one)");
  rule.matches = string_list(file, *matches, id, "matches");
  const toml::node* not_matches = t.get("not_matches");
  if (!not_matches) fail_at(file, t, id, "missing 'not_matches' examples (at least one)");
  rule.not_matches = string_list(file, *not_matches, id, "not_matches");
  if (rule.matches.empty() || rule.not_matches.empty()) fail_at(file, t, id, "needs at least one matches and one not_matches example");
  if (const toml::node* note = t.get("note")) {
    auto value = note->value<std::string>();
    if (!value) fail_at(file, *note, id, "'note' must be a string");
    rule.note = *value;
  }
  return rule;
}

RulePack parse(const std::vector<PackFile>& files) {
  RulePack pack;
  // BLAKE2b: read at every agent start, and several times faster than SHA-256 here.
  crypto_generichash_state digest;
  crypto_generichash_init(&digest, nullptr, 0, kDigestBytes);
  bool have_manifest = false;
  std::set<std::string> ids;
  for (const auto& file : files) {
    const std::string& name = file.name;
    const std::string& bytes = file.bytes;
    const std::filesystem::path path(name);
    crypto_generichash_update(&digest, reinterpret_cast<const unsigned char*>(name.data()), name.size() + 1);
    crypto_generichash_update(&digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    toml::table doc = parse_toml(path, bytes);

    if (name == "manifest.toml") {
      have_manifest = true;
      for (const auto& [key, value] : doc) {
        const std::string k(key.str());
        if (k != "format" && k != "name" && k != "version") fail_at(name, value, "", "unknown key '" + k + "'");
      }
      auto format = doc["format"].value<int64_t>();
      if (!format || *format != kPackFormat) fail_at(name, doc, "", "format must be 1");
      auto pack_name = doc["name"].value<std::string>();
      auto version = doc["version"].value<std::string>();
      if (!pack_name || !version || version->empty()) fail_at(name, doc, "", "needs string 'name' and 'version'");
      pack.name = *pack_name;
      pack.version = *version;
      continue;
    }

    const std::string stem = path.stem().string();
    for (const auto& [key, value] : doc) {
      const std::string k(key.str());
      if (k != "category" && k != "description" && k != "rule") fail_at(name, value, "", "unknown key '" + k + "'");
    }
    auto category = doc["category"].value<std::string>();
    if (!category) fail_at(name, doc, "", "missing string 'category'");
    if (*category != stem) fail_at(name, *doc.get("category"), "", "category \"" + *category + "\" must equal the file name \"" + stem + "\"");
    if (!only_chars(*category, "_")) fail_at(name, doc, "", "category may only use [a-z0-9_]");
    pack.categories.push_back(*category);
    const toml::node* rules = doc.get("rule");
    if (!rules) continue;
    const toml::array* arr = rules->as_array();
    if (!arr) fail_at(name, *rules, "", "'rule' must be an array of tables ([[rule]])");
    for (const auto& element : *arr) {
      const toml::table* t = element.as_table();
      if (!t) fail_at(name, element, "", "'rule' must be an array of tables ([[rule]])");
      Rule rule = parse_rule(name, *category, *t);
      if (!ids.insert(rule.id).second) fail_at(name, *t, rule.id, "duplicate rule id");
      pack.rules.push_back(std::move(rule));
    }
  }
  if (!have_manifest) throw PackError("manifest.toml: missing");
  if (pack.rules.empty()) throw PackError("the pack has no rules");
  unsigned char out[kDigestBytes];
  crypto_generichash_final(&digest, out, sizeof out);
  pack.digest = to_hex(out, sizeof out);
  return pack;
}

}  // namespace

Result<RulePack> parse_rule_pack(std::vector<PackFile> files) {
  try {
    if (sodium_init() < 0) return make_error(ErrorCode::kInternal, "libsodium failed to initialise");
    std::sort(files.begin(), files.end(), [](const PackFile& a, const PackFile& b) { return a.name < b.name; });
    return parse(files);
  } catch (const PackError& e) {
    return make_error(ErrorCode::kInvalidArgument, e.what());
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInvalidArgument, std::string("rule pack: ") + e.what());
  }
}

Result<RulePack> load_rule_pack(const std::filesystem::path& dir) {
  std::vector<PackFile> files;
  try {
    if (!std::filesystem::is_directory(dir)) return make_error(ErrorCode::kNotFound, dir.string() + ": not a rule pack directory");
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.is_regular_file() && entry.path().extension() == ".toml") {
        files.push_back({entry.path().filename().string(), read_file(entry.path())});
      }
    }
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kIo, dir.string() + ": " + e.what());
  }
  auto pack = parse_rule_pack(std::move(files));
  if (!pack && pack.error().message.rfind("manifest.toml: missing", 0) == 0) {
    return make_error(ErrorCode::kInvalidArgument, (dir / "manifest.toml").string() + ": missing");
  }
  if (!pack && pack.error().message == "the pack has no rules") {
    return make_error(ErrorCode::kInvalidArgument, dir.string() + ": the pack has no rules");
  }
  return pack;
}

std::filesystem::path default_rules_dir() {
  if (const char* env = std::getenv("VIGIL_RULES_DIR"); env && *env) return env;
  std::error_code ec;
  if (std::filesystem::is_directory(VIGIL_INSTALLED_RULES_DIR, ec)) return VIGIL_INSTALLED_RULES_DIR;
  return VIGIL_SOURCE_RULES_DIR;
}

std::optional<AgePhase> parse_phase(std::string_view name) {
  if (name == "all") return AgePhase::kAll;
  if (name == "primary") return AgePhase::kPrimary;
  if (name == "secondary") return AgePhase::kSecondary;
  return std::nullopt;
}

void drop_examples(RulePack& pack) {
  for (Rule& r : pack.rules) {
    std::vector<std::string>().swap(r.matches);
    std::vector<std::string>().swap(r.not_matches);
    std::string().swap(r.note);
  }
}

void select_phase(RulePack& pack, AgePhase phase) {
  if (phase == AgePhase::kAll) return;
  std::erase_if(pack.rules, [&](const Rule& r) { return r.phase != AgePhase::kAll && r.phase != phase; });
}

}  // namespace vigil::signatures
