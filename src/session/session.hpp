// SPDX-License-Identifier: Apache-2.0
// Sessions of units logged in with their credential: the tokens, the login
// commitment (登录承诺) they accept before anything else, and how failed
// login attempts slow further attempts down. Pure policy; the engine's
// session commands keep the records.
#ifndef FUMA_SRC_SESSION_SESSION_HPP
#define FUMA_SRC_SESSION_SESSION_HPP

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/crypto.hpp"

namespace fuma::session {

// The login commitment, a data file a locality may replace (engine option
// commitment_path). text_version names the wording: an acceptance is
// recorded with it, so a change of wording is a new version.
struct Commitment {
  std::string text_version;
  std::string title;
  std::vector<std::string> paragraphs;
  std::string accept_label;

  // Throws Error(invalid_argument) naming `source` and the place of the defect.
  static Commitment parse(std::string_view text, std::string_view source);
  // The one shipped inside the library.
  static const Commitment& standard();
};

// A new session token: 32 bytes from OpenSSL's RAND_bytes as unpadded
// base64url (43 characters). Only its hash is ever stored.
std::string new_token();
// The token's digest by the store's suite (SHA-256, or SM3 under sm),
// lower-case hex: what the store keeps and looks up. A token is 32 random
// bytes, so a plain digest is enough: nothing short to guess.
std::string token_hash(std::string_view token, crypto::Digest digest);
// Whether `text` has a token's shape (43 base64url characters); anything
// else is refused before a lookup.
bool is_token(std::string_view text) noexcept;

// Staff passwords, stored as "scrypt$<log2 N>$<r>$<p>$<salt>$<hash>" (salt and
// hash base64url; scrypt through OpenSSL, N = 2^15, r = 8, p = 1: 32 MiB and
// some 60 ms a check, so a stolen database is slow to guess through). The
// salt is 16 random bytes.
std::string hash_password(std::string_view password);
// Whether `password` matches `stored`, compared in constant time; false for
// an empty or malformed `stored` (a staff member without a password).
bool verify_password(std::string_view password, std::string_view stored);
// Why staff may not choose `password`, in Chinese, or "" when they may: it
// needs 10 to 128 characters and two of letters, digits and other characters.
std::string password_problem(std::string_view password);

// How failed login attempts against one scope (a client address, a
// credential) slow the next attempt down: the first `free_failures` cost
// nothing; after that each failure doubles the wait, from `first_delay` up to
// `max_delay`. A scope quiet for `forget_after` starts again from zero.
struct Throttling {
  std::int64_t free_failures = 5;
  std::chrono::seconds first_delay{30};
  std::chrono::seconds max_delay{std::chrono::minutes(15)};
  std::chrono::seconds forget_after{std::chrono::hours(24)};
};

// How long, from `now`, until another attempt is allowed; zero when it is.
std::chrono::seconds wait_before_next(const Throttling& policy, std::int64_t failures,
                                      std::chrono::system_clock::time_point last_failure,
                                      std::chrono::system_clock::time_point now);
// The failure count to record for a new failure at `now` (the old count, or
// zero when forgotten, plus one).
std::int64_t count_failure(const Throttling& policy, std::int64_t failures,
                           std::chrono::system_clock::time_point last_failure,
                           std::chrono::system_clock::time_point now);

}  // namespace fuma::session

#endif  // FUMA_SRC_SESSION_SESSION_HPP
