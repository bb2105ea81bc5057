// SPDX-License-Identifier: Apache-2.0
// Images in and out: decoding what a person uploads (PNG, JPEG, BMP, GIF,
// WebP) into grey pixels within fixed limits, encoding pixels as PNG, and
// reading and drawing QR codes. The only module that includes stb, libwebp
// and ZXing.
#ifndef FUMA_SRC_IMAGE_IMAGE_HPP
#define FUMA_SRC_IMAGE_IMAGE_HPP

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fuma::image {

// 8-bit luminance, row-major, no padding: pixels.size() == width * height.
struct Grey {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;
};

// Bounds checked before any pixel is decoded, so that a small file that
// claims a huge picture (a decompression bomb) costs nothing.
struct Limits {
  std::size_t max_bytes = 10u << 20;  // the file
  // A 4K screenshot is 8.3 megapixels, a phone photo 12; decoding needs up
  // to about 12 bytes a pixel (GIF), so this bounds one upload near 200 MB.
  std::uint64_t max_pixels = 16'000'000u;  // width * height
};

// Decodes PNG, JPEG, BMP (uncompressed, RLE4, RLE8 or bit-field; top-down or
// bottom-up), GIF (the first frame) or WebP (lossy or lossless, not
// animated) to grey, transparent parts composited over white. Throws
// fuma::Error: Errc::image_too_large when the bytes or the width * height
// its header declares exceed the limits, before any pixel is decoded;
// Errc::unsupported_image_format for a picture in another format it
// recognises (TIFF, HEIC, AVIF, PDF, SVG, PSD, JPEG 2000, JPEG XL, animated
// WebP), named in the detail and the message; Errc::not_an_image for empty
// bytes, bytes that are no picture, or a truncated or corrupt file.
Grey decode(std::string_view bytes, const Limits& limits = {});

// The width * height `bytes` declare, read from the header alone after the
// checks decode() makes before any pixel (what the pixels of a decode
// reserve from a PixelBudget). Throws what decode() throws for those.
std::uint64_t declared_pixels(std::string_view bytes, const Limits& limits = {});

// A PNG file of the picture (8-bit greyscale).
std::string encode_png(const Grey& picture);

// Every QR code found in the picture, as its text, each distinct text once,
// in the order found; at most `max_codes`. Empty when there is none. Codes
// printed light on dark are read too, when no dark-on-light code is found.
std::vector<std::string> read_qr(const Grey& picture, int max_codes = 4);

// A QR code of `text` at error-correction level M, drawn black on white with
// a four-module quiet zone, `module_px` pixels per module.
struct Qr {
  Grey picture;
  int version = 0;  // 1..40, from the symbol's size
};
// Throws Error(invalid_argument) for empty text, a text that needs a
// version above `max_version`, or module_px outside 1..64.
Qr draw_qr(std::string_view text, int module_px, int max_version = 40);

}  // namespace fuma::image

#endif  // FUMA_SRC_IMAGE_IMAGE_HPP
