#include "outbox/outbox.h"

#include <doctest/doctest.h>

#include "support/process.h"

using namespace vigil::agent;
using vigil::test::TempDir;

namespace {
OutboxEntry entry(char id, int severity, size_t payload_bytes = 10) {
  return OutboxEntry{std::string(16, id), severity, std::string(payload_bytes, 'p')};
}
}  // namespace

TEST_CASE("captures wait until acknowledged, severity 5 first, then oldest first") {
  TempDir dir;
  auto outbox = Outbox::open(dir / "outbox.db");
  REQUIRE(outbox.ok());
  Outbox& o = **outbox;
  REQUIRE(o.append({entry('a', 2), entry('b', 5), entry('c', 3)}, "replay:x", std::string("10:1")).ok());
  REQUIRE(o.append({entry('d', 5)}, "replay:x", std::string("20:2")).ok());
  CHECK(*o.depth() == 4);
  auto batch = o.next_batch(10, 1 << 20);
  REQUIRE(batch.ok());
  REQUIRE(batch->size() == 4);
  CHECK((*batch)[0].id == std::string(16, 'b'));
  CHECK((*batch)[1].id == std::string(16, 'd'));
  CHECK((*batch)[2].id == std::string(16, 'a'));
  CHECK((*batch)[3].id == std::string(16, 'c'));
  REQUIRE(o.remove({std::string(16, 'b'), std::string(16, 'z')}).ok());
  CHECK(*o.depth() == 3);
  CHECK(**o.position("replay:x") == "20:2");
  CHECK(!o.position("replay:y")->has_value());
}

TEST_CASE("batches are bounded by count and bytes but never empty") {
  TempDir dir;
  auto outbox = Outbox::open(dir / "outbox.db");
  REQUIRE(outbox.ok());
  REQUIRE((*outbox)->append({entry('a', 1, 600), entry('b', 1, 600), entry('c', 1, 600)}, "s", std::nullopt).ok());
  CHECK((*outbox)->next_batch(2, 1 << 20)->size() == 2);
  CHECK((*outbox)->next_batch(10, 1000)->size() == 1);
  CHECK((*outbox)->next_batch(10, 10)->size() == 1);  // one oversized capture still goes
}

TEST_CASE("everything survives reopening; re-appending the same id is harmless") {
  TempDir dir;
  {
    auto outbox = Outbox::open(dir / "outbox.db");
    REQUIRE(outbox.ok());
    REQUIRE((*outbox)->append({entry('a', 4)}, "s", std::string("5:1")).ok());
    REQUIRE((*outbox)->set_meta("device_id", "dev-1").ok());
  }
  auto outbox = Outbox::open(dir / "outbox.db");
  REQUIRE(outbox.ok());
  REQUIRE((*outbox)->append({entry('a', 4)}, "s", std::nullopt).ok());
  CHECK(*(*outbox)->depth() == 1);
  CHECK(**(*outbox)->meta("device_id") == "dev-1");
  CHECK(**(*outbox)->position("s") == "5:1");
}

TEST_CASE("quarantine moves a capture out of the queue and keeps it") {
  TempDir dir;
  auto outbox = Outbox::open(dir / "outbox.db");
  REQUIRE(outbox.ok());
  REQUIRE((*outbox)->append({entry('a', 1), entry('b', 1)}, "s", std::nullopt).ok());
  REQUIRE((*outbox)->quarantine(std::string(16, 'a'), "bad hit offsets").ok());
  CHECK(*(*outbox)->depth() == 1);
  CHECK(*(*outbox)->quarantined() == 1);
}

TEST_CASE("a file that is not a database is reported, not trusted") {
  TempDir dir;
  vigil::test::write_file(dir / "outbox.db", std::string(8192, 'x'));
  auto outbox = Outbox::open(dir / "outbox.db");
  REQUIRE(!outbox.ok());
  CHECK(outbox.error().message.find("outbox.db") != std::string::npos);
}
