// SPDX-License-Identifier: Apache-2.0
// Strict reading of the JSON data files a locality may replace: the workflow
// definition, the attachment checklists, and the files that follow them.
//
// Boost.JSON on its own lets through what such a file must not contain: of a
// key written twice it silently keeps the last, and a misspelt field is just
// another field nobody reads. Everything here refuses instead and names the
// place of the defect the way the person editing the file would look for it:
// a line and column (in characters, as an editor counts them) while the text
// is not yet JSON, a path such as "transitions[4].role" once it is.
//
// Every refusal throws fuma::Error with Errc::invalid_argument, the detail
// "<source>: <place>: <problem>" and a message in Chinese that starts with the
// file type's own prefix and then names the place. Every file type words its
// refusals alike, so one defect reads the same whichever file it is in.
// Nothing here keeps state between calls; a Reporter and the Objects read with
// it may be used from one thread at a time.
#ifndef FUMA_SRC_DATAFILE_DATAFILE_HPP
#define FUMA_SRC_DATAFILE_DATAFILE_HPP

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace fuma::datafile {

namespace json = boost::json;

// Where the defects of one file are reported.
class Reporter {
 public:
  // `source` names the file in every refusal ("workflow.json"); `prefix`
  // starts every message ("业务流程定义有误：").
  Reporter(std::string_view source, std::string_view prefix);

  const std::string& source() const noexcept { return source_; }

  // A defect at `path`; an empty path is the document as a whole, which the
  // detail and the message name by the source alone.
  [[noreturn]] void fail(std::string_view path, std::string_view problem) const;

  // A defect in the text itself, where there is no path yet.
  [[noreturn]] void fail_at(std::size_t line, std::size_t column, std::string_view problem) const;

  // `found` is not what `expected` ("an array", "true or false") says.
  [[noreturn]] void wrong_type(std::string_view path, std::string_view expected,
                               const json::value& found) const;

 private:
  std::string source_;
  std::string prefix_;
};

// Paths as the refusals spell them: "statuses", "statuses[2]", "statuses[2].key".
std::string member(std::string_view parent, std::string_view field);
std::string element(std::string_view parent, std::size_t index);

// "a string", "an array", ...: what a value is, for "found ..." texts.
std::string_view kind_name(const json::value& v) noexcept;

// A lower-case letter, then lower-case letters, digits and '_'. Keys end up
// in command names, URLs and database rows, and this spelling survives all
// three unchanged.
bool is_key(std::string_view s) noexcept;

// The one JSON value of `text`. Refuses malformed JSON, a key repeated within
// one object, and anything but whitespace after the value.
json::value parse(std::string_view text, const Reporter& report);

// One value at `path`, as the type its place needs.
const json::object& as_object(const json::value& v, std::string_view path, const Reporter& report);
const json::array& as_array(const json::value& v, std::string_view path, const Reporter& report);
std::string as_string(const json::value& v, std::string_view path, const Reporter& report);
// A string that is not empty.
std::string as_text(const json::value& v, std::string_view path, const Reporter& report);
// A string spelt as is_key() requires.
std::string as_key(const json::value& v, std::string_view path, const Reporter& report);
bool as_flag(const json::value& v, std::string_view path, const Reporter& report);
// A whole number from 1 to `max`. `unit` ("working days") says what it counts.
std::uint64_t as_count(const json::value& v, std::string_view path, const Reporter& report,
                       std::uint64_t max = std::numeric_limits<std::uint64_t>::max(),
                       std::string_view unit = {});

// One JSON object with fields declared up front, so that a misspelt field is
// refused as itself rather than reported as the missing field it was meant to
// be. The value and the reporter must outlive the Object.
class Object {
 public:
  Object(const json::value& v, std::string path, std::initializer_list<std::string_view> allowed,
         const Reporter& report);

  const std::string& path() const noexcept { return path_; }
  const Reporter& report() const noexcept { return *report_; }
  // The path of one of its fields.
  std::string at(std::string_view field) const { return member(path_, field); }

  // Null when the field is absent.
  const json::value* find(std::string_view field) const;
  // `hint` says what the field may hold ("true or false") when it is missing.
  const json::value& need(std::string_view field, std::string_view hint = {}) const;

  std::string string(std::string_view field) const;
  std::optional<std::string> optional_string(std::string_view field) const;
  std::string text(std::string_view field) const;
  std::optional<std::string> optional_text(std::string_view field) const;
  std::string key(std::string_view field) const;
  bool flag(std::string_view field) const;
  bool flag(std::string_view field, bool fallback) const;
  std::uint64_t count(std::string_view field,
                      std::uint64_t max = std::numeric_limits<std::uint64_t>::max(),
                      std::string_view unit = {}) const;
  std::optional<std::uint64_t> optional_count(
      std::string_view field, std::uint64_t max = std::numeric_limits<std::uint64_t>::max(),
      std::string_view unit = {}) const;
  const json::array& array(std::string_view field) const;
  // An object whose keys are data rather than field names.
  const json::object& object(std::string_view field) const;
  // An object with fields of its own.
  Object record(std::string_view field, std::initializer_list<std::string_view> allowed) const;

  // The "version" field must be exactly `supported`: a file written for
  // another version would be read with rules it was not written for.
  void require_version(std::int64_t supported) const;

 private:
  const json::object* object_;
  std::string path_;
  const Reporter* report_;
};

}  // namespace fuma::datafile

#endif  // FUMA_SRC_DATAFILE_DATAFILE_HPP
