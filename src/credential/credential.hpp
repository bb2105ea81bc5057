// SPDX-License-Identifier: Apache-2.0
// The login credential (登录二维码图片): what its QR code says, how that text
// is signed and checked, and the keys that sign it.
//
// The text is "FM1:" + the unit's USCC + Base45 (RFC 9285) of a binary body
// and its signature. Every character is in the QR alphanumeric set, so the
// QR code is written in alphanumeric mode (5.5 bits a character), as the EU
// Digital COVID Certificate's "HC1:" is; the USCC is already in that set and
// costs no more in clear than packed. The body, in order:
//   kid         8 bytes: the key's id (key_id below)
//   flags       1 byte: bit 0 set when an expiry follows; bit 1 set when the
//               signature is SM2 (suite sm2), clear for Ed25519 (suite
//               ed25519); other bits unused
//   id          unsigned LEB128: the credential's id in the issuing store
//   generation  unsigned LEB128: 1 for the unit's first credential, then 2, ...
//   issued_at   unsigned LEB128: Unix seconds
//   expires_at  unsigned LEB128: Unix seconds (only with flag bit 0)
//   signature   64 bytes over "FM1:" + USCC + the body before it:
//               ed25519: the Ed25519 signature (RFC 8032);
//               sm2: SM2 with SM3 (GB/T 32918.2, GM/T 0009) under the key's
//               distinguishing id, as r || s, each 32 bytes big-endian (not
//               DER, so that the text's length is fixed).
// Both suites give texts of the same length, so the same QR version.
// A change that an older reader would misread takes a new prefix ("FM2:");
// readers refuse prefixes they do not know as an unsupported version, and
// unknown flag bits the same way: a reader from before SM2 refuses an SM2
// text as unsupported_version rather than misreading it.
#ifndef FUMA_SRC_CREDENTIAL_CREDENTIAL_HPP
#define FUMA_SRC_CREDENTIAL_CREDENTIAL_HPP

#include <cstdint>
#include <optional>

#include <string>
#include <string_view>
#include "crypto/crypto.hpp"
#include "image/budget.hpp"
#include "image/image.hpp"

