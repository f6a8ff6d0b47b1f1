#pragma once
// Turns a stream of key presses and focus changes into text units: the words, lines and fields a
// pupil typed, as the application would have seen them (backspace, delete and cursor keys applied).
// Platform-free: the session helper maps its OS key events onto `Key` and feeds them in order.
//
// Hand-on rules (DESIGN: "the open line is handed on at each word boundary"):
//  - kOpen: the line so far, each time a word ends (space or punctuation) and the text changed,
//    so an urgent disclosure is scanned before Enter. The same line is handed on again as it grows;
//    the scan pipeline emits a capture only for hits it has not already captured for that line.
//  - kDeleted: at the end of a run of deletions, the line as it was before the run, with the byte
//    range that was deleted, so text typed and then deleted still counts.
//  - kClosed: the final line on Enter (submitted), Tab, focus change, idle or cursor loss (all
//    unsubmitted). A closed unit is the last one for its line id.
// Nothing here keeps text after its line closes: no keystroke log exists.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace vigil::agent {

using AssemblyClock = std::chrono::steady_clock;

// A line closes once the pupil stops typing this long (the "idle (e.g. 3 s)").
inline constexpr std::chrono::milliseconds kIdleClose{3000};
// A line longer than this (a pasted essay typed by a tool) is closed and a new one started, which
// bounds the helper's memory per window.
inline constexpr size_t kMaxLineChars = 4096;

enum class KeyKind { kText, kBackspace, kDelete, kLeft, kRight, kHome, kEnd, kEnter, kTab, kCursorLost, kIgnored };

struct Key {
  KeyKind kind = KeyKind::kIgnored;
  std::string text;   // UTF-8, for kText: what the keymap produced (may be several characters)
  bool ctrl = false;  // ctrl+backspace deletes a word; ctrl+letter shortcuts insert nothing
};

struct WindowContext {
  std::string id;  // stable while the window exists
  std::string app;
  std::string app_path;
  std::string title;
};

enum class UnitStage { kOpen, kDeleted, kClosed };

struct TextUnit {
  uint64_t line_id = 0;  // every unit of one line shares it; unique for this assembler
  UnitStage stage = UnitStage::kOpen;
  std::string text;
  bool unsubmitted = false;  // kOpen, and kClosed by anything but Enter
  size_t deleted_begin = 0;  // kDeleted only: UTF-8 byte range of `text` that was then deleted
  size_t deleted_end = 0;
  WindowContext window;
  AssemblyClock::time_point observed_at;  // the last key that changed the line
};

class TextAssembler {
 public:
  using Sink = std::function<void(TextUnit)>;
  explicit TextAssembler(Sink sink, std::chrono::milliseconds idle_close = kIdleClose);

  // Focus moved to `window`: the open line closes, unsubmitted.
  void focus(const WindowContext& window, AssemblyClock::time_point now);
  // The title of the focused window changed; later units carry the new title.
  void retitle(const std::string& title);
  void key(const Key& key, AssemblyClock::time_point now);
  // Closes the open line if it has been idle for `idle_close`; call it periodically.
  void tick(AssemblyClock::time_point now);
  // Closes the open line now (helper shutting down).
  void flush(AssemblyClock::time_point now);
  // Forgets the open line without handing anything on (privacy: the focus is in a password
  // field, or another client grabbed the keyboard).
  void discard();

  bool has_open_line() const { return !line_.empty() || deleting_ != DeleteRun::kNone; }
  // When tick() will close the open line, so a caller can sleep until then instead of ticking on
  // a timer; nullopt while no line is open.
  std::optional<AssemblyClock::time_point> idle_deadline() const {
    if (!has_open_line()) return std::nullopt;
    return last_change_ + idle_close_;
  }

 private:
  enum class DeleteRun { kNone, kBackward, kForward };
  enum class Close { kSubmitted, kUnsubmitted };

  void insert(const std::u32string& chars, AssemblyClock::time_point now);
  void erase(size_t begin, size_t end, DeleteRun direction, AssemblyClock::time_point now);
  void end_delete_run();
  void hand_on_open();
  void close(Close how);
  void emit(UnitStage stage, std::string text, bool unsubmitted, size_t del_begin = 0, size_t del_end = 0);

  Sink sink_;
  std::chrono::milliseconds idle_close_;
  WindowContext window_;
  std::u32string line_;
  size_t cursor_ = 0;
  uint64_t line_id_ = 1;
  std::string last_handed_on_;
  AssemblyClock::time_point last_change_{};
  // The deletion run in progress: the line before it started and the deleted range in it.
  DeleteRun deleting_ = DeleteRun::kNone;
  std::u32string before_delete_;
  size_t delete_begin_ = 0;
  size_t delete_end_ = 0;
};

// UTF-8 <-> UTF-32; invalid bytes become U+FFFD. Exposed for tests.
std::u32string utf8_to_u32(const std::string& text);
std::string u32_to_utf8(const std::u32string& text);

}  // namespace vigil::agent
