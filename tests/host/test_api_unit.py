# SPDX-License-Identifier: Apache-2.0
"""The whole 申请变更 over HTTP, in order: a unit logs in with its picture,
applies, uploads, submits; 受理员 accepts, 复核员 approves, 受理员 notifies;
the unit sees it and downloads the form. Each actor keeps its own cookie jar.

The tests run in file order and share one --demo host and the state below;
a step whose predecessor failed fails with "an earlier step failed"."""

import base64
import hashlib
import json
import re
import subprocess
import urllib.parse

import pytest

from conftest import Client, assert_api_error, make_png

NEW_NAME = "深圳市演示工会（更名）"
NOTICE = "请将签字盖章的申请表寄送至登记管理机关"
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")


@pytest.fixture(scope="module")
def state(demo_host):
    return {
        "unit": Client(demo_host),
        "shouli": Client(demo_host, "staff"),
        "fuhe": Client(demo_host, "staff"),
    }


def need(state, key):
    if key not in state:
        pytest.fail(f"an earlier step failed: no {key!r}")
    return state[key]


@pytest.mark.parametrize("command,args,kind", [
    ("fuma.version", None, "json"),
    ("uscc.check", {"code": "91350100M000100Y43"}, "json"),
    ("guide.get", {"business": "change"}, "json"),
    ("unit.lookup", {"query": "深圳市演示局"}, "json"),
    ("credential.request_form", None, "application/pdf"),
])
def test_public_commands_need_no_session(demo_host, command, args, kind):
    reply = Client(demo_host).get(command, args)
    assert reply.status == 200, reply
    if kind == "json":
        assert reply.json["ok"] is True
    else:
        assert reply.headers["Content-Type"] == kind


def test_csrf_gives_a_token_and_the_same_token_as_a_cookie(state):
    unit = state["unit"]
    reply = unit.request("GET", "/api/csrf")
    assert reply.status == 200
    token = reply.json["csrf"]
    assert TOKEN.fullmatch(token)
    assert reply.cookie("fuma_csrf").startswith(f"fuma_csrf={token};")
    # Asked again with the cookie, it keeps the token it gave.
    assert unit.request("GET", "/api/csrf").json["csrf"] == token


def test_captcha_is_a_png_shown_inline(state):
    reply = state["unit"].get("session.captcha")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "image/png"
    assert reply.body.startswith(b"\x89PNG\r\n\x1a\n")
    # Its declaration gives the picture no file name: it is shown, not saved.
    assert reply.headers["Content-Disposition"] == "inline"


def test_captcha_as_json_carries_id_and_base64_png(state):
    reply = state["unit"].get("session.captcha", fmt="json")
    assert reply.status == 200
    doc = reply.json
    assert doc["ok"] is True and doc["captcha_id"]
    assert doc["content_type"] == "image/png"
    assert base64.b64decode(doc["data_base64"]).startswith(b"\x89PNG\r\n\x1a\n")
    assert doc["test_mode"] is True  # --demo fixes the answer
    state["captcha_id"] = doc["captcha_id"]


def test_login_with_the_demo_picture_by_multipart(state, demo_host):
    unit = state["unit"]
    reply = unit.upload("session.login",
                        {"captcha_id": need(state, "captcha_id"), "captcha_answer": "FUMA7"},
                        demo_host.demo.picture["fixed-term"], "登录二维码图片.png", "image/png")
    assert reply.status == 200, reply
    doc = reply.json
    assert doc["session"]["unit"]["uscc"] == demo_host.demo.uscc["fixed-term"]
    assert doc["session"]["committed"] is False
    assert "token" not in doc
    assert TOKEN.fullmatch(unit.cookies["fuma_unit"])
    assert doc["csrf"] == unit.cookies["fuma_csrf"]
    state["text_version"] = doc["session"]["commitment"]["text_version"]


def test_before_the_commitment_commands_are_403_commitment_required(state):
    need(state, "text_version")
    reply = state["unit"].call("application.start", {"business": "change"})
    assert_api_error(reply, 403, "COMMITMENT_REQUIRED")


def test_session_commit_accepts_the_commitment(state):
    reply = state["unit"].call("session.commit", {"text_version": need(state, "text_version")})
    assert reply.status == 200, reply
    assert reply.json["session"]["committed"] is True
    assert state["unit"].get("session.get").json["session"]["committed"] is True


