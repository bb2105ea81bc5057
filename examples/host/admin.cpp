// SPDX-License-Identifier: Apache-2.0
#include "admin.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <vector>

#include <openssl/rand.h>

#include "fuma/engine.hpp"
#include "fuma/error.hpp"
#include "options.hpp"

namespace fuma::host {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

json::object call(Engine& engine, std::string_view command, json::object args, json::object actor,
                  std::string* data = nullptr, std::string_view idempotency_key = {}) {
  json::object request;
  request["command"] = command;
  request["args"] = std::move(args);
  request["actor"] = std::move(actor);
  if (!idempotency_key.empty()) request["idempotency_key"] = idempotency_key;
  fuma::Response r = engine.call(json::serialize(request));
  if (data) *data = std::move(r.data);
  return json::parse(r.json).as_object();
}

json::object system_actor() { return json::object{{"system", true}}; }
json::object staff_actor(std::string_view username) { return json::object{{"staff", username}}; }

// A new file readable by its owner only, created now so that nothing is
// issued for a picture that could not be saved; never replaces a file.
class NewFile {
 public:
  explicit NewFile(fs::path path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      throw std::runtime_error("cannot create " + path_.string() + ": " + std::strerror(errno) +
                               (errno == EEXIST ? " (it exists; choose another name)" : ""));
    }
  }
  // Unless written, the file goes away again.
  ~NewFile() {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(path_.c_str());
    }
  }
  NewFile(const NewFile&) = delete;
  NewFile& operator=(const NewFile&) = delete;

  void write(std::string_view bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0)
        throw std::runtime_error("cannot write " + path_.string() + ": " + std::strerror(errno));
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd_) != 0) {
      throw std::runtime_error("cannot write " + path_.string() + ": " + std::strerror(errno));
    }
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
      ::unlink(path_.c_str());
      throw std::runtime_error("cannot write " + path_.string() + ": " + std::strerror(errno));
    }
  }

 private:
  fs::path path_;
  int fd_ = -1;
};

void write_new_file(const fs::path& path, std::string_view bytes) { NewFile(path).write(bytes); }

std::string today() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// A subcommand: its options (each "--name value"), which are required, what
// it does with them, what its values look like, and whether it may create
// the database (the first step on a new data directory).
struct Subcommand {
  std::string_view name;
  std::string_view summary;
  std::vector<std::string_view> required;
  std::vector<std::string_view> optional;
  int (*run)(Engine&, std::map<std::string, std::string>&);
  std::string_view formats;
  bool creates_database = false;
  // In place of run, for a subcommand that opens its engine itself.
  int (*run_alone)(std::map<std::string, std::string>&, const EngineOptions&) = nullptr;
};

// Exit statuses, as fuma-host(1) documents them.
constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;

// Reads one line from stdin; a trailing CR (a file written on Windows) is
// not part of it. False at end of input.
bool read_line(std::string& line) {
  if (!std::getline(std::cin, line)) return false;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

// The terminal's settings while echo is off, for a signal to put back: an
// operator's Ctrl-C at the prompt must not leave the shell without echo.
termios g_saved_terminal{};
volatile std::sig_atomic_t g_echo_off = 0;

extern "C" void restore_echo_and_die(int signal_number) {
  if (g_echo_off) ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_terminal);
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

// Asks on the terminal (stdin) with echo off; the prompt goes to stderr, as
// stdout carries the result.
bool ask_without_echo(const char* prompt, std::string& line) {
  const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  void (*previous[std::size(signals)])(int) = {};
  const bool have_terminal = ::tcgetattr(STDIN_FILENO, &g_saved_terminal) == 0;
  if (have_terminal) {
    for (std::size_t i = 0; i < std::size(signals); ++i) {
      previous[i] = std::signal(signals[i], restore_echo_and_die);
    }
    termios quiet = g_saved_terminal;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;  // the Enter still moves to the next line
    g_echo_off = 1;
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::fputs(prompt, stderr);
  std::fflush(stderr);
  const bool ok = read_line(line);
  if (have_terminal) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_terminal);
    g_echo_off = 0;
    for (std::size_t i = 0; i < std::size(signals); ++i) std::signal(signals[i], previous[i]);
  }
  return ok;
}

