// SPDX-License-Identifier: Apache-2.0
// What each Transaction method keeps and returns, and the rules the store
// enforces: uniqueness, compare-and-set, content deduplication, append-only
// audit, read-only reads.
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/fixtures.hpp"
#include "support/temp_dir.hpp"

using fuma::Errc;
using fuma::store::Application;
using fuma::store::Id;
using fuma::store::Transaction;
using namespace fuma::test;

namespace {

// A store in a fresh file with one authority and one unit.
struct Seeded {
  TempDir dir;
  std::string path = dir.file("fuma.db");
  std::unique_ptr<fuma::store::Store> store = open_store(path);
  Id authority_id = 0;
  Id unit_id = 0;

  Seeded() {
    write([&](Transaction& tx) {
      authority_id = tx.insert_authority(authority());
      unit_id = tx.insert_unit(unit(authority_id, 1));
    });
  }

  template <class F>
  void write(F&& f) {
    store->write(std::forward<F>(f));
  }
  template <class F>
  void read(F&& f) {
    store->read(std::forward<F>(f));
  }
  template <class F>
  Errc write_error(F&& f) {
    return error_of([&] { store->write(std::forward<F>(f)); });
  }
};

}  // namespace

TEST_CASE("an authority round-trips and is found by id and by code") {
  Seeded s;
  s.read([&](Transaction& tx) {
    auto a = tx.authority(s.authority_id);
    REQUIRE(a);
    CHECK(a->id == s.authority_id);
    CHECK(a->code == "sz");
    CHECK(a->name == "深圳市委机构编制委员会办公室");
    CHECK(a->division == "440300");
    CHECK(a->segment == "MB");
    CHECK(a->created_at == "2026-01-05T08:00:00Z");
    CHECK(tx.authority_by_code("sz")->id == s.authority_id);
    CHECK_FALSE(tx.authority_by_code("gz"));
    CHECK_FALSE(tx.authority(999));
  });
}

TEST_CASE("a second authority with the same code is a conflict that names the code") {
  Seeded s;
  try {
    s.write([](Transaction& tx) { tx.insert_authority(authority("sz")); });
    FAIL("no conflict");
  } catch (const fuma::Error& e) {
    CHECK(e.code() == Errc::conflict);
    CHECK(e.detail().find("authority with this code") != std::string::npos);
    CHECK(e.message() == "登记管理机关代码已存在");
  }
}

TEST_CASE("a division that is not 6 digits is refused as an invalid argument") {
  Seeded s;
  auto a = authority("gz");
  a.division = "44010";
  CHECK(s.write_error([&](Transaction& tx) { tx.insert_authority(a); }) == Errc::invalid_argument);
}

TEST_CASE("take_serial counts up from 0 per authority and keeps counting after a reopen") {
  Seeded s;
  Id other = 0;
  std::vector<std::uint64_t> got;
  s.write([&](Transaction& tx) {
    other = tx.insert_authority(authority("gz"));
    got.push_back(tx.take_serial(s.authority_id));
    got.push_back(tx.take_serial(s.authority_id));
    got.push_back(tx.take_serial(other));
  });
  CHECK(got == std::vector<std::uint64_t>{0, 1, 0});
  s.store.reset();
  s.store = open_store(s.path);
  s.write([&](Transaction& tx) { CHECK(tx.take_serial(s.authority_id) == 2); });
  CHECK(s.write_error([](Transaction& tx) { tx.take_serial(999); }) == Errc::not_found);
}

TEST_CASE("a serial taken in a rolled-back transaction is taken again") {
  Seeded s;
  CHECK_THROWS_AS(s.write([&](Transaction& tx) {
    tx.take_serial(s.authority_id);
    throw std::runtime_error("registration failed");
  }),
                  std::runtime_error);
  s.write([&](Transaction& tx) { CHECK(tx.take_serial(s.authority_id) == 0); });
}

TEST_CASE("staff round-trip with their roles in order and update every field") {
  Seeded s;
  fuma::store::Staff st;
  st.authority_id = s.authority_id;
  st.username = "li.si";
  st.name = "李四";
  st.roles = {"reviewer", "acceptor"};
  st.password_hash = "$argon2id$v=19$...";
  st.created_at = "2026-01-06T08:00:00Z";
  s.write([&](Transaction& tx) { st.id = tx.insert_staff(st); });
  s.read([&](Transaction& tx) {
    auto got = tx.staff(st.id);
    REQUIRE(got);
    CHECK(got->username == "li.si");
    CHECK(got->name == "李四");
    CHECK(got->roles == std::vector<std::string>{"reviewer", "acceptor"});
    CHECK(got->password_hash == st.password_hash);
    CHECK(got->active);
    CHECK(got->created_at == "2026-01-06T08:00:00Z");
    CHECK(tx.staff_by_username("li.si")->id == st.id);
  });
  st.roles = {};
  st.active = false;
  st.name = "李四（调离）";
  s.write([&](Transaction& tx) { tx.update_staff(st); });
  s.read([&](Transaction& tx) {
    auto got = tx.staff(st.id);
    CHECK(got->roles.empty());
    CHECK_FALSE(got->active);
    CHECK(got->name == "李四（调离）");
  });
}

