// SPDX-License-Identifier: Apache-2.0
// The PostgreSQL implementation of store::Transaction. Internal.
#ifndef FUMA_SRC_STORE_PG_TRANSACTION_HPP
#define FUMA_SRC_STORE_PG_TRANSACTION_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuma/error.hpp"
#include "pg_connection.hpp"
#include "store.hpp"

namespace fuma::store::pg {

// Runs on a connection on which the store begins a transaction (READ
// COMMITTED with the audit chain's head locked for writes, each write of a
// shared transaction inside its own savepoint; REPEATABLE READ READ ONLY
// for reads); the store commits or rolls back.
//
// The statements that begin it (`prelude`: BEGIN, SET LOCAL, the lock,
// SAVEPOINT) go to the server with the transaction's first statement, in
// one round trip, and not at all if it sends none (began() then says so and
// there is nothing to commit).
//
// With `later`, the changes whose answer the engine does not use (a case's
// update, its event, the audit record, a session's last activity, an
// idempotency key) are not waited for one by one: each goes to the server
// with the next statement that is, or with finish(). Each is sent in a form
// that fails when the change does not do what its plain form is checked
// for (fuma_require, schema 10), so the failure stops the pipeline before
// the statements after it (a COMMIT too). A failed one is thrown as
// LaterFailed: the store rolls the write back to its start and runs it
// again without `later`, where the failure is met, and answered, as it
// happens.
class PgTransaction final : public Transaction {
 public:
  PgTransaction(Connection& conn, bool writable, std::vector<std::string_view> prelude = {},
                bool later = false)
      : conn_(conn), writable_(writable), later_allowed_(later), prelude_(std::move(prelude)) {}

  bool began() const { return prelude_.empty(); }
  // Whether the server has not had everything yet: changes are waiting.
  bool has_later() const { return !later_.empty(); }
  // Sends the changes still waiting, then `last` (a COMMIT, or nothing), in
  // one round trip; with the prelude first if nothing was sent before.
  void finish(std::vector<std::string_view> last = {});

  // In a shared transaction: what the write before this one left unsent
  // (its prelude if it sent nothing, and its changes sent later) goes
  // first in this write's first round trip. A failure among it is thrown
  // as EarlierFailed. before_sent() says whether it went; take_before()
  // gives it back if it did not.
  void send_before(std::vector<Statement> earlier) { before_ = std::move(earlier); }
  bool before_sent() const { return before_.empty(); }
  std::vector<Statement> take_before() { return std::move(before_); }
  // What this write leaves unsent, for the next write to send first: its
  // prelude, if it sent nothing, and its changes sent later.
  std::vector<Statement> take_unsent();

  // One round trip for every read named that is not read ahead already;
  // the results wait, by their statement and values, for the reads.
  void read_ahead(const ReadAhead& ahead) override;

  Id insert_authority(const Authority& a) override;
  std::optional<Authority> authority(Id id) override;
  std::optional<Authority> authority_by_code(std::string_view code) override;
  std::uint64_t take_serial(Id authority_id) override;

  Id insert_staff(const Staff& s) override;
  std::optional<Staff> staff(Id id) override;
  std::optional<Staff> staff_by_username(std::string_view username) override;
  void update_staff(const Staff& s) override;

  Id insert_unit(const Unit& u) override;
  std::optional<Unit> unit(Id id) override;
  std::optional<Unit> unit_by_uscc(std::string_view uscc) override;
  std::vector<Unit> units_by_name(std::string_view fragment, std::size_t limit) override;
  void update_unit(const Unit& u) override;

  Id insert_certificate(const Certificate& c) override;
  std::optional<Certificate> active_certificate(Id unit_id) override;
  std::optional<Certificate> certificate_by_serial(std::string_view serial) override;
  void update_certificate(const Certificate& c) override;

  Id insert_application(const Application& a) override;
  std::optional<Application> application(Id id) override;
  std::optional<Application> open_application(Id unit_id) override;
  std::vector<Application> applications_of_unit(Id unit_id) override;
  bool update_application(const Application& a, std::int64_t expected_version) override;
  void delete_application(Id id) override;
  std::vector<Application> queue(Id authority_id, std::string_view status, std::size_t limit,
                                 const QueuePosition& after) override;

  Id insert_attachment(const Attachment& a, std::string_view content) override;
  std::vector<Attachment> attachments(Id application_id) override;
  std::optional<std::string> content(std::string_view digest) override;
  void delete_attachment(Id id) override;

  void insert_event(const Event& e) override;
  std::vector<Event> events(Id application_id) override;
  std::vector<Event> events_of_unit(Id unit_id) override;

  AuditRecord append_audit(const AuditRecord& r) override;
  std::optional<std::string> last_audit_hash() override;
  std::optional<std::string> meta(std::string_view key) override;
  void insert_meta(std::string_view key, std::string_view value) override;
  void scan_audit(const std::function<bool(const AuditRecord&)>& fn) override;

  std::optional<Idempotent> idempotent(std::string_view actor, std::string_view key) override;
  void remember(std::string_view actor, std::string_view key, const Idempotent& r) override;

  Id insert_key(const SigningKey& k) override;
  std::optional<SigningKey> key_by_kid(std::string_view kid) override;
  std::optional<SigningKey> key(Id id) override;
  std::vector<SigningKey> keys_of_authority(Id authority_id) override;
  bool has_keys() override;
  void update_key(const SigningKey& k) override;

  Id insert_credential_request(const CredentialRequest& r) override;
  std::optional<CredentialRequest> credential_request(Id id) override;
  void update_credential_request(const CredentialRequest& r) override;
  std::vector<CredentialRequest> credential_requests_of_unit(Id unit_id) override;

