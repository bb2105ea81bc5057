// SPDX-License-Identifier: Apache-2.0
// Login credentials (登录二维码图片) and the keys that sign them:
// credential.request records the paper 申领表, credential.issue signs and
// draws the picture, credential.image draws an issued one again,
// credential.list shows a unit's requests and credentials, keys.rotate,
// keys.retire and keys.list manage an authority's signing keys, and
// credential.verify checks a picture offline against exported public keys.
#include <algorithm>
#include <boost/json/array.hpp>

#include "actor.hpp"
#include "clock.hpp"
#include "command.hpp"
#include "credential/credential.hpp"
#include "crypto/crypto.hpp"
#include "fuma/error.hpp"
#include "fuma/workflow.hpp"
#include "operation.hpp"
#include "security.hpp"
#include "signing_key.hpp"
#include "text.hpp"

namespace fuma::engine {
namespace {

namespace json = boost::json;
using workflow::Role;

std::int64_t unix_seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string iso_from_unix(std::int64_t s) { return iso_time(TimePoint(std::chrono::seconds(s))); }

// What a reason key means, as the 申领表 words it.
std::string_view reason_label(std::string_view reason) {
  return reason == "first" ? "未曾领取二维码图片" : "登录二维码图片遗失";
}

const credential::Channel* find_channel(std::string_view key) {
  for (const credential::Channel& c : credential::standard_channels()) {
    if (c.key == key) return &c;
  }
  return nullptr;
}

store::Unit find_unit(store::Transaction& txn, std::string_view uscc) {
  std::optional<store::Unit> unit = txn.unit_by_uscc(uscc);
  if (!unit) throw Error(Errc::not_found, "no unit " + std::string(uscc), "单位不存在");
  return *unit;
}

store::Authority find_authority(store::Transaction& txn, store::Id id) {
  std::optional<store::Authority> a = txn.authority(id);
  if (!a) throw Error(Errc::storage, "a record names a missing authority");
  return *a;
}

json::object key_json(const store::SigningKey& k, const store::Authority& a) {
  const credential::Suite suite = suite_of(k);
  json::object o;
  o["kid"] = k.kid;
  o["authority"] = a.code;
  o["suite"] = k.suite;
  o["algorithm"] = suite == credential::Suite::sm2 ? "SM2" : "Ed25519";
  o["distinguishing_id"] =
      suite == credential::Suite::sm2 ? json::value(k.distinguishing_id) : json::value(nullptr);
  o["status"] = k.status;
  o["public_key"] = credential::to_base64url(k.public_key);
  o["public_key_pem"] = credential::public_key_pem(k.public_key, suite);
  o["created_at"] = k.created_at;
  o["retired_at"] = k.retired_at.empty() ? json::value(nullptr) : json::value(k.retired_at);
  return o;
}

json::object request_json(const store::CredentialRequest& r) {
  json::object o;
  o["id"] = r.id;
  o["reason"] = r.reason;
  o["reason_label"] = reason_label(r.reason);
  o["recipient"] = r.recipient;
  o["phone"] = r.phone;
  o["requested_on"] = r.requested_on;
  o["recorded_at"] = r.created_at;
  o["credential"] = r.credential_id ? json::value(r.credential_id) : json::value(nullptr);
  return o;
}

json::object credential_json(const store::Credential& c, const store::SigningKey& k) {
  json::object o;
  o["id"] = c.id;
  o["generation"] = c.generation;
  o["kid"] = k.kid;
  o["suite"] = k.suite;
  o["issued_at"] = c.issued_at;
  o["expires_at"] = c.expires_at ? json::value(*c.expires_at) : json::value(nullptr);
  o["status"] = c.status;
  o["revoked_at"] = c.revoked_at.empty() ? json::value(nullptr) : json::value(c.revoked_at);
  o["revoked_reason"] =
      c.revoked_reason.empty() ? json::value(nullptr) : json::value(c.revoked_reason);
  o["delivery"] = c.delivery;
  const credential::Channel* channel = find_channel(c.delivery);
  o["delivery_label"] = channel ? channel->label : c.delivery;
  o["delivery_note"] = c.delivery_note;
  return o;
}

// What a new key of the authority is when the caller does not say: the
// suite and distinguishing id of its latest key, so that rotating keeps
// the suite; for its first key, the deployment's: SM2 under the sm crypto
// suite, Ed25519 under the standard one.
struct KeyChoice {
  credential::Suite suite = credential::Suite::ed25519;
  std::string distinguishing_id;  // sm2: "" for the default
};

KeyChoice current_choice(store::Transaction& txn, const Security& security, store::Id authority) {
  KeyChoice choice;
  if (security.suite == crypto::Suite::sm) choice.suite = credential::Suite::sm2;
  const std::vector<store::SigningKey> keys = txn.keys_of_authority(authority);
  if (!keys.empty()) {
    choice.suite = suite_of(keys.back());
    choice.distinguishing_id = keys.back().distinguishing_id;
  }
  return choice;
}

std::string signature_label(store::Id credential_id) {
  return "fuma-credential-signature:" + std::to_string(credential_id);
}

// A new signing key for the authority, active at once; the key it replaces
// keeps verifying what it signed.
store::SigningKey make_key(store::Transaction& txn, const Security& security, store::Id authority,
                           const std::string& now, const KeyChoice& choice) {
  for (store::SigningKey old : txn.keys_of_authority(authority)) {
    if (old.status != "active") continue;
    old.status = "verifying";
    txn.update_key(old);
  }
  const credential::KeyPair pair = credential::generate_key(choice.suite, choice.distinguishing_id);
  store::SigningKey k;
  k.authority_id = authority;
  k.kid = credential::key_id(pair.public_key, pair.suite);
  k.suite = std::string(credential::suite_name(pair.suite));
  k.public_key = pair.public_key;
  k.distinguishing_id = pair.distinguishing_id;
  // Only a store without keys may start a new key file: with keys already
  // sealed, a missing key file is a wrong path, not a fresh start.
  const bool first = !txn.has_keys();
  k.sealed_private = security.sealer(first).seal(pair.private_key, "fuma-signing-key:" + k.kid);
  k.status = "active";
  k.created_at = now;
  k.id = txn.insert_key(k);
  return k;
}

credential::KeyPair open_key(const Security& security, const store::SigningKey& k) {
  credential::KeyPair pair;
  pair.suite = suite_of(k);
  pair.public_key = k.public_key;
  pair.distinguishing_id = k.distinguishing_id;
  pair.private_key = security.sealer(false).open(k.sealed_private, "fuma-signing-key:" + k.kid);
  return pair;
}

credential::Claims claims_of(const store::Credential& c, const store::Unit& unit,
                             const store::SigningKey& k) {
  credential::Claims claims;
  claims.kid = k.kid;
  claims.suite = suite_of(k);
  claims.uscc = unit.uscc;
  claims.id = static_cast<std::uint64_t>(c.id);
  claims.generation = static_cast<std::uint64_t>(c.generation);
  const auto issued = parse_iso_time(c.issued_at);
  if (!issued) throw Error(Errc::storage, "a credential's issue time is unreadable");
  claims.issued_at = unix_seconds(*issued);
  if (c.expires_at) {
    const auto expires = parse_iso_time(*c.expires_at);
    if (!expires) throw Error(Errc::storage, "a credential's expiry is unreadable");
    claims.expires_at = unix_seconds(*expires);
  }
  return claims;
}

// Signs a new credential: its text, and for SM2 the signature kept sealed
// in `c` (SM2 signatures are randomised and could not be made again).
std::string sign_new(const Security& security, store::Credential& c, const store::Unit& unit,
                     const store::SigningKey& k) {
  const std::string text = credential::sign(claims_of(c, unit, k), open_key(security, k));
  if (suite_of(k) == credential::Suite::sm2) {
    c.sealed_signature =
        security.sealer(false).seal(credential::parse(text).signature, signature_label(c.id));
  }
  return text;
}

// The text of an issued credential again: an Ed25519 signature is
// deterministic, so the same claims and key give the same text; an SM2
// credential's kept signature is opened and put back with its claims.
std::string credential_text(const Security& security, const store::Credential& c,
                            const store::Unit& unit, const store::SigningKey& k) {
  const credential::Claims claims = claims_of(c, unit, k);
  if (claims.suite == credential::Suite::sm2) {
    if (c.sealed_signature.empty()) {
      throw Error(Errc::storage, "SM2 credential " + std::to_string(c.id) + " has no signature");
    }
    return credential::assemble(
        claims, security.sealer(false).open(c.sealed_signature, signature_label(c.id)));
  }
  return credential::sign(claims, open_key(security, k));
}

std::string png_of(std::string_view text) {
  return image::encode_png(credential::draw(text).picture);
}

std::string file_name(const store::Unit& unit, std::int64_t generation) {
  return "登录二维码图片-" + unit.uscc + "-" + std::to_string(generation) + ".png";
}

// A mainland mobile number: 11 digits starting 13-19.
bool is_mobile(std::string_view s) {
  if (s.size() != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9') return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// --- credential.request -------------------------------------------------------

Output credential_request(Context& ctx) {
  const std::string uscc(ctx.args.string("uscc"));
  const std::string reason(ctx.args.string("reason"));
  if (reason != "first" && reason != "lost") {
    bad_arg("reason", "must be 'first' or 'lost'", "申领原因应为“未曾领取”或“遗失”");
  }
  const std::string recipient =
      required_text(ctx.args.string("recipient"), "recipient", "领取人", TextRule{30, false});
  const std::string phone = trim(ctx.args.string("phone"));
  if (!is_mobile(phone))
    bad_arg("phone", "must be an 11-digit mobile number", "手机号应为11位手机号码");
  const std::string_view requested_on = ctx.args.string("requested_on");
  const std::optional<Date> date = parse_date(requested_on);
  if (!date)
    bad_arg("requested_on", "must be a date YYYY-MM-DD", "申领日期应为日期（如2026-11-27）");
  if (*date > china_date(ctx.now))
    bad_arg("requested_on", "is in the future", "申领日期不能晚于今天");
  ctx.args.finish();
  return write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
    store::Unit unit = find_unit(txn, uscc);
    require_role(actor, Role::acceptor, unit.authority_id);
    if (unit.revoked) {
      throw Error(Errc::unit_revoked, "unit " + unit.uscc + " is revoked");
    }
    // 遗失 covers every unit that was issued a picture before, whether it
    // still works or not (a retired key, a revoked credential): the new one
    // replaces whatever it had.
    const std::vector<store::Credential> issued = txn.credentials_of_unit(unit.id);
    if (reason == "first" && !issued.empty()) {
      throw Error(Errc::invalid_state, "the unit was issued a credential before",
                  "该单位已领取过登录二维码图片；如已遗失，请选择“登录二维码图片遗失”");
    }
    if (reason == "lost" && issued.empty()) {
      throw Error(Errc::invalid_state, "the unit was never issued a credential to have lost",
                  "该单位未曾领取登录二维码图片，请选择“未曾领取二维码图片”");
    }
    for (const store::CredentialRequest& r : txn.credential_requests_of_unit(unit.id)) {
      if (r.credential_id == 0) {
        throw Error(Errc::conflict,
                    "request " + std::to_string(r.id) + " of this unit is not issued yet",
                    "该单位已有待签发的申领（编号" + std::to_string(r.id) + "）");
      }
    }
    store::CredentialRequest r;
    r.unit_id = unit.id;
    r.reason = reason;
    r.recipient = recipient;
    r.phone = phone;
    r.requested_on = std::string(requested_on);
    r.recorded_by = actor.key;
    r.created_at = iso_time(ctx.now);
    r.id = txn.insert_credential_request(r);
    audited.target = "unit:" + unit.uscc;
    audited.after_status = "credential_requested";
    json::object out;
    out["request"] = request_json(r);
    return answer(std::move(out));
  });
}

// The text of the credential issued for request `request_id`, signed again,
// for a retried credential.issue.
std::string reissued_text(Context& ctx, store::Id request_id) {
  std::string text;
  read_command(ctx, [&](store::Transaction& txn, const Actor&) {
    const std::optional<store::CredentialRequest> r = txn.credential_request(request_id);
    const store::Id id = r ? r->credential_id : 0;
    std::optional<store::Credential> c = txn.credential(id);
    std::optional<store::Unit> unit = c ? txn.unit(c->unit_id) : std::nullopt;
    std::optional<store::SigningKey> key = c ? txn.key(c->key_id) : std::nullopt;
    if (!c || !unit || !key) throw Error(Errc::storage, "a remembered credential is missing");
    if (c->status != "active") {
      throw Error(Errc::credential_revoked,
                  "credential " + std::to_string(id) + " was revoked since it was issued",
                  "该登录二维码图片已作废，不能再次下载");
    }
    text = credential_text(*ctx.security, *c, *unit, *key);
    return Output{};
  });
  return text;
}

// --- credential.issue ---------------------------------------------------------

Output credential_issue(Context& ctx) {
  const store::Id request_id = static_cast<store::Id>(ctx.args.uint("request"));
  const std::string delivery(ctx.args.string("delivery"));
  const credential::Channel* channel = find_channel(delivery);
  if (channel == nullptr) {
    std::string keys;
    for (const auto& c : credential::standard_channels())
      keys += (keys.empty() ? "" : ", ") + c.key;
    bad_arg("delivery", "must be one of " + keys, "发放方式无效");
  }
  const Checked note_checked = check_text(ctx.args.optional_string("delivery_note").value_or(""),
                                          "发放说明", TextRule{100, false});
  if (!note_checked.problem.empty())
    bad_arg("delivery_note", "is not acceptable text", note_checked.problem);
  const std::string& note = note_checked.value;
  if (channel->note_required && note.empty()) {
    bad_arg("delivery_note", "is required for delivery '" + delivery + "'", "请说明发放方式");
  }
  std::optional<std::string> expires_on;
  if (auto e = ctx.args.optional_string("expires_on")) {
    const std::optional<Date> d = parse_date(*e);
    if (!d) bad_arg("expires_on", "must be a date YYYY-MM-DD", "有效期应为日期（如2030-12-31）");
    if (!(*d > china_date(ctx.now)))
      bad_arg("expires_on", "must be after today", "有效期应晚于今天");
    expires_on = std::string(*e);
  }
  ctx.args.finish();
  std::string text;
  Output out =
      write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
        std::optional<store::CredentialRequest> r = txn.credential_request(request_id);
        if (!r)
          throw Error(Errc::not_found, "no credential request " + std::to_string(request_id),
                      "申领记录不存在");
        std::optional<store::Unit> unit = txn.unit(r->unit_id);
        if (!unit) throw Error(Errc::storage, "a request names a missing unit");
        require_role(actor, Role::acceptor, unit->authority_id);
        if (r->credential_id != 0) {
          throw Error(Errc::conflict, "request " + std::to_string(r->id) + " was issued already",
                      "该申领已签发登录二维码图片");
        }
        if (unit->revoked) throw Error(Errc::unit_revoked, "unit " + unit->uscc + " is revoked");
        const std::string now = iso_time(ctx.now);

        // 遗失: every earlier credential stops working now, with its sessions.
        json::array revoked;
        std::size_t ended = 0;
        std::int64_t generation = 1;
        for (store::Credential c : txn.credentials_of_unit(unit->id)) {
          generation = std::max(generation, c.generation + 1);
          if (c.status != "active") continue;
          c.status = "revoked";
          c.revoked_at = now;
          c.revoked_reason = "lost";
          txn.update_credential(c);
          ended += txn.end_sessions_of_credential(c.id, now, "credential_revoked");
          revoked.push_back(c.id);
        }

        store::SigningKey key;
        bool new_key = false;
        for (const store::SigningKey& k : txn.keys_of_authority(unit->authority_id)) {
          if (k.status == "active") key = k;
        }
        if (key.id == 0) {
          key = make_key(txn, *ctx.security, unit->authority_id, now,
                         current_choice(txn, *ctx.security, unit->authority_id));
          new_key = true;
        }

        store::Credential c;
        c.unit_id = unit->id;
        c.request_id = r->id;
        c.key_id = key.id;
        c.generation = generation;
        c.issued_at = now;
        if (expires_on) {
          // Valid through the whole day in China: until 24:00 UTC+8.
          const auto start = parse_iso_time(*expires_on + "T00:00:00Z");
          c.expires_at = iso_time(*start + std::chrono::hours(24 - 8));
        }
        c.delivery = delivery;
        c.delivery_note = note;
        c.payload_digest = std::string(64, '0');
        c.id = txn.insert_credential(c);
        text = sign_new(*ctx.security, c, *unit, key);
        // The digest names the text without keeping what logs a unit in.
        c.payload_digest = crypto::digest_hex(ctx.security->digest(), text);
        txn.update_credential(c);
        r->credential_id = c.id;
        txn.update_credential_request(*r);

        audited.target = "unit:" + unit->uscc;
        audited.before_status = revoked.empty() ? "" : "credential_revoked";
        audited.after_status = "credential_issued";
        json::object o;
        o["credential"] = credential_json(c, key);
        o["request"] = request_json(*r);
        o["revoked"] = std::move(revoked);
        o["sessions_ended"] = ended;
        o["new_key"] = new_key;
        o["media_type"] = "image/png";
        o["file_name"] = file_name(*unit, c.generation);
        return answer(std::move(o));
      });
  if (text.empty()) {
    // A retry with the same idempotency key: the remembered result, and the
    // same picture drawn again.
    text = reissued_text(ctx, request_id);
  }
  out.data = png_of(text);
  return out;
}

