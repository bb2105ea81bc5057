#include "session.hpp"

#include <openssl/evp.h>
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

std::string token_hash(std::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(token.data(), token.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    throw Error(Errc::internal, "OpenSSL failed: SHA-256");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

bool is_token(std::string_view text) noexcept {
  return text.size() == kTokenChars && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
         });
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
