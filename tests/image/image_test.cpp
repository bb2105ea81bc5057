// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <stb/stb_image.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuma/error.hpp"
#include "image/image.hpp"
#include "support/file.hpp"
#include "support/image_variants.hpp"
#include "support/picture_tools.hpp"
#include "support/png_chunk.hpp"
#include "support/process.hpp"
#include "support/refusal.hpp"
#include "support/temp_dir.hpp"

using fuma::Errc;
using fuma::Error;
using fuma::image::decode;
using fuma::image::draw_qr;
using fuma::image::encode_png;
using fuma::image::Grey;
using fuma::image::Limits;
using fuma::image::read_qr;
using fuma::test::as_bmp;
using fuma::test::as_gif;
using fuma::test::as_jpeg;
using fuma::test::as_png;
using fuma::test::be32;
using fuma::test::blank;
using fuma::test::paste;
using fuma::test::png_chunk;
using fuma::test::Ran;
using fuma::test::read_bytes;
using fuma::test::run;
using fuma::test::write_bytes;

namespace {

// The characters of QR's alphanumeric mode, the only ones credentials use.
constexpr std::string_view kAlphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

// 150 characters, the size of a credential: "FM1:" and 146 others walking the
// whole alphanumeric set in a scrambled order.
std::string payload(int step = 7, int start = 0) {
  std::string text = "FM1:";
  for (int i = start; text.size() < 150; ++i) {
    text += kAlphanumeric[static_cast<std::size_t>(i * step) % kAlphanumeric.size()];
  }
  return text;
}

std::vector<std::string> read_file_qr(const std::string& bytes) { return read_qr(decode(bytes)); }

std::vector<std::string> just(const std::string& text) { return {text}; }

// The error `f` throws, with its code checked and a detail and a message
// in it; a failed test when none.
template <class F>
Error refusal(Errc code, F&& f) {
  const Error e = fuma::test::refusal(code, std::forward<F>(f));
  CHECK_FALSE(e.detail().empty());
  CHECK_FALSE(e.message().empty());
  return e;
}

std::string be16(std::uint16_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v)}; }

std::string le16(std::uint16_t v) { return {static_cast<char>(v), static_cast<char>(v >> 8)}; }

// A real PNG whose IHDR (with a correct CRC, so that no reader can tell)
// declares another size than its pixel data holds.
std::string png_declaring(std::uint32_t width, std::uint32_t height) {
  std::string png = as_png(blank(1, 1));
  const std::string ihdr = be32(width) + be32(height) + std::string("\x08\x00\x00\x00\x00", 5);
  // After the signature (8), IHDR: length (4), type and data (17), CRC (4).
  return png.replace(8, 25, png_chunk("IHDR", ihdr));
}

// True when stb itself would take these bytes for a picture, so that a
// refusal proves the signature check and not a parse failure.
bool stb_would_read(const std::string& bytes) {
  int w = 0;
  int h = 0;
  int c = 0;
  return stbi_info_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()),
                               static_cast<int>(bytes.size()), &w, &h, &c) != 0;
}

}  // namespace

// --- drawing and reading back ------------------------------------------------

TEST_CASE("a drawn QR code reads back as exactly its text, at version 6 and level M") {
  const std::string text = payload();
  REQUIRE(text.size() == 150);
  const auto qr = draw_qr(text, 4);
  // 150 alphanumeric characters fit version 5 at level L, 6 at M and 8 at Q:
  // version 6 says both the mode and the level are the ones asked for.
  CHECK(qr.version == 6);
  CHECK(qr.version <= 10);
  CHECK(qr.picture.width == (17 + 4 * qr.version + 8) * 4);
  CHECK(qr.picture.height == qr.picture.width);
  CHECK(qr.picture.pixels.size() ==
        static_cast<std::size_t>(qr.picture.width) * static_cast<std::size_t>(qr.picture.height));
  CHECK(read_file_qr(encode_png(qr.picture)) == just(text));
}

