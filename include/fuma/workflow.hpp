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

struct Business {
  std::string key;     // "change"
  std::string label;   // "申请变更"
  bool online = true;  // false: 需要现场办理 (initial, extension)
  std::string form;    // the form template key for 下载表格
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
  // as a note for people and is not kept.
  static Definition parse(std::string_view json, std::string_view source);

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

 private:
  std::vector<Business> businesses_;
  std::vector<Status> statuses_;
  std::vector<Transition> transitions_;
};

}  // namespace fuma::workflow

#endif  // FUMA_WORKFLOW_HPP
