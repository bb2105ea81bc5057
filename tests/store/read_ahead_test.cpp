// SPDX-License-Identifier: Apache-2.0
// Transaction::read_ahead: reads named before they are made answer exactly
// as without it, in a read and in a write, before and after the write's own
// changes, and for records that are not there.
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/fixtures.hpp"
#include "support/temp_dir.hpp"

using fuma::store::Id;
using fuma::store::ReadAhead;
using fuma::store::Transaction;
using namespace fuma::test;

namespace {

const std::string kUnitToken = sha('a');
const std::string kStaffToken = sha('b');

// A case with everything the application page reads: a unit logged in
// with a credential, a staff member logged in, an application with an
// event and an attachment, and the unit's active certificate.
struct Case {
  TempDir dir;
  std::unique_ptr<fuma::store::Store> store = open_store(dir.file("fuma.db"));
  Id authority_id = 0;
  Id unit_id = 0;
  Id staff_id = 0;
  Id application_id = 0;

  Case() {
    store->write([&](Transaction& tx) {
      authority_id = tx.insert_authority(authority());
      unit_id = tx.insert_unit(unit(authority_id, 1));
      fuma::store::SigningKey k;
      k.authority_id = authority_id;
      k.kid = "0123456789abcdef";
      k.public_key = std::string(32, '\x01');
      k.sealed_private = std::string(60, '\x02');
      k.created_at = "2026-01-05T08:00:00Z";
      const Id key = tx.insert_key(k);
      fuma::store::CredentialRequest r;
      r.unit_id = unit_id;
      r.reason = "first";
      r.recipient = "李四";
      r.phone = "13800000000";
      r.requested_on = "2026-01-05";
      r.recorded_by = "system";
      r.created_at = "2026-01-05T08:00:00Z";
      const Id request = tx.insert_credential_request(r);
      fuma::store::Credential c;
      c.unit_id = unit_id;
      c.request_id = request;
      c.key_id = key;
      c.issued_at = "2026-01-05T08:00:00Z";
      c.delivery = "on_site";
      c.payload_digest = sha('c');
      const Id credential = tx.insert_credential(c);
      fuma::store::Session s;
      s.token_hash = kUnitToken;
      s.unit_id = unit_id;
      s.credential_id = credential;
      s.created_at = s.last_seen_at = "2026-02-01T09:00:00Z";
      tx.insert_session(s);
      fuma::store::Staff st;
      st.authority_id = authority_id;
      st.username = "shouli";
      st.name = "受理员";
      st.roles = {"acceptor"};
      st.created_at = "2026-01-05T08:00:00Z";
      staff_id = tx.insert_staff(st);
      fuma::store::StaffSession ss;
      ss.token_hash = kStaffToken;
      ss.staff_id = staff_id;
      ss.created_at = ss.last_seen_at = "2026-02-01T09:00:00Z";
      tx.insert_staff_session(ss);
      fuma::store::Certificate cert;
      cert.unit_id = unit_id;
      cert.serial = "MB0000001";
      cert.issued_on = "2026-01-05";
      cert.created_at = "2026-01-05T08:00:00Z";
      tx.insert_certificate(cert);
      application_id = tx.insert_application(application(unit_id));
      tx.insert_event(event(application_id, "first"));
      tx.insert_attachment(attachment(application_id, sha('d')), "%PDF-1.4 content");
      fuma::store::AuditRecord a;
      a.at = "2026-02-01T09:00:00Z";
      a.actor = "system";
      a.command = "seed";
      a.prev_hash = sha('0');
      a.hash = sha('1');
      tx.append_audit(a);
    });
  }

  ReadAhead everything() const {
    ReadAhead a;
    a.unit_session = kUnitToken;
    a.staff_session = kStaffToken;
    a.application = application_id;
    a.application_unit = true;
    a.case_facts = application_id;
    a.audit_head = true;
    return a;
  }

  // What the application page reads, as text: every field of every record.
  std::string page(Transaction& tx) const {
    std::string out;
    auto field = [&](const auto& v) {
      out += v;
      out += '|';
    };
    if (auto s = tx.unit_session_by_token_hash(kUnitToken)) {
      field(std::to_string(s->session.id) + s->session.token_hash + s->session.last_seen_at);
      field(s->unit ? s->unit->uscc + s->unit->name : "no unit");
      field(s->credential_status.value_or("no credential"));
    }
    if (auto s = tx.staff_session_by_token_hash(kStaffToken)) {
      field(std::to_string(s->staff_id) + s->token_hash);
      if (auto st = tx.staff(s->staff_id)) field(st->username + st->name);
    }
    if (auto a = tx.application(application_id)) {
      field(std::to_string(a->version) + a->status + a->fields_json + a->updated_at);
      if (auto u = tx.unit(a->unit_id)) field(u->uscc + u->address);
      if (auto c = tx.active_certificate(a->unit_id)) field(c->serial + c->status);
    }
    for (const auto& e : tx.events(application_id)) field(std::to_string(e.id) + e.reply);
    for (const auto& a : tx.attachments(application_id)) field(a.file_name + a.digest);
    field(tx.last_audit_hash().value_or("no head"));
    return out;
  }
};

}  // namespace

