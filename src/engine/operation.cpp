// SPDX-License-Identifier: Apache-2.0
#include "operation.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdint>
#include <thread>

#include "audit.hpp"
#include "clock.hpp"
#include "crypto/crypto.hpp"
#include "fuma/error.hpp"
#include "json_text.hpp"
#include "security.hpp"

namespace fuma::engine {

Output answer(boost::json::object members, std::string data) {
  Output out;
  if (!members.empty()) {
    out.write = [members = std::move(members)](JsonText& w) { w.members(members); };
  }
  out.data = std::move(data);
  return out;
}

namespace {

// An answer whose members are already text: `text` is a whole object, as
// the idempotency record keeps it.
Output remembered(std::string text) {
  Output out;
  out.write = [text = std::move(text)](JsonText& w) {
    w.raw_members(std::string_view(text).substr(1, text.size() - 2));
  };
  return out;
}

}  // namespace

// The one holder of the store's key (StoreAccess in command.hpp).
struct Frame {
  static store::Store& store(Context& ctx) { return *ctx.store.store_; }

  static Actor anonymous() {
    Actor a;
    a.kind = Actor::Kind::anonymous;
    a.key = "anonymous";
    return a;
  }

  // What the frame reads before the command's body: the actor's session,
  // and the case the command names.
  static store::ReadAhead ahead(const Context& ctx) {
    store::ReadAhead a;
    if (resolves(ctx.declared, ctx.claim)) {
      if (ctx.claim.kind == Claim::Kind::session) a.unit_session = ctx.claim.token_hash;
      if (ctx.claim.kind == Claim::Kind::staff_session) a.staff_session = ctx.claim.token_hash;
    }
    a.application = ctx.case_id;
    // A unit's own record comes with its session.
    a.application_unit = ctx.claim.kind != Claim::Kind::session;
    a.case_facts = ctx.case_id;
    a.audit_head = ctx.declared.effect == Effect::write;
    return a;
  }

