// SPDX-License-Identifier: Apache-2.0
// Logging in with the credential picture (图片登录): session.captcha draws a
// captcha, session.login checks the picture, the captcha and the attempt
// limits and opens a session, session.commit records 登录承诺, session.get
// shows the session and session.logout ends it. Staff log in with a
// password: staff.login, staff.logout and staff.password.

#include <algorithm>
#include <boost/json/array.hpp>

#include "actor.hpp"
#include "captcha/captcha.hpp"
#include "clock.hpp"
#include "command.hpp"
#include "credential/credential.hpp"
#include "fuma/error.hpp"
#include "operation.hpp"
#include "security.hpp"
#include "session/session.hpp"
#include "signing_key.hpp"
#include "view.hpp"

namespace fuma::engine {

std::string checked_fixed_captcha(std::string_view answer) {
  std::string upper(answer);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  const bool ok =
      !upper.empty() && upper.size() <= 8 && std::all_of(upper.begin(), upper.end(), [](char c) {
        return captcha::alphabet().find(c) != std::string_view::npos;
      });
  if (!ok) {
    throw Error(
        Errc::invalid_argument,
        "captcha_answer must be 1 to 8 characters of '" + std::string(captcha::alphabet()) + "'",
        "选项captcha_answer无效");
  }
  return upper;
}

namespace {

namespace json = boost::json;

constexpr std::string_view kTestModeWarning =
    "captcha test mode: every captcha has the configured answer; never use this in production";

// Printable ASCII of at most `max` bytes: ids, answers, addresses.
std::string ascii_arg(std::string_view value, std::string_view arg, std::size_t max,
                      std::string message) {
  const bool ok = value.size() <= max && std::all_of(value.begin(), value.end(),
                                                     [](char c) { return c > ' ' && c < 0x7f; });
  if (!ok)
    bad_arg(arg, "must be at most " + std::to_string(max) + " printable ASCII characters",
            std::move(message));
  return std::string(value);
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// The store keeps an answer's digest only (SM3 under the sm suite), with
// the captcha's id so that two captchas with one answer differ.
std::string captcha_hash(const Security& sec, std::string_view id, std::string_view answer) {
  return crypto::digest_hex(sec.digest(), std::string(id) + ":" + upper(answer));
}

std::int64_t unix_seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

json::object commitment_json(const session::Commitment& c) {
  json::object o;
  o["text_version"] = c.text_version;
  o["title"] = c.title;
  json::array paragraphs;
  for (const auto& p : c.paragraphs) paragraphs.push_back(json::value(p));
  o["paragraphs"] = std::move(paragraphs);
  o["accept_label"] = c.accept_label;
  return o;
}

// When the session ends if nothing more happens: the idle limit from its
// last command, or the absolute limit, whichever comes first.
// A unit's or a staff member's session: whichever limit comes first.
template <class AnySession>
std::string session_expiry(const Security& sec, const AnySession& s) {
  const auto created = parse_iso_time(s.created_at);
  const auto seen = parse_iso_time(s.last_seen_at);
  if (!created || !seen) throw Error(Errc::storage, "session times are unreadable");
  return iso_time(std::min(*created + sec.session_absolute, *seen + sec.session_idle));
}

json::object session_json(const Security& sec, const store::Session& s, const store::Unit& u) {
  json::object o;
  o["unit"] = unit_json(u);
  o["created_at"] = s.created_at;
  o["expires_at"] = session_expiry(sec, s);
  o["idle_timeout_seconds"] = sec.session_idle.count();
  o["committed"] = !s.committed_at.empty();
  o["committed_at"] = s.committed_at.empty() ? json::value(nullptr) : json::value(s.committed_at);
  o["commitment"] = commitment_json(*sec.commitment);
  return o;
}

Error too_many(std::chrono::seconds wait) {
  return Error(Errc::too_many_attempts,
               "too many failed attempts; retry after " + std::to_string(wait.count()) + " s",
               "尝试次数过多，请" + std::to_string(wait.count()) + "秒后再试");
}

std::chrono::seconds throttle_wait(store::Transaction& txn, const session::Throttling& policy,
                                   const std::string& scope, TimePoint now) {
  if (scope.empty()) return std::chrono::seconds(0);
  const std::optional<store::Throttle> t = txn.throttle(scope);
  if (!t) return std::chrono::seconds(0);
  const auto last = parse_iso_time(t->last_failure_at);
  if (!last) throw Error(Errc::storage, "a throttle's time is unreadable");
  return session::wait_before_next(policy, t->failures, *last, now);
}

std::chrono::seconds throttle_wait(store::Transaction& txn, const Security& sec,
                                   const std::string& scope, TimePoint now) {
  return throttle_wait(txn, sec.throttling, scope, now);
}

void count_failure(store::Transaction& txn, const session::Throttling& policy,
                   const std::string& scope, TimePoint now) {
  if (scope.empty()) return;
  store::Throttle t{scope, 0, iso_time(now)};
  if (const std::optional<store::Throttle> old = txn.throttle(scope)) {
    const auto last = parse_iso_time(old->last_failure_at);
    t.failures = session::count_failure(policy, old->failures, last.value_or(now), now);
  } else {
    t.failures = 1;
  }
  txn.save_throttle(t);
}

void count_failure(store::Transaction& txn, const Security& sec, const std::string& scope,
                   TimePoint now) {
  count_failure(txn, sec.throttling, scope, now);
}

// --- session.captcha ----------------------------------------------------------

Output session_captcha(Context& ctx) {
  const std::string client =
      ascii_arg(ctx.args.optional_string("client").value_or(""), "client", 64, "客户端地址无效");
  ctx.args.finish();
  const Security& sec = *ctx.security;
  if (!client.empty() && sec.captcha_rate) {
    if (const auto wait = sec.captcha_rate->take(client, ctx.now); wait.count() > 0) {
      throw Error(Errc::too_many_attempts,
                  "session.captcha: too many captchas for this client; retry after " +
                      std::to_string(wait.count()) + " s",
                  "获取验证码过于频繁，请" + std::to_string(wait.count()) + "秒后再试");
    }
  }
  const std::string captcha_answer =
      sec.fixed_captcha ? *sec.fixed_captcha : captcha::random_answer(5);
  store::Captcha c;
  c.id = session::new_token();
  c.answer_hash = captcha_hash(sec, c.id, captcha_answer);
  c.created_at = iso_time(ctx.now);
  c.expires_at = iso_time(ctx.now + sec.captcha_lifetime);
  // Drawn outside the transaction: the writer is held only for the rows.
  std::string png = captcha::draw_png(captcha_answer);
  // The picture is part of the frame's answer, so an idempotency key does
  // not replay it (it cannot be drawn again from the answer's hash): a
  // repeat makes a new captcha.
  return write_command(ctx, [&](store::Transaction& txn, const Actor&, Audited& audited) {
    // Expired captchas are worth nothing: they go as new ones come.
    txn.purge_captchas(iso_time(ctx.now));
    txn.insert_captcha(c);
    audited.target = "captcha";
    audited.after_status = "issued";
    json::object o;
    o["captcha_id"] = c.id;
    o["expires_at"] = c.expires_at;
    o["media_type"] = "image/png";
    if (sec.fixed_captcha) {
      o["test_mode"] = true;
      o["warning"] = kTestModeWarning;
    }
    // A copy: the store may run this more than once (a write given up, or
    // sent again statement by statement), and each answer needs the picture.
    return answer(std::move(o), png);
  });
}

// --- session.login ------------------------------------------------------------

enum class CaptchaVerdict { right, wrong, expired };

// Uses the captcha up, whatever the rest of the attempt brings: one
// captcha, one attempt.
CaptchaVerdict take_captcha(store::Transaction& txn, const Security& sec, const std::string& id,
                            const std::string& answer, const std::string& now) {
  const std::optional<store::Captcha> c = txn.captcha(id);
  if (!c || c->used) return CaptchaVerdict::expired;
  txn.mark_captcha_used(id);
  if (c->expires_at <= now) return CaptchaVerdict::expired;
  const bool same = crypto::equal(captcha_hash(sec, id, answer), c->answer_hash);
  return same ? CaptchaVerdict::right : CaptchaVerdict::wrong;
}

Output session_login(Context& ctx) {
  const std::string captcha_id =
      ascii_arg(ctx.args.string("captcha_id"), "captcha_id", 64, "验证码已过期，请刷新验证码");
  const std::string captcha_answer =
      ascii_arg(ctx.args.string("captcha_answer"), "captcha_answer", 16, "验证码错误");
  const std::string client =
      ascii_arg(ctx.args.optional_string("client").value_or(""), "client", 64, "客户端地址无效");
  ctx.args.finish();
  const Security& sec = *ctx.security;
  const std::string now = iso_time(ctx.now);
  const std::string client_scope = client.empty() ? "" : "client:" + client;

  // An address that is waiting out its delay costs no decoding.
  if (!client_scope.empty()) {
    std::chrono::seconds wait{0};
    read_command(ctx, [&](store::Transaction& txn, const Actor&) {
      wait = throttle_wait(txn, sec, client_scope, ctx.now);
      return Output{};
    });
    if (wait.count() > 0) throw too_many(wait);
  }

  // The picture is read outside any transaction: it is the slow part.
  std::optional<credential::Parsed> parsed;
  std::optional<Error> unreadable;
  try {
    parsed = credential::scan(ctx.data, sec.image_limits, &decode_budget(&sec));
  } catch (const Error& e) {
    // Busy (too many pictures being decoded) is no failed attempt: it
    // neither counts nor uses up the captcha.
    if (e.code() == Errc::internal || e.code() == Errc::out_of_memory ||
        e.code() == Errc::too_many_attempts) {
      throw;
    }
    unreadable = e;
  }

  // A failed attempt is an answer whose writes stand: the captcha is used
  // up and the failure counted, so the frame commits and then refuses.
  return write_command(ctx, [&](store::Transaction& txn, const Actor&, Audited& audited) {
    const CaptchaVerdict captcha =
        take_captcha(txn, *ctx.security, captcha_id, captcha_answer, now);
    audited.target = client_scope.empty() ? "login" : client_scope;
    if (const auto wait = throttle_wait(txn, sec, client_scope, ctx.now); wait.count() > 0) {
      audited.refusal = too_many(wait);
      return Output{};
    }
    std::string credential_scope;
    try {
      if (unreadable) throw *unreadable;
      const credential::Claims& claims = parsed->claims;
      const std::optional<store::SigningKey> key = txn.key_by_kid(claims.kid);
      if (!key || key->status == "retired") {
        throw Error(Errc::unknown_key, "no signing key " + claims.kid +
                                           (key ? " in use (it was retired)" : " is known"));
      }
      if (!credential::verify(*parsed, public_key_of(*key))) {
        throw Error(Errc::bad_signature, "the signature does not verify with key " + claims.kid);
      }
      // Only a verified credential is counted against: a forged id must not
      // lock another unit out.
      credential_scope = "credential:" + std::to_string(claims.id);
      audited.target = credential_scope;
      if (const auto wait = throttle_wait(txn, sec, credential_scope, ctx.now); wait.count() > 0) {
        audited.refusal = too_many(wait);
        return Output{};
      }
      if (credential::expired(claims, unix_seconds(ctx.now))) {
        throw Error(Errc::credential_expired,
                    "credential " + std::to_string(claims.id) + " expired");
      }
      const std::optional<store::Credential> c =
          claims.id > static_cast<std::uint64_t>(INT64_MAX)
              ? std::nullopt
              : txn.credential(static_cast<store::Id>(claims.id));
      std::optional<store::Unit> unit = c ? txn.unit(c->unit_id) : std::nullopt;
      if (!c || !unit || unit->uscc != claims.uscc || c->key_id != key->id ||
          c->generation != static_cast<std::int64_t>(claims.generation)) {
        throw Error(Errc::credential_revoked,
                    "credential " + std::to_string(claims.id) + " has no matching record");
      }
      audited.actor = "unit:" + unit->uscc;
      // A revoked unit's credentials are revoked with it; the unit's
      // revocation is the reason to tell.
      if (unit->revoked) throw Error(Errc::unit_revoked, "unit " + unit->uscc + " is revoked");
      if (c->status != "active") {
        throw Error(Errc::credential_revoked, "credential " + std::to_string(c->id) +
                                                  " was revoked (" + c->revoked_reason + ")");
      }
      if (captcha == CaptchaVerdict::expired) {
        throw Error(Errc::captcha_expired, "the captcha is unknown, used or expired");
      }
      if (captcha == CaptchaVerdict::wrong) {
        throw Error(Errc::captcha_wrong, "the captcha answer is wrong");
      }

      const std::string token = session::new_token();
      store::Session s;
      s.token_hash = session::token_hash(token, ctx.security->digest());
      s.unit_id = unit->id;
      s.credential_id = c->id;
      s.client = client;
      s.created_at = now;
      s.last_seen_at = now;
      s.id = txn.insert_session(s);
      txn.clear_throttle(credential_scope);
      if (!client_scope.empty()) txn.clear_throttle(client_scope);
      audited.target = "unit:" + unit->uscc;
      audited.after_status = "logged_in";
      json::object o;
      o["token"] = token;
      o["session"] = session_json(sec, s, *unit);
      if (sec.fixed_captcha) o["warning"] = kTestModeWarning;
      return answer(std::move(o));
    } catch (const Error& e) {
      // The store's own failures are not the caller's: the transaction may
      // be void, and a write given up (store::Retryable) runs again whole.
      if (e.code() == Errc::storage || e.code() == Errc::internal ||
          e.code() == Errc::store_unavailable) {
        throw;
      }
      count_failure(txn, sec, client_scope, ctx.now);
      count_failure(txn, sec, credential_scope, ctx.now);
      audited.refusal = e;
      return Output{};
    }
  });
}

// --- session.commit, session.get, session.logout ------------------------------

// session.commit, session.get and session.logout declare the session as
// their one caller: the dispatcher has refused any other actor, so the
// session is there.
Output session_commit(Context& ctx) {
  const std::string version(ctx.args.string("text_version"));
  ctx.args.finish();
  const Security& sec = *ctx.security;
  return write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
    store::Session s = *actor.session;
    if (version != sec.commitment->text_version) {
      throw Error(Errc::conflict,
                  "the commitment is at version '" + sec.commitment->text_version + "', not '" +
                      version + "'",
                  "登录承诺已更新，请重新阅读后同意");
    }
    if (s.committed_at.empty()) {
      s.committed_at = iso_time(ctx.now);
      s.commitment_version = version;
      txn.update_session(s);
    }
    audited.target = "unit:" + actor.unit->uscc;
    audited.after_status = "committed:" + version;
    json::object o;
    o["session"] = session_json(sec, s, *actor.unit);
    return answer(std::move(o));
  });
}

Output session_get(Context& ctx) {
  ctx.args.finish();
  return read_command(ctx, [&](store::Transaction&, const Actor& actor) {
    json::object o;
    o["session"] = session_json(*ctx.security, *actor.session, *actor.unit);
    return answer(std::move(o));
  });
}

Output session_logout(Context& ctx) {
  ctx.args.finish();
  return write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
    store::Session s = *actor.session;
    s.ended_at = iso_time(ctx.now);
    s.end_reason = "logout";
    txn.update_session(s);
    audited.target = "unit:" + actor.unit->uscc;
    audited.after_status = "logged_out";
    json::object o;
    o["ended_at"] = s.ended_at;
    return answer(std::move(o));
  });
}

