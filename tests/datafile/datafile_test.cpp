// SPDX-License-Identifier: Apache-2.0
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <boost/json/value.hpp>
#include <cstdint>
#include <limits>
#include <string>

#include "datafile/datafile.hpp"
#include "fuma/error.hpp"

namespace json = boost::json;
using fuma::datafile::Object;
using fuma::datafile::Reporter;

namespace {

// Two file types, each with its own source name and message prefix; the same
// defect must read the same in both apart from those.
const Reporter kForm("form.json", "表单模板有误：");
const Reporter kList("list.json", "清单数据有误：");

struct Refusal {
  bool thrown = false;
  fuma::Errc code = fuma::Errc::internal;
  std::string detail;
  std::string message;
};

template <class F>
Refusal refusal(F&& f) {
  Refusal r;
  try {
    f();
  } catch (const fuma::Error& e) {
    r = Refusal{true, e.code(), e.detail(), e.message()};
  }
  return r;
}

// The detail of the refusal `f` must throw.
template <class F>
std::string refused(F&& f) {
  const Refusal r = refusal(f);
  REQUIRE(r.thrown);
  CHECK(r.code == fuma::Errc::invalid_argument);
  return r.detail;
}

std::string refused_text(const std::string& text, const Reporter& report = kForm) {
  return refused([&] { fuma::datafile::parse(text, report); });
}

// The detail of reading one field of {"f": <value>} with `read`.
template <class Read>
std::string refused_field(const std::string& value, Read&& read, const Reporter& report = kForm) {
  const json::value doc = fuma::datafile::parse("{\"f\": " + value + "}", report);
  return refused([&] { read(Object(doc, "item", {"f"}, report)); });
}

}  // namespace

// --- parsing the text -------------------------------------------------------

TEST_CASE("well-formed JSON parses into its value, whitespace after it included") {
  const json::value v = fuma::datafile::parse("{\"a\": [1, {\"b\": \"名称\"}]}\n \t\r\n", kForm);
  CHECK(v.at("a").at(1).at("b").as_string() == "名称");
}

TEST_CASE("malformed JSON is refused with a line and a column counted in characters") {
  // Line 2 has four Chinese characters (twelve bytes) before the fault, so a
  // byte count would say column 27.
  const Refusal r =
      refusal([] { fuma::datafile::parse("{\n  \"label\": \"申请变更\" \"x\"\n}", kForm); });
  REQUIRE(r.thrown);
  CHECK(r.code == fuma::Errc::invalid_argument);
  CHECK(r.detail == "form.json: line 2, column 19: malformed JSON (syntax error)");
  CHECK(r.message == "表单模板有误：form.json 第2行第19列");
}

TEST_CASE("an empty text is malformed JSON at line 1, column 1") {
  CHECK(refused_text("").rfind("form.json: line 1, column 1: malformed JSON", 0) == 0);
}

TEST_CASE("a key repeated in one object is refused, named by its path through arrays") {
  const Refusal r = refusal([] {
    fuma::datafile::parse(R"({"pages": [{"fields": [{"key": "a"}, {"key": "b", "key": "c"}]}]})",
                          kForm);
  });
  REQUIRE(r.thrown);
  CHECK(r.detail == "form.json: pages[0].fields[1].key: the field appears more than once");
  CHECK(r.message == "表单模板有误：pages[0].fields[1].key");
}

TEST_CASE("array positions in a repeated key's path count nested arrays and scalars as one") {
  CHECK(refused_text(R"({"a": [[1, [2]], "x", {"b": 1, "b": 2}]})") ==
        "form.json: a[2].b: the field appears more than once");
}

TEST_CASE("the same key in different objects is not a repetition") {
  const json::value v = fuma::datafile::parse(R"([{"a": 1}, {"a": 2, "b": {"a": 3}}])", kForm);
  CHECK(v.as_array().size() == 2);
}