  Id insert_credential(const Credential& c) override;
  std::optional<Credential> credential(Id id) override;
  std::vector<Credential> credentials_of_unit(Id unit_id) override;
  std::vector<Credential> credentials_signed_by(Id key_id) override;
  void update_credential(const Credential& c) override;

  void insert_captcha(const Captcha& c) override;
  std::optional<Captcha> captcha(std::string_view id) override;
  void mark_captcha_used(std::string_view id) override;
  std::size_t purge_captchas(std::string_view before) override;

  Id insert_session(const Session& s) override;
  std::optional<Session> session_by_token_hash(std::string_view token_hash) override;
  std::optional<UnitSession> unit_session_by_token_hash(std::string_view token_hash) override;
  void update_session(const Session& s) override;
  std::size_t end_sessions_of_credential(Id credential_id, std::string_view at,
                                         std::string_view reason) override;
  std::size_t end_sessions_of_unit(Id unit_id, std::string_view at,
                                   std::string_view reason) override;

  Id insert_staff_session(const StaffSession& s) override;
  std::optional<StaffSession> staff_session_by_token_hash(std::string_view token_hash) override;
  void update_staff_session(const StaffSession& s) override;
  std::size_t end_staff_sessions(Id staff_id, std::string_view at,
                                 std::string_view reason) override;
  std::uint64_t count_open_sessions(std::string_view seen_after,
                                    std::string_view created_after) override;
  std::uint64_t count_open_staff_sessions(std::string_view seen_after,
                                          std::string_view created_after) override;

  std::optional<Throttle> throttle(std::string_view scope) override;
  void save_throttle(const Throttle& t) override;
  void clear_throttle(std::string_view scope) override;

 private:
  // A statement that only reads: answered from what was read ahead when
  // the same statement with the same values was.
  template <class... T>
  Result query(std::string_view sql, const char* method, const T&... values) {
    check_open(method);
    Params params(values...);
    if (!ahead_.empty()) {
      if (std::optional<Result> r = take_ahead(ahead_key(sql, params))) return std::move(*r);
    }
    return send(sql, std::move(params), method);
  }
  // A statement that writes: refused inside Store::read(). What was read
  // ahead from the tables it writes goes (forget_ahead).
  template <class... T>
  Result change(std::string_view sql, const char* method, const T&... values) {
    check_writable(method);
    forget_ahead(sql);
    return send(sql, Params(values...), method);
  }
  // Drops what was read ahead from a table the statement `written_by`
  // writes (everything when which cannot be told).
  void forget_ahead(std::string_view written_by);
  // A change sent with the next statement waited for, when the
  // transaction sends changes later: false (and nothing sent) when it does
  // not, and the caller sends the change's plain form.
  template <class... T>
  bool later(std::string_view sql, const char* method, const T&... values) {
    if (!later_allowed_) return false;
    check_writable(method);
    forget_ahead(sql);
    later_.push_back({sql, Params(values...)});
    return true;
  }
  // Runs one statement, with the prelude and the changes waiting if any.
  Result send(std::string_view sql, Params params, const char* method);
  // Sends what the write before left (send_before), the prelude, the
  // changes waiting and then `tail` in one round trip; returns the answers
  // to `tail`. A change waiting that failed is thrown as LaterFailed, one
  // of the write before as EarlierFailed (a lost connection and a write
  // given up, Retryable, as they are).
  std::vector<Result> pipeline(std::vector<Statement> tail, const char* method);
  static std::string ahead_key(std::string_view sql, const Params& params);
  // A copy of the result read ahead for `key`, which stays for the next
  // read of the same until a write drops it.
  std::optional<Result> take_ahead(const std::string& key);
  void check_open(const char* method) const;
  void check_writable(const char* method) const;
  void drop_blob_if_unused(Id blob_id);
  // The versions of applications this write read or wrote: an update at
  // a version it holds may be sent later. seen() notes a row read.
  std::optional<Application> seen(std::optional<Application> a);
  void held_version(Id id, std::optional<std::int64_t> version);
  bool holds_version(Id id, std::int64_t version) const;

  Connection& conn_;
  bool writable_;
  bool later_allowed_;
  std::vector<std::string_view> prelude_;
  // The changes waiting to go with the next statement.
  std::vector<Statement> later_;
  // What the write before left unsent (send_before).
  std::vector<Statement> before_;
  // A result read ahead: its key (ahead_key of the read it answers), the
  // statement that was sent for it, and its rows.
  struct Ahead {
    std::string key;
    const char* sent;
    Result result;
  };
  // Few at a time, so a list.
  std::vector<Ahead> ahead_;
  // The hash of the audit record this transaction appended last, if any.
  std::optional<std::string> appended_;
  // The audit chain's last seq as this transaction holds it (read with the
  // head, or moved by its own appends): the seq of a record sent later.
  std::optional<std::int64_t> head_seq_;
  // (application, version) as held by seen()/held_version(); few.
  std::vector<std::pair<Id, std::int64_t>> versions_;
};

// A change a PgTransaction sent later failed (the write's transaction is
// void). Thrown through the engine to the store, which runs the write
// again without sending changes later.
class LaterFailed : public Error {
 public:
  using Error::Error;
};

// What the write before left unsent failed in this write's first round
// trip (send_before): the write before runs again, each change waited
// for, and then this one from its start.
class EarlierFailed : public Error {
 public:
  using Error::Error;
};

}  // namespace fuma::store::pg

#endif  // FUMA_SRC_STORE_PG_TRANSACTION_HPP
