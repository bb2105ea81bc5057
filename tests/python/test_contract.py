# SPDX-License-Identifier: Apache-2.0
"""fuma.commands: every command's declaration, and the guard that holds the
library to it (contract.py, installed by conftest.py around every call).

The tour at the end runs every command the registry lists to a success, so
each declaration meets the library at least once in this file alone.
"""

import json
import pathlib
import re

import jsonschema
import pytest

import contract
import fuma
from fuma._native import lib

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "attachments" / "data"
SYSTEM = {"system": True}
ANSWER = "7777"


@pytest.fixture(scope="module")
def registry():
    return fuma.call("fuma.commands")


@pytest.fixture(scope="module")
def commands(registry):
    return {c["name"]: c for c in registry["commands"]}


def pinned_codes():
    """Every error name fuma.h pins, as the library names them."""
    names = set()
    for status in range(-1, -100, -1):
        name = lib.fuma_error_name(status).decode("ascii")
        if name == "UNKNOWN":
            break
        names.add(name)
    return names


# the registry itself


def test_commands_needs_no_engine_and_says_ok(registry):
    assert registry["ok"] is True and registry.data == b""


def test_commands_on_an_engine_is_the_same_registry(registry):
    with fuma.Engine() as engine:
        assert engine.call("fuma.commands") == registry


def test_commands_are_sorted_by_name_each_once(registry):
    names = [c["name"] for c in registry["commands"]]
    assert names == sorted(set(names))


def test_commands_takes_no_arguments():
    with pytest.raises(fuma.InvalidArgument):
        fuma.call("fuma.commands", {"verbose": True})


def test_every_schema_is_a_valid_json_schema(registry):
    assert registry["dialect"] == contract.DIALECT
    for c in registry["commands"]:
        for part in ("args", "result"):
            assert c[part]["$schema"] == contract.DIALECT, (c["name"], part)
            jsonschema.Draft202012Validator.check_schema(c[part])


def test_every_args_schema_is_an_object_refusing_unknown_fields(commands):
    for name, c in commands.items():
        assert c["args"]["type"] == "object", name
        assert c["args"]["additionalProperties"] is False, name


def test_every_result_says_ok(commands):
    for name, c in commands.items():
        assert c["result"]["properties"]["ok"] == {"const": True}, name
        assert "ok" in c["result"]["required"], name


def test_every_listed_command_is_dispatched(commands):
    # A dispatched command answers anything but UNKNOWN_COMMAND, here to
    # arguments no command takes.
    with fuma.Engine() as engine:
        for name in commands:
            try:
                engine.call(name, {"no such argument": 1})
            except fuma.UnknownCommand:
                pytest.fail("%s is listed but not dispatched" % name)
            except fuma.Error:
                pass


def test_every_command_the_bindings_and_the_host_call_is_listed(commands):
    used = set()
    for path in (ROOT / "bindings" / "python" / "fuma").glob("*.py"):
        used |= set(re.findall(r'(?:call|_case)\(\s*"([a-z_]+\.[a-z_]+)"',
                               path.read_text(encoding="utf-8")))
    # The host routes what the registry declares; its pages name commands.
    for path in (ROOT / "examples" / "host" / "web" / "assets").glob("*.js"):
        used |= set(re.findall(r"\b(?:call|read|download|upload|callBinary)\(\s*'([a-z_]+\.[a-z_]+)'",
                               path.read_text(encoding="utf-8")))
    assert len(used) >= 35 and used <= set(commands), sorted(used - set(commands))


def test_an_unlisted_command_is_not_dispatched(commands):
    assert "no.such" not in commands
    with pytest.raises(fuma.UnknownCommand):
        fuma.call("no.such")


def test_declared_errors_are_codes_the_library_pins(commands):
    pinned = pinned_codes()
    assert len(pinned) >= 32
    for name, c in commands.items():
        assert set(c["errors"]) <= pinned, name
        # The frame's: every request can be malformed, every call can fail inside.
        assert {"INVALID_ARGUMENT", "INTERNAL", "OUT_OF_MEMORY"} <= set(c["errors"]), name


def test_stateless_commands_run_without_an_engine(commands):
    for name, c in commands.items():
        if c["effect"] != "stateless":
            with pytest.raises(fuma.InvalidArgument, match="needs an engine"):
                fuma.call(name)


# who may call


