// SPDX-License-Identifier: Apache-2.0
// fuma/error.hpp -- the errors every fuma call reports.
//
// An error is a value: a stable code, a Chinese message for people and an
// English detail for developers. The C++ API throws it as fuma::Error; the C
// ABI returns the code's pinned number and keeps the rest for
// fuma_error_last().
#ifndef FUMA_ERROR_HPP
#define FUMA_ERROR_HPP

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fuma {

// The numeric values are the C ABI's FUMA_E* values, pinned forever.
enum class Errc : int {
  internal = -1,
  out_of_memory = -2,
  invalid_argument = -3,
  unknown_command = -4,
  not_found = -5,
  forbidden = -6,
  conflict = -7,
  invalid_state = -8,
  on_site_only = -9,
  missing_attachments = -10,
  credential_revoked = -11,
  invalid_code = -12,
  exhausted = -13,
  storage = -14,
  version = -15,
  not_an_image = -16,
  image_too_large = -17,
  no_qr_found = -18,
  multiple_qr = -19,
  not_a_credential = -20,
  credential_malformed = -21,
  unsupported_version = -22,
  unknown_key = -23,
  bad_signature = -24,
  credential_expired = -25,
  unit_revoked = -26,
  captcha_wrong = -27,
  captcha_expired = -28,
  too_many_attempts = -29,
  session_expired = -30,
  commitment_required = -31,
  login_failed = -32,
  unsupported_image_format = -33,
  store_unavailable = -34,
};

// "ON_SITE_ONLY" for Errc::on_site_only; "UNKNOWN" for a value out of range.
std::string_view errc_name(Errc code) noexcept;

// The standard Chinese message for a code, used when a thrower gives none.
std::string_view errc_message(Errc code) noexcept;

// One thing wrong with a request, so that a form can show every problem at
// once instead of one per round trip.
struct Problem {
  std::string field;    // where: "reason", "items[1].new", "attachments"
  std::string message;  // Chinese, for people
  // For a missing attachment: the kind's key and label; empty otherwise.
  std::string kind;
  std::string label;
};

class Error : public std::runtime_error {
 public:
  // detail: English, for developers. message: Chinese, for people; empty
  // takes the code's standard message.
  Error(Errc code, std::string detail, std::string message = {});
  // The same, listing each problem (validation, missing attachments).
  Error(Errc code, std::string detail, std::string message, std::vector<Problem> problems);

  Errc code() const noexcept { return code_; }
  std::string_view name() const noexcept { return errc_name(code_); }
  const std::string& message() const noexcept { return message_; }
  const std::string& detail() const noexcept { return detail_; }
  // Empty unless the thrower listed problems.
  const std::vector<Problem>& problems() const noexcept { return problems_; }

  // {"ok":false,"error":{"code":..,"message":..,"detail":..}}, with
  // "problems":[{"field":..,"message":..,"kind"?:..,"label"?:..}] inside
  // "error" when there are any.
  std::string json() const;

 private:
  Errc code_;
  std::string message_;
  std::string detail_;
  std::vector<Problem> problems_;
};

}  // namespace fuma

#endif  // FUMA_ERROR_HPP
