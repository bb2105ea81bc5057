// The store: where the engine keeps state. Domain code sees this interface,
// never SQL; a second backend implements it without touching the domain.
#ifndef FUMA_SRC_STORE_STORE_HPP
#define FUMA_SRC_STORE_STORE_HPP

#include <memory>
#include <string>

namespace fuma {

class Store {
 public:
  virtual ~Store() = default;
  // The schema version the data is at (after any upgrade on open).
  virtual int schema_version() const = 0;
};

// The newest schema this build knows; files at a higher version are refused.
int latest_schema_version();

// Opens or creates the SQLite store at path ("" keeps it in memory), upgrading
// an older schema. Throws fuma::Error: version for a newer file, storage when
// the file cannot be opened or is not a fuma database.
std::unique_ptr<Store> open_sqlite_store(const std::string& path, int busy_timeout_ms);

}  // namespace fuma

#endif  // FUMA_SRC_STORE_STORE_HPP
