// SPDX-License-Identifier: Apache-2.0
// The command line of fuma-host.
#ifndef FUMA_HOST_OPTIONS_HPP
#define FUMA_HOST_OPTIONS_HPP

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuma/engine.hpp"
#include "proxy.hpp"

namespace fuma::host {

// Engine options given as --engine-option NAME=VALUE, in order.
using EngineOptions = std::vector<std::pair<std::string, std::string>>;

struct Config {
  std::string address = "127.0.0.1";  // an IP literal, without brackets
  std::uint16_t port = 8080;          // 0: the system picks a free port
  std::string data;                   // directory holding fuma.db
  std::string store;                  // where the store is; empty: DATA/fuma.db
  unsigned threads = 2;               // I/O threads
  unsigned workers = 8;               // engine workers (they wait on SQLite and fsync)
  // Threads answering requests that only read; 0 until the store is known
  // (finish_config).
  unsigned readers = 0;
  std::uint64_t max_body = 1u << 20;
  std::uint32_t max_header = 8u << 10;
  unsigned timeout_seconds = 30;
  std::size_t max_connections = 1024;
  // From any one address other than a trusted proxy: one client cannot
  // take every place. A NAT with many users behind it may need more.
  std::size_t max_connections_per_address = 128;
  TrustedProxies trusted_proxies;        // whose X-Forwarded-For is believed
  std::uint64_t max_upload = 12u << 20;  // login pictures, attachments, scans
  std::string web;                       // the pages; empty: the installed or source copy
  std::string content;                   // 首页's columns; empty: DATA/content
  std::string tls_cert;                  // both or neither: HTTPS
  std::string tls_key;
  std::string csrf_key;  // a file of the key CSRF tokens are signed with; empty: random
  bool demo = false;
  std::string public_url;        // where certificates' QR codes lead
  std::string institution_url;   // 事业单位用户服务
  EngineOptions engine_options;  // a locality's files, session timeouts, ...
  // Names this host in every log line and in GET /metrics (--host-id): the
  // machine's name unless given.
  std::string host_id;
  // Whether --host-id was given: then every answer names the host too
  // (X-Fuma-Host); the machine's name is never sent unasked.
  bool host_id_given = false;
  // Who may read GET /metrics besides loopback clients (--metrics-from).
  TrustedProxies metrics_from;
};

// A host id: 1 to 64 printable ASCII characters, no spaces.
bool host_id_shaped(std::string_view id);
// The machine's name (gethostname) if it is a good host id, else "fuma-host".
std::string default_host_id();

struct CommandLine {
  enum class Action { run, help, usage_error };
  Action action = Action::run;
  Config config;
  std::string error;  // for usage_error: what was wrong, one line
};

// Never throws for bad input: every mistake becomes a usage_error.
CommandLine parse_command_line(int argc, const char* const* argv);

// The --help text, which names every option.
std::string usage();

// Reads one --engine-option value, NAME=VALUE, into `into`. Returns what is
// wrong with it, or "" when fuma::Options::set takes it. captcha_answer and
// public_url are refused: --demo and --public-url set them.
std::string add_engine_option(std::string_view text, EngineOptions& into);

// The key of --csrf-key FILE: at least 32 bytes, a regular file that only
// its owner may read or write; with no file, 32 random bytes from OpenSSL.
// Throws std::runtime_error saying what is wrong with the file.
std::string csrf_key(const std::string& file);

// The engine's options as the server and every admin subcommand open it:
// the store at `store` (--store; empty: DATA/fuma.db) and the
// --engine-option values.
// Whether `store` names a database reached over a connection (PostgreSQL),
// where a read waits for the server's answers, rather than a file.
bool remote_store(std::string_view store);

// What follows from options given together: the readers, by the store
// (one a CPU and one more on a file, which reads take no wait for; 4 a CPU
// on a server, at most the workers either way), and a PostgreSQL store's
// connections, when not given, enough for every reader and the writes.
void finish_config(Config& config);

fuma::Options engine_options(const std::string& data, const EngineOptions& given,
                             const std::string& store = {});

}  // namespace fuma::host

#endif  // FUMA_HOST_OPTIONS_HPP