// The new account's password: on a terminal, asked for twice without echo;
// otherwise the first line of stdin (a file, a pipe). Throws on a terminal
// when the two differ or input ends.
std::string read_new_password(const std::string& username) {
  std::string password;
  if (!::isatty(STDIN_FILENO)) {
    read_line(password);
    return password;
  }
  const std::string prompt = "密码 / password for " + username + ": ";
  std::string again;
  if (!ask_without_echo(prompt.c_str(), password) ||
      (!password.empty() && !ask_without_echo("再次输入 / again: ", again))) {
    throw std::runtime_error("no password was entered; nothing was created");
  }
  if (!password.empty() && again != password) {
    throw std::runtime_error(
        "两次输入的密码不一致 / the two passwords differ; nothing was created");
  }
  return password;
}

void print_result(const json::object& result) {
  std::printf("%s\n", json::serialize(result).c_str());
}

int create_authority(Engine& engine, std::map<std::string, std::string>& o) {
  json::object args{{"code", o["code"]}, {"name", o["name"]}, {"division", o["division"]}};
  if (o.count("segment")) args["segment"] = o["segment"];
  print_result(call(engine, "authority.create", std::move(args), system_actor()));
  return 0;
}

int create_staff(Engine& engine, std::map<std::string, std::string>& o) {
  // The password comes on stdin, never on the command line, where every
  // user of the machine could read it in the process list.
  const std::string password = read_new_password(o["username"]);
  json::array roles;
  std::string_view list = o["roles"];
  while (!list.empty()) {
    const auto comma = list.find(',');
    roles.push_back(json::string(list.substr(0, comma)));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  json::object args{{"authority", o["authority"]},
                    {"username", o["username"]},
                    {"name", o["name"]},
                    {"roles", std::move(roles)}};
  if (!password.empty()) args["password"] = password;
  print_result(call(engine, "staff.create", std::move(args), system_actor()));
  return 0;
}

// --- issuing a login picture, and delivering it --------------------------
//
// The picture carries the credential's id, which exists only once the
// engine has committed the issue (and, for 遗失, revoked the unit's earlier
// pictures): it cannot be written before that commit. So the commit and the
// file are joined by a delivery record, DATA/undelivered/<request>.json,
// written and synced before the issue and removed once the picture is in
// place. The issue runs with the record's idempotency key, so running it
// again gives back the same picture (or issues it, if the first run never
// got that far). A run killed in between leaves the record; every start of
// fuma-host names it, and deliver-credentials finishes it.

constexpr const char* kUndelivered = "undelivered";

fs::path undelivered_dir(const std::string& data) { return fs::path(data) / kUndelivered; }

void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot sync the directory " + dir.string() + ": " + why);
  }
  ::close(fd);
}

// Where the picture is written before it takes its name: beside it, so
// that the rename is atomic.
fs::path part_of(const fs::path& out) {
  return out.parent_path() / ("." + out.filename().string() + ".fuma-part");
}

std::string random_hex(std::size_t bytes) {
  unsigned char buf[32];
  if (bytes > sizeof buf || RAND_bytes(buf, static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    out += kHex[buf[i] >> 4];
    out += kHex[buf[i] & 15];
  }
  return out;
}

// An answer of the engine's own rules: it came before any commit, so
// nothing was issued. A failure of the store may have come after one.
bool refused(const fuma::Error& e) {
  return e.code() != Errc::storage && e.code() != Errc::internal && e.code() != Errc::out_of_memory;
}

// Writes `bytes` to `path` (created or emptied, never through a symbolic
// link, mode 0600) and syncs it.
void write_synced(const fs::path& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw std::runtime_error("cannot create " + path.string() + ": " + std::strerror(errno));
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      ::close(fd);
      throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
  }
}

// A delivery record: the issue's arguments, actor and key, and the file.
struct Delivery {
  fs::path record;
  json::object fields;

  std::string text(std::string_view name) const {
    const json::value* v = fields.if_contains(name);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  }
};

std::vector<Delivery> undelivered(const std::string& data) {
  std::vector<Delivery> out;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(undelivered_dir(data), ec)) {
    if (e.path().extension() != ".json") continue;
    std::ifstream in(e.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    json::error_code parse_error;
    json::value v = json::parse(text, parse_error);
    if (parse_error || !v.is_object()) continue;
    out.push_back(Delivery{e.path(), std::move(v.as_object())});
  }
  std::sort(out.begin(), out.end(),
            [](const Delivery& a, const Delivery& b) { return a.record < b.record; });
  return out;
}

