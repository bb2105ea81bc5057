// SPDX-License-Identifier: Apache-2.0
// 服务指南: what a unit reads before it applies, for each business type. The
// words a locality writes (受理范围及条件, notes) are data, validated on load,
// and so is where and how to reach its office (Locality: 联系电话及其他, and
// the registry of 事业单位 the home page links to); the rest of the guide
// (办理流程, 申请材料, 表格下载) the engine derives from the workflow, the
// checklist and the form templates, so the guide never disagrees with what the
// system does.
#ifndef FUMA_SRC_GUIDE_GUIDE_HPP
#define FUMA_SRC_GUIDE_GUIDE_HPP

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fuma::guide {

struct Entry {
  std::string business;  // a workflow business key
  std::string scope;     // 受理范围及条件
  std::string notes;     // what else to know (现场办理, what to send)
};

class Guide {
 public:
  // Throws Error(invalid_argument) naming `source` and the defect: a
  // business repeated, or one the `businesses` list does not have (the
  // workflow's keys), or one of them missing. An empty `businesses` checks
  // none of this (the shipped guide beside a locality's own workflow).
  static Guide parse(std::string_view text, std::string_view source,
                     const std::vector<std::string>& businesses);
  // The shipped guide, for the shipped workflow.
  static const Guide& standard();

  // A note shown under 联系电话及其他 after the locality's details; may be
  // empty.
  const std::string& contact() const { return contact_; }
  const Entry* entry(std::string_view business) const;
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::string contact_;
  std::vector<Entry> entries_;
};

// Where and how a unit reaches its registration authority: 联系电话及其他 of
// every business, and the address 事业单位法人信息查询 leads to. Every field
// may be absent (the shipped file has none: the library knows no office);
// what is present is checked on load.
struct Locality {
  std::optional<std::string> office;          // 办理机关 (深圳市委编办登记管理处)
  std::optional<std::string> window_address;  // 现场办理地点
  std::optional<std::string> office_hours;    // 办公时间
  std::vector<std::string> telephones;        // 咨询电话: "0755-12345678" or with a （note）
  std::optional<std::string> postal_address;  // 邮寄地址 of 面交或邮寄
  std::optional<std::string> postal_code;     // six digits
  std::optional<std::string> postal_recipient;
  // 事业单位法人信息查询: the locality's registry of public institutions,
  // an http(s) address outside fuma.
  std::optional<std::string> institution_registry_url;
  std::optional<std::string> note;  // anything else

  // Throws Error(invalid_argument) naming `source` and the place of the
  // defect: a telephone that is not a number, a postal code that is not six
  // digits or stands without an address, an address that is not http(s).
  static Locality parse(std::string_view text, std::string_view source);
  // The shipped file: nothing known.
  static const Locality& standard();

  // 联系电话及其他 as one text: the details present (or, when none is,
  // where to ask), then `note` and `guide_note`.
  std::string contact_text(std::string_view guide_note) const;
};

}  // namespace fuma::guide

#endif  // FUMA_SRC_GUIDE_GUIDE_HPP
