#include "events/evdev_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "events/desktop_keys.h"
#include "vigil/platform/evdev_discovery.h"

namespace vigil::agent {
namespace {

constexpr const char* kInputDir = "/dev/input";

std::chrono::system_clock::time_point wall_time(PairingClock::time_point t) {
  return std::chrono::system_clock::now() - std::chrono::duration_cast<std::chrono::system_clock::duration>(PairingClock::now() - t);
}

PairingClock::time_point at_of(const std::variant<PairingEvent, EvdevKey>& item) {
  if (const auto* p = std::get_if<PairingEvent>(&item)) return p->at;
  return std::get<EvdevKey>(item).key.at;
}

bool unsafe(const FocusMessage& f) { return f.password || f.grab; }

WindowContext window_of(uint64_t connection, const FocusMessage& f) {
  // Two helpers may both call a window "1": the connection keeps them apart.
  return {std::to_string(connection) + ":" + f.window.id, f.window.app, f.window.app_path, f.window.title};
}

}  // namespace

Result<std::unique_ptr<EvdevSource>> EvdevSource::open(const std::string& path, std::shared_ptr<EvdevPairing> pairing,
                                                        const std::atomic<bool>& stop) {
  std::unique_ptr<EvdevSource> source(new EvdevSource(path, std::move(pairing), stop));
  if (!path.empty()) {
    // A regular file would be read to its end and opened again for ever, replaying its keys.
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) {
      return make_error(ErrorCode::kInvalidArgument, path + " is a regular file; evdev:PATH takes an input device or a FIFO");
    }
    auto device = platform::open_evdev_device(path, source->pairing_->keymap().first);
    if (!device) return device.error();
    source->start_reader(path, std::move(*device));
    source->count_keyboards();
  } else {
    source->rescan();
  }
  return source;
}

EvdevSource::EvdevSource(std::string path, std::shared_ptr<EvdevPairing> pairing, const std::atomic<bool>& stop)
    : path_(std::move(path)), pairing_(std::move(pairing)), stop_(stop), assembler_([this](TextUnit unit) {
        // Privacy: the text goes to the scan pipeline only, never to a log.
        spdlog::debug("{}: unit: line {} stage {} ({} bytes)", name(), unit.line_id, static_cast<int>(unit.stage), unit.text.size());
        SourcedEvent sourced;
        TextEvent& ev = sourced.event;
        ev.observed_at = wall_time(unit.observed_at);
        ev.source = TextSource::kKeyboard;
        ev.user = assembler_user_;
        ev.session_id = assembler_session_;
        ev.app = std::move(unit.window.app);
        ev.app_path = std::move(unit.window.app_path);
        ev.title = std::move(unit.window.title);
        ev.text = std::move(unit.text);
        ev.unsubmitted = unit.unsubmitted;
        ev.line_id = "evdev:" + std::to_string(unit.line_id);
        ev.line_final = unit.stage == UnitStage::kClosed;
        if (unit.stage == UnitStage::kDeleted) ev.deleted_range = std::pair{unit.deleted_begin, unit.deleted_end};
        ready_.push_back(std::move(sourced));
      }) {}

EvdevSource::~EvdevSource() {
  closing_ = true;
  for (auto& r : readers_) {
    if (r.thread.joinable()) r.thread.join();
  }
}

void EvdevSource::start_reader(std::string path, std::unique_ptr<platform::EvdevKeyReader> device) {
  Reader& r = readers_.emplace_back();
  r.path = std::move(path);
  r.device = std::move(device);
  spdlog::info("{}: reading keys from {}", name(), r.path);
  r.thread = std::thread([this, &r] { read_keys(r); });
}

// One thread per keyboard: each blocks in its own poll, so a key is read as soon as it is typed.
void EvdevSource::read_keys(Reader& r) {
  uint64_t tried = 0;   // the keymap generation last compiled (or attempted)
  uint64_t mapped = 0;  // the generation keys are mapped with now
  while (!stop_.load() && !closing_.load()) {
    if (auto [names, generation] = pairing_->keymap(); generation != tried) {
      tried = generation;
      if (auto set = r.device->set_keymap(names); set) {
        mapped = generation;
        spdlog::info("{}: keys from {} are mapped with layout \"{}\" variant \"{}\"", name(), r.path, names.layout, names.variant);
      } else {
        warn("keymap of the paired session: " + set.error().message + "; its keys are dropped");
      }
    }
    auto more = r.device->pump([&](const platform::DesktopEvent& ev) { pairing_->publish_key({ev, mapped}); }, kReaderPoll);
    if (!more) {
      warn(r.path + ": " + more.error().message + "; no longer read");
      break;
    }
    if (*more) continue;
    // End of file: the last writer of a FIFO closed it. Open it again for the next writer; the
    // keymap is set afresh on the new reader.
    auto again = platform::open_evdev_device(r.path, pairing_->keymap().first);
    if (!again) {
      warn(r.path + ": " + again.error().message + "; no longer read");
      break;
    }
    r.device = std::move(*again);
    tried = 0;
    mapped = 0;
  }
  r.done = true;
}

