// SPDX-License-Identifier: Apache-2.0
// Pictures people upload are hostile until proven otherwise: the format is
// recognised from its own signature, the declared size is checked against the
// limits before a single pixel is decoded, and only then does a decoder run:
// stb for PNG, JPEG, GIF and uncompressed or bit-field BMP, libwebp for WebP,
// and the small decoder below for run-length encoded BMP, which stb refuses
// and no Debian library short of a whole imaging suite (GraphicsMagick,
// gdk-pixbuf with GLib) offers. QR codes are read and drawn with ZXing; the
// drawing itself is done here so the quiet zone and the pixels per module are
// exactly what the caller asked for.
#include "image/image.hpp"

#define ZX_USE_UTF8
#include <ZXing/BarcodeFormat.h>
#include <ZXing/BitMatrix.h>
#include <ZXing/CharacterSet.h>
#include <ZXing/DecodeHints.h>
#include <ZXing/ImageView.h>
#include <ZXing/MultiFormatWriter.h>
#include <ZXing/ReadBarcode.h>
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>
#include <webp/decode.h>

#include <algorithm>
#include <climits>
#include <exception>
#include <memory>
#include <string>
#include <utility>

#include "fuma/error.hpp"

namespace fuma::image {
namespace {

constexpr const char* kCorrupt = "图片文件已损坏或不完整，请重新上传保存的登录二维码图片";

// What a person may upload. stb also decodes PSD, TGA, HDR, PIC and PNM,
// whose parsers see far less use; they are refused before stb sees them.
enum class Format { png, jpeg, bmp, gif, webp };

// The Windows BMP compressions (biCompression).
constexpr std::uint32_t kBmpRle8 = 1;
constexpr std::uint32_t kBmpRle4 = 2;

bool starts_with(std::string_view bytes, std::string_view prefix) {
  return bytes.substr(0, prefix.size()) == prefix;
}

bool sniff(std::string_view bytes, Format& format) {
  using namespace std::string_view_literals;
  if (starts_with(bytes, "\x89PNG\r\n\x1a\n"sv)) {
    format = Format::png;
  } else if (starts_with(bytes, "\xFF\xD8\xFF"sv)) {
    format = Format::jpeg;
  } else if (starts_with(bytes, "BM"sv)) {
    format = Format::bmp;
  } else if (starts_with(bytes, "GIF87a"sv) || starts_with(bytes, "GIF89a"sv)) {
    format = Format::gif;
  } else if (bytes.size() >= 12 && starts_with(bytes, "RIFF"sv) && bytes.substr(8, 4) == "WEBP"sv) {
    format = Format::webp;
  } else {
    return false;
  }
  return true;
}

const char* format_name(Format format) {
  switch (format) {
    case Format::png:
      return "PNG";
    case Format::jpeg:
      return "JPEG";
    case Format::bmp:
      return "BMP";
    case Format::gif:
      return "GIF";
    case Format::webp:
      return "WebP";
  }
  return "?";
}

std::uint32_t be32(std::string_view b, std::size_t at);

// Picture formats people have but fuma does not read, recognised by their
// signatures so that the answer can name the format and say what to do,
// instead of calling a photo from an iPhone "not a picture". Empty when the
// bytes are none of them.
std::string_view unsupported_format(std::string_view b) {
  using namespace std::string_view_literals;
  if (starts_with(b, "II*\0"sv) || starts_with(b, "MM\0*"sv) || starts_with(b, "II+\0"sv) ||
      starts_with(b, "MM\0+"sv)) {
    return "TIFF";
  }
  if (starts_with(b, "%PDF-"sv)) return "PDF";
  if (starts_with(b, "8BPS"sv)) return "PSD";
  if (starts_with(b, "\0\0\0\x0CjP  \r\n\x87\n"sv) || starts_with(b, "\xFF\x4F\xFF\x51"sv)) {
    return "JPEG 2000";
  }
  if (starts_with(b, "\0\0\0\x0CJXL \r\n\x87\n"sv) || starts_with(b, "\xFF\x0A"sv)) {
    return "JPEG XL";
  }
  // ISO base media files (HEIF, AVIF): a box of type "ftyp" whose major or
  // compatible brands name the image format.
  if (b.size() >= 16 && b.substr(4, 4) == "ftyp"sv) {
    const std::size_t box = std::min<std::size_t>(be32(b, 0), b.size());
    bool heif = false;
    for (std::size_t at = 8; at + 4 <= box; at += at == 8 ? 8 : 4) {
      const std::string_view brand = b.substr(at, 4);
      if (brand == "avif"sv || brand == "avis"sv) return "AVIF";
      heif = heif || brand == "heic"sv || brand == "heix"sv || brand == "heim"sv ||
             brand == "heis"sv || brand == "hevc"sv || brand == "hevx"sv || brand == "mif1"sv ||
             brand == "msf1"sv;
    }
    if (heif) return "HEIC";
  }
  // SVG is text: an optional byte order mark, an XML declaration, comments,
  // then an <svg element near the start.
  const std::string_view head = b.substr(0, 4096);
  const std::size_t text = starts_with(head, "\xEF\xBB\xBF"sv) ? 3 : 0;
  const std::size_t first = head.find_first_not_of(" \t\r\n", text);
  if (first != std::string_view::npos && head[first] == '<' &&
      head.find("<svg"sv) != std::string_view::npos) {
    return "SVG";
  }
  return {};
}

std::uint32_t byte_at(std::string_view b, std::size_t at) {
  return static_cast<std::uint8_t>(b[at]);
}

std::uint32_t be16(std::string_view b, std::size_t at) {
  return byte_at(b, at) << 8 | byte_at(b, at + 1);
}

std::uint32_t le16(std::string_view b, std::size_t at) {
  return byte_at(b, at) | byte_at(b, at + 1) << 8;
}

std::uint32_t be32(std::string_view b, std::size_t at) {
  return be16(b, at) << 16 | be16(b, at + 2);
}

std::uint32_t le32(std::string_view b, std::size_t at) {
  return le16(b, at) | le16(b, at + 2) << 16;
}

// The width and height the file declares, read from its header without
// decoding. stb's own header readers refuse sizes above their internal caps
// (a PNG over 2^30 bytes of pixels, any side over 2^24) with the same answer
// as for garbage, so the limit is checked on what is read here instead.
bool declared_size(std::string_view b, Format format, std::uint64_t& width, std::uint64_t& height) {
  switch (format) {
    case Format::png:
      // IHDR is always the first chunk.
      if (b.size() < 24 || b.substr(12, 4) != "IHDR") return false;
      width = be32(b, 16);
      height = be32(b, 20);
      return true;
    case Format::gif:
      // The logical screen, which is also the size of every decoded frame.
      if (b.size() < 10) return false;
      width = le16(b, 6);
      height = le16(b, 8);
      return true;
    case Format::bmp: {
      if (b.size() < 26) return false;
      const std::uint32_t header = le32(b, 14);
      if (header == 12) {  // OS/2 BITMAPCOREHEADER, 16-bit sides
        width = le16(b, 18);
        height = le16(b, 20);
        return true;
      }
      // A negative height marks a top-down bitmap.
      const auto w = static_cast<std::int32_t>(le32(b, 18));
      const auto h = static_cast<std::int32_t>(le32(b, 22));
      if (w < 0) return false;
      width = static_cast<std::uint64_t>(w);
      height = static_cast<std::uint64_t>(h < 0 ? -std::int64_t{h} : std::int64_t{h});
      return true;
    }
    case Format::webp: {
      // libwebp's own header reader: the RIFF container, then the VP8X,
      // VP8 or VP8L chunk that declares the canvas; nothing is decoded.
      WebPBitstreamFeatures features;
      if (WebPGetFeatures(reinterpret_cast<const std::uint8_t*>(b.data()), b.size(), &features) !=
          VP8_STATUS_OK) {
        return false;
      }
      width = static_cast<std::uint64_t>(features.width);
      height = static_cast<std::uint64_t>(features.height);
      return true;
    }
    case Format::jpeg: {
      // Walk the segments after SOI up to the first frame header (SOFn).
      std::size_t at = 2;
      while (at + 4 <= b.size()) {
        if (byte_at(b, at) != 0xFF) return false;
        const std::uint32_t marker = byte_at(b, at + 1);
        if (marker == 0xFF) {  // fill byte
          ++at;
          continue;
        }
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length
          at += 2;
          continue;
        }
        if (marker == 0xD9 || marker == 0xDA) return false;  // no frame header before data
        const bool frame =
            marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (frame) {
          if (at + 9 > b.size()) return false;
          height = be16(b, at + 5);
          width = be16(b, at + 7);
          return true;
        }
        at += 2 + be16(b, at + 2);
      }
      return false;
    }
  }
  return false;
}

// stb fills a short BMP or GIF with zeros instead of failing (it does fail on
// a short PNG or JPEG): a file cut off in transit must not pass for a picture
// whose lower part is black. These check that the first frame's data is all
// there.
bool complete_bmp(std::string_view b, std::uint64_t width, std::uint64_t height) {
  const bool core = le32(b, 14) == 12;
  if (b.size() < (core ? 26u : 34u)) return false;
  const std::uint64_t bits = core ? le16(b, 24) : le16(b, 28);
  const std::uint32_t compression = core ? 0 : le32(b, 30);
  // Run-length encoded rows have no fixed size (decode_bmp_rle checks its
  // own data), and depths other than 1..32 are no BMP, which stb refuses.
  if (compression == kBmpRle8 || compression == kBmpRle4 || bits == 0 || bits > 32) return true;
  const std::uint64_t offset = le32(b, 10);
  if (offset > b.size()) return false;
  const std::uint64_t row = (width * bits + 31) / 32 * 4;  // rows are padded to 4 bytes
  // Divided rather than multiplied: with a caller's very large limit the
  // product could wrap.
  return height <= (b.size() - offset) / row;
}

bool complete_gif(std::string_view b) {
  if (b.size() < 13) return false;
  std::size_t at = 13;
  auto skip_table = [&](std::uint32_t flags) {
    if (flags & 0x80) at += std::size_t{3} << ((flags & 7) + 1);
  };
  auto skip_sub_blocks = [&] {
    while (at < b.size()) {
      const std::size_t n = byte_at(b, at);
      at += 1 + n;
      if (n == 0) return true;
    }
    return false;
  };
  skip_table(byte_at(b, 10));
  while (at < b.size()) {
    const std::uint32_t block = byte_at(b, at);
    if (block == 0x21) {  // extension: label, then sub-blocks
      at += 2;
      if (!skip_sub_blocks()) return false;
    } else if (block == 0x2C) {  // the first image: descriptor, table, LZW data
      if (at + 11 > b.size()) return false;
      const std::uint32_t flags = byte_at(b, at + 9);
      at += 10;
      skip_table(flags);
      ++at;  // LZW minimum code size
      return skip_sub_blocks();
    } else {
      return false;  // the trailer, or anything else, before any image
    }
  }
  return false;
}

// stb keeps its last failure in a global (thread-local only when built so);
// it is good enough to help a developer, never to decide anything.
std::string stb_reason() {
  const char* reason = stbi_failure_reason();
  return reason ? reason : "unknown";
}

[[noreturn]] void not_an_image(std::string detail, std::string message = {}) {
  throw Error(Errc::not_an_image, std::move(detail), std::move(message));
}

[[noreturn]] void too_large(std::string detail) {
  throw Error(Errc::image_too_large, std::move(detail));
}

[[noreturn]] void invalid(std::string detail, std::string message = {}) {
  throw Error(Errc::invalid_argument, std::move(detail), std::move(message));
}

struct StbFree {
  void operator()(stbi_uc* p) const noexcept { stbi_image_free(p); }
};

// A Grey whose size and pixels disagree would send ZXing or stb reading past
// the end of the vector.
void check_picture(const Grey& picture, const char* what) {
  if (picture.width < 0 || picture.height < 0 ||
      picture.pixels.size() !=
          static_cast<std::size_t>(picture.width) * static_cast<std::size_t>(picture.height)) {
    invalid(std::string(what) + ": picture is " + std::to_string(picture.width) + "x" +
            std::to_string(picture.height) + " but has " + std::to_string(picture.pixels.size()) +
            " pixels");
  }
}

// The luminance stb gives for a colour (ITU-R BT.601, in 8-bit fixed
// point), so that a picture reads the same whichever decoder it went through.
std::uint8_t luma(std::uint32_t r, std::uint32_t g, std::uint32_t b) {
  return static_cast<std::uint8_t>((r * 77 + g * 150 + b * 29) >> 8);
}

// A grey level with its alpha composited over white, as a viewer shows it.
std::uint8_t over_white(std::uint32_t grey, std::uint32_t alpha) {
  return static_cast<std::uint8_t>((grey * alpha + 255u * (255u - alpha) + 127u) / 255u);
}

[[noreturn]] void bad_rle(const char* name, const std::string& what) {
  not_an_image(std::string("decode: ") + name + " " + what, kCorrupt);
}

// A BMP compressed with BI_RLE8 or BI_RLE4 (what Windows Paint and older
// scanning software write for 256- and 16-colour pictures). The data is a
// series of two-byte codes: a run (count, colour index or, for RLE4, two
// alternating indices), or an escape (0, n): end of line (0), end of bitmap
// (1), a move right and up (2, then dx, dy), or n literal indices padded to
// a 16-bit boundary. Rows go bottom-up. Pixels the codes skip keep colour
// index 0, as Windows draws them; indices past the row's end are dropped.
// The size was checked against the limits before this runs.
Grey decode_bmp_rle(std::string_view b, std::uint32_t width, std::uint32_t height) {
  const std::uint32_t header = le32(b, 14);
  const std::uint32_t bits = le16(b, 28);
  const std::uint32_t compression = le32(b, 30);
  const char* name = compression == kBmpRle8 ? "BMP RLE8" : "BMP RLE4";
  auto corrupt = [&](const std::string& what) { bad_rle(name, what); };
  // BITMAPINFOHEADER and its later versions; the OS/2 2.x header of 64
  // bytes gives compression 2 another meaning (Huffman 1D).
  if (header != 40 && header != 52 && header != 56 && header != 108 && header != 124) {
    corrupt("with a " + std::to_string(header) + "-byte header");
  }
  if (b.size() < 14 + std::size_t{header}) corrupt("cut short inside its header");
  if ((compression == kBmpRle8 && bits != 8) || (compression == kBmpRle4 && bits != 4)) {
    corrupt("with " + std::to_string(bits) + " bits a pixel");
  }
  if (static_cast<std::int32_t>(le32(b, 22)) < 0) corrupt("stored top-down, which RLE cannot be");
  const std::size_t palette_at = 14 + std::size_t{header};
  const std::size_t offset = le32(b, 10);
  const std::uint32_t most = 1u << bits;
  const std::uint32_t used = le32(b, 46);
  const std::uint32_t colours = used == 0 || used > most ? most : used;
  if (palette_at + 4 * std::size_t{colours} > offset || offset > b.size()) {
    corrupt("whose colour table or data lies outside the file");
  }
  std::uint8_t grey[256] = {};
  for (std::uint32_t i = 0; i < colours; ++i) {
    const std::size_t at = palette_at + 4 * std::size_t{i};  // blue, green, red, reserved
    grey[i] = luma(byte_at(b, at + 2), byte_at(b, at + 1), byte_at(b, at));
  }

  std::vector<std::uint8_t> index(std::size_t{width} * height, 0);
  std::size_t at = offset;
  // Wider than the sides, so that runs and moves past the edge cannot wrap.
  std::uint64_t x = 0;
  std::uint64_t y = 0;  // counted from the bottom row
  auto put = [&](std::uint32_t value) {
    if (x < width && y < height) {
      index[static_cast<std::size_t>((height - 1 - y) * width + x)] =
          static_cast<std::uint8_t>(value);
    }
    ++x;
  };
  bool ended = false;
  while (!ended && y < height) {
    if (at + 2 > b.size()) corrupt("data ends before its end-of-bitmap code");
    const std::uint32_t count = byte_at(b, at);
    const std::uint32_t value = byte_at(b, at + 1);
    at += 2;
    if (count > 0) {
      // Only the part that falls inside the row is drawn.
      const std::uint32_t drawn =
          x < width ? static_cast<std::uint32_t>(std::min<std::uint64_t>(count, width - x)) : 0;
      for (std::uint32_t i = 0; i < drawn; ++i) {
        put(compression == kBmpRle8 ? value : (i % 2 == 0 ? value >> 4 : value & 0x0F));
      }
      x += count - drawn;
      continue;
    }
    switch (value) {
      case 0:
        x = 0;
        ++y;
        break;
      case 1:
        ended = true;
        break;
      case 2:
        if (at + 2 > b.size()) corrupt("data ends inside a move");
        x += byte_at(b, at);
        y += byte_at(b, at + 1);
        at += 2;
        break;
      default: {
        const std::size_t bytes = compression == kBmpRle8 ? value : (value + 1) / 2;
        const std::size_t padded = (bytes + 1) / 2 * 2;
        if (at + padded > b.size()) corrupt("data ends inside a literal run");
        for (std::uint32_t i = 0; i < value; ++i) {
          const std::uint32_t v =
              compression == kBmpRle8
                  ? byte_at(b, at + i)
                  : (i % 2 == 0 ? byte_at(b, at + i / 2) >> 4 : byte_at(b, at + i / 2) & 0x0F);
          if (x >= width) break;
          put(v);
        }
        at += padded;
        break;
      }
    }
  }
  Grey out;
  out.width = static_cast<int>(width);
  out.height = static_cast<int>(height);
  out.pixels.resize(index.size());
  for (std::size_t i = 0; i < index.size(); ++i) {
    out.pixels[i] = index[i] < colours ? grey[index[i]] : grey[0];
  }
  return out;
}

// A WebP picture, lossy or lossless, its alpha composited over white. An
// animation is refused: its first frame alone may not be what the person
// saw.
Grey decode_webp(std::string_view b, std::uint32_t width, std::uint32_t height) {
  const auto* data = reinterpret_cast<const std::uint8_t*>(b.data());
  WebPBitstreamFeatures features;
  if (WebPGetFeatures(data, b.size(), &features) != VP8_STATUS_OK) {
    not_an_image("decode: unreadable WebP header", kCorrupt);
  }
  if (features.has_animation) {
    throw Error(Errc::unsupported_image_format, "decode: an animated WebP is not read",
                "不支持动画WebP图片，请上传保存的登录二维码图片（PNG或JPG格式）");
  }
  const std::size_t count = std::size_t{width} * height;
  std::vector<std::uint8_t> rgba(count * 4);
  if (WebPDecodeRGBAInto(data, b.size(), rgba.data(), rgba.size(), static_cast<int>(width) * 4) ==
      nullptr) {
    not_an_image(
        "decode: corrupt or truncated WebP " + std::to_string(width) + "x" + std::to_string(height),
        kCorrupt);
  }
  Grey out;
  out.width = static_cast<int>(width);
  out.height = static_cast<int>(height);
  out.pixels.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* p = &rgba[4 * i];
    out.pixels[i] = over_white(luma(p[0], p[1], p[2]), p[3]);
  }
  return out;
}