// --- credential.image ---------------------------------------------------------

Output credential_image(Context& ctx) {
  const store::Id id = static_cast<store::Id>(ctx.args.uint("credential"));
  ctx.args.finish();
  std::string text;
  Output out = read_command(ctx, [&](store::Transaction& txn, const Actor& actor) {
    std::optional<store::Credential> c = txn.credential(id);
    if (!c)
      throw Error(Errc::not_found, "no credential " + std::to_string(id), "登录二维码图片不存在");
    std::optional<store::Unit> unit = txn.unit(c->unit_id);
    std::optional<store::SigningKey> key = txn.key(c->key_id);
    if (!unit || !key) throw Error(Errc::storage, "a credential names a missing unit or key");
    require_role(actor, Role::acceptor, unit->authority_id);
    if (c->status != "active") {
      throw Error(Errc::credential_revoked, "credential " + std::to_string(id) + " is revoked",
                  "该登录二维码图片已作废，不能再次下载");
    }
    text = credential_text(*ctx.security, *c, *unit, *key);
    if (crypto::digest_hex(ctx.security->digest(), text) != c->payload_digest) {
      throw Error(Errc::storage, "credential " + std::to_string(id) +
                                     " signs differently now than when it was issued");
    }
    json::object o;
    o["credential"] = credential_json(*c, *key);
    o["media_type"] = "image/png";
    o["file_name"] = file_name(*unit, c->generation);
    return answer(std::move(o));
  });
  out.data = png_of(text);
  return out;
}

