// SPDX-License-Identifier: Apache-2.0
// 下载表格 and printing: application.form (the form of a case, 仅供核对 until
// 复核通过), credential.request_form (the 登录二维码图片申领表, blank or filled),
// certificate.print (the certificate, with a QR code to check its status),
// certificate.status (what that QR code leads to) and form.verify (whether a
// scanned form still matches its case).
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "actor.hpp"
#include "clock.hpp"
#include "command.hpp"
#include "crypto/crypto.hpp"
#include "form.hpp"
#include "fuma/error.hpp"
#include "fuma/workflow.hpp"
#include "image/image.hpp"
#include "operation.hpp"
#include "printing.hpp"
#include "security.hpp"

namespace fuma::engine {
namespace {

namespace json = boost::json;
using workflow::Role;

constexpr std::string_view kFormPrefix = "FMF1:";
constexpr std::string_view kCertificatePrefix = "FMC1:";

// "2026-11-27" as the three parts a form prints.
void put_date(forms::Values& v, const std::string& prefix, const std::string& date) {
  const std::optional<Date> d = parse_date(date);
  if (!d) return;
  v.fields[prefix + ".year"] = std::to_string(d->year);
  v.fields[prefix + ".month"] = std::to_string(d->month);
  v.fields[prefix + ".day"] = std::to_string(d->day);
}

void put_unit(forms::Values& v, const store::Unit& u, const std::optional<store::Certificate>& c,
              const store::Authority& a) {
  v.fields["unit.name"] = u.name;
  v.fields["unit.uscc"] = u.uscc;
  v.fields["unit.address"] = u.address;
  v.fields["unit.responsible_person"] = u.responsible_person;
  v.fields["unit.category"] = u.category;
  v.fields["certificate.serial"] = c ? c->serial : "";
  v.fields["certificate.validity"] = c ? validity_text(c) : "";
  v.fields["authority.name"] = a.name;
}

std::string text_of(const json::value* v) {
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// Everything a case's form prints, from the records as they stand.
forms::Values case_values(const workflow::Definition& def, store::Transaction& txn, const Case& c) {
  forms::Values v;
  const std::optional<store::Certificate> certificate = txn.active_certificate(c.unit.id);
  const std::optional<store::Authority> authority = txn.authority(c.unit.authority_id);
  if (!authority) throw Error(Errc::storage, "a unit names a missing authority");
  put_unit(v, c.unit, certificate, *authority);
  std::error_code ec;
  const json::value parsed = json::parse(c.application.fields_json, ec);
  const workflow::Business* business = def.business(c.application.business);
  const json::object fields = fields_view(
      business ? business->entry : workflow::Entry::none,
      (ec || !parsed.is_object()) ? json::object() : parsed.get_object(), c.unit, certificate);
  v.fields["application.id"] = std::to_string(c.application.id);
  v.fields["application.business"] = c.application.business;
  v.fields["application.reason"] = text_of(fields.if_contains("reason"));
  if (const json::value* items = fields.if_contains("items"); items && items->is_array()) {
    for (const json::value& item : items->get_array()) {
      const json::object* o = item.if_object();
      if (o == nullptr) continue;
      v.rows.push_back({{"label", text_of(o->if_contains("label"))},
                        {"old", text_of(o->if_contains("old"))},
                        {"new", text_of(o->if_contains("new"))}});
    }
  }
  return v;
}

// The digest a case's form carries: everything printed on it, in order, and
// whether it is the 仅供核对 copy, so that neither a form printed before a
// later edit nor a signed 仅供核对 copy passes for the form to sign.
std::string values_digest(const forms::Values& v, crypto::Digest algorithm) {
  std::string canonical = v.mark ? "mark\x1e" : "clean\x1e";
  for (const auto& [key, value] : v.fields) canonical += key + '\x1f' + value + '\x1e';
  for (const auto& row : v.rows) {
    for (const auto& [key, value] : row) canonical += key + '\x1f' + value + '\x1e';
    canonical += '\x1d';
  }
  std::string digest = crypto::digest_hex(algorithm, canonical).substr(0, 16);
  for (char& ch : digest) {
    if (ch >= 'a' && ch <= 'f') ch = static_cast<char>(ch - 'a' + 'A');
  }
  return digest;
}

std::string form_code(store::Id id, const std::string& digest) {
  return std::string(kFormPrefix) + std::to_string(id) + ":" + digest;
}

// Whether the case has taken a step that approves it (复核通过): its form is
// then the one to sign and stamp.
bool approved(const workflow::Definition& def, const std::vector<store::Event>& events) {
  return std::any_of(events.begin(), events.end(),
                     [&](const store::Event& e) { return def.approving(e.action); });
}

const std::string& form_key(const Domain& domain, const store::Application& a) {
  const workflow::Business* b = domain.workflow.business(a.business);
  if (b == nullptr) throw Error(Errc::storage, "an application names an unknown business");
  return b->form;
}

// --- application.form -----------------------------------------------------------

Output application_form(Context& ctx) {
  const store::Id id = static_cast<store::Id>(ctx.args.uint("id"));
  ctx.case_id = id;
  ctx.args.finish();
  return read_command(ctx, [&](store::Transaction& txn, const Actor& actor) {
    const Case c = load_case(txn, actor, id);
    forms::Values v = case_values(ctx.domain.workflow, txn, c);
    const std::vector<store::Event> events = txn.events(id);
    const bool clean = approved(ctx.domain.workflow, events);
    v.mark = !clean;
    const std::string digest = values_digest(v, ctx.security->digest());
    v.qr = form_code(id, digest);
    const forms::Template& form = ctx.printing->form(form_key(ctx.domain, c.application));
    json::object o;
    std::string data = form.render(v, ctx.printing->font(), c.application.updated_at);
    o["media_type"] = "application/pdf";
    o["file_name"] = form.title() + "-" + c.unit.uscc + ".pdf";
    o["form"] = form.key();
    o["for_signing"] = clean;
    o["code"] = v.qr;
    return answer(std::move(o), std::move(data));
  });
}

// --- form.verify -------------------------------------------------------------------

Output form_verify(Context& ctx) {
  const auto code_arg = ctx.args.optional_string("code");
  ctx.args.finish();
  std::string code;
  if (code_arg) {
    code = std::string(*code_arg);
  } else if (!ctx.data.empty()) {
    // A scan of the form: its one code that is a form code.
    std::vector<std::string> texts;
    {
      const image::PixelBudget::Reservation held =
          decode_budget(ctx.security).reserve(image::declared_pixels(ctx.data));
      texts = image::read_qr(image::decode(ctx.data), 4);
    }
    for (const std::string& t : texts) {
      if (t.rfind(kFormPrefix, 0) == 0) code = t;
    }
    if (code.empty())
      throw Error(Errc::no_qr_found, "no form code in the picture", "未识别到表格核验码");
  } else {
    bad_arg("code", "or a scanned picture as data is required", "请提供表格上的核验码或扫描件");
  }
  // FMF1:<id>:<16 hex>
  const std::size_t colon = code.find(':', kFormPrefix.size());
  if (code.rfind(kFormPrefix, 0) != 0 || colon == std::string::npos ||
      code.size() - colon - 1 != 16) {
    bad_arg("code", "is not a form code FMF1:<id>:<digest>", "不是本系统表格的核验码");
  }
  const std::string id_text = code.substr(kFormPrefix.size(), colon - kFormPrefix.size());
  if (id_text.empty() || id_text.size() > 18 ||
      id_text.find_first_not_of("0123456789") != std::string::npos) {
    bad_arg("code", "names no application id", "不是本系统表格的核验码");
  }
  const store::Id id = std::stoll(id_text);
  const std::string printed = code.substr(colon + 1);
  return read_command(ctx, [&](store::Transaction& txn, const Actor& actor) {
    require_staff(actor);
    const Case c = load_case(txn, actor, id);
    forms::Values v = case_values(ctx.domain.workflow, txn, c);
    v.mark = !approved(ctx.domain.workflow, txn.events(id));
    const std::string current = values_digest(v, ctx.security->digest());
    v.mark = !v.mark;
    const bool other_copy = values_digest(v, ctx.security->digest()) == printed;
    json::object o;
    o["application"] = id;
    o["uscc"] = c.unit.uscc;
    o["matches"] = current == printed;
    o["status"] = c.application.status;
    if (current == printed) {
      o["message"] = "表格内容与当前申请记录一致";
    } else if (other_copy && v.mark) {
      // The printed copy carried the mark; the case is past 复核通过 now.
      o["message"] = "该表格为复核通过前的“仅供核对”版本，请使用复核通过后下载的表格";
    } else {
      o["message"] = "表格内容与当前申请记录不一致：打印后申请已修改，请重新下载表格";
    }
    return answer(std::move(o));
  });
}

// --- credential.request_form ------------------------------------------------------

Output credential_request_form(Context& ctx) {
  const std::optional<std::uint64_t> request = ctx.args.optional_uint("request");
  ctx.args.finish();
  const forms::Template& form = ctx.printing->form("credential_request");
  json::object o;
  o["media_type"] = "application/pdf";
  if (!request) {
    // The blank form of 格式文本下载: anyone may have it.
    std::string data = form.render(forms::Values{}, ctx.printing->font(), "2026-01-01T00:00:00Z");
    o["file_name"] = form.title() + ".pdf";
    return answer(std::move(o), std::move(data));
  }
  return read_command(ctx, [&](store::Transaction& txn, const Actor& actor) {
    const std::optional<store::CredentialRequest> r =
        txn.credential_request(static_cast<store::Id>(*request));
    std::optional<store::Unit> unit = r ? txn.unit(r->unit_id) : std::nullopt;
    if (!r || !unit) throw Error(Errc::not_found, "no credential request", "申领记录不存在");
    require_role(actor, Role::acceptor, unit->authority_id);
    forms::Values v;
    v.fields["unit.name"] = unit->name;
    v.fields["unit.uscc"] = unit->uscc;
    v.fields["request.reason"] = r->reason;
    v.fields["request.recipient"] = r->recipient;
    v.fields["request.phone"] = r->phone;
    put_date(v, "request", r->requested_on);
    json::object out;
    std::string data = form.render(v, ctx.printing->font(), r->created_at);
    out["media_type"] = "application/pdf";
    out["file_name"] = form.title() + "-" + unit->uscc + ".pdf";
    return answer(std::move(out), std::move(data));
  });
}

// --- certificate.print and certificate.status ----------------------------------------

Output certificate_print(Context& ctx) {
  const std::string uscc(ctx.args.string("uscc"));
  ctx.args.finish();
  return read_command(ctx, [&](store::Transaction& txn, const Actor& actor) {
    const std::optional<store::Unit> unit = txn.unit_by_uscc(uscc);
    if (!unit) throw Error(Errc::not_found, "no unit " + uscc, "单位不存在");
    require_role(actor, Role::acceptor, unit->authority_id);
    const std::optional<store::Certificate> c = txn.active_certificate(unit->id);
    if (!c) {
      throw Error(Errc::invalid_state, "unit " + uscc + " has no active certificate",
                  "该单位没有有效的证书");
    }
    const std::optional<store::Authority> a = txn.authority(unit->authority_id);
    if (!a) throw Error(Errc::storage, "a unit names a missing authority");
    forms::Values v;
    put_unit(v, *unit, c, *a);
    put_date(v, "certificate", c->issued_on);
    v.qr = ctx.printing->public_url.empty() ? std::string(kCertificatePrefix) + c->serial
                                            : ctx.printing->public_url + "/c/" + c->serial;
    const forms::Template& form = ctx.printing->form("certificate");
    json::object o;
    std::string data = form.render(v, ctx.printing->font(), c->created_at);
    o["media_type"] = "application/pdf";
    o["file_name"] = form.title() + "-" + unit->uscc + ".pdf";
    o["code"] = v.qr;
    return answer(std::move(o), std::move(data));
  });
}

// What anyone scanning a certificate learns: whether it stands, for whom.
Output certificate_status(Context& ctx) {
  std::string serial(ctx.args.string("serial"));
  ctx.args.finish();
  if (serial.rfind(kCertificatePrefix, 0) == 0) serial = serial.substr(kCertificatePrefix.size());
  if (serial.empty() || serial.size() > 64)
    bad_arg("serial", "is not a certificate serial", "证书编号无效");
  return read_command(ctx, [&](store::Transaction& txn, const Actor&) {
    json::object o;
    const std::optional<store::Certificate> c = txn.certificate_by_serial(serial);
    if (!c) throw Error(Errc::not_found, "no certificate " + serial, "未找到该证书");
    const std::optional<store::Unit> unit = txn.unit(c->unit_id);
    if (!unit) throw Error(Errc::storage, "a certificate names a missing unit");
    o["serial"] = c->serial;
    o["status"] = c->status;
    o["status_label"] = c->status == "active"       ? "有效"
                        : c->status == "superseded" ? "已换发新证书"
                                                    : "已撤销";
    o["uscc"] = unit->uscc;
    o["name"] = unit->name;
    o["valid_until"] = c->valid_until ? json::value(*c->valid_until) : json::value(nullptr);
    return answer(std::move(o));
  });
}

constexpr Command kApplicationForm = [] {
  Command c;
  c.name = "application.form";
  c.summary_zh = "下载表格：申请的申请表（复核通过前为“仅供核对”版本）";
  c.summary_en =
      "The case's form as a PDF: marked 仅供核对 until 复核通过, then the one to sign and "
      "stamp.";
  c.callers = caller::any_unit | caller::any_staff;
  c.effect = Effect::read;
  c.returns = Bytes{Presence::required, "application/pdf", "{form title}-{uscc}.pdf"};
  c.args = R"({"type": "object", "additionalProperties": false, "required": ["id"],
    "properties": {"id": {"type": "integer", "minimum": 0, "description": "the application"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["media_type", "file_name", "form", "for_signing", "code"],
    "properties": {
      "media_type": {"$ref": "#/$defs/pdf"}, "file_name": {"type": "string"},
      "form": {"type": "string", "description": "the form template's key"},
      "for_signing": {"type": "boolean", "description": "false: marked 仅供核对"},
      "code": {"type": "string", "pattern": "^FMF1:[0-9]+:[0-9A-F]{16}$",
               "description": "the check code printed as the form's QR code"}}})";
  c.errors = errors(Errc::not_found);
  c.run = application_form;
  return c;
}();

constexpr Command kFormVerify = [] {
  Command c;
  c.name = "form.verify";
  c.summary_zh = "核验表格：扫描件或核验码是否与申请记录一致";
  c.summary_en =
      "Whether a printed form (its check code, or a scan as data) still matches its case.";
  c.callers = caller::any_staff;
  c.effect = Effect::read;
  c.takes = Bytes{Presence::optional, "image/png image/jpeg image/bmp image/gif image/webp", {}};
  c.args = R"({"type": "object", "additionalProperties": false,
    "description": "the code, or a scanned picture as data",
    "properties": {"code": {"type": ["string", "null"],
                            "description": "FMF1:<id>:<digest>, as application.form gave it"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["application", "uscc", "matches", "status", "message"],
    "properties": {
      "application": {"$ref": "#/$defs/id"}, "uscc": {"type": "string"},
      "matches": {"type": "boolean"}, "status": {"type": "string"},
      "message": {"type": "string"}}})";
  c.errors = errors(Errc::not_found, Errc::no_qr_found, Errc::not_an_image,
                    Errc::unsupported_image_format, Errc::image_too_large, Errc::too_many_attempts);
  c.run = form_verify;
  return c;
}();

constexpr Command kRequestForm = [] {
  Command c;
  c.name = "credential.request_form";
  c.summary_zh = "登录二维码图片申领表：空白表任何人可下载，已登记的由受理人员下载";
  c.summary_en =
      "The credential request form as a PDF: blank for anyone, or filled from a recorded "
      "request for an acceptor.";
  c.callers = caller::anonymous | caller::any_staff;
  c.roles = roles(workflow::Role::acceptor);
  c.effect = Effect::read;
  c.returns = Bytes{Presence::required, "application/pdf", "{form title}[-{uscc}].pdf"};
  c.args = R"({"type": "object", "additionalProperties": false,
    "properties": {"request": {"type": ["integer", "null"], "minimum": 0,
                               "description": "absent: the blank form, which needs no actor"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["media_type", "file_name"],
    "properties": {"media_type": {"$ref": "#/$defs/pdf"}, "file_name": {"type": "string"}}})";
  c.errors = errors(Errc::not_found);
  c.run = credential_request_form;
  return c;
}();

constexpr Command kCertificatePrint = [] {
  Command c;
  c.name = "certificate.print";
  c.summary_zh = "打印证书（带核验二维码）";
  c.summary_en = "The unit's certificate as a PDF, with a QR code that checks its standing.";
  c.callers = caller::any_staff;
  c.roles = roles(workflow::Role::acceptor);
  c.effect = Effect::read;
  c.returns = Bytes{Presence::required, "application/pdf", "{form title}-{uscc}.pdf"};
  c.args = R"({"type": "object", "additionalProperties": false, "required": ["uscc"],
    "properties": {"uscc": {"type": "string", "description": "the unit"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["media_type", "file_name", "code"],
    "properties": {
      "media_type": {"$ref": "#/$defs/pdf"}, "file_name": {"type": "string"},
      "code": {"type": "string",
               "description": "what the QR code holds: <public_url>/c/<serial> or FMC1:<serial>"}}})";
  c.errors = errors(Errc::not_found, Errc::invalid_state);
  c.run = certificate_print;
  return c;
}();

constexpr Command kCertificateStatus = [] {
  Command c;
  c.name = "certificate.status";
  c.summary_zh = "证书核验：扫描证书二维码查询证书是否有效";
  c.summary_en = "What scanning a certificate's QR code tells anyone: whether it stands, for whom.";
  c.callers = caller::anonymous;
  c.effect = Effect::read;
  c.args = R"({"type": "object", "additionalProperties": false, "required": ["serial"],
    "properties": {"serial": {"type": "string",
                              "description": "the serial, or the QR code's FMC1:<serial>"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["serial", "status", "status_label", "uscc", "name", "valid_until"],
    "properties": {
      "serial": {"type": "string"}, "status": {"enum": ["active", "superseded", "revoked"]},
      "status_label": {"type": "string"}, "uscc": {"type": "string"}, "name": {"type": "string"},
      "valid_until": {"type": ["string", "null"], "format": "date"}}})";
  c.errors = errors(Errc::not_found);
  c.run = certificate_status;
  return c;
}();

}  // namespace

std::vector<Command> print_commands() {
  return {kApplicationForm, kCertificatePrint, kCertificateStatus, kRequestForm, kFormVerify};
}

}  // namespace fuma::engine
