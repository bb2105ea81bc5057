# SPDX-License-Identifier: Apache-2.0
"""Logging in with the login QR image (图片登录), end to end from Python.

Real SQLite files in tmp_path and real pictures: the PNG credential.issue
draws is the PNG session.login reads. Every engine here runs in captcha test
mode (captcha_answer="7777"), so every captcha's answer is 7777.
"""

import base64
import re

import pytest

import fuma
from conftest import on_postgresql

ANSWER = "7777"
SYSTEM = {"system": True}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def open_engine(path, **options):
    return fuma.Engine(path, captcha_answer=ANSWER, **options)


def set_up(engine):
    """An authority, an acceptor and a registered unit; returns (acc, uscc)."""
    engine.call("authority.create", {"code": "sz", "name": "深圳市委编办", "division": "440300"},
                actor=SYSTEM)
    engine.call("staff.create", {"authority": "sz", "username": "acc", "name": "李四",
                                 "roles": ["acceptor"]}, actor=SYSTEM)
    acc = engine.as_staff("acc")
    uscc = acc.register_unit(name="深圳市某局", category="机关", address="深圳市福田区",
                             responsible_person="张三")
    return acc, uscc


def issue(acc, uscc, reason="first", delivery="on_site"):
    """申领 and 签发: the credential.issue result, with the PNG as .data."""
    request = acc.call("credential.request", {
        "uscc": uscc, "reason": reason, "recipient": "王五", "phone": "13800138000",
        "requested_on": "2026-01-05"})["request"]
    return acc.call("credential.issue", {"request": request["id"], "delivery": delivery})


def captcha(engine):
    return engine.call("session.captcha")["captcha_id"]


def login(engine, picture, answer=ANSWER, captcha_id=None):
    """session.login as raw commands; returns the result."""
    args = {"captcha_id": captcha_id or captcha(engine), "captcha_answer": answer}
    return engine.call("session.login", args, picture)


@pytest.fixture
def engine(tmp_path):
    with open_engine(tmp_path / "fuma.db") as engine:
        yield engine


@pytest.fixture
def unit(engine):
    """(acc, uscc, issued): a unit holding its first credential."""
    acc, uscc = set_up(engine)
    return acc, uscc, issue(acc, uscc)


# the whole journey, as raw commands


def test_request_issue_login_commit_work_logout(engine, tmp_path):
    acc, uscc = set_up(engine)
    request = acc.call("credential.request", {
        "uscc": uscc, "reason": "first", "recipient": "王五", "phone": "13800138000",
        "requested_on": "2026-01-05"})["request"]
    assert request["credential"] is None
    issued = acc.call("credential.issue", {"request": request["id"], "delivery": "on_site"})
    assert issued.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert issued["media_type"] == "image/png"
    assert issued["file_name"] == "登录二维码图片-%s-1.png" % uscc
    assert (issued["credential"]["generation"], issued["credential"]["status"]) == (1, "active")
    assert issued["revoked"] == [] and issued["sessions_ended"] == 0
    # Real files: the key file sealing the signing key, beside the store's
    # file (on PostgreSQL, where the store is no file, where it was named).
    assert (tmp_path / "fuma.db.key").is_file()
    assert (tmp_path / "fuma.db").is_file() or on_postgresql()

    shown = engine.call("session.captcha")
    assert shown.data.startswith(b"\x89PNG") and shown["media_type"] == "image/png"
    assert shown["test_mode"] is True and "never use this in production" in shown["warning"]
    logged_in = engine.call("session.login", {"captcha_id": shown["captcha_id"],
                                              "captcha_answer": ANSWER}, issued.data)
    token = logged_in["token"]
    session = logged_in["session"]
    assert session["unit"]["uscc"] == uscc
    assert session["committed"] is False
    commitment = session["commitment"]
    assert commitment["title"] == "登录承诺" and commitment["paragraphs"]
    actor = {"session": token}

    with pytest.raises(fuma.CommitmentRequired) as info:
        engine.call("application.start", {"business": "reissue"}, actor=actor)
    assert info.value.code == "COMMITMENT_REQUIRED"
    assert info.value.status == -31
    assert CHINESE.search(info.value.message) and "登录承诺" in info.value.message
    # Reading the session is allowed before the commitment.
    assert engine.call("session.get", actor=actor)["session"]["committed"] is False

    committed = engine.call("session.commit", {"text_version": commitment["text_version"]},
                            actor=actor)["session"]
    assert committed["committed"] is True and committed["committed_at"]
    case = engine.call("application.start", {"business": "reissue"}, actor=actor)["application"]
    assert case["status"]["label"] == "未提交"
    assert case["unit"]["uscc"] == uscc
    # The session acts as the unit: the unit sees the case it opened.
    assert engine.as_unit(uscc).view(case["id"])["id"] == case["id"]

    assert engine.call("session.logout", actor=actor)["ended_at"]
    with pytest.raises(fuma.SessionExpired) as info:
        engine.call("application.view", {"id": case["id"]}, actor=actor)
    assert info.value.code == "SESSION_EXPIRED" and CHINESE.search(info.value.message)
    with pytest.raises(fuma.SessionExpired):
        engine.call("session.get", actor=actor)