// --- staff.login, staff.logout, staff.password ------------------------------------

Output staff_login(Context& ctx) {
  const std::string username =
      ascii_arg(ctx.args.string("username"), "username", 64, "用户名或密码错误");
  const std::string password(ctx.args.string("password"));
  const std::string client =
      ascii_arg(ctx.args.optional_string("client").value_or(""), "client", 64, "客户端地址无效");
  ctx.args.finish();
  if (password.size() > 1024) bad_arg("password", "is longer than 1024 bytes", "用户名或密码错误");
  const Security& sec = *ctx.security;
  const std::string now = iso_time(ctx.now);
  // Failures count against the address (any name), against the name from
  // that address, both in full, and against the name from anywhere, softly
  // (Security::name_throttling): so a stranger who knows a username slows
  // guesses at it but cannot lock its owner out from another address.
  // Without an address, against the name in full.
  const std::string client_scope = client.empty() ? "" : "client:" + client;
  const std::string user_scope =
      client.empty() ? "staff:" + username : "staff:" + username + " " + client_scope;
  const std::string name_scope = "staff-name:" + username;

  // The limits first, then the slow hash, outside the write lock.
  std::optional<store::Staff> staff;
  std::chrono::seconds wait{0};
  read_command(ctx, [&](store::Transaction& txn, const Actor&) {
    wait = std::max({throttle_wait(txn, sec, client_scope, ctx.now),
                     throttle_wait(txn, sec, user_scope, ctx.now),
                     throttle_wait(txn, sec.name_throttling, name_scope, ctx.now)});
    staff = txn.staff_by_username(username);
    return Output{};
  });
  if (wait.count() > 0) throw too_many(wait);
  // An unknown name costs the same hash as a known one, so timing does not
  // tell which names exist.
  static const std::string kDummy = session::hash_password("fuma-no-such-user-0");
  const bool right = session::verify_password(
      password, staff && !staff->password_hash.empty() ? staff->password_hash : kDummy);
  const bool ok = right && staff && staff->active && !staff->password_hash.empty();

  // A failed attempt is counted, and the count must stand: the frame
  // commits, then refuses.
  return write_command(ctx, [&](store::Transaction& txn, const Actor&, Audited& audited) {
    audited.actor = staff ? "staff:" + std::to_string(staff->id) : "anonymous";
    if (!ok) {
      count_failure(txn, sec, client_scope, ctx.now);
      count_failure(txn, sec, user_scope, ctx.now);
      count_failure(txn, sec.name_throttling, name_scope, ctx.now);
      audited.target = user_scope;
      audited.refusal =
          Error(Errc::login_failed,
                "staff.login: wrong username or password, or the account is inactive");
      return Output{};
    }
    const std::string token = session::new_token();
    store::StaffSession s;
    s.token_hash = session::token_hash(token, ctx.security->digest());
    s.staff_id = staff->id;
    s.client = client;
    s.created_at = now;
    s.last_seen_at = now;
    s.id = txn.insert_staff_session(s);
    txn.clear_throttle(user_scope);
    txn.clear_throttle(name_scope);
    if (!client_scope.empty()) txn.clear_throttle(client_scope);
    audited.target = audited.actor;
    audited.after_status = "logged_in";
    const std::optional<store::Authority> a = txn.authority(staff->authority_id);
    json::object o;
    o["token"] = token;
    json::object who = staff_json(*staff);
    who["authority"] = a ? a->code : "";
    o["staff"] = std::move(who);
    o["expires_at"] = iso_time(ctx.now + std::min(sec.session_idle, sec.session_absolute));
    return answer(std::move(o));
  });
}