def test_application_start_opens_a_draft_change(state):
    need(state, "text_version")
    reply = state["unit"].call("application.start", {"business": "change"})
    assert reply.status == 200, reply
    app = reply.json["application"]
    assert isinstance(app["id"], int)
    assert app["business"]["key"] == "change"
    assert app["status"]["key"] == "draft"
    state["id"] = app["id"]
    state["version"] = app["version"]


def test_application_save_keeps_the_fields_with_old_values(state, demo_host):
    reply = state["unit"].call("application.save", {
        "id": need(state, "id"),
        "fields": {"items": [{"item": "name", "new": NEW_NAME}], "reason": "机构更名"}})
    assert reply.status == 200, reply
    app = reply.json["application"]
    assert app["version"] > state["version"]
    assert app["fields"]["reason"] == "机构更名"
    [item] = app["fields"]["items"]
    assert item["item"] == "name" and item["new"] == NEW_NAME
    assert item["old"] == "深圳市演示工会"  # from the record, not the caller
    state["version"] = app["version"]


def test_attachment_rules_require_the_approval_document(state):
    reply = state["unit"].get("attachment.rules", {"id": need(state, "id")})
    assert reply.status == 200, reply
    assert [k["key"] for k in reply.json["required"]] == ["approval_document"]
    assert reply.json["limits"]["max_file_bytes"] == 10 * 1024 * 1024


def test_attachment_upload_by_multipart_takes_the_file_name_of_the_part(state):
    png = make_png(16, 12, seed=1)
    reply = state["unit"].upload("attachment.upload",
                                 {"id": need(state, "id"), "kind": "approval_document"},
                                 png, "批准文件.png", "image/png")
    assert reply.status == 200, reply
    att = reply.json["attachment"]
    assert att["file_name"] == "批准文件.png"
    assert att["size"] == len(png)
    assert att["sha256"] == hashlib.sha256(png).hexdigest()
    assert att["media_type"] == "image/png"
    state["multipart_attachment"] = (att["id"], png)


def test_attachment_upload_by_raw_body_with_args_in_the_query(state):
    png = make_png(9, 7, seed=2)
    reply = state["unit"].post_raw("attachment.upload",
                                   {"id": need(state, "id"), "kind": "other",
                                    "file_name": "情况说明.png"}, png, "image/png")
    assert reply.status == 200, reply
    att = reply.json["attachment"]
    assert att["file_name"] == "情况说明.png"
    assert att["sha256"] == hashlib.sha256(png).hexdigest()
    assert len(reply.json["application"]["attachments"]) == 2
    state["raw_attachment"] = (att["id"], png)


def test_attachment_remove_takes_one_away(state):
    unit = state["unit"]
    added = unit.post_raw("attachment.upload", {"id": need(state, "id"), "kind": "other",
                                                "file_name": "多余.png"}, make_png(seed=3),
                          "image/png")
    assert added.status == 200, added
    extra = added.json["attachment"]["id"]
    reply = unit.call("attachment.remove", {"id": state["id"], "attachment": extra})
    assert reply.status == 200, reply
    ids = [a["id"] for a in reply.json["application"]["attachments"]]
    assert extra not in ids and len(ids) == 2
    gone = unit.get("attachment.get", {"id": state["id"], "attachment": extra})
    assert_api_error(gone, 404, "NOT_FOUND")


def test_a_stale_version_is_409_conflict_and_changes_nothing(state):
    unit = state["unit"]
    current = unit.get("application.view", {"id": need(state, "id")}).json["application"]
    reply = unit.call("application.save", {"id": state["id"], "version": current["version"] - 1,
                                           "fields": {"reason": "过时的修改"}})
    assert_api_error(reply, 409, "CONFLICT")
    after = unit.get("application.view", {"id": state["id"]}).json["application"]
    assert after["version"] == current["version"]
    assert after["fields"]["reason"] == "机构更名"