// --- credential.list ----------------------------------------------------------

Output credential_list(Context& ctx) {
  const auto uscc = ctx.args.optional_string("uscc");
  ctx.args.finish();
  return read_command(ctx, [&](store::Transaction& txn, const Actor& actor) {
    store::Unit unit;
    if (uscc) {
      unit = find_unit(txn, *uscc);
    } else if (actor.is_unit()) {
      unit = *actor.unit;
    } else {
      bad_arg("uscc", "is required", "请指定单位");
    }
    require_can_see(actor, unit);
    json::array requests;
    for (const auto& r : txn.credential_requests_of_unit(unit.id))
      requests.push_back(request_json(r));
    json::array credentials;
    for (const auto& c : txn.credentials_of_unit(unit.id)) {
      std::optional<store::SigningKey> key = txn.key(c.key_id);
      if (!key) throw Error(Errc::storage, "a credential names a missing key");
      credentials.push_back(credential_json(c, *key));
    }
    json::object o;
    o["uscc"] = unit.uscc;
    o["requests"] = std::move(requests);
    o["credentials"] = std::move(credentials);
    return answer(std::move(o));
  });
}

// --- keys ---------------------------------------------------------------------

// The authority a key command is about: an admin's own, or the one the
// system names.
store::Authority key_authority(store::Transaction& txn, const Actor& actor,
                               const std::optional<std::string_view>& code) {
  if (actor.is_staff() && !code) return find_authority(txn, actor.staff->authority_id);
  if (!code) bad_arg("authority", "is required", "请指定登记管理机关");
  std::optional<store::Authority> a = txn.authority_by_code(*code);
  if (!a)
    throw Error(Errc::not_found, "no authority '" + std::string(*code) + "'", "登记管理机关不存在");
  return *a;
}

