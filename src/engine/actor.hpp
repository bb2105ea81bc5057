// SPDX-License-Identifier: Apache-2.0
// Who runs a command, and every rule about who may do what: the one place
// where the engine decides FORBIDDEN. Commands load their records, then ask
// here; none of them compares roles or authorities, or answers FORBIDDEN,
// itself. Each FORBIDDEN is decided by one of these, in this order:
//   require_caller         the dispatcher, before the handler: no actor, or a
//                          kind the declaration's callers do not name
//   resolve_actor          the frame, in the transaction: an unknown or
//                          inactive staff member, an unknown or revoked unit
//   require_declared_role  the frame, before the body: a staff member holding
//                          none of the declared roles (a step's: the
//                          workflow definition's for that action)
//   require_* , load_case  handlers, once their records are loaded: the own
//                          authority, the own unit, the system only
//   authorize_step         step handlers: the transition's role, the own
//                          authority, four eyes
//
// Identities come from the request envelope's "actor":
//   {"system": true}        the embedding program itself (setup, audit)
//   {"staff": "<username>"} a staff member the embedding program authenticated
//   {"unit": "<USCC>"}      a unit the embedding program (a portal) authenticated
//   {"session": "<token>"}  a unit logged in with its credential (session.login)
//   {"staff_session": "<token>"}  a staff member logged in with a password
//                                 (staff.login)
// The library trusts its caller for the first three, as SQLite trusts the
// program that opens it; a session it checks itself.
#ifndef FUMA_SRC_ENGINE_ACTOR_HPP
#define FUMA_SRC_ENGINE_ACTOR_HPP

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "command.hpp"
#include "crypto/crypto.hpp"
#include "fuma/workflow.hpp"
#include "store/store.hpp"

namespace fuma::engine {

// Throws Error(invalid_argument) for a malformed actor object. Reads no
// record: the dispatcher parses the claim once, before the handler runs,
// and hashes a session token with `digest`, the store's.
Claim parse_claim(const boost::json::object* actor, crypto::Digest digest);

struct Actor {
  // anonymous: a command any caller may run, for a request that names no
  // actor (or one the command does not resolve).
  enum class Kind { anonymous, system, staff, unit };
  Kind kind = Kind::system;
  std::optional<store::Staff> staff;  // set for Kind::staff
  std::optional<store::Unit> unit;    // set for Kind::unit
  // Set when the unit acts through a session (rather than asserted by the
  // embedding program).
  std::optional<store::Session> session;
  // Set when a staff member acts through a staff session.
  std::optional<store::StaffSession> staff_session;
  // How records name the actor: "system", "staff:12", "unit:<USCC>". Events,
  // the audit log and idempotency keys use it.
  std::string key;

  bool is_anonymous() const { return kind == Kind::anonymous; }
  bool is_system() const { return kind == Kind::system; }
  bool is_staff() const { return kind == Kind::staff; }
  bool is_unit() const { return kind == Kind::unit; }
};

// --- the frame ---------------------------------------------------------------

// The dispatcher's check, before the handler runs: FORBIDDEN when the
// request names no actor and the command needs one ("请先登录"), or an actor
// of a kind the command's callers do not declare ("无权进行此操作").
void require_caller(const Command& declared, const Claim& claim);

// Whether the frame resolves the claim into records: not for a request that
// names none, nor for an actor a command open to anyone does not take (it
// runs as the anonymous actor).
bool resolves(const Command& declared, const Claim& claim);

// The frame's check once the actor is resolved, before the command's body:
// a staff member must hold one of the declared roles, or for a workflow step
// one of the roles that the engine's workflow definition gives that action
// (so a locality's workflow decides); FORBIDDEN otherwise.
void require_declared_role(const Context& ctx, const Actor& actor);

// The actor of this request, loaded inside the command's transaction:
// FORBIDDEN when the request names none, for an unknown or inactive staff
// member, and for an unknown or revoked unit. A session resolves to its
// unit: SESSION_EXPIRED for a token that names no open session (unknown,
// logged out, ended by a revocation, idle or too old), UNIT_REVOKED once
// the unit's code is revoked, and COMMITMENT_REQUIRED for every command but
// session.commit, session.get and session.logout until 登录承诺 is accepted.
Actor resolve_actor(const Context& ctx, store::Transaction& txn, const Claim& claim);

// Whether a session's last_seen_at is old enough to be written again; the
// engine records activity at most once a minute per session (more often
// when the idle limit is under two minutes).
bool session_needs_touch(const std::string& last_seen_at, const Context& ctx);

// --- setup ------------------------------------------------------------------

// The system only (authority.create).
void require_system(const Actor& actor);
// The system, or an admin of this authority (staff.create).
void require_system_or_admin(const Actor& actor, store::Id authority_id);
// The system, or an admin of any authority: audit.verify (an admin hears
// of their authority's records), and keys.retire before it looks the key up.
void require_system_or_any_admin(const Actor& actor);
// Staff of their own authority holding `role` (unit.register and
// certificate.extend need an acceptor of the unit's authority).
void require_role(const Actor& actor, workflow::Role role, store::Id authority_id);
// Any staff member; returns their authority (queue.list).
store::Id require_staff(const Actor& actor);

// --- cases ------------------------------------------------------------------

struct Case {
  store::Application application;
  store::Unit unit;
};

// The application `id` if this actor may see it. NOT_FOUND for an id that
// does not exist, and also for another unit's application asked by a unit
// and another authority's asked by staff, so that ids reveal nothing about
// what exists elsewhere. FORBIDDEN for the system.
Case load_case(store::Transaction& txn, const Actor& actor, store::Id id);

// Whether the actor may read a unit's records (unit.history): the unit itself
// or staff of its authority. Same answers as load_case.
void require_can_see(const Actor& actor, const store::Unit& unit);

// Steps of the workflow. The transition for `action` from the case's status
// if this actor may take it: FORBIDDEN when the actor holds no role that
// takes `action` anywhere in the definition, or not the one this
// transition needs, or took one of its distinct_from actions last (four
// eyes); INVALID_STATE, naming the status, when the actor could take the
// action but not from this status.
const workflow::Transition& authorize_step(const Actor& actor,
                                           const workflow::Definition& definition, const Case& c,
                                           std::string_view action,
                                           const std::vector<store::Event>& events);
// The same decision as a yes or no, for listing the actions a view offers.
bool may_step(const Actor& actor, const workflow::Transition& t, const Case& c,
              const std::vector<store::Event>& events);

// A unit or a staff member, not the system (attachment.rules).
void require_unit_or_staff(const Actor& actor);

// A unit acting for itself (application.start): returns the unit.
const store::Unit& require_unit(const Actor& actor);

// The applicant's own operations outside the transitions (delete, upload,
// remove an attachment): only the unit itself.
void require_applicant(const Actor& actor, const Case& c);
bool is_applicant(const Actor& actor, const Case& c);

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_ACTOR_HPP
