// SPDX-License-Identifier: Apache-2.0
// Sample records for the store suites, and open_store(); without doctest,
// so that the programs the tests run can use them too.
#ifndef FUMA_TESTS_STORE_RECORDS_HPP
#define FUMA_TESTS_STORE_RECORDS_HPP

#include <cstdio>
#include <memory>
#include <string>

#include "store/store.hpp"
#include "support/test_store.hpp"

namespace fuma::test {

using store::Id;

// The store of a test: the SQLite file at `path`, or, when the suite runs
// on PostgreSQL (FUMA_TEST_STORE), the schema that stands for it.
inline std::unique_ptr<store::Store> open_store(const std::string& path, int busy_ms = 5000) {
  store::OpenOptions o;
  o.sqlite_busy_timeout_ms = busy_ms;
  return store::open(store::Location::parse(test_store(path)), o);
}

// An 18-character code, unique per n (the store checks only the length;
// the USCC module owns the check characters).
inline std::string uscc(int n) {
  char buf[19];
  std::snprintf(buf, sizeof buf, "114403%011dX", n);
  return buf;
}

// A well-formed SHA-256 hex string; the store trusts the caller's hash.
inline std::string sha(char digit) { return std::string(64, digit); }

inline store::Authority authority(const std::string& code = "sz") {
  store::Authority a;
  a.code = code;
  a.name = "深圳市委机构编制委员会办公室";
  a.division = "440300";
  a.segment = "MB";
  a.created_at = "2026-01-05T08:00:00Z";
  return a;
}

inline store::Unit unit(Id authority_id, int n) {
  store::Unit u;
  u.uscc = uscc(n);
  u.authority_id = authority_id;
  u.name = "深圳市某某局" + std::to_string(n);
  u.category = "机关";
  u.address = "深圳市福田区福中三路";
  u.responsible_person = "张三";
  u.created_at = "2026-01-05T08:00:00Z";
  u.updated_at = "2026-01-05T08:00:00Z";
  return u;
}

inline store::Application application(Id unit_id, const std::string& status = "draft",
                                      const std::string& updated_at = "2026-02-01T09:00:00Z") {
  store::Application a;
  a.unit_id = unit_id;
  a.business = "change";
  a.status = status;
  a.fields_json = R"({"name":{"old":"甲","new":"乙"}})";
  a.created_at = updated_at;
  a.updated_at = updated_at;
  return a;
}

inline store::Event event(Id application_id, const std::string& reply = "") {
  store::Event e;
  e.application_id = application_id;
  e.action = "submit";
  e.from_status = "draft";
  e.to_status = "submitted";
  e.actor = "unit:" + uscc(1);
  e.reply = reply;
  e.at = "2026-02-01T09:30:00Z";
  return e;
}

inline store::Attachment attachment(Id application_id, const std::string& digest) {
  store::Attachment a;
  a.application_id = application_id;
  a.kind = "appointment";
  a.file_name = "任职文件.pdf";
  a.media_type = "application/pdf";
  a.digest = digest;
  a.uploaded_at = "2026-02-01T09:10:00Z";
  return a;
}

}  // namespace fuma::test

#endif  // FUMA_TESTS_STORE_RECORDS_HPP
