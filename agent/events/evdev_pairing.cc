#include "events/evdev_pairing.h"

namespace vigil::agent {

void EvdevPairing::publish(PairingEvent event) {
  {
    std::lock_guard lock(mutex_);
    if (event.kind == PairingEvent::Kind::kDeclared) {
      if (keymap_generation_ == 0 || !(event.keymap == keymap_)) {
        keymap_ = event.keymap;
        ++keymap_generation_;
      }
      event.keymap_generation = keymap_generation_;
    }
    if (pairing_.size() >= kMaxQueuedPairingEvents) {
      // Privacy: a lost password-field report must not let keys through; the source drops them all.
      pairing_.clear();
      keys_.clear();
      overflowed_ = true;
    }
    pairing_.push_back(std::move(event));
  }
  changed_.notify_all();
}

void EvdevPairing::publish_key(EvdevKey key) {
  {
    std::lock_guard lock(mutex_);
    if (keys_.size() >= kMaxQueuedKeys) keys_.pop_front();
    keys_.push_back(std::move(key));
  }
  changed_.notify_all();
}

std::pair<platform::KeymapNames, uint64_t> EvdevPairing::keymap() const {
  std::lock_guard lock(mutex_);
  return {keymap_, keymap_generation_};
}

EvdevPairing::Batch EvdevPairing::take(PairingClock::time_point until) {
  std::unique_lock lock(mutex_);
  changed_.wait_until(lock, until, [&] { return interrupted_ || !pairing_.empty() || !keys_.empty() || overflowed_; });
  Batch batch;
  batch.pairing.assign(std::make_move_iterator(pairing_.begin()), std::make_move_iterator(pairing_.end()));
  batch.keys.assign(std::make_move_iterator(keys_.begin()), std::make_move_iterator(keys_.end()));
  batch.overflowed = overflowed_;
  pairing_.clear();
  keys_.clear();
  overflowed_ = false;
  interrupted_ = false;
  return batch;
}

void EvdevPairing::interrupt() {
  {
    std::lock_guard lock(mutex_);
    interrupted_ = true;
  }
  changed_.notify_all();
}

void EvdevPairing::set_keyboards(size_t n) {
  std::lock_guard lock(mutex_);
  keyboards_ = n;
}

size_t EvdevPairing::keyboards() const {
  std::lock_guard lock(mutex_);
  return keyboards_;
}

}  // namespace vigil::agent
