#include "fuma/attachments.hpp"

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "embedded.hpp"
#include "fuma/error.hpp"

namespace fuma::attachments {
namespace {

namespace json = boost::json;

// The business keys of DESIGN.md; a checklist for anything else is a typo.
constexpr std::string_view kBusinesses[] = {"initial", "change", "reissue",
                                            "replace", "revoke", "extension"};

constexpr std::string_view kChangeItems[] = {"name", "address", "responsible_person", "category",
                                             "validity"};

bool known_business(std::string_view key) {
  return std::find(std::begin(kBusinesses), std::end(kBusinesses), key) != std::end(kBusinesses);
}

void require_business(std::string_view business) {
  if (!known_business(business)) {
    throw Error(Errc::invalid_argument, "unknown business type '" + std::string(business) + "'",
                "业务类型无效：" + std::string(business));
  }
}

std::optional<FileType> parse_file_type(std::string_view name) {
  for (FileType t : {FileType::pdf, FileType::jpeg, FileType::png}) {
    if (file_type_name(t) == name) return t;
  }
  return std::nullopt;
}

// How a clerk names the format.
std::string_view file_type_label(FileType t) {
  switch (t) {
    case FileType::pdf:
      return "PDF";
    case FileType::jpeg:
      return "JPG";
    case FileType::png:
      return "PNG";
  }
  return "";
}

// "10MB", "1.5MB", "300KB". Sizes of files round up and limits round down, so
// a file just over a limit never reads as equal to it.
std::string format_bytes(std::uint64_t bytes, bool round_up) {
  constexpr std::uint64_t kKiB = 1024;
  constexpr std::uint64_t kMiB = kKiB * kKiB;
  if (bytes < kKiB) return std::to_string(bytes) + "字节";
  std::uint64_t unit = bytes >= kMiB ? kMiB : kKiB;
  std::uint64_t whole = bytes / unit;
  std::uint64_t rest = bytes % unit;
  std::uint64_t tenths = rest * 10 / unit;
  if (round_up && rest * 10 % unit != 0) ++tenths;
  if (tenths == 10) {
    ++whole;
    tenths = 0;
  }
  std::string out = std::to_string(whole);
  if (tenths != 0) out += "." + std::to_string(tenths);
  return out + (unit == kMiB ? "MB" : "KB");
}

// ---------------------------------------------------------------- parsing

// Boost.JSON keeps the last of two equal keys silently; in a checklist that
// would drop a list without a word, so a first pass refuses them.
struct KeyCheck {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::vector<std::vector<std::string>> open_objects;
  std::string key;
  std::string duplicate;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t, json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    open_objects.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    open_objects.pop_back();
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    key.append(s.data(), s.size());
    std::vector<std::string>& seen = open_objects.back();
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      duplicate = key;
      ec = json::error::syntax;
      return false;
    }
    seen.push_back(std::move(key));
    key.clear();
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return true; }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return true; }
  bool on_double(double, json::string_view, json::error_code&) { return true; }
  bool on_bool(bool, json::error_code&) { return true; }
  bool on_null(json::error_code&) { return true; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  [[noreturn]] void fail(std::string_view where, std::string_view what) const {
    std::string at = where.empty() ? "(top level)" : std::string(where);
    throw Error(Errc::invalid_argument, source_ + ": " + at + ": " + std::string(what),
                "附件清单数据格式错误：" + source_ + " 的 " + at);
  }

  json::value parse(std::string_view text) const {
    json::basic_parser<KeyCheck> check{json::parse_options{}};
    json::error_code ec;
    std::size_t used = check.write_some(false, text.data(), text.size(), ec);
    // write_some stops after one document; anything but whitespace after it
    // is a second value that json::parse would refuse without a position.
    if (!ec && text.find_first_not_of(" \t\r\n", used) != std::string_view::npos) {
      ec = json::error::extra_data;
    }
    if (ec) {
      const std::string& duplicate = check.handler().duplicate;
      std::size_t at = used;
      if (!duplicate.empty()) {
        // The parser stops after the key; point at its start.
        std::size_t key = text.rfind("\"" + duplicate + "\"", used);
        if (key != std::string_view::npos) at = key;
      }
      std::string_view before = text.substr(0, at);
      std::size_t line =
          1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
      std::size_t line_start = before.rfind('\n');
      before.remove_prefix(line_start == std::string_view::npos ? 0 : line_start + 1);
      // Columns count characters, not UTF-8 bytes: labels are Chinese.
      std::size_t column =
          1 + static_cast<std::size_t>(std::count_if(before.begin(), before.end(), [](char c) {
            return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
          }));
      std::string what = duplicate.empty() ? "invalid JSON (" + ec.message() + ")"
                                           : "duplicate key '" + duplicate + "'";
      fail("line " + std::to_string(line) + ", column " + std::to_string(column), what);
    }
    json::value doc = json::parse(json::string_view(text.data(), text.size()), ec);
    if (ec) fail("(top level)", "invalid JSON (" + ec.message() + ")");
    return doc;
  }

  const json::object& object(const json::value& v, const std::string& path) const {
    if (!v.is_object()) fail(path, "must be an object");
    return v.get_object();
  }

  const json::array& array(const json::value& v, const std::string& path) const {
    if (!v.is_array()) fail(path, "must be an array");
    return v.get_array();
  }

  std::string text(const json::value& v, const std::string& path) const {
    if (!v.is_string()) fail(path, "must be a string");
    if (v.get_string().empty()) fail(path, "must not be empty");
    return std::string(v.get_string());
  }

  std::uint64_t positive(const json::value& v, const std::string& path,
                         std::uint64_t max = UINT64_MAX) const {
    std::uint64_t n = 0;
    if (v.is_uint64()) {
      n = v.get_uint64();
    } else if (v.is_int64() && v.get_int64() > 0) {
      n = static_cast<std::uint64_t>(v.get_int64());
    } else if (!v.is_int64()) {
      fail(path, "must be a whole number");
    }
    if (n == 0) fail(path, "must be positive");
    if (n > max) fail(path, "must be at most " + std::to_string(max));
    return n;
  }

  // Refuses fields outside `allowed`, so a misspelt optional field is an
  // error instead of a silently missing list.
  void only(const json::object& o, const std::string& path,
            std::initializer_list<std::string_view> allowed) const {
    for (const auto& field : o) {
      std::string_view key(field.key().data(), field.key().size());
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        fail(join(path, key), "unknown field '" + std::string(key) + "'");
      }
    }
  }

  const json::value& field(const json::object& o, const std::string& path,
                           std::string_view key) const {
    const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
    if (v == nullptr) fail(path, "missing field '" + std::string(key) + "'");
    return *v;
  }

  static std::string join(std::string_view path, std::string_view key) {
    return path.empty() ? std::string(key) : std::string(path) + "." + std::string(key);
  }

  static std::string index(std::string_view path, std::size_t i) {
    return std::string(path) + "[" + std::to_string(i) + "]";
  }

 private:
  std::string source_;
};

