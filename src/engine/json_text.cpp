// SPDX-License-Identifier: Apache-2.0
#include "json_text.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstring>

namespace fuma::engine {
namespace {

// Whether JSON needs the byte escaped: a quote, a backslash or a control
// character. Most keys and values have none.
bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

}  // namespace

char* JsonText::room(std::size_t n) {
  if (buffer_.size() - size_ < n) buffer_.resize(std::max(buffer_.size() * 2, size_ + n));
  return buffer_.data() + size_;
}

void JsonText::put(std::string_view s) {
  std::memcpy(room(s.size()), s.data(), s.size());
  size_ += s.size();
}

void JsonText::start_value() {
  if (after_key_) {
    after_key_ = false;
  } else if (!first_) {
    *room(1) = ',';
    ++size_;
  }
  first_ = false;
}

void JsonText::open(char bracket) {
  start_value();
  *room(1) = bracket;
  ++size_;
  first_ = true;
}

void JsonText::close(char bracket) {
  *room(1) = bracket;
  ++size_;
  first_ = false;
}

void JsonText::key(std::string_view k) {
  assert(std::none_of(k.begin(), k.end(), [](char c) { return needs_escape(c); }));
  char* p = room(k.size() + 4);
  char* const start = p;
  if (!first_) *p++ = ',';
  *p++ = '"';
  std::memcpy(p, k.data(), k.size());
  p += k.size();
  *p++ = '"';
  *p++ = ':';
  size_ += static_cast<std::size_t>(p - start);
  first_ = false;
  after_key_ = true;
}

void JsonText::value(std::string_view s) {
  start_value();
  // Copied as it is, unless a byte needs escaping: then the serializer
  // writes it from the start again.
  char* p = room(s.size() + 2);
  char* const start = p;
  *p++ = '"';
  for (const char ch : s) {
    if (needs_escape(static_cast<unsigned char>(ch))) {
      serializer_.reset(s);
      return drain();
    }
    *p++ = ch;
  }
  *p++ = '"';
  size_ += static_cast<std::size_t>(p - start);
}

void JsonText::value(bool b) {
  start_value();
  put(b ? "true" : "false");
}

template <class Integer>
void JsonText::put_integer(Integer n) {
  start_value();
  char* p = room(24);
  size_ += static_cast<std::size_t>(std::to_chars(p, p + 24, n).ptr - p);
}

void JsonText::value(std::int64_t n) { put_integer(n); }

void JsonText::value(std::uint64_t n) { put_integer(n); }

void JsonText::value(std::nullptr_t) {
  start_value();
  put("null");
}

void JsonText::value(const boost::json::value& v) {
  start_value();
  serializer_.reset(&v);
  drain();
}

std::string JsonText::take() {
  buffer_.resize(size_);
  std::string text = std::move(buffer_);
  buffer_.clear();
  size_ = 0;
  first_ = true;
  after_key_ = false;
  return text;
}

void JsonText::members(const boost::json::object& o) {
  for (const auto& kv : o) {
    key(kv.key());
    value(kv.value());
  }
}

void JsonText::raw_members(std::string_view text) {
  if (text.empty()) return;
  if (!first_) put(",");
  put(text);
  first_ = false;
}

void JsonText::drain() {
  while (!serializer_.done()) {
    char* p = room(512);
    size_ += serializer_.read(p, 512).size();
  }
}

}  // namespace fuma::engine
