// SPDX-License-Identifier: Apache-2.0
// The login picture's path up to the signature check: credential::scan
// (decode, QR, parse), then verify against a fixed public key (the key
// tests/fuzz/make_seeds.cpp signs the seed pictures with).
#include "credential/credential.hpp"
#include "fuzz.hpp"

namespace {
// Ed25519, the public half of make_seeds.cpp's fixed private key (the
// bytes 0, 1, ..., 31).
const fuma::credential::PublicKey& public_key() {
  static const fuma::credential::PublicKey key{
      fuma::credential::Suite::ed25519,
      fuma::credential::from_base64url("A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"),
      {}};
  return key;
}

// An SM2 key made once per run, so that texts marked SM2 reach its check.
const fuma::credential::PublicKey& sm2_key() {
  static const fuma::credential::PublicKey key{
      fuma::credential::Suite::sm2,
      fuma::credential::generate_key(fuma::credential::Suite::sm2).public_key,
      {}};
  return key;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuma::image::Limits limits;
  limits.max_bytes = 1u << 20;
  limits.max_pixels = 1u << 20;
  fuma::fuzz::expect_clean([&] {
    const fuma::credential::Parsed parsed =
        fuma::credential::scan(fuma::fuzz::bytes(data, size), limits);
    fuma::credential::verify(parsed, public_key());
    fuma::credential::verify(parsed, sm2_key());
  });
  return 0;
}
