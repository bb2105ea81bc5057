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
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace fuma {

struct Options {
  // The SQLite file; empty keeps everything in memory.
  std::string path;
  // How long a writer waits for the database lock before giving up.
  int busy_timeout_ms = 5000;
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

  // Set an option by its C ABI name ("busy_timeout_ms", "workflow_path",
  // "checklist_path"); throws Error(invalid_argument) for an unknown name or
  // a bad value.
  void set(std::string_view name, std::string_view value);
};

struct Response {
  std::string json;  // {"ok":true,...}
  std::string data;  // bytes beside the JSON; empty when none
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

class Engine {
 public:
  // Opens (creating if absent) the store at options.path. Throws
  // Error(version) for a file written by a newer fuma and Error(storage)
  // when the file cannot be opened or is not a fuma database. A workflow or
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

  // The schema version of the open database.
  int schema_version() const;

 private:
  std::unique_ptr<store::Store> store_;
  std::function<std::chrono::system_clock::time_point()> clock_;
  // Never null: the locality's own, or (not owned) the shipped standard().
  // Parsed once here, so every command of this engine sees the same rules.
  std::shared_ptr<const workflow::Definition> workflow_;
  std::shared_ptr<const attachments::Rules> rules_;
};

}  // namespace fuma

#endif  // FUMA_ENGINE_HPP
