#pragma once
// Keystrokes for sessions whose helper cannot see them (Wayland), read by the service from evdev
// and assembled under the focused window that the paired session helper reports (see
// evdev_pairing.h and session/PROTOCOL.md). `--source evdev` opens every keyboard that
// find_keyboards reports and looks for new ones every kKeyboardRescan; `--source evdev:PATH`
// reads one device or FIFO (how tests feed struct input_event records).
//
// Privacy: a key is assembled only if, at the moment it was typed, a paired helper was
// connected, its state was fresh, no password field was focused and no other client held the
// keyboard, and neither changed within kEvdevSettle after it. Otherwise the key is dropped with
// the line it would have joined, exactly as the helper drops X11 keys.

#include <atomic>
#include <chrono>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "assembly/text_assembler.h"
#include "events/event_source.h"
#include "events/evdev_pairing.h"

namespace vigil::agent {

// Keys wait this long before they are assembled, so that a password-field report (AT-SPI in the
// helper, then the socket) for the moment they were typed has arrived. The helper's own settle
// delay for X11 keys is the same.
inline constexpr std::chrono::milliseconds kEvdevSettle{250};
// A paired helper silent for longer than this (it refreshes every kFocusRefresh) is treated as
// hung: its password state can no longer be trusted, so keys are dropped.
inline constexpr std::chrono::milliseconds kPairingStale{5000};
// Reader threads look at the stop flag and the paired keymap this often while no key arrives.
inline constexpr std::chrono::milliseconds kReaderPoll{250};
// With nothing queued the source still wakes this often to look at the stop flag.
inline constexpr std::chrono::milliseconds kEvdevIdleWake{1000};
// `--source evdev`: how often /dev/input is scanned again for keyboards plugged in later.
inline constexpr std::chrono::seconds kKeyboardRescan{30};

class EvdevSource final : public EventSource {
 public:
  // `path` empty: discover keyboards under /dev/input. A PATH that cannot be opened is an error.
  static Result<std::unique_ptr<EvdevSource>> open(const std::string& path, std::shared_ptr<EvdevPairing> pairing,
                                                    const std::atomic<bool>& stop);
  ~EvdevSource() override;

  std::string name() const override { return path_.empty() ? "evdev" : "evdev:" + path_; }
  Result<void> resume(const std::string&) override { return {}; }
  Result<std::optional<SourcedEvent>> next() override;
  std::string last_warning() const override;
  std::string state() const override;
  void interrupt() override { pairing_->interrupt(); }

 private:
  EvdevSource(std::string path, std::shared_ptr<EvdevPairing> pairing, const std::atomic<bool>& stop);

  struct Reader {
    std::string path;
    std::unique_ptr<platform::EvdevKeyReader> device;
    std::thread thread;
    std::atomic<bool> done{false};
  };
  struct Paired {
    std::string user;
    std::string session_id;
    uint64_t keymap_generation = 0;
    std::optional<FocusMessage> focus;
    PairingClock::time_point last_frame;
    PairingClock::time_point last_change;
  };
  using Item = std::variant<PairingEvent, EvdevKey>;

  void start_reader(std::string path, std::unique_ptr<platform::EvdevKeyReader> device);
  void read_keys(Reader& reader);
  void rescan();
  void count_keyboards();
  void process(PairingClock::time_point now);
  void apply(PairingEvent& event);
  void apply(const EvdevKey& key);
  void follow_active();
  void drop_keys(const std::string& why);
  void warn(std::string message);

  std::string path_;
  std::shared_ptr<EvdevPairing> pairing_;
  const std::atomic<bool>& stop_;
  std::atomic<bool> closing_{false};
  std::list<Reader> readers_;
  PairingClock::time_point next_rescan_{};

  // Only the thread calling next() touches these.
  std::deque<Item> timeline_;  // in time order, each waiting kEvdevSettle
  std::map<uint64_t, Paired> helpers_;
  std::optional<uint64_t> active_;  // the helper whose window the assembler follows
  PairingClock::time_point applied_until_{};  // the time of the last item applied
  std::string assembler_user_, assembler_session_;
  TextAssembler assembler_;
  std::string dropping_;  // why keys are being dropped; empty while they are taken
  std::deque<SourcedEvent> ready_;

  mutable std::mutex mutex_;  // guards the fields below, read by the heartbeat thread
  std::string warning_;
  std::string skipped_;  // why discovery found no keyboard
  size_t keyboards_ = 0;
  std::string paired_user_;
};

}  // namespace vigil::agent
