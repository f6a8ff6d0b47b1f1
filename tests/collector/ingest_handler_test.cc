#include "ingest/ingest_handler.h"

#include <doctest/doctest.h>
#include <sodium.h>

#include "capture_fixture.h"
#include "ingest/capture_validation.h"
#include "store/sqlite_store.h"
#include "support/process.h"
#include "vigil/pki.h"

using namespace vigil::collector;
using vigil::test::TempDir;
using vigil::test::valid_capture;

TEST_CASE("a batch is acknowledged by id once stored; invalid captures are refused with a reason") {
  TempDir dir;
  auto store = open_sqlite_store(dir.path(), OpenMode::kReadWrite);
  REQUIRE(store.ok());
  IngestHandler handler(**store);
  vigil::v1::AgentMessage message;
  message.mutable_batch()->set_sequence(7);
  *message.mutable_batch()->add_captures() = valid_capture('a');
  auto bad = valid_capture('b');
  bad.mutable_hits(0)->set_end(999);
  *message.mutable_batch()->add_captures() = bad;

  auto reply = handler.handle(message, "test");
  REQUIRE(reply.ok());
  REQUIRE(reply->has_batch_ack());
  CHECK(reply->batch_ack().sequence() == 7);
  REQUIRE(reply->batch_ack().stored_ids_size() == 1);
  CHECK(reply->batch_ack().stored_ids(0) == std::string(16, 'a'));
  REQUIRE(reply->batch_ack().rejected_size() == 1);
  CHECK(reply->batch_ack().rejected(0).reason().find("offsets") != std::string::npos);
}

TEST_CASE("validation names the field at fault") {
  auto c = valid_capture('a');
  CHECK(!invalid_reason(c).has_value());
  auto short_id = c;
  short_id.set_id("abc");
  CHECK(invalid_reason(short_id)->find("id must be 16 bytes") == 0);
  auto no_hits = c;
  no_hits.clear_hits();
  CHECK(invalid_reason(no_hits)->find("at least one hit") != std::string::npos);
  auto severity = c;
  severity.mutable_hits(0)->set_severity(9);
  CHECK(invalid_reason(severity)->find("severity") != std::string::npos);
  auto huge = valid_capture('a', std::string(kMaxContextBytes + 1, 'x'));
  CHECK(invalid_reason(huge)->find("context bound") != std::string::npos);
  auto no_source = c;
  no_source.set_source(vigil::v1::SOURCE_UNSPECIFIED);
  CHECK(invalid_reason(no_source)->find("source") != std::string::npos);
  auto no_device = c;
  no_device.clear_device_id();
  CHECK(invalid_reason(no_device)->find("device_id") != std::string::npos);
}

TEST_CASE("heartbeats are recorded and acknowledged; empty messages are refused") {
  TempDir dir;
  auto store = open_sqlite_store(dir.path(), OpenMode::kReadWrite);
  REQUIRE(store.ok());
  IngestHandler handler(**store);
  vigil::v1::AgentMessage hb;
  hb.mutable_heartbeat()->set_device_id("d1");
  auto reply = handler.handle(hb, "test");
  REQUIRE(reply.ok());
  CHECK(reply->has_heartbeat_ack());
  CHECK((*store)->devices()->size() == 1);
  CHECK(!handler.handle(vigil::v1::AgentMessage(), "test").ok());
  vigil::v1::AgentMessage anonymous;
  anonymous.mutable_heartbeat();
  CHECK(!handler.handle(anonymous, "test").ok());
}

namespace {

struct Keys {
  std::string pk = std::string(crypto_box_PUBLICKEYBYTES, '\0');
  std::string sk = std::string(crypto_box_SECRETKEYBYTES, '\0');
  Keys() { crypto_box_keypair(reinterpret_cast<unsigned char*>(pk.data()), reinterpret_cast<unsigned char*>(sk.data())); }
  std::string seal(const std::string& plain) const {
    std::string out(plain.size() + crypto_box_SEALBYTES, '\0');
    crypto_box_seal(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
                    reinterpret_cast<const unsigned char*>(pk.data()));
    return out;
  }
};

}  // namespace

