// SPDX-License-Identifier: Apache-2.0
// Content identification for uploaded attachments. A clerk opens these files
// later, so a file is accepted only when its own structure says it is a PDF,
// JPEG or PNG that a viewer can open; names and declared media types are never
// consulted. Refusals say, in the clerk's terms, what the file seems to be.
#include <boost/crc.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "fuma/attachments.hpp"
#include "fuma/error.hpp"

namespace fuma::attachments {
namespace {

// Larger sides come from decompression bombs or broken encoders, not from
// scanners: an A3 page at 600 dpi is 7016 x 9921.
constexpr std::uint32_t kMaxImageSide = 20000;

// Where PDF readers look for the header and the trailer.
constexpr std::size_t kPdfWindow = 1024;

constexpr std::string_view kPngSignature = "\x89PNG\r\n\x1a\n";

[[noreturn]] void refuse(std::string detail, std::string message) {
  throw Error(Errc::invalid_argument, std::move(detail), std::move(message));
}

std::uint8_t byte_at(std::string_view b, std::size_t at) {
  return static_cast<std::uint8_t>(b[at]);
}

std::uint16_t be16(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>(byte_at(b, at) << 8 | byte_at(b, at + 1));
}

std::uint32_t be32(std::string_view b, std::size_t at) {
  return std::uint32_t{byte_at(b, at)} << 24 | std::uint32_t{byte_at(b, at + 1)} << 16 |
         std::uint32_t{byte_at(b, at + 2)} << 8 | std::uint32_t{byte_at(b, at + 3)};
}

std::uint32_t le32(std::string_view b, std::size_t at) {
  return std::uint32_t{byte_at(b, at)} | std::uint32_t{byte_at(b, at + 1)} << 8 |
         std::uint32_t{byte_at(b, at + 2)} << 16 | std::uint32_t{byte_at(b, at + 3)} << 24;
}

bool starts_with(std::string_view b, std::string_view prefix) {
  return b.substr(0, prefix.size()) == prefix;
}

// b.substr() that yields nothing, instead of throwing, past the end.
std::string_view slice(std::string_view b, std::size_t at, std::size_t n) {
  return at <= b.size() ? b.substr(at, n) : std::string_view();
}

bool contains(std::string_view b, std::string_view needle) {
  return b.find(needle) != std::string_view::npos;
}

std::string hex32(std::uint32_t v) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 7; i >= 0; --i, v >>= 4) out[static_cast<std::size_t>(i)] = kDigits[v & 0xF];
  return out;
}

void check_dimensions(std::string_view format, std::string_view format_zh, std::uint32_t width,
                      std::uint32_t height) {
  std::string size = std::to_string(width) + "x" + std::to_string(height);
  if (width == 0 || height == 0) {
    refuse(std::string(format) + ": zero image dimension " + size,
           std::string(format_zh) + "图片已损坏（图像尺寸为零）");
  }
  if (width > kMaxImageSide || height > kMaxImageSide) {
    std::string limit = std::to_string(kMaxImageSide);
    refuse(std::string(format) + ": image dimensions " + size + " exceed " + limit + "x" + limit,
           "图片尺寸过大（" + std::to_string(width) + "×" + std::to_string(height) + "像素，上限" +
               limit + "×" + limit + "像素），请缩小后重新上传");
  }
}

// ---------------------------------------------------------------- PNG

[[noreturn]] void png_truncated(std::string detail) {
  refuse("PNG: " + std::move(detail), "PNG图片不完整（文件被截断），请重新上传");
}

std::uint32_t crc32(std::string_view b) {
  boost::crc_32_type crc;
  crc.process_bytes(b.data(), b.size());
  return crc.checksum();
}

bool valid_png_depth(std::uint8_t colour_type, std::uint8_t depth) {
  switch (colour_type) {
    case 0:  // greyscale
      return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    case 3:  // palette
      return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2:  // RGB
    case 4:  // greyscale + alpha
    case 6:  // RGB + alpha
      return depth == 8 || depth == 16;
    default:
      return false;
  }
}

