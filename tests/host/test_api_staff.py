# SPDX-License-Identifier: Apache-2.0
"""The back office over HTTP: /api/staff/{command} with the fuma_staff cookie.

Staff logins cost a scrypt check each: the clients below log in once per
module and are shared."""

import base64
import re
import urllib.parse

import pytest

from conftest import Client, assert_api_error, make_png

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")


@pytest.fixture(scope="module")
def shouli(demo_host):
    client = Client(demo_host, "staff")
    client.login_staff("shouli")
    return client


@pytest.fixture(scope="module")
def guanli(demo_host):
    client = Client(demo_host, "staff")
    client.login_staff("guanli")
    return client


@pytest.fixture(scope="module")
def registered(shouli):
    """A unit registered on site (申请初领), with a fixed-term certificate."""
    reply = shouli.call("unit.register", {
        "name": "深圳市测试局", "category": "机关", "address": "深圳市南山区科技路1号",
        "responsible_person": "王五", "valid_until": "2028-06-30"})
    assert reply.status == 200, reply
    return reply.json


@pytest.fixture(scope="module")
def issued(shouli, registered):
    """credential.request then credential.issue for the registered unit."""
    request = shouli.call("credential.request", {
        "uscc": registered["uscc"], "reason": "first", "recipient": "王芳",
        "phone": "13800138000", "requested_on": "2026-11-27"})
    assert request.status == 200, request
    reply = shouli.call("credential.issue", {"request": request.json["request"]["id"],
                                             "delivery": "on_site"})
    assert reply.status == 200, reply
    return reply


def filename_star(reply):
    m = re.search(r"filename\*=UTF-8''(\S+)", reply.headers["Content-Disposition"])
    assert m, reply.headers["Content-Disposition"]
    return urllib.parse.unquote(m.group(1))


def test_wrong_password_is_401_login_failed_without_a_cookie(demo_host):
    client = Client(demo_host, "staff")
    reply = client.call("staff.login", {"username": "shouli", "password": "not-the-password-1"})
    assert_api_error(reply, 401, "LOGIN_FAILED")
    assert reply.cookie("fuma_staff") is None


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(demo_host):
    client = Client(demo_host, "staff")
    reply = client.call("staff.login", {"username": "nobody", "password": "not-the-password-1"})
    assert_api_error(reply, 401, "LOGIN_FAILED")


def test_staff_login_answers_staff_and_csrf_but_no_token(demo_host):
    client = Client(demo_host, "staff")
    reply = client.login_staff("fuhe")
    doc = reply.json
    assert doc["staff"]["username"] == "fuhe" and doc["staff"]["roles"] == ["reviewer"]
    assert "token" not in doc
    assert doc["csrf"] == client.cookies["fuma_csrf"]
    assert TOKEN.fullmatch(client.cookies["fuma_staff"])


def test_staff_commands_without_a_session_are_401(demo_host):
    reply = Client(demo_host, "staff").get("queue.list", {"status": "submitted"})
    assert_api_error(reply, 401, "SESSION_EXPIRED")


def test_queue_list_answers_items_and_a_cursor(shouli):
    reply = shouli.get("queue.list", {"status": "submitted"})
    assert reply.status == 200, reply
    assert isinstance(reply.json["items"], list)
    assert "next" in reply.json


def test_queue_list_with_an_unknown_status_is_400(shouli):
    assert_api_error(shouli.get("queue.list", {"status": "nope"}), 400, "INVALID_ARGUMENT")


def test_unit_register_allocates_a_valid_uscc(demo_host, registered):
    uscc = registered["uscc"]
    assert re.fullmatch(r"[0-9A-Z]{18}", uscc)
    assert registered["unit"]["name"] == "深圳市测试局"
    assert registered["certificate"]["valid_until"] == "2028-06-30"
    status, _, body = demo_host.request("GET", f"/api/uscc/{uscc}")
    assert status == 200 and b'"valid":true' in body
    assert uscc[2:8] == "440300"  # the demo authority's division


def test_unit_register_by_a_reviewer_is_forbidden(demo_host):
    fuhe = Client(demo_host, "staff")
    fuhe.login_staff("fuhe")
    reply = fuhe.call("unit.register", {"name": "深圳市不该有局", "category": "机关",
                                        "address": "深圳市", "responsible_person": "赵六"})
    assert_api_error(reply, 403, "FORBIDDEN")


def test_certificate_extend_moves_the_expiry(shouli, registered):
    reply = shouli.call("certificate.extend", {"uscc": registered["uscc"],
                                               "valid_until": "2031-12-31"})
    assert reply.status == 200, reply
    assert reply.json["certificate"]["valid_until"] == "2031-12-31"


