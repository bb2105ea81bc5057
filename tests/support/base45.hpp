// SPDX-License-Identifier: Apache-2.0
// RFC 9285's Base45, for tests that make credential texts a fuma writer
// never would (unknown flag bits, other bodies).
#ifndef FUMA_TESTS_SUPPORT_BASE45_HPP
#define FUMA_TESTS_SUPPORT_BASE45_HPP

#include <string>
#include <string_view>

namespace fuma::test {

inline std::string base45(std::string_view bytes) {
  static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    unsigned n = static_cast<unsigned char>(bytes[i]);
    const bool pair = i + 1 < bytes.size();
    if (pair) n = n * 256 + static_cast<unsigned char>(bytes[i + 1]);
    out += kAlphabet[n % 45];
    out += kAlphabet[n / 45 % 45];
    if (pair) out += kAlphabet[n / 2025];
  }
  return out;
}

// The text of a parsed credential with its flags byte (the body's ninth)
// replaced by `flags`.
inline std::string with_flags(std::string_view prefix_and_uscc, std::string body,
                              unsigned char flags) {
  body[8] = static_cast<char>(flags);
  return std::string(prefix_and_uscc) + base45(body);
}

}  // namespace fuma::test

#endif  // FUMA_TESTS_SUPPORT_BASE45_HPP
