// SPDX-License-Identifier: Apache-2.0
#include "pg_transaction.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "fuma/error.hpp"
#include "rules.hpp"

namespace fuma::store::pg {
namespace {

using rules::check_digest;
using rules::fields_json;
using rules::join_roles;
using rules::missing;
using rules::split_roles;

// Column lists shared by the SELECTs of one record type and its reader below
// (the same as the SQLite store's).
#define FUMA_AUTHORITY_COLUMNS "id, code, name, division, segment, created_at"
#define FUMA_STAFF_COLUMNS \
  "id, authority_id, username, name, roles, password_hash, active, created_at"
#define FUMA_UNIT_COLUMNS                                                                      \
  "id, uscc, authority_id, name, category, address, responsible_person, revoked, created_at, " \
  "updated_at"
#define FUMA_CERTIFICATE_COLUMNS "id, unit_id, serial, issued_on, valid_until, status, created_at"
#define FUMA_APPLICATION_COLUMNS                                                          \
  "id, unit_id, business, status, version, fields_json, latest_reply, open, created_at, " \
  "updated_at"
#define FUMA_EVENT_COLUMNS \
  "id, application_id, action, from_status, to_status, actor, reply, at, business"
#define FUMA_AUDIT_COLUMNS \
  "seq, at, actor, command, target, before_status, after_status, prev_hash, hash, request_id"
#define FUMA_KEY_COLUMNS                                                                       \
  "id, authority_id, kid, public_key, sealed_private, status, created_at, retired_at, suite, " \
  "distinguishing_id"
#define FUMA_REQUEST_COLUMNS \
  "id, unit_id, reason, recipient, phone, requested_on, recorded_by, created_at, credential_id"
#define FUMA_CREDENTIAL_COLUMNS                                                              \
  "id, unit_id, request_id, key_id, generation, issued_at, expires_at, status, revoked_at, " \
  "revoked_reason, delivery, delivery_note, payload_digest, sealed_signature"
#define FUMA_SESSION_COLUMNS                                                                 \
  "id, token_hash, unit_id, credential_id, client, created_at, last_seen_at, committed_at, " \
  "commitment_version, ended_at, end_reason"

// A change's form sent later (PgTransaction::later): `change` (a data-
// modifying statement with RETURNING) in a WITH, and a SELECT that fails,
// through fuma_require (schema 10), unless `check` holds of its rows,
// `done`. Written as one macro so that the two forms cannot drift apart.
#define FUMA_LATER(change, check, what) \
  "WITH done AS (" change ") SELECT fuma_require(" check ", '" what "')"

// The statements read_ahead sends, the same text as the reads they stand
// for, so that a read finds its answer by statement and values.
constexpr const char kStaffById[] = "SELECT " FUMA_STAFF_COLUMNS " FROM staff WHERE id = $1";
constexpr const char kUnitById[] = "SELECT " FUMA_UNIT_COLUMNS " FROM units WHERE id = $1";
constexpr const char kActiveCertificate[] =
    "SELECT " FUMA_CERTIFICATE_COLUMNS
    " FROM certificates WHERE unit_id = $1 AND status = 'active'";
constexpr const char kApplicationById[] =
    "SELECT " FUMA_APPLICATION_COLUMNS " FROM applications WHERE id = $1";
constexpr const char kAttachments[] =
    "SELECT a.id, a.application_id, a.kind, a.file_name, a.media_type, b.digest, b.size, "
    "a.uploaded_at FROM attachments a JOIN blobs b ON b.id = a.blob_id "
    "WHERE a.application_id = $1 ORDER BY a.id";
constexpr const char kEvents[] =
    "SELECT " FUMA_EVENT_COLUMNS " FROM events WHERE application_id = $1 ORDER BY id";
constexpr const char kLastAuditHash[] = "SELECT hash, seq FROM audit_head";
constexpr const char kUnitSession[] =
    "SELECT s.id, s.token_hash, s.unit_id, s.credential_id, s.client, s.created_at, "
    "s.last_seen_at, s.committed_at, s.commitment_version, s.ended_at, s.end_reason, "
    "u.id, u.uscc, u.authority_id, u.name, u.category, u.address, u.responsible_person, "
    "u.revoked, u.created_at, u.updated_at, c.status FROM sessions s "
    "LEFT JOIN units u ON u.id = s.unit_id "
    "LEFT JOIN credentials c ON c.id = s.credential_id "
    "WHERE s.token_hash = $1";
constexpr const char kStaffSession[] =
    "SELECT id, token_hash, staff_id, client, created_at, last_seen_at, ended_at, end_reason "
    "FROM staff_sessions WHERE token_hash = $1";
// What read_ahead sends for a row whose key it learns from another row of
// the same round trip: staff() of a session's member, unit() and
// active_certificate() of an application's unit.
constexpr const char kStaffOfSession[] =
    "SELECT " FUMA_STAFF_COLUMNS
    " FROM staff WHERE id = (SELECT staff_id FROM staff_sessions WHERE token_hash = $1)";
constexpr const char kUnitOfApplication[] =
    "SELECT " FUMA_UNIT_COLUMNS
    " FROM units WHERE id = (SELECT unit_id FROM applications WHERE id = $1)";
constexpr const char kCertificateOfApplication[] =
    "SELECT " FUMA_CERTIFICATE_COLUMNS
    " FROM certificates WHERE unit_id = (SELECT unit_id FROM applications WHERE id = $1) "
    "AND status = 'active'";

// The tables each statement read_ahead sends reads: a statement that
// writes none of them leaves its answer as the store holds it. (For the
// writes' round trips: the application page's attachments and certificate,
// read ahead before a step, stay good through the step's own writes.) A row
// found through another is kept as the row it stands for (a staff member,
// a unit, a certificate by its unit): it depends on the other row only
// through a column that never changes (a session's staff member, an
// application's unit), so only its own table counts.
struct ReadsTables {
  const char* sql;
  std::array<std::string_view, 3> tables;
};
constexpr ReadsTables kAheadReads[] = {
    {kUnitSession, {"sessions", "units", "credentials"}},
    {kStaffSession, {"staff_sessions"}},
    {kStaffOfSession, {"staff"}},
    {kApplicationById, {"applications"}},
    {kUnitOfApplication, {"units"}},
    {kEvents, {"events"}},
    {kAttachments, {"attachments", "blobs"}},
    {kCertificateOfApplication, {"certificates"}},
    {kActiveCertificate, {"certificates"}},
    {kLastAuditHash, {"audit_head"}},
};

// The tables a statement that writes writes: the name after each INSERT
// INTO, UPDATE and DELETE FROM, and what a trigger writes with it (a unit's
// authority, copied to its applications). Empty when a name cannot be read,
// which the caller takes as "any table".
std::vector<std::string_view> written_tables(std::string_view sql) {
  std::vector<std::string_view> out;
  for (std::string_view verb : {"INSERT INTO ", "UPDATE ", "DELETE FROM "}) {
    for (std::size_t at = sql.find(verb); at != std::string_view::npos;
         at = sql.find(verb, at + 1)) {
      const std::size_t from = at + verb.size();
      std::size_t to = from;
      while (to < sql.size() &&
             (std::islower(static_cast<unsigned char>(sql[to])) || sql[to] == '_')) {
        ++to;
      }
      if (to == from) return {};
      out.push_back(sql.substr(from, to - from));
    }
  }
  if (std::find(out.begin(), out.end(), "units") != out.end()) out.push_back("applications");
  return out;
}

Authority read_authority(const Result& s, int i) {
  Authority a;
  a.id = s.int64(i, 0);
  a.code = s.text(i, 1);
  a.name = s.text(i, 2);
  a.division = s.text(i, 3);
  a.segment = s.text(i, 4);
  a.created_at = s.text(i, 5);
  return a;
}

Staff read_staff(const Result& s, int i) {
  Staff st;
  st.id = s.int64(i, 0);
  st.authority_id = s.int64(i, 1);
  st.username = s.text(i, 2);
  st.name = s.text(i, 3);
  st.roles = split_roles(s.text(i, 4));
  st.password_hash = s.text(i, 5);
  st.active = s.boolean(i, 6);
  st.created_at = s.text(i, 7);
  return st;
}

Unit read_unit_at(const Result& s, int i, int first) {
  Unit u;
  u.id = s.int64(i, first);
  u.uscc = s.text(i, first + 1);
  u.authority_id = s.int64(i, first + 2);
  u.name = s.text(i, first + 3);
  u.category = s.text(i, first + 4);
  u.address = s.text(i, first + 5);
  u.responsible_person = s.text(i, first + 6);
  u.revoked = s.boolean(i, first + 7);
  u.created_at = s.text(i, first + 8);
  u.updated_at = s.text(i, first + 9);
  return u;
}

Unit read_unit(const Result& s, int i) { return read_unit_at(s, i, 0); }

Certificate read_certificate(const Result& s, int i) {
  Certificate c;
  c.id = s.int64(i, 0);
  c.unit_id = s.int64(i, 1);
  c.serial = s.text(i, 2);
  c.issued_on = s.text(i, 3);
  c.valid_until = s.optional_text(i, 4);
  c.status = s.text(i, 5);
  c.created_at = s.text(i, 6);
  return c;
}

Application read_application(const Result& s, int i) {
  Application a;
  a.id = s.int64(i, 0);
  a.unit_id = s.int64(i, 1);
  a.business = s.text(i, 2);
  a.status = s.text(i, 3);
  a.version = s.int64(i, 4);
  a.fields_json = s.text(i, 5);
  a.latest_reply = s.text(i, 6);
  a.open = s.boolean(i, 7);
  a.created_at = s.text(i, 8);
  a.updated_at = s.text(i, 9);
  return a;
}

Event read_event(const Result& s, int i) {
  Event e;
  e.id = s.int64(i, 0);
  e.application_id = s.int64(i, 1);
  e.action = s.text(i, 2);
  e.from_status = s.text(i, 3);
  e.to_status = s.text(i, 4);
  e.actor = s.text(i, 5);
  e.reply = s.text(i, 6);
  e.at = s.text(i, 7);
  e.business = s.text(i, 8);
  return e;
}

AuditRecord read_audit(const Result& s, int i) {
  AuditRecord r;
  r.seq = s.int64(i, 0);
  r.at = s.text(i, 1);
  r.actor = s.text(i, 2);
  r.command = s.text(i, 3);
  r.target = s.text(i, 4);
  r.before_status = s.text(i, 5);
  r.after_status = s.text(i, 6);
  r.prev_hash = s.text(i, 7);
  r.hash = s.text(i, 8);
  r.request_id = s.optional_text(i, 9).value_or("");
  return r;
}

SigningKey read_key(const Result& s, int i) {
  SigningKey k;
  k.id = s.int64(i, 0);
  k.authority_id = s.int64(i, 1);
  k.kid = s.text(i, 2);
  k.public_key = s.bytes(i, 3);
  k.sealed_private = s.bytes(i, 4);
  k.status = s.text(i, 5);
  k.created_at = s.text(i, 6);
  k.retired_at = s.text(i, 7);
  k.suite = s.text(i, 8);
  k.distinguishing_id = s.text(i, 9);
  return k;
}

CredentialRequest read_request(const Result& s, int i) {
  CredentialRequest r;
  r.id = s.int64(i, 0);
  r.unit_id = s.int64(i, 1);
  r.reason = s.text(i, 2);
  r.recipient = s.text(i, 3);
  r.phone = s.text(i, 4);
  r.requested_on = s.text(i, 5);
  r.recorded_by = s.text(i, 6);
  r.created_at = s.text(i, 7);
  r.credential_id = s.int64(i, 8);
  return r;
}

Credential read_credential(const Result& s, int i) {
  Credential c;
  c.id = s.int64(i, 0);
  c.unit_id = s.int64(i, 1);
  c.request_id = s.int64(i, 2);
  c.key_id = s.int64(i, 3);
  c.generation = s.int64(i, 4);
  c.issued_at = s.text(i, 5);
  c.expires_at = s.optional_text(i, 6);
  c.status = s.text(i, 7);
  c.revoked_at = s.text(i, 8);
  c.revoked_reason = s.text(i, 9);
  c.delivery = s.text(i, 10);
  c.delivery_note = s.text(i, 11);
  c.payload_digest = s.text(i, 12);
  c.sealed_signature = s.bytes(i, 13);
  return c;
}

Session read_session_at(const Result& s, int i, int first) {
  Session x;
  x.id = s.int64(i, first);
  x.token_hash = s.text(i, first + 1);
  x.unit_id = s.int64(i, first + 2);
  x.credential_id = s.int64(i, first + 3);
  x.client = s.text(i, first + 4);
  x.created_at = s.text(i, first + 5);
  x.last_seen_at = s.text(i, first + 6);
  x.committed_at = s.text(i, first + 7);
  x.commitment_version = s.text(i, first + 8);
  x.ended_at = s.text(i, first + 9);
  x.end_reason = s.text(i, first + 10);
  return x;
}

Session read_session(const Result& s, int i) { return read_session_at(s, i, 0); }

template <class T, class Read>
std::optional<T> one(const Result& r, Read read) {
  if (r.empty()) return std::nullopt;
  return read(r, 0);
}

template <class T, class Read>
std::vector<T> all(const Result& r, Read read) {
  std::vector<T> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read(r, i));
  return out;
}

std::optional<std::string> or_null(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

}  // namespace

void PgTransaction::check_open(const char* method) const {
  // Before its first statement a transaction has had no error to void it.
  if (!began()) return;
  // After an error PostgreSQL refuses everything but ROLLBACK; saying so
  // here names the method rather than "current transaction is aborted".
  if (!conn_.in_transaction()) {
    throw Error(Errc::storage,
                std::string(method) + ": the transaction was rolled back after an earlier error");
  }
}

void PgTransaction::check_writable(const char* method) const {
  check_open(method);
  if (!writable_) {
    throw Error(Errc::internal, std::string(method) +
                                    " writes, but this transaction is a Store::read(); "
                                    "writes belong in Store::write()");
  }
}

std::vector<Result> PgTransaction::pipeline(std::vector<Statement> tail, const char* method) {
  std::vector<Statement> list = std::move(before_);
  before_.clear();
  const std::size_t first_ours = list.size();
  list.reserve(list.size() + prelude_.size() + later_.size() + tail.size());
  for (std::string_view sql : prelude_) list.push_back({sql, Params()});
  prelude_.clear();
  const std::size_t first_later = list.size();
  for (Statement& st : later_) list.push_back(std::move(st));
  const std::size_t first_tail = list.size();
  later_.clear();
  for (Statement& st : tail) list.push_back(std::move(st));
  std::size_t failed = list.size();
  std::vector<Result> results;
  try {
    results = conn_.pipeline(list, method, &failed);
  } catch (const Error& e) {
    // A connection lost voids the whole transaction, whoever's statement
    // met it; anything else (a write given up, Retryable, too) is the
    // failure of the write whose statement failed.
    const bool lost =
        e.code() == Errc::store_unavailable && dynamic_cast<const Retryable*>(&e) == nullptr;
    if (!lost && failed < first_ours) {
      throw EarlierFailed(Errc::storage, std::string(method) +
                                             ": a change of the write before failed (" +
                                             e.detail() + "); it runs again");
    }
    if (!lost && failed >= first_later && failed < first_tail) {
      throw LaterFailed(Errc::storage, std::string(method) +
                                           ": a change sent with this statement failed (" +
                                           e.detail() + "); the write runs again");
    }
    throw;
  }
  results.erase(results.begin(), results.begin() + static_cast<std::ptrdiff_t>(first_tail));
  return results;
}

std::vector<Statement> PgTransaction::take_unsent() {
  std::vector<Statement> out;
  for (std::string_view sql : prelude_) out.push_back({sql, Params()});
  prelude_.clear();
  for (Statement& st : later_) out.push_back(std::move(st));
  later_.clear();
  return out;
}

Result PgTransaction::send(std::string_view sql, Params params, const char* method) {
  if (began() && later_.empty() && before_.empty()) {
    return conn_.run(sql, std::move(params), method);
  }
  std::vector<Statement> one;
  one.push_back({sql, std::move(params)});
  return std::move(pipeline(std::move(one), method).back());
}

void PgTransaction::finish(std::vector<std::string_view> last) {
  if (before_.empty() && later_.empty() && last.empty()) return;
  std::vector<Statement> tail;
  for (std::string_view sql : last) tail.push_back({sql, Params()});
  pipeline(std::move(tail), "finish");
}

std::string PgTransaction::ahead_key(std::string_view sql, const Params& params) {
  std::string key(sql);
  key += '\0';
  key += params.signature();
  return key;
}

void PgTransaction::forget_ahead(std::string_view written_by) {
  if (ahead_.empty()) return;
  const std::vector<std::string_view> written = written_tables(written_by);
  auto stale = [&](const Ahead& held) {
    if (written.empty()) return true;
    for (const ReadsTables& r : kAheadReads) {
      if (r.sql != held.sent) continue;
      return std::any_of(r.tables.begin(), r.tables.end(), [&](std::string_view t) {
        return !t.empty() && std::find(written.begin(), written.end(), t) != written.end();
      });
    }
    return true;
  };
  ahead_.erase(std::remove_if(ahead_.begin(), ahead_.end(), stale), ahead_.end());
}

std::optional<Result> PgTransaction::take_ahead(const std::string& key) {
  // A copy: the same read may come again (a command's check and its
  // answer's page both read the case's unit), until a write drops it.
  for (const Ahead& held : ahead_) {
    if (held.key == key) return held.result.copy();
  }
  return std::nullopt;
}

void PgTransaction::read_ahead(const ReadAhead& ahead) {
  check_open("read_ahead");
  // The statements to send, and where each answer goes: under its own key,
  // or (a row found through another: `through` the statement whose first
  // row gives the key's value, at column `column`) under the key of the
  // read it stands for.
  struct Slot {
    std::string key;
    const char* sent = nullptr;
    const char* stands_for = nullptr;
    int through = -1;
    int column = 0;
  };
  std::vector<Statement> list;
  std::vector<Slot> slots;
  auto want = [&](const char* sql, Params params) -> int {
    std::string key = ahead_key(sql, params);
    for (const Ahead& held : ahead_) {
      if (held.key == key) return -1;
    }
    slots.push_back({std::move(key), sql});
    list.push_back({sql, std::move(params)});
    return static_cast<int>(slots.size()) - 1;
  };
  auto want_through = [&](const char* sql, Params params, const char* stands_for, int through,
                          int column) {
    if (through < 0) return;
    slots.push_back({{}, sql, stands_for, through, column});
    list.push_back({sql, std::move(params)});
  };
  if (!ahead.unit_session.empty()) want(kUnitSession, Params(ahead.unit_session));
  if (!ahead.staff_session.empty()) {
    const int session = want(kStaffSession, Params(ahead.staff_session));
    want_through(kStaffOfSession, Params(ahead.staff_session), kStaffById, session, 2);
  }
  int application = -1;
  if (ahead.application != 0) {
    application = want(kApplicationById, Params(ahead.application));
    if (ahead.application_unit) {
      want_through(kUnitOfApplication, Params(ahead.application), kUnitById, application, 1);
    }
  }
  if (ahead.case_facts != 0) {
    if (ahead.case_events) want(kEvents, Params(ahead.case_facts));
    want(kAttachments, Params(ahead.case_facts));
    if (ahead.case_unit != 0) {
      want(kActiveCertificate, Params(ahead.case_unit));
    } else if (ahead.case_facts == ahead.application) {
      want_through(kCertificateOfApplication, Params(ahead.case_facts), kActiveCertificate,
                   application, 1);
    }
  }
  if (ahead.audit_head) want(kLastAuditHash, Params());
  // Nothing to read: the prelude and the changes waiting wait on.
  if (slots.empty()) return;
  std::vector<Result> results = pipeline(std::move(list), "read_ahead");
  // The keys of the rows found through others first, while every result
  // is still in `results`.
  for (Slot& slot : slots) {
    if (slot.stands_for == nullptr) continue;
    const Result& key_row = results[static_cast<std::size_t>(slot.through)];
    // Nobody will ask for a row whose row it goes by is not there.
    if (!key_row.empty()) {
      slot.key = ahead_key(slot.stands_for, Params(key_row.int64(0, slot.column)));
    }
  }
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].key.empty()) continue;
    ahead_.push_back({std::move(slots[i].key), slots[i].sent, std::move(results[i])});
  }
}