def test_a_stale_commitment_version_is_a_conflict(engine, unit):
    token = login(engine, unit[2].data)["token"]
    with pytest.raises(fuma.Conflict):
        engine.call("session.commit", {"text_version": "1999-1"}, actor={"session": token})
    with pytest.raises(fuma.CommitmentRequired):
        engine.call("unit.history", actor={"session": token})


def test_an_unknown_token_is_session_expired(engine, unit):
    for token in ("", "x" * 43, "not a token"):
        with pytest.raises(fuma.SessionExpired):
            engine.call("session.get", actor={"session": token})


# captchas


def test_wrong_captcha_and_a_captcha_used_twice(engine, unit):
    picture = unit[2].data
    captcha_id = captcha(engine)
    with pytest.raises(fuma.CaptchaWrong) as info:
        login(engine, picture, answer="3467", captcha_id=captcha_id)
    assert info.value.code == "CAPTCHA_WRONG" and CHINESE.search(info.value.message)
    # One captcha, one attempt: the right answer comes too late.
    with pytest.raises(fuma.CaptchaExpired) as info:
        login(engine, picture, captcha_id=captcha_id)
    assert info.value.code == "CAPTCHA_EXPIRED"
    # A captcha that served a successful login is used up as well.
    captcha_id = captcha(engine)
    assert login(engine, picture, captcha_id=captcha_id)["token"]
    with pytest.raises(fuma.CaptchaExpired):
        login(engine, picture, captcha_id=captcha_id)
    with pytest.raises(fuma.CaptchaExpired):
        login(engine, picture, captcha_id="no-such-captcha")


def test_the_answer_ignores_letter_case(tmp_path):
    with fuma.Engine(tmp_path / "fuma.db", captcha_answer="ac7") as engine:
        acc, uscc = set_up(engine)
        picture = issue(acc, uscc).data
        assert login(engine, picture, answer="AC7")["token"]
        assert login(engine, picture, answer="aC7")["token"]


def test_an_engine_without_test_mode_draws_a_random_captcha(tmp_path):
    with fuma.Engine(tmp_path / "fuma.db") as engine:
        acc, uscc = set_up(engine)
        shown = engine.call("session.captcha")
        assert "test_mode" not in shown and "warning" not in shown
        with pytest.raises(fuma.CaptchaWrong):
            login(engine, issue(acc, uscc).data, answer=ANSWER, captcha_id=shown["captcha_id"])


@pytest.mark.parametrize("answer", ["12345678!", "777777777", "0", "B", "77 7"])
def test_a_bad_captcha_answer_option_is_refused(tmp_path, answer):
    # 1 to 8 characters of the captcha alphabet (no 0/O, 1/I, B/8 look-alikes).
    with pytest.raises(fuma.InvalidArgument) as info:
        fuma.Engine(tmp_path / "fuma.db", captcha_answer=answer)
    assert "captcha_answer" in info.value.detail


def test_the_captcha_answer_option_may_be_given_as_an_int(tmp_path):
    with fuma.Engine(tmp_path / "fuma.db", captcha_answer=7777) as engine:
        assert engine.call("session.captcha")["test_mode"] is True


