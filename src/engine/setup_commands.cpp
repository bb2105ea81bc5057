// SPDX-License-Identifier: Apache-2.0
// Setting up the service and the on-site businesses: authority.create,
// staff.create, unit.register (申请初领) and certificate.extend (证书延期).
#include <algorithm>
#include <boost/json/array.hpp>
#include <filesystem>

#include "actor.hpp"
#include "clock.hpp"
#include "command.hpp"
#include "form.hpp"
#include "fuma/error.hpp"
#include "fuma/uscc.hpp"
#include "fuma/workflow.hpp"
#include "operation.hpp"
#include "session/session.hpp"
#include "text.hpp"
#include "view.hpp"

namespace fuma::engine {
namespace {

namespace json = boost::json;

// Keys people type into configuration and logs: ASCII letters, digits and
// a few separators.
std::string identifier(std::string_view value, std::string_view arg, std::string_view extra,
                       std::size_t max, std::string_view label) {
  const bool ok =
      !value.empty() && value.size() <= max && std::all_of(value.begin(), value.end(), [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               extra.find(c) != std::string_view::npos;
      });
  if (!ok) {
    bad_arg(arg,
            "must be 1 to " + std::to_string(max) + " ASCII letters, digits or '" +
                std::string(extra) + "'",
            std::string(label) + "应由1至" + std::to_string(max) + "位字母、数字或符号" +
                std::string(extra) + "组成");
  }
  return std::string(value);
}

// A future date: certificates are not issued or extended into the past.
std::string future_date(std::string_view value, std::string_view arg, const Date& today) {
  const std::optional<Date> d = parse_date(value);
  if (!d) bad_arg(arg, "must be a date YYYY-MM-DD", "有效期应为日期（如2030-12-31）");
  if (!(*d > today)) bad_arg(arg, "must be after today", "有效期应晚于今天");
  return std::string(value);
}

Output authority_create(Context& ctx) {
  const std::string code = identifier(ctx.args.string("code"), "code", "_-", 32, "机关代码");
  const std::string name =
      required_text(ctx.args.string("name"), "name", "登记管理机关名称", TextRule{100, false});
  const std::string division(ctx.args.string("division"));
  const std::string segment(ctx.args.optional_string("segment").value_or(""));
  ctx.args.finish();
  const std::optional<uscc::Division> d = uscc::find_division(division);
  if (!d) bad_arg("division", "is not a GB/T 2260 division", "行政区划代码不存在");
  if (d->abolished()) bad_arg("division", "is abolished", "行政区划代码已撤销，不能用于赋码");
  // Allocation refuses a bad segment; finding out now beats finding out at
  // the first registration.
  try {
    uscc::allocate('1', '1', division, segment, 0);
  } catch (const Error& e) {
    bad_arg("segment", "is not usable: " + e.detail(), "机构代码段无效");
  }
  return write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
    require_system(actor);
    if (txn.authority_by_code(code)) {
      throw Error(Errc::conflict, "authority '" + code + "' exists", "登记管理机关代码已存在");
    }
    store::Authority a;
    a.code = code;
    a.name = name;
    a.division = division;
    a.segment = segment;
    a.created_at = iso_time(ctx.now);
    a.id = txn.insert_authority(a);
    audited.target = "authority:" + code;
    json::object out;
    out["authority"] = authority_json(a);
    return answer(std::move(out));
  });
}

