# SPDX-License-Identifier: Apache-2.0
"""A case through fuma.Engine: the application page's commands from Python,
and the exception classes a portal script catches."""

import hashlib
import json
import pathlib
import sqlite3

import pytest

import fuma

STAMP = pathlib.Path(__file__).resolve().parents[1] / "attachments" / "data" / "stamp.png"
SYSTEM = {"system": True}


def staff(username):
    return {"staff": username}


def unit(code):
    return {"unit": code}


@pytest.fixture
def engine(tmp_path):
    """An engine on a fresh file with the Shenzhen authority and its staff."""
    with fuma.Engine(tmp_path / "fuma.db") as engine:
        engine.call("authority.create",
                    {"code": "sz", "name": "深圳市委编办", "division": "440300"},
                    actor=SYSTEM)
        for username, roles in (("acc", ["acceptor"]), ("rev", ["reviewer"]),
                                ("both", ["acceptor", "reviewer"])):
            engine.call("staff.create", {"authority": "sz", "username": username,
                                         "name": username, "roles": roles}, actor=SYSTEM)
        yield engine


def register(engine, valid_until=None):
    args = {"name": "深圳市某局", "category": "机关", "address": "深圳市福田区",
            "responsible_person": "张三"}
    if valid_until:
        args["valid_until"] = valid_until
    return engine.call("unit.register", args, actor=staff("acc"))["uscc"]


def start(engine, code, business="reissue", reason="证书遗失"):
    case = engine.call("application.start", {"business": business}, actor=unit(code))
    case_id = case["application"]["id"]
    engine.call("application.save", {"id": case_id, "fields": {"reason": reason}},
                actor=unit(code))
    return case_id


def test_a_reissue_runs_to_completion_with_a_new_serial(engine):
    code = register(engine)
    case_id = start(engine, code)
    engine.call("application.submit", {"id": case_id}, actor=unit(code))
    engine.call("application.accept", {"id": case_id}, actor=staff("acc"))
    engine.call("application.approve", {"id": case_id}, actor=staff("rev"))
    engine.call("application.notify", {"id": case_id, "reply": "请寄送申请表"},
                actor=staff("acc"))
    case = engine.call("application.complete", {"id": case_id}, actor=staff("acc"))
    assert case["application"]["status"]["label"] == "已办结"
    assert case["application"]["certificate"]["serial"] == code + "-02"


def test_initial_registration_online_raises_on_site_only(engine):
    code = register(engine)
    with pytest.raises(fuma.OnSiteOnly) as info:
        engine.call("application.start", {"business": "initial"}, actor=unit(code))
    assert info.value.code == "ON_SITE_ONLY"
    assert info.value.message == "需要现场办理"


def test_a_step_by_the_wrong_role_raises_forbidden(engine):
    code = register(engine)
    case_id = start(engine, code)
    engine.call("application.submit", {"id": case_id}, actor=unit(code))
    with pytest.raises(fuma.Forbidden) as info:
        engine.call("application.accept", {"id": case_id}, actor=staff("rev"))
    assert info.value.code == "FORBIDDEN"


def test_four_eyes_raises_forbidden(engine):
    code = register(engine)
    case_id = start(engine, code)
    engine.call("application.submit", {"id": case_id}, actor=unit(code))
    engine.call("application.accept", {"id": case_id}, actor=staff("both"))
    with pytest.raises(fuma.Forbidden):
        engine.call("application.approve", {"id": case_id}, actor=staff("both"))


def test_missing_attachments_lists_the_kinds(engine):
    code = register(engine, valid_until="2099-12-31")
    case_id = start(engine, code)
    engine.call("attachment.upload",
                {"id": case_id, "kind": "loss_announcement", "file_name": "公告.png"},
                STAMP.read_bytes(), actor=unit(code))
    with pytest.raises(fuma.MissingAttachments) as info:
        engine.call("application.submit", {"id": case_id}, actor=unit(code))
    assert info.value.code == "MISSING_ATTACHMENTS"
    problems = json.loads(info.value.json)["error"]["problems"]
    assert [(p["kind"], p["label"]) for p in problems] == [("request_letter", "申请书或情况说明")]


