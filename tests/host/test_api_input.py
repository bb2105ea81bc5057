# SPDX-License-Identifier: Apache-2.0
"""Bad input to the command API: every malformed request gets a clean JSON
error with the right status, and never reaches (or changes) the engine."""

import json

import pytest

from conftest import (Client, Reader, assert_api_error, make_png, multipart, read_response,
                      unit_with_draft)

MAX_UPLOAD = 12 * 1024 * 1024
MAX_BODY = 1024 * 1024


@pytest.fixture(scope="module")
def unit(demo_host):
    """The fixed-term unit with a draft 申请变更 it may upload to."""
    return unit_with_draft(demo_host, "fixed-term", "change")


def post(client, path, body, content_type="application/json", headers=None):
    return client.request("POST", path, body=body,
                          headers={"Content-Type": content_type, **(headers or {})})


def version(unit):
    return unit.get("application.view", {"id": unit.app_id}).json["application"]["version"]


# --- JSON bodies ----------------------------------------------------------


def test_malformed_json_is_400(unit):
    error = assert_api_error(post(unit, "/api/application.save", b'{"id":'), 400,
                             "INVALID_ARGUMENT")
    assert "JSON" in error["detail"]


def test_a_json_array_instead_of_an_object_is_400(unit):
    error = assert_api_error(post(unit, "/api/application.save", b"[1, 2]"), 400,
                             "INVALID_ARGUMENT")
    assert "object" in error["detail"]


@pytest.mark.parametrize("body", [b"null", b'"text"', b"42"])
def test_a_json_scalar_instead_of_an_object_is_400(unit, body):
    assert_api_error(post(unit, "/api/application.save", body), 400, "INVALID_ARGUMENT")


def test_an_id_given_as_a_string_is_400_from_the_engine(unit):
    reply = unit.call("application.view", {"id": str(unit.app_id)})
    error = assert_api_error(reply, 400, "INVALID_ARGUMENT")
    assert "args.id" in error["detail"]


def test_an_unknown_argument_is_400(unit):
    reply = unit.call("application.view", {"id": unit.app_id, "bogus": 1})
    error = assert_api_error(reply, 400, "INVALID_ARGUMENT")
    assert "bogus" in error["detail"]


def test_invalid_utf8_in_the_body_is_400_and_saves_nothing(unit):
    before = version(unit)
    body = b'{"id": %d, "fields": {"reason": "\xff\xfe"}}' % unit.app_id
    assert_api_error(post(unit, "/api/application.save", body), 400, "INVALID_ARGUMENT")
    assert version(unit) == before


