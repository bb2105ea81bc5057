// SPDX-License-Identifier: Apache-2.0
// Many threads, one file: no lost update, no SQLITE_BUSY reaching a caller.
#include <doctest/doctest.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/fixtures.hpp"
#include "support/temp_dir.hpp"
#include "support/thread_state.hpp"

using fuma::store::Id;
using fuma::store::Transaction;
using namespace fuma::test;

namespace {

constexpr int kThreads = 8;
constexpr int kWritesPerThread = 100;

struct Setup {
  Id authority_id = 0;
  Id application_id = 0;
};

Setup seed(fuma::store::Store& store) {
  Setup s;
  store.write([&](Transaction& tx) {
    s.authority_id = tx.insert_authority(authority());
    const Id u = tx.insert_unit(unit(s.authority_id, 1));
    s.application_id = tx.insert_application(application(u));
  });
  return s;
}

// Each transaction takes a serial and records it in an event; returns the
// serials taken, and the first error message seen (empty when none).
void writer(fuma::store::Store& store, const Setup& s, std::vector<std::uint64_t>& serials,
            std::mutex& m, std::string& error) {
  try {
    for (int i = 0; i < kWritesPerThread; ++i) {
      std::uint64_t serial = 0;
      store.write([&](Transaction& tx) {
        serial = tx.take_serial(s.authority_id);
        tx.insert_event(event(s.application_id, std::to_string(serial)));
      });
      std::lock_guard<std::mutex> lock(m);
      serials.push_back(serial);
    }
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(m);
    if (error.empty()) error = e.what();
  }
}

void check_complete(std::vector<std::uint64_t> serials, std::size_t expected) {
  std::sort(serials.begin(), serials.end());
  REQUIRE(serials.size() == expected);
  for (std::size_t i = 0; i < serials.size(); ++i) {
    if (serials[i] != i) FAIL_CHECK("serial " << i << " is missing or doubled");
  }
}

}  // namespace

TEST_CASE("8 threads writing through one store lose no update while others read") {
  TempDir dir;
  auto store = open_store(dir.file("fuma.db"));
  const Setup s = seed(*store);
  std::vector<std::uint64_t> serials;
  std::mutex m;
  std::string error;
  std::atomic<bool> done{false};
  std::atomic<int> snapshots_out_of_order{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      try {
        std::size_t last = 0;
        while (!done.load()) {
          store->read([&](Transaction& tx) {
            const std::size_t n = tx.events(s.application_id).size();
            if (n < last) ++snapshots_out_of_order;
            last = n;
          });
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(m);
        if (error.empty()) error = e.what();
      }
    });
  }
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&] { writer(*store, s, serials, m, error); });
  }
  for (auto& w : writers) w.join();
  done = true;
  for (auto& r : threads) r.join();
  CHECK(error == "");
  CHECK(snapshots_out_of_order == 0);
  check_complete(serials, kThreads * kWritesPerThread);
  store->read([&](Transaction& tx) {
    CHECK(tx.events(s.application_id).size() == kThreads * kWritesPerThread);
  });
}

TEST_CASE("two stores on one file write in parallel without SQLITE_BUSY reaching the caller") {
  TempDir dir;
  const std::string path = dir.file("fuma.db");
  auto first = open_store(path);
  auto second = open_store(path);
  const Setup s = seed(*first);
  std::vector<std::uint64_t> serials;
  std::mutex m;
  std::string error;
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    fuma::store::Store& store = t % 2 ? *second : *first;
    writers.emplace_back([&] { writer(store, s, serials, m, error); });
  }
  for (auto& w : writers) w.join();
  CHECK(error == "");
  check_complete(serials, kThreads * kWritesPerThread);
}

