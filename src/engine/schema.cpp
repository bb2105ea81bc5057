// SPDX-License-Identifier: Apache-2.0
#include "schema.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <optional>
#include <regex>

#include "text.hpp"

namespace fuma::engine::schema {

namespace json = boost::json;

namespace {

// "3 characters", "1 character".
std::string counted(std::size_t n, std::string_view what) {
  return std::to_string(n) + " " + std::string(what) + (n == 1 ? "" : "s");
}

constexpr std::string_view kDialect = "https://json-schema.org/draft/2020-12/schema";

// "type" as bits.
enum : unsigned {
  t_null = 1u << 0,
  t_boolean = 1u << 1,
  t_object = 1u << 2,
  t_array = 1u << 3,
  t_number = 1u << 4,
  t_string = 1u << 5,
  t_integer = 1u << 6,
};

struct TypeName {
  std::string_view name;
  unsigned bit;
  std::string_view en;
  std::string_view zh;
};
constexpr TypeName kTypes[] = {
    {"null", t_null, "null", "空"},
    {"boolean", t_boolean, "true or false", "是或否"},
    {"object", t_object, "a JSON object", "对象"},
    {"array", t_array, "an array", "列表"},
    {"number", t_number, "a number", "数字"},
    {"string", t_string, "a string", "文字"},
    {"integer", t_integer, "an integer", "整数"},
};

bool is_integer(const json::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  if (!v.is_double()) return false;
  const double d = v.get_double();
  return std::isfinite(d) && std::trunc(d) == d;
}

bool has_type(const json::value& v, unsigned types) {
  switch (v.kind()) {
    case json::kind::null:
      return types & t_null;
    case json::kind::bool_:
      return types & t_boolean;
    case json::kind::object:
      return types & t_object;
    case json::kind::array:
      return types & t_array;
    case json::kind::string:
      return types & t_string;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return (types & t_number) || ((types & t_integer) && is_integer(v));
  }
  return false;
}

// -1, 0 or 1 as a is below, equal to or above b; both are numbers.
// Integers compare exactly; a double with either, as doubles.
int compare(const json::value& a, const json::value& b) {
  if (a.is_double() || b.is_double()) {
    const double x = a.to_number<double>(), y = b.to_number<double>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_int64() && b.is_int64()) {
    return a.get_int64() < b.get_int64() ? -1 : (a.get_int64() > b.get_int64() ? 1 : 0);
  }
  if (a.is_uint64() && b.is_uint64()) {
    return a.get_uint64() < b.get_uint64() ? -1 : (a.get_uint64() > b.get_uint64() ? 1 : 0);
  }
  // One int64 and one uint64 (Boost.JSON keeps non-negative values that fit
  // in int64 as int64, so the uint64 is above any int64).
  return a.is_int64() ? -1 : 1;
}

bool is_number(const json::value& v) { return v.is_int64() || v.is_uint64() || v.is_double(); }

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string text_of(const json::value& v) {
  if (const json::string* s = v.if_string()) return std::string(*s);
  return json::serialize(v);
}

}  // namespace

bool equal(const json::value& a, const json::value& b) {
  if (is_number(a) && is_number(b)) return compare(a, b) == 0;
  if (a.kind() != b.kind()) return false;
  if (const json::object* x = a.if_object()) {
    const json::object& y = b.get_object();
    if (x->size() != y.size()) return false;
    for (const auto& kv : *x) {
      const json::value* other = y.if_contains(kv.key());
      if (other == nullptr || !equal(kv.value(), *other)) return false;
    }
    return true;
  }
  if (const json::array* x = a.if_array()) {
    const json::array& y = b.get_array();
    if (x->size() != y.size()) return false;
    for (std::size_t i = 0; i < x->size(); ++i) {
      if (!equal((*x)[i], y[i])) return false;
    }
    return true;
  }
  return a == b;
}

const std::vector<std::string_view>& keywords() {
  static const std::vector<std::string_view> list = {
      "type",    "enum",     "const",       "properties",  "required",    "additionalProperties",
      "items",   "minItems", "maxItems",    "uniqueItems", "minLength",   "maxLength",
      "pattern", "minimum",  "maximum",     "anyOf",       "allOf",       "$ref",
      "$schema", "$defs",    "description", "format",      "errorMessage"};
  return list;
}

struct Schema::Node {
  enum class Kind : std::uint8_t { any, none, checked };
  Kind kind = Kind::checked;  // true, false, or an object of keywords
  unsigned types = 0;         // 0: any type
  bool has_enum = false, has_const = false, unique_items = false;
  std::vector<json::value> enumerated;
  json::value constant;
  std::vector<std::pair<std::string, int>> properties;  // name, node
  std::vector<std::string> required;
  int additional = -1;  // node for members not in properties
  int items = -1;
  std::optional<std::size_t> min_items, max_items, min_length, max_length;
  std::string pattern_text;
  std::optional<std::regex> pattern;
  json::value minimum, maximum;  // null when absent
  std::vector<int> any_of, all_of;
  int ref = -1;
  std::string error_message;  // Chinese; empty: each keyword's own
};

namespace {

using Node = Schema::Node;

class Compiler {
 public:
  Compiler(const json::value& root, std::vector<Node>& nodes) : root_(root), nodes_(nodes) {}

