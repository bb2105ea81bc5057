# SPDX-License-Identifier: Apache-2.0
"""The contract comparer (contractcheck.py), on copies of the stored baseline
edited the way a change to a declaration would: each breaking change fails
with the command and the path it touches, each compatible one passes."""

import copy
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import contractcheck  # noqa: E402

with open(os.path.join(HERE, "commands.json"), encoding="utf-8") as _f:
    BASELINE = json.load(_f)


def command(registry, name):
    return next(d for d in registry["commands"] if d["name"] == name)


def edited(name, edit):
    """A copy of the baseline with `edit` applied to command `name`."""
    registry = copy.deepcopy(BASELINE)
    edit(command(registry, name))
    return registry


def breaks(current):
    broken, _ = contractcheck.compare(BASELINE, current)
    return broken


def member(schema, *names):
    """The schema of a nested member, e.g. member(args, "fields", "reason")."""
    for name in names:
        schema = schema["properties"][name]
    return schema


def test_the_baseline_keeps_its_own_contract():
    assert breaks(copy.deepcopy(BASELINE)) == []


def test_the_baseline_holds_stable_commands():
    # Without any, every other test here would pass for nothing.
    assert command(BASELINE, "uscc.check")["tier"] == "stable"
    assert command(BASELINE, "application.save")["tier"] == "stable"


# Breaking changes -----------------------------------------------------------

def test_a_removed_result_field_fails():
    current = edited("uscc.check", lambda d: d["result"]["properties"].pop("valid"))
    assert breaks(current) == ["uscc.check: result.valid: removed from the result"]


def test_a_renamed_result_field_fails():
    def rename(d):
        props = d["result"]["properties"]
        props["is_valid"] = props.pop("valid")
        d["result"]["required"] = ["is_valid" if r == "valid" else r
                                   for r in d["result"]["required"]]
    assert breaks(edited("uscc.check", rename)) == [
        "uscc.check: result.valid: removed from the result"]


def test_a_result_field_made_optional_fails():
    current = edited("uscc.check",
                     lambda d: d["result"]["required"].remove("valid"))
    assert breaks(current) == [
        "uscc.check: result.valid: may now be absent (no longer required)"]


def test_a_result_field_that_may_now_be_null_fails():
    def widen(d):
        member(d["result"], "valid")["type"] = ["boolean", "null"]
    assert breaks(edited("uscc.check", widen)) == [
        'uscc.check: result.valid: may now be null (type ["boolean", "null"], was "boolean")']


def test_a_removed_stable_command_fails():
    current = copy.deepcopy(BASELINE)
    current["commands"] = [d for d in current["commands"] if d["name"] != "uscc.check"]
    assert breaks(current) == ["uscc.check: removed (a stable command)"]


def test_a_stable_command_made_experimental_fails():
    current = edited("uscc.check", lambda d: d.update(tier="experimental"))
    assert breaks(current) == ["uscc.check: tier: stable in the baseline, now experimental"]


def test_an_added_required_argument_fails():
    def add(d):
        d["args"]["properties"]["locale"] = {"type": "string"}
        d["args"]["required"].append("locale")
    assert breaks(edited("uscc.check", add)) == [
        "uscc.check: args.locale: required argument added"]


def test_an_optional_argument_made_required_fails():
    current = edited("application.save", lambda d: d["args"]["required"].append("version"))
    assert breaks(current) == ["application.save: args.version: now required"]


def test_a_removed_argument_fails():
    current = edited("application.save", lambda d: d["args"]["properties"].pop("version"))
    assert breaks(current) == [
        "application.save: args.version: argument removed: a request naming it is refused"]


def test_a_type_narrowed_from_string_or_null_to_string_fails():
    def narrow(d):
        member(d["args"], "fields", "reason")["type"] = "string"
    assert breaks(edited("application.save", narrow)) == [
        'application.save: args.fields.reason: no longer admits null '
        '(type "string", was ["null", "string"])']


def test_a_new_enum_restriction_fails():
    def restrict(d):
        member(d["args"], "business")["enum"] = ["change", "revoke"]
    assert breaks(edited("application.start", restrict)) == [
        'application.start: args.business: restricted to "change", "revoke"']


def test_a_tighter_bound_fails():
    def tighten(d):
        member(d["args"], "fields", "reason")["maxLength"] = 500
    assert breaks(edited("application.save", tighten)) == [
        "application.save: args.fields.reason: maxLength 500 (was 1000)"]


def test_a_tighter_bound_inside_an_array_fails():
    def tighten(d):
        member(d["args"], "fields", "items")["items"]["properties"]["new"]["maxLength"] = 100
    assert breaks(edited("application.save", tighten)) == [
        "application.save: args.fields.items[].new: maxLength 100 (was 1000)"]


