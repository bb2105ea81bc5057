// SPDX-License-Identifier: Apache-2.0
#include "audit.hpp"

namespace fuma::engine {
namespace {

const std::string kGenesis(64, '0');

void field(std::string& out, const std::string& value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += ';';
}

}  // namespace

std::string audit_hash(const store::AuditRecord& r, crypto::Digest digest) {
  std::string canonical;
  for (const std::string* f :
       {&r.at, &r.actor, &r.command, &r.target, &r.before_status, &r.after_status, &r.prev_hash}) {
    field(canonical, *f);
  }
  if (!r.request_id.empty()) field(canonical, r.request_id);
  return crypto::digest_hex(digest, canonical);
}

store::AuditRecord append_audit(store::Transaction& txn, store::AuditRecord r,
                                crypto::Digest digest) {
  r.prev_hash = txn.last_audit_hash().value_or(kGenesis);
  r.hash = audit_hash(r, digest);
  return txn.append_audit(r);
}

AuditVerdict verify_audit(store::Transaction& txn, crypto::Digest digest) {
  AuditVerdict v;
  std::string prev = kGenesis;
  std::int64_t expected_seq = 0;
  txn.scan_audit([&](const store::AuditRecord& r) {
    ++v.records;
    const char* reason = nullptr;
    if (expected_seq != 0 && r.seq != expected_seq) {
      reason = "seq";
    } else if (r.prev_hash != prev) {
      reason = "prev_hash";
    } else if (audit_hash(r, digest) != r.hash) {
      reason = "hash";
    }
    if (reason != nullptr) {
      v.broken_seq = r.seq;
      v.reason = reason;
      return false;
    }
    prev = r.hash;
    expected_seq = r.seq + 1;
    return true;
  });
  v.last_hash = prev;
  return v;
}

}  // namespace fuma::engine
