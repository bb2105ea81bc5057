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
// Group commit. The chain's lock is held until the commit is on disk, so
// one write a transaction would make a host's write rate one commit's sync
// at a time. Writes of a process therefore share transactions, as the
// SQLite store's do: a write that finds no other being committed or waiting
// commits itself, on its own thread and connection; writes that arrive
// meanwhile queue for the store's committer thread, which takes every write
// queued so far, runs them in one transaction (one lock of the chain, one
// sync), each inside its own savepoint (a write that throws rolls back to
// its savepoint alone and gets its own exception, a Retryable one too),
// commits once and wakes them. No write() returns before the commit that
// holds it is durable. The committer runs under the scheduling policy of
// the thread that opened the store, as the SQLite store's does. A batch
// whose connection broke before COMMIT was sent runs again, whole, once on
// a new connection; a COMMIT whose answer is lost is STORE_UNAVAILABLE for
// every write of the batch.
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
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
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
  ~PgStore() override {
    {
      std::lock_guard<std::mutex> lock(queue_mutex_);
      stopping_ = true;
    }
    work_.notify_one();
    if (committer_.joinable()) committer_.join();
  }
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

  PgStore(std::string uri, int pool_size, int wait_ms)
      : uri_(std::move(uri)),
        pool_size_(std::max(pool_size, 1)),
        wait_(std::chrono::milliseconds(std::max(wait_ms, 0))),
        begin_write_{
            "BEGIN ISOLATION LEVEL READ COMMITTED",
            "SET LOCAL lock_timeout = " + std::to_string(std::max(wait_ms, kLeastLockWaitMs)),
            "SET LOCAL idle_in_transaction_session_timeout = " +
                std::to_string(std::max(wait_ms, kLeastLockWaitMs)),
            "SELECT seq FROM audit_head FOR UPDATE"} {
    auto first = std::make_unique<Connection>(uri_);
    version_ = migrate(*first);
    open_ = 1;
    idle_.push_back(std::move(first));
    if (pthread_getschedparam(pthread_self(), &opener_policy_, &opener_param_) != 0) {
      opener_policy_ = -1;
    }
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
    std::unique_lock<std::mutex> queue_lock(queue_mutex_);
    if (!committing_ && queue_.empty()) {
      // No write is being committed or waiting: this one commits itself,
      // on its own thread, with no hand-over to wait for.
      committing_ = true;
      queue_lock.unlock();
      LoneCommit lone(*this);
      Mark writing(t_writing, this);
      run(fn, true);
      return;
    }
    if (!committer_.joinable()) start_committer();
    Pending me;
    me.fn = &fn;
    queue_.push_back(&me);
    if (committer_idle_ && !committing_) work_.notify_one();
    queue_lock.unlock();
    std::unique_lock<std::mutex> lock(me.mutex);
    while (!me.done) me.wake.wait(lock);
    if (me.error) std::rethrow_exception(me.error);
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
    bool later = writable;
    bool renewed = false;
    for (;;) {
      bool committing = false;
      try {
        transact(*conn, fn, writable, later, committing, begin_write_);
        return;
      } catch (const pg::LaterFailed&) {
        // A change sent later failed, and the COMMIT behind it was not
        // run: again, each change waited for, where its failure is met.
        (*conn).rollback();
        if (!later) throw;
        later = false;
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
        if (e.code() == Errc::store_unavailable && !committing && !renewed &&
            !dynamic_cast<const Retryable*>(&e) && !(*conn).healthy()) {
          try {
            conn.renew();
          } catch (const Error&) {
            throw e;
          }
          renewed = true;
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
                       bool later, bool& committing, const std::vector<std::string>& begin_write) {
    // The transaction begins with its first statement, in the same round
    // trip (PgTransaction). A write's begins with the chain's head, locked
    // before anything is read (see the top of this file). A writer waits
    // for that lock no longer than for a connection (lock_timeout), and
    // holds it idle no longer either (idle_in_transaction_session_timeout:
    // the server ends the session and rolls its write back): a host that
    // stalls inside a write (a machine paused, a process stopped) makes
    // the others answer STORE_UNAVAILABLE for that long, then they go on.
    static const std::string kBeginRead = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    std::vector<std::string_view> prelude;
    if (writable) {
      prelude.assign(begin_write.begin(), begin_write.end());
    } else {
      prelude.push_back(kBeginRead);
    }
    pg::PgTransaction tx(c, writable, std::move(prelude), later);
    fn(tx);
    // It sent nothing and has nothing to send: no transaction to end.
    if (!tx.began() && !tx.has_later()) return;
    if (!writable) {
      // A read's COMMIT only ends its snapshot: nobody waits for it.
      c.send_later("COMMIT");
      return;
    }
    // The changes still waiting go with the COMMIT: one round trip.
    committing = true;
    tx.finish({"COMMIT"});
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
        // A transaction begins with its first statement, inside the
        // caller's function: a connection the server has already ended is
        // dropped here, where a new one can take its place unseen.
        if (c->alive()) return c;
        --open_;
        continue;
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

  // One write() waiting for its batch, woken alone (see the SQLite store).
  struct Pending {
    const std::function<void(Transaction&)>* fn = nullptr;
    std::exception_ptr error;
    std::mutex mutex;
    bool done = false;
    std::condition_variable wake;
  };

  // Ends a lone writer's commit, however it ends: the writes that queued
  // meanwhile go to the committer thread.
  class LoneCommit {
   public:
    explicit LoneCommit(PgStore& store) : store_(store) {}
    ~LoneCommit() {
      std::lock_guard<std::mutex> lock(store_.queue_mutex_);
      store_.committing_ = false;
      if (!store_.queue_.empty() && store_.committer_idle_) store_.work_.notify_one();
    }
    LoneCommit(const LoneCommit&) = delete;
    LoneCommit& operator=(const LoneCommit&) = delete;

   private:
    PgStore& store_;
  };

  void start_committer() {
    try {
      committer_ = std::thread([this] { commit_loop(); });
    } catch (const std::system_error& e) {
      throw Error(Errc::storage,
                  std::string("cannot start the store's committer thread: ") + e.what(),
                  "系统繁忙，请稍后再试");
    }
  }

  // The committer thread: takes every write queued so far as one batch,
  // commits it, wakes its writers, and goes on with the writes that queued
  // meanwhile; it sleeps only when none is waiting.
  void commit_loop() noexcept {
    // Best effort: the policy stays inherited if it cannot be set.
    if (opener_policy_ >= 0) pthread_setschedparam(pthread_self(), opener_policy_, &opener_param_);
    std::vector<Pending*> batch;
    std::unique_lock<std::mutex> lock(queue_mutex_);
    for (;;) {
      committer_idle_ = true;
      work_.wait(lock, [this] {
        return (!queue_.empty() && !committing_) || (stopping_ && queue_.empty());
      });
      committer_idle_ = false;
      if (queue_.empty()) return;
      committing_ = true;
      batch.clear();
      batch.swap(queue_);
      lock.unlock();
      commit_batch(batch);
      for (Pending* p : batch) {
        std::lock_guard<std::mutex> done(p->mutex);
        p->done = true;
        p->wake.notify_one();
      }
      lock.lock();
      committing_ = false;
    }
  }

  // Runs a batch in one transaction, each write in a savepoint, and leaves
  // every write's outcome in its Pending. Never throws.
  void commit_batch(const std::vector<Pending*>& batch) noexcept {
    Mark writing(t_writing, this);
    if (batch.size() == 1) {
      try {
        run(*batch.front()->fn, true);
      } catch (...) {
        batch.front()->error = std::current_exception();
      }
      return;
    }
    auto fail_all = [&](std::exception_ptr e) {
      for (Pending* p : batch) {
        if (!p->error) p->error = e;
      }
    };
    try {
      Lease conn(*this);
      Mark holding(t_holding, this);
      for (int attempt = 1;; ++attempt) {
        bool committing = false;
        try {
          transact_batch(*conn, batch, committing);
          return;
        } catch (const Error& e) {
          (*conn).rollback();
          // As for a lone write: once more on a new connection only when
          // this one broke before COMMIT was sent, not after a lock waited
          // for too long.
          if (e.code() == Errc::store_unavailable && !committing && attempt == 1 &&
              !dynamic_cast<const Retryable*>(&e) && !(*conn).healthy()) {
            conn.renew();
            continue;
          }
          throw;
        } catch (...) {
          (*conn).rollback();
          throw;
        }
      }
    } catch (...) {
      fail_all(std::current_exception());
    }
  }

  // The batch's transaction: the chain's lock, each write in a savepoint,
  // one COMMIT. Throws only what voids the whole batch.
  // What a write of a batch left unsent (its changes sent later, and its
  // prelude if it sent nothing): the next write sends it first.
  struct Carried {
    Pending* write = nullptr;
    std::vector<pg::Statement> unsent;
  };

  void transact_batch(Connection& c, const std::vector<Pending*>& batch, bool& committing) {
    for (Pending* p : batch) p->error = nullptr;
    // The first write to send a statement begins the transaction with it
    // (the lock's wait and idle limits as for a lone write, begin_write_)
    // and its savepoint. Each write after it begins its own savepoint with
    // its first statement; one that sent none has nothing to roll back,
    // and the savepoint in place is an earlier write's.
    std::vector<std::string_view> begin(begin_write_.begin(), begin_write_.end());
    begin.push_back("SAVEPOINT fuma_write");
    bool begun = false;
    Carried carried;
    for (Pending* p : batch) {
      if (run_in_savepoint(c, *p, begun ? next_write() : begin, carried, true)) begun = true;
    }
    if (!begun) return;  // no write sent anything: no transaction to end
    // The last write's changes go with the COMMIT. If one fails, the COMMIT
    // behind it is not run: the write runs again, each change waited for.
    committing = true;
    for (;;) {
      pg::PgTransaction last(c, true);
      last.send_before(std::move(carried.unsent));
      try {
        last.finish({"RELEASE fuma_write", "COMMIT"});
        return;
      } catch (const pg::EarlierFailed&) {
        c.exec("ROLLBACK TO fuma_write", "roll back write");
        Carried none;
        run_in_savepoint(c, *carried.write, next_write(), none, false);
        carried = {};
      }
    }
  }

  // What begins the savepoint of a write after the first of a batch.
  static const std::vector<std::string_view>& next_write() {
    static const std::vector<std::string_view> list = {"RELEASE fuma_write",
                                                       "SAVEPOINT fuma_write"};
    return list;
  }

  // One write of a batch, inside the savepoint `prelude` begins (or the
  // one in place), its outcome left in p. What the write before left
  // unsent (`carried`) goes first in its first round trip, and what it
  // leaves unsent itself goes back in `carried` for the next: one round
  // trip a write less. A failure among the write before's is that write's:
  // it runs again from its savepoint, each change waited for, and then
  // this one from its start. A failure among its own changes sent later
  // makes it run again the same way. Returns whether its savepoint is (or,
  // with what it carries, will be) in place. Throws only what voids the
  // batch.
  bool run_in_savepoint(Connection& c, Pending& p, const std::vector<std::string_view>& prelude,
                        Carried& carried, bool later) {
    bool rerun = false;
    for (;;) {
      pg::PgTransaction tx(c, true, rerun ? next_write() : prelude, later);
      tx.send_before(std::move(carried.unsent));
      try {
        (*p.fn)(tx);
        p.error = nullptr;
        if (!tx.began() && !tx.has_later()) {
          // It sent nothing and has nothing to send: what the write
          // before left goes on with the next one.
          carried.unsent = tx.take_before();
          return rerun;
        }
        // It sent nothing yet: the write before's statements, then its own.
        if (!tx.before_sent()) tx.finish();
        carried = {&p, tx.take_unsent()};
        return true;
      } catch (const pg::EarlierFailed&) {
        c.exec("ROLLBACK TO fuma_write", "roll back write");
        Carried none;
        run_in_savepoint(c, *carried.write, next_write(), none, false);
        carried = {};
        rerun = true;
      } catch (const pg::LaterFailed&) {
        c.exec("ROLLBACK TO fuma_write", "roll back write");
        carried = {};
        if (!later) {
          p.error = std::current_exception();
          return true;
        }
        later = false;
        rerun = true;
      } catch (const Error& e) {
        // A connection lost, or a server gone, voids the batch.
        if (e.code() == Errc::store_unavailable && !dynamic_cast<const Retryable*>(&e)) throw;
        p.error = std::current_exception();
        if (dynamic_cast<const Retryable*>(&e)) {
          write_retries_.fetch_add(1, std::memory_order_relaxed);
        }
        return refused(c, tx, carried) || rerun;
      } catch (...) {
        p.error = std::current_exception();
        return refused(c, tx, carried) || rerun;
      }
    }
  }

  // After a write of a batch threw: rolled back to its savepoint if it
  // sent anything (what the write before left went with that), or what
  // the write before left goes on with the next write. Returns whether
  // the write's savepoint is in place.
  static bool refused(Connection& c, pg::PgTransaction& tx, Carried& carried) {
    if (!tx.began()) {
      carried.unsent = tx.take_before();
      return false;
    }
    c.exec("ROLLBACK TO fuma_write", "roll back write");
    carried = {};
    return true;
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
  const std::vector<std::string> begin_write_;  // BEGIN, the lock's wait, the chain's head locked
  int version_ = 0;

  std::atomic<std::uint64_t> write_retries_{0};
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // connections lent out or idle

  // Group commit: the writes waiting for the next commit, in arrival
  // order, and the thread that commits them (started by the first write
  // that has to wait). committing_: a batch or a lone write is being
  // committed.
  std::mutex queue_mutex_;
  std::condition_variable work_;
  bool committing_ = false;
  bool committer_idle_ = false;
  bool stopping_ = false;
  std::thread committer_;
  int opener_policy_ = -1;  // -1: unknown, the committer keeps what it inherits
  sched_param opener_param_{};
  std::vector<Pending*> queue_;
};

}  // namespace

std::unique_ptr<Store> open_postgresql(const std::string& uri, int pool_size, int wait_ms) {
  return std::make_unique<PgStore>(uri, pool_size, wait_ms);
}

}  // namespace fuma::store