TEST_CASE("a text beyond ASCII reads back as the same UTF-8") {
  const std::string text = "登录二维码 FM1:ÄÖ";
  CHECK(read_qr(draw_qr(text, 4).picture) == just(text));
}

TEST_CASE("the quiet zone is four white modules and modules are module_px square") {
  const auto qr = draw_qr("HELLO", 3);
  REQUIRE(qr.version == 1);
  const int side = (21 + 8) * 3;
  REQUIRE(qr.picture.width == side);
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) {
      const bool margin = x < 12 || y < 12 || x >= side - 12 || y >= side - 12;
      if (margin) REQUIRE(fuma::test::at(qr.picture, x, y) == 255);
    }
  }
  // The top left finder pattern: a 7x7 black ring starting at module 4.
  CHECK(fuma::test::at(qr.picture, 12, 12) == 0);
  CHECK(fuma::test::at(qr.picture, 14, 14) == 0);
  CHECK(fuma::test::at(qr.picture, 15, 15) == 255);  // its white ring
  CHECK(fuma::test::at(qr.picture, 18, 18) == 0);    // its centre
}

TEST_CASE("encode_png writes a greyscale PNG that decodes to the same pixels") {
  Grey g = blank(37, 23);
  for (std::size_t i = 0; i < g.pixels.size(); ++i) {
    g.pixels[i] = static_cast<std::uint8_t>(i * 31);
  }
  const std::string png = encode_png(g);
  CHECK(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  const Grey back = decode(png);
  CHECK(back.width == 37);
  CHECK(back.height == 23);
  CHECK(back.pixels == g.pixels);
}

TEST_CASE("an independent reader, zbarimg, reads the drawn code as the same text") {
  const std::string text = payload();
  fuma::test::TempDir dir;
  const std::string file = dir.file("qr.png");
  write_bytes(file, encode_png(draw_qr(text, 4).picture));
  // zbarimg's image library complains on stderr about the missing D-Bus.
  const Ran r = run("zbarimg --raw -q '" + file + "' 2>'" + dir.file("stderr") + "'");
  // Read now: the message is built lazily, inside doctest's reporter.
  const std::string errors = read_bytes(dir.file("stderr"));
  REQUIRE_MESSAGE(r.status == 0, "zbarimg failed: " << errors);
  CHECK(r.output == text + "\n");
}

TEST_CASE("a code from an independent writer, qrencode, reads as its text") {
  const std::string text = payload(11, 5);
  fuma::test::TempDir dir;
  const std::string file = dir.file("qr.png");
  const Ran r = run("qrencode -l M -o '" + file + "' '" + text + "' 2>&1");
  REQUIRE_MESSAGE(r.status == 0, "qrencode failed: " << r.output);
  CHECK(read_file_qr(read_bytes(file)) == just(text));
}

// --- what happens to a picture on its way back -------------------------------

TEST_CASE("a JPEG at quality 60 still reads") {
  const std::string text = payload();
  CHECK(read_file_qr(as_jpeg(draw_qr(text, 4).picture, 60)) == just(text));
}

TEST_CASE("a JPEG at quality 30 still reads") {
  const std::string text = payload();
  CHECK(read_file_qr(as_jpeg(draw_qr(text, 4).picture, 30)) == just(text));
}

TEST_CASE("scaled down to 25% still reads") {
  const std::string text = payload();
  CHECK(read_file_qr(as_png(fuma::test::scaled(draw_qr(text, 12).picture, 0.25))) == just(text));
}

TEST_CASE("scaled down to 50% still reads") {
  const std::string text = payload();
  CHECK(read_file_qr(as_png(fuma::test::scaled(draw_qr(text, 12).picture, 0.5))) == just(text));
}

TEST_CASE("scaled up to 200% still reads") {
  const std::string text = payload();
  CHECK(read_file_qr(as_png(fuma::test::scaled(draw_qr(text, 12).picture, 2.0))) == just(text));
}

TEST_CASE("scaled up to 300% still reads") {
  const std::string text = payload();
  CHECK(read_file_qr(as_png(fuma::test::scaled(draw_qr(text, 12).picture, 3.0))) == just(text));
}

TEST_CASE("turned by 7 degrees still reads") {
  const std::string text = payload();
  CHECK(read_file_qr(as_png(fuma::test::rotated(draw_qr(text, 6).picture, 7))) == just(text));
}

TEST_CASE("turned by 30 degrees still reads") {
  const std::string text = payload();
  CHECK(read_file_qr(as_png(fuma::test::rotated(draw_qr(text, 6).picture, 30))) == just(text));
}

TEST_CASE("turned by 90 degrees still reads") {
  const std::string text = payload();
  CHECK(read_file_qr(as_png(fuma::test::rotated(draw_qr(text, 6).picture, 90))) == just(text));
}

TEST_CASE("turned upside down still reads") {
  const std::string text = payload();
  CHECK(read_file_qr(as_png(fuma::test::rotated(draw_qr(text, 6).picture, 180))) == just(text));
}

TEST_CASE("inside a 1920x1080 screenshot of a page still reads") {
  const std::string text = payload();
  const Grey page = fuma::test::on_page(draw_qr(text, 6).picture, 1920, 1080, 1400, 520);
  CHECK(read_file_qr(as_png(page)) == just(text));
}

TEST_CASE("a colour PNG is read as its luminance and still reads") {
  const std::string text = payload();
  const std::string png = fuma::test::colour_png(draw_qr(text, 4).picture);
  const Grey g = decode(png);
  // Navy on cream: dark stays dark, light stays light.
  CHECK(fuma::test::at(g, 0, 0) > 200);
  CHECK(fuma::test::at(g, 16, 16) < 80);
  CHECK(read_qr(g) == just(text));
}

TEST_CASE("a black-on-transparent PNG is seen on white, as a viewer shows it") {
  const std::string text = payload();
  const Grey g = decode(fuma::test::transparent_png(draw_qr(text, 4).picture));
  CHECK(fuma::test::at(g, 0, 0) == 255);
  CHECK(fuma::test::at(g, 16, 16) == 0);
  CHECK(read_qr(g) == just(text));
}

// --- formats and limits ---------------------------------------------------------

TEST_CASE("a BMP decodes to the same pixels and reads") {
  const std::string text = payload();
  const Grey picture = draw_qr(text, 4).picture;
  const std::string bmp = as_bmp(picture);
  REQUIRE(bmp.compare(0, 2, "BM") == 0);
  const Grey g = decode(bmp);
  CHECK(g.width == picture.width);
  CHECK(g.pixels == picture.pixels);
  CHECK(read_qr(g) == just(text));
}

TEST_CASE("a JPEG decodes to nearly the same pixels") {
  Grey picture = blank(64, 48);
  for (int y = 0; y < 48; ++y) {
    for (int x = 0; x < 64; ++x) fuma::test::at(picture, x, y) = static_cast<std::uint8_t>(x * 4);
  }
  const Grey g = decode(as_jpeg(picture, 95));
  REQUIRE(g.width == 64);
  REQUIRE(g.height == 48);
  long error = 0;
  for (std::size_t i = 0; i < g.pixels.size(); ++i) {
    error += std::abs(int{g.pixels[i]} - int{picture.pixels[i]});
  }
  CHECK(error / static_cast<long>(g.pixels.size()) <= 2);
}

TEST_CASE("a GIF decodes to the same pixels and reads") {
  const std::string text = payload();
  const Grey picture = draw_qr(text, 4).picture;
  const std::string gif = as_gif(picture);
  REQUIRE(gif.compare(0, 6, "GIF89a") == 0);
  const Grey g = decode(gif);
  CHECK(g.width == picture.width);
  CHECK(g.height == picture.height);
  CHECK(g.pixels == picture.pixels);
  CHECK(read_qr(g) == just(text));
}

TEST_CASE("a PNG declaring 50000x50000 is too large before any pixel is decoded") {
  const std::string png = png_declaring(50000, 50000);
  REQUIRE(png.size() < 100);
  // Decoding would fail on the one-pixel data (not_an_image); image_too_large
  // shows the header alone decided.
  refusal(Errc::image_too_large, [&] { decode(png); });
}

TEST_CASE("a JPEG, BMP or GIF declaring a huge size is too large from its header alone") {
  const Grey picture = blank(8, 8);
  std::string jpeg = as_jpeg(picture, 90);
  const std::size_t sof = jpeg.find(std::string("\xFF\xC0", 2));
  REQUIRE(sof != std::string::npos);
  jpeg.replace(sof + 5, 4, be16(65535) + be16(65535));
  refusal(Errc::image_too_large, [&] { decode(jpeg); });

  std::string bmp = as_bmp(picture);
  bmp.replace(18, 8, le16(30000) + le16(0) + le16(30000) + le16(0));
  refusal(Errc::image_too_large, [&] { decode(bmp); });

  std::string gif = as_gif(picture);
  gif.replace(6, 4, le16(65535) + le16(65535));
  refusal(Errc::image_too_large, [&] { decode(gif); });
}

TEST_CASE("the pixel limit is width * height, inclusive") {
  const std::string png = as_png(blank(10, 10));
  Limits limits;
  limits.max_pixels = 100;
  CHECK(decode(png, limits).pixels.size() == 100);
  limits.max_pixels = 99;
  refusal(Errc::image_too_large, [&] { decode(png, limits); });
}

TEST_CASE("more bytes than max_bytes is too large") {
  const std::string png = as_png(blank(10, 10));
  Limits limits;
  limits.max_bytes = png.size();
  CHECK(decode(png, limits).width == 10);
  limits.max_bytes = png.size() - 1;
  refusal(Errc::image_too_large, [&] { decode(png, limits); });
}

TEST_CASE("no bytes are not an image") {
  refusal(Errc::not_an_image, [] { decode(""); });
}

TEST_CASE("text is not an image") {
  refusal(Errc::not_an_image, [] { decode("hello"); });
}

TEST_CASE("a RIFF header shorter than a WebP's is not an image") {
  // Found by fuzzing: the WebP check read past the end of a short input.
  refusal(Errc::not_an_image, [] { decode("RIFF"); });
  refusal(Errc::not_an_image, [] { decode("RIFF\xFFO\xFF"); });
}

TEST_CASE("the first half of a PNG is not an image") {
  const std::string png = encode_png(draw_qr(payload(), 4).picture);
  refusal(Errc::not_an_image, [&] { decode(png.substr(0, png.size() / 2)); });
}

TEST_CASE("a JPEG cut short is not an image") {
  const std::string jpeg = as_jpeg(draw_qr(payload(), 4).picture, 80);
  refusal(Errc::not_an_image, [&] { decode(jpeg.substr(0, jpeg.size() * 9 / 10)); });
}

// stb itself decodes a short BMP or GIF, padding it with black.
TEST_CASE("a BMP cut short is not an image") {
  const std::string bmp = as_bmp(draw_qr(payload(), 4).picture);
  refusal(Errc::not_an_image, [&] { decode(bmp.substr(0, bmp.size() - 1)); });
  refusal(Errc::not_an_image, [&] { decode(bmp.substr(0, bmp.size() / 2)); });
}

TEST_CASE("a GIF cut short is not an image") {
  const std::string gif = as_gif(draw_qr(payload(), 4).picture);
  // Without the trailer the image is still whole: some encoders omit it.
  CHECK(decode(gif.substr(0, gif.size() - 1)).width > 0);
  refusal(Errc::not_an_image, [&] { decode(gif.substr(0, gif.size() - 2)); });
  refusal(Errc::not_an_image, [&] { decode(gif.substr(0, gif.size() / 2)); });
}

TEST_CASE("a PNG signature alone is not an image") {
  refusal(Errc::not_an_image, [] { decode(std::string("\x89PNG\r\n\x1a\n", 8)); });
}

TEST_CASE("a PSD that stb would decode is refused as a format fuma does not read") {
  // 2x2, 3 channels of 8 bits, RGB, no colour data, resources or layers, raw.
  std::string psd = "8BPS" + be16(1) + std::string(6, '\0') + be16(3) + be32(2) + be32(2) +
                    be16(8) + be16(3) + be32(0) + be32(0) + be32(0) + be16(0) +
                    std::string(12, '\x80');
  REQUIRE(stb_would_read(psd));
  const Error e = refusal(Errc::unsupported_image_format, [&] { decode(psd); });
  CHECK(e.detail().find("PSD") != std::string::npos);
}

TEST_CASE("a TGA that stb would decode is refused") {
  // Uncompressed 8-bit grey, 2x2: a TGA has no signature at all.
  std::string tga = std::string("\x00\x00\x03", 3) + std::string(9, '\0') + le16(2) + le16(2) +
                    std::string("\x08\x00", 2) + std::string(4, '\x80');
  REQUIRE(stb_would_read(tga));
  refusal(Errc::not_an_image, [&] { decode(tga); });
}

TEST_CASE("a PNM that stb would decode is refused") {
  std::string pnm = "P5\n2 2\n255\n" + std::string(4, '\x80');
  REQUIRE(stb_would_read(pnm));
  refusal(Errc::not_an_image, [&] { decode(pnm); });
}

// --- several codes, or none ----------------------------------------------------

TEST_CASE("two different codes side by side are both read") {
  const std::string left = payload();
  const std::string right = payload(13, 2);
  REQUIRE(left != right);
  const Grey a = draw_qr(left, 4).picture;
  const Grey b = draw_qr(right, 4).picture;
  Grey both = blank(a.width + b.width, a.height);
  paste(both, a, 0, 0);
  paste(both, b, a.width, 0);
  auto texts = read_qr(both);
  std::sort(texts.begin(), texts.end());
  std::vector<std::string> expected{left, right};
  std::sort(expected.begin(), expected.end());
  CHECK(texts == expected);
}

TEST_CASE("max_codes bounds the number of texts") {
  const Grey a = draw_qr(payload(), 4).picture;
  const Grey b = draw_qr(payload(13, 2), 4).picture;
  Grey both = blank(a.width + b.width, a.height);
  paste(both, a, 0, 0);
  paste(both, b, a.width, 0);
  CHECK(read_qr(both, 1).size() == 1);
}

TEST_CASE("a blank picture has no codes") {
  CHECK(read_qr(blank(400, 300)).empty());
  CHECK(read_qr(Grey{}).empty());
}

TEST_CASE("the same code twice is read once") {
  const std::string text = payload();
  const Grey a = draw_qr(text, 4).picture;
  Grey twice = blank(a.width * 2, a.height);
  paste(twice, a, 0, 0);
  paste(twice, a, a.width, 0);
  CHECK(read_qr(twice) == just(text));
}

TEST_CASE("read_qr and encode_png refuse a picture whose size and pixels disagree") {
  Grey bad = blank(10, 10);
  bad.pixels.pop_back();
  refusal(Errc::invalid_argument, [&] { read_qr(bad); });
  refusal(Errc::invalid_argument, [&] { encode_png(bad); });
  refusal(Errc::invalid_argument, [&] { read_qr(blank(10, 10), 0); });
}

// --- what draw_qr refuses ----------------------------------------------------------

TEST_CASE("draw_qr refuses an empty text") {
  refusal(Errc::invalid_argument, [] { draw_qr("", 4); });
}

TEST_CASE("draw_qr refuses module_px 0 and 65, and takes 1 and 64") {
  refusal(Errc::invalid_argument, [] { draw_qr("HELLO", 0); });
  refusal(Errc::invalid_argument, [] { draw_qr("HELLO", 65); });
  CHECK(draw_qr("HELLO", 1).picture.width == 29);
  CHECK(draw_qr("HELLO", 64).picture.width == 29 * 64);
}

TEST_CASE("draw_qr refuses a text that needs a version above max_version") {
  const std::string text = payload();
  CHECK(draw_qr(text, 1, 6).version == 6);
  const Error e = refusal(Errc::invalid_argument, [&] { draw_qr(text, 1, 5); });
  CHECK(e.detail().find("version 6") != std::string::npos);
  refusal(Errc::invalid_argument, [&] { draw_qr(text, 1, 0); });
  refusal(Errc::invalid_argument, [&] { draw_qr(text, 1, 41); });
}

TEST_CASE("draw_qr refuses a text too long for any version") {
  refusal(Errc::invalid_argument, [] { draw_qr(std::string(5000, 'A'), 1); });
}

// --- the pictures people really have ---------------------------------------------

namespace {

std::uint32_t le32_at(const std::string& b, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<std::uint8_t>(b[at])) |
         static_cast<std::uint32_t>(static_cast<std::uint8_t>(b[at + 1])) << 8 |
         static_cast<std::uint32_t>(static_cast<std::uint8_t>(b[at + 2])) << 16 |
         static_cast<std::uint32_t>(static_cast<std::uint8_t>(b[at + 3])) << 24;
}

// What a BMP's BITMAPINFOHEADER says: "8 bits, compression 1, bottom-up".
std::string bmp_kind(const std::string& bmp) {
  REQUIRE(bmp.size() > 34);
  const unsigned bits = le32_at(bmp, 28) & 0xFFFF;
  const auto height = static_cast<std::int32_t>(le32_at(bmp, 22));
  return std::to_string(bits) + " bits, compression " + std::to_string(le32_at(bmp, 30)) + ", " +
         (height < 0 ? "top-down" : "bottom-up");
}

}  // namespace