Output staff_logout(Context& ctx) {
  ctx.args.finish();
  return write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
    // Declared for a staff session only: the dispatcher refused any other.
    store::StaffSession s = *actor.staff_session;
    s.ended_at = iso_time(ctx.now);
    s.end_reason = "logout";
    txn.update_staff_session(s);
    audited.target = actor.key;
    audited.after_status = "logged_out";
    json::object o;
    o["ended_at"] = s.ended_at;
    return answer(std::move(o));
  });
}

// The staff member behind a staff session (the back office asks after a
// reload): who, their roles and authority, and when the session ends.
Output staff_get(Context& ctx) {
  ctx.args.finish();
  return read_command(ctx, [&](store::Transaction& txn, const Actor& actor) {
    // Declared for a staff session only: the dispatcher refused any other.
    const Security& sec = *ctx.security;
    const store::StaffSession& s = *actor.staff_session;
    const std::optional<store::Authority> a = txn.authority(actor.staff->authority_id);
    json::object o;
    json::object who = staff_json(*actor.staff);
    who["authority"] = a ? a->code : "";
    who["authority_name"] = a ? a->name : "";
    o["staff"] = std::move(who);
    o["created_at"] = s.created_at;
    o["expires_at"] = session_expiry(sec, s);
    return answer(std::move(o));
  });
}

