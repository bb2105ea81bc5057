# SPDX-License-Identifier: Apache-2.0
"""What the host does so that a browser's session cannot be misused: the
double-submit CSRF token, HttpOnly session cookies per side, the actor taken
from the cookie only, and the security headers."""

import datetime
import email.utils
import os
import re
import subprocess
import urllib.parse

import pytest

from conftest import Client, assert_api_error, host_binary, make_png, unit_with_draft

CSP_PARTS = ["default-src 'self'", "frame-ancestors 'none'", "object-src 'none'"]


@pytest.fixture(scope="module")
def unit(demo_host):
    """The long-term unit, logged in and committed, with a draft 申请补领."""
    return unit_with_draft(demo_host, "long-term", "reissue")


@pytest.fixture(scope="module")
def other_unit(demo_host):
    """The fixed-term unit, with its own draft 申请补领."""
    return unit_with_draft(demo_host, "fixed-term", "reissue")


@pytest.fixture(scope="module")
def admin(demo_host):
    client = Client(demo_host, "staff")
    client.login_staff("guanli")
    return client


def version_of(client, app_id):
    reply = client.get("application.view", {"id": app_id})
    assert reply.status == 200, reply
    return reply.json["application"]["version"]


def save(client, headers=None, csrf=True):
    return client.call("application.save",
                       {"id": client.app_id, "fields": {"reason": "证书遗失"}},
                       headers=headers, csrf=csrf)


# --- CSRF -----------------------------------------------------------------


def test_post_without_the_csrf_header_is_403_and_changes_nothing(unit):
    before = version_of(unit, unit.app_id)
    assert_api_error(save(unit, csrf=False), 403, "CSRF_FAILED")
    assert version_of(unit, unit.app_id) == before


def test_post_with_a_wrong_csrf_token_is_403_and_changes_nothing(unit):
    before = version_of(unit, unit.app_id)
    wrong = "x" * len(unit.cookies["fuma_csrf"])
    assert_api_error(save(unit, headers={"X-CSRF-Token": wrong}), 403, "CSRF_FAILED")
    assert version_of(unit, unit.app_id) == before


def test_csrf_token_of_another_browser_is_403(demo_host, unit):
    stranger = Client(demo_host)
    theirs = stranger.get_csrf()
    assert theirs != unit.cookies["fuma_csrf"]
    assert_api_error(save(unit, headers={"X-CSRF-Token": theirs}), 403, "CSRF_FAILED")


def test_csrf_token_of_another_session_is_403_even_as_its_cookie(unit, other_unit):
    # The token is made for the session it came with: another unit's, sent
    # as cookie and header alike, does not hold beside this unit's session.
    before = version_of(unit, unit.app_id)
    theirs = other_unit.cookies["fuma_csrf"]
    cookie = f"fuma_unit={unit.cookies['fuma_unit']}; fuma_csrf={theirs}"
    reply = save(unit, headers={"Cookie": cookie, "X-CSRF-Token": theirs})
    assert_api_error(reply, 403, "CSRF_FAILED")
    assert version_of(unit, unit.app_id) == before


def test_a_csrf_token_from_before_the_login_fails_after_it(demo_host):
    # A token planted before a login (say, by a script on a sibling domain
    # that can set cookies) is of no use once the session exists.
    client = Client(demo_host)
    planted = client.get_csrf()
    client.login_unit(demo_host.demo.picture["long-term"])
    own = client.cookies["fuma_csrf"]
    assert own != planted
    cookie = f"fuma_unit={client.cookies['fuma_unit']}; fuma_csrf={planted}"
    assert_api_error(client.call("session.logout", headers={"Cookie": cookie,
                                                            "X-CSRF-Token": planted}),
                     403, "CSRF_FAILED")
    assert client.call("session.logout").status == 200


def test_logout_leaves_a_token_for_the_next_login(demo_host):
    client = Client(demo_host)
    client.login_unit(demo_host.demo.picture["long-term"])
    reply = client.call("session.logout")
    assert reply.status == 200, reply
    assert reply.cookie("fuma_csrf")
    client.login_unit(demo_host.demo.picture["long-term"])


