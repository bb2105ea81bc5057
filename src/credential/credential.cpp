// SPDX-License-Identifier: Apache-2.0
#include "credential.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include "datafile/datafile.hpp"
#include "fuma/error.hpp"
#include "fuma_embedded.hpp"

namespace fuma::credential {
namespace {

constexpr std::size_t kUsccLength = 18;
constexpr std::size_t kKidBytes = 8;
constexpr std::size_t kSignatureBytes = 64;
constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kSm2PointBytes = 65;  // 04 || x || y
constexpr std::size_t kSm2ScalarBytes = 32;
constexpr std::uint8_t kFlagExpiry = 0x01;
constexpr std::uint8_t kFlagSm2 = 0x02;
constexpr std::uint8_t kKnownFlags = kFlagExpiry | kFlagSm2;

// RFC 9285's alphabet: exactly the QR code's alphanumeric character set.
constexpr std::string_view kBase45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

[[noreturn]] void malformed(std::string detail) {
  throw Error(Errc::credential_malformed, "credential: " + std::move(detail));
}

[[noreturn]] void crypto_failure(const char* what) {
  throw Error(Errc::internal, std::string("OpenSSL failed: ") + what);
}

std::string base45_encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() / 2 * 3 + 2);
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    unsigned n =
        static_cast<unsigned char>(bytes[i]) * 256u + static_cast<unsigned char>(bytes[i + 1]);
    out += kBase45[n % 45];
    n /= 45;
    out += kBase45[n % 45];
    out += kBase45[n / 45];
  }
  if (i < bytes.size()) {
    const unsigned n = static_cast<unsigned char>(bytes[i]);
    out += kBase45[n % 45];
    out += kBase45[n / 45];
  }
  return out;
}

std::string base45_decode(std::string_view text) {
  if (text.size() % 3 == 1) malformed("Base45 text has a length of 3n+1");
  std::string out;
  out.reserve(text.size() / 3 * 2 + 1);
  auto digit = [](char c) -> unsigned {
    const std::size_t at = kBase45.find(c);
    if (at == std::string_view::npos) {
      malformed("character '" + std::string(1, c) + "' is not Base45");
    }
    return static_cast<unsigned>(at);
  };
  std::size_t i = 0;
  for (; i + 2 < text.size(); i += 3) {
    const unsigned n = digit(text[i]) + digit(text[i + 1]) * 45 + digit(text[i + 2]) * 45 * 45;
    if (n > 0xFFFF) malformed("a Base45 triplet exceeds two bytes");
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xFF);
  }
  if (i < text.size()) {
    const unsigned n = digit(text[i]) + digit(text[i + 1]) * 45;
    if (n > 0xFF) malformed("the last Base45 pair exceeds one byte");
    out += static_cast<char>(n);
  }
  return out;
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

// Reads one LEB128 number of at most 64 bits, in its shortest form (a
// padded encoding would let two texts carry the same claims).
std::uint64_t get_varint(std::string_view body, std::size_t& at, const char* field) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (at >= body.size()) malformed(std::string("the body ends inside ") + field);
    const auto byte = static_cast<std::uint8_t>(body[at++]);
    if (shift == 63 && (byte & 0x7E) != 0) malformed(std::string(field) + " exceeds 64 bits");
    v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      if (byte == 0 && shift > 0) malformed(std::string(field) + " is not in its shortest form");
      return v;
    }
  }
  malformed(std::string(field) + " exceeds 64 bits");
}

bool is_alphanumeric(std::string_view s) {
  for (char c : s) {
    if (kBase45.find(c) == std::string_view::npos) return false;
  }
  return true;
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
struct BnFree {
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

// An SM2 key from its raw halves (`private_key` empty for a public key);
// null when the point is not on the curve or OpenSSL refuses the scalar.
Pkey sm2_pkey(std::string_view public_key, std::string_view private_key) {
  if (public_key.size() != kSm2PointBytes || public_key[0] != 0x04) return nullptr;
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(),
                                                                      OSSL_PARAM_BLD_free);
  Bn scalar;
  if (!private_key.empty()) {
    scalar.reset(BN_secure_new());
    if (!scalar || BN_bin2bn(reinterpret_cast<const unsigned char*>(private_key.data()),
                             static_cast<int>(private_key.size()), scalar.get()) == nullptr) {
      return nullptr;
    }
  }
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, public_key.data(),
                                       public_key.size()) != 1 ||
      (scalar && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, scalar.get()) != 1)) {
    return nullptr;
  }
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld.get()),
                                                                 OSSL_PARAM_free);
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, scalar ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) != 1) {
    return nullptr;
  }
  return Pkey(raw);
}

