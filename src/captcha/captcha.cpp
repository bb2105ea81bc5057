// SPDX-License-Identifier: Apache-2.0
// Captcha pictures. The glyphs come from stb_easy_font, a tiny segment font
// given as rectangles; each character's rectangles are mapped through its own
// random scale, slant, rotation and offset and rasterised here with 4x4
// supersampling, so no two pictures of an answer share a pixel grid. Curves
// in the ink's darkness run through the text so that thresholding and
// connected components do not separate the characters cleanly.
#include "captcha/captcha.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

// The font is all static functions and tables, so this file holds its only
// copy and needs no implementation macro; the ones it does not call would
// otherwise be reported as unused.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb/stb_easy_font.h>
#pragma GCC diagnostic pop
// Declarations only: Debian's libstb holds the implementation.
#include <stb/stb_image_write.h>

#include "fuma/error.hpp"

namespace fuma::captcha {
namespace {

// Besides the pairs people confuse in any font (and 9, which reads as g or
// q), the segment font draws G like 6, V like Y, and H, K and N alike, H
// also like A: each differs from its twin by one short stroke or step that
// a noise curve can add or hide.
constexpr std::string_view kAlphabet = "3467ACDEFJMPQRTUWXY";
constexpr std::size_t kMaxLength = 8;

const char* const kInvalidAnswer = "验证码内容无效";

void random_bytes(unsigned char* out, std::size_t n) {
  while (n > 0) {
    int chunk = static_cast<int>(std::min<std::size_t>(n, INT_MAX));
    if (RAND_bytes(out, chunk) != 1) {
      throw Error(Errc::internal, "RAND_bytes failed");
    }
    out += chunk;
    n -= static_cast<std::size_t>(chunk);
  }
}

// Drawing parameters. Their exact distribution does not matter, only that an
// attacker cannot predict them, so they come from RAND_bytes too, fetched a
// pool at a time.
class Entropy {
 public:
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * (next32() / 4294967296.0); }
  // Uniform in [lo, hi]; the bias of a 32-bit modulo is far below what a
  // picture can show.
  int between(int lo, int hi) {
    return lo + static_cast<int>(next32() % static_cast<std::uint32_t>(hi - lo + 1));
  }

 private:
  std::uint32_t next32() {
    if (used_ + 4 > pool_.size()) {
      random_bytes(pool_.data(), pool_.size());
      used_ = 0;
    }
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | pool_[used_++];
    return v;
  }

  std::array<unsigned char, 256> pool_{};
  std::size_t used_ = pool_.size();
};

// 8-bit greyscale, 0 black, 255 white.
class Canvas {
 public:
  Canvas() : pixels_(static_cast<std::size_t>(kWidth) * kHeight, 255) {}

  void set(int x, int y, double value) { pixels_[index(x, y)] = to_byte(value); }

  // Lays ink of darkness `ink` over the pixel, `coverage` (0..1) of it.
  void blend(int x, int y, double ink, double coverage) {
    if (x < 0 || y < 0 || x >= kWidth || y >= kHeight || coverage <= 0) return;
    std::uint8_t& p = pixels_[index(x, y)];
    p = to_byte(p + (ink - p) * std::min(coverage, 1.0));
  }

  const std::uint8_t* data() const { return pixels_.data(); }

 private:
  static std::size_t index(int x, int y) {
    return static_cast<std::size_t>(y) * kWidth + static_cast<std::size_t>(x);
  }
  static std::uint8_t to_byte(double v) {
    return static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 255.0)));
  }

  std::vector<std::uint8_t> pixels_;
};

struct Rect {
  float x0, y0, x1, y1;
};

// The rectangles stb_easy_font draws `c` with, in font units (about 5 wide
// and 7 high for capitals and digits, y downwards).
std::vector<Rect> glyph_rects(char c) {
  // 16 bytes a vertex, 4 vertices a quad; the widest glyph (X) has 11 quads.
  // Floats, so that the font's float stores land on aligned float storage.
  std::array<float, 4 * 4 * 32> buffer{};
  char text[2] = {c, '\0'};
  int quads =
      stb_easy_font_print(0, 0, text, nullptr, buffer.data(), static_cast<int>(sizeof(buffer)));
  std::vector<Rect> rects;
  for (int q = 0; q < quads; ++q) {
    const float* v = buffer.data() + 16 * q;
    Rect r{v[0], v[1], v[0], v[1]};
    for (int j = 1; j < 4; ++j) {
      r.x0 = std::min(r.x0, v[4 * j]);
      r.x1 = std::max(r.x1, v[4 * j]);
      r.y0 = std::min(r.y0, v[4 * j + 1]);
      r.y1 = std::max(r.y1, v[4 * j + 1]);
    }
    rects.push_back(r);
  }
  return rects;
}

