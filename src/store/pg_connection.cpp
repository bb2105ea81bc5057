// SPDX-License-Identifier: Apache-2.0
#include "pg_connection.hpp"

#include <charconv>
#include <cstring>
#include <optional>
#include <string>

#include "fuma/error.hpp"
#include "store.hpp"

namespace fuma::store::pg {
namespace {

struct Duplicate {
  std::string_view constraint;  // the unique index or key PostgreSQL names
  std::string_view detail;
  std::string_view message;
};

// Which uniqueness rule broke, in words, from the index that enforces it
// (the same rules, and words, as the SQLite store's).
constexpr Duplicate kDuplicates[] = {
    {"authorities_code", "an authority with this code already exists", "登记管理机关代码已存在"},
    {"staff_username", "a staff member with this username already exists", "用户名已存在"},
    {"units_uscc", "a unit with this USCC already exists", "该统一社会信用代码已登记"},
    {"certificates_serial", "a certificate with this serial already exists", "证书编号已存在"},
    {"certificates_active", "the unit already has an active certificate", "该单位已有有效证书"},
    {"applications_open", "the unit already has an open application",
     "该单位已有未办结的申请，请先办结或删除"},
    {"idempotency_pkey", "the actor already used this idempotency key", "该请求已处理"},
    {"signing_keys_kid", "a signing key with this kid already exists", "签名密钥已存在"},
    {"signing_keys_one_active", "the authority already has an active signing key",
     "该登记管理机关已有启用的签名密钥"},
    {"credentials_generation", "the unit already has a credential of this generation",
     "该单位的登录二维码图片已签发"},
    {"credentials_request", "a credential was already issued for this request",
     "该申领已签发登录二维码图片"},
    {"captchas_pkey", "a captcha with this id already exists", "验证码重复"},
    {"sessions_token", "a session with this token already exists", "会话重复"},
    {"staff_sessions_token", "a staff session with this token already exists", "会话重复"},
    {"meta_pkey", "the store already records this fact", "数据文件已记录该项"},
};

std::string join(std::string_view context, std::string_view what) {
  std::string s(context);
  s += ": ";
  s += what;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

[[noreturn]] void unavailable(std::string detail) {
  throw Error(Errc::store_unavailable, std::move(detail));
}

}  // namespace

// --- Params -----------------------------------------------------------------

void Params::push_text(std::string_view text) {
  // Text goes to the server NUL-terminated: a NUL inside would cut it short
  // without a word, and PostgreSQL's text cannot hold one anyway.
  if (text.find('\0') != std::string_view::npos) {
    throw Error(Errc::invalid_argument, "a text value contains a NUL byte", "数据格式不符合要求");
  }
  push(std::string(text), 0);
}

void Params::push(std::string value, int format) {
  values_.push_back(std::move(value));
  null_.push_back(false);
  formats_.push_back(format);
}

void Params::null() {
  values_.emplace_back();
  null_.push_back(true);
  formats_.push_back(0);
}

void Params::seal() {
  pointers_.clear();
  lengths_.clear();
  for (std::size_t i = 0; i < values_.size(); ++i) {
    pointers_.push_back(null_[i] ? nullptr : values_[i].c_str());
    lengths_.push_back(static_cast<int>(values_[i].size()));
  }
}

std::string Params::signature() const {
  std::string out;
  for (std::size_t i = 0; i < values_.size(); ++i) {
    if (null_[i]) {
      out += '\x1e';
    } else {
      out += std::to_string(values_[i].size());
      out += ':';
      out += values_[i];
    }
    out += '\x1f';
  }
  return out;
}

// --- Result -----------------------------------------------------------------

std::int64_t Result::affected() const {
  const char* n = PQcmdTuples(r_);
  std::int64_t v = 0;
  std::from_chars(n, n + std::strlen(n), v);
  return v;
}

std::string Result::text(int row, int column) const {
  return std::string(PQgetvalue(r_, row, column),
                     static_cast<std::size_t>(PQgetlength(r_, row, column)));
}

std::optional<std::string> Result::optional_text(int row, int column) const {
  if (null(row, column)) return std::nullopt;
  return text(row, column);
}

std::int64_t Result::int64(int row, int column) const {
  const char* v = PQgetvalue(r_, row, column);
  std::int64_t out = 0;
  std::from_chars(v, v + PQgetlength(r_, row, column), out);
  return out;
}

bool Result::boolean(int row, int column) const {
  const char* v = PQgetvalue(r_, row, column);
  return v[0] == 't' || v[0] == '1';
}

std::string Result::bytes(int row, int column) const {
  const char* v = PQgetvalue(r_, row, column);
  const std::size_t n = static_cast<std::size_t>(PQgetlength(r_, row, column));
  // bytea_output = hex: "\x" followed by two digits a byte.
  if (n < 2 || v[0] != '\\' || v[1] != 'x') {
    throw Error(Errc::storage, "a BYTEA value is not in hex form (bytea_output must be hex)");
  }
  std::string out;
  out.reserve((n - 2) / 2);
  for (std::size_t i = 2; i + 1 < n; i += 2) {
    out.push_back(static_cast<char>(hex_value(v[i]) * 16 + hex_value(v[i + 1])));
  }
  return out;
}

// --- Connection ---------------------------------------------------------------

Connection::Connection(const std::string& uri) {
  conn_ = PQconnectdb(uri.c_str());
  if (conn_ == nullptr) throw Error(Errc::out_of_memory, "cannot allocate a PostgreSQL connection");
  if (PQstatus(conn_) != CONNECTION_OK) {
    // libpq's message names the host and the reason, never the password.
    std::string why = PQerrorMessage(conn_);
    PQfinish(conn_);
    conn_ = nullptr;
    unavailable(join("cannot connect to the PostgreSQL store", why));
  }
  try {
    if (PQsetClientEncoding(conn_, "UTF8") != 0) {
      unavailable(join("cannot set the client encoding to UTF8", PQerrorMessage(conn_)));
    }
    // Every session alike, whatever the server's or role's defaults.
    exec(
        "SET bytea_output = 'hex'; SET standard_conforming_strings = on; "
        "SET client_min_messages = warning",
        "open");
  } catch (...) {
    PQfinish(conn_);
    throw;
  }
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::healthy() const {
  if (PQstatus(conn_) != CONNECTION_OK || PQpipelineStatus(conn_) != PQ_PIPELINE_OFF) return false;
  // A COMMIT sent and not yet read leaves the connection busy, not broken.
  return unread_ || PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

bool Connection::alive() { return PQconsumeInput(conn_) == 1 && PQstatus(conn_) == CONNECTION_OK; }

bool Connection::in_transaction() const {
  const PGTransactionStatusType t = PQtransactionStatus(conn_);
  return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

std::string Connection::where() const {
  return std::string(PQhost(conn_) ? PQhost(conn_) : "") + ":" +
         (PQport(conn_) ? PQport(conn_) : "") + "/" + (PQdb(conn_) ? PQdb(conn_) : "");
}

void Connection::send_later(const char* sql) {
  settle();
  // A send that fails leaves the connection broken, which healthy() sees.
  unread_ = PQsendQuery(conn_, sql) == 1;
}

void Connection::settle() {
  if (!unread_) return;
  unread_ = false;
  bool failed = false;
  while (PGresult* r = PQgetResult(conn_)) {
    failed = failed || PQresultStatus(r) != PGRES_COMMAND_OK;
    PQclear(r);
  }
  if (failed || PQstatus(conn_) != CONNECTION_OK) {
    unavailable(std::string("the PostgreSQL store did not complete an earlier read's COMMIT: ") +
                PQerrorMessage(conn_));
  }
}

Result Result::copy() const {
  PGresult* c = PQcopyResult(r_, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);
  if (c == nullptr) throw Error(Errc::out_of_memory, "copying a result read ahead");
  return Result(c);
}

void Connection::exec(const char* sql, std::string_view context) {
  settle();
  PGresult* r = PQexec(conn_, sql);
  const ExecStatusType s = PQresultStatus(r);
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
    Result owned(r);
    fail(r, context);
  }
  PQclear(r);
}

std::pair<std::string, bool> Connection::statement_name(std::string_view sql) {
  auto it = prepared_.find(std::string(sql));
  if (it != prepared_.end()) return {it->second, false};
  std::string name = "fuma_" + std::to_string(++statements_named_);
  prepared_.emplace(std::string(sql), name);
  return {std::move(name), true};
}

Result Connection::run(std::string_view sql, Params params, std::string_view context) {
  settle();
  params.seal();
  auto [name, fresh] = statement_name(sql);
  if (fresh) {
    const std::string text(sql);
    Result prepared(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr));
    if (PQresultStatus(prepared.raw()) != PGRES_COMMAND_OK) {
      prepared_.erase(text);
      fail(prepared.raw(), context);
    }
  }
  Result r(PQexecPrepared(conn_, name.c_str(), params.size(), params.values(), params.lengths(),
                          params.formats(), 0));
  const ExecStatusType s = PQresultStatus(r.raw());
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) fail(r.raw(), context);
  return r;
}

std::vector<Result> Connection::pipeline(std::vector<Statement>& statements,
                                         std::string_view context, std::size_t* failed) {
  auto lost = [&] {
    unavailable(join(
        context, std::string("the PostgreSQL store is out of reach: ") + PQerrorMessage(conn_)));
  };
  settle();
  if (PQenterPipelineMode(conn_) != 1) lost();
  // The answers to expect, in order: a statement's rows, or the PREPARE of
  // one used here for the first time (its SQL, forgotten again unless the
  // server made it).
  struct Answer {
    bool prepare = false;
    std::string sql;
    std::size_t statement = 0;
  };
  std::vector<Answer> answers;
  bool sent = true;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    Statement& st = statements[i];
    st.params.seal();
    if (st.params.size() == 0) {
      sent = PQsendQueryParams(conn_, std::string(st.sql).c_str(), 0, nullptr, nullptr, nullptr,
                               nullptr, 0) == 1;
    } else {
      auto [name, fresh] = statement_name(st.sql);
      if (fresh) {
        answers.push_back({true, std::string(st.sql), i});
        sent = PQsendPrepare(conn_, name.c_str(), std::string(st.sql).c_str(), 0, nullptr) == 1;
      }
      sent = sent && PQsendQueryPrepared(conn_, name.c_str(), st.params.size(), st.params.values(),
                                         st.params.lengths(), st.params.formats(), 0) == 1;
    }
    if (!sent) break;
    answers.push_back({false, {}, i});
  }
  sent = sent && PQpipelineSync(conn_) == 1;
  // Every answer is read, up to the sync, whatever failed, so that the
  // connection leaves pipeline mode ready for what follows (a ROLLBACK).
  std::vector<Result> results;
  results.reserve(statements.size());
  std::optional<Result> failure;
  bool synced = false;
  for (const Answer& answer : answers) {
    PGresult* r = sent ? PQgetResult(conn_) : nullptr;
    if (r == nullptr) {
      if (answer.prepare) prepared_.erase(answer.sql);
      continue;
    }
    Result owned(r);
    if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {  // fewer answers than sent: broken
      synced = true;
      sent = false;
      if (answer.prepare) prepared_.erase(answer.sql);
      continue;
    }
    PQclear(PQgetResult(conn_));  // the NULL that ends each answer
    const ExecStatusType s = PQresultStatus(r);
    const bool ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
    if (answer.prepare) {
      if (!ok) prepared_.erase(answer.sql);
    } else if (ok) {
      results.push_back(std::move(owned));
      continue;
    }
    if (!ok && s != PGRES_PIPELINE_ABORTED && !failure) {
      failure.emplace(std::move(owned));
      if (failed != nullptr) *failed = answer.statement;
    }
  }
  while (sent && !synced) {
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) break;
    synced = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
    PQclear(r);
  }
  const bool left = PQexitPipelineMode(conn_) == 1;
  if (failure) fail(failure->raw(), context);
  if (!synced || !left || results.size() != statements.size()) lost();
  return results;
}

