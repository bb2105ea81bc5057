// SPDX-License-Identifier: Apache-2.0
// 下载表格 and printing, checked with the tools a reader of the PDF would use:
// qpdf for structure, pdftotext for the words, pdffonts for the embedded
// subset, pdftoppm for what is seen, and a QR reader on the rendering.
#include <doctest/doctest.h>

#include <fstream>

#include "fixtures.hpp"
#include "forms/forms.hpp"
#include "image/image.hpp"
#include "support/file.hpp"
#include "support/process.hpp"

namespace fuma::test {
namespace {

struct Pdf {
  std::string path;
  Pdf(World& w, const std::string& bytes, const std::string& name = "form.pdf")
      : path(w.dir_file(name)) {
    write_bytes(path, bytes);
  }
  // In content order: a value wrapped over lines stays together.
  std::string text() const { return run("pdftotext '" + path + "' -").output; }
  bool qpdf_clean() const { return run("qpdf --check '" + path + "' >/dev/null 2>&1").status == 0; }
  std::string fonts() const { return run("pdffonts '" + path + "'").output; }
  // The QR codes read from a rendering at 150 dpi.
  std::vector<std::string> codes(World& w) const {
    const std::string png = w.dir_file("page");
    REQUIRE(run("pdftoppm -r 150 -gray -png -singlefile '" + path + "' '" + png + "'").status == 0);
    const std::string bytes = read_bytes(png + ".png");
    return image::read_qr(image::decode(bytes, image::Limits{50u << 20, 40'000'000u}));
  }
};

// Text without the spaces pdftotext puts between characters of a layout.
std::string squeezed(std::string s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\n' && c != '\f') out += c;
  }
  return out;
}

bool has(const std::string& text, const std::string& words) {
  return squeezed(text).find(squeezed(words)) != std::string::npos;
}

// 仅供核对 is set at a slant, so a text extractor finds its characters apart.
bool marked(const std::string& text) { return has(text, "仅") && has(text, "供"); }

std::pair<json::object, std::string> form_of(World& w, std::int64_t id, const json::object& actor) {
  return w.call_data("application.form", {{"id", id}}, actor);
}

std::int64_t change_case(World& w, const std::string& uscc) {
  const std::int64_t id = w.start(uscc, "change");
  w.save(uscc, id,
         {{"items",
           json::array{json::object{{"item", "name"}, {"new", "深圳市某某管理局"}},
                       json::object{{"item", "address"}, {"new", "深圳市南山区科技园路2号"}}}},
          {"reason", "机构改革更名"}});
  return id;
}

TEST_CASE("the change form prints every label and value, checks clean, embeds a subset font") {
  World w;
  const std::string uscc = w.register_unit();
  const std::int64_t id = change_case(w, uscc);
  const auto [result, bytes] = form_of(w, id, unit(uscc));
  CHECK(result.at("media_type").as_string() == "application/pdf");
  CHECK(result.at("form").as_string() == "change");
  const Pdf pdf(w, bytes);
  CHECK(pdf.qpdf_clean());
  const std::string text = pdf.text();
  for (const char* words :
       {"机关、群团等统一社会信用代码证书信息变更申请表", "单位名称", "深圳市某某局",
        "统一社会信用代码", "变更事项", "变更前", "变更后", "名称", "深圳市某某管理局", "住所",
        "深圳市福田区福中三路1号", "深圳市南山区科技园路2号", "申请理由", "机构改革更名",
        "单位（盖章）", "年", "月", "日"}) {
    CHECK_MESSAGE(has(text, words), words);
  }
  CHECK(has(text, uscc));
  const std::string fonts = pdf.fonts();
  CHECK(fonts.find("yes yes") != std::string::npos);  // emb, sub
  CHECK(bytes.size() < 30 * 1024);
}

TEST_CASE("before 复核通过 the form is marked 仅供核对; after it, the clean form to sign") {
  World w;
  const std::string uscc = w.register_unit();
  const std::int64_t id = w.submitted_case(uscc);
  const auto [draft, draft_pdf] = form_of(w, id, unit(uscc));
  CHECK(draft.at("for_signing").as_bool() == false);
  CHECK(marked(Pdf(w, draft_pdf, "a.pdf").text()));
  w.step("accept", id, "acc1");
  w.step("approve", id, "rev1");
  const auto [clean, clean_pdf] = form_of(w, id, unit(uscc));
  CHECK(clean.at("for_signing").as_bool() == true);
  const std::string text = Pdf(w, clean_pdf, "b.pdf").text();
  CHECK_FALSE(marked(text));
  CHECK(has(text, "机关、群团等统一社会信用代码申请表"));
  CHECK(has(text, "证书遗失"));
}

TEST_CASE("the same record gives the same bytes") {
  World w;
  const std::string uscc = w.register_unit();
  const std::int64_t id = change_case(w, uscc);
  const std::string first = form_of(w, id, unit(uscc)).second;
  w.advance(std::chrono::hours(3));
  CHECK(form_of(w, id, staff("acc1")).second == first);
}

TEST_CASE("a form's QR code names its case, and form.verify catches a later edit") {
  World w;
  const std::string uscc = w.register_unit();
  const std::int64_t id = change_case(w, uscc);
  const auto [result, bytes] = form_of(w, id, unit(uscc));
  const Pdf pdf(w, bytes);
  const std::vector<std::string> codes = pdf.codes(w);
  REQUIRE(codes.size() == 1);
  CHECK(codes.front() == result.at("code").as_string());
  CHECK(codes.front().rfind("FMF1:" + std::to_string(id) + ":", 0) == 0);

  const json::object same = w.call("form.verify", {{"code", codes.front()}}, staff("acc1"));
  CHECK(same.at("matches").as_bool());
  w.save(uscc, id,
         {{"items", json::array{json::object{{"item", "name"}, {"new", "深圳市另一个名称局"}}}},
          {"reason", "机构改革更名"}});
  const json::object changed = w.call("form.verify", {{"code", codes.front()}}, staff("acc1"));
  CHECK_FALSE(changed.at("matches").as_bool());
  CHECK(w.code_of("form.verify", {{"code", codes.front()}}, unit(uscc)) == Errc::forbidden);
  // Another authority's form is as unknown to its staff as a missing one.
  CHECK(w.code_of("form.verify", {{"code", codes.front()}}, staff("gzacc")) == Errc::not_found);
  CHECK(w.code_of("form.verify", {{"code", "FMF1:abc"}}, staff("acc1")) == Errc::invalid_argument);
}

TEST_CASE("a signed 仅供核对 copy does not pass for the form to sign") {
  World w;
  const std::string uscc = w.register_unit();
  const std::int64_t id = w.submitted_case(uscc);
  const std::string draft_code(form_of(w, id, unit(uscc)).first.at("code").as_string());
  w.step("accept", id, "acc1");
  w.step("approve", id, "rev1");
  const std::string clean_code(form_of(w, id, unit(uscc)).first.at("code").as_string());
  CHECK(draft_code != clean_code);
  const json::object old = w.call("form.verify", {{"code", draft_code}}, staff("acc1"));
  CHECK_FALSE(old.at("matches").as_bool());
  CHECK(std::string(old.at("message").as_string()).find("仅供核对") != std::string::npos);
  CHECK(w.call("form.verify", {{"code", clean_code}}, staff("acc1")).at("matches").as_bool());
}

TEST_CASE("another unit cannot download a case's form") {
  World w;
  const std::string uscc = w.register_unit();
  const std::string other = w.register_unit("深圳市另一局");
  const std::int64_t id = change_case(w, uscc);
  CHECK(w.code_of("application.form", {{"id", id}}, unit(other)) == Errc::not_found);
}

TEST_CASE("the 申领表 comes blank and filled, with its boxes ticked as recorded") {
  World w;
  const auto [blank_result, blank] = w.call_data("credential.request_form", {}, {});
  const std::string blank_text = Pdf(w, blank, "blank.pdf").text();
  for (const char* words :
       {"深圳市市直机关群团登录二维码图片申领表", "单位名称", "统一社会信用代码", "申领原因",
        "未曾领取二维码图片", "登录二维码图片遗失", "领取人", "手机号", "单位盖章"}) {
    CHECK_MESSAGE(has(blank_text, words), words);
  }
  const std::string uscc = w.register_unit();
  const json::object r = w.call("credential.request", credential_request_args(uscc), staff("acc1"));
  const auto [filled_result, filled] = w.call_data(
      "credential.request_form", {{"request", r.at("request").at("id")}}, staff("acc1"));
  const Pdf pdf(w, filled, "filled.pdf");
  CHECK(pdf.qpdf_clean());
  const std::string text = pdf.text();
  for (const std::string& words :
       {std::string("深圳市某某局"), uscc, std::string("李四"), std::string("13800138000"),
        std::string("2026"), std::string("20")}) {
    CHECK_MESSAGE(has(text, words), words);
  }
  CHECK(filled != blank);
}

TEST_CASE("the certificate prints the unit and a QR code that leads to its status") {
  World w([](Options& o) { o.public_url = "https://fuma.example.gov.cn/"; });
  const std::string uscc = w.register_unit("深圳市某某局", std::string("2030-12-31"));
  const auto [result, bytes] = w.call_data("certificate.print", {{"uscc", uscc}}, staff("acc1"));
  const Pdf pdf(w, bytes);
  CHECK(pdf.qpdf_clean());
  const std::string text = pdf.text();
  for (const std::string& words :
       {std::string("统一社会信用代码证书"), uscc, std::string("深圳市某某局"), std::string("机关"),
        std::string("张三"), std::string("2030-12-31"),
        std::string("深圳市委机构编制委员会办公室")}) {
    CHECK_MESSAGE(has(text, words), words);
  }
  const std::vector<std::string> codes = pdf.codes(w);
  REQUIRE(codes.size() == 1);
  CHECK(codes.front().rfind("https://fuma.example.gov.cn/c/" + uscc, 0) == 0);
  const std::string serial =
      codes.front().substr(std::string("https://fuma.example.gov.cn/c/").size());
  const json::object status = w.call("certificate.status", {{"serial", serial}}, {});
  CHECK(status.at("status").as_string() == "active");
  CHECK(status.at("uscc").as_string() == uscc);
  CHECK(w.code_of("certificate.print", {{"uscc", uscc}}, staff("rev1")) == Errc::forbidden);
  CHECK(w.code_of("certificate.status", {{"serial", "nope"}}, {}) == Errc::not_found);
}

TEST_CASE("unusual data lays out: the longest name, rare characters, empty optional fields") {
  World w;
  // 100 characters: the longest name the engine accepts.
  std::string longest;
  for (int i = 0; i < 20; ++i) longest += "深圳市龘齉";
  const std::string uscc = w.register_unit(longest.substr(0, longest.size()));
  const std::int64_t id = w.start(uscc, "reissue");
  const auto [result, bytes] = form_of(w, id, unit(uscc));
  const Pdf pdf(w, bytes);
  CHECK(pdf.qpdf_clean());
  CHECK(has(pdf.text(), longest));
  // Every line of the name lies inside its cell (application.json: at [60,
  // 40.5], box [128, 11] mm), so it neither runs into the next row nor past
  // the table's edge; the empty reason left its box blank.
  constexpr double kPt = 72.0 / 25.4;
  const std::string boxes = run("pdftotext -bbox '" + pdf.path + "' -").output;
  int lines = 0;
  for (std::size_t at = boxes.find("<word "); at != std::string::npos;
       at = boxes.find("<word ", at + 1)) {
    const std::size_t end = boxes.find("</word>", at);
    const std::string word = boxes.substr(at, end - at);
    if (word.find("龘") == std::string::npos) continue;
    ++lines;
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    REQUIRE(std::sscanf(word.c_str(), "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\"",
                        &x0, &y0, &x1, &y1) == 4);
    CHECK(x0 >= 60 * kPt - 0.5);
    CHECK(x1 <= 188 * kPt + 0.5);
    CHECK(y0 >= 40.5 * kPt - 0.5);
    CHECK(y1 <= 51.5 * kPt + 0.5);
  }
  CHECK(lines == 3);
}

TEST_CASE("a character the font lacks is an error naming it, never a blank box") {
  World w;
  const std::string uscc = w.register_unit("深圳市😀局");
  const std::int64_t id = w.start(uscc, "reissue");
  const Error e = w.fail("application.form", {{"id", id}}, unit(uscc));
  CHECK(e.code() == Errc::invalid_argument);
  CHECK(e.detail().find("U+1F600") != std::string::npos);
  CHECK(says(e, "😀"));
}

// --- templates as data ----------------------------------------------------------

std::string shipped(const std::string& key) {
  return read_bytes(std::string(FUMA_SOURCE_DIR) + "/src/forms/data/" + key + ".json");
}

Error template_error(const std::string& text) {
  try {
    forms::Template::parse(text, "change.json");
  } catch (const Error& e) {
    return e;
  }
  FAIL("the template was accepted");
  throw;
}

// Every occurrence of `from`, which must occur.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  for (; at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

TEST_CASE("every shipped template parses") {
  for (const char* key : {"change", "application", "credential_request", "certificate"}) {
    CHECK(forms::Template::parse(shipped(key), std::string(key) + ".json").key() == key);
  }
}

TEST_CASE("a template binding a field its kind lacks is refused, naming the binding") {
  const Error e = template_error(
      replaced(shipped("change"), "\"field\": \"unit.name\"", "\"field\": \"unit.nmae\""));
  CHECK(e.code() == Errc::invalid_argument);
  CHECK(e.detail().find("unit.nmae") != std::string::npos);
  CHECK(e.detail().find("change.json: elements[") != std::string::npos);
  CHECK(says(e, "表格模板有误"));
}

TEST_CASE("a template's element off the page, of an unknown type or misspelt is refused") {
  CHECK(template_error(replaced(shipped("change"), "\"at\": [105, 30]", "\"at\": [250, 30]"))
            .detail()
            .find("outside the page") != std::string::npos);
  CHECK(template_error(replaced(shipped("change"), "\"type\": \"line\"", "\"type\": \"circle\""))
            .detail()
            .find("circle") != std::string::npos);
  CHECK(template_error(replaced(shipped("change"), "\"width\": 0.6", "\"widht\": 0.6"))
            .detail()
            .find("widht") != std::string::npos);
}

TEST_CASE("a locality's own template replaces the shipped one, checked when the engine opens") {
  TempDir dir;
  std::ofstream(dir.file("credential_request.json"))
      << replaced(shipped("credential_request"), "深圳市市直机关群团登录二维码图片申领表",
                  "广州市市直机关群团登录二维码图片申领表");
  World w([&](Options& o) { o.forms_dir = dir.path().string(); });
  const std::string bytes = w.call_data("credential.request_form", {}, {}).second;
  const std::string text = Pdf(w, bytes).text();
  CHECK(has(text, "广州市市直机关群团登录二维码图片申领表"));
  CHECK_FALSE(has(text, "深圳市"));

  std::ofstream(dir.file("change.json"))
      << replaced(shipped("change"), "\"field\": \"unit.name\"", "\"field\": \"unit.nmae\"");
  Options o;
  o.forms_dir = dir.path().string();
  try {
    Engine e(o);
    FAIL("an engine opened with a bad template");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
    CHECK(e.detail().find("unit.nmae") != std::string::npos);
  }
}

TEST_CASE("a font that cannot be read is refused when the engine opens") {
  Options o;
  o.font_path = "/nonexistent/font.ttf";
  try {
    Engine e(o);
    FAIL("an engine opened with a missing font");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
    CHECK(e.detail().find("/nonexistent/font.ttf") != std::string::npos);
  }
}

}  // namespace
}  // namespace fuma::test