  // The node for the schema at `at` (a JSON pointer into the document, for
  // messages), compiled once however often it is referred to.
  int compile(const json::value& v, const std::string& at) {
    for (const auto& [value, index] : done_) {
      if (value == &v) return index;
    }
    const int index = static_cast<int>(nodes_.size());
    nodes_.emplace_back();
    done_.emplace_back(&v, index);
    if (v.is_bool()) {
      nodes_[index].kind = v.get_bool() ? Node::Kind::any : Node::Kind::none;
      return index;
    }
    const json::object* o = v.if_object();
    if (o == nullptr) refuse("", at, "a schema must be an object or a boolean");
    for (const auto& kv : *o) keyword(index, kv.key(), kv.value(), at);
    return index;
  }

 private:
  [[noreturn]] static void refuse(std::string_view keyword, const std::string& at,
                                  const std::string& why) {
    throw Unsupported(std::string(keyword),
                      "schema at '" + (at.empty() ? std::string("#") : at) + "': " + why);
  }

  static std::size_t count(std::string_view k, const json::value& v, const std::string& at) {
    if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::size_t>(v.get_int64());
    if (v.is_uint64()) return static_cast<std::size_t>(v.get_uint64());
    if (v.is_double() && is_integer(v) && v.get_double() >= 0) {
      return static_cast<std::size_t>(v.get_double());
    }
    refuse(k, at, std::string(k) + " must be a non-negative integer");
  }

  unsigned type_bit(const json::value& v, const std::string& at) {
    if (const json::string* s = v.if_string()) {
      for (const TypeName& t : kTypes) {
        if (t.name == *s) return t.bit;
      }
    }
    refuse("type", at, "type names no JSON Schema type: " + json::serialize(v));
  }

  std::vector<int> list(std::string_view k, const json::value& v, const std::string& at) {
    const json::array* a = v.if_array();
    if (a == nullptr || a->empty()) refuse(k, at, std::string(k) + " must be a non-empty array");
    std::vector<int> out;
    for (std::size_t i = 0; i < a->size(); ++i) {
      out.push_back(compile((*a)[i], at + "/" + std::string(k) + "/" + std::to_string(i)));
    }
    return out;
  }

