// SPDX-License-Identifier: Apache-2.0
// PDFs are checked with the tools people and printers' drivers rely on:
// qpdf for the file's structure, poppler for the text a search or a
// screen reader extracts, the fonts embedded and the pixels printed.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fuma/error.hpp"
#include "image/image.hpp"
#include "pdf/pdf.hpp"
#include "support/file.hpp"
#include "support/process.hpp"
#include "support/refusal.hpp"
#include "support/temp_dir.hpp"

using fuma::Errc;
using fuma::Error;
using fuma::image::Grey;
using fuma::pdf::Align;
using fuma::pdf::Document;
using fuma::pdf::Font;
using fuma::pdf::Metadata;
using fuma::test::Ran;
using fuma::test::read_bytes;
using fuma::test::refusal;
using fuma::test::TempDir;
using fuma::test::write_bytes;

namespace {

constexpr const char* kTitle = "机关、群团等统一社会信用代码证书信息变更申请表";
constexpr const char* kQrText = "FM1:ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
// A rare name character the standard font has: U+4DAE, CJK Extension A.
constexpr const char* kRareName = "刘䶮";
// Outside the BMP and present in the font (U+20021, Extension B): its glyph
// and its text must survive the trip through UTF-16 surrogates.
constexpr const char* kAstralText = "𠀡字";

// A tool's output with its errors (stderr) in it, so that a failed check
// shows why; fuma::test::run does the rest.
Ran run(const std::string& command) { return fuma::test::run(command + " 2>&1"); }

Metadata metadata(std::string created_at = "2026-11-27T06:46:33Z") {
  return Metadata{kTitle, "统一社会信用代码", std::move(created_at)};
}

Grey qr_picture() { return fuma::image::draw_qr(kQrText, 4).picture; }

// A change form much like the real one: title, labels, a table of lines,
// checkboxes, a QR code and a watermark.
void draw_form(Document& doc, bool ticked = true) {
  doc.page();
  doc.text(105, 25, kTitle, 16, Align::centre);
  doc.text(20, 40, "统一社会信用代码", 10.5);
  doc.text(60, 40, "12100000MB0012345X", 10.5);
  doc.text(20, 48, "申请人", 10.5);
  doc.text(60, 48, kRareName, 10.5);
  doc.text(20, 56, "备注", 10.5);
  doc.text(60, 56, kAstralText, 10.5);
  for (int row = 0; row <= 10; ++row) doc.line(20, 65 + row * 8, 190, 65 + row * 8);
  doc.line(20, 65, 20, 145);
  doc.line(70, 65, 70, 145);
  doc.line(190, 65, 190, 145);
  doc.text(22, 71, "变更事项", 10.5);
  doc.text(72, 71, "变更前", 10.5);
  doc.checkbox(30, 150, 4, ticked);
  doc.text(36, 153.5, "名称", 10.5);
  doc.checkbox(60, 150, 4, false);
  doc.text(66, 153.5, "住所", 10.5);
  doc.rect(15, 15, 180, 267);
  doc.picture(150, 240, 30, 30, qr_picture());
  doc.text(190, 280, "年 月 日", 10.5, Align::right);
  doc.watermark(105, 150, "仅供核对", 48, 30);
}

std::string form_pdf(bool ticked = true, std::string created_at = "2026-11-27T06:46:33Z") {
  Document doc(Font::standard(), metadata(std::move(created_at)));
  draw_form(doc, ticked);
  return doc.finish();
}

// The page rendered at 150 dpi in grey, as a printer driver would.
Grey render(const TempDir& dir, const std::string& pdf, const std::string& name) {
  const std::string path = dir.file(name + ".pdf");
  write_bytes(path, pdf);
  const Ran r =
      run("pdftoppm -r 150 -gray -png -singlefile '" + path + "' '" + dir.file(name) + "'");
  REQUIRE_MESSAGE(r.status == 0, r.output);
  return fuma::image::decode(read_bytes(dir.file(name + ".png")));
}

// Pixels darker than mid-grey in a box given in millimetres at 150 dpi.
int dark_pixels(const Grey& g, double x_mm, double y_mm, double w_mm, double h_mm) {
  const auto px = [](double mm) { return static_cast<int>(mm * 150 / 25.4); };
  int n = 0;
  for (int y = px(y_mm); y < px(y_mm + h_mm) && y < g.height; ++y) {
    for (int x = px(x_mm); x < px(x_mm + w_mm) && x < g.width; ++x) {
      if (g.pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(g.width) +
                   static_cast<std::size_t>(x)] < 128) {
        ++n;
      }
    }
  }
  return n;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// A field of pdfinfo's report ("Title:     text"), its value trimmed.
std::string info_field(const std::string& report, const std::string& key) {
  std::istringstream lines(report);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(key + ":", 0) != 0) continue;
    const std::size_t value = line.find_first_not_of(' ', key.size() + 1);
    return value == std::string::npos ? std::string() : line.substr(value);
  }
  return "(absent)";
}

}  // namespace

