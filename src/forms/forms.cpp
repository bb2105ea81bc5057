// SPDX-License-Identifier: Apache-2.0
#include "forms/forms.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "datafile/datafile.hpp"
#include "fuma/error.hpp"
#include "fuma_embedded.hpp"
#include "image/image.hpp"

namespace fuma::forms {
namespace {

namespace json = boost::json;

constexpr double kPointMm = 25.4 / 72.0;

struct Point {
  double x = 0;
  double y = 0;
};

struct Column {
  std::string header;
  double width = 0;
  std::string field;
};

struct Element {
  enum class Type { text, field, line, rect, checkbox, table, qr, mark };
  Type type = Type::text;
  Point at;
  Point to;   // line
  Point box;  // field, rect: width and height
  std::string text;
  std::string field;
  std::string equals;
  double size = 12;
  double min_size = 7;
  double width = 0.6;  // line width, points
  double angle = 30;
  double row_height = 10;
  std::size_t rows = 0;
  pdf::Align align = pdf::Align::left;
  std::vector<Column> columns;
};

// One line of "key" spelt for messages.
std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

struct Template::Impl {
  std::string key;
  Kind kind = Kind::change;
  std::string title;
  double page_width = 210;
  double page_height = 297;
  std::vector<Element> elements;
};

std::string_view kind_name(Kind kind) noexcept {
  switch (kind) {
    case Kind::change:
      return "change";
    case Kind::application:
      return "application";
    case Kind::credential_request:
      return "credential_request";
    case Kind::certificate:
      return "certificate";
  }
  return "unknown";
}

const std::vector<std::string_view>& fields_of(Kind kind) {
  // Unit and certificate data first: every form about a unit prints them.
  static const std::vector<std::string_view> change = {
      "unit.name",      "unit.uscc",          "unit.address",         "unit.responsible_person",
      "unit.category",  "certificate.serial", "certificate.validity", "authority.name",
      "application.id", "application.reason", "application.business"};
  static const std::vector<std::string_view> application = change;
  static const std::vector<std::string_view> request = {
      "unit.name",     "unit.uscc",    "request.reason", "request.recipient",
      "request.phone", "request.year", "request.month",  "request.day"};
  static const std::vector<std::string_view> certificate = {
      "unit.name",        "unit.uscc",          "unit.address",         "unit.responsible_person",
      "unit.category",    "certificate.serial", "certificate.validity", "authority.name",
      "certificate.year", "certificate.month",  "certificate.day"};
  switch (kind) {
    case Kind::change:
      return change;
    case Kind::application:
      return application;
    case Kind::credential_request:
      return request;
    case Kind::certificate:
      return certificate;
  }
  return change;
}

const std::vector<std::string_view>& row_fields_of(Kind kind) {
  static const std::vector<std::string_view> items = {"label", "old", "new"};
  static const std::vector<std::string_view> none;
  return kind == Kind::change ? items : none;
}

namespace {

std::optional<Kind> kind_of(std::string_view name) {
  for (Kind k : {Kind::change, Kind::application, Kind::credential_request, Kind::certificate}) {
    if (kind_name(k) == name) return k;
  }
  return std::nullopt;
}

double number(const datafile::Object& o, std::string_view field, double min, double max,
              std::optional<double> fallback = std::nullopt) {
  const json::value* v = o.find(field);
  if (v == nullptr) {
    if (fallback) return *fallback;
    o.need(field, "a number");
  }
  if (!v->is_number()) o.report().wrong_type(o.at(field), "a number", *v);
  const double d = v->to_number<double>();
  if (!(d >= min && d <= max)) {
    o.report().fail(o.at(field),
                    "must be from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return d;
}

Point pair(const datafile::Object& o, std::string_view field, double max_x, double max_y) {
  const json::array& a = o.array(field);
  if (a.size() != 2 || !a[0].is_number() || !a[1].is_number()) {
    o.report().fail(o.at(field), "must be [x, y] in millimetres");
  }
  Point p{a[0].to_number<double>(), a[1].to_number<double>()};
  if (p.x < 0 || p.y < 0 || p.x > max_x || p.y > max_y) {
    o.report().fail(o.at(field), "lies outside the page");
  }
  return p;
}

pdf::Align align_of(const datafile::Object& o) {
  const std::optional<std::string> a = o.optional_string("align");
  if (!a || *a == "left") return pdf::Align::left;
  if (*a == "centre") return pdf::Align::centre;
  if (*a == "right") return pdf::Align::right;
  o.report().fail(o.at("align"), "must be left, centre or right");
}

void check_binding(const datafile::Object& o, std::string_view field, const std::string& name,
                   const std::vector<std::string_view>& known, Kind kind) {
  if (std::find(known.begin(), known.end(), name) == known.end()) {
    o.report().fail(o.at(field), "binds " + quoted(name) + ", which a " +
                                     std::string(kind_name(kind)) + " form does not have");
  }
}

Element parse_element(const json::value& v, const std::string& path, const Template::Impl& t,
                      const datafile::Reporter& report) {
  const json::object* obj = v.if_object();
  if (obj == nullptr) report.wrong_type(path, "an object", v);
  const json::value* type = obj->if_contains("type");
  if (type == nullptr || !type->is_string())
    report.fail(datafile::member(path, "type"), "is required");
  const std::string_view name = type->get_string();
  Element e;
  const double W = t.page_width;
  const double H = t.page_height;
  if (name == "text") {
    const datafile::Object o(v, path, {"type", "at", "text", "size", "align"}, report);
    e.type = Element::Type::text;
    e.at = pair(o, "at", W, H);
    e.text = o.text("text");
    e.size = number(o, "size", 4, 72, 12.0);
    e.align = align_of(o);
  } else if (name == "field") {
    const datafile::Object o(v, path, {"type", "at", "box", "field", "size", "min_size", "align"},
                             report);
    e.type = Element::Type::field;
    e.at = pair(o, "at", W, H);
    e.box = pair(o, "box", W, H);
    e.field = o.string("field");
    check_binding(o, "field", e.field, fields_of(t.kind), t.kind);
    e.size = number(o, "size", 4, 72, 12.0);
    e.min_size = number(o, "min_size", 4, e.size, std::min(7.0, e.size));
    e.align = align_of(o);
  } else if (name == "line") {
    const datafile::Object o(v, path, {"type", "from", "to", "width"}, report);
    e.type = Element::Type::line;
    e.at = pair(o, "from", W, H);
    e.to = pair(o, "to", W, H);
    e.width = number(o, "width", 0.1, 5, 0.6);
  } else if (name == "rect") {
    const datafile::Object o(v, path, {"type", "at", "box", "width"}, report);
    e.type = Element::Type::rect;
    e.at = pair(o, "at", W, H);
    e.box = pair(o, "box", W, H);
    e.width = number(o, "width", 0.1, 5, 0.6);
  } else if (name == "checkbox") {
    const datafile::Object o(v, path, {"type", "at", "size", "field", "equals"}, report);
    e.type = Element::Type::checkbox;
    e.at = pair(o, "at", W, H);
    e.size = number(o, "size", 1, 20, 3.5);
    e.field = o.string("field");
    check_binding(o, "field", e.field, fields_of(t.kind), t.kind);
    e.equals = o.text("equals");
  } else if (name == "table") {
    const datafile::Object o(v, path, {"type", "at", "row_height", "rows", "size", "columns"},
                             report);
    e.type = Element::Type::table;
    e.at = pair(o, "at", W, H);
    e.row_height = number(o, "row_height", 4, 50);
    e.rows = static_cast<std::size_t>(o.count("rows", 50, "rows"));
    e.size = number(o, "size", 4, 36, 10.0);
    e.min_size = std::min(6.0, e.size);
    const json::array& columns = o.array("columns");
    if (columns.empty()) report.fail(o.at("columns"), "is empty");
    double total = 0;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const datafile::Object c(columns[i], datafile::element(o.at("columns"), i),
                               {"header", "width", "field"}, report);
      Column col;
      col.header = c.text("header");
      col.width = number(c, "width", 5, W);
      col.field = c.string("field");
      check_binding(c, "field", col.field, row_fields_of(t.kind), t.kind);
      total += col.width;
      e.columns.push_back(std::move(col));
    }
    if (e.at.x + total > W || e.at.y + e.row_height * static_cast<double>(e.rows + 1) > H) {
      report.fail(path, "runs off the page");
    }
  } else if (name == "qr") {
    const datafile::Object o(v, path, {"type", "at", "size"}, report);
    e.type = Element::Type::qr;
    e.at = pair(o, "at", W, H);
    e.size = number(o, "size", 10, 100);
  } else if (name == "mark") {
    const datafile::Object o(v, path, {"type", "at", "text", "size", "angle"}, report);
    e.type = Element::Type::mark;
    e.at = pair(o, "at", W, H);
    e.text = o.text("text");
    e.size = number(o, "size", 8, 144, 60.0);
    e.angle = number(o, "angle", -90, 90, 30.0);
  } else {
    report.fail(
        datafile::member(path, "type"),
        "is " + quoted(name) + "; expected text, field, line, rect, checkbox, table, qr or mark");
  }
  if ((e.type == Element::Type::field || e.type == Element::Type::rect) &&
      (e.at.x + e.box.x > W || e.at.y + e.box.y > H)) {
    report.fail(path, "runs off the page");
  }
  return e;
}

// --- layout -------------------------------------------------------------------

// UTF-8 text as its characters, each as its own UTF-8 string.
std::vector<std::string> characters(std::string_view s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    out.emplace_back(s.substr(i, n));
    i += n;
  }
  return out;
}

// Lines of `text` no wider than `width` at `size`, broken between
// characters (Chinese has no spaces to break at); explicit line breaks are
// kept.
std::vector<std::string> wrap(const pdf::Font& font, const std::string& text, double size,
                              double width) {
  std::vector<std::string> lines(1);
  double used = 0;
  for (const std::string& ch : characters(text)) {
    if (ch == "\n") {
      lines.emplace_back();
      used = 0;
      continue;
    }
    if (ch == "\r" || ch == "\t") continue;
    const double w = font.width_mm(ch, size);
    if (used + w > width && !lines.back().empty()) {
      lines.emplace_back();
      used = 0;
    }
    lines.back() += ch;
    used += w;
  }
  return lines;
}

struct Fitted {
  double size = 0;
  std::vector<std::string> lines;
};

constexpr double kLineSpacing = 1.25;

// The largest size from `size` down to `min_size` (in half points) at which
// `text` fits the box.
std::optional<Fitted> fit(const pdf::Font& font, const std::string& text, double size,
                          double min_size, double width, double height) {
  for (double s = size; s >= min_size - 1e-9; s -= 0.5) {
    std::vector<std::string> lines = wrap(font, text, s, width);
    const double tall = static_cast<double>(lines.size()) * s * kPointMm * kLineSpacing;
    if (tall <= height + 1e-9) return Fitted{s, std::move(lines)};
  }
  return std::nullopt;
}

[[noreturn]] void unprintable(const std::string& field, const std::vector<char32_t>& missing) {
  char code[16];
  std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(missing.front()));
  std::string ch;
  const char32_t c = missing.front();
  if (c < 0x80) {
    ch += static_cast<char>(c);
  } else if (c < 0x800) {
    ch += static_cast<char>(0xC0 | (c >> 6));
    ch += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    ch += static_cast<char>(0xE0 | (c >> 12));
    ch += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    ch += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    ch += static_cast<char>(0xF0 | (c >> 18));
    ch += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    ch += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    ch += static_cast<char>(0x80 | (c & 0x3F));
  }
  throw Error(Errc::invalid_argument,
              "form field " + field + " holds " + code + ", which the form's font lacks",
              "“" + ch + "”无法打印（字体中没有该字），请改用常用字或联系登记管理机关");
}

// Draws `text` into the box at `at` sized `box`, centred vertically.
void place(pdf::Document& doc, const pdf::Font& font, const std::string& field,
           const std::string& text, Point at, Point box, double size, double min_size,
           pdf::Align align) {
  if (text.empty()) return;
  if (std::vector<char32_t> missing = font.missing(text); !missing.empty()) {
    unprintable(field, missing);
  }
  const std::optional<Fitted> f = fit(font, text, size, min_size, box.x, box.y);
  if (!f) {
    throw Error(
        Errc::invalid_argument,
        "form field " + field + " does not fit its box even at " + std::to_string(min_size) + " pt",
        "内容过长，表格中放不下：" + field);
  }
  const double line = f->size * kPointMm * kLineSpacing;
  const double top = at.y + (box.y - line * static_cast<double>(f->lines.size())) / 2;
  double x = at.x;
  if (align == pdf::Align::centre) x = at.x + box.x / 2;
  if (align == pdf::Align::right) x = at.x + box.x;
  for (std::size_t i = 0; i < f->lines.size(); ++i) {
    // The baseline sits at about 80% of a line's height in a CJK face.
    const double baseline = top + line * static_cast<double>(i) + line * 0.8;
    doc.text(x, baseline, f->lines[i], f->size, align);
  }
}

const std::string& value_of(const Values& values, const std::string& field) {
  static const std::string kEmpty;
  const auto it = values.fields.find(field);
  return it == values.fields.end() ? kEmpty : it->second;
}

}  // namespace

Template::Template(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Template::Template(Template&&) noexcept = default;
Template::~Template() = default;

const std::string& Template::key() const { return impl_->key; }
Kind Template::kind() const { return impl_->kind; }
const std::string& Template::title() const { return impl_->title; }

std::vector<std::string> Template::choices(std::string_view field) const {
  std::vector<std::string> out;
  for (const Element& e : impl_->elements) {
    if (e.type == Element::Type::checkbox && e.field == field) out.push_back(e.equals);
  }
  return out;
}

Template Template::parse(std::string_view text, std::string_view source) {
  const datafile::Reporter report(source, "表格模板有误：");
  const json::value doc = datafile::parse(text, report);
  const datafile::Object top(doc, "", {"version", "key", "kind", "title", "page", "elements"},
                             report);
  top.require_version(1);
  auto impl = std::make_unique<Impl>();
  impl->key = top.key("key");
  const std::string kind = top.string("kind");
  const std::optional<Kind> k = kind_of(kind);
  if (!k) {
    report.fail(top.at("kind"), "is " + quoted(kind) +
                                    "; expected change, application, credential_request or "
                                    "certificate");
  }
  impl->kind = *k;
  impl->title = top.text("title");
  const datafile::Object page = top.record("page", {"width", "height"});
  impl->page_width = number(page, "width", 50, 1000);
  impl->page_height = number(page, "height", 50, 1000);
  const json::array& elements = top.array("elements");
  if (elements.empty()) report.fail(top.at("elements"), "is empty");
  for (std::size_t i = 0; i < elements.size(); ++i) {
    impl->elements.push_back(
        parse_element(elements[i], datafile::element(top.at("elements"), i), *impl, report));
  }
  return Template(std::move(impl));
}

const Template& Template::standard(std::string_view key) {
  static const Template change = parse(embedded::form_change(), "change.json");
  static const Template application = parse(embedded::form_application(), "application.json");
  static const Template request =
      parse(embedded::form_credential_request(), "credential_request.json");
  static const Template certificate = parse(embedded::form_certificate(), "certificate.json");
  for (const Template* t : {&change, &application, &request, &certificate}) {
    if (t->key() == key) return *t;
  }
  throw Error(Errc::not_found, "no form template " + quoted(key), "表格模板不存在");
}

std::string Template::render(const Values& values, std::shared_ptr<const pdf::Font> font,
                             const std::string& created_at) const {
  const pdf::Font& f = *font;
  pdf::Document doc(font, pdf::Metadata{impl_->title, {}, created_at});
  doc.page(impl_->page_width, impl_->page_height);
  for (const Element& e : impl_->elements) {
    switch (e.type) {
      case Element::Type::text:
        doc.text(e.at.x, e.at.y, e.text, e.size, e.align);
        break;
      case Element::Type::field:
        place(doc, f, e.field, value_of(values, e.field), e.at, e.box, e.size, e.min_size, e.align);
        break;
      case Element::Type::line:
        doc.line(e.at.x, e.at.y, e.to.x, e.to.y, e.width);
        break;
      case Element::Type::rect:
        doc.rect(e.at.x, e.at.y, e.box.x, e.box.y, e.width);
        break;
      case Element::Type::checkbox:
        doc.checkbox(e.at.x, e.at.y, e.size, value_of(values, e.field) == e.equals);
        break;
      case Element::Type::table: {
        if (values.rows.size() > e.rows) {
          throw Error(Errc::invalid_argument,
                      "the form's table has " + std::to_string(e.rows) + " rows, not " +
                          std::to_string(values.rows.size()),
                      "事项过多，表格中放不下");
        }
        double total = 0;
        for (const Column& c : e.columns) total += c.width;
        const double bottom = e.at.y + e.row_height * static_cast<double>(e.rows + 1);
        for (std::size_t r = 0; r <= e.rows + 1; ++r) {
          const double y = e.at.y + e.row_height * static_cast<double>(r);
          doc.line(e.at.x, y, e.at.x + total, y);
        }
        double x = e.at.x;
        doc.line(x, e.at.y, x, bottom);
        for (const Column& c : e.columns) {
          constexpr double kPad = 1.2;
          place(doc, f, c.header, c.header, Point{x + kPad, e.at.y},
                Point{c.width - 2 * kPad, e.row_height}, e.size, e.min_size, pdf::Align::centre);
          for (std::size_t r = 0; r < values.rows.size(); ++r) {
            const auto it = values.rows[r].find(c.field);
            if (it == values.rows[r].end()) continue;
            place(doc, f, "rows[" + std::to_string(r) + "]." + c.field, it->second,
                  Point{x + kPad, e.at.y + e.row_height * static_cast<double>(r + 1)},
                  Point{c.width - 2 * kPad, e.row_height}, e.size, e.min_size, pdf::Align::left);
          }
          x += c.width;
          doc.line(x, e.at.y, x, bottom);
        }
        break;
      }
      case Element::Type::qr: {
        if (values.qr.empty()) break;
        const image::Qr qr = image::draw_qr(values.qr, 1);
        doc.picture(e.at.x, e.at.y, e.size, e.size, qr.picture);
        break;
      }
      case Element::Type::mark:
        if (values.mark) doc.watermark(e.at.x, e.at.y, e.text, e.size, e.angle);
        break;
    }
  }
  return doc.finish();
}

}  // namespace fuma::forms