def test_hosts_sharing_a_csrf_key_take_each_others_tokens(start_host, tmp_path):
    key = tmp_path / "csrf.key"
    key.write_bytes(os.urandom(32))
    key.chmod(0o600)
    first = start_host("--csrf-key", str(key))
    second = start_host("--csrf-key", str(key), data=first.data)
    alone = start_host(data=first.data)
    client = Client(first)
    token = client.get_csrf()
    for host, status in ((second, 401), (alone, 403)):
        # Past the CSRF check, a logout without a session is 401.
        got, _, body = host.request("POST", "/api/session.logout", headers={
            "Cookie": f"fuma_csrf={token}", "X-CSRF-Token": token})
        assert got == status, body


def test_a_csrf_key_others_may_read_is_refused(tmp_path):
    key = tmp_path / "csrf.key"
    key.write_bytes(os.urandom(32))
    key.chmod(0o644)
    result = subprocess.run([host_binary(), "--data", str(tmp_path / "data"), "--csrf-key",
                             str(key)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "chmod 600" in result.stderr


def test_csrf_header_without_the_cookie_is_403(demo_host, unit):
    cookie = f"fuma_unit={unit.cookies['fuma_unit']}"
    reply = unit.call("application.save", {"id": unit.app_id, "fields": {"reason": "x"}},
                      headers={"Cookie": cookie, "X-CSRF-Token": unit.cookies["fuma_csrf"]})
    assert_api_error(reply, 403, "CSRF_FAILED")


def test_a_short_csrf_cookie_echoed_in_the_header_is_403(unit):
    cookie = f"fuma_unit={unit.cookies['fuma_unit']}; fuma_csrf=abc"
    reply = unit.call("application.save", {"id": unit.app_id, "fields": {"reason": "x"}},
                      headers={"Cookie": cookie, "X-CSRF-Token": "abc"})
    assert_api_error(reply, 403, "CSRF_FAILED")


def test_csrf_is_checked_before_the_session(demo_host):
    # No cookie at all: the answer is about CSRF, not about logging in.
    reply = Client(demo_host).request("POST", "/api/application.start",
                                      body=b'{"business":"change"}',
                                      headers={"Content-Type": "application/json"})
    assert_api_error(reply, 403, "CSRF_FAILED")


def test_post_with_the_right_token_saves(unit):
    before = version_of(unit, unit.app_id)
    reply = save(unit)
    assert reply.status == 200, reply
    assert version_of(unit, unit.app_id) > before


def test_get_of_a_read_only_command_needs_no_csrf_token(demo_host, unit):
    cookie = f"fuma_unit={unit.cookies['fuma_unit']}"
    reply = unit.get("session.get", headers={"Cookie": cookie})
    assert reply.status == 200, reply


# --- Sessions per side -------------------------------------------------------


def test_unit_cookie_is_no_staff_session(demo_host, unit):
    reply = unit.request("GET", "/api/staff/queue.list?args=%7B%22status%22%3A%22submitted%22%7D")
    assert_api_error(reply, 401, "SESSION_EXPIRED")


def test_unit_token_in_the_staff_cookie_is_401_and_the_cookie_is_dropped(demo_host, unit):
    # Another browser's cookies: the answer's new cookies are that browser's.
    reply = Client(demo_host).request(
        "GET", "/api/staff/queue.list?args=%7B%22status%22%3A%22submitted%22%7D",
        headers={"Cookie": f"fuma_staff={unit.cookies['fuma_unit']}"})
    assert_api_error(reply, 401, "SESSION_EXPIRED")
    line = reply.cookie("fuma_staff")
    assert line and "Max-Age=0" in line


def test_staff_cookie_is_no_unit_session(demo_host, admin):
    reply = admin.request("GET", "/api/session.get")
    assert_api_error(reply, 401, "SESSION_EXPIRED")


def test_staff_token_in_the_unit_cookie_is_401(demo_host, admin):
    reply = Client(demo_host).request(
        "GET", "/api/session.get", headers={"Cookie": f"fuma_unit={admin.cookies['fuma_staff']}"})
    assert_api_error(reply, 401, "SESSION_EXPIRED")


def test_a_malformed_session_cookie_is_401_and_dropped(demo_host):
    reply = Client(demo_host).request("GET", "/api/session.get",
                                      headers={"Cookie": "fuma_unit=not%20a%20token!"})
    assert_api_error(reply, 401, "SESSION_EXPIRED")
    assert "Max-Age=0" in reply.cookie("fuma_unit")


def test_the_body_cannot_choose_the_actor(demo_host, unit, other_unit):
    reply = unit.call("application.view", {"id": other_unit.app_id,
                                           "actor": {"unit": demo_host.demo.uscc["fixed-term"]}})
    error = assert_api_error(reply, 400, "INVALID_ARGUMENT")
    assert "actor" in error["detail"]
    me = unit.get("session.get").json["session"]["unit"]["uscc"]
    assert me == demo_host.demo.uscc["long-term"]


def test_the_query_cannot_choose_the_actor_either(unit, other_unit):
    reply = unit.get("application.view", {"id": other_unit.app_id,
                                          "actor": {"session": other_unit.cookies["fuma_unit"]}})
    assert_api_error(reply, 400, "INVALID_ARGUMENT")


@pytest.mark.parametrize("command", ["application.view", "application.form",
                                     "attachment.rules"])
def test_another_units_application_is_404(unit, other_unit, command):
    reply = unit.get(command, {"id": other_unit.app_id})
    assert_api_error(reply, 404, "NOT_FOUND")


def test_saving_another_units_application_is_404_and_changes_nothing(unit, other_unit):
    before = version_of(other_unit, other_unit.app_id)
    reply = unit.call("application.save", {"id": other_unit.app_id,
                                           "fields": {"reason": "不是我的"}})
    assert_api_error(reply, 404, "NOT_FOUND")
    assert version_of(other_unit, other_unit.app_id) == before


def test_another_units_attachment_is_404(unit, other_unit):
    reply = unit.get("attachment.get", {"id": other_unit.app_id, "attachment": 1})
    assert_api_error(reply, 404, "NOT_FOUND")


def test_an_idempotency_key_is_the_actors_own(unit, other_unit):
    # The same key from two units: the second must get its own result, never
    # the first unit's application replayed.
    key = {"Idempotency-Key": "same-key-for-both"}
    mine = unit.call("application.save", {"id": unit.app_id, "fields": {"reason": "甲"}},
                     headers=key)
    theirs = other_unit.call("application.save",
                             {"id": other_unit.app_id, "fields": {"reason": "乙"}}, headers=key)
    assert mine.status == theirs.status == 200, (mine, theirs)
    assert mine.json["application"]["id"] == unit.app_id
    assert theirs.json["application"]["id"] == other_unit.app_id
    assert theirs.json["application"]["fields"]["reason"] == "乙"


def test_logout_by_get_is_405_and_the_session_lives_on(unit):
    reply = unit.get("session.logout")
    assert_api_error(reply, 405, "METHOD_NOT_ALLOWED")
    assert reply.cookie("fuma_unit") is None
    assert unit.get("session.get").status == 200


def test_a_hostile_file_name_cannot_break_the_download_header(unit):
    name = '报告 "最终"; filename=evil.exe\r\nX-Evil: 1.png'
    reply = unit.post_raw("attachment.upload", {"id": unit.app_id, "kind": "other",
                                                "file_name": name}, make_png(seed=4), "image/png")
    assert reply.status == 200, reply
    stored = reply.json["attachment"]["file_name"]
    got = unit.get("attachment.get", {"id": unit.app_id,
                                      "attachment": reply.json["attachment"]["id"]})
    assert got.status == 200, got
    disposition = got.headers["Content-Disposition"]
    fallback = re.fullmatch(r'attachment; filename="([^"\\]*)"; filename\*=UTF-8\'\'(\S+)',
                            disposition)
    assert fallback, disposition
    assert urllib.parse.unquote(fallback.group(2)) == stored
    assert "X-Evil" not in got.headers


# --- What neither side exposes -----------------------------------------------


@pytest.mark.parametrize("command", ["authority.create", "store.backup"])
@pytest.mark.parametrize("side", ["unit", "staff"])
def test_system_commands_are_unknown_on_both_sides(demo_host, admin, unit, command, side):
    client = admin if side == "staff" else unit
    args = ({"code": "x", "name": "某某", "division": "440300"} if command == "authority.create"
            else {"path": "/tmp/fuma-stolen.db"})
    assert_api_error(client.call(command, args), 404, "UNKNOWN_COMMAND")


@pytest.mark.parametrize("command", ["staff.create", "application.accept", "keys.rotate",
                                     "credential.issue", "staff.login"])
def test_staff_commands_are_unknown_on_the_unit_side(unit, command):
    assert_api_error(unit.call(command, {}), 404, "UNKNOWN_COMMAND")


@pytest.mark.parametrize("command", ["session.login", "session.commit", "application.start",
                                     "attachment.upload"])
def test_unit_commands_are_unknown_on_the_staff_side(admin, command):
    assert_api_error(admin.call(command, {}), 404, "UNKNOWN_COMMAND")


def test_a_command_that_only_reads_answers_get_though_it_returns_a_pdf(demo_host):
    # certificate.print reads: GET reaches the engine (no certificate: 404), never 405.
    acceptor = Client(demo_host, "staff")
    acceptor.login_staff("shouli")
    assert_api_error(acceptor.get("certificate.print", {"uscc": "11440300MB0000000X"}), 404,
                     "NOT_FOUND")


def test_a_role_the_command_does_not_declare_is_refused_before_any_record_is_read(admin):
    # The admin holds no acceptor role: FORBIDDEN, whether the unit exists or not.
    assert_api_error(admin.get("certificate.print", {"uscc": "11440300MB0000000X"}), 403,
                     "FORBIDDEN")


# --- Cookies -------------------------------------------------------------


@pytest.fixture(scope="module")
def login_reply(demo_host):
    client = Client(demo_host)
    return client.login_unit(demo_host.demo.picture["long-term"], commit=False)


def attributes(line):
    return [a.strip() for a in line.split(";")[1:]]


def test_login_sets_an_httponly_strict_session_cookie_for_the_whole_site(login_reply):
    line = login_reply.cookie("fuma_unit")
    assert line
    attrs = attributes(line)
    assert "HttpOnly" in attrs
    assert "SameSite=Strict" in attrs
    assert "Path=/" in attrs
    assert "Secure" not in attrs  # plain HTTP: a Secure cookie would never come back


def test_login_sets_a_fresh_csrf_cookie_that_scripts_can_read(login_reply):
    line = login_reply.cookie("fuma_csrf")
    assert line.startswith(f"fuma_csrf={login_reply.json['csrf']};")
    attrs = attributes(line)
    assert "HttpOnly" not in attrs and "SameSite=Strict" in attrs and "Path=/" in attrs


def test_login_answer_never_carries_the_session_token(login_reply):
    token = login_reply.cookie("fuma_unit").split(";")[0].split("=", 1)[1]
    assert "token" not in login_reply.json
    assert token.encode() not in login_reply.body


def test_staff_login_cookie_has_the_same_attributes(admin, demo_host):
    client = Client(demo_host, "staff")
    reply = client.login_staff("shouli")
    attrs = attributes(reply.cookie("fuma_staff"))
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= set(attrs) and "Secure" not in attrs


def test_logout_clears_the_cookie_and_the_old_cookie_is_then_401(demo_host):
    client = Client(demo_host)
    client.login_unit(demo_host.demo.picture["long-term"])
    old = client.cookies["fuma_unit"]
    reply = client.call("session.logout")
    assert reply.status == 200, reply
    line = reply.cookie("fuma_unit")
    assert line.startswith("fuma_unit=;")
    assert "Max-Age=0" in attributes(line)
    again = client.get("session.get", headers={"Cookie": f"fuma_unit={old}"})
    assert_api_error(again, 401, "SESSION_EXPIRED")


def test_a_second_logout_is_401_and_drops_the_cookie_again(demo_host):
    client = Client(demo_host)
    client.login_unit(demo_host.demo.picture["long-term"])
    old = client.cookies["fuma_unit"]
    token = client.cookies["fuma_csrf"]  # made for the old session
    assert client.call("session.logout").status == 200
    reply = client.call("session.logout", headers={
        "Cookie": f"fuma_unit={old}; fuma_csrf={token}", "X-CSRF-Token": token})
    assert_api_error(reply, 401, "SESSION_EXPIRED")
    assert "Max-Age=0" in reply.cookie("fuma_unit")


# --- Headers -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/unit.html", "/assets/fuma.css", "/api/csrf",
                                  "/api/session.get", "/api/nope.nope", "/healthz", "/nope"])