// The issue (or, with the record's key, the same issue again), then the
// picture into place, then the record gone.
json::object deliver(Engine& engine, const Delivery& d) {
  json::object args{{"request", d.fields.at("request")}, {"delivery", d.fields.at("delivery")}};
  for (const char* optional : {"delivery_note", "expires_on"}) {
    if (const json::value* v = d.fields.if_contains(optional)) args[optional] = *v;
  }
  std::string png;
  json::object issued = call(engine, "credential.issue", std::move(args), staff_actor(d.text("as")),
                             &png, d.text("key"));
  // Test-only: the tests set this to kill the process at the one point
  // where a crash matters, after the commit and before the file is written,
  // to show that the record survives it. Never set in production.
  if (std::getenv("FUMA_HOST_TEST_STOP_AFTER_ISSUE") != nullptr) std::raise(SIGKILL);
  const fs::path out = d.text("out");
  const fs::path part = part_of(out);
  write_synced(part, png);
  // link() never replaces: a file that appeared at --out meanwhile stays.
  if (::link(part.c_str(), out.c_str()) != 0) {
    throw std::runtime_error("cannot write " + out.string() + ": " + std::strerror(errno) +
                             (errno == EEXIST
                                  ? " (it exists now; the picture is in " + part.string() + ")"
                                  : std::string()));
  }
  ::unlink(part.c_str());
  sync_directory(out.parent_path().empty() ? fs::path(".") : out.parent_path());
  fs::remove(d.record);
  sync_directory(d.record.parent_path());
  issued["written_to"] = out.string();
  return issued;
}

int issue_credential(Engine& engine, std::map<std::string, std::string>& o) {
  const fs::path out = fs::absolute(o["out"]);
  std::error_code ec;
  if (fs::exists(fs::symlink_status(out, ec))) {
    throw std::runtime_error("cannot create " + out.string() + ": it exists; choose another name");
  }
  // Made now, so that nothing is issued for a place that cannot be written.
  const fs::path part = part_of(out);
  write_synced(part, "");
  struct Cleanup {
    fs::path part;
    fs::path record;
    bool keep = false;
    ~Cleanup() {
      if (keep) return;
      std::error_code ignored;
      fs::remove(part, ignored);
      if (!record.empty()) fs::remove(record, ignored);
    }
  } cleanup{part, {}};
  const json::object actor = staff_actor(o["as"]);
  json::object request_args{
      {"uscc", o["uscc"]},
      {"reason", o.count("reason") ? o["reason"] : "first"},
      {"recipient", o["recipient"]},
      {"phone", o["phone"]},
      {"requested_on", o.count("requested-on") ? o["requested-on"] : today()}};
  const json::object request = call(engine, "credential.request", std::move(request_args), actor);
  Delivery d;
  d.fields["request"] = request.at("request").at("id");
  d.fields["uscc"] = o["uscc"];
  d.fields["as"] = o["as"];
  d.fields["out"] = out.string();
  d.fields["delivery"] = o.count("delivery") ? o["delivery"] : "on_site";
  if (o.count("delivery-note")) d.fields["delivery_note"] = o["delivery-note"];
  if (o.count("expires-on")) d.fields["expires_on"] = o["expires-on"];
  d.fields["key"] = "issue-credential:" + random_hex(16);
  const fs::path dir = undelivered_dir(o["data"]);
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
  d.record =
      dir / (std::to_string(request.at("request").at("id").to_number<std::int64_t>()) + ".json");
  write_synced(d.record, json::serialize(d.fields));
  sync_directory(dir);
  cleanup.record = d.record;
  try {
    print_result(deliver(engine, d));
  } catch (const fuma::Error& e) {
    // Refused, the record has no use; otherwise it stays for
    // deliver-credentials.
    cleanup.keep = !refused(e);
    throw;
  } catch (...) {
    // Issued, perhaps, and not written.
    cleanup.keep = true;
    throw;
  }
  return 0;
}