// What the header says, once the checks that need no pixel have passed.
struct Header {
  Format format{};
  std::uint64_t width = 0;
  std::uint64_t height = 0;
};

Header read_header(std::string_view bytes, const Limits& limits) {
  if (bytes.empty()) not_an_image("decode: no bytes");
  if (bytes.size() > limits.max_bytes) {
    too_large("decode: " + std::to_string(bytes.size()) + " bytes exceed the limit of " +
              std::to_string(limits.max_bytes));
  }
  // stb takes the length as an int.
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    too_large("decode: " + std::to_string(bytes.size()) + " bytes exceed what the decoder takes");
  }
  Format format{};
  if (!sniff(bytes, format)) {
    const std::string_view other = unsupported_format(bytes);
    if (!other.empty()) {
      throw Error(
          Errc::unsupported_image_format,
          "decode: a " + std::string(other) + " picture; fuma reads PNG, JPEG, BMP, GIF and WebP",
          "上传的文件是" + std::string(other) +
              "格式，系统不能读取，请将登录二维码图片另存为PNG或JPG格式后重新上传");
    }
    not_an_image("decode: not a PNG, JPEG, BMP, GIF or WebP signature",
                 "上传的文件不是PNG、JPG、BMP、GIF或WebP格式的图片，请上传保存的登录二维码图片");
  }
  // Only the header is read here: a few hundred bytes can declare a picture
  // of billions of pixels, and the limit has to hold before anything is
  // allocated for it.
  std::uint64_t declared_w = 0;
  std::uint64_t declared_h = 0;
  if (!declared_size(bytes, format, declared_w, declared_h)) {
    not_an_image(std::string("decode: no ") + format_name(format) + " header", kCorrupt);
  }
  const std::string size = std::to_string(declared_w) + "x" + std::to_string(declared_h);
  if (declared_w == 0 || declared_h == 0) {
    not_an_image(std::string("decode: ") + format_name(format) + " declares " + size, kCorrupt);
  }
  // Both sides are below 2^32, so the product cannot overflow.
  const std::uint64_t pixels = declared_w * declared_h;
  if (pixels > limits.max_pixels) {
    too_large(std::string("decode: ") + format_name(format) + " declares " + size +
              ", over the limit of " + std::to_string(limits.max_pixels) + " pixels");
  }
  return Header{format, declared_w, declared_h};
}

}  // namespace

