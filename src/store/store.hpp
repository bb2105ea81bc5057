// SPDX-License-Identifier: Apache-2.0
// The store: where the engine keeps state. Domain code sees this interface,
// never SQL; a second backend (PostgreSQL) implements it without touching the
// domain. The store keeps records and enforces uniqueness; it never decides a
// rule of the workflow.
//
// Backends: SQLite (a file, or memory) and PostgreSQL (a server several
// processes share). open() chooses one by the store's location.
//
// Threads: a Store is shared by every thread of the engine. read() and
// write() may be called concurrently. SQLite serialises writes inside the
// store and a caller never sees SQLITE_BUSY (the store waits, up to the busy
// timeout, and then fails with Errc::storage). PostgreSQL applies the writes
// of every process one transaction at a time, under the audit chain's lock:
// a write the database gives up (a serialization failure, a deadlock)
// throws Retryable, having changed nothing, and may run again. On both, the
// concurrent writes of a process share one transaction (group commit).
#ifndef FUMA_SRC_STORE_STORE_HPP
#define FUMA_SRC_STORE_STORE_HPP

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuma/error.hpp"

namespace fuma::store {

using Id = std::int64_t;

// Times are UTC ISO 8601 strings ("2026-11-27T06:46:33Z"), dates "YYYY-MM-DD":
// the engine takes them from its clock; the store never reads a clock.

struct Authority {
  Id id = 0;
  std::string code;      // short unique key chosen at setup, e.g. "sz"
  std::string name;      // 深圳市委机构编制委员会办公室
  std::string division;  // 6-digit GB/T 2260 code used in its USCCs
  std::string segment;   // organisation-code segment for allocation ("" allowed)
  std::string created_at;
};

struct Staff {
  Id id = 0;
  Id authority_id = 0;
  std::string username;  // unique across the store
  std::string name;
  // "admin", "acceptor", "reviewer"; kept in order; a role is a non-empty
  // word without spaces (Errc::invalid_argument otherwise).
  std::vector<std::string> roles;
  std::string password_hash;  // opaque to the store; may be empty
  bool active = true;
  std::string created_at;
};

struct Unit {
  Id id = 0;
  std::string uscc;  // unique
  Id authority_id = 0;
  std::string name;
  std::string category;  // "机关", "群团", "其他"
  std::string address;
  std::string responsible_person;
  bool revoked = false;
  std::string created_at;
  std::string updated_at;
};

struct Certificate {
  Id id = 0;
  Id unit_id = 0;
  std::string serial;  // unique
  std::string issued_on;
  std::optional<std::string> valid_until;  // unset: 长期有效
  std::string status = "active";           // "active", "superseded", "revoked"
  std::string created_at;
};

struct Application {
  Id id = 0;
  Id unit_id = 0;
  std::string business;      // workflow business key
  std::string status;        // workflow status key
  std::int64_t version = 1;  // 1 on insert, bumped by every update (optimistic concurrency)
  std::string fields_json;   // the entry form as a JSON object text ("" stores "{}")
  std::string latest_reply;  // 最新信息
  bool open = true;          // false once final; at most one open per unit
  std::string created_at;
  std::string updated_at;
};

struct Attachment {
  Id id = 0;
  Id application_id = 0;
  std::string kind;
  std::string file_name;  // for display only, never a path
  std::string media_type;
  // The content's digest by the store's crypto suite (SHA-256 or SM3), 64
  // lower-case hex digits, computed by the caller.
  std::string digest;
  std::uint64_t size = 0;  // on insert, taken from the content
  std::string uploaded_at;
};

// One status event of an application: part of 历史信息. Events outlive a
// deleted application, so they are also found by unit.
struct Event {
  Id id = 0;
  Id application_id = 0;
  std::string action;
  std::string from_status;
  std::string to_status;
  std::string actor;  // e.g. "staff:12", "unit:11440300000000000N", "system"
  std::string reply;
  std::string at;
  std::string business;  // the application's business type, kept for 历史信息
};

// One record of the append-only audit log. The engine computes the hash
// chain; the store keeps records in sequence and never rewrites them.
struct AuditRecord {
  std::int64_t seq = 0;  // assigned by the store, 1, 2, 3, ...
  std::string at;
  std::string actor;
  std::string command;
  std::string target;  // e.g. "application:42"
  std::string before_status;
  std::string after_status;
  std::string prev_hash;
  std::string hash;
  // The id of the request that made the record (an HTTP host's X-Request-Id,
  // the envelope's request_id), so that one request can be followed from
  // the host's access log to the audit log; "" when the call named none
  // (stored as NULL, as in every record from before schema 8).
  std::string request_id;
};

// A registration authority's signing key, Ed25519 or SM2. The private half
// is kept only sealed under the engine's key file; the store never sees it
// in clear.
struct SigningKey {
  Id id = 0;
  Id authority_id = 0;
  std::string kid;                // 16 lower-case hex digits, unique
  std::string suite = "ed25519";  // "ed25519" or "sm2"
  std::string public_key;         // ed25519: 32 raw bytes; sm2: the 65-byte point 04 || x || y
  std::string distinguishing_id;  // sm2: its ID_A, 1-64 characters; ed25519: ""
  std::string sealed_private;     // the 32-byte private key sealed: 60 to 256 bytes
  // "active" signs and verifies (one per authority), "verifying" only
  // verifies, "retired" does neither.
  std::string status = "active";
  std::string created_at;
  std::string retired_at;  // "" until retired
};

// A 登录二维码图片申领表 as the authority recorded it.
struct CredentialRequest {
  Id id = 0;
  Id unit_id = 0;
  std::string reason;        // "first" (未曾领取), "lost" (遗失)
  std::string recipient;     // 领取人
  std::string phone;         // 手机号
  std::string requested_on;  // the form's date
  std::string recorded_by;   // actor key
  std::string created_at;
  Id credential_id = 0;  // 0 until a credential is issued for it
};

struct Credential {
  Id id = 0;
  Id unit_id = 0;
  Id request_id = 0;
  Id key_id = 0;                // SigningKey::id
  std::int64_t generation = 1;  // unique per unit
  std::string issued_at;
  std::optional<std::string> expires_at;
  std::string status = "active";  // "active", "revoked"
  std::string revoked_at;         // "" while active
  std::string revoked_reason;     // "lost", "unit_revoked", ...
  std::string delivery;           // "on_site", "yuezhengyi", "other"
  std::string delivery_note;
  // The digest of the issued text (column payload_digest).
  std::string payload_digest;
  // An SM2 signature is randomised, so it cannot be made again the way an
  // Ed25519 one is: its 64 bytes are kept, sealed like a private key (they
  // and the claims in the store would otherwise make the text that logs
  // the unit in). "" for an Ed25519 credential.
  std::string sealed_signature;
};

struct Captcha {
  std::string id;           // random, given to the client
  std::string answer_hash;  // never the answer
  std::string created_at;
  std::string expires_at;
  bool used = false;
};

struct Session {
  Id id = 0;
  std::string token_hash;  // SHA-256 hex of the token, unique
  Id unit_id = 0;
  Id credential_id = 0;
  std::string client;  // the address the embedding program reported, or ""
  std::string created_at;
  std::string last_seen_at;
  std::string committed_at;        // "" until 登录承诺 is accepted
  std::string commitment_version;  // the text version accepted
  std::string ended_at;            // "" while open
  std::string end_reason;          // "logout", "credential_revoked", "unit_revoked"
};

// A unit's session read with its unit and its credential's status.
struct UnitSession {
  Session session;
  std::optional<Unit> unit;
  std::optional<std::string> credential_status;
};

// A staff member logged in with a password (staff.login).
struct StaffSession {
  Id id = 0;
  std::string token_hash;  // SHA-256 hex of the token, unique
  Id staff_id = 0;
  std::string client;
  std::string created_at;
  std::string last_seen_at;
  std::string ended_at;    // "" while open
  std::string end_reason;  // "logout", "password_changed", "deactivated"
};

// Failed login attempts counted against one scope ("client:<address>",
// "credential:<id>").
struct Throttle {
  std::string scope;
  std::int64_t failures = 0;
  std::string last_failure_at;
};

// A remembered result for an idempotency key, per actor.
struct Idempotent {
  std::string command;
  std::string result_json;
  // A digest of the request's arguments and data, so that a key reused for
  // a different request is told apart from a retry.
  std::string request;
};

// Where a page of a queue ends: the (updated_at, id) of its last row. The
// next page starts after it even if that row has moved on meanwhile.
struct QueuePosition {
  std::string updated_at;
  Id id = 0;
};

// What a command is about to read, named before it reads it: see
// Transaction::read_ahead. Each member left empty (or 0, or false) names
// nothing.
struct ReadAhead {
  // unit_session_by_token_hash of this hash.
  std::string unit_session;
  // staff_session_by_token_hash of this hash, and staff() of its member.
  std::string staff_session;
  // application() of this id; with application_unit, unit() of its unit.
  Id application = 0;
  bool application_unit = false;
  // attachments() of this application, events() of it unless not
  // case_events (its caller holds them), and active_certificate() of
  // case_unit, or of the application's unit when case_unit is 0 and
  // `application` names the same application.
  Id case_facts = 0;
  bool case_events = true;
  Id case_unit = 0;
  // last_audit_hash().
  bool audit_head = false;
};

// Everything one transaction can do. Methods throw fuma::Error:
// Errc::conflict when a uniqueness rule would break (duplicate authority
// code, username, USCC, certificate serial, a second active certificate or
// open application of a unit, a repeated idempotency key), Errc::not_found
// when an update or delete names a missing row or an insert names a missing
// parent (authority, unit, application), Errc::invalid_argument when a value
// has the wrong shape (a USCC not 18 characters long, a division not 6
// digits, a SHA-256 not 64 lower-case hex digits, fields_json not a JSON
// object), Errc::storage when the database fails. After a storage error the
// whole transaction is void: later calls in it throw Errc::storage too.
class Transaction {
 public:
  virtual ~Transaction() = default;

