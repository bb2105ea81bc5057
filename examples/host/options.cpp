// SPDX-License-Identifier: Apache-2.0
#include "options.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "fuma/error.hpp"

namespace fuma::host {
namespace {

// Whole-string unsigned integer in [min, max]; rejects signs, spaces and
// trailing junk that strtoul would quietly accept.
bool parse_uint(std::string_view text, std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || v < min || v > max) return false;
  out = v;
  return true;
}

// ADDR:PORT with ADDR an IPv4 literal, or [ADDR]:PORT with an IPv6 literal.
// Host names are refused: a listening address that depends on the resolver
// is a surprise waiting for the day DNS changes.
bool parse_listen(std::string_view text, Config& config, std::string& error) {
  std::string_view addr;
  std::string_view port;
  int family = AF_INET;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      error = "--listen: expected [IPv6]:PORT, got '" + std::string(text) + "'";
      return false;
    }
    addr = text.substr(1, close - 1);
    port = text.substr(close + 2);
    family = AF_INET6;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      error = "--listen: expected ADDR:PORT (IPv6 as [ADDR]:PORT), got '" + std::string(text) + "'";
      return false;
    }
    addr = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned char buf[sizeof(in6_addr)];
  const std::string addr_str(addr);
  if (addr_str.empty() || inet_pton(family, addr_str.c_str(), buf) != 1) {
    error = "--listen: '" + addr_str + "' is not an IP" + (family == AF_INET6 ? "v6" : "v4") +
            " address literal";
    return false;
  }
  std::uint64_t p = 0;
  if (!parse_uint(port, 0, 65535, p)) {
    error = "--listen: port must be a number from 0 to 65535, got '" + std::string(port) + "'";
    return false;
  }
  config.address = addr_str;
  config.port = static_cast<std::uint16_t>(p);
  return true;
}

}  // namespace