// --- authorities --------------------------------------------------------

Id PgTransaction::insert_authority(const Authority& a) {
  return change(
             "INSERT INTO authorities(code, name, division, segment, created_at) "
             "VALUES ($1, $2, $3, $4, $5) RETURNING id",
             "insert_authority", a.code, a.name, a.division, a.segment, a.created_at)
      .int64(0, 0);
}

std::optional<Authority> PgTransaction::authority(Id id) {
  return one<Authority>(
      query("SELECT " FUMA_AUTHORITY_COLUMNS " FROM authorities WHERE id = $1", "authority", id),
      read_authority);
}

std::optional<Authority> PgTransaction::authority_by_code(std::string_view code) {
  return one<Authority>(query("SELECT " FUMA_AUTHORITY_COLUMNS " FROM authorities WHERE code = $1",
                              "authority_by_code", code),
                        read_authority);
}

std::uint64_t PgTransaction::take_serial(Id authority_id) {
  // The row stays locked until the transaction ends: no other writer can
  // take the same serial, and a rollback (or a crash) gives it back whole.
  const Result r = change(
      "UPDATE authorities SET next_serial = next_serial + 1 WHERE id = $1 "
      "RETURNING next_serial - 1",
      "take_serial", authority_id);
  if (r.empty()) missing("take_serial", "authority", authority_id);
  return static_cast<std::uint64_t>(r.int64(0, 0));
}

