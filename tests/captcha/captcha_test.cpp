// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

// Declarations only: Debian's libstb holds the implementation.
#include <stb/stb_image.h>

#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "captcha/captcha.hpp"
#include "fuma/error.hpp"
#include "support/refusal.hpp"

using fuma::Errc;
using fuma::Error;
using fuma::captcha::alphabet;
using fuma::captcha::draw_png;
using fuma::captcha::kHeight;
using fuma::captcha::kWidth;
using fuma::captcha::random_answer;
using fuma::test::refusal;

namespace {

struct Picture {
  int width = 0;
  int height = 0;
  std::vector<unsigned char> grey;  // one byte a pixel
};

// Decodes with stb_image, which knows nothing of how the PNG was written.
Picture decode(const std::string& png) {
  Picture p;
  int channels = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> data(
      stbi_load_from_memory(reinterpret_cast<const unsigned char*>(png.data()),
                            static_cast<int>(png.size()), &p.width, &p.height, &channels, 1),
      stbi_image_free);
  REQUIRE(data != nullptr);
  p.grey.assign(data.get(), data.get() + static_cast<std::size_t>(p.width) * p.height);
  return p;
}

// Darker than mid-grey: ink, not paper.
std::size_t dark_pixels(const Picture& p) {
  std::size_t n = 0;
  for (unsigned char v : p.grey) n += v < 128;
  return n;
}

const std::string kInvalid = "验证码内容无效";

}  // namespace

TEST_CASE("the alphabet leaves out characters people confuse") {
  for (char c : std::string_view("0O1IL2Z5S8B")) {
    CAPTURE(c);
    CHECK(alphabet().find(c) == std::string_view::npos);
  }
}

TEST_CASE("the alphabet holds each character once, all digits or capitals") {
  std::set<char> seen;
  for (char c : alphabet()) {
    CAPTURE(c);
    CHECK(((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')));
    CHECK(seen.insert(c).second);
  }
  CHECK(alphabet().size() >= 16);
}

TEST_CASE("a random answer has the length asked, from the alphabet") {
  for (std::size_t length = 1; length <= 8; ++length) {
    std::string answer = random_answer(length);
    CHECK(answer.size() == length);
    CHECK(answer.find_first_not_of(alphabet()) == std::string::npos);
  }
  CHECK(random_answer().size() == 5);
}

TEST_CASE("random_answer refuses a length of 0 or above 8") {
  refusal([] { random_answer(0); });
  refusal([] { random_answer(9); });
}

TEST_CASE("random answers use every character equally often") {
  std::map<char, long> count;
  constexpr int kAnswers = 40000;
  constexpr std::size_t kLength = 8;
  for (int i = 0; i < kAnswers; ++i) {
    for (char c : random_answer(kLength)) ++count[c];
  }
  REQUIRE(count.size() == alphabet().size());

  // Pearson's chi-square against the uniform distribution: 18 degrees of
  // freedom for the 19 characters, where uniform draws exceed 100 with
  // probability about 2e-13. A naive byte % 19 gives 14/256 to the first nine
  // characters and 13/256 to the other ten, which over these 320000
  // characters adds about 440 (mean near 457, standard deviation near 42):
  // the bound all but never misses it.
  REQUIRE(alphabet().size() == 19);
  double n = static_cast<double>(kAnswers) * kLength;
  double expected = n / static_cast<double>(alphabet().size());
  double chi2 = 0;
  for (const auto& [c, k] : count) chi2 += (k - expected) * (k - expected) / expected;
  CAPTURE(chi2);
  CHECK(chi2 < 100);
}

TEST_CASE("draw_png gives a PNG of kWidth x kHeight") {
  std::string png = draw_png("ACDE7");
  REQUIRE(png.size() > 8);
  CHECK(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  Picture p = decode(png);
  CHECK(p.width == kWidth);
  CHECK(p.height == kHeight);
}

TEST_CASE("the picture has ink on light paper") {
  Picture p = decode(draw_png("MPQRT"));
  std::size_t light = 0;
  for (unsigned char v : p.grey) light += v >= 192;
  double dark_share = static_cast<double>(dark_pixels(p)) / static_cast<double>(p.grey.size());
  CAPTURE(dark_share);
  CHECK(dark_share > 0.04);
  CHECK(dark_share < 0.5);
  CHECK(light > p.grey.size() / 2);
}

TEST_CASE("the same answer drawn twice gives different pictures") {
  CHECK(draw_png("RTUWX") != draw_png("RTUWX"));
}

TEST_CASE("a lower-case answer is drawn") {
  Picture p = decode(draw_png("acdef"));
  CHECK(p.width == kWidth);
}

TEST_CASE("draw_png refuses answers outside the alphabet or 1 to 8 characters") {
  for (const std::string& bad :
       {std::string(), std::string(9, alphabet()[0]), std::string("A0C"), std::string("AOC"),
        std::string("A\xC3\xA9"), std::string("A\0C", 3)}) {
    CAPTURE(bad);
    CHECK(refusal([&] { draw_png(bad); }).message() == kInvalid);
  }
}

TEST_CASE("ink follows the characters: four of them darken more than one") {
  // The curves and dots darken about 630 pixels of any picture, give or
  // take 85, and a 3 about 150 more: one picture of each can come out
  // either way, but totals over eight stay some eight deviations apart.
  std::size_t one = 0, four = 0;
  for (int i = 0; i < 8; ++i) {
    one += dark_pixels(decode(draw_png("3")));
    four += dark_pixels(decode(draw_png("3333")));
  }
  CAPTURE(one);
  CAPTURE(four);
  CHECK(four > one + one / 4);
}
