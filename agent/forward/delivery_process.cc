#include "forward/delivery_process.h"

#include <filesystem>

#include "forward/delivery_frames.h"
#include "vigil/v1/delivery.pb.h"

namespace vigil::agent {

DeliveryProcess::DeliveryProcess(DeliveryProcessConfig config) : config_(std::move(config)) {}

DeliveryProcess::~DeliveryProcess() { release_connection(); }

std::string DeliveryProcess::describe_exit() {
  if (!child_) return "it was not running";
  auto exit = child_->wait();
  child_.reset();
  if (!exit) return exit.error().message;
  if (exit->signalled) return "killed by signal " + std::to_string(exit->code);
  return "exit status " + std::to_string(exit->code);
}

SendResult DeliveryProcess::fail(const std::string& reason) {
  if (child_) child_->kill();
  SendResult result;
  result.status = SendStatus::kRetry;
  result.error = reason + " (delivery process: " + describe_exit() + ")";
  return result;
}

SendResult DeliveryProcess::exchange(const v1::AgentMessage& message, v1::CollectorMessage& reply) {
  if (!child_) {
    auto started = platform::start_child(config_.command, platform::ChildStreams::kConnected);
    if (!started) {
      SendResult result;
      result.error = "cannot start the delivery process: " + started.error().message;
      return result;
    }
    child_ = std::move(*started);
  }
  v1::DeliveryRequest request;
  *request.mutable_message() = message;
  const auto deadline = std::chrono::steady_clock::now() + config_.answer_timeout;
  if (auto sent = child_->write_all(frame_of(request), deadline); !sent) return fail(sent.error().message);
  const auto from_child = [&](std::string& buffer) -> Result<bool> {
    auto got = child_->read_exact(buffer, deadline);
    if (got) return true;
    if (got.error().code == ErrorCode::kNotFound) return false;  // closed before the first byte
    return got.error();
  };
  v1::DeliveryReply answer;
  auto read = read_frame(from_child, answer);
  if (!read) return fail(read.error().message);
  if (!*read) return fail("the delivery process closed its connection");
  SendResult result;
  result.error = answer.error();
  switch (answer.outcome()) {
    case v1::DeliveryReply::ACK:
      result.status = SendStatus::kAck;
      reply = std::move(*answer.mutable_reply());
      break;
    case v1::DeliveryReply::REJECT:
      result.status = SendStatus::kReject;
      break;
    default:
      result.status = SendStatus::kRetry;
      break;
  }
  return result;
}

void DeliveryProcess::release_connection() {
  if (!child_) return;
  child_->close_input();
  // It exits on end of input; its end of the connection closing says it has.
  std::string rest(1, '\0');
  auto ended = child_->read_exact(rest, std::chrono::steady_clock::now() + config_.exit_timeout);
  if (ended || ended.error().code != ErrorCode::kNotFound) child_->kill();
  (void)describe_exit();
}

Result<std::string> delivery_program() {
  auto self = platform::own_executable();
  if (!self) return self.error();
  std::filesystem::path program(*self);
  program.replace_filename("vigil-delivery" + program.extension().string());
  return program.string();
}

Result<int> run_delivery_program(const std::vector<std::string>& arguments) {
  auto program = delivery_program();
  if (!program) return program.error();
  std::vector<std::string> command{*program};
  command.insert(command.end(), arguments.begin(), arguments.end());
  auto child = platform::start_child(command);
  if (!child) return child.error();
  auto exit = (*child)->wait();
  if (!exit) return exit.error();
  return exit->signalled ? 1 : exit->code;
}

}  // namespace vigil::agent