Identified identify_png(std::string_view b) {
  if (b.size() < kPngSignature.size()) png_truncated("shorter than the signature");
  if (!starts_with(b, kPngSignature)) {
    // Text-mode transfers rewrite the CR LF and LF bytes of the signature.
    refuse("PNG: signature bytes altered", "PNG图片已损坏（文件头被改动，可能经过了文本方式传输）");
  }
  // Signature, then IHDR: length, type, 13 data bytes, CRC.
  constexpr std::size_t kIhdr = 8;
  constexpr std::size_t kIhdrEnd = kIhdr + 4 + 4 + 13 + 4;
  if (b.size() < kIhdrEnd) png_truncated("ends inside the IHDR chunk");
  if (be32(b, kIhdr) != 13 || b.substr(kIhdr + 4, 4) != "IHDR") {
    refuse("PNG: the first chunk is not a 13-byte IHDR", "PNG图片已损坏（文件头格式错误）");
  }
  std::uint32_t stored = be32(b, kIhdr + 4 + 4 + 13);
  std::uint32_t computed = crc32(b.substr(kIhdr + 4, 4 + 13));
  if (stored != computed) {
    refuse(
        "PNG: IHDR CRC mismatch (stored " + hex32(stored) + ", computed " + hex32(computed) + ")",
        "PNG图片已损坏（文件头校验失败）");
  }
  std::uint32_t width = be32(b, 16);
  std::uint32_t height = be32(b, 20);
  std::uint8_t depth = byte_at(b, 24);
  std::uint8_t colour_type = byte_at(b, 25);
  if (!valid_png_depth(colour_type, depth)) {
    refuse("PNG: invalid bit depth " + std::to_string(depth) + " for colour type " +
               std::to_string(colour_type),
           "PNG图片已损坏（颜色格式无效）");
  }
  if (byte_at(b, 26) != 0 || byte_at(b, 27) != 0 || byte_at(b, 28) > 1) {
    refuse("PNG: unknown compression, filter or interlace method",
           "PNG图片已损坏（文件头格式错误）");
  }
  check_dimensions("PNG", "PNG", width, height);

  // The remaining chunks: each must fit, carry a correct CRC, and the image
  // data must come before IEND. A partial upload fails here.
  bool seen_idat = false;
  std::size_t pos = kIhdrEnd;
  while (true) {
    if (b.size() - pos < 12) png_truncated("ends before IEND");
    std::uint32_t length = be32(b, pos);
    std::string_view type = b.substr(pos + 4, 4);
    if (length > 0x7FFFFFFFu || !std::all_of(type.begin(), type.end(), [](char c) {
          return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        })) {
      refuse("PNG: malformed chunk header at offset " + std::to_string(pos),
             "PNG图片已损坏（数据块格式错误）");
    }
    if (b.size() - pos - 12 < length) {
      png_truncated("chunk '" + std::string(type) + "' runs past the end");
    }
    if (be32(b, pos + 8 + length) != crc32(b.substr(pos + 4, 4 + length))) {
      refuse(
          "PNG: CRC mismatch in chunk '" + std::string(type) + "' at offset " + std::to_string(pos),
          "PNG图片已损坏（数据校验失败）");
    }
    if (type == "IDAT") seen_idat = true;
    if (type == "IEND") break;
    pos += 12 + length;
  }
  if (!seen_idat) refuse("PNG: no IDAT chunk", "PNG图片已损坏（没有图像数据）");
  return {FileType::png, width, height};
}

// ---------------------------------------------------------------- JPEG

[[noreturn]] void jpeg_truncated(std::string detail) {
  refuse("JPEG: " + std::move(detail), "JPG图片不完整（文件被截断），请重新上传");
}

[[noreturn]] void jpeg_no_frame(std::string detail) {
  refuse("JPEG: " + std::move(detail), "JPG图片已损坏（找不到图像尺寸信息）");
}