  // Names reads about to be made, so that a backend that pays a round trip
  // to a server for every statement (PostgreSQL) may send them all at once
  // and keep the answers for the reads, which are then made as usual. It
  // changes no answer: a write in the transaction drops whatever was read
  // ahead, and a read nobody makes is only wasted. The default does
  // nothing (SQLite reads in the caller's own thread, with no round trip).
  virtual void read_ahead(const ReadAhead& ahead) { static_cast<void>(ahead); }

  virtual Id insert_authority(const Authority& a) = 0;
  virtual std::optional<Authority> authority(Id id) = 0;
  virtual std::optional<Authority> authority_by_code(std::string_view code) = 0;
  // The authority's next organisation-code serial, counting up from 0;
  // every call returns a new value, even across crashes (durable counter).
  virtual std::uint64_t take_serial(Id authority_id) = 0;

  // Updates write every field but id and created_at (and, for applications
  // and certificates, unit_id, which never changes).

  virtual Id insert_staff(const Staff& s) = 0;
  virtual std::optional<Staff> staff(Id id) = 0;
  virtual std::optional<Staff> staff_by_username(std::string_view username) = 0;
  virtual void update_staff(const Staff& s) = 0;

  virtual Id insert_unit(const Unit& u) = 0;
  virtual std::optional<Unit> unit(Id id) = 0;
  virtual std::optional<Unit> unit_by_uscc(std::string_view uscc) = 0;
  // Units whose name contains `fragment` as written ('%', '_' and '\' are
  // plain characters; ASCII letters match in either case), revoked ones
  // included, ordered by name then USCC, `limit` at most. The scan walks an
  // index in that order and stops at `limit` matches.
  virtual std::vector<Unit> units_by_name(std::string_view fragment, std::size_t limit) = 0;
  virtual void update_unit(const Unit& u) = 0;

