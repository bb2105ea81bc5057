// SPDX-License-Identifier: Apache-2.0
// The entry forms (申请信息录入) an online business may have (its workflow
// "entry"), as JSON:
//   change_items (change):                {"items": [{"item": "name", "new": "..."}, ...],
//                                          "reason"?: "..."}
//   reason (reissue, replace, revoke):    {"reason": "..."}
// Items are name, address, responsible_person and category (机关, 群团,
// 其他). "validity" names the certificate's expiry only to be refused:
// 证书延期 is done on site, so no online change moves it, later or earlier.
// Old values always come from the unit and certificate records: an "old"
// sent by a client is dropped.
#ifndef FUMA_SRC_ENGINE_FORM_HPP
#define FUMA_SRC_ENGINE_FORM_HPP

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clock.hpp"
#include "fuma/attachments.hpp"
#include "fuma/workflow.hpp"
#include "store/store.hpp"

namespace fuma::engine {

// 暂存 keeps partial input: this checks only the shape and the types, and a
// generous size bound, reporting every problem at once (Error
// invalid_argument with problems). Returns what to store. Entry::none is
// Error(internal): every online business has a form.
boost::json::object check_draft(workflow::Entry entry, const boost::json::object& fields);

// 提交: everything must hold; every problem is reported at once. Returns the
// fields to store: trimmed, with each change item's old value taken from
// the records, so the case keeps what it changed.
boost::json::object validate_submission(workflow::Entry entry, const boost::json::object& fields,
                                        const store::Unit& unit,
                                        const std::optional<store::Certificate>& certificate);

// The change items the fields name, skipping unknown or repeated ones (the
// attachment checklist of a change depends on them).
std::vector<attachments::ChangeItem> change_items(const boost::json::object& fields);

// The fields for display: change items with their label and old value (as
// recorded at submit, else as the records say now).
boost::json::object fields_view(workflow::Entry entry, const boost::json::object& fields,
                                const store::Unit& unit,
                                const std::optional<store::Certificate>& certificate);

// Applies a completed change to the unit's record. The certificate stays
// as it is: its validity never changes online.
void apply_change(const boost::json::object& fields, store::Unit& unit);

// How a change item is named to people (名称, 住所, 负责人, 单位类别, 证书有效期).
std::string_view change_item_label(attachments::ChangeItem item);

// "长期有效" for a long-term certificate, else its expiry date.
std::string validity_text(const std::optional<store::Certificate>& certificate);
extern const std::string_view kLongTerm;
// The problem a "validity" change item gets (证书延期需要现场办理).
extern const std::string_view kOnSiteValidity;

// The unit categories a USCC of registration authority 1 can carry for the
// units this service manages, with their category code.
std::optional<char> category_code(std::string_view category);

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_FORM_HPP