Output keys_rotate(Context& ctx) {
  const auto code = ctx.args.optional_string("authority");
  std::optional<credential::Suite> suite;
  if (const auto name = ctx.args.optional_string("suite")) {
    suite = credential::suite_from_name(*name);
    if (!suite) bad_arg("suite", "must be ed25519 or sm2", "签名算法应为ed25519或sm2");
  }
  const auto distinguishing_id = ctx.args.optional_string("distinguishing_id");
  if (distinguishing_id && !credential::valid_distinguishing_id(*distinguishing_id)) {
    bad_arg("distinguishing_id", "must be 1 to 64 printable ASCII characters",
            "SM2签名者标识应为1至64个可打印ASCII字符");
  }
  ctx.args.finish();
  return write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
    const store::Authority a = key_authority(txn, actor, code);
    require_system_or_admin(actor, a.id);
    KeyChoice choice = current_choice(txn, *ctx.security, a.id);
    if (suite && *suite != choice.suite) {
      choice.suite = *suite;
      choice.distinguishing_id.clear();
    }
    if (distinguishing_id) {
      if (choice.suite != credential::Suite::sm2) {
        bad_arg("distinguishing_id", "is for an SM2 key only", "仅SM2密钥有签名者标识");
      }
      choice.distinguishing_id = std::string(*distinguishing_id);
    }
    const store::SigningKey k = make_key(txn, *ctx.security, a.id, iso_time(ctx.now), choice);
    audited.target = "authority:" + std::to_string(a.id);
    audited.after_status = "key:" + k.kid;
    json::object o;
    o["key"] = key_json(k, a);
    return answer(std::move(o));
  });
}

