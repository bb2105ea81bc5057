// SPDX-License-Identifier: Apache-2.0
#include "session.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <algorithm>

#include "credential/credential.hpp"
#include "datafile/datafile.hpp"
#include "fuma/error.hpp"
#include "fuma_embedded.hpp"

namespace fuma::session {
namespace {

constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kTokenChars = 43;

}  // namespace

Commitment Commitment::parse(std::string_view text, std::string_view source) {
  const datafile::Reporter report(source, "登录承诺文件有误：");
  const datafile::json::value doc = datafile::parse(text, report);
  const datafile::Object top(
      doc, "", {"version", "text_version", "title", "paragraphs", "accept_label"}, report);
  top.require_version(1);
  Commitment c;
  c.text_version = top.text("text_version");
  if (c.text_version.size() > 32) report.fail(top.at("text_version"), "is longer than 32 bytes");
  c.title = top.text("title");
  const datafile::json::array& paragraphs = top.array("paragraphs");
  if (paragraphs.empty()) report.fail(top.at("paragraphs"), "is empty");
  for (std::size_t i = 0; i < paragraphs.size(); ++i) {
    c.paragraphs.push_back(
        datafile::as_text(paragraphs[i], datafile::element(top.at("paragraphs"), i), report));
  }
  c.accept_label = top.text("accept_label");
  return c;
}

const Commitment& Commitment::standard() {
  static const Commitment c = parse(embedded::login_commitment(), "commitment.json");
  return c;
}

std::string new_token() {
  unsigned char bytes[kTokenBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    throw Error(Errc::internal, "OpenSSL failed: RAND_bytes");
  }
  std::string token =
      credential::to_base64url(std::string_view(reinterpret_cast<char*>(bytes), sizeof bytes));
  OPENSSL_cleanse(bytes, sizeof bytes);
  return token;
}

std::string token_hash(std::string_view token, crypto::Digest digest) {
  return crypto::digest_hex(digest, token);
}

bool is_token(std::string_view text) noexcept {
  return text.size() == kTokenChars && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
         });
}

namespace {

constexpr int kScryptLogN = 15;
constexpr int kScryptR = 8;
constexpr int kScryptP = 1;
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

std::string scrypt(std::string_view password, std::string_view salt, int log_n, int r, int p) {
  std::string out(kHashBytes, '\0');
  const std::uint64_t n = std::uint64_t{1} << log_n;
  // OpenSSL's default memory cap (32 MiB) is just below what N=2^15, r=8
  // needs with its bookkeeping; allow 64 MiB.
  if (EVP_PBE_scrypt(password.data(), password.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), n,
                     static_cast<std::uint64_t>(r), static_cast<std::uint64_t>(p), 64u << 20,
                     reinterpret_cast<unsigned char*>(out.data()), out.size()) != 1) {
    throw Error(Errc::internal, "OpenSSL failed: scrypt");
  }
  return out;
}

}  // namespace

std::string hash_password(std::string_view password) {
  unsigned char salt[kSaltBytes];
  if (RAND_bytes(salt, sizeof salt) != 1) throw Error(Errc::internal, "OpenSSL failed: RAND_bytes");
  const std::string_view s(reinterpret_cast<const char*>(salt), sizeof salt);
  const std::string hash = scrypt(password, s, kScryptLogN, kScryptR, kScryptP);
  return "scrypt$" + std::to_string(kScryptLogN) + "$" + std::to_string(kScryptR) + "$" +
         std::to_string(kScryptP) + "$" + credential::to_base64url(s) + "$" +
         credential::to_base64url(hash);
}

bool verify_password(std::string_view password, std::string_view stored) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t end = stored.find('$', start);
    parts.push_back(stored.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (parts.size() != 6 || parts[0] != "scrypt") return false;
  auto small = [](std::string_view v, int max) {
    int n = 0;
    if (v.empty() || v.size() > 2) return -1;
    for (char c : v) {
      if (c < '0' || c > '9') return -1;
      n = n * 10 + (c - '0');
    }
    return n >= 1 && n <= max ? n : -1;
  };
  const int log_n = small(parts[1], 20);
  const int r = small(parts[2], 16);
  const int p = small(parts[3], 4);
  if (log_n < 0 || r < 0 || p < 0) return false;
  std::string salt;
  std::string expected;
  try {
    salt = credential::from_base64url(parts[4]);
    expected = credential::from_base64url(parts[5]);
  } catch (const Error&) {
    return false;
  }
  if (expected.size() != kHashBytes) return false;
  const std::string given = scrypt(password, salt, log_n, r, p);
  return CRYPTO_memcmp(given.data(), expected.data(), kHashBytes) == 0;
}

std::string password_problem(std::string_view password) {
  std::size_t chars = 0;
  bool letter = false;
  bool digit = false;
  bool other = false;
  for (std::size_t i = 0; i < password.size(); ++i) {
    const auto c = static_cast<unsigned char>(password[i]);
    if ((c & 0xC0) != 0x80) ++chars;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      letter = true;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    } else {
      other = true;
    }
  }
  if (chars < 10 || chars > 128) return "密码应为10至128个字符";
  if (int{letter} + int{digit} + int{other} < 2) return "密码应至少包含字母、数字、符号中的两类";
  return {};
}

namespace {
bool forgotten(const Throttling& policy, std::chrono::system_clock::time_point last_failure,
               std::chrono::system_clock::time_point now) {
  return now - last_failure >= policy.forget_after;
}
}  // namespace

std::chrono::seconds wait_before_next(const Throttling& policy, std::int64_t failures,
                                      std::chrono::system_clock::time_point last_failure,
                                      std::chrono::system_clock::time_point now) {
  if (failures < policy.free_failures || forgotten(policy, last_failure, now)) {
    return std::chrono::seconds(0);
  }
  // 30 s after the fifth failure, 60 s after the sixth, ... never more than
  // max_delay.
  std::chrono::seconds delay = policy.first_delay;
  for (std::int64_t i = policy.free_failures; i < failures && delay < policy.max_delay; ++i) {
    delay *= 2;
  }
  delay = std::min(delay, policy.max_delay);
  const auto allowed_at = last_failure + delay;
  if (now >= allowed_at) return std::chrono::seconds(0);
  return std::chrono::ceil<std::chrono::seconds>(allowed_at - now);
}

std::int64_t count_failure(const Throttling& policy, std::int64_t failures,
                           std::chrono::system_clock::time_point last_failure,
                           std::chrono::system_clock::time_point now) {
  return (forgotten(policy, last_failure, now) ? 0 : failures) + 1;
}

}  // namespace fuma::session