TEST_CASE("compare-and-set turns racing read-modify-writes into retries, never lost updates") {
  TempDir dir;
  auto store = open_store(dir.file("fuma.db"));
  const Setup s = seed(*store);
  std::atomic<int> applied{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        // Read outside the write, as a request handler does: the snapshot
        // may be stale by the time the write runs.
        fuma::store::Application a;
        store->read([&](Transaction& tx) { a = *tx.application(s.application_id); });
        auto fields = boost::json::parse(a.fields_json).as_object();
        const std::int64_t n = fields.contains("n") ? fields["n"].as_int64() : 0;
        fields["n"] = n + 1;
        a.fields_json = boost::json::serialize(fields);
        bool ok = false;
        store->write([&](Transaction& tx) { ok = tx.update_application(a, a.version); });
        ++(ok ? applied : refused);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(applied + refused == kThreads * 10);
  store->read([&](Transaction& tx) {
    auto a = *tx.application(s.application_id);
    CHECK(a.version == 1 + applied);
    CHECK(boost::json::parse(a.fields_json).at("n").as_int64() == applied);
  });
}

TEST_CASE("a lock another program holds past the busy timeout is STORAGE, and then goes away" *
          doctest::test_suite("sqlite")) {
  TempDir dir;
  const std::string path = dir.file("fuma.db");
  auto store = open_store(path, 200);
  const Setup s = seed(*store);
  RawDb other(path);
  REQUIRE(other.exec("BEGIN IMMEDIATE") == SQLITE_OK);
  const auto start = std::chrono::steady_clock::now();
  try {
    store->write([&](Transaction& tx) { tx.take_serial(s.authority_id); });
    FAIL("no error");
  } catch (const fuma::Error& e) {
    CHECK(e.code() == fuma::Errc::storage);
    CHECK(e.detail().find("locked by another connection for 200 ms") != std::string::npos);
    CHECK(e.message() == "系统繁忙，请稍后再试");
  }
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(150));
  // Readers are not blocked by a writer in WAL mode.
  store->read([&](Transaction& tx) { CHECK(tx.authority(s.authority_id)); });
  REQUIRE(other.exec("COMMIT") == SQLITE_OK);
  store->write([&](Transaction& tx) { CHECK(tx.take_serial(s.authority_id) == 0); });
}

TEST_CASE("writes that share a commit keep their own outcomes: a throwing one undoes only itself") {
  TempDir dir;
  auto store = open_store(dir.file("fuma.db"));
  const Setup s = seed(*store);
  std::vector<std::uint64_t> serials;
  std::mutex m;
  std::atomic<int> refused{0};
  std::atomic<int> wrong_error{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        const bool fails = (t + i) % 3 == 0;
        std::uint64_t serial = 0;
        try {
          store->write([&](Transaction& tx) {
            serial = tx.take_serial(s.authority_id);
            tx.insert_event(event(s.application_id, std::to_string(serial)));
            if (fails) throw std::runtime_error("refused " + std::to_string(t));
          });
        } catch (const std::runtime_error& e) {
          // Each caller gets its own exception, never a neighbour's.
          if (!fails || std::string(e.what()) != "refused " + std::to_string(t)) ++wrong_error;
          ++refused;
          continue;
        }
        if (fails) ++wrong_error;
        std::lock_guard<std::mutex> lock(m);
        serials.push_back(serial);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(wrong_error == 0);
  const std::size_t committed = kThreads * kWritesPerThread - static_cast<std::size_t>(refused);
  // The serials of refused writes were rolled back with them: the committed
  // ones are 0, 1, 2, ... without a gap, and each has its event.
  check_complete(serials, committed);
  store->read([&](Transaction& tx) { CHECK(tx.events(s.application_id).size() == committed); });
}

TEST_CASE(
    "a write that throws before it reads or writes undoes nothing of the writes it shares a "
    "commit with") {
  TempDir dir;
  auto store = open_store(dir.file("fuma.db"));
  const Setup s = seed(*store);
  std::vector<std::uint64_t> serials;
  std::mutex m;
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        std::uint64_t serial = 0;
        try {
          store->write([&](Transaction& tx) {
            // A write refused before its first statement (the PostgreSQL
            // store begins a write's savepoint with that statement).
            if ((t + i) % 2 == 0) throw std::runtime_error("refused");
            serial = tx.take_serial(s.authority_id);
            tx.insert_event(event(s.application_id, std::to_string(serial)));
          });
        } catch (const std::runtime_error&) {
          ++refused;
          continue;
        }
        std::lock_guard<std::mutex> lock(m);
        serials.push_back(serial);
      }
    });
  }
  for (auto& t : threads) t.join();
  const std::size_t committed = kThreads * kWritesPerThread - static_cast<std::size_t>(refused);
  check_complete(serials, committed);
  store->read([&](Transaction& tx) { CHECK(tx.events(s.application_id).size() == committed); });
}

namespace {

// The threads of this process, as the kernel lists them.
std::size_t listed_threads() {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    (void)entry;
    ++n;
  }
  return n;
}

