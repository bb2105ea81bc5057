// SPDX-License-Identifier: Apache-2.0
// The SQLite store: opening and upgrading the file, and running transactions.
//
// Concurrency. One writer connection, behind a mutex, runs every write()
// in BEGIN IMMEDIATE: threads of this process wait on the mutex (woken as
// soon as it is free, not by SQLite's sleep-and-retry busy handler), and the
// busy timeout only has to cover other processes holding the write lock. Reads run on a
// pool of read-only connections (PRAGMA query_only) in deferred
// transactions, which in WAL mode see one consistent snapshot and neither
// wait for nor block the writer. An in-memory store is one connection that
// reads and writes in turn under the same mutex: separate connections to
// ":memory:" would be separate databases, and a shared-cache memory database
// reports table locks as SQLITE_LOCKED, which no busy timeout covers.
//
// Durability. journal_mode = WAL with synchronous = FULL: a commit returns
// only after the WAL is synced, so an acknowledged write survives a killed
// process and a power cut.
//
// Group commit. The sync is most of a write's cost, so writes share it. A
// write that finds no other being committed or waiting commits itself, on
// its own thread, as a lone writer would. Writes that arrive meanwhile queue
// for the committer thread (started by the first of them), which takes every
// write queued so far, runs them in one transaction, each inside its own
// savepoint (a write that throws rolls back to its savepoint alone and gets
// its own exception), commits once, and wakes the writes of its batch, each
// on its own condition variable (waking them all on one would wake every
// waiter at every commit). It goes on at once with the writes that queued
// meanwhile: no waiting thread has to be woken and scheduled to lead them.
// No write() returns before the commit that holds it is synced, and each
// sees the writes before it in the same order a lone writer would. The
// function given to write() may run on the committer thread, which runs
// under the scheduling policy of the thread that opened the store, not that
// of whichever write happened to start it (a program may run its own
// threads as SCHED_BATCH, say, so that they yield to the one all writes
// wait for).
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "fuma/error.hpp"
#include "sqlite_connection.hpp"
#include "sqlite_schema.hpp"
#include "sqlite_transaction.hpp"
#include "store.hpp"

namespace fuma::store {
namespace {

using sqlite::Connection;

// Idle read connections kept open for reuse; more are opened when more
// threads read at once, and closed again when they come back. Enough for a
// host's default workers all reading at once: a connection opened afresh
// reads the schema and prepares every statement again.
constexpr std::size_t kMaxIdleReaders = 16;

constexpr int kWriterFlags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
constexpr int kReaderFlags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

// Marks the thread that holds a store's writer connection, so that a write()
// nested inside another fails at once instead of waiting for itself.
class Holder {
 public:
  explicit Holder(std::atomic<std::thread::id>& slot) : slot_(slot) {
    slot_.store(std::this_thread::get_id());
  }
  ~Holder() { slot_.store(std::thread::id()); }
  Holder(const Holder&) = delete;
  Holder& operator=(const Holder&) = delete;

 private:
  std::atomic<std::thread::id>& slot_;
};

// Two connections switching one new file to WAL at once can deadlock on
// its rollback-journal locks; SQLite then answers SQLITE_BUSY at once,
// without the busy handler, so the wait is done here.
void switch_to_wal(Connection& conn, int busy_timeout_ms) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
  for (int attempt = 1;; ++attempt) {
    const int rc =
        sqlite3_exec(conn.handle(), "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return;
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) {
      conn.fail(rc, "switch to WAL");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(attempt, 20)));
  }
}