Pkey public_pkey(std::string_view public_key, Suite suite) {
  if (suite == Suite::sm2) return sm2_pkey(public_key, {});
  if (public_key.size() != kKeyBytes) return nullptr;
  return Pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                          reinterpret_cast<const unsigned char*>(public_key.data()),
                                          public_key.size()));
}

// The distinguishing id (ID_A) an SM2 signature is made and checked under.
std::string_view sm2_id(std::string_view given) { return given.empty() ? kDefaultSm2Id : given; }

// A digest context set up for SM2 with SM3 under `id`, for signing or
// verifying with `pkey`.
std::unique_ptr<EVP_MD_CTX, MdCtxFree> sm2_context(EVP_PKEY* pkey, std::string_view id,
                                                   bool signing) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  const int ok =
      !ctx      ? 0
      : signing ? EVP_DigestSignInit_ex(ctx.get(), &pctx, "SM3", nullptr, nullptr, pkey, nullptr)
                : EVP_DigestVerifyInit_ex(ctx.get(), &pctx, "SM3", nullptr, nullptr, pkey, nullptr);
  // The id is set after the init: OpenSSL 3.0 takes it only once the
  // context knows it is to compute Z.
  if (ok != 1 || pctx == nullptr ||
      EVP_PKEY_CTX_set1_id(pctx, id.data(), static_cast<int>(id.size())) != 1) {
    crypto_failure("SM2 signature setup");
  }
  return ctx;
}

}  // namespace

std::string_view suite_name(Suite suite) noexcept {
  return suite == Suite::sm2 ? "sm2" : "ed25519";
}

std::optional<Suite> suite_from_name(std::string_view name) noexcept {
  if (name == "ed25519") return Suite::ed25519;
  if (name == "sm2") return Suite::sm2;
  return std::nullopt;
}

bool valid_distinguishing_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64 || id.front() == ' ' || id.back() == ' ') return false;
  for (char c : id) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

bool looks_like_credential(std::string_view text) noexcept {
  if (text.size() < 4 || text.substr(0, 2) != "FM") return false;
  std::size_t at = 2;
  while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
  return at > 2 && at < text.size() && text[at] == ':';
}

Parsed parse(std::string_view text) {
  if (!looks_like_credential(text)) {
    throw Error(Errc::not_a_credential, "the QR code's text does not start with FM<n>:");
  }
  if (text.substr(0, kPrefix.size()) != kPrefix) {
    throw Error(Errc::unsupported_version,
                "credential version '" + std::string(text.substr(0, text.find(':') + 1)) +
                    "' is not supported; this reader knows " + std::string(kPrefix));
  }
  Parsed p;
  std::string_view rest = text.substr(kPrefix.size());
  if (rest.size() < kUsccLength) malformed("the text ends inside the USCC");
  p.claims.uscc = std::string(rest.substr(0, kUsccLength));
  for (char c : p.claims.uscc) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) {
      malformed("the USCC part has a character outside 0-9 A-Z");
    }
  }
  const std::string body = base45_decode(rest.substr(kUsccLength));
  // The smallest body: kid, flags, three one-byte numbers, signature.
  if (body.size() < kKidBytes + 1 + 3 + kSignatureBytes) malformed("the body is truncated");
  p.claims.kid = crypto::hex(std::string_view(body).substr(0, kKidBytes));
  std::size_t at = kKidBytes;
  const auto flags = static_cast<std::uint8_t>(body[at++]);
  if ((flags & ~kKnownFlags) != 0) {
    throw Error(Errc::unsupported_version,
                "credential flags 0x" + crypto::hex(std::string(1, static_cast<char>(flags))) +
                    " name features this reader does not know");
  }
  const std::string_view signed_body =
      std::string_view(body).substr(0, body.size() - kSignatureBytes);
  p.claims.id = get_varint(signed_body, at, "the credential id");
  p.claims.generation = get_varint(signed_body, at, "the generation");
  const std::uint64_t issued = get_varint(signed_body, at, "the issue time");
  if (issued > static_cast<std::uint64_t>(INT64_MAX)) malformed("the issue time is out of range");
  p.claims.issued_at = static_cast<std::int64_t>(issued);
  p.claims.suite = (flags & kFlagSm2) ? Suite::sm2 : Suite::ed25519;
  if (flags & kFlagExpiry) {
    const std::uint64_t expires = get_varint(signed_body, at, "the expiry");
    if (expires > static_cast<std::uint64_t>(INT64_MAX)) malformed("the expiry is out of range");
    p.claims.expires_at = static_cast<std::int64_t>(expires);
  }
  if (at != signed_body.size()) malformed("the body has bytes after its fields");
  p.message = std::string(kPrefix) + p.claims.uscc + std::string(signed_body);
  p.signature = body.substr(signed_body.size());
  return p;
}