def test_credential_issue_downloads_a_png_named_in_utf8(issued, registered):
    assert issued.headers["Content-Type"] == "image/png"
    assert issued.body.startswith(b"\x89PNG\r\n\x1a\n")
    assert issued.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E" in issued.headers["Content-Disposition"]
    name = filename_star(issued)
    assert name.startswith("登录二维码图片") and registered["uscc"] in name


def test_issued_picture_logs_the_unit_in(demo_host, issued, registered):
    unit = Client(demo_host)
    reply = unit.login_unit(issued.body, commit=False)
    assert reply.json["session"]["unit"]["uscc"] == registered["uscc"]


def test_credential_list_shows_the_active_credential(shouli, registered, issued):
    reply = shouli.get("credential.list", {"uscc": registered["uscc"]})
    assert reply.status == 200, reply
    [credential] = reply.json["credentials"]
    assert credential["status"] == "active"
    assert "text" not in credential and "payload" not in credential


def test_credential_image_by_get_is_the_same_png(shouli, registered, issued):
    credential = shouli.get("credential.list", {"uscc": registered["uscc"]}).json["credentials"][0]
    reply = shouli.get("credential.image", {"credential": credential["id"]})
    assert reply.status == 200, reply
    assert reply.headers["Content-Type"] == "image/png"
    assert reply.body == issued.body
    assert filename_star(reply).endswith(".png")


def test_issuing_a_request_twice_is_409_conflict(shouli, registered, issued):
    listed = shouli.get("credential.list", {"uscc": registered["uscc"]}).json
    reply = shouli.call("credential.issue", {"request": listed["requests"][0]["id"],
                                             "delivery": "on_site"})
    assert_api_error(reply, 409, "CONFLICT")


def test_credential_request_form_filled_is_a_pdf(shouli, registered, issued):
    listed = shouli.get("credential.list", {"uscc": registered["uscc"]}).json
    reply = shouli.get("credential.request_form", {"request": listed["requests"][0]["id"]})
    assert reply.status == 200, reply
    assert reply.headers["Content-Type"] == "application/pdf"
    assert reply.body.startswith(b"%PDF-")
    assert registered["uscc"] in filename_star(reply)


