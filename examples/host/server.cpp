// SPDX-License-Identifier: Apache-2.0
#include "server.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <csignal>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "connection.hpp"
#include "fuma/version.h"
#include "log.hpp"

namespace fuma::host {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

// Shutdown waits this long for requests in flight, then drops what is left.
constexpr std::chrono::seconds kShutdownDeadline{5};
// After a failed accept (typically EMFILE), wait before the next one rather
// than spin on an error that needs a connection to close first.
constexpr std::chrono::milliseconds kAcceptRetry{100};

// TLS 1.2 and later with the given certificate chain and key, both PEM.
std::optional<ssl::context> make_tls(const Config& config) {
  if (config.tls_cert.empty()) return std::nullopt;
  std::optional<ssl::context> ctx(std::in_place, ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  error_code ec;
  ctx->use_certificate_chain_file(config.tls_cert, ec);
  if (ec) throw TlsError("cannot use the certificate " + config.tls_cert + ": " + ec.message());
  ctx->use_private_key_file(config.tls_key, ssl::context::pem, ec);
  if (ec) throw TlsError("cannot use the private key " + config.tls_key + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    throw TlsError("the private key " + config.tls_key + " does not match the certificate");
  }
  return ctx;
}

std::string url_of(const tcp::endpoint& ep, bool tls) {
  const std::string addr = ep.address().to_string();
  return (tls ? "https://" : "http://") + (ep.address().is_v6() ? "[" + addr + "]" : addr) + ":" +
         std::to_string(ep.port());
}

class Server {
 public:
  Server(const Config& config, App& app,
         const std::function<void(const std::string&)>& on_listening)
      : config_(config),
        on_listening_(on_listening),
        connections_(config.max_connections, config.max_connections_per_address,
                     [this] { on_last_connection_closed(); }),
        ioc_(static_cast<int>(config.threads)),
        strand_(net::make_strand(ioc_)),
        workers_(config.workers),
        readers_(std::max(1u, config.readers)),
        acceptor_(strand_),
        signals_(strand_, SIGINT, SIGTERM),
        deadline_(strand_),
        retry_(strand_),
        tls_(make_tls(config)),
        shared_{app,
                workers_,
                readers_,
                connections_,
                Limits{config.max_body, config.max_upload, config.max_header,
                       std::chrono::seconds(config.timeout_seconds)},
                tls_ ? &*tls_ : nullptr} {}

  int run() {
    const tcp::endpoint wanted{net::ip::make_address(config_.address), config_.port};
    error_code ec;
    acceptor_.open(wanted.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(wanted, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) throw std::system_error(ec);
    const std::string url = url_of(acceptor_.local_endpoint(), tls_.has_value());

    // Signals are caught from here on, so a test that reads the line below
    // and sends SIGTERM at once sees the clean shutdown, not the default kill.
    signals_.async_wait([this](error_code ec, int signo) { on_signal(ec, signo); });
    accept();

    std::printf("fuma-host listening on %s\n", url.c_str());
    std::fflush(stdout);
    if (on_listening_) on_listening_(url);
    log::line("start",
              "version=" FUMA_VERSION " listen=" + url + " data=" + log::quote(config_.data) +
                  " threads=" + std::to_string(config_.threads) + " workers=" +
                  std::to_string(config_.workers) + " readers=" + std::to_string(config_.readers) +
                  " max_body=" + std::to_string(config_.max_body) +
                  " timeout=" + std::to_string(config_.timeout_seconds) +
                  " max_connections=" + std::to_string(config_.max_connections));

    const log::Buffering buffering;
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < config_.threads; ++i) threads.emplace_back([this] { run_io(); });
    run_io();
    for (auto& t : threads) t.join();
    serving_ = false;
    log::line("stop", "open=" + std::to_string(connections_.open()));
    return 0;
  }

 private:
  void run_io() {
    run_as_batch_thread();
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        // A handler threw: log it and keep serving the other connections.
        log::line("error", "where=io what=" + log::quote(e.what()));
      }
    }
  }

