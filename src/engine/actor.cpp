// SPDX-License-Identifier: Apache-2.0
#include "actor.hpp"

#include <algorithm>

#include "clock.hpp"
#include "command.hpp"
#include "fuma/error.hpp"
#include "security.hpp"
#include "session/session.hpp"

namespace fuma::engine {
namespace {

namespace json = boost::json;
using workflow::Role;

[[noreturn]] void forbidden(std::string detail, std::string message) {
  throw Error(Errc::forbidden, std::move(detail), std::move(message));
}

[[noreturn]] void bad_actor(std::string detail) {
  throw Error(Errc::invalid_argument, "request.actor: " + std::move(detail),
              "请求中的身份信息有误");
}

bool has_role(const store::Staff& s, Role role) {
  const std::string_view name = workflow::role_name(role);
  return std::find(s.roles.begin(), s.roles.end(), name) != s.roles.end();
}

std::string role_label(Role role) {
  switch (role) {
    case Role::applicant:
      return "申请单位";
    case Role::acceptor:
      return "受理人员";
    case Role::reviewer:
      return "复核人员";
    case Role::admin:
      return "管理员";
  }
  return "相应";
}

// Whether the actor holds `role` for this case, before any four-eyes rule.
bool holds(const Actor& actor, Role role, const Case& c) {
  if (role == Role::applicant) return is_applicant(actor, c);
  return actor.is_staff() && actor.staff->authority_id == c.unit.authority_id &&
         has_role(*actor.staff, role);
}

// The actor who last took each of `actions` on the case, if the actor is one
// of them. Four eyes compare the last taker of each action separately: an
// acceptor whose acceptance was followed by someone else's forward still
// may not approve.
bool took_last(const Actor& actor, const std::vector<std::string>& actions,
               const std::vector<store::Event>& events) {
  for (const std::string& action : actions) {
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (it->action == action) {
        if (it->actor == actor.key) return true;
        break;
      }
    }
  }
  return false;
}

void require_own_authority(const Actor& actor, store::Id authority_id) {
  if (actor.staff->authority_id != authority_id) {
    forbidden("staff " + actor.staff->username + " belongs to another authority",
              "只能办理本登记管理机关的业务");
  }
}

[[noreturn]] void session_expired(std::string detail) {
  throw Error(Errc::session_expired, "session: " + std::move(detail));
}

// Commands a session may run before 登录承诺 is accepted: accepting it,
// reading what to accept, and leaving.
bool allowed_before_commitment(std::string_view command) {
  return command == "session.commit" || command == "session.get" || command == "session.logout";
}

Actor resolve_session(const Context& ctx, store::Transaction& txn, const Claim& claim) {
  // A malformed token is as unknown as a well-formed one that matches nothing.
  if (claim.token_hash.empty()) session_expired("the token is not a session token");
  std::optional<store::UnitSession> found = txn.unit_session_by_token_hash(claim.token_hash);
  if (!found) session_expired("no session has this token");
  std::optional<store::Session> s = std::move(found->session);
  if (!s->ended_at.empty()) session_expired("the session ended (" + s->end_reason + ")");
  const std::optional<TimePoint> last_seen = parse_iso_time(s->last_seen_at);
  const std::optional<TimePoint> created = parse_iso_time(s->created_at);
  if (!last_seen || !created) throw Error(Errc::storage, "session times are unreadable");
  if (ctx.now - *last_seen >= ctx.security->session_idle) session_expired("idle too long");
  if (ctx.now - *created >= ctx.security->session_absolute) session_expired("too old");
  std::optional<store::Unit> unit = std::move(found->unit);
  if (!unit) throw Error(Errc::storage, "a session names a missing unit");
  if (unit->revoked) {
    throw Error(Errc::unit_revoked, "unit " + unit->uscc + " is revoked");
  }
  if (found->credential_status != "active") {
    session_expired("its credential is no longer valid");
  }
  if (s->committed_at.empty() && !allowed_before_commitment(ctx.command)) {
    throw Error(Errc::commitment_required,
                "accept the login commitment with session.commit before '" +
                    std::string(ctx.command) + "'");
  }
  Actor actor;
  actor.kind = Actor::Kind::unit;
  actor.key = "unit:" + unit->uscc;
  actor.unit = std::move(unit);
  actor.session = std::move(s);
  return actor;
}

Actor resolve_staff_session(const Context& ctx, store::Transaction& txn, const Claim& claim) {
  if (claim.token_hash.empty()) session_expired("the token is not a session token");
  std::optional<store::StaffSession> s = txn.staff_session_by_token_hash(claim.token_hash);
  if (!s) session_expired("no staff session has this token");
  if (!s->ended_at.empty()) session_expired("the staff session ended (" + s->end_reason + ")");
  const std::optional<TimePoint> last_seen = parse_iso_time(s->last_seen_at);
  const std::optional<TimePoint> created = parse_iso_time(s->created_at);
  if (!last_seen || !created) throw Error(Errc::storage, "staff session times are unreadable");
  if (ctx.now - *last_seen >= ctx.security->session_idle) session_expired("idle too long");
  if (ctx.now - *created >= ctx.security->session_absolute) session_expired("too old");
  Actor actor;
  actor.staff = txn.staff(s->staff_id);
  if (!actor.staff || !actor.staff->active) {
    forbidden("staff member " + std::to_string(s->staff_id) + " is not active",
              "工作人员账号不存在或已停用");
  }
  actor.kind = Actor::Kind::staff;
  actor.key = "staff:" + std::to_string(actor.staff->id);
  actor.staff_session = std::move(s);
  return actor;
}

unsigned caller_bit(Claim::Kind kind) {
  switch (kind) {
    case Claim::Kind::none:
      return caller::anonymous;
    case Claim::Kind::system:
      return caller::system;
    case Claim::Kind::staff:
      return caller::staff;
    case Claim::Kind::staff_session:
      return caller::staff_session;
    case Claim::Kind::unit:
      return caller::unit;
    case Claim::Kind::session:
      return caller::session;
  }
  return 0;
}

// The staff roles that may take `action` anywhere in the definition.
unsigned step_roles(const workflow::Definition& definition, std::string_view action) {
  unsigned bits = 0;
  for (const workflow::Transition& t : definition.transitions()) {
    if (t.action == action) bits |= role_bit(t.role);
  }
  return bits;
}

}  // namespace