bool valid_key(std::string_view key) {
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

template <class T>
bool has(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

std::string_view file_type_name(FileType t) noexcept {
  switch (t) {
    case FileType::pdf:
      return "pdf";
    case FileType::jpeg:
      return "jpeg";
    case FileType::png:
      return "png";
  }
  return "";
}

std::string_view file_type_media_type(FileType t) noexcept {
  switch (t) {
    case FileType::pdf:
      return "application/pdf";
    case FileType::jpeg:
      return "image/jpeg";
    case FileType::png:
      return "image/png";
  }
  return "";
}

std::string_view change_item_name(ChangeItem c) noexcept {
  return kChangeItems[static_cast<std::size_t>(c)];
}

std::optional<ChangeItem> parse_change_item(std::string_view name) noexcept {
  for (std::size_t i = 0; i < std::size(kChangeItems); ++i) {
    if (kChangeItems[i] == name) return static_cast<ChangeItem>(i);
  }
  return std::nullopt;
}

Rules Rules::parse(std::string_view text, std::string_view source) {
  Reader r(source);
  json::value doc = r.parse(text);
  const json::object& top = r.object(doc, "");
  r.only(top, "", {"version", "description", "limits", "kinds", "businesses"});

  const json::value& version = r.field(top, "", "version");
  if (!version.is_int64() || version.get_int64() != 1) {
    r.fail("version",
           "unsupported version " + json::serialize(version) + " (this library reads 1)");
  }
  if (const json::value* d = top.if_contains("description")) r.text(*d, "description");

  Rules rules;
  const json::object& limits = r.object(r.field(top, "", "limits"), "limits");
  r.only(limits, "limits", {"max_file_bytes", "max_application_bytes"});
  rules.max_file_bytes_ =
      r.positive(r.field(limits, "limits", "max_file_bytes"), "limits.max_file_bytes");
  rules.max_application_bytes_ = r.positive(r.field(limits, "limits", "max_application_bytes"),
                                            "limits.max_application_bytes");
  if (rules.max_file_bytes_ > rules.max_application_bytes_) {
    r.fail("limits.max_file_bytes", "exceeds max_application_bytes");
  }

  const json::array& kinds = r.array(r.field(top, "", "kinds"), "kinds");
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    std::string path = Reader::index("kinds", i);
    const json::object& o = r.object(kinds[i], path);
    r.only(o, path, {"key", "label", "types", "max_count"});
    Kind kind;
    kind.key = r.text(r.field(o, path, "key"), Reader::join(path, "key"));
    if (!valid_key(kind.key)) {
      r.fail(Reader::join(path, "key"),
             "kind key '" + kind.key + "' must use only a-z, 0-9 and '_'");
    }
    if (rules.kind(kind.key) != nullptr) {
      r.fail(Reader::join(path, "key"), "duplicate kind '" + kind.key + "'");
    }
    kind.label = r.text(r.field(o, path, "label"), Reader::join(path, "label"));
    std::string types_path = Reader::join(path, "types");
    const json::array& types = r.array(r.field(o, path, "types"), types_path);
    if (types.empty()) r.fail(types_path, "empty type list: the kind could never be uploaded");
    for (std::size_t t = 0; t < types.size(); ++t) {
      std::string type_path = Reader::index(types_path, t);
      std::string name = r.text(types[t], type_path);
      std::optional<FileType> type = parse_file_type(name);
      if (!type) r.fail(type_path, "unknown file type '" + name + "' (expected pdf, jpeg or png)");
      if (has(kind.types, *type)) r.fail(type_path, "repeated file type '" + name + "'");
      kind.types.push_back(*type);
    }
    if (const json::value* n = o.if_contains("max_count")) {
      kind.max_count = static_cast<int>(r.positive(*n, Reader::join(path, "max_count"), INT_MAX));
    }
    rules.kinds_.push_back(std::move(kind));
  }

  // A list of kind keys: defined, each once.
  auto kind_list = [&](const json::value& v, const std::string& path) {
    std::vector<std::string> keys;
    const json::array& a = r.array(v, path);
    for (std::size_t i = 0; i < a.size(); ++i) {
      std::string item_path = Reader::index(path, i);
      std::string key = r.text(a[i], item_path);
      if (rules.kind(key) == nullptr) r.fail(item_path, "unknown kind '" + key + "'");
      if (has(keys, key)) r.fail(item_path, "repeated kind '" + key + "'");
      keys.push_back(std::move(key));
    }
    return keys;
  };

  const json::object& businesses = r.object(r.field(top, "", "businesses"), "businesses");
  for (const auto& entry : businesses) {
    std::string business(entry.key().data(), entry.key().size());
    std::string path = Reader::join("businesses", business);
    if (!known_business(business)) {
      r.fail(path, "unknown business type '" + business +
                       "' (expected initial, change, reissue, replace, revoke or extension)");
    }
    const json::object& o = r.object(entry.value(), path);
    r.only(o, path, {"fixed_term", "per_item", "optional"});
    Checklist list;
    list.business = business;
    if (const json::value* v = o.if_contains("fixed_term")) {
      list.fixed_term = kind_list(*v, Reader::join(path, "fixed_term"));
    }
    if (const json::value* v = o.if_contains("per_item")) {
      std::string items_path = Reader::join(path, "per_item");
      if (business != "change") r.fail(items_path, "per_item applies only to change");
      for (const auto& item : r.object(*v, items_path)) {
        std::string name(item.key().data(), item.key().size());
        std::string item_path = Reader::join(items_path, name);
        std::optional<ChangeItem> parsed = parse_change_item(name);
        if (!parsed) {
          r.fail(item_path, "unknown change item '" + name +
                                "' (expected name, address, responsible_person, category or "
                                "validity)");
        }
        list.per_item.emplace_back(*parsed, kind_list(item.value(), item_path));
      }
    }
    if (const json::value* v = o.if_contains("optional")) {
      std::string optional_path = Reader::join(path, "optional");
      list.optional = kind_list(*v, optional_path);
      for (std::size_t i = 0; i < list.optional.size(); ++i) {
        const std::string& key = list.optional[i];
        bool required = has(list.fixed_term, key) ||
                        std::any_of(list.per_item.begin(), list.per_item.end(),
                                    [&](const auto& p) { return has(p.second, key); });
        if (required) {
          r.fail(Reader::index(optional_path, i),
                 "kind '" + key + "' is also required; a kind is either required or optional");
        }
      }
    }
    rules.checklists_.push_back(std::move(list));
  }
  return rules;
}

const Rules& Rules::standard() {
  static const Rules rules = parse(embedded::attachment_checklists(), "checklists.json");
  return rules;
}

const Kind* Rules::kind(std::string_view key) const {
  auto it = std::find_if(kinds_.begin(), kinds_.end(), [&](const Kind& k) { return k.key == key; });
  return it == kinds_.end() ? nullptr : &*it;
}

const Rules::Checklist* Rules::checklist(std::string_view business,
                                         const std::vector<ChangeItem>& items) const {
  require_business(business);
  if (!items.empty() && business != "change") {
    throw Error(Errc::invalid_argument,
                "change items given for business '" + std::string(business) + "'",
                "只有变更业务可以填写变更事项");
  }
  auto it = std::find_if(checklists_.begin(), checklists_.end(),
                         [&](const Checklist& c) { return c.business == business; });
  return it == checklists_.end() ? nullptr : &*it;
}

void Rules::collect(const Checklist& list, const std::vector<ChangeItem>& items, bool with_optional,
                    std::vector<const Kind*>& out) const {
  auto add = [&](const std::vector<std::string>& keys) {
    for (const std::string& key : keys) {
      const Kind* k = kind(key);
      if (!has(out, k)) out.push_back(k);
    }
  };
  add(list.fixed_term);
  // Checklist order, not the caller's: the same items always list the same way.
  for (const auto& [item, keys] : list.per_item) {
    if (has(items, item)) add(keys);
  }
  if (with_optional) add(list.optional);
}

std::vector<const Kind*> Rules::required(std::string_view business, Validity validity,
                                         const std::vector<ChangeItem>& items) const {
  const Checklist* list = checklist(business, items);
  std::vector<const Kind*> out;
  if (list != nullptr && validity == Validity::fixed_term) collect(*list, items, false, out);
  return out;
}

std::vector<const Kind*> Rules::allowed(std::string_view business,
                                        const std::vector<ChangeItem>& items) const {
  const Checklist* list = checklist(business, items);
  std::vector<const Kind*> out;
  if (list != nullptr) collect(*list, items, true, out);
  return out;
}

Identified Rules::check_upload(std::string_view kind_key, std::string_view bytes, int count_of_kind,
                               std::uint64_t application_bytes) const {
  const Kind* k = kind(kind_key);
  if (k == nullptr) {
    throw Error(Errc::invalid_argument, "unknown attachment kind '" + std::string(kind_key) + "'",
                "附件类别无效：" + std::string(kind_key));
  }
  if (count_of_kind < 0) {
    throw Error(Errc::invalid_argument, "count_of_kind is negative");
  }
  std::uint64_t size = bytes.size();
  if (size > max_file_bytes_) {
    throw Error(Errc::invalid_argument,
                "file of " + std::to_string(size) + " bytes exceeds max_file_bytes " +
                    std::to_string(max_file_bytes_),
                "文件过大（" + format_bytes(size, true) + "），单个文件不能超过" +
                    format_bytes(max_file_bytes_, false));
  }
  if (application_bytes > max_application_bytes_ ||
      size > max_application_bytes_ - application_bytes) {
    throw Error(Errc::invalid_argument,
                "application total would be " + std::to_string(application_bytes) + " + " +
                    std::to_string(size) + " bytes, over max_application_bytes " +
                    std::to_string(max_application_bytes_),
                "附件总大小超过上限" + format_bytes(max_application_bytes_, false) + "（已上传" +
                    format_bytes(application_bytes, true) + "），请删除不需要的附件或压缩后再上传");
  }
  Identified id = identify(bytes);
  if (!has(k->types, id.type)) {
    std::string accepted;
    for (FileType t : k->types) {
      if (!accepted.empty()) accepted += "、";
      accepted += file_type_label(t);
    }
    throw Error(Errc::invalid_argument,
                "kind '" + k->key + "' does not accept " + std::string(file_type_name(id.type)),
                "「" + k->label + "」只接受" + accepted + "格式，此文件是" +
                    std::string(file_type_label(id.type)) + "格式");
  }
  if (count_of_kind >= k->max_count) {
    throw Error(Errc::invalid_argument,
                "kind '" + k->key + "' already has " + std::to_string(count_of_kind) +
                    " files, max_count " + std::to_string(k->max_count),
                "「" + k->label + "」最多上传" + std::to_string(k->max_count) + "个文件");
  }
  return id;
}

}  // namespace fuma::attachments
