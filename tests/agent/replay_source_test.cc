#include "events/replay_source.h"

#include <doctest/doctest.h>

#include "support/process.h"

using namespace vigil::agent;
using vigil::test::TempDir;
using vigil::test::write_file;

TEST_CASE("a replay line carries every field of an event") {
  auto ev = ReplaySource::parse_line(
      R"({"ts":"2026-11-26T09:15:02.250Z","source":"url","user":"jo","app":"firefox","title":"T","url":"https://x","text":"hi","session":"2","deleted":true})");
  REQUIRE(ev.ok());
  CHECK(ev->source == TextSource::kUrl);
  CHECK(ev->user == "jo");
  CHECK(ev->app == "firefox");
  CHECK(ev->title == "T");
  CHECK(ev->url == "https://x");
  CHECK(ev->text == "hi");
  CHECK(ev->session_id == "2");
  CHECK(ev->deleted);
  CHECK(!ev->unsubmitted);
  CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(ev->observed_at.time_since_epoch()).count() == 1795684502250);
}

TEST_CASE("malformed lines name the field at fault") {
  CHECK(ReplaySource::parse_line("{").error().message.find("not JSON") == 0);
  CHECK(ReplaySource::parse_line("3").error().message == "not a JSON object");
  CHECK(ReplaySource::parse_line(R"({"text":5})").error().message.find("\"text\"") != std::string::npos);
  CHECK(ReplaySource::parse_line(R"({"text":"a","user":5})").error().message.find("\"user\"") != std::string::npos);
  CHECK(ReplaySource::parse_line(R"({"text":"a","ts":"2026-13-99"})").error().message.find("\"ts\"") != std::string::npos);
  CHECK(ReplaySource::parse_line(R"({"text":"a","ts":"2026-11-26T09:15:02+01:00"})").error().message.find("UTC") != std::string::npos);
  CHECK(ReplaySource::parse_line(R"({"text":"a","deleted":"yes"})").error().message.find("\"deleted\"") != std::string::npos);
}

TEST_CASE("the source skips bad lines and resumes exactly after a saved position") {
  TempDir dir;
  write_file(dir / "e.jsonl", "{\"text\":\"one\"}\nnot json\n\n{\"text\":\"two\"}\r\n{\"text\":\"three\"}\n");
  ReplaySource source((dir / "e.jsonl").string());
  auto first = source.next();
  REQUIRE(first.ok());
  REQUIRE(first->has_value());
  CHECK((*first)->event.text == "one");
  auto second = source.next();
  REQUIRE(second.ok());
  CHECK((*second)->event.text == "two");
  CHECK(source.last_warning().find("e.jsonl:2: not JSON") != std::string::npos);
  const std::string position = *(*second)->position;

  ReplaySource resumed((dir / "e.jsonl").string());
  REQUIRE(resumed.resume(position).ok());
  auto third = resumed.next();
  REQUIRE(third.ok());
  CHECK((*third)->event.text == "three");
  auto end = resumed.next();
  REQUIRE(end.ok());
  CHECK(!end->has_value());
}

TEST_CASE("a missing file is an error, not a crash") {
  ReplaySource source("/nonexistent/replay.jsonl");
  auto r = source.next();
  CHECK(!r.ok());
  CHECK(r.error().message.find("cannot open") != std::string::npos);
}
