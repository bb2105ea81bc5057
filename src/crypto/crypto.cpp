// SPDX-License-Identifier: Apache-2.0
#include "crypto.hpp"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "fuma/error.hpp"

namespace fuma::crypto {
namespace {

constexpr std::size_t kDigestBytes = 32;
constexpr std::size_t kMasterKeyBytes = 32;

[[noreturn]] void crypto_failure(const char* what) {
  throw Error(Errc::internal, std::string("OpenSSL failed: ") + what);
}

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Fetched once: EVP_sha256() and friends make OpenSSL 3 look the algorithm
// up in its providers on every use, which costs several times the hashing
// of a short text.
const EVP_MD* md(Digest algorithm) {
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static EVP_MD* const kSm3 = EVP_MD_fetch(nullptr, "SM3", nullptr);
  const EVP_MD* m = algorithm == Digest::sm3 ? kSm3 : kSha256;
  if (m == nullptr) crypto_failure(algorithm == Digest::sm3 ? "SM3 fetch" : "SHA-256 fetch");
  return m;
}

const EVP_CIPHER* sm4_ctr_cipher() {
  static EVP_CIPHER* const kSm4Ctr = EVP_CIPHER_fetch(nullptr, "SM4-CTR", nullptr);
  if (kSm4Ctr == nullptr) crypto_failure("SM4-CTR fetch");
  return kSm4Ctr;
}

const EVP_CIPHER* aes_gcm_cipher() {
  static EVP_CIPHER* const kAesGcm = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (kAesGcm == nullptr) crypto_failure("AES-256-GCM fetch");
  return kAesGcm;
}

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

}  // namespace

std::string_view name(Suite suite) noexcept { return suite == Suite::sm ? "sm" : "standard"; }

std::string_view name(Digest digest) noexcept { return digest == Digest::sm3 ? "sm3" : "sha256"; }

std::optional<Suite> suite_named(std::string_view name) noexcept {
  if (name == "standard") return Suite::standard;
  if (name == "sm") return Suite::sm;
  return std::nullopt;
}

std::optional<Digest> digest_named(std::string_view name) noexcept {
  if (name == "sha256") return Digest::sha256;
  if (name == "sm3") return Digest::sm3;
  return std::nullopt;
}

Digest digest_of(Suite suite) noexcept { return suite == Suite::sm ? Digest::sm3 : Digest::sha256; }

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * bytes.size(), '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[static_cast<unsigned char>(bytes[i]) >> 4];
    out[2 * i + 1] = kDigits[static_cast<unsigned char>(bytes[i]) & 0xF];
  }
  return out;
}

std::string digest(Digest algorithm, std::string_view bytes) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                 md(algorithm), nullptr) != 1 ||
      len != kDigestBytes) {
    crypto_failure(algorithm == Digest::sm3 ? "SM3" : "SHA-256");
  }
  out.resize(len);
  return out;
}

std::string digest_hex(Digest algorithm, std::string_view bytes) {
  return hex(digest(algorithm, bytes));
}

std::string sha256_hex(std::string_view bytes) { return digest_hex(Digest::sha256, bytes); }

std::string hmac(Digest algorithm, std::string_view key, std::string_view bytes) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  if (HMAC(md(algorithm), key.data(), static_cast<int>(key.size()), bytes_of(bytes), bytes.size(),
           reinterpret_cast<unsigned char*>(out.data()), &len) == nullptr ||
      len != kDigestBytes) {
    crypto_failure(algorithm == Digest::sm3 ? "HMAC-SM3" : "HMAC-SHA-256");
  }
  out.resize(len);
  return out;
}

std::string kdf_sm3(std::string_view z, std::string_view info, std::size_t length) {
  static EVP_KDF* const kX963 = EVP_KDF_fetch(nullptr, "X963KDF", nullptr);
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(
      kX963 ? EVP_KDF_CTX_new(kX963) : nullptr, EVP_KDF_CTX_free);
  char digest_name[] = "SM3";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(z.data()), z.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()),
                                        info.size()),
      OSSL_PARAM_construct_end()};
  std::string out(length, '\0');
  if (!ctx || EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), out.size(),
                             params) != 1) {
    crypto_failure("the SM3 key derivation");
  }
  return out;
}

