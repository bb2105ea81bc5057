// SPDX-License-Identifier: Apache-2.0
// Captcha pictures: an answer drawn so that people read it and simple OCR
// does not. The engine's session commands choose the answer and keep its
// hash; this module only draws. Randomness comes from OpenSSL.
#ifndef FUMA_SRC_CAPTCHA_CAPTCHA_HPP
#define FUMA_SRC_CAPTCHA_CAPTCHA_HPP

#include <string>
#include <string_view>

namespace fuma::captcha {

// The characters answers are made of: digits and capital letters without
// the ones people confuse (0/O, 1/I/L, 2/Z, 5/S, 8/B, 9/g) or that the
// pictures' font draws alike (6/G, V/Y, H/K/N, A/H).
std::string_view alphabet() noexcept;

// A new random answer of `length` characters from alphabet()
// (RAND_bytes, rejection sampling so every character is equally likely).
std::string random_answer(std::size_t length = 5);

// A PNG picture of `answer` (1 to 8 characters of alphabet(), either case;
// Error(invalid_argument) otherwise): kWidth x kHeight pixels, each
// character drawn with its own random offset, size and slant, among noise
// curves. Two calls with the same answer give different pictures.
constexpr int kWidth = 160;
constexpr int kHeight = 60;
std::string draw_png(std::string_view answer);

}  // namespace fuma::captcha

#endif  // FUMA_SRC_CAPTCHA_CAPTCHA_HPP