void require_caller(const Command& declared, const Claim& claim) {
  // A command open to anyone takes any well-formed actor (and ignores it).
  if ((declared.callers & (caller::anonymous | caller_bit(claim.kind))) != 0) return;
  if (claim.kind == Claim::Kind::none) forbidden("the request names no actor", "请先登录");
  forbidden("'" + std::string(declared.name) + "' does not take this kind of actor",
            "无权进行此操作");
}

bool resolves(const Command& declared, const Claim& claim) {
  return claim.kind != Claim::Kind::none && (declared.callers & caller_bit(claim.kind)) != 0;
}

void require_declared_role(const Context& ctx, const Actor& actor) {
  if (!actor.is_staff()) return;
  const Command& c = ctx.declared;
  // A step's roles are the workflow's; for other commands none means any
  // staff member the callers admit.
  const unsigned wanted = c.step.empty() ? c.roles : step_roles(ctx.domain.workflow, c.step);
  if (c.step.empty() && wanted == 0) return;
  std::string names;
  std::string labels;
  for (Role r : {Role::acceptor, Role::reviewer, Role::admin}) {
    if ((wanted & role_bit(r)) == 0) continue;
    if (has_role(*actor.staff, r)) return;
    names += (names.empty() ? "" : " or ") + std::string(workflow::role_name(r));
    labels += (labels.empty() ? "" : "或") + role_label(r);
  }
  if (names.empty()) {
    forbidden("no staff role takes '" + std::string(c.name) + "'", "无权进行此操作");
  }
  forbidden("needs the role " + names, "需要" + labels + "权限");
}

