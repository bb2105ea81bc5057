// SPDX-License-Identifier: Apache-2.0
#include "datafile/datafile.hpp"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <functional>
#include <set>
#include <utility>
#include <vector>

#include "fuma/error.hpp"

namespace fuma::datafile {

namespace {

constexpr std::string_view kWhitespace = " \t\r\n";

// A first pass over the text that refuses repeated keys, because the parse
// that builds the value keeps the last of them without a word. It tracks the
// path as it goes, so a repeated key is named by the same path as any other
// defect of the value.
class KeyScanner {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  // Set once a key repeats: the path of its second occurrence.
  const std::optional<std::string>& repeated() const { return repeated_; }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    stack_.push_back(Frame{true, 0, {}, {}});
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    stack_.pop_back();
    return value_done();
  }
  bool on_array_begin(json::error_code&) {
    stack_.push_back(Frame{false, 0, {}, {}});
    return true;
  }
  bool on_array_end(std::size_t, json::error_code&) {
    stack_.pop_back();
    return value_done();
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    key_.append(s.data(), s.size());
    Frame& frame = stack_.back();
    const bool fresh = frame.keys.insert(key_).second;
    frame.key = std::move(key_);
    key_.clear();
    if (!fresh) {
      repeated_ = path();
      ec = json::error::syntax;
      return false;
    }
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return value_done(); }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return value_done(); }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return value_done(); }
  bool on_double(double, json::string_view, json::error_code&) { return value_done(); }
  bool on_bool(bool, json::error_code&) { return value_done(); }
  bool on_null(json::error_code&) { return value_done(); }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  struct Frame {
    bool object;
    std::size_t index;  // arrays: the element being read
    std::string key;    // objects: the member being read
    std::set<std::string, std::less<>> keys;
  };

  bool value_done() {
    if (!stack_.empty() && !stack_.back().object) ++stack_.back().index;
    return true;
  }

  std::string path() const {
    std::string out;
    for (const Frame& f : stack_) out = f.object ? member(out, f.key) : element(out, f.index);
    return out;
  }

  std::vector<Frame> stack_;
  std::string key_;
  std::optional<std::string> repeated_;
};

struct Position {
  std::size_t line;
  std::size_t column;
};

// Columns count characters, not UTF-8 bytes, so that they match an editor's
// on a line of Chinese labels.
Position position(std::string_view text, std::size_t offset) {
  Position p{1, 1};
  for (std::size_t i = 0; i < std::min(offset, text.size()); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++p.line;
      p.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++p.column;
    }
  }
  return p;
}

std::string not_json(const json::error_code& ec) { return "malformed JSON (" + ec.message() + ")"; }

[[noreturn]] void fail_at(const Reporter& report, std::string_view text, std::size_t offset,
                          std::string_view problem) {
  const Position p = position(text, offset);
  report.fail_at(p.line, p.column, problem);
}

}  // namespace

// ------------------------------------------------------------------ Reporter

Reporter::Reporter(std::string_view source, std::string_view prefix)
    : source_(source), prefix_(prefix) {}

void Reporter::fail(std::string_view path, std::string_view problem) const {
  std::string detail = source_ + ": ";
  if (!path.empty()) detail.append(path).append(": ");
  detail.append(problem);
  std::string message = prefix_;
  message.append(path.empty() ? std::string_view(source_) : path);
  throw Error(Errc::invalid_argument, std::move(detail), std::move(message));
}

void Reporter::fail_at(std::size_t line, std::size_t column, std::string_view problem) const {
  throw Error(
      Errc::invalid_argument,
      source_ + ": line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
          std::string(problem),
      prefix_ + source_ + " 第" + std::to_string(line) + "行第" + std::to_string(column) + "列");
}

void Reporter::wrong_type(std::string_view path, std::string_view expected,
                          const json::value& found) const {
  fail(path, "expected " + std::string(expected) + ", found " + std::string(kind_name(found)));
}

// --------------------------------------------------------------------- paths

std::string member(std::string_view parent, std::string_view field) {
  std::string out(parent);
  if (!out.empty()) out += '.';
  return out.append(field);
}

