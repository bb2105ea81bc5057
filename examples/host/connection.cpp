// SPDX-License-Identifier: Apache-2.0
#include "connection.hpp"

#include <openssl/rand.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_generator.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <charconv>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "log.hpp"
#include "reply.hpp"
#include "routes.hpp"

namespace fuma::host {

Connections::Connections(std::size_t max, std::size_t max_per_address,
                         std::function<void()> on_drained)
    : max_(max), max_per_address_(max_per_address), on_drained_(std::move(on_drained)) {}

Connections::Admission Connections::admit(const std::string& address, bool exempt) {
  std::lock_guard lock(mutex_);
  if (stopping_) return Admission::stopping;
  if (open_ >= max_) return Admission::full;
  std::size_t& from_address = per_address_[address];
  if (!exempt && from_address >= max_per_address_) return Admission::address_full;
  ++from_address;
  ++open_;
  return Admission::admitted;
}

bool Connections::enlist(Connection* key, std::weak_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  live_.emplace(key, std::move(connection));
  return true;
}

void Connections::leave(Connection* key, const std::string& address) {
  bool drained = false;
  {
    std::lock_guard lock(mutex_);
    live_.erase(key);
    if (const auto it = per_address_.find(address); it != per_address_.end() && --it->second == 0) {
      per_address_.erase(it);
    }
    --open_;
    if (stopping_ && open_ == 0 && !drained_) drained = drained_ = true;
  }
  if (drained) on_drained_();
}

void Connections::stop() {
  std::vector<std::shared_ptr<Connection>> live;
  bool drained = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& [key, weak] : live_) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
    if (open_ == 0) drained = drained_ = true;
  }
  // Outside the lock: stop() only posts, but the last reference to a
  // connection may drop here, and its destructor calls leave().
  for (auto& c : live) c->stop();
  live.clear();
  if (drained) on_drained_();
}

bool Connections::stopping() const { return stopping_.load(); }

std::size_t Connections::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

void run_as_batch_thread() noexcept {
  thread_local bool done = false;
  if (done) return;
  done = true;
  sched_param param{};
  param.sched_priority = 0;
  pthread_setschedparam(pthread_self(), SCHED_BATCH, &param);
}

namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// After refusing a request that was not read to the end, the host keeps
// reading (and discarding) for at most this long before closing. Closing at
// once with unread bytes makes the kernel send RST, and a client still
// sending its body would then lose the refusal it was meant to read.
constexpr std::chrono::seconds kLingerMax{2};

// The longest X-Request-Id taken from a client.
constexpr std::size_t kMaxRequestIdBytes = 64;

// A client's X-Request-Id is taken when it is short and made of letters,
// digits, '.', '_' and '-' (a UUID, a balancer's id): it then goes into the
// log, the answer's header and the audit record as it is.
bool request_id_shaped(std::string_view id) {
  return !id.empty() && id.size() <= kMaxRequestIdBytes &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
         });
}