int deliver_credentials(Engine& engine, std::map<std::string, std::string>& o) {
  json::array delivered;
  json::array dropped;
  int status = 0;
  for (const Delivery& d : undelivered(o["data"])) {
    const std::string what = "the picture of " + d.text("uscc") + " for " + d.text("out");
    try {
      delivered.push_back(deliver(engine, d));
    } catch (const fuma::Error& e) {
      // Refused: the request was issued by other means meanwhile
      // (CONFLICT), the picture revoked since (CREDENTIAL_REVOKED), the unit
      // revoked...: this picture is no one's to write any more.
      if (refused(e)) {
        std::error_code ignored;
        fs::remove(d.record, ignored);
        fs::remove(part_of(d.text("out")), ignored);
        dropped.push_back(json::object{{"uscc", d.text("uscc")},
                                       {"out", d.text("out")},
                                       {"request", d.fields.at("request")},
                                       {"reason", e.name()}});
        continue;
      }
      std::fprintf(stderr, "fuma-host deliver-credentials: %s: %s (%s: %s)\n", what.c_str(),
                   e.message().c_str(), std::string(e.name()).c_str(), e.detail().c_str());
      status = kExitRefused;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fuma-host deliver-credentials: %s: %s\n", what.c_str(), e.what());
      status = kExitRefused;
    }
  }
  print_result(json::object{{"delivered", std::move(delivered)}, {"dropped", std::move(dropped)}});
  return status;
}

int rotate_keys(Engine& engine, std::map<std::string, std::string>& o) {
  json::object args{{"authority", o["authority"]}};
  if (o.count("suite")) args["suite"] = o["suite"];
  if (o.count("distinguishing-id")) args["distinguishing_id"] = o["distinguishing-id"];
  print_result(call(engine, "keys.rotate", std::move(args), system_actor()));
  return 0;
}

int backup(Engine& engine, std::map<std::string, std::string>& o) {
  print_result(call(engine, "store.backup", json::object{{"path", o["out"]}}, system_actor()));
  return 0;
}

int verify_audit(Engine& engine, std::map<std::string, std::string>&) {
  print_result(call(engine, "audit.verify", json::object{}, system_actor()));
  return 0;
}

// --- moving an authority from SQLite to PostgreSQL ------------------------

// Copies the SQLite store into the empty PostgreSQL one, then checks the
// copy's audit chain with an engine opened on it, as a host of the copy
// will open it: intact, and ending in the source's last hash.
int copy_store(std::map<std::string, std::string>& o, const EngineOptions& given) {
  const std::string from = o.count("from") ? o["from"] : (fs::path(o["data"]) / "fuma.db").string();
  fuma::Options options = engine_options(o["data"], given, o["store"]);
  if (options.key_file.empty()) {
    // The copy's signing keys stay sealed under the source's master key:
    // by default the key file beside it, as the engine on SQLite finds it.
    const std::string_view file =
        std::string_view(from).substr(std::string_view(from).rfind("sqlite:", 0) == 0 ? 7 : 0);
    options.key_file = std::string(file) + ".key";
  }
  const fuma::StoreCopy copied = fuma::copy_store(from, o["store"], options);
  json::object rows;
  for (const auto& [table, count] : copied.rows) rows[table] = count;
  json::object out{{"from", from},
                   {"schema_version", copied.schema_version},
                   {"copied", std::move(rows)},
                   {"key_file", options.key_file}};
  // The copy is committed: whatever the check says, say what was copied.
  json::object audit;
  try {
    Engine engine(options);
    audit = call(engine, "audit.verify", json::object{}, system_actor());
  } catch (const fuma::Error& e) {
    print_result(out);
    std::fprintf(stderr,
                 "fuma-host copy-store: 已复制，但无法校验复制后的审计日志 / the copy was made but "
                 "could not be checked: %s (%s: %s); check it with fuma-host verify-audit and the "
                 "same --store and --engine-option\n",
                 e.message().c_str(), std::string(e.name()).c_str(), e.detail().c_str());
    return kExitRefused;
  }
  const bool intact = audit.at("intact").as_bool();
  const bool same_end = copied.last_audit_hash.empty()
                            ? audit.at("records").to_number<std::int64_t>() == 0
                            : audit.at("last_hash").as_string() == copied.last_audit_hash;
  out["audit"] = std::move(audit);
  print_result(out);
  if (!intact || !same_end) {
    std::fprintf(stderr,
                 "fuma-host copy-store: 复制后的审计日志校验未通过 / the copy's audit chain %s; "
                 "do not start hosts on it: empty the database and copy again\n",
                 intact ? "does not end in the source's last hash" : "is broken");
    return kExitRefused;
  }
  return 0;
}

