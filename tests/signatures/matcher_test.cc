#include "vigil/signatures/live_matcher.h"
#include "vigil/signatures/matcher.h"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "support/vigil_harness.h"

using namespace vigil::signatures;

namespace {

std::shared_ptr<const Matcher> small_matcher() {
  auto pack = load_rule_pack(vigil::test::small_pack_dir());
  REQUIRE(pack.ok());
  auto m = Matcher::compile(std::move(*pack));
  REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().message));
  return *m;
}

std::vector<std::string> rules_hit(const Matcher& m, Scratch& s, const std::string& text) {
  auto hits = m.scan(text, s);
  REQUIRE(hits.ok());
  std::vector<std::string> out;
  for (const auto& h : *hits) out.push_back(h.rule->id);
  return out;
}

}  // namespace

TEST_CASE("every rule's own examples: matches fire that rule, not_matches do not") {
  const auto m = small_matcher();
  auto scratch = m->make_scratch();
  REQUIRE(scratch.ok());
  for (const Rule& rule : m->pack().rules) {
    for (const auto& example : rule.matches) {
      INFO(rule.file << ":" << rule.line << " " << rule.id << " should match: " << example);
      const auto hit = rules_hit(*m, *scratch, example);
      CHECK(std::find(hit.begin(), hit.end(), rule.id) != hit.end());
    }
    for (const auto& example : rule.not_matches) {
      INFO(rule.file << ":" << rule.line << " " << rule.id << " should not match: " << example);
      const auto hit = rules_hit(*m, *scratch, example);
      CHECK(std::find(hit.begin(), hit.end(), rule.id) == hit.end());
    }
  }
}

TEST_CASE("hits point at the original text, evasions included") {
  const auto m = small_matcher();
  auto scratch = m->make_scratch();
  REQUIRE(scratch.ok());
  const std::string text = "ok so I want to K1LL  MYS3LF!!";
  auto hits = m->scan(text, *scratch);
  REQUIRE(hits.ok());
  REQUIRE(hits->size() == 1);
  CHECK(text.substr((*hits)[0].start, (*hits)[0].end - (*hits)[0].start) == "K1LL  MYS3LF");
  CHECK((*hits)[0].rule->severity == 5);
  CHECK((*hits)[0].rule->category == "suicide");
}

TEST_CASE("1 standing for l is caught as well as 1 standing for i, once") {
  const auto m = small_matcher();
  auto scratch = m->make_scratch();
  REQUIRE(scratch.ok());
  CHECK(rules_hit(*m, *scratch, "ki11 myse1f") == std::vector<std::string>{"suicide.kill-myself"});
  CHECK(rules_hit(*m, *scratch, "k1ll myself") == std::vector<std::string>{"suicide.kill-myself"});
  // The exception is read the same way as the hit. (A unit that mixes both uses of 1, such as
  // "k1ll myself 1aughing", is read one way at a time: a known limit.)
  CHECK(rules_hit(*m, *scratch, "ki11 myse1f 1aughing").empty());
}

TEST_CASE("word boundaries: no hit inside a longer word") {
  const auto m = small_matcher();
  auto scratch = m->make_scratch();
  REQUIRE(scratch.ok());
  CHECK(rules_hit(*m, *scratch, "mykms walk").empty());
  CHECK(rules_hit(*m, *scratch, "skysail").empty());
  CHECK(rules_hit(*m, *scratch, "kys").size() == 1);
}

TEST_CASE("unless cancels only the hit it overlaps") {
  const auto m = small_matcher();
  auto scratch = m->make_scratch();
  REQUIRE(scratch.ok());
  CHECK(rules_hit(*m, *scratch, "i kill myself laughing").empty());
  CHECK(rules_hit(*m, *scratch, "i kill myself laughing but really i want to kill myself").size() == 1);
}