void EvdevSource::rescan() {
  next_rescan_ = PairingClock::now() + kKeyboardRescan;
  auto probe = platform::system_input_probe();
  auto scan = platform::find_keyboards(*probe, kInputDir);
  std::string skipped;
  if (!scan) {
    skipped = scan.error().message;
  } else {
    for (const auto& kb : scan->keyboards) {
      if (std::any_of(readers_.begin(), readers_.end(), [&](const Reader& r) { return r.path == kb.path && !r.done; })) continue;
      auto device = platform::open_evdev_device(kb.path, pairing_->keymap().first);
      if (!device) {
        skipped += (skipped.empty() ? "" : "; ") + device.error().message;
        continue;
      }
      spdlog::info("{}: keyboard {} ({})", name(), kb.path, kb.name);
      start_reader(kb.path, std::move(*device));
    }
    for (const auto& s : scan->skipped) skipped += (skipped.empty() ? "" : "; ") + s;
  }
  // Readers whose device went away (unplugged) are finished; a later scan reopens it if it returns.
  for (auto it = readers_.begin(); it != readers_.end();) {
    if (it->done) {
      it->thread.join();
      it = readers_.erase(it);
    } else {
      ++it;
    }
  }
  {
    std::lock_guard lock(mutex_);
    skipped_ = skipped;
  }
  count_keyboards();
}

void EvdevSource::count_keyboards() {
  const size_t n = static_cast<size_t>(std::count_if(readers_.begin(), readers_.end(), [](const Reader& r) { return !r.done; }));
  pairing_->set_keyboards(n);
  std::lock_guard lock(mutex_);
  keyboards_ = n;
}

std::string EvdevSource::last_warning() const {
  std::lock_guard lock(mutex_);
  return warning_;
}

std::string EvdevSource::state() const {
  std::lock_guard lock(mutex_);
  if (keyboards_ == 0) {
    return "gap: no keyboard to read" + std::string(path_.empty() ? " under /dev/input" : "") + (skipped_.empty() ? "" : " (" + skipped_ + ")") +
           "; keystrokes of Wayland sessions are not captured";
  }
  const std::string boards = std::to_string(keyboards_) + " keyboard" + (keyboards_ == 1 ? "" : "s");
  if (paired_user_.empty()) return "waiting: " + boards + "; no session helper paired, keys are dropped";
  return "active: " + boards + " paired with the session of " + paired_user_;
}

void EvdevSource::warn(std::string message) {
  spdlog::warn("{}: {}", name(), message);
  std::lock_guard lock(mutex_);
  warning_ = std::move(message);
}

Result<std::optional<SourcedEvent>> EvdevSource::next() {
  while (ready_.empty()) {
    if (stop_.load()) return std::optional<SourcedEvent>{};
    auto now = PairingClock::now();
    auto wake = now + kEvdevIdleWake;
    if (!timeline_.empty()) wake = std::min(wake, at_of(timeline_.front()) + kEvdevSettle);
    if (const auto idle = assembler_.idle_deadline()) wake = std::min(wake, *idle);
    auto batch = pairing_->take(wake);
    if (batch.overflowed) {
      timeline_.clear();
      drop_keys("the service fell behind the session helper");
    }
    for (auto& p : batch.pairing) timeline_.emplace_back(std::move(p));
    for (auto& k : batch.keys) timeline_.emplace_back(std::move(k));
    // Each producer publishes in order; merging them only needs a stable sort by time.
    std::stable_sort(timeline_.begin(), timeline_.end(), [](const Item& a, const Item& b) { return at_of(a) < at_of(b); });
    now = PairingClock::now();
    process(now);
    assembler_.tick(now);
    if (path_.empty() && now >= next_rescan_) rescan();
    else if (std::any_of(readers_.begin(), readers_.end(), [](const Reader& r) { return r.done.load(); })) count_keyboards();
  }
  SourcedEvent out = std::move(ready_.front());
  ready_.pop_front();
  return std::optional<SourcedEvent>(std::move(out));
}

