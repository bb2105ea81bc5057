// SPDX-License-Identifier: Apache-2.0
#include "fuma/attachments.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "datafile/datafile.hpp"
#include "fuma/error.hpp"
#include "fuma_embedded.hpp"

namespace fuma::attachments {
namespace {

namespace json = boost::json;
using datafile::element;
using datafile::member;

// The business keys of DESIGN.md: without a workflow's keys, a checklist for
// anything else is a typo.
constexpr std::string_view kBusinesses[] = {"initial", "change", "reissue",
                                            "replace", "revoke", "extension"};

constexpr std::string_view kChangeItems[] = {"name", "address", "responsible_person", "category",
                                             "validity"};

// The keys a checklist may name: the engine's workflow's, else the six.
std::vector<std::string> business_keys(const std::vector<std::string>& given) {
  if (!given.empty()) return given;
  return {std::begin(kBusinesses), std::end(kBusinesses)};
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

Rules Rules::parse(std::string_view text, std::string_view source,
                   const std::vector<std::string>& businesses) {
  const datafile::Reporter r(source, "附件清单数据格式错误：");
  const json::value doc = datafile::parse(text, r);
  const datafile::Object top(doc, "", {"version", "description", "limits", "kinds", "businesses"},
                             r);
  top.require_version(1);
  top.optional_text("description");

  Rules rules;
  const datafile::Object limits = top.record("limits", {"max_file_bytes", "max_application_bytes"});
  rules.max_file_bytes_ = limits.count("max_file_bytes");
  rules.max_application_bytes_ = limits.count("max_application_bytes");
  if (rules.max_file_bytes_ > rules.max_application_bytes_) {
    r.fail(limits.at("max_file_bytes"), "exceeds max_application_bytes");
  }

  const json::array& kinds = top.array("kinds");
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    const datafile::Object o(kinds[i], element("kinds", i), {"key", "label", "types", "max_count"},
                             r);
    Kind kind;
    kind.key = o.key("key");
    if (rules.kind(kind.key) != nullptr) {
      r.fail(o.at("key"), "duplicate kind '" + kind.key + "'");
    }
    kind.label = o.text("label");
    const json::array& types = o.array("types");
    if (types.empty()) r.fail(o.at("types"), "empty type list: the kind could never be uploaded");
    for (std::size_t t = 0; t < types.size(); ++t) {
      std::string type_path = element(o.at("types"), t);
      std::string name = datafile::as_text(types[t], type_path, r);
      std::optional<FileType> type = parse_file_type(name);
      if (!type) r.fail(type_path, "unknown file type '" + name + "' (expected pdf, jpeg or png)");
      if (has(kind.types, *type)) r.fail(type_path, "repeated file type '" + name + "'");
      kind.types.push_back(*type);
    }
    if (auto n = o.optional_count("max_count", INT_MAX)) kind.max_count = static_cast<int>(*n);
    rules.kinds_.push_back(std::move(kind));
  }

  // A list of kind keys: defined, each once.
  auto kind_list = [&](const json::value& v, const std::string& path) {
    std::vector<std::string> keys;
    const json::array& a = datafile::as_array(v, path, r);
    for (std::size_t i = 0; i < a.size(); ++i) {
      std::string item_path = element(path, i);
      std::string key = datafile::as_text(a[i], item_path, r);
      if (rules.kind(key) == nullptr) r.fail(item_path, "unknown kind '" + key + "'");
      if (has(keys, key)) r.fail(item_path, "repeated kind '" + key + "'");
      keys.push_back(std::move(key));
    }
    return keys;
  };

  const std::vector<std::string> keys = business_keys(businesses);
  std::string expected;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    expected += (i == 0 ? "" : i + 1 == keys.size() ? " or " : ", ") + keys[i];
  }
  for (const auto& entry : top.object("businesses")) {
    std::string business(entry.key().data(), entry.key().size());
    std::string path = member("businesses", business);
    if (std::find(keys.begin(), keys.end(), business) == keys.end()) {
      r.fail(path, "unknown business type '" + business + "' (expected " + expected + ")");
    }
    const datafile::Object o(entry.value(), path, {"fixed_term", "per_item", "optional", "on_site"},
                             r);
    Checklist list;
    list.business = business;
    if (const json::value* v = o.find("fixed_term")) {
      list.fixed_term = kind_list(*v, o.at("fixed_term"));
    }
    if (const json::value* v = o.find("per_item")) {
      std::string items_path = o.at("per_item");
      if (business != "change") r.fail(items_path, "per_item applies only to change");
      for (const auto& item : datafile::as_object(*v, items_path, r)) {
        std::string name(item.key().data(), item.key().size());
        std::string item_path = member(items_path, name);
        std::optional<ChangeItem> parsed = parse_change_item(name);
        if (!parsed) {
          r.fail(item_path, "unknown change item '" + name +
                                "' (expected name, address, responsible_person, category or "
                                "validity)");
        }
        list.per_item.emplace_back(*parsed, kind_list(item.value(), item_path));
      }
    }
    if (const json::value* v = o.find("optional")) {
      std::string optional_path = o.at("optional");
      list.optional = kind_list(*v, optional_path);
      for (std::size_t i = 0; i < list.optional.size(); ++i) {
        const std::string& key = list.optional[i];
        bool required = has(list.fixed_term, key) ||
                        std::any_of(list.per_item.begin(), list.per_item.end(),
                                    [&](const auto& p) { return has(p.second, key); });
        if (required) {
          r.fail(element(optional_path, i),
                 "kind '" + key + "' is also required; a kind is either required or optional");
        }
      }
    }
    if (const json::value* v = o.find("on_site")) {
      // A business is done either at the window or online: what is brought
      // there is never uploaded, so one checklist cannot hold both.
      if (!list.fixed_term.empty() || !list.per_item.empty() || !list.optional.empty()) {
        r.fail(o.at("on_site"),
               "a business done on site takes no uploads: on_site cannot stand beside "
               "fixed_term, per_item or optional");
      }
      list.on_site = kind_list(*v, o.at("on_site"));
      if (list.on_site.empty()) r.fail(o.at("on_site"), "must name at least one kind");
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

const Rules::Checklist* Rules::checklist(std::string_view business) const {
  auto it = std::find_if(checklists_.begin(), checklists_.end(),
                         [&](const Checklist& c) { return c.business == business; });
  // A business the checklists do not list (an on-site one, or one a
  // locality's workflow adds) needs nothing and takes no uploads.
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
  const Checklist* list = checklist(business);
  std::vector<const Kind*> out;
  if (list != nullptr && validity == Validity::fixed_term) collect(*list, items, false, out);
  return out;
}

std::vector<const Kind*> Rules::allowed(std::string_view business,
                                        const std::vector<ChangeItem>& items) const {
  const Checklist* list = checklist(business);
  std::vector<const Kind*> out;
  if (list != nullptr) collect(*list, items, true, out);
  return out;
}

std::vector<const Kind*> Rules::on_site(std::string_view business) const {
  const Checklist* list = checklist(business);
  std::vector<const Kind*> out;
  if (list != nullptr) {
    for (const std::string& key : list->on_site) out.push_back(kind(key));
  }
  return out;
}

std::vector<ChangeItem> Rules::items_needing(std::string_view business,
                                             std::string_view kind_key) const {
  const Checklist* list = checklist(business);
  std::vector<ChangeItem> out;
  if (list == nullptr) return out;
  for (const auto& [item, keys] : list->per_item) {
    if (std::find(keys.begin(), keys.end(), kind_key) != keys.end()) out.push_back(item);
  }
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