TEST_CASE("staff usernames are unique; a role with a space is refused") {
  Seeded s;
  fuma::store::Staff st;
  st.authority_id = s.authority_id;
  st.username = "wang";
  st.roles = {"admin"};
  s.write([&](Transaction& tx) { tx.insert_staff(st); });
  CHECK(s.write_error([&](Transaction& tx) { tx.insert_staff(st); }) == Errc::conflict);
  st.username = "zhao";
  st.roles = {"acceptor reviewer"};
  CHECK(s.write_error([&](Transaction& tx) { tx.insert_staff(st); }) == Errc::invalid_argument);
  st.roles = {"admin"};
  st.authority_id = 999;
  CHECK(s.write_error([&](Transaction& tx) { tx.insert_staff(st); }) == Errc::not_found);
  st.id = 999;
  CHECK(s.write_error([&](Transaction& tx) { tx.update_staff(st); }) == Errc::not_found);
}

TEST_CASE("a unit round-trips, is found by USCC, and updates") {
  Seeded s;
  s.read([&](Transaction& tx) {
    auto u = tx.unit(s.unit_id);
    REQUIRE(u);
    CHECK(u->uscc == uscc(1));
    CHECK(u->authority_id == s.authority_id);
    CHECK(u->name == "深圳市某某局1");
    CHECK(u->category == "机关");
    CHECK(u->address == "深圳市福田区福中三路");
    CHECK(u->responsible_person == "张三");
    CHECK_FALSE(u->revoked);
    CHECK(tx.unit_by_uscc(uscc(1))->id == s.unit_id);
    CHECK_FALSE(tx.unit_by_uscc(uscc(2)));
  });
  s.write([&](Transaction& tx) {
    auto u = *tx.unit(s.unit_id);
    u.responsible_person = "王五";
    u.revoked = true;
    u.updated_at = "2026-03-01T00:00:00Z";
    tx.update_unit(u);
  });
  s.read([&](Transaction& tx) {
    auto u = tx.unit(s.unit_id);
    CHECK(u->responsible_person == "王五");
    CHECK(u->revoked);
    CHECK(u->updated_at == "2026-03-01T00:00:00Z");
    CHECK(u->created_at == "2026-01-05T08:00:00Z");
  });
}

TEST_CASE("a second unit with the same USCC is a conflict; a malformed or orphan unit is refused") {
  Seeded s;
  try {
    s.write([&](Transaction& tx) { tx.insert_unit(unit(s.authority_id, 1)); });
    FAIL("no conflict");
  } catch (const fuma::Error& e) {
    CHECK(e.code() == Errc::conflict);
    CHECK(e.detail().find("USCC") != std::string::npos);
  }
  auto u = unit(s.authority_id, 2);
  u.uscc = "1144";
  CHECK(s.write_error([&](Transaction& tx) { tx.insert_unit(u); }) == Errc::invalid_argument);
  CHECK(s.write_error([&](Transaction& tx) { tx.insert_unit(unit(999, 3)); }) == Errc::not_found);
  auto missing = unit(s.authority_id, 4);
  missing.id = 999;
  CHECK(s.write_error([&](Transaction& tx) { tx.update_unit(missing); }) == Errc::not_found);
}

