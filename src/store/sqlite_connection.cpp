// SPDX-License-Identifier: Apache-2.0
#include "sqlite_connection.hpp"

#include <string>
#include <thread>

#include "fuma/error.hpp"

namespace fuma::store::sqlite {
namespace {

struct Duplicate {
  std::string_view columns;  // as SQLite names them in "UNIQUE constraint failed: ..."
  std::string_view detail;
  std::string_view message;
};

// Which uniqueness rule broke, in words, from the columns SQLite reports.
constexpr Duplicate kDuplicates[] = {
    {"authorities.code", "an authority with this code already exists", "登记管理机关代码已存在"},
    {"staff.username", "a staff member with this username already exists", "用户名已存在"},
    {"units.uscc", "a unit with this USCC already exists", "该统一社会信用代码已登记"},
    {"certificates.serial", "a certificate with this serial already exists", "证书编号已存在"},
    {"certificates.unit_id", "the unit already has an active certificate", "该单位已有有效证书"},
    {"applications.unit_id", "the unit already has an open application",
     "该单位已有未办结的申请，请先办结或删除"},
    {"idempotency.actor, idempotency.key", "the actor already used this idempotency key",
     "该请求已处理"},
    {"signing_keys.kid", "a signing key with this kid already exists", "签名密钥已存在"},
    {"signing_keys.authority_id", "the authority already has an active signing key",
     "该登记管理机关已有启用的签名密钥"},
    {"credentials.unit_id, credentials.generation",
     "the unit already has a credential of this generation", "该单位的登录二维码图片已签发"},
    {"credentials.request_id", "a credential was already issued for this request",
     "该申领已签发登录二维码图片"},
    {"captchas.id", "a captcha with this id already exists", "验证码重复"},
    {"sessions.token_hash", "a session with this token already exists", "会话重复"},
    {"staff_sessions.token_hash", "a staff session with this token already exists", "会话重复"},
    {"meta.key", "the file already records this fact", "数据文件已记录该项"},
};

const Duplicate* duplicate(std::string_view sqlite_message) {
  constexpr std::string_view kPrefix = "UNIQUE constraint failed: ";
  const auto at = sqlite_message.find(kPrefix);
  if (at == std::string_view::npos) return nullptr;
  const std::string_view columns = sqlite_message.substr(at + kPrefix.size());
  for (const auto& d : kDuplicates) {
    if (columns == d.columns) return &d;
  }
  return nullptr;
}

std::string join(std::string_view context, std::string_view what) {
  std::string s(context);
  s += ": ";
  s += what;
  return s;
}

}  // namespace

Connection::Connection(const std::string& path, int flags, int busy_timeout_ms)
    : busy_timeout_ms_(busy_timeout_ms) {
  if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_EXRESCODE, nullptr) != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw Error(Errc::storage, "cannot open '" + path + "': " + msg, "无法打开数据文件");
  }
  try {
    sqlite3_busy_handler(db_, &Connection::on_busy, this);
    exec("PRAGMA foreign_keys = ON", "open");
    // The file may come from anywhere; functions with side effects must not
    // run from its schema (triggers, views, CHECKs).
    exec("PRAGMA trusted_schema = OFF", "open");
  } catch (...) {
    sqlite3_close_v2(db_);
    throw;
  }
}

Connection::~Connection() {
  for (auto& entry : cache_) sqlite3_finalize(entry.second.stmt);
  // close_v2 never fails for want of finalised statements; whatever remains
  // is freed when the last statement goes.
  sqlite3_close_v2(db_);
}

// SQLite's own busy timeout sleeps in steps growing to 100 ms. A
// connection that another connection keeps busy with back-to-back
// transactions (another Store, another process) is free only for
// microseconds between them, and at that pace it loses nearly every time
// and can starve to the timeout. Short, jittered polls catch those gaps.
int Connection::on_busy(void* self, int count) noexcept {
  auto* c = static_cast<Connection*>(self);
  const auto now = std::chrono::steady_clock::now();
  if (count == 0) c->busy_since_ = now;
  if (now - c->busy_since_ >= std::chrono::milliseconds(c->busy_timeout_ms_)) return 0;
  std::this_thread::sleep_for(std::chrono::microseconds(50 + (count * 37) % 200));
  return 1;
}

void Connection::exec(const char* sql, std::string_view context) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(rc, context);
}

void Connection::run(std::string_view sql, std::string_view context) {
  Statement s(*this, sql, context);
  s.run();
}

std::int64_t Connection::query_int(const char* sql, std::string_view context) {
  Statement s(*this, sql, context);
  return s.step() ? s.int64(0) : 0;
}

