// SPDX-License-Identifier: Apache-2.0
// guide.get: 服务指南 for one business type or all six. The locality's words
// come from the guide and locality data; 办理流程, 申请材料 and 表格下载 come
// from the workflow, the checklist and the form templates the engine runs
// with.
#include <algorithm>
#include <boost/json/array.hpp>

#include "command.hpp"
#include "form.hpp"
#include "forms/forms.hpp"
#include "fuma/attachments.hpp"
#include "fuma/error.hpp"
#include "fuma/workflow.hpp"
#include "guide/guide.hpp"
#include "pdf/pdf.hpp"
#include "printing.hpp"

namespace fuma::engine {
namespace {

namespace json = boost::json;

// "名称、单位类别、证书有效期"
std::string item_labels(const std::vector<attachments::ChangeItem>& items) {
  std::string out;
  for (const attachments::ChangeItem i : items) {
    out += (out.empty() ? "" : "、") + std::string(change_item_label(i));
  }
  return out;
}

// 申请材料 and the sentence that frames it, both from the checklist and the
// workflow: on site, what to bring; online, what a unit with a fixed-term
// certificate uploads (a long-term one uploads nothing), and for a change
// which items need which kind.
void put_materials(json::object& o, const Context& ctx, const workflow::Business& b,
                   const std::string& form_title) {
  const attachments::Rules& rules = ctx.domain.rules;
  json::array materials;
  std::string note;
  const std::string form = form_title.empty() ? "申请表" : "《" + form_title + "》";
  if (!b.online) {
    // A checklist older than on_site lists an on-site business's materials
    // as uploads: they are what to bring all the same.
    std::vector<const attachments::Kind*> bring = rules.on_site(b.key);
    if (bring.empty()) bring = rules.allowed(b.key, {});
    for (const attachments::Kind* k : bring) {
      materials.push_back(json::object{{"kind", k->key},
                                       {"label", k->label},
                                       {"when", "on_site"},
                                       {"required_for_fixed_term", false},
                                       {"items", json::array()}});
    }
    // Nothing is uploaded for these: the unit brings it all to the window.
    note = materials.empty() ? "需要现场办理：请携带" : "需要现场办理：请携带以下材料，连同";
    note += "填写完整并签字盖章的" + form +
            "（可在“表格下载”下载空白表格），到登记管理机关（或相应的政务服务窗口单位）办理。";
    o["materials"] = std::move(materials);
    o["materials_note"] = std::move(note);
    return;
  }
  std::vector<attachments::ChangeItem> items;
  if (b.entry == workflow::Entry::change_items) {
    items = {attachments::ChangeItem::name, attachments::ChangeItem::address,
             attachments::ChangeItem::responsible_person, attachments::ChangeItem::category,
             attachments::ChangeItem::validity};
  }
  const auto required = rules.required(b.key, attachments::Validity::fixed_term, items);
  for (const attachments::Kind* k : rules.allowed(b.key, items)) {
    const bool needed = std::find(required.begin(), required.end(), k) != required.end();
    json::array for_items;
    const std::vector<attachments::ChangeItem> needing = rules.items_needing(b.key, k->key);
    for (const attachments::ChangeItem i : needing) {
      for_items.push_back(json::string(attachments::change_item_name(i)));
    }
    json::object m{{"kind", k->key},
                   {"label", k->label},
                   {"when", needed ? "fixed_term" : "optional"},
                   {"required_for_fixed_term", needed},
                   {"items", std::move(for_items)}};
    if (!needing.empty()) m["items_label"] = item_labels(needing);
    materials.push_back(std::move(m));
  }
  if (materials.empty()) {
    note = "只需在线录入信息、提交申请，无需上传附件材料。";
  } else if (required.empty()) {
    note = "只需在线录入信息、提交申请；所列材料可选择上传。";
  } else if (!items.empty()) {
    note =
        "证书长期有效的单位只需在线录入信息、提交申请；证书有有效期的单位，按所变更的事项上传"
        "所列材料后提交。";
  } else {
    note = "证书长期有效的单位只需在线录入信息、提交申请；证书有有效期的单位须上传所列材料后提交。";
  }
  note +=
      "复核通过后下载" + form + "，签字盖章后面交或邮寄至赋码机关（或相应的政务服务窗口单位）。";
  o["materials"] = std::move(materials);
  o["materials_note"] = std::move(note);
}

json::value optional_text(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

json::object locality_json(const guide::Locality& l) {
  json::array phones;
  for (const std::string& t : l.telephones) phones.push_back(json::string(t));
  return json::object{{"office", optional_text(l.office)},
                      {"window_address", optional_text(l.window_address)},
                      {"office_hours", optional_text(l.office_hours)},
                      {"telephone", std::move(phones)},
                      {"postal_address", optional_text(l.postal_address)},
                      {"postal_code", optional_text(l.postal_code)},
                      {"postal_recipient", optional_text(l.postal_recipient)},
                      {"institution_registry_url", optional_text(l.institution_registry_url)},
                      {"note", optional_text(l.note)}};
}

json::object business_guide(const Context& ctx, const workflow::Business& b) {
  json::object o;
  o["business"] = b.key;
  o["label"] = b.label;
  o["online"] = b.online;
  const guide::Entry* e = ctx.domain.guide.entry(b.key);
  o["scope"] = e ? e->scope : "";
  o["notes"] = e ? e->notes : "";
  json::array process;
  if (b.online) {
    for (const workflow::Status& s : ctx.domain.workflow.statuses()) {
      json::object step{{"status", s.key}, {"label", s.label}};
      step["time_limit_days"] =
          s.time_limit_days ? json::value(*s.time_limit_days) : json::value(nullptr);
      process.push_back(std::move(step));
    }
  }
  o["process"] = std::move(process);
  json::object form;
  form["key"] = b.form;
  std::string title;
  try {
    title = ctx.printing ? ctx.printing->form(b.form).title()
                         : forms::Template::standard(b.form).title();
    form["title"] = title;
  } catch (const Error&) {
    form["title"] = nullptr;
  }
  o["form"] = std::move(form);
  put_materials(o, ctx, b, title);
  o["contact"] = ctx.domain.locality.contact_text(ctx.domain.guide.contact());
  return o;
}

Output guide_get(Context& ctx) {
  const auto business = ctx.args.optional_string("business");
  ctx.args.finish();
  json::array list;
  for (const workflow::Business& b : ctx.domain.workflow.businesses()) {
    if (business && b.key != *business) continue;
    list.push_back(business_guide(ctx, b));
  }
  if (business && list.empty()) {
    bad_arg("business", "is not a business type", "办理事项不存在");
  }
  json::object out;
  out["guide"] = std::move(list);
  out["locality"] = locality_json(ctx.domain.locality);
  return answer(std::move(out));
}

constexpr Command kGuide = [] {
  Command c;
  c.name = "guide.get";
  c.summary_zh = "服务指南：受理范围及条件、办理流程、申请材料、表格下载、联系电话";
  c.summary_en = "The service guide (服务指南) of one business type, or of all of them.";
  c.callers = caller::anonymous;
  c.effect = Effect::stateless;
  c.args = R"({"type": "object", "additionalProperties": false,
    "properties": {"business": {"type": ["string", "null"],
                                "description": "a business key; absent: every business"}}})";
  c.result = R"({"type": "object", "additionalProperties": false, "required": ["guide", "locality"],
    "properties": {
      "locality": {"type": "object", "additionalProperties": false,
        "description": "联系电话及其他 as fields, and 事业单位法人信息查询's address; null: not given",
        "required": ["office", "window_address", "office_hours", "telephone", "postal_address",
                     "postal_code", "postal_recipient", "institution_registry_url", "note"],
        "properties": {
          "office": {"type": ["string", "null"], "description": "办理机关"},
          "window_address": {"type": ["string", "null"], "description": "现场办理地点"},
          "office_hours": {"type": ["string", "null"], "description": "办公时间"},
          "telephone": {"type": "array", "items": {"type": "string"}, "description": "咨询电话"},
          "postal_address": {"type": ["string", "null"], "description": "邮寄地址"},
          "postal_code": {"type": ["string", "null"], "pattern": "^[0-9]{6}$"},
          "postal_recipient": {"type": ["string", "null"]},
          "institution_registry_url": {"type": ["string", "null"],
            "description": "the locality's registry of 事业单位, for 事业单位法人信息查询"},
          "note": {"type": ["string", "null"]}}},
      "guide": {"type": "array", "items": {"type": "object",
      "additionalProperties": false,
      "required": ["business", "label", "online", "scope", "notes", "process", "materials",
                   "materials_note", "form", "contact"],
      "properties": {
        "business": {"type": "string"}, "label": {"type": "string"},
        "online": {"type": "boolean", "description": "false: 需要现场办理"},
        "scope": {"type": "string", "description": "受理范围及条件"},
        "notes": {"type": "string"},
        "process": {"type": "array", "description": "办理流程: empty for on-site businesses",
          "items": {"type": "object", "additionalProperties": false,
            "required": ["status", "label", "time_limit_days"],
            "properties": {"status": {"type": "string"}, "label": {"type": "string"},
                           "time_limit_days": {"type": ["integer", "null"]}}}},
        "materials": {"type": "array",
          "description": "申请材料: on site, what to bring; online, what may be uploaded",
          "items": {"type": "object", "additionalProperties": false,
            "required": ["kind", "label", "when", "required_for_fixed_term", "items"],
            "properties": {"kind": {"type": "string"}, "label": {"type": "string"},
              "when": {"enum": ["on_site", "fixed_term", "optional"],
                       "description": "on_site: brought to the window; fixed_term: uploaded by a unit whose certificate has an expiry date; optional: may be uploaded"},
              "required_for_fixed_term": {"type": "boolean"},
              "items": {"type": "array", "items": {"type": "string"},
                        "description": "a change's items that need it; empty: any"},
              "items_label": {"type": "string", "description": "those items, as people name them"}}}},
        "materials_note": {"type": "string",
          "description": "what the list means for this business, and what happens to the form"},
        "form": {"type": "object", "additionalProperties": false, "required": ["key", "title"],
                 "properties": {"key": {"type": "string"},
                                "title": {"type": ["string", "null"]}}},
        "contact": {"type": "string",
                    "description": "联系电话及其他 as one text: the locality's fields, then the guide's note"}}}}}})";
  c.run = guide_get;
  return c;
}();