std::string usage() {
  return "usage: fuma-host --data DIR [options]\n"
         "\n"
         "The reference host of fuma: the engine's commands over HTTP/1.1.\n"
         "\n"
         "options:\n"
         "  --listen ADDR:PORT     address to listen on; IPv6 as [::1]:8080; port 0 picks\n"
         "                         a free port (default 127.0.0.1:8080)\n"
         "  --data DIR             directory for fuma.db, created if absent (required;\n"
         "                         with --store, it still holds the host's own files)\n"
         "  --store LOCATION       where the store is: a SQLite file (PATH or\n"
         "                         sqlite:PATH), memory:, or a PostgreSQL database\n"
         "                         (postgresql://USER@HOST/DB, a libpq URI; name its\n"
         "                         key file with --engine-option key_file=FILE)\n"
         "                         (default: DATA/fuma.db)\n"
         "  --threads N            I/O threads (default: the number of CPUs, at least 2)\n"
         "  --workers N            threads running engine commands; writes waiting on\n"
         "                         the disk share one sync, so more workers write more\n"
         "                         (default: 4 per CPU, at least 32)\n"
         "  --readers N            threads answering GET requests, which only read\n"
         "                         (default: one a CPU and one more, at least 2, on a\n"
         "                         SQLite store; 4 per CPU on PostgreSQL, whose reads\n"
         "                         wait for the server; at most --workers)\n"
         "  --max-body BYTES       largest request body accepted; larger gets 413\n"
         "                         (default 1048576)\n"
         "  --timeout SECONDS      the time a connection has to send a request, to wait\n"
         "                         before its next one, to read an answer and to finish\n"
         "                         the TLS handshake (default 30)\n"
         "  --max-connections N    open connections at once; more are closed on accept\n"
         "                         (default 1024)\n"
         "  --max-connections-per-address N\n"
         "                         open connections from one client address at once;\n"
         "                         trusted proxies are not counted (default 128)\n"
         "  --trusted-proxy CIDR   a reverse proxy or balancer in front of the host,\n"
         "                         repeatable (10.0.0.0/8, 192.0.2.7, fd00::/8): from\n"
         "                         these peers the client's address is read from\n"
         "                         X-Forwarded-For, right to left, up to the first\n"
         "                         address that is not a trusted proxy; from any other\n"
         "                         peer the header is ignored (default: none)\n"
         "  --max-upload BYTES     largest upload (login picture, attachment, scan)\n"
         "                         (default 12582912)\n"
         "  --web DIR              the pages to serve (default: the installed pages)\n"
         "  --content DIR          首页's columns: DIR/{notices,policies,technical,annual}/\n"
         "                         ID.txt, first line the title, second the date\n"
         "                         YYYY-MM-DD, then the text (default DATA/content)\n"
         "  --tls-cert FILE        serve HTTPS with this PEM certificate chain...\n"
         "  --tls-key FILE         ...and this PEM private key (both or neither)\n"
         "  --csrf-key FILE        the key CSRF tokens are signed with: at least 32\n"
         "                         bytes, mode 0600; give every host behind one\n"
         "                         balancer the same file (default: 32 random bytes\n"
         "                         drawn at start, so a restart makes pages fetch a\n"
         "                         new token)\n"
         "  --public-url URL       where this service is reached, for the QR codes on\n"
         "                         certificates (https://fuma.example.gov.cn)\n"
         "  --institution-url URL  the 事业单位用户服务 link on the home page\n"
         "  --host-id NAME         names this host in every log line, in /metrics and,\n"
         "                         when given, in every answer's X-Fuma-Host: 1 to 64\n"
         "                         printable ASCII characters without spaces\n"
         "                         (default: the machine's host name, never sent)\n"
         "  --metrics-from CIDR    who may read GET /metrics besides loopback clients,\n"
         "                         repeatable (10.0.5.0/24, 192.0.2.9, fd00::/8); the\n"
         "                         client's address is read as for everything else\n"
         "                         (--trusted-proxy), and a request that passed a\n"
         "                         proxy the host does not trust is refused\n"
         "                         (default: loopback only)\n"
         "  --engine-option NAME=VALUE\n"
         "                         an engine option, repeatable: a locality's files\n"
         "                         (workflow_path, checklist_path, guide_path,\n"
         "                         locality_path, holidays_path, commitment_path,\n"
         "                         forms_dir, font_path, font_index),\n"
         "                         key_file, session_idle_seconds,\n"
         "                         session_absolute_seconds, captcha_per_minute,\n"
         "                         decode_pixel_budget (pixels of pictures decoded at\n"
         "                         once; 32000000, some 384 MB),\n"
         "                         sqlite_busy_timeout_ms, postgresql_pool_size,\n"
         "                         postgresql_wait_ms, crypto_suite (standard or sm,\n"
         "                         fixed when the database is made); every admin\n"
         "                         subcommand takes it too\n"
         "  --demo                 on first start, create a demo authority, staff and\n"
         "                         units with their login pictures in DATA/demo/, and\n"
         "                         fix every captcha's answer (never in production)\n"
         "  -h, --help             show this help and exit\n"
         "\n"
         "Request header sections are limited to 8192 bytes (431 beyond). On start the\n"
         "host prints one line to stdout, 'fuma-host listening on http://ADDR:PORT', with\n"
         "the port actually bound. SIGINT or SIGTERM stop it: it stops accepting, lets\n"
         "requests in flight finish and exits 0 within 5 seconds. An access log line per\n"
         "request goes to stderr, with its request id: the client's X-Request-Id when\n"
         "it is 1 to 64 letters, digits, '.', '_' or '-', else one the host draws; the\n"
         "answer carries it back in X-Request-Id, and the audit record of the command\n"
         "keeps it. GET /healthz answers while the process lives; GET /readyz only while\n"
         "the store serves (503 STORAGE with Retry-After when it does not).\n"
         "\n"
         "admin subcommands (fuma-host COMMAND --help for each, with the formats of\n"
         "its values):\n"
         "  create-authority       set up a registration authority (GB/T 2260 division,\n"
         "                         six digits); creates the database on a new --data\n"
         "  create-staff           add a staff account with --roles; the password is\n"
         "                         asked for without echo, or read from stdin\n"
         "  issue-credential       record a 申领表 and write the login QR picture to a file\n"
         "  deliver-credentials    write the pictures a killed issue-credential issued\n"
         "  rotate-keys            give an authority a new signing key\n"
         "  backup                 copy the database online to a new file\n"
         "  verify-audit           check the audit log's hash chain (every authority's)\n"
         "  copy-store             move an authority to PostgreSQL: copy the SQLite\n"
         "                         store into an empty PostgreSQL one\n"
         "\n"
         "Staff roles (create-staff --roles, comma-separated): admin (staff accounts,\n"
         "signing keys, the audit check), acceptor (受理, 通知, 办结, on-site\n"
         "registration, login pictures), reviewer (复核通过, 复核退回). Dates are\n"
         "YYYY-MM-DD; a USCC has 18 characters of 0-9A-HJ-NPQRTUWXY.\n"
         "\n"
         "Exit status: 0 stopped by SIGINT/SIGTERM, or done; 1 the host cannot start,\n"
         "or a subcommand was refused (the reason on stderr); 2 a wrong command line.\n";
}