// A new password: staff change their own (giving the old one), the system or
// an admin of their authority sets anyone's. Every session of that staff
// member ends, so a leaked password stops working everywhere at once.
Output staff_password(Context& ctx) {
  const auto username = ctx.args.optional_string("username");
  const std::string password(ctx.args.string("password"));
  const auto old_password = ctx.args.optional_string("old_password");
  ctx.args.finish();
  if (const std::string problem = session::password_problem(password); !problem.empty()) {
    bad_arg("password", "is not acceptable", problem);
  }
  const std::string hash = session::hash_password(password);
  return write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
    // Only staff have a password of their own to change: the system names
    // whose it sets, and a unit has none.
    if (!username && actor.is_system()) {
      bad_arg("username", "is required when the system sets a password", "请指定工作人员");
    }
    if (!username) require_staff(actor);
    // Naming someone else is for the system and admins, refused before the
    // name is looked up: NOT_FOUND would tell anyone else which names exist.
    if (username && !(actor.is_staff() && actor.staff->username == *username)) {
      require_system_or_any_admin(actor);
    }
    std::optional<store::Staff> target = username ? txn.staff_by_username(*username) : actor.staff;
    if (!target) throw Error(Errc::not_found, "no such staff member", "工作人员账号不存在");
    const bool self = actor.is_staff() && actor.staff->id == target->id;
    if (self) {
      if (!old_password || !session::verify_password(*old_password, target->password_hash)) {
        throw Error(Errc::login_failed, "staff.password: the old password is wrong", "原密码错误");
      }
    } else {
      require_system_or_admin(actor, target->authority_id);
    }
    target->password_hash = hash;
    txn.update_staff(*target);
    const std::size_t ended =
        txn.end_staff_sessions(target->id, iso_time(ctx.now), "password_changed");
    audited.target = "staff:" + std::to_string(target->id);
    audited.after_status = "password_changed";
    json::object o;
    o["sessions_ended"] = ended;
    return answer(std::move(o));
  });
}