// The count once threads that were just joined have left the list: join()
// returns when a thread has finished, a moment before the kernel stops
// listing it. Waits at most a second for `expected`.
std::size_t thread_count(std::size_t expected) {
  std::size_t n = listed_threads();
  for (int i = 0; i < 100 && n != expected; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    n = listed_threads();
  }
  return n;
}

}  // namespace

TEST_CASE("a lone writer commits on its own thread and starts none") {
  TempDir dir;
  const std::size_t before = listed_threads();
  auto store = open_store(dir.file("fuma.db"));
  const Setup s = seed(*store);
  const std::thread::id caller = std::this_thread::get_id();
  for (int i = 0; i < 3; ++i) {
    store->write([&](Transaction& tx) {
      tx.insert_event(event(s.application_id, "x"));
      CHECK(std::this_thread::get_id() == caller);
    });
  }
  CHECK(listed_threads() == before);
}

namespace {

// Two writes, the second made while the first is being committed, so that
// it waits for the committer. prepare_second runs on the second's thread
// before its write(); in_second runs inside that write's function. The
// second write() can block nowhere but on its place in the queue, so once
// its thread sleeps there (sleeping()), it has queued.
struct Overlap {
  std::thread::id first_caller, first_ran_on, second_caller, second_ran_on;
};

Overlap overlap_two_writes(fuma::store::Store& store, const Setup& s,
                           const std::function<void()>& prepare_second,
                           const std::function<void()>& in_second) {
  Overlap o;
  std::mutex m;
  std::condition_variable changed;
  bool first_inside = false, second_calling = false, second_queued = false;
  std::atomic<pid_t> second_tid{0};
  std::thread first([&] {
    o.first_caller = std::this_thread::get_id();
    store.write([&](Transaction& tx) {
      o.first_ran_on = std::this_thread::get_id();
      tx.insert_event(event(s.application_id, "first"));
      std::unique_lock<std::mutex> lock(m);
      first_inside = true;
      changed.notify_all();
      changed.wait(lock, [&] { return second_calling; });
      lock.unlock();
      second_queued = sleeping(second_tid.load());
    });
  });
  std::thread second([&] {
    o.second_caller = std::this_thread::get_id();
    second_tid = gettid();
    prepare_second();
    {
      std::unique_lock<std::mutex> lock(m);
      changed.wait(lock, [&] { return first_inside; });
      second_calling = true;
      changed.notify_all();
    }
    store.write([&](Transaction& tx) {
      o.second_ran_on = std::this_thread::get_id();
      tx.insert_event(event(s.application_id, "second"));
      in_second();
    });
  });
  first.join();
  second.join();
  REQUIRE(second_queued);
  return o;
}

}  // namespace

TEST_CASE("a write that arrives while another commits goes to the committer thread") {
  TempDir dir;
  const std::size_t before = listed_threads();
  {
    auto store = open_store(dir.file("fuma.db"));
    const Setup s = seed(*store);
    const Overlap o = overlap_two_writes(
        *store, s, [] {}, [] {});
    CHECK(o.first_ran_on == o.first_caller);
    CHECK(o.second_ran_on != o.second_caller);
    CHECK(o.second_ran_on != o.first_caller);
    store->read([&](Transaction& tx) {
      const auto events = tx.events(s.application_id);
      REQUIRE(events.size() == 2);
    });
    // The committer stays for the next writes that have to wait.
    CHECK(thread_count(before + 1) == before + 1);
  }
  // Closing the store joins it.
  CHECK(thread_count(before) == before);
}

TEST_CASE("the committer runs under the opener's scheduling policy, not the starting write's") {
  TempDir dir;
  REQUIRE(sched_getscheduler(0) == SCHED_OTHER);
  auto store = open_store(dir.file("fuma.db"));
  const Setup s = seed(*store);
  int second_thread_policy = -1, committer_policy = -1;
  const Overlap o = overlap_two_writes(
      *store, s,
      [&] {
        // The write that starts the committer comes from a batch thread.
        // Checked on the test's thread: a failing REQUIRE here would throw
        // out of a std::thread.
        sched_param param{};
        pthread_setschedparam(pthread_self(), SCHED_BATCH, &param);
        second_thread_policy = sched_getscheduler(0);
      },
      [&] { committer_policy = sched_getscheduler(0); });
  REQUIRE(o.second_ran_on != o.second_caller);
  REQUIRE(second_thread_policy == SCHED_BATCH);
  CHECK(committer_policy == SCHED_OTHER);
}
