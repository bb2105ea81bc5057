// SPDX-License-Identifier: Apache-2.0
// 上传附件: attachment.upload, attachment.remove, attachment.get (the file
// back) and attachment.rules (the checklist that applies). Files are judged
// by content by the attachments module; this file decides where they go and
// keeps their SHA-256.
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <cctype>
#include <utility>
#include <vector>

#include "actor.hpp"
#include "clock.hpp"
#include "command.hpp"
#include "crypto/crypto.hpp"
#include "form.hpp"
#include "fuma/attachments.hpp"
#include "fuma/error.hpp"
#include "json_text.hpp"
#include "operation.hpp"
#include "security.hpp"
#include "text.hpp"
#include "view.hpp"

namespace fuma::engine {
namespace {

namespace json = boost::json;
json::object fields_of(const store::Application& a) {
  std::error_code ec;
  json::value v = json::parse(a.fields_json.empty() ? "{}" : a.fields_json, ec);
  return (ec || !v.is_object()) ? json::object() : std::move(v.get_object());
}

// The applicant's attachment operations share their preconditions: the
// unit's own case, in a status where material may change, at the version
// the applicant saw.
Case editable_case(const workflow::Definition& def, store::Transaction& txn, const Actor& actor,
                   store::Id id, std::optional<std::uint64_t> version) {
  Case c = load_case(txn, actor, id);
  require_applicant(actor, c);
  const workflow::Status* s = def.status(c.application.status);
  if (s == nullptr || !s->editable) {
    throw Error(Errc::invalid_state,
                "attachments cannot change in status '" + c.application.status + "'",
                "当前办理进度为“" + (s ? s->label : c.application.status) + "”，不能修改附件");
  }
  if (version && static_cast<std::int64_t>(*version) != c.application.version) {
    throw Error(Errc::conflict, "stale version " + std::to_string(*version),
                "申请已被修改，请刷新后重试");
  }
  return c;
}

// Attachments are part of the case: a change to them moves its version, so
// a submit made on a stale view of the files is refused.
void touch(store::Transaction& txn, store::Application& a, TimePoint now) {
  a.updated_at = iso_time(now);
  if (!txn.update_application(a, a.version)) {
    throw Error(Errc::conflict, "the application changed meanwhile", "申请已被修改，请刷新后重试");
  }
  ++a.version;
}

// The name a file is kept and served under ends in the extension of the
// type its content was identified as: a JPEG uploaded as "poly.html" is
// kept as "poly.html.jpg", so that whoever downloads it never opens a page
// (and a script hidden in the picture's comment) instead of a picture.
std::string named_for_type(std::string name, attachments::FileType type) {
  std::vector<std::string_view> endings;
  switch (type) {
    case attachments::FileType::pdf:
      endings = {".pdf"};
      break;
    case attachments::FileType::jpeg:
      endings = {".jpg", ".jpeg"};
      break;
    case attachments::FileType::png:
      endings = {".png"};
      break;
  }
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) {
    return static_cast<char>(ch < 0x80 ? std::tolower(ch) : ch);
  });
  for (std::string_view ending : endings) {
    if (lower.size() > ending.size() &&
        lower.compare(lower.size() - ending.size(), ending.size(), ending) == 0) {
      return name;
    }
  }
  return name + std::string(endings.front());
}

Output upload(Context& ctx) {
  const store::Id id = static_cast<store::Id>(ctx.args.uint("id"));
  ctx.case_id = id;
  const std::string kind(ctx.args.string("kind"));
  const std::string file_name = display_file_name(ctx.args.string("file_name"));
  const auto version = ctx.args.optional_uint("version");
  ctx.args.finish();
  const std::string_view bytes = ctx.data;
  return write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
    const attachments::Rules& rules = ctx.domain.rules;
    Case c = editable_case(ctx.domain.workflow, txn, actor, id, version);
    const auto allowed =
        rules.allowed(c.application.business, change_items(fields_of(c.application)));
    if (std::none_of(allowed.begin(), allowed.end(),
                     [&](const attachments::Kind* k) { return k->key == kind; })) {
      const attachments::Kind* k = rules.kind(kind);
      const std::string message =
          k ? "本申请不需要上传“" + k->label + "”" : std::string("未知的附件类别");
      throw Error(Errc::invalid_argument,
                  "kind '" + kind + "' is not on this application's checklist", message,
                  {Problem{"kind", message, kind, k ? k->label : std::string()}});
    }
    const std::vector<store::Attachment> files = txn.attachments(id);
    int count = 0;
    std::uint64_t total = 0;
    for (const store::Attachment& f : files) {
      count += f.kind == kind;
      total += f.size;
    }
    const attachments::Identified what = rules.check_upload(kind, bytes, count, total);
    store::Attachment a;
    a.application_id = id;
    a.kind = kind;
    a.file_name = named_for_type(file_name, what.type);
    a.media_type = std::string(attachments::file_type_media_type(what.type));
    a.digest = crypto::digest_hex(ctx.security->digest(), bytes);
    a.size = bytes.size();
    a.uploaded_at = iso_time(ctx.now);
    a.id = txn.insert_attachment(a, bytes);
    touch(txn, c.application, ctx.now);
    audited.target = "application:" + std::to_string(id);
    audited.before_status = audited.after_status = c.application.status;
    Output out = case_answer(ctx, txn, actor, std::move(c));
    out.write = [page = std::move(out.write),
                 attachment =
                     attachment_json(rules, a, ctx.security->digest(), ctx.storage)](JsonText& w) {
      w.member("attachment", json::value(attachment));
      page(w);
    };
    return out;
  });
}

