// SPDX-License-Identifier: Apache-2.0
// A stored signing key as the credential module takes it.
#ifndef FUMA_SRC_ENGINE_SIGNING_KEY_HPP
#define FUMA_SRC_ENGINE_SIGNING_KEY_HPP

#include <string>

#include "credential/credential.hpp"
#include "fuma/error.hpp"
#include "store/store.hpp"

namespace fuma::engine {

inline credential::Suite suite_of(const store::SigningKey& k) {
  const std::optional<credential::Suite> suite = credential::suite_from_name(k.suite);
  if (!suite) throw Error(Errc::storage, "signing key " + k.kid + " has an unknown suite");
  return *suite;
}

// The public half of a stored key, for checking what it signed.
inline credential::PublicKey public_key_of(const store::SigningKey& k) {
  return credential::PublicKey{suite_of(k), k.public_key, k.distinguishing_id};
}

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_SIGNING_KEY_HPP