TEST_CASE("certificates: the active one is found, serials are unique, one active per unit") {
  Seeded s;
  fuma::store::Certificate c;
  c.unit_id = s.unit_id;
  c.serial = "SZ2026000001";
  c.issued_on = "2026-01-05";
  c.valid_until = "2031-01-04";
  c.created_at = "2026-01-05T08:00:00Z";
  s.write([&](Transaction& tx) { c.id = tx.insert_certificate(c); });
  s.read([&](Transaction& tx) {
    auto got = tx.active_certificate(s.unit_id);
    REQUIRE(got);
    CHECK(got->serial == "SZ2026000001");
    CHECK(got->issued_on == "2026-01-05");
    CHECK(got->valid_until == std::optional<std::string>("2031-01-04"));
    CHECK(got->status == "active");
  });
  auto second = c;
  second.serial = "SZ2026000002";
  CHECK(s.write_error([&](Transaction& tx) { tx.insert_certificate(second); }) == Errc::conflict);
  second.status = "superseded";
  second.serial = c.serial;
  CHECK(s.write_error([&](Transaction& tx) { tx.insert_certificate(second); }) == Errc::conflict);

  // Extension on site: the old one is superseded, a long-term one issued.
  s.write([&](Transaction& tx) {
    c.status = "superseded";
    tx.update_certificate(c);
    fuma::store::Certificate renewed = c;
    renewed.serial = "SZ2026000003";
    renewed.status = "active";
    renewed.valid_until.reset();
    tx.insert_certificate(renewed);
  });
  s.read([&](Transaction& tx) {
    auto got = tx.active_certificate(s.unit_id);
    REQUIRE(got);
    CHECK(got->serial == "SZ2026000003");
    CHECK_FALSE(got->valid_until);
  });
  c.status = "lost";
  CHECK(s.write_error([&](Transaction& tx) { tx.update_certificate(c); }) ==
        Errc::invalid_argument);
}

TEST_CASE("an application round-trips and is the unit's open application") {
  Seeded s;
  Application a = application(s.unit_id);
  a.latest_reply = "请补充材料";
  s.write([&](Transaction& tx) { a.id = tx.insert_application(a); });
  s.read([&](Transaction& tx) {
    auto got = tx.application(a.id);
    REQUIRE(got);
    CHECK(got->unit_id == s.unit_id);
    CHECK(got->business == "change");
    CHECK(got->status == "draft");
    CHECK(got->version == 1);
    CHECK(got->fields_json == a.fields_json);
    CHECK(got->latest_reply == "请补充材料");
    CHECK(got->open);
    CHECK(got->created_at == a.created_at);
    CHECK(got->updated_at == a.updated_at);
    CHECK(tx.open_application(s.unit_id)->id == a.id);
  });
}

TEST_CASE("a unit has at most one open application; closed ones do not count") {
  Seeded s;
  Application first = application(s.unit_id);
  s.write([&](Transaction& tx) { first.id = tx.insert_application(first); });
  try {
    s.write([&](Transaction& tx) { tx.insert_application(application(s.unit_id)); });
    FAIL("no conflict");
  } catch (const fuma::Error& e) {
    CHECK(e.code() == Errc::conflict);
    CHECK(e.detail().find("open application") != std::string::npos);
  }
  s.write([&](Transaction& tx) {
    first.open = false;
    first.status = "completed";
    REQUIRE(tx.update_application(first, 1));
    Application closed = application(s.unit_id, "rejected");
    closed.open = false;
    tx.insert_application(closed);
    tx.insert_application(application(s.unit_id));
  });
  s.read([&](Transaction& tx) {
    auto all = tx.applications_of_unit(s.unit_id);
    REQUIRE(all.size() == 3);
    CHECK(all[0].id > all[1].id);
    CHECK(all[1].id > all[2].id);
    CHECK(all[2].id == first.id);
    CHECK(tx.open_application(s.unit_id)->id == all[0].id);
  });
  CHECK(s.write_error([&](Transaction& tx) { tx.insert_application(application(999)); }) ==
        Errc::not_found);
}

TEST_CASE("update_application is compare-and-set: a stale version changes nothing") {
  Seeded s;
  Application a = application(s.unit_id);
  s.write([&](Transaction& tx) { a.id = tx.insert_application(a); });
  Application edit = a;
  edit.status = "submitted";
  edit.updated_at = "2026-02-02T10:00:00Z";
  bool applied = false;
  s.write([&](Transaction& tx) { applied = tx.update_application(edit, 1); });
  CHECK(applied);
  Application stale = a;
  stale.status = "draft";
  stale.fields_json = R"({"name":"stale"})";
  s.write([&](Transaction& tx) { applied = tx.update_application(stale, 1); });
  CHECK_FALSE(applied);
  s.read([&](Transaction& tx) {
    auto got = tx.application(a.id);
    CHECK(got->version == 2);
    CHECK(got->status == "submitted");
    CHECK(got->fields_json == a.fields_json);
    CHECK(got->updated_at == "2026-02-02T10:00:00Z");
  });
  stale.id = 999;
  CHECK(s.write_error([&](Transaction& tx) { tx.update_application(stale, 1); }) ==
        Errc::not_found);
}

