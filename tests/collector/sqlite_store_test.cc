#include "store/sqlite_store.h"

#include <doctest/doctest.h>

#include "capture_fixture.h"
#include "support/process.h"
#include "vigil/sqlite_db.h"

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

TEST_CASE("a write refused at commit is rolled back whole, and the next write works") {
  TempDir dir;
  auto store = open_sqlite_store(dir.path(), OpenMode::kReadWrite);
  REQUIRE(store.ok());
  // A deferred foreign key is checked only at COMMIT (the store turns foreign keys on), so these
  // triggers make a write fail after every statement succeeded: the failure that used to leave the
  // connection inside an open transaction, refusing every later write.
  auto other = vigil::SqliteDb::open((dir.path() / "collector.db").string());
  REQUIRE(other.ok());
  REQUIRE(other->exec(R"sql(
    CREATE TABLE commit_guard_parent(id INTEGER PRIMARY KEY);
    CREATE TABLE commit_guard(parent INTEGER REFERENCES commit_guard_parent(id) DEFERRABLE INITIALLY DEFERRED);
    CREATE TRIGGER captures_fail_at_commit AFTER INSERT ON captures WHEN NEW.user = 'poison'
      BEGIN INSERT INTO commit_guard VALUES(1); END;
    CREATE TRIGGER evictions_fail_at_commit AFTER INSERT ON evictions WHEN NEW.device_id = 'poison'
      BEGIN INSERT INTO commit_guard VALUES(1); END;
    CREATE TRIGGER tokens_fail_at_commit AFTER UPDATE ON enroll_tokens WHEN NEW.secret_sha256 = 'poison'
      BEGIN INSERT INTO commit_guard VALUES(1); END;)sql")
              .ok());
  const auto count = [&](const char* table) {
    vigil::Statement q(other->handle(), std::string("SELECT count(*) FROM ") + table);
    REQUIRE(q.step() == SQLITE_ROW);
    return q.column_int(0);
  };

  SUBCASE("captures") {
    const auto a = valid_capture('a');
    auto b = valid_capture('b');
    b.set_user("poison");
    auto refused = (*store)->put_captures({&a, &b});
    REQUIRE(!refused.ok());
    CHECK(refused.error().message.find("FOREIGN KEY") != std::string::npos);
    int seen = 0;
    REQUIRE((*store)->for_each_capture([&](const StoredCapture&) { ++seen; }).ok());
    CHECK(seen == 0);  // not even through the store's own connection
    auto again = (*store)->put_captures({&a});
    REQUIRE(again.ok());
    CHECK(again->inserted == 1);
    CHECK(count("captures") == 1);
  }
  SUBCASE("evictions") {
    const auto now = std::chrono::system_clock::now();
    const EvictionRecord good{"d1", std::string(16, 'g'), 2, "bullying", now, now, now};
    const EvictionRecord bad{"poison", std::string(16, 'p'), 2, "bullying", now, now, now};
    auto refused = (*store)->record_evictions({good, bad});
    REQUIRE(!refused.ok());
    CHECK(refused.error().message.find("FOREIGN KEY") != std::string::npos);
    CHECK((*store)->evictions()->empty());
    REQUIRE((*store)->record_evictions({good}).ok());
    CHECK((*store)->evictions()->size() == 1);
    CHECK(count("evictions") == 1);
  }
  SUBCASE("enrollment tokens") {
    const auto now = std::chrono::system_clock::now();
    REQUIRE((*store)->add_enroll_token("poison", 1, now + std::chrono::hours(1)).ok());
    REQUIRE((*store)->add_enroll_token("fine", 1, now + std::chrono::hours(1)).ok());
    auto refused = (*store)->consume_enroll_token("poison", now);
    REQUIRE(!refused.ok());
    CHECK(refused.error().message.find("FOREIGN KEY") != std::string::npos);
    vigil::Statement left(other->handle(), "SELECT uses_left FROM enroll_tokens WHERE secret_sha256 = 'poison'");
    REQUIRE(left.step() == SQLITE_ROW);
    CHECK(left.column_int(0) == 1);  // the use was not spent
    REQUIRE((*store)->consume_enroll_token("fine", now).ok());
    auto tokens = (*store)->enroll_tokens();
    REQUIRE(tokens.ok());
    int64_t uses = 0;
    for (const auto& t : *tokens) uses += t.uses_left;
    CHECK(uses == 1);
  }
}
