// SPDX-License-Identifier: Apache-2.0
// The audit log: one record per state-changing command, chained by a digest
// so that changing or removing a record breaks every hash after it.
//
// The digest is the one the store recorded for its chain when it was created
// (meta audit_digest: SHA-256 under the standard suite, SM3 under sm; a
// store with no record is SHA-256), so a chain keeps its algorithm for life.
//
// hash = the digest (hex) over the canonical serialisation of at, actor,
// command, target, before_status, after_status and prev_hash, and then
// request_id when it is not empty: each field as its byte length in
// decimal, ':', the bytes, ';', in that order. Lengths make the encoding
// unambiguous whatever the fields contain, and a record with a request id
// has one field more than any without. The first record's prev_hash is 64
// zeros. seq is not hashed: the chain fixes the order already, and the
// store assigns seq only on append.
//
// The request id is hashed so that it is as tamper-evident as the rest of
// the record: rewriting it breaks the chain. It is left out when empty, so
// a record without one hashes exactly as every record made before request
// ids existed (schema 7 and older), and those chains verify unchanged.
#ifndef FUMA_SRC_ENGINE_AUDIT_HPP
#define FUMA_SRC_ENGINE_AUDIT_HPP

#include <cstdint>
#include <optional>
#include <string>

#include "crypto/crypto.hpp"
#include "store/store.hpp"

namespace fuma::engine {

std::string audit_hash(const store::AuditRecord& r, crypto::Digest digest);

// Fills prev_hash from the last record and hash, then appends; inside the
// command's write transaction, so the record commits with the change.
store::AuditRecord append_audit(store::Transaction& txn, store::AuditRecord r,
                                crypto::Digest digest);

struct AuditVerdict {
  std::int64_t records = 0;
  // The first record whose prev_hash or hash does not hold, if any.
  std::optional<std::int64_t> broken_seq;
  std::string reason;     // "prev_hash", "hash" or "seq"; empty when intact
  std::string last_hash;  // of the last intact record; 64 zeros for none
};
// Walks the whole chain. Removing records at the very end cannot be told
// from a shorter log by the chain alone; an external copy of the last hash
// (audit.verify returns it) detects that.
AuditVerdict verify_audit(store::Transaction& txn, crypto::Digest digest);

// The chain as an admin of one authority may see it, which says nothing of
// any other authority's records. The whole chain is walked, and only the
// authority's own records are reported: a record is the authority's when
// its actor is the authority's staff member or unit, or, for the system
// and anonymous callers, when its target is one of the authority's records
// (its staff, units, applications, certificates, credentials, or the
// authority itself). records counts them; broken_seq is the position (1, 2,
// ...) among them of the first whose hash, or link to the record before it
// in the chain, does not hold; last_hash the hash of the last of them
// before it (64 zeros for none).
AuditVerdict verify_audit_of(store::Transaction& txn, crypto::Digest digest,
                             store::Id authority_id);

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_AUDIT_HPP