// SOF0..SOF15, less the three codes in that range that are not frames.
bool is_frame_marker(std::uint8_t m) {
  return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

Identified identify_jpeg(std::string_view b) {
  std::size_t pos = 2;  // past SOI
  while (true) {
    if (pos >= b.size()) jpeg_truncated("ends before a frame header");
    if (byte_at(b, pos) != 0xFF) {
      refuse("JPEG: expected a marker at offset " + std::to_string(pos),
             "JPG图片已损坏（标记段格式错误）");
    }
    while (pos < b.size() && byte_at(b, pos) == 0xFF) ++pos;  // fill bytes
    if (pos >= b.size()) jpeg_truncated("ends inside a marker");
    std::uint8_t marker = byte_at(b, pos++);
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
    if (marker == 0xD9) jpeg_no_frame("EOI before a frame header");
    if (marker == 0xDA) jpeg_no_frame("scan before a frame header");
    if (marker == 0x00 || marker == 0xD8) {
      refuse("JPEG: unexpected marker at offset " + std::to_string(pos - 1),
             "JPG图片已损坏（标记段格式错误）");
    }
    if (b.size() - pos < 2) jpeg_truncated("ends inside a segment length");
    std::size_t length = be16(b, pos);
    if (length < 2) {
      refuse("JPEG: segment length below 2 at offset " + std::to_string(pos),
             "JPG图片已损坏（标记段格式错误）");
    }
    if (b.size() - pos < length) jpeg_truncated("segment runs past the end");
    if (is_frame_marker(marker)) {
      // Lf, P, Y, X, Nf, then three bytes per component.
      if (length < 8 || length != 8 + 3 * std::size_t{byte_at(b, pos + 7)} ||
          byte_at(b, pos + 7) == 0) {
        refuse("JPEG: malformed frame header", "JPG图片已损坏（图像尺寸信息无效）");
      }
      std::uint32_t height = be16(b, pos + 3);
      std::uint32_t width = be16(b, pos + 5);
      check_dimensions("JPEG", "JPG", width, height);
      return {FileType::jpeg, width, height};
    }
    pos += length;
  }
}

// ---------------------------------------------------------------- PDF

// The offset of "%PDF-" in the header window, if any.
std::size_t find_pdf_header(std::string_view b) { return b.substr(0, kPdfWindow).find("%PDF-"); }

Identified identify_pdf(std::string_view b, std::size_t header) {
  std::string_view version = b.substr(header + 5, 3);
  bool known = (version.size() == 3 && version[0] == '1' && version[1] == '.' &&
                version[2] >= '0' && version[2] <= '9') ||
               version == "2.0";
  if (!known) {
    refuse("PDF: unknown version '" + std::string(version) + "'",
           "PDF文件已损坏（文件头中的版本号无效）");
  }
  std::size_t tail_at = b.size() > kPdfWindow ? b.size() - kPdfWindow : 0;
  std::string_view tail = b.substr(tail_at);
  std::size_t eof = tail.rfind("%%EOF");
  if (eof == std::string_view::npos) {
    refuse("PDF: no %%EOF in the last 1024 bytes",
           "PDF文件不完整（缺少文件结束标记），可能未上传完整，请重新上传");
  }
  std::size_t startxref = tail.rfind("startxref");
  if (startxref == std::string_view::npos || startxref > eof) {
    refuse("PDF: no startxref before the final %%EOF", "PDF文件已损坏（缺少交叉引用表位置）");
  }
  std::size_t pos = startxref + 9;
  while (pos < eof && (tail[pos] == ' ' || tail[pos] == '\r' || tail[pos] == '\n')) ++pos;
  std::uint64_t offset = 0;
  std::size_t digits = 0;
  for (; pos < eof && tail[pos] >= '0' && tail[pos] <= '9' && digits < 19; ++pos, ++digits) {
    offset = offset * 10 + static_cast<std::uint64_t>(tail[pos] - '0');
  }
  if (digits == 0 || offset >= b.size()) {
    refuse("PDF: startxref offset missing or beyond the end of the file",
           "PDF文件已损坏（交叉引用表位置无效）");
  }
  return {FileType::pdf, 0, 0};
}

// ---------------------------------------------------------------- the rest

// What a refused file most likely is, so the message can tell the clerk what
// to do with it (save as PDF, export as JPG, ...).
struct Lookalike {
  std::string_view detail;  // English, for developers
  std::string_view what;    // Chinese, "看起来是…"
  std::string_view advice;  // Chinese, may be empty
};

constexpr std::string_view kSaveAsPdf = "请另存为PDF后上传";
constexpr std::string_view kSaveAsImage = "请另存为JPG或PNG图片后上传";

bool is_text(std::string_view b) {
  std::string_view sample = b.substr(0, 4096);
  return std::none_of(sample.begin(), sample.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 && u != '\t' && u != '\n' && u != '\v' && u != '\f' && u != '\r' && u != 0x1B;
  });
}