TEST_CASE("update_application sets openness either way, and a closed one may open again") {
  Seeded s;
  Application a = application(s.unit_id);
  s.write([&](Transaction& tx) { a.id = tx.insert_application(a); });
  auto open_id = [&] {
    std::optional<Application> open;
    s.read([&](Transaction& tx) { open = tx.open_application(s.unit_id); });
    return open ? open->id : 0;
  };
  a.status = "submitted";
  s.write([&](Transaction& tx) { REQUIRE(tx.update_application(a, 1)); });
  CHECK(open_id() == a.id);
  a.status = "completed";
  a.open = false;
  s.write([&](Transaction& tx) { REQUIRE(tx.update_application(a, 2)); });
  CHECK(open_id() == 0);
  a.status = "draft";
  a.open = true;
  s.write([&](Transaction& tx) { REQUIRE(tx.update_application(a, 3)); });
  CHECK(open_id() == a.id);
  s.read([&](Transaction& tx) {
    CHECK(tx.application(a.id)->version == 4);
    CHECK(tx.application(a.id)->status == "draft");
  });
  // A stale version is refused whether or not the application is open.
  s.write([&](Transaction& tx) { CHECK_FALSE(tx.update_application(a, 3)); });
  a.open = false;
  s.write([&](Transaction& tx) { CHECK_FALSE(tx.update_application(a, 3)); });
  CHECK(open_id() == a.id);
}

TEST_CASE("fields_json must be a JSON object; empty stores {}") {
  Seeded s;
  Application a = application(s.unit_id);
  a.fields_json = "[1, 2]";
  CHECK(s.write_error([&](Transaction& tx) { tx.insert_application(a); }) ==
        Errc::invalid_argument);
  a.fields_json = R"({"name": )";
  CHECK(s.write_error([&](Transaction& tx) { tx.insert_application(a); }) ==
        Errc::invalid_argument);
  a.fields_json.clear();
  s.write([&](Transaction& tx) { a.id = tx.insert_application(a); });
  s.read([&](Transaction& tx) { CHECK(tx.application(a.id)->fields_json == "{}"); });
}

TEST_CASE("the same content attached twice is kept once") {
  Seeded s;
  Application a = application(s.unit_id);
  std::vector<Id> ids;
  const std::string pdf = "%PDF-1.7 任职文件\n" + std::string(100000, '\0') + "%%EOF";
  s.write([&](Transaction& tx) {
    a.id = tx.insert_application(a);
    ids.push_back(tx.insert_attachment(attachment(a.id, sha('a')), pdf));
    auto second = attachment(a.id, sha('a'));
    second.kind = "id_copy";
    ids.push_back(tx.insert_attachment(second, pdf));
  });
  CHECK(ids[0] != ids[1]);
  CHECK(sql(s.path, "SELECT count(*) FROM blobs") == "1");
  CHECK(sql(s.path, "SELECT count(*) FROM attachments") == "2");
  s.read([&](Transaction& tx) {
    auto list = tx.attachments(a.id);
    REQUIRE(list.size() == 2);
    CHECK(list[0].id == ids[0]);
    CHECK(list[0].kind == "appointment");
    CHECK(list[1].kind == "id_copy");
    CHECK(list[0].file_name == "任职文件.pdf");
    CHECK(list[0].media_type == "application/pdf");
    CHECK(list[0].digest == sha('a'));
    CHECK(list[0].size == pdf.size());
    CHECK(list[0].uploaded_at == "2026-02-01T09:10:00Z");
    CHECK(tx.content(sha('a')) == pdf);
    CHECK_FALSE(tx.content(sha('b')));
  });
}

TEST_CASE("different content under a stored hash, a malformed hash, or no application is refused") {
  Seeded s;
  Application a = application(s.unit_id);
  s.write([&](Transaction& tx) {
    a.id = tx.insert_application(a);
    tx.insert_attachment(attachment(a.id, sha('a')), "first");
  });
  CHECK(s.write_error([&](Transaction& tx) {
    tx.insert_attachment(attachment(a.id, sha('a')), "other");
  }) == Errc::invalid_argument);
  CHECK(s.write_error([&](Transaction& tx) {
    tx.insert_attachment(attachment(a.id, std::string(64, 'A')), "x");
  }) == Errc::invalid_argument);
  // Even when the caller catches the error and commits, no orphan blob stays.
  s.write([&](Transaction& tx) {
    CHECK(error_of([&] { tx.insert_attachment(attachment(999, sha('c')), "orphan"); }) ==
          Errc::not_found);
  });
  s.read([&](Transaction& tx) {
    CHECK(tx.content(sha('a')) == "first");
    CHECK_FALSE(tx.content(sha('c')));
  });
}