TEST_CASE("every BMP variant Windows programs write decodes to the same pixels and reads") {
  const std::string text = payload();
  const Grey picture = draw_qr(text, 4).picture;
  const std::map<std::string, std::string> files = fuma::test::bmp_variants(as_png(picture));
  // What each tool was asked for, checked in the file itself: a tool that
  // quietly wrote something else would leave a variant untested.
  const std::map<std::string, std::string> expected = {
      {"java rle4", "4 bits, compression 2, bottom-up"},
      {"java rle8", "8 bits, compression 1, bottom-up"},
      {"java bitfields565", "16 bits, compression 3, bottom-up"},
      {"java bitfields32", "32 bits, compression 3, bottom-up"},
      {"java topdown24", "24 bits, compression 0, top-down"},
      {"java topdown565", "16 bits, compression 3, top-down"},
      {"java topdown32", "32 bits, compression 3, top-down"},
      {"imagemagick rle8", "8 bits, compression 1, bottom-up"},
      {"imagemagick rgb565", "16 bits, compression 3, bottom-up"},
      {"imagemagick argb4444", "16 bits, compression 3, bottom-up"},
      {"imagemagick bitfields32 v5", "32 bits, compression 3, bottom-up"},
  };
  REQUIRE(files.size() == expected.size());
  for (const auto& [name, bmp] : files) {
    CAPTURE(name);
    CHECK(bmp_kind(bmp) == expected.at(name));
    const Grey g = decode(bmp);
    CHECK(g.width == picture.width);
    CHECK(g.height == picture.height);
    CHECK(g.pixels == picture.pixels);
    CHECK(read_qr(g) == just(text));
  }
}