TEST_CASE("the standard font is AR PL UMing and knows what it lacks") {
  const auto font = Font::standard();
  CHECK(font == Font::standard());
  CHECK(font->name() == "AR PL UMing CN");
  CHECK(font->missing(kTitle).empty());
  CHECK(font->missing(kRareName).empty());
  CHECK(font->missing(kAstralText).empty());
  // 😀 and 𬱖 (U+2CC56, a name character of the 2013 standard list, CJK
  // Extension E) are both beyond this 2008 font.
  CHECK(font->missing("中😀文𬱖😀") == std::vector<char32_t>{U'\U0001F600', U'\U0002CC56'});
  // An ideograph is one em wide: 12 pt is 4.2333 mm.
  CHECK(font->width_mm("中", 12) == doctest::Approx(12 / 72.0 * 25.4).epsilon(0.01));
  CHECK(font->width_mm("中文", 12) == doctest::Approx(2 * font->width_mm("中", 12)));
  CHECK(font->width_mm("", 12) == 0);
  refusal(Errc::invalid_argument, [&] { font->missing("\xC3\x28"); });
}

TEST_CASE("fontconfig finds the standard family in Debian's fonts-arphic-uming") {
  const auto file = Font::find(Font::kStandardFamily);
  REQUIRE(file.has_value());
  CHECK(std::filesystem::equivalent(file->path, "/usr/share/fonts/truetype/arphic/uming.ttc"));
  CHECK(file->index == 0);
  CHECK(Font::load(file->path, file->index)->name() == Font::kStandardFamily);
}

TEST_CASE("fontconfig offers no substitute for a family it does not have") {
  CHECK_FALSE(Font::find("No Such Family 4d1e").has_value());
}

TEST_CASE("a font that cannot be used is refused when loaded") {
  TempDir dir;
  refusal(Errc::invalid_argument, [&] { Font::load(dir.file("absent.ttf")); });
  write_bytes(dir.file("junk.ttf"), "this is not a font");
  refusal(Errc::invalid_argument, [&] { Font::load(dir.file("junk.ttf")); });
  // uming.ttc holds four faces (CN, HK, TW, TW MBE).
  CHECK(Font::load("/usr/share/fonts/truetype/arphic/uming.ttc", 1)->name() == "AR PL UMing HK");
  refusal(Errc::invalid_argument,
          [&] { Font::load("/usr/share/fonts/truetype/arphic/uming.ttc", 4); });
}

TEST_CASE("a form passes qpdf, and poppler extracts its exact Chinese") {
  TempDir dir;
  const std::string pdf = form_pdf();
  const std::string path = dir.file("form.pdf");
  write_bytes(path, pdf);

  const Ran check = run("qpdf --check '" + path + "'");
  CHECK_MESSAGE(check.status == 0, check.output);
  CHECK_MESSAGE(contains(check.output, "No syntax or stream encoding errors"), check.output);
  CHECK_MESSAGE(!contains(check.output, "WARNING"), check.output);

  const Ran text = run("pdftotext -layout '" + path + "' -");
  REQUIRE(text.status == 0);
  for (const char* s : {kTitle, "统一社会信用代码", "12100000MB0012345X", "申请人", kRareName,
                        kAstralText, "变更事项", "变更前", "名称", "住所", "年 月 日"}) {
    CHECK_MESSAGE(contains(text.output, s), s << " not in:\n" << text.output);
  }

  // One font, embedded, marked as a subset (ABCDEF+), as a CID TrueType.
  const Ran fonts = run("pdffonts '" + path + "'");
  REQUIRE(fonts.status == 0);
  std::istringstream lines(fonts.output);
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) rows.push_back(line);
  }
  REQUIRE_MESSAGE(rows.size() == 3, fonts.output);  // header, rule, one font
  std::istringstream row(rows[2]);
  std::string name, type1, type2, encoding, emb, sub, uni;
  row >> name >> type1 >> type2 >> encoding >> emb >> sub >> uni;
  CHECK(name.size() > 7);
  CHECK(name.substr(6, 1) == "+");
  CHECK(name.substr(7) == "UMingCN");
  CHECK(std::all_of(name.begin(), name.begin() + 6, [](char c) { return c >= 'A' && c <= 'Z'; }));
  CHECK(type1 + " " + type2 == "CID TrueType");
  CHECK(encoding == "Identity-H");
  CHECK(emb == "yes");
  CHECK(sub == "yes");
  CHECK(uni == "yes");

  const Ran info = run("pdfinfo '" + path + "'");
  CHECK(info_field(info.output, "Title") == kTitle);
  CHECK(info_field(info.output, "Subject") == "统一社会信用代码");
  CHECK(info_field(info.output, "Producer") == "fuma");
  CHECK(info_field(info.output, "CreationDate") == "Fri Nov 27 06:46:33 2026 UTC");
  CHECK(info_field(info.output, "Pages") == "1");
  CHECK(info_field(info.output, "Page size") == "595.276 x 841.89 pts (A4)");

  // A whole form, font included, is smaller than a phone photo's thumbnail.
  MESSAGE("the form: " << pdf.size() << " bytes");
  CHECK(pdf.size() < 30 * 1024);
}