const Subcommand kSubcommands[] = {
    {"create-authority",
     "set up a registration authority; on a new data directory, create the database",
     {"code", "name", "division"},
     {"segment"},
     create_authority,
     "--code: 1 to 32 letters, digits, '-' or '_', by which staff and the other\n"
     "subcommands name the authority. --division: its six-digit GB/T 2260\n"
     "administrative division code (440300), which the codes it allocates carry.\n"
     "--segment: the organisation-code prefix reserved for it, 0 to 7 characters of\n"
     "the USCC alphabet 0-9A-HJ-NPQRTUWXY (default: none).\n",
     true},
    {"create-staff",
     "add a staff account; its password is asked for on a terminal, without echo,\n"
     "or read as the first line of stdin",
     {"authority", "username", "name", "roles"},
     {},
     create_staff,
     "--username: 1 to 64 letters, digits, '.', '_', '@' or '-'. --roles:\n"
     "comma-separated, from\n"
     "  admin     staff accounts and passwords, signing keys, the audit check\n"
     "  acceptor  受理, 不予通过, 通知, 办结; on-site 申请初领 and 证书延期; login pictures\n"
     "  reviewer  复核通过, 复核退回 (someone other than the case's acceptor)\n"
     "password: 10 to 128 characters, with two of letters, digits and other\n"
     "characters; an empty one makes an account that cannot log in with a password.\n",
     false},
    {"issue-credential",
     "record a 申领表 as staff member --as and write the unit's login QR picture to --out",
     {"as", "uscc", "recipient", "phone", "out"},
     {"reason", "delivery", "delivery-note", "expires-on", "requested-on"},
     issue_credential,
     "--as: an acceptor of the unit's authority. --uscc: the unit's 18-character\n"
     "code. --phone: the recipient's mobile number. --out: a new file (PNG, mode\n"
     "0600), never an existing one; written beside it first, then renamed, and a run\n"
     "killed before that leaves a record for deliver-credentials. --reason: first (default) or "
     "lost (every\n"
     "earlier picture is revoked). --delivery: on_site (default), yuezhengyi, post,\n"
     "or other with --delivery-note. --expires-on: YYYY-MM-DD, after today (default:\n"
     "no expiry). --requested-on: YYYY-MM-DD, not in the future (default: today).\n",
     false},
    {"deliver-credentials",
     "write the login pictures that issue-credential issued but did not write (it was\n"
     "killed, or the disk failed); every start of fuma-host names them",
     {},
     {},
     deliver_credentials,
     "Each picture goes to the --out its issue-credential was given, from the record\n"
     "DATA/undelivered/REQUEST.json; the issue is made again with that record's key,\n"
     "so the picture is the one issued (or is issued now, if the run stopped before\n"
     "the issue). A record the engine refuses (issued otherwise since, revoked since)\n"
     "is dropped and listed under \"dropped\" with the reason.\n",
     false},
    {"rotate-keys",
     "give an authority a new signing key (--suite ed25519 or sm2, to change suite; "
     "--distinguishing-id, an SM2 key's ID_A); old pictures keep working",
     {"authority"},
     {"suite", "distinguishing-id"},
     rotate_keys,
     "--authority: the authority's code. --suite: ed25519 or sm2 (default: the\n"
     "suite of the authority's current key; ed25519 for a first key).\n"
     "--distinguishing-id: an SM2 key's ID_A, 1 to 64 printable ASCII characters\n"
     "(default 1234567812345678).\n",
     false},
    {"backup",
     "copy the database, online, to a new file (the key file is not copied)",
     {"out"},
     {},
     backup,
     "--out: the copy, a file that must not exist.\n",
     false},
    {"verify-audit",
     "check the audit log's hash chain, every authority's records, from the first to the\n"
     "last; print whether it is intact, the number of records and the last hash",
     {},
     {},
     verify_audit,
     "Record the last hash outside the machine with each backup: a history rewritten\n"
     "or cut short no longer ends in it. Only this sees the whole chain: an\n"
     "authority's admin (audit.verify over HTTP) hears of its own records alone.\n",
     false},
    {"copy-store",
     "move an authority to PostgreSQL: copy every record of the SQLite store into an\n"
     "empty PostgreSQL store, then check the copy's audit chain",
     {"store"},
     {"from"},
     nullptr,
     "--store: the PostgreSQL store to copy into (postgresql://...), which must hold\n"
     "no records; the hosts of the copy are started with this --store. --from: the\n"
     "SQLite store to copy (sqlite:PATH or PATH; default DATA/fuma.db), at this\n"
     "fuma's schema version; stop its hosts first, as what they write after the copy\n"
     "starts stays behind. Every id, counter and audit record is kept; captchas are\n"
     "not copied. The copy is one transaction: one that fails leaves the target\n"
     "empty. The signing keys stay sealed under the source's key file (default\n"
     "FROM.key), which the hosts of the copy name with --engine-option key_file=FILE.\n"
     "Prints the rows copied per table and audit.verify of the copy; exit status 1\n"
     "when the copy's chain is broken or does not end in the source's last hash.\n",
     false,
     copy_store},
};