// --- staff ----------------------------------------------------------------

Id PgTransaction::insert_staff(const Staff& st) {
  const std::string roles = join_roles(st.roles);
  return change(
             "INSERT INTO staff(authority_id, username, name, roles, password_hash, active, "
             "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
             "insert_staff", st.authority_id, st.username, st.name, roles, st.password_hash,
             st.active, st.created_at)
      .int64(0, 0);
}

std::optional<Staff> PgTransaction::staff(Id id) {
  return one<Staff>(query(kStaffById, "staff", id), read_staff);
}

std::optional<Staff> PgTransaction::staff_by_username(std::string_view username) {
  return one<Staff>(query("SELECT " FUMA_STAFF_COLUMNS " FROM staff WHERE username = $1",
                          "staff_by_username", username),
                    read_staff);
}

void PgTransaction::update_staff(const Staff& st) {
  const std::string roles = join_roles(st.roles);
  if (change("UPDATE staff SET authority_id = $1, username = $2, name = $3, roles = $4, "
             "password_hash = $5, active = $6 WHERE id = $7",
             "update_staff", st.authority_id, st.username, st.name, roles, st.password_hash,
             st.active, st.id)
          .affected() == 0) {
    missing("update_staff", "staff", st.id);
  }
}

// --- units ----------------------------------------------------------------