def test_text_plain_on_a_json_command_is_415(unit):
    body = json.dumps({"id": unit.app_id}).encode()
    reply = post(unit, "/api/application.save", body, "text/plain")
    assert_api_error(reply, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_multipart_on_a_json_command_is_415(unit):
    body, ctype = multipart([("args", json.dumps({"id": unit.app_id}), None, None)])
    assert_api_error(post(unit, "/api/application.view", body, ctype), 415,
                     "UNSUPPORTED_MEDIA_TYPE")


def test_json_media_type_with_parameters_is_accepted(unit):
    body = json.dumps({"id": unit.app_id}).encode()
    reply = post(unit, "/api/application.view", body, "Application/JSON; charset=utf-8")
    assert reply.status == 200, reply


def test_args_in_both_the_body_and_the_query_is_400(unit):
    body = json.dumps({"id": unit.app_id}).encode()
    path = "/api/application.view?args=" + "%7B%7D"
    assert_api_error(post(unit, path, body), 400, "INVALID_ARGUMENT")


def test_a_json_body_over_max_body_is_413(unit):
    body = b'{"id": 1, "fields": {"reason": "' + b"a" * MAX_BODY + b'"}}'
    reply = post(unit, "/api/application.save", body)
    error = assert_api_error(reply, 413, "PAYLOAD_TOO_LARGE")
    assert str(MAX_BODY) in error["detail"]


def test_a_json_body_larger_than_any_route_allows_names_the_routes_limit(unit):
    # Beyond --max-upload as well: refused as the header is read. The
    # detail must still give this route's limit, 1 MiB, not a stale value.
    with unit.host.socket() as sock:
        sock.sendall(b"POST /api/application.save HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                     % (MAX_UPLOAD + 1))
        status, _, body = read_response(sock)
    assert status == 413
    detail = json.loads(body)["error"]["detail"]
    assert detail == f"the request body exceeds {MAX_BODY} bytes", detail


def test_the_413_detail_is_not_a_previous_requests_limit(unit):
    # Same connection: an upload route's request first, then an oversized
    # JSON one; the detail must not carry the upload route's limit over.
    with unit.host.socket() as sock:
        reader = Reader(sock)
        sock.sendall(b"POST /api/attachment.upload HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Length: 2\r\n\r\nab")
        assert reader.response()[0] == 403  # no CSRF token; the connection stays
        sock.sendall(b"POST /api/application.save HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                     % (MAX_UPLOAD + 1))
        status, _, body = reader.response()
    assert status == 413
    detail = json.loads(body)["error"]["detail"]
    assert detail == f"the request body exceeds {MAX_BODY} bytes", detail


# --- Query parameters ---------------------------------------------------------


def test_malformed_percent_escape_in_args_is_400(unit):
    reply = unit.request("GET", "/api/application.view?args=%7B%22id%22%3A1%7")
    error = assert_api_error(reply, 400, "INVALID_ARGUMENT")
    assert "percent" in error["detail"]


def test_args_that_are_not_json_are_400(unit):
    reply = unit.request("GET", "/api/application.view?args=id%3D1")
    assert_api_error(reply, 400, "INVALID_ARGUMENT")


def test_args_that_are_not_utf8_after_decoding_are_400(unit):
    reply = unit.request("GET", "/api/application.view?args=%7B%22id%22%3A%22%FF%22%7D")
    assert_api_error(reply, 400, "INVALID_ARGUMENT")


def test_plus_in_the_query_is_a_space(unit):
    reply = unit.request("GET", f"/api/application.view?args=%7B%22id%22%3A+{unit.app_id}%7D")
    assert reply.status == 200, reply


def test_format_other_than_json_is_400(unit):
    reply = unit.get("application.form", {"id": unit.app_id}, fmt="xml")
    error = assert_api_error(reply, 400, "INVALID_ARGUMENT")
    assert "format" in error["detail"]


def test_format_json_on_a_json_result_changes_nothing(unit):
    reply = unit.get("application.view", {"id": unit.app_id}, fmt="json")
    assert reply.status == 200, reply
    assert "data_base64" not in reply.json


# --- Methods and names -------------------------------------------------------


def test_get_on_a_write_command_is_405_allow_post(unit):
    reply = unit.get("application.save", {"id": unit.app_id})
    assert_api_error(reply, 405, "METHOD_NOT_ALLOWED")
    assert reply.headers["Allow"] == "POST"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_on_a_write_command_are_405_allow_post(unit, method):
    reply = unit.request(method, "/api/application.start", body=b"{}",
                         headers={"Content-Type": "application/json"})
    assert_api_error(reply, 405, "METHOD_NOT_ALLOWED")
    assert reply.headers["Allow"] == "POST"


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_other_methods_on_a_read_only_command_are_405_allow_get_head_post(unit, method):
    reply = unit.request(method, "/api/application.view")
    assert_api_error(reply, 405, "METHOD_NOT_ALLOWED")
    assert reply.headers["Allow"] == "GET, HEAD, POST"


def test_head_on_a_read_only_command_sends_no_body(unit):
    get = unit.get("application.view", {"id": unit.app_id})
    path = unit.path("application.view", {"args": json.dumps({"id": unit.app_id})})
    head = unit.request("HEAD", path)
    assert head.status == 200
    assert head.body == b""
    assert int(head.headers["Content-Length"]) == len(get.body)


def test_a_read_only_command_also_answers_post(unit):
    reply = unit.call("application.view", {"id": unit.app_id})
    assert reply.status == 200, reply


@pytest.mark.parametrize("path", ["/api/nope.nope", "/api/staff/nope.nope",
                                  "/api/application.approve"])
def test_unknown_command_is_404_unknown_command(unit, path):
    assert_api_error(unit.request("GET", path), 404, "UNKNOWN_COMMAND")


@pytest.mark.parametrize("path", ["/api/Application.view", "/api/noverb", "/api/a.b/c",
                                  "/api/staff/", "/api/"])
def test_paths_not_shaped_like_a_command_are_404_not_found(unit, path):
    assert_api_error(unit.request("GET", path), 404, "NOT_FOUND")


def test_head_on_a_download_sends_its_headers_without_the_bytes(unit):
    path = unit.path("application.form", {"args": json.dumps({"id": unit.app_id})})
    get = unit.request("GET", path)
    head = unit.request("HEAD", path)
    assert head.status == 200 and head.body == b""
    assert head.headers["Content-Type"] == "application/pdf"
    assert int(head.headers["Content-Length"]) == len(get.body)


def test_engine_field_problems_come_back_all_at_once(demo_host):
    # A fresh 申请变更 submitted without its fields: every problem is listed.
    client = Client(demo_host)
    client.login_unit(demo_host.demo.picture["long-term"])
    start = client.call("application.start", {"business": "change"})
    assert start.status == 200, start
    app_id = start.json["application"]["id"]
    try:
        reply = client.call("application.submit", {"id": app_id})
        error = assert_api_error(reply, 400, "INVALID_ARGUMENT")
        assert error["problems"] and all(p["field"] and p["message"] for p in error["problems"])
    finally:
        assert client.call("application.delete", {"id": app_id}).status == 200


# --- Uploads -----------------------------------------------------------


def upload_with(unit, parts, close=True, boundary=None):
    body, ctype = multipart(parts, boundary=boundary, close=close)
    return post(unit, "/api/attachment.upload", body, ctype)


def args_part(unit, kind="other"):
    return ("args", json.dumps({"id": unit.app_id, "kind": kind}), None, None)


def file_part(name="file", data=None):
    return (name, data if data is not None else make_png(), "a.png", "image/png")


def test_multipart_without_a_file_part_is_400(unit):
    error = assert_api_error(upload_with(unit, [args_part(unit)]), 400, "INVALID_ARGUMENT")
    assert "file" in error["detail"]


def test_multipart_with_two_file_parts_is_400(unit):
    reply = upload_with(unit, [args_part(unit), file_part(), file_part()])
    assert_api_error(reply, 400, "INVALID_ARGUMENT")


def test_multipart_with_an_unknown_part_is_400(unit):
    reply = upload_with(unit, [args_part(unit), file_part(), ("extra", "x", None, None)])
    assert_api_error(reply, 400, "INVALID_ARGUMENT")


def test_multipart_without_the_closing_delimiter_is_400(unit):
    reply = upload_with(unit, [args_part(unit), file_part()], close=False)
    error = assert_api_error(reply, 400, "INVALID_ARGUMENT")
    assert "closing" in error["detail"]


def test_multipart_without_a_boundary_parameter_is_400(unit):
    body, _ = multipart([args_part(unit), file_part()])
    reply = post(unit, "/api/attachment.upload", body, "multipart/form-data")
    assert_api_error(reply, 400, "INVALID_ARGUMENT")


def test_multipart_with_a_quoted_boundary_is_accepted(unit):
    body, _ = multipart([args_part(unit), file_part(data=make_png(seed=11))], boundary="q-b")
    reply = post(unit, "/api/attachment.upload", body, 'multipart/form-data; boundary="q-b"')
    assert reply.status == 200, reply


def test_multipart_with_args_that_are_not_json_is_400(unit):
    reply = upload_with(unit, [("args", "{oops", None, None), file_part()])
    assert_api_error(reply, 400, "INVALID_ARGUMENT")


def test_multipart_part_without_a_name_is_400(unit):
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data\r\n\r\nx\r\n"
            f"--{boundary}--\r\n").encode()
    reply = post(unit, "/api/attachment.upload", body,
                 f"multipart/form-data; boundary={boundary}")
    assert_api_error(reply, 400, "INVALID_ARGUMENT")


def test_a_file_the_engine_cannot_recognise_is_refused_and_not_stored(unit):
    before = len(unit.get("application.view", {"id": unit.app_id}).json["application"]
                 ["attachments"])
    reply = upload_with(unit, [args_part(unit), file_part(data=b"PK\x03\x04 a zip, or docx")])
    assert reply.status in (400, 422), reply
    after = unit.get("application.view", {"id": unit.app_id}).json["application"]["attachments"]
    assert len(after) == before


def test_an_attachment_over_10_mib_is_refused_by_the_engine(unit):
    png = make_png()
    big = png + b"\0" * (10 * 1024 * 1024 + 1 - len(png))
    reply = unit.post_raw("attachment.upload", {"id": unit.app_id, "kind": "other",
                                                "file_name": "big.png"}, big, "image/png")
    error = assert_api_error(reply, 400, "INVALID_ARGUMENT")
    assert "max_file_bytes" in error["detail"]


def test_an_upload_over_max_upload_is_413_naming_the_upload_limit(unit):
    body = b"\0" * (MAX_UPLOAD + 1)
    reply = unit.post_raw("attachment.upload", {"id": unit.app_id, "kind": "other",
                                                "file_name": "huge.png"}, body, "image/png")
    error = assert_api_error(reply, 413, "PAYLOAD_TOO_LARGE")
    assert error["detail"] == f"the request body exceeds {MAX_UPLOAD} bytes", error


def test_an_upload_route_accepts_more_than_max_body(unit):
    # 2 MiB: over --max-body, under --max-upload; the engine judges it.
    png = make_png()
    data = png + b"\0" * (2 * 1024 * 1024 - len(png))
    reply = unit.post_raw("attachment.upload", {"id": unit.app_id, "kind": "other",
                                                "file_name": "pad.png"}, data, "image/png")
    assert reply.status != 413, reply
    assert reply.code != "PAYLOAD_TOO_LARGE"


def test_raw_upload_without_a_content_type_reaches_the_engine(unit):
    path = unit.path("attachment.upload", {"args": json.dumps(
        {"id": unit.app_id, "kind": "other", "file_name": "untyped.png"})})
    reply = unit.request("POST", path, body=make_png(seed=9))
    assert reply.status == 200, reply
    assert reply.json["attachment"]["media_type"] == "image/png"


def test_multipart_file_name_is_used_unless_args_give_one(unit):
    reply = upload_with(unit, [("args", json.dumps({"id": unit.app_id, "kind": "other",
                                                    "file_name": "由参数命名.png"}), None, None),
                               file_part(data=make_png(seed=3))])
    assert reply.status == 200, reply
    assert reply.json["attachment"]["file_name"] == "由参数命名.png"


# --- Idempotency ---------------------------------------------------------


@pytest.fixture(scope="module")
def long_term(demo_host):
    client = Client(demo_host)
    client.login_unit(demo_host.demo.picture["long-term"])
    return client


def test_idempotency_key_retry_returns_the_same_application(long_term):
    key = {"Idempotency-Key": "start-revoke-1"}
    first = long_term.call("application.start", {"business": "revoke"}, headers=key)
    assert first.status == 200, first
    again = long_term.call("application.start", {"business": "revoke"}, headers=key)
    assert again.status == 200, again
    assert again.json["application"]["id"] == first.json["application"]["id"]
    long_term.revoke_id = first.json["application"]["id"]


def test_without_the_key_a_second_start_is_refused_so_the_first_was_real(long_term):
    reply = long_term.call("application.start", {"business": "revoke"})
    assert_api_error(reply, 409, "CONFLICT")


def test_idempotent_save_acts_once(long_term):
    app_id = long_term.revoke_id
    before = long_term.get("application.view", {"id": app_id}).json["application"]["version"]
    key = {"Idempotency-Key": "save-revoke-1"}
    args = {"id": app_id, "fields": {"reason": "机构撤销"}}
    first = long_term.call("application.save", args, headers=key)
    again = long_term.call("application.save", args, headers=key)
    assert first.status == again.status == 200, (first, again)
    assert again.json["application"]["version"] == first.json["application"]["version"]
    after = long_term.get("application.view", {"id": app_id}).json["application"]["version"]
    assert after == first.json["application"]["version"] == before + 1


def test_idempotency_key_that_is_not_utf8_is_400(long_term):
    path = long_term.path("application.start")
    body = json.dumps({"business": "revoke"}).encode()
    reply = long_term.request("POST", path, body=body, headers={
        "Content-Type": "application/json", "Idempotency-Key": b"\xff\xfe".decode("latin-1")})
    assert_api_error(reply, 400, "INVALID_ARGUMENT")


def test_multipart_args_and_query_args_together_are_refused(demo_host):
    client = Client(demo_host, "staff")
    client.login_staff("shouli")
    reply = client.upload("form.verify", {}, b"%PDF-1.4 not really", "scan.pdf", "application/pdf",
                          query={"args": "{}"})
    assert_api_error(reply, 400, "INVALID_ARGUMENT")
    assert "not both" in reply.json["error"]["detail"]