CommandLine parse_command_line(int argc, const char* const* argv) {
  CommandLine cl;
  cl.config.threads = std::max(2u, std::thread::hardware_concurrency());
  // Mostly waiting on a commit's sync, not computing: enough of them that
  // many writes share each sync.
  cl.config.workers = std::max(32u, 4 * std::thread::hardware_concurrency());
  auto fail = [&cl](std::string error) {
    cl.action = CommandLine::Action::usage_error;
    cl.error = std::move(error);
    return cl;
  };
  bool have_data = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      cl.action = CommandLine::Action::help;
      return cl;
    }
    if (arg.substr(0, 2) != "--") return fail("unexpected argument '" + std::string(arg) + "'");
    // Both "--name value" and "--name=value".
    std::string_view name = arg;
    std::string_view value;
    bool have_value = false;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      have_value = true;
    }
    auto next = [&]() {
      if (have_value) return true;
      if (i + 1 >= argc) return false;
      value = argv[++i];
      return true;
    };
    std::uint64_t n = 0;
    std::string error;
    if (name == "--listen") {
      if (!next()) return fail("--listen needs ADDR:PORT");
      if (!parse_listen(value, cl.config, error)) return fail(error);
    } else if (name == "--data") {
      if (!next() || value.empty()) return fail("--data needs a directory");
      cl.config.data = std::string(value);
      have_data = true;
    } else if (name == "--store") {
      if (!next() || value.empty()) return fail("--store needs a location");
      cl.config.store = std::string(value);
    } else if (name == "--threads") {
      if (!next() || !parse_uint(value, 1, 1024, n)) {
        return fail("--threads needs a number from 1 to 1024");
      }
      cl.config.threads = static_cast<unsigned>(n);
    } else if (name == "--workers") {
      if (!next() || !parse_uint(value, 1, 1024, n)) {
        return fail("--workers needs a number from 1 to 1024");
      }
      cl.config.workers = static_cast<unsigned>(n);
    } else if (name == "--readers") {
      if (!next() || !parse_uint(value, 1, 1024, n)) {
        return fail("--readers needs a number from 1 to 1024");
      }
      cl.config.readers = static_cast<unsigned>(n);
    } else if (name == "--max-body") {
      // Bodies are held in memory, so the ceiling is a sanity bound, not a goal.
      if (!next() || !parse_uint(value, 0, std::uint64_t{1} << 32, n)) {
        return fail("--max-body needs a number of bytes from 0 to 4294967296");
      }
      cl.config.max_body = n;
    } else if (name == "--timeout") {
      if (!next() || !parse_uint(value, 1, 86400, n)) {
        return fail("--timeout needs a number of seconds from 1 to 86400");
      }
      cl.config.timeout_seconds = static_cast<unsigned>(n);
    } else if (name == "--max-connections") {
      if (!next() || !parse_uint(value, 1, 1000000, n)) {
        return fail("--max-connections needs a number from 1 to 1000000");
      }
      cl.config.max_connections = static_cast<std::size_t>(n);
    } else if (name == "--max-connections-per-address") {
      if (!next() || !parse_uint(value, 1, 1000000, n)) {
        return fail("--max-connections-per-address needs a number from 1 to 1000000");
      }
      cl.config.max_connections_per_address = static_cast<std::size_t>(n);
    } else if (name == "--trusted-proxy") {
      if (!next()) return fail("--trusted-proxy needs ADDRESS or ADDRESS/PREFIX");
      error = cl.config.trusted_proxies.add(value);
      if (!error.empty()) return fail("--trusted-proxy: " + error);
    } else if (name == "--max-upload") {
      if (!next() || !parse_uint(value, 1024, std::uint64_t{1} << 30, n)) {
        return fail("--max-upload needs a number of bytes from 1024 to 1073741824");
      }
      cl.config.max_upload = n;
    } else if (name == "--web" || name == "--content" || name == "--tls-cert" ||
               name == "--tls-key" || name == "--csrf-key" || name == "--public-url" ||
               name == "--institution-url") {
      if (!next() || value.empty()) return fail(std::string(name) + " needs a value");
      std::string& target = name == "--web"          ? cl.config.web
                            : name == "--content"    ? cl.config.content
                            : name == "--tls-cert"   ? cl.config.tls_cert
                            : name == "--tls-key"    ? cl.config.tls_key
                            : name == "--csrf-key"   ? cl.config.csrf_key
                            : name == "--public-url" ? cl.config.public_url
                                                     : cl.config.institution_url;
      target = std::string(value);
    } else if (name == "--host-id") {
      if (!next() || !host_id_shaped(value)) {
        return fail("--host-id needs 1 to 64 printable ASCII characters without spaces");
      }
      cl.config.host_id = std::string(value);
      cl.config.host_id_given = true;
    } else if (name == "--metrics-from") {
      if (!next()) return fail("--metrics-from needs ADDRESS or ADDRESS/PREFIX");
      error = cl.config.metrics_from.add(value);
      if (!error.empty()) return fail("--metrics-from: " + error);
    } else if (name == "--engine-option") {
      if (!next()) return fail("--engine-option needs NAME=VALUE");
      error = add_engine_option(value, cl.config.engine_options);
      if (!error.empty()) return fail(error);
    } else if (name == "--demo") {
      if (have_value) return fail("--demo takes no value");
      cl.config.demo = true;
    } else {
      return fail("unknown option '" + std::string(name) + "'");
    }
  }
  if (!have_data) return fail("--data DIR is required");
  if (cl.config.host_id.empty()) cl.config.host_id = default_host_id();
  if (cl.config.tls_cert.empty() != cl.config.tls_key.empty()) {
    return fail("--tls-cert and --tls-key go together");
  }
  for (const std::string* url : {&cl.config.public_url, &cl.config.institution_url}) {
    if (!url->empty() && url->rfind("https://", 0) != 0 && url->rfind("http://", 0) != 0) {
      return fail("URLs must start with https:// or http://, got '" + *url + "'");
    }
  }
  finish_config(cl.config);
  return cl;
}

