# SPDX-License-Identifier: Apache-2.0
"""The actor-bound wrappers read like the manual and run the same commands."""

import pathlib

import pytest

import fuma

STAMP = pathlib.Path(__file__).resolve().parents[1] / "attachments" / "data" / "stamp.png"


@pytest.fixture
def engine(tmp_path):
    with fuma.Engine(tmp_path / "fuma.db") as engine:
        engine.call("authority.create",
                    {"code": "sz", "name": "深圳市委编办", "division": "440300"},
                    actor={"system": True})
        for username, roles in (("acc", ["acceptor"]), ("rev", ["reviewer"])):
            engine.call("staff.create", {"authority": "sz", "username": username,
                                         "name": username, "roles": roles},
                        actor={"system": True})
        yield engine


def register(acc, valid_until=None):
    return acc.register_unit(name="深圳市某局", category="机关", address="深圳市福田区",
                             responsible_person="张三", valid_until=valid_until)


def test_a_change_walks_to_completion_through_the_wrappers(engine):
    acc, rev = engine.as_staff("acc"), engine.as_staff("rev")
    me = engine.as_unit(register(acc))
    case = me.start("change")
    me.save(case["id"], {"items": [{"item": "address", "new": "深圳市南山区"}]})
    assert me.submit(case["id"])["status"]["label"] == "待受理"
    acc.accept(case["id"])
    rev.approve(case["id"])
    assert acc.notify(case["id"], "请寄送申请表")["latest_reply"] == "请寄送申请表"
    assert acc.complete(case["id"])["status"]["label"] == "已办结"
    assert engine.call("unit.history", actor=me.actor)["unit"]["address"] == "深圳市南山区"


def test_preview_creates_nothing_and_start_keeps_the_first_fields(engine):
    acc = engine.as_staff("acc")
    me = engine.as_unit(register(acc))
    preview = me.preview("reissue")
    assert preview["entry"] == "reason" and preview["open_application"] is None
    assert me.history()["applications"] == []
    case = me.start("replace", {"reason": "证书破损"})
    assert case["fields"]["reason"] == "证书破损"
    assert me.preview("reissue")["open_application"]["id"] == case["id"]


def test_send_back_is_the_return_action_and_needs_a_reason(engine):
    acc, rev = engine.as_staff("acc"), engine.as_staff("rev")
    me = engine.as_unit(register(acc))
    case = me.start("reissue")
    me.save(case["id"], {"reason": "证书遗失"})
    me.submit(case["id"])
    acc.accept(case["id"])
    with pytest.raises(fuma.InvalidArgument):
        rev.send_back(case["id"], "")
    assert rev.send_back(case["id"], "请补充说明")["status"]["label"] == "复核退回"


def test_upload_sends_the_bytes_and_returns_the_attachment(engine):
    acc = engine.as_staff("acc")
    me = engine.as_unit(register(acc, valid_until="2030-12-31"))
    case = me.start("replace")
    attachment = me.upload(case["id"], "certificate_photo", "证书.png", STAMP.read_bytes())
    assert attachment["media_type"] == "image/png"
    assert [a["id"] for a in me.view(case["id"])["attachments"]] == [attachment["id"]]
    me.save(case["id"], {"reason": "证书破损"})
    with pytest.raises(fuma.MissingAttachments) as info:
        me.submit(case["id"])
    assert [p["kind"] for p in info.value.problems] == ["request_letter"]


def test_submit_lists_every_field_problem_at_once(engine):
    me = engine.as_unit(register(engine.as_staff("acc")))
    case = me.start("change")
    me.save(case["id"], {"items": [{"item": "name", "new": "深圳市某局"},
                                   {"item": "address", "new": ""}]})
    with pytest.raises(fuma.InvalidArgument) as info:
        me.submit(case["id"])
    assert len(info.value.problems) >= 2
    assert {p["field"] for p in info.value.problems} >= {"items[0].new", "items[1].new"}


def test_queue_follows_every_page(engine):
    acc = engine.as_staff("acc")
    ids = []
    for _ in range(3):
        me = engine.as_unit(register(acc))
        case = me.start("reissue")
        me.save(case["id"], {"reason": "证书遗失"})
        me.submit(case["id"])
        ids.append(case["id"])
    assert sorted(item["id"] for item in acc.queue("submitted", limit=1)) == sorted(ids)


def test_a_unit_view_cannot_reach_another_units_case(engine):
    acc = engine.as_staff("acc")
    first = engine.as_unit(register(acc))
    second = engine.as_unit(register(acc))
    case = first.start("reissue")
    with pytest.raises(fuma.NotFound):
        second.view(case["id"])