// A light background with a gentle random gradient and grain, so that the
// paper is not one grey a threshold can take away.
void paint_background(Canvas& canvas, Entropy& rng) {
  double base = rng.uniform(228, 245);
  double gx = rng.uniform(-0.08, 0.08);
  double gy = rng.uniform(-0.15, 0.15);
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      double grain = rng.uniform(-9, 9);
      canvas.set(x, y, base + gx * (x - kWidth / 2) + gy * (y - kHeight / 2) + grain);
    }
  }
}

// A wavy curve from the left edge to the right one, anti-aliased across its
// thickness. It spans the whole width so that every picture carries about
// the same amount of it.
void draw_curve(Canvas& canvas, Entropy& rng, double ink) {
  double y0 = rng.uniform(kHeight * 0.25, kHeight * 0.75);
  double slope = rng.uniform(-0.15, 0.15);
  double amplitude = rng.uniform(2, 8);
  double frequency = rng.uniform(0.03, 0.09);
  double phase = rng.uniform(0, 6.2832);
  double half = rng.uniform(0.6, 1.1);
  for (int x = 0; x < kWidth; ++x) {
    double cx = x + 0.5;
    double cy = y0 + slope * (cx - kWidth / 2.0) + amplitude * std::sin(frequency * cx + phase);
    // Measured across the curve rather than vertically, so that its steep
    // parts keep their thickness.
    double dy = slope + amplitude * frequency * std::cos(frequency * cx + phase);
    double stretch = std::sqrt(1 + dy * dy);
    int top = static_cast<int>(std::floor(cy - half * stretch - 1));
    int bottom = static_cast<int>(std::ceil(cy + half * stretch + 1));
    for (int y = top; y <= bottom; ++y) {
      double distance = std::abs(y + 0.5 - cy) / stretch;
      canvas.blend(x, y, ink, half + 0.5 - distance);
    }
  }
}

// One character: font rectangles mapped by p = centre + M (g - glyph centre),
// M = rotation * shear * scale, and sampled back through M's inverse.
void draw_character(Canvas& canvas, Entropy& rng, char c, double slot_centre, double slot_width) {
  std::vector<Rect> rects = glyph_rects(c);
  // The font's strokes are one unit wide and its diagonals are squares that
  // touch only at corners; once rotated those fall apart into dots. Grown a
  // little, the squares overlap and the strokes hold together.
  constexpr float kBold = 0.2f;
  for (Rect& r : rects) r = {r.x0 - kBold, r.y0 - kBold, r.x1 + kBold, r.y1 + kBold};
  float gx0 = rects.front().x0, gy0 = rects.front().y0;
  float gx1 = rects.front().x1, gy1 = rects.front().y1;
  for (const Rect& r : rects) {
    gx0 = std::min(gx0, r.x0);
    gy0 = std::min(gy0, r.y0);
    gx1 = std::max(gx1, r.x1);
    gy1 = std::max(gy1, r.y1);
  }
  double gcx = (gx0 + gx1) / 2.0, gcy = (gy0 + gy1) / 2.0;

  // Narrower when eight characters share the width, so neighbours touch at
  // most a little.
  double sx = std::min(rng.uniform(3.0, 3.9), slot_width / 5.5);
  double sy = rng.uniform(3.0, 4.0);
  double shear = rng.uniform(-0.3, 0.3);
  double angle = rng.uniform(-0.25, 0.25);
  double cs = std::cos(angle), sn = std::sin(angle);
  // Columns of rotation * [[1, shear], [0, 1]] * diag(sx, sy).
  double m00 = cs * sx, m10 = sn * sx;
  double m01 = (cs * shear - sn) * sy, m11 = (sn * shear + cs) * sy;
  double det = m00 * m11 - m01 * m10;
  double i00 = m11 / det, i01 = -m01 / det, i10 = -m10 / det, i11 = m00 / det;

  // The glyph box's extent around its centre once transformed, to keep the
  // character inside the picture wherever the offset puts it.
  double hw = (gx1 - gx0) / 2.0, hh = (gy1 - gy0) / 2.0;
  double ex = std::abs(m00) * hw + std::abs(m01) * hh;
  double ey = std::abs(m10) * hw + std::abs(m11) * hh;
  constexpr double kMargin = 2;
  double cx = slot_centre + rng.uniform(-0.15, 0.15) * slot_width;
  cx = std::clamp(cx, ex + kMargin, kWidth - ex - kMargin);
  // Up and down by less than half a character, so the answer still reads
  // as one line.
  double cy = kHeight / 2.0 + rng.uniform(-8, 8);
  cy = std::clamp(cy, std::min(ey + kMargin, kHeight / 2.0),
                  std::max(kHeight - ey - kMargin, kHeight / 2.0));

  double ink = rng.uniform(10, 70);
  int x_begin = std::max(0, static_cast<int>(std::floor(cx - ex)) - 1);
  int x_end = std::min(kWidth, static_cast<int>(std::ceil(cx + ex)) + 1);
  int y_begin = std::max(0, static_cast<int>(std::floor(cy - ey)) - 1);
  int y_end = std::min(kHeight, static_cast<int>(std::ceil(cy + ey)) + 1);
  constexpr int kSamples = 4;
  for (int y = y_begin; y < y_end; ++y) {
    for (int x = x_begin; x < x_end; ++x) {
      int hits = 0;
      for (int sj = 0; sj < kSamples; ++sj) {
        for (int si = 0; si < kSamples; ++si) {
          double px = x + (si + 0.5) / kSamples - cx;
          double py = y + (sj + 0.5) / kSamples - cy;
          double u = gcx + i00 * px + i01 * py;
          double v = gcy + i10 * px + i11 * py;
          for (const Rect& r : rects) {
            if (u >= r.x0 && u < r.x1 && v >= r.y0 && v < r.y1) {
              ++hits;
              break;
            }
          }
        }
      }
      canvas.blend(x, y, ink, hits / double(kSamples * kSamples));
    }
  }
}