TEST_CASE("several threads share one database, each with its own scratch") {
  const auto m = small_matcher();
  std::vector<std::thread> threads;
  std::atomic<int> total{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto scratch = m->make_scratch();
      if (!scratch.ok()) return;
      for (int i = 0; i < 500; ++i) {
        auto hits = m->scan("everyone hates u so just kys", *scratch);
        if (hits.ok()) total += static_cast<int>(hits->size());
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(total == 4 * 500 * 2);
}

TEST_CASE("hostile input: binary noise and a 1 MB line scan without error") {
  const auto m = small_matcher();
  auto scratch = m->make_scratch();
  REQUIRE(scratch.ok());
  std::string big(1 << 20, 'x');
  big.replace(big.size() / 2, 13, " kill myself ");
  auto hits = m->scan(big, *scratch);
  REQUIRE(hits.ok());
  CHECK(hits->size() == 1);
  std::string noise;
  for (int i = 0; i < 4096; ++i) noise.push_back(static_cast<char>(i * 37));
  CHECK(m->scan(noise, *scratch).ok());
}

TEST_CASE("hot swap: a new matcher replaces the old one while another thread scans") {
  auto first = small_matcher();
  // The second pack is the first minus the bullying rules: "kys" stops matching once swapped.
  auto pack = load_rule_pack(vigil::test::small_pack_dir());
  REQUIRE(pack.ok());
  pack->rules.erase(std::remove_if(pack->rules.begin(), pack->rules.end(), [](const Rule& r) { return r.category == "bullying"; }),
                    pack->rules.end());
  auto second = Matcher::compile(std::move(*pack));
  REQUIRE(second.ok());

  vigil::signatures::LiveMatcher live(first);
  std::atomic<bool> swapped{false};
  std::atomic<int> errors{0};
  std::atomic<int> after_swap_hits{-1};
  std::thread scanner([&] {
    vigil::signatures::LiveMatcher::Session session(live);
    for (int i = 0; i < 200000; ++i) {
      const bool was_swapped = swapped.load();
      auto hits = session.scan("just kys");
      if (!hits.ok()) ++errors;
      if (was_swapped && hits.ok()) {
        after_swap_hits = static_cast<int>(hits->size());
        break;
      }
    }
  });
  live.replace(*second);
  swapped = true;
  scanner.join();
  CHECK(errors == 0);
  CHECK(after_swap_hits == 0);
  CHECK(live.current() == *second);
}

TEST_CASE("compiled databases are cached on disk, reloaded, and rebuilt when unusable") {
  vigil::test::TempDir dir;
  const auto cache = dir.path() / "rule-cache";
  auto compile = [&] {
    auto pack = load_rule_pack(vigil::test::small_pack_dir());
    REQUIRE(pack.ok());
    auto m = Matcher::compile(std::move(*pack), cache);
    REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().message));
    return *m;
  };
  // A database of some pack no longer in use, untouched for months, is pruned.
  std::filesystem::create_directories(cache);
  const auto stale = cache / "0000.rules.literal.hsdb";
  vigil::test::write_file(stale, "old");
  std::filesystem::last_write_time(stale, std::filesystem::file_time_type::clock::now() - std::chrono::hours(24 * 60));

  const auto first = compile();
  CHECK_FALSE(first->stats().from_cache);
  CHECK(first->stats().stored_in_cache);
  CHECK_FALSE(std::filesystem::exists(stale));
  size_t stored = 0;
  for (const auto& entry : std::filesystem::directory_iterator(cache)) stored += entry.path().extension() == ".hsdb";
  CHECK(stored >= 1);

  CHECK_FALSE(first->stats().plan_from_cache);
  const auto second = compile();
  CHECK(second->stats().from_cache);
  CHECK(second->stats().plan_from_cache);  // nothing planned at all
  CHECK_FALSE(second->stats().stored_in_cache);
  CHECK(second->stats().cache_key == first->stats().cache_key);
  CHECK(second->stats().literals == first->stats().literals);
  CHECK(second->stats().database_bytes == first->stats().database_bytes);
  auto s1 = first->make_scratch();
  auto s2 = second->make_scratch();
  REQUIRE(s1.ok());
  REQUIRE(s2.ok());
  for (const Rule& rule : first->pack().rules) {
    for (const auto& example : rule.matches) CHECK(rules_hit(*first, *s1, example) == rules_hit(*second, *s2, example));
  }

  // A damaged cache file is not trusted: the pack compiles again and scans the same.
  for (const auto& entry : std::filesystem::directory_iterator(cache)) vigil::test::write_file(entry.path(), "not a database");
  const auto third = compile();
  CHECK_FALSE(third->stats().from_cache);
  CHECK_FALSE(third->stats().plan_from_cache);
  auto s3 = third->make_scratch();
  REQUIRE(s3.ok());
  const Rule& rule = third->pack().rules.front();
  CHECK_FALSE(rules_hit(*third, *s3, rule.matches.front()).empty());
}

