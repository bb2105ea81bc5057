// The login credential (登录二维码图片): what its QR code says, how that text
// is signed and checked, and the keys that sign it.
//
// The text is "FM1:" + the unit's USCC + Base45 (RFC 9285) of a binary body
// and its Ed25519 signature. Every character is in the QR alphanumeric set,
// so the QR code is written in alphanumeric mode (5.5 bits a character), as
// the EU Digital COVID Certificate's "HC1:" is; the USCC is already in that
// set and costs no more in clear than packed. The body, in order:
//   kid         8 bytes: the first 8 bytes of SHA-256 of the public key
//   flags       1 byte: bit 0 set when an expiry follows; other bits unused
//   id          unsigned LEB128: the credential's id in the issuing store
//   generation  unsigned LEB128: 1 for the unit's first credential, then 2, ...
//   issued_at   unsigned LEB128: Unix seconds
//   expires_at  unsigned LEB128: Unix seconds (only with flag bit 0)
//   signature   64 bytes: Ed25519 over "FM1:" + USCC + the body before it
// A change that an older reader would misread takes a new prefix ("FM2:");
// readers refuse prefixes they do not know as an unsupported version, and
// unknown flag bits the same way.
#ifndef FUMA_SRC_CREDENTIAL_CREDENTIAL_HPP
#define FUMA_SRC_CREDENTIAL_CREDENTIAL_HPP

#include <cstdint>
#include <optional>

#include <string>
#include <string_view>
#include "crypto/crypto.hpp"
#include "image/image.hpp"

namespace fuma::credential {

constexpr std::string_view kPrefix = "FM1:";

// What a credential says about itself.
struct Claims {
  std::string kid;  // 16 lower-case hex digits
  std::string uscc;
  std::uint64_t id = 0;
  std::uint64_t generation = 0;
  std::int64_t issued_at = 0;              // Unix seconds
  std::optional<std::int64_t> expires_at;  // Unix seconds
};

// A credential's text, read but not yet checked against any key.
struct Parsed {
  Claims claims;
  std::string message;    // the signed bytes
  std::string signature;  // 64 bytes
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
// screenshot of a page with other codes still works. Throws what
// image::decode throws, then no_qr_found, not_a_credential (codes, but none
// a credential), multiple_qr (two different credentials), and what parse()
// throws.
Parsed scan(std::string_view image_bytes, const image::Limits& limits);

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

// An Ed25519 key pair as raw 32-byte halves. The private half is wiped when
// the KeyPair is destroyed.
struct KeyPair {
  std::string public_key;
  std::string private_key;
  KeyPair() = default;
  KeyPair(const KeyPair&) = delete;
  KeyPair& operator=(const KeyPair&) = delete;
  KeyPair(KeyPair&&) = default;
  KeyPair& operator=(KeyPair&&) = default;
  ~KeyPair();
};

KeyPair generate_key();
// The key id of a public key: 16 hex digits.
std::string key_id(std::string_view public_key);

// The text of `claims` signed with `key` (claims.kid must be key_id of its
// public half). Error(invalid_argument) for a USCC that is not 18 characters
// of the QR alphanumeric set.
std::string sign(const Claims& claims, const KeyPair& key);

// The two halves of sign(), for verifiers and test data in other
// languages: the bytes a signature covers, and the text of claims with a
// given 64-byte signature (Error(invalid_argument) for another length).
std::string signed_message(const Claims& claims);
std::string assemble(const Claims& claims, std::string_view signature);

// Whether `parsed` carries a valid signature by `public_key`.
bool verify(const Parsed& parsed, std::string_view public_key);

// Public keys as exchanged with an offline verifier: unpadded base64url of
// the 32 raw bytes, and PEM (SubjectPublicKeyInfo) for OpenSSL and friends.
std::string to_base64url(std::string_view bytes);
// Error(invalid_argument) for text that is not base64url.
std::string from_base64url(std::string_view text);
std::string public_key_pem(std::string_view public_key);

// The digest and the sealer live in src/crypto; the credential code names
// them here too.
using crypto::Sealer;
using crypto::sha256_hex;

}  // namespace fuma::credential

#endif  // FUMA_SRC_CREDENTIAL_CREDENTIAL_HPP
