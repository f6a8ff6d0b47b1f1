#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "linux/xkb_text.h"
#include "vigil/platform/evdev_key_reader.h"

namespace vigil::platform {
namespace {

Result<XkbPtr<xkb_keymap>> compile_keymap(xkb_context* context, const KeymapNames& names) {
  const auto opt = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
  const xkb_rule_names rmlvo{opt(names.rules), opt(names.model), opt(names.layout), opt(names.variant), opt(names.options)};
  XkbPtr<xkb_keymap> keymap(xkb_keymap_new_from_names(context, &rmlvo, XKB_KEYMAP_COMPILE_NO_FLAGS));
  if (!keymap) {
    return make_error(ErrorCode::kInvalidArgument, "no keymap for rules \"" + names.rules + "\" model \"" + names.model + "\" layout \"" +
                                                       names.layout + "\" variant \"" + names.variant + "\" options \"" + names.options + "\"");
  }
  return keymap;
}

// evdev key codes are X keycodes minus 8 (the X protocol reserves 0..7).
constexpr xkb_keycode_t kEvdevToXkbOffset = 8;
// Records read per read(); a burst of typing is a handful.
constexpr size_t kRecordsPerRead = 64;
// input_event.value for EV_KEY.
constexpr int kKeyReleased = 0;
constexpr int kKeyPressed = 1;
constexpr int kKeyRepeated = 2;
// A record's own timestamp (CLOCK_REALTIME, set by the kernel when the key was pressed) is used
// when it is this close to now; further off (a FIFO writer that leaves it zero, a clock step)
// the time of reading stands in.
constexpr std::chrono::seconds kMaxRecordSkew{10};

// When the key was pressed, on the steady clock: the kernel's timestamp rather than the moment
// this thread got round to reading it, so a reader that was not scheduled for a while still
// orders keys correctly against focus changes reported over the session socket.
// `steady_now` and `wall_now` are read once per read(), so keys of one read keep their order.
std::chrono::steady_clock::time_point pressed_at(const input_event& ev, std::chrono::steady_clock::time_point steady_now,
                                                 std::chrono::system_clock::time_point wall_now) {
  const auto recorded = std::chrono::system_clock::time_point(std::chrono::seconds(ev.input_event_sec) +
                                                              std::chrono::microseconds(ev.input_event_usec));
  const auto age = wall_now - recorded;
  if (age > kMaxRecordSkew || age < -kMaxRecordSkew) return steady_now;
  return steady_now - std::chrono::duration_cast<std::chrono::steady_clock::duration>(age);
}

class LinuxEvdevKeyReader final : public EvdevKeyReader {
 public:
  LinuxEvdevKeyReader(int fd, XkbPtr<xkb_context> context, XkbPtr<xkb_keymap> keymap)
      : fd_(fd), context_(std::move(context)), keymap_(std::move(keymap)), state_(xkb_state_new(keymap_.get())),
        compose_(make_compose_state(context_.get())) {}
  ~LinuxEvdevKeyReader() override { ::close(fd_); }

  bool ready() const { return state_ != nullptr; }

  Result<void> set_keymap(const KeymapNames& names) override {
    auto keymap = compile_keymap(context_.get(), names);
    if (!keymap) return keymap.error();
    XkbPtr<xkb_state> state(xkb_state_new(keymap->get()));
    if (!state) return make_error(ErrorCode::kInternal, "xkb_state_new failed");
    keymap_ = std::move(*keymap);
    state_ = std::move(state);
    if (compose_) xkb_compose_state_reset(compose_.get());
    return {};
  }

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
    const auto steady_now = std::chrono::steady_clock::now();
    const auto wall_now = std::chrono::system_clock::now();
    for (size_t off = 0; off < whole; off += sizeof(input_event)) {
      input_event ev;
      std::memcpy(&ev, buffer.data() + off, sizeof ev);
      if (ev.type != EV_KEY) continue;
      const xkb_keycode_t keycode = ev.code + kEvdevToXkbOffset;
      if (ev.value == kKeyPressed || ev.value == kKeyRepeated) {
        if (auto out = key_event(state_.get(), compose_.get(), keycode)) {
          // Never before the previous key: a clock step must not reorder what was typed.
          out->at = std::max(pressed_at(ev, steady_now, wall_now), last_at_);
          last_at_ = out->at;
          sink(*out);
        }
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
  std::chrono::steady_clock::time_point last_at_{};
};

}  // namespace

Result<std::unique_ptr<EvdevKeyReader>> open_evdev_reader(int fd, const KeymapNames& names) {
  XkbPtr<xkb_context> context(xkb_context_new(XKB_CONTEXT_NO_FLAGS));
  if (!context) {
    ::close(fd);
    return make_error(ErrorCode::kInternal, "xkb_context_new failed");
  }
  auto keymap = compile_keymap(context.get(), names);
  if (!keymap) {
    ::close(fd);
    return keymap.error();
  }
  auto reader = std::make_unique<LinuxEvdevKeyReader>(fd, std::move(context), std::move(*keymap));
  if (!reader->ready()) return make_error(ErrorCode::kInternal, "xkb_state_new failed");
  return std::unique_ptr<EvdevKeyReader>(std::move(reader));
}

Result<std::unique_ptr<EvdevKeyReader>> open_evdev_device(const std::string& path, const KeymapNames& names) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::kUnavailable, path + ": " + std::strerror(errno));
  return open_evdev_reader(fd, names);
}

}  // namespace vigil::platform