Output keys_retire(Context& ctx) {
  const std::string kid(ctx.args.string("kid"));
  ctx.args.finish();
  return write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
    // Refused before the lookup: who may not retire keys at all does not
    // learn which key ids exist from NOT_FOUND against FORBIDDEN.
    require_system_or_any_admin(actor);
    std::optional<store::SigningKey> k = txn.key_by_kid(kid);
    if (!k) throw Error(Errc::not_found, "no signing key " + kid, "签名密钥不存在");
    const store::Authority a = find_authority(txn, k->authority_id);
    require_system_or_admin(actor, a.id);
    if (k->status == "active") {
      throw Error(Errc::invalid_state, "the active key cannot be retired; rotate first",
                  "正在使用的签名密钥不能停用，请先更换密钥");
    }
    if (k->status == "retired") {
      throw Error(Errc::invalid_state, "key " + kid + " is retired already", "该签名密钥已停用");
    }
    k->status = "retired";
    k->retired_at = iso_time(ctx.now);
    txn.update_key(*k);
    // What the key signed stops working now; saying so keeps the records
    // true (a unit's list shows it revoked, 遗失 gets it a new one).
    std::size_t revoked = 0;
    std::size_t ended = 0;
    for (store::Credential c : txn.credentials_signed_by(k->id)) {
      if (c.status != "active") continue;
      c.status = "revoked";
      c.revoked_at = k->retired_at;
      c.revoked_reason = "key_retired";
      txn.update_credential(c);
      ended += txn.end_sessions_of_credential(c.id, k->retired_at, "credential_revoked");
      ++revoked;
    }
    audited.target = "authority:" + std::to_string(a.id);
    audited.before_status = "key:" + kid;
    audited.after_status = "retired";
    json::object o;
    o["key"] = key_json(*k, a);
    o["credentials_revoked"] = revoked;
    o["sessions_ended"] = ended;
    return answer(std::move(o));
  });
}

Output keys_list(Context& ctx) {
  const auto code = ctx.args.optional_string("authority");
  ctx.args.finish();
  return read_command(ctx, [&](store::Transaction& txn, const Actor& actor) {
    // Staff or the system only: the dispatcher checked the declared callers.
    const store::Authority a = key_authority(txn, actor, code);
    json::array keys;
    for (const auto& k : txn.keys_of_authority(a.id)) keys.push_back(key_json(k, a));
    json::object o;
    o["authority"] = a.code;
    o["keys"] = std::move(keys);
    return answer(std::move(o));
  });
}

// --- credential.verify (offline) ----------------------------------------------