Output remove(Context& ctx) {
  const store::Id id = static_cast<store::Id>(ctx.args.uint("id"));
  ctx.case_id = id;
  const store::Id attachment = static_cast<store::Id>(ctx.args.uint("attachment"));
  const auto version = ctx.args.optional_uint("version");
  ctx.args.finish();
  return write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
    Case c = editable_case(ctx.domain.workflow, txn, actor, id, version);
    const std::vector<store::Attachment> files = txn.attachments(id);
    if (std::none_of(files.begin(), files.end(),
                     [&](const store::Attachment& f) { return f.id == attachment; })) {
      throw Error(
          Errc::not_found,
          "application " + std::to_string(id) + " has no attachment " + std::to_string(attachment),
          "未找到该附件");
    }
    txn.delete_attachment(attachment);
    touch(txn, c.application, ctx.now);
    audited.target = "application:" + std::to_string(id);
    audited.before_status = audited.after_status = c.application.status;
    return case_answer(ctx, txn, actor, std::move(c));
  });
}

// pdf, jpeg or png: the type the upload found in the content, kept as its
// media type.
json::value file_type_of(std::string_view media_type) {
  for (auto t :
       {attachments::FileType::pdf, attachments::FileType::jpeg, attachments::FileType::png}) {
    if (attachments::file_type_media_type(t) == media_type) {
      return json::value(attachments::file_type_name(t));
    }
  }
  return json::value(nullptr);
}

// One uploaded file as it was stored, for the unit that owns the case and
// staff of its authority (the same answers as application.view).
Output get(Context& ctx) {
  const store::Id id = static_cast<store::Id>(ctx.args.uint("id"));
  ctx.case_id = id;
  const store::Id attachment = static_cast<store::Id>(ctx.args.uint("attachment"));
  ctx.args.finish();
  return read_command(ctx, [&](store::Transaction& txn, const Actor& actor) {
    const Case c = load_case(txn, actor, id);
    const std::vector<store::Attachment> files = txn.attachments(c.application.id);
    auto it = std::find_if(files.begin(), files.end(),
                           [&](const store::Attachment& f) { return f.id == attachment; });
    if (it == files.end()) {
      throw Error(
          Errc::not_found,
          "application " + std::to_string(id) + " has no attachment " + std::to_string(attachment),
          "未找到该附件");
    }
    std::optional<std::string> bytes = txn.content(it->digest);
    if (!bytes || bytes->size() != it->size) {
      throw Error(Errc::storage, "the content of attachment " + std::to_string(attachment) +
                                     " is missing or of the wrong size");
    }
    json::object a = attachment_json(ctx.domain.rules, *it, ctx.security->digest());
    a["type"] = file_type_of(it->media_type);
    json::object out;
    out["attachment"] = std::move(a);
    out["file_name"] = it->file_name;
    out["media_type"] = it->media_type;
    return answer(std::move(out), std::move(*bytes));
  });
}

json::object kind_json(const attachments::Kind& k, bool required) {
  json::object o;
  o["key"] = k.key;
  o["label"] = k.label;
  json::array types;
  for (auto t : k.types) types.emplace_back(attachments::file_type_name(t));
  o["types"] = std::move(types);
  o["max_count"] = k.max_count;
  o["required"] = required;
  return o;
}

std::optional<attachments::Validity> parse_validity(std::string_view v) {
  if (v == "long_term") return attachments::Validity::long_term;
  if (v == "fixed_term") return attachments::Validity::fixed_term;
  return std::nullopt;
}