void Connection::rollback() noexcept {
  try {
    settle();
  } catch (const Error&) {
    return;  // broken: nothing to roll back on it
  }
  if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK || !in_transaction()) return;
  PQclear(PQexec(conn_, "ROLLBACK"));
}

void Connection::fail(const PGresult* r, std::string_view context) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string msg =
      r && PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
  const std::string_view code = state ? state : "";
  if (PQstatus(conn_) != CONNECTION_OK || code.substr(0, 2) == "08" || code == "57P01" ||
      code == "57P02" || code == "57P03" || code == "53300") {
    unavailable(join(context, "the PostgreSQL store is out of reach: " + msg));
  }
  if (code == "55P03") {
    // lock_timeout: another transaction held a lock this one needs for
    // longer than the store waits (pg_store.cpp). Nothing was changed.
    unavailable(join(context,
                     "waited longer than postgresql_wait_ms for a lock another transaction holds "
                     "(a process stalled inside a write?): " +
                         msg));
  }
  if (code == "40001" || code == "40P01") {
    throw Retryable(Errc::store_unavailable,
                    join(context,
                         "PostgreSQL gave the transaction up to keep writers "
                         "serializable (" +
                             std::string(code) + "); try again"));
  }
  if (code == "23505") {
    const char* constraint = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
    const std::string_view name = constraint ? constraint : "";
    for (const auto& d : kDuplicates) {
      if (name == d.constraint) {
        throw Error(Errc::conflict, join(context, d.detail), std::string(d.message));
      }
    }
    throw Error(Errc::conflict, join(context, msg), "数据重复");
  }
  if (code == "23503") {
    throw Error(Errc::not_found,
                join(context, "a row it refers to does not exist (foreign key violation)"));
  }
  if (code == "23514" || code == "23502" || code.substr(0, 2) == "22") {
    throw Error(Errc::invalid_argument, join(context, msg), "数据格式不符合要求");
  }
  if (code == "53100") {
    throw Error(Errc::storage, join(context, msg), "磁盘空间不足，请联系管理员");
  }
  if (code == "53200") throw Error(Errc::out_of_memory, join(context, msg));
  throw Error(Errc::storage, join(context, msg));
}

}  // namespace fuma::store::pg
