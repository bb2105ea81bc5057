// JSON written straight into text, member by member, for an answer made on
// every request (the case page): building a boost::json tree first and then
// serialising it did the work twice. Strings are escaped, and trees written
// inside, by boost::json's own serializer.
#ifndef FUMA_SRC_ENGINE_JSON_TEXT_HPP
#define FUMA_SRC_ENGINE_JSON_TEXT_HPP

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
  // Appends to `out`, which must outlive the writer.
  explicit JsonText(std::string& out) : out_(out) {}

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
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
  void value(const std::optional<std::string>& s);
  void value(const std::optional<std::string_view>& s);
  // A tree, as boost::json serialises it.
  void value(const boost::json::value& v);

  template <class T>
  void member(std::string_view k, const T& v) {
    key(k);
    value(v);
  }

 private:
  // Before a value: the comma that separates it from the one before, unless
  // it is the first of its container or follows its key.
  void start_value();
  void put_quoted(std::string_view s);  // s needs no escaping
  void put_escaped(std::string_view s);

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
  boost::json::serializer serializer_;
};

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_JSON_TEXT_HPP
