# SPDX-License-Identifier: Apache-2.0
"""What a unit sees and may do online, over HTTP: 证书延期 stays on site,
looking at a business creates nothing, a 复核退回 note stays among staff,
and 已办结 tells the unit what was done.

The tests run in file order and share one --demo host and the state below;
a step whose predecessor failed fails with "an earlier step failed"."""

import pytest

from conftest import Client, assert_api_error

NOTE = "申请理由与遗失公告不一致，请受理人核对"
NOTICE = "请携带原证书到政务服务窗口领取新证书"


@pytest.fixture(scope="module")
def state(demo_host):
    unit = Client(demo_host)
    unit.login_unit(demo_host.demo.picture["long-term"])
    shouli = Client(demo_host, "staff")
    shouli.login_staff("shouli")
    fuhe = Client(demo_host, "staff")
    fuhe.login_staff("fuhe")
    return {"host": demo_host, "unit": unit, "shouli": shouli, "fuhe": fuhe}


def need(state, key):
    if key not in state:
        pytest.fail(f"an earlier step failed: no {key!r}")
    return state[key]


def text(reply):
    return reply.body.decode("utf-8")


def applications(client):
    reply = client.get("unit.history")
    assert reply.status == 200, reply
    return [a for a in reply.json["applications"] if not a["deleted"]]


def test_preview_shows_the_form_and_creates_nothing(state):
    unit = state["unit"]
    before = applications(unit)
    reply = unit.get("application.preview", {"business": "reissue"})
    assert reply.status == 200, reply
    assert reply.json["entry"] == "reason"
    assert reply.json["business"]["label"] == "申请补领"
    assert reply.json["open_application"] is None
    assert applications(unit) == before
    state["before"] = len(before)


def test_preview_of_extension_is_on_site_only(state):
    reply = state["unit"].get("application.preview", {"business": "extension"})
    error = assert_api_error(reply, 422, "ON_SITE_ONLY")
    assert error["message"] == "需要现场办理"


def test_after_looking_at_reissue_the_first_save_of_a_change_creates_one_case(state):
    unit = state["unit"]
    before = need(state, "before")
    reply = unit.call("application.start",
                      {"business": "change",
                       "fields": {"items": [{"item": "name", "new": "深圳市演示局（新）"}]}})
    assert reply.status == 200, reply
    app = reply.json["application"]
    assert app["fields"]["items"][0]["new"] == "深圳市演示局（新）"
    assert len(applications(unit)) == before + 1
    state["id"] = app["id"]


def test_an_online_change_never_moves_the_certificates_validity(state):
    unit = state["unit"]
    app_id = need(state, "id")
    for value in ["2099-12-31", "长期有效", "2027-01-01"]:
        reply = unit.call("application.save", {
            "id": app_id,
            "fields": {"items": [{"item": "validity", "new": value}]}})
        error = assert_api_error(reply, 400, "INVALID_ARGUMENT")
        assert "证书延期需要现场办理" in error["message"]
        assert [p["field"] for p in error["problems"]] == ["items[0].item"]
    view = unit.get("application.view", {"id": app_id}).json["application"]
    assert view["fields"]["items"][0]["item"] == "name"
    assert view["certificate"]["long_term"] is True


def test_the_unit_never_reads_the_return_note_and_staff_do(state):
    unit, shouli, fuhe = state["unit"], state["shouli"], state["fuhe"]
    app_id = need(state, "id")
    assert unit.call("application.submit", {"id": app_id}).status == 200
    assert shouli.call("application.accept", {"id": app_id}).status == 200
    reply = fuhe.call("application.return", {"id": app_id, "reply": NOTE})
    assert reply.status == 200, reply
    assert reply.json["application"]["latest_reply"] == NOTE
    view = unit.get("application.view", {"id": app_id})
    assert view.json["application"]["status"]["label"] == "复核退回"
    assert NOTE not in text(view)
    history = unit.get("unit.history")
    assert NOTE not in text(history)
    [mine] = [a for a in history.json["applications"] if a["id"] == app_id]
    assert "return" in [e["action"] for e in mine["events"]]
    staff_view = shouli.get("application.view", {"id": app_id}).json["application"]
    assert staff_view["latest_reply"] == NOTE
    staff_history = shouli.get("unit.history", {"uscc": state["host"].demo.uscc["long-term"]})
    assert NOTE in text(staff_history)
    state["returned"] = True


def test_at_completion_the_unit_reads_the_outcome_and_the_last_reply(state):
    need(state, "returned")
    unit, shouli, fuhe = state["unit"], state["shouli"], state["fuhe"]
    app_id = state["id"]
    assert shouli.call("application.forward", {"id": app_id}).status == 200
    assert fuhe.call("application.approve", {"id": app_id}).status == 200
    assert shouli.call("application.notify", {"id": app_id, "reply": NOTICE}).status == 200
    assert unit.get("application.view", {"id": app_id}).json["application"]["outcome"] is None
    assert shouli.call("application.complete", {"id": app_id}).status == 200
    app = unit.get("application.view", {"id": app_id}).json["application"]
    assert app["status"]["label"] == "已办结"
    # 办结 without a reply leaves 最新信息 as 通知 wrote it.
    assert app["latest_reply"] == NOTICE
    outcome = app["outcome"]
    assert outcome["status"] == "已办结"
    assert "变更" in outcome["summary"]
    assert "领取" in outcome["next_steps"]
    assert outcome["completed_at"] == app["updated_at"]