Id PgTransaction::insert_unit(const Unit& u) {
  return change(
             "INSERT INTO units(uscc, authority_id, name, category, address, responsible_person, "
             "revoked, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
             "RETURNING id",
             "insert_unit", u.uscc, u.authority_id, u.name, u.category, u.address,
             u.responsible_person, u.revoked, u.created_at, u.updated_at)
      .int64(0, 0);
}

std::optional<Unit> PgTransaction::unit(Id id) {
  return one<Unit>(query(kUnitById, "unit", id), read_unit);
}

std::optional<Unit> PgTransaction::unit_by_uscc(std::string_view uscc) {
  return one<Unit>(
      query("SELECT " FUMA_UNIT_COLUMNS " FROM units WHERE uscc = $1", "unit_by_uscc", uscc),
      read_unit);
}

std::vector<Unit> PgTransaction::units_by_name(std::string_view fragment, std::size_t limit) {
  if (limit == 0) return {};
  // The name's collation is "C": ILIKE folds ASCII letters only, as
  // SQLite's LIKE does, and the order is the bytes'. The two steps of
  // rules.hpp: the first names in order (the inner ORDER BY and LIMIT walk
  // the name index; the outer ORDER BY is its order, so the page ends
  // with its last match)...
  const std::string pattern = rules::contains_pattern(fragment);
  std::vector<Unit> found =
      all<Unit>(query("SELECT " FUMA_UNIT_COLUMNS " FROM (SELECT " FUMA_UNIT_COLUMNS
                      " FROM units ORDER BY name, uscc LIMIT $1) f"
                      " WHERE name ILIKE $2 ESCAPE '\\' ORDER BY name, uscc LIMIT $3",
                      "units_by_name", rules::kNameScanRows, pattern, limit),
                read_unit);
  if (found.size() == limit) return found;
  if (rules::characters(fragment) < rules::kNameGramLength) {
    return all<Unit>(query("SELECT " FUMA_UNIT_COLUMNS " FROM units WHERE name ILIKE $1 ESCAPE '\\'"
                           " ORDER BY name, uscc LIMIT $2",
                           "units_by_name", pattern, limit),
                     read_unit);
  }
  // ...then the names holding the fragment's trigrams, found in their GIN
  // index and checked against the pattern. The index reads the whole list
  // of each trigram it is given, so it is given only those that at most
  // kCommonGram of the names hold, by the database's own statistics of the
  // index (ANALYZE's most common elements, with how often each occurs);
  // all of them when none is that rare, or before the first ANALYZE. The
  // more trigrams the index is given, the fewer names it finds to check
  // against the pattern, each a heap row read: a list of 5% of the names
  // costs less to read than the extra rows its absence lets through (at a
  // million, a name whose only trigram under 1% is "777" found 3,700). The
  // matches are MATERIALIZED: found by the index and checked in that scan,
  // whatever a generic plan guesses of the fragment.
  constexpr double kCommonGram = 0.05;
  return all<Unit>(
      query("WITH common AS ("
            "  SELECT m.e FROM pg_stats s, unnest(s.most_common_elems::text::text[],"
            "                                     s.most_common_elem_freqs) AS m(e, f)"
            "  WHERE s.schemaname = current_schema() AND s.tablename = 'units_name_grams'"
            "    AND m.e IS NOT NULL AND m.f > $4),"
            " grams AS (SELECT fuma_name_grams($1) AS all_grams),"
            " rare AS (SELECT coalesce(nullif(array("
            "    SELECT g FROM unnest((SELECT all_grams FROM grams)) AS g"
            "    WHERE g NOT IN (SELECT e FROM common)), '{}'),"
            "  (SELECT all_grams FROM grams)) AS wanted),"
            " found AS MATERIALIZED ("
            "  SELECT " FUMA_UNIT_COLUMNS " FROM units"
            "  WHERE fuma_name_grams(name) @> (SELECT wanted FROM rare)"
            "    AND name ILIKE $2 ESCAPE '\\')"
            " SELECT " FUMA_UNIT_COLUMNS " FROM found ORDER BY name, uscc LIMIT $3",
            "units_by_name", fragment, pattern, limit, std::to_string(kCommonGram)),
      read_unit);
}

void PgTransaction::update_unit(const Unit& u) {
  if (change("UPDATE units SET uscc = $1, authority_id = $2, name = $3, category = $4, "
             "address = $5, responsible_person = $6, revoked = $7, updated_at = $8 WHERE id = $9",
             "update_unit", u.uscc, u.authority_id, u.name, u.category, u.address,
             u.responsible_person, u.revoked, u.updated_at, u.id)
          .affected() == 0) {
    missing("update_unit", "unit", u.id);
  }
}

// --- certificates -----------------------------------------------------------

Id PgTransaction::insert_certificate(const Certificate& c) {
  return change(
             "INSERT INTO certificates(unit_id, serial, issued_on, valid_until, status, "
             "created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
             "insert_certificate", c.unit_id, c.serial, c.issued_on, c.valid_until, c.status,
             c.created_at)
      .int64(0, 0);
}

std::optional<Certificate> PgTransaction::active_certificate(Id unit_id) {
  return one<Certificate>(query(kActiveCertificate, "active_certificate", unit_id),
                          read_certificate);
}

std::optional<Certificate> PgTransaction::certificate_by_serial(std::string_view serial) {
  return one<Certificate>(
      query("SELECT " FUMA_CERTIFICATE_COLUMNS " FROM certificates WHERE serial = $1",
            "certificate_by_serial", serial),
      read_certificate);
}

