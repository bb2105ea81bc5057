// SPDX-License-Identifier: Apache-2.0
// A JSON Schema validator for the command declarations (command.hpp): draft
// 2020-12, over Boost.JSON, for exactly the keywords the declarations use.
// A schema is compiled once into a tree of checks; validating a value then
// reads no schema text and, while the value is valid, allocates nothing.
//
// Keywords, as draft 2020-12 defines them:
//   assertions   type, enum, const, properties, required,
//                additionalProperties, items, minItems, maxItems,
//                uniqueItems, minLength, maxLength, pattern, minimum,
//                maximum, anyOf, allOf, $ref (within the document: "#",
//                "#/json/pointer")
//   annotations  $schema (the 2020-12 dialect only), $defs, description,
//                format (an annotation, as the dialect's default says: not
//                asserted)
//   extension    errorMessage: a string, the Chinese message of every
//                violation found at the schema's own place (not deeper),
//                for a field whose keywords' generic messages would say
//                less ("申领原因应为“未曾领取”或“遗失”"). The name and
//                meaning are those of ajv-errors' string form; other
//                validators ignore it, as 2020-12 lets them.
// Any other keyword, a $ref to another document or to an anchor, and a
// pattern with other than ASCII characters (patterns are ECMAScript
// regular expressions matched by std::regex, byte by byte) are refused when
// the schema is compiled, so that no schema can rely on a check this
// validator would silently skip.
#ifndef FUMA_SRC_ENGINE_SCHEMA_HPP
#define FUMA_SRC_ENGINE_SCHEMA_HPP

#include <boost/json/value.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fuma::engine::schema {

// A schema this validator cannot take: a keyword it does not implement, or
// a value a keyword does not allow. what() names the keyword and where.
class Unsupported : public std::invalid_argument {
 public:
  Unsupported(std::string keyword, const std::string& what)
      : std::invalid_argument(what), keyword_(std::move(keyword)) {}
  // The keyword, e.g. "patternProperties"; for a $ref it does not follow,
  // "$ref".
  const std::string& keyword() const { return keyword_; }

 private:
  std::string keyword_;
};

// Where a value fails its schema.
struct Violation {
  // The place in the value, as a form names it: "reason", "items[1].new";
  // empty for the value itself.
  std::string path;
  std::string keyword;  // the keyword that failed, e.g. "maxLength"
  // English, to follow the path: "must be a string", "is required".
  std::string detail;
  // Chinese, to show beside the field: "应为文字", "缺少必填项".
  std::string message;
};

class Schema {
 public:
  // Throws Unsupported as the file's header says.
  static Schema compile(const boost::json::value& document);

  // Whether the value meets the schema (stops at the first failure).
  bool valid(const boost::json::value& value) const;
  // Every place the value fails the schema; empty when it meets it. Where a
  // value has the wrong type, only that is said of it.
  std::vector<Violation> violations(const boost::json::value& value) const;

  struct Node;

 private:
  explicit Schema(std::shared_ptr<const std::vector<Node>> nodes) : nodes_(std::move(nodes)) {}
  std::shared_ptr<const std::vector<Node>> nodes_;  // nodes_->front() is the root
};

// The keywords compile() takes, in the order of the header above.
const std::vector<std::string_view>& keywords();

// Equality as JSON Schema defines it for enum, const and uniqueItems:
// numbers by value (1 equals 1.0), objects whatever their members' order.
bool equal(const boost::json::value& a, const boost::json::value& b);

}  // namespace fuma::engine::schema

#endif  // FUMA_SRC_ENGINE_SCHEMA_HPP
