// SPDX-License-Identifier: Apache-2.0
#include "sqlite_transaction.hpp"

#include <algorithm>
#include <string>

#include "fuma/error.hpp"
#include "rules.hpp"

namespace fuma::store::sqlite {
namespace {

using rules::check_digest;
using rules::fields_json;
using rules::join_roles;
using rules::missing;
using rules::split_roles;

// Column lists shared by the SELECTs of one record type and its reader below.
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

Authority read_authority(const Statement& s) {
  Authority a;
  a.id = s.int64(0);
  a.code = s.text(1);
  a.name = s.text(2);
  a.division = s.text(3);
  a.segment = s.text(4);
  a.created_at = s.text(5);
  return a;
}

Staff read_staff(const Statement& s) {
  Staff st;
  st.id = s.int64(0);
  st.authority_id = s.int64(1);
  st.username = s.text(2);
  st.name = s.text(3);
  st.roles = split_roles(s.text(4));
  st.password_hash = s.text(5);
  st.active = s.boolean(6);
  st.created_at = s.text(7);
  return st;
}

// The unit whose FUMA_UNIT_COLUMNS start at column `first`.
Unit read_unit_at(const Statement& s, int first) {
  Unit u;
  u.id = s.int64(first);
  u.uscc = s.text(first + 1);
  u.authority_id = s.int64(first + 2);
  u.name = s.text(first + 3);
  u.category = s.text(first + 4);
  u.address = s.text(first + 5);
  u.responsible_person = s.text(first + 6);
  u.revoked = s.boolean(first + 7);
  u.created_at = s.text(first + 8);
  u.updated_at = s.text(first + 9);
  return u;
}

Unit read_unit(const Statement& s) { return read_unit_at(s, 0); }

// How many columns a column list names.
constexpr int column_count(std::string_view columns) {
  int n = 1;
  for (char c : columns) n += c == ',' ? 1 : 0;
  return n;
}

// "a, b, c" as "t.a, t.b, t.c", for a column list in a join.
std::string qualified(std::string_view table, std::string_view columns) {
  std::string out;
  while (!columns.empty()) {
    const std::size_t comma = columns.find(',');
    std::string_view column = columns.substr(0, comma);
    while (!column.empty() && column.front() == ' ') column.remove_prefix(1);
    if (!out.empty()) out += ", ";
    out.append(table).append(".").append(column);
    if (comma == std::string_view::npos) break;
    columns.remove_prefix(comma + 1);
  }
  return out;
}

Certificate read_certificate(const Statement& s) {
  Certificate c;
  c.id = s.int64(0);
  c.unit_id = s.int64(1);
  c.serial = s.text(2);
  c.issued_on = s.text(3);
  c.valid_until = s.optional_text(4);
  c.status = s.text(5);
  c.created_at = s.text(6);
  return c;
}

Application read_application(const Statement& s) {
  Application a;
  a.id = s.int64(0);
  a.unit_id = s.int64(1);
  a.business = s.text(2);
  a.status = s.text(3);
  a.version = s.int64(4);
  a.fields_json = s.text(5);
  a.latest_reply = s.text(6);
  a.open = s.boolean(7);
  a.created_at = s.text(8);
  a.updated_at = s.text(9);
  return a;
}

Event read_event(const Statement& s) {
  Event e;
  e.id = s.int64(0);
  e.application_id = s.int64(1);
  e.action = s.text(2);
  e.from_status = s.text(3);
  e.to_status = s.text(4);
  e.actor = s.text(5);
  e.reply = s.text(6);
  e.at = s.text(7);
  e.business = s.text(8);
  return e;
}

AuditRecord read_audit(const Statement& s) {
  AuditRecord r;
  r.seq = s.int64(0);
  r.at = s.text(1);
  r.actor = s.text(2);
  r.command = s.text(3);
  r.target = s.text(4);
  r.before_status = s.text(5);
  r.after_status = s.text(6);
  r.prev_hash = s.text(7);
  r.hash = s.text(8);
  r.request_id = s.text(9);  // NULL reads as ""
  return r;
}

template <class T, class Read>
std::optional<T> one(Statement& s, Read read) {
  if (!s.step()) return std::nullopt;
  return read(s);
}

template <class T, class Read>
std::vector<T> all(Statement& s, Read read) {
  std::vector<T> out;
  while (s.step()) out.push_back(read(s));
  return out;
}

}  // namespace

void SqliteTransaction::check_open(const char* method) const {
  // A failed statement can end the whole transaction (disk full, I/O error,
  // a lock lost); carrying on would write outside any transaction.
  if (!conn_.in_transaction()) {
    throw Error(Errc::storage,
                std::string(method) + ": the transaction was rolled back after an earlier error");
  }
}

Statement SqliteTransaction::query(std::string_view sql, const char* method) {
  check_open(method);
  return Statement(conn_, sql, method);
}

Statement SqliteTransaction::change(std::string_view sql, const char* method) {
  check_open(method);
  if (!writable_) {
    throw Error(Errc::internal, std::string(method) +
                                    " writes, but this transaction is a Store::read(); "
                                    "writes belong in Store::write()");
  }
  return Statement(conn_, sql, method);
}

// --- authorities --------------------------------------------------------

Id SqliteTransaction::insert_authority(const Authority& a) {
  Statement s = change(
      "INSERT INTO authorities(code, name, division, segment, created_at) "
      "VALUES (?, ?, ?, ?, ?)",
      "insert_authority");
  s.bind(a.code, a.name, a.division, a.segment, a.created_at).run();
  return s.inserted_id();
}

std::optional<Authority> SqliteTransaction::authority(Id id) {
  Statement s =
      query("SELECT " FUMA_AUTHORITY_COLUMNS " FROM authorities WHERE id = ?", "authority");
  return one<Authority>(s.bind(id), read_authority);
}

std::optional<Authority> SqliteTransaction::authority_by_code(std::string_view code) {
  Statement s = query("SELECT " FUMA_AUTHORITY_COLUMNS " FROM authorities WHERE code = ?",
                      "authority_by_code");
  return one<Authority>(s.bind(code), read_authority);
}

std::uint64_t SqliteTransaction::take_serial(Id authority_id) {
  Statement s = change(
      "UPDATE authorities SET next_serial = next_serial + 1 WHERE id = ? "
      "RETURNING next_serial - 1",
      "take_serial");
  if (!s.bind(authority_id).step()) missing("take_serial", "authority", authority_id);
  return static_cast<std::uint64_t>(s.int64(0));
}

// --- staff ----------------------------------------------------------------

Id SqliteTransaction::insert_staff(const Staff& st) {
  const std::string roles = join_roles(st.roles);
  Statement s = change(
      "INSERT INTO staff(authority_id, username, name, roles, password_hash, active, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)",
      "insert_staff");
  s.bind(st.authority_id, st.username, st.name, roles, st.password_hash, st.active, st.created_at)
      .run();
  return s.inserted_id();
}

std::optional<Staff> SqliteTransaction::staff(Id id) {
  Statement s = query("SELECT " FUMA_STAFF_COLUMNS " FROM staff WHERE id = ?", "staff");
  return one<Staff>(s.bind(id), read_staff);
}

std::optional<Staff> SqliteTransaction::staff_by_username(std::string_view username) {
  Statement s =
      query("SELECT " FUMA_STAFF_COLUMNS " FROM staff WHERE username = ?", "staff_by_username");
  return one<Staff>(s.bind(username), read_staff);
}

void SqliteTransaction::update_staff(const Staff& st) {
  const std::string roles = join_roles(st.roles);
  Statement s = change(
      "UPDATE staff SET authority_id = ?, username = ?, name = ?, roles = ?, password_hash = ?, "
      "active = ? WHERE id = ?",
      "update_staff");
  if (s.bind(st.authority_id, st.username, st.name, roles, st.password_hash, st.active, st.id)
          .execute() == 0) {
    missing("update_staff", "staff", st.id);
  }
}

// --- units ----------------------------------------------------------------

Id SqliteTransaction::insert_unit(const Unit& u) {
  Statement s = change(
      "INSERT INTO units(uscc, authority_id, name, category, address, responsible_person, "
      "revoked, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      "insert_unit");
  s.bind(u.uscc, u.authority_id, u.name, u.category, u.address, u.responsible_person, u.revoked,
         u.created_at, u.updated_at)
      .run();
  const Id id = s.inserted_id();
  // The name's trigrams (schema 9), kept here rather than by a trigger.
  change("INSERT INTO units_name_grams(rowid, name) VALUES (?, ?)", "insert_unit")
      .bind(id, u.name)
      .run();
  return id;
}

std::optional<Unit> SqliteTransaction::unit(Id id) {
  Statement s = query("SELECT " FUMA_UNIT_COLUMNS " FROM units WHERE id = ?", "unit");
  return one<Unit>(s.bind(id), read_unit);
}

std::optional<Unit> SqliteTransaction::unit_by_uscc(std::string_view uscc) {
  Statement s = query("SELECT " FUMA_UNIT_COLUMNS " FROM units WHERE uscc = ?", "unit_by_uscc");
  return one<Unit>(s.bind(uscc), read_unit);
}

std::vector<Unit> SqliteTransaction::units_by_name(std::string_view fragment, std::size_t limit) {
  if (limit == 0) return {};
  // The caller's text is a literal: its LIKE wildcards and the escape
  // character itself are escaped.
  const std::string pattern = rules::contains_pattern(fragment);
  // The two steps of rules.hpp: the first names in order, up to the
  // name (and USCC) they end at...
  Statement edge = query(
      "SELECT name, uscc FROM units INDEXED BY units_name ORDER BY name, uscc LIMIT 1 OFFSET ?",
      "units_by_name");
  edge.bind(rules::kNameScanRows - 1);
  if (edge.step()) {
    const std::string last_name = edge.text(0);
    const std::string last_uscc = edge.text(1);
    Statement first = query("SELECT " FUMA_UNIT_COLUMNS
                            " FROM units INDEXED BY units_name"
                            " WHERE (name, uscc) <= (?, ?) AND name LIKE ? ESCAPE '\\'"
                            " ORDER BY name, uscc LIMIT ?",
                            "units_by_name");
    std::vector<Unit> found =
        all<Unit>(first.bind(last_name, last_uscc, pattern, limit), read_unit);
    if (found.size() == limit) return found;
  }
  if (rules::characters(fragment) < rules::kNameGramLength) {
    Statement s = query("SELECT " FUMA_UNIT_COLUMNS
                        " FROM units INDEXED BY units_name WHERE name LIKE ? ESCAPE '\\'"
                        " ORDER BY name, uscc LIMIT ?",
                        "units_by_name");
    return all<Unit>(s.bind(pattern, limit), read_unit);
  }
  // ...then the names holding each of the fragment's trigrams (an FTS5
  // phrase of the fragment, its '"' doubled), checked against the pattern.
  std::string phrase = "\"";
  for (char c : fragment) {
    if (c == '"') phrase += '"';
    phrase += c;
  }
  phrase += '"';
  Statement s = query("SELECT " FUMA_UNIT_COLUMNS
                      " FROM units WHERE id IN ("
                      "  SELECT rowid FROM units_name_grams WHERE units_name_grams MATCH ?)"
                      " AND name LIKE ? ESCAPE '\\' ORDER BY name, uscc LIMIT ?",
                      "units_by_name");
  return all<Unit>(s.bind(phrase, pattern, limit), read_unit);
}

void SqliteTransaction::update_unit(const Unit& u) {
  // The index of names holds the old name's trigrams until told them again
  // (an external-content FTS5 table forgets a row by its old text).
  std::optional<std::string> old_name;
  {
    Statement n = query("SELECT name FROM units WHERE id = ?", "update_unit");
    n.bind(u.id);
    if (n.step()) old_name = n.text(0);
  }
  if (old_name && *old_name != u.name) {
    change("INSERT INTO units_name_grams(units_name_grams, rowid, name) VALUES ('delete', ?, ?)",
           "update_unit")
        .bind(u.id, *old_name)
        .run();
    change("INSERT INTO units_name_grams(rowid, name) VALUES (?, ?)", "update_unit")
        .bind(u.id, u.name)
        .run();
  }
  Statement s = change(
      "UPDATE units SET uscc = ?, authority_id = ?, name = ?, category = ?, address = ?, "
      "responsible_person = ?, revoked = ?, updated_at = ? WHERE id = ?",
      "update_unit");
  if (s.bind(u.uscc, u.authority_id, u.name, u.category, u.address, u.responsible_person, u.revoked,
             u.updated_at, u.id)
          .execute() == 0) {
    missing("update_unit", "unit", u.id);
  }
}

// --- certificates -----------------------------------------------------------

Id SqliteTransaction::insert_certificate(const Certificate& c) {
  Statement s = change(
      "INSERT INTO certificates(unit_id, serial, issued_on, valid_until, status, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      "insert_certificate");
  s.bind(c.unit_id, c.serial, c.issued_on, c.valid_until, c.status, c.created_at).run();
  return s.inserted_id();
}

std::optional<Certificate> SqliteTransaction::active_certificate(Id unit_id) {
  Statement s = query("SELECT " FUMA_CERTIFICATE_COLUMNS
                      " FROM certificates WHERE unit_id = ? AND status = 'active'",
                      "active_certificate");
  return one<Certificate>(s.bind(unit_id), read_certificate);
}

std::optional<Certificate> SqliteTransaction::certificate_by_serial(std::string_view serial) {
  Statement s = query("SELECT " FUMA_CERTIFICATE_COLUMNS " FROM certificates WHERE serial = ?",
                      "certificate_by_serial");
  return one<Certificate>(s.bind(serial), read_certificate);
}

void SqliteTransaction::update_certificate(const Certificate& c) {
  Statement s = change(
      "UPDATE certificates SET serial = ?, issued_on = ?, valid_until = ?, status = ? "
      "WHERE id = ?",
      "update_certificate");
  if (s.bind(c.serial, c.issued_on, c.valid_until, c.status, c.id).execute() == 0) {
    missing("update_certificate", "certificate", c.id);
  }
}

// --- applications -----------------------------------------------------------

Id SqliteTransaction::insert_application(const Application& a) {
  const std::string fields = fields_json(a, "insert_application");
  // The unit's authority comes from the unit itself, so the copy in the
  // row can never disagree with it.
  Statement s = change(
      "INSERT INTO applications(unit_id, authority_id, business, status, version, fields_json, "
      "latest_reply, open, created_at, updated_at) "
      "SELECT id, authority_id, ?, ?, 1, ?, ?, ?, ?, ? FROM units WHERE id = ?",
      "insert_application");
  if (s.bind(a.business, a.status, fields, a.latest_reply, a.open, a.created_at, a.updated_at,
             a.unit_id)
          .execute() == 0) {
    missing("insert_application", "unit", a.unit_id);
  }
  return s.inserted_id();
}

std::optional<Application> SqliteTransaction::application(Id id) {
  Statement s =
      query("SELECT " FUMA_APPLICATION_COLUMNS " FROM applications WHERE id = ?", "application");
  return one<Application>(s.bind(id), read_application);
}

std::optional<Application> SqliteTransaction::open_application(Id unit_id) {
  Statement s =
      query("SELECT " FUMA_APPLICATION_COLUMNS " FROM applications WHERE unit_id = ? AND open = 1",
            "open_application");
  return one<Application>(s.bind(unit_id), read_application);
}

std::vector<Application> SqliteTransaction::applications_of_unit(Id unit_id) {
  Statement s = query("SELECT " FUMA_APPLICATION_COLUMNS
                      " FROM applications WHERE unit_id = ? ORDER BY id DESC",
                      "applications_of_unit");
  return all<Application>(s.bind(unit_id), read_application);
}

bool SqliteTransaction::update_application(const Application& a, std::int64_t expected_version) {
  const std::string fields = fields_json(a, "update_application");
  if (a.open) {
    // An open application that stays open, as nearly every step leaves it:
    // without `open` among the columns set, SQLite leaves the index of open
    // applications alone instead of deleting and inserting the same entry.
    Statement s = change(
        "UPDATE applications SET business = ?, status = ?, version = version + 1, "
        "fields_json = ?, latest_reply = ?, updated_at = ? "
        "WHERE id = ? AND version = ? AND open = 1",
        "update_application");
    if (s.bind(a.business, a.status, fields, a.latest_reply, a.updated_at, a.id, expected_version)
            .execute() != 0) {
      return true;
    }
  }
  {
    Statement s = change(
        "UPDATE applications SET business = ?, status = ?, version = version + 1, "
        "fields_json = ?, latest_reply = ?, open = ?, updated_at = ? "
        "WHERE id = ? AND version = ?",
        "update_application");
    if (s.bind(a.business, a.status, fields, a.latest_reply, a.open, a.updated_at, a.id,
               expected_version)
            .execute() != 0) {
      return true;
    }
  }
  Statement exists = query("SELECT 1 FROM applications WHERE id = ?", "update_application");
  if (!exists.bind(a.id).step()) missing("update_application", "application", a.id);
  return false;
}

void SqliteTransaction::delete_application(Id id) {
  std::vector<Id> blobs;
  {
    Statement s = change("DELETE FROM attachments WHERE application_id = ? RETURNING blob_id",
                         "delete_application");
    s.bind(id);
    while (s.step()) blobs.push_back(s.int64(0));
  }
  {
    // Its events stay, and are found by unit through this record.
    Statement s = change(
        "INSERT INTO deleted_applications(id, unit_id) "
        "SELECT id, unit_id FROM applications WHERE id = ?",
        "delete_application");
    if (s.bind(id).execute() == 0) missing("delete_application", "application", id);
  }
  {
    Statement s = change("DELETE FROM applications WHERE id = ?", "delete_application");
    s.bind(id).run();
  }
  std::sort(blobs.begin(), blobs.end());
  blobs.erase(std::unique(blobs.begin(), blobs.end()), blobs.end());
  for (Id blob : blobs) drop_blob_if_unused(blob);
}

std::vector<Application> SqliteTransaction::queue(Id authority_id, std::string_view status,
                                                  std::size_t limit, const QueuePosition& after) {
  if (limit == 0) return {};
  Statement s = query("SELECT " FUMA_APPLICATION_COLUMNS
                      " FROM applications"
                      " WHERE authority_id = ? AND status = ? AND open = 1"
                      " AND (updated_at, id) > (?, ?)"
                      " ORDER BY updated_at, id LIMIT ?",
                      "queue");
  return all<Application>(s.bind(authority_id, status, after.updated_at, after.id, limit),
                          read_application);
}

// --- attachments ------------------------------------------------------------

Id SqliteTransaction::insert_attachment(const Attachment& a, std::string_view content) {
  check_digest(a.digest);
  {
    // Checked first so that a missing application leaves no stray blob
    // behind, even if the caller catches the error and commits.
    Statement s = query("SELECT 1 FROM applications WHERE id = ?", "insert_attachment");
    if (!s.bind(a.application_id).step()) {
      missing("insert_attachment", "application", a.application_id);
    }
  }
  Id blob = 0;
  {
    Statement s = change(
        "INSERT INTO blobs(digest, size, content) VALUES (?, ?, ?) "
        "ON CONFLICT(digest) DO NOTHING RETURNING id",
        "insert_attachment");
    if (s.bind(a.digest, content.size(), Blob{content}).step()) blob = s.int64(0);
  }
  if (blob == 0) {
    // Another attachment already brought this content. The same hash with
    // other bytes means the caller's hash is wrong; keeping either copy
    // silently would hand someone the wrong file.
    Statement s = query("SELECT id, size = ? AND content = ? FROM blobs WHERE digest = ?",
                        "insert_attachment");
    s.bind(content.size(), Blob{content}, a.digest).step();
    if (!s.boolean(1)) {
      throw Error(
          Errc::invalid_argument,
          "insert_attachment: the content does not match the stored content of digest " + a.digest,
          "附件内容与摘要不符");
    }
    blob = s.int64(0);
  }
  Statement s = change(
      "INSERT INTO attachments(application_id, blob_id, kind, file_name, media_type, uploaded_at) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      "insert_attachment");
  s.bind(a.application_id, blob, a.kind, a.file_name, a.media_type, a.uploaded_at).run();
  return s.inserted_id();
}

std::vector<Attachment> SqliteTransaction::attachments(Id application_id) {
  Statement s = query(
      "SELECT a.id, a.application_id, a.kind, a.file_name, a.media_type, b.digest, b.size, "
      "a.uploaded_at FROM attachments a JOIN blobs b ON b.id = a.blob_id "
      "WHERE a.application_id = ? ORDER BY a.id",
      "attachments");
  return all<Attachment>(s.bind(application_id), [](const Statement& r) {
    Attachment a;
    a.id = r.int64(0);
    a.application_id = r.int64(1);
    a.kind = r.text(2);
    a.file_name = r.text(3);
    a.media_type = r.text(4);
    a.digest = r.text(5);
    a.size = static_cast<std::uint64_t>(r.int64(6));
    a.uploaded_at = r.text(7);
    return a;
  });
}

std::optional<std::string> SqliteTransaction::content(std::string_view digest) {
  Statement s = query("SELECT content FROM blobs WHERE digest = ?", "content");
  if (!s.bind(digest).step()) return std::nullopt;
  return s.blob(0);
}

void SqliteTransaction::delete_attachment(Id id) {
  Id blob = 0;
  {
    Statement s =
        change("DELETE FROM attachments WHERE id = ? RETURNING blob_id", "delete_attachment");
    if (!s.bind(id).step()) missing("delete_attachment", "attachment", id);
    blob = s.int64(0);
  }
  drop_blob_if_unused(blob);
}

void SqliteTransaction::drop_blob_if_unused(Id blob_id) {
  Statement s = change(
      "DELETE FROM blobs WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM attachments WHERE blob_id = "
      "?1)",
      "drop_blob_if_unused");
  s.bind(blob_id).run();
}

// --- events -----------------------------------------------------------------

void SqliteTransaction::insert_event(const Event& e) {
  // The unit comes from the application or, once it is deleted, from the
  // record of its deletion: the "deleted" event may follow
  // delete_application. One plain statement for each, tried in turn: one
  // statement over a UNION of both costs as much again to run.
#define FUMA_INSERT_EVENT_FROM                                                                 \
  "INSERT INTO events(application_id, unit_id, action, from_status, to_status, actor, reply, " \
  "at, business) SELECT ?1, unit_id, ?2, ?3, ?4, ?5, ?6, ?7, ?8 FROM "
  static constexpr const char* kSources[] = {
      FUMA_INSERT_EVENT_FROM "applications WHERE id = ?1",
      FUMA_INSERT_EVENT_FROM "deleted_applications WHERE id = ?1",
  };
#undef FUMA_INSERT_EVENT_FROM
  for (const char* sql : kSources) {
    Statement s = change(sql, "insert_event");
    if (s.bind(e.application_id, e.action, e.from_status, e.to_status, e.actor, e.reply, e.at,
               e.business)
            .execute() != 0) {
      return;
    }
  }
  missing("insert_event", "application", e.application_id);
}

std::vector<Event> SqliteTransaction::events(Id application_id) {
  Statement s = query(
      "SELECT " FUMA_EVENT_COLUMNS " FROM events WHERE application_id = ? ORDER BY id", "events");
  return all<Event>(s.bind(application_id), read_event);
}

std::vector<Event> SqliteTransaction::events_of_unit(Id unit_id) {
  Statement s = query("SELECT " FUMA_EVENT_COLUMNS
                      " FROM events WHERE application_id IN ("
                      "  SELECT id FROM applications WHERE unit_id = ?1"
                      "  UNION ALL SELECT id FROM deleted_applications WHERE unit_id = ?1)"
                      " ORDER BY application_id, id",
                      "events_of_unit");
  return all<Event>(s.bind(unit_id), read_event);
}

// --- audit ------------------------------------------------------------------

AuditRecord SqliteTransaction::append_audit(const AuditRecord& r) {
  Statement s = change(
      "INSERT INTO audit(at, actor, command, target, before_status, after_status, prev_hash, "
      "hash, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''))",
      "append_audit");
  s.bind(r.at, r.actor, r.command, r.target, r.before_status, r.after_status, r.prev_hash, r.hash,
         r.request_id)
      .run();
  AuditRecord out = r;
  out.seq = s.inserted_id();
  return out;
}

std::optional<std::string> SqliteTransaction::last_audit_hash() {
  Statement s = query("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1", "last_audit_hash");
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

std::optional<std::string> SqliteTransaction::meta(std::string_view key) {
  Statement s = query("SELECT value FROM meta WHERE key = ?", "meta");
  if (!s.bind(key).step()) return std::nullopt;
  return s.text(0);
}

void SqliteTransaction::insert_meta(std::string_view key, std::string_view value) {
  Statement s = change("INSERT INTO meta(key, value) VALUES (?, ?)", "insert_meta");
  s.bind(key, value).run();
}

void SqliteTransaction::scan_audit(const std::function<bool(const AuditRecord&)>& fn) {
  Statement s = query("SELECT " FUMA_AUDIT_COLUMNS " FROM audit ORDER BY seq", "scan_audit");
  while (s.step()) {
    if (!fn(read_audit(s))) break;
  }
}

// --- idempotency ------------------------------------------------------------

std::optional<Idempotent> SqliteTransaction::idempotent(std::string_view actor,
                                                        std::string_view key) {
  Statement s =
      query("SELECT command, result_json, request FROM idempotency WHERE actor = ? AND key = ?",
            "idempotent");
  if (!s.bind(actor, key).step()) return std::nullopt;
  return Idempotent{s.text(0), s.text(1), s.text(2)};
}

void SqliteTransaction::remember(std::string_view actor, std::string_view key,
                                 const Idempotent& r) {
  Statement s = change(
      "INSERT INTO idempotency(actor, key, command, result_json, request) VALUES (?, ?, ?, ?, ?)",
      "remember");
  s.bind(actor, key, r.command, r.result_json, r.request).run();
}

// --- signing keys -----------------------------------------------------------

#define FUMA_KEY_COLUMNS                                                                       \
  "id, authority_id, kid, public_key, sealed_private, status, created_at, retired_at, suite, " \
  "distinguishing_id"

namespace {
SigningKey read_key(const Statement& s) {
  SigningKey k;
  k.id = s.int64(0);
  k.authority_id = s.int64(1);
  k.kid = s.text(2);
  k.public_key = s.blob(3);
  k.sealed_private = s.blob(4);
  k.status = s.text(5);
  k.created_at = s.text(6);
  k.retired_at = s.text(7);
  k.suite = s.text(8);
  k.distinguishing_id = s.text(9);
  return k;
}
}  // namespace

Id SqliteTransaction::insert_key(const SigningKey& k) {
  Statement s = change(
      "INSERT INTO signing_keys(authority_id, kid, suite, public_key, distinguishing_id, "
      "sealed_private, status, created_at, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      "insert_key");
  s.bind(k.authority_id, k.kid, k.suite, Blob{k.public_key}, k.distinguishing_id,
         Blob{k.sealed_private}, k.status, k.created_at, k.retired_at)
      .run();
  return s.inserted_id();
}

std::optional<SigningKey> SqliteTransaction::key_by_kid(std::string_view kid) {
  Statement s = query("SELECT " FUMA_KEY_COLUMNS " FROM signing_keys WHERE kid = ?", "key_by_kid");
  return one<SigningKey>(s.bind(kid), read_key);
}

std::optional<SigningKey> SqliteTransaction::key(Id id) {
  Statement s = query("SELECT " FUMA_KEY_COLUMNS " FROM signing_keys WHERE id = ?", "key");
  return one<SigningKey>(s.bind(id), read_key);
}

std::vector<SigningKey> SqliteTransaction::keys_of_authority(Id authority_id) {
  Statement s =
      query("SELECT " FUMA_KEY_COLUMNS " FROM signing_keys WHERE authority_id = ? ORDER BY id",
            "keys_of_authority");
  return all<SigningKey>(s.bind(authority_id), read_key);
}

bool SqliteTransaction::has_keys() {
  Statement s = query("SELECT 1 FROM signing_keys LIMIT 1", "has_keys");
  return s.step();
}

void SqliteTransaction::update_key(const SigningKey& k) {
  Statement s =
      change("UPDATE signing_keys SET status = ?, retired_at = ? WHERE id = ?", "update_key");
  if (s.bind(k.status, k.retired_at, k.id).execute() == 0) missing("update_key", "key", k.id);
}

// --- credential requests and credentials ------------------------------------

#define FUMA_REQUEST_COLUMNS \
  "id, unit_id, reason, recipient, phone, requested_on, recorded_by, created_at, credential_id"
#define FUMA_CREDENTIAL_COLUMNS                                                              \
  "id, unit_id, request_id, key_id, generation, issued_at, expires_at, status, revoked_at, " \
  "revoked_reason, delivery, delivery_note, payload_digest, sealed_signature"

namespace {
CredentialRequest read_request(const Statement& s) {
  CredentialRequest r;
  r.id = s.int64(0);
  r.unit_id = s.int64(1);
  r.reason = s.text(2);
  r.recipient = s.text(3);
  r.phone = s.text(4);
  r.requested_on = s.text(5);
  r.recorded_by = s.text(6);
  r.created_at = s.text(7);
  r.credential_id = s.int64(8);
  return r;
}

Credential read_credential(const Statement& s) {
  Credential c;
  c.id = s.int64(0);
  c.unit_id = s.int64(1);
  c.request_id = s.int64(2);
  c.key_id = s.int64(3);
  c.generation = s.int64(4);
  c.issued_at = s.text(5);
  c.expires_at = s.optional_text(6);
  c.status = s.text(7);
  c.revoked_at = s.text(8);
  c.revoked_reason = s.text(9);
  c.delivery = s.text(10);
  c.delivery_note = s.text(11);
  c.payload_digest = s.text(12);
  c.sealed_signature = s.blob(13);
  return c;
}
}  // namespace

Id SqliteTransaction::insert_credential_request(const CredentialRequest& r) {
  Statement s = change(
      "INSERT INTO credential_requests(unit_id, reason, recipient, phone, requested_on, "
      "recorded_by, created_at, credential_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      "insert_credential_request");
  s.bind(r.unit_id, r.reason, r.recipient, r.phone, r.requested_on, r.recorded_by, r.created_at,
         r.credential_id)
      .run();
  return s.inserted_id();
}

std::optional<CredentialRequest> SqliteTransaction::credential_request(Id id) {
  Statement s = query("SELECT " FUMA_REQUEST_COLUMNS " FROM credential_requests WHERE id = ?",
                      "credential_request");
  return one<CredentialRequest>(s.bind(id), read_request);
}

void SqliteTransaction::update_credential_request(const CredentialRequest& r) {
  Statement s = change("UPDATE credential_requests SET credential_id = ? WHERE id = ?",
                       "update_credential_request");
  if (s.bind(r.credential_id, r.id).execute() == 0) {
    missing("update_credential_request", "credential request", r.id);
  }
}

std::vector<CredentialRequest> SqliteTransaction::credential_requests_of_unit(Id unit_id) {
  Statement s = query("SELECT " FUMA_REQUEST_COLUMNS
                      " FROM credential_requests WHERE unit_id = ? ORDER BY id DESC",
                      "credential_requests_of_unit");
  return all<CredentialRequest>(s.bind(unit_id), read_request);
}

Id SqliteTransaction::insert_credential(const Credential& c) {
  Statement s = change(
      "INSERT INTO credentials(unit_id, request_id, key_id, generation, issued_at, expires_at, "
      "status, revoked_at, revoked_reason, delivery, delivery_note, payload_digest, "
      "sealed_signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      "insert_credential");
  s.bind(c.unit_id, c.request_id, c.key_id, c.generation, c.issued_at, c.expires_at, c.status,
         c.revoked_at, c.revoked_reason, c.delivery, c.delivery_note, c.payload_digest,
         Blob{c.sealed_signature})
      .run();
  return s.inserted_id();
}

std::optional<Credential> SqliteTransaction::credential(Id id) {
  Statement s =
      query("SELECT " FUMA_CREDENTIAL_COLUMNS " FROM credentials WHERE id = ?", "credential");
  return one<Credential>(s.bind(id), read_credential);
}

std::vector<Credential> SqliteTransaction::credentials_of_unit(Id unit_id) {
  Statement s = query("SELECT " FUMA_CREDENTIAL_COLUMNS
                      " FROM credentials WHERE unit_id = ? ORDER BY generation DESC",
                      "credentials_of_unit");
  return all<Credential>(s.bind(unit_id), read_credential);
}

std::vector<Credential> SqliteTransaction::credentials_signed_by(Id key_id) {
  Statement s =
      query("SELECT " FUMA_CREDENTIAL_COLUMNS " FROM credentials WHERE key_id = ? ORDER BY id",
            "credentials_signed_by");
  return all<Credential>(s.bind(key_id), read_credential);
}

void SqliteTransaction::update_credential(const Credential& c) {
  Statement s = change(
      "UPDATE credentials SET status = ?, revoked_at = ?, revoked_reason = ?, payload_digest = ?, "
      "sealed_signature = ? WHERE id = ?",
      "update_credential");
  if (s.bind(c.status, c.revoked_at, c.revoked_reason, c.payload_digest, Blob{c.sealed_signature},
             c.id)
          .execute() == 0) {
    missing("update_credential", "credential", c.id);
  }
}

// --- captchas -----------------------------------------------------------------

void SqliteTransaction::insert_captcha(const Captcha& c) {
  Statement s = change(
      "INSERT INTO captchas(id, answer_hash, created_at, expires_at, used) VALUES (?, ?, ?, ?, ?)",
      "insert_captcha");
  s.bind(c.id, c.answer_hash, c.created_at, c.expires_at, c.used).run();
}

std::optional<Captcha> SqliteTransaction::captcha(std::string_view id) {
  Statement s = query(
      "SELECT id, answer_hash, created_at, expires_at, used FROM captchas WHERE id = ?", "captcha");
  if (!s.bind(id).step()) return std::nullopt;
  return Captcha{s.text(0), s.text(1), s.text(2), s.text(3), s.boolean(4)};
}

void SqliteTransaction::mark_captcha_used(std::string_view id) {
  Statement s = change("UPDATE captchas SET used = 1 WHERE id = ?", "mark_captcha_used");
  s.bind(id).run();
}

std::size_t SqliteTransaction::purge_captchas(std::string_view before) {
  Statement s = change("DELETE FROM captchas WHERE expires_at < ?", "purge_captchas");
  return static_cast<std::size_t>(s.bind(before).execute());
}

// --- sessions -----------------------------------------------------------------

#define FUMA_SESSION_COLUMNS                                                                 \
  "id, token_hash, unit_id, credential_id, client, created_at, last_seen_at, committed_at, " \
  "commitment_version, ended_at, end_reason"

namespace {
Session read_session(const Statement& s) {
  Session x;
  x.id = s.int64(0);
  x.token_hash = s.text(1);
  x.unit_id = s.int64(2);
  x.credential_id = s.int64(3);
  x.client = s.text(4);
  x.created_at = s.text(5);
  x.last_seen_at = s.text(6);
  x.committed_at = s.text(7);
  x.commitment_version = s.text(8);
  x.ended_at = s.text(9);
  x.end_reason = s.text(10);
  return x;
}
}  // namespace

Id SqliteTransaction::insert_session(const Session& x) {
  Statement s = change(
      "INSERT INTO sessions(token_hash, unit_id, credential_id, client, created_at, "
      "last_seen_at, committed_at, commitment_version, ended_at, end_reason) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      "insert_session");
  s.bind(x.token_hash, x.unit_id, x.credential_id, x.client, x.created_at, x.last_seen_at,
         x.committed_at, x.commitment_version, x.ended_at, x.end_reason)
      .run();
  return s.inserted_id();
}

std::optional<Session> SqliteTransaction::session_by_token_hash(std::string_view token_hash) {
  Statement s = query("SELECT " FUMA_SESSION_COLUMNS " FROM sessions WHERE token_hash = ?",
                      "session_by_token_hash");
  return one<Session>(s.bind(token_hash), read_session);
}

// One statement where three lookups would do: every request of a logged-in
// unit starts here.
std::optional<UnitSession> SqliteTransaction::unit_session_by_token_hash(
    std::string_view token_hash) {
  static const std::string sql = "SELECT " + qualified("s", FUMA_SESSION_COLUMNS) + ", " +
                                 qualified("u", FUMA_UNIT_COLUMNS) +
                                 ", c.status FROM sessions s "
                                 "LEFT JOIN units u ON u.id = s.unit_id "
                                 "LEFT JOIN credentials c ON c.id = s.credential_id "
                                 "WHERE s.token_hash = ?";
  constexpr int kUnit = column_count(FUMA_SESSION_COLUMNS);  // where the unit's columns start
  constexpr int kCredential = kUnit + column_count(FUMA_UNIT_COLUMNS);
  Statement s = query(sql, "unit_session_by_token_hash");
  if (!s.bind(token_hash).step()) return std::nullopt;
  UnitSession out{read_session(s), std::nullopt, s.optional_text(kCredential)};
  if (s.optional_text(kUnit + 1)) out.unit = read_unit_at(s, kUnit);
  return out;
}

void SqliteTransaction::update_session(const Session& x) {
  Statement s = change(
      "UPDATE sessions SET last_seen_at = ?, committed_at = ?, commitment_version = ?, "
      "ended_at = ?, end_reason = ? WHERE id = ?",
      "update_session");
  if (s.bind(x.last_seen_at, x.committed_at, x.commitment_version, x.ended_at, x.end_reason, x.id)
          .execute() == 0) {
    missing("update_session", "session", x.id);
  }
}

std::size_t SqliteTransaction::end_sessions_of_credential(Id credential_id, std::string_view at,
                                                          std::string_view reason) {
  Statement s = change(
      "UPDATE sessions SET ended_at = ?, end_reason = ? "
      "WHERE credential_id = ? AND ended_at = ''",
      "end_sessions_of_credential");
  return static_cast<std::size_t>(s.bind(at, reason, credential_id).execute());
}

std::size_t SqliteTransaction::end_sessions_of_unit(Id unit_id, std::string_view at,
                                                    std::string_view reason) {
  Statement s = change(
      "UPDATE sessions SET ended_at = ?, end_reason = ? "
      "WHERE unit_id = ? AND ended_at = ''",
      "end_sessions_of_unit");
  return static_cast<std::size_t>(s.bind(at, reason, unit_id).execute());
}

// --- staff sessions -----------------------------------------------------------

Id SqliteTransaction::insert_staff_session(const StaffSession& x) {
  Statement s = change(
      "INSERT INTO staff_sessions(token_hash, staff_id, client, created_at, last_seen_at, "
      "ended_at, end_reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
      "insert_staff_session");
  s.bind(x.token_hash, x.staff_id, x.client, x.created_at, x.last_seen_at, x.ended_at, x.end_reason)
      .run();
  return s.inserted_id();
}

std::optional<StaffSession> SqliteTransaction::staff_session_by_token_hash(
    std::string_view token_hash) {
  Statement s = query(
      "SELECT id, token_hash, staff_id, client, created_at, last_seen_at, ended_at, end_reason "
      "FROM staff_sessions WHERE token_hash = ?",
      "staff_session_by_token_hash");
  if (!s.bind(token_hash).step()) return std::nullopt;
  return StaffSession{s.int64(0), s.text(1), s.int64(2), s.text(3),
                      s.text(4),  s.text(5), s.text(6),  s.text(7)};
}

void SqliteTransaction::update_staff_session(const StaffSession& x) {
  Statement s = change(
      "UPDATE staff_sessions SET last_seen_at = ?, ended_at = ?, end_reason = ? WHERE id = ?",
      "update_staff_session");
  if (s.bind(x.last_seen_at, x.ended_at, x.end_reason, x.id).execute() == 0) {
    missing("update_staff_session", "staff session", x.id);
  }
}

std::size_t SqliteTransaction::end_staff_sessions(Id staff_id, std::string_view at,
                                                  std::string_view reason) {
  Statement s = change(
      "UPDATE staff_sessions SET ended_at = ?, end_reason = ? "
      "WHERE staff_id = ? AND ended_at = ''",
      "end_staff_sessions");
  return static_cast<std::size_t>(s.bind(at, reason, staff_id).execute());
}

// Both use the partial indexes of schema 8 (sessions_open, staff_sessions_open),
// which hold last_seen_at and created_at: the count reads the range of recent
// activity in the index alone.
std::uint64_t SqliteTransaction::count_open_sessions(std::string_view seen_after,
                                                     std::string_view created_after) {
  Statement s = query(
      "SELECT count(*) FROM sessions INDEXED BY sessions_open "
      "WHERE ended_at = '' AND last_seen_at > ? AND created_at > ?",
      "count_open_sessions");
  s.bind(seen_after, created_after).step();
  return static_cast<std::uint64_t>(s.int64(0));
}

std::uint64_t SqliteTransaction::count_open_staff_sessions(std::string_view seen_after,
                                                           std::string_view created_after) {
  Statement s = query(
      "SELECT count(*) FROM staff_sessions INDEXED BY staff_sessions_open "
      "WHERE ended_at = '' AND last_seen_at > ? AND created_at > ?",
      "count_open_staff_sessions");
  s.bind(seen_after, created_after).step();
  return static_cast<std::uint64_t>(s.int64(0));
}

// --- throttles ----------------------------------------------------------------

std::optional<Throttle> SqliteTransaction::throttle(std::string_view scope) {
  Statement s =
      query("SELECT scope, failures, last_failure_at FROM throttles WHERE scope = ?", "throttle");
  if (!s.bind(scope).step()) return std::nullopt;
  return Throttle{s.text(0), s.int64(1), s.text(2)};
}

void SqliteTransaction::save_throttle(const Throttle& t) {
  Statement s = change(
      "INSERT INTO throttles(scope, failures, last_failure_at) VALUES (?, ?, ?) "
      "ON CONFLICT(scope) DO UPDATE SET failures = excluded.failures, "
      "last_failure_at = excluded.last_failure_at",
      "save_throttle");
  s.bind(t.scope, t.failures, t.last_failure_at).run();
}

void SqliteTransaction::clear_throttle(std::string_view scope) {
  Statement s = change("DELETE FROM throttles WHERE scope = ?", "clear_throttle");
  s.bind(scope).run();
}

#undef FUMA_KEY_COLUMNS
#undef FUMA_REQUEST_COLUMNS
#undef FUMA_CREDENTIAL_COLUMNS
#undef FUMA_SESSION_COLUMNS
#undef FUMA_AUTHORITY_COLUMNS
#undef FUMA_STAFF_COLUMNS
#undef FUMA_UNIT_COLUMNS
#undef FUMA_CERTIFICATE_COLUMNS
#undef FUMA_APPLICATION_COLUMNS
#undef FUMA_EVENT_COLUMNS
#undef FUMA_AUDIT_COLUMNS

}  // namespace fuma::store::sqlite
