#pragma once
// The neutral event every capture source publishes: sources never expose OS types, and the
// pipeline never knows which OS or file an event came from.

#include <chrono>
#include <optional>
#include <string>
#include <utility>

namespace vigil::agent {

enum class TextSource { kKeyboard, kWindowTitle, kUrl, kClipboard };

struct TextEvent {
  std::chrono::system_clock::time_point observed_at;
  TextSource source = TextSource::kKeyboard;
  std::string user;
  std::string session_id;
  std::string app;        // process name
  std::string app_path;
  std::string title;      // window title
  std::string url;
  std::string text;       // the text unit to scan
  bool deleted = false;      // typed, then deleted
  bool unsubmitted = false;  // never submitted
  // Live typing hands the same line on several times as it grows (see assembly/text_assembler.h).
  // Units sharing a non-empty line_id are one line: the pipeline captures each hit of a line once.
  std::string line_id;
  bool line_final = false;  // the last unit of its line
  // For a unit whose text was partly deleted afterwards: only hits touching this UTF-8 byte range
  // [first, second) are new information.
  std::optional<std::pair<size_t, size_t>> deleted_range;
};

const char* to_string(TextSource source);
std::optional<TextSource> text_source_from_string(const std::string& name);

}  // namespace vigil::agent
