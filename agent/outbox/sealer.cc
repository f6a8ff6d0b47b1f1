#include "outbox/sealer.h"

#include <sodium.h>

namespace vigil::agent {

OutboxEntry Sealer::seal(OutboxEntry entry) const {
  if (!seals()) return entry;
  std::string sealed(entry.payload.size() + crypto_box_SEALBYTES, '\0');
  crypto_box_seal(reinterpret_cast<unsigned char*>(sealed.data()), reinterpret_cast<const unsigned char*>(entry.payload.data()),
                  entry.payload.size(), reinterpret_cast<const unsigned char*>(public_key_.data()));
  // The plaintext is wiped, not just freed: it held pupil text.
  sodium_memzero(entry.payload.data(), entry.payload.size());
  entry.payload = std::move(sealed);
  entry.sealed = true;
  return entry;
}

}  // namespace vigil::agent
