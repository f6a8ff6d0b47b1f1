#include "assembly/text_assembler.h"

#include <algorithm>
#include <cctype>

namespace vigil::agent {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// A word ends at whitespace or punctuation; that is when the open line is worth scanning again.
bool is_word_boundary(char32_t c) {
  if (c < 0x80) return c == ' ' || c == '\t' || (c > 0x20 && c < 0x7F && !(std::isalnum(static_cast<int>(c)) || c == '_'));
  return c == 0xA0 || (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F);
}

bool is_space(char32_t c) { return c == ' ' || c == '\t' || c == 0xA0 || c == 0x3000; }

size_t utf8_offset(const std::u32string& text, size_t chars) { return u32_to_utf8(text.substr(0, chars)).size(); }

}  // namespace

std::u32string utf8_to_u32(const std::string& text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > text.size()) {
      out.push_back(kReplacement);
      ++i;
      continue;
    }
    char32_t c = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    bool valid = true;
    for (size_t k = 1; k < len; ++k) {
      const auto cb = static_cast<unsigned char>(text[i + k]);
      if ((cb >> 6) != 0x2) valid = false;
      c = (c << 6) | (cb & 0x3F);
    }
    out.push_back(valid ? c : kReplacement);
    i += valid ? len : 1;
  }
  return out;
}

std::string u32_to_utf8(const std::u32string& text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) c = kReplacement;
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

TextAssembler::TextAssembler(Sink sink, std::chrono::milliseconds idle_close) : sink_(std::move(sink)), idle_close_(idle_close) {}

void TextAssembler::focus(const WindowContext& window, AssemblyClock::time_point) {
  if (window.id != window_.id) close(Close::kUnsubmitted);
  window_ = window;
}

void TextAssembler::retitle(const std::string& title) { window_.title = title; }

void TextAssembler::key(const Key& key, AssemblyClock::time_point now) {
  const bool deletion = key.kind == KeyKind::kBackspace || key.kind == KeyKind::kDelete;
  if (!deletion && key.kind != KeyKind::kIgnored) end_delete_run();
  switch (key.kind) {
    case KeyKind::kText:
      // ctrl+letter is a shortcut (copy, select all), not text the application received.
      if (!key.ctrl) insert(utf8_to_u32(key.text), now);
      break;
    case KeyKind::kBackspace: {
      if (cursor_ == 0) break;
      size_t begin = cursor_ - 1;
      if (key.ctrl) {  // the word before the cursor, and the spaces after it
        begin = cursor_;
        while (begin > 0 && is_space(line_[begin - 1])) --begin;
        while (begin > 0 && !is_space(line_[begin - 1])) --begin;
      }
      erase(begin, cursor_, DeleteRun::kBackward, now);
      break;
    }
    case KeyKind::kDelete:
      if (cursor_ < line_.size()) erase(cursor_, cursor_ + 1, DeleteRun::kForward, now);
      break;
    case KeyKind::kLeft:
      if (cursor_ > 0) --cursor_;
      break;
    case KeyKind::kRight:
      if (cursor_ < line_.size()) ++cursor_;
      break;
    case KeyKind::kHome:
      cursor_ = 0;
      break;
    case KeyKind::kEnd:
      cursor_ = line_.size();
      break;
    case KeyKind::kEnter:
      close(Close::kSubmitted);
      break;
    case KeyKind::kTab:
    case KeyKind::kCursorLost:
      close(Close::kUnsubmitted);
      break;
    case KeyKind::kIgnored:
      break;
  }
}

void TextAssembler::tick(AssemblyClock::time_point now) {
  if (has_open_line() && now - last_change_ >= idle_close_) close(Close::kUnsubmitted);
}

void TextAssembler::flush(AssemblyClock::time_point) { close(Close::kUnsubmitted); }

void TextAssembler::discard() {
  line_.clear();
  cursor_ = 0;
  deleting_ = DeleteRun::kNone;
  before_delete_.clear();
  last_handed_on_.clear();
  ++line_id_;
}

void TextAssembler::insert(const std::u32string& chars, AssemblyClock::time_point now) {
  for (char32_t c : chars) {
    if (line_.size() >= kMaxLineChars) close(Close::kUnsubmitted);
    line_.insert(line_.begin() + static_cast<std::ptrdiff_t>(cursor_), c);
    ++cursor_;
    last_change_ = now;
    if (is_word_boundary(c)) hand_on_open();
  }
}

void TextAssembler::erase(size_t begin, size_t end, DeleteRun direction, AssemblyClock::time_point now) {
  if (deleting_ != DeleteRun::kNone && deleting_ != direction) end_delete_run();
  if (deleting_ == DeleteRun::kNone) {
    deleting_ = direction;
    before_delete_ = line_;
    delete_begin_ = begin;
    delete_end_ = end;
  } else if (direction == DeleteRun::kBackward) {
    delete_begin_ = begin;  // cursor moves back through the original line; positions still agree
  } else {
    delete_end_ += end - begin;  // cursor stays; each delete takes the next original character
  }
  line_.erase(begin, end - begin);
  cursor_ = begin;
  last_change_ = now;
}

void TextAssembler::end_delete_run() {
  if (deleting_ == DeleteRun::kNone) return;
  deleting_ = DeleteRun::kNone;
  const size_t byte_begin = utf8_offset(before_delete_, delete_begin_);
  const size_t byte_end = utf8_offset(before_delete_, delete_end_);
  if (byte_end > byte_begin) emit(UnitStage::kDeleted, u32_to_utf8(before_delete_), true, byte_begin, byte_end);
  before_delete_.clear();
}

void TextAssembler::hand_on_open() {
  std::string text = u32_to_utf8(line_);
  if (text == last_handed_on_ || std::all_of(line_.begin(), line_.end(), is_word_boundary)) return;
  last_handed_on_ = text;
  emit(UnitStage::kOpen, std::move(text), true);
}

void TextAssembler::close(Close how) {
  end_delete_run();
  if (!line_.empty()) emit(UnitStage::kClosed, u32_to_utf8(line_), how == Close::kUnsubmitted);
  line_.clear();
  cursor_ = 0;
  last_handed_on_.clear();
  ++line_id_;
}

void TextAssembler::emit(UnitStage stage, std::string text, bool unsubmitted, size_t del_begin, size_t del_end) {
  TextUnit unit;
  unit.line_id = line_id_;
  unit.stage = stage;
  unit.text = std::move(text);
  unit.unsubmitted = unsubmitted;
  unit.deleted_begin = del_begin;
  unit.deleted_end = del_end;
  unit.window = window_;
  unit.observed_at = last_change_;
  sink_(std::move(unit));
}

}  // namespace vigil::agent