Parsed scan(std::string_view image_bytes, const image::Limits& limits, image::PixelBudget* budget) {
  std::vector<std::string> texts;
  {
    // Held while the pixels and the QR reader's copies of them live.
    const image::PixelBudget::Reservation held =
        budget ? budget->reserve(image::declared_pixels(image_bytes, limits))
               : image::PixelBudget::Reservation();
    texts = image::read_qr(image::decode(image_bytes, limits), 4);
  }
  if (texts.empty()) throw Error(Errc::no_qr_found, "no QR code was found in the picture");
  std::vector<const std::string*> found;
  for (const std::string& t : texts) {
    if (looks_like_credential(t)) found.push_back(&t);
  }
  if (found.empty()) {
    throw Error(Errc::not_a_credential,
                std::to_string(texts.size()) + " QR code(s) found, none of them a fuma credential");
  }
  if (found.size() > 1) {
    throw Error(Errc::multiple_qr, std::to_string(found.size()) +
                                       " different credentials in one picture; which one is meant "
                                       "cannot be told");
  }
  return parse(*found.front());
}

bool expired(const Claims& claims, std::int64_t now) noexcept {
  return claims.expires_at && now >= *claims.expires_at;
}

std::vector<Channel> parse_channels(std::string_view text, std::string_view source) {
  const datafile::Reporter report(source, "发放方式文件有误：");
  const datafile::json::value doc = datafile::parse(text, report);
  const datafile::Object top(doc, "", {"version", "channels"}, report);
  top.require_version(1);
  const datafile::json::array& list = top.array("channels");
  if (list.empty()) report.fail(top.at("channels"), "is empty");
  std::vector<Channel> channels;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const datafile::Object o(list[i], datafile::element(top.at("channels"), i),
                             {"key", "label", "note_required"}, report);
    Channel c;
    c.key = o.key("key");
    c.label = o.text("label");
    c.note_required = o.flag("note_required", false);
    for (const Channel& seen : channels) {
      if (seen.key == c.key) report.fail(o.at("key"), "repeats '" + c.key + "'");
    }
    channels.push_back(std::move(c));
  }
  return channels;
}

const std::vector<Channel>& standard_channels() {
  static const std::vector<Channel> channels =
      parse_channels(embedded::delivery_channels(), "delivery.json");
  return channels;
}

image::Qr draw(std::string_view text) {
  constexpr int kModulePx = 10;
  constexpr int kMaxVersion = 10;
  try {
    return image::draw_qr(text, kModulePx, kMaxVersion);
  } catch (const Error& e) {
    throw Error(Errc::internal, "credential QR code: " + e.detail());
  }
}

KeyPair::~KeyPair() { OPENSSL_cleanse(private_key.data(), private_key.size()); }

namespace {

KeyPair generate_ed25519() {
  EVP_PKEY* raw = nullptr;
  PkeyCtx ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
    crypto_failure("Ed25519 key generation");
  }
  Pkey key(raw);
  KeyPair pair;
  pair.public_key.resize(kKeyBytes);
  pair.private_key.resize(kKeyBytes);
  std::size_t len = kKeyBytes;
  if (EVP_PKEY_get_raw_public_key(
          key.get(), reinterpret_cast<unsigned char*>(pair.public_key.data()), &len) != 1 ||
      len != kKeyBytes) {
    crypto_failure("EVP_PKEY_get_raw_public_key");
  }
  len = kKeyBytes;
  if (EVP_PKEY_get_raw_private_key(
          key.get(), reinterpret_cast<unsigned char*>(pair.private_key.data()), &len) != 1 ||
      len != kKeyBytes) {
    crypto_failure("EVP_PKEY_get_raw_private_key");
  }
  return pair;
}