def test_a_removed_media_type_fails():
    def drop(d):
        d["takes"]["media_types"].remove("image/png")
    assert breaks(edited("attachment.upload", drop)) == [
        "attachment.upload: takes.media_types: no longer takes image/png"]


def test_a_removed_caller_fails():
    current = edited("uscc.check", lambda d: d.update(callers=[]))
    assert breaks(current) == ["uscc.check: callers: anonymous removed"]


# Compatible changes ---------------------------------------------------------

def test_an_added_command_passes():
    current = copy.deepcopy(BASELINE)
    added = copy.deepcopy(command(BASELINE, "uscc.check"))
    added["name"] = "uscc.explain"
    current["commands"].append(added)
    broken, new = contractcheck.compare(BASELINE, current)
    assert (broken, new) == ([], ["uscc.explain"])


def test_an_added_optional_argument_passes():
    def add(d):
        d["args"]["properties"]["locale"] = {"type": "string", "enum": ["zh", "en"]}
    assert breaks(edited("uscc.check", add)) == []


def test_an_added_result_field_passes():
    def add(d):
        d["result"]["properties"]["hint"] = {"type": "string"}
        d["result"]["required"].append("hint")
    assert breaks(edited("uscc.check", add)) == []


def test_an_added_error_code_passes():
    current = edited("uscc.check", lambda d: d["errors"].append("EXHAUSTED"))
    assert breaks(current) == []


def test_a_widened_argument_type_passes():
    def widen(d):
        member(d["args"], "code")["type"] = ["string", "null"]
    assert breaks(edited("uscc.check", widen)) == []


def test_a_looser_bound_passes():
    def loosen(d):
        member(d["args"], "fields", "reason")["maxLength"] = 2000
    assert breaks(edited("application.save", loosen)) == []


def test_an_added_media_type_passes():
    def add(d):
        d["takes"]["media_types"].append("image/webp")
    assert breaks(edited("attachment.upload", add)) == []


def test_a_narrower_result_type_passes():
    def narrow(d):
        member(d["result"], "position")["type"] = "integer"
    assert breaks(edited("uscc.check", narrow)) == []


def test_a_changed_description_passes():
    def describe(d):
        d["summary"]["en"] = "Another summary."
        member(d["args"], "code")["description"] = "another description"
    assert breaks(edited("uscc.check", describe)) == []


@pytest.mark.parametrize("edit", [
    lambda d: d["result"]["properties"].pop("commands"),
    lambda d: d["args"].update(required=["verbose"]),
])
def test_an_experimental_command_may_change_freely(edit):
    assert command(BASELINE, "fuma.commands")["tier"] == "experimental"
    assert breaks(edited("fuma.commands", edit)) == []


def test_a_member_removed_from_a_record_extended_with_allof_fails():
    # attachment.get answers {"allOf": [{"$ref": attachment}, {"required": ["type"]}]}
    def drop(d):
        d["result"]["$defs"]["attachment"]["properties"].pop("sha256")
    assert breaks(edited("attachment.get", drop)) == [
        "attachment.get: result.attachment.sha256: removed from the result"]


def test_a_member_an_allof_requires_made_optional_fails():
    def relax(d):
        d["result"]["properties"]["attachment"]["allOf"][1]["required"] = []
    assert breaks(edited("attachment.get", relax)) == [
        "attachment.get: result.attachment.type: may now be absent (no longer required)"]


def test_a_member_removed_from_one_of_two_alternatives_fails():
    # uscc.check's parts.division is one of two objects: unknown, or known
    # with its province and history.
    def drop(d):
        division = member(d["result"], "parts")["anyOf"][1]["properties"]["division"]
        known = next(b for b in division["anyOf"] if "province" in b["properties"])
        known["properties"].pop("province")
        known["required"].remove("province")
    assert breaks(edited("uscc.check", drop)) == [
        "uscc.check: result.parts.division.province: removed from the result"]


def test_the_check_fails_on_a_field_the_library_no_longer_answers(tmp_path):
    # The baseline as if a release had promised uscc.check's "hint": the
    # library built from this tree does not answer it, so the check against
    # it (contract.baseline's own command) must fail and say where.
    def promise(d):
        d["result"]["properties"]["hint"] = {"type": "string"}
        d["result"]["required"].append("hint")
    baseline = tmp_path / "commands.json"
    baseline.write_text(json.dumps(edited("uscc.check", promise)), encoding="utf-8")
    run = subprocess.run([sys.executable, os.path.join(HERE, "contractcheck.py"), "check",
                          str(baseline)], capture_output=True, text=True)
    assert run.returncode == 1
    assert "uscc.check: result.hint: removed from the result" in run.stderr
