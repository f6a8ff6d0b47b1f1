#include "vigil/signatures/rule_pack.h"

#include <doctest/doctest.h>

#include "support/process.h"
#include "support/vigil_harness.h"

using namespace vigil::signatures;
using vigil::test::TempDir;
using vigil::test::write_file;

namespace {

constexpr const char* kManifest = "format = 1\nname = \"t\"\nversion = \"9.9\"\n";
constexpr const char* kGoodRule = "[[rule]]\nid = \"suicide.a\"\nseverity = 5\npattern = \"kill myself\"\nmatches = [\"kill myself\"]\nnot_matches = [\"kill time\"]\n";

std::string load_error(const std::string& category_file_body, const std::string& file = "suicide.toml") {
  TempDir dir;
  write_file(dir / "manifest.toml", kManifest);
  write_file(dir / file, category_file_body);
  auto r = load_rule_pack(dir.path());
  return r.ok() ? std::string("loaded") : r.error().message;
}

}  // namespace

TEST_CASE("the small test pack loads with its manifest, categories and a stable digest") {
  auto pack = load_rule_pack(vigil::test::small_pack_dir());
  REQUIRE(pack.ok());
  CHECK(pack->name == "vigil-test-small");
  CHECK(pack->version == "test.1");
  CHECK(pack->digest.size() == 64);
  CHECK(pack->rules.size() >= 5);
  auto again = load_rule_pack(vigil::test::small_pack_dir());
  REQUIRE(again.ok());
  CHECK(again->digest == pack->digest);
  const Rule& first = pack->rules.front();
  CHECK(first.line > 0);
  CHECK(!first.matches.empty());
}

TEST_CASE("broken packs are refused with file:line, rule id and reason") {
  CHECK(load_error(std::string("category = \"suicide\"\n") + kGoodRule) == "loaded");
  CHECK(load_error("category = \"suicide\"\n[[rule]]\nid = \"suicide.a\"\nseverity = 0\npattern = \"x\"\nmatches = [\"x\"]\nnot_matches = [\"y\"]\n") ==
        "suicide.toml:4: rule suicide.a: severity must be 1..5");
  CHECK(load_error("category = \"suicide\"\n[[rule]]\nid = \"suicide.a\"\nseverity = 3\npattern = \"(x\"\nmatches = [\"x\"]\nnot_matches = [\"y\"]\n")
            .find("suicide.toml:5: rule suicide.a: pattern \"(x\": '(' without ')'") == 0);
  CHECK(load_error("category = \"suicide\"\n[[rule]]\nid = \"suicide.a\"\nseverity = 3\npattern = \"x\"\nmatches = [\"x\"]\n")
            .find("rule suicide.a: missing 'not_matches'") != std::string::npos);
  CHECK(load_error("category = \"suicide\"\n[[rule]]\nid = \"suicide.a\"\nseverity = 3\npattern = \"x\"\nmatches = [\"x\"]\nnot_matches = [\"y\"]\ncolour = \"red\"\n")
            .find("suicide.toml:8: rule suicide.a: unknown key 'colour'") == 0);
  CHECK(load_error("category = \"suicide\"\n[[rule]]\nid = \"drugs.a\"\nseverity = 3\npattern = \"x\"\nmatches = [\"x\"]\nnot_matches = [\"y\"]\n")
            .find("id must start with 'suicide.'") != std::string::npos);
  CHECK(load_error(std::string("category = \"suicide\"\n") + kGoodRule + kGoodRule).find("duplicate rule id") != std::string::npos);
  CHECK(load_error(std::string("category = \"drugs\"\n") + kGoodRule).find("must equal the file name") != std::string::npos);
  CHECK(load_error("category = \"suicide\"\n[[rule]\n").find("suicide.toml:2:") == 0);
  CHECK(load_error(std::string("category = \"suicide\"\n") + kGoodRule + "phase = \"adult\"\n").find("phase must be") != std::string::npos);
}

TEST_CASE("a directory without a manifest, or without rules, is refused") {
  TempDir dir;
  write_file(dir / "suicide.toml", std::string("category = \"suicide\"\n") + kGoodRule);
  CHECK(load_rule_pack(dir.path()).error().message.find("manifest.toml: missing") != std::string::npos);
  TempDir empty;
  write_file(empty / "manifest.toml", kManifest);
  CHECK(load_rule_pack(empty.path()).error().message.find("no rules") != std::string::npos);
  CHECK(!load_rule_pack(empty / "does-not-exist").ok());
}

TEST_CASE("a school's phase keeps rules for every age and for that phase only") {
  TempDir dir;
  write_file(dir / "manifest.toml", kManifest);
  write_file(dir / "suicide.toml", std::string("category = \"suicide\"\n") + kGoodRule +
                                      "[[rule]]\nid = \"suicide.p\"\nseverity = 3\npattern = \"stranger danger\"\nphase = \"primary\"\n"
                                      "matches = [\"stranger danger\"]\nnot_matches = [\"danger\"]\n"
                                      "[[rule]]\nid = \"suicide.s\"\nseverity = 3\npattern = \"exam stress\"\nphase = \"secondary\"\n"
                                      "matches = [\"exam stress\"]\nnot_matches = [\"stress\"]\n");
  auto ids = [&](AgePhase phase) {
    auto pack = load_rule_pack(dir.path());
    REQUIRE(pack.ok());
    select_phase(*pack, phase);
    std::vector<std::string> out;
    for (const auto& r : pack->rules) out.push_back(r.id);
    return out;
  };
  CHECK(ids(AgePhase::kPrimary) == std::vector<std::string>{"suicide.a", "suicide.p"});
  CHECK(ids(AgePhase::kSecondary) == std::vector<std::string>{"suicide.a", "suicide.s"});
  CHECK(ids(AgePhase::kAll).size() == 3);
  CHECK(parse_phase("primary") == AgePhase::kPrimary);
  CHECK_FALSE(parse_phase("nursery").has_value());
}