TEST_CASE("empty content is an attachment like any other") {
  Seeded s;
  Application a = application(s.unit_id);
  s.write([&](Transaction& tx) {
    a.id = tx.insert_application(a);
    tx.insert_attachment(attachment(a.id, sha('e')), "");
  });
  s.read([&](Transaction& tx) {
    CHECK(tx.content(sha('e')) == std::optional<std::string>(""));
    CHECK(tx.attachments(a.id).at(0).size == 0);
  });
}

TEST_CASE("delete_attachment drops the content with its last attachment") {
  Seeded s;
  Application a = application(s.unit_id);
  Id first = 0, second = 0;
  s.write([&](Transaction& tx) {
    a.id = tx.insert_application(a);
    first = tx.insert_attachment(attachment(a.id, sha('a')), "same");
    second = tx.insert_attachment(attachment(a.id, sha('a')), "same");
  });
  s.write([&](Transaction& tx) { tx.delete_attachment(first); });
  CHECK(sql(s.path, "SELECT count(*) FROM blobs") == "1");
  s.write([&](Transaction& tx) { tx.delete_attachment(second); });
  CHECK(sql(s.path, "SELECT count(*) FROM blobs") == "0");
  CHECK(s.write_error([&](Transaction& tx) { tx.delete_attachment(second); }) == Errc::not_found);
}

TEST_CASE("delete_application removes its attachments and unshared content, and keeps events") {
  Seeded s;
  Id doomed = 0, other = 0, other_unit = 0;
  s.write([&](Transaction& tx) {
    other_unit = tx.insert_unit(unit(s.authority_id, 2));
    doomed = tx.insert_application(application(s.unit_id));
    other = tx.insert_application(application(other_unit));
    tx.insert_attachment(attachment(doomed, sha('1')), "only in the doomed one");
    tx.insert_attachment(attachment(doomed, sha('2')), "shared");
    tx.insert_attachment(attachment(other, sha('2')), "shared");
    tx.insert_event(event(doomed, "submitted"));
  });
  s.write([&](Transaction& tx) {
    tx.delete_application(doomed);
    // Recorded after the delete: the unit is known from the earlier event.
    tx.insert_event(event(doomed, "deleted"));
  });
  s.read([&](Transaction& tx) {
    CHECK_FALSE(tx.application(doomed));
    CHECK_FALSE(tx.open_application(s.unit_id));
    CHECK(tx.attachments(doomed).empty());
    CHECK_FALSE(tx.content(sha('1')));
    CHECK(tx.content(sha('2')) == "shared");
    CHECK(tx.attachments(other).size() == 1);
    auto events = tx.events(doomed);
    REQUIRE(events.size() == 2);
    CHECK(events[1].reply == "deleted");
    CHECK(tx.events_of_unit(s.unit_id).size() == 2);
    CHECK(tx.events_of_unit(other_unit).empty());
  });
  CHECK(sql(s.path, "SELECT count(*) FROM blobs") == "1");
  CHECK(s.write_error([&](Transaction& tx) { tx.delete_application(doomed); }) == Errc::not_found);
  // A new application never takes the deleted one's id, so old events
  // never attach to it.
  s.write([&](Transaction& tx) { CHECK(tx.insert_application(application(s.unit_id)) > other); });
}

TEST_CASE("events come oldest first, by application and by unit") {
  Seeded s;
  Id a = 0;
  s.write([&](Transaction& tx) {
    a = tx.insert_application(application(s.unit_id));
    auto e = event(a, "first");
    e.actor = "staff:3";
    e.action = "accept";
    e.from_status = "submitted";
    e.to_status = "accepted";
    e.business = "reissue";
    tx.insert_event(e);
    tx.insert_event(event(a, "second"));
  });
  s.read([&](Transaction& tx) {
    auto list = tx.events(a);
    REQUIRE(list.size() == 2);
    CHECK(list[0].id < list[1].id);
    CHECK(list[0].application_id == a);
    CHECK(list[0].action == "accept");
    CHECK(list[0].from_status == "submitted");
    CHECK(list[0].to_status == "accepted");
    CHECK(list[0].actor == "staff:3");
    CHECK(list[0].reply == "first");
    CHECK(list[0].at == "2026-02-01T09:30:00Z");
    CHECK(list[0].business == "reissue");
    CHECK(list[1].reply == "second");
    CHECK(tx.events_of_unit(s.unit_id).size() == 2);
  });
  CHECK(s.write_error([&](Transaction& tx) { tx.insert_event(event(999)); }) == Errc::not_found);
}

