// SPDX-License-Identifier: Apache-2.0
// JSON written straight into text, member by member: the one writer of every
// command's answer (Output, command.hpp). An answer made on every request
// (the case page) is written member by member, as building a boost::json
// tree first and then serialising it would do the work twice. Strings that
// need escaping, and trees written inside, go through boost::json's own
// serializer.
#ifndef FUMA_SRC_ENGINE_JSON_TEXT_HPP
#define FUMA_SRC_ENGINE_JSON_TEXT_HPP

#include <boost/json/object.hpp>
#include <boost/json/serializer.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fuma::engine {

class JsonText {
 public:
  // `expected`: the bytes to make room for at once (more is made as needed).
  explicit JsonText(std::size_t expected = 2048) : buffer_(expected, '\0') {}

  // What has been written so far.
  std::string_view text() const { return std::string_view(buffer_.data(), size_); }
  // The text written, taken out of the writer (which is left empty).
  std::string take();

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  // The key of the next member of the open object: one of the engine's own
  // names, which JSON never needs escaped.
  void key(std::string_view k);

  void value(std::string_view s);
  void value(const std::string& s) { value(std::string_view(s)); }
  void value(const char* s) { value(std::string_view(s)); }
  void value(bool b);
  void value(std::int64_t n);
  void value(std::uint64_t n);
  void value(std::nullptr_t);
  // null when empty.
  template <class T>
  void value(const std::optional<T>& v) {
    if (v) {
      value(*v);
    } else {
      value(nullptr);
    }
  }
  // A tree, as boost::json serialises it.
  void value(const boost::json::value& v);

  template <class T>
  void member(std::string_view k, const T& v) {
    key(k);
    value(v);
  }
  // Each member of `o`, into the open object; its keys are the engine's own.
  void members(const boost::json::object& o);
  // Members already written as JSON text ("key":value, comma separated),
  // into the open object.
  void raw_members(std::string_view text);

 private:
  // Room for n more bytes at the end of what is written.
  char* room(std::size_t n);
  void put(std::string_view s);
  // Before a value: the comma that separates it from the one before, unless
  // it is the first of its container or follows its key.
  void start_value();
  void open(char bracket);
  void close(char bracket);
  // Writes what the serializer was reset to.
  void drain();
  template <class Integer>
  void put_integer(Integer n);

  std::string buffer_;  // written: the first size_ bytes
  std::size_t size_ = 0;
  bool first_ = true;
  bool after_key_ = false;
  boost::json::serializer serializer_;
};

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_JSON_TEXT_HPP