  virtual Id insert_certificate(const Certificate& c) = 0;
  // The unit's certificate with status "active", if any.
  virtual std::optional<Certificate> active_certificate(Id unit_id) = 0;
  virtual std::optional<Certificate> certificate_by_serial(std::string_view serial) = 0;
  virtual void update_certificate(const Certificate& c) = 0;

  virtual Id insert_application(const Application& a) = 0;
  virtual std::optional<Application> application(Id id) = 0;
  virtual std::optional<Application> open_application(Id unit_id) = 0;
  // Every application of a unit, newest first.
  virtual std::vector<Application> applications_of_unit(Id unit_id) = 0;
  // Compare-and-set: writes `a` (with version = expected_version + 1) only if
  // the stored version is expected_version; returns false when it is not.
  virtual bool update_application(const Application& a, std::int64_t expected_version) = 0;
  // Removes the application with its fields and attachments for good (a
  // content blob goes when no attachment refers to it any more). Its events
  // stay, so 历史信息 still shows that it existed and was deleted.
  virtual void delete_application(Id id) = 0;
  // Open applications of an authority's units in a status, oldest update
  // first (ties by id), `limit` at most, after the position `after`; the
  // default starts at the beginning.
  virtual std::vector<Application> queue(Id authority_id, std::string_view status,
                                         std::size_t limit, const QueuePosition& after = {}) = 0;