TEST_CASE("a unit's events come by application, oldest first within each, deleted ones included") {
  Seeded s;
  Id first = 0, second = 0, other_unit = 0;
  s.write([&](Transaction& tx) {
    other_unit = tx.insert_unit(unit(s.authority_id, 2));
    auto closed = application(s.unit_id, "completed");
    closed.open = false;
    first = tx.insert_application(closed);
    second = tx.insert_application(application(s.unit_id));
    // Recorded in an order that mixes the two applications.
    tx.insert_event(event(second, "second-1"));
    tx.insert_event(event(first, "first-1"));
    tx.insert_event(event(second, "second-2"));
    tx.insert_event(event(tx.insert_application(application(other_unit)), "other unit"));
  });
  auto replies = [&] {
    std::vector<std::string> out;
    s.read([&](Transaction& tx) {
      for (const auto& e : tx.events_of_unit(s.unit_id)) out.push_back(e.reply);
    });
    return out;
  };
  CHECK(replies() == std::vector<std::string>{"first-1", "second-1", "second-2"});
  s.write([&](Transaction& tx) { tx.delete_application(first); });
  CHECK(replies() == std::vector<std::string>{"first-1", "second-1", "second-2"});
  // A deleted application takes a "deleted" event even when it had none before.
  Id bare = 0;
  s.write([&](Transaction& tx) {
    tx.delete_application(second);
    auto closed = application(s.unit_id, "completed");
    closed.open = false;
    bare = tx.insert_application(closed);
  });
  s.write([&](Transaction& tx) {
    tx.delete_application(bare);
    tx.insert_event(event(bare, "deleted"));
  });
  CHECK(replies() == std::vector<std::string>{"first-1", "second-1", "second-2", "deleted"});
  CHECK(sql(s.path, "SELECT count(*) FROM deleted_applications WHERE unit_id = " +
                        std::to_string(s.unit_id)) == "3");
}

TEST_CASE("a queue is one authority's open applications in a status, oldest update first, paged") {
  Seeded s;
  Id gz_unit = 0;
  std::vector<Id> expected;
  s.write([&](Transaction& tx) {
    const Id gz = tx.insert_authority(authority("gz"));
    gz_unit = tx.insert_unit(unit(gz, 100));
    tx.insert_application(application(gz_unit, "submitted", "2026-02-01T00:00:00Z"));
    // Inserted out of time order; two share a time (then id decides).
    const char* times[] = {"2026-02-05T00:00:00Z", "2026-02-03T00:00:00Z", "2026-02-04T00:00:00Z",
                           "2026-02-03T00:00:00Z", "2026-02-06T00:00:00Z"};
    std::vector<std::pair<std::string, Id>> order;
    for (int i = 0; i < 5; ++i) {
      const Id u = tx.insert_unit(unit(s.authority_id, 10 + i));
      order.emplace_back(times[i], tx.insert_application(application(u, "submitted", times[i])));
    }
    std::sort(order.begin(), order.end());
    for (auto& o : order) expected.push_back(o.second);
    const Id other_status = tx.insert_unit(unit(s.authority_id, 20));
    tx.insert_application(application(other_status, "accepted", "2026-01-01T00:00:00Z"));
    const Id closed_unit = tx.insert_unit(unit(s.authority_id, 21));
    auto closed = application(closed_unit, "submitted", "2026-01-01T00:00:00Z");
    closed.open = false;
    tx.insert_application(closed);
  });
  s.read([&](Transaction& tx) {
    auto all = tx.queue(s.authority_id, "submitted", 100);
    std::vector<Id> ids;
    for (auto& a : all) ids.push_back(a.id);
    CHECK(ids == expected);

    auto page1 = tx.queue(s.authority_id, "submitted", 2);
    REQUIRE(page1.size() == 2);
    auto page2 = tx.queue(s.authority_id, "submitted", 2, {page1[1].updated_at, page1[1].id});
    REQUIRE(page2.size() == 2);
    auto page3 = tx.queue(s.authority_id, "submitted", 2, {page2[1].updated_at, page2[1].id});
    REQUIRE(page3.size() == 1);
    CHECK(std::vector<Id>{page1[0].id, page1[1].id, page2[0].id, page2[1].id, page3[0].id} ==
          expected);
    CHECK(tx.queue(s.authority_id, "submitted", 0).empty());
    CHECK(tx.queue(s.authority_id, "accepted", 10).size() == 1);
  });

  // The last row of a page moves on (accepted) before the next page is asked
  // for: the next page still starts right after where it was.
  s.write([&](Transaction& tx) {
    auto page1 = tx.queue(s.authority_id, "submitted", 2);
    auto moved = page1[1];
    moved.status = "accepted";
    moved.updated_at = "2026-03-01T00:00:00Z";
    REQUIRE(tx.update_application(moved, moved.version));
    auto page2 = tx.queue(s.authority_id, "submitted", 10, {page1[1].updated_at, page1[1].id});
    REQUIRE(page2.size() == 3);
    CHECK(page2[0].id == expected[2]);
  });
}