def test_security_headers_on_pages_api_and_errors(demo_host, path):
    reply = Client(demo_host).request("GET", path)
    csp = reply.headers["Content-Security-Policy"]
    for part in CSP_PARTS:
        assert part in csp, (path, csp)
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert reply.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in reply.headers  # plain HTTP


def test_refusals_before_routing_carry_the_security_headers_too(demo_host):
    # Answered by the connection itself (the header section is too large to
    # route), not by a route.
    status, headers, _ = demo_host.request("GET", "/healthz", headers={"X-Big": "a" * 9000})
    assert status == 431
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"


def test_each_common_header_is_sent_once_and_date_is_an_http_date(demo_host):
    with demo_host.socket() as sock:
        sock.sendall(b"GET /api/csrf HTTP/1.1\r\nHost: x\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(65536)
    lines = head.split(b"\r\n\r\n")[0].split(b"\r\n")[1:]
    names = [line.split(b":", 1)[0].lower() for line in lines]
    for name in [b"date", b"server", b"content-security-policy", b"x-content-type-options",
                 b"x-frame-options", b"referrer-policy", b"cache-control", b"content-type",
                 b"content-length"]:
        assert names.count(name) == 1, (name, names)
    date = [line for line in lines if line.lower().startswith(b"date:")][0]
    parsed = email.utils.parsedate_to_datetime(date.split(b":", 1)[1].strip().decode())
    assert abs((parsed - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) < 60


def test_downloads_carry_the_security_headers_too(unit):
    reply = unit.get("session.captcha")
    assert reply.headers["Content-Type"] == "image/png"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in reply.headers["Content-Security-Policy"]


# --- The client address is the host's, not the caller's ------------------------


def test_session_login_client_cannot_be_spoofed_to_dodge_the_attempt_limit(start_host):
    host = start_host()
    client = Client(host)
    codes = []
    for i in range(7):
        # A different claimed address each time: were it believed, no
        # address would ever reach the five free failures.
        reply = client.upload("session.login",
                              {"captcha_id": "x", "captcha_answer": "FUMA7",
                               "client": f"203.0.113.{i}"}, b"not a picture", "a.png",
                              "image/png")
        codes.append(reply.code)
    assert codes[:5] == ["NOT_AN_IMAGE"] * 5
    assert codes[-1] == "TOO_MANY_ATTEMPTS", codes


def test_staff_login_client_cannot_be_spoofed_either(start_host):
    host = start_host()
    client = Client(host, "staff")
    codes = []
    for i in range(7):
        reply = client.call("staff.login", {"username": f"nobody{i}", "password": "x" * 12,
                                            "client": f"203.0.113.{i}"})
        codes.append(reply.code)
    assert codes[0] == "LOGIN_FAILED"
    assert codes[-1] == "TOO_MANY_ATTEMPTS", codes


# --- Behind reverse proxies: --trusted-proxy ------------------------------------
# 127.0.0.2 plays the proxy, 127.0.0.1 a client reaching the host directly;
# the login attempt limit, counted per client address, shows which address
# the host took: five failures, then TOO_MANY_ATTEMPTS.

def failed_logins(host, n, source=None, forwarded=None):
    client = Client(host, source=source,
                    headers={"X-Forwarded-For": forwarded} if forwarded else None)
    return [client.upload("session.login", {"captcha_id": "x", "captcha_answer": "FUMA7"},
                          b"not a picture", "a.png", "image/png").code for _ in range(n)]


def test_a_trusted_proxy_names_the_client_by_the_right_most_untrusted_entry(start_host):
    host = start_host("--trusted-proxy", "127.0.0.2", "--trusted-proxy", "10.0.0.0/8")
    # The left entry is whatever the client claimed; 10.1.2.3 is a trusted
    # proxy in front of the first; 203.0.113.1 is the client they saw.
    codes = failed_logins(host, 6, source="127.0.0.2",
                          forwarded="198.51.100.7, 203.0.113.1, 10.1.2.3")
    assert codes == ["NOT_AN_IMAGE"] * 5 + ["TOO_MANY_ATTEMPTS"], codes
    # Other clients behind the same proxy are not locked out with it...
    assert failed_logins(host, 1, source="127.0.0.2", forwarded="203.0.113.2") == ["NOT_AN_IMAGE"]
    # ...and the one that is stays so, whatever it claims to the left.
    assert failed_logins(host, 1, source="127.0.0.2",
                         forwarded="203.0.113.2, 203.0.113.1") == ["TOO_MANY_ATTEMPTS"]


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(start_host):
    host = start_host("--trusted-proxy", "127.0.0.2")
    codes = [failed_logins(host, 1, forwarded=f"203.0.113.{i}")[0] for i in range(6)]
    assert codes == ["NOT_AN_IMAGE"] * 5 + ["TOO_MANY_ATTEMPTS"], codes
    # What it claimed was never counted against those addresses.
    assert failed_logins(host, 1, source="127.0.0.2", forwarded="203.0.113.0") == ["NOT_AN_IMAGE"]


def test_without_trusted_proxies_x_forwarded_for_is_ignored(start_host):
    host = start_host()
    codes = [failed_logins(host, 1, source="127.0.0.2", forwarded=f"203.0.113.{i}")[0]
             for i in range(6)]
    assert codes == ["NOT_AN_IMAGE"] * 5 + ["TOO_MANY_ATTEMPTS"], codes


def test_a_malformed_forwarded_entry_stops_at_the_proxy(start_host):
    host = start_host("--trusted-proxy", "127.0.0.2")
    # The proxy's own entry is garbage: nothing behind it can be believed,
    # so the proxy itself is the client, and one limit holds for all of it.
    codes = [failed_logins(host, 1, source="127.0.0.2",
                           forwarded=f"203.0.113.{i}, not-an-address")[0] for i in range(6)]
    assert codes == ["NOT_AN_IMAGE"] * 5 + ["TOO_MANY_ATTEMPTS"], codes


@pytest.mark.parametrize("value", ["", "10.0.0.0/33", "fd00::/129", "example.org", "10.0.0.0/x",
                                   "10.0.0.0/", "1.2.3.4/-1"])
def test_a_bad_trusted_proxy_is_a_usage_error(value, tmp_path):
    out = subprocess.run([host_binary(), "--data", str(tmp_path), "--trusted-proxy", value],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2, out
    assert "--trusted-proxy" in out.stderr


def test_captchas_are_limited_per_client_address(start_host):
    host = start_host()
    client = Client(host)
    for _ in range(20):
        assert client.get("session.captcha").status == 200
    refused = client.get("session.captcha")
    assert refused.status == 429 and refused.code == "TOO_MANY_ATTEMPTS", refused
    # Another address is not held by this one's flood.
    assert Client(host, source="127.0.0.2").get("session.captcha").status == 200