def test_failed_attempts_from_one_client_are_throttled(engine, unit):
    picture = unit[2].data
    for _ in range(5):
        with pytest.raises(fuma.CaptchaWrong):
            engine.login(picture, captcha(engine), "3467", client="203.0.113.7")
    with pytest.raises(fuma.TooManyAttempts) as info:
        engine.login(picture, captcha(engine), ANSWER, client="203.0.113.7")
    assert CHINESE.search(info.value.message)


# 遗失: a new picture revokes the old one


def test_a_lost_credential_stops_working_with_its_sessions(engine, unit):
    acc, uscc, first = unit
    old = login(engine, first.data)["token"]
    engine.call("session.commit", {"text_version": "2026-1"}, actor={"session": old})
    assert engine.call("unit.history", actor={"session": old})

    second = issue(acc, uscc, reason="lost", delivery="post")
    assert second.data.startswith(b"\x89PNG") and second.data != first.data
    assert second["revoked"] == [first["credential"]["id"]]
    assert second["sessions_ended"] == 1
    assert second["credential"]["generation"] == 2

    # The open session of the old picture ends at once ...
    with pytest.raises(fuma.SessionExpired):
        engine.call("unit.history", actor={"session": old})
    # ... the old picture logs in no more, and cannot be downloaded again ...
    with pytest.raises(fuma.CredentialRevoked) as info:
        login(engine, first.data)
    assert info.value.code == "CREDENTIAL_REVOKED" and CHINESE.search(info.value.message)
    with pytest.raises(fuma.CredentialRevoked):
        acc.call("credential.image", {"credential": first["credential"]["id"]})
    # ... and the new one does.
    assert login(engine, second.data)["session"]["unit"]["uscc"] == uscc
    listed = acc.call("credential.list", {"uscc": uscc})["credentials"]
    assert sorted((c["generation"], c["status"]) for c in listed) == [
        (1, "revoked"), (2, "active")]


def test_first_twice_and_lost_without_a_credential_are_refused(engine):
    acc, uscc = set_up(engine)
    args = {"uscc": uscc, "recipient": "王五", "phone": "13800138000",
            "requested_on": "2026-01-05"}
    with pytest.raises(fuma.InvalidState):
        acc.call("credential.request", dict(args, reason="lost"))
    issue(acc, uscc)
    with pytest.raises(fuma.InvalidState):
        acc.call("credential.request", dict(args, reason="first"))


# credential.verify: offline, without an engine


def public_keys(acc):
    return [{"kid": k["kid"], "public_key": k["public_key"]}
            for k in acc.call("keys.list")["keys"]]


def test_verify_offline_with_the_exported_keys(engine, unit):
    acc, uscc, issued = unit
    keys = public_keys(acc)
    assert [k["kid"] for k in keys] == [issued["credential"]["kid"]]
    verified = fuma.call("credential.verify", {"keys": keys}, issued.data)
    assert verified["valid"] is True
    assert verified["revocation_checked"] is False
    claims = verified["claims"]
    assert (claims["uscc"], claims["credential"], claims["generation"], claims["kid"]) == (
        uscc, issued["credential"]["id"], 1, issued["credential"]["kid"])


def test_an_sm2_key_signs_pictures_that_verify_offline_and_log_in(engine):
    acc, uscc = set_up(engine)
    key = engine.call("keys.rotate", {"authority": "sz", "suite": "sm2",
                                      "distinguishing_id": "sz-440300"}, actor=SYSTEM)["key"]
    assert (key["suite"], key["algorithm"]) == ("sm2", "SM2")
    assert key["distinguishing_id"] == "sz-440300"
    assert "BEGIN PUBLIC KEY" in key["public_key_pem"]
    issued = issue(acc, uscc)
    assert (issued["credential"]["suite"], issued["credential"]["kid"]) == ("sm2", key["kid"])
    exported = acc.call("keys.list")["keys"]
    raw = exported[0]["public_key"]
    point = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    assert len(point) == 65 and point[0] == 4
    verified = fuma.call("credential.verify", {"keys": exported}, issued.data)
    assert (verified["valid"], verified["claims"]["suite"]) == (True, "sm2")
    # Without its distinguishing id the key is taken under the default one.
    bare = [{"kid": key["kid"], "public_key": key["public_key"]}]
    with pytest.raises(fuma.BadSignature):
        fuma.call("credential.verify", {"keys": bare}, issued.data)
    assert login(engine, issued.data)["session"]["unit"]["uscc"] == uscc