TEST_CASE("an RLE8 BMP whose runs hold several greys decodes to ImageMagick's own reading") {
  // A ramp of 256 greys, run-length encoded: long runs and literal stretches.
  Grey ramp = blank(300, 40);
  for (int y = 0; y < 40; ++y) {
    for (int x = 0; x < 300; ++x) {
      fuma::test::at(ramp, x, y) = static_cast<std::uint8_t>(x < 150 ? (x / 10) * 17 : x - 44);
    }
  }
  const std::string png = as_png(ramp);
  const std::string bmp = fuma::test::converted(png, "-type Palette -compress RLE", "BMP3:out.bmp");
  REQUIRE(bmp_kind(bmp) == "8 bits, compression 1, bottom-up");
  // ImageMagick reads its file back as a PNG: the reference.
  fuma::test::TempDir dir;
  write_bytes(dir.file("in.bmp"), bmp);
  REQUIRE(run("convert '" + dir.file("in.bmp") +
              "' -colorspace Gray -depth 8 'PNG8:" + dir.file("back.png") + "' 2>&1")
              .status == 0);
  const Grey reference = decode(read_bytes(dir.file("back.png")));
  const Grey g = decode(bmp);
  REQUIRE(g.width == reference.width);
  REQUIRE(g.height == reference.height);
  int worst = 0;
  for (std::size_t i = 0; i < g.pixels.size(); ++i) {
    worst = std::max(worst, std::abs(int{g.pixels[i]} - int{reference.pixels[i]}));
  }
  CHECK(worst <= 1);  // the grey conversions' rounding, nothing more
}