const Subcommand* find_subcommand(std::string_view name) {
  for (const Subcommand& s : kSubcommands) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string subcommand_usage(const Subcommand& s) {
  // A subcommand may require --store for its own purpose (copy-store: where
  // the copy goes), which its formats explain.
  const bool own_store =
      std::find(s.required.begin(), s.required.end(), "store") != s.required.end();
  std::string text = "usage: fuma-host " + std::string(s.name) + " --data DIR";
  for (auto r : s.required) text += " --" + std::string(r) + " VALUE";
  for (auto r : s.optional) text += " [--" + std::string(r) + " VALUE]";
  return text + (own_store ? "" : " [--store LOCATION]") + " [--engine-option NAME=VALUE]...\n\n" +
         std::string(s.summary) + ".\n\n" + std::string(s.formats) +
         "--data: the host's data directory, holding fuma.db" +
         (s.creates_database ? " (both created if absent)" : "") +
         (own_store
              ? ""
              : ".\n--store: the store, when it is not DATA/fuma.db (as the server's --store)") +
         ".\n--engine-option: as the server takes it (fuma-host --help), so that the\n"
         "engine opens here as it does there (key_file, a locality's files).\n\n"
         "exit status: 0 done, the JSON result on stdout; 1 refused by the engine or\n"
         "the file system, one line on stderr with the Chinese message, the error code\n"
         "and the English detail; 2 a wrong command line, with this usage.\n";
}

}  // namespace

bool is_admin_command(std::string_view name) { return find_subcommand(name) != nullptr; }

void report_undelivered(const std::string& data) {
  for (const Delivery& d : undelivered(data)) {
    std::fprintf(stderr,
                 "fuma-host: 登录二维码图片已签发（或正在签发）但未写出 / a login picture was "
                 "issued, or was being issued, and never written: unit %s, request %s, to %s; "
                 "fuma-host deliver-credentials --data %s writes it\n",
                 d.text("uscc").c_str(), json::serialize(d.fields.at("request")).c_str(),
                 d.text("out").c_str(), data.c_str());
  }
}

