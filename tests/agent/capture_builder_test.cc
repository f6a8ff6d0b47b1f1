#include "pipeline/capture_builder.h"

#include <doctest/doctest.h>

#include "vigil/v1/capture.pb.h"

using namespace vigil::agent;
using vigil::signatures::Hit;
using vigil::signatures::Rule;

namespace {

Rule make_rule(const std::string& id, int severity) {
  Rule r;
  r.id = id;
  r.category = id.substr(0, id.find('.'));
  r.severity = severity;
  return r;
}

}  // namespace

TEST_CASE("only a bounded window around the hits leaves the PC") {
  const Rule rule = make_rule("suicide.a", 5);
  TextEvent ev;
  ev.text = std::string(1000, 'a') + " kill myself " + std::string(1000, 'b');
  ev.user = "jo";
  ev.app = "firefox";
  const uint32_t start = 1001;
  const std::vector<Hit> hits{{&rule, start, start + 11}};
  const OutboxEntry e = build_capture(ev, hits, {"dev", "0.1", "p1", 200}, std::chrono::system_clock::now(), {});
  vigil::v1::Capture c;
  REQUIRE(c.ParseFromString(e.payload));
  CHECK(c.text().size() == 200);
  CHECK(c.text().find("kill myself") != std::string::npos);
  CHECK(c.unit_length() == ev.text.size());
  REQUIRE(c.hits_size() == 1);
  CHECK(c.text().substr(c.hits(0).start(), c.hits(0).end() - c.hits(0).start()) == "kill myself");
  CHECK(c.context_offset() + c.hits(0).start() == start);
  CHECK(e.severity == 5);
  CHECK(e.id.size() == 16);
  CHECK((static_cast<uint8_t>(e.id[6]) >> 4) == 7);  // UUIDv7
  CHECK(c.user() == "jo");
  CHECK(c.application().process_name() == "firefox");
  CHECK(c.device_id() == "dev");
  CHECK(c.rule_pack_version() == "p1");
}

TEST_CASE("the window never splits a UTF-8 character and shifts left near the end") {
  const std::string unit = std::string(300, 'x') + "\xC3\xA9\xC3\xA9 kms";
  const ContextWindow w = context_window(unit, {{nullptr, static_cast<uint32_t>(unit.size() - 3), static_cast<uint32_t>(unit.size())}}, 10);
  CHECK(w.end == unit.size());
  const std::string window = unit.substr(w.begin, w.end - w.begin);
  CHECK(window == "xxxx\xC3\xA9\xC3\xA9 kms");  // ten characters: the unused right side moved left
}

TEST_CASE("hits spanning more than the window keep the first hit's side") {
  const Rule a = make_rule("bullying.a", 3);
  const Rule b = make_rule("bullying.b", 4);
  TextEvent ev;
  ev.text = "kys " + std::string(500, '.') + " kys";
  const std::vector<Hit> hits{{&a, 0, 3}, {&b, static_cast<uint32_t>(ev.text.size() - 3), static_cast<uint32_t>(ev.text.size())}};
  const OutboxEntry e = build_capture(ev, hits, {"dev", "0.1", "p1", 200}, std::chrono::system_clock::now(), {});
  vigil::v1::Capture c;
  REQUIRE(c.ParseFromString(e.payload));
  CHECK(c.text().size() == 200);
  REQUIRE(c.hits_size() == 1);
  CHECK(c.hits(0).rule_id() == "bullying.a");
  CHECK(e.severity == 3);
}
