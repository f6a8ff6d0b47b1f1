#pragma once
// Vocabulary types shared by every module: a value-or-error result that crosses module boundaries
// instead of exceptions (g++ 12 has no std::expected yet; this keeps the same shape).

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace vigil {

enum class ErrorCode {
  kInvalidArgument,  // bad input: a file, field or line the caller gave us
  kNotFound,
  kIo,               // the OS refused: disk full, permission, missing directory
  kCorrupt,          // stored data failed a check
  kUnavailable,      // a peer is down or unreachable; worth retrying
  kPermissionDenied, // refused by policy: a revoked device, a used or expired token
  kInternal,
  kNoSpace,          // the disk (or its reserve) is full: worth retrying once space frees
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // names the file, field or line at fault
};

inline Error make_error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}      // NOLINT: implicit by design

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(state_); }
  const T& value() const& { assert(ok()); return std::get<0>(state_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

inline Result<void> ok_result() { return {}; }

}  // namespace vigil