TEST_CASE("a repeated key is named by its path in every file type") {
  const Refusal r =
      refusal([] { fuma::datafile::parse("{\"a\": 1,\n \"名称\": 2, \"名称\": 3}", kList); });
  REQUIRE(r.thrown);
  CHECK(r.detail == "list.json: 名称: the field appears more than once");
  CHECK(r.message == "清单数据有误：名称");
}

TEST_CASE("anything after the document is refused where it starts") {
  CHECK(refused_text("{\"a\": 1}\n  [2]") ==
        "form.json: line 2, column 3: malformed JSON (extra data)");
  CHECK(refused_text("{} x", kList) == "list.json: line 1, column 4: malformed JSON (extra data)");
}

// --- reporting --------------------------------------------------------------

TEST_CASE("a refusal gives the source and path in the detail and the prefix in the message") {
  const Refusal r = refusal([] { kForm.fail("pages[1].title", "too long"); });
  REQUIRE(r.thrown);
  CHECK(r.code == fuma::Errc::invalid_argument);
  CHECK(r.detail == "form.json: pages[1].title: too long");
  CHECK(r.message == "表单模板有误：pages[1].title");
}

TEST_CASE("a refusal of the whole document names the source in place of a path") {
  const Refusal r = refusal([] { kForm.fail("", "no pages"); });
  CHECK(r.detail == "form.json: no pages");
  CHECK(r.message == "表单模板有误：form.json");
}

TEST_CASE("every file type names a path alone and the whole document by its source") {
  Refusal r = refusal([] { kList.fail("kinds[0]", "bad"); });
  CHECK(r.detail == "list.json: kinds[0]: bad");
  CHECK(r.message == "清单数据有误：kinds[0]");
  r = refusal([] { kList.fail("", "bad"); });
  CHECK(r.detail == "list.json: bad");
  CHECK(r.message == "清单数据有误：list.json");
}

TEST_CASE("paths join fields with dots and elements with brackets") {
  using fuma::datafile::element;
  using fuma::datafile::member;
  CHECK(member("", "pages") == "pages");
  CHECK(member("pages[0]", "title") == "pages[0].title");
  CHECK(element("pages", 3) == "pages[3]");
  CHECK(element(member("a", "b"), 0) == "a.b[0]");
}

// --- objects ----------------------------------------------------------------

TEST_CASE("a value that is not an object is refused where an object is read") {
  const json::value doc = fuma::datafile::parse("[]", kForm);
  const Refusal r = refusal([&] { Object(doc, "", {"a"}, kForm); });
  CHECK(r.detail == "form.json: expected an object, found an array");
  CHECK(r.message == "表单模板有误：form.json");
  CHECK(refused([&] { Object(doc, "", {"a"}, kList); }) ==
        "list.json: expected an object, found an array");
}

TEST_CASE("an unknown field is refused, naming the fields allowed") {
  const json::value doc = fuma::datafile::parse(R"({"title": "x", "titel": "y"})", kForm);
  CHECK(refused([&] {
          Object(doc, "pages[0]", {"title", "fields"}, kForm);
        }) == "form.json: pages[0].titel: unknown field (expected one of: title, fields)");
  CHECK(refused([&] {
          Object(doc, "", {"title", "fields"}, kList);
        }) == "list.json: titel: unknown field (expected one of: title, fields)");
}

TEST_CASE("a missing required field is refused by its path, with what it may hold") {
  const json::value doc = fuma::datafile::parse("{}", kForm);
  const Object o(doc, "pages[0]", {"title", "shown"}, kForm);
  CHECK(refused([&] { o.text("title"); }) ==
        "form.json: pages[0].title: required field is missing");
  CHECK(refused([&] { o.flag("shown"); }) ==
        "form.json: pages[0].shown: required field is missing (true or false)");
  const Object listed(doc, "pages[0]", {"title"}, kList);
  CHECK(refused([&] { listed.text("title"); }) ==
        "list.json: pages[0].title: required field is missing");
}

