// SPDX-License-Identifier: Apache-2.0
// What an engine's credential and session commands need besides the store:
// the crypto suite the store was created with, the sealer for private
// signing keys (opened on first use), the login commitment, the timeouts and
// the limits. One per Engine; shared by every thread of it.
#ifndef FUMA_SRC_ENGINE_SECURITY_HPP
#define FUMA_SRC_ENGINE_SECURITY_HPP

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "crypto/crypto.hpp"
#include "image/budget.hpp"
#include "image/image.hpp"
#include "rate_limit.hpp"
#include "session/session.hpp"

namespace fuma::engine {

struct Security {
  // The store's crypto suite, as recorded in it when it was created (a store
  // with no record is standard): what every command asks to know whether
  // the deployment is all-SM. Set once, when the engine opens.
  crypto::Suite suite = crypto::Suite::standard;
  // The digest of the audit chain, as recorded in the store; a chain keeps
  // the algorithm it was started with.
  crypto::Digest audit_digest = crypto::Digest::sha256;
  // The suite's digest: attachments, form codes, session tokens, captcha
  // answers, idempotency fingerprints.
  crypto::Digest digest() const noexcept { return crypto::digest_of(suite); }
  // "" with an in-memory store: the master key then lives in memory only.
  std::string key_file;
  std::shared_ptr<const session::Commitment> commitment;
  std::chrono::seconds session_idle{30 * 60};
  std::chrono::seconds session_absolute{8 * 60 * 60};
  std::chrono::seconds captcha_lifetime{5 * 60};
  // Set only for tests and demonstrations (Options::captcha_answer).
  std::optional<std::string> fixed_captcha;
  image::Limits image_limits;
  // The pixels all of this engine's calls may decode at once
  // (Options::decode_pixel_budget). Never null once the engine is open.
  std::unique_ptr<image::PixelBudget> decode_budget;
  session::Throttling throttling;
  // Failed staff logins against a name from any address: twenty are free,
  // then each attempt waits 5 s, doubling to at most a minute. A name's
  // owner is never kept out longer, whoever else fails at it; the full
  // policy above holds for each address and for the name from each address.
  session::Throttling name_throttling{20, std::chrono::seconds(5), std::chrono::seconds(60),
                                      std::chrono::hours(24)};
  // Captchas for one client address (Options::captcha_per_minute). Each is
  // a durable write (a captcha drawn on one host may be answered through
  // another), so an anonymous flood would otherwise cost every writer.
  std::unique_ptr<RateLimit> captcha_rate;

  // The sealer of the store's suite, reading the key file on first use, or
  // creating it when `may_create`. Throws Error(storage) as
  // crypto::Sealer::load does.
  const crypto::Sealer& sealer(bool may_create) const;

 private:
  mutable std::mutex mutex_;
  mutable std::optional<crypto::Sealer> sealer_;
};

// How long a decode waits for its pixels of the budget before the call is
// refused as busy (TOO_MANY_ATTEMPTS).
inline constexpr std::chrono::milliseconds kDecodeWait{20'000};

// The budget pictures are decoded within: the engine's, or, for a call
// without an engine (Engine::call_stateless), one the process shares, of
// the default size.
image::PixelBudget& decode_budget(const Security* security);

// Options::captcha_answer upper-cased, or Error(invalid_argument) when it is
// not 1 to 8 characters of the captcha alphabet.
std::string checked_fixed_captcha(std::string_view answer);

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_SECURITY_HPP