TEST_CASE("an RLE BMP cut short is not an image") {
  const std::map<std::string, std::string> files =
      fuma::test::java_bmps(as_png(draw_qr(payload(), 4).picture));
  for (const std::string name : {"rle4", "rle8"}) {
    CAPTURE(name);
    const std::string& bmp = files.at(name);
    // Without its last row's end-of-line and the end-of-bitmap code (a file
    // without only the latter still holds every row).
    refusal(Errc::not_an_image, [&] { decode(bmp.substr(0, bmp.size() - 4)); });
    refusal(Errc::not_an_image, [&] { decode(bmp.substr(0, bmp.size() / 2)); });
    refusal(Errc::not_an_image, [&] { decode(bmp.substr(0, 48)); });  // inside the header
  }
}

TEST_CASE("an RLE BMP declaring more pixels than the limit is too large from its header alone") {
  std::string bmp = fuma::test::java_bmps(as_png(draw_qr(payload(), 4).picture)).at("rle8");
  bmp.replace(18, 8, le16(30000) + le16(0) + le16(30000) + le16(0));
  refusal(Errc::image_too_large, [&] { decode(bmp); });
}

TEST_CASE("a lossless WebP decodes to the same pixels and reads") {
  const std::string text = payload();
  const Grey picture = draw_qr(text, 4).picture;
  const std::string webp = fuma::test::as_webp(as_png(picture), -1);
  REQUIRE(webp.compare(0, 4, "RIFF") == 0);
  REQUIRE(webp.compare(12, 4, "VP8L") == 0);
  const Grey g = decode(webp);
  CHECK(g.width == picture.width);
  CHECK(g.height == picture.height);
  CHECK(g.pixels == picture.pixels);
  CHECK(read_qr(g) == just(text));
}