constexpr std::string_view kNoArgs =
    R"({"type": "object", "additionalProperties": false, "properties": {}})";
constexpr std::string_view kSessionAnswer = R"({"type": "object", "additionalProperties": false,
    "required": ["session"], "properties": {"session": {"$ref": "#/$defs/session"}}})";
constexpr std::string_view kEnded = R"({"type": "object", "additionalProperties": false,
    "required": ["ended_at"], "properties": {"ended_at": {"$ref": "#/$defs/time"}}})";

constexpr Command kCaptcha = [] {
  Command c;
  c.name = "session.captcha";
  c.summary_zh = "获取验证码图片";
  c.summary_en =
      "A new captcha picture for one login attempt. One client address gets the engine's "
      "captcha_per_minute (20) at once, then that many a minute.";
  c.callers = caller::anonymous;
  c.effect = Effect::write;
  c.returns = Bytes{Presence::required, "image/png", {}};
  c.args = R"({"type": "object", "additionalProperties": false, "properties": {
      "client": {"type": ["string", "null"],
                 "description": "the user's address, for the rate limit: up to 64 printable ASCII characters"}}})";
  c.errors = errors(Errc::too_many_attempts);
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["captcha_id", "expires_at", "media_type"],
    "properties": {
      "captcha_id": {"type": "string"}, "expires_at": {"$ref": "#/$defs/time"},
      "media_type": {"$ref": "#/$defs/png"},
      "test_mode": {"const": true,
                    "description": "present when the engine's captcha_answer option is set"},
      "warning": {"type": "string"}}})";
  c.run = session_captcha;
  return c;
}();