std::uint64_t declared_pixels(std::string_view bytes, const Limits& limits) {
  const Header header = read_header(bytes, limits);
  return header.width * header.height;
}

Grey decode(std::string_view bytes, const Limits& limits) {
  const Header header = read_header(bytes, limits);
  const Format format = header.format;
  const std::uint64_t declared_w = header.width;
  const std::uint64_t declared_h = header.height;
  const std::uint64_t pixels = declared_w * declared_h;
  const std::string size = std::to_string(declared_w) + "x" + std::to_string(declared_h);
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int length = static_cast<int>(bytes.size());

  const bool complete = format == Format::bmp   ? complete_bmp(bytes, declared_w, declared_h)
                        : format == Format::gif ? complete_gif(bytes)
                                                : true;
  if (!complete) {
    not_an_image(std::string("decode: truncated ") + format_name(format) + " " + size, kCorrupt);
  }

  // Every header above stores its sides in at most 32 bits.
  if (format == Format::webp) {
    return decode_webp(bytes, static_cast<std::uint32_t>(declared_w),
                       static_cast<std::uint32_t>(declared_h));
  }
  if (format == Format::bmp && le32(bytes, 14) != 12 && bytes.size() >= 34 &&
      (le32(bytes, 30) == kBmpRle8 || le32(bytes, 30) == kBmpRle4)) {
    return decode_bmp_rle(bytes, static_cast<std::uint32_t>(declared_w),
                          static_cast<std::uint32_t>(declared_h));
  }

  // stb reads the header again; it must agree, or the file is not what its
  // header says.
  int width = 0;
  int height = 0;
  int channels = 0;
  if (stbi_info_from_memory(data, length, &width, &height, &channels) == 0) {
    not_an_image(
        std::string("decode: unreadable ") + format_name(format) + " " + size + ": " + stb_reason(),
        kCorrupt);
  }
  // stb's BMP header reader passes on the negative height of a top-down
  // bitmap, where its decoder takes the absolute value.
  if (format == Format::bmp && height < 0 && height != INT_MIN) height = -height;
  if (static_cast<std::uint64_t>(width) != declared_w ||
      static_cast<std::uint64_t>(height) != declared_h) {
    not_an_image(std::string("decode: ") + format_name(format) + " declares " + size +
                     ", the decoder reads " + std::to_string(width) + "x" + std::to_string(height),
                 kCorrupt);
  }

  // With transparency the colour under a transparent pixel is arbitrary,
  // often black (screenshots, GIFs): composite over white, as a viewer shows
  // it, or a black-on-transparent QR code would turn into a black square. A
  // JPEG's fourth channel is CMYK's K, not alpha.
  const bool has_alpha = format != Format::jpeg && (channels == 2 || channels == 4);
  const int wanted = has_alpha ? 2 : 1;
  int w = 0;
  int h = 0;
  int ignored = 0;
  std::unique_ptr<stbi_uc, StbFree> decoded(
      stbi_load_from_memory(data, length, &w, &h, &ignored, wanted));
  if (!decoded) {
    not_an_image(
        std::string("decode: corrupt or truncated ") + format_name(format) + ": " + stb_reason(),
        kCorrupt);
  }
  // The header was checked above; the decoder must not have found another.
  if (w != width || h != height) {
    not_an_image(std::string("decode: ") + format_name(format) + " header says " +
                     std::to_string(width) + "x" + std::to_string(height) + ", data " +
                     std::to_string(w) + "x" + std::to_string(h),
                 kCorrupt);
  }

  Grey out;
  out.width = width;
  out.height = height;
  const auto count = static_cast<std::size_t>(pixels);
  if (!has_alpha) {
    out.pixels.assign(decoded.get(), decoded.get() + count);
    return out;
  }
  out.pixels.resize(count);
  const stbi_uc* p = decoded.get();
  for (std::size_t i = 0; i < count; ++i, p += 2) {
    const unsigned grey = p[0];
    const unsigned alpha = p[1];
    out.pixels[i] = over_white(grey, alpha);
  }
  return out;
}