  // The value a "#..." reference names in the document.
  const json::value& resolve(std::string_view ref, const std::string& at) {
    if (ref.empty() || ref.front() != '#') {
      refuse("$ref", at, "$ref '" + std::string(ref) + "' leaves the document");
    }
    ref.remove_prefix(1);
    if (!ref.empty() && ref.front() != '/') {
      refuse("$ref", at, "$ref '#" + std::string(ref) + "' names an anchor");
    }
    // The fragment is percent-encoded (RFC 3986), then a JSON pointer.
    std::string pointer;
    for (std::size_t i = 0; i < ref.size(); ++i) {
      int high = 0, low = 0;
      if (ref[i] == '%' && i + 2 < ref.size() && (high = hex(ref[i + 1])) >= 0 &&
          (low = hex(ref[i + 2])) >= 0) {
        pointer += static_cast<char>(high * 16 + low);
        i += 2;
      } else {
        pointer += ref[i];
      }
    }
    const json::value* v = &root_;
    std::size_t pos = 0;
    while (pos < pointer.size()) {
      const std::size_t next = std::min(pointer.find('/', pos + 1), pointer.size());
      std::string token = pointer.substr(pos + 1, next - pos - 1);
      for (std::size_t i = 0; (i = token.find('~', i)) != std::string::npos; ++i) {
        if (i + 1 < token.size() && token[i + 1] == '1')
          token.replace(i, 2, "/");
        else if (i + 1 < token.size() && token[i + 1] == '0')
          token.replace(i, 2, "~");
      }
      if (const json::object* o = v->if_object()) {
        v = o->if_contains(token);
      } else if (const json::array* a = v->if_array()) {
        std::size_t index = 0;
        const bool digits = !token.empty() && std::all_of(token.begin(), token.end(), [](char c) {
          return c >= '0' && c <= '9';
        });
        v = digits && (index = std::stoul(token)) < a->size() ? &(*a)[index] : nullptr;
      } else {
        v = nullptr;
      }
      if (v == nullptr) refuse("$ref", at, "$ref '#" + pointer + "' names nothing");
      pos = next;
    }
    return *v;
  }