constexpr Command kLogin = [] {
  Command c;
  c.name = "session.login";
  c.summary_zh = "图片登录：上传登录二维码图片并填写验证码";
  c.summary_en =
      "Log a unit in with its saved credential picture and a captcha answer; failures are "
      "throttled per client and per credential.";
  c.callers = caller::anonymous;
  c.effect = Effect::write;
  c.takes = Bytes{Presence::required, "image/png image/jpeg image/bmp image/gif image/webp", {}};
  c.args = R"({"type": "object", "additionalProperties": false,
    "required": ["captcha_id", "captcha_answer"],
    "properties": {
      "captcha_id": {"type": "string",
                     "description": "up to 64 printable ASCII characters; the handler refuses others as an expired captcha: 验证码已过期，请刷新验证码"},
      "captcha_answer": {"type": "string",
                         "description": "up to 16 printable ASCII characters; the handler refuses others as a wrong answer: 验证码错误"},
      "client": {"type": ["string", "null"],
                 "description": "the user's address, for throttling: up to 64 printable ASCII characters"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["token", "session"],
    "properties": {
      "token": {"type": "string", "description": "the actor {\"session\": token} from now on"},
      "session": {"$ref": "#/$defs/session"}, "warning": {"type": "string"}}})";
  c.errors = errors(Errc::not_an_image, Errc::unsupported_image_format, Errc::image_too_large,
                    Errc::no_qr_found, Errc::multiple_qr, Errc::not_a_credential,
                    Errc::credential_malformed, Errc::unsupported_version, Errc::unknown_key,
                    Errc::bad_signature, Errc::credential_expired, Errc::credential_revoked,
                    Errc::unit_revoked, Errc::captcha_wrong, Errc::captcha_expired,
                    Errc::too_many_attempts);
  c.run = session_login;
  return c;
}();

