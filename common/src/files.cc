#include "vigil/files.h"

#include <fstream>
#include <sstream>

namespace vigil {

namespace fs = std::filesystem;

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIo, path.string() + ": cannot read");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<void> write_file(const fs::path& path, const std::string& bytes, FileAccess access) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
    out.flush();
    if (!out) return make_error(ErrorCode::kIo, path.string() + ": cannot write");
  }
  constexpr auto kOwner = fs::perms::owner_read | fs::perms::owner_write;
  std::error_code ec;
  fs::permissions(path, access == FileAccess::kOwnerOnly ? kOwner : kOwner | fs::perms::group_read | fs::perms::others_read, ec);
  if (ec) return make_error(ErrorCode::kIo, path.string() + ": " + ec.message());
  return {};
}

}  // namespace vigil
