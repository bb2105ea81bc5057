// SPDX-License-Identifier: Apache-2.0
// A form is drawn in two steps. While the caller draws, nothing touches
// PoDoFo: each page keeps its content stream as text, with every run of
// text held back as characters, because the glyph numbers it will show are
// only known once the font has been subset. finish() then subsets the face
// to exactly the characters used (HarfBuzz, which renumbers the glyphs),
// writes the runs with the new numbers, and builds the PDF objects with
// PoDoFo's object layer.
//
// The Type0 font is assembled here rather than by PoDoFo's PdfFontCID: that
// class takes text as UTF-16 code units, so a character outside the BMP (a
// rare name character of CJK Extension B and later) would become two wrong
// glyphs, it embeds through its own subsetter from a file path, and it reads
// the clock. Building the dictionaries directly keeps the bytes a function
// of the calls alone and lets the ToUnicode map name whole code points.
#include "pdf/pdf.hpp"

#include <fontconfig/fontconfig.h>
#include <hb-ot.h>
#include <hb-subset.h>
#include <hb.h>
#include <openssl/evp.h>
#include <podofo/base/PdfArray.h>
#include <podofo/base/PdfDictionary.h>
#include <podofo/base/PdfError.h>
#include <podofo/base/PdfName.h>
#include <podofo/base/PdfObject.h>
#include <podofo/base/PdfOutputDevice.h>
#include <podofo/base/PdfRefCountedBuffer.h>
#include <podofo/base/PdfStream.h>
#include <podofo/base/PdfString.h>
#include <podofo/base/PdfVariant.h>
#include <podofo/base/PdfVecObjects.h>
#include <podofo/base/PdfWriter.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <tuple>
#include <utility>

#include "fuma/error.hpp"