void EvdevSource::process(PairingClock::time_point now) {
  const auto cutoff = now - kEvdevSettle;
  while (!timeline_.empty() && at_of(timeline_.front()) <= cutoff) {
    Item item = std::move(timeline_.front());
    timeline_.pop_front();
    const bool late = at_of(item) < applied_until_;
    applied_until_ = std::max(applied_until_, at_of(item));
    // Privacy: a key read after later focus reports were already applied (its reader thread was
    // not scheduled for longer than the settle delay) cannot be placed safely; it is dropped.
    if (late && std::holds_alternative<EvdevKey>(item)) {
      drop_keys("read too late to pair with its focus");
      continue;
    }
    if (auto* p = std::get_if<PairingEvent>(&item)) apply(*p);
    else apply(std::get<EvdevKey>(item));
  }
}

void EvdevSource::apply(PairingEvent& event) {
  using Kind = PairingEvent::Kind;
  switch (event.kind) {
    case Kind::kDeclared: {
      Paired& h = helpers_[event.connection];
      h.user = event.user;
      h.session_id = event.session_id;
      h.keymap_generation = event.keymap_generation;
      spdlog::info("{}: keys are paired with the session helper of {} (layout \"{}\")", name(), h.user, event.keymap.layout);
      break;
    }
    case Kind::kFocus: {
      auto it = helpers_.find(event.connection);
      if (it == helpers_.end()) return;
      Paired& h = it->second;
      h.last_frame = event.at;
      const bool changed = !h.focus || h.focus->window.id != event.focus.window.id || h.focus->window.title != event.focus.window.title ||
                           h.focus->window.app != event.focus.window.app || unsafe(*h.focus) != unsafe(event.focus);
      if (changed) h.last_change = event.at;
      h.focus = std::move(event.focus);
      break;
    }
    case Kind::kGone:
      if (active_ == event.connection) {
        assembler_.flush(event.at);  // the line typed so far is closed, unsubmitted, under its window
        active_.reset();
      }
      helpers_.erase(event.connection);
      break;
  }
  follow_active();
}

// Points the assembler at the window of the helper whose focus changed last, closing the open
// line when the window changes (as a focus change does in the helper), and forgets the line when
// that helper reports a password field or a grab.
void EvdevSource::follow_active() {
  std::optional<uint64_t> best;
  for (const auto& [connection, h] : helpers_) {
    if (h.focus && (!best || h.last_change > helpers_.at(*best).last_change)) best = connection;
  }
  {
    std::lock_guard lock(mutex_);
    paired_user_ = best ? helpers_.at(*best).user : std::string();
  }
  if (!best) return;
  const Paired& h = helpers_.at(*best);
  if (unsafe(*h.focus)) assembler_.discard();
  if (best != active_) assembler_.flush(PairingClock::now());
  active_ = best;
  assembler_user_ = h.user;
  assembler_session_ = h.session_id;
  assembler_.focus(window_of(*best, *h.focus), h.last_change);
  assembler_.retitle(h.focus->window.title);
}

void EvdevSource::drop_keys(const std::string& why) {
  if (dropping_ != why) spdlog::debug("{}: dropping keys ({})", name(), why);
  dropping_ = why;
  assembler_.discard();
}

void EvdevSource::apply(const EvdevKey& key) {
  const auto t = key.key.at;
  if (!active_) return drop_keys("no session helper paired");
  const Paired& h = helpers_.at(*active_);
  if (unsafe(*h.focus)) return drop_keys(h.focus->password ? "password field" : "keyboard grabbed");
  if (t - h.last_frame > kPairingStale) return drop_keys("the paired helper's state is stale");
  if (key.keymap_generation != h.keymap_generation) return drop_keys("mapped before the paired session's keymap was in use");
  // A password field or grab reported just after the key (AT-SPI and the socket take a few ms)
  // covers it too.
  for (const Item& later : timeline_) {
    if (at_of(later) > t + kEvdevSettle) break;
    if (const auto* p = std::get_if<PairingEvent>(&later); p && p->kind == PairingEvent::Kind::kFocus && unsafe(p->focus)) {
      return drop_keys("password field or grab reported just after the key");
    }
  }
  if (!dropping_.empty()) spdlog::debug("{}: taking keys again", name());
  dropping_.clear();
  assembler_.key(to_key(key.key), t);
}

}  // namespace vigil::agent
