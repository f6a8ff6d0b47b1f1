#include "ingest/ingest_handler.h"

#include <doctest/doctest.h>

#include "capture_fixture.h"
#include "ingest/capture_validation.h"
#include "store/sqlite_store.h"
#include "support/process.h"

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