  void keyword(int index, std::string_view k, const json::value& v, const std::string& at) {
    const std::string here = at + "/" + std::string(k);
    if (k == "type") {
      unsigned bits = 0;
      if (const json::array* a = v.if_array()) {
        for (const json::value& t : *a) bits |= type_bit(t, at);
      } else {
        bits = type_bit(v, at);
      }
      if (bits == 0) refuse(k, at, "type lists no type");
      nodes_[index].types = bits;
    } else if (k == "enum") {
      const json::array* a = v.if_array();
      if (a == nullptr) refuse(k, at, "enum must be an array");
      nodes_[index].has_enum = true;
      nodes_[index].enumerated.assign(a->begin(), a->end());
    } else if (k == "const") {
      nodes_[index].has_const = true;
      nodes_[index].constant = v;
    } else if (k == "properties" || k == "$defs") {
      const json::object* o = v.if_object();
      if (o == nullptr) refuse(k, at, std::string(k) + " must be an object");
      for (const auto& kv : *o) {
        const int child = compile(kv.value(), here + "/" + std::string(kv.key()));
        if (k == "properties") nodes_[index].properties.emplace_back(kv.key(), child);
      }
    } else if (k == "required") {
      const json::array* a = v.if_array();
      if (a == nullptr) refuse(k, at, "required must be an array");
      for (const json::value& name : *a) {
        if (!name.is_string()) refuse(k, at, "required must list strings");
        nodes_[index].required.emplace_back(name.get_string());
      }
    } else if (k == "additionalProperties") {
      const int child = compile(v, here);
      nodes_[index].additional = child;
    } else if (k == "items") {
      // In 2020-12 an array of schemas is prefixItems, which this does not take.
      if (v.is_array()) refuse(k, at, "items must be a schema (an array is prefixItems)");
      const int child = compile(v, here);
      nodes_[index].items = child;
    } else if (k == "minItems") {
      nodes_[index].min_items = count(k, v, at);
    } else if (k == "maxItems") {
      nodes_[index].max_items = count(k, v, at);
    } else if (k == "minLength") {
      nodes_[index].min_length = count(k, v, at);
    } else if (k == "maxLength") {
      nodes_[index].max_length = count(k, v, at);
    } else if (k == "uniqueItems") {
      if (!v.is_bool()) refuse(k, at, "uniqueItems must be true or false");
      nodes_[index].unique_items = v.get_bool();
    } else if (k == "pattern") {
      const json::string* s = v.if_string();
      if (s == nullptr) refuse(k, at, "pattern must be a string");
      if (std::any_of(s->begin(), s->end(), [](char c) { return (c & 0x80) != 0; })) {
        refuse(k, at, "pattern has other than ASCII characters");
      }
      try {
        nodes_[index].pattern.emplace(s->c_str(), s->size(), std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        refuse(k, at, "pattern is not a regular expression: " + std::string(e.what()));
      }
      nodes_[index].pattern_text = std::string(*s);
    } else if (k == "minimum" || k == "maximum") {
      if (!is_number(v)) refuse(k, at, std::string(k) + " must be a number");
      (k == "minimum" ? nodes_[index].minimum : nodes_[index].maximum) = v;
    } else if (k == "anyOf") {
      std::vector<int> l = list(k, v, at);
      nodes_[index].any_of = std::move(l);
    } else if (k == "allOf") {
      std::vector<int> l = list(k, v, at);
      nodes_[index].all_of = std::move(l);
    } else if (k == "$ref") {
      if (!v.is_string()) refuse(k, at, "$ref must be a string");
      const int target = compile(resolve(v.get_string(), at), std::string(v.get_string()));
      nodes_[index].ref = target;
    } else if (k == "$schema") {
      if (!(v.is_string() && v.get_string() == kDialect)) {
        refuse(k, at, "the dialect is not " + std::string(kDialect));
      }
    } else if (k == "description" || k == "format") {
      if (!v.is_string()) refuse(k, at, std::string(k) + " must be a string");
    } else if (k == "errorMessage") {
      if (!v.is_string()) refuse(k, at, "errorMessage must be a string");
      nodes_[index].error_message = std::string(v.get_string());
    } else {
      refuse(k, at, "keyword '" + std::string(k) + "' is not implemented");
    }
  }

  const json::value& root_;
  std::vector<Node>& nodes_;
  std::vector<std::pair<const json::value*, int>> done_;
};

// The place being checked: a chain on the stack, made into text only for a
// violation, so that a valid value costs no allocation.
struct Path {
  const Path* parent;
  std::string_view key;  // a member's name, or empty for an array element
  std::size_t index;
};

void render(const Path* p, std::string& out) {
  if (p == nullptr) return;
  render(p->parent, out);
  if (p->key.data() != nullptr) {
    if (!out.empty()) out += '.';
    out += p->key;
  } else {
    out += "[" + std::to_string(p->index) + "]";
  }
}

class Checker {
 public:
  Checker(const std::vector<Node>& nodes, std::vector<Violation>* out) : nodes_(nodes), out_(out) {}

  // With no list to fill, stops at the first failure.
  bool check(int i, const json::value& v, const Path* path) const {
    const Node& n = nodes_[static_cast<std::size_t>(i)];
    if (n.kind == Node::Kind::any) return true;
    if (n.kind == Node::Kind::none) {
      return fail(path, "false", "is not allowed", "不允许填写此项");
    }
    const std::size_t before = out_ ? out_->size() : 0;
    const bool ok = own(n, v, path);
    // errorMessage speaks for every violation at this place, not deeper.
    if (!ok && out_ && !n.error_message.empty()) {
      std::string here;
      render(path, here);
      for (std::size_t k = before; k < out_->size(); ++k) {
        if ((*out_)[k].path == here) (*out_)[k].message = n.error_message;
      }
    }
    return ok;
  }

