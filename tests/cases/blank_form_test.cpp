// SPDX-License-Identifier: Apache-2.0
// 表格下载 (form.blank): the blank form each business uses, printed from the
// template of the filled one, for anyone; checked as a reader of the PDF
// would: qpdf for structure, pdftotext for the words, the rendering for the
// ticked box.
#include <doctest/doctest.h>

#include "fixtures.hpp"
#include "image/image.hpp"
#include "support/file.hpp"
#include "support/process.hpp"

namespace fuma::test {
namespace {

std::pair<json::object, std::string> blank(const json::object& args) {
  const Response r = Engine::call_stateless(
      json::serialize(json::object{{"command", "form.blank"}, {"args", args}}));
  json::value result = json::parse(r.json);
  check_result("form.blank", result);
  return {std::move(result.as_object()), r.data};
}

Error blank_error(const json::object& args) {
  try {
    Engine::call_stateless(
        json::serialize(json::object{{"command", "form.blank"}, {"args", args}}));
  } catch (const Error& e) {
    check_error("form.blank", e);
    return e;
  }
  FAIL("form.blank succeeded");
  throw;
}

std::string squeezed(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\n' && c != '\f') out += c;
  }
  return out;
}

struct Pdf {
  TempDir dir;
  std::string path = dir.file("form.pdf");
  explicit Pdf(const std::string& bytes) { write_bytes(path, bytes); }
  std::string text() const { return squeezed(run("pdftotext '" + path + "' -").output); }
  bool clean() const { return run("qpdf --check '" + path + "' >/dev/null 2>&1").status == 0; }
  image::Grey page() const {
    const std::string png = dir.file("page");
    REQUIRE(run("pdftoppm -r 150 -gray -png -singlefile '" + path + "' '" + png + "'").status == 0);
    return image::decode(read_bytes(png + ".png"), image::Limits{50u << 20, 40'000'000u});
  }
};

// Dark pixels inside a checkbox of application.json (its corner at x, y mm,
// 3.5 mm wide), leaving out the frame: a tick puts ink there.
int ink_inside_box(const image::Grey& g, double x_mm, double y_mm) {
  const double px = 150 / 25.4;
  int dark = 0;
  for (int y = static_cast<int>((y_mm + 0.8) * px); y < static_cast<int>((y_mm + 2.7) * px); ++y) {
    for (int x = static_cast<int>((x_mm + 0.8) * px); x < static_cast<int>((x_mm + 2.7) * px);
         ++x) {
      if (g.pixels[static_cast<std::size_t>(y) * g.width + x] < 128) ++dark;
    }
  }
  return dark;
}

TEST_CASE("the blank 申请表 of 证书延期 is the 申请表 with 证书延期 ticked and nothing filled in") {
  const auto [result, bytes] = blank({{"business", "extension"}});
  CHECK(result.at("form").as_string() == "application");
  CHECK(result.at("title").as_string() == "机关、群团等统一社会信用代码申请表");
  CHECK(result.at("file_name").as_string() == "机关、群团等统一社会信用代码申请表（证书延期）.pdf");
  const Pdf pdf(bytes);
  CHECK(pdf.clean());
  const std::string text = pdf.text();
  for (const char* words : {"机关、群团等统一社会信用代码申请表", "单位名称", "统一社会信用代码",
                            "单位类别", "申请事项", "申请初领", "申请补领", "申请换领", "申请撤销",
                            "证书延期", "申请理由", "单位（盖章）"}) {
    CHECK_MESSAGE(text.find(words) != std::string::npos, words);
  }
  // No case: no 仅供核对 mark, no check code.
  CHECK(text.find("仅") == std::string::npos);
  const image::Grey page = pdf.page();
  CHECK(image::read_qr(page).empty());
  // 证书延期's box (application.json: at [165, 129.25]) is ticked, 申请初领's
  // (at [61, 129.25]) is not.
  CHECK(ink_inside_box(page, 165, 129.25) > 4 * (ink_inside_box(page, 61, 129.25) + 1));
}

TEST_CASE("each business's blank form is its workflow form, ticking that business alone") {
  const auto [initial, initial_pdf] = blank({{"business", "initial"}});
  const image::Grey page = Pdf(initial_pdf).page();
  CHECK(ink_inside_box(page, 61, 129.25) > 4 * (ink_inside_box(page, 165, 129.25) + 1));
  const auto [change, change_pdf] = blank({{"business", "change"}});
  CHECK(change.at("title").as_string() == "机关、群团等统一社会信用代码证书信息变更申请表");
  const std::string text = Pdf(change_pdf).text();
  for (const char* words : {"变更事项", "变更前", "变更后", "申请理由"}) {
    CHECK_MESSAGE(text.find(words) != std::string::npos, words);
  }
  CHECK(text.find("变更原因") == std::string::npos);
}

TEST_CASE("a form by its key: the 申领表, and the 申请表 with no box ticked") {
  const auto [request, request_pdf] = blank({{"form", "credential_request"}});
  CHECK(request.at("file_name").as_string() == "深圳市市直机关群团登录二维码图片申领表.pdf");
  const Pdf pdf(request_pdf);
  CHECK(pdf.clean());
  CHECK(pdf.text().find("登录二维码图片遗失") != std::string::npos);
  const auto [application, application_pdf] = blank({{"form", "application"}});
  const image::Grey page = Pdf(application_pdf).page();
  CHECK(ink_inside_box(page, 165, 129.25) == ink_inside_box(page, 61, 129.25));
}

TEST_CASE("form.blank refuses what is not a form a unit fills in, naming the argument") {
  CHECK(blank_error({{"business", "merge"}}).detail().find("business") != std::string::npos);
  const Error certificate = blank_error({{"form", "certificate"}});
  CHECK(certificate.code() == Errc::invalid_argument);
  CHECK(certificate.message() == "没有这种空白表格");
  const Error mismatch = blank_error({{"business", "change"}, {"form", "application"}});
  CHECK(mismatch.message() == "该表格不是所选办理事项使用的表格");
  CHECK(blank_error({}).message() == "请选择要下载的表格");
}

TEST_CASE("an engine's blank form is printed from the locality's template") {
  TempDir dir;
  std::string text =
      read_bytes(std::string(FUMA_SOURCE_DIR) + "/src/forms/data/credential_request.json");
  const std::string from = "深圳市市直机关群团登录二维码图片申领表";
  for (std::size_t at; (at = text.find(from)) != std::string::npos;) {
    text.replace(at, from.size(), "广州市市直机关群团登录二维码图片申领表");
  }
  std::filesystem::create_directories(dir.file("forms"));
  write_bytes(dir.file("forms/credential_request.json"), text);
  World w([&](Options& o) { o.forms_dir = dir.file("forms"); });
  const auto [result, bytes] = w.call_data("form.blank", {{"form", "credential_request"}}, {});
  CHECK(result.at("title").as_string() == "广州市市直机关群团登录二维码图片申领表");
  CHECK(Pdf(bytes).text().find("广州市市直机关群团登录二维码图片申领表") != std::string::npos);
}

}  // namespace
}  // namespace fuma::test
