// SPDX-License-Identifier: Apache-2.0
// One HTTP connection, and the registry that lets the server cap and stop
// them all. Beast stays inside connection.cpp; this header needs only Asio.
#ifndef FUMA_HOST_CONNECTION_HPP
#define FUMA_HOST_CONNECTION_HPP

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace fuma::host {

struct App;

class Connection {
 public:
  virtual ~Connection() = default;
  // Shutdown has begun: close now if no request is under way; otherwise the
  // connection answers it with "Connection: close" and then closes.
  virtual void stop() = 0;
};

// Counts and knows every open connection. Thread-safe. It must outlive the
// io_context and the worker pool, whose destruction can release the last
// connections.
class Connections {
 public:
  // on_drained runs once, on whichever thread closes the last connection
  // after stop() (or inside stop() when none is open).
  Connections(std::size_t max, std::size_t max_per_address, std::function<void()> on_drained);

  enum class Admission { admitted, full, address_full, stopping };
  // Reserves a place for an accepted socket from `address`, unless every
  // place is taken, that address holds its share (unless `exempt`: a
  // trusted proxy carries many clients), or stop() was called.
  Admission admit(const std::string& address, bool exempt);
  // Called by a connection once it is shared; false after stop(), in which
  // case it must close instead of reading.
  bool enlist(Connection* key, std::weak_ptr<Connection> connection);
  // Releases the place admit() took for `address`, from the connection's
  // destructor.
  void leave(Connection* key, const std::string& address);

  void stop();
  bool stopping() const;
  std::size_t open() const;

 private:
  const std::size_t max_;
  const std::size_t max_per_address_;
  std::function<void()> on_drained_;
  mutable std::mutex mutex_;
  std::size_t open_ = 0;
  std::unordered_map<std::string, std::size_t> per_address_;  // open, by address
  // Written under mutex_; read without it by stopping(), on every request.
  std::atomic<bool> stopping_{false};
  bool drained_ = false;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> live_;
};

struct Limits {
  std::uint64_t max_body;
  std::uint64_t max_upload;  // for the upload routes (routes.hpp body_limit)
  std::uint32_t max_header;
  std::chrono::seconds timeout;
};

// What every connection needs from the server. Copied into each connection.
struct Shared {
  App& app;
  boost::asio::thread_pool& workers;  // where engine calls run
  boost::asio::thread_pool& readers;  // where those of reads_only() requests run
  Connections& connections;
  Limits limits;
  boost::asio::ssl::context* tls;  // null: plain HTTP
};

// Puts the calling thread under SCHED_BATCH, once: woken, it does not
// preempt the thread that is running, but waits for that one to sleep or
// to use up its slice. The host's own threads (I/O, workers, readers) run
// so, and the store's committer thread, which every write waits for, does
// not: it keeps its CPU through a batch rather than giving it up to every
// thread it wakes. Where the policy cannot be set, nothing changes.
void run_as_batch_thread() noexcept;

// Serves HTTP on an accepted socket (whose executor is its own strand) until
// the peer leaves, a timeout, or shutdown. The caller has called admit().
// `address` is the one admit() counted the socket under.
void serve_connection(const Shared& shared, boost::asio::ip::tcp::socket socket,
                      std::string address);

}  // namespace fuma::host

#endif  // FUMA_HOST_CONNECTION_HPP