std::string lower_prefix(std::string_view b, std::size_t n) {
  std::size_t start = 0;
  if (starts_with(b, "\xEF\xBB\xBF")) start = 3;
  while (start < b.size() &&
         (b[start] == ' ' || b[start] == '\t' || b[start] == '\r' || b[start] == '\n')) {
    ++start;
  }
  std::string out(b.substr(start, n));
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

std::optional<Lookalike> lookalike(std::string_view b) {
  if (starts_with(b, "PK\x03\x04") || starts_with(b, "PK\x05\x06")) {
    // ZIP keeps member names in plain text in the central directory.
    if (contains(b, "word/document")) {
      return Lookalike{"a Word document (OOXML)", "Word文件", kSaveAsPdf};
    }
    if (contains(b, "xl/workbook")) {
      return Lookalike{"an Excel workbook (OOXML)", "Excel文件", kSaveAsPdf};
    }
    if (contains(b, "ppt/presentation")) {
      return Lookalike{"a PowerPoint presentation (OOXML)", "PowerPoint文件", kSaveAsPdf};
    }
    if (contains(b, "OFD.xml")) return Lookalike{"an OFD document", "OFD版式文件", kSaveAsPdf};
    if (contains(b, "application/vnd.oasis.opendocument")) {
      return Lookalike{"an OpenDocument file", "OpenDocument文档", kSaveAsPdf};
    }
    return Lookalike{"a ZIP archive", "ZIP压缩包", "请解压后分别上传其中的文件"};
  }
  if (starts_with(b, std::string_view("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))) {
    // OLE directory entries are UTF-16LE stream names.
    using namespace std::string_view_literals;
    if (contains(b, "W\0o\0r\0d\0D\0o\0c\0u\0m\0e\0n\0t\0"sv)) {
      return Lookalike{"a legacy Word document (OLE)", "旧版Word文件（.doc）", kSaveAsPdf};
    }
    if (contains(b, "W\0o\0r\0k\0b\0o\0o\0k\0"sv)) {
      return Lookalike{"a legacy Excel workbook (OLE)", "旧版Excel文件（.xls）", kSaveAsPdf};
    }
    return Lookalike{"a legacy Office file (OLE)", "旧版Office文件", kSaveAsPdf};
  }
  if (starts_with(b, "{\\rtf")) return Lookalike{"an RTF document", "RTF文档", kSaveAsPdf};
  if (starts_with(b, "GIF87a") || starts_with(b, "GIF89a")) {
    return Lookalike{"a GIF image", "GIF图片", kSaveAsImage};
  }
  if (starts_with(b, "BM") && b.size() >= 18) {
    std::uint32_t dib = le32(b, 14);
    if (dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 || dib == 124) {
      return Lookalike{"a BMP image", "BMP图片", kSaveAsImage};
    }
  }
  if (starts_with(b, std::string_view("II*\0", 4)) ||
      starts_with(b, std::string_view("MM\0*", 4))) {
    return Lookalike{"a TIFF image", "TIFF图片", kSaveAsImage};
  }
  if (starts_with(b, "RIFF") && slice(b, 8, 4) == "WEBP") {
    return Lookalike{"a WebP image", "WebP图片", kSaveAsImage};
  }
  if (slice(b, 4, 4) == "ftyp") {
    std::string_view brand = slice(b, 8, 4);
    if (brand == "heic" || brand == "heix" || brand == "hevc" || brand == "mif1" ||
        brand == "msf1") {
      return Lookalike{"a HEIF/HEIC photo", "HEIC格式照片（苹果手机默认格式）", kSaveAsImage};
    }
    if (brand == "avif") return Lookalike{"an AVIF image", "AVIF图片", kSaveAsImage};
    return Lookalike{"an MP4/QuickTime video", "视频文件", ""};
  }
  if (starts_with(b, "8BPS")) {
    return Lookalike{"a Photoshop document", "Photoshop文件", kSaveAsImage};
  }
  if (starts_with(b, "Rar!\x1A\x07") || starts_with(b, "7z\xBC\xAF\x27\x1C") ||
      starts_with(b, "\x1F\x8B")) {
    return Lookalike{"a RAR, 7z or gzip archive", "压缩包", "请解压后分别上传其中的文件"};
  }
  if (starts_with(b, "\x7F\x45\x4C\x46")) {
    return Lookalike{"an ELF executable", "可执行程序", ""};
  }
  if (starts_with(b, "MZ") && b.size() >= 64) {
    std::uint32_t pe = le32(b, 60);
    if (pe <= b.size() - 4 && b.substr(pe, 4) == std::string_view("PE\0\0", 4)) {
      return Lookalike{"a Windows executable (PE)", "可执行程序", ""};
    }
  }
  if (starts_with(b, "\xCA\xFE\xBA\xBE") || starts_with(b, "\xCF\xFA\xED\xFE") ||
      starts_with(b, "\xCE\xFA\xED\xFE")) {
    return Lookalike{"a Mach-O or Java executable", "可执行程序", ""};
  }
  if (starts_with(b, std::string_view("\x4C\0\0\0\x01\x14\x02\0", 8))) {
    // People drag a desktop shortcut instead of the document it points to.
    return Lookalike{"a Windows shortcut (.lnk)", "桌面快捷方式，而不是文件本身",
                     "请选择原文件上传"};
  }
  if (starts_with(b, "\xFF\xFE") || starts_with(b, "\xFE\xFF")) {
    return Lookalike{"UTF-16 text", "文本文件", ""};
  }
  if (is_text(b)) {
    std::string head = lower_prefix(b, 1024);
    if (starts_with(head, "<!doctype html") || contains(head, "<html")) {
      return Lookalike{"an HTML page", "网页文件（HTML）", ""};
    }
    if (starts_with(head, "<svg") || (starts_with(head, "<?xml") && contains(head, "<svg"))) {
      return Lookalike{"an SVG image", "SVG图片", kSaveAsImage};
    }
    if (starts_with(head, "<?xml")) return Lookalike{"an XML file", "XML文件", ""};
    return Lookalike{"plain text", "文本文件", ""};
  }
  return std::nullopt;
}

}  // namespace

Identified identify(std::string_view bytes) {
  if (bytes.empty()) refuse("empty file", "文件为空");
  if (starts_with(bytes, "\x89PNG")) return identify_png(bytes);
  if (starts_with(bytes, "\xFF\xD8")) return identify_jpeg(bytes);
  // A PDF may carry a few bytes of junk before its header; readers skip them.
  if (std::size_t header = find_pdf_header(bytes); header != std::string_view::npos) {
    return identify_pdf(bytes, header);
  }
  constexpr std::string_view kNotAccepted = "文件内容不是PDF、JPG或PNG格式";
  if (auto like = lookalike(bytes)) {
    std::string message = std::string(kNotAccepted) + "（看起来是" + std::string(like->what) + "）";
    if (!like->advice.empty()) message += "，" + std::string(like->advice);
    refuse("not a PDF, JPEG or PNG: looks like " + std::string(like->detail), std::move(message));
  }
  refuse("not a PDF, JPEG or PNG: unrecognised content",
         std::string(kNotAccepted) + "，无法识别该文件");
}

}  // namespace fuma::attachments