 private:
  bool own(const Node& n, const json::value& v, const Path* path) const {
    if (n.types != 0 && !has_type(v, n.types)) return type_failure(n.types, path);
    bool ok = true;
    // Each check below goes on only while the value is valid or while every
    // violation is wanted.
    auto more = [&] { return ok || out_ != nullptr; };
    if (n.ref >= 0) ok = check(n.ref, v, path) && ok;
    if (more() && n.has_const && !equal(v, n.constant)) {
      ok = fail(path, "const", "must be " + json::serialize(n.constant),
                "应为" + text_of(n.constant));
    }
    if (more() && n.has_enum &&
        std::none_of(n.enumerated.begin(), n.enumerated.end(),
                     [&](const json::value& e) { return equal(v, e); })) {
      ok = enum_failure(n, path);
    }
    if (more()) {
      if (const json::object* o = v.if_object())
        ok = object(n, *o, path) && ok;
      else if (const json::array* a = v.if_array())
        ok = array(n, *a, path) && ok;
      else if (const json::string* s = v.if_string())
        ok = string(n, *s, path) && ok;
      else if (is_number(v))
        ok = number(n, v, path) && ok;
    }
    for (std::size_t k = 0; more() && k < n.all_of.size(); ++k) {
      ok = check(n.all_of[k], v, path) && ok;
    }
    if (more() && !n.any_of.empty()) {
      const Checker quiet(nodes_, nullptr);
      if (std::none_of(n.any_of.begin(), n.any_of.end(),
                       [&](int k) { return quiet.check(k, v, path); })) {
        ok = fail(path, "anyOf", "matches none of the forms it may take", "格式有误");
      }
    }
    return ok;
  }

  bool object(const Node& n, const json::object& o, const Path* path) const {
    bool ok = true;
    for (const std::string& name : n.required) {
      if (!o.contains(name)) {
        const Path at{path, name, 0};
        ok = fail(&at, "required", "is required", "缺少必填项");
        if (!out_) return false;
      }
    }
    for (const auto& kv : o) {
      const Path at{path, kv.key(), 0};
      const auto p = std::find_if(n.properties.begin(), n.properties.end(),
                                  [&](const auto& prop) { return prop.first == kv.key(); });
      if (p != n.properties.end()) {
        ok = check(p->second, kv.value(), &at) && ok;
      } else if (n.additional >= 0) {
        if (nodes_[static_cast<std::size_t>(n.additional)].kind == Node::Kind::none) {
          ok = fail(&at, "additionalProperties", "is not a field this takes",
                    "不支持的填写项“" + std::string(kv.key()) + "”");
        } else {
          ok = check(n.additional, kv.value(), &at) && ok;
        }
      }
      if (!ok && !out_) return false;
    }
    return ok;
  }

  bool array(const Node& n, const json::array& a, const Path* path) const {
    bool ok = true;
    if (n.min_items && a.size() < *n.min_items) {
      ok = fail(path, "minItems", "must have at least " + counted(*n.min_items, "item"),
                "至少应有" + std::to_string(*n.min_items) + "项");
    }
    if (n.max_items && a.size() > *n.max_items) {
      ok = fail(path, "maxItems", "must have at most " + counted(*n.max_items, "item"),
                "最多" + std::to_string(*n.max_items) + "项");
    }
    if (!ok && !out_) return false;
    if (n.unique_items) {
      for (std::size_t i = 0; i < a.size() && ok; ++i) {
        for (std::size_t j = i + 1; j < a.size(); ++j) {
          if (equal(a[i], a[j])) {
            ok = fail(path, "uniqueItems", "must not repeat an item", "不能有重复项");
            break;
          }
        }
      }
      if (!ok && !out_) return false;
    }
    if (n.items >= 0) {
      for (std::size_t i = 0; i < a.size(); ++i) {
        const Path at{path, {}, i};
        ok = check(n.items, a[i], &at) && ok;
        if (!ok && !out_) return false;
      }
    }
    return ok;
  }