TEST_CASE("a unit moved to another authority takes its open application to that queue") {
  Seeded s;
  Id gz = 0;
  s.write([&](Transaction& tx) {
    gz = tx.insert_authority(authority("gz"));
    tx.insert_application(application(s.unit_id, "submitted"));
    auto u = *tx.unit(s.unit_id);
    u.authority_id = gz;
    tx.update_unit(u);
  });
  s.read([&](Transaction& tx) {
    CHECK(tx.queue(s.authority_id, "submitted", 10).empty());
    CHECK(tx.queue(gz, "submitted", 10).size() == 1);
  });
}

TEST_CASE("the audit log numbers records 1, 2, 3 and scans them in order") {
  Seeded s;
  s.read([&](Transaction& tx) { CHECK_FALSE(tx.last_audit_hash()); });
  for (int i = 0; i < 3; ++i) {
    s.write([&](Transaction& tx) {
      fuma::store::AuditRecord r;
      r.at = "2026-02-01T09:00:0" + std::to_string(i) + "Z";
      r.actor = "staff:1";
      r.command = "application.accept";
      r.target = "application:7";
      r.before_status = "submitted";
      r.after_status = "accepted";
      r.prev_hash = i ? std::string(64, char('0' + i - 1)) : "";
      r.hash = std::string(64, char('0' + i));
      CHECK(tx.append_audit(r).seq == i + 1);
    });
  }
  s.read([&](Transaction& tx) {
    CHECK(tx.last_audit_hash() == std::string(64, '2'));
    std::vector<std::int64_t> seen;
    std::optional<fuma::store::AuditRecord> last;
    tx.scan_audit([&](const fuma::store::AuditRecord& r) {
      seen.push_back(r.seq);
      last = r;
      return true;
    });
    REQUIRE(last);
    CHECK(last->seq == 3);
    CHECK(last->prev_hash == std::string(64, '1'));
    CHECK(last->command == "application.accept");
    CHECK(last->target == "application:7");
    CHECK(seen == std::vector<std::int64_t>{1, 2, 3});
    seen.clear();
    tx.scan_audit([&](const fuma::store::AuditRecord& r) {
      seen.push_back(r.seq);
      return r.seq < 2;
    });
    CHECK(seen == std::vector<std::int64_t>{1, 2});
  });
}

TEST_CASE("an audit record keeps its request id; none is stored as NULL and read as empty" *
          doctest::test_suite("sqlite")) {
  Seeded s;
  s.write([&](Transaction& tx) {
    tx.append_audit({0, "t1", "a", "c", "x", "", "", "", "h1", "abc-123"});
    tx.append_audit({0, "t2", "a", "c", "x", "", "", "h1", "h2", ""});
  });
  std::vector<std::string> ids;
  s.read([&](Transaction& tx) {
    tx.scan_audit([&](const fuma::store::AuditRecord& r) {
      ids.push_back(r.request_id);
      return true;
    });
  });
  CHECK(ids == std::vector<std::string>{"abc-123", ""});
  s.store.reset();
  RawDb db(s.path);
  CHECK(db.text("SELECT count(*) FROM audit WHERE request_id IS NULL") == "1");
}

TEST_CASE("audit records cannot be changed or deleted, even with plain SQL" *
          doctest::test_suite("sqlite")) {
  Seeded s;
  s.write([&](Transaction& tx) { tx.append_audit({0, "t", "a", "c", "x", "", "", "", "h", ""}); });
  s.store.reset();
  RawDb db(s.path);
  CHECK(db.exec("UPDATE audit SET actor = 'someone else'") == SQLITE_CONSTRAINT);
  CHECK(db.exec("DELETE FROM audit") == SQLITE_CONSTRAINT);
  CHECK(db.text("SELECT actor FROM audit") == "a");
}

