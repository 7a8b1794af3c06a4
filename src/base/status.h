// Errors as values: Status for operations without a result, Result<T> for those
// with one. No exceptions cross library boundaries; a failed Status carries one
// sentence naming the file, field and value at fault.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace edgereason {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller passed something malformed or out of range
  kNotFound,         // a file, tensor or key that must exist does not
  kIoError,          // the operating system refused a read, write or map
  kCorruptData,      // a file exists but its bytes do not follow its format
  kUnsupported,      // well-formed input asking for something we do not do
  kOutOfRange,       // e.g. a prompt longer than the context window
  kInternal,         // a broken invariant inside edgereason
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid argument: <message>" or "ok".
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status IoError(std::string message);
Status CorruptData(std::string message);
Status Unsupported(std::string message);
Status OutOfRange(std::string message);
Status Internal(std::string message);

// Holds either a T or a failed Status. Accessing value() of a failed Result is a
// programming error (asserted).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(data_).ok() && "Result built from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(data_);
  }
  T& value() & { assert(ok()); return std::get<T>(data_); }
  const T& value() const& { assert(ok()); return std::get<T>(data_); }
  T&& value() && { assert(ok()); return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace edgereason

#define ER_CONCAT_INNER_(a, b) a##b
#define ER_CONCAT_(a, b) ER_CONCAT_INNER_(a, b)

// Returns the Status of `expr` from the enclosing function if it failed.
#define ER_RETURN_IF_ERROR(expr)                         \
  do {                                                   \
    ::edgereason::Status er_status_ = (expr);            \
    if (!er_status_.ok()) return er_status_;             \
  } while (0)

// `ER_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from a Result or returns its
// Status.
#define ER_ASSIGN_OR_RETURN(lhs, expr) \
  ER_ASSIGN_OR_RETURN_IMPL_(ER_CONCAT_(er_result_, __LINE__), lhs, expr)
#define ER_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