  // One named result, so that it is built in place (no copy on the way to
  // every command).
  static Actor actor(Context& ctx, store::Transaction& txn) {
    if (!resolves(ctx.declared, ctx.claim)) return anonymous();
    Actor actor = resolve_actor(ctx, txn, ctx.claim);
    require_declared_role(ctx, actor);
    return actor;
  }
};

namespace {

// How often a write the database gave up (store::Retryable) runs again, and
// the longest pause before a try: a random part of a window that doubles
// with each try, so that writers who collided do not collide again in step.
constexpr int kWriteAttempts = 8;
constexpr int kFirstBackoffUs = 500;

void back_off(int attempt) {
  const int window = kFirstBackoffUs << std::min(attempt, 6);
  const std::string bytes = crypto::random_bytes(sizeof(std::uint32_t));
  std::uint32_t r = 0;
  for (char b : bytes) r = (r << 8) | static_cast<unsigned char>(b);
  std::this_thread::sleep_for(std::chrono::microseconds(window / 2 + r % (window / 2 + 1)));
}

// Runs a write, again while the store gives it up as Retryable (its
// transaction then applied nothing, so no try is applied twice), at most
// kWriteAttempts times; the last Retryable goes to the caller as what it is,
// STORE_UNAVAILABLE.
void write_retrying(store::Store& store, const std::function<void(store::Transaction&)>& fn) {
  for (int attempt = 1;; ++attempt) {
    try {
      store.write(fn);
      return;
    } catch (const store::Retryable&) {
      if (attempt >= kWriteAttempts) throw;
      back_off(attempt);
    }
  }
}

}  // namespace

Output write_command(Context& ctx, const WriteBody& body) {
  if (ctx.declared.effect != Effect::write || ctx.framed) {
    throw Error(Errc::internal,
                "'" + std::string(ctx.declared.name) + "' writes outside its one write frame");
  }
  Output out;
  std::optional<Error> refusal;
  // The claim was parsed and hashed before the transaction (engine.cpp): a
  // write's transaction may run on the thread that every write waits for.
  // A try that the store gives up leaves out and refusal to the next one.
  write_retrying(Frame::store(ctx), [&](store::Transaction& txn) {
    refusal.reset();
    txn.read_ahead(Frame::ahead(ctx));
    Actor actor = Frame::actor(ctx, txn);
    if (actor.session && session_needs_touch(actor.session->last_seen_at, ctx)) {
      actor.session->last_seen_at = iso_time(ctx.now);
      txn.update_session(*actor.session);
    }
    if (actor.staff_session && session_needs_touch(actor.staff_session->last_seen_at, ctx)) {
      actor.staff_session->last_seen_at = iso_time(ctx.now);
      txn.update_staff_session(*actor.staff_session);
    }
    const std::string key(ctx.idempotency_key);
    std::string request;
    if (!key.empty()) {
      request = crypto::digest_hex(ctx.security->digest(), boost::json::serialize(ctx.args.all()) +
                                                               '\0' + std::string(ctx.data));
      if (auto seen = txn.idempotent(actor.key, key)) {
        if (seen->command != ctx.command) {
          throw Error(Errc::conflict, "idempotency key already used for '" + seen->command + "'",
                      "该请求标识已用于其他操作");
        }
        if (seen->request != request) {
          throw Error(Errc::conflict,
                      "idempotency key already used for the same command with other arguments",
                      "该请求标识已用于内容不同的请求");
        }
        std::error_code ec;
        const boost::json::value first = boost::json::parse(seen->result_json, ec);
        if (ec || !first.is_object()) {
          throw Error(Errc::internal, "the remembered result of key '" + key + "' is unreadable");
        }
        out = remembered(std::move(seen->result_json));
        return;
      }
    }
    Audited audited;
    out = body(txn, actor, audited);
    store::AuditRecord record;
    record.at = iso_time(ctx.now);
    record.actor = audited.actor.empty() ? actor.key : std::move(audited.actor);
    record.command = std::string(ctx.command);
    record.target = std::move(audited.target);
    record.before_status = std::move(audited.before_status);
    record.after_status = std::move(audited.after_status);
    record.request_id = std::string(ctx.request_id);
    if (audited.refusal && record.after_status.empty()) {
      record.after_status = std::string(audited.refusal->name());
    }
    append_audit(txn, std::move(record), ctx.security->audit_digest);
    refusal = std::move(audited.refusal);
    if (!key.empty() && !refusal && out.data.empty()) {
      // The whole answer is remembered with the key: written now, inside
      // the transaction, and answered from the text written.
      JsonText w;
      w.begin_object();
      if (out.write) out.write(w);
      w.end_object();
      std::string text = w.take();
      txn.remember(actor.key, key,
                   store::Idempotent{std::string(ctx.command), text, std::move(request)});
      out = remembered(std::move(text));
    }
  });
  ctx.framed = true;
  if (refusal) throw *refusal;
  return out;
}

void backup(Context& ctx, const std::string& path) { Frame::store(ctx).backup(path); }

Output apply_frame(Context& ctx, Output out) {
  if (ctx.declared.effect == Effect::write) {
    return write_command(
        ctx, [&](store::Transaction&, const Actor&, Audited&) { return std::move(out); });
  }
  return read_command(ctx, [&](store::Transaction&, const Actor&) { return std::move(out); });
}

Output read_command(Context& ctx, const ReadBody& body) {
  Output out;
  std::optional<store::Session> stale;
  std::optional<store::StaffSession> stale_staff;
  Frame::store(ctx).read([&](store::Transaction& txn) {
    txn.read_ahead(Frame::ahead(ctx));
    const Actor actor = Frame::actor(ctx, txn);
    out = body(txn, actor);
    if (actor.session && session_needs_touch(actor.session->last_seen_at, ctx)) {
      stale = actor.session;
    }
    if (actor.staff_session && session_needs_touch(actor.staff_session->last_seen_at, ctx)) {
      stale_staff = actor.staff_session;
    }
  });
  // A write command may look before it writes; its frame is the write.
  if (ctx.declared.effect == Effect::read) ctx.framed = true;
  // A read keeps its session alive too; the write is rare (once a minute),
  // and losing it to a busy database only shortens the idle window.
  if (stale || stale_staff) {
    const std::string seen = iso_time(ctx.now);
    try {
      write_retrying(Frame::store(ctx), [&](store::Transaction& txn) {
        if (stale) {
          std::optional<store::Session> now = txn.session_by_token_hash(stale->token_hash);
          if (now && now->ended_at.empty() && now->last_seen_at < seen) {
            now->last_seen_at = seen;
            txn.update_session(*now);
          }
        }
        if (stale_staff) {
          std::optional<store::StaffSession> now =
              txn.staff_session_by_token_hash(stale_staff->token_hash);
          if (now && now->ended_at.empty() && now->last_seen_at < seen) {
            now->last_seen_at = seen;
            txn.update_staff_session(*now);
          }
        }
      });
    } catch (const Error& e) {
      if (e.code() != Errc::storage && e.code() != Errc::store_unavailable) throw;
    }
  }
  return out;
}

}  // namespace fuma::engine
