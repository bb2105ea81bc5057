// SPDX-License-Identifier: Apache-2.0
// What happens to a picture between the moment it is issued and the moment a
// person uploads it again: saved as another format, scaled, turned, pasted
// into a screenshot, tinted. Every encoded variant is a real file, written by
// stb (or, for GIF, by the small encoder below), so that decoding it exercises
// the same code paths as an upload.
#ifndef FUMA_TESTS_SUPPORT_IMAGE_VARIANTS_HPP
#define FUMA_TESTS_SUPPORT_IMAGE_VARIANTS_HPP

#include <stb/stb_image_resize.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "image/image.hpp"

namespace fuma::test {

using fuma::image::Grey;

namespace detail {

inline void append_to_string(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data),
                                             static_cast<std::size_t>(size));
}

inline void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(what);
}

inline std::uint8_t clamp_byte(double v) {
  return static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
}

inline void put_le16(std::string& out, int v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>((v >> 8) & 0xFF));
}

}  // namespace detail

// A width x height picture of one grey level.
inline Grey blank(int width, int height, std::uint8_t level = 255) {
  Grey g;
  g.width = width;
  g.height = height;
  g.pixels.assign(static_cast<std::size_t>(width) * static_cast<std::size_t>(height), level);
  return g;
}

inline std::uint8_t& at(Grey& g, int x, int y) {
  return g.pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(g.width) +
                  static_cast<std::size_t>(x)];
}

inline std::uint8_t at(const Grey& g, int x, int y) {
  return g.pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(g.width) +
                  static_cast<std::size_t>(x)];
}

// `picture` copied onto `canvas` with its top left corner at x, y; whatever
// falls outside the canvas is cut off.
inline void paste(Grey& canvas, const Grey& picture, int x, int y) {
  for (int row = 0; row < picture.height; ++row) {
    if (y + row < 0 || y + row >= canvas.height) continue;
    for (int col = 0; col < picture.width; ++col) {
      if (x + col < 0 || x + col >= canvas.width) continue;
      at(canvas, x + col, y + row) = at(picture, col, row);
    }
  }
}

// An 8-bit greyscale PNG, written by stb rather than by the code under test.
inline std::string as_png(const Grey& g) {
  std::string out;
  detail::require(stbi_write_png_to_func(detail::append_to_string, &out, g.width, g.height, 1,
                                         g.pixels.data(), g.width) != 0,
                  "stbi_write_png_to_func failed");
  return out;
}

// A baseline JPEG; quality 1..100.
inline std::string as_jpeg(const Grey& g, int quality) {
  std::string out;
  detail::require(stbi_write_jpg_to_func(detail::append_to_string, &out, g.width, g.height, 1,
                                         g.pixels.data(), quality) != 0,
                  "stbi_write_jpg_to_func failed");
  return out;
}

// A 24-bit BMP (stb expands the grey to RGB).
inline std::string as_bmp(const Grey& g) {
  std::string out;
  detail::require(stbi_write_bmp_to_func(detail::append_to_string, &out, g.width, g.height, 1,
                                         g.pixels.data()) != 0,
                  "stbi_write_bmp_to_func failed");
  return out;
}