constexpr Command kCommit = [] {
  Command c;
  c.name = "session.commit";
  c.summary_zh = "同意登录承诺（每次登录后、其他操作前）";
  c.summary_en = "Accept the login commitment (登录承诺), once per session, before anything else.";
  c.callers = caller::session;
  c.effect = Effect::write;
  c.args = R"({"type": "object", "additionalProperties": false, "required": ["text_version"],
    "properties": {"text_version": {"type": "string",
                                    "description": "the commitment's text_version as shown"}}})";
  c.result = kSessionAnswer;
  c.errors = errors(Errc::conflict);
  c.run = session_commit;
  return c;
}();

constexpr Command kGet = [] {
  Command c;
  c.name = "session.get";
  c.summary_zh = "当前登录会话";
  c.summary_en = "The session: its unit, expiry, and the commitment to accept.";
  c.callers = caller::session;
  c.effect = Effect::read;
  c.args = kNoArgs;
  c.result = kSessionAnswer;
  c.run = session_get;
  return c;
}();

constexpr Command kLogout = [] {
  Command c;
  c.name = "session.logout";
  c.summary_zh = "退出登录";
  c.summary_en = "End the session.";
  c.callers = caller::session;
  c.effect = Effect::write;
  c.args = kNoArgs;
  c.result = kEnded;
  c.run = session_logout;
  return c;
}();

