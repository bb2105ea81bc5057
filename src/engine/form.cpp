// SPDX-License-Identifier: Apache-2.0
#include "form.hpp"

#include <algorithm>
#include <boost/json/array.hpp>

#include "fuma/error.hpp"
#include "text.hpp"

namespace fuma::engine {

const std::string_view kLongTerm = "长期有效";
const std::string_view kOnSiteValidity = "证书有效期不能在线变更，证书延期需要现场办理";

namespace {

namespace json = boost::json;
using attachments::ChangeItem;

using workflow::Entry;

// Every online business has an entry form (the workflow's load checks it);
// none here is a case whose business the workflow no longer puts online.
Entry require_entry(Entry entry) {
  if (entry == Entry::none) throw Error(Errc::internal, "the business has no online entry form");
  return entry;
}

struct Category {
  std::string_view name;
  char code;
};
// GB 32100 categories of registration authority 1 (机构编制) that this
// service registers: 机关 1, 群团 3, 其他 9.
constexpr Category kCategories[] = {{"机关", '1'}, {"群团", '3'}, {"其他", '9'}};

struct ItemSpec {
  ChangeItem item;
  std::string_view label;
  std::size_t max_chars;
};
constexpr ItemSpec kItems[] = {
    {ChangeItem::name, "名称", 100},
    {ChangeItem::address, "住所", 200},
    {ChangeItem::responsible_person, "负责人", 50},
    {ChangeItem::category, "单位类别", 10},
    {ChangeItem::validity, "证书有效期", 10},
};

const ItemSpec& spec(ChangeItem item) {
  return *std::find_if(std::begin(kItems), std::end(kItems),
                       [&](const ItemSpec& s) { return s.item == item; });
}

}  // namespace

std::string_view change_item_label(ChangeItem item) { return spec(item).label; }

namespace {

constexpr std::size_t kMaxItems = 10;
constexpr std::size_t kMaxDraftChars = 1000;
constexpr std::size_t kMaxReasonChars = 500;

class Problems {
 public:
  void add(std::string field, std::string message) {
    list_.push_back(Problem{std::move(field), std::move(message), {}, {}});
  }
  void raise(std::string_view what) const {
    if (list_.empty()) return;
    std::string first = list_.front().message;
    if (list_.size() > 1) first += "等" + std::to_string(list_.size()) + "项问题";
    throw Error(Errc::invalid_argument,
                std::string(what) + ": " + std::to_string(list_.size()) + " problem(s), first at " +
                    list_.front().field,
                std::move(first), list_);
  }