TEST_CASE("an idempotency key is remembered per actor and cannot be reused") {
  Seeded s;
  s.write([&](Transaction& tx) {
    tx.remember("unit:1", "k-1", {"application.submit", R"({"ok":true})", "d1"});
    tx.remember("unit:2", "k-1", {"application.save", R"({"ok":true,"n":2})", "d2"});
  });
  s.read([&](Transaction& tx) {
    auto r = tx.idempotent("unit:1", "k-1");
    REQUIRE(r);
    CHECK(r->command == "application.submit");
    CHECK(r->result_json == R"({"ok":true})");
    CHECK(r->request == "d1");
    CHECK(tx.idempotent("unit:2", "k-1")->command == "application.save");
    CHECK_FALSE(tx.idempotent("unit:1", "k-2"));
  });
  CHECK(s.write_error([&](Transaction& tx) {
    tx.remember("unit:1", "k-1", {"application.submit", "{}", "d1"});
  }) == Errc::conflict);
}

TEST_CASE("a write throwing midway leaves nothing behind") {
  Seeded s;
  CHECK_THROWS_AS(s.write([&](Transaction& tx) {
    tx.insert_unit(unit(s.authority_id, 2));
    tx.insert_unit(unit(s.authority_id, 1));  // conflict
  }),
                  fuma::Error);
  s.read([&](Transaction& tx) { CHECK_FALSE(tx.unit_by_uscc(uscc(2))); });
}

TEST_CASE("a write inside read() is refused and changes nothing") {
  Seeded s;
  try {
    s.read([&](Transaction& tx) { tx.insert_unit(unit(s.authority_id, 2)); });
    FAIL("no error");
  } catch (const fuma::Error& e) {
    CHECK(e.code() == Errc::internal);
    CHECK(e.detail().find("Store::read") != std::string::npos);
  }
  CHECK(error_of([&] { s.read([&](Transaction& tx) { tx.take_serial(s.authority_id); }); }) ==
        Errc::internal);
  s.read([&](Transaction& tx) { CHECK_FALSE(tx.unit_by_uscc(uscc(2))); });
  s.write([&](Transaction& tx) { CHECK(tx.take_serial(s.authority_id) == 0); });
}

TEST_CASE("read() sees one snapshot while another thread commits") {
  Seeded s;
  s.read([&](Transaction& tx) {
    CHECK_FALSE(tx.unit_by_uscc(uscc(2)));
    std::thread writer(
        [&] { s.write([&](Transaction& w) { w.insert_unit(unit(s.authority_id, 2)); }); });
    writer.join();
    CHECK_FALSE(tx.unit_by_uscc(uscc(2)));
  });
  s.read([&](Transaction& tx) { CHECK(tx.unit_by_uscc(uscc(2))); });
}

TEST_CASE("a write nested in a write of the same store fails instead of waiting for itself") {
  Seeded s;
  CHECK(error_of([&] { s.write([&](Transaction&) { s.write([](Transaction&) {}); }); }) ==
        Errc::internal);
  // The outer transaction was rolled back and the store is still usable.
  s.write([&](Transaction& tx) { tx.insert_unit(unit(s.authority_id, 2)); });
}

TEST_CASE("a callback that queries again while scanning the audit log works") {
  Seeded s;
  s.write([&](Transaction& tx) {
    tx.append_audit({0, "t1", "a", "c", "x", "", "", "", "h1", ""});
    tx.append_audit({0, "t2", "a", "c", "x", "", "", "h1", "h2", ""});
  });
  s.read([&](Transaction& tx) {
    int outer = 0, inner = 0;
    tx.scan_audit([&](const fuma::store::AuditRecord&) {
      ++outer;
      tx.scan_audit([&](const fuma::store::AuditRecord&) {
        ++inner;
        return true;
      });
      return true;
    });
    CHECK(outer == 2);
    CHECK(inner == 4);
  });
}

TEST_CASE("an in-memory store reads and writes on one connection" * doctest::test_suite("sqlite")) {
  auto store = open_store("");
  CHECK(store->schema_version() == fuma::store::latest_schema_version());
  Id id = 0;
  store->write([&](Transaction& tx) { id = tx.insert_authority(authority()); });
  store->read([&](Transaction& tx) { CHECK(tx.authority(id)->code == "sz"); });
  CHECK(error_of([&] { store->read([&](Transaction& tx) { tx.take_serial(id); }); }) ==
        Errc::internal);
  CHECK(error_of([&] { store->write([&](Transaction&) { store->read([](Transaction&) {}); }); }) ==
        Errc::internal);
  // Two in-memory stores are two databases.
  auto other = open_store("");
  other->read([&](Transaction& tx) { CHECK_FALSE(tx.authority(id)); });
}