@pytest.mark.parametrize("which", ["multipart_attachment", "raw_attachment"])
def test_attachment_get_gives_back_the_same_bytes(state, which):
    att_id, png = need(state, which)
    reply = state["unit"].get("attachment.get", {"id": state["id"], "attachment": att_id})
    assert reply.status == 200, reply
    assert reply.headers["Content-Type"] == "image/png"
    assert reply.body == png
    assert reply.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E" in reply.headers["Content-Disposition"]


def test_attachment_get_as_json_gives_base64(state):
    att_id, png = need(state, "multipart_attachment")
    reply = state["unit"].get("attachment.get", {"id": state["id"], "attachment": att_id},
                              fmt="json")
    assert reply.status == 200, reply
    assert reply.json["content_type"] == "image/png"
    assert base64.b64decode(reply.json["data_base64"]) == png


def test_application_submit_makes_it_submitted(state):
    need(state, "multipart_attachment")
    reply = state["unit"].call("application.submit", {"id": state["id"]})
    assert reply.status == 200, reply
    assert reply.json["application"]["status"]["key"] == "submitted"


def test_a_submitted_application_cannot_be_saved_by_the_unit(state):
    reply = state["unit"].call("application.save", {
        "id": need(state, "id"), "fields": {"items": [{"item": "name", "new": "别的名称"}]}})
    assert_api_error(reply, 409, "INVALID_STATE")


def test_staff_login_sets_the_staff_cookie_and_no_token(state):
    reply = state["shouli"].login_staff("shouli")
    assert reply.json["staff"]["username"] == "shouli"
    assert "token" not in reply.json
    assert TOKEN.fullmatch(state["shouli"].cookies["fuma_staff"])
    assert "fuma_unit" not in state["shouli"].cookies


def test_queue_list_shows_the_submitted_application(state):
    reply = state["shouli"].get("queue.list", {"status": "submitted"})
    assert reply.status == 200, reply
    ids = [item["id"] for item in reply.json["items"]]
    assert need(state, "id") in ids


def test_staff_view_shows_the_unit_and_the_accept_action(state, demo_host):
    reply = state["shouli"].get("application.view", {"id": need(state, "id")})
    assert reply.status == 200, reply
    app = reply.json["application"]
    assert app["status"]["key"] == "submitted"
    assert app["unit"]["uscc"] == demo_host.demo.uscc["fixed-term"]
    assert "accept" in [a["action"] for a in app["actions"]]


def test_staff_download_the_units_attachment(state):
    att_id, png = need(state, "multipart_attachment")
    reply = state["shouli"].get("attachment.get", {"id": state["id"], "attachment": att_id})
    assert reply.status == 200, reply
    assert reply.body == png


def test_acceptor_accepts(state):
    reply = state["shouli"].call("application.accept", {"id": need(state, "id")})
    assert reply.status == 200, reply
    assert reply.json["application"]["status"]["key"] == "accepted"


def test_the_acceptor_cannot_approve(state):
    reply = state["shouli"].call("application.approve", {"id": need(state, "id")})
    assert_api_error(reply, 403, "FORBIDDEN")


def test_reviewer_approves(state):
    state["fuhe"].login_staff("fuhe")
    reply = state["fuhe"].call("application.approve", {"id": need(state, "id")})
    assert reply.status == 200, reply
    assert reply.json["application"]["status"]["key"] == "approved"


def test_notify_without_a_reply_is_refused(state):
    reply = state["shouli"].call("application.notify", {"id": need(state, "id")})
    assert reply.status == 400, reply
    assert reply.code == "INVALID_ARGUMENT"


def test_acceptor_notifies_with_a_reply(state):
    reply = state["shouli"].call("application.notify", {"id": need(state, "id"), "reply": NOTICE})
    assert reply.status == 200, reply
    assert reply.json["application"]["status"]["key"] == "notified"
    state["notified"] = True


def test_unit_sees_notified_with_the_reply(state):
    need(state, "notified")
    reply = state["unit"].get("application.view", {"id": state["id"]})
    assert reply.status == 200, reply
    app = reply.json["application"]
    assert app["status"]["key"] == "notified"
    assert app["status"]["label"] == "待打印"
    assert app["latest_reply"] == NOTICE


