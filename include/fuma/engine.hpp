// SPDX-License-Identifier: Apache-2.0
// fuma/engine.hpp -- the engine: every fuma capability as a named command.
//
// A request is a JSON object {"command": "...", "args": {...}, "actor": {...}};
// the result is a JSON object {"ok": true, ...}, with binary output (a PDF, a
// PNG) beside it, never base64 inside. The C ABI and the Python binding are
// thin layers over Engine::call; the reference host too.
//
// Threads: an Engine may be shared by any number of threads; every call is
// independent. Errors: calls throw fuma::Error (fuma/error.hpp), never
// anything else but std::bad_alloc.
#ifndef FUMA_ENGINE_HPP
#define FUMA_ENGINE_HPP

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fuma {

struct Options {
  // Where the store is (its location):
  //   "PATH" or "sqlite:PATH"   the SQLite file at PATH (created if absent)
  //   "", "memory:"             in memory (":memory:" too), gone at close
  //   "postgresql://..."        a PostgreSQL database by libpq connection
  //                             URI ("postgres://..." too); needs key_file
  std::string path;
  // SQLite (option "sqlite_busy_timeout_ms", also "busy_timeout_ms"): how
  // long a writer waits for another process's lock before giving up.
  int busy_timeout_ms = 5000;
  // PostgreSQL: the connections the store keeps open at most, shared by the
  // engine's threads ("postgresql_pool_size"), and how long a command waits
  // for one of them, or for the server, before STORE_UNAVAILABLE
  // ("postgresql_wait_ms").
  int postgresql_pool_size = 4;
  int postgresql_wait_ms = 10000;
  // Where the engine takes the time from (UTC), read once per command on the
  // calling thread (so it must be thread-safe); empty uses the system clock.
  // Programs leave it empty; tests set a fixed time to check deadlines and
  // records. C++ only: the C ABI has no setter.
  std::function<std::chrono::system_clock::time_point()> clock;
  // A locality's own workflow definition (fuma/workflow.hpp) and attachment
  // checklist (fuma/attachments.hpp), as JSON files read when the Engine
  // opens; empty uses the ones shipped inside the library.
  std::string workflow_path;
  std::string checklist_path;
  // A locality's own login commitment (登录承诺) text and service guide
  // (服务指南: 受理范围及条件, 联系电话及其他 of each business), JSON files;
  // empty uses the shipped ones.
  std::string commitment_path;
  std::string guide_path;
  // Where and how a unit reaches its registration authority (联系电话及其他:
  // office, window address, hours, telephone, postal address) and the
  // address of the locality's registry of 事业单位, a JSON file; empty uses
  // the shipped one, which knows none of them.
  std::string locality_path;
  // A locality's holiday calendar (节假日安排: days off and make-up working
  // days), a JSON file read over the shipped State Council arrangements when
  // the Engine opens: its years replace or extend the shipped ones. Empty
  // uses the shipped years alone. Deadlines count working days on it; for a
  // year it does not cover, Monday to Friday, with a warning.
  std::string holidays_path;

  // The key file holding the master key that seals the authorities' private
  // signing keys in the store. Empty puts it beside a SQLite file, at
  // PATH + ".key"; a store on PostgreSQL must name it (every host of one
  // database names a copy of the same file). It is created (mode 0600)
  // when the first signing key is made, and refused when group or others
  // may read it. An engine in memory keeps a random master key in memory.
  std::string key_file;

  // Sessions end after this long without a command, and this long after
  // login whatever happens.
  int session_idle_seconds = 30 * 60;
  int session_absolute_seconds = 8 * 60 * 60;

  // Captchas one client address may draw: this many at once, and this many
  // a minute after that (session.captcha's client argument; the host passes
  // the caller's address). Each is a durable write.
  int captcha_per_minute = 20;

  // Pixels of uploaded pictures (login pictures, scanned forms) decoded at
  // once, over all the calls of this engine: each decode reserves the
  // width * height its header declares until its QR codes are read, and
  // waits (first come, first served, at most 20 s) while the others hold the
  // rest; a picture that alone exceeds it is refused. Decoding takes at most
  // 12 bytes a pixel, so pictures hold at most 12 * this much memory at
  // once (384 MB at the default). The default is two pictures at the
  // largest a picture may be (2 * 16 megapixels); at least 1,000,000.
  std::uint64_t decode_pixel_budget = 32'000'000;

  // Printing (下载表格, certificates): a locality's own font (a TrueType
  // .ttf, or face font_index of a .ttc) and a directory of its own form
  // templates (change.json, application.json, credential_request.json,
  // certificate.json; absent files keep the shipped ones), both read and
  // checked when the Engine opens. public_url is where fuma-host answers
  // for this service ("https://fuma.example.gov.cn"): a certificate's QR
  // code then leads a phone to public_url + "/c/" + serial.
  std::string font_path;
  int font_index = 0;
  std::string forms_dir;
  std::string public_url;

  // For tests and demonstrations only: every captcha's answer is this text
  // (as reCAPTCHA's test keys always pass). The engine says so in every
  // session.captcha and session.login result and on stderr when it opens.
  // Empty (the default) draws a random answer for each captcha.
  std::string captcha_answer;

  // The crypto suite of a store created by this engine: "standard"
  // (SHA-256 digests, keys sealed with AES-256-GCM) or "sm" (SM3 digests,
  // keys sealed with SM4), recorded in the store when it is created. An
  // existing store keeps its own (one with no record is "standard"); naming
  // another here is Error(invalid_argument) naming both. Empty: the
  // store's, or "standard" for a new store.
  std::string crypto_suite;

  // Set an option by its C ABI name ("sqlite_busy_timeout_ms" (or
  // "busy_timeout_ms"), "postgresql_pool_size", "postgresql_wait_ms", "workflow_path",
  // "checklist_path", "commitment_path", "guide_path", "locality_path", "holidays_path",
  // "key_file", "session_idle_seconds", "session_absolute_seconds", "captcha_per_minute",
  // "decode_pixel_budget", "font_path", "font_index", "forms_dir", "public_url",
  // "captcha_answer", "crypto_suite"); throws
  // Error(invalid_argument) for an unknown name or a bad value.
  void set(std::string_view name, std::string_view value);
};

struct Response {
  std::string json;  // {"ok":true,...}
  std::string data;  // bytes beside the JSON; empty when none
};

// What an engine reports about its store, for monitoring (fuma-host's
// GET /metrics).
struct Statistics {
  // Write transactions the store ran again after the database refused
  // them for a reason that passes (a serialization failure, a deadlock),
  // since the engine opened. Always 0 on SQLite, the one writer of its file.
  std::uint64_t write_retries = 0;
  // Connections to the database the engine holds open now, in use or idle.
  std::uint64_t store_connections = 0;
};

// Sessions open now: not ended, and within the idle and absolute limits.
struct OpenSessions {
  std::uint64_t unit = 0;   // units' (session.login)
  std::uint64_t staff = 0;  // staff members' (staff.login)
};

namespace store {
class Store;
}
namespace workflow {
class Definition;
}
namespace attachments {
class Rules;
}
namespace guide {
class Guide;
struct Locality;
}  // namespace guide
namespace engine {
struct Security;
struct Printing;
class Calendar;
}  // namespace engine

class Engine {
 public:
  // Opens (creating if absent) the store at options.path. Throws
  // Error(version) for a store written by a newer fuma, Error(storage) when
  // a file cannot be opened or is not a fuma store, and
  // Error(store_unavailable) when a PostgreSQL server cannot be reached. A workflow or
  // checklist file that cannot be read, is over 1 MiB or does not parse is
  // Error(invalid_argument) naming the file (and the place in it).
  explicit Engine(const Options& options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Run one command. `request` is the JSON envelope; `data` the bytes beside.
  Response call(std::string_view request, std::string_view data = {});

  // Commands that need no store, without an engine ("uscc.check", ...).
  static Response call_stateless(std::string_view request, std::string_view data = {});

  // The schema version of the open store.
  int schema_version() const;

  // The crypto suite of the open store: "standard" or "sm" (Options::crypto_suite).
  std::string_view crypto_suite() const;

  // Counters kept in memory: cheap, never throws, reads no data.
  Statistics statistics() const;

  // Counts the open sessions with one read of the store, from an index of
  // recent activity (cheap however long the history). Throws Error(storage)
  // when the store does not answer.
  OpenSessions open_sessions() const;

  // Readiness: returns when the store can serve, after one cheap read and
  // the store's own checks (for SQLite: that the file the engine has open
  // is still the one at its path, not removed or replaced); throws
  // Error(storage) saying why not. Say "not ready" to a balancer while it
  // throws; the engine's liveness is not in question.
  void check_store() const;

 private:
  std::unique_ptr<store::Store> store_;
  std::function<std::chrono::system_clock::time_point()> clock_;
  // Never null: the locality's own, or (not owned) the shipped standard().
  // Parsed once here, so every command of this engine sees the same rules.
  std::shared_ptr<const workflow::Definition> workflow_;
  std::shared_ptr<const attachments::Rules> rules_;
  std::shared_ptr<const guide::Guide> guide_;
  std::shared_ptr<const guide::Locality> locality_;
  std::shared_ptr<const engine::Calendar> calendar_;
  // Credentials and sessions: the key file, the commitment, the timeouts.
  std::unique_ptr<engine::Security> security_;
  // Printing: the font and the form templates.
  std::unique_ptr<engine::Printing> printing_;
};

// What copy_store copied.
struct StoreCopy {
  int schema_version = 0;
  // Rows copied, per table, in the order copied.
  std::vector<std::pair<std::string, std::uint64_t>> rows;
  // The hash of the source's newest audit record, which the copy's chain
  // ends in too ("" for an empty log): audit.verify on the copy must end
  // in it.
  std::string last_audit_hash;
};

// Moves an authority from a SQLite file to PostgreSQL: copies every record
// of the SQLite store at `from` ("sqlite:PATH" or PATH) into the PostgreSQL
// store at `to` ("postgresql://..."), which must hold none, with every id,
// the counters and the audit chain as they were; captchas, which live for
// minutes, stay behind. The source is read in one snapshot and never
// written; it must be at this build's schema version. The target is
// filled in one transaction: a copy that fails leaves it empty. The
// signing keys stay sealed under the source's key file, which the hosts of
// the copy name with option key_file. Uses options' busy_timeout_ms and
// postgresql_wait_ms. Throws Error: not_found (no source file), version
// (the source at another schema version), conflict (a target that holds
// records), invalid_argument (not SQLite to PostgreSQL), storage,
// store_unavailable.
StoreCopy copy_store(std::string_view from, std::string_view to, const Options& options = {});

}  // namespace fuma

#endif  // FUMA_ENGINE_HPP
