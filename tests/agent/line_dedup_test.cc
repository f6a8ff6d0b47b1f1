// Live typing: the assembler's units go through the wire format and the pipeline's per-line
// bookkeeping, against the fixed test pack. A growing line is captured once per hit; deleted
// words are captured again, flagged deleted.
#include <doctest/doctest.h>

#include "assembly/text_assembler.h"
#include "pipeline/scan_pipeline.h"
#include "session/session_protocol.h"
#include "support/process.h"
#include "support/vigil_harness.h"
#include "vigil/signatures/rule_pack.h"

using namespace vigil::agent;

namespace {

// What SessionSource does with a decoded unit, minus the socket.
TextEvent to_event(const UnitMessage& u) {
  TextEvent ev;
  ev.text = u.text;
  ev.unsubmitted = u.unsubmitted;
  ev.line_id = "1:" + std::to_string(u.line);
  ev.line_final = u.stage == "closed";
  if (u.stage == "deleted") ev.deleted_range = std::pair{u.deleted_begin, u.deleted_end};
  return ev;
}

struct Rig {
  vigil::test::TempDir dir;
  std::shared_ptr<const vigil::signatures::Matcher> matcher;
  std::unique_ptr<vigil::signatures::LiveMatcher> rules;
  std::unique_ptr<Outbox> outbox;
  std::unique_ptr<ScanPipeline> pipeline;
  std::optional<vigil::signatures::Scratch> scratch;
  std::vector<std::pair<TextEvent, std::vector<vigil::signatures::Hit>>> captured;
  FrameDecoder decoder;

  Rig() {
    auto pack = vigil::signatures::load_rule_pack(vigil::test::small_pack_dir());
    REQUIRE(pack.ok());
    auto m = vigil::signatures::Matcher::compile(std::move(*pack));
    REQUIRE(m.ok());
    matcher = *m;
    auto o = Outbox::open(dir / "outbox.db");
    REQUIRE(o.ok());
    outbox = std::move(*o);
    rules = std::make_unique<vigil::signatures::LiveMatcher>(matcher);
    pipeline = std::make_unique<ScanPipeline>(*rules, *outbox, CaptureIdentity{"dev", "0", "p", 200}, nullptr);
    auto s = matcher->make_scratch();
    REQUIRE(s.ok());
    scratch.emplace(std::move(*s));
  }

  void on_unit(const TextUnit& unit) {
    decoder.feed(encode_frame(unit_message(unit, std::chrono::system_clock::now())));
    auto message = decoder.next();
    REQUIRE(message.ok());
    REQUIRE(message->has_value());
    TextEvent ev = to_event(std::get<UnitMessage>(**message));
    auto hits = matcher->scan(ev.text, *scratch);
    REQUIRE(hits.ok());
    auto fresh = pipeline->new_hits(ev, *hits);
    if (!fresh.empty()) captured.emplace_back(ev, fresh);
  }
};

void type(TextAssembler& a, const std::string& text, AssemblyClock::time_point& now) {
  for (char32_t c : utf8_to_u32(text)) a.key({KeyKind::kText, u32_to_utf8(std::u32string(1, c))}, now += std::chrono::milliseconds(100));
}

}  // namespace

TEST_CASE("a growing line is captured once, before Enter") {
  Rig rig;
  TextAssembler a([&](TextUnit u) { rig.on_unit(u); });
  AssemblyClock::time_point now{};
  a.focus({"w", "xterm", "", "t"}, now);
  type(a, "honestly i want to kill myself and ", now);
  REQUIRE(rig.captured.size() == 1);  // caught at the word boundary after "myself", before Enter
  CHECK(rig.captured[0].first.unsubmitted);
  type(a, "no one would care", now);
  a.key({KeyKind::kEnter}, now);
  REQUIRE(rig.captured.size() == 2);  // only the new hit; "kill myself" is not captured again
  CHECK(rig.captured[1].second.size() == 1);
  CHECK(rig.captured[1].second[0].rule->id == "suicide.no-one-would-miss-me");
  CHECK_FALSE(rig.captured[1].first.unsubmitted);
}

TEST_CASE("words typed and deleted are captured as deleted; surviving words are not re-captured") {
  Rig rig;
  TextAssembler a([&](TextUnit u) { rig.on_unit(u); });
  AssemblyClock::time_point now{};
  a.focus({"w", "xterm", "", "t"}, now);
  type(a, "i want to kill myself", now);  // no word boundary after the last word: nothing yet
  CHECK(rig.captured.empty());
  for (int i = 0; i < 21; ++i) a.key({KeyKind::kBackspace}, now += std::chrono::milliseconds(100));
  type(a, "im fine", now);
  a.key({KeyKind::kEnter}, now);
  REQUIRE(rig.captured.size() == 1);
  CHECK(rig.captured[0].first.deleted_range.has_value());
  CHECK(rig.captured[0].second[0].rule->id == "suicide.kill-myself");

  // A typo fixed after the hit: the deleted range does not touch the hit, so no second capture.
  type(a, "kill myself lol", now);
  a.key({KeyKind::kBackspace}, now += std::chrono::milliseconds(100));
  type(a, "l", now);
  a.key({KeyKind::kEnter}, now);
  CHECK(rig.captured.size() == 2);
}

TEST_CASE("the decoder rejects broken frames with a reason") {
  FrameDecoder d;
  d.feed(std::string("\x00\x00\x00\x05{\"a\":", 9));
  auto bad = d.next();
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("JSON") != std::string::npos);

  FrameDecoder big;
  big.feed(std::string("\x7f\x00\x00\x00", 4));
  auto too_big = big.next();
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.error().message.find("frame length") != std::string::npos);

  FrameDecoder missing;
  missing.feed(encode_frame(CoverageMessage{"active"}).substr(0, 6));
  auto partial = missing.next();
  REQUIRE(partial.ok());
  CHECK_FALSE(partial->has_value());

  FrameDecoder field;
  const std::string payload = R"({"type":"unit","line":1,"stage":"open","text":"x","unsubmitted":"yes","app":"","app_path":"","title":"","observed_ms":1})";
  const auto n = static_cast<char>(payload.size());
  field.feed(std::string{0, 0, 0, n} + payload);
  auto wrong = field.next();
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().message.find("unsubmitted") != std::string::npos);
}
