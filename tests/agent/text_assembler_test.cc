#include "assembly/text_assembler.h"

#include <doctest/doctest.h>

#include <vector>

using namespace vigil::agent;

namespace {

// Scripted typing with an injected clock: every key advances time by kStep.
constexpr std::chrono::milliseconds kStep{100};

struct Script {
  std::vector<TextUnit> units;
  TextAssembler assembler{[this](TextUnit u) { units.push_back(std::move(u)); }};
  AssemblyClock::time_point now{};

  Script() { assembler.focus({"w1", "xterm", "/usr/bin/xterm", "Terminal"}, now); }
  void type(const std::string& text) {
    for (char32_t c : utf8_to_u32(text)) press({KeyKind::kText, u32_to_utf8(std::u32string(1, c))});
  }
  void press(Key k, int times = 1) {
    for (int i = 0; i < times; ++i) {
      now += kStep;
      assembler.key(k, now);
    }
  }
  void press(KeyKind kind, int times = 1) { press(Key{kind, "", false}, times); }
  std::vector<TextUnit> of(UnitStage stage) const {
    std::vector<TextUnit> out;
    for (const auto& u : units)
      if (u.stage == stage) out.push_back(u);
    return out;
  }
};

}  // namespace

TEST_CASE("Enter closes a submitted line with backspace applied") {
  Script s;
  s.type("helo");
  s.press(KeyKind::kBackspace);
  s.type("lo wrld");
  s.press(KeyKind::kLeft, 3);
  s.type("o");
  s.press(KeyKind::kEnd);
  s.type("!");
  s.press(KeyKind::kEnter);
  const auto closed = s.of(UnitStage::kClosed);
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].text == "hello world!");
  CHECK_FALSE(closed[0].unsubmitted);
  CHECK(closed[0].window.app == "xterm");
  CHECK(closed[0].window.title == "Terminal");
}

TEST_CASE("the open line is handed on at each word boundary, once per change") {
  Script s;
  s.type("i want to ");
  const auto open = s.of(UnitStage::kOpen);
  REQUIRE(open.size() == 3);
  CHECK(open[0].text == "i ");
  CHECK(open[2].text == "i want to ");
  CHECK(open[2].unsubmitted);
  s.type(" ");  // a second space changes the text but adds no word: still handed on only if changed
  CHECK(s.of(UnitStage::kOpen).size() == 4);
  for (const auto& u : s.units) CHECK(u.line_id == open[0].line_id);
  s.press(KeyKind::kEnter);
  s.type("next");
  s.press(KeyKind::kTab);
  const auto closed = s.of(UnitStage::kClosed);
  REQUIRE(closed.size() == 2);
  CHECK(closed[1].line_id != closed[0].line_id);
  CHECK(closed[1].unsubmitted);  // Tab leaves the field without submitting it
}

TEST_CASE("text typed and then deleted is handed on with the deleted range") {
  Script s;
  s.type("i want to kill myself");
  s.press(KeyKind::kBackspace, 21);
  s.type("fine");
  s.press(KeyKind::kEnter);
  const auto deleted = s.of(UnitStage::kDeleted);
  REQUIRE(deleted.size() == 1);
  CHECK(deleted[0].text == "i want to kill myself");
  CHECK(deleted[0].deleted_begin == 0);
  CHECK(deleted[0].deleted_end == 21);
  const auto closed = s.of(UnitStage::kClosed);
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].text == "fine");
}

TEST_CASE("ctrl+backspace deletes the previous word; delete removes forward") {
  Script s;
  s.type("abc def ");
  s.press(Key{KeyKind::kBackspace, "", true});
  s.type("xyz");
  s.press(KeyKind::kHome);
  s.press(KeyKind::kDelete, 2);
  s.press(KeyKind::kEnter);
  const auto deleted = s.of(UnitStage::kDeleted);
  REQUIRE(deleted.size() == 2);
  CHECK(deleted[0].text == "abc def ");
  CHECK(deleted[0].text.substr(deleted[0].deleted_begin, deleted[0].deleted_end - deleted[0].deleted_begin) == "def ");
  CHECK(deleted[1].text == "abc xyz");
  CHECK(deleted[1].text.substr(deleted[1].deleted_begin, deleted[1].deleted_end - deleted[1].deleted_begin) == "ab");
  REQUIRE(s.of(UnitStage::kClosed).size() == 1);
  CHECK(s.of(UnitStage::kClosed)[0].text == "c xyz");
}

TEST_CASE("idle_deadline says when tick() will close the line, so the helper needs no ticking timer") {
  Script s;
  CHECK_FALSE(s.assembler.idle_deadline().has_value());
  s.type("still typ");
  REQUIRE(s.assembler.idle_deadline().has_value());
  CHECK(*s.assembler.idle_deadline() == s.now + kIdleClose);
  s.type("ing");  // each key moves it on
  CHECK(*s.assembler.idle_deadline() == s.now + kIdleClose);
  s.assembler.tick(*s.assembler.idle_deadline() - std::chrono::milliseconds(1));
  CHECK(s.of(UnitStage::kClosed).empty());
  s.assembler.tick(*s.assembler.idle_deadline());
  REQUIRE(s.of(UnitStage::kClosed).size() == 1);
  CHECK(s.of(UnitStage::kClosed)[0].text == "still typing");
  CHECK_FALSE(s.assembler.idle_deadline().has_value());
}

TEST_CASE("a focus change or 3 s of idleness closes the line, unsubmitted") {
  Script s;
  s.type("half a thought");
  s.assembler.tick(s.now + kIdleClose - std::chrono::milliseconds(1));
  CHECK(s.of(UnitStage::kClosed).empty());
  s.assembler.tick(s.now + kIdleClose);
  REQUIRE(s.of(UnitStage::kClosed).size() == 1);
  CHECK(s.of(UnitStage::kClosed)[0].unsubmitted);

  s.type("in the first window");
  s.assembler.focus({"w2", "firefox", "", "Search"}, s.now);
  REQUIRE(s.of(UnitStage::kClosed).size() == 2);
  CHECK(s.of(UnitStage::kClosed)[1].text == "in the first window");
  CHECK(s.of(UnitStage::kClosed)[1].window.app == "xterm");
  s.type("second");
  s.press(KeyKind::kEnter);
  CHECK(s.of(UnitStage::kClosed)[2].window.app == "firefox");
}

TEST_CASE("non-ASCII text, ctrl shortcuts and discarded lines") {
  Script s;
  s.type("café €5");
  s.press(Key{KeyKind::kText, "a", true});  // ctrl+a selects, it types nothing
  s.press(KeyKind::kBackspace);
  s.press(KeyKind::kEnter);
  REQUIRE(s.of(UnitStage::kClosed).size() == 1);
  CHECK(s.of(UnitStage::kClosed)[0].text == "café €");
  const auto deleted = s.of(UnitStage::kDeleted);
  REQUIRE(deleted.size() == 1);
  CHECK(deleted[0].text.substr(deleted[0].deleted_begin) == "5");

  const size_t before = s.units.size();
  s.type("secret");
  s.assembler.discard();  // a password field took focus
  s.press(KeyKind::kEnter);
  CHECK(s.units.size() == before);
}

TEST_CASE("a very long line is split rather than buffered without bound") {
  Script s;
  s.type(std::string(kMaxLineChars + 10, 'a'));
  s.press(KeyKind::kEnter);
  const auto closed = s.of(UnitStage::kClosed);
  REQUIRE(closed.size() == 2);
  CHECK(closed[0].text.size() == kMaxLineChars);
  CHECK(closed[1].text.size() == 10);
}