def probe_actor(engine, kind, value):
    """The error keys.list answers for an actor of this kind (None: none)."""
    try:
        engine.call("keys.list", {"authority": "sz"}, actor={kind: value})
    except fuma.Error as e:
        return e
    return None


@pytest.mark.parametrize("kind,value", [
    ("system", True), ("staff", "nobody"), ("staff_session", "x"), ("unit", "x"),
    ("session", "x")])
def test_each_declared_caller_is_an_actor_kind_the_engine_knows(commands, kind, value):
    declared = set().union(*(c["callers"] for c in commands.values())) - {"anonymous"}
    assert kind in declared
    with fuma.Engine() as engine:
        engine.call("authority.create", {"code": "sz", "name": "深圳市委编办",
                                         "division": "440300"}, actor=SYSTEM)
        e = probe_actor(engine, kind, value)
    assert e is None or "unknown actor kind" not in e.detail


def test_an_actor_kind_no_command_declares_is_refused(commands):
    declared = set().union(*(c["callers"] for c in commands.values()))
    assert "robot" not in declared
    with fuma.Engine() as engine:
        e = probe_actor(engine, "robot", True)
    assert isinstance(e, fuma.InvalidArgument) and "unknown actor kind" in e.detail


def test_each_declared_staff_role_is_one_staff_can_hold(commands):
    roles = set().union(*(c["roles"] for c in commands.values())) - {"applicant"}
    assert roles == {"admin", "acceptor", "reviewer"}
    with fuma.Engine() as engine:
        engine.call("authority.create", {"code": "sz", "name": "深圳市委编办",
                                         "division": "440300"}, actor=SYSTEM)
        for role in sorted(roles):
            staff = engine.call("staff.create", {"authority": "sz", "username": role,
                                                 "name": "某人", "roles": [role]}, actor=SYSTEM)
            assert staff["staff"]["roles"] == [role]


def test_a_step_declares_the_roles_the_shipped_workflow_gives_it(commands):
    workflow = json.loads((ROOT / "src" / "workflow" / "data" / "workflow.json")
                          .read_text("utf-8"))
    steps = {c["step"]: c for c in commands.values() if c["step"]}
    assert set(steps) == {t["action"] for t in workflow["transitions"]}
    for action, c in steps.items():
        roles = {t["role"] for t in workflow["transitions"] if t["action"] == action}
        assert set(c["roles"]) == roles, action
        units = {"unit", "session"}
        assert set(c["callers"]) == (units if roles == {"applicant"} else
                                     {"staff", "staff_session"}), action


def test_effects_follow_what_a_command_does(commands):
    assert commands["application.view"]["effect"] == "read"
    assert commands["application.submit"]["effect"] == "write"
    assert commands["uscc.check"]["effect"] == "stateless"
    assert commands["attachment.upload"]["takes"]["required"] is True
    assert commands["credential.issue"]["returns"]["media_types"] == ["image/png"]


# the guard


def test_the_guard_is_around_every_call(guard):
    before = guard.calls.get("uscc.check", 0)
    fuma.call("uscc.check", {"code": "91350100M000100Y43"})
    assert guard.calls["uscc.check"] == before + 1


def lying(commands, name, **changes):
    descriptor = json.loads(json.dumps(commands[name]))
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = descriptor
        for p in parents:
            node = node[p]
        node[last] = value
    return contract.Declared(descriptor)


def test_the_guard_catches_a_result_schema_that_lies(commands):
    result = fuma.call("uscc.check", {"code": "91350100M000100Y43"})
    honest = contract.Declared(commands["uscc.check"])
    assert contract.judge(honest, {"code": "91350100M000100Y43"}, None, result) == []
    props = dict(commands["uscc.check"]["result"]["properties"])
    del props["warnings"]
    liar = lying(commands, "uscc.check", result__properties=props)
    wrong = contract.judge(liar, {"code": "91350100M000100Y43"}, None, result)
    assert wrong and "warnings" in wrong[0]


def test_the_guard_catches_args_the_schema_refuses_but_the_library_takes(commands):
    result = fuma.call("uscc.check", {"code": "91350100M000100Y43"})
    liar = lying(commands, "uscc.check", args__properties={"code": {"type": "integer"}})
    assert "accepted args" in contract.judge(liar, {"code": "91350100M000100Y43"}, None,
                                             result)[0]


def test_the_guard_catches_an_undeclared_error(commands):
    with pytest.raises(fuma.InvalidArgument) as info:
        fuma.call("uscc.check", {})
    liar = lying(commands, "uscc.check", errors=["INTERNAL"])
    assert "INVALID_ARGUMENT" in contract.judge(liar, {}, None, info.value)[0]


