#include "outbox/outbox.h"

#include <doctest/doctest.h>
#include <sodium.h>

#include <set>

#include "outbox/sealer.h"
#include "vigil/sqlite_db.h"

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

TEST_CASE("the byte bound evicts lowest severity, then oldest, never severity >= 4, and records what it evicted") {
  TempDir dir;
  // Room for four 100-byte captures.
  auto outbox = Outbox::open(dir / "outbox.db", 400);
  REQUIRE(outbox.ok());
  Outbox& o = **outbox;
  REQUIRE(o.append({entry('a', 2, 100), entry('b', 1, 100), entry('c', 4, 100), entry('d', 1, 100)}, "s", std::nullopt).ok());
  CHECK(o.stats()->bytes == 400);
  CHECK(o.stats()->evicted == 0);

  REQUIRE(o.append({entry('e', 3, 100)}, "s", std::nullopt).ok());  // evicts b: lowest severity, oldest
  REQUIRE(o.append({entry('f', 5, 100)}, "s", std::nullopt).ok());  // evicts d
  REQUIRE(o.append({entry('g', 1, 100)}, "s", std::nullopt).ok());  // lower than everything left: g itself goes
  auto evicted = o.evicted_ids();
  REQUIRE(evicted.ok());
  CHECK(*evicted == std::vector<std::string>{std::string(16, 'b'), std::string(16, 'd'), std::string(16, 'g')});
  CHECK(o.stats()->evicted == 3);
  CHECK(o.stats()->bytes == 400);

  // h and i push out a (severity 2) and then e (severity 3).
  REQUIRE(o.append({entry('h', 5, 100), entry('i', 4, 100)}, "s", std::nullopt).ok());
  CHECK(o.stats()->evicted == 5);
  // Only severity >= 4 is left: nothing more is evicted, j is kept over the bound, and room_for
  // tells the pipeline to trim context instead.
  CHECK(*o.room_for(100) == false);
  REQUIRE(o.append({entry('j', 4, 100)}, "s", std::nullopt).ok());
  auto batch = o.next_batch(10, 1 << 20);
  std::set<char> left;
  for (const auto& e : *batch) left.insert(e.id[0]);
  CHECK(left == std::set<char>{'c', 'f', 'h', 'i', 'j'});
  CHECK(o.stats()->evicted == 5);
  CHECK(o.stats()->bytes == 500);

  // The byte count and the counters survive reopening.
  outbox = Outbox::open(dir / "outbox.db", 400);
  REQUIRE(outbox.ok());
  CHECK((*outbox)->stats()->bytes == 500);
  CHECK((*outbox)->stats()->evicted == 5);
  REQUIRE((*outbox)->remove({std::string(16, 'c')}).ok());
  CHECK((*outbox)->stats()->bytes == 400);
}

TEST_CASE("a version 1 outbox is migrated: its captures are kept and marked unsealed") {
  TempDir dir;
  {
    auto db = vigil::SqliteDb::open((dir / "outbox.db").string());
    REQUIRE(db.ok());
    REQUIRE(db->exec(R"sql(
      CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, id BLOB NOT NULL UNIQUE, severity INTEGER NOT NULL,
                          created_at INTEGER NOT NULL, payload BLOB NOT NULL);
      CREATE TABLE source_position(source TEXT PRIMARY KEY, position TEXT NOT NULL);
      CREATE TABLE quarantine(id BLOB PRIMARY KEY, reason TEXT NOT NULL, quarantined_at INTEGER NOT NULL, payload BLOB NOT NULL);
      INSERT INTO outbox(id, severity, created_at, payload) VALUES(x'61616161616161616161616161616161', 3, 1, x'0102');
      PRAGMA user_version = 1;
    )sql").ok());
  }
  auto outbox = Outbox::open(dir / "outbox.db");
  REQUIRE(outbox.ok());
  auto batch = (*outbox)->next_batch(10, 1 << 20);
  REQUIRE(batch->size() == 1);
  CHECK(!(*batch)[0].sealed);
  CHECK((*outbox)->stats()->bytes == 2);
}

TEST_CASE("a newer outbox schema is refused, not migrated backwards or quarantined") {
  TempDir dir;
  {
    auto db = vigil::SqliteDb::open((dir / "outbox.db").string());
    REQUIRE(db->exec("PRAGMA user_version = 99").ok());
  }
  auto outbox = Outbox::open(dir / "outbox.db");
  REQUIRE(!outbox.ok());
  CHECK(outbox.error().code != vigil::ErrorCode::kCorrupt);
  CHECK(outbox.error().message.find("newer") != std::string::npos);
}

TEST_CASE("sealed payloads open only with the collector's secret key") {
  REQUIRE(sodium_init() >= 0);
  std::string pk(crypto_box_PUBLICKEYBYTES, '\0'), sk(crypto_box_SECRETKEYBYTES, '\0');
  crypto_box_keypair(reinterpret_cast<unsigned char*>(pk.data()), reinterpret_cast<unsigned char*>(sk.data()));
  const Sealer sealer(pk);
  const OutboxEntry sealed = sealer.seal(OutboxEntry{std::string(16, 'a'), 5, "i want to kill myself", false, false});
  CHECK(sealed.sealed);
  CHECK(sealed.payload.find("kill") == std::string::npos);
  std::string opened(sealed.payload.size() - crypto_box_SEALBYTES, '\0');
  REQUIRE(crypto_box_seal_open(reinterpret_cast<unsigned char*>(opened.data()), reinterpret_cast<const unsigned char*>(sealed.payload.data()),
                               sealed.payload.size(), reinterpret_cast<const unsigned char*>(pk.data()),
                               reinterpret_cast<const unsigned char*>(sk.data())) == 0);
  CHECK(opened == "i want to kill myself");
  CHECK(!Sealer().seal(OutboxEntry{std::string(16, 'b'), 1, "x", false, false}).sealed);
}

