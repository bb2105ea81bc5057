// SPDX-License-Identifier: Apache-2.0
// The PostgreSQL store: a pool of connections shared by the engine's
// threads, the schema's upgrade, and transactions.
//
// Several writers. Processes (hosts) write side by side to one database;
// every rule holds by the database's own means:
//   - uniqueness (one open application and one active certificate a unit,
//     USCCs, serials, idempotency keys...) by unique and partial unique
//     indexes, whoever inserts;
//   - an application's steps by compare-and-set on its version
//     (UPDATE ... WHERE version = $n);
//   - organisation-code serials by the authority's row, updated in the
//     transaction that uses the serial: locked until it ends, given back
//     whole by a rollback or a crash, never handed out twice;
//   - the audit chain by its head row (audit_head), which every write
//     transaction locks first thing (SELECT ... FOR UPDATE). Writes are
//     therefore applied one at a time, in the order they take the lock,
//     as SQLite's one writer applies them: each statement of a write runs
//     at READ COMMITTED after the lock, so it sees every write committed
//     before, and the chain stays one line with no gaps. What that costs:
//     writers of every host queue for that row, so the write rate is one
//     primary's, one transaction at a time (docs/design.md).
// Reads run at REPEATABLE READ, READ ONLY: one snapshot, never waiting for
// a writer.
//
// Failures. A serialization failure or a deadlock (which fuma's own writers
// do not cause, as they take one lock first, but another program on the
// same database may) is thrown as Retryable, for the engine's write frame
// to run the write again. A connection lost before COMMIT was sent changed
// nothing: the write runs again once on a new connection. A COMMIT whose
// answer is lost may or may not have committed: that is STORE_UNAVAILABLE,
// never retried here, so that no write is applied twice (a caller who
// retries names an idempotency key). The pool drops broken connections and
// opens new ones as they are needed, so the store recovers by itself once
// the server is back.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fuma/error.hpp"
#include "pg_connection.hpp"
#include "pg_transaction.hpp"
#include "schema.hpp"
#include "store.hpp"

namespace fuma::store {
namespace {

using pg::Connection;

// The least time a write waits for the chain's lock, and may sit idle
// holding it, whatever postgresql_wait_ms says (0 means "never wait for a
// connection", not "give every write up at the first contention").
constexpr int kLeastLockWaitMs = 1000;

// What marks a PostgreSQL schema as fuma's, and at which version.
constexpr int kApplicationId = 0x46554D41;  // 'FUMA', as in SQLite's application_id

// The stores whose write() runs on this thread, to refuse a nested write
// and to let a nested read take a connection beyond the pool's size rather
// than wait for the one this thread holds.
thread_local std::vector<const void*> t_writing;
thread_local std::vector<const void*> t_holding;

class Mark {
 public:
  Mark(std::vector<const void*>& list, const void* store) : list_(list), store_(store) {
    list_.push_back(store_);
  }
  ~Mark() {
    auto it = std::find(list_.rbegin(), list_.rend(), store_);
    if (it != list_.rend()) list_.erase(std::next(it).base());
  }
  Mark(const Mark&) = delete;
  Mark& operator=(const Mark&) = delete;

 private:
  std::vector<const void*>& list_;
  const void* store_;
};

bool holds(const std::vector<const void*>& list, const void* store) {
  return std::find(list.begin(), list.end(), store) != list.end();
}

class PgStore final : public Store {
 public:
  PgStore(std::string uri, int pool_size, int wait_ms)
      : uri_(std::move(uri)),
        pool_size_(std::max(pool_size, 1)),
        wait_(std::chrono::milliseconds(std::max(wait_ms, 0))),
        begin_write_("BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = " +
                     std::to_string(std::max(wait_ms, kLeastLockWaitMs)) +
                     "; SET LOCAL idle_in_transaction_session_timeout = " +
                     std::to_string(std::max(wait_ms, kLeastLockWaitMs)) +
                     "; SELECT seq FROM audit_head FOR UPDATE") {
    auto first = std::make_unique<Connection>(uri_);
    version_ = migrate(*first);
    open_ = 1;
    idle_.push_back(std::move(first));
  }

  int schema_version() const override { return version_; }

