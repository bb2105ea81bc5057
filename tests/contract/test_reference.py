# SPDX-License-Identifier: Apache-2.0
"""scripts/commands-reference, on the stored baseline as its registry: what it
writes for a command, that it keeps the notes people wrote, and that a stale
page is reported by the command whose declaration changed."""

import copy
import importlib.machinery
import importlib.util
import json
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "scripts", "commands-reference")

_loader = importlib.machinery.SourceFileLoader("commands_reference", SCRIPT)
_spec = importlib.util.spec_from_loader("commands_reference", _loader)
ref = importlib.util.module_from_spec(_spec)
_loader.exec_module(ref)

with open(os.path.join(HERE, "commands.json"), encoding="utf-8") as _f:
    REGISTRY = json.load(_f)

PREAMBLE = "# Commands\n\nWritten by hand.\n"
NOTES = {"uscc.check": "Any input is accepted.\n\nErrors: none of its own."}


def command(registry, name):
    return next(d for d in registry["commands"] if d["name"] == name)


def rows(name, part):
    shapes = ref.Shapes(REGISTRY["commands"])
    return {r[0]: r[1:] for r in shapes.rows(command(REGISTRY, name)[part])}


def test_a_page_keeps_its_preamble_and_notes():
    text, _ = ref.page(REGISTRY, PREAMBLE, NOTES)
    preamble, notes = ref.split_page(text)
    assert preamble.strip() == PREAMBLE.strip()
    assert notes == NOTES
    assert ref.page(REGISTRY, preamble, notes)[0] == text


def test_a_changed_declaration_is_reported_by_its_command():
    old, _ = ref.page(REGISTRY, PREAMBLE, NOTES)
    changed = copy.deepcopy(REGISTRY)
    command(changed, "uscc.check")["args"]["properties"]["code"]["description"] = "as typed"
    _, sections = ref.page(changed, PREAMBLE, NOTES)
    assert ref.stale_sections(old, sections) == ["uscc.check"]


def test_notes_for_a_command_the_registry_lacks_are_refused():
    with pytest.raises(SystemExit, match="notes for uscc.explain"):
        ref.page(REGISTRY, PREAMBLE, {"uscc.explain": "gone"})


def test_args_give_nested_members_with_their_bounds():
    args = rows("application.save", "args")
    assert args["id"] == ("integer, ≥ 0", True, "the application")
    assert args["fields.items[].new"] == ("string or null, at most 1000 characters", False, "")


def test_a_member_of_alternative_objects_is_required_only_in_all():
    result = rows("uscc.check", "result")
    assert result["parts.division.code"][1] is True
    assert result["parts.division.province"][1] is False
    assert result["parts.division.name"][0] == "null or string"


def test_a_shared_record_is_linked_not_repeated():
    result = rows("application.view", "result")
    assert result["application"][0] == "[case](#case-record)"
    assert "application.id" not in result


def test_a_record_asked_for_more_says_what():
    result = rows("attachment.get", "result")
    assert result["attachment"][0] == "[attachment](#attachment-record), with `type` always"