 private:
  std::vector<Problem> list_;
};

const json::string* string_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

bool present(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && !v->is_null();
}

// Refuses keys the form does not have, naming each.
void unknown_keys(const json::object& o, std::initializer_list<std::string_view> known,
                  const std::string& prefix, Problems& problems) {
  for (const auto& kv : o) {
    if (std::find(known.begin(), known.end(), kv.key()) == known.end()) {
      problems.add(prefix + std::string(kv.key()), "不支持的填写项“" + std::string(kv.key()) + "”");
    }
  }
}

// A draft string: a string if present, within the draft bound.
void draft_string(const json::object& o, std::string_view key, const std::string& field,
                  Problems& problems) {
  if (!present(o, key)) return;
  const json::string* s = string_at(o, key);
  if (s == nullptr) {
    problems.add(field, "应为文字");
  } else if (char_count(*s) > kMaxDraftChars) {
    problems.add(field, "内容过长");
  }
}

std::string current_value(ChangeItem item, const store::Unit& unit,
                          const std::optional<store::Certificate>& certificate) {
  switch (item) {
    case ChangeItem::name:
      return unit.name;
    case ChangeItem::address:
      return unit.address;
    case ChangeItem::responsible_person:
      return unit.responsible_person;
    case ChangeItem::category:
      return unit.category;
    case ChangeItem::validity:
      return validity_text(certificate);
  }
  return {};
}

// The new value of an item, checked; the problem goes to `field`.
std::string check_new_value(ChangeItem item, std::string_view raw, const std::string& field,
                            Problems& problems) {
  const ItemSpec& s = spec(item);
  Checked c = check_text(raw, s.label, TextRule{s.max_chars, false});
  if (!c.problem.empty()) {
    problems.add(field, c.problem);
    return c.value;
  }
  if (c.value.empty()) {
    problems.add(field, "请填写变更后的" + std::string(s.label));
    return c.value;
  }
  if (item == ChangeItem::category && !category_code(c.value)) {
    problems.add(field, "单位类别应为机关、群团或其他");
  }
  return c.value;
}

json::object draft_items(const json::object& fields, Problems& problems) {
  json::object out;
  unknown_keys(fields, {"items", "reason"}, "", problems);
  draft_string(fields, "reason", "reason", problems);
  if (const json::string* r = string_at(fields, "reason")) out["reason"] = *r;
  if (!present(fields, "items")) return out;
  const json::array* items = fields.at("items").if_array();
  if (items == nullptr) {
    problems.add("items", "变更事项应为列表");
    return out;
  }
  if (items->size() > kMaxItems) problems.add("items", "变更事项过多");
  json::array kept;
  for (std::size_t i = 0; i < items->size() && i < kMaxItems; ++i) {
    const std::string at = "items[" + std::to_string(i) + "].";
    const json::object* item = (*items)[i].if_object();
    if (item == nullptr) {
      problems.add("items[" + std::to_string(i) + "]", "变更事项格式有误");
      continue;
    }
    unknown_keys(*item, {"item", "old", "new"}, at, problems);
    json::object k;
    if (present(*item, "item")) {
      const json::string* name = string_at(*item, "item");
      const auto which = name ? attachments::parse_change_item(*name) : std::nullopt;
      if (!which) {
        problems.add(at + "item", "变更事项应为名称、住所、负责人或单位类别之一");
      } else if (*which == ChangeItem::validity) {
        // 证书延期 is an on-site business; the expiry is the authority's to
        // set there (certificate.extend), later or earlier alike.
        problems.add(at + "item", std::string(kOnSiteValidity));
      } else {
        k["item"] = *name;
      }
    }
    draft_string(*item, "new", at + "new", problems);
    if (const json::string* v = string_at(*item, "new")) k["new"] = *v;
    kept.push_back(std::move(k));
  }
  out["items"] = std::move(kept);
  return out;
}

json::object draft_reason(const json::object& fields, Problems& problems) {
  json::object out;
  unknown_keys(fields, {"reason"}, "", problems);
  draft_string(fields, "reason", "reason", problems);
  if (const json::string* r = string_at(fields, "reason")) out["reason"] = *r;
  return out;
}

}  // namespace

std::string validity_text(const std::optional<store::Certificate>& certificate) {
  if (certificate && certificate->valid_until) return *certificate->valid_until;
  return std::string(kLongTerm);
}

std::optional<char> category_code(std::string_view category) {
  for (const Category& c : kCategories) {
    if (c.name == category) return c.code;
  }
  return std::nullopt;
}

json::object check_draft(Entry entry, const json::object& fields) {
  Problems problems;
  json::object out = require_entry(entry) == Entry::change_items ? draft_items(fields, problems)
                                                                 : draft_reason(fields, problems);
  problems.raise("fields");
  return out;
}

json::object validate_submission(Entry entry, const json::object& fields, const store::Unit& unit,
                                 const std::optional<store::Certificate>& certificate) {
  // Whatever a draft may not hold, a submission may not either.
  json::object draft = check_draft(entry, fields);
  Problems problems;
  json::object out;
  const bool reason_required = entry == Entry::reason;
  {
    const json::string* raw = string_at(draft, "reason");
    Checked c = check_text(raw ? std::string_view(*raw) : std::string_view(), "申请理由",
                           TextRule{kMaxReasonChars, true});
    if (!c.problem.empty()) {
      problems.add("reason", c.problem);
    } else if (c.value.empty() && reason_required) {
      problems.add("reason", "请填写申请理由");
    }
    if (!c.value.empty() || reason_required) out["reason"] = c.value;
  }
  if (entry == Entry::change_items) {
    const json::array* items = draft.contains("items") ? draft.at("items").if_array() : nullptr;
    if (items == nullptr || items->empty()) {
      problems.add("items", "请至少填写一项变更事项");
    }
    json::array kept;
    std::vector<ChangeItem> seen;
    for (std::size_t i = 0; items && i < items->size(); ++i) {
      const std::string at = "items[" + std::to_string(i) + "].";
      const json::object& item = (*items)[i].as_object();
      const json::string* name = string_at(item, "item");
      if (name == nullptr) {
        problems.add(at + "item", "请选择变更事项");
        continue;
      }
      const ChangeItem which = *attachments::parse_change_item(*name);
      if (std::find(seen.begin(), seen.end(), which) != seen.end()) {
        problems.add(at + "item", "变更事项“" + std::string(spec(which).label) + "”重复");
        continue;
      }
      seen.push_back(which);
      const json::string* raw = string_at(item, "new");
      const std::string value = check_new_value(
          which, raw ? std::string_view(*raw) : std::string_view(), at + "new", problems);
      const std::string old = current_value(which, unit, certificate);
      if (!value.empty() && value == old) {
        problems.add(at + "new", std::string(spec(which).label) + "与原值相同");
      }
      json::object k;
      k["item"] = *name;
      k["old"] = old;
      k["new"] = value;
      kept.push_back(std::move(k));
    }
    out["items"] = std::move(kept);
  }
  problems.raise("fields");
  return out;
}

std::vector<ChangeItem> change_items(const json::object& fields) {
  std::vector<ChangeItem> out;
  const json::value* items = fields.if_contains("items");
  if (items == nullptr || !items->is_array()) return out;
  for (const json::value& v : items->get_array()) {
    const json::object* o = v.if_object();
    const json::string* name = o ? string_at(*o, "item") : nullptr;
    const auto item = name ? attachments::parse_change_item(*name) : std::nullopt;
    if (item && std::find(out.begin(), out.end(), *item) == out.end()) out.push_back(*item);
  }
  return out;
}

json::object fields_view(Entry entry, const json::object& fields, const store::Unit& unit,
                         const std::optional<store::Certificate>& certificate) {
  json::object out = fields;
  if (entry != Entry::change_items) return out;
  const json::value* items = fields.if_contains("items");
  if (items == nullptr || !items->is_array()) return out;
  json::array shown(fields.storage());
  for (const json::value& v : items->get_array()) {
    json::object item = v.is_object() ? v.get_object() : json::object(fields.storage());
    const json::string* name = string_at(item, "item");
    const auto which = name ? attachments::parse_change_item(*name) : std::nullopt;
    if (which) {
      item["label"] = spec(*which).label;
      if (!item.contains("old")) item["old"] = current_value(*which, unit, certificate);
    }
    shown.push_back(std::move(item));
  }
  out["items"] = std::move(shown);
  return out;
}

void apply_change(const json::object& fields, store::Unit& unit) {
  const json::value* items = fields.if_contains("items");
  if (items == nullptr || !items->is_array()) return;
  for (const json::value& v : items->get_array()) {
    // Submit stored these items validated; anything else is not a change.
    const json::object* item = v.if_object();
    const json::string* name = item ? string_at(*item, "item") : nullptr;
    const json::string* raw = item ? string_at(*item, "new") : nullptr;
    const auto which = name ? attachments::parse_change_item(*name) : std::nullopt;
    if (!which || raw == nullptr) {
      throw Error(Errc::internal, "a submitted change item is malformed");
    }
    const std::string value(*raw);
    switch (*which) {
      case ChangeItem::name:
        unit.name = value;
        break;
      case ChangeItem::address:
        unit.address = value;
        break;
      case ChangeItem::responsible_person:
        unit.responsible_person = value;
        break;
      case ChangeItem::category:
        unit.category = value;
        break;
      case ChangeItem::validity:
        // Never online: a case submitted while validity was still a change
        // item completes without it (证书延期 is done on site).
        break;
    }
  }
}

}  // namespace fuma::engine
