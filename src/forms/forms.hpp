// SPDX-License-Identifier: Apache-2.0
// The paper forms fuma prints (下载表格): the change application form, the
// application form of the other businesses, the 登录二维码图片申领表 and the
// certificate. Their layouts are data (JSON templates, src/forms/data/),
// validated on load; a locality replaces any of them with its own file. This
// module places the values a template binds onto a pdf::Document; it knows no
// records and no rules, the engine hands it the values.
//
// A template file:
//   {"version": 1, "key": "change", "kind": "change", "title": "...",
//    "page": {"width": 210, "height": 297},
//    "elements": [
//      {"type": "text", "at": [x, y], "text": "单位名称", "size"?: 12, "align"?: "left"},
//      {"type": "field", "at": [x, y], "box": [w, h], "field": "unit.name",
//       "size"?: 12, "min_size"?: 7, "align"?: "left"},
//      {"type": "line", "from": [x, y], "to": [x, y], "width"?: 0.6},
//      {"type": "rect", "at": [x, y], "box": [w, h], "width"?: 0.6},
//      {"type": "checkbox", "at": [x, y], "size"?: 3.5, "field": "...", "equals": "..."},
//      {"type": "table", "at": [x, y], "row_height": 10, "rows": 6, "size"?: 10,
//       "columns": [{"header": "变更事项", "width": 40, "field": "label"}, ...]},
//      {"type": "qr", "at": [x, y], "size": 24},
//      {"type": "mark", "at": [x, y], "text": "仅供核对", "size"?: 60, "angle"?: 30}]}
// Positions and sizes are millimetres from the page's top-left corner (y
// downwards; a text's y is its baseline), text sizes points. A "field" is
// wrapped to its box and set smaller, down to min_size, until it fits; a
// value that does not fit even then is an error, never cut off. A "mark" is
// drawn only while the values say so (仅供核对 before 复核通过).
#ifndef FUMA_SRC_FORMS_FORMS_HPP
#define FUMA_SRC_FORMS_FORMS_HPP

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pdf/pdf.hpp"

namespace fuma::forms {

// What a form is for; it decides which fields a template may bind.
enum class Kind { change, application, credential_request, certificate };

std::string_view kind_name(Kind kind) noexcept;
// The field names a template of `kind` may bind; table columns bind the
// row fields.
const std::vector<std::string_view>& fields_of(Kind kind);
const std::vector<std::string_view>& row_fields_of(Kind kind);

struct Values {
  std::map<std::string, std::string> fields;
  std::vector<std::map<std::string, std::string>> rows;
  std::string qr;     // the QR code's text; nothing is drawn when empty
  bool mark = false;  // draw the template's "mark" elements
};

class Template {
 public:
  // Throws Error(invalid_argument) naming `source` and the place of the
  // defect, including a binding to a field the kind does not have.
  static Template parse(std::string_view text, std::string_view source);
  // The shipped template of `key` ("change", "application",
  // "credential_request", "certificate"); Error(not_found) for another key.
  static const Template& standard(std::string_view key);

  Template(Template&&) noexcept;
  ~Template();

  const std::string& key() const;
  Kind kind() const;
  const std::string& title() const;
  // What the checkboxes bound to `field` tick for, in template order
  // ("application.business": initial, reissue, ...): which businesses a
  // case form offers.
  std::vector<std::string> choices(std::string_view field) const;

  // The form as PDF. Values the template binds but `values` lacks print
  // empty. Throws Error(invalid_argument) for a value that holds a
  // character the font lacks or that does not fit its box even at the
  // smallest size, naming the field.
  std::string render(const Values& values, std::shared_ptr<const pdf::Font> font,
                     const std::string& created_at) const;

  struct Impl;

 private:
  explicit Template(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fuma::forms

#endif  // FUMA_SRC_FORMS_FORMS_HPP