  // Keeps the content once per SHA-256 (deduplicated across applications).
  // Content that differs from the stored content of the same SHA-256 is
  // refused with Errc::invalid_argument rather than silently replaced.
  virtual Id insert_attachment(const Attachment& a, std::string_view content) = 0;
  virtual std::vector<Attachment> attachments(Id application_id) = 0;
  virtual std::optional<std::string> content(std::string_view digest) = 0;
  virtual void delete_attachment(Id id) = 0;

  // The application must exist or have been deleted (so a "deleted" event
  // may be recorded after delete_application). Nothing waits for the
  // event's id (events() gives it), so a store may send the insert with
  // its next statement.
  virtual void insert_event(const Event& e) = 0;
  // Events of an application, oldest first.
  virtual std::vector<Event> events(Id application_id) = 0;
  // Events of every application of a unit, deleted ones included: by
  // application, in the order the applications were made, and oldest first
  // within each.
  virtual std::vector<Event> events_of_unit(Id unit_id) = 0;

  // Appends and returns the record with its seq filled in.
  virtual AuditRecord append_audit(const AuditRecord& r) = 0;
  // The hash of the newest record; none while the log is empty.
  virtual std::optional<std::string> last_audit_hash() = 0;

  // The file's own facts (the meta table): its creation time, the crypto
  // suite it was created with, the digest of its audit chain. A key is
  // written once: setting one that is there is Errc::conflict.
  virtual std::optional<std::string> meta(std::string_view key) = 0;
  virtual void insert_meta(std::string_view key, std::string_view value) = 0;
  // Calls fn for every record in sequence order; stops when fn returns false.
  virtual void scan_audit(const std::function<bool(const AuditRecord&)>& fn) = 0;

  virtual std::optional<Idempotent> idempotent(std::string_view actor, std::string_view key) = 0;
  virtual void remember(std::string_view actor, std::string_view key, const Idempotent& r) = 0;

  // Signing keys. A second active key of an authority or a repeated kid is
  // Errc::conflict.
  virtual Id insert_key(const SigningKey& k) = 0;
  virtual std::optional<SigningKey> key_by_kid(std::string_view kid) = 0;
  virtual std::optional<SigningKey> key(Id id) = 0;
  // An authority's keys, oldest first.
  virtual std::vector<SigningKey> keys_of_authority(Id authority_id) = 0;
  // Whether any authority has a key.
  virtual bool has_keys() = 0;
  // Writes status and retired_at.
  virtual void update_key(const SigningKey& k) = 0;

  virtual Id insert_credential_request(const CredentialRequest& r) = 0;
  virtual std::optional<CredentialRequest> credential_request(Id id) = 0;
  // Writes credential_id.
  virtual void update_credential_request(const CredentialRequest& r) = 0;
  // A unit's requests, newest first.
  virtual std::vector<CredentialRequest> credential_requests_of_unit(Id unit_id) = 0;

  // A repeated (unit, generation) or request is Errc::conflict.
  virtual Id insert_credential(const Credential& c) = 0;
  virtual std::optional<Credential> credential(Id id) = 0;
  // A unit's credentials, newest first.
  virtual std::vector<Credential> credentials_of_unit(Id unit_id) = 0;
  // Every credential a key signed.
  virtual std::vector<Credential> credentials_signed_by(Id key_id) = 0;
  // Writes status, revoked_at, revoked_reason and payload_digest.
  virtual void update_credential(const Credential& c) = 0;

