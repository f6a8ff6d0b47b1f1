#pragma once
// Reading and writing the matcher's cache files (compiled databases, plans) whole.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::signatures {

// The file's bytes, or nothing when it can't be read whole. A file read is touched, so pruning
// by age spares what is in use.
std::optional<std::string> read_cache_file(const std::filesystem::path& path);

// Written to a temporary name, then renamed: readers see the old file or the whole new one.
// False when it could not be written whole.
bool write_cache_file(const std::filesystem::path& path, std::string_view bytes);

}  // namespace vigil::signatures