// Runs fn in a transaction on conn: commit when it returns, roll back when
// it (or the commit) throws.
void run(Connection& conn, bool writable, const std::function<void(Transaction&)>& fn) {
  conn.run(writable ? "BEGIN IMMEDIATE" : "BEGIN", "begin transaction");
  sqlite::SqliteTransaction tx(conn, writable);
  try {
    fn(tx);
    conn.run("COMMIT", "commit");
  } catch (...) {
    conn.rollback();
    throw;
  }
}

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::string& path, int busy_timeout_ms)
      : path_(path), busy_timeout_ms_(busy_timeout_ms), memory_(path.empty()) {
    writer_ =
        std::make_unique<Connection>(memory_ ? ":memory:" : path, kWriterFlags, busy_timeout_ms);
    // One snapshot for the check: another process creating the file at the
    // same moment could otherwise commit between our reads of its
    // application id and of its tables, and look like a foreign file.
    writer_->exec("BEGIN", "open");
    try {
      check_ownership(*writer_);
      writer_->exec("COMMIT", "open");
    } catch (...) {
      writer_->rollback();
      throw;
    }
    if (!memory_) {
      switch_to_wal(*writer_, busy_timeout_ms);
      identity_ = file_identity();
    }
    writer_->exec("PRAGMA synchronous = FULL", "open");
    version_ = migrate(*writer_);
    // checkin() runs in a destructor and must not allocate.
    idle_readers_.reserve(kMaxIdleReaders);
    if (pthread_getschedparam(pthread_self(), &opener_policy_, &opener_param_) != 0) {
      opener_policy_ = -1;
    }
  }

  ~SqliteStore() override {
    {
      std::lock_guard<std::mutex> lock(queue_mutex_);
      stopping_ = true;
    }
    work_.notify_one();
    if (committer_.joinable()) committer_.join();
  }

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  int schema_version() const override { return version_; }

  Statistics statistics() const override {
    Statistics st;
    st.connections = 1 + readers_open_.load(std::memory_order_relaxed);
    return st;
  }

  void check() override {
    // A file removed or replaced under a running store goes on working for
    // it (its connections hold the old file open), while everything it
    // writes is lost to whoever opens the path next: a restart, a backup,
    // another process. Not ready, then, though every read still answers.
    if (!memory_ && file_identity() != identity_) {
      throw Error(Errc::storage,
                  "the database file '" + path_ +
                      "' is no longer the file the store opened (removed, moved or replaced)",
                  "数据文件已被移动或删除");
    }
    read([](Transaction& txn) { txn.meta("created_at"); });
  }

  void write(const std::function<void(Transaction&)>& fn) override {
    refuse_nested("write");
    if (memory_) {
      std::lock_guard<std::mutex> lock(writer_mutex_);
      Holder holder(writer_holder_);
      run(*writer_, true, fn);
      return;
    }
    std::unique_lock<std::mutex> queue_lock(queue_mutex_);
    if (!committing_ && queue_.empty()) {
      // No write is being committed or waiting: this one commits itself,
      // on its own thread, with no hand-over to wait for.
      committing_ = true;
      queue_lock.unlock();
      LoneCommit lone(*this);
      std::lock_guard<std::mutex> lock(writer_mutex_);
      Holder holder(writer_holder_);
      run(*writer_, true, fn);
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

  void read(const std::function<void(Transaction&)>& fn) override {
    if (memory_) {
      refuse_nested("read");
      std::lock_guard<std::mutex> lock(writer_mutex_);
      Holder holder(writer_holder_);
      run(*writer_, false, fn);
      return;
    }
    Lease reader(*this);
    run(*reader, false, fn);
  }

  void backup(const std::string& path) override {
    if (path.empty() || path.find('\0') != std::string::npos) {
      throw Error(Errc::invalid_argument, "backup: the path is empty or holds a NUL byte",
                  "备份文件路径无效");
    }
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::symlink_status(path, ec))) {
      throw Error(Errc::conflict, "backup: '" + path + "' exists; nothing is overwritten",
                  "备份文件已存在");
    }
    sqlite3* dest = nullptr;
    if (sqlite3_open_v2(path.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      const std::string why = dest ? sqlite3_errmsg(dest) : "out of memory";
      sqlite3_close(dest);
      std::filesystem::remove(path, ec);
      throw Error(Errc::storage, "backup: cannot create '" + path + "': " + why,
                  "无法创建备份文件");
    }
    auto copy = [&](Connection& source) {
      // One step copies every page under one read snapshot: the copy is
      // the store as it was at one moment.
      sqlite3_backup* b = sqlite3_backup_init(dest, "main", source.handle(), "main");
      int rc = b ? sqlite3_backup_step(b, -1) : sqlite3_errcode(dest);
      if (b) sqlite3_backup_finish(b);
      if (rc == SQLITE_DONE) rc = sqlite3_errcode(dest);
      return rc;
    };
    int rc = SQLITE_OK;
    if (memory_) {
      refuse_nested("backup");
      std::lock_guard<std::mutex> lock(writer_mutex_);
      rc = copy(*writer_);
    } else {
      Lease reader(*this);
      rc = copy(*reader);
    }
    const std::string why = sqlite3_errmsg(dest);
    if (sqlite3_close(dest) != SQLITE_OK && rc == SQLITE_OK) rc = SQLITE_IOERR;
    if (rc != SQLITE_OK) {
      std::filesystem::remove(path, ec);
      throw Error(Errc::storage, "backup: copying to '" + path + "' failed: " + why, "备份失败");
    }
  }

 private:
  // A read connection borrowed from the pool for one read().
  class Lease {
   public:
    explicit Lease(SqliteStore& store) : store_(store), conn_(store.checkout()) {}
    ~Lease() { store_.checkin(std::move(conn_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection& operator*() const { return *conn_; }

   private:
    SqliteStore& store_;
    std::unique_ptr<Connection> conn_;
  };

  std::unique_ptr<Connection> checkout() {
    {
      std::lock_guard<std::mutex> lock(pool_mutex_);
      if (!idle_readers_.empty()) {
        auto conn = std::move(idle_readers_.back());
        idle_readers_.pop_back();
        return conn;
      }
    }
    auto conn = std::make_unique<Connection>(path_, kReaderFlags, busy_timeout_ms_);
    conn->exec("PRAGMA query_only = ON", "open reader");
    readers_open_.fetch_add(1, std::memory_order_relaxed);
    return conn;
  }

  void checkin(std::unique_ptr<Connection> conn) noexcept {
    // A connection still inside a transaction failed to roll back; closing
    // it is the only way to be sure it holds no snapshot.
    if (!conn->in_transaction()) {
      std::lock_guard<std::mutex> lock(pool_mutex_);
      if (idle_readers_.size() < kMaxIdleReaders) {
        idle_readers_.push_back(std::move(conn));
        return;
      }
    }
    conn.reset();
    readers_open_.fetch_sub(1, std::memory_order_relaxed);
  }

  // The device and inode at the store's path; {0, 0} when nothing is there.
  std::pair<dev_t, ino_t> file_identity() const {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) return {0, 0};
    return {st.st_dev, st.st_ino};
  }

  void refuse_nested(const char* what) const {
    if (writer_holder_.load() == std::this_thread::get_id()) {
      throw Error(Errc::internal, std::string("Store::") + what +
                                      "() called inside a transaction of the same store, "
                                      "which holds the connection it needs");
    }
  }

  // One write() waiting for its batch to be committed, woken alone. Its own
  // mutex, not the queue's: the writes of a batch, woken together, would
  // otherwise queue up again for the one lock the committer holds.
  struct Pending {
    const std::function<void(Transaction&)>* fn = nullptr;
    std::exception_ptr error;
    std::mutex mutex;
    bool done = false;
    std::condition_variable wake;
  };

  // Ends a lone writer's commit (see write()), however it ends: the writes
  // that queued meanwhile go to the committer thread.
  class LoneCommit {
   public:
    explicit LoneCommit(SqliteStore& store) : store_(store) {}
    ~LoneCommit() {
      std::lock_guard<std::mutex> lock(store_.queue_mutex_);
      store_.committing_ = false;
      if (!store_.queue_.empty() && store_.committer_idle_) store_.work_.notify_one();
    }
    LoneCommit(const LoneCommit&) = delete;
    LoneCommit& operator=(const LoneCommit&) = delete;

   private:
    SqliteStore& store_;
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
      batch.swap(queue_);  // no allocation: the two vectors trade capacity
      lock.unlock();
      commit_batch(batch);
      for (Pending* p : batch) {
        // Notified under its lock: a writer that sees done returns and
        // destroys its Pending, so none is touched once its lock is released.
        std::lock_guard<std::mutex> done(p->mutex);
        p->done = true;
        p->wake.notify_one();
      }
      lock.lock();
      committing_ = false;
    }
  }

  // Runs a batch of writes in one transaction, each in a savepoint, and
  // leaves every write's outcome in its Pending. Never throws.
  void commit_batch(const std::vector<Pending*>& batch) noexcept {
    std::lock_guard<std::mutex> lock(writer_mutex_);
    Holder holder(writer_holder_);
    Connection& c = *writer_;
    if (batch.size() == 1) {
      try {
        run(c, true, *batch.front()->fn);
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
      c.run("BEGIN IMMEDIATE", "begin transaction");
    } catch (...) {
      return fail_all(std::current_exception());
    }
    for (Pending* p : batch) {
      try {
        c.run("SAVEPOINT fuma_write", "begin write");
        sqlite::SqliteTransaction tx(c, true);
        (*p->fn)(tx);
        c.run("RELEASE fuma_write", "end write");
      } catch (...) {
        p->error = std::current_exception();
        try {
          // SQLite ends the whole transaction on some errors (a full disk,
          // an I/O error): then every write of the batch is lost with it.
          if (!c.in_transaction()) throw;
          c.exec("ROLLBACK TO fuma_write", "roll back write");
          c.exec("RELEASE fuma_write", "end write");
        } catch (...) {
          c.rollback();
          return fail_all(p->error);
        }
      }
    }
    try {
      c.run("COMMIT", "commit");
    } catch (...) {
      c.rollback();
      fail_all(std::current_exception());
    }
  }

  // Refuses another program's file and a newer fuma's before anything is
  // written to it (journal mode, migrations).
  void check_ownership(Connection& c) const {
    const auto app = c.query_int("PRAGMA application_id", "open");
    const auto version = c.query_int("PRAGMA user_version", "open");
    if (app != sqlite::kApplicationId &&
        (app != 0 || c.query_int("SELECT count(*) FROM sqlite_schema", "open") != 0)) {
      throw Error(Errc::storage, "'" + path_ + "' is a SQLite file of another program",
                  "数据文件不属于本系统");
    }
    if (version > latest_schema_version()) {
      throw Error(Errc::version, "'" + path_ + "' has schema version " + std::to_string(version) +
                                     ", newer than this build's " +
                                     std::to_string(latest_schema_version()));
    }
  }

  // Runs the pending migrations, each in its own transaction together with
  // its version bump, so a crash leaves the file at a whole version. The
  // version is read again inside each transaction: another process may
  // have upgraded the file since we looked.
  int migrate(Connection& c) {
    const auto& list = sqlite::migrations();
    for (;;) {
      c.exec("BEGIN IMMEDIATE", "upgrade");
      try {
        check_ownership(c);
        const auto version = static_cast<int>(c.query_int("PRAGMA user_version", "upgrade"));
        if (version == latest_schema_version()) {
          c.exec("COMMIT", "upgrade");
          return version;
        }
        const std::string step = "upgrade to schema " + std::to_string(version + 1);
        c.exec(std::string(list[static_cast<std::size_t>(version)]).c_str(), step);
        c.exec(("PRAGMA application_id = " + std::to_string(sqlite::kApplicationId)).c_str(), step);
        c.exec(("PRAGMA user_version = " + std::to_string(version + 1)).c_str(), step);
        c.exec("COMMIT", step);
      } catch (...) {
        c.rollback();
        throw;
      }
    }
  }

  const std::string path_;
  const int busy_timeout_ms_;
  const bool memory_;
  int version_ = 0;

  std::mutex writer_mutex_;
  std::unique_ptr<Connection> writer_;
  std::atomic<std::thread::id> writer_holder_{};

  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;
  // Read connections open, idle or lent out (statistics()).
  std::atomic<std::uint64_t> readers_open_{0};
  // The file the writer opened (check()).
  std::pair<dev_t, ino_t> identity_{0, 0};

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

int latest_schema_version() { return static_cast<int>(sqlite::migrations().size()); }

std::unique_ptr<Store> open_sqlite(const std::string& path, int busy_timeout_ms) {
  return std::make_unique<SqliteStore>(path, busy_timeout_ms);
}

}  // namespace fuma::store
