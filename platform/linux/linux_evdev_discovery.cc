#include <dirent.h>
#include <fcntl.h>
#include <linux/input.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "vigil/platform/evdev_discovery.h"

namespace vigil::platform {
namespace {

constexpr const char* kEventPrefix = "event";
// EVIOCGNAME buffer; device names are short ("AT Translated Set 2 keyboard").
constexpr size_t kNameBytes = 256;

bool has_bit(const std::vector<uint8_t>& bits, unsigned bit) { return bit / 8 < bits.size() && (bits[bit / 8] >> (bit % 8)) & 1; }

// "event12" -> 12; -1 for anything else.
long event_number(const std::string& entry) {
  const size_t prefix = std::strlen(kEventPrefix);
  if (entry.size() <= prefix || entry.compare(0, prefix, kEventPrefix) != 0) return -1;
  long n = 0;
  for (size_t i = prefix; i < entry.size(); ++i) {
    if (entry[i] < '0' || entry[i] > '9') return -1;
    n = n * 10 + (entry[i] - '0');
  }
  return n;
}

class SystemInputProbe final : public InputDeviceProbe {
 public:
  Result<std::vector<std::string>> list(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return make_error(ErrorCode::kUnavailable, dir + ": " + std::strerror(errno));
    std::vector<std::string> out;
    while (const dirent* e = ::readdir(d)) out.emplace_back(e->d_name);
    ::closedir(d);
    return out;
  }

  Result<std::vector<uint8_t>> capabilities(const std::string& path, unsigned event_type) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return make_error(ErrorCode::kUnavailable, std::strerror(errno));
    std::vector<uint8_t> bits(event_type == 0 ? (EV_MAX / 8 + 1) : (KEY_MAX / 8 + 1));
    const int got = ::ioctl(fd, EVIOCGBIT(event_type, bits.size()), bits.data());
    const int err = errno;
    ::close(fd);
    if (got < 0) return make_error(ErrorCode::kUnavailable, std::string("not an input device (") + std::strerror(err) + ")");
    bits.resize(static_cast<size_t>(got));
    return bits;
  }

  std::string name(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return {};
    char buffer[kNameBytes] = {};
    const int got = ::ioctl(fd, EVIOCGNAME(sizeof buffer - 1), buffer);
    ::close(fd);
    return got > 0 ? std::string(buffer) : std::string();
  }
};

}  // namespace

Result<KeyboardScan> find_keyboards(InputDeviceProbe& probe, const std::string& dir) {
  auto entries = probe.list(dir);
  if (!entries) return entries.error();
  std::vector<std::pair<long, std::string>> nodes;
  for (const auto& e : *entries) {
    if (const long n = event_number(e); n >= 0) nodes.emplace_back(n, e);
  }
  std::sort(nodes.begin(), nodes.end());
  KeyboardScan scan;
  for (const auto& [n, entry] : nodes) {
    const std::string path = dir + "/" + entry;
    auto types = probe.capabilities(path, 0);
    if (!types) {
      scan.skipped.push_back(path + ": " + types.error().message);
      continue;
    }
    if (!has_bit(*types, EV_KEY)) {
      scan.skipped.push_back(path + ": no keys");
      continue;
    }
    auto keys = probe.capabilities(path, EV_KEY);
    if (!keys) {
      scan.skipped.push_back(path + ": " + keys.error().message);
      continue;
    }
    // input-event-codes.h numbers letters by keyboard row, not alphabet: list them.
    static constexpr unsigned kWordKeys[] = {KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I,
                                             KEY_J, KEY_K, KEY_L, KEY_M, KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R,
                                             KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z, KEY_SPACE};
    const bool types_words = std::all_of(std::begin(kWordKeys), std::end(kWordKeys), [&](unsigned k) { return has_bit(*keys, k); });
    if (!types_words) {
      scan.skipped.push_back(path + ": has keys but not the letters A-Z and space (a button, mouse or remote)");
      continue;
    }
    scan.keyboards.push_back({path, probe.name(path)});
  }
  return scan;
}

std::unique_ptr<InputDeviceProbe> system_input_probe() { return std::make_unique<SystemInputProbe>(); }

}  // namespace vigil::platform
