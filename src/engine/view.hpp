// SPDX-License-Identifier: Apache-2.0
// What commands answer with: records as JSON, and the case as the
// application page shows it (最新信息, 办理进度, the form, attachments, the
// actions open to the actor, the deadline).
#ifndef FUMA_SRC_ENGINE_VIEW_HPP
#define FUMA_SRC_ENGINE_VIEW_HPP

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actor.hpp"
#include "clock.hpp"
#include "command.hpp"
#include "crypto/crypto.hpp"
#include "fuma/attachments.hpp"
#include "fuma/workflow.hpp"
#include "store/store.hpp"

namespace fuma::engine {

boost::json::object authority_json(const store::Authority& a);
boost::json::object staff_json(const store::Staff& s);
boost::json::object unit_json(const store::Unit& u);
boost::json::object certificate_json(const store::Certificate& c);
// Labels come from the engine's own checklist and workflow definition. `sp`:
// the storage of the object the result goes into (Context::storage), so
// that it moves there, not copies.
// `digest`: the store's, which made a.digest.
boost::json::object attachment_json(const attachments::Rules& rules, const store::Attachment& a,
                                    crypto::Digest digest, boost::json::storage_ptr sp = {});
// {key, label}
boost::json::object status_json(const workflow::Definition& def, std::string_view key);
boost::json::object business_json(const workflow::Definition& def, std::string_view key);

// When the case entered its current status, and what follows from the
// status' time limit (working days, counted on the engine's official
// calendar, in China's time zone).
struct Deadline {
  std::string since;        // ISO time of the last status change
  std::optional<Date> due;  // unset when the status has no time limit
  bool overdue = false;     // today (China) is after the due date
  // Set when the count went through a year the calendar does not cover, so
  // that Monday to Friday stood in for the official arrangement.
  std::optional<std::string> warning;
};
Deadline deadline(const Domain& domain, const store::Application& a,
                  const std::vector<store::Event>& events, TimePoint now);
void put_deadline(boost::json::object& o, const Deadline& d);

// What the application page shows of the store besides the case itself.
struct CaseFacts {
  std::vector<store::Event> events;
  std::optional<store::Certificate> certificate;  // the unit's active one
  std::vector<store::Attachment> attachments;
};
CaseFacts case_facts(store::Transaction& txn, const Case& c);
// The same, with the case's events as the caller already holds them.
CaseFacts case_facts(store::Transaction& txn, const Case& c, std::vector<store::Event> events);

// An answer whose "application" is the case's page, written after the
// transaction from facts read now, in `txn` (with the case's events as the
// caller holds them, when it passes them).
Output case_answer(const Context& ctx, store::Transaction& txn, const Actor& actor, Case c);
Output case_answer(const Context& ctx, store::Transaction& txn, const Actor& actor, Case c,
                   std::vector<store::Event> events);

// Names of the actors events record ("staff:12" → the staff member's name),
// looked up once per request.
class ActorNames {
 public:
  explicit ActorNames(store::Transaction& txn) : txn_(txn) {}
  std::string name(const std::string& key);

 private:
  store::Transaction& txn_;
  std::vector<std::pair<std::string, std::string>> known_;
};

// Whether the unit reads the reply of event `e`: its step's "reply_to" in
// the workflow definition.
bool reply_for_unit(const workflow::Definition& def, const store::Event& e);

// One event of 历史信息. For a unit reader, a reply meant for staff (复核退回)
// is left out; the step itself stays.
boost::json::object event_json(const workflow::Definition& def, const store::Event& e,
                               ActorNames& names, bool unit_reader);

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_VIEW_HPP