  Statistics statistics() const override {
    Statistics st;
    st.write_retries = write_retries_.load(std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mutex_);
    st.connections = static_cast<std::uint64_t>(open_);
    return st;
  }

  void check() override {
    read([](Transaction& txn) { txn.meta("created_at"); });
  }

  void write(const std::function<void(Transaction&)>& fn) override {
    if (holds(t_writing, this)) {
      throw Error(Errc::internal,
                  "Store::write() called inside a transaction of the same store, "
                  "which would wait for itself");
    }
    Mark writing(t_writing, this);
    run(fn, true);
  }

  void read(const std::function<void(Transaction&)>& fn) override { run(fn, false); }

  void backup(const std::string&) override {
    throw Error(Errc::storage,
                "backup: a PostgreSQL store is backed up with the server's own tools "
                "(pg_dump, or a base backup with WAL archiving), not by fuma",
                "PostgreSQL数据存储请使用数据库自身的备份工具（如pg_dump）备份");
  }

 private:
  // A connection borrowed from the pool for one transaction.
  class Lease {
   public:
    explicit Lease(PgStore& store) : store_(store), conn_(store.checkout()) {}
    ~Lease() { store_.checkin(std::move(conn_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection& operator*() const { return *conn_; }
    // Gives the connection up for good (it broke) and takes a new one. The
    // idle ones broke with it when the server went away (a restart, a
    // failover), so they go too: the new one is opened afresh.
    void renew() {
      conn_.reset();
      store_.forget();
      store_.drop_idle();
      conn_ = store_.checkout();
    }

   private:
    PgStore& store_;
    std::unique_ptr<Connection> conn_;
  };

  void run(const std::function<void(Transaction&)>& fn, bool writable) {
    Lease conn(*this);
    Mark holding(t_holding, this);
    for (int attempt = 1;; ++attempt) {
      bool committing = false;
      try {
        transact(*conn, fn, writable, committing, begin_write_);
        return;
      } catch (const Error& e) {
        (*conn).rollback();
        // The engine's write frame runs a Retryable write again.
        if (writable && dynamic_cast<const Retryable*>(&e)) {
          write_retries_.fetch_add(1, std::memory_order_relaxed);
        }
        // A connection that broke before COMMIT was sent applied nothing:
        // once more, on a new one (the pool's idle ones may all be stale
        // after a server restart, so a new one is opened). One that is
        // whole (a lock waited for too long) is not tried again: the
        // caller has waited long enough.
        if (e.code() == Errc::store_unavailable && !committing && attempt == 1 &&
            !dynamic_cast<const Retryable*>(&e) && !(*conn).healthy()) {
          try {
            conn.renew();
          } catch (const Error&) {
            throw e;
          }
          continue;
        }
        throw;
      } catch (...) {
        (*conn).rollback();
        throw;
      }
    }
  }

  static void transact(Connection& c, const std::function<void(Transaction&)>& fn, bool writable,
                       bool& committing, const std::string& begin_write) {
    if (writable) {
      // One round trip: the transaction and the chain's head, locked before
      // anything is read (see the top of this file). A writer waits for
      // that lock no longer than for a connection (lock_timeout), and
      // holds it idle no longer either (idle_in_transaction_session_timeout:
      // the server ends the session and rolls its write back): a host that
      // stalls inside a write (a machine paused, a process stopped) makes
      // the others answer STORE_UNAVAILABLE for that long, then they go on.
      c.exec(begin_write.c_str(), "begin transaction");
    } else {
      c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin transaction");
    }
    pg::PgTransaction tx(c, writable);
    fn(tx);
    committing = true;
    c.exec("COMMIT", "commit");
  }

  std::unique_ptr<Connection> checkout() {
    std::unique_lock<std::mutex> lock(mutex_);
    // A thread inside a transaction of this store that needs another
    // connection (a read nested in a write) must not wait for its own.
    const bool nested = holds(t_holding, this);
    const auto deadline = std::chrono::steady_clock::now() + wait_;
    for (;;) {
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
      if (open_ < pool_size_ || nested) {
        ++open_;
        lock.unlock();
        try {
          return std::make_unique<Connection>(uri_);
        } catch (...) {
          forget();
          throw;
        }
      }
      if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_ >= pool_size_) {
        throw Error(Errc::store_unavailable,
                    "every connection of the PostgreSQL store stayed busy for " +
                        std::to_string(wait_.count()) + " ms");
      }
    }
  }

  void checkin(std::unique_ptr<Connection> c) noexcept {
    if (!c) return;
    if (!c->healthy()) {
      c.reset();
      forget();
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (static_cast<int>(idle_.size()) >= pool_size_) {
        --open_;
      } else {
        idle_.push_back(std::move(c));
      }
    }
    freed_.notify_one();
  }

  // Closes every idle connection.
  void drop_idle() noexcept {
    std::vector<std::unique_ptr<Connection>> dropped;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      dropped.swap(idle_);
      open_ -= static_cast<int>(dropped.size());
    }
    freed_.notify_all();
  }