std::string element(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string_view kind_name(const json::value& v) noexcept {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

bool is_key(std::string_view s) noexcept {
  if (s.empty() || s.front() < 'a' || s.front() > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// --------------------------------------------------------------------- parse

json::value parse(std::string_view text, const Reporter& report) {
  json::basic_parser<KeyScanner> scanner{json::parse_options{}};
  json::error_code ec;
  const std::size_t used = scanner.write_some(false, text.data(), text.size(), ec);
  if (const auto& path = scanner.handler().repeated()) {
    report.fail(*path, "the field appears more than once");
  }
  if (ec) fail_at(report, text, used, not_json(ec));
  // write_some stops after one value; whatever follows it would otherwise
  // only be refused by the parse below, which gives no position.
  const std::size_t rest = text.find_first_not_of(kWhitespace, used);
  if (rest != std::string_view::npos) {
    ec = json::error::extra_data;
    fail_at(report, text, rest, not_json(ec));
  }
  json::value value = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) report.fail("", not_json(ec));
  return value;
}

// -------------------------------------------------------------------- values

const json::object& as_object(const json::value& v, std::string_view path, const Reporter& report) {
  if (!v.is_object()) report.wrong_type(path, "an object", v);
  return v.get_object();
}

const json::array& as_array(const json::value& v, std::string_view path, const Reporter& report) {
  if (!v.is_array()) report.wrong_type(path, "an array", v);
  return v.get_array();
}

std::string as_string(const json::value& v, std::string_view path, const Reporter& report) {
  if (!v.is_string()) report.wrong_type(path, "a string", v);
  return std::string(v.get_string().data(), v.get_string().size());
}

std::string as_text(const json::value& v, std::string_view path, const Reporter& report) {
  std::string s = as_string(v, path, report);
  if (s.empty()) report.fail(path, "must not be empty");
  return s;
}

std::string as_key(const json::value& v, std::string_view path, const Reporter& report) {
  std::string s = as_string(v, path, report);
  if (!is_key(s)) {
    report.fail(path, "'" + s +
                          "' is not a key (lower-case letters, digits and '_', starting with a "
                          "letter)");
  }
  return s;
}

bool as_flag(const json::value& v, std::string_view path, const Reporter& report) {
  if (!v.is_bool()) report.wrong_type(path, "true or false", v);
  return v.get_bool();
}

std::uint64_t as_count(const json::value& v, std::string_view path, const Reporter& report,
                       std::uint64_t max, std::string_view unit) {
  const std::string of_unit = unit.empty() ? std::string() : " " + std::string(unit);
  if (!v.is_int64() && !v.is_uint64()) {
    report.wrong_type(path, "a whole number" + (unit.empty() ? std::string() : " of" + of_unit), v);
  }
  const bool below = v.is_int64() && v.get_int64() < 1;
  const std::uint64_t n = below          ? 0
                          : v.is_int64() ? static_cast<std::uint64_t>(v.get_int64())
                                         : v.get_uint64();
  if (below || n > max) {
    const std::string range = max == std::numeric_limits<std::uint64_t>::max()
                                  ? "must be at least 1"
                                  : "must be between 1 and " + std::to_string(max);
    report.fail(path, range + of_unit + ", found " + json::serialize(v));
  }
  return n;
}

// -------------------------------------------------------------------- Object

Object::Object(const json::value& v, std::string path,
               std::initializer_list<std::string_view> allowed, const Reporter& report)
    : object_(&as_object(v, path, report)), path_(std::move(path)), report_(&report) {
  for (const auto& field : *object_) {
    const std::string_view name(field.key().data(), field.key().size());
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
    std::string list;
    for (std::string_view a : allowed) {
      if (!list.empty()) list += ", ";
      list.append(a);
    }
    report.fail(at(name), "unknown field (expected one of: " + list + ")");
  }
}

const json::value* Object::find(std::string_view field) const {
  return object_->if_contains(json::string_view(field.data(), field.size()));
}

const json::value& Object::need(std::string_view field, std::string_view hint) const {
  const json::value* v = find(field);
  if (v == nullptr) {
    const std::string because = hint.empty() ? std::string() : " (" + std::string(hint) + ")";
    report_->fail(at(field), "required field is missing" + because);
  }
  return *v;
}

std::string Object::string(std::string_view field) const {
  return as_string(need(field), at(field), *report_);
}

std::optional<std::string> Object::optional_string(std::string_view field) const {
  const json::value* v = find(field);
  if (v == nullptr) return std::nullopt;
  return as_string(*v, at(field), *report_);
}

std::string Object::text(std::string_view field) const {
  return as_text(need(field), at(field), *report_);
}

std::optional<std::string> Object::optional_text(std::string_view field) const {
  const json::value* v = find(field);
  if (v == nullptr) return std::nullopt;
  return as_text(*v, at(field), *report_);
}

std::string Object::key(std::string_view field) const {
  return as_key(need(field), at(field), *report_);
}

bool Object::flag(std::string_view field) const {
  return as_flag(need(field, "true or false"), at(field), *report_);
}

bool Object::flag(std::string_view field, bool fallback) const {
  const json::value* v = find(field);
  return v == nullptr ? fallback : as_flag(*v, at(field), *report_);
}

std::uint64_t Object::count(std::string_view field, std::uint64_t max,
                            std::string_view unit) const {
  return as_count(need(field), at(field), *report_, max, unit);
}

std::optional<std::uint64_t> Object::optional_count(std::string_view field, std::uint64_t max,
                                                    std::string_view unit) const {
  const json::value* v = find(field);
  if (v == nullptr) return std::nullopt;
  return as_count(*v, at(field), *report_, max, unit);
}

const json::array& Object::array(std::string_view field) const {
  return as_array(need(field), at(field), *report_);
}

const json::object& Object::object(std::string_view field) const {
  return as_object(need(field), at(field), *report_);
}

Object Object::record(std::string_view field,
                      std::initializer_list<std::string_view> allowed) const {
  return Object(need(field), at(field), allowed, *report_);
}

void Object::require_version(std::int64_t supported) const {
  const json::value& v = need("version");
  if (!v.is_int64() || v.get_int64() != supported) {
    report_->fail(at("version"), "unsupported version " + json::serialize(v) +
                                     " (this library reads " + std::to_string(supported) + ")");
  }
}

}  // namespace fuma::datafile
