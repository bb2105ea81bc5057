// SPDX-License-Identifier: Apache-2.0
#include "audit.hpp"

#include <charconv>
#include <map>
#include <string_view>

namespace fuma::engine {
namespace {

const std::string kGenesis(64, '0');

void field(std::string& out, const std::string& value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += ';';
}

// The authority of the record a reference names ("staff:12",
// "unit:<USCC>", "application:42", ...), looked up once per reference.
class Owners {
 public:
  explicit Owners(store::Transaction& txn) : txn_(txn) {}

  // A record's authority: its actor's, a staff member or a unit, who act
  // within their own authority only; for the system and anonymous callers,
  // its target's. None for a target of no authority (a captcha, an
  // attempt from an address or under a name, a backup).
  std::optional<store::Id> of(const store::AuditRecord& r) {
    const bool acting = r.actor.rfind("staff:", 0) == 0 || r.actor.rfind("unit:", 0) == 0;
    if (acting) return named(r.actor);
    // authority.create names its authority by code, which may be all
    // digits; every other record names an authority by id.
    constexpr std::string_view kAuthority = "authority:";
    if (r.command == "authority.create" && r.target.rfind(kAuthority, 0) == 0) {
      const auto a = txn_.authority_by_code(std::string_view(r.target).substr(kAuthority.size()));
      return a ? std::optional<store::Id>(a->id) : std::nullopt;
    }
    return named(r.target);
  }

 private:
  std::optional<store::Id> named(const std::string& ref) {
    const auto found = cache_.find(ref);
    if (found != cache_.end()) return found->second;
    return cache_[ref] = look_up(ref);
  }

  static std::optional<store::Id> number(std::string_view text) {
    store::Id v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return v;
  }

  std::optional<store::Id> unit_authority(store::Id unit_id) {
    const auto u = txn_.unit(unit_id);
    return u ? std::optional<store::Id>(u->authority_id) : std::nullopt;
  }

  std::optional<store::Id> look_up(std::string_view ref) {
    const std::size_t colon = ref.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const std::string_view kind = ref.substr(0, colon);
    const std::string_view name = ref.substr(colon + 1);
    const std::optional<store::Id> id = number(name);
    if (kind == "staff") {
      const auto s = id ? txn_.staff(*id) : std::nullopt;
      return s ? std::optional<store::Id>(s->authority_id) : std::nullopt;
    }
    if (kind == "unit") {
      const auto u = txn_.unit_by_uscc(name);
      return u ? std::optional<store::Id>(u->authority_id) : std::nullopt;
    }
    if (kind == "application") {
      const auto a = id ? txn_.application(*id) : std::nullopt;
      return a ? unit_authority(a->unit_id) : std::nullopt;
    }
    if (kind == "credential") {
      const auto c = id ? txn_.credential(*id) : std::nullopt;
      return c ? unit_authority(c->unit_id) : std::nullopt;
    }
    if (kind == "certificate") {
      const auto c = txn_.certificate_by_serial(name);
      return c ? unit_authority(c->unit_id) : std::nullopt;
    }
    if (kind == "authority") {
      const auto a = id ? txn_.authority(*id) : std::nullopt;
      return a ? std::optional<store::Id>(a->id) : std::nullopt;
    }
    return std::nullopt;
  }

  store::Transaction& txn_;
  std::map<std::string, std::optional<store::Id>, std::less<>> cache_;
};

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

AuditVerdict verify_audit_of(store::Transaction& txn, crypto::Digest digest,
                             store::Id authority_id) {
  AuditVerdict v;
  v.last_hash = kGenesis;
  Owners owners(txn);
  // Each record against the one before it, to the end: an authority's
  // records after another's broken one still hold or not on their own.
  std::string prev = kGenesis;
  std::int64_t expected_seq = 0;
  txn.scan_audit([&](const store::AuditRecord& r) {
    const char* reason = nullptr;
    if (expected_seq != 0 && r.seq != expected_seq) {
      reason = "seq";
    } else if (r.prev_hash != prev) {
      reason = "prev_hash";
    } else if (audit_hash(r, digest) != r.hash) {
      reason = "hash";
    }
    prev = r.hash;
    expected_seq = r.seq + 1;
    if (owners.of(r) != authority_id) return true;
    ++v.records;
    if (v.broken_seq) return true;
    if (reason != nullptr) {
      v.broken_seq = v.records;
      v.reason = reason;
    } else {
      v.last_hash = r.hash;
    }
    return true;
  });
  return v;
}

}  // namespace fuma::engine