Output checklist(Context& ctx) {
  const auto id = ctx.args.optional_uint("id");
  const auto business_arg = ctx.args.optional_string("business");
  const auto validity_arg = ctx.args.optional_string("validity");
  const json::array* items_arg = ctx.args.optional_array("items");
  ctx.args.finish();
  if (id.has_value() == business_arg.has_value()) {
    throw Error(Errc::invalid_argument, "give exactly one of args.id and args.business",
                "请指定申请或业务类型");
  }
  if (id && (validity_arg || items_arg)) {
    throw Error(Errc::invalid_argument, "args.validity and args.items go with args.business",
                "请求参数有误");
  }
  std::optional<attachments::Validity> validity;
  if (validity_arg) {
    validity = parse_validity(*validity_arg);
    if (!validity) {
      throw Error(Errc::invalid_argument, "args.validity must be long_term or fixed_term",
                  "证书有效期类型应为长期有效或有有效期");
    }
  }
  std::vector<attachments::ChangeItem> items;
  for (std::size_t i = 0; items_arg && i < items_arg->size(); ++i) {
    const json::string* s = (*items_arg)[i].if_string();
    const auto item = s ? attachments::parse_change_item(*s) : std::nullopt;
    if (!item) {
      throw Error(Errc::invalid_argument, "args.items[" + std::to_string(i) + "] is no change item",
                  "变更事项有误");
    }
    if (std::find(items.begin(), items.end(), *item) == items.end()) items.push_back(*item);
  }
  return read_command(ctx, [&](store::Transaction& txn, const Actor& actor) {
    require_unit_or_staff(actor);
    std::string business;
    std::vector<store::Attachment> files;
    if (id) {
      Case c = load_case(txn, actor, static_cast<store::Id>(*id));
      business = c.application.business;
      items = change_items(fields_of(c.application));
      const auto cert = txn.active_certificate(c.unit.id);
      validity = cert && cert->valid_until ? attachments::Validity::fixed_term
                                           : attachments::Validity::long_term;
      files = txn.attachments(c.application.id);
    } else {
      business = std::string(*business_arg);
      const workflow::Business* b = ctx.domain.workflow.business(business);
      if (b == nullptr) {
        throw Error(Errc::invalid_argument, "unknown business '" + business + "'",
                    "未知的业务类型");
      }
      if (!items.empty() && b->entry != workflow::Entry::change_items) {
        throw Error(Errc::invalid_argument,
                    "args.items go only with a business whose entry is change_items",
                    "只有变更业务可以填写变更事项");
      }
      if (!validity && actor.is_unit()) {
        const auto cert = txn.active_certificate(actor.unit->id);
        validity = cert && cert->valid_until ? attachments::Validity::fixed_term
                                             : attachments::Validity::long_term;
      }
      // Staff asking in general see the full checklist.
      if (!validity) validity = attachments::Validity::fixed_term;
    }
    const attachments::Rules& rules = ctx.domain.rules;
    const auto required = rules.required(business, *validity, items);
    const auto allowed = rules.allowed(business, items);
    json::object out;
    out["business"] = business_json(ctx.domain.workflow, business);
    out["validity"] = *validity == attachments::Validity::long_term ? "long_term" : "fixed_term";
    json::array required_json, allowed_json;
    for (const attachments::Kind* k : allowed) {
      const bool is_required = std::find(required.begin(), required.end(), k) != required.end();
      json::object o = kind_json(*k, is_required);
      if (id) {
        o["count"] = std::count_if(files.begin(), files.end(),
                                   [&](const store::Attachment& f) { return f.kind == k->key; });
      }
      if (is_required) required_json.push_back(o);
      allowed_json.push_back(std::move(o));
    }
    out["required"] = std::move(required_json);
    out["allowed"] = std::move(allowed_json);
    json::object limits;
    limits["max_file_bytes"] = rules.max_file_bytes();
    limits["max_application_bytes"] = rules.max_application_bytes();
    out["limits"] = std::move(limits);
    return answer(std::move(out));
  });
}

constexpr std::string_view kAttachmentTypes = "application/pdf image/jpeg image/png";

constexpr Command kUpload = [] {
  Command c;
  c.name = "attachment.upload";
  c.summary_zh = "上传附件：按内容判断文件类型，检查大小和数量";
  c.summary_en =
      "Upload an attachment of a kind on the case's checklist; judged by content, kept with "
      "its SHA-256.";
  c.callers = caller::any_unit;
  c.effect = Effect::write;
  c.takes = Bytes{Presence::required, kAttachmentTypes, {}};
  c.args = R"({"type": "object", "additionalProperties": false,
    "required": ["id", "kind", "file_name"],
    "properties": {
      "id": {"type": "integer", "minimum": 0, "description": "the application"},
      "kind": {"type": "string", "description": "a kind key of the checklist"},
      "file_name": {"type": "string", "description": "shown only; never used as a path. Kept ending in the extension of the type the content is (.pdf, .jpg or .jpeg, .png): one added when it does not"},
      "version": {"type": ["integer", "null"], "minimum": 0,
                  "description": "the version the caller saw; another answers CONFLICT"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["application", "attachment"],
    "properties": {"application": {"$ref": "#/$defs/case"},
                   "attachment": {"$ref": "#/$defs/attachment"}}})";
  c.errors = errors(Errc::not_found, Errc::invalid_state, Errc::conflict);
  c.run = upload;
  return c;
}();

