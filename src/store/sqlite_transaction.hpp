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
  void update_unit(const Unit& u) override;

  Id insert_certificate(const Certificate& c) override;
  std::optional<Certificate> active_certificate(Id unit_id) override;
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
  std::optional<std::string> content(std::string_view sha256) override;
  void delete_attachment(Id id) override;

  Id insert_event(const Event& e) override;
  std::vector<Event> events(Id application_id) override;
  std::vector<Event> events_of_unit(Id unit_id) override;

  AuditRecord append_audit(const AuditRecord& r) override;
  std::optional<AuditRecord> last_audit() override;
  void scan_audit(const std::function<bool(const AuditRecord&)>& fn) override;

  std::optional<Idempotent> idempotent(std::string_view actor, std::string_view key) override;
  void remember(std::string_view actor, std::string_view key, const Idempotent& r) override;

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