KeyPair generate_sm2(std::string_view distinguishing_id) {
  EVP_PKEY* raw = nullptr;
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    crypto_failure("SM2 key generation");
  }
  Pkey key(raw);
  KeyPair pair;
  pair.suite = Suite::sm2;
  pair.distinguishing_id = std::string(sm2_id(distinguishing_id));
  pair.public_key.resize(kSm2PointBytes);
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                      reinterpret_cast<unsigned char*>(pair.public_key.data()),
                                      pair.public_key.size(), &len) != 1 ||
      len != kSm2PointBytes || pair.public_key[0] != 0x04) {
    crypto_failure("SM2 public key export");
  }
  BIGNUM* d = nullptr;
  if (EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1) {
    crypto_failure("SM2 private key export");
  }
  const Bn scalar(d);
  pair.private_key.resize(kSm2ScalarBytes);
  if (BN_bn2binpad(scalar.get(), reinterpret_cast<unsigned char*>(pair.private_key.data()),
                   static_cast<int>(kSm2ScalarBytes)) != static_cast<int>(kSm2ScalarBytes)) {
    crypto_failure("SM2 private key export");
  }
  return pair;
}

}  // namespace

KeyPair generate_key(Suite suite, std::string_view distinguishing_id) {
  if (suite == Suite::ed25519) return generate_ed25519();
  if (!distinguishing_id.empty() && !valid_distinguishing_id(distinguishing_id)) {
    throw Error(Errc::invalid_argument,
                "an SM2 distinguishing id is 1 to 64 printable ASCII characters",
                "SM2签名者标识应为1至64个可打印ASCII字符");
  }
  return generate_sm2(distinguishing_id);
}

std::string key_id(std::string_view public_key, Suite suite) {
  const crypto::Digest algorithm =
      suite == Suite::ed25519 ? crypto::Digest::sha256 : crypto::Digest::sm3;
  return crypto::digest_hex(algorithm, public_key).substr(0, 2 * kKidBytes);
}

bool valid_public_key(std::string_view public_key, Suite suite) {
  return public_pkey(public_key, suite) != nullptr;
}

namespace {

void check_uscc(const Claims& claims) {
  if (claims.uscc.size() != kUsccLength || !is_alphanumeric(claims.uscc)) {
    throw Error(
        Errc::invalid_argument,
        "credential: a USCC of 18 QR alphanumeric characters is needed, got '" + claims.uscc + "'");
  }
}

// The binary body before the signature.
std::string body_of(const Claims& claims) {
  check_uscc(claims);
  if (claims.kid.size() != kKidBytes * 2 ||
      claims.kid.find_first_not_of("0123456789abcdef") != std::string::npos) {
    throw Error(Errc::invalid_argument, "credential: a kid of 16 lower-case hex digits is needed");
  }
  std::string body;
  for (std::size_t i = 0; i < kKidBytes; ++i) {
    body += static_cast<char>(std::stoi(claims.kid.substr(i * 2, 2), nullptr, 16));
  }
  body += static_cast<char>((claims.expires_at ? kFlagExpiry : 0) |
                            (claims.suite == Suite::sm2 ? kFlagSm2 : 0));
  put_varint(body, claims.id);
  put_varint(body, claims.generation);
  put_varint(body, static_cast<std::uint64_t>(claims.issued_at));
  if (claims.expires_at) put_varint(body, static_cast<std::uint64_t>(*claims.expires_at));
  return body;
}

}  // namespace

std::string signed_message(const Claims& claims) {
  return std::string(kPrefix) + claims.uscc + body_of(claims);
}

std::string assemble(const Claims& claims, std::string_view signature) {
  if (signature.size() != kSignatureBytes) {
    throw Error(Errc::invalid_argument, "credential: a signature has 64 bytes");
  }
  return std::string(kPrefix) + claims.uscc +
         base45_encode(body_of(claims) + std::string(signature));
}