TEST_CASE("optional getters answer nothing, or the fallback, for an absent field") {
  const json::value doc = fuma::datafile::parse("{}", kForm);
  const Object o(doc, "", {"a"}, kForm);
  CHECK(o.find("a") == nullptr);
  CHECK_FALSE(o.optional_string("a"));
  CHECK_FALSE(o.optional_text("a"));
  CHECK_FALSE(o.optional_count("a"));
  CHECK(o.flag("a", true));
  CHECK_FALSE(o.flag("a", false));
}

TEST_CASE("getters return the values they accept") {
  const json::value doc = fuma::datafile::parse(
      R"({"s": "", "t": "名称", "k": "a_1", "b": false, "n": 10, "a": [1], "o": {"x": 1}})", kForm);
  const Object o(doc, "", {"s", "t", "k", "b", "n", "a", "o"}, kForm);
  CHECK(o.string("s").empty());
  CHECK(o.optional_string("s") == std::string());
  CHECK(o.text("t") == "名称");
  CHECK(o.key("k") == "a_1");
  CHECK_FALSE(o.flag("b"));
  CHECK_FALSE(o.flag("b", true));
  CHECK(o.count("n", 10) == 10);
  CHECK(o.optional_count("n") == 10u);
  CHECK(o.array("a").size() == 1);
  CHECK(o.object("o").contains("x"));
}

TEST_CASE("a string field refuses another type, naming the type found") {
  auto read = [](const Object& o) { o.string("f"); };
  CHECK(refused_field("1", read) == "form.json: item.f: expected a string, found a number");
  CHECK(refused_field("null", read) == "form.json: item.f: expected a string, found null");
  CHECK(refused_field("true", read) == "form.json: item.f: expected a string, found a boolean");
  CHECK(refused_field("1", read, kList) == "list.json: item.f: expected a string, found a number");
}

TEST_CASE("a text field refuses an empty string") {
  CHECK(refused_field(R"("")", [](const Object& o) { o.text("f"); }) ==
        "form.json: item.f: must not be empty");
  CHECK(refused_field(R"("")", [](const Object& o) { o.optional_text("f"); }) ==
        "form.json: item.f: must not be empty");
}

TEST_CASE("a key field refuses any spelling but lower-case letters, digits and '_'") {
  auto read = [](const Object& o) { o.key("f"); };
  CHECK(refused_field(R"("Name")", read) ==
        "form.json: item.f: 'Name' is not a key (lower-case letters, digits and '_', starting "
        "with a letter)");
  CHECK(refused_field(R"("1st")", read).find("'1st' is not a key") != std::string::npos);
  CHECK(refused_field(R"("_a")", read).find("'_a' is not a key") != std::string::npos);
  CHECK(refused_field(R"("a-b")", read).find("'a-b' is not a key") != std::string::npos);
  CHECK(refused_field(R"("")", read).find("'' is not a key") != std::string::npos);
  CHECK(refused_field("[]", read) == "form.json: item.f: expected a string, found an array");
}

TEST_CASE("a flag field refuses anything but true or false") {
  auto read = [](const Object& o) { o.flag("f", false); };
  CHECK(refused_field(R"("yes")", read) ==
        "form.json: item.f: expected true or false, found a string");
  CHECK(refused_field("1", read, kList) ==
        "list.json: item.f: expected true or false, found a number");
}

TEST_CASE("a count field refuses a number that is not whole") {
  CHECK(refused_field("2.5", [](const Object& o) { o.count("f"); }) ==
        "form.json: item.f: expected a whole number, found a number");
  CHECK(refused_field("\"3\"", [](const Object& o) { o.count("f", 365, "working days"); }) ==
        "form.json: item.f: expected a whole number of working days, found a string");
  CHECK(refused_field(
            "2.5", [](const Object& o) { o.count("f"); }, kList) ==
        "list.json: item.f: expected a whole number, found a number");
}