TEST_CASE("reads named ahead answer as the same reads made without") {
  Case c;
  std::string plain;
  std::string ahead;
  c.store->read([&](Transaction& tx) { plain = c.page(tx); });
  c.store->read([&](Transaction& tx) {
    tx.read_ahead(c.everything());
    ahead = c.page(tx);
  });
  CHECK(ahead == plain);
  CHECK(plain.find("MB0000001") != std::string::npos);
  CHECK(plain.find("shouli") != std::string::npos);
  // In a write too, and twice: a read ahead that is read once goes to the
  // store the second time.
  c.store->write([&](Transaction& tx) {
    tx.read_ahead(c.everything());
    CHECK(c.page(tx) == plain);
    CHECK(c.page(tx) == plain);
  });
}

TEST_CASE("a write that read ahead then reads what it wrote, not what it read") {
  Case c;
  c.store->write([&](Transaction& tx) {
    tx.read_ahead(c.everything());
    fuma::store::Application a = *tx.application(c.application_id);
    a.status = "submitted";
    REQUIRE(tx.update_application(a, a.version));
    tx.insert_event(event(c.application_id, "second"));
    tx.insert_attachment(attachment(c.application_id, sha('e')), "another file");
    fuma::store::Certificate cert = *tx.active_certificate(c.unit_id);
    cert.status = "superseded";
    tx.update_certificate(cert);
    // Named again after the changes: read anew.
    tx.read_ahead(c.everything());
    CHECK(tx.application(c.application_id)->status == "submitted");
    CHECK(tx.application(c.application_id)->version == 2);
    CHECK(tx.events(c.application_id).size() == 2);
    CHECK(tx.attachments(c.application_id).size() == 2);
    CHECK_FALSE(tx.active_certificate(c.unit_id));
  });
  // And without naming them again; what a write leaves alone stays good.
  c.store->write([&](Transaction& tx) {
    tx.read_ahead(c.everything());
    tx.insert_event(event(c.application_id, "third"));
    CHECK(tx.events(c.application_id).size() == 3);
    CHECK(tx.attachments(c.application_id).size() == 2);
  });
  // A row read through another table goes with a write to either.
  c.store->write([&](Transaction& tx) {
    tx.read_ahead(c.everything());
    fuma::store::Unit u = *tx.unit(c.unit_id);
    u.name = "深圳市改名后的局";
    tx.update_unit(u);
    CHECK(tx.unit_session_by_token_hash(kUnitToken)->unit->name == "深圳市改名后的局");
  });
}

TEST_CASE("the chain's head read ahead stays right through a write until its record is appended") {
  Case c;
  c.store->write([&](Transaction& tx) {
    tx.read_ahead(c.everything());
    tx.insert_event(event(c.application_id, "not the chain"));
    CHECK(tx.last_audit_hash() == sha('1'));
  });
  c.store->write([&](Transaction& tx) {
    tx.read_ahead(c.everything());
    fuma::store::AuditRecord r;
    r.at = "2026-02-01T10:00:00Z";
    r.actor = "system";
    r.command = "next";
    r.prev_hash = sha('1');
    r.hash = sha('2');
    tx.append_audit(r);
    CHECK(tx.last_audit_hash() == sha('2'));
  });
}

TEST_CASE("reads named ahead of records that are not there find none") {
  Case c;
  ReadAhead missing;
  missing.unit_session = sha('9');
  missing.staff_session = sha('8');
  missing.application = c.application_id + 1000;
  missing.application_unit = true;
  missing.case_facts = c.application_id + 1000;
  c.store->read([&](Transaction& tx) {
    tx.read_ahead(missing);
    CHECK_FALSE(tx.unit_session_by_token_hash(sha('9')));
    CHECK_FALSE(tx.staff_session_by_token_hash(sha('8')));
    CHECK_FALSE(tx.application(c.application_id + 1000));
    CHECK(tx.events(c.application_id + 1000).empty());
    CHECK(tx.attachments(c.application_id + 1000).empty());
    // The records that are there are read as usual.
    CHECK(tx.application(c.application_id));
    CHECK(tx.active_certificate(c.unit_id));
  });
  // Naming nothing reads nothing, and a transaction that reads nothing ends
  // cleanly: the next one works.
  c.store->read([&](Transaction& tx) { tx.read_ahead(ReadAhead{}); });
  c.store->write([&](Transaction& tx) { tx.read_ahead(ReadAhead{}); });
  c.store->read([&](Transaction& tx) { CHECK(tx.application(c.application_id)); });
}