TEST_CASE("the rendered form carries a readable QR code and the tick of a ticked box") {
  TempDir dir;
  const Grey ticked = render(dir, form_pdf(true), "ticked");
  const Grey blank = render(dir, form_pdf(false), "blank");
  // A4 at 150 dpi, rounded up: 1240.2 x 1753.9 pixels.
  CHECK(ticked.width == 1241);
  CHECK(ticked.height == 1754);
  CHECK(fuma::image::read_qr(ticked) == std::vector<std::string>{kQrText});

  // The first box (30, 150, 4 mm): its inside, clear of the outline, is
  // dark only where the tick is. The second box is never ticked.
  const int inside_ticked = dark_pixels(ticked, 30.5, 150.5, 3, 3);
  const int inside_blank = dark_pixels(blank, 30.5, 150.5, 3, 3);
  CHECK(inside_blank == 0);
  CHECK(inside_ticked > 40);
  CHECK(dark_pixels(ticked, 60.5, 150.5, 3, 3) == 0);
  // The outlines are drawn either way.
  CHECK(dark_pixels(blank, 29.5, 149.5, 5, 5) > 60);

  // The watermark is light grey: present, never dark.
  const auto grey_pixels = [](const Grey& g) {
    return std::count_if(g.pixels.begin(), g.pixels.end(),
                         [](std::uint8_t v) { return v >= 190 && v <= 220; });
  };
  CHECK(grey_pixels(blank) > 2000);
}

TEST_CASE("the same calls give the same bytes; the date and the text change them") {
  const std::string a = form_pdf();
  const std::string b = form_pdf();
  CHECK(a == b);
  CHECK(form_pdf(true, "2026-11-28T06:46:33Z") != a);
  CHECK(contains(a, "/CreationDate(D:20261127064633Z)"));
  CHECK(contains(a, "/ModDate(D:20261127064633Z)"));
  CHECK(contains(a, "/Producer(fuma)"));

  // The file identifier follows the content, not just the title and date.
  const auto id = [](const std::string& pdf) {
    const std::size_t at = pdf.find("/ID", pdf.rfind("trailer"));
    return pdf.substr(at, 72);
  };
  CHECK(id(form_pdf(false)) != id(a));
  CHECK(id(a) == id(b));
}