void PgTransaction::update_certificate(const Certificate& c) {
  if (change("UPDATE certificates SET serial = $1, issued_on = $2, valid_until = $3, "
             "status = $4 WHERE id = $5",
             "update_certificate", c.serial, c.issued_on, c.valid_until, c.status, c.id)
          .affected() == 0) {
    missing("update_certificate", "certificate", c.id);
  }
}

// --- applications -----------------------------------------------------------

Id PgTransaction::insert_application(const Application& a) {
  const std::string fields = fields_json(a, "insert_application");
  // The unit's authority comes from the unit itself, so the copy in the
  // row can never disagree with it.
  const Result r = change(
      "INSERT INTO applications(unit_id, authority_id, business, status, version, fields_json, "
      "latest_reply, open, created_at, updated_at) "
      "SELECT id, authority_id, $1::text, $2::text, 1, $3::text, $4::text, $5::boolean, "
      "$6::text, $7::text FROM units WHERE id = $8 RETURNING id",
      "insert_application", a.business, a.status, fields, a.latest_reply, a.open, a.created_at,
      a.updated_at, a.unit_id);
  if (r.empty()) missing("insert_application", "unit", a.unit_id);
  held_version(r.int64(0, 0), 1);
  return r.int64(0, 0);
}

std::optional<Application> PgTransaction::application(Id id) {
  return seen(one<Application>(query(kApplicationById, "application", id), read_application));
}

std::optional<Application> PgTransaction::open_application(Id unit_id) {
  return seen(one<Application>(
      query("SELECT " FUMA_APPLICATION_COLUMNS " FROM applications WHERE unit_id = $1 AND open",
            "open_application", unit_id),
      read_application));
}

std::optional<Application> PgTransaction::seen(std::optional<Application> a) {
  if (a && writable_) held_version(a->id, a->version);
  return a;
}

void PgTransaction::held_version(Id id, std::optional<std::int64_t> version) {
  auto it = std::find_if(versions_.begin(), versions_.end(),
                         [&](const std::pair<Id, std::int64_t>& v) { return v.first == id; });
  if (!version) {
    if (it != versions_.end()) versions_.erase(it);
  } else if (it != versions_.end()) {
    it->second = *version;
  } else {
    versions_.emplace_back(id, *version);
  }
}

bool PgTransaction::holds_version(Id id, std::int64_t version) const {
  return std::any_of(versions_.begin(), versions_.end(), [&](const std::pair<Id, std::int64_t>& v) {
    return v.first == id && v.second == version;
  });
}

std::vector<Application> PgTransaction::applications_of_unit(Id unit_id) {
  return all<Application>(query("SELECT " FUMA_APPLICATION_COLUMNS
                                " FROM applications WHERE unit_id = $1 ORDER BY id DESC",
                                "applications_of_unit", unit_id),
                          read_application);
}

bool PgTransaction::update_application(const Application& a, std::int64_t expected_version) {
  const std::string fields = fields_json(a, "update_application");
  // Compare-and-set by the database: a writer that changed the row first
  // has bumped its version, and this UPDATE then matches nothing.
#define FUMA_UPDATE_APPLICATION                                                        \
  "UPDATE applications SET business = $1, status = $2, version = version + 1, "        \
  "fields_json = $3, latest_reply = $4, open = $5, updated_at = $6 WHERE id = $7 AND " \
  "version = $8"
  // Sent later only when this transaction read the row at that version:
  // under the chain's lock no fuma writer changes it meanwhile (another
  // program's writer could, and fuma_require then fails it).
  if (holds_version(a.id, expected_version) &&
      later(FUMA_LATER(FUMA_UPDATE_APPLICATION " RETURNING 1", "(SELECT count(*) FROM done) = 1",
                       "update_application"),
            "update_application", a.business, a.status, fields, a.latest_reply, a.open,
            a.updated_at, a.id, expected_version)) {
    held_version(a.id, expected_version + 1);
    return true;
  }
  if (change(FUMA_UPDATE_APPLICATION, "update_application", a.business, a.status, fields,
             a.latest_reply, a.open, a.updated_at, a.id, expected_version)
          .affected() != 0) {
    held_version(a.id, expected_version + 1);
    return true;
  }
#undef FUMA_UPDATE_APPLICATION
  if (query("SELECT 1 FROM applications WHERE id = $1", "update_application", a.id).empty()) {
    missing("update_application", "application", a.id);
  }
  return false;
}

void PgTransaction::delete_application(Id id) {
  held_version(id, std::nullopt);
  std::vector<Id> blobs;
  {
    const Result r = change("DELETE FROM attachments WHERE application_id = $1 RETURNING blob_id",
                            "delete_application", id);
    for (int i = 0; i < r.rows(); ++i) blobs.push_back(r.int64(i, 0));
  }
  // Its events stay, and are found by unit through this record.
  if (change("INSERT INTO deleted_applications(id, unit_id) "
             "SELECT id, unit_id FROM applications WHERE id = $1",
             "delete_application", id)
          .affected() == 0) {
    missing("delete_application", "application", id);
  }
  change("DELETE FROM applications WHERE id = $1", "delete_application", id);
  std::sort(blobs.begin(), blobs.end());
  blobs.erase(std::unique(blobs.begin(), blobs.end()), blobs.end());
  for (Id blob : blobs) drop_blob_if_unused(blob);
}

std::vector<Application> PgTransaction::queue(Id authority_id, std::string_view status,
                                              std::size_t limit, const QueuePosition& after) {
  if (limit == 0) return {};
  return all<Application>(query("SELECT " FUMA_APPLICATION_COLUMNS " FROM applications"
                                " WHERE authority_id = $1 AND status = $2 AND open"
                                " AND (updated_at, id) > ($3::text, $4::bigint)"
                                " ORDER BY updated_at, id LIMIT $5",
                                "queue", authority_id, status, after.updated_at, after.id, limit),
                          read_application);
}

// --- attachments ------------------------------------------------------------

Id PgTransaction::insert_attachment(const Attachment& a, std::string_view content) {
  check_digest(a.digest);
  // Checked first so that a missing application leaves no stray blob.
  if (query("SELECT 1 FROM applications WHERE id = $1", "insert_attachment", a.application_id)
          .empty()) {
    missing("insert_attachment", "application", a.application_id);
  }
  Id blob = 0;
  {
    const Result r = change(
        "INSERT INTO blobs(digest, size, content) VALUES ($1, $2, $3) "
        "ON CONFLICT (digest) DO NOTHING RETURNING id",
        "insert_attachment", a.digest, content.size(), Bytes{content});
    if (!r.empty()) blob = r.int64(0, 0);
  }
  if (blob == 0) {
    // Another attachment already brought this content. The same digest
    // with other bytes means the caller's digest is wrong.
    const Result r = query("SELECT id, size = $1 AND content = $2 FROM blobs WHERE digest = $3",
                           "insert_attachment", content.size(), Bytes{content}, a.digest);
    if (r.empty() || !r.boolean(0, 1)) {
      throw Error(
          Errc::invalid_argument,
          "insert_attachment: the content does not match the stored content of digest " + a.digest,
          "附件内容与摘要不符");
    }
    blob = r.int64(0, 0);
  }
  return change(
             "INSERT INTO attachments(application_id, blob_id, kind, file_name, media_type, "
             "uploaded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
             "insert_attachment", a.application_id, blob, a.kind, a.file_name, a.media_type,
             a.uploaded_at)
      .int64(0, 0);
}