// Checks a picture (or its text) against public keys the caller holds, as
// an offline verifier does: no store, so no revocation.
Output credential_verify(Context& ctx) {
  const json::array* keys = ctx.args.optional_array("keys");
  const auto payload = ctx.args.optional_string("payload");
  ctx.args.finish();
  if (keys == nullptr || keys->empty()) bad_arg("keys", "must list at least one key", "请提供公钥");
  if (keys->size() > 1000) bad_arg("keys", "lists more than 1000 keys", "公钥过多");
  if (payload.has_value() == !ctx.data.empty()) {
    bad_arg("payload", "give either a picture as data or its text as payload",
            "请上传登录二维码图片或提供其内容");
  }
  const credential::Parsed parsed =
      payload ? credential::parse(*payload)
              : credential::scan(ctx.data, image::Limits{}, &decode_budget(ctx.security));
  const json::object* match = nullptr;
  for (std::size_t i = 0; i < keys->size(); ++i) {
    const json::object* k = (*keys)[i].if_object();
    const json::value* kid = k ? k->if_contains("kid") : nullptr;
    auto optional_string = [&](const char* member) {
      const json::value* v = k ? k->if_contains(member) : nullptr;
      return v == nullptr || v->is_null() || v->is_string();
    };
    if (kid == nullptr || !kid->is_string() || k->if_contains("public_key") == nullptr ||
        !k->at("public_key").is_string() || !optional_string("suite") ||
        !optional_string("distinguishing_id")) {
      bad_arg("keys[" + std::to_string(i) + "]",
              "must be an object with kid and public_key strings (suite and distinguishing_id "
              "strings or null if present)",
              "公钥格式有误");
    }
    if (kid->get_string() == parsed.claims.kid) match = k;
  }
  if (match == nullptr) {
    throw Error(Errc::unknown_key, "no key given has kid " + parsed.claims.kid);
  }
  // A key says its suite as keys.list exports it; a bare kid and public
  // key (as exported before SM2) is taken to be of the text's suite.
  credential::PublicKey key;
  key.suite = parsed.claims.suite;
  if (const json::value* named = match->if_contains("suite"); named && named->is_string()) {
    const std::optional<credential::Suite> suite = credential::suite_from_name(named->get_string());
    if (!suite) bad_arg("keys", "suite must be ed25519 or sm2", "签名算法应为ed25519或sm2");
    key.suite = *suite;
  }
  if (const json::value* id = match->if_contains("distinguishing_id"); id && id->is_string()) {
    if (!credential::valid_distinguishing_id(id->get_string())) {
      bad_arg("keys", "distinguishing_id must be 1 to 64 printable ASCII characters",
              "SM2签名者标识应为1至64个可打印ASCII字符");
    }
    key.distinguishing_id = std::string(id->get_string());
  }
  key.bytes = credential::from_base64url(match->at("public_key").get_string());
  if (!credential::valid_public_key(key.bytes, key.suite)) {
    bad_arg("keys",
            "the public key of kid " + parsed.claims.kid + " is not an " +
                std::string(credential::suite_name(key.suite)) + " public key",
            "公钥格式有误");
  }
  if (credential::key_id(key.bytes, key.suite) != parsed.claims.kid) {
    bad_arg("keys", "the public key of kid " + parsed.claims.kid + " has another kid",
            "公钥与密钥编号不符");
  }
  if (key.suite != parsed.claims.suite) {
    throw Error(Errc::bad_signature, "the credential is signed with " +
                                         std::string(credential::suite_name(parsed.claims.suite)) +
                                         ", key " + parsed.claims.kid + " is " +
                                         std::string(credential::suite_name(key.suite)));
  }
  if (!credential::verify(parsed, key)) {
    throw Error(Errc::bad_signature, "the signature does not verify with key " + parsed.claims.kid);
  }
  if (credential::expired(parsed.claims, unix_seconds(ctx.now))) {
    throw Error(Errc::credential_expired, "expired at " + iso_from_unix(*parsed.claims.expires_at));
  }
  json::object o;
  json::object claims;
  claims["kid"] = parsed.claims.kid;
  claims["suite"] = credential::suite_name(parsed.claims.suite);
  claims["uscc"] = parsed.claims.uscc;
  claims["credential"] = parsed.claims.id;
  claims["generation"] = parsed.claims.generation;
  claims["issued_at"] = iso_from_unix(parsed.claims.issued_at);
  claims["expires_at"] = parsed.claims.expires_at
                             ? json::value(iso_from_unix(*parsed.claims.expires_at))
                             : json::value(nullptr);
  o["valid"] = true;
  o["claims"] = std::move(claims);
  // Offline, nobody can say whether it was revoked since.
  o["revocation_checked"] = false;
  return answer(std::move(o));
}

// What reading a picture or the text of a credential may answer.
constexpr std::uint64_t kScanErrors =
    errors(Errc::not_an_image, Errc::unsupported_image_format, Errc::image_too_large,
           Errc::no_qr_found, Errc::multiple_qr, Errc::not_a_credential, Errc::credential_malformed,
           Errc::unsupported_version, Errc::too_many_attempts);
constexpr std::string_view kPictureTypes = "image/png image/jpeg image/bmp image/gif image/webp";
constexpr std::string_view kCredentialFileName = "登录二维码图片-{uscc}-{generation}.png";