TEST_CASE("with less free disk than the reserve, captures are refused whole (position too) until freed pages can take them") {
  TempDir dir;
  // A reserve larger than any disk: every new capture is refused as if the disk were full.
  auto full = Outbox::open(dir / "outbox.db", kDefaultOutboxMaxBytes, uint64_t{1} << 62);
  REQUIRE(full.ok());
  Outbox& o = **full;
  CHECK(o.storage_problem().empty());
  auto refused = o.append({entry('a', 3, 100)}, "replay:x", std::string("10:1"));
  REQUIRE(!refused.ok());
  CHECK(refused.error().code == vigil::ErrorCode::kNoSpace);
  CHECK(refused.error().message.find("disk full") != std::string::npos);
  CHECK(o.storage_problem().find("disk full") != std::string::npos);
  CHECK(*o.depth() == 0);
  CHECK(!o.position("replay:x")->has_value());  // the event is not skipped: its position was not saved
  CHECK(o.append({}, "replay:x", std::string("5:0")).ok());  // a position alone still goes through

  // Pages freed inside the file by acknowledged captures are used first: forwarding frees space.
  {
    auto roomy = Outbox::open(dir / "outbox.db", kDefaultOutboxMaxBytes, 0);
    REQUIRE(roomy.ok());
    std::vector<OutboxEntry> many;
    std::vector<std::string> ids;
    for (int i = 0; i < 64; ++i) {
      many.push_back(OutboxEntry{std::string(15, 'm') + static_cast<char>(i), 2, std::string(4000, 'p')});
      ids.push_back(many.back().id);
    }
    REQUIRE((*roomy)->append(many, "s", std::nullopt).ok());
    REQUIRE((*roomy)->remove(ids).ok());
  }
  auto reopened = Outbox::open(dir / "outbox.db", kDefaultOutboxMaxBytes, uint64_t{1} << 62);
  REQUIRE(reopened.ok());
  // Reserve still "unmet", but the freed pages hold it.
  CHECK((*reopened)->append({entry('b', 3, 100)}, "replay:x", std::string("20:2")).ok());
  CHECK((*reopened)->storage_problem().empty());
  CHECK(**(*reopened)->position("replay:x") == "20:2");
}

TEST_CASE("evictions wait, with their sealed category, until the collector acknowledges them") {
  REQUIRE(sodium_init() >= 0);
  std::string pk(crypto_box_PUBLICKEYBYTES, '\0'), sk(crypto_box_SECRETKEYBYTES, '\0');
  crypto_box_keypair(reinterpret_cast<unsigned char*>(pk.data()), reinterpret_cast<unsigned char*>(sk.data()));
  const Sealer sealer(pk);
  TempDir dir;
  auto outbox = Outbox::open(dir / "outbox.db", 2000);
  REQUIRE(outbox.ok());
  Outbox& o = **outbox;
  const auto with_category = [&](char id, int severity, const std::string& category) {
    OutboxEntry e = entry(id, severity, 900);
    e.category = category;
    return sealer.seal(e);
  };
  REQUIRE(o.append({with_category('a', 2, "bullying"), with_category('b', 3, "drugs")}, "s", std::nullopt).ok());
  CHECK(!*o.has_unreported_evictions());
  REQUIRE(o.append({with_category('c', 3, "drugs")}, "s", std::nullopt).ok());  // evicts a
  CHECK(*o.has_unreported_evictions());
  auto pending = o.unreported_evictions(10);
  REQUIRE(pending.ok());
  REQUIRE(pending->size() == 1);
  const EvictionRecord& a = pending->front();
  CHECK(a.id == std::string(16, 'a'));
  CHECK(a.severity == 2);
  CHECK(a.created_at_ms > 0);
  CHECK(a.evicted_at_ms >= a.created_at_ms);
  CHECK(a.category.find("bullying") == std::string::npos);  // sealed on disk too
  std::string category(a.category.size() - crypto_box_SEALBYTES, '\0');
  REQUIRE(crypto_box_seal_open(reinterpret_cast<unsigned char*>(category.data()), reinterpret_cast<const unsigned char*>(a.category.data()),
                               a.category.size(), reinterpret_cast<const unsigned char*>(pk.data()),
                               reinterpret_cast<const unsigned char*>(sk.data())) == 0);
  CHECK(category == "bullying");
  REQUIRE(o.mark_evictions_reported({a.id}).ok());
  CHECK(!*o.has_unreported_evictions());
  CHECK(o.unreported_evictions(10)->empty());
  CHECK(o.evicted_ids()->size() == 1);  // still listed locally
}

TEST_CASE("a sealer without a key waits for one; copies share the key") {
  Sealer sealer;
  std::atomic<bool> stop{true};
  CHECK(!sealer.wait_for_key(stop));  // stop wins while no key is known
  const Sealer copy = sealer;
  sealer.set_key(std::string(crypto_box_PUBLICKEYBYTES, 'k'));
  CHECK(copy.seals());
  CHECK(copy.wait_for_key(stop));
}
