#include "events/text_event.h"

namespace vigil::agent {

const char* to_string(TextSource source) {
  switch (source) {
    case TextSource::kKeyboard: return "keyboard";
    case TextSource::kWindowTitle: return "window_title";
    case TextSource::kUrl: return "url";
    case TextSource::kClipboard: return "clipboard";
  }
  return "keyboard";
}

std::optional<TextSource> text_source_from_string(const std::string& name) {
  if (name == "keyboard") return TextSource::kKeyboard;
  if (name == "window_title") return TextSource::kWindowTitle;
  if (name == "url") return TextSource::kUrl;
  if (name == "clipboard") return TextSource::kClipboard;
  return std::nullopt;
}

}  // namespace vigil::agent
