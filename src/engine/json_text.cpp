#include "json_text.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>

namespace fuma::engine {

void JsonText::start_value() {
  if (after_key_) {
    after_key_ = false;
  } else if (!first_) {
    out_ += ',';
  }
  first_ = false;
}

namespace {

// Whether JSON needs `s` escaped: a quote, a backslash or a control
// character. Most keys and values need nothing.
bool needs_escape(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == '"' || c == '\\';
  });
}

template <class Integer>
void put_integer(std::string& out, Integer n) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

}  // namespace

void JsonText::put_quoted(std::string_view s) {
  out_.push_back('"');
  out_.append(s.data(), s.size());
  out_.push_back('"');
}

void JsonText::put_escaped(std::string_view s) {
  if (!needs_escape(s)) return put_quoted(s);
  serializer_.reset(s);
  char buf[512];
  while (!serializer_.done()) out_.append(serializer_.read(buf));
}

void JsonText::begin_object() {
  start_value();
  out_ += '{';
  first_ = true;
}

void JsonText::end_object() {
  out_ += '}';
  first_ = false;
}

void JsonText::begin_array() {
  start_value();
  out_ += '[';
  first_ = true;
}

void JsonText::end_array() {
  out_ += ']';
  first_ = false;
}

void JsonText::key(std::string_view k) {
  assert(!needs_escape(k));
  if (!first_) out_ += ',';
  first_ = false;
  put_quoted(k);
  out_ += ':';
  after_key_ = true;
}

void JsonText::value(std::string_view s) {
  start_value();
  put_escaped(s);
}

void JsonText::value(bool b) {
  start_value();
  out_ += b ? "true" : "false";
}

void JsonText::value(std::int64_t n) {
  start_value();
  put_integer(out_, n);
}

void JsonText::value(std::uint64_t n) {
  start_value();
  put_integer(out_, n);
}

void JsonText::value(std::nullptr_t) {
  start_value();
  out_ += "null";
}

void JsonText::value(const std::optional<std::string>& s) {
  if (s) {
    value(std::string_view(*s));
  } else {
    value(nullptr);
  }
}

void JsonText::value(const std::optional<std::string_view>& s) {
  if (s) {
    value(*s);
  } else {
    value(nullptr);
  }
}

void JsonText::value(const boost::json::value& v) {
  start_value();
  serializer_.reset(&v);
  char buf[512];
  while (!serializer_.done()) out_.append(serializer_.read(buf));
}

}  // namespace fuma::engine