std::string encode_png(const Grey& picture) {
  check_picture(picture, "encode_png");
  if (picture.width == 0 || picture.height == 0) invalid("encode_png: empty picture");
  std::string out;
  auto append = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data),
                                               static_cast<std::size_t>(size));
  };
  if (stbi_write_png_to_func(append, &out, picture.width, picture.height, 1, picture.pixels.data(),
                             picture.width) == 0) {
    throw Error(Errc::internal, "encode_png: the PNG encoder failed for " +
                                    std::to_string(picture.width) + "x" +
                                    std::to_string(picture.height));
  }
  return out;
}

std::vector<std::string> read_qr(const Grey& picture, int max_codes) {
  check_picture(picture, "read_qr");
  if (max_codes < 1) invalid("read_qr: max_codes " + std::to_string(max_codes) + " is below 1");
  if (picture.width == 0 || picture.height == 0) return {};

  // ZXing counts symbols, the caller distinct texts: the same code twice in
  // one picture must not crowd out a different one, so ask for twice as many.
  const int symbols = std::min(2 * max_codes, 255);
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode)
      .setTryHarder(true)
      .setTryRotate(true)
      .setMaxNumberOfSymbols(static_cast<std::uint8_t>(symbols));
  std::vector<std::string> texts;
  auto read = [&](const std::uint8_t* pixels) {
    const ZXing::ImageView view(pixels, picture.width, picture.height, ZXing::ImageFormat::Lum);
    for (const ZXing::Result& result : ZXing::ReadBarcodes(view, hints)) {
      if (!result.isValid()) continue;
      std::string text = result.text();
      if (std::find(texts.begin(), texts.end(), text) != texts.end()) continue;
      texts.push_back(std::move(text));
      if (static_cast<int>(texts.size()) == max_codes) break;
    }
  };
  read(picture.pixels.data());
  if (!texts.empty()) return texts;
  // A code printed light on dark (a dark-themed page, a negative scan). ZXing
  // 1.4 looks for dark modules only and has no option to try the negative,
  // so the picture is inverted and read once more, only when nothing was found.
  std::vector<std::uint8_t> negative(picture.pixels.size());
  std::transform(picture.pixels.begin(), picture.pixels.end(), negative.begin(),
                 [](std::uint8_t v) { return static_cast<std::uint8_t>(255 - v); });
  read(negative.data());
  return texts;
}

