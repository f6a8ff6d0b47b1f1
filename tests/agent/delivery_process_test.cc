#include "forward/delivery_process.h"

#include <doctest/doctest.h>

#include <sstream>

#include "forward/delivery_frames.h"
#include "vigil/v1/delivery.pb.h"

using namespace vigil::agent;

namespace {

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// A stand-in delivery process (python3, a real child process): reads each request frame and
// answers with `reply` framed, until its input ends. What vigil-delivery itself does with a real
// collector is covered by the integration tests; these are the faults of the process boundary.
DeliveryProcessConfig answering(const vigil::v1::DeliveryReply& reply) {
  const std::string script =
      "import sys\n"
      "reply = bytes.fromhex(sys.argv[1])\n"
      "while True:\n"
      "    header = sys.stdin.buffer.read(4)\n"
      "    if len(header) < 4: break\n"
      "    sys.stdin.buffer.read(int.from_bytes(header, 'little'))\n"
      "    sys.stdout.buffer.write(len(reply).to_bytes(4, 'little') + reply)\n"
      "    sys.stdout.buffer.flush()\n";
  return {{"/usr/bin/python3", "-c", script, hex(reply.SerializeAsString())}};
}

DeliveryProcessConfig shell(const std::string& script) { return {{"/bin/sh", "-c", script}}; }

vigil::v1::Heartbeat heartbeat() {
  vigil::v1::Heartbeat hb;
  hb.set_device_id("device");
  return hb;
}

}  // namespace

TEST_CASE("the delivery process's answers become send results; one process serves every exchange until released") {
  vigil::v1::DeliveryReply ack;
  ack.set_outcome(vigil::v1::DeliveryReply::ACK);
  ack.mutable_reply()->mutable_heartbeat_ack()->set_seal_public_key("key");
  DeliveryProcess transport(answering(ack));
  const SendResult first = transport.send_heartbeat(heartbeat());
  CHECK(first.status == SendStatus::kAck);
  CHECK(first.seal_public_key == "key");
  const int64_t process = transport.process_id();
  CHECK(process > 0);
  CHECK(transport.send_heartbeat(heartbeat()).status == SendStatus::kAck);
  CHECK(transport.process_id() == process);  // the same process, not one per exchange
  // A heartbeat acknowledgement is not a batch's: the captures stay to be sent again.
  const SendResult batch = transport.send(7, {});
  CHECK(batch.status == SendStatus::kRetry);
  CHECK(batch.error.find("other than this batch") != std::string::npos);
  transport.release_connection();
  CHECK(transport.process_id() == 0);
  CHECK(transport.send_heartbeat(heartbeat()).status == SendStatus::kAck);  // a new one starts
  CHECK(transport.process_id() != process);
}

TEST_CASE("a refusal and a retry from the delivery process keep their reasons") {
  vigil::v1::DeliveryReply reject;
  reject.set_outcome(vigil::v1::DeliveryReply::REJECT);
  reject.set_error("grpc 3: malformed batch");
  DeliveryProcess refusing(answering(reject));
  const SendResult refused = refusing.send(1, {});
  CHECK(refused.status == SendStatus::kReject);
  CHECK(refused.error == "grpc 3: malformed batch");

  vigil::v1::DeliveryReply retry;
  retry.set_error("grpc 14: connection refused");
  DeliveryProcess down(answering(retry));
  const SendResult later = down.send_heartbeat(heartbeat());
  CHECK(later.status == SendStatus::kRetry);
  CHECK(later.error == "grpc 14: connection refused");
}

TEST_CASE("a delivery process that cannot start, dies, talks nonsense or hangs is a retry that says why, never a hang") {
  SUBCASE("missing program") {
    DeliveryProcess transport({{"/nonexistent/vigil-delivery"}});
    const SendResult r = transport.send_heartbeat(heartbeat());
    CHECK(r.status == SendStatus::kRetry);
    CHECK(r.error.find("cannot start the delivery process") != std::string::npos);
    CHECK(transport.process_id() == 0);
  }
  SUBCASE("exits at once") {
    DeliveryProcess transport(shell("exit 3"));
    const SendResult r = transport.send_heartbeat(heartbeat());
    CHECK(r.status == SendStatus::kRetry);
    CHECK(r.error.find("exit status 3") != std::string::npos);
    CHECK(transport.process_id() == 0);
  }
  SUBCASE("an oversized frame") {
    DeliveryProcess transport(shell("head -c 4 >/dev/null; printf '\\377\\377\\377\\177'; sleep 30"));
    const SendResult r = transport.send_heartbeat(heartbeat());
    CHECK(r.status == SendStatus::kRetry);
    CHECK(r.error.find("-byte frame") != std::string::npos);
    CHECK(r.error.find("killed by signal 9") != std::string::npos);
    CHECK(transport.process_id() == 0);
  }
  SUBCASE("no answer before the deadline") {
    auto config = shell("sleep 30");
    config.answer_timeout = std::chrono::milliseconds(200);
    DeliveryProcess transport(config);
    const auto started = std::chrono::steady_clock::now();
    const SendResult r = transport.send_heartbeat(heartbeat());
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
    CHECK(r.status == SendStatus::kRetry);
    CHECK(r.error.find("did not answer in time") != std::string::npos);
    CHECK(transport.process_id() == 0);
  }
  SUBCASE("released but never exits") {
    vigil::v1::DeliveryReply ack;
    ack.set_outcome(vigil::v1::DeliveryReply::ACK);
    ack.mutable_reply()->mutable_heartbeat_ack();
    auto config = answering(ack);
    config.command[2] += "import time\ntime.sleep(30)\n";  // answers, then stays after its input ends
    config.exit_timeout = std::chrono::milliseconds(200);
    DeliveryProcess transport(config);
    REQUIRE(transport.send_heartbeat(heartbeat()).status == SendStatus::kAck);
    const auto started = std::chrono::steady_clock::now();
    transport.release_connection();
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
    CHECK(transport.process_id() == 0);
  }
}

TEST_CASE("delivery frames: a clean end, a truncated frame and an oversized length are told apart") {
  vigil::v1::DeliveryRequest request;
  request.mutable_message()->mutable_heartbeat()->set_device_id("d");
  const std::string framed = frame_of(request);
  CHECK(frame_length(framed.substr(0, 4)) == framed.size() - 4);

  std::istringstream whole(framed);
  vigil::v1::DeliveryRequest read;
  auto first = read_frame(whole, read);
  REQUIRE(first);
  CHECK(*first);
  CHECK(read.message().heartbeat().device_id() == "d");
  auto end = read_frame(whole, read);
  REQUIRE(end);
  CHECK_FALSE(*end);

  std::istringstream cut(framed.substr(0, framed.size() - 1));
  auto truncated = read_frame(cut, read);
  REQUIRE_FALSE(truncated);
  CHECK(truncated.error().message.find("ended inside a frame") != std::string::npos);

  std::istringstream huge(std::string("\xff\xff\xff\x7f", 4));
  auto oversized = read_frame(huge, read);
  REQUIRE_FALSE(oversized);
  CHECK(oversized.error().message.find("limit") != std::string::npos);

  std::istringstream garbage(std::string("\x03\0\0\0\xff\xff\xff", 7));
  auto unreadable = read_frame(garbage, read);
  REQUIRE_FALSE(unreadable);
  CHECK(unreadable.error().message.find("not a readable") != std::string::npos);
}