std::vector<Attachment> PgTransaction::attachments(Id application_id) {
  const Result r = query(kAttachments, "attachments", application_id);
  return all<Attachment>(r, [](const Result& s, int i) {
    Attachment a;
    a.id = s.int64(i, 0);
    a.application_id = s.int64(i, 1);
    a.kind = s.text(i, 2);
    a.file_name = s.text(i, 3);
    a.media_type = s.text(i, 4);
    a.digest = s.text(i, 5);
    a.size = static_cast<std::uint64_t>(s.int64(i, 6));
    a.uploaded_at = s.text(i, 7);
    return a;
  });
}

std::optional<std::string> PgTransaction::content(std::string_view digest) {
  const Result r = query("SELECT content FROM blobs WHERE digest = $1", "content", digest);
  if (r.empty()) return std::nullopt;
  return r.bytes(0, 0);
}

void PgTransaction::delete_attachment(Id id) {
  const Result r =
      change("DELETE FROM attachments WHERE id = $1 RETURNING blob_id", "delete_attachment", id);
  if (r.empty()) missing("delete_attachment", "attachment", id);
  drop_blob_if_unused(r.int64(0, 0));
}

void PgTransaction::drop_blob_if_unused(Id blob_id) {
  change(
      "DELETE FROM blobs WHERE id = $1 AND NOT EXISTS "
      "(SELECT 1 FROM attachments WHERE blob_id = $1)",
      "drop_blob_if_unused", blob_id);
}

// --- events -----------------------------------------------------------------

void PgTransaction::insert_event(const Event& e) {
  // The unit comes from the application or, once it is deleted, from the
  // record of its deletion: the "deleted" event may follow
  // delete_application.
#define FUMA_INSERT_EVENT                                                                      \
  "INSERT INTO events(application_id, unit_id, action, from_status, to_status, actor, reply, " \
  "at, business) SELECT $1::bigint, unit_id, $2::text, $3::text, $4::text, $5::text, "         \
  "$6::text, $7::text, $8::text FROM (SELECT unit_id FROM applications WHERE id = $1 "         \
  "UNION ALL SELECT unit_id FROM deleted_applications WHERE id = $1 LIMIT 1) AS owner "        \
  "RETURNING 1"
  if (later(FUMA_LATER(FUMA_INSERT_EVENT, "(SELECT count(*) FROM done) = 1", "insert_event"),
            "insert_event", e.application_id, e.action, e.from_status, e.to_status, e.actor,
            e.reply, e.at, e.business)) {
    return;
  }
  if (change(FUMA_INSERT_EVENT, "insert_event", e.application_id, e.action, e.from_status,
             e.to_status, e.actor, e.reply, e.at, e.business)
          .empty()) {
    missing("insert_event", "application", e.application_id);
  }
#undef FUMA_INSERT_EVENT
}

std::vector<Event> PgTransaction::events(Id application_id) {
  return all<Event>(query(kEvents, "events", application_id), read_event);
}

std::vector<Event> PgTransaction::events_of_unit(Id unit_id) {
  return all<Event>(query("SELECT " FUMA_EVENT_COLUMNS " FROM events WHERE application_id IN ("
                          "  SELECT id FROM applications WHERE unit_id = $1"
                          "  UNION ALL SELECT id FROM deleted_applications WHERE unit_id = $1)"
                          " ORDER BY application_id, id",
                          "events_of_unit", unit_id),
                    read_event);
}

// --- audit ------------------------------------------------------------------

AuditRecord PgTransaction::append_audit(const AuditRecord& r) {
  // The head row gives the next seq and keeps the chain's last hash. Every
  // write transaction locked it first thing (pg_store.cpp), so records are
  // appended one transaction at a time, in commit order, without gaps.
#define FUMA_AUDIT_HEAD \
  "WITH head AS (UPDATE audit_head SET seq = seq + 1, hash = $8::text RETURNING seq)"
#define FUMA_APPEND_AUDIT                                                                   \
  "INSERT INTO audit(seq, at, actor, command, target, before_status, after_status, "        \
  "prev_hash, hash, request_id) "                                                           \
  "SELECT head.seq, $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, " \
  "$8::text, $9::text FROM head RETURNING seq"
  AuditRecord out = r;
  // Sent later only when the seq it gets is known: the head was read in
  // this transaction, under its lock. The record must get that seq. (A
  // change inside WITH must be at its top level, so not FUMA_LATER.)
  if (head_seq_ &&
      later(FUMA_AUDIT_HEAD ", done AS (" FUMA_APPEND_AUDIT
                            ") SELECT fuma_require((SELECT seq FROM done) = "
                            "$10::bigint, 'append_audit')",
            "append_audit", r.at, r.actor, r.command, r.target, r.before_status, r.after_status,
            r.prev_hash, r.hash, or_null(r.request_id), *head_seq_ + 1)) {
    out.seq = *head_seq_ + 1;
  } else {
    out.seq = change(FUMA_AUDIT_HEAD " " FUMA_APPEND_AUDIT, "append_audit", r.at, r.actor,
                     r.command, r.target, r.before_status, r.after_status, r.prev_hash, r.hash,
                     or_null(r.request_id))
                  .int64(0, 0);
  }
#undef FUMA_APPEND_AUDIT
#undef FUMA_AUDIT_HEAD
  head_seq_ = out.seq;
  appended_ = r.hash;
  return out;
}

std::optional<std::string> PgTransaction::last_audit_hash() {
  // The head this transaction moved last is the head: a write holds the
  // head's row locked from its first statement to its end.
  if (appended_) return appended_;
  const Result r = query(kLastAuditHash, "last_audit_hash");
  if (r.empty()) return std::nullopt;
  head_seq_ = r.int64(0, 1);
  return r.optional_text(0, 0);
}

std::optional<std::string> PgTransaction::meta(std::string_view key) {
  const Result r = query("SELECT value FROM meta WHERE key = $1", "meta", key);
  if (r.empty()) return std::nullopt;
  return r.text(0, 0);
}

void PgTransaction::insert_meta(std::string_view key, std::string_view value) {
  change("INSERT INTO meta(key, value) VALUES ($1, $2)", "insert_meta", key, value);
}

void PgTransaction::scan_audit(const std::function<bool(const AuditRecord&)>& fn) {
  // In pages, so that a long log is never held in memory at once, and a
  // callback may query again on the same connection meanwhile.
  constexpr int kPage = 1000;
  std::int64_t after = 0;
  for (;;) {
    const Result r =
        query("SELECT " FUMA_AUDIT_COLUMNS " FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2",
              "scan_audit", after, kPage);
    for (int i = 0; i < r.rows(); ++i) {
      const AuditRecord record = read_audit(r, i);
      after = record.seq;
      if (!fn(record)) return;
    }
    if (r.rows() < kPage) return;
  }
}