int run_admin(int argc, const char* const* argv) {
  const Subcommand& sub = *find_subcommand(argv[0]);
  std::map<std::string, std::string> options;
  EngineOptions engine;
  std::string data;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(subcommand_usage(sub).c_str(), stdout);
      return 0;
    }
    if (arg.substr(0, 2) != "--" || i + 1 >= argc) {
      std::fprintf(stderr, "fuma-host %s: expected --name VALUE, got '%s'\n\n%s", argv[0], argv[i],
                   subcommand_usage(sub).c_str());
      return kExitUsage;
    }
    const std::string name(arg.substr(2));
    if (name == "engine-option") {
      const std::string error = add_engine_option(argv[++i], engine);
      if (!error.empty()) {
        std::fprintf(stderr, "fuma-host %s: %s\n\n%s", argv[0], error.c_str(),
                     subcommand_usage(sub).c_str());
        return kExitUsage;
      }
      continue;
    }
    const bool known =
        name == "data" || name == "store" ||
        std::find(sub.required.begin(), sub.required.end(), name) != sub.required.end() ||
        std::find(sub.optional.begin(), sub.optional.end(), name) != sub.optional.end();
    if (!known) {
      std::fprintf(stderr, "fuma-host %s: unknown option '--%s'\n\n%s", argv[0], name.c_str(),
                   subcommand_usage(sub).c_str());
      return kExitUsage;
    }
    (name == "data" ? data : options[name]) = argv[++i];
  }
  std::vector<std::string_view> missing;
  if (data.empty()) missing.push_back("data");
  for (auto r : sub.required) {
    if (!options.count(std::string(r))) missing.push_back(r);
  }
  if (!missing.empty()) {
    std::fprintf(stderr, "fuma-host %s: --%s is required\n\n%s", argv[0],
                 std::string(missing.front()).c_str(), subcommand_usage(sub).c_str());
    return kExitUsage;
  }
  const fs::path db = fs::path(data) / "fuma.db";
  std::error_code ec;
  // A store elsewhere (--store) is the engine's to find or refuse.
  const std::string store = options.count("store") ? options["store"] : std::string();
  if (store.empty() && !fs::exists(db, ec)) {
    if (!sub.creates_database) {
      std::fprintf(stderr,
                   "fuma-host %s: no database at %s: set the authority up first with "
                   "fuma-host create-authority --data %s (or start the host on it once), "
                   "or give --data the host's data directory\n",
                   argv[0], db.c_str(), data.c_str());
      return kExitRefused;
    }
    // As the server does on its first start.
    fs::create_directories(data, ec);
    if (ec) {
      std::fprintf(stderr, "fuma-host %s: cannot create the data directory %s: %s\n", argv[0],
                   data.c_str(), ec.message().c_str());
      return kExitRefused;
    }
  }
  options["data"] = data;
  if (sub.run != deliver_credentials && sub.run_alone == nullptr) report_undelivered(data);
  try {
    if (sub.run_alone != nullptr) return sub.run_alone(options, engine);
    Engine opened(engine_options(data, engine, store));
    return sub.run(opened, options);
  } catch (const fuma::Error& e) {
    std::fprintf(stderr, "fuma-host %s: %s (%s: %s)\n", argv[0], e.message().c_str(),
                 std::string(e.name()).c_str(), e.detail().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuma-host %s: %s\n", argv[0], e.what());
  }
  return kExitRefused;
}

namespace {

// A notice or two in each of 首页's columns, unless the folder has its own.
void write_demo_content(const fs::path& dir) {
  struct Item {
    const char* column;
    const char* id;
    const char* text;
  };
  const Item items[] = {
      {"notices", "2026-11-20-online",
       "关于机关群团统一社会信用代码证书网上办理的通知（演示）\n2026-11-20\n\n"
       "机关、群团申请变更、补领、换领、撤销统一社会信用代码证书，可通过本平台“机关用户服务”"
       "使用登录二维码图片登录后在线办理。申请初领和证书延期需要现场办理。\n"},
      {"notices", "2026-10-08-qr",
       "登录二维码图片申领说明（演示）\n2026-10-08\n\n"
       "请下载《登录二维码图片申领表》，填写并加盖本单位公章后，面交或邮寄登记管理机关。\n"},
      {"policies", "2015-gb32100",
       "GB 32100-2015 法人和其他组织统一社会信用代码编码规则\n2015-09-15\n\n"
       "统一社会信用代码由登记管理部门代码、机构类别代码、登记管理机关行政区划码、"
       "主体标识码和校验码五个部分组成，共18位。\n"},
      {"technical", "2026-11-01-browsers",
       "浏览器与登录图片常见问题（演示）\n2026-11-01\n\n"
       "请使用较新版本的浏览器。登录二维码图片请保存原图，勿裁剪；截图、拍照后的图片一般也可识别。"
       "\n"},
      {"annual", "2025-report",
       "2025年度机关赋码工作情况（演示）\n2026-01-15\n\n本栏目发布年度工作情况。\n"},
  };
  for (const Item& item : items) {
    const fs::path column = dir / item.column;
    fs::create_directories(column);
    const fs::path file = column / (std::string(item.id) + ".txt");
    if (!fs::exists(file)) write_new_file(file, item.text);
  }
}

std::string with_url(std::string text, const std::string& url) {
  for (auto at = text.find("{url}"); at != std::string::npos; at = text.find("{url}", at)) {
    text.replace(at, 5, url);
    at += url.size();
  }
  return text;
}

}  // namespace

std::string demo_guide(const std::string& text, const std::string& url) {
  return with_url(text, url);
}

