# SPDX-License-Identifier: Apache-2.0
"""The pages and their assets, /api/openapi.json, /api/site and /api/content."""

import base64
import json
import pathlib
import re

import time

import pytest

from conftest import Client, Host, Reply, assert_api_error, read_response

ROOT = pathlib.Path(__file__).resolve().parents[2]

PAGES = {
    "/": "text/html; charset=utf-8",
    "/index.html": "text/html; charset=utf-8",
    "/unit.html": "text/html; charset=utf-8",
    "/staff.html": "text/html; charset=utf-8",
    "/apply.html": "text/html; charset=utf-8",
    "/c.html": "text/html; charset=utf-8",
    "/assets/fuma.css": "text/css; charset=utf-8",
    "/assets/api.js": "text/javascript; charset=utf-8",
    "/assets/unit.js": "text/javascript; charset=utf-8",
    "/assets/favicon.svg": "image/svg+xml",
}

NOTICES = {
    "2026-11-01-a": "关于启用新系统的通知\n2026-11-01\n\n自即日起启用。\n第二段。\n",
    "2026-10-15-b": "关于年度报告的通知\r\n2026-10-15\r\n\r\n请按时报送。\r\n",
    "2026-12-24-c": "最新通知\n2026-12-24\n\n年底。\n",
}