Output staff_create(Context& ctx) {
  const std::string authority(ctx.args.string("authority"));
  const std::string username =
      identifier(ctx.args.string("username"), "username", "._@-", 64, "用户名");
  const std::string name =
      required_text(ctx.args.string("name"), "name", "姓名", TextRule{50, false});
  const json::array* list = ctx.args.optional_array("roles");
  const auto password = ctx.args.optional_string("password");
  ctx.args.finish();
  if (password) {
    if (const std::string problem = session::password_problem(*password); !problem.empty()) {
      bad_arg("password", "is not acceptable", problem);
    }
  }
  // Hashing is slow on purpose: outside the write transaction.
  const std::string password_hash = password ? session::hash_password(*password) : "";
  std::vector<std::string> roles;
  if (list == nullptr || list->empty()) {
    bad_arg("roles", "must name at least one role", "请至少选择一个角色");
  }
  for (const json::value& v : *list) {
    const json::string* s = v.if_string();
    const auto role = s ? workflow::parse_role(*s) : std::nullopt;
    if (!role || *role == workflow::Role::applicant) {
      bad_arg("roles", "may hold admin, acceptor, reviewer", "角色应为管理员、受理人员或复核人员");
    }
    if (std::find(roles.begin(), roles.end(), *s) != roles.end()) {
      bad_arg("roles", "names a role twice", "角色重复");
    }
    roles.emplace_back(*s);
  }
  return write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
    const std::optional<store::Authority> a = txn.authority_by_code(authority);
    if (!a) {
      throw Error(Errc::not_found, "no authority '" + authority + "'", "登记管理机关不存在");
    }
    require_system_or_admin(actor, a->id);
    if (txn.staff_by_username(username)) {
      throw Error(Errc::conflict, "username '" + username + "' exists", "用户名已存在");
    }
    store::Staff s;
    s.authority_id = a->id;
    s.username = username;
    s.name = name;
    s.roles = roles;
    s.password_hash = password_hash;
    s.created_at = iso_time(ctx.now);
    s.id = txn.insert_staff(s);
    audited.target = "staff:" + std::to_string(s.id);
    json::object out;
    out["staff"] = staff_json(s);
    out["staff"].as_object()["authority"] = a->code;
    return answer(std::move(out));
  });
}

// The first certificate of a unit; later ones count up (see next_serial in
// application_commands.cpp). The USCC makes the serial unique.
std::string first_serial(const std::string& code) { return code + "-01"; }

Output unit_register(Context& ctx) {
  const std::string name =
      required_text(ctx.args.string("name"), "name", "单位名称", TextRule{100, false});
  const std::string category(ctx.args.string("category"));
  const std::string address =
      required_text(ctx.args.string("address"), "address", "住所", TextRule{200, false});
  const std::string responsible = required_text(
      ctx.args.string("responsible_person"), "responsible_person", "负责人", TextRule{50, false});
  const std::optional<std::string_view> until = ctx.args.optional_string("valid_until");
  ctx.args.finish();
  const std::optional<char> category_char = category_code(category);
  if (!category_char)
    bad_arg("category", "must be 机关, 群团 or 其他", "单位类别应为机关、群团或其他");
  const Date today = china_date(ctx.now);
  std::optional<std::string> valid_until;
  if (until) valid_until = future_date(*until, "valid_until", today);

  return write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
    require_role(actor, workflow::Role::acceptor, actor.is_staff() ? actor.staff->authority_id : 0);
    const std::optional<store::Authority> authority = txn.authority(actor.staff->authority_id);
    if (!authority) throw Error(Errc::internal, "the staff member's authority is missing");
    // The serial is durable and taken inside this transaction: a code is
    // handed out once, and one a unit imported earlier already holds is
    // skipped rather than refused.
    std::string code;
    for (int attempt = 0;; ++attempt) {
      code = uscc::allocate('1', *category_char, authority->division, authority->segment,
                            txn.take_serial(authority->id));
      if (!txn.unit_by_uscc(code)) break;
      if (attempt == 1000) {
        throw Error(Errc::exhausted, "1000 allocated codes in a row are already taken");
      }
    }
    const std::string now = iso_time(ctx.now);
    store::Unit u;
    u.uscc = code;
    u.authority_id = authority->id;
    u.name = name;
    u.category = category;
    u.address = address;
    u.responsible_person = responsible;
    u.created_at = now;
    u.updated_at = now;
    u.id = txn.insert_unit(u);
    store::Certificate c;
    c.unit_id = u.id;
    c.serial = first_serial(code);
    c.issued_on = format_date(today);
    c.valid_until = valid_until;
    c.created_at = now;
    c.id = txn.insert_certificate(c);
    audited.target = "unit:" + code;
    json::object out;
    out["uscc"] = code;
    out["unit"] = unit_json(u);
    out["certificate"] = certificate_json(c);
    return answer(std::move(out));
  });
}

