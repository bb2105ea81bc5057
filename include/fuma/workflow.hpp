// SPDX-License-Identifier: Apache-2.0
// fuma/workflow.hpp -- the workflow of an application, as data.
//
// The business types (业务), the statuses of 办理进度 and every transition
// between them with the role allowed to take it come from a JSON definition.
// The library ships a default (the seed manual's flow with the authority's
// side); a locality may load its own. A definition is validated when it is
// parsed: a defect is an error naming its location, never a workflow that
// misbehaves later.
//
// Pure: no I/O, no clock. A Definition is immutable once parsed and safe to
// share between threads.
#ifndef FUMA_WORKFLOW_HPP
#define FUMA_WORKFLOW_HPP

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fuma::workflow {

// Who takes a step. Staff roles are granted per staff member; the applicant
// is the unit itself.
enum class Role { applicant, acceptor, reviewer, admin };
std::string_view role_name(Role r) noexcept;  // "applicant", ...
std::optional<Role> parse_role(std::string_view name) noexcept;

// Whether a transition needs a reply message (回复信息), which becomes the
// applicant's 最新信息.
enum class Reply { none, optional, required };

// What a unit fills in to apply online (申请信息录入): the change items
// with their new values (and an optional reason), or a reason.
enum class Entry { none, change_items, reason };
std::string_view entry_name(Entry e) noexcept;  // "none", "change_items", "reason"

// What completing a case (reaching a final status) does: nothing more;
// apply the change items to the unit and its certificate; issue a new
// certificate in place of the old (补领, 换领); revoke the unit's code, its
// certificate and its login credentials (撤销).
enum class Completion { none, change_records, new_certificate, revoke_unit };
std::string_view completion_name(Completion c) noexcept;  // "none", "change_records", ...

struct Business {
  std::string key;                           // "change"
  std::string label;                         // "申请变更"
  bool online = true;                        // false: 需要现场办理 (initial, extension)
  std::string form;                          // the form template key for 下载表格
  Entry entry = Entry::none;                 // set for every online business
  Completion completion = Completion::none;  // none for every on-site business
  // What the unit reads once its case is 已办结: what was done, and what to
  // do next (领取 the new certificate, ...). Online businesses only.
  std::optional<std::string> outcome;
  std::optional<std::string> next_steps;
};

struct Status {
  std::string key;         // "submitted"
  std::string label;       // "待受理"
  bool initial = false;    // where a new application starts (exactly one)
  bool final = false;      // 已办结: no way out
  bool editable = false;   // 暂存 and attachments allowed (未提交, 未通过)
  bool deletable = false;  // 删除申报材料 allowed (未提交, 未通过)
  // Working days the authority has to act while a case is in this status;
  // unset where the next step is the applicant's.
  std::optional<int> time_limit_days;
};

struct Transition {
  std::string from;    // status key
  std::string action;  // "accept"
  Role role = Role::applicant;
  std::string to;  // status key
  Reply reply = Reply::none;
  // Four-eyes: the actor may not be whoever last took one of these actions
  // on the same application (approve: distinct from accept and forward).
  std::vector<std::string> distinct_from;
  // Submit-like transitions check the entry fields and the attachments.
  bool validates = false;
  // Once a case has taken this step, 下载表格 gives the form to sign and
  // stamp (without 仅供核对): 复核通过.
  bool approves = false;
  // Whether the unit sees this step's reply (回复信息) in 最新信息 and
  // 历史信息 ("reply_to": "unit"), or it is a note between staff ("staff":
  // 复核退回 tells the acceptor, not the unit). The unit still sees the step.
  bool reply_to_unit = true;
};

// What the engine that runs a definition offers beyond the file: the
// actions its commands take by name (application.save takes "save",
// application.accept "accept", ...; application.submit takes every
// validating step, whatever its action), whether each is a unit's command
// or staff's, and the form templates a case can print.
// Definition::check holds a definition against them.
struct Runtime {
  struct Step {
    std::string action;
    bool applicant = false;  // taken by the unit; else by staff
  };
  std::vector<Step> steps;
  std::vector<std::string> forms;
};

class Definition {
 public:
  // Parse and validate. Throws fuma::Error(invalid_argument) whose detail
  // names the source and the JSON location of the first defect, e.g.
  // "workflow.json: transitions[4].role: unknown role 'clerk'". Checked:
  // JSON syntax and types; unknown fields; duplicate keys; exactly one
  // initial status; transitions that name unknown statuses; transitions
  // without a role; a reply rule missing on any transition; duplicate
  // (from, action) pairs; statuses unreachable from the initial one;
  // non-final statuses with no way out (none at all, or none that ever
  // reaches a final status); final statuses with one, or that are editable,
  // deletable or time-limited; distinct_from naming an action that does not
  // exist. Also: "version" must be 1; a JSON field written twice; keys
  // (business, status, action, form) spelt [a-z][a-z0-9_]*; empty labels;
  // time_limit_days outside 1..365. "description" is allowed in every object
  // as a note for people and is not kept. What the engine does for each
  // business: an online business without an entry form, an on-site one with
  // an entry form or a completion, change_records without change_items; an
  // editable status without a "save" step, a "save" step from a status that
  // is not editable; with any online business, no validating step, or a
  // validating step that is not the applicant's, or no approving step.
  //
  // Version 1 files may leave out "entry", "on_complete" and "approves":
  // the shipped business keys then take their shipped entry form and
  // completion (change: change_items, change_records; reissue and replace:
  // reason, new_certificate; revoke: reason, revoke_unit), and the steps
  // named "approve" approve. "reply_to" ("unit" or "staff") goes only with
  // a reply that is not "none"; left out, the steps named "return" and
  // "forward" (between reviewer and acceptor) reply to staff, the others to
  // the unit. "outcome" and "next_steps" (texts the unit reads at 已办结)
  // go only with an online business.
  static Definition parse(std::string_view json, std::string_view source);

  // Holds the definition against what its engine offers: every transition
  // is taken by a command that the role it names may call, every business's
  // form is a template. Throws
  // fuma::Error(invalid_argument) naming the source and the place, as parse
  // does: "workflow.json: transitions[7].action: no command takes the action
  // 'check' (...)".
  void check(const Runtime& runtime) const;

  // The definition shipped with the library (src/workflow/data/workflow.json).
  static const Definition& standard();

  const std::vector<Business>& businesses() const { return businesses_; }
  const std::vector<Status>& statuses() const { return statuses_; }
  const std::vector<Transition>& transitions() const { return transitions_; }

  const Business* business(std::string_view key) const;
  const Status* status(std::string_view key) const;
  // Throws fuma::Error(internal) only for a default-constructed Definition.
  const Status& initial() const;
  // The transition for taking `action` in status `from`, or null.
  const Transition* transition(std::string_view from, std::string_view action) const;
  // Every transition out of `from`, in definition order.
  std::vector<const Transition*> transitions_from(std::string_view from) const;
  // Whether a step with this action approves the case (Transition::approves).
  bool approving(std::string_view action) const;

 private:
  std::string source_;
  std::vector<Business> businesses_;
  std::vector<Status> statuses_;
  std::vector<Transition> transitions_;
};

}  // namespace fuma::workflow

#endif  // FUMA_WORKFLOW_HPP