def test_an_sm_deployment_signs_with_sm2_from_the_first_key_and_its_units_log_in(tmp_path):
    with open_engine(tmp_path / "fuma.db", crypto_suite="sm") as engine:
        acc, uscc = set_up(engine)
        issued = issue(acc, uscc)
        assert issued["credential"]["suite"] == "sm2"
        assert login(engine, issued.data)["session"]["unit"]["uscc"] == uscc
        verdict = engine.call("audit.verify", actor=SYSTEM)
        assert (verdict["intact"], verdict["digest"], verdict["crypto_suite"]) == (True, "sm3", "sm")


def test_verify_offline_without_the_kid_is_unknown_key(engine, unit):
    acc, _, issued = unit
    keys = public_keys(acc)
    # Another authority's key, exported the same way: a list lacking the kid.
    engine.call("authority.create", {"code": "gz", "name": "广州市委编办",
                                     "division": "440100"}, actor=SYSTEM)
    other = engine.call("keys.rotate", {"authority": "gz"}, actor=SYSTEM)["key"]
    assert other["kid"] != keys[0]["kid"]
    with pytest.raises(fuma.UnknownKey) as info:
        fuma.call("credential.verify",
                  {"keys": [{"kid": other["kid"], "public_key": other["public_key"]}]},
                  issued.data)
    assert info.value.code == "UNKNOWN_KEY"
    # A key under the right kid that is not that key is refused too.
    with pytest.raises(fuma.InvalidArgument):
        fuma.call("credential.verify",
                  {"keys": [{"kid": keys[0]["kid"], "public_key": other["public_key"]}]},
                  issued.data)


def test_verify_offline_still_passes_a_revoked_picture(engine, unit):
    # Offline nobody knows about revocation; the result says so.
    acc, uscc, first = unit
    issue(acc, uscc, reason="lost")
    verified = fuma.call("credential.verify", {"keys": public_keys(acc)}, first.data)
    assert verified["valid"] is True and verified["revocation_checked"] is False


def test_verify_refuses_what_is_no_credential_picture(engine, unit):
    keys = public_keys(unit[0])
    with pytest.raises(fuma.NotAnImage):
        fuma.call("credential.verify", {"keys": keys}, b"not an image at all")
    with pytest.raises(fuma.NoQrFound):
        fuma.call("credential.verify", {"keys": keys}, engine.call("session.captcha").data)


# pictures that are no credential


def test_login_with_bytes_that_are_no_image_is_not_an_image(engine, unit):
    with pytest.raises(fuma.NotAnImage) as info:
        login(engine, "这是一段文字，不是图片".encode())
    assert info.value.code == "NOT_AN_IMAGE" and CHINESE.search(info.value.message)
    with pytest.raises(fuma.NotAnImage):
        login(engine, b"")


def test_login_with_a_pdf_is_an_unsupported_format_named_as_such(engine, unit):
    with pytest.raises(fuma.UnsupportedImageFormat) as info:
        login(engine, b"%PDF-1.4 a scanned document, not a picture")
    assert info.value.code == "UNSUPPORTED_IMAGE_FORMAT"
    assert "PDF" in info.value.message and "PDF" in info.value.detail


def test_login_with_a_png_without_a_qr_code_is_no_qr_found(engine, unit):
    captcha_png = engine.call("session.captcha").data
    assert captcha_png.startswith(b"\x89PNG")
    with pytest.raises(fuma.NoQrFound) as info:
        login(engine, captcha_png)
    assert info.value.code == "NO_QR_FOUND" and CHINESE.search(info.value.message)


# the signing key survives the engine, sealed under its key file


def test_a_reopened_engine_redraws_the_picture_and_logs_it_in(tmp_path):
    path, key_file = tmp_path / "fuma.db", tmp_path / "signing.key"
    with open_engine(path, key_file=str(key_file)) as engine:
        acc, uscc = set_up(engine)
        issued = issue(acc, uscc)
    assert key_file.is_file() and not (tmp_path / "fuma.db.key").exists()
    with open_engine(path, key_file=str(key_file)) as engine:
        again = engine.call("credential.image", {"credential": issued["credential"]["id"]},
                            actor={"staff": "acc"})
        assert again.data == issued.data
        assert login(engine, issued.data)["session"]["unit"]["uscc"] == uscc


