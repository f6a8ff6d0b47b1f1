#pragma once
// The cached plan's byte format (plan_cache.cc): trivially copyable values and vectors of them,
// each vector preceded by its element count. Only ever read by the program that wrote it (the
// file name carries that program's build id), so the layout is the in-memory one.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace vigil::signatures {

class PlanWriter {
 public:
  template <typename T>
  void value(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  template <typename T>
  void values(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    value(static_cast<uint64_t>(v.size()));
    if (!v.empty()) bytes_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  void text(const std::string& s) {
    value(static_cast<uint64_t>(s.size()));
    bytes_.append(s);
  }
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
};

// Every read fails (returns false, and keeps failing) on input too short for it.
class PlanReader {
 public:
  explicit PlanReader(std::string_view bytes) : bytes_(bytes) {}
  template <typename T>
  bool value(T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (!ok_ || bytes_.size() < sizeof v) return ok_ = false;
    std::memcpy(&v, bytes_.data(), sizeof v);
    bytes_.remove_prefix(sizeof v);
    return true;
  }
  template <typename T>
  bool values(std::vector<T>& v) {
    uint64_t n = 0;
    if (!value(n) || n > bytes_.size() / (sizeof(T) ? sizeof(T) : 1)) return ok_ = false;
    v.resize(static_cast<size_t>(n));
    if (!v.empty()) std::memcpy(v.data(), bytes_.data(), v.size() * sizeof(T));
    bytes_.remove_prefix(v.size() * sizeof(T));
    return true;
  }
  bool text(std::string& s) {
    uint64_t n = 0;
    if (!value(n) || n > bytes_.size()) return ok_ = false;
    s.assign(bytes_.data(), static_cast<size_t>(n));
    bytes_.remove_prefix(static_cast<size_t>(n));
    return true;
  }
  bool ok() const { return ok_; }
  size_t remaining() const { return bytes_.size(); }
  bool done() const { return ok_ && bytes_.empty(); }

 private:
  std::string_view bytes_;
  bool ok_ = true;
};

}  // namespace vigil::signatures