Output certificate_extend(Context& ctx) {
  const std::string code(ctx.args.string("uscc"));
  const std::optional<std::string_view> until = ctx.args.optional_string("valid_until");
  const bool long_term = ctx.args.optional_bool("long_term").value_or(false);
  ctx.args.finish();
  if (until.has_value() == long_term) {
    bad_arg("valid_until", "or long_term: true, exactly one", "请填写新的有效期或选择长期有效");
  }
  const Date today = china_date(ctx.now);
  std::optional<std::string> valid_until;
  if (until) valid_until = future_date(*until, "valid_until", today);

  return write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
    std::optional<store::Unit> unit = txn.unit_by_uscc(code);
    if (!unit) throw Error(Errc::not_found, "no unit " + code, "单位不存在");
    require_role(actor, workflow::Role::acceptor, unit->authority_id);
    std::optional<store::Certificate> c = txn.active_certificate(unit->id);
    if (unit->revoked || !c) {
      throw Error(Errc::invalid_state, "unit " + code + " has no active certificate",
                  "该单位没有有效的证书");
    }
    if (valid_until && c->valid_until && !(*valid_until > *c->valid_until)) {
      bad_arg("valid_until", "must be later than the current " + *c->valid_until,
              "新的有效期应晚于原有效期" + *c->valid_until);
    }
    c->valid_until = valid_until;
    txn.update_certificate(*c);
    audited.target = "certificate:" + c->serial;
    json::object out;
    out["unit"] = unit_json(*unit);
    out["certificate"] = certificate_json(*c);
    return answer(std::move(out));
  });
}

// An online copy of the whole store for the system (the embedding program's
// operators); no staff member reaches files on the server.
Output store_backup(Context& ctx) {
  const std::string path(ctx.args.string("path"));
  ctx.args.finish();
  // Only the system may (its declared callers), as the dispatcher has
  // checked: the copy is made outside any transaction.
  backup(ctx, path);
  json::object out;
  out["path"] = path;
  std::error_code ec;
  out["bytes"] = static_cast<std::uint64_t>(std::filesystem::file_size(path, ec));
  out["schema_version"] = store::latest_schema_version();
  return answer(std::move(out));
}

using workflow::Role;

constexpr Command kAuthorityCreate = [] {
  Command c;
  c.name = "authority.create";
  c.summary_zh = "设立登记管理机关（赋码机关）";
  c.summary_en = "Set up a registration authority, with its division and code segment.";
  c.callers = caller::system;
  c.effect = Effect::write;
  c.args = R"({"type": "object", "additionalProperties": false,
    "required": ["code", "name", "division"],
    "properties": {
      "code": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$", "description": "its key",
               "errorMessage": "机关代码应由1至32位字母、数字或符号_-组成"},
      "name": {"type": "string", "description": "at most 100 characters"},
      "division": {"type": "string", "description": "a GB/T 2260 division code in use"},
      "segment": {"type": ["string", "null"],
                  "description": "the first characters of the organisation codes it allocates"}}})";
  c.result = R"({"type": "object", "additionalProperties": false, "required": ["authority"],
    "properties": {"authority": {"$ref": "#/$defs/authority"}}})";
  c.errors = errors(Errc::conflict);
  c.run = authority_create;
  return c;
}();

constexpr Command kStaffCreate = [] {
  Command c;
  c.name = "staff.create";
  c.summary_zh = "为登记管理机关添加工作人员账号（管理员、受理人员、复核人员）";
  c.summary_en = "Add a staff member with roles to an authority: the system, or its admin.";
  c.callers = caller::system | caller::any_staff;
  c.roles = roles(Role::admin);
  c.effect = Effect::write;
  c.args = R"({"type": "object", "additionalProperties": false,
    "required": ["authority", "username", "name", "roles"],
    "properties": {
      "authority": {"type": "string", "description": "the authority's code"},
      "username": {"type": "string", "pattern": "^[A-Za-z0-9._@-]{1,64}$",
                   "description": "unique across authorities",
                   "errorMessage": "用户名应由1至64位字母、数字或符号._@-组成"},
      "name": {"type": "string", "description": "at most 50 characters"},
      "roles": {"type": "array", "minItems": 1, "uniqueItems": true,
                "description": "the roles the account holds",
                "errorMessage": "请选择角色：管理员、受理人员或复核人员，至少一个，不重复",
                "items": {"enum": ["admin", "acceptor", "reviewer"],
                          "errorMessage": "角色应为管理员、受理人员或复核人员"}},
      "password": {"type": ["string", "null"],
                   "description": "for staff.login; none: the host authenticates them"}}})";
  c.result = R"({"type": "object", "additionalProperties": false, "required": ["staff"],
    "properties": {"staff": {"$ref": "#/$defs/staff"}}})";
  c.errors = errors(Errc::not_found, Errc::conflict);
  c.run = staff_create;
  return c;
}();