TEST_CASE("sealed captures are opened on ingest; wrong key, mismatched id and garbage are refused with a reason") {
  REQUIRE(sodium_init() >= 0);
  TempDir dir;
  auto store = open_sqlite_store(dir.path(), OpenMode::kReadWrite);
  REQUIRE(store.ok());
  const Keys mine, other;
  IngestHandler handler(**store, SealKeys{mine.pk, mine.sk});
  vigil::v1::AgentMessage message;
  auto* batch = message.mutable_batch();
  const auto add = [&](const std::string& id, const std::string& sealed) {
    auto* s = batch->add_sealed_captures();
    s->set_id(id);
    s->set_severity(5);
    s->set_sealed(sealed);
  };
  add(std::string(16, 'a'), mine.seal(valid_capture('a').SerializeAsString()));
  add(std::string(16, 'b'), other.seal(valid_capture('b').SerializeAsString()));
  add(std::string(16, 'c'), mine.seal(valid_capture('x').SerializeAsString()));
  add(std::string(16, 'd'), "not sealed at all, just long enough to pass the size check........");
  add(std::string(16, 'e'), mine.seal("not a capture"));

  auto reply = handler.handle(message, "test", "device-from-cert");
  REQUIRE(reply.ok());
  REQUIRE(reply->batch_ack().stored_ids_size() == 1);
  CHECK(reply->batch_ack().stored_ids(0) == std::string(16, 'a'));
  REQUIRE(reply->batch_ack().rejected_size() == 4);
  CHECK(reply->batch_ack().rejected(0).reason().find("does not open") != std::string::npos);
  CHECK(reply->batch_ack().rejected(1).reason().find("id outside") != std::string::npos);
  CHECK(reply->batch_ack().rejected(2).reason().find("does not open") != std::string::npos);
  CHECK(reply->batch_ack().rejected(3).reason().find("not a Capture") != std::string::npos);

  // The certificate's identity, not the payload's device_id, is what is stored.
  int seen = 0;
  REQUIRE((*store)->for_each_capture([&](const StoredCapture& c) {
    ++seen;
    CHECK(c.capture.device_id() == "device-from-cert");
  }).ok());
  CHECK(seen == 1);
}

TEST_CASE("enrollment tokens: spent atomically, refused when used up, expired or unknown") {
  TempDir dir;
  auto store = open_sqlite_store(dir.path(), OpenMode::kReadWrite);
  REQUIRE(store.ok());
  const auto now = std::chrono::system_clock::now();
  REQUIRE((*store)->add_enroll_token("h1", 2, now + std::chrono::hours(1)).ok());
  REQUIRE((*store)->add_enroll_token("h2", 1, now - std::chrono::seconds(1)).ok());
  CHECK((*store)->consume_enroll_token("h1", now).ok());
  CHECK((*store)->consume_enroll_token("h1", now).ok());
  auto used = (*store)->consume_enroll_token("h1", now);
  REQUIRE(!used.ok());
  CHECK(used.error().code == vigil::ErrorCode::kPermissionDenied);
  CHECK(used.error().message.find("already been used") != std::string::npos);
  CHECK((*store)->consume_enroll_token("h2", now).error().message.find("expired") != std::string::npos);
  CHECK((*store)->consume_enroll_token("h3", now).error().message.find("not known") != std::string::npos);

  CHECK((*store)->device_access("d1").value() == DeviceAccess::kUnknown);
  REQUIRE((*store)->add_enrolled_device("d1", "pc-01").ok());
  CHECK((*store)->device_access("d1").value() == DeviceAccess::kEnrolled);
  REQUIRE((*store)->revoke_device("d1").ok());
  CHECK((*store)->device_access("d1").value() == DeviceAccess::kRevoked);
  CHECK((*store)->revoke_device("d2").error().code == vigil::ErrorCode::kNotFound);
}