TEST_CASE("a lossy WebP at quality 50 reads") {
  const std::string text = payload();
  const std::string webp = fuma::test::as_webp(as_png(draw_qr(text, 4).picture), 50);
  REQUIRE(webp.compare(12, 4, "VP8 ") == 0);
  CHECK(read_file_qr(webp) == just(text));
}

TEST_CASE("a black-on-transparent WebP is seen on white, as a viewer shows it") {
  const std::string text = payload();
  const std::string webp =
      fuma::test::as_webp(fuma::test::transparent_png(draw_qr(text, 4).picture), -1);
  const Grey g = decode(webp);
  CHECK(fuma::test::at(g, 0, 0) == 255);
  CHECK(fuma::test::at(g, 16, 16) == 0);
  CHECK(read_qr(g) == just(text));
}

TEST_CASE("a WebP declaring more pixels than the limit is refused before decoding") {
  const Grey picture = draw_qr(payload(), 4).picture;
  const std::string webp = fuma::test::as_webp(as_png(picture), 75);
  // The RIFF header and the VP8 frame header, none of the picture's data:
  // decoding these bytes fails, so only the header can have refused them.
  const std::string header = webp.substr(0, 30);
  refusal(Errc::not_an_image, [&] { decode(header); });
  Limits limits;
  limits.max_pixels = static_cast<std::uint64_t>(picture.width) * picture.height - 1;
  refusal(Errc::image_too_large, [&] { decode(header, limits); });
  refusal(Errc::image_too_large, [&] { decode(webp, limits); });
}