// A GIF89a with a 256-level grey palette. stb writes no GIF, so the LZW
// stream is built by hand in its simplest valid form: every pixel is a
// literal 9-bit code and a clear code follows every 250 literals, before the
// decoder's table would grow to need 10-bit codes. Larger than a real
// encoder's output, but every decoder reads it the same way.
inline std::string as_gif(const Grey& g) {
  detail::require(g.width > 0 && g.height > 0 && g.width <= 0xFFFF && g.height <= 0xFFFF,
                  "as_gif: size out of range");
  std::string out = "GIF89a";
  detail::put_le16(out, g.width);
  detail::put_le16(out, g.height);
  out.push_back(static_cast<char>(0xF7));  // global table of 2^(7+1) colours, 8 bits each
  out.push_back('\0');                     // background colour index
  out.push_back('\0');                     // square pixels
  for (int i = 0; i < 256; ++i) out.append(3, static_cast<char>(i));
  out.push_back(',');  // image descriptor
  detail::put_le16(out, 0);
  detail::put_le16(out, 0);
  detail::put_le16(out, g.width);
  detail::put_le16(out, g.height);
  out.push_back('\0');    // no local table, not interlaced
  out.push_back('\x08');  // LZW minimum code size

  constexpr unsigned kClear = 256;
  constexpr unsigned kEnd = 257;
  constexpr int kLiteralsPerClear = 250;
  std::string stream;
  std::uint32_t bits = 0;
  int nbits = 0;
  auto emit = [&](unsigned code) {
    bits |= static_cast<std::uint32_t>(code) << nbits;
    nbits += 9;
    while (nbits >= 8) {
      stream.push_back(static_cast<char>(bits & 0xFF));
      bits >>= 8;
      nbits -= 8;
    }
  };
  int since_clear = kLiteralsPerClear;
  for (std::uint8_t p : g.pixels) {
    if (since_clear == kLiteralsPerClear) {
      emit(kClear);
      since_clear = 0;
    }
    emit(p);
    ++since_clear;
  }
  emit(kEnd);
  if (nbits > 0) stream.push_back(static_cast<char>(bits & 0xFF));

  for (std::size_t at = 0; at < stream.size(); at += 255) {
    const std::size_t n = std::min<std::size_t>(255, stream.size() - at);
    out.push_back(static_cast<char>(n));
    out.append(stream, at, n);
  }
  out.push_back('\0');  // end of the image data
  out.push_back(';');   // trailer
  return out;
}

// An RGB PNG of the picture in navy on cream, as a phone's screenshot of a
// themed page might be: the decoder has to bring it back to grey itself.
inline std::string colour_png(const Grey& g) {
  std::vector<std::uint8_t> rgb;
  rgb.reserve(g.pixels.size() * 3);
  for (std::uint8_t v : g.pixels) {
    const double t = v / 255.0;
    rgb.push_back(detail::clamp_byte(30 + t * 225));
    rgb.push_back(detail::clamp_byte(40 + t * 205));
    rgb.push_back(detail::clamp_byte(110 + t * 110));
  }
  std::string out;
  detail::require(stbi_write_png_to_func(detail::append_to_string, &out, g.width, g.height, 3,
                                         rgb.data(), g.width * 3) != 0,
                  "stbi_write_png_to_func failed");
  return out;
}

// An RGBA PNG where the dark pixels are opaque black and the light ones fully
// transparent black, as image editors export a "cut-out" picture. Shown on a
// white page it looks like the original; read without its alpha it is black.
inline std::string transparent_png(const Grey& g) {
  std::vector<std::uint8_t> rgba;
  rgba.reserve(g.pixels.size() * 4);
  for (std::uint8_t v : g.pixels) {
    rgba.insert(rgba.end(), {0, 0, 0, static_cast<std::uint8_t>(255 - v)});
  }
  std::string out;
  detail::require(stbi_write_png_to_func(detail::append_to_string, &out, g.width, g.height, 4,
                                         rgba.data(), g.width * 4) != 0,
                  "stbi_write_png_to_func failed");
  return out;
}

// The picture resized by `factor` with stb's default (Mitchell / Catmull-Rom)
// filters, as a browser or a chat application rescales an image.
inline Grey scaled(const Grey& g, double factor) {
  Grey out;
  out.width = std::max(1, static_cast<int>(std::lround(g.width * factor)));
  out.height = std::max(1, static_cast<int>(std::lround(g.height * factor)));
  out.pixels.resize(static_cast<std::size_t>(out.width) * static_cast<std::size_t>(out.height));
  detail::require(stbir_resize_uint8(g.pixels.data(), g.width, g.height, 0, out.pixels.data(),
                                     out.width, out.height, 0, 1) != 0,
                  "stbir_resize_uint8 failed");
  return out;
}