constexpr Command kRequest = [] {
  Command c;
  c.name = "credential.request";
  c.summary_zh = "登记登录二维码图片申领表（未曾领取或遗失）";
  c.summary_en = "Record a paper request for a login credential (reason first or lost).";
  c.callers = caller::any_staff;
  c.roles = roles(Role::acceptor);
  c.effect = Effect::write;
  c.args = R"({"type": "object", "additionalProperties": false,
    "required": ["uscc", "reason", "recipient", "phone", "requested_on"],
    "properties": {
      "uscc": {"type": "string", "description": "the unit"},
      "reason": {"enum": ["first", "lost"], "errorMessage": "申领原因应为“未曾领取”或“遗失”",
                 "description": "first: 未曾领取二维码图片; lost: 登录二维码图片遗失"},
      "recipient": {"type": "string", "description": "领取人"},
      "phone": {"type": "string", "description": "an 11-digit mobile number"},
      "requested_on": {"type": "string", "format": "date",
                       "description": "the date on the form, not after today"}}})";
  c.result = R"({"type": "object", "additionalProperties": false, "required": ["request"],
    "properties": {"request": {"$ref": "#/$defs/credential_request"}}})";
  c.errors = errors(Errc::not_found, Errc::unit_revoked, Errc::invalid_state, Errc::conflict);
  c.run = credential_request;
  return c;
}();

constexpr Command kIssue = [] {
  Command c;
  c.name = "credential.issue";
  c.summary_zh = "签发登录二维码图片；遗失补发时此前的图片全部作废";
  c.summary_en =
      "Sign and draw the login credential for a recorded request; for a lost one, every "
      "earlier credential of the unit stops working.";
  c.callers = caller::any_staff;
  c.roles = roles(Role::acceptor);
  c.effect = Effect::write;
  c.returns = Bytes{Presence::required, "image/png", kCredentialFileName};
  c.args = R"({"type": "object", "additionalProperties": false,
    "required": ["request", "delivery"],
    "properties": {
      "request": {"type": "integer", "minimum": 0, "description": "the request's id"},
      "delivery": {"type": "string", "description": "a delivery channel key, e.g. on_site"},
      "delivery_note": {"type": ["string", "null"],
                        "description": "at most 100 characters; required for delivery other"},
      "expires_on": {"type": ["string", "null"], "format": "date",
                     "description": "a future date; absent: no expiry"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["credential", "request", "revoked", "sessions_ended", "new_key", "media_type",
                 "file_name"],
    "properties": {
      "credential": {"$ref": "#/$defs/credential"},
      "request": {"$ref": "#/$defs/credential_request"},
      "revoked": {"type": "array", "items": {"$ref": "#/$defs/id"},
                  "description": "the credentials this one revoked"},
      "sessions_ended": {"type": "integer", "minimum": 0},
      "new_key": {"type": "boolean"},
      "media_type": {"$ref": "#/$defs/png"}, "file_name": {"type": "string"}}})";
  c.errors = errors(Errc::not_found, Errc::conflict, Errc::unit_revoked, Errc::credential_revoked);
  c.run = credential_issue;
  return c;
}();

constexpr Command kImage = [] {
  Command c;
  c.name = "credential.image";
  c.summary_zh = "重新下载已签发的登录二维码图片";
  c.summary_en = "Draw an issued, still valid credential again.";
  c.callers = caller::any_staff;
  c.roles = roles(Role::acceptor);
  c.effect = Effect::read;
  c.returns = Bytes{Presence::required, "image/png", kCredentialFileName};
  c.args = R"({"type": "object", "additionalProperties": false, "required": ["credential"],
    "properties": {"credential": {"type": "integer", "minimum": 0, "description": "its id"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["credential", "media_type", "file_name"],
    "properties": {"credential": {"$ref": "#/$defs/credential"},
                   "media_type": {"$ref": "#/$defs/png"}, "file_name": {"type": "string"}}})";
  c.errors = errors(Errc::not_found, Errc::credential_revoked);
  c.run = credential_image;
  return c;
}();

constexpr Command kList = [] {
  Command c;
  c.name = "credential.list";
  c.summary_zh = "单位的登录二维码图片申领记录和已签发的图片";
  c.summary_en = "A unit's credential requests and issued credentials.";
  c.callers = caller::any_unit | caller::any_staff;
  c.effect = Effect::read;
  c.args = R"({"type": "object", "additionalProperties": false,
    "properties": {"uscc": {"type": ["string", "null"],
                            "description": "required for staff; a unit sees its own"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["uscc", "requests", "credentials"],
    "properties": {
      "uscc": {"type": "string"},
      "requests": {"type": "array", "items": {"$ref": "#/$defs/credential_request"}},
      "credentials": {"type": "array", "items": {"$ref": "#/$defs/credential"}}}})";
  c.errors = errors(Errc::not_found);
  c.run = credential_list;
  return c;
}();

constexpr std::string_view kAuthorityArg = R"({"type": "object", "additionalProperties": false,
    "properties": {"authority": {"type": ["string", "null"],
      "description": "the authority's code; staff default to their own, the system must name it"}}})";

