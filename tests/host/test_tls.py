# SPDX-License-Identifier: Apache-2.0
"""fuma-host serving HTTPS with --tls-cert and --tls-key."""

import re
import socket
import ssl
import subprocess

import pytest

from conftest import Client, Host, host_binary, start_demo


def make_cert(directory, name):
    key = directory / f"{name}-key.pem"
    cert = directory / f"{name}-cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=127.0.0.1", "-days", "1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    return {"a": make_cert(directory, "a"), "b": make_cert(directory, "b")}


@pytest.fixture(scope="module")
def tls_host(tmp_path_factory, certs):
    cert, key = certs["a"]
    host = Host(tmp_path_factory.mktemp("tls-host"), "--tls-cert", str(cert),
                "--tls-key", str(key))
    yield host
    host.stop()


def run(*args):
    return subprocess.run([host_binary(), *args], capture_output=True, text=True, timeout=30)


def test_listening_line_says_https(tls_host):
    assert re.fullmatch(r"fuma-host listening on https://127\.0\.0\.1:\d+", tls_host.line)


def test_healthz_over_tls_is_200(tls_host):
    status, _, body = tls_host.request("GET", "/healthz")
    assert status == 200
    assert b'"ok":true' in body


def test_the_certificate_served_is_the_one_given(tls_host, certs):
    context = ssl.create_default_context(cafile=str(certs["a"][0]))
    context.check_hostname = False
    with socket.create_connection((tls_host.host, tls_host.port), timeout=10) as raw:
        with context.wrap_socket(raw) as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")


def test_cookies_over_tls_are_secure(tls_host):
    reply = Client(tls_host).request("GET", "/api/csrf")
    line = reply.cookie("fuma_csrf")
    assert "Secure" in [a.strip() for a in line.split(";")]


def test_page_cookies_over_tls_are_secure(tls_host):
    reply = Client(tls_host).request("GET", "/unit.html")
    assert "Secure" in [a.strip() for a in reply.cookie("fuma_csrf").split(";")]


def test_strict_transport_security_over_tls(tls_host):
    for path in ["/healthz", "/", "/nope"]:
        _, headers, _ = tls_host.request("GET", path)
        assert headers["Strict-Transport-Security"].startswith("max-age="), path
        assert int(headers["Strict-Transport-Security"].split("=")[1]) >= 86400 * 180


def test_a_refusal_over_tls_carries_strict_transport_security(tls_host):
    status, headers, _ = tls_host.request("GET", "/healthz", headers={"X-Big": "a" * 9000})
    assert status == 431
    assert headers["Strict-Transport-Security"].startswith("max-age="), headers


def test_a_staff_login_over_tls_sets_a_secure_httponly_cookie(tmp_path, certs):
    cert, key = certs["a"]
    host, _ = start_demo(tmp_path, "--tls-cert", str(cert), "--tls-key", str(key))
    try:
        client = Client(host, "staff")
        reply = client.login_staff("shouli")
        attrs = [a.strip() for a in reply.cookie("fuma_staff").split(";")]
        assert {"Secure", "HttpOnly", "SameSite=Strict"} <= set(attrs)
        assert client.get("queue.list", {"status": "submitted"}).status == 200
        logout = client.call("staff.logout")
        attrs = [a.strip() for a in logout.cookie("fuma_staff").split(";")]
        assert {"Secure", "Max-Age=0"} <= set(attrs)
    finally:
        host.stop()


def test_plain_http_to_the_tls_port_gets_no_http_answer(tls_host):
    with socket.create_connection((tls_host.host, tls_host.port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(10)
        try:
            data = sock.recv(4096)
        except (ConnectionResetError, socket.timeout):
            data = b""
    assert not data.startswith(b"HTTP/1.1 200")
    # And the host still serves TLS clients.
    assert tls_host.request("GET", "/healthz")[0] == 200


def test_a_failed_handshake_is_one_tls_line_with_each_key_once(tls_host):
    with socket.create_connection((tls_host.host, tls_host.port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(10)
        try:
            while sock.recv(4096):
                pass
        except (ConnectionResetError, socket.timeout):
            pass
    lines = [line for line in tls_host.log().splitlines() if " event=tls " in line]
    assert lines, tls_host.log()
    keys = [field.split("=", 1)[0] for field in lines[-1].split(" ") if "=" in field]
    assert keys[:5] == ["ts", "host", "event", "failed", "what"], lines[-1]
    assert "event=tls failed=handshake what=" in lines[-1]


def test_tls_cert_without_tls_key_exits_2(tmp_path, certs):
    result = run("--data", str(tmp_path / "d"), "--listen", "127.0.0.1:0",
                 "--tls-cert", str(certs["a"][0]))
    assert result.returncode == 2
    assert "--tls-cert and --tls-key go together" in result.stderr


def test_tls_key_without_tls_cert_exits_2(tmp_path, certs):
    result = run("--data", str(tmp_path / "d"), "--listen", "127.0.0.1:0",
                 "--tls-key", str(certs["a"][1]))
    assert result.returncode == 2


def test_a_key_that_does_not_match_exits_1_with_a_message(tmp_path, certs):
    result = run("--data", str(tmp_path / "d"), "--listen", "127.0.0.1:0",
                 "--tls-cert", str(certs["a"][0]), "--tls-key", str(certs["b"][1]))
    assert result.returncode == 1
    assert str(certs["b"][1]) in result.stderr
    assert re.search("mismatch|does not match", result.stderr), result.stderr
    assert "listening" not in result.stdout


def test_a_missing_certificate_file_exits_1(tmp_path, certs):
    result = run("--data", str(tmp_path / "d"), "--listen", "127.0.0.1:0",
                 "--tls-cert", str(tmp_path / "nope.pem"), "--tls-key", str(certs["a"][1]))
    assert result.returncode == 1
    assert "nope.pem" in result.stderr
