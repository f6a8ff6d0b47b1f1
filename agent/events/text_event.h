#pragma once
// The neutral event every capture source publishes: sources never expose OS types, and the
// pipeline never knows which OS or file an event came from.

#include <chrono>
#include <optional>
#include <string>

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
};

const char* to_string(TextSource source);
std::optional<TextSource> text_source_from_string(const std::string& name);

}  // namespace vigil::agent