namespace fuma::pdf {
namespace {

constexpr double kPtPerMm = 72.0 / 25.4;
constexpr double kPi = 3.14159265358979323846;
// Grey of a watermark: visible on screen and in print, yet the form's own
// text stays readable through it.
constexpr const char* kWatermarkGrey = "0.8";
constexpr const char* kFontResource = "F1";

[[noreturn]] void invalid(std::string detail, std::string message) {
  throw Error(Errc::invalid_argument, std::move(detail), std::move(message));
}

std::string hex_code(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

bool is_control(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

// Strict UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF)
// without control characters: a form has no use for either, and a control
// character in a PDF string is a way to confuse whoever reads it next.
std::u32string decode_text(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    std::size_t length = 0;
    char32_t c = 0;
    char32_t min = 0;
    if (lead < 0x80) {
      length = 1;
      c = lead;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      c = lead & 0x1F;
      min = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      c = lead & 0x0F;
      min = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      c = lead & 0x07;
      min = 0x10000;
    }
    bool ok = length != 0 && i + length <= utf8.size();
    for (std::size_t k = 1; ok && k < length; ++k) {
      const auto next = static_cast<unsigned char>(utf8[i + k]);
      ok = (next & 0xC0) == 0x80;
      c = (c << 6) | (next & 0x3F);
    }
    if (!ok || c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
      invalid("text is not valid UTF-8 at byte " + std::to_string(i),
              "表格内容含有无效的文字编码，无法生成表格");
    }
    if (is_control(c)) {
      invalid("text holds control character " + hex_code(c) + " at byte " + std::to_string(i),
              "表格内容含有控制字符，无法生成表格");
    }
    out += c;
    i += length;
  }
  return out;
}

// Beyond these, a number is a mistake (a page is at most 5 m across) and
// would only lose precision on its way into the content stream.
constexpr double kMaxMm = 100000;
constexpr double kMaxPt = 10000;

void require_finite(std::initializer_list<double> values, const char* call) {
  for (double v : values) {
    if (!(std::isfinite(v) && std::fabs(v) <= kMaxMm)) {
      invalid(std::string(call) + ": coordinates must be finite numbers of millimetres",
              "表格坐标有误");
    }
  }
}

void require_positive(double v, const char* what, double max = kMaxPt) {
  if (!(std::isfinite(v) && v > 0 && v <= max)) {
    invalid(std::string(what) + " must be a positive number no larger than " +
                std::to_string(static_cast<long>(max)),
            "表格尺寸有误");
  }
}

// Numbers in content streams: at most three decimals (a thousandth of a
// point is far below what any printer resolves), written without the C
// locale's help so that a program's locale cannot put a comma in a PDF.
void put_number(std::string& out, double v) {
  long long milli = std::llround(v * 1000.0);
  if (milli < 0) {
    out += '-';
    milli = -milli;
  }
  out += std::to_string(milli / 1000);
  long long frac = milli % 1000;
  if (frac != 0) {
    char digits[4] = {static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                      static_cast<char>('0' + frac % 10), 0};
    std::size_t n = 3;
    while (digits[n - 1] == '0') --n;
    out += '.';
    out.append(digits, n);
  }
}

void put(std::string& out, std::initializer_list<double> values) {
  for (double v : values) {
    put_number(out, v);
    out += ' ';
  }
}

std::string sha256(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &size, EVP_sha256(), nullptr) != 1) {
    throw Error(Errc::internal, "SHA-256 failed");
  }
  return std::string(reinterpret_cast<const char*>(md), size);
}

void put_hex4(std::string& out, unsigned v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += kHex[(v >> 12) & 0xF];
  out += kHex[(v >> 8) & 0xF];
  out += kHex[(v >> 4) & 0xF];
  out += kHex[v & 0xF];
}

// A string in the Info dictionary: plain when ASCII, else UTF-16 with a BOM
// (PoDoFo converts from UTF-8; given a std::string it would take the bytes
// as PDFDocEncoding and garble them).
PoDoFo::PdfString info_string(const std::string& utf8) {
  const bool ascii = std::all_of(utf8.begin(), utf8.end(),
                                 [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
  if (ascii) return PoDoFo::PdfString(utf8);
  return PoDoFo::PdfString(reinterpret_cast<const PoDoFo::pdf_utf8*>(utf8.data()),
                           static_cast<PoDoFo::pdf_long>(utf8.size()));
}

// "2026-11-27T06:46:33Z" -> "D:20261127064633Z" (ISO 32000 7.9.4); empty
// stays empty.
std::string pdf_date(const std::string& iso) {
  if (iso.empty()) return {};
  static constexpr char kShape[] = "dddd-dd-ddTdd:dd:ddZ";
  bool ok = iso.size() == sizeof kShape - 1;
  for (std::size_t i = 0; ok && i < iso.size(); ++i) {
    ok = kShape[i] == 'd' ? (iso[i] >= '0' && iso[i] <= '9') : iso[i] == kShape[i];
  }
  auto field = [&](std::size_t at) { return (iso[at] - '0') * 10 + (iso[at + 1] - '0'); };
  ok = ok && field(5) >= 1 && field(5) <= 12 && field(8) >= 1 && field(8) <= 31 &&
       field(11) <= 23 && field(14) <= 59 && field(17) <= 60;
  if (!ok) {
    invalid("created_at '" + iso + "' is not of the form 2026-11-27T06:46:33Z",
            "表格的生成时间格式有误");
  }
  std::string out = "D:";
  for (char ch : iso) {
    if (ch >= '0' && ch <= '9') out += ch;
  }
  return out + 'Z';
}

void check_metadata_text(const std::string& s, const char* what) {
  try {
    decode_text(s);
  } catch (const Error& e) {
    invalid(std::string(what) + ": " + e.detail(), e.message());
  }
}

template <class T, void (*Destroy)(T*)>
struct HbPtr {
  T* p = nullptr;
  HbPtr() = default;
  explicit HbPtr(T* q) : p(q) {}
  ~HbPtr() {
    if (p) Destroy(p);
  }
  HbPtr(const HbPtr&) = delete;
  HbPtr& operator=(const HbPtr&) = delete;
  T* get() const { return p; }
};
using Blob = HbPtr<hb_blob_t, hb_blob_destroy>;
using Face = HbPtr<hb_face_t, hb_face_destroy>;
using SubsetInput = HbPtr<hb_subset_input_t, hb_subset_input_destroy>;
using SubsetPlan = HbPtr<hb_subset_plan_t, hb_subset_plan_destroy>;

std::string name_entry(hb_face_t* face, hb_ot_name_id_t id) {
  unsigned size = 0;
  const unsigned length = hb_ot_name_get_utf8(face, id, HB_LANGUAGE_INVALID, &size, nullptr);
  if (length == 0) return {};
  std::string out(length + 1, '\0');
  size = length + 1;
  hb_ot_name_get_utf8(face, id, HB_LANGUAGE_INVALID, &size, out.data());
  out.resize(size);
  return out;
}

int be16(const char* p) {
  return static_cast<std::int16_t>(static_cast<std::uint16_t>(
      (static_cast<unsigned char>(p[0]) << 8) | static_cast<unsigned char>(p[1])));
}

}  // namespace

struct Font::Impl {
  hb_blob_t* blob = nullptr;
  hb_face_t* face = nullptr;
  hb_font_t* font = nullptr;
  unsigned upem = 1000;
  std::string name;       // family, for people
  std::string base_name;  // PostScript name, for BaseFont
  int ascender = 0;       // font units
  int descender = 0;
  int bbox[4] = {0, 0, 0, 0};
  int cap_height = 0;

  ~Impl() {
    if (font) hb_font_destroy(font);
    if (face) hb_face_destroy(face);
    if (blob) hb_blob_destroy(blob);
  }

  // 0 when the font has no glyph for c.
  hb_codepoint_t glyph(char32_t c) const {
    hb_codepoint_t g = 0;
    if (!hb_font_get_nominal_glyph(font, c, &g)) return 0;
    return g;
  }
  int advance(hb_codepoint_t g) const { return hb_font_get_glyph_h_advance(font, g); }
  // In thousandths of an em, as PDF glyph space has it.
  double to_pdf(double units) const { return units * 1000.0 / upem; }
};

Font::Font(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Font::~Font() = default;

std::shared_ptr<const Font> Font::load(const std::string& path, unsigned index) {
  auto impl = std::make_unique<Impl>();
  impl->blob = hb_blob_create_from_file_or_fail(path.c_str());
  if (!impl->blob) invalid("cannot read font file " + path, "无法读取字体文件");
  const unsigned faces = hb_face_count(impl->blob);
  if (index >= faces) {
    invalid("font file " + path + " has " + std::to_string(faces) + " faces, no face " +
                std::to_string(index),
            "字体文件中没有所需的字体");
  }
  impl->face = hb_face_create(impl->blob, index);
  hb_face_make_immutable(impl->face);
  impl->upem = hb_face_get_upem(impl->face);
  // FontFile2 embeds TrueType outlines; a CFF-flavoured OpenType face would
  // need another font program type.
  Blob glyf(hb_face_reference_table(impl->face, HB_TAG('g', 'l', 'y', 'f')));
  Blob head(hb_face_reference_table(impl->face, HB_TAG('h', 'e', 'a', 'd')));
  if (hb_blob_get_length(glyf.get()) == 0 || hb_blob_get_length(head.get()) < 54 ||
      hb_face_get_glyph_count(impl->face) == 0 || impl->upem == 0) {
    invalid("font " + path + " face " + std::to_string(index) + " has no TrueType outlines",
            "字体文件不是可嵌入的 TrueType 字体");
  }
  unsigned head_length = 0;
  const char* h = hb_blob_get_data(head.get(), &head_length);
  for (int i = 0; i < 4; ++i) impl->bbox[i] = be16(h + 36 + 2 * i);

  impl->font = hb_font_create(impl->face);
  hb_font_make_immutable(impl->font);
  hb_font_extents_t extents{};
  hb_font_get_h_extents(impl->font, &extents);
  impl->ascender = extents.ascender;
  impl->descender = extents.descender;
  hb_position_t cap = 0;
  impl->cap_height = hb_ot_metrics_get_position(impl->font, HB_OT_METRICS_TAG_CAP_HEIGHT, &cap)
                         ? cap
                         : impl->ascender;

  impl->name = name_entry(impl->face, HB_OT_NAME_ID_FONT_FAMILY);
  if (impl->name.empty()) impl->name = path;
  // A PDF name may hold neither spaces nor delimiters; the PostScript name
  // has none by definition, but a font file is not obliged to honour that.
  std::string ps = name_entry(impl->face, HB_OT_NAME_ID_POSTSCRIPT_NAME);
  if (ps.empty()) ps = impl->name;
  for (char ch : ps) {
    if (ch > ' ' && ch < 0x7F && std::string_view("()<>[]{}/%#").find(ch) == std::string::npos) {
      impl->base_name += ch;
    }
  }
  if (impl->base_name.empty()) impl->base_name = "Font";
  return std::shared_ptr<const Font>(new Font(std::move(impl)));
}

std::optional<Font::File> Font::find(const std::string& family) {
  // A configuration of its own, read now: FONTCONFIG_FILE and the font
  // directories as they are at this moment; nothing is left behind.
  FcConfig* config = FcInitLoadConfigAndFonts();
  if (!config) return std::nullopt;
  FcPattern* pattern = FcPatternCreate();
  FcObjectSet* objects = FcObjectSetBuild(FC_FILE, FC_INDEX, nullptr);
  FcFontSet* fonts = nullptr;
  if (pattern && objects &&
      FcPatternAddString(pattern, FC_FAMILY, reinterpret_cast<const FcChar8*>(family.c_str()))) {
    fonts = FcFontList(config, pattern, objects);
  }
  // The first by file and face, so that the same system always gives the
  // same font, whatever order the font directories were scanned in.
  std::optional<File> found;
  for (int i = 0; fonts && i < fonts->nfont; ++i) {
    FcChar8* file = nullptr;
    int index = 0;
    if (FcPatternGetString(fonts->fonts[i], FC_FILE, 0, &file) != FcResultMatch) continue;
    if (FcPatternGetInteger(fonts->fonts[i], FC_INDEX, 0, &index) != FcResultMatch) index = 0;
    File candidate{reinterpret_cast<const char*>(file), static_cast<unsigned>(index)};
    if (!found || std::tie(candidate.path, candidate.index) < std::tie(found->path, found->index)) {
      found = std::move(candidate);
    }
  }
  if (fonts) FcFontSetDestroy(fonts);
  if (objects) FcObjectSetDestroy(objects);
  if (pattern) FcPatternDestroy(pattern);
  FcConfigDestroy(config);
  return found;
}

std::shared_ptr<const Font> Font::standard() {
  // Found once a process; a failure is not kept, so that installing the
  // package is enough for the next engine to open.
  static std::mutex mutex;
  static std::shared_ptr<const Font> font;
  std::lock_guard<std::mutex> lock(mutex);
  if (!font) {
    const std::optional<File> file = find(kStandardFamily);
    if (!file) {
      invalid(std::string("fontconfig finds no font of the family '") + kStandardFamily +
                  "' the forms are set in: install the Debian package " + kStandardPackage +
                  ", or set the engine option font_path to a TrueType font",
              std::string("找不到表格所用的字体 AR PL UMing，请安装 ") + kStandardPackage +
                  " 软件包，或以选项 font_path 指定字体文件");
    }
    font = load(file->path, file->index);
  }
  return font;
}

std::vector<char32_t> Font::missing(std::string_view utf8) const {
  std::vector<char32_t> out;
  for (char32_t c : decode_text(utf8)) {
    if (impl_->glyph(c) == 0 && std::find(out.begin(), out.end(), c) == out.end()) {
      out.push_back(c);
    }
  }
  return out;
}

double Font::width_mm(std::string_view utf8, double size_pt) const {
  long long units = 0;
  for (char32_t c : decode_text(utf8)) units += impl_->advance(impl_->glyph(c));
  return static_cast<double>(units) * size_pt / impl_->upem / kPtPerMm;
}

const std::string& Font::name() const { return impl_->name; }

namespace {

// Content stream text, with each text run kept as characters until finish()
// knows the glyph numbers the subset gives them.
struct Piece {
  std::string ops;
  std::u32string run;  // shown as a hex string right after ops, if not empty
};

struct Page {
  double width_pt = 0;
  double height_pt = 0;
  std::vector<Piece> pieces{1};
  std::vector<std::size_t> images;  // indices into Document::Impl::images
  bool has_text = false;

  std::string& ops() {
    if (!pieces.back().run.empty()) pieces.emplace_back();
    return pieces.back().ops;
  }
  void show(std::u32string run) {
    if (!pieces.back().run.empty()) pieces.emplace_back();
    pieces.back().run = std::move(run);
    has_text = true;
  }
};

struct Picture {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;
};

// The subset font: its bytes and where each character's glyph went.
struct Subset {
  std::string bytes;
  std::map<char32_t, unsigned> glyph;                 // character -> glyph in the subset
  std::map<unsigned, std::pair<char32_t, int>> used;  // glyph -> (character, advance)
  std::string tag;                                    // "ABCDEF"
};

Subset make_subset(const Font::Impl& font, const std::vector<char32_t>& chars) {
  Subset out;
  SubsetInput input(hb_subset_input_create_or_fail());
  if (!input.get()) throw Error(Errc::out_of_memory, "hb_subset_input_create_or_fail failed");
  hb_set_t* unicodes = hb_subset_input_unicode_set(input.get());
  for (char32_t c : chars) hb_set_add(unicodes, c);
  // Hinting is for screens at small sizes and viewers hint for themselves;
  // the layout tables are for shaping, which a form's text does not need
  // (and their closure would pull in glyphs never shown, such as vertical
  // forms).
  hb_subset_input_set_flags(input.get(), HB_SUBSET_FLAGS_NO_HINTING);
  hb_set_t* drop = hb_subset_input_set(input.get(), HB_SUBSET_SETS_DROP_TABLE_TAG);
  for (hb_tag_t tag :
       {HB_TAG('G', 'S', 'U', 'B'), HB_TAG('G', 'P', 'O', 'S'), HB_TAG('G', 'D', 'E', 'F'),
        HB_TAG('B', 'A', 'S', 'E'), HB_TAG('J', 'S', 'T', 'F'), HB_TAG('M', 'A', 'T', 'H'),
        HB_TAG('v', 'h', 'e', 'a'), HB_TAG('v', 'm', 't', 'x'), HB_TAG('V', 'O', 'R', 'G'),
        HB_TAG('D', 'S', 'I', 'G'), HB_TAG('k', 'e', 'r', 'n'), HB_TAG('E', 'B', 'D', 'T'),
        HB_TAG('E', 'B', 'L', 'C'), HB_TAG('E', 'B', 'S', 'C'), HB_TAG('b', 'd', 'a', 't'),
        HB_TAG('b', 'l', 'o', 'c')}) {
    hb_set_add(drop, tag);
  }
  SubsetPlan plan(hb_subset_plan_create_or_fail(font.face, input.get()));
  if (!plan.get()) throw Error(Errc::internal, "hb_subset_plan_create_or_fail failed");
  const hb_map_t* old_to_new = hb_subset_plan_old_to_new_glyph_mapping(plan.get());
  Face face(hb_subset_plan_execute_or_fail(plan.get()));
  if (!face.get()) throw Error(Errc::internal, "hb_subset_plan_execute_or_fail failed");
  Blob blob(hb_face_reference_blob(face.get()));
  unsigned length = 0;
  const char* data = hb_blob_get_data(blob.get(), &length);
  if (length == 0) throw Error(Errc::internal, "the font subset is empty");
  out.bytes.assign(data, length);

  for (char32_t c : chars) {
    const hb_codepoint_t old_glyph = font.glyph(c);
    const hb_codepoint_t new_glyph = hb_map_get(old_to_new, old_glyph);
    if (new_glyph == HB_MAP_VALUE_INVALID || new_glyph > 0xFFFF) {
      throw Error(Errc::internal, "the font subset lost the glyph of " + hex_code(c));
    }
    out.glyph[c] = new_glyph;
    // Two characters may share one glyph (a compatibility ideograph and its
    // unified twin); the first in code point order speaks for it.
    out.used.emplace(new_glyph, std::make_pair(c, font.advance(old_glyph)));
  }

  // The six capital letters that mark a subset (ISO 32000 9.6.4), derived
  // from the characters so that the same text gives the same name.
  std::string key;
  for (char32_t c : chars) append_utf8(key, c);
  const std::string digest = sha256(key);
  for (int i = 0; i < 6; ++i) {
    out.tag += static_cast<char>('A' + static_cast<unsigned char>(digest[i]) % 26);
  }
  return out;
}

std::string to_unicode_cmap(const Subset& subset) {
  std::string cmap =
      "/CIDInit /ProcSet findresource begin\n"
      "12 dict begin\n"
      "begincmap\n"
      "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
      "/CMapName /Adobe-Identity-UCS def\n"
      "/CMapType 2 def\n"
      "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
  auto it = subset.used.begin();
  while (it != subset.used.end()) {
    const std::size_t n =
        std::min<std::size_t>(100, static_cast<std::size_t>(std::distance(it, subset.used.end())));
    cmap += std::to_string(n) + " beginbfchar\n";
    for (std::size_t i = 0; i < n; ++i, ++it) {
      cmap += '<';
      put_hex4(cmap, it->first);
      cmap += "> <";
      const char32_t c = it->second.first;
      if (c < 0x10000) {
        put_hex4(cmap, c);
      } else {
        put_hex4(cmap, 0xD800 + ((c - 0x10000) >> 10));
        put_hex4(cmap, 0xDC00 + ((c - 0x10000) & 0x3FF));
      }
      cmap += ">\n";
    }
    cmap += "endbfchar\n";
  }
  cmap +=
      "endcmap\n"
      "CMapName currentdict /CMap defineresource pop\n"
      "end\nend\n";
  return cmap;
}

const PoDoFo::TVecFilters& flate() {
  static const PoDoFo::TVecFilters filters{PoDoFo::ePdfFilter_FlateDecode};
  return filters;
}

void set_stream(PoDoFo::PdfObject* object, const std::string& bytes) {
  object->GetStream()->Set(bytes.data(), static_cast<PoDoFo::pdf_long>(bytes.size()), flate());
}

PoDoFo::PdfVariant integer(long long v) {
  return PoDoFo::PdfVariant(static_cast<PoDoFo::pdf_int64>(v));
}

PoDoFo::PdfVariant real(double v) {
  // Whole numbers as integers: shorter, and what a reader expects in a box.
  if (v == std::floor(v) && std::fabs(v) < 1e15) return integer(static_cast<long long>(v));
  return PoDoFo::PdfVariant(std::round(v * 1000.0) / 1000.0);
}

// The Type0 font (Identity-H, two bytes a glyph) over a CIDFontType2 whose
// CIDs are the subset's glyph numbers.
PoDoFo::PdfObject* add_font(PoDoFo::PdfVecObjects& objects, const Font::Impl& font,
                            const Subset& subset) {
  using namespace PoDoFo;
  const PdfName base_font(subset.tag + "+" + font.base_name);

  PdfObject* type0 = objects.CreateObject("Font");
  PdfObject* cid = objects.CreateObject("Font");
  PdfObject* descriptor = objects.CreateObject("FontDescriptor");
  PdfObject* file = objects.CreateObject();
  PdfObject* to_unicode = objects.CreateObject();

  PdfDictionary& t0 = type0->GetDictionary();
  t0.AddKey(PdfName::KeySubtype, PdfName("Type0"));
  t0.AddKey("BaseFont", base_font);
  t0.AddKey("Encoding", PdfName("Identity-H"));
  PdfArray descendants;
  descendants.push_back(cid->Reference());
  t0.AddKey("DescendantFonts", descendants);
  t0.AddKey("ToUnicode", to_unicode->Reference());

  PdfDictionary& cd = cid->GetDictionary();
  cd.AddKey(PdfName::KeySubtype, PdfName("CIDFontType2"));
  cd.AddKey("BaseFont", base_font);
  PdfDictionary system_info;
  system_info.AddKey("Registry", PdfString("Adobe"));
  system_info.AddKey("Ordering", PdfString("Identity"));
  system_info.AddKey("Supplement", integer(0));
  cd.AddKey("CIDSystemInfo", system_info);
  cd.AddKey("FontDescriptor", descriptor->Reference());
  cd.AddKey("CIDToGIDMap", PdfName("Identity"));

  // Widths: the commonest one as the default (an ideograph's full em), and
  // the others listed by runs of consecutive glyphs.
  std::map<long long, int> frequency;
  std::vector<std::pair<unsigned, long long>> widths;
  for (const auto& [glyph, entry] : subset.used) {
    const long long w = std::llround(font.to_pdf(entry.second));
    widths.emplace_back(glyph, w);
    ++frequency[w];
  }
  long long common = 1000;
  int most = 0;
  for (const auto& [w, n] : frequency) {
    if (n > most) {
      most = n;
      common = w;
    }
  }
  cd.AddKey("DW", integer(common));
  PdfArray w_array;
  for (std::size_t i = 0; i < widths.size();) {
    if (widths[i].second == common) {
      ++i;
      continue;
    }
    PdfArray run;
    const unsigned first = widths[i].first;
    unsigned next = first;
    while (i < widths.size() && widths[i].first == next && widths[i].second != common) {
      run.push_back(integer(widths[i].second));
      ++next;
      ++i;
    }
    w_array.push_back(integer(first));
    w_array.push_back(run);
  }
  if (!w_array.empty()) cd.AddKey("W", w_array);

  PdfDictionary& fd = descriptor->GetDictionary();
  fd.AddKey("FontName", base_font);
  // Serif (2) and Symbolic (4): the glyphs lie outside the standard Latin
  // set, which is what Symbolic means for a CIDFont.
  fd.AddKey(PdfName::KeyFlags, integer(6));
  PdfArray bbox;
  for (int v : font.bbox) bbox.push_back(integer(std::llround(font.to_pdf(v))));
  fd.AddKey("FontBBox", bbox);
  fd.AddKey("ItalicAngle", integer(0));
  fd.AddKey("Ascent", integer(std::llround(font.to_pdf(font.ascender))));
  fd.AddKey("Descent", integer(std::llround(font.to_pdf(font.descender))));
  fd.AddKey("CapHeight", integer(std::llround(font.to_pdf(font.cap_height))));
  fd.AddKey("StemV", integer(80));
  fd.AddKey("FontFile2", file->Reference());

  file->GetDictionary().AddKey("Length1", integer(static_cast<long long>(subset.bytes.size())));
  set_stream(file, subset.bytes);
  set_stream(to_unicode, to_unicode_cmap(subset));
  return type0;
}

// The file identifier (ISO 32000 14.4): PoDoFo derives it from the Info
// dictionary alone, so two forms with the same title and date would share
// it. It is replaced in place by a digest of the whole file, same length,
// so that no offset moves.
void set_file_identifier(std::string& pdf) {
  const std::size_t trailer = pdf.rfind("trailer");
  const std::size_t id = trailer == std::string::npos ? trailer : pdf.find("/ID", trailer);
  std::size_t first = id == std::string::npos ? id : pdf.find('<', id);
  if (first == std::string::npos) throw Error(Errc::internal, "no /ID in the PDF trailer");
  const std::string digest = sha256(pdf);
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (int k = 0; k < 2; ++k) {
    const std::size_t close = pdf.find('>', first);
    if (close == std::string::npos || close - first - 1 != 32) {
      throw Error(Errc::internal, "unexpected /ID in the PDF trailer");
    }
    for (std::size_t i = 0; i < 16; ++i) {
      const auto b = static_cast<unsigned char>(digest[i]);
      pdf[first + 1 + 2 * i] = kHex[b >> 4];
      pdf[first + 2 + 2 * i] = kHex[b & 0xF];
    }
    first = pdf.find('<', close);
    if (k == 0 && first == std::string::npos) {
      throw Error(Errc::internal, "unexpected /ID in the PDF trailer");
    }
  }
}

}  // namespace

struct Document::Impl {
  std::shared_ptr<const Font> font;
  Metadata metadata;
  std::string date;  // "D:20261127064633Z" or empty
  std::vector<Page> pages;
  std::vector<Picture> pictures;
  std::vector<char32_t> used;
  bool finished = false;

  Page& current(const char* call) {
    if (finished) {
      throw Error(Errc::invalid_state, std::string(call) + " after finish()",
                  "表格已经生成，不能再修改");
    }
    if (pages.empty()) {
      throw Error(Errc::invalid_state, std::string(call) + " before page()", "表格还没有页面");
    }
    return pages.back();
  }

  double x(double mm) const { return mm * kPtPerMm; }
  double y(double mm) const { return pages.back().height_pt - mm * kPtPerMm; }

  // The characters of utf8, each with a glyph in the font, else an error
  // naming the ones without.
  std::u32string printable(std::string_view utf8) {
    std::u32string chars = decode_text(utf8);
    std::vector<char32_t> missing;
    for (char32_t c : chars) {
      if (font->impl().glyph(c) == 0 &&
          std::find(missing.begin(), missing.end(), c) == missing.end()) {
        missing.push_back(c);
      }
    }
    if (!missing.empty()) {
      std::string detail = "font '" + font->name() + "' has no glyph for";
      std::string shown;
      for (std::size_t i = 0; i < missing.size(); ++i) {
        detail += (i ? ", " : " ") + hex_code(missing[i]);
        shown += "“";
        append_utf8(shown, missing[i]);
        shown += "”";
      }
      invalid(detail, "字体中没有字符" + shown + "，无法生成表格");
    }
    return chars;
  }

  double advance_pt(const std::u32string& chars, double size_pt) const {
    long long units = 0;
    for (char32_t c : chars) units += font->impl().advance(font->impl().glyph(c));
    return static_cast<double>(units) * size_pt / font->impl().upem;
  }

  void show(Page& page, std::u32string chars) {
    used.insert(used.end(), chars.begin(), chars.end());
    page.show(std::move(chars));
    page.ops() += " Tj ET\n";
  }
};

Document::Document(std::shared_ptr<const Font> font, Metadata metadata)
    : impl_(std::make_unique<Impl>()) {
  if (!font) invalid("a document needs a font", "表格字体未设置");
  check_metadata_text(metadata.title, "title");
  check_metadata_text(metadata.subject, "subject");
  impl_->date = pdf_date(metadata.created_at);
  impl_->font = std::move(font);
  impl_->metadata = std::move(metadata);
}

Document::~Document() = default;

void Document::page(double width_mm, double height_mm) {
  if (impl_->finished) {
    throw Error(Errc::invalid_state, "page() after finish()", "表格已经生成，不能再修改");
  }
  // ISO 32000 limits a page to 14400 units (5.08 m) on a side.
  require_positive(width_mm, "page width", 5080);
  require_positive(height_mm, "page height", 5080);
  Page p;
  p.width_pt = width_mm * kPtPerMm;
  p.height_pt = height_mm * kPtPerMm;
  impl_->pages.push_back(std::move(p));
}

void Document::text(double x_mm, double baseline_mm, std::string_view utf8, double size_pt,
                    Align align) {
  Page& page = impl_->current("text()");
  require_finite({x_mm, baseline_mm}, "text()");
  require_positive(size_pt, "text size");
  std::u32string chars = impl_->printable(utf8);
  if (chars.empty()) return;
  double x = impl_->x(x_mm);
  if (align != Align::left) {
    const double width = impl_->advance_pt(chars, size_pt);
    x -= align == Align::centre ? width / 2 : width;
  }
  std::string& ops = page.ops();
  ops += "BT /";
  ops += kFontResource;
  ops += ' ';
  put(ops, {size_pt});
  ops += "Tf 1 0 0 1 ";
  put(ops, {x, impl_->y(baseline_mm)});
  ops += "Tm ";
  impl_->show(page, std::move(chars));
}

void Document::watermark(double x_mm, double y_mm, std::string_view utf8, double size_pt,
                         double degrees) {
  Page& page = impl_->current("watermark()");
  require_finite({x_mm, y_mm, degrees}, "watermark()");
  require_positive(size_pt, "watermark size");
  std::u32string chars = impl_->printable(utf8);
  if (chars.empty()) return;
  const Font::Impl& font = impl_->font->impl();
  // The run's centre: half its advance along the baseline, and halfway
  // between ascender and descender across it.
  const double half_width = impl_->advance_pt(chars, size_pt) / 2;
  const double middle = (font.ascender + font.descender) / 2.0 * size_pt / font.upem;
  const double a = degrees * kPi / 180.0;
  const double c = std::cos(a);
  const double s = std::sin(a);
  const double ox = impl_->x(x_mm) - c * half_width + s * middle;
  const double oy = impl_->y(y_mm) - s * half_width - c * middle;
  std::string& ops = page.ops();
  ops += "q ";
  ops += kWatermarkGrey;
  ops += " g BT /";
  ops += kFontResource;
  ops += ' ';
  put(ops, {size_pt});
  ops += "Tf ";
  put(ops, {c, s, -s, c, ox, oy});
  ops += "Tm ";
  impl_->show(page, std::move(chars));
  page.ops() += "Q\n";
}

void Document::line(double x1_mm, double y1_mm, double x2_mm, double y2_mm, double width_pt) {
  Page& page = impl_->current("line()");
  require_finite({x1_mm, y1_mm, x2_mm, y2_mm}, "line()");
  require_positive(width_pt, "line width");
  std::string& ops = page.ops();
  put(ops, {width_pt});
  ops += "w ";
  put(ops, {impl_->x(x1_mm), impl_->y(y1_mm)});
  ops += "m ";
  put(ops, {impl_->x(x2_mm), impl_->y(y2_mm)});
  ops += "l S\n";
}

void Document::rect(double x_mm, double y_mm, double w_mm, double h_mm, double width_pt) {
  Page& page = impl_->current("rect()");
  require_finite({x_mm, y_mm, w_mm, h_mm}, "rect()");
  require_positive(width_pt, "line width");
  std::string& ops = page.ops();
  put(ops, {width_pt});
  ops += "w ";
  put(ops, {impl_->x(x_mm), impl_->y(y_mm + h_mm), w_mm * kPtPerMm, h_mm * kPtPerMm});
  ops += "re S\n";
}

void Document::checkbox(double x_mm, double y_mm, double size_mm, bool ticked) {
  Page& page = impl_->current("checkbox()");
  require_finite({x_mm, y_mm}, "checkbox()");
  require_positive(size_mm, "checkbox size", kMaxMm);
  const double size = size_mm * kPtPerMm;
  const double left = impl_->x(x_mm);
  const double top = impl_->y(y_mm);
  std::string& ops = page.ops();
  ops += "0.6 w ";
  put(ops, {left, top - size, size, size});
  ops += "re S\n";
  if (ticked) {
    // A hand-drawn tick in the box: down to the lower third, then up past
    // the top right, with round ends so it reads as a pen stroke.
    ops += "q ";
    put(ops, {std::max(0.8, size * 0.12)});
    ops += "w 1 J 1 j ";
    put(ops, {left + 0.2 * size, top - 0.52 * size});
    ops += "m ";
    put(ops, {left + 0.42 * size, top - 0.76 * size});
    ops += "l ";
    put(ops, {left + 0.82 * size, top - 0.22 * size});
    ops += "l S Q\n";
  }
}

void Document::picture(double x_mm, double y_mm, double w_mm, double h_mm,
                       const image::Grey& grey) {
  Page& page = impl_->current("picture()");
  require_finite({x_mm, y_mm}, "picture()");
  require_positive(w_mm, "picture width", kMaxMm);
  require_positive(h_mm, "picture height", kMaxMm);
  if (grey.width <= 0 || grey.height <= 0 ||
      grey.pixels.size() !=
          static_cast<std::size_t>(grey.width) * static_cast<std::size_t>(grey.height)) {
    invalid("picture: pixels do not match its width and height", "表格中的图片有误");
  }
  const std::size_t index = impl_->pictures.size();
  impl_->pictures.push_back({grey.width, grey.height, grey.pixels});
  page.images.push_back(index);
  std::string& ops = page.ops();
  ops += "q ";
  put(ops, {w_mm * kPtPerMm, 0, 0, h_mm * kPtPerMm, impl_->x(x_mm), impl_->y(y_mm + h_mm)});
  ops += "cm /Im" + std::to_string(index + 1) + " Do Q\n";
}

std::string Document::finish() {
  if (impl_->finished) {
    throw Error(Errc::invalid_state, "finish() called twice", "表格已经生成，不能再修改");
  }
  if (impl_->pages.empty()) {
    throw Error(Errc::invalid_state, "finish() before page()", "表格还没有页面");
  }
  impl_->finished = true;
  const Font::Impl& font = impl_->font->impl();

  std::vector<char32_t>& used = impl_->used;
  std::sort(used.begin(), used.end());
  used.erase(std::unique(used.begin(), used.end()), used.end());
  Subset subset;
  if (!used.empty()) subset = make_subset(font, used);

  using namespace PoDoFo;
  try {
    PdfVecObjects objects;
    objects.SetAutoDelete(true);
    PdfObject* catalog = objects.CreateObject("Catalog");
    PdfObject* pages = objects.CreateObject("Pages");
    catalog->GetDictionary().AddKey("Pages", pages->Reference());
    catalog->GetDictionary().AddKey("Lang", PdfString("zh-CN"));
    PdfDictionary preferences;
    preferences.AddKey("DisplayDocTitle", PdfVariant(true));
    catalog->GetDictionary().AddKey("ViewerPreferences", preferences);

    PdfObject* font_object = used.empty() ? nullptr : add_font(objects, font, subset);
    std::vector<PdfObject*> images;
    for (const Picture& p : impl_->pictures) {
      PdfObject* image = objects.CreateObject("XObject");
      PdfDictionary& d = image->GetDictionary();
      d.AddKey(PdfName::KeySubtype, PdfName("Image"));
      d.AddKey("Width", integer(p.width));
      d.AddKey("Height", integer(p.height));
      d.AddKey("ColorSpace", PdfName("DeviceGray"));
      d.AddKey("BitsPerComponent", integer(8));
      // A QR code's modules must stay square-edged when scaled up.
      d.AddKey("Interpolate", PdfVariant(false));
      image->GetStream()->Set(reinterpret_cast<const char*>(p.pixels.data()),
                              static_cast<pdf_long>(p.pixels.size()), flate());
      images.push_back(image);
    }

    PdfArray kids;
    std::string content;
    for (const Page& page : impl_->pages) {
      PdfObject* object = objects.CreateObject("Page");
      PdfObject* contents = objects.CreateObject();
      PdfDictionary& d = object->GetDictionary();
      d.AddKey("Parent", pages->Reference());
      PdfArray box;
      for (double v : {0.0, 0.0, page.width_pt, page.height_pt}) box.push_back(real(v));
      d.AddKey("MediaBox", box);
      PdfDictionary resources;
      if (page.has_text) {
        PdfDictionary fonts;
        fonts.AddKey(kFontResource, font_object->Reference());
        resources.AddKey("Font", fonts);
      }
      if (!page.images.empty()) {
        PdfDictionary xobjects;
        for (std::size_t i : page.images) {
          xobjects.AddKey("Im" + std::to_string(i + 1), images[i]->Reference());
        }
        resources.AddKey("XObject", xobjects);
      }
      d.AddKey("Resources", resources);
      d.AddKey("Contents", contents->Reference());
      kids.push_back(object->Reference());

      content.clear();
      for (const Piece& piece : page.pieces) {
        content += piece.ops;
        if (piece.run.empty()) continue;
        content += '<';
        for (char32_t c : piece.run) put_hex4(content, subset.glyph.at(c));
        content += '>';
      }
      set_stream(contents, content);
    }
    pages->GetDictionary().AddKey("Kids", kids);
    pages->GetDictionary().AddKey("Count", integer(static_cast<long long>(impl_->pages.size())));

    PdfObject* info = objects.CreateObject();
    PdfDictionary& id = info->GetDictionary();
    if (!impl_->metadata.title.empty()) id.AddKey("Title", info_string(impl_->metadata.title));
    if (!impl_->metadata.subject.empty()) {
      id.AddKey("Subject", info_string(impl_->metadata.subject));
    }
    id.AddKey("Producer", PdfString("fuma"));
    if (!impl_->date.empty()) {
      id.AddKey("CreationDate", PdfString(impl_->date));
      id.AddKey("ModDate", PdfString(impl_->date));
    }

    PdfObject trailer;
    trailer.GetDictionary().AddKey("Root", catalog->Reference());
    trailer.GetDictionary().AddKey("Info", info->Reference());
    PdfWriter writer(&objects, &trailer);
    writer.SetPdfVersion(ePdfVersion_1_4);
    writer.SetWriteMode(ePdfWriteMode_Compact);
    PdfRefCountedBuffer buffer;
    PdfOutputDevice device(&buffer);
    writer.Write(&device);
    std::string pdf(buffer.GetBuffer(), device.GetLength());
    set_file_identifier(pdf);
    return pdf;
  } catch (const PdfError& e) {
    throw Error(Errc::internal, std::string("PoDoFo failed to write the PDF: ") +
                                    PdfError::ErrorName(e.GetError()));
  }
}

}  // namespace fuma::pdf