void append_to_string(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data),
                                             static_cast<std::size_t>(size));
}

}  // namespace

std::string_view alphabet() noexcept { return kAlphabet; }

std::string random_answer(std::size_t length) {
  if (length < 1 || length > kMaxLength) {
    throw Error(Errc::invalid_argument,
                "captcha answer length " + std::to_string(length) + " is outside 1..8",
                "验证码长度须为1至8位");
  }
  // Bytes from this limit up would fall on the first 256 % n characters once
  // more than on the rest, so they are thrown away and drawn again.
  constexpr unsigned kLimit = 256 / kAlphabet.size() * kAlphabet.size();
  std::string answer;
  answer.reserve(length);
  std::array<unsigned char, 32> bytes{};
  while (answer.size() < length) {
    random_bytes(bytes.data(), bytes.size());
    for (unsigned char b : bytes) {
      if (b < kLimit && answer.size() < length) answer += kAlphabet[b % kAlphabet.size()];
    }
  }
  return answer;
}

std::string draw_png(std::string_view answer) {
  if (answer.empty() || answer.size() > kMaxLength) {
    throw Error(Errc::invalid_argument,
                "captcha answer of " + std::to_string(answer.size()) + " bytes, not 1..8",
                kInvalidAnswer);
  }
  // Upper-cased by hand: std::toupper follows the locale, and bytes of UTF-8
  // must stay outside the alphabet.
  std::string text(answer);
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (kAlphabet.find(c) == std::string_view::npos) {
      throw Error(Errc::invalid_argument, "captcha answer holds a character outside the alphabet",
                  kInvalidAnswer);
    }
  }

  Entropy rng;
  Canvas canvas;
  paint_background(canvas, rng);
  // One faint curve under the text and two dark ones over it.
  draw_curve(canvas, rng, rng.uniform(120, 170));
  constexpr double kSide = 6;
  double slot = std::min(30.0, (kWidth - 2 * kSide) / text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    double centre = kWidth / 2.0 + (i - (text.size() - 1) / 2.0) * slot;
    draw_character(canvas, rng, text[i], centre, slot);
  }
  draw_curve(canvas, rng, rng.uniform(30, 90));
  draw_curve(canvas, rng, rng.uniform(30, 90));
  for (int i = 0; i < 150; ++i) {
    canvas.blend(rng.between(0, kWidth - 1), rng.between(0, kHeight - 1), rng.uniform(40, 200),
                 1.0);
  }

  std::string png;
  if (stbi_write_png_to_func(append_to_string, &png, kWidth, kHeight, 1, canvas.data(), kWidth) ==
      0) {
    throw Error(Errc::internal, "stbi_write_png_to_func failed");
  }
  return png;
}

}  // namespace fuma::captcha