// --- idempotency ------------------------------------------------------------

std::optional<Idempotent> PgTransaction::idempotent(std::string_view actor, std::string_view key) {
  const Result r =
      query("SELECT command, result_json, request FROM idempotency WHERE actor = $1 AND key = $2",
            "idempotent", actor, key);
  if (r.empty()) return std::nullopt;
  return Idempotent{r.text(0, 0), r.text(0, 1), r.text(0, 2)};
}

void PgTransaction::remember(std::string_view actor, std::string_view key, const Idempotent& r) {
#define FUMA_REMEMBER                                                   \
  "INSERT INTO idempotency(actor, key, command, result_json, request) " \
  "VALUES ($1, $2, $3, $4, $5)"
  if (later(FUMA_LATER(FUMA_REMEMBER " RETURNING 1", "(SELECT count(*) FROM done) = 1", "remember"),
            "remember", actor, key, r.command, r.result_json, r.request)) {
    return;
  }
  change(FUMA_REMEMBER, "remember", actor, key, r.command, r.result_json, r.request);
#undef FUMA_REMEMBER
}

// --- signing keys -----------------------------------------------------------

Id PgTransaction::insert_key(const SigningKey& k) {
  return change(
             "INSERT INTO signing_keys(authority_id, kid, suite, public_key, distinguishing_id, "
             "sealed_private, status, created_at, retired_at) "
             "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
             "insert_key", k.authority_id, k.kid, k.suite, Bytes{k.public_key}, k.distinguishing_id,
             Bytes{k.sealed_private}, k.status, k.created_at, k.retired_at)
      .int64(0, 0);
}

std::optional<SigningKey> PgTransaction::key_by_kid(std::string_view kid) {
  return one<SigningKey>(
      query("SELECT " FUMA_KEY_COLUMNS " FROM signing_keys WHERE kid = $1", "key_by_kid", kid),
      read_key);
}

std::optional<SigningKey> PgTransaction::key(Id id) {
  return one<SigningKey>(
      query("SELECT " FUMA_KEY_COLUMNS " FROM signing_keys WHERE id = $1", "key", id), read_key);
}

std::vector<SigningKey> PgTransaction::keys_of_authority(Id authority_id) {
  return all<SigningKey>(
      query("SELECT " FUMA_KEY_COLUMNS " FROM signing_keys WHERE authority_id = $1 ORDER BY id",
            "keys_of_authority", authority_id),
      read_key);
}

bool PgTransaction::has_keys() {
  return !query("SELECT 1 FROM signing_keys LIMIT 1", "has_keys").empty();
}

void PgTransaction::update_key(const SigningKey& k) {
  if (change("UPDATE signing_keys SET status = $1, retired_at = $2 WHERE id = $3", "update_key",
             k.status, k.retired_at, k.id)
          .affected() == 0) {
    missing("update_key", "key", k.id);
  }
}

// --- credential requests and credentials ------------------------------------

Id PgTransaction::insert_credential_request(const CredentialRequest& r) {
  return change(
             "INSERT INTO credential_requests(unit_id, reason, recipient, phone, requested_on, "
             "recorded_by, created_at, credential_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
             "RETURNING id",
             "insert_credential_request", r.unit_id, r.reason, r.recipient, r.phone, r.requested_on,
             r.recorded_by, r.created_at, r.credential_id)
      .int64(0, 0);
}

std::optional<CredentialRequest> PgTransaction::credential_request(Id id) {
  return one<CredentialRequest>(
      query("SELECT " FUMA_REQUEST_COLUMNS " FROM credential_requests WHERE id = $1",
            "credential_request", id),
      read_request);
}

void PgTransaction::update_credential_request(const CredentialRequest& r) {
  if (change("UPDATE credential_requests SET credential_id = $1 WHERE id = $2",
             "update_credential_request", r.credential_id, r.id)
          .affected() == 0) {
    missing("update_credential_request", "credential request", r.id);
  }
}

std::vector<CredentialRequest> PgTransaction::credential_requests_of_unit(Id unit_id) {
  return all<CredentialRequest>(
      query("SELECT " FUMA_REQUEST_COLUMNS " FROM credential_requests WHERE unit_id = $1"
            " ORDER BY id DESC",
            "credential_requests_of_unit", unit_id),
      read_request);
}

Id PgTransaction::insert_credential(const Credential& c) {
  return change(
             "INSERT INTO credentials(unit_id, request_id, key_id, generation, issued_at, "
             "expires_at, status, revoked_at, revoked_reason, delivery, delivery_note, "
             "payload_digest, sealed_signature) "
             "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
             "insert_credential", c.unit_id, c.request_id, c.key_id, c.generation, c.issued_at,
             c.expires_at, c.status, c.revoked_at, c.revoked_reason, c.delivery, c.delivery_note,
             c.payload_digest, Bytes{c.sealed_signature})
      .int64(0, 0);
}

std::optional<Credential> PgTransaction::credential(Id id) {
  return one<Credential>(
      query("SELECT " FUMA_CREDENTIAL_COLUMNS " FROM credentials WHERE id = $1", "credential", id),
      read_credential);
}

std::vector<Credential> PgTransaction::credentials_of_unit(Id unit_id) {
  return all<Credential>(query("SELECT " FUMA_CREDENTIAL_COLUMNS
                               " FROM credentials WHERE unit_id = $1 ORDER BY generation DESC",
                               "credentials_of_unit", unit_id),
                         read_credential);
}

std::vector<Credential> PgTransaction::credentials_signed_by(Id key_id) {
  return all<Credential>(
      query("SELECT " FUMA_CREDENTIAL_COLUMNS " FROM credentials WHERE key_id = $1 ORDER BY id",
            "credentials_signed_by", key_id),
      read_credential);
}

void PgTransaction::update_credential(const Credential& c) {
  if (change("UPDATE credentials SET status = $1, revoked_at = $2, revoked_reason = $3, "
             "payload_digest = $4, sealed_signature = $5 WHERE id = $6",
             "update_credential", c.status, c.revoked_at, c.revoked_reason, c.payload_digest,
             Bytes{c.sealed_signature}, c.id)
          .affected() == 0) {
    missing("update_credential", "credential", c.id);
  }
}

// --- captchas -----------------------------------------------------------------

void PgTransaction::insert_captcha(const Captcha& c) {
  change(
      "INSERT INTO captchas(id, answer_hash, created_at, expires_at, used) "
      "VALUES ($1, $2, $3, $4, $5)",
      "insert_captcha", c.id, c.answer_hash, c.created_at, c.expires_at, c.used);
}

std::optional<Captcha> PgTransaction::captcha(std::string_view id) {
  const Result r =
      query("SELECT id, answer_hash, created_at, expires_at, used FROM captchas WHERE id = $1",
            "captcha", id);
  if (r.empty()) return std::nullopt;
  return Captcha{r.text(0, 0), r.text(0, 1), r.text(0, 2), r.text(0, 3), r.boolean(0, 4)};
}

void PgTransaction::mark_captcha_used(std::string_view id) {
  change("UPDATE captchas SET used = true WHERE id = $1", "mark_captcha_used", id);
}