TEST_CASE("token text: version, CA fingerprint and secret are checked") {
  const vigil::pki::EnrollToken t{std::string(64, 'a'), std::string(32, '0')};
  auto parsed = vigil::pki::parse_token(vigil::pki::format_token(t));
  REQUIRE(parsed.ok());
  CHECK(parsed->ca_sha256 == t.ca_sha256);
  CHECK(parsed->secret == t.secret);
  CHECK(vigil::pki::parse_token("vigil2." + t.ca_sha256 + "." + t.secret).error().message.find("unknown version") != std::string::npos);
  CHECK(vigil::pki::parse_token("vigil1.abc." + t.secret).error().message.find("fingerprint") != std::string::npos);
  CHECK(vigil::pki::parse_token("vigil1." + t.ca_sha256).error().message.find("three") != std::string::npos);
}

TEST_CASE("evictions in a heartbeat are recorded once each, with the category opened; the ack carries the sealing key") {
  REQUIRE(sodium_init() >= 0);
  TempDir dir;
  auto store = open_sqlite_store(dir.path(), OpenMode::kReadWrite);
  REQUIRE(store.ok());
  const Keys keys;
  IngestHandler handler(**store, SealKeys{keys.pk, keys.sk});
  vigil::v1::AgentMessage hb;
  hb.mutable_heartbeat()->set_device_id("d1");
  for (char id : {'a', 'b'}) {
    auto* e = hb.mutable_heartbeat()->add_evictions();
    e->set_id(std::string(16, id));
    e->set_severity(2);
    e->set_sealed_category(id == 'a' ? keys.seal("bullying") : std::string("not sealed"));
  }
  for (int round = 0; round < 2; ++round) {  // a re-sent report (lost ack) is harmless
    auto reply = handler.handle(hb, "test");
    REQUIRE(reply.ok());
    CHECK(reply->heartbeat_ack().seal_public_key() == keys.pk);
  }
  auto evictions = (*store)->evictions();
  REQUIRE(evictions.ok());
  REQUIRE(evictions->size() == 2);
  CHECK((*evictions)[0].device_id == "d1");
  CHECK((*evictions)[0].capture_id == std::string(16, 'a'));
  CHECK((*evictions)[0].category == "bullying");
  CHECK((*evictions)[1].category.empty());  // could not be opened: unknown, still recorded
  CHECK((*store)->devices()->at(0).evictions_recorded == 2);

  auto* bad = hb.mutable_heartbeat()->add_evictions();
  bad->set_id("short");
  auto refused = handler.handle(hb, "test");
  REQUIRE(!refused.ok());
  CHECK(refused.error().message.find("eviction id") != std::string::npos);
}

TEST_CASE("enrollment tokens are listed without secrets and can be revoked by id") {
  TempDir dir;
  auto store = open_sqlite_store(dir.path(), OpenMode::kReadWrite);
  REQUIRE(store.ok());
  const auto now = std::chrono::system_clock::now();
  const std::string h1 = vigil::pki::sha256_hex("secret-1");
  const std::string h2 = vigil::pki::sha256_hex("secret-2");
  REQUIRE((*store)->add_enroll_token(h1, 5, now + std::chrono::hours(1)).ok());
  REQUIRE((*store)->add_enroll_token(h2, 1, now + std::chrono::hours(1)).ok());
  auto tokens = (*store)->enroll_tokens();
  REQUIRE(tokens.ok());
  REQUIRE(tokens->size() == 2);
  CHECK((*tokens)[0].id == h1.substr(0, kTokenIdChars));
  CHECK((*tokens)[0].uses_left == 5);
  CHECK(!(*tokens)[0].revoked_at);
  REQUIRE((*store)->revoke_enroll_token(h1.substr(0, kTokenIdChars)).ok());
  CHECK((*store)->enroll_tokens()->at(0).revoked_at.has_value());
  CHECK((*store)->consume_enroll_token(h1, now).error().message.find("revoked") != std::string::npos);
  CHECK((*store)->consume_enroll_token(h2, now).ok());
  CHECK((*store)->revoke_enroll_token("ffffffffffff").error().code == vigil::ErrorCode::kNotFound);
  CHECK((*store)->revoke_enroll_token("abc").error().code == vigil::ErrorCode::kInvalidArgument);
}