constexpr Command kRemove = [] {
  Command c;
  c.name = "attachment.remove";
  c.summary_zh = "删除已上传的附件";
  c.summary_en = "Remove an uploaded attachment from a case that may still change.";
  c.callers = caller::any_unit;
  c.effect = Effect::write;
  c.args = R"({"type": "object", "additionalProperties": false,
    "required": ["id", "attachment"],
    "properties": {
      "id": {"type": "integer", "minimum": 0, "description": "the application"},
      "attachment": {"type": "integer", "minimum": 0, "description": "its id"},
      "version": {"type": ["integer", "null"], "minimum": 0,
                  "description": "the version the caller saw; another answers CONFLICT"}}})";
  c.result = R"({"$ref": "#/$defs/case_answer"})";
  c.errors = errors(Errc::not_found, Errc::invalid_state, Errc::conflict);
  c.run = remove;
  return c;
}();

constexpr Command kGet = [] {
  Command c;
  c.name = "attachment.get";
  c.summary_zh = "下载已上传的附件";
  c.summary_en = "An uploaded file back, as stored, for its unit and staff of its authority.";
  c.callers = caller::any_unit | caller::any_staff;
  c.effect = Effect::read;
  c.returns = Bytes{Presence::required, kAttachmentTypes, "{the uploaded file name}"};
  c.args = R"({"type": "object", "additionalProperties": false,
    "required": ["id", "attachment"],
    "properties": {"id": {"type": "integer", "minimum": 0, "description": "the application"},
                   "attachment": {"type": "integer", "minimum": 0, "description": "its id"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["attachment", "file_name", "media_type"],
    "properties": {
      "attachment": {"allOf": [{"$ref": "#/$defs/attachment"}, {"required": ["type"]}]},
      "file_name": {"type": "string"},
      "media_type": {"enum": ["application/pdf", "image/jpeg", "image/png"]}}})";
  c.errors = errors(Errc::not_found);
  c.run = get;
  return c;
}();

constexpr Command kRules = [] {
  Command c;
  c.name = "attachment.rules";
  c.summary_zh = "附件清单：某申请或某业务需要上传的附件";
  c.summary_en =
      "The attachment checklist of a case (id) or of a business type (business, with "
      "validity and change items).";
  c.callers = caller::any_unit | caller::any_staff;
  c.effect = Effect::read;
  c.args = R"({"type": "object", "additionalProperties": false,
    "description": "exactly one of id and business; validity and items go with business",
    "properties": {
      "id": {"type": ["integer", "null"], "minimum": 0,
             "description": "the application: its business, change items and unit's validity"},
      "business": {"type": ["string", "null"], "description": "a business type"},
      "validity": {"enum": ["long_term", "fixed_term", null],
        "description": "absent: the acting unit's own, or fixed_term (all kinds) for staff"},
      "items": {"type": ["array", "null"], "description": "change items; only for change",
        "items": {"enum": ["name", "address", "responsible_person", "category", "validity"]}}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["business", "validity", "required", "allowed", "limits"],
    "properties": {
      "business": {"$ref": "#/$defs/named"},
      "validity": {"enum": ["long_term", "fixed_term"]},
      "required": {"type": "array", "items": {"$ref": "#/$defs/kind"}},
      "allowed": {"type": "array", "items": {"$ref": "#/$defs/kind"}},
      "limits": {"type": "object", "additionalProperties": false,
        "required": ["max_file_bytes", "max_application_bytes"],
        "properties": {"max_file_bytes": {"type": "integer", "minimum": 1},
                       "max_application_bytes": {"type": "integer", "minimum": 1}}}},
    "$defs": {"kind": {"type": "object", "additionalProperties": false,
      "required": ["key", "label", "types", "max_count", "required"],
      "properties": {
        "key": {"type": "string"}, "label": {"type": "string"},
        "types": {"type": "array", "items": {"enum": ["pdf", "jpeg", "png"]}},
        "max_count": {"type": "integer", "minimum": 1},
        "required": {"type": "boolean"},
        "count": {"type": "integer", "minimum": 0,
                  "description": "uploaded so far; only for a case"}}}}})";
  c.errors = errors(Errc::not_found);
  c.run = checklist;
  return c;
}();

}  // namespace

std::vector<Command> attachment_commands() { return {kGet, kRemove, kRules, kUpload}; }

}  // namespace fuma::engine