TEST_CASE("a count field refuses zero, negatives and numbers over its maximum") {
  auto days = [](const Object& o) { o.optional_count("f", 365, "working days"); };
  CHECK(refused_field("0", days) ==
        "form.json: item.f: must be between 1 and 365 working days, found 0");
  CHECK(refused_field("-2", days) ==
        "form.json: item.f: must be between 1 and 365 working days, found -2");
  CHECK(refused_field("366", days) ==
        "form.json: item.f: must be between 1 and 365 working days, found 366");
  CHECK(refused_field("18446744073709551615", days) ==
        "form.json: item.f: must be between 1 and 365 working days, found 18446744073709551615");
  CHECK(refused_field("0", [](const Object& o) { o.count("f"); }) ==
        "form.json: item.f: must be at least 1, found 0");
  CHECK(refused_field(
            "0", [](const Object& o) { o.count("f"); }, kList) ==
        "list.json: item.f: must be at least 1, found 0");
  CHECK(refused_field(
            "11", [](const Object& o) { o.count("f", 10); }, kList) ==
        "list.json: item.f: must be between 1 and 10, found 11");
}

TEST_CASE("a count field accepts the largest whole number when it has no maximum") {
  const json::value doc = fuma::datafile::parse(R"({"f": 18446744073709551615})", kForm);
  CHECK(Object(doc, "", {"f"}, kForm).count("f") == std::numeric_limits<std::uint64_t>::max());
}

TEST_CASE("an array field and an object field refuse other types") {
  CHECK(refused_field("{}", [](const Object& o) { o.array("f"); }) ==
        "form.json: item.f: expected an array, found an object");
  CHECK(refused_field("[]", [](const Object& o) { o.object("f"); }) ==
        "form.json: item.f: expected an object, found an array");
  CHECK(refused_field(
            "{}", [](const Object& o) { o.array("f"); }, kList) ==
        "list.json: item.f: expected an array, found an object");
}

TEST_CASE("a record field declares its own fields and extends the path") {
  auto read = [](const Object& o) { o.record("f", {"a"}).text("a"); };
  CHECK(refused_field(R"({"a": "x", "b": 1})", read) ==
        "form.json: item.f.b: unknown field (expected one of: a)");
  CHECK(refused_field(R"({"a": 1})", read) ==
        "form.json: item.f.a: expected a string, found a number");
}

TEST_CASE("values read by themselves are refused at the path given") {
  const json::value doc = fuma::datafile::parse(R"([1, "", "X"])", kForm);
  const json::array& a = doc.as_array();
  CHECK(refused([&] { fuma::datafile::as_text(a[0], "list[0]", kForm); }) ==
        "form.json: list[0]: expected a string, found a number");
  CHECK(refused([&] { fuma::datafile::as_text(a[1], "list[1]", kForm); }) ==
        "form.json: list[1]: must not be empty");
  CHECK(refused([&] { fuma::datafile::as_key(a[2], "list[2]", kForm); }) ==
        "form.json: list[2]: 'X' is not a key (lower-case letters, digits and '_', starting with "
        "a letter)");
}

TEST_CASE("a version other than the supported one is refused") {
  auto read = [](const std::string& text) {
    const json::value doc = fuma::datafile::parse(text, kForm);
    Object(doc, "", {"version"}, kForm).require_version(1);
  };
  CHECK_NOTHROW(read(R"({"version": 1})"));
  CHECK(refused([&] { read(R"({"version": 2})"); }) ==
        "form.json: version: unsupported version 2 (this library reads 1)");
  CHECK(refused([&] { read(R"({"version": "1"})"); }) ==
        "form.json: version: unsupported version \"1\" (this library reads 1)");
  CHECK(refused([&] { read("{}"); }) == "form.json: version: required field is missing");
}
