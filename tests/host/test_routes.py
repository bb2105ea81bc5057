# SPDX-License-Identifier: Apache-2.0
"""fuma-host's routes: what each URL answers, and in what shape."""

import email.utils
import json
import re
import time
import urllib.parse

from conftest import Reader, read_response, wait_for_log

VALID = "91350100M000100Y43"
CHINESE = re.compile("[\u4e00-\u9fff]")


def assert_error(status, headers, body, want_status, want_code):
    assert status == want_status
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    doc = json.loads(body.decode("utf-8"))
    assert doc["ok"] is False
    assert doc["error"]["code"] == want_code
    assert CHINESE.search(doc["error"]["message"])
    assert doc["error"]["detail"]
    return doc


def test_healthz_reports_the_library_and_schema_versions(host):
    status, _, doc = host.get_json("/healthz")
    assert status == 200
    assert doc["ok"] is True
    assert re.fullmatch(r"\d+\.\d+\.\d+", doc["version"])
    assert isinstance(doc["schema_version"], int) and doc["schema_version"] >= 1
    assert doc["crypto_suite"] == "standard"


def test_answers_carry_json_type_server_nosniff_and_no_store(host):
    _, headers, doc = host.get_json("/healthz")
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["Server"] == "fuma-host/" + doc["version"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    sent = email.utils.parsedate_to_datetime(headers["Date"])
    assert abs(sent.timestamp() - time.time()) < 60


def test_the_answer_on_the_wire_has_the_request_version_and_the_body_its_length_says(host):
    # The host writes the start line and the fields itself, header and body
    # in one buffer: an HTTP/1.0 request gets an HTTP/1.0 answer and the
    # connection closed after it; HTTP/1.1 keeps it open for the next one.
    with host.socket() as sock:
        sock.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    header, _, body = raw.partition(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    assert lines[0] == "HTTP/1.0 200 OK"
    fields = dict(line.split(": ", 1) for line in lines[1:])
    assert int(fields["Content-Length"]) == len(body)
    assert json.loads(body)["ok"] is True

    with host.socket() as sock:
        reader = Reader(sock)
        for _ in range(2):
            sock.sendall(b"GET /api/uscc/" + VALID.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            status, headers, body = reader.response()
            assert status == 200 and json.loads(body)["valid"] is True
            assert headers.get("connection", "") != "close"
        sock.sendall(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, body = reader.response()
        assert status == 404 and json.loads(body)["error"]["code"] == "NOT_FOUND"
    assert reader.data == b""


def test_valid_code_is_valid_with_its_parts(host):
    status, _, doc = host.get_json(f"/api/uscc/{VALID}")
    assert status == 200
    assert doc["ok"] is True and doc["valid"] is True and doc["reason"] is None
    assert doc["code"] == VALID
    assert doc["parts"]["division"]["code"] == "350100"
    assert doc["parts"]["org_code"] == "M000100Y4"
    assert doc["parts"]["check"] == "3"


def test_wrong_check_character_gives_reason_check_in_chinese(host):
    status, _, doc = host.get_json(f"/api/uscc/{VALID[:-1]}4")
    assert status == 200
    assert doc["valid"] is False
    assert doc["reason"] == "CHECK"
    assert doc["position"] == 18
    assert CHINESE.search(doc["message"])


def test_percent_encoded_full_width_character_gives_reason_charset(host):
    code = urllib.parse.quote(VALID[:-1] + "\uff21")  # full-width A
    assert "%EF%BC%A1" in code
    status, _, doc = host.get_json(f"/api/uscc/{code}")
    assert status == 200
    assert doc["reason"] == "CHARSET"
    assert doc["position"] == 18
    assert "全角" in doc["message"]


def test_percent_decoding_reaches_the_engine(host):
    # %39 is '9': the engine sees the decoded code, which is valid.
    status, _, doc = host.get_json("/api/uscc/%39" + VALID[1:])
    assert status == 200
    assert doc["valid"] is True


def test_query_string_does_not_change_the_code(host):
    status, _, doc = host.get_json(f"/api/uscc/{VALID}?format=x")
    assert status == 200
    assert doc["code"] == VALID and doc["valid"] is True


def test_malformed_percent_escapes_are_400(host):
    for bad in ["%G1" + VALID, VALID + "%4", VALID + "%", "%%41"]:
        status, headers, body = host.request("GET", f"/api/uscc/{bad}")
        doc = assert_error(status, headers, body, 400, "INVALID_ARGUMENT")
        assert "percent" in doc["error"]["detail"], bad


def test_invalid_utf8_after_decoding_is_a_clean_400(host):
    # Lone continuation byte, truncated sequence, overlong '/', surrogate.
    for bad in ["%FF", VALID[:-1] + "%80", "%E4%B8", "%C0%AF", "%ED%A0%80"]:
        status, headers, body = host.request("GET", f"/api/uscc/{bad}")
        doc = assert_error(status, headers, body, 400, "INVALID_ARGUMENT")
        assert "UTF-8" in doc["error"]["detail"], bad


def test_encoded_nul_byte_is_judged_by_the_engine(host):
    status, _, doc = host.get_json(f"/api/uscc/{VALID[:5]}%00{VALID[6:]}")
    assert status == 200
    assert doc["valid"] is False


def test_unknown_path_is_404_not_found(host):
    for path in ["/nope", "/api/uscc", "/api/uscc/", f"/api/uscc/{VALID}/x", "/healthz/"]:
        status, headers, body = host.request("GET", path)
        assert_error(status, headers, body, 404, "NOT_FOUND")


def test_other_methods_are_405_with_allow(host):
    for method, path in [("DELETE", "/healthz"), ("PUT", f"/api/uscc/{VALID}"),
                         ("OPTIONS", "/healthz")]:
        status, headers, body = host.request(method, path)
        assert_error(status, headers, body, 405, "METHOD_NOT_ALLOWED")
        assert headers["Allow"] == "GET, HEAD"


def test_head_sends_the_get_header_without_body(host):
    _, _, get_body = host.request("GET", f"/api/uscc/{VALID}")
    with host.socket() as sock:
        # Pipelined: a body after the HEAD answer would be read as the start
        # of the second answer.
        sock.sendall(f"HEAD /api/uscc/{VALID} HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        reader = Reader(sock)
        status, headers, _ = reader.response(head=True)
        assert status == 200
        assert int(headers["content-length"]) == len(get_body)
        status, _, body = reader.response()
        assert status == 200
        assert json.loads(body)["schema_version"] >= 1


def test_keep_alive_serves_several_requests_on_one_connection(host):
    with host.socket() as sock:
        for _ in range(3):
            sock.sendall(f"GET /api/uscc/{VALID} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            status, headers, body = read_response(sock)
            assert status == 200
            assert headers.get("connection", "").lower() != "close"
            assert json.loads(body)["valid"] is True


def test_http11_request_without_host_is_400(host):
    with host.socket() as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n\r\n")
        status, _, body = read_response(sock)
    assert status == 400
    assert json.loads(body)["error"]["code"] == "INVALID_ARGUMENT"


def test_garbage_request_is_400_json_and_close(host):
    with host.socket() as sock:
        sock.sendall(b"GET /healthz HTTP/9.9 extra\r\n\r\n")
        status, headers, body = read_response(sock)
        assert status == 400
        assert headers["connection"] == "close"
        assert json.loads(body)["error"]["code"] == "INVALID_ARGUMENT"


def test_access_log_has_one_line_per_request_without_query(start_host):
    host = start_host()
    host.request("GET", "/healthz?token=SECRET-QUERY")
    lines = wait_for_log(host, "event=request")
    assert len(lines) == 1
    assert re.search(r"^ts=\S+ host=\S+ event=request remote=127\.0\.0\.1:\d+ method=GET "
                     r'path="/healthz" status=200 bytes=\d+ ms=\d+\.\d+ '
                     r"request_id=[0-9a-f]{32}$", lines[0]), lines[0]
    assert "SECRET-QUERY" not in host.log()


def test_a_request_line_reaches_the_log_of_a_quiet_host(start_host):
    # Request lines are gathered and written together, at least once a second.
    host = start_host()
    host.request("GET", "/healthz?quiet")
    # No further request and no shutdown pushes the line out: only the
    # periodic flush can write it.
    wait_for_log(host, 'path="/healthz"')


def test_every_request_line_is_written_before_the_stop_line(start_host):
    host = start_host()
    with host.socket() as sock:
        for _ in range(300):
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_response(sock)[0] == 200
    host.stop()
    lines = host.log().splitlines()
    requests = [i for i, line in enumerate(lines) if " event=request " in line]
    stop = [i for i, line in enumerate(lines) if " event=stop " in line]
    assert len(requests) == 300 and len(stop) == 1
    assert max(requests) < stop[0]
    assert all(line.startswith("ts=") for line in lines)  # none torn or run together


def test_request_bodies_are_never_logged(start_host):
    host = start_host()
    status, _, _ = host.request("POST", "/healthz", body=b"SECRET-BODY-BYTES")
    assert status == 405
    wait_for_log(host, 'method=POST path="/healthz" status=405')
    assert "SECRET-BODY-BYTES" not in host.log()