TEST_CASE("a WebP cut short is not an image") {
  const std::string webp = fuma::test::as_webp(as_png(draw_qr(payload(), 4).picture), 75);
  refusal(Errc::not_an_image, [&] { decode(webp.substr(0, webp.size() / 2)); });
  refusal(Errc::not_an_image, [&] { decode(webp.substr(0, 16)); });
}

TEST_CASE("a QR code printed light on dark reads") {
  const std::string text = payload();
  const std::string png = as_png(draw_qr(text, 4).picture);
  const std::string negative = fuma::test::converted(png, "-negate", "PNG:out.png");
  const Grey g = decode(negative);
  REQUIRE(fuma::test::at(g, 0, 0) == 0);  // the quiet zone is dark now
  CHECK(read_qr(g) == just(text));
}

TEST_CASE("a TIFF, HEIC or AVIF picture answers an unsupported format, naming it") {
  const std::string png = as_png(draw_qr(payload(), 4).picture);
  const std::map<std::string, std::string> files = {
      {"TIFF", fuma::test::converted(png, "", "TIFF:out.tiff")},
      {"HEIC", fuma::test::converted(png, "", "HEIC:out.heic")},
      {"AVIF", fuma::test::converted(png, "", "AVIF:out.avif")},
  };
  for (const auto& [format, bytes] : files) {
    CAPTURE(format);
    const Error e = refusal(Errc::unsupported_image_format, [&] { decode(bytes); });
    CHECK(e.detail().find(format) != std::string::npos);
    CHECK(e.message().find(format) != std::string::npos);
  }
}