def test_the_guard_catches_undeclared_bytes(commands):
    with fuma.Engine() as engine:
        blank = engine.call("credential.request_form")
    liar = lying(commands, "credential.request_form", returns=None)
    assert "returned bytes" in contract.judge(liar, {}, None, blank)[0]


# the C suite's log (tests/capi/setup.h's log_call, judged by c.contract)


def logged(status, request, answer, data_len=0, returned_len=0):
    request, answer = request.encode(), answer.encode()
    return (b"fuma-call %d %d %d %d %d\n" % (status, len(request), len(answer), data_len,
                                             returned_len) + request + answer + b"\n")


def test_a_c_log_reads_back_call_by_call():
    raw = (logged(0, '{"command":"fuma.version"}', '{"ok":true}\n{"x"}')
           + logged(-4, "not json", ""))
    calls = contract.read_call_log(raw)
    assert [c["status"] for c in calls] == [0, -4]
    assert calls[0]["answer"] == '{"ok":true}\n{"x"}'
    assert calls[1]["request"] == "not json"


def test_a_logged_c_result_is_judged_by_its_schema(commands):
    registry = contract.declarations({"commands": list(commands.values())})
    result = dict(fuma.call("uscc.check", {"code": "91350100M000100Y43"}))
    request = json.dumps({"command": "uscc.check", "args": {"code": "91350100M000100Y43"}})
    assert contract.judge_call(registry, json.loads(json.dumps(
        {"status": 0, "request": request, "answer": json.dumps(result),
         "data_len": 0, "returned_len": 0}))) == ([], True)
    del result["warnings"]
    wrong, judged = contract.judge_call(registry, {
        "status": 0, "request": request, "answer": json.dumps(result),
        "data_len": 0, "returned_len": 0})
    assert judged and "warnings" in wrong[0]


def test_a_logged_c_error_must_be_declared(commands):
    registry = contract.declarations({"commands": list(commands.values())})
    call = {"status": -4, "request": '{"command":"uscc.check","args":{}}',
            "answer": '{"ok":false,"error":{"code":"UNKNOWN_COMMAND"}}',
            "data_len": 0, "returned_len": 0}
    wrong, judged = contract.judge_call(registry, call)
    assert judged and "UNKNOWN_COMMAND" in wrong[0]


def test_a_c_request_that_is_not_json_is_not_judged(commands):
    registry = contract.declarations({"commands": list(commands.values())})
    call = {"status": -3, "request": "{", "answer": "", "data_len": 0, "returned_len": 0}
    assert contract.judge_call(registry, call) == ([], False)


# every command, once, to a success


def test_a_tour_of_every_command(tmp_path, guard, commands):
    before = dict(guard.successes)
    with fuma.Engine(tmp_path / "fuma.db", captcha_answer=ANSWER) as engine:
        tour(engine, tmp_path)
    ran = {name for name, n in guard.successes.items() if n > before.get(name, 0)}
    assert ran == set(commands), sorted(set(commands) - ran)