namespace fuma::credential {

constexpr std::string_view kPrefix = "FM1:";

// How a credential is signed (its signing suite), chosen per key.
enum class Suite { ed25519, sm2 };
// "ed25519" or "sm2", as commands and the store spell it.
std::string_view suite_name(Suite suite) noexcept;
std::optional<Suite> suite_from_name(std::string_view name) noexcept;
// GM/T 0009's default distinguishing id (ID_A) of an SM2 signer.
constexpr std::string_view kDefaultSm2Id = "1234567812345678";
// Whether `id` may be an SM2 distinguishing id: 1 to 64 printable ASCII
// characters (spaces inside allowed), so that it is exported and typed
// into other tools without ambiguity.
bool valid_distinguishing_id(std::string_view id) noexcept;

// What a credential says about itself.
struct Claims {
  std::string kid;  // 16 lower-case hex digits
  std::string uscc;
  std::uint64_t id = 0;
  std::uint64_t generation = 0;
  std::int64_t issued_at = 0;              // Unix seconds
  std::optional<std::int64_t> expires_at;  // Unix seconds
  Suite suite = Suite::ed25519;            // flag bit 1
};

// A credential's text, read but not yet checked against any key.
struct Parsed {
  Claims claims;
  std::string message;    // the signed bytes
  std::string signature;  // 64 bytes (Ed25519, or SM2's r || s)
};

// Whether a QR code's text looks like any version of a fuma credential
// ("FM" + digits + ":"), so that a page's other codes can be told apart.
bool looks_like_credential(std::string_view text) noexcept;

// Reads a credential's text. Throws fuma::Error: not_a_credential when it
// is not one at all, unsupported_version for an unknown "FMn:" prefix or
// flag, credential_malformed for a bad USCC part, bad Base45, a truncated
// or overlong body.
Parsed parse(std::string_view text);

// The one credential in an uploaded picture: decodes it within `limits`,
// reads its QR codes and parses the one that is a credential, so that a
// screenshot of a page with other codes still works. With a budget, the
// picture's pixels are reserved from it (image::PixelBudget::reserve) from
// before decoding until its codes are read. Throws what image::decode and
// the reservation throw, then no_qr_found, not_a_credential (codes, but
// none a credential), multiple_qr (two different credentials), and what
// parse() throws.
Parsed scan(std::string_view image_bytes, const image::Limits& limits,
            image::PixelBudget* budget = nullptr);

// The QR picture of a credential's text: level M, 10 pixels a module, at
// most version 10 (Error(internal) beyond, which a fuma text never needs).
image::Qr draw(std::string_view text);

// Whether the credential has expired at `now` (Unix seconds).
bool expired(const Claims& claims, std::int64_t now) noexcept;

// How an issued picture reaches the unit (现场领取, 粤政易发送, ...): a data
// file validated on load, as the channels differ between localities.
struct Channel {
  std::string key;
  std::string label;
  bool note_required = false;  // "other" needs a few words of how
};
// Throws Error(invalid_argument) naming `source` and the defect.
std::vector<Channel> parse_channels(std::string_view text, std::string_view source);
// The shipped channels.
const std::vector<Channel>& standard_channels();

// --- keys -------------------------------------------------------------------

// A key pair as raw bytes. ed25519: 32-byte public and private halves.
// sm2: the public key as the 65-byte uncompressed point (04 || x || y) and
// the private key as the 32-byte big-endian scalar. The private half is
// wiped when the KeyPair is destroyed.
struct KeyPair {
  Suite suite = Suite::ed25519;
  std::string public_key;
  std::string private_key;
  std::string distinguishing_id;  // sm2 only; empty for ed25519
  KeyPair() = default;
  KeyPair(const KeyPair&) = delete;
  KeyPair& operator=(const KeyPair&) = delete;
  KeyPair(KeyPair&&) = default;
  KeyPair& operator=(KeyPair&&) = default;
  ~KeyPair();
};

// A fresh key of `suite` from OpenSSL's random generator; an SM2 key takes
// `distinguishing_id` (kDefaultSm2Id when empty). Error(invalid_argument)
// for a distinguishing id valid_distinguishing_id refuses.
KeyPair generate_key(Suite suite = Suite::ed25519, std::string_view distinguishing_id = {});
// The key id of a public key: 16 hex digits, the first 8 bytes of its
// suite's digest of the raw public key (SHA-256 of the 32 bytes for
// ed25519, SM3 of the 65-byte point for sm2).
std::string key_id(std::string_view public_key, Suite suite = Suite::ed25519);
// Whether `public_key` has the raw form of `suite`'s public keys (32 bytes;
// 65 bytes starting 04 for a point on the SM2 curve).
bool valid_public_key(std::string_view public_key, Suite suite);

// The text of `claims` signed with `key` (claims.kid must be key_id of its
// public half; claims.suite is taken from the key). Error(invalid_argument)
// for a USCC that is not 18 characters of the QR alphanumeric set. SM2
// signatures are randomised: signing the same claims twice gives two
// different valid texts.
std::string sign(Claims claims, const KeyPair& key);

// The two halves of sign(), for verifiers and test data in other
// languages: the bytes a signature covers, and the text of claims with a
// given 64-byte signature (Error(invalid_argument) for another length).
std::string signed_message(const Claims& claims);
std::string assemble(const Claims& claims, std::string_view signature);

// A public key as a verifier holds it.
struct PublicKey {
  Suite suite = Suite::ed25519;
  std::string bytes;              // the raw form KeyPair describes
  std::string distinguishing_id;  // sm2: kDefaultSm2Id when empty
};

// Whether `parsed` carries a valid signature by `key`. A text of one suite
// never verifies with a key of the other.
bool verify(const Parsed& parsed, const PublicKey& key);

// Public keys as exchanged with an offline verifier: unpadded base64url of
// the raw bytes, and PEM (SubjectPublicKeyInfo) for OpenSSL and friends; an
// SM2 key's is id-ecPublicKey with the SM2 curve (1.2.156.10197.1.301).
std::string to_base64url(std::string_view bytes);
// Error(invalid_argument) for text that is not base64url.
std::string from_base64url(std::string_view text);
std::string public_key_pem(std::string_view public_key, Suite suite = Suite::ed25519);

// The digest and the sealer live in src/crypto; the credential code names
// them here too.
using crypto::Sealer;
using crypto::sha256_hex;

}  // namespace fuma::credential

#endif  // FUMA_SRC_CREDENTIAL_CREDENTIAL_HPP