constexpr Command kUnitRegister = [] {
  Command c;
  c.name = "unit.register";
  c.summary_zh = "申请初领（现场办理）：赋予统一社会信用代码，登记单位并发放证书";
  c.summary_en =
      "On-site initial application: allocate a USCC, create the unit and its certificate.";
  c.callers = caller::any_staff;
  c.roles = roles(Role::acceptor);
  c.effect = Effect::write;
  c.args = R"({"type": "object", "additionalProperties": false,
    "required": ["name", "category", "address", "responsible_person"],
    "properties": {
      "name": {"type": "string", "description": "单位名称, at most 100 characters"},
      "category": {"enum": ["机关", "群团", "其他"], "description": "category code 1, 3 or 9",
                   "errorMessage": "单位类别应为机关、群团或其他"},
      "address": {"type": "string", "description": "住所, at most 200 characters"},
      "responsible_person": {"type": "string", "description": "负责人, at most 50 characters"},
      "valid_until": {"type": ["string", "null"], "format": "date",
                      "description": "a future date; absent: long-term valid"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["uscc", "unit", "certificate"],
    "properties": {"uscc": {"type": "string"}, "unit": {"$ref": "#/$defs/unit"},
                   "certificate": {"$ref": "#/$defs/certificate"}}})";
  c.errors = errors(Errc::exhausted);
  c.run = unit_register;
  return c;
}();

constexpr Command kCertificateExtend = [] {
  Command c;
  c.name = "certificate.extend";
  c.summary_zh = "证书延期（现场办理）";
  c.summary_en = "On-site extension: a later expiry date, or long-term validity.";
  c.callers = caller::any_staff;
  c.roles = roles(Role::acceptor);
  c.effect = Effect::write;
  c.args = R"({"type": "object", "additionalProperties": false, "required": ["uscc"],
    "properties": {
      "uscc": {"type": "string", "description": "the unit"},
      "valid_until": {"type": ["string", "null"], "format": "date",
                      "description": "after today and after the current expiry"},
      "long_term": {"type": ["boolean", "null"],
                    "description": "true instead of valid_until: exactly one of them"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["unit", "certificate"],
    "properties": {"unit": {"$ref": "#/$defs/unit"},
                   "certificate": {"$ref": "#/$defs/certificate"}}})";
  c.errors = errors(Errc::not_found, Errc::invalid_state);
  c.run = certificate_extend;
  return c;
}();

constexpr Command kStoreBackup = [] {
  Command c;
  c.name = "store.backup";
  c.summary_zh = "在线备份整个数据文件";
  c.summary_en = "Copy the whole store, online, to a new file; nothing is overwritten.";
  c.callers = caller::system;
  c.effect = Effect::read;
  c.args = R"({"type": "object", "additionalProperties": false, "required": ["path"],
    "properties": {"path": {"type": "string", "minLength": 1,
      "description": "the copy's path on the machine running the engine; must not exist"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["path", "bytes", "schema_version"],
    "properties": {"path": {"type": "string"}, "bytes": {"type": "integer", "minimum": 0},
                   "schema_version": {"type": "integer", "minimum": 1}}})";
  c.errors = errors(Errc::conflict);
  c.run = store_backup;
  return c;
}();

}  // namespace

std::vector<Command> setup_commands() {
  return {kAuthorityCreate, kCertificateExtend, kStaffCreate, kStoreBackup, kUnitRegister};
}

}  // namespace fuma::engine