void Connection::rollback() noexcept {
  if (in_transaction()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Connection::fail(int rc, std::string_view context) const {
  const std::string_view msg = sqlite3_errmsg(db_);
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      if (const Duplicate* d = duplicate(msg)) {
        throw Error(Errc::conflict, join(context, d->detail), std::string(d->message));
      }
      throw Error(Errc::conflict, join(context, msg), "数据重复");
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      throw Error(
          Errc::not_found,
          join(context, "a row it refers to does not exist (FOREIGN KEY constraint failed)"));
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_DATATYPE:
      throw Error(Errc::invalid_argument, join(context, msg), "数据格式不符合要求");
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw Error(
          Errc::storage,
          join(context, "the database stayed locked by another connection for " +
                            std::to_string(busy_timeout_ms_) + " ms (" + std::string(msg) + ")"),
          "系统繁忙，请稍后再试");
    case SQLITE_NOTADB:
      throw Error(Errc::storage, join(context, "the file is not a database"),
                  "数据文件不是有效的数据库");
    case SQLITE_CORRUPT:
      throw Error(Errc::storage, join(context, msg), "数据文件已损坏，请联系管理员");
    case SQLITE_FULL:
      throw Error(Errc::storage, join(context, msg), "磁盘空间不足，请联系管理员");
    case SQLITE_NOMEM:
      throw Error(Errc::out_of_memory, join(context, msg));
    default:
      throw Error(Errc::storage, join(context, msg));
  }
}

sqlite3_stmt* Connection::acquire(std::string_view sql, std::string_view context, Cached*& entry) {
  Recent& recent = recent_[(reinterpret_cast<std::uintptr_t>(sql.data()) >> 3) % kRecent];
  if (recent.entry != nullptr && recent.text == sql.data() && *recent.key == sql &&
      !recent.entry->in_use) {
    recent.entry->in_use = true;
    entry = recent.entry;
    return entry->stmt;
  }
  key_.assign(sql);
  auto it = cache_.find(key_);
  if (it != cache_.end() && !it->second.in_use) {
    it->second.in_use = true;
    entry = &it->second;
    recent = Recent{sql.data(), &it->first, entry};
    return it->second.stmt;
  }
  const bool keep = it == cache_.end();
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    keep ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
  if (rc != SQLITE_OK) fail(rc, context);
  // unordered_map nodes do not move, so the pointer stays valid.
  entry = nullptr;
  if (keep) {
    const auto added = cache_.emplace(std::string(sql), Cached{stmt, true}).first;
    entry = &added->second;
    recent = Recent{sql.data(), &added->first, entry};
  }
  return stmt;
}

void Connection::release(sqlite3_stmt* stmt, Cached* entry) noexcept {
  if (entry == nullptr) {
    sqlite3_finalize(stmt);
    return;
  }
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  entry->in_use = false;
}

Statement::Statement(Connection& c, std::string_view sql, std::string_view context)
    : conn_(c), context_(context) {
  stmt_ = conn_.acquire(sql, context, entry_);
}

Statement::~Statement() { conn_.release(stmt_, entry_); }

void Statement::check(int rc) {
  if (rc != SQLITE_OK) conn_.fail(rc, context_);
}

void Statement::bind_int64(int index, std::int64_t value) {
  check(sqlite3_bind_int64(stmt_, index, value));
}

void Statement::bind_text(int index, std::string_view value) {
  // A null pointer would bind NULL; an empty text is not NULL. Not copied:
  // see bind().
  check(sqlite3_bind_text64(stmt_, index, value.data() ? value.data() : "", value.size(),
                            SQLITE_STATIC, SQLITE_UTF8));
}

void Statement::bind_blob(int index, std::string_view value) {
  if (value.empty()) {
    check(sqlite3_bind_zeroblob(stmt_, index, 0));
  } else {
    check(sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_STATIC));
  }
}

void Statement::bind_null(int index) { check(sqlite3_bind_null(stmt_, index)); }

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  conn_.fail(rc, context_);
}

void Statement::run() {
  while (step()) {
  }
}

std::int64_t Statement::execute() {
  run();
  return sqlite3_changes64(sqlite3_db_handle(stmt_));
}

std::int64_t Statement::inserted_id() const {
  return sqlite3_last_insert_rowid(sqlite3_db_handle(stmt_));
}

std::string Statement::text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (p == nullptr) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return text(column);
}

std::string Statement::blob(int column) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  if (p == nullptr) return {};  // a zero-length blob comes back as a null pointer
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

}  // namespace fuma::store::sqlite