// --- form.blank ---------------------------------------------------------------------

// 表格下载: the blank form of a business, from the template that prints the
// filled one, with the business's box ticked; or a form by its key (the
// 申领表). Nothing on it is a record's, so it carries no check code and no
// 仅供核对 mark, and anyone may have it.
Output form_blank(Context& ctx) {
  const auto business = ctx.args.optional_string("business");
  const auto form_arg = ctx.args.optional_string("form");
  ctx.args.finish();
  const workflow::Business* b = nullptr;
  std::string key;
  if (business) {
    b = ctx.domain.workflow.business(*business);
    if (b == nullptr) bad_arg("business", "is not a business type", "办理事项不存在");
    key = b->form;
    if (form_arg && *form_arg != key) {
      bad_arg("form", "is not the form of business '" + b->key + "' (" + key + ")",
              "该表格不是所选办理事项使用的表格");
    }
  } else if (form_arg) {
    key = std::string(*form_arg);
    const auto& all = ctx.domain.workflow.businesses();
    const bool case_form = std::any_of(all.begin(), all.end(),
                                       [&](const workflow::Business& x) { return x.form == key; });
    if (!case_form && key != "credential_request") {
      bad_arg("form", "is not a form a unit fills in (a business's form or credential_request)",
              "没有这种空白表格");
    }
  } else {
    bad_arg("business", "or form is required", "请选择要下载的表格");
  }
  const forms::Template& form =
      ctx.printing ? ctx.printing->form(key) : forms::Template::standard(key);
  forms::Values v;
  if (b != nullptr) v.fields["application.business"] = b->key;
  std::string data = form.render(v, ctx.printing ? ctx.printing->font() : pdf::Font::standard(),
                                 "2026-01-01T00:00:00Z");
  json::object o;
  o["media_type"] = "application/pdf";
  o["form"] = form.key();
  o["title"] = form.title();
  o["file_name"] = form.title() + (b != nullptr ? "（" + b->label + "）" : std::string()) + ".pdf";
  return answer(std::move(o), std::move(data));
}