  // A connection that was counted is gone.
  void forget() noexcept {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      --open_;
    }
    freed_.notify_one();
  }

  // Refuses another program's schema and a newer fuma's; runs the pending
  // migrations, each in its own transaction with its version bump, under a
  // lock that keeps two processes from upgrading at once.
  static int migrate(Connection& c) {
    const auto& list = migrations();
    const int latest = static_cast<int>(list.size());
    for (;;) {
      c.exec("BEGIN ISOLATION LEVEL READ COMMITTED", "upgrade");
      try {
        c.query("SELECT pg_advisory_xact_lock($1)", "upgrade", kApplicationId);
        const int version = schema_version_of(c);
        if (version > latest) {
          throw Error(Errc::version, "the PostgreSQL store has schema version " +
                                         std::to_string(version) + ", newer than this build's " +
                                         std::to_string(latest));
        }
        if (version == latest) {
          c.exec("COMMIT", "upgrade");
          return version;
        }
        const std::string step = "upgrade to schema " + std::to_string(version + 1);
        if (version == 0) {
          c.exec(
              "CREATE TABLE fuma_schema ("
              "  one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),"
              "  application_id INTEGER NOT NULL,"
              "  version INTEGER NOT NULL)",
              step);
          c.query("INSERT INTO fuma_schema(application_id, version) VALUES ($1, 0)", step,
                  kApplicationId);
        }
        c.exec(std::string(list[static_cast<std::size_t>(version)].postgresql).c_str(), step);
        c.query("UPDATE fuma_schema SET version = $1", step, version + 1);
        c.exec("COMMIT", step);
      } catch (...) {
        c.rollback();
        throw;
      }
    }
  }

  // 0 for an empty schema; Errc::storage for one holding another program's
  // tables.
  static int schema_version_of(Connection& c) {
    const pg::Result where = c.query("SELECT current_schema()", "open");
    if (where.null(0, 0)) {
      throw Error(Errc::storage,
                  "the PostgreSQL connection has no schema to work in (search_path names none "
                  "that exists)",
                  "数据库中没有可用的模式（schema）");
    }
    const pg::Result mine = c.query("SELECT to_regclass('fuma_schema') IS NOT NULL", "open");
    if (!mine.boolean(0, 0)) {
      const pg::Result tables =
          c.query("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()", "open");
      if (tables.int64(0, 0) != 0) {
        throw Error(
            Errc::storage,
            "the PostgreSQL schema '" + where.text(0, 0) + "' holds tables of another program",
            "数据库不属于本系统");
      }
      return 0;
    }
    const pg::Result v = c.query("SELECT application_id, version FROM fuma_schema", "open");
    if (v.empty() || v.int64(0, 0) != kApplicationId) {
      throw Error(Errc::storage, "the PostgreSQL schema's fuma_schema table is not fuma's",
                  "数据库不属于本系统");
    }
    return static_cast<int>(v.int64(0, 1));
  }

  const std::string uri_;
  const int pool_size_;
  const std::chrono::milliseconds wait_;
  const std::string begin_write_;  // BEGIN, the lock's wait, the chain's head locked
  int version_ = 0;

  std::atomic<std::uint64_t> write_retries_{0};
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // connections lent out or idle
};

}  // namespace

std::unique_ptr<Store> open_postgresql(const std::string& uri, int pool_size, int wait_ms) {
  return std::make_unique<PgStore>(uri, pool_size, wait_ms);
}

}  // namespace fuma::store