std::string sm4_ctr(std::string_view key, std::string_view iv, std::string_view data) {
  if (key.size() != 16 || iv.size() != 16) {
    throw Error(Errc::internal, "SM4-CTR takes a 16-byte key and a 16-byte counter block");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  std::string out(data.size(), '\0');
  int len = 0;
  int tail = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), sm4_ctr_cipher(), nullptr, bytes_of(key), bytes_of(iv)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                        bytes_of(data), static_cast<int>(data.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &tail) !=
          1 ||
      static_cast<std::size_t>(len + tail) != data.size()) {
    crypto_failure("SM4-CTR");
  }
  return out;
}

bool equal(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    crypto_failure("RAND_bytes");
  }
  return out;
}

// --- Sealer -----------------------------------------------------------------

namespace {

constexpr std::size_t kGcmNonceBytes = 12;
constexpr std::size_t kGcmTagBytes = 16;
constexpr std::string_view kSm4Header("SM4\x01", 4);
constexpr std::size_t kSm4IvBytes = 16;
constexpr std::size_t kSm4KeyBytes = 16;
constexpr std::size_t kSm4TagBytes = 32;
constexpr std::string_view kSealInfo = "fuma-seal-sm4-ctr-hmac-sm3";

[[noreturn]] void does_not_open() {
  throw Error(Errc::storage,
              "a sealed private key does not open with this key file (another key file, or "
              "changed bytes)",
              "签名密钥无法解密，请检查密钥文件");
}

// What HMAC-SM3 covers in the SM4 form: the header, the iv, the label with
// its length, the ciphertext. The length makes label and ciphertext
// unambiguous however long either is.
std::string sm4_tag(std::string_view hmac_key, std::string_view iv, std::string_view label,
                    std::string_view ciphertext) {
  std::string covered(kSm4Header);
  covered += iv;
  for (int shift = 56; shift >= 0; shift -= 8) {
    covered += static_cast<char>((static_cast<std::uint64_t>(label.size()) >> shift) & 0xFF);
  }
  covered += label;
  covered += ciphertext;
  return hmac(Digest::sm3, hmac_key, covered);
}

std::string gcm_seal(std::string_view key, std::string_view plain, std::string_view label) {
  std::string nonce;
  // A nonce that began like the SM4 form would make the two forms ambiguous.
  do {
    nonce = random_bytes(kGcmNonceBytes);
  } while (nonce.compare(0, kSm4Header.size(), kSm4Header) == 0);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  std::string out = nonce;
  out.resize(kGcmNonceBytes + plain.size() + kGcmTagBytes);
  auto* dst = reinterpret_cast<unsigned char*>(out.data()) + kGcmNonceBytes;
  int len = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), aes_gcm_cipher(), nullptr, bytes_of(key), bytes_of(nonce)) !=
          1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes_of(label),
                        static_cast<int>(label.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), dst, &len, bytes_of(plain), static_cast<int>(plain.size())) !=
          1) {
    crypto_failure("AES-256-GCM sealing");
  }
  const int total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), dst + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTagBytes),
                          dst + total + len) != 1) {
    crypto_failure("AES-256-GCM sealing");
  }
  return out;
}

std::optional<std::string> gcm_open(std::string_view key, std::string_view sealed,
                                    std::string_view label) {
  if (sealed.size() < kGcmNonceBytes + kGcmTagBytes) return std::nullopt;
  const std::size_t n = sealed.size() - kGcmNonceBytes - kGcmTagBytes;
  std::string plain(n, '\0');
  std::string tag(sealed.substr(kGcmNonceBytes + n));
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), aes_gcm_cipher(), nullptr, bytes_of(key), bytes_of(sealed)) !=
          1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes_of(label),
                        static_cast<int>(label.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                        bytes_of(sealed) + kGcmNonceBytes, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTagBytes),
                          tag.data()) != 1) {
    crypto_failure("AES-256-GCM opening");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len, &len) !=
      1) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return std::nullopt;
  }
  return plain;
}

}  // namespace