TEST_CASE("a PDF or an SVG answers an unsupported format, naming it") {
  fuma::test::TempDir dir;
  REQUIRE(run("qpdf --empty '" + dir.file("empty.pdf") + "' 2>&1").status == 0);
  const Error pdf =
      refusal(Errc::unsupported_image_format, [&] { decode(read_bytes(dir.file("empty.pdf"))); });
  CHECK(pdf.detail().find("PDF") != std::string::npos);
  // qrencode draws its code as SVG: a QR picture some tools save.
  REQUIRE(run("qrencode -t SVG -o '" + dir.file("code.svg") + "' 'FM1:TEST' 2>&1").status == 0);
  const std::string svg = read_bytes(dir.file("code.svg"));
  const Error e = refusal(Errc::unsupported_image_format, [&] { decode(svg); });
  CHECK(e.detail().find("SVG") != std::string::npos);
}

TEST_CASE("bytes of no picture format at all stay not an image") {
  const Error e = refusal(Errc::not_an_image, [] { decode(std::string("PK\x03\x04 a zip", 10)); });
  CHECK(e.message().find("WebP") != std::string::npos);  // the formats it does read
}

TEST_CASE("an animated WebP answers an unsupported format: its first frame may not be the code") {
  const std::string png = as_png(draw_qr(payload(), 4).picture);
  fuma::test::TempDir dir;
  write_bytes(dir.file("in.png"), png);
  // Two frames, the code and its negative, as a chat app's sticker would be.
  REQUIRE(run("convert -delay 50 '" + dir.file("in.png") + "' '(' '" + dir.file("in.png") +
              "' -negate ')' '" + dir.file("anim.gif") + "' 2>&1")
              .status == 0);
  REQUIRE(
      run("gif2webp -quiet '" + dir.file("anim.gif") + "' -o '" + dir.file("anim.webp") + "' 2>&1")
          .status == 0);
  const std::string webp = read_bytes(dir.file("anim.webp"));
  REQUIRE(webp.find("ANIM") != std::string::npos);
  const Error e = refusal(Errc::unsupported_image_format, [&] { decode(webp); });
  CHECK(e.detail().find("animated WebP") != std::string::npos);
}