constexpr Command kKeysRotate = [] {
  Command c;
  c.name = "keys.rotate";
  c.summary_zh = "更换登记管理机关的签名密钥";
  c.summary_en = "A new signing key for an authority, active at once; the old one keeps verifying.";
  c.callers = caller::system | caller::any_staff;
  c.roles = roles(Role::admin);
  c.effect = Effect::write;
  c.args = R"({"type": "object", "additionalProperties": false,
    "properties": {
      "authority": {"type": ["string", "null"],
        "description": "the authority's code; staff default to their own, the system must name it"},
      "suite": {"enum": ["ed25519", "sm2", null], "errorMessage": "签名算法应为ed25519或sm2",
        "description": "the new key's signing suite; absent: the suite of the authority's latest key, ed25519 for its first"},
      "distinguishing_id": {"type": ["string", "null"], "minLength": 1, "maxLength": 64,
        "description": "sm2 only: the signer's distinguishing id (ID_A); absent: the latest SM2 key's, else 1234567812345678"}}})";
  c.result = R"({"type": "object", "additionalProperties": false, "required": ["key"],
    "properties": {"key": {"$ref": "#/$defs/key"}}})";
  c.errors = errors(Errc::not_found);
  c.run = keys_rotate;
  return c;
}();

constexpr Command kKeysRetire = [] {
  Command c;
  c.name = "keys.retire";
  c.summary_zh = "停用签名密钥：其签发的登录二维码图片全部作废";
  c.summary_en = "Retire a verifying key: what it signed is revoked and those sessions end.";
  c.callers = caller::system | caller::any_staff;
  c.roles = roles(Role::admin);
  c.effect = Effect::write;
  c.args = R"({"type": "object", "additionalProperties": false, "required": ["kid"],
    "properties": {"kid": {"type": "string", "description": "the key's id"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["key", "credentials_revoked", "sessions_ended"],
    "properties": {"key": {"$ref": "#/$defs/key"},
                   "credentials_revoked": {"type": "integer", "minimum": 0},
                   "sessions_ended": {"type": "integer", "minimum": 0}}})";
  c.errors = errors(Errc::not_found, Errc::invalid_state);
  c.run = keys_retire;
  return c;
}();

constexpr Command kKeysList = [] {
  Command c;
  c.name = "keys.list";
  c.summary_zh = "登记管理机关的签名密钥及公钥";
  c.summary_en = "An authority's signing keys with their public keys, for offline verifiers.";
  c.callers = caller::system | caller::any_staff;
  c.effect = Effect::read;
  c.args = kAuthorityArg;
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["authority", "keys"],
    "properties": {"authority": {"type": "string"},
                   "keys": {"type": "array", "items": {"$ref": "#/$defs/key"}}}})";
  c.errors = errors(Errc::not_found);
  c.run = keys_list;
  return c;
}();

constexpr Command kVerify = [] {
  Command c;
  c.name = "credential.verify";
  c.summary_zh = "离线核验登录二维码图片的签名（不查作废）";
  c.summary_en =
      "Verify a credential picture, or its text, against public keys the caller holds; "
      "offline, so revocation is not checked.";
  c.callers = caller::anonymous;
  c.effect = Effect::stateless;
  c.takes = Bytes{Presence::optional, kPictureTypes, {}};
  c.args = R"({"type": "object", "additionalProperties": false, "required": ["keys"],
    "description": "the picture as data, or its text as payload: exactly one",
    "properties": {
      "keys": {"type": "array", "minItems": 1, "maxItems": 1000,
        "description": "as keys.list exports them; other members are ignored",
        "errorMessage": "请提供1至1000个公钥",
        "items": {"type": "object", "required": ["kid", "public_key"],
                  "properties": {"kid": {"type": "string"}, "public_key": {"type": "string"},
                    "suite": {"enum": ["ed25519", "sm2", null],
                              "description": "absent: the credential's own"},
                    "distinguishing_id": {"type": ["string", "null"],
                                          "description": "sm2; absent: 1234567812345678"}}}},
      "payload": {"type": ["string", "null"], "description": "the credential's text, FM1:..."}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["valid", "claims", "revocation_checked"],
    "properties": {
      "valid": {"const": true},
      "claims": {"type": "object", "additionalProperties": false,
        "required": ["kid", "suite", "uscc", "credential", "generation", "issued_at",
                     "expires_at"],
        "properties": {
          "kid": {"type": "string"}, "suite": {"enum": ["ed25519", "sm2"]},
          "uscc": {"type": "string"},
          "credential": {"type": "integer", "minimum": 0},
          "generation": {"type": "integer", "minimum": 0},
          "issued_at": {"$ref": "#/$defs/time"},
          "expires_at": {"anyOf": [{"$ref": "#/$defs/time"}, {"type": "null"}]}}},
      "revocation_checked": {"const": false}}})";
  c.errors = kScanErrors | errors(Errc::unknown_key, Errc::bad_signature, Errc::credential_expired);
  c.run = credential_verify;
  return c;
}();

}  // namespace

std::vector<Command> credential_commands() {
  return {kImage, kIssue, kList, kRequest, kVerify, kKeysList, kKeysRetire, kKeysRotate};
}

}  // namespace fuma::engine
