#include "cache_files.h"

#include <sodium.h>

#include <fstream>

namespace vigil::signatures {

std::optional<std::string> read_cache_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::error_code size_error;
  const auto size = std::filesystem::file_size(path, size_error);
  if (!in || size_error) return std::nullopt;
  // Straight into one buffer: a stream copy and its str() would move a 2 MB database twice more.
  std::string data(static_cast<size_t>(size), '\0');
  if (!in.read(data.data(), static_cast<std::streamsize>(data.size()))) return std::nullopt;
  std::error_code ec;
  std::filesystem::last_write_time(path, std::filesystem::file_time_type::clock::now(), ec);
  return data;
}

bool write_cache_file(const std::filesystem::path& path, std::string_view bytes) {
  const auto tmp = path.string() + ".tmp" + std::to_string(randombytes_random());
  bool written = false;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    written = static_cast<bool>(out);
  }
  std::error_code ec;
  if (written) std::filesystem::rename(tmp, path, ec);
  if (!written || ec) {
    std::filesystem::remove(tmp, ec);
    return false;
  }
  return true;
}

}  // namespace vigil::signatures