bool host_id_shaped(std::string_view id) {
  return !id.empty() && id.size() <= 64 &&
         std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c < '\x7f'; });
}

std::string default_host_id() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) == 0 && host_id_shaped(name)) return name;
  return "fuma-host";
}

std::string add_engine_option(std::string_view text, EngineOptions& into) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return "--engine-option needs NAME=VALUE, got '" + std::string(text) + "'";
  }
  const std::string name(text.substr(0, eq));
  const std::string value(text.substr(eq + 1));
  if (name == "captcha_answer") return "--engine-option captcha_answer is --demo's to set";
  if (name == "public_url") return "--engine-option public_url: use --public-url";
  try {
    fuma::Options probe;
    probe.set(name, value);
  } catch (const fuma::Error& e) {
    return "--engine-option " + name + ": " + e.detail();
  }
  into.emplace_back(name, value);
  return "";
}

std::string csrf_key(const std::string& file) {
  if (file.empty()) {
    std::string key(32, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), 32) != 1) {
      throw std::runtime_error("RAND_bytes failed for the CSRF key");
    }
    return key;
  }
  const auto refuse = [&file](const std::string& why) {
    return std::runtime_error("--csrf-key " + file + ": " + why);
  };
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) throw refuse(std::strerror(errno));
  struct stat st {};
  std::string key;
  const bool stated = ::fstat(fd, &st) == 0;
  if (stated && S_ISREG(st.st_mode) && (st.st_mode & 077) == 0 && st.st_size >= 32 &&
      st.st_size <= 4096) {
    key.resize(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < key.size()) {
      const ssize_t n = ::read(fd, key.data() + done, key.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    key.resize(done);
  }
  ::close(fd);
  if (!stated || !S_ISREG(st.st_mode)) throw refuse("not a regular file");
  if ((st.st_mode & 077) != 0) throw refuse("group or others may read or write it (chmod 600)");
  if (key.size() < 32 || st.st_size > 4096) throw refuse("must hold 32 to 4096 bytes");
  return key;
}

bool remote_store(std::string_view store) {
  return store.rfind("postgresql:", 0) == 0 || store.rfind("postgres:", 0) == 0;
}

void finish_config(Config& config) {
  const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  const bool remote = remote_store(config.store);
  if (config.readers == 0) config.readers = remote ? 4 * cpus : std::max(2u, cpus + 1);
  config.readers = std::min(config.readers, config.workers);
  if (remote && std::none_of(config.engine_options.begin(), config.engine_options.end(),
                             [](const auto& o) { return o.first == "postgresql_pool_size"; })) {
    // Every reader, the writer that commits alone and the committer of
    // the writes that queue meanwhile (the store's group commit).
    config.engine_options.emplace_back("postgresql_pool_size", std::to_string(config.readers + 2));
  }
}

fuma::Options engine_options(const std::string& data, const EngineOptions& given,
                             const std::string& store) {
  fuma::Options options;
  options.path = store.empty() ? (std::filesystem::path(data) / "fuma.db").string() : store;
  for (const auto& [name, value] : given) options.set(name, value);
  return options;
}

}  // namespace fuma::host