  void accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](error_code ec, tcp::socket socket) {
      on_accept(ec, std::move(socket));
    });
  }

  void on_accept(error_code ec, tcp::socket socket) {
    if (!acceptor_.is_open()) return;
    if (ec) {
      log::line("error", "where=accept what=" + log::quote(ec.message()));
      retry_.expires_after(kAcceptRetry);
      retry_.async_wait([this](error_code ec) {
        if (!ec && acceptor_.is_open()) accept();
      });
      return;
    }
    error_code peer_error;
    const auto peer = socket.remote_endpoint(peer_error);
    const std::string address = peer_error ? "" : peer.address().to_string();
    const bool proxy = !peer_error && config_.trusted_proxies.contains(peer.address());
    const Connections::Admission admission = connections_.admit(address, proxy);
    if (admission == Connections::Admission::admitted) {
      // An answer leaves in more than one write (header, then body); with
      // Nagle's algorithm the second would wait for the client's delayed
      // ACK, some 40 ms.
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      serve_connection(shared_, std::move(socket), address);
    } else {
      note_refusal(admission, address);
      error_code ignored;
      socket.close(ignored);
    }
    accept();
  }

  // At most one line a second, so a flood cannot flood the log as well.
  void note_refusal(Connections::Admission why, const std::string& address) {
    ++refused_;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_refusal_log_ < std::chrono::seconds(1)) return;
    last_refusal_log_ = now;
    if (why == Connections::Admission::address_full) {
      log::line("refused", "reason=max_connections_per_address max=" +
                               std::to_string(config_.max_connections_per_address) +
                               " address=" + address + " count=" + std::to_string(refused_));
    } else {
      log::line("refused", "reason=max_connections max=" + std::to_string(config_.max_connections) +
                               " count=" + std::to_string(refused_));
    }
    refused_ = 0;
  }

  void on_signal(error_code ec, int signo) {
    if (ec) return;
    const char* name = signo == SIGINT ? "SIGINT" : signo == SIGTERM ? "SIGTERM" : "other";
    if (stopping_) {
      log::line("shutdown", std::string("signal=") + name + " now=true");
      ioc_.stop();
      return;
    }
    stopping_ = true;
    log::line("shutdown",
              std::string("signal=") + name + " open=" + std::to_string(connections_.open()));
    error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
    deadline_.expires_after(kShutdownDeadline);
    deadline_.async_wait([this](error_code ec) {
      if (ec) return;
      log::line("shutdown", "deadline=true open=" + std::to_string(connections_.open()));
      ioc_.stop();
    });
    // A second signal skips the wait.
    signals_.async_wait([this](error_code ec, int signo) { on_signal(ec, signo); });
    connections_.stop();
  }

  // Runs on whatever thread closed the last connection, possibly a worker
  // dropping an abandoned request while the server is being torn down: after
  // run() returns nothing may touch the strand any more.
  void on_last_connection_closed() {
    if (!serving_) return;
    net::post(strand_, [this] {
      // Nothing is left to wait for: with no work, every run() returns.
      deadline_.cancel();
      signals_.cancel();
    });
  }

  const Config& config_;
  std::function<void(const std::string&)> on_listening_;
  std::atomic<bool> serving_{true};
  // Declared before the io_context and the workers, whose destruction may
  // release the last connections, which then report to it.
  Connections connections_;
  net::io_context ioc_;
  net::strand<net::io_context::executor_type> strand_;
  // Declared after the io_context, so it is joined before the io_context
  // goes: its abandoned tasks hold connections whose sockets live there.
  net::thread_pool workers_;
  net::thread_pool readers_;  // for reads_only() requests
  // These run their handlers on strand_.
  tcp::acceptor acceptor_;
  net::signal_set signals_;
  net::steady_timer deadline_;
  net::steady_timer retry_;
  std::optional<ssl::context> tls_;
  Shared shared_;
  bool stopping_ = false;
  std::size_t refused_ = 0;
  std::chrono::steady_clock::time_point last_refusal_log_{};
};

}  // namespace

int serve(const Config& config, App& app,
          const std::function<void(const std::string& url)>& on_listening) {
  Server server(config, app, on_listening);
  return server.run();
}

}  // namespace fuma::host