constexpr Command kStaffLogin = [] {
  Command c;
  c.name = "staff.login";
  c.summary_zh = "工作人员用户名密码登录";
  c.summary_en = "Log a staff member in with a password; failures are throttled.";
  c.callers = caller::anonymous;
  c.effect = Effect::write;
  c.args = R"({"type": "object", "additionalProperties": false,
    "required": ["username", "password"],
    "properties": {
      "username": {"type": "string",
                   "description": "up to 64 printable ASCII characters; the handler refuses others as a failed login, 用户名或密码错误, telling nothing more"},
      "password": {"type": "string",
                   "description": "at most 1024 bytes; the handler refuses a longer one as a failed login"},
      "client": {"type": ["string", "null"],
                 "description": "the user's address, for throttling: up to 64 printable ASCII characters"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["token", "staff", "expires_at"],
    "properties": {
      "token": {"type": "string",
                "description": "the actor {\"staff_session\": token} from now on"},
      "staff": {"$ref": "#/$defs/staff"}, "expires_at": {"$ref": "#/$defs/time"}}})";
  c.errors = errors(Errc::login_failed, Errc::too_many_attempts);
  c.run = staff_login;
  return c;
}();

constexpr Command kStaffLogout = [] {
  Command c;
  c.name = "staff.logout";
  c.summary_zh = "工作人员退出登录";
  c.summary_en = "End the staff session.";
  c.callers = caller::staff_session;
  c.effect = Effect::write;
  c.args = kNoArgs;
  c.result = kEnded;
  c.run = staff_logout;
  return c;
}();

constexpr Command kStaffGet = [] {
  Command c;
  c.name = "staff.get";
  c.summary_zh = "当前登录的工作人员";
  c.summary_en = "The staff member behind a staff session, with roles and authority.";
  c.callers = caller::staff_session;
  c.effect = Effect::read;
  c.args = kNoArgs;
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["staff", "created_at", "expires_at"],
    "properties": {
      "staff": {"allOf": [{"$ref": "#/$defs/staff"}, {"required": ["authority_name"]}]},
      "created_at": {"$ref": "#/$defs/time"}, "expires_at": {"$ref": "#/$defs/time"}}})";
  c.run = staff_get;
  return c;
}();

constexpr Command kStaffPassword = [] {
  Command c;
  c.name = "staff.password";
  c.summary_zh = "修改密码：本人凭原密码修改，管理员可重设本机关人员的密码";
  c.summary_en =
      "A new password: staff change their own with the old one; the system or an admin of "
      "their authority sets anyone's. Their sessions end.";
  c.callers = caller::system | caller::any_staff;
  c.effect = Effect::write;
  c.args = R"({"type": "object", "additionalProperties": false, "required": ["password"],
    "properties": {
      "username": {"type": ["string", "null"], "description": "absent: the caller's own"},
      "password": {"type": "string", "description": "the new one, by staff.create's rules"},
      "old_password": {"type": ["string", "null"],
                       "description": "required to change one's own"}}})";
  c.result = R"({"type": "object", "additionalProperties": false, "required": ["sessions_ended"],
    "properties": {"sessions_ended": {"type": "integer", "minimum": 0}}})";
  c.errors = errors(Errc::not_found, Errc::login_failed);
  c.run = staff_password;
  return c;
}();

}  // namespace

std::vector<Command> session_commands() {
  return {kCaptcha,  kCommit,     kGet,         kLogin,        kLogout,
          kStaffGet, kStaffLogin, kStaffLogout, kStaffPassword};
}

}  // namespace fuma::engine
