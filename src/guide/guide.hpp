// SPDX-License-Identifier: Apache-2.0
// 服务指南: what a unit reads before it applies, for each business type. The
// words a locality writes (受理范围及条件, 联系电话及其他, notes) are data,
// validated on load; the rest of the guide (办理流程, 申请材料, 表格下载) the
// engine derives from the workflow, the checklist and the form templates, so
// the guide never disagrees with what the system does.
#ifndef FUMA_SRC_GUIDE_GUIDE_HPP
#define FUMA_SRC_GUIDE_GUIDE_HPP

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

  const std::string& contact() const { return contact_; }
  const Entry* entry(std::string_view business) const;
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::string contact_;
  std::vector<Entry> entries_;
};

}  // namespace fuma::guide

#endif  // FUMA_SRC_GUIDE_GUIDE_HPP
