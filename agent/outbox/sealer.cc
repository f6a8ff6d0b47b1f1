#include "outbox/sealer.h"

#include <sodium.h>

#include <chrono>

namespace vigil::agent {
namespace {

// How often a waiting pipeline looks at its stop flag (stop is an atomic, not a signal).
constexpr std::chrono::milliseconds kStopCheck{100};

}  // namespace

Sealer::Sealer() : state_(std::make_shared<State>()) {}

Sealer::Sealer(std::string collector_public_key) : Sealer() { state_->key = std::move(collector_public_key); }

bool Sealer::seals() const {
  std::lock_guard lock(state_->mutex);
  return !state_->key.empty();
}

std::string Sealer::public_key() const {
  std::lock_guard lock(state_->mutex);
  return state_->key;
}

void Sealer::set_key(std::string collector_public_key) {
  {
    std::lock_guard lock(state_->mutex);
    state_->key = std::move(collector_public_key);
  }
  state_->changed.notify_all();
}

bool Sealer::wait_for_key(const std::atomic<bool>& stop) const {
  std::unique_lock lock(state_->mutex);
  while (state_->key.empty()) {
    if (stop.load()) return false;
    state_->changed.wait_for(lock, kStopCheck);
  }
  return true;
}

std::string Sealer::seal_bytes(std::string_view plain, const std::string& key) const {
  std::string sealed(plain.size() + crypto_box_SEALBYTES, '\0');
  crypto_box_seal(reinterpret_cast<unsigned char*>(sealed.data()), reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
                  reinterpret_cast<const unsigned char*>(key.data()));
  return sealed;
}

OutboxEntry Sealer::seal(OutboxEntry entry) const {
  const std::string key = public_key();
  if (key.empty()) return entry;
  std::string sealed = seal_bytes(entry.payload, key);
  // The plaintext is wiped, not just freed: it held pupil text.
  sodium_memzero(entry.payload.data(), entry.payload.size());
  entry.payload = std::move(sealed);
  if (!entry.category.empty()) entry.category = seal_bytes(entry.category, key);
  entry.sealed = true;
  return entry;
}

}  // namespace vigil::agent