std::string demo_locality(const std::string& data_dir) {
  const fs::path dir = fs::path(data_dir) / "demo";
  const fs::path file = dir / "locality.json";
  fs::create_directories(dir);
  if (!fs::exists(file)) {
    write_new_file(file, R"({
  "version": 1,
  "description": "fuma-host --demo 写入的演示数据，不是真实的联系方式。",
  "office": "深圳市机构编制委员会办公室登记管理处（演示数据）",
  "window_address": "深圳市福田区福中三路市民中心C区机关赋码窗口（演示数据）",
  "office_hours": "工作日上午9:00-12:00，下午14:00-18:00（演示数据）",
  "telephone": ["0755-00000000（演示数据）"],
  "postal_address": "深圳市福田区福中三路市民中心C区（演示数据）",
  "postal_code": "000000",
  "postal_recipient": "登记管理处（演示数据）"
}
)");
  }
  return file.string();
}

std::string ensure_demo(Engine& engine, const std::string& data_dir) {
  const fs::path dir = fs::path(data_dir) / "demo";
  const fs::path readme = dir / "README.txt";
  if (fs::exists(readme)) {
    std::ifstream in(readme);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  fs::create_directories(dir);
  try {
    call(engine, "authority.create",
         json::object{{"code", "demo"},
                      {"name", "深圳市机构编制委员会办公室（演示）"},
                      {"division", "440300"}},
         system_actor());
  } catch (const fuma::Error& e) {
    if (e.code() != Errc::conflict) throw;
    throw std::runtime_error("the demo set-up in " + data_dir +
                             " was interrupted before it finished; remove the directory and "
                             "start again");
  }
  write_demo_content(fs::path(data_dir) / "content");
  struct Account {
    const char* username;
    const char* name;
    const char* role;
    const char* password;
  };
  const Account accounts[] = {
      {"shouli", "受理员（演示）", "acceptor", "shouli-demo-2026"},
      {"fuhe", "复核员（演示）", "reviewer", "fuhe-demo-2026"},
      {"guanli", "管理员（演示）", "admin", "guanli-demo-2026"},
  };
  for (const Account& a : accounts) {
    call(engine, "staff.create",
         json::object{{"authority", "demo"},
                      {"username", a.username},
                      {"name", a.name},
                      {"roles", json::array{json::string(a.role)}},
                      {"password", a.password}},
         system_actor());
  }
  struct DemoUnit {
    const char* name;
    const char* category;
    const char* address;
    const char* person;
    const char* valid_until;  // empty: 长期有效
    const char* file;
  };
  const DemoUnit units[] = {
      {"深圳市演示局", "机关", "深圳市福田区福中三路1号", "张明", "", "unit-long-term.png"},
      {"深圳市演示工会", "群团", "深圳市罗湖区解放路2号", "李华", "2029-12-31",
       "unit-fixed-term.png"},
  };
  std::string text =
      "fuma-host 演示数据 / demo data (never use --demo in production)\n\n"
      "首页 (home): {url}/\n"
      "机关用户服务 (units): {url}/unit.html\n"
      "  点击 申请变更, 浏览 选择下列图片之一, 验证码 " +
      std::string(kDemoCaptcha) + " (演示专用, fixed in demo only)\n";
  for (const DemoUnit& u : units) {
    json::object args{{"name", u.name},
                      {"category", u.category},
                      {"address", u.address},
                      {"responsible_person", u.person}};
    if (*u.valid_until) args["valid_until"] = u.valid_until;
    const json::object reg = call(engine, "unit.register", std::move(args), staff_actor("shouli"));
    const std::string uscc(reg.at("uscc").as_string());
    const json::object req = call(engine, "credential.request",
                                  json::object{{"uscc", uscc},
                                               {"reason", "first"},
                                               {"recipient", "王芳"},
                                               {"phone", "13800138000"},
                                               {"requested_on", today()}},
                                  staff_actor("shouli"));
    std::string png;
    call(engine, "credential.issue",
         json::object{{"request", req.at("request").at("id")}, {"delivery", "on_site"}},
         staff_actor("shouli"), &png);
    const fs::path file = dir / u.file;
    write_new_file(file, png);
    text += "  " + file.string() + "  " + u.name + " " + uscc + " (" +
            (*u.valid_until ? std::string("有效期至 ") + u.valid_until : std::string("长期有效")) +
            ")\n";
  }
  text += "\n后台 (staff back office): {url}/staff.html\n";
  for (const Account& a : accounts) {
    text += "  " + std::string(a.username) + " / " + a.password + "  " + a.name + "\n";
  }
  write_new_file(readme, text);
  return text;
}

}  // namespace fuma::host