namespace {

std::string sign_ed25519(const std::string& message, const KeyPair& key) {
  Pkey pkey(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(key.private_key.data()),
      key.private_key.size()));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::string signature(kSignatureBytes, '\0');
  std::size_t len = kSignatureBytes;
  // Ed25519 is one-shot in OpenSSL 3.0: no digest, no update calls.
  if (!pkey || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      len != kSignatureBytes) {
    crypto_failure("Ed25519 signing");
  }
  return signature;
}

struct SigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};

// OpenSSL's DER signature as r || s, 32 bytes each.
std::string sm2_raw_signature(const unsigned char* der, std::size_t size) {
  const unsigned char* at = der;
  std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &at, static_cast<long>(size)));
  if (!sig) crypto_failure("SM2 signature decoding");
  std::string raw(kSignatureBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32) != 32) {
    crypto_failure("SM2 signature encoding");
  }
  return raw;
}

// r || s as the DER OpenSSL verifies; empty if OpenSSL cannot make it.
std::string sm2_der_signature(std::string_view raw) {
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(in, 32, nullptr);
  BIGNUM* s = BN_bin2bn(in + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return {};
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string sign_sm2(const std::string& message, const KeyPair& key) {
  Pkey pkey = sm2_pkey(key.public_key, key.private_key);
  if (!pkey) crypto_failure("SM2 key import");
  auto ctx = sm2_context(pkey.get(), sm2_id(key.distinguishing_id), true);
  unsigned char der[80];
  std::size_t len = sizeof der;
  if (EVP_DigestSign(ctx.get(), der, &len, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    crypto_failure("SM2 signing");
  }
  return sm2_raw_signature(der, len);
}

}  // namespace

std::string sign(Claims claims, const KeyPair& key) {
  const std::size_t private_bytes = key.suite == Suite::sm2 ? kSm2ScalarBytes : kKeyBytes;
  if (key.private_key.size() != private_bytes || !valid_public_key(key.public_key, key.suite) ||
      claims.kid != key_id(key.public_key, key.suite)) {
    throw Error(Errc::internal, "credential: the claims' kid is not the signing key's");
  }
  claims.suite = key.suite;
  const std::string message = signed_message(claims);
  return assemble(claims,
                  key.suite == Suite::sm2 ? sign_sm2(message, key) : sign_ed25519(message, key));
}

bool verify(const Parsed& parsed, const PublicKey& key) {
  if (parsed.claims.suite != key.suite || parsed.signature.size() != kSignatureBytes) return false;
  Pkey pkey = public_pkey(key.bytes, key.suite);
  if (!pkey) return false;
  if (key.suite == Suite::sm2) {
    const std::string der = sm2_der_signature(parsed.signature);
    if (der.empty()) return false;
    auto ctx = sm2_context(pkey.get(), sm2_id(key.distinguishing_id), false);
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(der.data()),
                            der.size(),
                            reinterpret_cast<const unsigned char*>(parsed.message.data()),
                            parsed.message.size()) == 1;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    crypto_failure("Ed25519 verification setup");
  }
  return EVP_DigestVerify(
             ctx.get(), reinterpret_cast<const unsigned char*>(parsed.signature.data()),
             parsed.signature.size(), reinterpret_cast<const unsigned char*>(parsed.message.data()),
             parsed.message.size()) == 1;
}

std::string to_base64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::string from_base64url(std::string_view text) {
  auto refuse = [&] {
    throw Error(Errc::invalid_argument,
                "'" + std::string(text.substr(0, 64)) + "' is not base64url", "公钥格式有误");
  };
  if (text.size() % 4 == 1 || text.size() > 4096) refuse();
  std::string padded(text);
  for (char& c : padded) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (c == '+' || c == '/' || c == '=') {
      refuse();
    }
  }
  const std::size_t pad = (4 - padded.size() % 4) % 4;
  padded.append(pad, '=');
  std::string out(padded.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(padded.data()),
                                static_cast<int>(padded.size()));
  if (n < 0) refuse();
  out.resize(static_cast<std::size_t>(n) - pad);
  // Only the canonical spelling: the decoded bytes must give the text back.
  if (to_base64url(out) != text) refuse();
  return out;
}

std::string public_key_pem(std::string_view public_key, Suite suite) {
  Pkey pkey = public_pkey(public_key, suite);
  if (!pkey) {
    throw Error(Errc::internal,
                "credential: not a public key of suite " + std::string(suite_name(suite)));
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey.get()) != 1) crypto_failure("PEM export");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace fuma::credential