TEST_CASE("a cached plan is used only whole, unchanged and for the same patterns; otherwise the pack is planned again") {
  vigil::test::TempDir dir;
  const auto cache = dir.path() / "rule-cache";
  auto compile = [&](bool drop_last_rule) {
    auto pack = load_rule_pack(vigil::test::shipped_pack_dir());
    REQUIRE(pack.ok());
    if (drop_last_rule) pack->rules.pop_back();
    auto m = Matcher::compile(std::move(*pack), CompileOptions{cache, {}, false});
    REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().message));
    return *m;
  };
  auto plan_file = [&] {
    std::vector<std::filesystem::path> plans;
    for (const auto& entry : std::filesystem::directory_iterator(cache)) {
      if (entry.path().extension() == ".plan") plans.push_back(entry.path());
    }
    REQUIRE(plans.size() == 1);
    return plans.front();
  };
  // Every example of every shipped rule, as one list of hits to compare matchers by.
  auto all_hits = [](const Matcher& m) {
    auto scratch = m.make_scratch();
    REQUIRE(scratch.ok());
    std::vector<std::string> out;
    for (const Rule& rule : m.pack().rules) {
      for (const auto* examples : {&rule.matches, &rule.not_matches}) {
        for (const auto& example : *examples) {
          auto hits = m.scan(example, *scratch);
          REQUIRE(hits.ok());
          for (const auto& h : *hits) out.push_back(h.rule->id + "@" + std::to_string(h.start) + "-" + std::to_string(h.end));
          out.push_back("|");
        }
      }
    }
    return out;
  };
  const auto planned = compile(false);
  REQUIRE_FALSE(planned->stats().plan_from_cache);
  const auto expected = all_hits(*planned);
  CHECK(expected.size() > 5000);

  const auto cached = compile(false);
  CHECK(cached->stats().plan_from_cache);
  CHECK(all_hits(*cached) == expected);

  // One byte changed in the middle: the checksum no longer holds, so the plan is made again
  // (from the cached databases) and the file rewritten.
  {
    std::string bytes = vigil::test::read_file(plan_file());
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x40);
    vigil::test::write_file(plan_file(), bytes);
  }
  const auto after_damage = compile(false);
  CHECK_FALSE(after_damage->stats().plan_from_cache);
  CHECK(after_damage->stats().from_cache);
  CHECK(all_hits(*after_damage) == expected);
  CHECK(compile(false)->stats().plan_from_cache);

  // Cut short: the same.
  {
    const std::string bytes = vigil::test::read_file(plan_file());
    vigil::test::write_file(plan_file(), bytes.substr(0, bytes.size() / 3));
  }
  const auto after_truncation = compile(false);
  CHECK_FALSE(after_truncation->stats().plan_from_cache);
  CHECK(all_hits(*after_truncation) == expected);

  // A pack with a rule fewer is another plan.
  CHECK_FALSE(compile(true)->stats().plan_from_cache);
  CHECK(compile(true)->stats().plan_from_cache);
}

TEST_CASE("compacting the rules after compiling keeps every rule field and every hit the same") {
  auto pack = load_rule_pack(vigil::test::shipped_pack_dir());
  REQUIRE(pack.ok());
  RulePack copy = *pack;
  auto plain = Matcher::compile(std::move(*pack));
  REQUIRE(plain.ok());
  int releases = 0;
  auto compacted = Matcher::compile(std::move(copy), CompileOptions{std::nullopt, [&] { ++releases; }});
  REQUIRE(compacted.ok());
  CHECK(releases == 1);

  const auto& a = (*plain)->pack().rules;
  const auto& b = (*compacted)->pack().rules;
  REQUIRE(a.size() == b.size());
  size_t with_unless = 0, with_note = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].id);
    CHECK(a[i].id == b[i].id);
    CHECK(a[i].category == b[i].category);
    CHECK(a[i].severity == b[i].severity);
    CHECK(a[i].patterns == b[i].patterns);
    CHECK(a[i].unless == b[i].unless);
    CHECK(a[i].phase == b[i].phase);
    CHECK(a[i].matches == b[i].matches);
    CHECK(a[i].not_matches == b[i].not_matches);
    CHECK(a[i].note == b[i].note);
    CHECK(a[i].file == b[i].file);
    CHECK(a[i].line == b[i].line);
    with_unless += !b[i].unless.empty();
    with_note += !b[i].note.empty();
  }
  CHECK(with_unless > 0);  // the comparison covered every kind of field
  CHECK(with_note > 0);

  auto sa = (*plain)->make_scratch();
  auto sb = (*compacted)->make_scratch();
  REQUIRE(sa.ok());
  REQUIRE(sb.ok());
  size_t hits = 0;
  for (const Rule& rule : a) {
    for (const auto& example : rule.matches) {
      const auto ha = (*plain)->scan(example, *sa);
      const auto hb = (*compacted)->scan(example, *sb);
      REQUIRE(ha.ok());
      REQUIRE(hb.ok());
      REQUIRE(ha->size() == hb->size());
      for (size_t k = 0; k < ha->size(); ++k) {
        CHECK((*ha)[k].rule->id == (*hb)[k].rule->id);
        CHECK((*ha)[k].start == (*hb)[k].start);
        CHECK((*ha)[k].end == (*hb)[k].end);
        CHECK((*hb)[k].rule->severity == (*ha)[k].rule->severity);
      }
      hits += hb->size();
    }
  }
  CHECK(hits >= a.size());
}
