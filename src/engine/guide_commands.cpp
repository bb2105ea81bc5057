// SPDX-License-Identifier: Apache-2.0
// guide.get: 服务指南 for one business type or all six. The locality's words
// come from the guide data; 办理流程, 申请材料 and 表格下载 come from the
// workflow, the checklist and the form templates the engine runs with.
#include <algorithm>
#include <boost/json/array.hpp>

#include "command.hpp"
#include "forms/forms.hpp"
#include "fuma/attachments.hpp"
#include "fuma/error.hpp"
#include "fuma/workflow.hpp"
#include "guide/guide.hpp"
#include "printing.hpp"

namespace fuma::engine {
namespace {

namespace json = boost::json;

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
  // A change's materials depend on its items: the guide lists them all.
  std::vector<attachments::ChangeItem> items;
  if (b.key == "change") {
    items = {attachments::ChangeItem::name, attachments::ChangeItem::address,
             attachments::ChangeItem::responsible_person, attachments::ChangeItem::category,
             attachments::ChangeItem::validity};
  }
  json::array materials;
  try {
    const auto required =
        ctx.domain.rules.required(b.key, attachments::Validity::fixed_term, items);
    for (const attachments::Kind* k : ctx.domain.rules.allowed(b.key, items)) {
      const bool needed = std::find(required.begin(), required.end(), k) != required.end();
      materials.push_back(
          json::object{{"kind", k->key}, {"label", k->label}, {"required_for_fixed_term", needed}});
    }
  } catch (const Error&) {
    // A locality's workflow may have businesses its checklist does not know:
    // they need nothing uploaded.
  }
  o["materials"] = std::move(materials);
  o["materials_note"] =
      "证书长期有效的单位只需在线录入信息、提交申请；证书有有效期的单位须按清单上传附件材料。";
  json::object form;
  form["key"] = b.form;
  try {
    form["title"] = ctx.printing ? ctx.printing->form(b.form).title()
                                 : forms::Template::standard(b.form).title();
  } catch (const Error&) {
    form["title"] = nullptr;
  }
  o["form"] = std::move(form);
  o["contact"] = ctx.domain.guide.contact();
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
  c.result = R"({"type": "object", "additionalProperties": false, "required": ["guide"],
    "properties": {"guide": {"type": "array", "items": {"type": "object",
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
        "materials": {"type": "array", "description": "申请材料",
          "items": {"type": "object", "additionalProperties": false,
            "required": ["kind", "label", "required_for_fixed_term"],
            "properties": {"kind": {"type": "string"}, "label": {"type": "string"},
                           "required_for_fixed_term": {"type": "boolean"}}}},
        "materials_note": {"type": "string"},
        "form": {"type": "object", "additionalProperties": false, "required": ["key", "title"],
                 "properties": {"key": {"type": "string"},
                                "title": {"type": ["string", "null"]}}},
        "contact": {"type": "string", "description": "联系电话及其他"}}}}}})";
  c.run = guide_get;
  return c;
}();

}  // namespace

std::vector<Command> guide_commands() { return {kGuide}; }

}  // namespace fuma::engine