// The picture turned clockwise by `degrees` about its centre, bilinearly
// sampled, on a white canvas grown to hold all of it.
inline Grey rotated(const Grey& g, double degrees) {
  const double a = degrees * std::acos(-1.0) / 180.0;
  const double c = std::cos(a);
  const double s = std::sin(a);
  // Rounded so that quarter turns keep their exact size despite cos(90°) != 0.
  auto fit = [](double v) { return static_cast<int>(std::ceil(v - 1e-9)); };
  const int w = fit(std::abs(g.width * c) + std::abs(g.height * s));
  const int h = fit(std::abs(g.width * s) + std::abs(g.height * c));
  Grey out = blank(w, h);
  const double scx = g.width / 2.0;
  const double scy = g.height / 2.0;
  const double dcx = w / 2.0;
  const double dcy = h / 2.0;
  auto sample = [&](int x, int y) -> double {
    if (x < 0 || y < 0 || x >= g.width || y >= g.height) return 255.0;
    return at(g, x, y);
  };
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      // The inverse rotation, pixel centres to pixel centres.
      const double dx = x + 0.5 - dcx;
      const double dy = y + 0.5 - dcy;
      const double sx = c * dx + s * dy + scx - 0.5;
      const double sy = -s * dx + c * dy + scy - 0.5;
      const double fx = std::floor(sx);
      const double fy = std::floor(sy);
      const double tx = sx - fx;
      const double ty = sy - fy;
      const int x0 = static_cast<int>(fx);
      const int y0 = static_cast<int>(fy);
      const double top = sample(x0, y0) * (1 - tx) + sample(x0 + 1, y0) * tx;
      const double bottom = sample(x0, y0 + 1) * (1 - tx) + sample(x0 + 1, y0 + 1) * tx;
      at(out, x, y) = detail::clamp_byte(top * (1 - ty) + bottom * ty);
    }
  }
  return out;
}

// A screenshot-like page: a light grey background, a dark border, a title
// bar, lines of dark "words" of varying length, and the picture pasted with
// its top left corner at x, y. The words are what a page around a QR code
// really holds: edges and dark blobs a detector must not mistake for finder
// patterns.
inline Grey on_page(const Grey& picture, int page_w, int page_h, int x, int y) {
  Grey page = blank(page_w, page_h, 236);
  auto fill = [&](int left, int top, int width, int height, std::uint8_t level) {
    for (int row = std::max(0, top); row < std::min(page_h, top + height); ++row) {
      for (int col = std::max(0, left); col < std::min(page_w, left + width); ++col) {
        at(page, col, row) = level;
      }
    }
  };
  fill(0, 0, page_w, 3, 60);
  fill(0, page_h - 3, page_w, 3, 60);
  fill(0, 0, 3, page_h, 60);
  fill(page_w - 3, 0, 3, page_h, 60);
  fill(3, 3, page_w - 6, 48, 70);     // title bar
  fill(24, 16, page_w / 5, 20, 225);  // its caption
  std::uint32_t seed = 12345;
  auto next = [&seed](std::uint32_t bound) {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) % bound;
  };
  for (int line_top = 80; line_top + 14 < page_h - 20; line_top += 30) {
    int left = 40;
    const int right = page_w - 40 - static_cast<int>(next(static_cast<std::uint32_t>(page_w / 3)));
    while (left < right) {
      const int word = 20 + static_cast<int>(next(90));
      fill(left, line_top, std::min(word, right - left), 14,
           static_cast<std::uint8_t>(50 + next(40)));
      left += word + 10;
    }
  }
  paste(page, picture, x, y);
  return page;
}

}  // namespace fuma::test

#endif  // FUMA_TESTS_SUPPORT_IMAGE_VARIANTS_HPP