def test_application_form_downloads_a_pdf_named_in_utf8(state, demo_host):
    reply = state["unit"].get("application.form", {"id": need(state, "id")})
    assert reply.status == 200, reply
    assert reply.headers["Content-Type"] == "application/pdf"
    assert reply.body.startswith(b"%PDF-")
    disposition = reply.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    m = re.search(r"filename\*=UTF-8''(\S+)", disposition)
    assert m and m.group(1).startswith("%E")
    name = urllib.parse.unquote(m.group(1))
    assert name.endswith(demo_host.demo.uscc["fixed-term"] + ".pdf")
    assert "申请表" in name
    # The ASCII fallback holds no raw UTF-8 and no quote.
    fallback = re.search(r'filename="([^"]*)"', disposition).group(1)
    assert fallback.isascii()


def test_application_form_as_json_gives_the_verification_code(state):
    reply = state["unit"].get("application.form", {"id": need(state, "id")}, fmt="json")
    assert reply.status == 200, reply
    doc = reply.json
    assert doc["content_type"] == "application/pdf"
    assert base64.b64decode(doc["data_base64"]).startswith(b"%PDF-")
    assert doc["for_signing"] is True  # after 复核通过
    assert doc["code"].startswith(f"FMF1:{state['id']}:")
    state["form_code"] = doc["code"]


def test_form_verify_with_the_code_matches(state):
    reply = state["shouli"].call("form.verify", {"code": need(state, "form_code")})
    assert reply.status == 200, reply
    assert reply.json["matches"] is True
    assert reply.json["status"] == "notified"


def test_form_verify_from_a_scan_of_the_printed_form_matches(state, tmp_path):
    """The clerk's 表格核验: the form as a picture (pdftoppm, as a scanner would
    give it), uploaded as the raw body."""
    pdf = state["unit"].get("application.form", {"id": need(state, "id")})
    assert pdf.status == 200, pdf
    (tmp_path / "form.pdf").write_bytes(pdf.body)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(tmp_path / "form.pdf"),
                    str(tmp_path / "scan")], check=True)
    scan = (tmp_path / "scan.png").read_bytes()
    reply = state["shouli"].post_raw("form.verify", {}, scan, "image/png")
    assert reply.status == 200, reply
    assert reply.json["matches"] is True
    assert reply.json["status"] == "notified"


def test_form_verify_with_an_altered_digest_does_not_match(state):
    code = need(state, "form_code")
    altered = code[:-1] + ("0" if code[-1] != "0" else "1")
    reply = state["shouli"].call("form.verify", {"code": altered})
    assert reply.status == 200, reply
    assert reply.json["matches"] is False


def test_staff_also_downloads_the_form(state):
    reply = state["shouli"].get("application.form", {"id": need(state, "id")})
    assert reply.status == 200, reply
    assert reply.body.startswith(b"%PDF-")


def test_complete_applies_the_change_to_the_unit(state, demo_host):
    reply = state["shouli"].call("application.complete", {"id": need(state, "id")})
    assert reply.status == 200, reply
    assert reply.json["application"]["status"]["key"] == "completed"
    lookup = state["unit"].get("unit.lookup", {"query": demo_host.demo.uscc["fixed-term"]})
    assert [u["name"] for u in lookup.json["units"]] == [NEW_NAME]


def test_unit_history_lists_every_step(state):
    reply = state["unit"].get("unit.history")
    assert reply.status == 200, reply
    [app] = [a for a in reply.json["applications"] if a["id"] == need(state, "id")]
    actions = [e["action"] for e in app["events"]]
    for action in ["submit", "accept", "approve", "notify", "complete"]:
        assert action in actions, actions


def test_unit_lists_its_own_credentials(state, demo_host):
    reply = state["unit"].get("credential.list")
    assert reply.status == 200, reply
    assert reply.json["uscc"] == demo_host.demo.uscc["fixed-term"]
    assert [c["status"] for c in reply.json["credentials"]] == ["active"]


def test_unit_logout_ends_the_session(state):
    unit = state["unit"]
    old = unit.cookies["fuma_unit"]
    reply = unit.call("session.logout")
    assert reply.status == 200, reply
    assert "fuma_unit" not in unit.cookies
    again = unit.get("session.get", headers={"Cookie": f"fuma_unit={old}"})
    assert_api_error(again, 401, "SESSION_EXPIRED")
    assert json.loads(again.body)["ok"] is False
