#pragma once
// Whole-file reads and writes for small files: keys, certificates, identities.

#include <filesystem>
#include <string>

#include "vigil/result.h"

namespace vigil {

Result<std::string> read_file(const std::filesystem::path& path);

enum class FileAccess {
  kOwnerOnly,      // private keys: a pupil who could read one could impersonate the PC or collector
  kWorldReadable,  // certificates, public keys, ids
};

Result<void> write_file(const std::filesystem::path& path, const std::string& bytes, FileAccess access);

}  // namespace vigil