// 16 random bytes from OpenSSL, as 32 hex digits.
std::string new_request_id() {
  static constexpr char kHex[] = "0123456789abcdef";
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  std::string id;
  id.reserve(2 * sizeof bytes);
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

// The whole answer, header and body, in one buffer: written with one
// send, where Beast's serializer would send the header and the body apart
// (two sends a request, and the second one waiting on Nagle without
// TCP_NODELAY). The start line and the fields as Beast writes them (its
// serializer adds nothing to the fields, which prepare_payload and
// keep_alive already set), then the fields every answer carries
// (reply::append_common_fields); the body unless it answers a HEAD.
void flatten(const Response& res, std::string_view request_id, std::string_view host,
             bool with_body, bool tls, std::string& out) {
  const std::string_view reason = res.reason();
  const std::string_view body = with_body ? std::string_view(res.body()) : std::string_view();
  out.reserve(64 + reason.size() + 32 * 8 + 512 + body.size());
  out.append(res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  char code[8];
  const auto [end, ec] = std::to_chars(code, code + sizeof code, res.result_int());
  out.append(code, ec == std::errc() ? end : code);
  out += ' ';
  out.append(reason);
  out.append("\r\n");
  for (const auto& field : res) {
    out.append(field.name_string());
    out.append(": ");
    out.append(field.value());
    out.append("\r\n");
  }
  if (!request_id.empty()) {
    out.append("X-Request-Id: ");
    out.append(request_id);
    out.append("\r\n");
  }
  if (!host.empty()) {
    out.append("X-Fuma-Host: ");
    out.append(host);
    out.append("\r\n");
  }
  reply::append_common_fields(out, tls);
  out.append("\r\n");
  out.append(body);
}

// One connection's HTTP exchange, over a plain or a TLS stream (Derived
// gives stream(), and how to start and end the transport), in the manner of
// Beast's "flex" server example.
template <class Derived>
class Session : public Connection {
 public:
  Session(const Shared& shared, const tcp::socket& socket, std::string admitted_as)
      : shared_(shared), admitted_as_(std::move(admitted_as)) {
    beast::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    if (!ec) {
      peer_.address = peer.address().to_string();
      remote_ = (peer.address().is_v6() ? "[" + peer_.address + "]" : peer_.address) + ":" +
                std::to_string(peer.port());
    }
    shared_.app.metrics.connection_opened();
  }

  ~Session() override {
    shared_.app.metrics.connection_closed();
    shared_.connections.leave(this, admitted_as_);
  }

  void stop() override {
    net::post(derived().stream().get_executor(), [self = derived().shared_from_this()] {
      // Between requests, with nothing of the next one received, nobody is
      // waiting for an answer: close now rather than at the deadline.
      if (self->reading_ && !self->parser_->got_some() && self->buffer_.size() == 0) {
        beast::get_lowest_layer(self->stream()).cancel();
      }
    });
  }

 protected:
  Derived& derived() { return static_cast<Derived&>(*this); }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(derived().stream()); }

  void read_header() {
    if (shared_.connections.stopping()) return derived().close_gracefully();
    parser_.emplace();
    parser_->header_limit(shared_.limits.max_header);
    // The largest a route allows; on_header narrows it to this request's.
    parser_->body_limit(std::max(shared_.limits.max_body, shared_.limits.max_upload));
    reading_ = true;
    head_ = false;
    limit_ = shared_.limits.max_body;
    lowest().expires_after(shared_.limits.timeout);
    http::async_read_header(
        derived().stream(), buffer_, *parser_,
        beast::bind_front_handler(&Session::on_header, derived().shared_from_this()));
  }

  beast::flat_buffer buffer_;
  Shared shared_;

 private:
  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    started_ = Clock::now();
    note_request_line();
    const Request& req = parser_->get();
    head_ = req.method() == http::verb::head;
    limit_ = body_limit(shared_.app, req, shared_.limits.max_body, shared_.limits.max_upload);
    if (const auto length = parser_->content_length(); length && *length > limit_) {
      reading_ = false;
      return write(refuse(Refusal::body_too_large, req.version(), limit_), true);
    }
    parser_->body_limit(limit_);
    if (parser_->is_done()) return dispatch_request();
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      // The client holds its body back until it sees this. Its size was
      // already checked against the limit above.
      beast::async_write(
          derived().stream(),
          http::message_generator(
              http::response<http::empty_body>(http::status::continue_, req.version())),
          beast::bind_front_handler(&Session::on_continue, derived().shared_from_this()));
      return;
    }
    read_body();
  }

  void on_continue(beast::error_code ec, std::size_t) {
    if (ec) return derived().close();
    read_body();
  }

  void read_body() {
    http::async_read(derived().stream(), buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_body, derived().shared_from_this()));
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    dispatch_request();
  }

  void on_read_error(beast::error_code ec) {
    reading_ = false;
    if (!parser_->is_header_done()) {
      started_ = Clock::now();
      note_request_line();
    }
    const unsigned version = parser_->get().version();
    if (ec == http::error::body_limit) {
      // A Content-Length over every route's limit fails while the header is
      // read, before on_header chose this request's limit.
      if (parser_->is_header_done() || !parser_->get().target().empty()) {
        limit_ = body_limit(shared_.app, parser_->get(), shared_.limits.max_body,
                            shared_.limits.max_upload);
      }
      return write(refuse(Refusal::body_too_large, version, limit_), true);
    }
    if (ec == http::error::header_limit) {
      return write(refuse(Refusal::header_too_large, version, shared_.limits.max_header), true);
    }
    // The peer left (end_of_stream between requests, partial_message within
    // one), the socket failed, the timeout struck, or shutdown cancelled an
    // idle read: there is nobody to answer. Any other HTTP error means the
    // bytes were not a request.
    const bool parse_error =
        ec.category() == http::make_error_code(http::error::bad_target).category();
    if (!parse_error || ec == http::error::end_of_stream || ec == http::error::partial_message) {
      return derived().close();
    }
    write(refuse(Refusal::malformed, version, 0), true);
  }

  // The request line, for the access log: the path without the query, which
  // may carry things that do not belong in logs. And what the request is
  // known by: its id, and its route's pattern for the metrics.
  void note_request_line() {
    const Request& req = parser_->get();
    method_ = req.method_string().empty() ? "-" : std::string(req.method_string().substr(0, 32));
    const std::string_view target = req.target();
    path_ = target.empty() ? "-" : std::string(target.substr(0, target.find('?')));
    route_ = route_pattern(shared_.app, path_);
    const auto given = req.find("X-Request-Id");
    peer_.request_id = given != req.end() && request_id_shaped(given->value())
                           ? std::string(given->value())
                           : new_request_id();
  }

  // Engine commands may wait on SQLite, and an I/O thread must never wait:
  // such a request goes to a worker and its answer comes back on the strand.
  // Pages and stateless checks are answered here at once.
  void dispatch_request() {
    reading_ = false;
    if (runs_inline(parser_->get())) {
      return write(handle_request(shared_.app, parser_->get(), peer_), false);
    }
    auto& pool = reads_only(shared_.app, parser_->get()) ? shared_.readers : shared_.workers;
    net::post(pool, [self = derived().shared_from_this(), req = parser_->release()] {
      run_as_batch_thread();
      Response res = handle_request(self->shared_.app, req, self->peer_);
      net::post(self->stream().get_executor(),
                [self, res = std::move(res)]() mutable { self->write(std::move(res), false); });
    });
  }

 protected:
  // refused: the request was not read to its end, so the connection cannot
  // carry another one.
  void write(Response res, bool refused) {
    if (refused || shared_.connections.stopping()) res.keep_alive(false);
    status_ = res.result_int();
    keep_alive_ = res.keep_alive();
    linger_ = refused;
    // HEAD: the same header, Content-Length included, without the body
    // (RFC 9110 section 9.3.2).
    out_.clear();
    flatten(res, peer_.request_id, shared_.app.settings.host_header, !head_, shared_.tls != nullptr,
            out_);
    lowest().expires_after(shared_.limits.timeout);
    net::async_write(derived().stream(), net::buffer(out_),
                     beast::bind_front_handler(&Session::on_write, derived().shared_from_this()));
  }

 private:
  void on_write(beast::error_code ec, std::size_t bytes) {
    const auto took =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_);
    const auto micros = std::max<std::int64_t>(took.count(), 0);
    log::request({remote_, method_, path_, status_, bytes, static_cast<std::uint64_t>(micros),
                  peer_.request_id});
    shared_.app.metrics.request(route_, status_, std::chrono::microseconds(micros));
    if (ec) return derived().close();
    if (!keep_alive_) return linger_ ? linger() : derived().close_gracefully();
    read_header();
  }

  void linger() {
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    buffer_.clear();
    lowest().expires_after(
        std::min<std::chrono::steady_clock::duration>(shared_.limits.timeout, kLingerMax));
    drain();
  }

  void drain() {
    lowest().async_read_some(
        buffer_.prepare(4096),
        beast::bind_front_handler(&Session::on_drain, derived().shared_from_this()));
  }

  void on_drain(beast::error_code ec, std::size_t) {
    if (ec) return derived().close();
    drain();
  }

  std::optional<http::request_parser<http::string_body>> parser_;
  std::string out_;  // the answer being written, kept for its capacity
  bool reading_ = false;
  bool head_ = false;
  bool keep_alive_ = false;
  bool linger_ = false;
  std::uint64_t limit_ = 0;
  unsigned status_ = 0;
  Peer peer_;
  std::string admitted_as_;  // the address Connections counts this one under
  std::string remote_ = "-";
  std::string method_;
  std::string path_;
  std::string_view route_ = "unmatched";  // route_pattern()'s, a literal
  Clock::time_point started_;
};