bool session_needs_touch(const std::string& last_seen_at, const Context& ctx) {
  const std::optional<TimePoint> last_seen = parse_iso_time(last_seen_at);
  // Once a minute, or at half the idle limit when that is shorter, so that a
  // short limit still sees every active session's activity in time.
  const auto every = std::min<std::chrono::system_clock::duration>(std::chrono::minutes(1),
                                                                   ctx.security->session_idle / 2);
  return !last_seen || ctx.now - *last_seen >= every;
}

Claim parse_claim(const json::object* actor, crypto::Digest digest) {
  Claim claim;
  if (actor == nullptr || actor->empty()) return claim;
  if (actor->size() != 1) bad_actor("name exactly one of system, staff, unit, session");
  const auto& [key, value] = *actor->begin();
  if (key == "system") {
    if (!value.is_bool() || !value.get_bool()) bad_actor("system must be true");
    claim.kind = Claim::Kind::system;
    return claim;
  }
  if (key == "session" || key == "staff_session") {
    const json::string* token = value.if_string();
    if (token == nullptr) bad_actor(std::string(key) + " must be a string");
    claim.kind = key == "session" ? Claim::Kind::session : Claim::Kind::staff_session;
    claim.name = std::string(*token);
    if (session::is_token(claim.name)) claim.token_hash = session::token_hash(claim.name, digest);
    return claim;
  }
  if (key == "staff" || key == "unit") {
    const json::string* name = value.if_string();
    if (name == nullptr || name->empty() || name->size() > 128) {
      bad_actor(std::string(key) + " must be a non-empty string");
    }
    claim.kind = key == "staff" ? Claim::Kind::staff : Claim::Kind::unit;
    claim.name = std::string(*name);
    return claim;
  }
  bad_actor("unknown actor kind '" + std::string(key) + "'");
}

Actor resolve_actor(const Context& ctx, store::Transaction& txn, const Claim& claim) {
  Actor actor;
  switch (claim.kind) {
    case Claim::Kind::none:
      forbidden("the request names no actor", "请先登录");
    case Claim::Kind::system:
      actor.kind = Actor::Kind::system;
      actor.key = "system";
      return actor;
    case Claim::Kind::staff: {
      actor.staff = txn.staff_by_username(claim.name);
      if (!actor.staff || !actor.staff->active) {
        forbidden("no active staff member '" + claim.name + "'", "工作人员账号不存在或已停用");
      }
      actor.kind = Actor::Kind::staff;
      actor.key = "staff:" + std::to_string(actor.staff->id);
      return actor;
    }
    case Claim::Kind::unit: {
      actor.unit = txn.unit_by_uscc(claim.name);
      if (!actor.unit) forbidden("no unit " + claim.name, "单位不存在");
      if (actor.unit->revoked) {
        forbidden("unit " + claim.name + " is revoked", "该单位的统一社会信用代码已撤销");
      }
      actor.kind = Actor::Kind::unit;
      actor.key = "unit:" + actor.unit->uscc;
      return actor;
    }
    case Claim::Kind::session:
      return resolve_session(ctx, txn, claim);
    case Claim::Kind::staff_session:
      return resolve_staff_session(ctx, txn, claim);
  }
  forbidden("unknown actor", "无权进行此操作");
}

void require_system(const Actor& actor) {
  if (!actor.is_system()) forbidden("only the system may do this", "仅限系统管理操作");
}

void require_system_or_admin(const Actor& actor, store::Id authority_id) {
  if (actor.is_system()) return;
  if (!actor.is_staff() || !has_role(*actor.staff, Role::admin)) {
    forbidden("needs the system or an admin", "需要管理员权限");
  }
  require_own_authority(actor, authority_id);
}

void require_system_or_any_admin(const Actor& actor) {
  if (actor.is_system()) return;
  if (!actor.is_staff() || !has_role(*actor.staff, Role::admin)) {
    forbidden("needs the system or an admin", "需要管理员权限");
  }
}

void require_role(const Actor& actor, Role role, store::Id authority_id) {
  if (!actor.is_staff()) forbidden("needs staff", "仅限登记管理机关工作人员办理");
  if (!has_role(*actor.staff, role)) {
    forbidden("needs the role " + std::string(workflow::role_name(role)),
              "需要" + role_label(role) + "权限");
  }
  require_own_authority(actor, authority_id);
}

