// SPDX-License-Identifier: Apache-2.0
// The deployment's cryptography: which suite protects the store, the
// digests that keep records intact, and the sealing of private keys under
// the key file's master key.
//
// Two suites, chosen once, when a store is created (engine option
// crypto_suite), and recorded in it:
//   standard  SHA-256 digests; keys sealed with AES-256-GCM
//   sm        SM3 digests (GB/T 32905); keys sealed with SM4 (GB/T 32907) in
//             CTR mode, authenticated with HMAC-SM3 (encrypt-then-MAC), for a
//             deployment assessed under GB/T 39786 (商用密码应用安全性评估)
// Both digests are 32 bytes, 64 lower-case hex digits, so every column and
// answer that holds one keeps its shape whichever suite made it.
//
// Everything here draws randomness from OpenSSL and throws fuma::Error:
// Error(internal) when OpenSSL itself fails.
#ifndef FUMA_SRC_CRYPTO_CRYPTO_HPP
#define FUMA_SRC_CRYPTO_CRYPTO_HPP

#include <optional>
#include <string>
#include <string_view>

namespace fuma::crypto {

enum class Suite { standard, sm };
enum class Digest { sha256, sm3 };

// "standard", "sm"; "sha256", "sm3": the names options, the store and
// answers use.
std::string_view name(Suite suite) noexcept;
std::string_view name(Digest digest) noexcept;
std::optional<Suite> suite_named(std::string_view name) noexcept;
std::optional<Digest> digest_named(std::string_view name) noexcept;

// The digest a suite keeps records with.
Digest digest_of(Suite suite) noexcept;

// The digest of `bytes`: 32 raw bytes, or 64 lower-case hex digits.
std::string digest(Digest algorithm, std::string_view bytes);
std::string digest_hex(Digest algorithm, std::string_view bytes);
// SHA-256 as hex, for what is SHA-256 in every suite (key ids of Ed25519
// keys, file identifiers).
std::string sha256_hex(std::string_view bytes);

// HMAC (RFC 2104) with `algorithm`: 32 raw bytes.
std::string hmac(Digest algorithm, std::string_view key, std::string_view bytes);

// The key derivation function of GB/T 32918.4 (SM2, part 4), which is ANSI
// X9.63's with SM3: SM3(z || counter || info) for counter = 1, 2, ...
// (32 bits, big-endian), concatenated and cut to `length` bytes.
std::string kdf_sm3(std::string_view z, std::string_view info, std::size_t length);

// SM4 in CTR mode (GB/T 17964): `data` XORed with the key stream that starts
// at the 16-byte counter block `iv`. Encrypts and decrypts alike. A 16-byte
// key.
std::string sm4_ctr(std::string_view key, std::string_view iv, std::string_view data);

// Whether a and b are equal, in time that depends on their lengths only.
bool equal(std::string_view a, std::string_view b) noexcept;

// Random bytes from OpenSSL's RAND_bytes.
std::string random_bytes(std::size_t n);

// Lower-case hex of `bytes`.
std::string hex(std::string_view bytes);

// Private keys are kept in the database only sealed under a 32-byte master
// key that lives outside it, in a key file (Sealer::load). `label` is
// authenticated with the sealed bytes, so a sealed key cannot be moved to
// another row. A sealer seals with its suite's construction and opens both,
// since each sealed form says which construction made it:
//
//   AES-256-GCM (standard): nonce (12) || ciphertext || tag (16); 60 bytes
//     for a 32-byte key. The label is the additional authenticated data.
//   SM4 (sm): "SM4" 0x01 || iv (16) || ciphertext || HMAC-SM3 tag (32); 84
//     bytes for a 32-byte key. An SM4 key (16 bytes) and an HMAC key (32
//     bytes) come from the master key by kdf_sm3 with the info
//     "fuma-seal-sm4-ctr-hmac-sm3"; the tag is HMAC-SM3 over the header,
//     the iv, the label's length (8 bytes, big-endian), the label and the
//     ciphertext, and is checked before anything is decrypted.
//
// The AES form carries no marker (it predates the SM4 form), so a nonce
// never starts with the SM4 form's four bytes; a form that does and does
// not open as SM4 is tried as AES-256-GCM, so every key sealed before the
// SM4 form existed still opens.
class Sealer {
 public:
  explicit Sealer(std::string master_key, Suite suite = Suite::standard);
  Sealer(const Sealer&) = delete;
  Sealer& operator=(const Sealer&) = delete;
  Sealer(Sealer&&) noexcept = default;
  Sealer& operator=(Sealer&&) = delete;
  ~Sealer();

  // A fresh random master key, for an engine whose store is in memory.
  static Sealer ephemeral(Suite suite = Suite::standard);
  // Reads the key file at `path`, creating it (32 random bytes, mode 0600,
  // O_EXCL) when it does not exist and `create` allows. Throws
  // Error(storage) when the file is missing (and may not be created),
  // cannot be read or created, is not exactly 32 bytes, or may be read or
  // written by anyone but its owner (mode & 077), as ssh refuses such keys.
  static Sealer load(const std::string& path, bool create, Suite suite = Suite::standard);

  Suite suite() const noexcept { return suite_; }

  // The sealed form of `plain` by this sealer's suite, as above.
  std::string seal(std::string_view plain, std::string_view label) const;
  // Error(storage) when the bytes were sealed under another master key or
  // label, or were changed.
  std::string open(std::string_view sealed, std::string_view label) const;

 private:
  std::string master_;
  std::string sm4_key_;   // derived from master_ for the SM4 form
  std::string hmac_key_;  // likewise
  Suite suite_;
};

}  // namespace fuma::crypto

#endif  // FUMA_SRC_CRYPTO_CRYPTO_HPP