std::size_t PgTransaction::purge_captchas(std::string_view before) {
  return static_cast<std::size_t>(
      change("DELETE FROM captchas WHERE expires_at < $1", "purge_captchas", before).affected());
}

// --- sessions -----------------------------------------------------------------

Id PgTransaction::insert_session(const Session& x) {
  return change(
             "INSERT INTO sessions(token_hash, unit_id, credential_id, client, created_at, "
             "last_seen_at, committed_at, commitment_version, ended_at, end_reason) "
             "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
             "insert_session", x.token_hash, x.unit_id, x.credential_id, x.client, x.created_at,
             x.last_seen_at, x.committed_at, x.commitment_version, x.ended_at, x.end_reason)
      .int64(0, 0);
}

std::optional<Session> PgTransaction::session_by_token_hash(std::string_view token_hash) {
  return one<Session>(query("SELECT " FUMA_SESSION_COLUMNS " FROM sessions WHERE token_hash = $1",
                            "session_by_token_hash", token_hash),
                      read_session);
}

std::optional<UnitSession> PgTransaction::unit_session_by_token_hash(std::string_view token_hash) {
  constexpr int kUnit = 11;                // where the unit's columns start
  constexpr int kCredential = kUnit + 10;  // the credential's status
  const Result r = query(kUnitSession, "unit_session_by_token_hash", token_hash);
  if (r.empty()) return std::nullopt;
  UnitSession out{read_session(r, 0), std::nullopt, r.optional_text(0, kCredential)};
  if (!r.null(0, kUnit)) out.unit = read_unit_at(r, 0, kUnit);
  return out;
}

void PgTransaction::update_session(const Session& x) {
#define FUMA_UPDATE_SESSION                                                             \
  "UPDATE sessions SET last_seen_at = $1, committed_at = $2, commitment_version = $3, " \
  "ended_at = $4, end_reason = $5 WHERE id = $6"
  if (later(FUMA_LATER(FUMA_UPDATE_SESSION " RETURNING 1", "(SELECT count(*) FROM done) = 1",
                       "update_session"),
            "update_session", x.last_seen_at, x.committed_at, x.commitment_version, x.ended_at,
            x.end_reason, x.id)) {
    return;
  }
  if (change(FUMA_UPDATE_SESSION, "update_session", x.last_seen_at, x.committed_at,
             x.commitment_version, x.ended_at, x.end_reason, x.id)
          .affected() == 0) {
    missing("update_session", "session", x.id);
  }
#undef FUMA_UPDATE_SESSION
}

std::size_t PgTransaction::end_sessions_of_credential(Id credential_id, std::string_view at,
                                                      std::string_view reason) {
  return static_cast<std::size_t>(change("UPDATE sessions SET ended_at = $1, end_reason = $2 "
                                         "WHERE credential_id = $3 AND ended_at = ''",
                                         "end_sessions_of_credential", at, reason, credential_id)
                                      .affected());
}

std::size_t PgTransaction::end_sessions_of_unit(Id unit_id, std::string_view at,
                                                std::string_view reason) {
  return static_cast<std::size_t>(change("UPDATE sessions SET ended_at = $1, end_reason = $2 "
                                         "WHERE unit_id = $3 AND ended_at = ''",
                                         "end_sessions_of_unit", at, reason, unit_id)
                                      .affected());
}

// Both read the partial indexes of schema 8 (sessions_open,
// staff_sessions_open): the range of recent activity, not every session
// ever ended by running out.
std::uint64_t PgTransaction::count_open_sessions(std::string_view seen_after,
                                                 std::string_view created_after) {
  return static_cast<std::uint64_t>(
      query("SELECT count(*) FROM sessions WHERE ended_at = '' AND last_seen_at > $1 AND "
            "created_at > $2",
            "count_open_sessions", seen_after, created_after)
          .int64(0, 0));
}

std::uint64_t PgTransaction::count_open_staff_sessions(std::string_view seen_after,
                                                       std::string_view created_after) {
  return static_cast<std::uint64_t>(
      query("SELECT count(*) FROM staff_sessions WHERE ended_at = '' AND last_seen_at > $1 AND "
            "created_at > $2",
            "count_open_staff_sessions", seen_after, created_after)
          .int64(0, 0));
}

// --- staff sessions -----------------------------------------------------------

Id PgTransaction::insert_staff_session(const StaffSession& x) {
  return change(
             "INSERT INTO staff_sessions(token_hash, staff_id, client, created_at, last_seen_at, "
             "ended_at, end_reason) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
             "insert_staff_session", x.token_hash, x.staff_id, x.client, x.created_at,
             x.last_seen_at, x.ended_at, x.end_reason)
      .int64(0, 0);
}

std::optional<StaffSession> PgTransaction::staff_session_by_token_hash(
    std::string_view token_hash) {
  const Result r = query(kStaffSession, "staff_session_by_token_hash", token_hash);
  if (r.empty()) return std::nullopt;
  return StaffSession{r.int64(0, 0), r.text(0, 1), r.int64(0, 2), r.text(0, 3),
                      r.text(0, 4),  r.text(0, 5), r.text(0, 6),  r.text(0, 7)};
}

void PgTransaction::update_staff_session(const StaffSession& x) {
#define FUMA_UPDATE_STAFF_SESSION \
  "UPDATE staff_sessions SET last_seen_at = $1, ended_at = $2, end_reason = $3 WHERE id = $4"
  if (later(FUMA_LATER(FUMA_UPDATE_STAFF_SESSION " RETURNING 1", "(SELECT count(*) FROM done) = 1",
                       "update_staff_session"),
            "update_staff_session", x.last_seen_at, x.ended_at, x.end_reason, x.id)) {
    return;
  }
  if (change(FUMA_UPDATE_STAFF_SESSION, "update_staff_session", x.last_seen_at, x.ended_at,
             x.end_reason, x.id)
          .affected() == 0) {
    missing("update_staff_session", "staff session", x.id);
  }
#undef FUMA_UPDATE_STAFF_SESSION
}

std::size_t PgTransaction::end_staff_sessions(Id staff_id, std::string_view at,
                                              std::string_view reason) {
  return static_cast<std::size_t>(change("UPDATE staff_sessions SET ended_at = $1, "
                                         "end_reason = $2 WHERE staff_id = $3 AND ended_at = ''",
                                         "end_staff_sessions", at, reason, staff_id)
                                      .affected());
}

// --- throttles ----------------------------------------------------------------

std::optional<Throttle> PgTransaction::throttle(std::string_view scope) {
  const Result r = query("SELECT scope, failures, last_failure_at FROM throttles WHERE scope = $1",
                         "throttle", scope);
  if (r.empty()) return std::nullopt;
  return Throttle{r.text(0, 0), r.int64(0, 1), r.text(0, 2)};
}

void PgTransaction::save_throttle(const Throttle& t) {
  change(
      "INSERT INTO throttles(scope, failures, last_failure_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (scope) DO UPDATE SET failures = excluded.failures, "
      "last_failure_at = excluded.last_failure_at",
      "save_throttle", t.scope, t.failures, t.last_failure_at);
}

void PgTransaction::clear_throttle(std::string_view scope) {
  change("DELETE FROM throttles WHERE scope = $1", "clear_throttle", scope);
}

}  // namespace fuma::store::pg