@pytest.fixture(scope="module")
def content_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("content")
    notices = root / "notices"
    notices.mkdir()
    for name, text in NOTICES.items():
        (notices / f"{name}.txt").write_bytes(text.encode("utf-8"))
    (notices / "no-date.txt").write_text("没有日期的通知\n\n正文\n", encoding="utf-8")
    (notices / "bad-date.txt").write_text("日期不对\n2026-13-01\n\n正文\n", encoding="utf-8")
    (notices / "bad.name.txt").write_text("名字不对\n2026-11-02\n\n正文\n", encoding="utf-8")
    (notices / "latin1.txt").write_bytes("Latin-1\n2026-11-03\n\ncaf\xe9\n".encode("latin-1"))
    (notices / "too-big.txt").write_text("太大\n2026-11-04\n\n" + "字" * 30000, encoding="utf-8")
    (notices / "readme.md").write_text("不是 .txt\n2026-11-05\n", encoding="utf-8")
    policies = root / "policies"
    policies.mkdir()
    (policies / "rule-1.txt").write_text("某某条例\n2025-01-01\n正文紧跟日期\n", encoding="utf-8")
    secret = root / "secret"
    secret.mkdir()
    (secret / "s.txt").write_text("不在栏目里\n2026-01-01\n\n机密\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def host(tmp_path_factory, content_dir):
    h = Host(tmp_path_factory.mktemp("pages"), "--content", str(content_dir),
             "--institution-url", "https://sydj.example.gov.cn/")
    yield h
    h.stop()


def get(host, path, headers=None, method="GET"):
    return Reply(*host.request(method, path, headers=headers))


# --- Pages ----------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(PAGES))
def test_pages_and_assets_are_served_with_type_and_etag(host, path):
    reply = get(host, path)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == PAGES[path]
    assert re.fullmatch(r'"[0-9a-f]{24}"', reply.headers["ETag"])
    assert reply.headers["Cache-Control"] == "no-cache"
    assert reply.body


def test_index_is_the_root_page(host):
    assert get(host, "/").body == get(host, "/index.html").body


def test_pages_are_the_files_in_the_web_directory(host):
    web = ROOT / "examples" / "host" / "web"
    assert get(host, "/unit.html").body == (web / "unit.html").read_bytes()
    assert get(host, "/assets/fuma.css").body == (web / "assets" / "fuma.css").read_bytes()


def test_if_none_match_gives_304_without_body(host):
    etag = get(host, "/unit.html").headers["ETag"]
    reply = get(host, "/unit.html", {"If-None-Match": etag})
    assert reply.status == 304
    assert reply.body == b""
    assert reply.headers["ETag"] == etag


@pytest.mark.parametrize("header,hit", [
    ("{etag}", True),
    ("W/{etag}", True),  # compared weakly
    ('"000000000000000000000000", {etag}', True),
    ('"000000000000000000000000",W/{etag} ', True),
    ("*", True),
    ('"000000000000000000000000", "111111111111111111111111"', False),
    ("{bare}", False),  # not quoted: malformed
    ("{etag} junk", False),
    ("{etag}; {etag}", False),
    ('"unterminated', False),
    ("", False),
])
def test_if_none_match_gets_304_only_for_a_well_formed_list_holding_the_tag(host, header, hit):
    etag = get(host, "/unit.html").headers["ETag"]
    reply = get(host, "/unit.html",
                {"If-None-Match": header.format(etag=etag, bare=etag.strip('"'))})
    if hit:
        assert reply.status == 304 and reply.body == b""
    else:
        assert reply.status == 200
        assert reply.body == (ROOT / "examples/host/web/unit.html").read_bytes()


def test_a_stale_etag_gets_the_page(host):
    reply = get(host, "/unit.html", {"If-None-Match": '"000000000000000000000000"'})
    assert reply.status == 200 and reply.body


def test_head_on_a_page_has_the_length_and_no_body(host):
    full = get(host, "/staff.html")
    head = get(host, "/staff.html", method="HEAD")
    assert head.status == 200 and head.body == b""
    assert int(head.headers["Content-Length"]) == len(full.body)


@pytest.mark.parametrize("path", ["/c/11440300000000000N-01", "/c/anything", "/c/%E4%B8%AD"])
def test_certificate_links_serve_c_html(host, path):
    reply = get(host, path)
    assert reply.status == 200
    assert reply.body == get(host, "/c.html").body


@pytest.mark.parametrize("path", ["/c/", "/c/a/b", "/c"])
def test_other_c_paths_are_404(host, path):
    assert_api_error(get(host, path), 404, "NOT_FOUND")


@pytest.mark.parametrize("path", [
    "/../etc/passwd", "/%2e%2e/etc/passwd", "/assets/../../etc/passwd", "//etc/passwd",
    "/assets/%2F..", "/assets/..%2f..%2fetc%2fpasswd", "/assets/../index.html",
    "/./index.html", "/assets//fuma.css", "/index.html/", "/assets", "/assets/",
    "/.hidden", "/INDEX.HTML", "/index.html%00.txt", "/c/../../etc/passwd",
    "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/..%5c..%5cetc%5cpasswd",
])
def test_path_traversal_and_odd_paths_are_404_and_leak_nothing(host, path):
    reply = get(host, path)
    assert_api_error(reply, 404, "NOT_FOUND")
    assert b"root:" not in reply.body


def test_absolute_form_and_asterisk_targets_are_refused(host):
    for target in [b"http://evil/etc/passwd", b"*", b"etc/passwd"]:
        with host.socket() as sock:
            sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            status, _, body = read_response(sock)
        assert status in (400, 404), target
        assert b"root:" not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_other_methods_on_a_page_are_405(host, method):
    reply = get(host, "/unit.html", method=method)
    assert_api_error(reply, 405, "METHOD_NOT_ALLOWED")
    assert reply.headers["Allow"] == "GET, HEAD"


def test_html_pages_set_a_csrf_cookie_when_missing(host):
    reply = get(host, "/unit.html")
    line = reply.cookie("fuma_csrf")
    assert line
    token = line.split(";")[0].split("=", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{16,}", token)
    assert "SameSite=Strict" in line and "Path=/" in line and "HttpOnly" not in line


def test_html_pages_keep_a_csrf_cookie_that_is_there(host):
    client = Client(host)
    token = client.get_csrf()
    reply = client.request("GET", "/staff.html")
    assert reply.cookie("fuma_csrf") is None
    assert client.cookies["fuma_csrf"] == token


def test_the_page_csrf_cookie_works_for_a_post(host):
    client = Client(host)
    client.request("GET", "/")
    assert "fuma_csrf" in client.cookies
    reply = client.call("uscc.check", {"code": "91350100M000100Y43"})
    assert reply.status == 200, reply
    assert reply.json["valid"] is True


@pytest.mark.parametrize("path", ["/assets/fuma.css", "/assets/api.js"])
def test_assets_set_no_cookie(host, path):
    assert get(host, path).cookie("fuma_csrf") is None


# --- /api/openapi.json ----------------------------------------------------------


def registry(host):
    """The engine's declarations, as the host itself serves them."""
    reply = get(host, "/api/fuma.commands")
    assert reply.status == 200
    return reply.json["commands"]


def routed(declaration, caller, other_login):
    callers = declaration["callers"]
    return (("anonymous" in callers or caller in callers)
            and declaration["name"] != other_login)


def command_paths(host):
    """(path, answers GET, takes bytes) of each route, as commands.hpp derives them."""
    out = []
    for prefix, caller, other_login in [("/api/", "session", "staff.login"),
                                        ("/api/staff/", "staff_session", "session.login")]:
        for d in registry(host):
            if not routed(d, caller, other_login):
                continue
            only_anonymous = d["callers"] == ["anonymous"]
            get_ok = d["effect"] != "write" or (only_anonymous and d["returns"] is not None)
            out.append((prefix + d["name"], get_ok, d["takes"] is not None))
    return out


@pytest.fixture(scope="module")
def openapi(host):
    reply = get(host, "/api/openapi.json")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json; charset=utf-8"
    return reply.json


def test_openapi_is_version_3_1_with_json_schema_2020_12(openapi):
    assert openapi["openapi"] == "3.1.0"
    assert openapi["jsonSchemaDialect"] == "https://json-schema.org/draft/2020-12/schema"
    assert openapi["info"]["title"] and openapi["info"]["version"]


def test_the_routes_follow_the_declarations(host):
    paths = command_paths(host)
    assert ("/api/session.login", False, True) in paths
    assert ("/api/staff/queue.list", True, False) in paths
    assert ("/api/session.captcha", True, False) in paths  # an anonymous write that shows bytes
    names = {p for p, _, _ in paths}
    # Only the system's, and the other side's login, are nowhere.
    assert not {"/api/authority.create", "/api/staff/authority.create", "/api/store.backup",
                "/api/staff/store.backup", "/api/staff.login", "/api/staff/session.login"} & names


def test_every_command_is_documented_with_its_methods(host, openapi):
    for path, get_ok, takes_data in command_paths(host):
        assert path in openapi["paths"], f"{path} is routed but not in openapi.json"
        operations = openapi["paths"][path]
        assert "post" in operations
        assert ("get" in operations) == get_ok, path
        content = operations["post"].get("requestBody", {}).get("content", {})
        assert ("multipart/form-data" in content) == takes_data, path


def test_openapi_documents_no_command_that_is_not_exposed(host, openapi):
    exposed = {p for p, _, _ in command_paths(host)}
    fixed = {"/healthz", "/readyz", "/metrics", "/api/uscc/{code}", "/api/openapi.json",
             "/api/csrf", "/api/site", "/api/content", "/api/content/{column}/{item}"}
    assert set(openapi["paths"]) - exposed - fixed == set()


def test_openapi_posts_all_name_the_csrf_header(host, openapi):
    for path, _, _ in command_paths(host):
        params = openapi["paths"][path]["post"].get("parameters", [])
        assert {"$ref": "#/components/parameters/Csrf"} in params, path


def test_openapi_carries_each_commands_args_result_and_errors(host, openapi):
    view = {d["name"]: d for d in registry(host)}["application.view"]
    post = openapi["paths"]["/api/staff/application.view"]["post"]
    args = post["requestBody"]["content"]["application/json"]["schema"]
    assert args["required"] == view["args"]["required"]
    result = post["responses"]["200"]["content"]["application/json"]["schema"]
    assert result["properties"]["application"] == {"$ref": "#/components/schemas/case"}
    assert "case" in openapi["components"]["schemas"]
    assert post["security"] == [{"staffSession": []}]
    codes = {code for status in post["responses"].values() if "allOf" in
             status["content"]["application/json"]["schema"]
             for code in status["content"]["application/json"]["schema"]["allOf"][1]
             ["properties"]["error"]["properties"]["code"]["enum"]}
    assert set(view["errors"]) <= codes
    not_found = post["responses"]["404"]["content"]["application/json"]["schema"]
    assert "NOT_FOUND" in not_found["allOf"][1]["properties"]["error"]["properties"]["code"]["enum"]


def test_openapi_gives_returned_bytes_their_media_type(openapi):
    form = openapi["paths"]["/api/application.form"]["get"]["responses"]["200"]
    assert "application/pdf" in form["content"]
    assert "Content-Disposition" in form["headers"]


def test_openapi_refs_all_resolve(openapi):
    text = json.dumps(openapi)
    for ref in set(re.findall(r'"\$ref": "#/([^"]+)"', text)):
        node = openapi
        for key in ref.split("/"):
            assert key in node, ref
            node = node[key]


def test_openapi_operation_ids_are_unique(openapi):
    ids = [op["operationId"] for item in openapi["paths"].values() for op in item.values()
           if isinstance(op, dict) and "operationId" in op]
    assert len(ids) == len(set(ids))


# --- /api/site --------------------------------------------------------------


def test_site_without_demo_says_so_and_gives_no_captcha(host):
    reply = get(host, "/api/site")
    assert reply.status == 200
    doc = reply.json
    assert doc["demo"] is False
    assert "demo_captcha" not in doc
    assert doc["title"]
    assert doc["institution_service_url"] == "https://sydj.example.gov.cn/"


def test_without_demo_the_captcha_is_not_in_test_mode(host):
    reply = Client(host).get("session.captcha", fmt="json")
    assert reply.status == 200
    assert "test_mode" not in reply.json and "warning" not in reply.json
    assert base64.b64decode(reply.json["data_base64"]).startswith(b"\x89PNG")


def test_site_under_demo_gives_the_fixed_captcha(start_host):
    demo = start_host("--demo")
    doc = Reply(*demo.request("GET", "/api/site")).json
    assert doc["demo"] is True
    assert doc["demo_captcha"] == "FUMA7"
    assert Client(demo).get("session.captcha", fmt="json").json["test_mode"] is True


# --- /api/content -------------------------------------------------------------


@pytest.fixture(scope="module")
def columns(host):
    reply = get(host, "/api/content")
    assert reply.status == 200
    return {c["key"]: c for c in reply.json["columns"]}


def test_content_has_the_four_columns_in_order(host):
    keys = [c["key"] for c in get(host, "/api/content").json["columns"]]
    assert keys == ["notices", "policies", "technical", "annual"]


def test_content_items_are_newest_first(columns):
    assert [i["id"] for i in columns["notices"]["items"]] == [
        "2026-12-24-c", "2026-11-01-a", "2026-10-15-b"]
    first = columns["notices"]["items"][0]
    assert first == {"id": "2026-12-24-c", "title": "最新通知", "date": "2026-12-24"}


def test_bad_content_files_are_skipped_and_logged(host, columns):
    ids = {i["id"] for i in columns["notices"]["items"]}
    for bad in ["no-date", "bad-date", "bad.name", "latin1", "too-big", "readme"]:
        assert bad not in ids
    log = host.log()
    assert "event=content" in log and "no-date.txt" in log


def test_a_directory_that_is_no_column_is_not_served(host, columns):
    assert "secret" not in columns
    assert_api_error(get(host, "/api/content/secret/s"), 404, "NOT_FOUND")


def test_an_empty_column_has_no_items(columns):
    assert columns["technical"]["items"] == []


def test_content_item_gives_the_body(host):
    reply = get(host, "/api/content/notices/2026-11-01-a")
    assert reply.status == 200
    item = reply.json["item"]
    assert item["title"] == "关于启用新系统的通知"
    assert item["date"] == "2026-11-01"
    assert item["body"] == "自即日起启用。\n第二段。\n"
    assert item["column"] == "notices" and item["column_label"] == "通知公告"


def test_content_item_with_crlf_lines_has_them_removed(host):
    item = get(host, "/api/content/notices/2026-10-15-b").json["item"]
    assert item["title"] == "关于年度报告的通知" and item["body"] == "请按时报送。\n"


def test_content_body_may_follow_the_date_at_once(host):
    item = get(host, "/api/content/policies/rule-1").json["item"]
    assert item["body"] == "正文紧跟日期\n"


def test_content_added_after_start_is_shown_without_a_restart(host, content_dir):
    (content_dir / "policies" / "rule-2.txt").write_text("新条例\n2026-02-02\n\n新\n",
                                                         encoding="utf-8")
    # The folder is read again once what was read is two seconds old.
    deadline = time.monotonic() + 30
    reply = get(host, "/api/content/policies/rule-2")
    while reply.status == 404 and time.monotonic() < deadline:
        time.sleep(0.2)
        reply = get(host, "/api/content/policies/rule-2")
    assert reply.status == 200 and reply.json["item"]["title"] == "新条例"


def test_a_burst_of_home_pages_reads_the_folder_once(host):
    """Each load of the folder logs the file it skips; 30 requests in quick
    succession must not each read the folder again."""
    time.sleep(2.1)  # whatever an earlier test loaded has gone stale
    served = 'path="/api/content" status=200'
    before, served_before = host.log().count("no-date.txt"), host.log().count(served)
    start = time.monotonic()
    for _ in range(30):
        assert get(host, "/api/content").status == 200
    took = time.monotonic() - start
    # The log is written in order, in batches: once the 30 requests are
    # there, so is every read of the folder they caused.
    deadline = time.monotonic() + 30
    while host.log().count(served) < served_before + 30:
        assert time.monotonic() < deadline, host.log()
        time.sleep(0.05)
    # Once, and once more for each two seconds the burst took on a busy
    # machine; reading the folder per request would be 30.
    assert host.log().count("no-date.txt") - before <= 2 + int(took / 2)


@pytest.mark.parametrize("path", [
    "/api/content/notices/nope", "/api/content/notices/no-date",
    "/api/content/policies/2026-11-01-a", "/api/content/notices/2026-11-01-a.txt",
    "/api/content/notices", "/api/content/notices/", "/api/content/",
    "/api/content/notices/2026-11-01-a/x",
])
def test_unknown_content_is_404(host, path):
    assert_api_error(get(host, path), 404, "NOT_FOUND")


@pytest.mark.parametrize("path", [
    "/api/content/notices/..%2F..%2Fsecret%2Fs", "/api/content/notices/../secret/s",
    "/api/content/../content/notices/2026-11-01-a", "/api/content/notices/%2e%2e",
    "/api/content/..%2Fsecret/s", "/api/content/notices/..",
    "/api/content/notices/.%2e/policies/rule-1",
])
def test_content_traversal_is_404(host, path):
    reply = get(host, path)
    assert_api_error(reply, 404, "NOT_FOUND")
    assert "机密".encode() not in reply.body


def test_content_is_read_only(host):
    reply = get(host, "/api/content/notices/2026-11-01-a", method="POST")
    assert_api_error(reply, 405, "METHOD_NOT_ALLOWED")
    assert reply.headers["Allow"] == "GET, HEAD"


def test_content_defaults_to_the_data_directory(start_host, tmp_path):
    data = tmp_path / "d"
    (data / "content" / "annual").mkdir(parents=True)
    (data / "content" / "annual" / "r2025.txt").write_text("2025年度报告\n2026-03-31\n\n内容\n",
                                                          encoding="utf-8")
    h = start_host(data=data)
    columns = {c["key"]: c for c in Reply(*h.request("GET", "/api/content")).json["columns"]}
    assert [i["id"] for i in columns["annual"]["items"]] == ["r2025"]
