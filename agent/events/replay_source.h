#pragma once
// Replays pupil activity from a JSON Lines file, one event per line:
//   {"ts":"2026-11-26T09:15:02Z","source":"keyboard","user":"jsmith","app":"firefox",
//    "title":"…","url":"…","text":"…"}
// Optional keys: "session", "app_path", "deleted", "unsubmitted". Used by tests and the demo.
// Malformed lines are reported with their line number and skipped, never fatal.

#include <cstdint>
#include <fstream>
#include <string>

#include "events/event_source.h"

namespace vigil::agent {

class ReplaySource final : public EventSource {
 public:
  explicit ReplaySource(std::string path);

  std::string name() const override { return "replay:" + path_; }
  Result<void> resume(const std::string& position) override;
  Result<std::optional<SourcedEvent>> next() override;
  std::string last_warning() const override { return last_warning_; }

  // Parses one line; the error names the field at fault. Exposed for tests.
  static Result<TextEvent> parse_line(const std::string& line);

 private:
  Result<void> ensure_open();

  std::string path_;
  std::ifstream in_;
  uint64_t offset_ = 0;  // byte offset of the next line
  uint64_t line_ = 0;    // number of the last line read
  std::string last_warning_;
};

}  // namespace vigil::agent
