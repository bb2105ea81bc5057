// SPDX-License-Identifier: Apache-2.0
// A picture saved by the programs people really use, so that decoding it is
// tested against files fuma's code did not write: ImageMagick's `convert`
// (RLE8 and bit-field BMP, TIFF, HEIC, AVIF, a negative), `cwebp` (lossy and
// lossless WebP), `qrencode` (SVG) and Java's own BMP writer, javax.imageio, run from
// tests/image/tools/BmpVariants.java (RLE4, RLE8, bit-fields, top-down).
// Each call writes the picture as a PNG into a fresh directory, runs the
// tool, and returns the file it wrote; a tool that fails throws
// std::runtime_error with what it printed.
#ifndef FUMA_TESTS_SUPPORT_PICTURE_TOOLS_HPP
#define FUMA_TESTS_SUPPORT_PICTURE_TOOLS_HPP

#include <map>
#include <stdexcept>
#include <string>

#include "support/file.hpp"
#include "support/image_variants.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#ifndef FUMA_IMAGE_TOOLS
#error "FUMA_IMAGE_TOOLS names tests/image/tools"
#endif

namespace fuma::test {

namespace detail {

inline void must_run(const std::string& command) {
  const Ran r = run(command + " 2>&1");
  if (r.status != 0) {
    throw std::runtime_error(command + " failed (" + std::to_string(r.status) + "): " + r.output);
  }
}

}  // namespace detail

// `convert in.png OPTIONS out.EXT`: `options` go between the two file names,
// `out` may carry ImageMagick's format prefix ("BMP3:out.bmp").
inline std::string converted(const std::string& png, const std::string& options,
                             const std::string& out) {
  TempDir dir;
  write_bytes(dir.file("in.png"), png);
  const std::string::size_type colon = out.find(':');
  const std::string prefix = colon == std::string::npos ? "" : out.substr(0, colon + 1);
  const std::string name = colon == std::string::npos ? out : out.substr(colon + 1);
  detail::must_run("convert '" + dir.file("in.png") + "' " + options + " '" + prefix +
                   dir.file(name) + "'");
  return read_bytes(dir.file(name));
}

// cwebp at `quality` (0-100), or lossless when quality is negative.
inline std::string as_webp(const std::string& png, int quality) {
  TempDir dir;
  write_bytes(dir.file("in.png"), png);
  const std::string mode = quality < 0 ? "-lossless" : "-q " + std::to_string(quality);
  detail::must_run("cwebp -quiet " + mode + " '" + dir.file("in.png") + "' -o '" +
                   dir.file("out.webp") + "'");
  return read_bytes(dir.file("out.webp"));
}

// Java's BMP writer's variants, by file name: rle4, rle8, bitfields565,
// bitfields32, topdown24, topdown565, topdown32.
inline std::map<std::string, std::string> java_bmps(const std::string& png) {
  TempDir dir;
  write_bytes(dir.file("in.png"), png);
  detail::must_run("java '" FUMA_IMAGE_TOOLS "/BmpVariants.java' '" + dir.file("in.png") + "' '" +
                   dir.path().string() + "'");
  std::map<std::string, std::string> out;
  for (const char* name :
       {"rle4", "rle8", "bitfields565", "bitfields32", "topdown24", "topdown565", "topdown32"}) {
    out[name] = read_bytes(dir.file(std::string(name) + ".bmp"));
  }
  return out;
}

// Every BMP variant Windows programs write, by a name saying what it is:
// Java's seven and ImageMagick's RLE8, 16-bit RGB565 and ARGB4444 and 32-bit
// BGRA with a BITMAPV5HEADER (the last three BI_BITFIELDS).
inline std::map<std::string, std::string> bmp_variants(const std::string& png) {
  std::map<std::string, std::string> out;
  for (auto& [name, bytes] : java_bmps(png)) out["java " + name] = std::move(bytes);
  out["imagemagick rle8"] = converted(png, "-type Palette -compress RLE", "BMP3:out.bmp");
  out["imagemagick rgb565"] =
      converted(png, "-type TrueColor -define bmp:subtype=RGB565", "BMP:out.bmp");
  out["imagemagick argb4444"] =
      converted(png, "-type TrueColorAlpha -define bmp:subtype=ARGB4444", "BMP:out.bmp");
  out["imagemagick bitfields32 v5"] = converted(png, "-type TrueColorAlpha", "BMP:out.bmp");
  return out;
}

}  // namespace fuma::test

#endif  // FUMA_TESTS_SUPPORT_PICTURE_TOOLS_HPP
