#include "rules/rule_pack_watcher.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "support/process.h"
#include "support/vigil_harness.h"

using vigil::agent::RulePackWatcher;
using vigil::signatures::AgePhase;

namespace {

std::vector<std::string> rule_ids(const vigil::signatures::Matcher& m) {
  std::vector<std::string> ids;
  for (const auto& r : m.pack().rules) ids.push_back(r.id);
  return ids;
}

bool has(const std::vector<std::string>& ids, const std::string& id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); }

}  // namespace

TEST_CASE("the agent's rules: a new pack on disk is compiled and handed over, a broken one refused") {
  vigil::test::TempDir dir;
  const auto rules = dir / "rules";
  std::filesystem::copy(vigil::test::small_pack_dir(), rules, std::filesystem::copy_options::recursive);
  RulePackWatcher watcher(rules, AgePhase::kSecondary, dir / "cache");
  auto first = watcher.load();
  REQUIRE_MESSAGE(first.ok(), (first.ok() ? "" : first.error().message));
  CHECK((*first)->pack().rules.front().matches.empty());  // examples are not kept by the agent
  auto unchanged = watcher.check();
  REQUIRE(unchanged.ok());
  CHECK_FALSE(unchanged->has_value());

  // A network manager deploys a pack with two more rules: one for primary schools only, one for all.
  const std::string extra =
      "\n[[rule]]\nid = \"x.test-primary\"\nseverity = 2\npattern = \"stranger danger\"\nphase = \"primary\"\n"
      "matches = [\"stranger danger\"]\nnot_matches = [\"danger\"]\n"
      "\n[[rule]]\nid = \"x.test-new\"\nseverity = 3\npattern = \"zorgle blat\"\n"
      "matches = [\"zorgle blat\"]\nnot_matches = [\"zorgle\"]\n";
  std::filesystem::path category_file;
  for (const auto& e : std::filesystem::directory_iterator(rules)) {
    if (e.path().filename() != "manifest.toml" && e.path().extension() == ".toml") category_file = e.path();
  }
  REQUIRE(!category_file.empty());
  const std::string stem = category_file.stem().string();
  std::string body = vigil::test::read_file(category_file);
  std::string added = extra;
  for (const char* id : {"x.test-primary", "x.test-new"}) {
    const std::string from = id;
    added.replace(added.find(from), from.size(), stem + from.substr(from.find('.')));
  }
  vigil::test::write_file(category_file, body + added);
  auto next = watcher.check();
  REQUIRE_MESSAGE(next.ok(), (next.ok() ? "" : next.error().message));
  REQUIRE(next->has_value());
  const auto ids = rule_ids(***next);
  CHECK(has(ids, stem + ".test-new"));
  CHECK_FALSE(has(ids, stem + ".test-primary"));  // a secondary school leaves it out
  auto scratch = (**next)->make_scratch();
  REQUIRE(scratch.ok());
  auto hits = (**next)->scan("zorgle blat", *scratch);
  REQUIRE(hits.ok());
  CHECK(hits->size() == 1);

  // A broken pack is refused with where and why; the caller keeps the pack in use.
  vigil::test::write_file(category_file, body + "\n[[rule]]\nid = \"" + stem + ".broken\"\nseverity = 9\npattern = \"x\"\n");
  auto broken = watcher.check();
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().message.find("severity") != std::string::npos);
  CHECK(broken.error().message.find(category_file.filename().string()) != std::string::npos);
}
