// SPDX-License-Identifier: Apache-2.0
// The SQLite implementation of store::Transaction. Internal.
#ifndef FUMA_SRC_STORE_SQLITE_TRANSACTION_HPP
#define FUMA_SRC_STORE_SQLITE_TRANSACTION_HPP

#include "sqlite_connection.hpp"
#include "store.hpp"

namespace fuma::store::sqlite {

// Runs on a connection on which the store has begun a transaction (BEGIN
// IMMEDIATE for writes, BEGIN for reads); the store commits or rolls back.
class SqliteTransaction final : public Transaction {
 public:
  SqliteTransaction(Connection& conn, bool writable) : conn_(conn), writable_(writable) {}

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
  // A statement that only reads.
  Statement query(std::string_view sql, const char* method);
  // A statement that writes: refused inside Store::read().
  Statement change(std::string_view sql, const char* method);
  void check_open(const char* method) const;
  void drop_blob_if_unused(Id blob_id);

  Connection& conn_;
  bool writable_;
};

}  // namespace fuma::store::sqlite

#endif  // FUMA_SRC_STORE_SQLITE_TRANSACTION_HPP