store::Id require_staff(const Actor& actor) {
  if (!actor.is_staff()) forbidden("needs staff", "仅限登记管理机关工作人员办理");
  return actor.staff->authority_id;
}

Case load_case(store::Transaction& txn, const Actor& actor, store::Id id) {
  auto not_found = [&] {
    throw Error(Errc::not_found, "no application " + std::to_string(id), "未找到该申请");
  };
  std::optional<store::Application> app = txn.application(id);
  if (!app) not_found();
  if (actor.is_unit() && app->unit_id != actor.unit->id) not_found();
  std::optional<store::Unit> unit = actor.is_unit() ? actor.unit : txn.unit(app->unit_id);
  if (!unit) not_found();
  if (actor.is_staff() && actor.staff->authority_id != unit->authority_id) not_found();
  Case c{std::move(*app), std::move(*unit)};
  require_can_see(actor, c.unit);
  return c;
}

void require_can_see(const Actor& actor, const store::Unit& unit) {
  if (actor.is_unit()) {
    if (actor.unit->id != unit.id) {
      throw Error(Errc::not_found, "no such unit for this actor", "未找到相关记录");
    }
    return;
  }
  if (!actor.is_staff()) forbidden("needs the unit or staff", "仅限申请单位或登记管理机关工作人员");
  if (actor.staff->authority_id != unit.authority_id) {
    throw Error(Errc::not_found, "no such unit for this actor", "未找到相关记录");
  }
}

void require_unit_or_staff(const Actor& actor) {
  if (!actor.is_unit() && !actor.is_staff()) {
    forbidden("needs the unit or staff", "仅限申请单位或登记管理机关工作人员");
  }
}

const store::Unit& require_unit(const Actor& actor) {
  if (!actor.is_unit()) forbidden("only a unit may do this", "仅限申请单位办理");
  return *actor.unit;
}

bool is_applicant(const Actor& actor, const Case& c) {
  return actor.is_unit() && actor.unit->id == c.unit.id;
}

void require_applicant(const Actor& actor, const Case& c) {
  if (!is_applicant(actor, c)) forbidden("only the applicant unit may do this", "仅限申请单位办理");
}

bool may_step(const Actor& actor, const workflow::Transition& t, const Case& c,
              const std::vector<store::Event>& events) {
  return holds(actor, t.role, c) && !took_last(actor, t.distinct_from, events);
}

const workflow::Transition& authorize_step(const Actor& actor,
                                           const workflow::Definition& definition, const Case& c,
                                           std::string_view action,
                                           const std::vector<store::Event>& events) {
  const workflow::Transition* t = definition.transition(c.application.status, action);
  if (t == nullptr) {
    // Whether the actor could take this action at all decides between "not
    // you" and "not now": a reviewer asking to accept is refused for who
    // they are, whatever the status.
    const bool could = std::any_of(definition.transitions().begin(), definition.transitions().end(),
                                   [&](const workflow::Transition& x) {
                                     return x.action == action && holds(actor, x.role, c);
                                   });
    if (!could) {
      forbidden("the actor takes no '" + std::string(action) + "' step", "无权进行此操作");
    }
    const workflow::Status* s = definition.status(c.application.status);
    const std::string label = s ? s->label : c.application.status;
    throw Error(Errc::invalid_state,
                "no '" + std::string(action) + "' from status '" + c.application.status + "'",
                "当前办理进度为“" + label + "”，不能进行此操作");
  }
  if (!holds(actor, t->role, c)) {
    if (t->role != Role::applicant && actor.is_staff() &&
        actor.staff->authority_id != c.unit.authority_id) {
      require_own_authority(actor, c.unit.authority_id);
    }
    forbidden(
        "'" + std::string(action) + "' needs the role " + std::string(workflow::role_name(t->role)),
        "需要" + role_label(t->role) + "权限");
  }
  if (took_last(actor, t->distinct_from, events)) {
    forbidden("four eyes: the actor took a step this one must be distinct from",
              "按双人办理要求，此步骤须由其他工作人员办理");
  }
  return *t;
}

}  // namespace fuma::engine
