// Result<T> and the propagation macros every layer uses instead of exceptions.
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cadent {

using Status = absl::Status;

// A value or an error. The error codes carry the retry policy (see absl/status/status.h):
// kInvalidArgument - the input is wrong, do not retry; kNotFound; kAlreadyExists;
// kFailedPrecondition - state must change first; kUnavailable - retry later;
// kResourceExhausted - back off; kDataLoss / kInternal - a bug or corruption.
template <typename T>
using Result = absl::StatusOr<T>;

inline Status OkStatus() { return absl::OkStatus(); }

namespace internal {
inline const Status& StatusOf(const Status& status) { return status; }
template <typename T>
const Status& StatusOf(const Result<T>& result) {
  return result.status();
}
}  // namespace internal

}  // namespace cadent

#define CADENT_CONCAT_INNER(a, b) a##b
#define CADENT_CONCAT(a, b) CADENT_CONCAT_INNER(a, b)

// TRY(expr): evaluates a Status or Result<T>; returns its status from the caller on error.
#define TRY(expr)                                            \
  do {                                                       \
    const auto& cadent_try_value = (expr);                   \
    if (!cadent_try_value.ok()) {                            \
      return ::cadent::internal::StatusOf(cadent_try_value); \
    }                                                        \
  } while (false)

// ASSIGN_OR_RETURN(lhs, expr): lhs = *expr on success; returns the status on error.
// lhs may be a declaration: ASSIGN_OR_RETURN(auto rows, store.List(ws));
#define ASSIGN_OR_RETURN(lhs, expr) \
  CADENT_ASSIGN_OR_RETURN_IMPL(CADENT_CONCAT(cadent_result_, __LINE__), lhs, expr)

#define CADENT_ASSIGN_OR_RETURN_IMPL(result, lhs, expr) \
  auto result = (expr);                                 \
  if (!result.ok()) {                                   \
    return std::move(result).status();                  \
  }                                                     \
  lhs = std::move(result).value()