Qr draw_qr(std::string_view text, int module_px, int max_version) {
  if (text.empty()) invalid("draw_qr: empty text");
  if (module_px < 1 || module_px > 64) {
    invalid("draw_qr: module_px " + std::to_string(module_px) + " is outside 1..64");
  }
  if (max_version < 1 || max_version > 40) {
    invalid("draw_qr: max_version " + std::to_string(max_version) + " is outside 1..40");
  }

  // Margin 0 and size 0 give the bare symbol, one bit per module; the
  // version follows from its side. Level M (3..4 on ZXing's 0..8 scale)
  // restores 15% of the codewords, which is what JPEG and rescaling need; H
  // would take a 150-character credential from version 6 to 10.
  // ASCII goes in the densest mode ZXing finds; anything else as UTF-8 with
  // its ECI, since ZXing's default (ISO-8859-1) cannot hold Chinese at all.
  const bool ascii = std::all_of(text.begin(), text.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  ZXing::MultiFormatWriter writer(ZXing::BarcodeFormat::QRCode);
  writer.setMargin(0).setEccLevel(4);
  if (!ascii) writer.setEncoding(ZXing::CharacterSet::UTF8);
  ZXing::BitMatrix matrix;
  try {
    matrix = writer.encode(std::string(text), 0, 0);
  } catch (const std::exception& e) {
    invalid(std::string("draw_qr: cannot encode ") + std::to_string(text.size()) +
                " bytes: " + e.what(),
            "二维码内容过长或含有无法编码的字符，无法生成");
  }
  const int side = matrix.width();
  if (side != matrix.height() || side < 21 || side > 177 || (side - 17) % 4 != 0) {
    throw Error(Errc::internal, "draw_qr: the encoder returned a " + std::to_string(side) + "x" +
                                    std::to_string(matrix.height()) + " matrix");
  }
  const int version = (side - 17) / 4;
  if (version > max_version) {
    invalid("draw_qr: " + std::to_string(text.size()) + " bytes need version " +
                std::to_string(version) + ", above the maximum of " + std::to_string(max_version),
            "二维码内容过长，无法生成");
  }

  constexpr int kQuietZone = 4;
  Qr qr;
  qr.version = version;
  const int px = (side + 2 * kQuietZone) * module_px;
  qr.picture.width = px;
  qr.picture.height = px;
  qr.picture.pixels.assign(static_cast<std::size_t>(px) * static_cast<std::size_t>(px), 255);
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) {
      if (!matrix.get(x, y)) continue;
      const int left = (x + kQuietZone) * module_px;
      const int top = (y + kQuietZone) * module_px;
      for (int row = top; row < top + module_px; ++row) {
        auto* line = qr.picture.pixels.data() + static_cast<std::size_t>(row) * px;
        std::fill(line + left, line + left + module_px, std::uint8_t{0});
      }
    }
  }
  return qr;
}

}  // namespace fuma::image