def test_another_key_file_cannot_sign(tmp_path):
    path = tmp_path / "fuma.db"
    with open_engine(path) as engine:
        acc, uscc = set_up(engine)
        issued = issue(acc, uscc)
    with open_engine(path, key_file=str(tmp_path / "other.key")) as engine:
        with pytest.raises(fuma.StorageError):
            engine.call("credential.image", {"credential": issued["credential"]["id"]},
                        actor={"staff": "acc"})
        # Logging in needs only the public key: it still works.
        assert login(engine, issued.data)["token"]


# engine.login and the Session view


def test_engine_login_returns_a_session_view(engine, unit):
    acc, uscc, issued = unit
    me = engine.login(issued.data, captcha(engine), ANSWER)
    assert isinstance(me, fuma.actors.Session) and isinstance(me, fuma.actors.Unit)
    assert me.actor == {"session": me.token}
    assert me.uscc == uscc
    assert me.session["committed"] is False
    assert me.session["commitment"]["text_version"] == "2026-1"
    assert "never use this in production" in me.warning
    assert me.token not in repr(me) and uscc in repr(me)

    with pytest.raises(fuma.CommitmentRequired):
        me.start("reissue")
    assert me.commit()["committed"] is True
    assert me.session["committed"] is True
    case = me.start("reissue")
    me.save(case["id"], {"reason": "证书遗失"})
    assert me.view(case["id"])["fields"]["reason"] == "证书遗失"
    assert me.call("session.get")["session"]["unit"]["uscc"] == uscc

    assert me.logout()
    with pytest.raises(fuma.SessionExpired):
        me.view(case["id"])
    with pytest.raises(fuma.SessionExpired):
        me.logout()


def test_a_session_view_can_be_resumed_from_its_token(engine, unit):
    token = engine.login(unit[2].data, captcha(engine), ANSWER, client="198.51.100.1").token
    me = fuma.actors.Session(engine, token)
    assert me.uscc is None and me.session is None
    # commit() reads the text version from the session when it has none.
    assert me.commit()["committed"] is True
    assert me.uscc == unit[1]
    assert me.get()["unit"]["uscc"] == unit[1]


def test_engine_login_raises_what_session_login_raises(engine, unit):
    with pytest.raises(fuma.NotAnImage):
        engine.login(b"plain text, no picture", captcha(engine), ANSWER)
    with pytest.raises(fuma.CaptchaWrong):
        engine.login(unit[2].data, captcha(engine), "3467")
    with pytest.raises(TypeError):
        engine.login("a str is not bytes", captcha(engine), ANSWER)


def test_a_session_view_ends_when_its_credential_is_revoked(engine, unit):
    acc, uscc, first = unit
    me = engine.login(first.data, captcha(engine), ANSWER)
    me.commit()
    issue(acc, uscc, reason="lost")
    with pytest.raises(fuma.SessionExpired):
        me.history()


def test_staff_log_in_with_a_password_and_act_through_the_session(tmp_path):
    with open_engine(tmp_path / "fuma.db") as engine:
        set_up(engine)
        engine.call("staff.create", {"authority": "sz", "username": "clerk", "name": "王五",
                                     "roles": ["acceptor"], "password": "Shenzhen-2026"},
                    actor={"system": True})
        clerk = engine.staff_login("clerk", "Shenzhen-2026", client="10.0.0.5")
        assert clerk.username == "clerk"
        assert "clerk" in repr(clerk) and clerk.token not in repr(clerk)
        assert clerk.call("queue.list", {"status": "submitted"})["ok"] is True
        clerk.logout()
        with pytest.raises(fuma.SessionExpired):
            clerk.call("queue.list", {"status": "submitted"})
        with pytest.raises(fuma.LoginFailed) as wrong:
            engine.staff_login("clerk", "not-the-password-1")
        assert wrong.value.message == "用户名或密码错误"