  virtual void insert_captcha(const Captcha& c) = 0;
  virtual std::optional<Captcha> captcha(std::string_view id) = 0;
  virtual void mark_captcha_used(std::string_view id) = 0;
  // Deletes the captchas that expired before `before`; returns how many.
  virtual std::size_t purge_captchas(std::string_view before) = 0;

  virtual Id insert_session(const Session& s) = 0;
  virtual std::optional<Session> session_by_token_hash(std::string_view token_hash) = 0;
  // The session with what deciding on it needs, read together: its unit and
  // the status of the credential it was opened with (nullopt for either when
  // it is gone).
  virtual std::optional<UnitSession> unit_session_by_token_hash(std::string_view token_hash) = 0;
  // Writes last_seen_at, committed_at, commitment_version, ended_at, end_reason.
  virtual void update_session(const Session& s) = 0;
  // Ends every open session of a credential (or of a unit); returns how many.
  virtual std::size_t end_sessions_of_credential(Id credential_id, std::string_view at,
                                                 std::string_view reason) = 0;
  virtual std::size_t end_sessions_of_unit(Id unit_id, std::string_view at,
                                           std::string_view reason) = 0;

  virtual Id insert_staff_session(const StaffSession& s) = 0;
  virtual std::optional<StaffSession> staff_session_by_token_hash(std::string_view token_hash) = 0;
  // Writes last_seen_at, ended_at and end_reason.
  virtual void update_staff_session(const StaffSession& s) = 0;
  // Ends every open session of a staff member; returns how many.
  virtual std::size_t end_staff_sessions(Id staff_id, std::string_view at,
                                         std::string_view reason) = 0;

  // Sessions open at a moment, for monitoring: not ended, last seen after
  // `seen_after` and created after `created_after` (the moment less the idle
  // and the absolute limit). Cheap however long the history: counted from
  // an index of recent activity.
  virtual std::uint64_t count_open_sessions(std::string_view seen_after,
                                            std::string_view created_after) = 0;
  virtual std::uint64_t count_open_staff_sessions(std::string_view seen_after,
                                                  std::string_view created_after) = 0;

  virtual std::optional<Throttle> throttle(std::string_view scope) = 0;
  // Inserts or replaces the scope's row.
  virtual void save_throttle(const Throttle& t) = 0;
  virtual void clear_throttle(std::string_view scope) = 0;
};

// What a store reports about itself, for monitoring (Engine::statistics).
struct Statistics {
  // Write transactions the database gave up for a reason that passes (a
  // serialization failure, a deadlock), thrown as Retryable for the
  // engine's write frame to run again, counted since the store opened. The
  // SQLite store, the one writer of its file, never gives one up.
  std::uint64_t write_retries = 0;
  // Connections to the database held open now, in use or idle.
  std::uint64_t connections = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Thread-safe, never throws, touches no database.
  virtual Statistics statistics() const = 0;
  // Whether the store can serve now, for a readiness check: one cheap read,
  // and what else the backend knows of its own health (the SQLite store:
  // that its file is still the one at its path). Returns when it can;
  // throws Error(storage) saying why not.
  virtual void check() = 0;
  // The schema version the data is at (after any upgrade on open).
  virtual int schema_version() const = 0;
  // Runs fn in one durable write transaction: committed when fn returns,
  // rolled back when it throws (the exception propagates). The Transaction
  // is valid only inside fn. Calling write() again from inside fn, on the
  // same store, throws Errc::internal (it would wait for itself). fn may
  // run on a thread of the store's own (its committer, under the scheduling
  // policy of the thread that opened the store), with the
  // caller waiting: it must not rely on the caller's thread-local state.
  virtual void write(const std::function<void(Transaction&)>& fn) = 0;
  // Runs fn on a consistent snapshot; a write method called inside fn throws
  // Errc::internal. A read() inside a write() does not see that write's
  // uncommitted changes (in memory, where both share one connection, it
  // throws Errc::internal).
  virtual void read(const std::function<void(Transaction&)>& fn) = 0;
  // A consistent copy of the whole store in a new file at `path`, made
  // online (readers and the writer go on meanwhile). Errc::conflict when
  // something exists at `path` (nothing is overwritten), Errc::storage when
  // the copy cannot be written (and no partial file is left behind).
  virtual void backup(const std::string& path) = 0;
};

// What write() throws when the database gave the transaction up so that
// concurrent writers stay serializable (PostgreSQL's serialization failures
// and deadlocks): nothing of it was applied, and running it again, from the
// start, may succeed. The engine's write frame does (operation.cpp). Its
// code is STORE_UNAVAILABLE, what a caller sees once the retries run out.
class Retryable : public Error {
 public:
  using Error::Error;
};

// The newest schema this build knows; stores at a higher version are refused.
int latest_schema_version();

// Where a store is, as a caller names it (Options::path, fuma_engine_open's
// location, fuma-host --store):
//   "memory:", "", ":memory:"         SQLite in memory
//   "sqlite:PATH" or a plain PATH     the SQLite file at PATH
//   "postgresql://..." ("postgres://...")
//                                     a PostgreSQL database, by libpq URI
struct Location {
  enum class Backend { sqlite, memory, postgresql };
  Backend backend = Backend::memory;
  std::string target;  // the file's path or the URI; "" in memory