Sealer::Sealer(std::string master_key, Suite suite)
    : master_(std::move(master_key)), suite_(suite) {
  if (master_.size() != kMasterKeyBytes) throw Error(Errc::internal, "a master key has 32 bytes");
  std::string derived = kdf_sm3(master_, kSealInfo, kSm4KeyBytes + kDigestBytes);
  sm4_key_ = derived.substr(0, kSm4KeyBytes);
  hmac_key_ = derived.substr(kSm4KeyBytes);
  OPENSSL_cleanse(derived.data(), derived.size());
}

Sealer::~Sealer() {
  OPENSSL_cleanse(master_.data(), master_.size());
  OPENSSL_cleanse(sm4_key_.data(), sm4_key_.size());
  OPENSSL_cleanse(hmac_key_.data(), hmac_key_.size());
}

Sealer Sealer::ephemeral(Suite suite) { return Sealer(random_bytes(kMasterKeyBytes), suite); }

Sealer Sealer::load(const std::string& path, bool create, Suite suite) {
  auto fail = [&](const std::string& problem) -> Sealer {
    throw Error(Errc::storage, "key file '" + path + "': " + problem, "密钥文件无法使用：" + path);
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT && !create) {
    return fail("does not exist, but the database holds keys sealed under it");
  }
  if (fd < 0 && errno == ENOENT) {
    std::string key = random_bytes(kMasterKeyBytes);
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 && errno == EEXIST) {
      OPENSSL_cleanse(key.data(), key.size());
      return load(path, false, suite);  // another process made it first
    }
    if (fd < 0) return fail(std::string("cannot be created: ") + std::strerror(errno));
    const bool written =
        ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written) {
      ::unlink(path.c_str());
      return fail("cannot be written");
    }
    return Sealer(std::move(key), suite);
  }
  if (fd < 0) return fail(std::string("cannot be opened: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail("is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return fail(std::string("may be read or written by group or others (mode ") + mode +
                "); make it readable by its owner only (chmod 600)");
  }
  std::string key(kMasterKeyBytes + 1, '\0');
  const ssize_t n = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(kMasterKeyBytes)) {
    OPENSSL_cleanse(key.data(), key.size());
    return fail("must hold exactly 32 bytes");
  }
  key.resize(kMasterKeyBytes);
  return Sealer(std::move(key), suite);
}

std::string Sealer::seal(std::string_view plain, std::string_view label) const {
  if (suite_ == Suite::standard) return gcm_seal(master_, plain, label);
  const std::string iv = random_bytes(kSm4IvBytes);
  const std::string ciphertext = sm4_ctr(sm4_key_, iv, plain);
  std::string out(kSm4Header);
  out += iv;
  out += ciphertext;
  out += sm4_tag(hmac_key_, iv, label, ciphertext);
  return out;
}

std::string Sealer::open(std::string_view sealed, std::string_view label) const {
  if (sealed.size() < kGcmNonceBytes + kGcmTagBytes) {
    throw Error(Errc::storage, "a sealed private key is truncated", "签名密钥已损坏");
  }
  if (sealed.substr(0, kSm4Header.size()) == kSm4Header &&
      sealed.size() >= kSm4Header.size() + kSm4IvBytes + kSm4TagBytes) {
    const std::string_view iv = sealed.substr(kSm4Header.size(), kSm4IvBytes);
    const std::string_view ciphertext =
        sealed.substr(kSm4Header.size() + kSm4IvBytes,
                      sealed.size() - kSm4Header.size() - kSm4IvBytes - kSm4TagBytes);
    const std::string_view tag = sealed.substr(sealed.size() - kSm4TagBytes);
    if (equal(sm4_tag(hmac_key_, iv, label, ciphertext), tag)) {
      return sm4_ctr(sm4_key_, iv, ciphertext);
    }
  }
  if (std::optional<std::string> plain = gcm_open(master_, sealed, label)) return *plain;
  does_not_open();
}

}  // namespace fuma::crypto