def tour(engine, tmp_path):
    def call(command, args=None, actor=None, data=None):
        return engine.call(command, args, data, actor=actor)

    fuma.call("fuma.version")
    fuma.call("fuma.commands")
    fuma.call("uscc.check", {"code": "91350100M000100Y43"})
    fuma.call("uscc.allocate", {"authority": "1", "category": "1", "division": "440300",
                                "serial": 7})
    fuma.call("guide.get", {"business": "change"})
    fuma.call("form.blank", {"business": "extension"})

    # setup: an authority, its staff, its keys
    call("authority.create", {"code": "sz", "name": "深圳市委编办", "division": "440300"},
         SYSTEM)
    for username, roles in (("admin", ["admin"]), ("acc", ["acceptor"]),
                            ("rev", ["reviewer"])):
        call("staff.create", {"authority": "sz", "username": username, "name": "某人",
                              "roles": roles, "password": "Fuma-2026-pass"}, SYSTEM)
    acc, rev, admin = {"staff": "acc"}, {"staff": "rev"}, {"staff": "admin"}
    login = call("staff.login", {"username": "admin", "password": "Fuma-2026-pass"})
    me = {"staff_session": login["token"]}
    call("staff.get", actor=me)
    call("staff.password", {"password": "Fuma-2026-new", "old_password": "Fuma-2026-pass"}, me)
    me = {"staff_session": call("staff.login", {"username": "admin",
                                                "password": "Fuma-2026-new"})["token"]}
    call("staff.logout", actor=me)
    first_key = call("keys.rotate", actor=admin)["key"]
    keys = call("keys.list", actor=acc)["keys"]

    # a unit, registered and extended on site, its certificate printed
    code = call("unit.register", {"name": "深圳市某局", "category": "机关",
                                  "address": "深圳市福田区", "responsible_person": "张三",
                                  "valid_until": "2099-12-31"}, acc)["uscc"]
    call("certificate.extend", {"uscc": code, "valid_until": "2100-12-31"}, acc)
    call("unit.lookup", {"query": code})
    serial = call("certificate.print", {"uscc": code}, acc)["code"]
    call("certificate.status", {"serial": serial})

    # its login credential, and a login with it
    request = call("credential.request", {"uscc": code, "reason": "first", "recipient": "王五",
                                          "phone": "13800138000",
                                          "requested_on": "2026-01-05"}, acc)["request"]
    call("credential.request_form")
    call("credential.request_form", {"request": request["id"]}, acc)
    issued = call("credential.issue", {"request": request["id"], "delivery": "on_site"}, acc)
    picture = call("credential.image", {"credential": issued["credential"]["id"]}, acc).data
    fuma.call("credential.verify", {"keys": keys}, picture)
    captcha = call("session.captcha")["captcha_id"]
    token = call("session.login", {"captcha_id": captcha, "captcha_answer": ANSWER},
                 data=picture)["token"]
    unit = {"session": token}
    version = call("session.get", actor=unit)["session"]["commitment"]["text_version"]
    call("session.commit", {"text_version": version}, unit)
    call("credential.list", actor=unit)

    # a reissue from start to 已办结, with a return on the way
    call("application.preview", {"business": "reissue"}, unit)
    case = call("application.start", {"business": "reissue"}, unit)["application"]
    call("application.save", {"id": case["id"], "fields": {"reason": "证书遗失"}}, unit)
    rules = call("attachment.rules", {"id": case["id"]}, unit)
    stamp = (DATA / "stamp.png").read_bytes()
    uploaded = None
    for kind in rules["required"]:
        uploaded = call("attachment.upload", {"id": case["id"], "kind": kind["key"],
                                              "file_name": "材料.png"}, unit, stamp)
    attachment = uploaded["attachment"]["id"]
    call("attachment.get", {"id": case["id"], "attachment": attachment}, acc)
    call("attachment.remove", {"id": case["id"], "attachment": attachment}, unit)
    call("attachment.upload", {"id": case["id"], "kind": uploaded["attachment"]["kind"],
                               "file_name": "材料.png"}, unit, stamp)
    call("application.submit", {"id": case["id"]}, unit)
    call("queue.list", {"status": "submitted"}, acc)
    call("application.accept", {"id": case["id"]}, acc)
    call("application.return", {"id": case["id"], "reply": "请补充说明"}, rev)
    call("application.forward", {"id": case["id"]}, acc)
    call("application.approve", {"id": case["id"]}, rev)
    call("application.notify", {"id": case["id"], "reply": "请寄送签字盖章的申请表"}, acc)
    form = call("application.form", {"id": case["id"]}, unit)
    call("form.verify", {"code": form["code"]}, acc)
    call("application.complete", {"id": case["id"]}, acc)
    call("application.view", {"id": case["id"]}, unit)

    # a replace case rejected, then deleted
    case = call("application.start", {"business": "replace"}, unit)["application"]
    call("application.save", {"id": case["id"], "fields": {"reason": "证书污损"}}, unit)
    for kind in call("attachment.rules", {"id": case["id"]}, unit)["required"]:
        call("attachment.upload", {"id": case["id"], "kind": kind["key"],
                                   "file_name": "材料.png"}, unit, stamp)
    call("application.submit", {"id": case["id"]}, unit)
    call("application.reject", {"id": case["id"], "reply": "材料不全"}, acc)
    call("application.delete", {"id": case["id"]}, unit)
    call("unit.history", {"uscc": code}, acc)
    call("session.logout", actor=unit)

    # the operators' commands
    call("audit.verify", actor=SYSTEM)
    call("store.backup", {"path": str(tmp_path / "backup.db")}, SYSTEM)
    call("keys.rotate", actor=admin)
    call("keys.retire", {"kid": first_key["kid"]}, admin)