  bool string(const Node& n, const json::string& s, const Path* path) const {
    bool ok = true;
    if (n.min_length || n.max_length) {
      const std::size_t length = char_count(s);
      if (n.min_length && length < *n.min_length) {
        ok = *n.min_length == 1 ? fail(path, "minLength", "must not be empty", "不能为空")
                                : fail(path, "minLength",
                                       "must have at least " + counted(*n.min_length, "character"),
                                       "不能少于" + std::to_string(*n.min_length) + "个字");
      }
      if (n.max_length && length > *n.max_length) {
        ok = fail(path, "maxLength", "must have at most " + counted(*n.max_length, "character"),
                  "不能超过" + std::to_string(*n.max_length) + "个字");
      }
    }
    if ((ok || out_) && n.pattern && !std::regex_search(s.begin(), s.end(), *n.pattern)) {
      ok = fail(path, "pattern", "must match " + n.pattern_text, "格式有误");
    }
    return ok;
  }

  bool number(const Node& n, const json::value& v, const Path* path) const {
    const bool below = !n.minimum.is_null() && compare(v, n.minimum) < 0;
    const bool above = !n.maximum.is_null() && compare(v, n.maximum) > 0;
    if (!below && !above) return true;
    const std::string min = json::serialize(n.minimum), max = json::serialize(n.maximum);
    // Where both bounds are declared, both are said: "1 to 50".
    if (!n.minimum.is_null() && !n.maximum.is_null()) {
      return fail(path, below ? "minimum" : "maximum", "must be " + min + " to " + max,
                  "应为" + min + "至" + max);
    }
    if (below) return fail(path, "minimum", "must be at least " + min, "不能小于" + min);
    return fail(path, "maximum", "must be at most " + max, "不能大于" + max);
  }

  bool type_failure(unsigned types, const Path* path) const {
    if (out_ == nullptr) return false;
    std::string en, zh;
    for (const TypeName& t : kTypes) {
      if ((types & t.bit) == 0) continue;
      // "integer" says more than "number", and is said instead of it.
      if (t.bit == t_integer && (types & t_number)) continue;
      en += (en.empty() ? "" : " or ") + std::string(t.en);
      zh += (zh.empty() ? "" : "或") + std::string(t.zh);
    }
    return fail(path, "type", "must be " + en, "应为" + zh);
  }

  bool enum_failure(const Node& n, const Path* path) const {
    if (out_ == nullptr) return false;
    std::string en, zh;
    for (const json::value& e : n.enumerated) {
      if (e.is_null()) continue;  // "may be left out", not a choice to offer
      en += (en.empty() ? "" : ", ") + json::serialize(e);
      zh += (zh.empty() ? "" : "、") + text_of(e);
    }
    return fail(path, "enum", "must be one of " + en, "应为" + zh + "之一");
  }

  bool fail(const Path* path, std::string_view keyword, std::string detail,
            std::string message) const {
    if (out_ == nullptr) return false;
    Violation v;
    render(path, v.path);
    v.keyword = std::string(keyword);
    v.detail = std::move(detail);
    v.message = std::move(message);
    out_->push_back(std::move(v));
    return false;
  }

  const std::vector<Node>& nodes_;
  std::vector<Violation>* out_;
};

}  // namespace

Schema Schema::compile(const json::value& document) {
  auto nodes = std::make_shared<std::vector<Node>>();
  Compiler(document, *nodes).compile(document, "");
  return Schema(std::move(nodes));
}

bool Schema::valid(const json::value& value) const {
  return Checker(*nodes_, nullptr).check(0, value, nullptr);
}

std::vector<Violation> Schema::violations(const json::value& value) const {
  std::vector<Violation> out;
  Checker(*nodes_, &out).check(0, value, nullptr);
  return out;
}

}  // namespace fuma::engine::schema