  // Errc::invalid_argument for a NUL byte or an empty "sqlite:".
  static Location parse(std::string_view location);
  // The location without a password, for messages and logs.
  std::string display() const;
};

// Settings of the backends.
struct OpenOptions {
  // SQLite: how long a call waits for another process's lock.
  int sqlite_busy_timeout_ms = 5000;
  // PostgreSQL: connections the store keeps at most (the engine's threads
  // share them), and how long a caller waits for one before
  // STORE_UNAVAILABLE.
  int postgresql_pool_size = 4;
  int postgresql_wait_ms = 10000;
};

// Opens the store at `where` (see Location), creating and upgrading its
// schema. Throws fuma::Error: version for a newer schema, storage when it is
// not a fuma store, store_unavailable when a server cannot be reached.
std::unique_ptr<Store> open(const Location& where, const OpenOptions& options);

// Opens or creates the SQLite store at path ("" keeps it in memory, on one
// connection that reads and writes in turn), upgrading an older schema.
// busy_timeout_ms bounds how long a call waits for another process's lock.
// Throws fuma::Error: version for a newer file, storage when the file cannot
// be opened or is not a fuma database.
std::unique_ptr<Store> open_sqlite(const std::string& path, int busy_timeout_ms);

// Opens the PostgreSQL store at `uri` (libpq's connection URI or keyword
// string), in the connection's current schema (search_path), creating and
// upgrading its tables. backup() is refused (Errc::storage): a PostgreSQL
// store is backed up with the server's own tools (pg_dump).
std::unique_ptr<Store> open_postgresql(const std::string& uri, int pool_size, int wait_ms);

// What copy_store copied.
struct CopyReport {
  int schema_version = 0;
  // Rows copied, per table, in the order copied.
  std::vector<std::pair<std::string, std::uint64_t>> rows;
  // The source's newest audit record's hash, which the copy's chain ends
  // in too; none for an empty log.
  std::optional<std::string> last_audit_hash;
};

// Moves an authority: copies every record of the SQLite store at `from`
// into the PostgreSQL store at `to`, which must hold none, keeping every id,
// the organisation-code counters and the audit chain (its hashes and its
// head), and setting the target's sequences past every id copied, deleted
// applications' and attachments' included. Captchas stay behind
// (uncopied_tables() in copy.hpp says why). The source is read in one
// snapshot and never written: it must exist and be at this build's schema
// version (Errc::not_found, Errc::version otherwise, before the target is
// touched). The target is filled in one transaction: a copy that fails
// leaves it empty. Errc::conflict for a target that holds records (nothing
// written), Errc::invalid_argument unless `from` is a SQLite file and `to`
// a PostgreSQL database.
CopyReport copy_store(const Location& from, const Location& to, const OpenOptions& options);

}  // namespace fuma::store

#endif  // FUMA_SRC_STORE_STORE_HPP