class PlainSession : public Session<PlainSession>,
                     public std::enable_shared_from_this<PlainSession> {
 public:
  PlainSession(const Shared& shared, tcp::socket&& socket, std::string address)
      : Session(shared, socket, std::move(address)), stream_(std::move(socket)) {}

  void start() {
    if (!shared_.connections.enlist(this, weak_from_this())) return;  // closes on destruction
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&PlainSession::read_header, shared_from_this()));
  }

  beast::tcp_stream& stream() { return stream_; }

  void close_gracefully() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }
  void close() { stream_.close(); }

 private:
  friend class Session<PlainSession>;
  beast::tcp_stream stream_;
};

class TlsSession : public Session<TlsSession>, public std::enable_shared_from_this<TlsSession> {
 public:
  TlsSession(const Shared& shared, tcp::socket&& socket, std::string address)
      : Session(shared, socket, std::move(address)), stream_(std::move(socket), *shared.tls) {}

  void start() {
    if (!shared_.connections.enlist(this, weak_from_this())) return;
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      beast::get_lowest_layer(self->stream_).expires_after(self->shared_.limits.timeout);
      self->stream_.async_handshake(ssl::stream_base::server, self->buffer_.data(),
                                    beast::bind_front_handler(&TlsSession::on_handshake, self));
    });
  }

  beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }

  void close_gracefully() {
    // close_notify, then the socket, within the timeout.
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->close(); });
  }
  void close() { beast::get_lowest_layer(stream_).close(); }

 private:
  friend class Session<TlsSession>;

  void on_handshake(beast::error_code ec, std::size_t used) {
    if (ec) {
      log::line("tls", "failed=handshake what=" + log::quote(ec.message()));
      return close();
    }
    buffer_.consume(used);
    read_header();
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
};

}  // namespace

void serve_connection(const Shared& shared, tcp::socket socket, std::string address) {
  if (shared.tls) {
    std::make_shared<TlsSession>(shared, std::move(socket), std::move(address))->start();
  } else {
    std::make_shared<PlainSession>(shared, std::move(socket), std::move(address))->start();
  }
}

}  // namespace fuma::host