TEST_CASE("documents made on several threads at once are the same as one made alone") {
  const std::string expected = form_pdf();
  std::vector<std::string> made(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < made.size(); ++i) {
    threads.emplace_back([&made, i] {
      for (int k = 0; k < 3; ++k) made[i] = form_pdf();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& pdf : made) CHECK(pdf == expected);
}

TEST_CASE("a character the font lacks is refused by name, never printed as a blank") {
  Document doc(Font::standard(), metadata());
  doc.page();
  const Error e = refusal(Errc::invalid_argument, [&] { doc.text(20, 20, "张😀三", 12); });
  CHECK(contains(e.detail(), "U+1F600"));
  CHECK(e.message() == "字体中没有字符“😀”，无法生成表格");

  const Error name = refusal(Errc::invalid_argument, [&] { doc.text(20, 20, "王𬱖", 12); });
  CHECK(contains(name.detail(), "U+2CC56"));
  CHECK(contains(name.message(), "“𬱖”"));

  const Error both =
      refusal(Errc::invalid_argument, [&] { doc.watermark(20, 20, "😀𬱖", 12, 0); });
  CHECK(contains(both.detail(), "U+1F600, U+2CC56"));
  CHECK(contains(both.message(), "“😀”“𬱖”"));

  // The document is still usable: nothing was drawn by the refused calls.
  doc.text(20, 20, "张三", 12);
  CHECK(!doc.finish().empty());
}

TEST_CASE("text that is not valid UTF-8 or holds control characters is refused") {
  Document doc(Font::standard(), metadata());
  doc.page();
  for (std::string_view bad : {std::string_view("\xC3\x28", 2), std::string_view("\xE4\xB8", 2),
                               std::string_view("\xC0\xAF", 2),          // overlong '/'
                               std::string_view("\xED\xA0\x80", 3),      // surrogate
                               std::string_view("\xF4\x90\x80\x80", 4),  // past U+10FFFF
                               std::string_view("a\nb", 3), std::string_view("a\tb", 3),
                               std::string_view("a\0b", 3), std::string_view("\xC2\x85", 2)}) {
    refusal(Errc::invalid_argument, [&] { doc.text(20, 20, bad, 12); });
  }
  refusal(Errc::invalid_argument, [&] { Document(Font::standard(), {"a\x01", "", ""}); });
  refusal(Errc::invalid_argument,
          [&] { Document(Font::standard(), metadata("2026-11-27 06:46:33")); });
  refusal(Errc::invalid_argument, [&] { doc.text(20, 20, "中", 0); });
  refusal(Errc::invalid_argument, [&] { doc.line(0, 0, 1.0 / 0.0, 0); });
  refusal(Errc::invalid_argument, [&] { doc.picture(0, 0, 10, 10, Grey{2, 2, {0, 0, 0}}); });
}

TEST_CASE("drawing needs a page, and a finished document takes no more") {
  Document doc(Font::standard(), metadata());
  refusal(Errc::invalid_state, [&] { doc.text(20, 20, "中", 12); });
  refusal(Errc::invalid_state, [&] { doc.finish(); });
  doc.page();
  doc.line(0, 0, 10, 10);
  const std::string pdf = doc.finish();
  CHECK(pdf.rfind("%PDF-1.4", 0) == 0);
  CHECK(!contains(pdf, "/Font"));  // no text, no font
  refusal(Errc::invalid_state, [&] { doc.finish(); });
  refusal(Errc::invalid_state, [&] { doc.page(); });
  refusal(Errc::invalid_state, [&] { doc.checkbox(10, 10, 4, true); });
}

TEST_CASE("several pages share one subset font") {
  TempDir dir;
  Document doc(Font::standard(), metadata());
  doc.page();
  doc.text(20, 20, "第一页", 12);
  doc.page(297, 210);
  doc.text(20, 20, "第二页", 12);
  doc.picture(20, 40, 20, 20, qr_picture());
  const std::string path = dir.file("pages.pdf");
  write_bytes(path, doc.finish());
  CHECK(run("qpdf --check '" + path + "'").status == 0);
  const Ran text = run("pdftotext -layout '" + path + "' -");
  CHECK(contains(text.output, "第一页"));
  CHECK(contains(text.output, "第二页"));
  CHECK(info_field(run("pdfinfo '" + path + "'").output, "Pages") == "2");
  CHECK(contains(run("pdffonts '" + path + "'").output, "yes yes yes"));
}

TEST_CASE("the font costs what the characters used cost, about 240 bytes each") {
  // Common characters, filtered to those the font has.
  const std::string common =
      "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过"
      "子"
      "说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制"
      "机"
      "当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正"
      "心"
      "反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党"
      "程"
      "展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角"
      "期";
  const auto font = Font::standard();
  std::vector<std::string> chars;
  for (std::size_t i = 0; i < common.size() && chars.size() < 200; i += 3) {
    const std::string c = common.substr(i, 3);
    if (font->missing(c).empty() && std::find(chars.begin(), chars.end(), c) == chars.end()) {
      chars.push_back(c);
    }
  }
  REQUIRE(chars.size() == 200);

  // A page of the first `count` characters, twenty to a line.
  const auto page_of = [&](std::size_t count) {
    Document doc(font, metadata());
    doc.page();
    for (std::size_t first = 0; first < count; first += 20) {
      std::string text;
      for (std::size_t k = first; k < first + 20 && k < count; ++k) text += chars[k];
      doc.text(20, 30 + static_cast<double>(first) / 2, text, 10.5);
    }
    return doc.finish();
  };
  // UMing's Ming outlines average 150 points a glyph, about 210 bytes each
  // once deflated, with hinting dropped: a page of a hundred distinct
  // characters fits in 30 KB, two hundred need about 48 KB.
  const std::string hundred = page_of(100);
  const std::string pdf = page_of(200);
  MESSAGE("100 distinct characters: " << hundred.size() << " bytes, 200: " << pdf.size());
  CHECK(hundred.size() < 30 * 1024);
  CHECK(pdf.size() < 50 * 1024);
  CHECK(static_cast<double>(pdf.size() - hundred.size()) / 100 < 250);

  TempDir dir;
  const std::string path = dir.file("dense.pdf");
  write_bytes(path, pdf);
  CHECK(run("qpdf --check '" + path + "'").status == 0);
  const Ran text = run("pdftotext '" + path + "' -");
  std::string all;
  for (const auto& c : chars) all += c;
  std::string extracted;
  for (char c : text.output) {
    if (c != '\n' && c != ' ' && c != '\f') extracted += c;
  }
  CHECK(extracted == all);
}
