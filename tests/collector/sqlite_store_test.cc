#include "store/sqlite_store.h"

#include <doctest/doctest.h>

#include "capture_fixture.h"
#include "support/process.h"

using namespace vigil::collector;
using vigil::test::TempDir;
using vigil::test::valid_capture;

TEST_CASE("captures are stored once, however often they are sent") {
  TempDir dir;
  auto store = open_sqlite_store(dir.path(), OpenMode::kReadWrite);
  REQUIRE(store.ok());
  const auto a = valid_capture('a');
  const auto b = valid_capture('b');
  auto first = (*store)->put_captures({&a, &b});
  REQUIRE(first.ok());
  CHECK(first->inserted == 2);
  CHECK(first->stored_ids.size() == 2);
  auto again = (*store)->put_captures({&b, &a});
  REQUIRE(again.ok());
  CHECK(again->inserted == 0);
  CHECK(again->stored_ids.size() == 2);  // still acknowledged, so the agent can delete them

  std::vector<std::string> ids;
  REQUIRE((*store)->for_each_capture([&](const StoredCapture& c) { ids.push_back(c.capture.id()); }).ok());
  CHECK(ids == std::vector<std::string>{a.id(), b.id()});
}

TEST_CASE("a read-only view sees what the server committed") {
  TempDir dir;
  auto writer = open_sqlite_store(dir.path(), OpenMode::kReadWrite);
  REQUIRE(writer.ok());
  const auto a = valid_capture('a');
  REQUIRE((*writer)->put_captures({&a}).ok());
  auto reader = open_sqlite_store(dir.path(), OpenMode::kReadOnly);
  REQUIRE(reader.ok());
  int n = 0;
  REQUIRE((*reader)->for_each_capture([&](const StoredCapture& c) {
    ++n;
    CHECK(c.capture.text() == "i want to kill myself");
  }).ok());
  CHECK(n == 1);
}

TEST_CASE("reading a directory with no collector database says so") {
  TempDir dir;
  auto reader = open_sqlite_store(dir.path(), OpenMode::kReadOnly);
  REQUIRE(!reader.ok());
  CHECK(reader.error().message.find("no collector database") != std::string::npos);
}

TEST_CASE("heartbeats keep one row per device, updated") {
  TempDir dir;
  auto store = open_sqlite_store(dir.path(), OpenMode::kReadWrite);
  REQUIRE(store.ok());
  vigil::v1::Heartbeat hb;
  hb.set_device_id("d1");
  hb.set_hostname("ict-suite-07");
  hb.set_agent_version("0.1.0");
  hb.set_outbox_depth(3);
  REQUIRE((*store)->record_heartbeat(hb, "ipv4:127.0.0.1:5000").ok());
  hb.set_outbox_depth(0);
  REQUIRE((*store)->record_heartbeat(hb, "ipv4:127.0.0.1:5001").ok());
  auto devices = (*store)->devices();
  REQUIRE(devices.ok());
  REQUIRE(devices->size() == 1);
  CHECK((*devices)[0].hostname == "ict-suite-07");
  CHECK((*devices)[0].outbox_depth == 0);
}