constexpr Command kFormBlank = [] {
  Command c;
  c.name = "form.blank";
  c.summary_zh = "表格下载：办理事项使用的空白表格（申请表、变更申请表、申领表）";
  c.summary_en =
      "The blank form a business uses, with its box ticked, or a form by key, as a PDF: "
      "printed from the templates of the filled forms, for anyone.";
  c.callers = caller::anonymous;
  c.effect = Effect::stateless;
  c.returns =
      Bytes{Presence::required, "application/pdf", "{form title}[（{business label}）].pdf"};
  c.args = R"({"type": "object", "additionalProperties": false,
    "description": "business, form, or both when they agree",
    "properties": {
      "business": {"type": ["string", "null"],
                   "description": "a business key: its form (the workflow's), its box ticked"},
      "form": {"type": ["string", "null"],
               "description": "a form key: a business's form (application, change) or credential_request"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["media_type", "form", "title", "file_name"],
    "properties": {"media_type": {"$ref": "#/$defs/pdf"},
                   "form": {"type": "string", "description": "the template's key"},
                   "title": {"type": "string"}, "file_name": {"type": "string"}}})";
  c.run = form_blank;
  return c;
}();

}  // namespace

std::vector<Command> guide_commands() { return {kGuide, kFormBlank}; }

}  // namespace fuma::engine