def test_an_upload_keeps_the_bytes_sha256(engine):
    code = register(engine, valid_until="2099-12-31")
    case_id = start(engine, code)
    data = STAMP.read_bytes()
    result = engine.call("attachment.upload",
                         {"id": case_id, "kind": "request_letter", "file_name": "说明.png"},
                         bytearray(data), actor=unit(code))
    assert result["attachment"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert result["attachment"]["media_type"] == "image/png"


def test_a_retry_with_an_idempotency_key_acts_once(engine):
    code = register(engine)
    case_id = start(engine, code)
    first = engine.call("application.submit", {"id": case_id}, actor=unit(code),
                        idempotency_key="submit-%d" % case_id)
    again = engine.call("application.submit", {"id": case_id}, actor=unit(code),
                        idempotency_key="submit-%d" % case_id)
    assert again == first
    with pytest.raises(fuma.InvalidState):
        engine.call("application.submit", {"id": case_id}, actor=unit(code))
    with pytest.raises(TypeError):
        engine.call("application.submit", {"id": case_id}, actor=unit(code), idempotency_key=7)


@pytest.mark.sqlite  # reads the file's audit table
def test_a_request_id_is_kept_in_the_audit_record(engine, tmp_path):
    code = register(engine)
    case_id = start(engine, code)
    engine.call("application.submit", {"id": case_id}, actor=unit(code), request_id="req-42")
    with sqlite3.connect(tmp_path / "fuma.db") as con:
        kept = con.execute("SELECT request_id FROM audit WHERE command = 'application.submit'"
                           ).fetchall()
    assert kept == [("req-42",)]


@pytest.mark.sqlite  # reads the file's audit table
def test_a_request_id_that_is_not_text_raises_type_error_and_acts_not(engine, tmp_path):
    code = register(engine)
    case_id = start(engine, code)
    with pytest.raises(TypeError):
        engine.call("application.submit", {"id": case_id}, actor=unit(code), request_id=42)
    with pytest.raises(fuma.InvalidArgument):
        engine.call("application.submit", {"id": case_id}, actor=unit(code), request_id="a b\n")
    with sqlite3.connect(tmp_path / "fuma.db") as con:
        assert con.execute("SELECT count(*) FROM audit WHERE command = 'application.submit'"
                           ).fetchone() == (0,)


def test_a_second_open_application_raises_conflict(engine):
    code = register(engine)
    start(engine, code)
    with pytest.raises(fuma.Conflict) as info:
        engine.call("application.start", {"business": "change"}, actor=unit(code))
    assert info.value.code == "CONFLICT"


def test_a_stale_version_raises_conflict(engine):
    code = register(engine)
    case_id = start(engine, code)
    with pytest.raises(fuma.Conflict):
        engine.call("application.submit", {"id": case_id, "version": 1}, actor=unit(code))


def test_a_step_from_the_wrong_status_raises_invalid_state(engine):
    code = register(engine)
    case_id = start(engine, code)
    with pytest.raises(fuma.InvalidState) as info:
        engine.call("application.accept", {"id": case_id}, actor=staff("acc"))
    assert info.value.code == "INVALID_STATE"
    assert "未提交" in info.value.message


def test_field_problems_come_all_at_once(engine):
    code = register(engine)
    case = engine.call("application.start", {"business": "change"}, actor=unit(code))
    case_id = case["application"]["id"]
    engine.call("application.save",
                {"id": case_id, "fields": {"items": [
                    {"item": "name", "new": "深圳市某局"},
                    {"item": "category", "new": "企业"}]}},
                actor=unit(code))
    with pytest.raises(fuma.InvalidArgument) as info:
        engine.call("application.submit", {"id": case_id}, actor=unit(code))
    fields = [p["field"] for p in json.loads(info.value.json)["error"]["problems"]]
    assert fields == ["items[0].new", "items[1].new"]


@pytest.mark.sqlite  # tampers with the file's audit table
def test_history_and_the_audit_chain(engine, tmp_path):
    code = register(engine)
    case_id = start(engine, code)
    engine.call("application.delete", {"id": case_id}, actor=unit(code))
    history = engine.call("unit.history", actor=unit(code))
    assert history["applications"][0]["deleted"] is True
    assert engine.call("audit.verify", actor=SYSTEM)["intact"] is True
    with sqlite3.connect(tmp_path / "fuma.db") as con:
        con.execute("DROP TRIGGER IF EXISTS audit_no_update")
        con.execute("UPDATE audit SET command = 'x' WHERE seq = 3")
    con.close()
    verdict = engine.call("audit.verify", actor=SYSTEM)
    assert (verdict["intact"], verdict["broken_seq"]) == (False, 3)


def test_a_localitys_invalid_workflow_file_raises_invalid_argument(tmp_path):
    workflow = tmp_path / "our-workflow.json"
    workflow.write_text('{"version": 1, "businesses": [], "statuses": [], "transitions": []',
                        encoding="utf-8")
    with pytest.raises(fuma.InvalidArgument) as info:
        fuma.Engine(tmp_path / "fuma.db", workflow_path=str(workflow))
    assert str(workflow) in info.value.detail
    assert not (tmp_path / "fuma.db").exists()
