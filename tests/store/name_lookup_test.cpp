// SPDX-License-Identifier: Apache-2.0
// Transaction::units_by_name: units whose name holds a fragment as written,
// in name order, a page at most, whether many names hold it or one far
// down the order does, by the name a unit has now.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "store/fixtures.hpp"
#include "store/rules.hpp"
#include "support/temp_dir.hpp"

using fuma::store::Id;
using fuma::store::Transaction;
using fuma::store::Unit;
using namespace fuma::test;

namespace {

// More units than the first step of the lookup looks through
// (rules::kNameScanRows), named 甲… so that they come before the units
// the tests look for, each holding 委员会 (as many real names do).
struct Registry {
  TempDir dir;
  std::unique_ptr<fuma::store::Store> store = open_store(dir.file("fuma.db"));
  Id authority_id = 0;
  int next = 1;

  Registry() {
    store->write([&](Transaction& tx) {
      authority_id = tx.insert_authority(authority());
      for (std::size_t i = 0; i < fuma::store::rules::kNameScanRows + 100; ++i) {
        add(tx, "甲" + std::to_string(100000 + i) + "委员会");
      }
    });
  }

  Id add(Transaction& tx, const std::string& name) {
    Unit u = unit(authority_id, next++);
    u.name = name;
    return tx.insert_unit(u);
  }

  std::vector<std::string> names(const std::string& fragment, std::size_t limit) {
    std::vector<std::string> out;
    store->read([&](Transaction& tx) {
      for (const Unit& u : tx.units_by_name(fragment, limit)) out.push_back(u.name);
    });
    return out;
  }
};

}  // namespace

TEST_CASE("a whole name only one unit has is found however many names come before it") {
  Registry r;
  r.store->write([&](Transaction& tx) { r.add(tx, "乙市机关事务管理局"); });
  CHECK(r.names("乙市机关事务管理局", 20) == std::vector<std::string>{"乙市机关事务管理局"});
  CHECK(r.names("机关事务", 20) == std::vector<std::string>{"乙市机关事务管理局"});
  CHECK(r.names("乙市机关事务管理局办公室", 20).empty());
}

TEST_CASE("a fragment many names hold gives the first page in name order") {
  Registry r;
  const std::vector<std::string> page = r.names("委员会", 5);
  REQUIRE(page.size() == 5);
  CHECK(page.front() == "甲100000委员会");
  CHECK(page.back() == "甲100004委员会");
  CHECK(std::is_sorted(page.begin(), page.end()));
  // What fewer names hold, past the first step's rows: every name that
  // holds it, in order, a page at most.
  std::vector<std::string> all;
  for (std::size_t i = 0; i < fuma::store::rules::kNameScanRows + 100; ++i) {
    const std::string name = "甲" + std::to_string(100000 + i) + "委员会";
    if (name.find("1020") != std::string::npos) all.push_back(name);
  }
  REQUIRE(all.size() == 101);  // 甲101020委员会 and 甲102000委员会 to 甲102099委员会
  CHECK(r.names("1020", 200) == all);
  CHECK(r.names("1020", 7) == std::vector<std::string>(all.begin(), all.begin() + 7));
}

TEST_CASE("a fragment of one or two characters is found far down the order too") {
  Registry r;
  r.store->write([&](Transaction& tx) { r.add(tx, "乙丙"); });
  CHECK(r.names("丙", 20) == std::vector<std::string>{"乙丙"});
  CHECK(r.names("乙丙", 20) == std::vector<std::string>{"乙丙"});
}

TEST_CASE("a name is matched with ASCII letters in either case and wildcards as written") {
  Registry r;
  r.store->write([&](Transaction& tx) {
    r.add(tx, "乙市ABC研究会");
    r.add(tx, "乙市100%_研究会");
    r.add(tx, "乙市1000x研究会");
  });
  CHECK(r.names("abc研究", 20) == std::vector<std::string>{"乙市ABC研究会"});
  CHECK(r.names("AbC", 20) == std::vector<std::string>{"乙市ABC研究会"});
  CHECK(r.names("100%_研", 20) == std::vector<std::string>{"乙市100%_研究会"});
  CHECK(r.names("0%_", 20) == std::vector<std::string>{"乙市100%_研究会"});
  CHECK(r.names("\"乙市", 20).empty());
}

TEST_CASE("a unit is found by the name it has now, not the one it had") {
  Registry r;
  Id id = 0;
  r.store->write([&](Transaction& tx) { id = r.add(tx, "乙市旧名称协会"); });
  r.store->write([&](Transaction& tx) {
    Unit u = *tx.unit(id);
    u.name = "乙市新名称联合会";
    tx.update_unit(u);
  });
  CHECK(r.names("旧名称", 20).empty());
  CHECK(r.names("新名称联合", 20) == std::vector<std::string>{"乙市新名称联合会"});
}
