#include <errno.h>
#include <linux/input.h>
#include <poll.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "linux/xkb_text.h"
#include "vigil/platform/evdev_key_reader.h"

namespace vigil::platform {
namespace {

// evdev key codes are X keycodes minus 8 (the X protocol reserves 0..7).
constexpr xkb_keycode_t kEvdevToXkbOffset = 8;
// Records read per read(); a burst of typing is a handful.
constexpr size_t kRecordsPerRead = 64;
// input_event.value for EV_KEY.
constexpr int kKeyReleased = 0;
constexpr int kKeyPressed = 1;
constexpr int kKeyRepeated = 2;

class LinuxEvdevKeyReader final : public EvdevKeyReader {
 public:
  LinuxEvdevKeyReader(int fd, XkbPtr<xkb_context> context, XkbPtr<xkb_keymap> keymap)
      : fd_(fd), context_(std::move(context)), keymap_(std::move(keymap)), state_(xkb_state_new(keymap_.get())),
        compose_(make_compose_state(context_.get())) {}
  ~LinuxEvdevKeyReader() override { ::close(fd_); }

  bool ready() const { return state_ != nullptr; }

  Result<bool> pump(const std::function<void(const DesktopEvent&)>& sink, std::chrono::milliseconds timeout) override {
    pollfd pfd{fd_, POLLIN, 0};
    const int n = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (n < 0 && errno != EINTR) return make_error(ErrorCode::kIo, std::string("poll on evdev: ") + std::strerror(errno));
    if (n <= 0) return true;
    std::vector<char> buffer(kRecordsPerRead * sizeof(input_event));
    const ssize_t got = ::read(fd_, buffer.data() + pending_.size(), buffer.size() - pending_.size());
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) return true;
      return make_error(ErrorCode::kIo, std::string("read from evdev: ") + std::strerror(errno));
    }
    if (got == 0) return false;
    // A pipe may split a record; keep the partial tail for the next read.
    if (!pending_.empty()) std::memcpy(buffer.data(), pending_.data(), pending_.size());
    const size_t total = pending_.size() + static_cast<size_t>(got);
    const size_t whole = total / sizeof(input_event) * sizeof(input_event);
    for (size_t off = 0; off < whole; off += sizeof(input_event)) {
      input_event ev;
      std::memcpy(&ev, buffer.data() + off, sizeof ev);
      if (ev.type != EV_KEY) continue;
      const xkb_keycode_t keycode = ev.code + kEvdevToXkbOffset;
      if (ev.value == kKeyPressed || ev.value == kKeyRepeated) {
        if (auto out = key_event(state_.get(), compose_.get(), keycode)) sink(*out);
        if (ev.value == kKeyPressed) xkb_state_update_key(state_.get(), keycode, XKB_KEY_DOWN);
      } else if (ev.value == kKeyReleased) {
        xkb_state_update_key(state_.get(), keycode, XKB_KEY_UP);
      }
    }
    pending_.assign(buffer.data() + whole, buffer.data() + total);
    return true;
  }

 private:
  int fd_;
  XkbPtr<xkb_context> context_;
  XkbPtr<xkb_keymap> keymap_;
  XkbPtr<xkb_state> state_;
  XkbPtr<xkb_compose_state> compose_;
  std::vector<char> pending_;
};

}  // namespace

Result<std::unique_ptr<EvdevKeyReader>> open_evdev_reader(int fd, const KeymapNames& names) {
  XkbPtr<xkb_context> context(xkb_context_new(XKB_CONTEXT_NO_FLAGS));
  if (!context) {
    ::close(fd);
    return make_error(ErrorCode::kInternal, "xkb_context_new failed");
  }
  const auto opt = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
  const xkb_rule_names rmlvo{opt(names.rules), opt(names.model), opt(names.layout), opt(names.variant), opt(names.options)};
  XkbPtr<xkb_keymap> keymap(xkb_keymap_new_from_names(context.get(), &rmlvo, XKB_KEYMAP_COMPILE_NO_FLAGS));
  if (!keymap) {
    ::close(fd);
    return make_error(ErrorCode::kInvalidArgument, "no keymap for layout \"" + names.layout + "\" variant \"" + names.variant + "\"");
  }
  auto reader = std::make_unique<LinuxEvdevKeyReader>(fd, std::move(context), std::move(keymap));
  if (!reader->ready()) return make_error(ErrorCode::kInternal, "xkb_state_new failed");
  return std::unique_ptr<EvdevKeyReader>(std::move(reader));
}

}  // namespace vigil::platform