def test_keys_list_by_get_exports_public_keys(shouli, issued):
    reply = shouli.get("keys.list")
    assert reply.status == 200, reply
    keys = reply.json["keys"]
    assert keys and all(k["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
                        for k in keys)
    assert all("private" not in name for k in keys for name in k)


def test_keys_rotate_by_an_acceptor_is_403_forbidden(shouli):
    assert_api_error(shouli.call("keys.rotate", {}), 403, "FORBIDDEN")


def test_keys_rotate_by_an_admin_makes_a_new_signer(guanli, shouli, issued):
    before = {k["kid"] for k in shouli.get("keys.list").json["keys"]}
    reply = guanli.call("keys.rotate", {})
    assert reply.status == 200, reply
    kid = reply.json["key"]["kid"]
    assert kid not in before
    after = {k["kid"]: k["status"] for k in shouli.get("keys.list").json["keys"]}
    assert after[kid] == "active"
    assert before <= set(after)  # the old key keeps verifying


def test_certificate_print_is_a_pdf(shouli, registered):
    reply = shouli.call("certificate.print", {"uscc": registered["uscc"]})
    assert reply.status == 200, reply
    assert reply.headers["Content-Type"] == "application/pdf"
    assert reply.body.startswith(b"%PDF-")
    assert filename_star(reply) == f"统一社会信用代码证书-{registered['uscc']}.pdf"


def test_certificate_print_as_json_gives_the_status_code(demo_host, shouli, registered):
    reply = shouli.call("certificate.print", {"uscc": registered["uscc"]},
                        query={"format": "json"})
    assert reply.status == 200, reply
    assert base64.b64decode(reply.json["data_base64"]).startswith(b"%PDF-")
    code = reply.json["code"]
    assert code.startswith("FMC1:")
    # Anyone may ask the certificate's status, without logging in.
    status = Client(demo_host).get("certificate.status", {"serial": code})
    assert status.status == 200, status
    assert status.json["uscc"] == registered["uscc"] and status.json["status"] == "active"


def test_form_verify_with_an_unknown_application_is_404(shouli):
    reply = shouli.call("form.verify", {"code": "FMF1:99999:F01BC10F74A92CDA"})
    assert_api_error(reply, 404, "NOT_FOUND")


def test_form_verify_with_text_that_is_no_form_code_is_400(shouli):
    reply = shouli.call("form.verify", {"code": "hello"})
    error = assert_api_error(reply, 400, "INVALID_ARGUMENT")
    assert error["problems"][0]["field"] == "code"


def test_form_verify_takes_a_scan_as_the_raw_body(shouli):
    reply = shouli.post_raw("form.verify", {}, make_png(), "image/png")
    assert_api_error(reply, 422, "NO_QR_FOUND")


def test_form_verify_takes_a_scan_by_multipart(shouli):
    reply = shouli.upload("form.verify", {}, b"%PDF-1.4 not a picture", "scan.pdf",
                          "application/pdf")
    assert_api_error(reply, 422, "UNSUPPORTED_IMAGE_FORMAT")


def test_staff_create_by_an_admin_makes_an_account_that_logs_in(demo_host, guanli):
    reply = guanli.call("staff.create", {"authority": "demo", "username": "xinren",
                                         "name": "新人", "roles": ["acceptor"],
                                         "password": "xinren-pass-2026"})
    assert reply.status == 200, reply
    assert reply.json["staff"]["username"] == "xinren"
    Client(demo_host, "staff").login_staff("xinren", "xinren-pass-2026")


def test_staff_create_by_an_acceptor_is_403(shouli):
    reply = shouli.call("staff.create", {"authority": "demo", "username": "xinren2",
                                         "name": "新人", "roles": ["admin"],
                                         "password": "xinren-pass-2026"})
    assert_api_error(reply, 403, "FORBIDDEN")


def test_audit_verify_by_an_admin_covers_their_authoritys_records(guanli):
    reply = guanli.call("audit.verify", {})
    assert reply.status == 200, reply
    assert reply.json["scope"] == "authority"
    assert reply.json["intact"] is True and reply.json["records"] > 0


def test_audit_verify_by_an_acceptor_is_403(shouli):
    assert_api_error(shouli.call("audit.verify", {}), 403, "FORBIDDEN")


def test_staff_password_change_ends_the_sessions(demo_host):
    client = Client(demo_host, "staff")
    client.login_staff("guanli")
    create = client.call("staff.create", {"authority": "demo", "username": "gaimi",
                                          "name": "改密", "roles": ["reviewer"],
                                          "password": "gaimi-old-2026"})
    assert create.status == 200, create
    staff = Client(demo_host, "staff")
    staff.login_staff("gaimi", "gaimi-old-2026")
    reply = staff.call("staff.password", {"old_password": "gaimi-old-2026",
                                          "password": "gaimi-new-2026"})
    assert reply.status == 200, reply
    assert reply.json["sessions_ended"] >= 1
    assert_api_error(staff.get("queue.list", {"status": "submitted"}), 401, "SESSION_EXPIRED")
    Client(demo_host, "staff").login_staff("gaimi", "gaimi-new-2026")


def test_staff_logout_clears_the_cookie_and_ends_the_session(demo_host):
    client = Client(demo_host, "staff")
    client.login_staff("fuhe")
    old = client.cookies["fuma_staff"]
    reply = client.call("staff.logout")
    assert reply.status == 200, reply
    line = reply.cookie("fuma_staff")
    assert line.startswith("fuma_staff=;") and "Max-Age=0" in line
    again = client.get("queue.list", {"status": "submitted"},
                       headers={"Cookie": f"fuma_staff={old}"})
    assert_api_error(again, 401, "SESSION_EXPIRED")


def test_uscc_allocate_composes_a_valid_code(demo_host, shouli):
    reply = shouli.call("uscc.allocate", {"authority": "1", "category": "1",
                                          "division": "440300", "serial": 42})
    assert reply.status == 200, reply
    code = reply.json["code"]
    status, _, body = demo_host.request("GET", f"/api/uscc/{code}")
    assert status == 200 and b'"valid":true' in body


# --- The other transitions: reject, resubmit, return, forward ----------------


@pytest.fixture(scope="module")
def case(demo_host):
    """The long-term unit's 申请补领 (no attachments needed), submitted."""
    unit = Client(demo_host)
    unit.login_unit(demo_host.demo.picture["long-term"])
    start = unit.call("application.start", {"business": "reissue"})
    assert start.status == 200, start
    app_id = start.json["application"]["id"]
    assert unit.call("application.save", {"id": app_id,
                                           "fields": {"reason": "证书遗失"}}).status == 200
    submit = unit.call("application.submit", {"id": app_id})
    assert submit.status == 200, submit
    fuhe = Client(demo_host, "staff")
    fuhe.login_staff("fuhe")
    return {"unit": unit, "id": app_id, "fuhe": fuhe}


def status_of(client, app_id):
    return client.get("application.view", {"id": app_id}).json["application"]["status"]["key"]


def test_reject_without_a_reply_is_400_and_changes_nothing(shouli, case):
    reply = shouli.call("application.reject", {"id": case["id"]})
    assert reply.status == 400 and reply.code == "INVALID_ARGUMENT", reply
    assert status_of(shouli, case["id"]) == "submitted"


def test_reject_with_a_reply_reaches_the_unit(shouli, case):
    reply = shouli.call("application.reject", {"id": case["id"], "reply": "请补充遗失公告"})
    assert reply.status == 200, reply
    view = case["unit"].get("application.view", {"id": case["id"]}).json["application"]
    assert view["status"]["key"] == "rejected"
    assert view["latest_reply"] == "请补充遗失公告"


def test_the_unit_resubmits_a_rejected_application(case):
    reply = case["unit"].call("application.submit", {"id": case["id"]})
    assert reply.status == 200, reply
    assert reply.json["application"]["status"]["key"] == "submitted"


def test_reviewer_returns_with_a_reply(shouli, case):
    assert shouli.call("application.accept", {"id": case["id"]}).status == 200
    reply = case["fuhe"].call("application.return", {"id": case["id"], "reply": "请核实"})
    assert reply.status == 200, reply
    assert reply.json["application"]["status"]["key"] == "returned"


def test_acceptor_forwards_and_reviewer_approves(shouli, case):
    reply = shouli.call("application.forward", {"id": case["id"]})
    assert reply.status == 200, reply
    assert reply.json["application"]["status"]["key"] == "accepted"
    reply = case["fuhe"].call("application.approve", {"id": case["id"]})
    assert reply.status == 200, reply
    assert reply.json["application"]["status"]["key"] == "approved"


def test_staff_history_of_the_unit_lists_every_event(shouli, case, demo_host):
    reply = shouli.get("unit.history", {"uscc": demo_host.demo.uscc["long-term"]})
    assert reply.status == 200, reply
    [app] = [a for a in reply.json["applications"] if a["id"] == case["id"]]
    actions = [e["action"] for e in app["events"]]
    for action in ["submit", "reject", "accept", "return", "forward", "approve"]:
        assert action in actions, actions


def test_public_lookups_answer_on_the_staff_side_without_a_session(demo_host):
    client = Client(demo_host, "staff")
    reply = client.get("guide.get")
    assert reply.status == 200, reply
    assert {g["business"] for g in reply.json["guide"]} >= {"change", "initial"}
    assert client.get("fuma.version").json["version"]


# --- Last: retiring a key revokes what it signed ----------------------------


def test_keys_retire_by_an_acceptor_is_403(shouli, guanli):
    old = [k for k in shouli.get("keys.list").json["keys"] if k["status"] != "active"]
    assert old, "keys.rotate ran first"
    assert_api_error(shouli.call("keys.retire", {"kid": old[0]["kid"]}), 403, "FORBIDDEN")


def test_keys_retire_by_an_admin_revokes_the_pictures_it_signed(demo_host, shouli, guanli,
                                                                 issued):
    old = [k for k in shouli.get("keys.list").json["keys"] if k["status"] != "active"]
    reply = guanli.call("keys.retire", {"kid": old[0]["kid"]})
    assert reply.status == 200, reply
    assert reply.json["key"]["status"] == "retired"
    unit = Client(demo_host)
    captcha = unit.get("session.captcha", fmt="json").json["captcha_id"]
    login = unit.upload("session.login", {"captcha_id": captcha, "captcha_answer": "FUMA7"},
                        issued.body, "a.png", "image/png")
    assert login.status == 403 and login.code in ("UNKNOWN_KEY", "CREDENTIAL_REVOKED"), login


def test_staff_get_names_the_staff_member_of_the_cookie(demo_host):
    client = Client(demo_host, "staff")
    assert_api_error(client.get("staff.get"), 401, "SESSION_EXPIRED")
    client.login_staff("fuhe")
    reply = client.get("staff.get")
    assert reply.status == 200, reply
    assert reply.json["staff"]["username"] == "fuhe"
    assert reply.json["staff"]["roles"] == ["reviewer"]
    assert reply.json["staff"]["authority"] == "demo"
    assert "token" not in reply.json


def test_a_stale_staff_cookie_still_gets_the_blank_request_form(demo_host):
    client = Client(demo_host, "staff")
    client.cookies["fuma_staff"] = "A" * 43  # well-formed, names no session
    reply = client.get("credential.request_form")
    assert reply.status == 200, reply
    assert reply.body.startswith(b"%PDF-")
